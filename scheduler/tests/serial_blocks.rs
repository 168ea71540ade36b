//! Blocks that are one long dependency chain, which the parallel executor
//! runs in one lane without building a graph (`serial.rs`): the receipts
//! and state root are the sequential executor's, and the block's stats say
//! which way it ran.

mod common;

use common::{addr, call, code, genesis, meter, set_up, transfer, GAS};
use resin_scheduler::{BlockExecutor, BlockOutput, ParallelExecutor, SequentialExecutor};
use resin_vm::{BlockContext, Status, Transaction, Value};

/// Past `serial::SAMPLED_FROM` (8,192), below which blocks are always planned.
const BLOCK: usize = 10_000;
const HOT: u64 = 0;

fn run(block: &[Transaction], state: &resin_state::store::ResourceStore, threads: usize) -> BlockOutput {
    let code = code();
    let (mut s1, mut s2) = (state.clone(), state.clone());
    let context = BlockContext::default();
    let seq = SequentialExecutor::new().execute_block(&code, &mut s1, block, context);
    let par = ParallelExecutor::new(threads).unwrap().execute_block(&code, &mut s2, block, context);
    assert_eq!(seq.receipts, par.receipts);
    assert_eq!(seq.state_root, par.state_root);
    assert_eq!(seq.stats.summary, par.stats.summary);
    par
}

#[test]
fn everyone_paying_one_account_runs_in_one_lane_without_a_graph() {
    let state = genesis(&code(), 0..64);
    // Every transfer pays the hot account; some overdraw and abort.
    let block: Vec<Transaction> =
        (0..BLOCK as u64).map(|i| transfer(1 + i % 63, HOT, if i % 97 == 0 { 10_000 } else { i % 3 })).collect();
    for threads in [2, 4] {
        let out = run(&block, &state, threads);
        let sample = out.stats.chain_sample.expect("a block through one account is serial");
        assert_eq!((sample.sampled, sample.chain), (4096, 4096));
        assert!(out.stats.plan.is_none());
        assert_eq!(out.stats.threads_used, 1);
        assert!(out.receipts.iter().any(|r| matches!(r.status, Status::Aborted { code: 1, .. })));
    }
}

#[test]
fn a_hot_stretch_is_planned_and_pairs_taking_turns_run_on_the_frontier() {
    let state = genesis(&code(), 0..64);
    // 31 pairs of accounts taking turns, and the hot account only in the
    // block's middle (in the sample's second and third windows).
    let pair = |i: u64| transfer(2 + 2 * (i % 31), 3 + 2 * (i % 31), 1);
    let block: Vec<Transaction> = (0..BLOCK as u64)
        .map(|i| if (2_500..7_500).contains(&i) { transfer(1 + i % 63, HOT, 1) } else { pair(i) })
        .collect();
    let out = run(&block, &state, 2);
    assert!(out.stats.chain_sample.is_none());
    assert!(out.stats.plan.is_some_and(|p| p.dependencies > 0));
    // The same turns all through: chains of a 31st of the block, each
    // transaction 31 after its predecessor, far enough that no lane waits
    // for another on small chunks (`frontier.rs`).
    let block: Vec<Transaction> = (0..BLOCK as u64).map(pair).collect();
    let out = run(&block, &state, 2);
    assert!(out.stats.chain_sample.is_none() && out.stats.plan.is_none());
    let frontier = out.stats.frontier.expect("predecessors 31 back");
    assert_eq!(frontier.ordered, BLOCK - 31);
}

#[test]
fn a_counter_written_between_adds_is_serial_and_overflows_as_in_order() {
    let code = code();
    let state = set_up(&code, genesis(&code, 0..8), [call(meter(), "init", 4, vec![], GAS)]);
    let at = Value::Address(addr(4));
    // Adds to a u8 counter, every other transaction a plain write of it
    // (which conflicts with the adds): one chain, and the counter passes
    // its bound of 255 early in the block, so most adds abort.
    let block: Vec<Transaction> = (0..BLOCK as u64)
        .map(|i| {
            let function = if i % 2 == 0 { "bump_small" } else { "bump_small_write" };
            call(meter(), function, 1 + i % 7, vec![at.clone(), Value::U8(1 + (i % 3) as u8)], GAS)
        })
        .collect();
    let out = run(&block, &state, 2);
    assert!(out.stats.chain_sample.is_some());
    assert!(out.receipts.iter().any(|r| r.status.is_success()));
    assert!(out.receipts.iter().any(|r| !r.status.is_success()));
    // Adds alone commute: no chain, and no dependency at all (run on the
    // frontier, `frontier_blocks.rs`).
    let adds: Vec<Transaction> =
        (0..BLOCK as u64).map(|i| call(meter(), "bump_big", 1 + i % 7, vec![at.clone(), Value::U64(1)], GAS)).collect();
    let out = run(&adds, &state, 2);
    assert!(out.stats.chain_sample.is_none());
    assert_eq!(out.stats.frontier.map(|f| f.ordered), Some(0));
}
