//! `resin test`: a package's `#[test]` functions and scripts, run in
//! parallel, reported one line each with a summary and an exit code.

use crate::common::{assert_has, resin_out, resin_path_out, write};

const PASSING: &str = "tests/e2e/data/test_pkg";
const FAILING: &str = "tests/e2e/data/test_fail";

#[test]
fn a_passing_package_reports_every_test_and_exits_0() {
    let out = resin_out(&["test", "--path", PASSING]);
    out.expect_code(0);
    let verdicts: Vec<&str> = out.stdout.lines().map(|l| l.split(" (gas").next().unwrap_or(l)).collect();
    assert_eq!(
        verdicts,
        [
            "PASS 0x2::vault::deposit_works",
            "PASS 0x2::vault_tests::vaults_are_per_account",
            "PASS 0x2::vault_tests::taking_too_much_aborts",
            "PASS 0x2::vault_tests::a_missing_vault_fails",
            "PASS tests/e2e/data/test_pkg/scripts/demo.rsx",
            "5 passed, 0 failed",
        ],
        "{}",
        out.stdout
    );
    // Every test function reports the gas it used, and it used some.
    for line in out.stdout.lines().filter(|l| l.contains("::")) {
        let gas = line.split("(gas ").nth(1).and_then(|g| g.strip_suffix(')')).unwrap_or_else(|| panic!("{line}"));
        assert!(gas.replace(',', "").parse::<u64>().unwrap() > 0, "{line}");
    }
}

/// The failing package's whole report is pinned: each kind of failure (an
/// unexpected abort, an expected failure that did not happen, the wrong
/// abort code, a runtime error, a script's failed `expect`) in words.
#[test]
fn a_failing_package_reports_why_and_exits_1() {
    let out = resin_out(&["test", "--path", FAILING, "--threads", "2"]);
    out.expect_code(1);
    assert_eq!(out.stderr, "error: 5 tests failed\n");
    insta::assert_snapshot!("failing_package", out.stdout);
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let one = resin_out(&["test", "--path", FAILING, "--threads", "1"]);
    let four = resin_out(&["test", "--path", FAILING, "--threads", "4"]);
    one.expect_code(1);
    assert_eq!(one.stdout, four.stdout);
}

#[test]
fn filter_runs_only_matching_tests() {
    let out = resin_out(&["test", "--path", FAILING, "--filter", "bump_"]);
    out.expect_code(1);
    let names: Vec<&str> =
        out.stdout.lines().filter(|l| !l.starts_with(' ')).map(|l| l.split(" (gas").next().unwrap_or(l)).collect();
    assert_eq!(
        names,
        ["PASS 0x2::tally::bump_works", "FAIL 0x2::tally::bump_before_start", "1 passed, 1 failed"],
        "{}",
        out.stdout
    );
    // A filter that matches nothing runs nothing, and nothing failed.
    let none = resin_out(&["test", "--path", FAILING, "--filter", "no such test"]);
    none.expect_code(0);
    assert_eq!(none.stdout, "0 passed, 0 failed\n");
}

#[test]
fn json_prints_one_object_per_test_and_a_summary() {
    let out = resin_out(&["test", "--path", FAILING, "--json", "--filter", "tally::"]);
    out.expect_code(1);
    let lines: Vec<serde_json::Value> =
        out.stdout.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect();
    assert_eq!(lines.len(), 6, "{}", out.stdout);
    assert_eq!(lines[0]["test"], "0x2::tally::bump_works");
    assert_eq!(lines[0]["passed"], true);
    assert_eq!(lines[0]["detail"], serde_json::json!([]));
    assert!(lines[0]["gas"].as_u64().unwrap() > 0);
    assert_eq!(lines[1]["test"], "0x2::tally::a_big_bump");
    assert_eq!(lines[1]["passed"], false);
    // The abort in source words (the constant, the file, line 11), then that line.
    let abort = lines[1]["detail"][0].as_str().unwrap();
    assert!(abort.starts_with("aborted with E_TOO_BIG (3) at tally.rsn:11:"), "{}", lines[1]);
    assert_eq!(lines[1]["detail"][1], "11 |         assert!(by < 10, E_TOO_BIG);");
    assert_eq!(lines[5], serde_json::json!({ "summary": { "passed": 1, "failed": 4 } }));
}

/// Files instead of a package: sources compiled together, scripts run.
#[test]
fn files_are_tested_without_a_package() {
    let dir = tempfile::tempdir().unwrap();
    let source = write(
        dir.path(),
        "pair.rsn",
        "module 0x3::pair {\n    struct Mark has key { by: address }\n\n    \
         public entry fun mark(account: &signer, other: address) {\n        \
         move_to(account, Mark { by: other });\n    }\n\n    \
         #[test(a = @0x11, b = @0x22)]\n    fun each_signer_is_its_own(a: &signer, b: signer) {\n        \
         mark(a, signer::address_of(&b));\n        mark(&b, signer::address_of(a));\n        \
         assert!(borrow_global<Mark>(@0x11).by == @0x22, 1);\n        \
         assert!(borrow_global<Mark>(@0x22).by == @0x11, 2);\n    }\n}\n",
    );
    let out = resin_path_out(&["test"], &[&source]);
    out.expect_code(0);
    assert!(out.stdout.starts_with("PASS 0x3::pair::each_signer_is_its_own (gas "), "{}", out.stdout);
    assert!(out.stdout.ends_with("1 passed, 0 failed\n"), "{}", out.stdout);

    let other = write(dir.path(), "notes.txt", "");
    let out = resin_path_out(&["test"], &[&other]);
    out.expect_code(1);
    assert_has(&out.stderr, "notes.txt: `resin test` takes sources (`.rsn`) and scripts (`.rsx`)");
}

