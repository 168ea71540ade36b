//! Blocks whose dependencies are few and far apart, which the parallel
//! executor runs without a graph or a plan: the lanes take chunks, each
//! transaction waiting for the frontier to pass its latest predecessor
//! (`frontier.rs`). The receipts and state root are the sequential
//! executor's, and the block's stats say which way it ran.

mod common;

use common::{addr, call, code, genesis, ledger, meter, set_up, transfer, GAS};
use resin_scheduler::{BlockExecutor, BlockKeys, BlockOutput, ParallelExecutor, SequentialExecutor};
use resin_state::store::ResourceStore;
use resin_vm::{BlockContext, RuntimeErrorKind, Status, Transaction, Value};
use std::time::Duration;

/// Past `serial::SAMPLED_FROM` (8,192), below which blocks are always
/// planned, and below 16,384, from which the frontier numbers the keys in
/// the graph's partitioned pass instead of in one pass in order.
const BLOCK: usize = 10_000;

fn run(block: &[Transaction], state: &ResourceStore, threads: usize) -> BlockOutput {
    let code = code();
    let (mut s1, mut s2) = (state.clone(), state.clone());
    let context = BlockContext::default();
    let seq = SequentialExecutor::new().execute_block(&code, &mut s1, block, context);
    let par = ParallelExecutor::new(threads).unwrap().execute_block(&code, &mut s2, block, context);
    assert_eq!(seq.receipts, par.receipts, "{threads} threads");
    assert_eq!(seq.state_root, par.state_root, "{threads} threads");
    assert_eq!(seq.stats.summary, par.stats.summary, "{threads} threads");
    assert_eq!(s1.sorted_entries(), s2.sorted_entries(), "{threads} threads");
    par
}

/// Transaction `i` pays from account `2 (i % 500)` to the next one, so
/// each account comes round every 500 transactions; every `near`-th also
/// pays the sender of the transaction 3 before it, and every 97th sends
/// more than any balance holds and aborts.
fn rotating(near: u64) -> Vec<Transaction> {
    rotating_n(BLOCK, near)
}

/// [`rotating`] in a block of `n`.
fn rotating_n(n: usize, near: u64) -> Vec<Transaction> {
    (0..n as u64)
        .map(|i| {
            let from = 2 * (i % 500);
            let to = if i % near == 0 && i >= 3 { 2 * ((i - 3) % 500) } else { from + 1 };
            transfer(from, to, if i % 97 == 0 { 1_000_000 } else { 1 + i % 5 })
        })
        .collect()
}

#[test]
fn transfers_depending_far_back_and_a_few_near_run_on_the_frontier() {
    let state = genesis(&code(), 0..1_000);
    let block = rotating(700);
    for threads in [2, 3, 4] {
        let out = run(&block, &state, threads);
        let frontier = out.stats.frontier.expect("far dependencies run on the frontier");
        assert!(out.stats.plan.is_none() && out.stats.chain_sample.is_none());
        assert_eq!(frontier.lanes, threads);
        // All but the first round of 500 come after an earlier one; the
        // near ones (every 700th) are within the lanes' reach.
        assert!(frontier.ordered >= BLOCK - 500, "{frontier:?}");
        assert!(frontier.near >= BLOCK / 700 - 1, "{frontier:?}");
        assert!(out.receipts.iter().any(|r| matches!(r.status, Status::Aborted { .. })));
        assert_eq!(out.stats.threads_used, threads);
        // The overlay is built after the numbering, before the lanes: part
        // of the execute phase, and some of it (it reads 1,000 balances).
        let t = out.stats.timings;
        assert!(Duration::ZERO < t.overlay && t.overlay <= t.execute, "{t:?}");
    }
    // Past 16,384 transactions the keys are numbered in the graph's
    // partitioned pass, not in one pass in order: the same result.
    let out = run(&rotating_n(17_000, 700), &state, 2);
    let frontier = out.stats.frontier.expect("far dependencies run on the frontier");
    assert!(frontier.ordered >= 17_000 - 500 && frontier.near >= 17_000 / 700 - 1, "{frontier:?}");
    // Near ones every 10 transactions: on the frontier still on 2 lanes,
    // which run later transactions of a chunk while one waits; on 4, the
    // lanes' chunks are nearer each other, and the block is planned.
    let out = run(&rotating(10), &state, 2);
    let frontier = out.stats.frontier.expect("a near dependency every 10 transactions, on 2 lanes");
    assert!(frontier.near >= BLOCK / 10 - 1, "{frontier:?}");
    let out = run(&rotating(10), &state, 4);
    assert!(out.stats.frontier.is_none() && out.stats.plan.is_some());
    // Every other transaction: planned instead.
    let out = run(&rotating(2), &state, 2);
    assert!(out.stats.frontier.is_none());
    assert!(out.stats.plan.is_some_and(|p| p.dependencies > 0));
}

