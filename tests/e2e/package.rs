//! Packages (`resin new`, `resin build`, Resin.toml), `.rbc` dependencies
//! of check and compile, views (`view`, `resin view`) and `resin run --json`.

use std::path::Path;

use crate::common::{assert_has, resin, run_with, write, Out};

/// `resin ARGS` run in `dir`.
fn resin_in(dir: &Path, args: &[&str]) -> Out {
    run_with(resin().current_dir(dir).args(args), None)
}

/// A package `name` in `dir` with `toml` as its manifest and one source.
fn package(dir: &Path, name: &str, toml: &str, source: &str) {
    std::fs::create_dir_all(dir.join(name).join("sources")).unwrap();
    write(&dir.join(name), "Resin.toml", toml);
    write(&dir.join(name).join("sources"), &format!("{name}.rsn"), source);
}

#[test]
fn new_then_build_then_the_demo_script() {
    let tmp = tempfile::tempdir().unwrap();
    let created = resin_in(tmp.path(), &["new", "hello"]);
    created.expect_code(0);
    insta::assert_snapshot!("new", created.stdout);
    let pkg = tmp.path().join("hello");
    for file in ["Resin.toml", ".gitignore", "sources/hello.rsn", "tests/hello_tests.rsn", "scripts/demo.rsx"] {
        assert!(pkg.join(file).is_file(), "{file} was not created");
    }

    let built = resin_in(&pkg, &["build"]);
    built.expect_code(0);
    insta::assert_snapshot!("build", built.stdout);
    // The module is at the manifest's address, as the disassembler reads
    // the file back.
    let disasm = resin_in(&pkg, &["disasm", "build/hello.rbc"]);
    disasm.expect_code(0);
    assert_has(&disasm.stdout, "module 0x2::hello");
    let access = std::fs::read_to_string(pkg.join("build/access.txt")).unwrap();
    assert!(access.starts_with("module 0x2::hello\n"), "{access}");
    assert!(access.contains("  bump: write Counter@account\n"), "{access}");

    let demo = resin_in(&pkg, &["run", "scripts/demo.rsx"]);
    demo.expect_code(0);
    insta::assert_snapshot!("demo", demo.stdout);
}

#[test]
fn new_refuses_to_overwrite_and_names_that_cannot_be_modules() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("taken")).unwrap();
    let out = resin_in(tmp.path(), &["new", "taken"]);
    out.expect_code(1);
    assert_eq!(out.stderr, "error: taken already exists: `resin new` never writes over anything\n");
    assert_eq!(std::fs::read_dir(tmp.path().join("taken")).unwrap().count(), 0, "wrote into the folder");
    for (name, why) in [
        ("my-pkg", "use letters, digits and `_`, starting with a letter (at most 64)"),
        ("1st", "use letters, digits and `_`, starting with a letter (at most 64)"),
        ("module", "it is a keyword of the language"),
        ("vector", "the compiler's builtin modules own that name"),
    ] {
        let out = resin_in(tmp.path(), &["new", name]);
        out.expect_code(1);
        assert_eq!(out.stderr, format!("error: `{name}` cannot name a package: {why}\n"));
        assert!(!tmp.path().join(name).exists());
    }
}

#[test]
fn manifest_errors_name_the_file_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let source = "module 0x2::m {}";
    let cases = [
        ("bad_address", "[package]\nname = \"m\"\nversion = \"0.1.0\"\n[addresses]\nm = \"0xq\"\n"),
        ("typo", "[package]\nname = \"m\"\nversion = \"0.1.0\"\n[adresses]\nm = \"0x2\"\n"),
        ("no_version", "[package]\nname = \"m\"\n"),
        ("not_toml", "[package\nname = \"m\"\n"),
        (
            "nested",
            &format!("[package]\nname = \"m\"\nversion = \"0.1.0\"\nx = {}{}\n", "[".repeat(5000), "]".repeat(5000)),
        ),
        (
            "missing_dep",
            "[package]\nname = \"m\"\nversion = \"0.1.0\"\n[dependencies]\nutil = { path = \"../nowhere\" }\n",
        ),
    ];
    let mut report = String::new();
    for (case, toml) in cases {
        package(tmp.path(), case, toml, source);
        let out = resin_in(&tmp.path().join(case), &["build"]);
        out.expect_code(1);
        report.push_str(&format!("--- {case}\n{}", out.stderr));
    }
    let out = resin_in(tmp.path(), &["build"]);
    out.expect_code(1);
    report.push_str(&format!("--- no manifest\n{}", out.stderr));
    insta::assert_snapshot!("manifest_errors", report);
}

