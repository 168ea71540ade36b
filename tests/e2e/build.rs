//! check, compile and disasm; usage errors; help.

use crate::common::*;

#[test]
fn check_compile_and_disasm_the_example_contract() {
    let out = resin_out(&["check", "examples/coin.rsn"]);
    out.expect_code(0);
    assert_has(&out.stdout, "ok: 1 module checked");

    let dir = tempfile::tempdir().unwrap();
    let out = resin_path_out(&["compile", "examples/coin.rsn", "-o"], &[dir.path()]);
    out.expect_code(0);
    let rbc = dir.path().join("coin.rbc");
    assert!(rbc.exists(), "{}", out.stdout);
    assert_eq!(&std::fs::read(&rbc).unwrap()[..4], b"RSNB");

    let out = resin_path_out(&["disasm"], &[&rbc]);
    out.expect_code(0);
    assert_has(&out.stdout, "module 0x2::coin");
    assert_has(&out.stdout, "fun transfer");
    assert!(out.stderr.is_empty(), "a compiled module verifies: {}", out.stderr);

    // A script publishes the compiled bytecode like a source.
    let script = write(
        dir.path(),
        "use_rbc.rsx",
        "publish coin.rbc\naccount alice\ncall alice coin::register\nexpect success\nshow alice\n",
    );
    let run = resin_path_out(&["run"], &[&script]);
    run.expect_code(0);
    assert_has(&run.stdout, "published 0x2::coin");
    assert_has(&run.stdout, "Balance { coin: 0x2::coin::Coin { value: 0 } }");

    // The disassembly printed by compile is the one disasm prints.
    let asm = resin_out(&["compile", "examples/coin.rsn", "--emit", "asm"]);
    asm.expect_code(0);
    assert_eq!(asm.stdout.trim(), out.stdout.trim());
}

#[test]
fn compile_emits_access_sets_tokens_and_ast() {
    let access = resin_out(&["compile", "stdlib/modules/coin.rsn", "--emit", "access"]);
    access.expect_code(0);
    assert!(access.stdout.starts_with("module 0x1::coin\n"), "{}", access.stdout);
    assert_has(&access.stdout, "  transfer: write Balance@to, write Balance@from\n");
    assert_has(&access.stdout, "  balance: read Balance@owner\n");

    let tokens = resin_out(&["compile", "examples/coin.rsn", "--emit", "tokens"]);
    tokens.expect_code(0);
    assert!(tokens.stdout.starts_with("examples/coin.rsn:3:1 `module`"), "{}", tokens.stdout);

    let ast = resin_out(&["compile", "examples/coin.rsn", "--emit", "ast"]);
    ast.expect_code(0);
    assert!(ast.stdout.contains("name: \"transfer\""), "{}", &ast.stdout[..ast.stdout.len().min(2000)]);
}

#[test]
fn a_broken_source_gives_a_located_diagnostic_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "broken.rsn", "module 0x1::m {\n    fun f() {\n        let x = ;\n    }\n}\n");
    for cmd in ["check", "compile"] {
        let out = resin_path_out(&[cmd], &[&bad]);
        out.expect_code(1);
        assert!(out.stderr.contains("broken.rsn:3:17"), "{cmd}: {}", out.stderr);
        assert_has(&out.stderr, "error");
        assert!(out.stdout.is_empty());
    }
    // A type error, found after parsing, is located the same way.
    let ill = write(dir.path(), "ill.rsn", "module 0x1::m {\n    fun f(): u64 {\n        true\n    }\n}\n");
    let out = resin_path_out(&["check"], &[&ill]);
    out.expect_code(1);
    assert_has(&out.stderr, "ill.rsn:3:9");
}

#[test]
fn garbage_bytecode_and_missing_files_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = write(dir.path(), "garbage.rbc", "this is not bytecode at all");
    let out = resin_path_out(&["disasm"], &[&garbage]);
    out.expect_code(1);
    assert_has(&out.stderr, "garbage.rbc: not a Resin module");

    // A valid header followed by junk.
    let mut bytes = b"RSNB\x01\x00".to_vec();
    bytes.extend((0..200u8).map(|i| i.wrapping_mul(37)));
    let junk = dir.path().join("junk.rbc");
    std::fs::write(&junk, bytes).unwrap();
    resin_path_out(&["disasm"], &[&junk]).expect_code(1);

    let out = resin_out(&["check", "no/such/file.rsn"]);
    out.expect_code(1);
    assert!(out.stderr.starts_with("error: no/such/file.rsn:"), "{}", out.stderr);
}

