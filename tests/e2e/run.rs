//! `resin run` and `resin schedule` on scripts.

use crate::common::*;

#[test]
fn the_tour_script_output_is_pinned() {
    let out = resin_out(&["run", "examples/tour.rsx", "--threads", "2"]);
    out.expect_code(0);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    insta::assert_snapshot!("tour", without_timings(&out.stdout));
}

#[test]
fn the_currencies_example_output_is_pinned() {
    let out = resin_out(&["run", "examples/currencies.rsx", "--threads", "2"]);
    out.expect_code(0);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    // The USD and EUR transfers of the block take one lane per currency.
    assert_has(
        &out.stdout,
        "block of 4 txs: 2 lanes, 2 dependencies (0 across lanes)\n  lane 0: [7] [9]\n  lane 1: [8] [10]\n",
    );
    insta::assert_snapshot!("currencies", without_timings(&out.stdout));
}

#[test]
fn the_quickstart_runs_a_parallel_block_and_reports_throughput() {
    let out = resin_out(&["run", "examples/quickstart.rsx", "--threads", "2"]);
    out.expect_code(0);
    let big = out.stdout.lines().find(|l| l.starts_with("block of 20000 txs:")).expect("the big block's plan line");
    assert!(big.contains("2 lanes"), "{big}");
    assert_has(&out.stdout, "20000 succeeded, 0 failed");
    let timing = out.stdout.lines().rfind(|l| l.starts_with("  timing:")).unwrap();
    assert!(timing.contains(" tx/s on 2 threads"), "{timing}");
}

#[test]
fn a_block_through_one_account_says_it_ran_in_one_lane_without_a_graph() {
    let dir = tempfile::tempdir().unwrap();
    let script = write(
        dir.path(),
        "hot.rsx",
        "publish stdlib coin\ntransfers 9_000 between 20 accounts seed 3 hot\nexpect success\n\
         transfers 9_000 between 30 accounts seed 3\nexpect success\n",
    );
    let out = resin_path_out(&["run", "--threads", "2"], &[&script]);
    out.expect_code(0);
    // Every transfer pays user0: the sample is one chain.
    assert_has(
        &out.stdout,
        "block of 9000 txs: 1 lane, no graph (a sampled dependency chain held 4096 of 4096 transactions)\n",
    );
    // Random pairs of 30 accounts, whose lanes would often wait for each
    // other on chunks, are planned.
    let planned = out.stdout.lines().filter(|l| l.starts_with("block of 9000 txs:")).nth(1).unwrap();
    assert!(planned.contains("2 lanes, ") && planned.contains(" dependencies ("), "{planned}");

    let out = resin_path_out(&["run", "--threads", "2", "--json"], &[&script]);
    out.expect_code(0);
    let blocks: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["type"] == "block" && v["txs"] == 9000)
        .collect();
    assert_eq!((blocks[0]["lanes"].as_u64(), blocks[0]["dependencies"].is_null()), (Some(1), true), "{}", blocks[0]);
    assert!(blocks[1]["dependencies"].as_u64().is_some_and(|d| d > 0), "{}", blocks[1]);
}

#[test]
fn a_block_with_far_dependencies_says_its_lanes_took_chunks_without_a_graph() {
    let dir = tempfile::tempdir().unwrap();
    // Random pairs of 40,000 accounts: a transaction's accounts are rarely
    // ones a transaction just before it used.
    let script = write(
        dir.path(),
        "far.rsx",
        "publish stdlib coin\ntransfers 8_200 between 40_000 accounts seed 3\nexpect success\n",
    );
    let out = resin_path_out(&["run", "--threads", "2"], &[&script]);
    out.expect_code(0);
    let line = out.stdout.lines().find(|l| l.starts_with("block of 8200 txs:")).unwrap();
    let prefix = "block of 8200 txs: 2 lanes taking chunks of ";
    assert!(line.starts_with(prefix) && line.contains(", no graph ("), "{line}");
    // How many transactions follow an earlier one, as the JSON says too.
    let ordered: u64 =
        line.split(" transactions after an earlier one").next().unwrap().rsplit('(').next().unwrap().parse().unwrap();
    assert!(ordered > 0, "{line}");

    let out = resin_path_out(&["run", "--threads", "2", "--json"], &[&script]);
    out.expect_code(0);
    let block = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v["type"] == "block" && v["txs"] == 8200)
        .unwrap();
    assert_eq!((block["lanes"].as_u64(), block["dependencies"].is_null()), (Some(2), true), "{block}");
    assert_eq!(block["frontier"]["ordered"].as_u64(), Some(ordered), "{block}");
    assert!(block["frontier"]["chunk"].as_u64().is_some_and(|c| c >= 1), "{block}");
    assert!(block["frontier"]["near"].as_u64() < Some(ordered), "{block}");
    // On one thread there is nothing to take chunks: planned as ever.
    let out = resin_path_out(&["run", "--threads", "1"], &[&script]);
    out.expect_code(0);
    let line = out.stdout.lines().find(|l| l.starts_with("block of 8200 txs:")).unwrap();
    assert!(
        line.starts_with("block of 8200 txs: 1 lane, ") && line.ends_with(" dependencies (0 across lanes)"),
        "{line}"
    );
}

