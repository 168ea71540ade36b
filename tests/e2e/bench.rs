//! `resin bench` in its smallest form: the numbers are not checked (this is
//! a debug build), the agreement of the executors and the JSON shape are.

use crate::common::*;

#[test]
fn bench_json_has_one_line_per_workload_and_the_executors_agree() {
    let out = resin_out(&["bench", "--accounts", "64", "--txs", "500", "--threads", "2", "--repeat", "1", "--json"]);
    out.expect_code(0);
    let lines: Vec<serde_json::Value> = out.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let names: Vec<&str> = lines.iter().map(|l| l["workload"].as_str().unwrap()).collect();
    assert_eq!(names, ["p2p", "hot"]);
    for line in &lines {
        for key in ["txs", "threads", "seq_tps", "par_tps", "speedup", "roots_equal", "lanes", "par_execute_ms"] {
            assert!(line.get(key).is_some(), "missing {key}: {line}");
        }
        assert_eq!(line["txs"], 500);
        assert_eq!(line["threads"], 2);
        assert_eq!(line["roots_equal"], true);
        assert_eq!(line["receipts_equal"], true);
        assert_eq!(line["succeeded"], 500);
        assert!(line["seq_tps"].as_f64().unwrap() > 0.0);
    }
    assert_eq!(lines[1]["lanes"], 1, "a hot key collapses into one lane");
}

#[test]
fn bench_text_states_the_machine() {
    let out = resin_out(&["bench", "--accounts", "16", "--txs", "100", "--repeat", "1"]);
    out.expect_code(0);
    assert!(out.stdout.starts_with("machine: "), "{}", out.stdout);
    assert!(out.stdout.contains("state roots equal, receipts equal"), "{}", out.stdout);
}
