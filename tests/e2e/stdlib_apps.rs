//! The example scripts of the standard library's applications (`0x1::dao`,
//! `amm`, `escrow`, `multisig`, and all of them in `marketplace_day`): each
//! runs every `expect` it holds, and its blocks have the lane plans their
//! access sets promise.

use crate::common::*;

/// Runs `examples/NAME.rsx` on two threads; it must pass every expectation.
fn run_example(name: &str) -> String {
    let out = resin_out(&["run", &format!("examples/{name}.rsx"), "--threads", "2"]);
    out.expect_code(0);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    without_timings(&out.stdout)
}

#[test]
fn the_dao_vote_example_runs_its_votes_without_dependencies() {
    let out = run_example("dao_vote");
    // Four voters, one proposal: ballots are different keys, tallies commute.
    assert_has(&out, "block of 4 txs: 2 lanes, 0 dependencies (0 across lanes)\n");
    assert_has(&out, "0x1::dao::tally(budget) -> (3, 1)");
    assert_has(&out, "ABORTED with E_VOTED (1)");
    assert_has(&out, "ABORTED with E_OPEN (3)");
    assert_has(&out, "ABORTED with E_ENDED (2)");
    assert_has(&out, "event 0x1::dao::Decided { proposal: @0xb7d6a56816ded154bc65abe5f2ec0c25f3ac653cc2bbf1049de05aac8caa47f7, passed: true, yes: 3, no: 1 }");
    assert_has(&out, "0x1::dao::status(budget) -> (true, true, true)");
}

#[test]
fn the_amm_example_orders_swaps_per_pool_only() {
    let out = run_example("amm");
    assert_has(&out, "0x1::amm::quote_x_to_y<0x2::usd::USD, 0x3::eur::EUR>(usd_eur, 10000) -> 19743");
    assert_has(&out, "ABORTED with E_SLIPPAGE (4)");
    // Two pools, two swaps each: each pool's second swap waits for its first.
    assert_has(
        &out,
        "block of 4 txs: 2 lanes, 2 dependencies (0 across lanes)\n  lane 0: [25] [27]\n  lane 1: [26] [28]\n",
    );
    assert_has(&out, "0x1::amm::reserves<0x2::usd::USD, 0x3::eur::EUR>(usd_eur) -> (994713, 2010901)");
    assert_has(&out, "ABORTED with E_NO_POOL (2)");
}

#[test]
fn the_escrow_example_settles_escrows_side_by_side() {
    let out = run_example("escrow");
    // Alice's two escrows share her balance; carol's runs beside them.
    assert_has(&out, "block of 3 txs: 2 lanes, 1 dependency (0 across lanes)\n");
    // A release and a refund of different payers' escrows.
    assert_has(&out, "block of 2 txs: 2 lanes, 0 dependencies (0 across lanes)\n  lane 0: [15]\n  lane 1: [16]\n");
    for abort in [
        "E_EXISTS (1)",
        "E_NOT_REGISTERED (7)",
        "E_NOT_ARBITER (3)",
        "E_WRONG_PAYEE (4)",
        "E_NOT_EXPIRED (5)",
        "E_NO_ESCROW (2)",
    ] {
        assert_has(&out, &format!("ABORTED with {abort}"));
    }
}

#[test]
fn the_multisig_example_pays_from_two_wallets_side_by_side() {
    let out = run_example("multisig");
    // Three proposals, two wallets, different ids: no dependencies.
    assert_has(&out, "block of 3 txs: 2 lanes, 0 dependencies (0 across lanes)\n");
    // The second approvals of two wallets' payments.
    assert_has(&out, "block of 2 txs: 2 lanes, 0 dependencies (0 across lanes)\n  lane 0: [20]\n  lane 1: [21]\n");
    assert_has(&out, "0x1::multisig::payment<0x2::usd::USD>(team, 1) -> (@0x9e9521b3d0515654, 1200, 2, true)");
    for abort in [
        "E_OWNERS (1)",
        "E_NOT_OWNER (4)",
        "E_ID_TAKEN (5)",
        "E_APPROVED (7)",
        "E_WRONG_PAYEE (9)",
        "E_EXECUTED (8)",
        "E_INSUFFICIENT (10)",
    ] {
        assert_has(&out, &format!("ABORTED with {abort}"));
    }
    assert_has(&out, "0x1::multisig::balance<0x2::usd::USD>(team) -> 800");
}

