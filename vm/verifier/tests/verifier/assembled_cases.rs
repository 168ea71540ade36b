//! Verifier cases written in the text assembler, one module per file in
//! `tests/data/generics/` (generics) and `tests/data/shared_objects/` (keyed
//! storage, counters, friends, the vector, hash and block builtins),
//! `tests/data/integers/`, `tests/data/type_info/` and `tests/data/test_only/`.
//! Each file says what it expects in its first comment lines: `// verifies`,
//! or `// rejects: Kind` (the error kind's name) followed by `// error: ` and
//! the whole rendered error. A first line `// test build` verifies it as a
//! module of a test build (`verify_test_module`); one that verifies so must
//! then be rejected as `TestOnlyInstruction` anywhere else.

use std::path::PathBuf;

use resin_format::assembler::assemble;
use resin_verifier::{infer_access_spec, verify_module, verify_test_module, VerifyErrorKind};

const GENERIC_COIN: &str = include_str!("../../../format/tests/data/generic_coin.rasm");

/// The cases this suite must keep: an accepted generic module, and the
/// rejections by name the verifier's generic rules promise.
const REQUIRED: &[&str] =
    &["accepted_coin", "constraint_violation", "wrong_type_argument_count", "instantiation_loop", "type_bomb"];

enum Expect {
    Verifies,
    Rejects { kind: String, error: String },
}

fn expectation(name: &str, text: &str) -> Expect {
    let header = |prefix: &str| text.lines().find_map(|line| line.strip_prefix(prefix)).map(str::trim);
    if text.lines().find(|line| *line != TEST_BUILD) == Some("// verifies") {
        return Expect::Verifies;
    }
    let kind = header("// rejects: ").unwrap_or_else(|| panic!("{name}: no `// verifies` or `// rejects:` line"));
    let error = header("// error: ").unwrap_or_else(|| panic!("{name}: no `// error:` line"));
    Expect::Rejects { kind: kind.to_string(), error: error.to_string() }
}

/// The variant name of an error kind: its `Debug` form up to the fields.
fn kind_name(kind: &VerifyErrorKind) -> String {
    let debug = format!("{kind:?}");
    debug.split([' ', '{', '(']).next().unwrap_or_default().to_string()
}

/// The rejections by name the shared-object rules promise, and an accepted module.
const REQUIRED_SHARED: &[&str] = &[
    "accepted_token",
    "index_without_copy",
    "keyed_needs_key",
    "not_a_counter",
    "counter_add_while_borrowed",
    "add_does_not_cover_read",
    "keyed_index_not_covered",
    "plain_does_not_cover_keyed",
    "keyed_borrow_aliasing",
    "friend_other_address",
    "fixed_index_accepted",
    "fixed_index_other_value",
    "fixed_index_other_type",
    "fixed_index_two_values",
    "packed_index_accepted",
    "packed_index_two_packs",
    "packed_index_field_order",
    "packed_index_nested",
    "packed_index_param_invalid",
    "object_accepted",
    "object_seed_other_param",
    "object_two_seeds",
    "object_other_module",
    "object_param_invalid",
    "object_creator_invalid",
];

/// u16, u32 and u256: an accepted module using them everywhere the other
/// integers go, and the integer rules by name.
const REQUIRED_INTEGERS: &[&str] = &[
    "accepted_integers",
    "mixed_width_arithmetic",
    "shift_by_u256",
    "cast_from_bool",
    "constant_of_another_width",
    "u256_counter",
    "u16_counter_amount",
];

/// The first line of a case verified as a module of a test build.
const TEST_BUILD: &str = "// test build";

/// The test-only instructions: accepted in a test build, rejected anywhere
/// else (in any function), and typed.
const REQUIRED_TEST_ONLY: &[&str] =
    &["set_in_a_test_build", "set_outside_a_test_build", "height_outside_a_test_build", "set_takes_a_u64"];