#[test]
fn bad_usage_exits_2_and_every_command_has_help() {
    for args in [
        &["frobnicate"][..],
        &["run"],
        &["check"],
        &["compile", "x.rsn", "--emit", "nothing"],
        &["bench", "--threads", "0"],
        &["run", "x.rsx", "--no-such-flag"],
    ] {
        let out = resin_out(args);
        out.expect_code(2);
        assert!(out.stderr.contains("error"), "{args:?}: {}", out.stderr);
    }
    resin_out(&[]).expect_code(2);
    for cmd in ["check", "compile", "disasm", "run", "schedule", "repl", "bench"] {
        let out = resin_out(&[cmd, "--help"]);
        out.expect_code(0);
        assert!(out.stdout.contains("Usage: resin"), "{cmd}: {}", out.stdout);
    }
    let out = resin_out(&["--help"]);
    out.expect_code(0);
    assert_has(&out.stdout, "Exit codes");
}

/// A function holding an `if .. else if ..` chain `depth` long.
fn else_if_chain(depth: usize) -> String {
    let mut text = String::from("module 0x1::m {\n    fun f(x: u64): u64 {\n        if (x == 0) { 0 }");
    for k in 1..depth {
        text.push_str(&format!(" else if (x == {k}) {{ {k} }}"));
    }
    text.push_str(" else { 1 }\n    }\n}\n");
    text
}

#[test]
fn the_printed_syntax_tree_grows_linearly_with_nesting() {
    let dir = tempfile::tempdir().unwrap();
    let size = |depth: usize| {
        let file = write(dir.path(), &format!("chain{depth}.rsn"), &else_if_chain(depth));
        let out = resin_path_out(&["compile", "--emit", "ast"], &[&file]);
        out.expect_code(0);
        assert_eq!(out.stdout.lines().count(), 2, "a module line and an item line");
        out.stdout.len()
    };
    // Twice the depth, about twice the output (an indented dump grows fourfold).
    let (short, long) = (size(100), size(200));
    assert!(long * 10 < short * 22, "{short} then {long} bytes");
}

#[test]
fn token_positions_count_lines_and_characters() {
    let dir = tempfile::tempdir().unwrap();
    let text = "module 0x1::m {\r\n    /* é */ fun f() {}\n\n  // ü\n}";
    let file = write(dir.path(), "pos.rsn", text);
    let out = resin_path_out(&["compile", "--emit", "tokens"], &[&file]);
    out.expect_code(0);
    let positions: Vec<&str> =
        out.stdout.lines().map(|l| l.split(' ').next().unwrap().rsplit_once("pos.rsn:").unwrap().1).collect();
    // Oracle: each token's line and character column, counted from the start.
    let expected = ["1:1", "1:8", "1:11", "1:13", "1:15", "2:13", "2:17", "2:18", "2:19", "2:21", "2:22", "5:1"];
    assert_eq!(positions, expected, "{}", out.stdout);
}

/// docs/CLI.md shows `--emit access` on the example token: the sample is the
/// command's real output (the block after the `$ resin ...` line, unindented).
#[test]
fn the_documented_access_sample_is_true() {
    let doc = std::fs::read_to_string(repo().join("docs/CLI.md")).unwrap();
    let command = "$ resin compile examples/token.rsn --emit access";
    let start = doc.find(command).expect("the sample is in docs/CLI.md") + command.len();
    let block = &doc[start..doc[start..].find("```").map(|e| start + e).unwrap()];
    let documented: String = block
        .lines()
        .map(|l| l.strip_prefix("  ").unwrap_or(l))
        .filter(|l| !l.is_empty())
        .map(|l| format!("{l}\n"))
        .collect();
    let out = resin_out(&["compile", "examples/token.rsn", "--emit", "access"]);
    out.expect_code(0);
    assert_eq!(out.stdout, documented);
}