const UTIL: &str = "[package]\nname = \"util\"\nversion = \"1.0.0\"\n[addresses]\nutil = \"0x7\"\n";
const UTIL_SRC: &str = "module util::math {\n    public fun double(x: u64): u64 { x * 2 }\n    \
                        public fun home(): address { @util }\n}\n";
const APP: &str = "[package]\nname = \"app\"\nversion = \"0.2.0\"\n[addresses]\napp = \"0xa0\"\n\
                   [dependencies]\nutil = { path = \"../util\" }\n";
const APP_SRC: &str = "module app::app {\n    use util::math;\n    \
                       public fun quadruple(x: u64): u64 { math::double(math::double(x)) }\n    \
                       public fun where_util_lives(): address { util::math::home() }\n}\n";

#[test]
fn dependencies_build_first_and_their_named_addresses_reach_dependents() {
    let tmp = tempfile::tempdir().unwrap();
    package(tmp.path(), "util", UTIL, UTIL_SRC);
    package(tmp.path(), "app", APP, APP_SRC);
    let app = tmp.path().join("app");
    let out = resin_in(&app, &["build"]);
    out.expect_code(0);
    insta::assert_snapshot!("build_with_dependency", out.stdout);
    assert!(app.join("build/deps/util/math.rbc").is_file());

    // The built modules run: publish both and view through the dependent.
    write(
        &app,
        "views.rsx",
        "publish build/deps/util/math.rbc\npublish build/app.rbc\nview app::quadruple 5\nview app::where_util_lives\n",
    );
    let out = resin_in(&app, &["run", "views.rsx"]);
    out.expect_code(0);
    assert_has(&out.stdout, "0xa0::app::quadruple(5) -> 20, gas");
    assert_has(&out.stdout, "0xa0::app::where_util_lives() -> @0x7, gas");

    // `publish .` compiles and publishes the package folder itself, its
    // dependency first; publishing it again changes nothing.
    write(&app, "folder.rsx", "publish .\npublish .\nview app::quadruple 1\n");
    let out = resin_in(&app, &["run", "folder.rsx"]);
    out.expect_code(0);
    insta::assert_snapshot!("publish_package_folder", out.stdout);

    // `check` of the dependent's source alone: the dependency's named
    // address and its modules come from the package, as in `build`.
    let out = resin_in(&app, &["check", "sources/app.rsn"]);
    out.expect_code(0);
    assert_eq!(out.stdout, "ok: 1 module checked\n");
}

#[test]
fn dependency_cycles_and_misnamed_dependencies_are_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let a = "[package]\nname = \"a\"\nversion = \"0.1.0\"\n[dependencies]\nb = { path = \"../b\" }\n";
    let b = "[package]\nname = \"b\"\nversion = \"0.1.0\"\n[dependencies]\na = { path = \"../a\" }\n";
    package(tmp.path(), "a", a, "module 0x2::a {}");
    package(tmp.path(), "b", b, "module 0x3::b {}");
    let out = resin_in(&tmp.path().join("a"), &["build"]);
    out.expect_code(1);
    assert_eq!(out.stderr, "error: ../b/Resin.toml:5:1: dependency cycle: a -> b -> a\n");

    let c = "[package]\nname = \"c\"\nversion = \"0.1.0\"\n[dependencies]\nutil = { path = \"../b2\" }\n";
    package(tmp.path(), "c", c, "module 0x2::c {}");
    package(tmp.path(), "b2", "[package]\nname = \"b\"\nversion = \"0.1.0\"\n", "module 0x3::b {}");
    let out = resin_in(&tmp.path().join("c"), &["build"]);
    out.expect_code(1);
    assert_eq!(out.stderr, "error: Resin.toml:5:1: dependency `util` is the package `b` (../b2/Resin.toml)\n");
}

#[test]
fn check_and_compile_take_bytecode_dependencies() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "lib.rsn", "module 0x5::lib { public fun seven(): u64 { 7 } }");
    write(dir, "user.rsn", "module 0x6::user { public fun fourteen(): u64 { 0x5::lib::seven() * 2 } }");
    resin_in(dir, &["compile", "lib.rsn", "-o", "out"]).expect_code(0);
    // As a source, a .rbc file would not even lex; as a dependency it links.
    let out = resin_in(dir, &["check", "user.rsn", "out/lib.rbc"]);
    out.expect_code(0);
    assert_eq!(out.stdout, "ok: 1 module checked\n");
    let out = resin_in(dir, &["compile", "user.rsn", "out/lib.rbc", "-o", "out2"]);
    out.expect_code(0);
    assert_eq!(out.stdout, "wrote out2/user.rbc (0x6::user)\n", "only the source's module is written");
    // Without the dependency the module is unbound.
    resin_in(dir, &["check", "user.rsn"]).expect_code(1);
    // A broken .rbc is an error naming it.
    write(dir, "bad.rbc", "not bytecode");
    let out = resin_in(dir, &["check", "user.rsn", "bad.rbc"]);
    out.expect_code(1);
    assert!(out.stderr.starts_with("error: bad.rbc: "), "{}", out.stderr);
}