/// `type_name` and `type_is_struct`: an accepted module, and the rules on
/// their type operand and their results.
const REQUIRED_TYPE_INFO: &[&str] = &[
    "accepted_type_info",
    "type_parameter_out_of_scope",
    "type_name_is_bytes",
    "type_is_struct_is_bool",
    "reference_as_type",
];

fn cases(subdir: &str) -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(subdir);
    let mut cases: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "rasm"))
        .map(|path| {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    cases.sort();
    cases
}

/// Runs every case of `subdir`, which must include `required`. With
/// `exact_specs`, an accepted module's hand-written specs are minimal:
/// inference must give each one back exactly.
fn run_cases(subdir: &str, required: &[&str], exact_specs: bool) {
    let cases = cases(subdir);
    for required in required {
        assert!(cases.iter().any(|(name, _)| name == required), "missing tests/data/{subdir}/{required}.rasm");
    }
    for (name, text) in &cases {
        let module = assemble(text).unwrap_or_else(|e| panic!("{name}.rasm does not assemble: {e}"));
        let test_build = text.lines().next() == Some(TEST_BUILD);
        let verified = if test_build { verify_test_module(&module) } else { verify_module(&module) };
        match (expectation(name, text), verified) {
            (Expect::Verifies, Ok(())) => {
                if test_build {
                    let err = verify_module(&module).expect_err(&format!("{name}.rasm verified outside a test build"));
                    assert_eq!(kind_name(&err.kind), "TestOnlyInstruction", "{name}.rasm: {err}");
                }
                // What verifies infers back a spec its declarations cover.
                for (index, def) in module.functions.iter().enumerate() {
                    let inferred = infer_access_spec(&module, index).unwrap_or_else(|e| panic!("{name}.rasm: {e}"));
                    if exact_specs {
                        let mut declared = module.function_handles[def.handle.index()].access.0.clone();
                        declared.sort();
                        let function = module.function_name(def).unwrap_or_default();
                        assert_eq!(inferred.0, declared, "{name}.rasm: {function}");
                    }
                }
            }
            (Expect::Verifies, Err(err)) => panic!("{name}.rasm should verify: {err}"),
            (Expect::Rejects { kind, .. }, Ok(())) => panic!("{name}.rasm should be rejected with {kind}"),
            (Expect::Rejects { kind, error }, Err(err)) => {
                assert_eq!(kind_name(&err.kind), kind, "{name}.rasm: {err}");
                assert_eq!(err.to_string(), error, "{name}.rasm");
            }
        }
    }
}

#[test]
fn generic_assembly_cases_verify_or_reject_by_name() {
    run_cases("generics", REQUIRED, false);
}

#[test]
fn shared_object_assembly_cases_verify_or_reject_by_name() {
    run_cases("shared_objects", REQUIRED_SHARED, true);
}

#[test]
fn the_formats_generic_coin_verifies_and_infers_its_specs() {
    let module = assemble(GENERIC_COIN).expect("generic_coin.rasm assembles");
    if let Err(err) = verify_module(&module) {
        panic!("generic_coin.rasm should verify: {err}");
    }
    for (index, def) in module.functions.iter().enumerate() {
        let mut declared = module.function_handles[def.handle.index()].access.0.clone();
        declared.sort();
        let inferred = infer_access_spec(&module, index).unwrap();
        assert_eq!(inferred.0, declared, "{}", module.function_name(def).unwrap());
    }
}

#[test]
fn integer_assembly_cases_verify_or_reject_by_name() {
    run_cases("integers", REQUIRED_INTEGERS, true);
}

#[test]
fn test_only_assembly_cases_verify_in_a_test_build_alone() {
    run_cases("test_only", REQUIRED_TEST_ONLY, true);
}

#[test]
fn type_info_assembly_cases_verify_or_reject_by_name() {
    run_cases("type_info", REQUIRED_TYPE_INFO, true);
}
