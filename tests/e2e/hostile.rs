//! Hostile input to `resin run` and the REPL: deep values, huge counts,
//! deep nesting, greedy gas, bulky arguments, leaky messages. Each case was
//! a crash or a hang before; now it is a clean error (exit 1) or a receipt.

use std::time::{Duration, Instant};

use crate::common::*;

/// `module 0x2::deep` with `S0 { f: S1 }` ... `S(n-1) { f: u64 }` and an entry
/// function that packs the whole chain and stores it: the attack of the report.
fn deep_chain_rasm(n: usize) -> String {
    let mut text = String::from("module 0x2::deep\n");
    for i in 0..n {
        let abilities = if i == 0 { "key" } else { "store" };
        let field = if i + 1 < n { format!("S{}", i + 1) } else { "u64".into() };
        text.push_str(&format!("struct S{i} has {abilities} {{\n    f: {field},\n}}\n"));
    }
    text.push_str("public entry fun make(s: &signer) acquires write S0(signer s) {\n    move_loc s\n    ld_u64 1\n");
    for i in (0..n).rev() {
        text.push_str(&format!("    pack S{i}\n"));
    }
    text.push_str("    move_to S0\n    ret\n}\n");
    text
}

#[test]
fn deep_struct_chains_are_refused_and_the_state_file_stays_usable() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("chain.redb");
    // 40,000 structs: the call used to succeed, and every later open of the
    // state file overflowed the stack. Now the module is over the size limit.
    write(dir.path(), "deep.rasm", &deep_chain_rasm(40_000));
    let script = write(dir.path(), "s.rsx", "account alice\npublish deep.rasm\ncall alice deep::make\n");
    let mut cmd = resin();
    cmd.arg("run").arg(&script).arg("--state").arg(&db);
    let out = run_with(&mut cmd, None);
    out.expect_code(1);
    assert_has(&out.stderr, "s.rsx:2:1: cannot publish 0x2::deep: 0x2::deep is 892");
    assert_has(&out.stderr, "larger than the limit of 262144 bytes");
    // 10,000 fit in the size limit (16,000 aborted a block before); the verifier refuses the depth.
    write(dir.path(), "deep.rasm", &deep_chain_rasm(10_000));
    let out = run_with(resin().arg("run").arg(&script).arg("--state").arg(&db), None);
    out.expect_code(1);
    assert_has(&out.stderr, "s.rsx:2:1: cannot publish 0x2::deep: verification failed: 0x2::deep: struct `S0` holds values nested 10001 deep (at most 64)");
    let check = write(dir.path(), "check.rsx", "modules\naccounts\n");
    let mut cmd = resin();
    cmd.arg("run").arg(&check).arg("--state").arg(&db);
    let out = run_with(&mut cmd, None);
    out.expect_code(0);
    assert_has(&out.stdout, "no modules published\nalice = @");
    // 63 levels are fine, and the value survives a state file round trip.
    write(dir.path(), "ok.rasm", &deep_chain_rasm(63));
    let fine = write(dir.path(), "fine.rsx", "publish ok.rasm\ncall alice deep::make\nexpect success\n");
    let mut cmd = resin();
    cmd.arg("run").arg(&fine).arg("--state").arg(&db);
    run_with(&mut cmd, None).expect_code(0);
    let show = write(dir.path(), "show.rsx", "show alice\n");
    let mut cmd = resin();
    cmd.arg("run").arg(&show).arg("--state").arg(&db);
    let out = run_with(&mut cmd, None);
    out.expect_code(0);
    assert_has(&out.stdout, "0x2::deep::S0 { f: 0x2::deep::S1 { f:");
}

#[test]
fn transfer_counts_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "transfers 18446744073709551615 between 2 accounts",
            "1:11: the number of transfers 18446744073709551615 is over the limit of 1,000,000",
        ),
        (
            "transfers 4294967296 between 2 accounts",
            "1:11: the number of transfers 4294967296 is over the limit of 1,000,000",
        ),
        (
            "transfers 10 between 18446744073709551615 accounts",
            "1:22: the number of accounts 18446744073709551615 is over the limit of 1,000,000",
        ),
        ("transfers 10 between 99999999999999999999 accounts", "does not fit in u64"),
    ];
    for (i, (line, wanted)) in cases.iter().enumerate() {
        let script = write(dir.path(), &format!("t{i}.rsx"), &format!("{line}\n"));
        let out = resin_path_out(&["run"], &[&script]);
        out.expect_code(1);
        assert!(out.stderr.contains(wanted), "{line}: {}", out.stderr);
    }
}