#[test]
fn resin_test_runs_the_dao_tests_against_the_stdlib_sources_in_test_mode() {
    // A test build may define `0x1` modules: the standard library's sources,
    // compiled in test mode with the tests, stand in for the published ones.
    let mut args = vec!["test".to_string()];
    let mut sources: Vec<String> = std::fs::read_dir(repo().join("stdlib/modules"))
        .unwrap()
        .map(|e| format!("stdlib/modules/{}", e.unwrap().file_name().to_string_lossy()))
        .filter(|p| p.ends_with(".rsn"))
        .collect();
    sources.sort();
    args.extend(sources);
    args.push("stdlib/tests/dao_tests.rsn".into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = resin_out(&args);
    out.expect_code(0);
    assert_has(&out.stdout, "PASS 0x2::dao_tests::a_majority_with_quorum_passes_and_executes_once");
    assert_has(&out.stdout, "18 passed, 0 failed\n");
}

#[test]
fn the_marketplace_day_example_mixes_every_module_in_blocks_of_a_thousand() {
    let out = run_example("marketplace_day");
    // The loops made 300 accounts, and two blocks of over a thousand
    // transactions of seven modules, spread over both lanes; every one
    // succeeded (the script also `expect`s it).
    assert_has(&out, "account user0 = @");
    assert_has(&out, "account user299 = @0x4265aca3070e4fcb\n");
    assert!(!out.contains("account user300 "), "{out}");
    assert_has(&out, "block of 605 txs: 2 lanes, 0 dependencies (0 across lanes)\n");
    assert_has(&out, "block of 1170 txs: 2 lanes, ");
    assert_has(&out, "  1170 succeeded, 0 failed, ");
    assert_has(&out, "block of 1090 txs: 2 lanes, ");
    assert_has(&out, "  1090 succeeded, 0 failed, ");
    assert_eq!(out.matches("ABORTED").count(), 1, "one abort only, the late vote:\n{out}");
    // Each pool's swaps moved its reserves: 30 buys of 1,000 dollars of
    // euros, then 30 sales of 1,500 euros; 20 buys of bitcoin on each
    // bitcoin pool.
    assert_has(&out, "0x1::amm::reserves<0x2::usd::USD, 0x3::eur::EUR>(usd_eur) -> (1030000, 1941933)");
    assert_has(&out, "0x1::amm::reserves<0x2::usd::USD, 0x4::btc::BTC>(usd_btc) -> (1060000, 960)");
    assert_has(&out, "0x1::amm::reserves<0x3::eur::EUR, 0x4::btc::BTC>(eur_btc) -> (2120000, 960)");
    assert_has(&out, "0x1::amm::reserves<0x2::usd::USD, 0x3::eur::EUR>(usd_eur) -> (1006757, 1986933)");
    // 600 tokens minted, 20 burnt; the wallet paid 20 x 100 of its 50,000.
    assert_has(&out, "0x1::nft::supply(sunsets) -> 580");
    assert_has(&out, "0x1::multisig::balance<0x2::usd::USD>(team) -> 48000");
    // 250 votes, closed after the deadline, and a late vote refused.
    assert_has(&out, "ABORTED with E_ENDED (2)");
    assert_has(&out, "passed: true, yes: 170, no: 80 }");
    assert_has(&out, "0x1::dao::tally(budget) -> (170, 80)");
    assert_has(&out, "0x1::dao::status(budget) -> (true, true, true)");
}