#[test]
fn a_directory_without_a_manifest_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = resin_path_out(&["test", "--path"], &[dir.path()]);
    out.expect_code(1);
    assert_has(&out.stderr, "no Resin.toml in");
}

#[test]
fn a_bad_attribute_is_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    let source = write(dir.path(), "m.rsn", "module 0x3::m {\n    #[tset]\n    fun t() {}\n}\n");
    let out = resin_path_out(&["test"], &[&source]);
    out.expect_code(1);
    assert_has(&out.stderr, "error[E0133]: unknown attribute `#[tset]`");
    assert_has(&out.stderr, "m.rsn:2:7");
}

/// Tests never reach published bytecode: `resin compile` of the package's
/// module leaves its test out.
#[test]
fn compile_leaves_tests_out() {
    let out = resin_out(&["compile", "--emit", "asm", "tests/e2e/data/test_pkg/sources/vault.rsn"]);
    out.expect_code(0);
    assert_has(&out.stdout, "fun deposit(");
    assert!(!out.stdout.contains("deposit_works"), "{}", out.stdout);
}

/// A unit test moves its block's time and height on; nothing else can.
#[test]
fn tests_move_the_block_on_and_nothing_else_can() {
    let dir = tempfile::tempdir().unwrap();
    let vesting = "module 0x3::vesting {\n    const E_LOCKED: u64 = 1;\n    \
        struct Grant has key { amount: u64, unlocks_at: u64 }\n\n    \
        public fun grant(owner: &signer, amount: u64, unlocks_at: u64) {\n        \
        move_to(owner, Grant { amount, unlocks_at });\n    }\n\n    \
        public fun claim(owner: address): u64 {\n        \
        let Grant { amount, unlocks_at } = move_from<Grant>(owner);\n        \
        assert!(block::timestamp() >= unlocks_at, E_LOCKED);\n        amount\n    }\n\n    \
        #[test(alice = @0xa)]\n    fun claims_once_unlocked(alice: signer) {\n        \
        grant(&alice, 5, 100);\n        assert!(block::timestamp() == 0 && block::height() == 0, 10);\n        \
        block::set_timestamp_for_testing(100);\n        block::set_height_for_testing(3);\n        \
        assert!(block::height() == 3, 11);\n        assert!(claim(@0xa) == 5, 12);\n    }\n\n    \
        #[test(alice = @0xa)]\n    #[expected_failure(abort_code = E_LOCKED)]\n    \
        fun not_a_second_early(alice: signer) {\n        grant(&alice, 5, 100);\n        \
        block::set_timestamp_for_testing(99);\n        claim(@0xa);\n    }\n\n    \
        #[test(alice = @0xa)]\n    fun each_test_starts_at_time_0(alice: signer) {\n        \
        grant(&alice, 5, 0);\n        assert!(claim(@0xa) == 5, 13);\n    }\n}\n";
    let source = write(dir.path(), "vesting.rsn", vesting);
    let out = resin_path_out(&["test", "--threads", "1"], &[&source]);
    out.expect_code(0);
    assert!(out.stdout.ends_with("3 passed, 0 failed\n"), "{}", out.stdout);

    // The same call in published code does not compile...
    let cheat = vesting.replace(
        "assert!(block::timestamp() >= unlocks_at",
        "block::set_timestamp_for_testing(unlocks_at);\n        assert!(block::timestamp() >= unlocks_at",
    );
    let cheat = write(dir.path(), "cheat.rsn", &cheat);
    let out = resin_path_out(&["check"], &[&cheat]);
    out.expect_code(1);
    assert_has(&out.stderr, "`block::set_timestamp_for_testing` exists only in test builds");
    // ...and bytecode that holds it is refused when published.
    write(
        dir.path(),
        "cheat.rasm",
        "module 0x3::cheat\n\npublic fun f() {\n    ld_u64 0\n    test_set_block_timestamp\n    ret\n}\n",
    );
    let script = write(dir.path(), "publish.rsx", "publish cheat.rasm\n");
    let out = resin_path_out(&["run"], &[&script]);
    out.expect_code(1);
    assert_has(&out.stderr, "publish.rsx:1:1");
    assert!(
        out.stderr.contains(
            "`test_set_block_timestamp` may only run in a unit test: only a test build's modules may hold it"
        ),
        "{}",
        out.stderr
    );
}