#[test]
fn deeply_nested_vector_literals_are_an_error_not_a_stack_overflow() {
    let dir = tempfile::tempdir().unwrap();
    let nested = "[".repeat(30_000);
    let script = write(dir.path(), "n.rsx", &format!("account a\ncall a m::f {nested}\n"));
    let out = resin_path_out(&["run"], &[&script]);
    out.expect_code(1);
    assert_has(&out.stderr, "vectors nested more than 32 deep in one argument");
    // The REPL reports it and goes on.
    let input = format!("account a\ncall a m::f {nested}\naccounts\n");
    let out = run_with(resin().arg("repl"), Some(&input));
    out.expect_code(0);
    assert_has(&out.stderr, "<repl>:2:");
    assert!(out.stdout.contains("a = @"), "the session went on: {}", out.stdout);
    // 32 levels still parse (and then fail on their type, as they should).
    let ok = format!("{}{}", "[".repeat(32), "]".repeat(32));
    let script = write(dir.path(), "ok.rsx", &format!("publish stdlib coin\naccount a\ncall a coin::mint {ok}\n"));
    let out = resin_path_out(&["run"], &[&script]);
    out.expect_code(1);
    assert_has(&out.stderr, "expected a `u64` argument, found a vector");
}

const SPIN: &str =
    "module 0x2::spin {\n    public entry fun forever() { loop {} }\n    public entry fun take(v: vector<u8>) { }\n}\n";

#[test]
fn a_gas_limit_over_the_maximum_is_refused_and_loops_end() {
    let dir = tempfile::tempdir().unwrap();
    let script =
        write(dir.path(), "g.rsx", &format!("{SPIN}account a\ncall a spin::forever gas 18446744073709551615\n"));
    let out = resin_path_out(&["run"], &[&script]);
    out.expect_code(1);
    assert_has(&out.stderr, "6:26: the gas limit 18446744073709551615 is over the limit of 10,000,000");
    // At the maximum, an endless loop runs out of gas, in bounded time.
    let script = write(dir.path(), "m.rsx", &format!("{SPIN}account a\ncall a spin::forever gas 10000000\n"));
    let start = Instant::now();
    let out = resin_path_out(&["run"], &[&script]);
    out.expect_code(0);
    // The receipt names the loop's line in the script that published it.
    assert_has(&out.stdout, "OUT OF GAS at m.rsx:2:");
    assert_has(&out.stdout, " in 0x2::spin::forever, gas 10000000");
    assert!(start.elapsed() < Duration::from_secs(60), "{:?}", start.elapsed());
}

#[test]
fn arguments_cost_gas_and_receipts_do_not_echo_them() {
    let dir = tempfile::tempdir().unwrap();
    let big = format!("x\"{}\"", "ab".repeat(300_000));
    let script = write(
        dir.path(),
        "a.rsx",
        &format!("{SPIN}account a\ncall a spin::take {big}\ncall a spin::take {big} gas 10000000\n"),
    );
    let out = resin_path_out(&["run"], &[&script]);
    out.expect_code(0);
    let lines: Vec<&str> = out.stdout.lines().filter(|l| l.contains("spin::take")).collect();
    assert_eq!(lines.len(), 2, "{}", out.stdout);
    // 300,000 bytes of vector<u8> encode to 600,004 bytes, each paid for
    // before the first instruction (it used to cost 11 gas).
    let gas = |line: &str| line.rsplit("gas ").next().and_then(|g| g.parse::<u64>().ok()).unwrap_or(0);
    assert!(gas(lines[0]) > 600_000 && lines[0].contains("success"), "{}", lines[0]);
    assert_eq!(gas(lines[0]), gas(lines[1]));
    for line in &lines {
        assert!(line.len() < 200, "the receipt echoes the argument: {} bytes", line.len());
        assert!(line.contains(&format!("x\"{}\"... (300,000 bytes)", "ab".repeat(32))), "{line}");
    }
    // Three times as much does not fit the default limit: out of gas before the first instruction.
    let huge = format!("x\"{}\"", "ab".repeat(900_000));
    let script = write(dir.path(), "h.rsx", &format!("{SPIN}account a\ncall a spin::take {huge}\n"));
    let out = resin_path_out(&["run"], &[&script]);
    out.expect_code(0);
    assert_has(&out.stdout, "OUT OF GAS at h.rsx:3:");
    assert_has(&out.stdout, " in 0x2::spin::take, gas 1000000");
}

