//! The REPL driven over stdin.

use crate::common::*;

#[test]
fn the_repl_goes_on_after_errors_with_the_state_unchanged() {
    let input = "\
publish stdlib coin
account alice
call alice coin::register
frobnicate now
call alice coin::mint 70
module 0x2::broken {
    fun f(): u64 { false }
}
call alice coin::mint oops
block {
    call alice coin::mint 30
    call alice coin::transfer alice 1
}
show alice
undo
show alice
help snapshot
";
    let out = run_with(resin().arg("repl"), Some(input));
    out.expect_code(0);
    let stdout = without_timings(&out.stdout);
    assert!(stdout.contains("[1] alice: 0x1::coin::register() -> success"), "{stdout}");
    assert!(stdout.contains("[2] alice: 0x1::coin::mint(70) -> success"), "{stdout}");
    // Errors go to stderr with their line in the session, and change nothing.
    assert_has(&out.stderr, "error: <repl>:4:1: unknown command `frobnicate`");
    assert_has(&out.stderr, "<repl>:9:");
    assert!(!stdout.contains("0x2::broken"), "{stdout}");
    assert!(stdout.contains("block of 2 txs"), "{stdout}");
    assert!(stdout.contains("Coin { value: 100 } }"), "after the block: {stdout}");
    assert!(stdout.contains("undone\nalice @"), "{stdout}");
    assert!(stdout.contains("Coin { value: 70 } }"), "after undo: {stdout}");
    assert!(stdout.contains("snapshot NAME"), "{stdout}");
}

#[test]
fn malformed_lines_never_crash_the_repl() {
    let lines = [
        "call",
        "call alice",
        "call @0x coin::x",
        "call alice ::",
        "call alice a::b::c::d",
        "show",
        "show @0xZZ",
        "account",
        "account true",
        "account x @nothex",
        "block }",
        "}",
        "[",
        "]]",
        ",",
        "expect",
        "expect abort",
        "expect field",
        "expect field a b",
        "expect field alice coin::Balance.",
        "transfers",
        "transfers x between",
        "transfers 5 between 1 accounts",
        "transfers 5 between 99999999999999999999999 accounts",
        "publish",
        "publish \"",
        "b\"unterminated",
        "x\"zz\"",
        "events some",
        "call alice coin::mint 340282366920938463463374607431768211456",
        "call alice coin::mint [1, [2, [3]]]",
        "\u{0}\u{1}",
        "émoji 🦀",
        "call a m::f gas",
        "call a m::f gas 1 2",
        "snapshot",
        "restore",
        "access",
        "access nope",
        "access 0x1::nope::f",
    ];
    let mut input = String::from("publish stdlib coin\naccount alice\n");
    for line in lines {
        input.push_str(line);
        input.push('\n');
    }
    input.push_str("block {\n");
    let out = run_with(resin().arg("repl"), Some(&input));
    out.expect_code(0);
    let errors = out.stderr.lines().filter(|l| l.starts_with("error: <repl>:")).count();
    assert!(errors >= lines.len() - 2, "{errors} errors for {} bad lines:\n{}", lines.len(), out.stderr);
}

#[test]
fn the_repl_keeps_the_block_context_across_inputs_and_errors() {
    let input = "\
time
time 1700000000
height 40
module 0x2::clock {
    struct Seen has key { time: u64, height: u64 }
    public entry fun see(s: &signer) { move_to(s, Seen { time: block::timestamp(), height: block::height() }); }
}
account alice
time +oops
call alice clock::see
show alice
time +5
help time
";
    let out = run_with(resin().arg("repl"), Some(input));
    out.expect_code(0);
    let stdout = without_timings(&out.stdout);
    assert!(stdout.starts_with("next block: time 0, height 1\nnext block: time 1700000000, height 1\n"), "{stdout}");
    assert!(stdout.contains("next block: time 1700000000, height 40\n"), "{stdout}");
    // The bad `time` changed nothing; the call ran at the time and height set.
    assert_has(&out.stderr, "expected a block time (seconds) or +SECONDS, found `+oops`");
    assert!(stdout.contains("  0x2::clock::Seen { time: 1700000000, height: 40 }\n"), "{stdout}");
    assert!(stdout.contains("next block: time 1700000005, height 41\n"), "{stdout}");
    assert!(stdout.contains("time | time SECONDS | time +SECONDS"), "{stdout}");
}

/// A `for` typed over several lines is read to its closing `}` and run as
/// one input; an error in its body runs none of it.
#[test]
fn the_repl_reads_a_loop_over_lines_and_expands_it() {
    let input = "\
publish stdlib coin
for i in 0..3 {
  account u{i}
  call u{i} coin::register
}
block {
  for i in 0..3 {
    call u{i} coin::mint {(i + 1) * 100}
  }
}
for i in 0..3 {
  account v{i}
  account w{10 / (1 - i)}
}
accounts
help for
";
    let out = run_with(resin().arg("repl"), Some(input));
    out.expect_code(0);
    let stdout = without_timings(&out.stdout);
    assert!(stdout.contains("[3] u2: 0x1::coin::register() -> success"), "{stdout}");
    assert!(stdout.contains("block of 3 txs"), "{stdout}");
    assert!(stdout.contains("[6] u2: 0x1::coin::mint(300) -> success"), "{stdout}");
    // The loop's input starts at line 11; `1 - i` is 0 when i = 1.
    assert_has(&out.stderr, "error: <repl>:13:12: in `{10 / (1 - i)}`: 10 / 0 divides by zero (with i = 1)");
    assert!(!stdout.contains("v0"), "nothing of the failed loop ran: {stdout}");
    assert!(stdout.contains("for VAR in START..END { ... }"), "{stdout}");
}
