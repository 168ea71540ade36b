//! Failures in source words end to end: `resin compile` keeps constant
//! names and source maps in `.rbc` files (`--strip` drops them), and
//! receipts, `expect` messages and the REPL name the constant, the source
//! line and the account.

use crate::common::*;

const DATA: &str = "tests/e2e/data/debug";

#[test]
fn receipts_name_constants_lines_and_accounts() {
    let out = resin_out(&["run", &format!("{DATA}/failures.rsx")]);
    out.expect_code(0);
    insta::assert_snapshot!("failures", without_timings(&out.stdout));
}

#[test]
fn a_failed_expect_says_what_the_transaction_did() {
    let dir = tempfile::tempdir().unwrap();
    let bank = std::fs::read_to_string(repo().join(DATA).join("bank.rsn")).unwrap();
    write(dir.path(), "bank.rsn", &bank);
    let script =
        write(dir.path(), "s.rsx", "account alice\npublish bank.rsn\ncall alice bank::take 1\nexpect success\n");
    let out = resin_path_out(&["run"], &[&script]);
    out.expect_code(1);
    assert_has(
        &out.stderr,
        "expected success from the call, but transaction [1] ended in runtime error ResourceMissing: \
             0x2::bank::Vault at @alice at bank.rsn:11:17 in 0x2::bank::take",
    );
}

#[test]
fn an_abort_is_expected_by_its_constants_name() {
    let dir = tempfile::tempdir().unwrap();
    let bank = std::fs::read_to_string(repo().join(DATA).join("bank.rsn")).unwrap();
    write(dir.path(), "bank.rsn", &bank);
    let script = "account alice\npublish bank.rsn\ncall alice bank::open\ncall alice bank::take 9\n\
                  expect abort E_TOO_MUCH\nexpect abort E_EMPTY\n";
    let out = resin_path_out(&["run"], &[&write(dir.path(), "s.rsx", script)]);
    out.expect_code(1);
    assert_has(
        &out.stderr,
        "s.rsx:6:1: expected abort E_EMPTY from the call, but transaction [2] ended in aborted with \
             E_TOO_MUCH (7) at bank.rsn:12:9 in 0x2::bank::take",
    );
}

#[test]
fn compiled_bytecode_keeps_its_debug_section_unless_stripped() {
    let dir = tempfile::tempdir().unwrap();
    let source = repo().join(DATA).join("bank.rsn");
    let (full, stripped) = (dir.path().join("full"), dir.path().join("stripped"));
    resin_path_out(&["compile", "-o"], &[&full, &source]).expect_code(0);
    resin_path_out(&["compile", "--strip", "-o"], &[&stripped, &source]).expect_code(0);
    let with = std::fs::read(full.join("bank.rbc")).unwrap();
    let without = std::fs::read(stripped.join("bank.rbc")).unwrap();
    // The stripped file is the full one's code: the debug section is a suffix.
    assert!(with.len() > without.len());
    assert_eq!(&with[..without.len()], &without[..]);
    assert_eq!(&with[without.len()..without.len() + 4], b"RDBG");
    let script = "account alice\npublish bank.rbc\ncall alice bank::open\ncall alice bank::take 9\n";
    let named = write(&full, "s.rsx", script);
    let out = resin_path_out(&["run"], &[&named]);
    out.expect_code(0);
    assert_has(&out.stdout, "ABORTED with E_TOO_MUCH (7) at bank.rsn:12:9 in 0x2::bank::take");
    let bare = write(&stripped, "s.rsx", script);
    let out = resin_path_out(&["run"], &[&bare]);
    out.expect_code(0);
    assert_has(&out.stdout, "ABORTED with code 7 in 0x2::bank::take at offset ");
}

#[test]
fn a_damaged_debug_section_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let source = repo().join(DATA).join("bank.rsn");
    resin_path_out(&["compile", "-o"], &[dir.path(), &source]).expect_code(0);
    let rbc = dir.path().join("bank.rbc");
    let mut bytes = std::fs::read(&rbc).unwrap();
    // Cut the section short: its last source map ends inside an entry.
    bytes.truncate(bytes.len() - 2);
    std::fs::write(&rbc, &bytes).unwrap();
    let out = resin_path_out(&["disasm"], &[&rbc]);
    out.expect_code(1);
    assert_has(&out.stderr, "bank.rbc: bad debug section at byte ");
}

#[test]
fn the_repl_names_the_constant_too() {
    let input = format!("account alice\npublish {DATA}/bank.rsn\ncall alice bank::open\ncall alice bank::take 9\n");
    let out = run_with(resin().arg("repl"), Some(&input));
    out.expect_code(0);
    assert_has(&out.stdout, "ABORTED with E_TOO_MUCH (7) at bank.rsn:12:9 in 0x2::bank::take");
}