#[test]
fn a_script_parse_error_is_located_and_nothing_runs() {
    let dir = tempfile::tempdir().unwrap();
    let script = write(dir.path(), "bad.rsx", "publish stdlib coin\naccount alice\ncall alice coin::register [1,\n");
    let out = resin_path_out(&["run"], &[&script]);
    out.expect_code(1);
    assert!(out.stdout.is_empty(), "nothing runs before a syntax error: {}", out.stdout);
    assert_has(&out.stderr, "bad.rsx:3:27: unclosed `[`");

    let script = write(dir.path(), "worse.rsx", "account alice\n  launch rockets\n");
    let out = resin_path_out(&["run"], &[&script]);
    out.expect_code(1);
    assert_has(&out.stderr, "worse.rsx:2:3: unknown command `launch`");
}

/// A `for` loop's errors, found while it is expanded, stop the script before
/// anything runs and name the line and column in the loop's body.
#[test]
fn loop_errors_are_located_and_nothing_runs() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "for i in 0..3 {\n  account u{10 / (2 - i)}\n}\n",
            "loop.rsx:3:12: in `{10 / (2 - i)}`: 10 / 0 divides by zero (with i = 2)",
        ),
        ("for i in 0..3 {\n  account u{j}\n}\n", "loop.rsx:3:12: in `{j}`: unknown variable `j` (with i = 0)"),
        ("for i in 0..2 {\n  account u{i\n}\n", "loop.rsx:3:12: unterminated `{`"),
        ("for i in 0..2000000 {\n}\n", "loop.rsx:2:10: the `for` loops run more than 1,000,000 iterations"),
        (
            "block {\n  for i in 0..2 {\n    call a{i} coin::f {i - 1}\n  }\n}\n",
            "loop.rsx:4:23: in `{i - 1}`: 0 - 1 is negative (with i = 0)",
        ),
    ];
    for (i, (body, wanted)) in cases.iter().enumerate() {
        let script = write(dir.path(), "loop.rsx", &format!("account alice\n{body}"));
        let out = resin_path_out(&["run"], &[&script]);
        out.expect_code(1);
        assert!(out.stdout.is_empty(), "case {i}: nothing runs before a loop's error: {}", out.stdout);
        assert!(out.stderr.contains(wanted), "case {i}: wanted `{wanted}` in\n{}", out.stderr);
        assert!(!out.stderr.contains("panicked"), "case {i}: {}", out.stderr);
    }
}

#[test]
fn failed_transactions_are_receipts_but_failed_expectations_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let text = "publish stdlib coin\naccount alice\ncall alice coin::transfer alice 5\n";
    let script = write(dir.path(), "receipt.rsx", text);
    let out = resin_path_out(&["run"], &[&script]);
    out.expect_code(0);
    assert_has(&out.stdout, "RUNTIME ERROR ResourceMissing");

    let script = write(dir.path(), "expect.rsx", &format!("{text}expect success\nshow alice\n"));
    let out = resin_path_out(&["run"], &[&script]);
    out.expect_code(1);
    assert_has(&out.stderr, "expect.rsx:4:1: expected success from the call");
    assert!(!out.stdout.contains("alice @"), "the script stops at the failed expectation");
}