#[test]
fn reads_of_a_counter_between_its_adds_wait_for_them_all() {
    let code = code();
    let init = |at: u64| call(meter(), "init", at, vec![], GAS);
    let state = set_up(&code, genesis(&code, 0..8), [init(4), init(5)]);
    let counter = |k: u64| Value::Address(addr(4 + k % 2));
    // Stretches of 1,000: stretch `k` adds to counter `k % 2` and starts
    // with a read of the other one, whose adds ended just before it. So
    // each read follows every add before it, and the next stretch's adds,
    // 1,000 later, follow the read.
    let block: Vec<Transaction> = (0..BLOCK as u64)
        .map(|i| {
            let k = i / 1_000;
            if i % 1_000 == 0 {
                call(meter(), "read_big", 1, vec![counter(k + 1)], GAS)
            } else {
                call(meter(), "bump_big", 1 + i % 7, vec![counter(k), Value::U64(1 + i % 3)], GAS)
            }
        })
        .collect();
    for threads in [2, 4] {
        let out = run(&block, &state, threads);
        let frontier = out.stats.frontier.expect("the reads' predecessors are near only once a stretch");
        // Every add after the first stretch follows a read, and every read
        // after the first follows the adds before it.
        assert!(frontier.ordered >= BLOCK - 1_000, "{frontier:?}");
        assert!(!out.stats.reexecuted);
        assert!(out.receipts.iter().all(|r| r.status.is_success()));
    }
}

#[test]
fn a_counter_passing_its_bound_on_the_frontier_runs_again_in_order() {
    let code = code();
    let state = set_up(&code, genesis(&code, 0..8), [call(meter(), "init", 4, vec![], GAS)]);
    // Adds to a u8 counter: it passes 255 early in the block.
    let block: Vec<Transaction> = (0..BLOCK as u64)
        .map(|i| call(meter(), "bump_small", 1 + i % 7, vec![Value::Address(addr(4)), Value::U8(1)], GAS))
        .collect();
    let out = run(&block, &state, 2);
    assert_eq!(out.stats.frontier.map(|f| f.ordered), Some(0));
    assert!(out.stats.reexecuted);
    let overflowed = |r: &resin_vm::Receipt| {
        matches!(r.status, Status::RuntimeError { kind: RuntimeErrorKind::CounterOverflow { .. }, .. })
    };
    assert_eq!(out.receipts.iter().filter(|r| r.status.is_success()).count(), 255);
    assert_eq!(out.receipts.iter().filter(|r| overflowed(r)).count(), BLOCK - 255);
}

#[test]
fn a_type_wide_access_outside_the_sample_leaves_the_block_to_the_graph() {
    let state = genesis(&code(), 0..1_000);
    let mut block = rotating(700);
    // Between the sample's first and second windows (0..1024, 2992..4016).
    let exact_only = BlockKeys::instantiate(&code(), &block);
    block[2_000] = call(ledger(), "pay_any", 6, vec![Value::Address(addr(7)), Value::U64(1)], GAS);
    // The keys note it as they are made, on one thread or many, so the
    // executor never starts the frontier's numbering to find it at the end.
    assert!(!exact_only.has_typewide());
    assert!(BlockKeys::instantiate(&code(), &block).has_typewide());
    assert!(BlockKeys::instantiate_par(&code(), &block).has_typewide());
    let out = run(&block, &state, 2);
    assert!(out.stats.frontier.is_none());
    assert!(out.stats.plan.is_some());
}