#[test]
fn build_errors_point_into_the_source_as_written() {
    let tmp = tempfile::tempdir().unwrap();
    let toml = "[package]\nname = \"hello\"\nversion = \"0.1.0\"\n[addresses]\nhello = \"0x2\"\n";
    // `true` starts at column 38 of the line as written, with the named
    // address in it: the rewrite to a number keeps the column.
    package(tmp.path(), "hello", toml, "module hello::hello { fun f(): u64 { true } }\n");
    let out = resin_in(&tmp.path().join("hello"), &["build"]);
    out.expect_code(1);
    assert_has(&out.stderr, "sources/hello.rsn:1:38");
    assert_has(&out.stderr, "expected `u64`, found `bool`");
    // The line is quoted as written, not as the compiler read it.
    assert_has(&out.stderr, "1 │ module hello::hello { fun f(): u64 { true } }");
    assert!(!out.stderr.contains("0x002"), "{}", out.stderr);
    assert!(!tmp.path().join("hello/build").exists(), "a failed build wrote build/");

    // A name narrower than its number (`h` for `0x2`) moves what follows:
    // the rewritten text is quoted, at its own columns.
    let narrow = toml.replace("hello = \"0x2\"", "h = \"0x2\"");
    std::fs::write(tmp.path().join("hello/Resin.toml"), narrow).unwrap();
    write(&tmp.path().join("hello/sources"), "hello.rsn", "module h::hello { fun f(): u64 { true } }\n");
    let out = resin_in(&tmp.path().join("hello"), &["build"]);
    out.expect_code(1);
    assert_has(&out.stderr, "1 │ module 0x2::hello { fun f(): u64 { true } }");
    assert_has(&out.stderr, "sources/hello.rsn:1:36");

    // A failing package with a good dependency writes nothing either.
    package(tmp.path(), "util", UTIL, UTIL_SRC);
    let app = APP.replace("app = \"0xa0\"", "hello = \"0x2\"").replace("name = \"app\"", "name = \"hello\"");
    std::fs::write(tmp.path().join("hello/Resin.toml"), app).unwrap();
    let out = resin_in(&tmp.path().join("hello"), &["build"]);
    out.expect_code(1);
    assert_has(&out.stdout, "compiling util");
    assert!(!tmp.path().join("hello/build").exists(), "a failed build wrote build/");
}

#[test]
fn a_package_on_the_standard_library_and_its_lone_file_say_what_is_missing() {
    let tmp = tempfile::tempdir().unwrap();
    let toml = "[package]\nname = \"vault\"\nversion = \"0.1.0\"\n[addresses]\nvault = \"0x2\"\n";
    let source =
        "module vault::vault {\n    public fun zero(): 0x1::currency::Coin<u64> { 0x1::currency::zero<u64>() }\n}\n";
    package(tmp.path(), "vault", toml, source);
    let pkg = tmp.path().join("vault");

    // A script publishes the package before the standard library: the
    // error says how to publish that, and the session stops there.
    std::fs::create_dir_all(pkg.join("scripts")).unwrap();
    write(&pkg.join("scripts"), "first.rsx", "publish ..\n");
    let out = resin_in(&pkg, &["run", "scripts/first.rsx"]);
    out.expect_code(1);
    assert_has(&out.stderr, "first.rsx:1:1");
    assert_has(&out.stderr, "depends on 0x1::currency, which is not published");
    assert_has(&out.stderr, "`publish stdlib` publishes the standard library");
    write(&pkg.join("scripts"), "first.rsx", "publish stdlib currency\npublish ..\n");
    resin_in(&pkg, &["run", "scripts/first.rsx"]).expect_code(0);
    // A folder that is no package is named as such (`.` is `scripts/`).
    write(&pkg.join("scripts"), "here.rsx", "publish .\n");
    let out = resin_in(&pkg, &["run", "scripts/here.rsx"]);
    out.expect_code(1);
    assert_has(&out.stderr, "here.rsx:1:1");
    assert_has(&out.stderr, "is a folder without a Resin.toml: `publish` takes a package folder");

    // A missing module of another address gets no such advice.
    write(&pkg.join("sources"), "vault.rsn", &source.replace("0x1::currency::", "0x3::currency::"));
    let out = resin_in(&pkg, &["run", "scripts/first.rsx"]);
    out.expect_code(1);
    assert!(!out.stderr.contains("publish stdlib"), "{}", out.stderr);

    // `check` and `compile` of a file inside the package know its named
    // addresses; a copy outside any package knows none, and is told where
    // they work.
    write(&pkg.join("sources"), "vault.rsn", source);
    let out = resin_in(&pkg, &["check", "sources/vault.rsn"]);
    out.expect_code(0);
    assert_eq!(out.stdout, "ok: 1 module checked\n");
    let out = resin_in(&pkg.join("sources"), &["compile", "vault.rsn", "-o", "../out"]);
    out.expect_code(0);
    assert_eq!(out.stdout, "wrote ../out/vault.rbc (0x2::vault)\n");
    write(tmp.path(), "lone.rsn", source);
    let out = resin_in(tmp.path(), &["check", "lone.rsn"]);
    out.expect_code(1);
    assert_has(&out.stderr, "lone.rsn:1:8");
    assert_has(&out.stderr, "the `[addresses]` of a package's Resin.toml");
    resin_in(&pkg, &["build"]).expect_code(0);
}

