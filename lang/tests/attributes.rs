//! Attributes: `#[test]`, `#[expected_failure]`, `#[test_only]`.
//!
//! Every `tests/cases/attributes/*.rsn` file is a case compiled in a test
//! build and snapshotted with its diagnostics (`err_*` must be rejected,
//! the others compile cleanly). The tests below check, against names and
//! values written out by hand, what a normal build leaves out, what a test
//! build lists, and that the VM runs the listed tests as the runner will.

mod support;

use resin_format::file_format::{AccountAddress, Module, ModuleId};
use resin_lang::{compile, compile_tests, compile_until, parse, printer, Code, Expected, SourceFile, Stage};
use resin_vm::{execute_as_signers, BlockContext, Status, Transaction, World};

fn case(name: &str) -> Vec<SourceFile> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/attributes").join(name);
    vec![SourceFile::new(name, support::read_case(&path))]
}

fn stdlib() -> Vec<Module> {
    let files = resin_stdlib_sources();
    let result = compile(&files, &[]);
    assert!(!result.has_errors(), "{}", result.diagnostics.render(&files));
    result.modules.into_iter().map(|m| m.module).collect()
}

/// The standard library's coin, read from the repository (this crate cannot
/// depend on `resin-stdlib`, which depends on it).
fn resin_stdlib_sources() -> Vec<SourceFile> {
    let path = support::repo_root().join("stdlib/modules/coin.rsn");
    vec![SourceFile::new("coin.rsn", support::read_case(&path))]
}

#[test]
fn attribute_cases() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots/attributes");
    settings.set_prepend_module_to_snapshot(false);
    let deps = stdlib();
    settings.bind(|| {
        insta::glob!("cases/attributes/*.rsn", |path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let sources = vec![SourceFile::new(name.clone(), support::read_case(path))];
            let result = compile_tests(&sources, &deps);
            let rendered = result.diagnostics.render(&sources);
            assert_eq!(result.has_errors(), name.starts_with("err_"), "{name}:\n{rendered}");
            let tests: String = result.tests.iter().map(|t| format!("{t:?}\n")).collect();
            insta::assert_snapshot!(
                "case",
                format!("----- SOURCE\n{}----- OUTPUT\n{tests}{rendered}", sources[0].text)
            );
        });
    });
}

fn function_names(module: &Module) -> Vec<&str> {
    module.functions.iter().filter_map(|f| module.function_name(f)).collect()
}

fn struct_names(module: &Module) -> Vec<&str> {
    module.structs.iter().filter_map(|s| module.struct_name(s)).collect()
}

#[test]
fn a_normal_build_leaves_tests_and_test_only_items_out_of_the_bytecode() {
    let sources = case("tests_and_test_only.rsn");
    let result = compile(&sources, &stdlib());
    assert!(!result.has_errors(), "{}", result.diagnostics.render(&sources));
    assert!(result.tests.is_empty());
    // The test-only module is gone, and of `vault` only what is not test code.
    let ids: Vec<String> = result.modules.iter().map(|m| m.id.to_string()).collect();
    assert_eq!(ids, ["0x2::vault"]);
    let vault = &result.modules[0].module;
    assert_eq!(function_names(vault), ["open", "take"]);
    assert_eq!(struct_names(vault), ["Vault"]);
    // `TEST_AMOUNT` (5) is gone; `E_EMPTY` (7) stays; the test-only `use`
    // of `0x1::coin` leaves no handle.
    assert_eq!(vault.constants.len(), 1, "{:?}", vault.constants);
    assert!(vault.module_handles.iter().all(|m| m.name != "coin"), "{:?}", vault.module_handles);
}

#[test]
fn a_test_build_keeps_everything_and_lists_the_tests() {
    let sources = case("tests_and_test_only.rsn");
    let result = compile_tests(&sources, &stdlib());
    assert!(!result.has_errors(), "{}", result.diagnostics.render(&sources));
    let ids: Vec<String> = result.modules.iter().map(|m| m.id.to_string()).collect();
    assert_eq!(ids, ["0x2::vault", "0x2::vault_tests"]);
    assert_eq!(
        function_names(&result.modules[0].module),
        ["open", "take", "probe", "opens", "empty_vault_aborts", "fails"]
    );
    let a = AccountAddress::from_u64(0xa);
    let b = AccountAddress::from_u64(0xb);
    let listed: Vec<(String, Vec<AccountAddress>, Expected)> =
        result.tests.iter().map(|t| (t.name(), t.signers.clone(), t.expected.clone())).collect();
    assert_eq!(
        listed,
        [
            ("0x2::vault::opens".to_string(), vec![a, b], Expected::Success),
            (
                "0x2::vault::empty_vault_aborts".to_string(),
                vec![a],
                Expected::Abort { code: 7, name: Some("E_EMPTY".into()) }
            ),
            ("0x2::vault::fails".to_string(), vec![], Expected::Failure),
            (
                "0x2::vault_tests::other_module_code".to_string(),
                vec![],
                Expected::Abort { code: 7, name: Some("E_EMPTY".into()) }
            ),
            (
                "0x2::vault_tests::full_path_code".to_string(),
                vec![],
                Expected::Abort { code: 7, name: Some("E_EMPTY".into()) }
            ),
        ]
    );
}