#[test]
fn command_errors_name_the_script_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("call ghost coin::register\n", "2:6: unknown account `ghost`"),
        ("account a\ncall a coin::nope\n", "3:8: 0x1::coin has no function `nope`"),
        ("account a\ncall a coin::withdraw 5\n", "is not an entry function"),
        ("account a\ncall a coin::mint true\n", "3:19: expected a `u64` argument, found a boolean"),
        ("account a\ncall a coin::mint 1 2\n", "takes 1 argument (u64), 2 given"),
        ("account a\ncall a coin::mint 300u8\n", "expected a `u64` argument"),
        ("publish nowhere.rsn\n", "2:1:"),
        ("restore nothing\n", "no snapshot named `nothing`"),
        ("undo\nundo\n", "3:1: nothing to undo"),
        ("module 0x2::m {\n  fun f() { let x: u64 = true; }\n}\n", "3:"),
    ];
    for (i, (body, wanted)) in cases.iter().enumerate() {
        let script = write(dir.path(), &format!("case{i}.rsx"), &format!("publish stdlib coin\n{body}"));
        let out = resin_path_out(&["run"], &[&script]);
        out.expect_code(1);
        assert!(out.stderr.contains(wanted), "case {i}: wanted `{wanted}` in\n{}", out.stderr);
    }
}

#[test]
fn schedule_explains_blocks_as_text_and_dot() {
    let out = resin_out(&["schedule", "examples/tour.rsx", "--threads", "2"]);
    out.expect_code(0);
    assert!(!out.stdout.contains("published"), "only plans are printed: {}", out.stdout);
    assert!(out.stdout.starts_with("# the block at examples/tour.rsx:33:1\nblock: 4 transactions"), "{}", out.stdout);
    assert_has(&out.stdout, "lane 1 (2 txs");
    let dot = resin_out(&["schedule", "examples/tour.rsx", "--dot", "--threads", "2"]);
    dot.expect_code(0);
    assert!(dot.stdout.starts_with("// the block at examples/tour.rsx:33:1\ndigraph"), "{}", dot.stdout);
}

#[test]
fn the_currency_example_output_is_pinned() {
    let out = resin_out(&["run", "examples/currency.rsx", "--threads", "2"]);
    out.expect_code(0);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    // Mints to different accounts only add to the supply counter, and
    // transfers between different pairs of accounts are independent.
    assert_has(&out.stdout, "block of 3 txs: 2 lanes, 0 dependencies (0 across lanes)\n  lane 0: [8] [10]\n");
    assert_has(
        &out.stdout,
        "block of 3 txs: 2 lanes, 2 dependencies (1 across lanes)\n  lane 0: [12] [14]\n  lane 1: [13]\n",
    );
    assert_has(&out.stdout, "0x1::currency::total_supply<0x2::usd::USD>(treasury) -> 1560u128");
    insta::assert_snapshot!("currency", without_timings(&out.stdout));
}

#[test]
fn the_fungible_example_output_is_pinned() {
    let out = resin_out(&["run", "examples/fungible.rsx", "--threads", "2"]);
    out.expect_code(0);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    // Four approvals of four (owner, spender) pairs, then two spends of
    // different pairs: no dependencies in either block.
    assert_has(&out.stdout, "block of 4 txs: 2 lanes, 0 dependencies (0 across lanes)\n");
    assert_has(&out.stdout, "block of 2 txs: 2 lanes, 0 dependencies (0 across lanes)\n");
    insta::assert_snapshot!("fungible", without_timings(&out.stdout));
}

#[test]
fn the_nft_collection_example_output_is_pinned() {
    let out = resin_out(&["run", "examples/nft_collection.rsx", "--threads", "2"]);
    out.expect_code(0);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    // Four mints into one collection, then three transfers of different
    // tokens: no dependencies in either block.
    assert_has(&out.stdout, "block of 4 txs: 2 lanes, 0 dependencies (0 across lanes)\n");
    assert_has(&out.stdout, "block of 3 txs: 2 lanes, 0 dependencies (0 across lanes)\n");
    insta::assert_snapshot!("nft_collection", without_timings(&out.stdout));
}
