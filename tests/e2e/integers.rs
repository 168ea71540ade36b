//! u16, u32 and u256 through the `resin` command: call arguments of each
//! width (a u256 up to its maximum), values shown with their suffixes, an
//! overflow at u32's maximum, and an argument too large for its parameter.

use crate::common::*;

const SCRIPT: &str = "tests/e2e/data/integers.rsx";
const U256_MAX: &str = "115792089237316195423570985008687907853269984665640564039457584007913129639935";

#[test]
fn the_integers_script_passes_and_shows_each_width() {
    let out = resin_out(&["run", SCRIPT]);
    out.expect_code(0);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    let text = without_timings(&out.stdout);
    // (2^128 - 1)^2, computed in u256 by the contract from two u128 arguments.
    let square = "115792089237316195423570985008687907852589419931798687112530834793049593217025";
    assert!(text.contains(&format!("Pool {{ fee_bps: 30u16, swaps: 7u32, k: {square}u256 }}")), "{text}");
    assert!(text.contains(&format!("0x3::pool::set_k({U256_MAX}u256) -> success")), "{text}");
    assert!(text.contains(&format!("Pool {{ fee_bps: 30u16, swaps: 4294967295u32, k: {U256_MAX}u256 }}")), "{text}");
    assert!(text.contains("0x3::pool::bump(1u32) -> RUNTIME ERROR ArithmeticOverflow"), "{text}");
}

#[test]
fn arguments_out_of_range_for_their_parameter_are_refused_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let module = std::fs::read_to_string(repo().join(SCRIPT)).unwrap();
    let header: String = module.lines().take_while(|l| !l.starts_with("call")).map(|l| format!("{l}\n")).collect();
    let lines = header.lines().count();
    for (call, error) in [
        ("call alice pool::create 65536 1 1 1", "65536 does not fit in `u16`"),
        ("call alice pool::create 1 4294967296 1 1", "4294967296 does not fit in `u32`"),
        ("call alice pool::create 1u32 1 1 1", "expected a `u16` argument, found an integer with another suffix"),
        (&format!("call alice pool::set_k {U256_MAX}0"), "is not a number (or it does not fit in u256)"),
    ] {
        let script = write(dir.path(), "bad.rsx", &format!("{header}{call}\n"));
        let out = resin_path_out(&["run"], &[&script]);
        out.expect_code(1);
        assert!(out.stderr.contains(&format!("bad.rsx:{}:", lines + 1)), "{call}: {}", out.stderr);
        assert!(out.stderr.contains(error), "{call}: {}", out.stderr);
    }
}