/// Stripping happens before name resolution: normal code cannot use a
/// test-only function, and a test build accepts the same program.
#[test]
fn normal_code_cannot_call_test_only_code() {
    let text =
        "module 0x2::m {\n    #[test_only]\n    fun helper(): u64 { 1 }\n    public fun f(): u64 { helper() }\n}\n";
    let sources = [SourceFile::new("m.rsn", text)];
    let normal = compile_until(&sources, &[], Stage::Resolve);
    let codes: Vec<Code> = normal.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::UnboundFunction], "{}", normal.diagnostics.render(&sources));
    assert!(!compile_tests(&sources, &[]).has_errors());
}

/// The tests run on the VM as the runner runs them: each its own
/// transaction, signed by the addresses `#[test]` names.
#[test]
fn listed_tests_run_with_their_signers() {
    let sources = case("tests_and_test_only.rsn");
    let deps = stdlib();
    let result = compile_tests(&sources, &deps);
    let mut world = World::new();
    for m in deps {
        world.publish_stdlib(m).unwrap();
    }
    for m in result.modules {
        world.publish(m.module).unwrap();
    }
    let run = |name: &str| {
        let test = result.tests.iter().find(|t| t.function == name).unwrap();
        let tx = Transaction {
            sender: AccountAddress::ZERO,
            module: test.module.clone(),
            function: test.function.clone(),
            args: Vec::new(),
            gas_limit: 1_000_000,
            type_args: Vec::new(),
        };
        execute_as_signers(&world.code, &world.resources, &tx, BlockContext::default(), &test.signers)
    };
    let opens = run("opens");
    assert_eq!(opens.status, Status::Success);
    // alice's and bob's vaults, and bob's coin balance: three resources at
    // the two signers' own addresses.
    let mut written: Vec<AccountAddress> = opens.write_set.0.iter().map(|op| op.key.address).collect();
    written.sort();
    let (a, b) = (AccountAddress::from_u64(0xa), AccountAddress::from_u64(0xb));
    assert_eq!(written, [a, b, b]);
    assert!(matches!(run("empty_vault_aborts").status, Status::Aborted { code: 7, .. }));
    assert!(matches!(run("fails").status, Status::Aborted { code: 3, .. }));
    let vault = ModuleId::new(AccountAddress::from_u64(2), "vault");
    assert!(
        matches!(run("other_module_code").status, Status::RuntimeError { ref location, .. } if location.module == vault)
    );
}

/// Attributes print back as written, so the printed program parses to the
/// same tree.
#[test]
fn attributes_round_trip_through_the_printer() {
    let sources = case("tests_and_test_only.rsn");
    let (program, diags) = parse(&sources);
    assert!(!diags.has_errors());
    let printed = printer::print_program(&program);
    assert!(printed.contains("    #[test(alice = @0xa, bob = @0xb)]\n    fun opens("), "{printed}");
    assert!(printed.contains("    #[expected_failure(abort_code = 0x2::vault::E_EMPTY)]\n"), "{printed}");
    assert!(printed.starts_with("/// A module with tests"), "{printed}");
    let (reparsed, _) = parse(&[SourceFile::new("printed.rsn", printed.clone())]);
    assert_eq!(
        support::erase_spans(&format!("{program:#?}")),
        support::erase_spans(&format!("{reparsed:#?}")),
        "{printed}"
    );
}

/// `abort_code` may name a constant of a compiled dependency: its debug
/// section keeps constant names (the coin's `E_INSUFFICIENT` is 1 in
/// stdlib/modules/coin.rsn).
#[test]
fn abort_code_names_a_dependency_constant() {
    let text = "module 0x2::t {\n    use 0x1::coin;\n\n    #[test]\n    \
                #[expected_failure(abort_code = coin::E_INSUFFICIENT)]\n    fun a() { abort 1 }\n\n    \
                #[test]\n    #[expected_failure(abort_code = 0x1::coin::E_NOPE)]\n    fun b() { abort 1 }\n}\n";
    let sources = [SourceFile::new("t.rsn", text)];
    let result = compile_tests(&sources, &stdlib());
    let messages: Vec<String> = result.diagnostics.iter().map(|d| d.message.clone()).collect();
    assert_eq!(messages, ["`E_NOPE` is not a constant of `0x1::coin`"]);
    let fixed = text.replace("E_NOPE", "E_INSUFFICIENT");
    let result = compile_tests(&[SourceFile::new("t.rsn", fixed)], &stdlib());
    let expected: Vec<Expected> = result.tests.iter().map(|t| t.expected.clone()).collect();
    let insufficient = Expected::Abort { code: 1, name: Some("E_INSUFFICIENT".into()) };
    assert_eq!(expected, [insufficient.clone(), insufficient]);
}