#[test]
fn messages_name_types_and_escape_what_they_echo() {
    let dir = tempfile::tempdir().unwrap();
    // A field compared with a literal of the wrong kind named the type by its internal id.
    let script = write(
        dir.path(),
        "m.rsx",
        "publish stdlib coin\naccount alice\ncall alice coin::register\nexpect field alice coin::Balance.coin == 5\n",
    );
    let out = resin_path_out(&["run"], &[&script]);
    out.expect_code(1);
    assert_has(&out.stderr, "expected a `0x1::coin::Coin` argument, found an integer");
    assert!(!out.stderr.contains("TypeId"), "{}", out.stderr);

    // A control character in a script is refused where it stands, and named
    // rather than echoed, so it cannot forge a line.
    let script = write(dir.path(), "e.rsx", "account a\ncall a m::f\u{1b}[31m\n");
    let out = resin_path_out(&["run"], &[&script]);
    out.expect_code(1);
    assert!(!out.stderr.contains('\u{1b}'), "{:?}", out.stderr);
    assert!(out.stderr.contains("e.rsx:2:12: invisible or control character `U+001B`"), "{:?}", out.stderr);
}

#[test]
fn a_megabyte_word_is_clipped_in_messages() {
    let dir = tempfile::tempdir().unwrap();
    let long = "f".repeat(1_000_000);
    let script = write(dir.path(), "long.rsx", &format!("publish stdlib coin\ncall alice coin::transfer @{long} 5\n"));
    let out = resin_path_out(&["run"], &[&script]);
    out.expect_code(1);
    assert_has(&out.stderr, "long.rsx:2:27: `@ffff");
    assert_has(&out.stderr, "... (999875 more bytes) is not an address");
    assert!(out.stderr.len() < 1_000, "{} bytes of message", out.stderr.len());
    // A manifest's value, which toml's own message quotes whole.
    let pkg = dir.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    write(
        &pkg,
        "Resin.toml",
        &format!("[package]\nname = \"p\"\nversion = \"0.1.0\"\n[dependencies]\nx = \"{long}\"\n"),
    );
    let out = run_with(resin().arg("build").current_dir(&pkg), None);
    out.expect_code(1);
    assert_has(&out.stderr, "Resin.toml:5:5: invalid type: string \"fff");
    assert!(out.stderr.len() < 1_000, "{} bytes of message", out.stderr.len());
}

#[test]
fn a_repl_input_that_never_closes_stops_growing() {
    // Every line of an open `block {` re-parsed the whole input so far.
    let mut input = String::from("block {\n");
    input.push_str(&"call a m::f\n".repeat(3_000));
    input.push_str("accounts\n");
    let start = Instant::now();
    let out = run_with(resin().arg("repl"), Some(&input));
    out.expect_code(0);
    assert!(
        out.stderr.contains("<repl>:1:7: unclosed block: missing `}`"),
        "{}",
        &out.stderr[..out.stderr.len().min(500)]
    );
    assert!(out.stdout.contains("no accounts"), "the session went on: {}", out.stdout);
    assert!(start.elapsed() < Duration::from_secs(60), "{:?}", start.elapsed());
}

/// A reader that goes away (`resin run ... 2>&1 | head -1`) closes both
/// streams: the failed write is an error exit, and the error message that
/// cannot be written either must not become a panic (which aborted, 134).
#[test]
fn output_into_a_closed_pipe_is_an_error_exit_not_an_abort() {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let status =
        resin().args(["run", "examples/tour.rsx"]).stdout(writer.try_clone().unwrap()).stderr(writer).status().unwrap();
    assert_eq!(status.code(), Some(1), "{status:?}");
}
