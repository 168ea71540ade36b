//! `resin bench` in its smallest form: the numbers are not checked (this is
//! a debug build), the agreement of the executors, the shape of the JSON
//! and of the text are.

use crate::common::*;

fn json_lines(stdout: &str) -> Vec<serde_json::Value> {
    stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn bench_json_has_one_line_per_workload_and_the_executors_agree() {
    let out = resin_out(&[
        "bench",
        "--workload",
        "coins",
        "--accounts",
        "64",
        "--txs",
        "500",
        "--threads",
        "2",
        "--blocks",
        "3",
        "--warmup",
        "1",
        "--json",
    ]);
    out.expect_code(0);
    let lines = json_lines(&out.stdout);
    let names: Vec<&str> = lines.iter().map(|l| l["workload"].as_str().unwrap()).collect();
    assert_eq!(names, ["p2p", "p2p-generic", "hot-key", "chain"]);
    for line in &lines {
        for key in ["blocks", "plan_share", "allocs_per_tx", "p50_ms", "min_ms", "max_ms", "seq_p50_ms", "speedup"] {
            assert!(line[key].is_number(), "{key} is not a number: {line}");
        }
        for key in ["txs", "threads", "cores", "seq_tps", "par_tps", "lanes", "par_execute_ms", "par_root_ms"] {
            assert!(line.get(key).is_some(), "missing {key}: {line}");
        }
        // The rest of the block's wall time holds its drops.
        let (other, dropped) = (line["par_other_ms"].as_f64().unwrap(), line["par_drop_ms"].as_f64().unwrap());
        assert!(0.0 <= dropped && dropped <= other, "{dropped} {other}");
        // What the lanes lost is part of their execute phase, on each lane;
        // a run on one lane loses nothing to other lanes.
        let execute = line["par_execute_ms"].as_f64().unwrap();
        let lost = line["par_lanes_waited_ms"].as_f64().unwrap() + line["par_lanes_idle_ms"].as_f64().unwrap();
        assert!(0.0 <= lost && lost <= 2.0 * 2.0 * execute, "{lost} {execute}: {line}");
        if line["lanes"] == 1 {
            assert_eq!(lost, 0.0, "{line}");
        }
        // Building the overlay is part of each executor's execute phase
        // (the in-order one's reads every key the block names).
        for (overlay, execute) in [("par_overlay_ms", "par_execute_ms"), ("seq_overlay_ms", "seq_execute_ms")] {
            let (overlay, execute) = (line[overlay].as_f64().unwrap(), line[execute].as_f64().unwrap());
            assert!(0.0 <= overlay && overlay <= execute, "{overlay} {execute}: {line}");
        }
        assert!(line["seq_overlay_ms"].as_f64().unwrap() > 0.0, "{line}");
        assert_eq!(line["txs"], 500);
        // The warm-up block runs but is in no statistic (`succeeded` below
        // counts the three timed blocks only).
        assert_eq!((line["blocks"].as_u64(), line["warmup"].as_u64()), (Some(3), Some(1)), "{line}");
        assert_eq!(line["threads"], 2);
        // Two threads on two cores or more: the machine's own ceiling is
        // measured around the workload, on both threads.
        if line["cores"].as_u64().is_some_and(|cores| cores >= 2) {
            assert_eq!(line["ceiling_threads"], 2, "{line}");
            for key in
                ["ceiling_compute_before", "ceiling_memory_before", "ceiling_compute_after", "ceiling_memory_after"]
            {
                assert!(line[key].as_f64().is_some_and(|r| r > 0.0), "{key}: {line}");
            }
        } else {
            assert!(line["ceiling_threads"].is_null(), "{line}");
        }
        assert_eq!(line["roots_equal"], true);
        assert_eq!(line["receipts_equal"], true);
        assert_eq!(line["succeeded"], 1500, "every transfer of every block succeeds");
        let (min, p50, max) =
            (line["min_ms"].as_f64().unwrap(), line["p50_ms"].as_f64().unwrap(), line["max_ms"].as_f64().unwrap());
        assert!(0.0 < min && min <= p50 && p50 <= max, "{min} {p50} {max}");
        let share = line["plan_share"].as_f64().unwrap();
        assert!((0.0..1.0).contains(&share), "{share}");
        // A transfer allocates nothing of its own, but a block does (its
        // receipts, plan and overlay); a count of zero would mean the
        // counting allocator is not installed.
        // A generic transfer is held to the same bound: its instance is
        // cached, and its type arguments are checked without allocating.
        let allocs = line["allocs_per_tx"].as_f64().unwrap();
        assert!(0.0 < allocs && allocs <= 1.0, "at most 1 allocation a transfer: {line}");
    }
    assert_eq!(lines[2]["lanes"], 1, "a hot key collapses into one lane");
    assert_eq!(lines[3]["lanes"], 1, "so does a dependency chain");
    // Each transfer of a chain waits for the one before (and the walk revisits accounts).
    assert!(lines[3]["dependencies"].as_u64().unwrap() >= 499, "{}", lines[3]);
    // The generic workload is priced against the monomorphic one, and only it.
    let generic = &lines[1];
    assert_eq!(generic["baseline"], "p2p");
    for (key, time) in [("generic_ratio", "p50_ms"), ("seq_generic_ratio", "seq_p50_ms")] {
        let ratio = generic[key].as_f64().unwrap();
        let expected = generic[time].as_f64().unwrap() / lines[0][time].as_f64().unwrap();
        assert!((ratio - expected).abs() < 1e-9 * expected.max(1.0), "{key}: {ratio} {expected}");
    }
    for line in [&lines[0], &lines[2], &lines[3]] {
        assert!(line["baseline"].is_null() && line["generic_ratio"].is_null(), "{line}");
    }
    // Two currencies that never conflict: fewer dependencies than the same
    // transfers in one coin, never more.
    assert!(generic["dependencies"].as_u64() <= lines[0]["dependencies"].as_u64(), "{generic}");
}

#[test]
fn bench_text_states_the_machine_and_the_method() {
    let out = resin_out(&["bench", "--workload", "coins", "--accounts", "16", "--txs", "100", "--blocks", "2"]);
    out.expect_code(0);
    assert!(out.stdout.starts_with("machine: "), "{}", out.stdout);
    assert_has(&out.stdout, " cores");
    assert_has(&out.stdout, "2 blocks of 100 transfers per workload over 16 accounts");
    assert_has(&out.stdout, "after 2 untimed warm-up blocks;");
    assert_eq!(out.stdout.matches("state roots equal, receipts equal in every block").count(), 4, "{}", out.stdout);
    assert_has(&out.stdout, "p2p-generic: p2p's transfers through generic_coin::transfer<T>");
    assert_eq!(
        out.stdout.matches("generic over monomorphic (p2p), median block time: in order ").count(),
        1,
        "{}",
        out.stdout
    );
    assert_has(&out.stdout, "200 of 200 succeeded");
    // stderr is not a terminal here: no progress bar.
    assert!(out.stderr.is_empty(), "{}", out.stderr);
}

#[test]
fn the_old_best_of_repeat_flag_is_gone() {
    resin_out(&["bench", "--repeat", "3"]).expect_code(2);
}

/// Every workload by default, each with the executors agreeing on every
/// root and receipt and every transaction succeeding.
#[test]
fn every_workload_runs_and_the_executors_agree() {
    let out = resin_out(&[
        "bench",
        "--accounts",
        "256",
        "--txs",
        "200",
        "--blocks",
        "2",
        "--pools",
        "4",
        "--threads",
        "2",
        "--json",
    ]);
    out.expect_code(0);
    let lines = json_lines(&out.stdout);
    let names: Vec<&str> = lines.iter().map(|l| l["workload"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "transfers",
            "hot",
            "nft",
            "amm",
            "dao",
            "mixed",
            "p2p",
            "p2p-generic",
            "hot-key",
            "chain",
            "approvals",
            "votes",
            "mints"
        ]
    );
    for line in &lines {
        assert_eq!(line["roots_equal"], true, "{line}");
        assert_eq!(line["receipts_equal"], true, "{line}");
        assert_eq!(line["succeeded"], 400, "every transaction of every block succeeds: {line}");
        assert_eq!((line["txs"].as_u64(), line["blocks"].as_u64()), (Some(200), Some(2)), "{line}");
        for key in ["p50_ms", "seq_p50_ms", "speedup", "par_tps", "seq_tps", "dependencies", "lanes"] {
            assert!(line[key].is_number(), "{key}: {line}");
        }
    }
    // Votes of distinct voters and mints of distinct ids never conflict.
    let by_name = |name: &str| lines.iter().find(|l| l["workload"] == name).unwrap();
    assert_eq!(by_name("dao")["dependencies"], 0, "{}", by_name("dao"));
}

/// The suite alone, and the skew of `hot` following `--zipf`.
#[test]
fn the_suite_runs_alone_and_hot_follows_the_zipf_exponent() {
    let run = |zipf: &str| {
        let out = resin_out(&[
            "bench",
            "--workload",
            "suite",
            "--accounts",
            "1000",
            "--txs",
            "300",
            "--blocks",
            "1",
            "--pools",
            "2",
            "--zipf",
            zipf,
            "--json",
        ]);
        out.expect_code(0);
        json_lines(&out.stdout)
    };
    let (mild, steep) = (run("0.5"), run("3"));
    let names: Vec<&str> = mild.iter().map(|l| l["workload"].as_str().unwrap()).collect();
    assert_eq!(names, ["transfers", "hot", "nft", "amm", "dao", "mixed", "chain"]);
    let deps = |lines: &[serde_json::Value], name: &str| {
        lines.iter().find(|l| l["workload"] == name).unwrap()["dependencies"].as_u64().unwrap()
    };
    assert_eq!(deps(&mild, "transfers"), deps(&steep, "transfers"), "--zipf changes only hot");
    assert!(deps(&steep, "hot") > deps(&mild, "hot"), "{} {}", deps(&steep, "hot"), deps(&mild, "hot"));
    for line in mild.iter().chain(&steep) {
        assert_eq!(line["roots_equal"], true, "{line}");
    }
}

#[test]
fn bad_zipf_and_pools_are_usage_errors() {
    for (args, says) in [
        (&["--zipf", "0"][..], "above 0"),
        (&["--zipf", "-1"], "above 0"),
        (&["--zipf=-2.5"], "above 0"),
        (&["--zipf", "inf"], "above 0"),
        (&["--zipf", "hot"], "not a number"),
        (&["--pools", "0"], "--pools"),
        (&["--pools", "-3"], "--pools"),
        (&["--workload", "nope"], "nope"),
    ] {
        let mut all = vec!["bench", "--txs", "10", "--accounts", "10", "--blocks", "1"];
        all.extend_from_slice(args);
        let out = resin_out(&all);
        out.expect_code(2);
        assert!(out.stderr.contains(says), "{args:?}: {}", out.stderr);
        assert!(!out.stderr.contains("panicked"), "{args:?}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{args:?}: {}", out.stdout);
    }
}

#[test]
fn serial_blocks_are_reported_as_run_without_a_graph() {
    // Past the 8,192 transactions below which every block is planned.
    let args = ["bench", "--workload", "hot-key,p2p", "--accounts", "64", "--txs", "8192", "--threads", "2"];
    let out = resin_out(&[&args[..], &["--blocks", "1", "--warmup", "0", "--json"]].concat());
    out.expect_code(0);
    let lines = json_lines(&out.stdout);
    let (p2p, hot) = (&lines[0], &lines[1]);
    assert_eq!((p2p["workload"].as_str(), hot["workload"].as_str()), (Some("p2p"), Some("hot-key")));
    // Every transfer pays one account: the sample is all one chain.
    assert_eq!((hot["unplanned_blocks"].as_u64(), hot["lanes"].as_u64()), (Some(1), Some(1)), "{hot}");
    assert_eq!(hot["sampled_chain_share"].as_f64(), Some(1.0), "{hot}");
    assert_eq!(hot["roots_equal"], true);
    assert_eq!(p2p["unplanned_blocks"], 0, "{p2p}");
    assert!(p2p["sampled_chain_share"].is_null() && p2p["dependencies"].as_u64() > Some(0), "{p2p}");

    let out = resin_out(&[&args[..], &["--blocks", "1", "--warmup", "0"]].concat());
    out.expect_code(0);
    assert_has(&out.stdout, "; 1 lane, no graph (a sampled dependency chain held 100% of the sample)\n");
}

#[test]
fn blocks_without_near_dependencies_are_reported_as_taking_chunks_without_a_graph() {
    // Past the 8,192 transactions below which every block is planned: mints
    // of distinct ids depend on nothing.
    let args = ["bench", "--workload", "mints", "--accounts", "8192", "--txs", "8192", "--threads", "2"];
    let out = resin_out(&[&args[..], &["--blocks", "1", "--warmup", "0", "--json"]].concat());
    out.expect_code(0);
    let mints = &json_lines(&out.stdout)[0];
    assert_eq!((mints["frontier_blocks"].as_u64(), mints["lanes"].as_u64()), (Some(1), Some(2)), "{mints}");
    assert_eq!((mints["frontier_ordered"].as_u64(), mints["frontier_near"].as_u64()), (Some(0), Some(0)), "{mints}");
    // No dependency at all: the largest chunks, 1/64 of a lane.
    assert_eq!(mints["frontier_chunk"], 64, "{mints}");
    assert_eq!((mints["roots_equal"].as_bool(), mints["receipts_equal"].as_bool()), (Some(true), Some(true)));
    assert_eq!(mints["unplanned_blocks"], 0, "{mints}");
}