#[test]
fn check_and_compile_of_one_file_see_its_packages_other_sources_and_tests_check_as_a_test_build() {
    let tmp = tempfile::tempdir().unwrap();
    let toml = "[package]\nname = \"calc\"\nversion = \"0.1.0\"\n[addresses]\ncalc = \"0x2\"\n";
    package(tmp.path(), "calc", toml, "module calc::calc {\n    public fun double(x: u64): u64 { x * 2 }\n}\n");
    let pkg = tmp.path().join("calc");
    let user = "module calc::user {\n    use calc::calc;\n    public fun quad(x: u64): u64 { calc::double(calc::double(x)) }\n}\n";
    write(&pkg.join("sources"), "user.rsn", user);

    // One file that uses a sibling: checked with it, and only its own
    // module counted and written.
    let out = resin_in(&pkg, &["check", "sources/user.rsn"]);
    out.expect_code(0);
    assert_eq!(out.stdout, "ok: 1 module checked\n");
    let out = resin_in(&pkg, &["compile", "sources/user.rsn", "-o", "out"]);
    out.expect_code(0);
    assert_eq!(out.stdout, "wrote out/user.rbc (0x2::user)\n");
    assert!(!pkg.join("out/calc.rbc").exists(), "a sibling's module was written too");

    // A mistake against the sibling's signature is found, and named in
    // the file it is in.
    write(&pkg.join("sources"), "user.rsn", &user.replace("calc::double(x)", "calc::double(x, 1)"));
    let out = resin_in(&pkg, &["check", "sources/user.rsn"]);
    out.expect_code(1);
    assert_has(&out.stderr, "sources/user.rsn:3:");
    assert_has(&out.stderr, "takes 1 argument, 2 given");
    write(&pkg.join("sources"), "user.rsn", user);

    // A test file is a test build's: its `#[test_only]` module is checked
    // (a build leaves it out), against the package's sources.
    std::fs::create_dir_all(pkg.join("tests")).unwrap();
    let tests =
        "#[test_only]\nmodule calc::calc_tests {\n    use calc::user;\n    #[test]\n    fun quads() {\n        \
                 assert!(user::quad(1) == 4, 0);\n    }\n}\n";
    write(&pkg.join("tests"), "calc_tests.rsn", tests);
    let out = resin_in(&pkg, &["check", "tests/calc_tests.rsn"]);
    out.expect_code(0);
    assert_eq!(out.stdout, "ok: 1 module checked\n");
    write(&pkg.join("tests"), "calc_tests.rsn", &tests.replace("user::quad(1)", "user::quad(true)"));
    let out = resin_in(&pkg, &["check", "tests/calc_tests.rsn"]);
    out.expect_code(1);
    assert_has(&out.stderr, "tests/calc_tests.rsn:6:");
}

#[test]
fn a_file_where_a_package_folder_belongs_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    resin_in(tmp.path(), &["new", "hello"]).expect_code(0);
    let pkg = tmp.path().join("hello");
    std::fs::remove_dir_all(pkg.join("sources")).unwrap();
    write(&pkg, "sources", "module hello::hello {}\n");
    for command in ["build", "test"] {
        let out = resin_in(&pkg, &[command]);
        out.expect_code(1);
        assert_has(
            &out.stderr,
            "sources: not a directory (a package keeps its files in sources/, tests/ and scripts/)",
        );
    }
    // A missing folder is a package without those files.
    std::fs::remove_file(pkg.join("sources")).unwrap();
    std::fs::remove_dir_all(pkg.join("tests")).unwrap();
    std::fs::remove_dir_all(pkg.join("scripts")).unwrap();
    resin_in(&pkg, &["build"]).expect_code(0);
}
