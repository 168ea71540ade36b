//! Blocks of 12,000 transactions — past the graph builder's partitioned
//! path, with a hot account, wide fans of type-wide readers and a few
//! type-wide writers — checked without any timing:
//!
//! - every pair of transactions whose declared keys conflict is ordered by
//!   the plan: the earlier one runs first in the same lane, or the later one
//!   waits for it through the graph's dependencies (transitively, across
//!   lanes), at 2, 4 and 16 lanes and under different cost estimates;
//! - the parallel executor's receipts and state root equal the sequential
//!   executor's at those thread counts.
//!
//! The conflicting pairs are enumerated from the declared keys by the
//! definition of a conflict (same exact key, or an exact key and a type-wide
//! key of its type, or two type-wide keys of one type; at least one write),
//! not from the graph.

mod common;

use std::collections::HashMap;

use common::{addr, call, code, genesis, ledger, transfer, GAS};
use resin_scheduler::{plan, BlockExecutor, BlockKeys, ConflictGraph, ParallelExecutor, Plan, SequentialExecutor};
use resin_vm::{AccessKey, AccessMode, BlockContext, Transaction, TypeId, Value};

const ACCOUNTS: u64 = 2_000;
const BLOCK: usize = 12_000;
const HOT: u64 = 0;

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn pay(from: u64, to: u64, amount: u64) -> Transaction {
    call(ledger(), "pay", from, vec![Value::Address(addr(to)), Value::U64(amount)], GAS)
}

/// A block mixing what conflicts in every way the graph knows.
fn mixed_block(seed: u64) -> Vec<Transaction> {
    let mut rng = Rng(seed | 1);
    (0..BLOCK)
        .map(|_| {
            let (a, b) = (rng.below(ACCOUNTS), rng.below(ACCOUNTS));
            let amount = rng.below(50);
            match rng.below(100) {
                // Independent transfers: most of the block.
                0..=49 => transfer(a, b, amount),
                // The hot account, paying and paid.
                50..=59 => transfer(HOT, b, amount),
                60..=69 => transfer(a, HOT, amount),
                70..=84 => pay(a, b, amount),
                // Type-wide readers of every ledger account: a wide fan.
                85..=95 => call(ledger(), "audit", a, vec![Value::Address(addr(a)), Value::Address(addr(b))], GAS),
                // A type-wide writer now and then: every ledger access before
                // it and after it is ordered around it.
                96 => call(ledger(), "pay_any", a, vec![Value::Address(addr(b)), Value::U64(amount)], GAS),
                // Invalid: no such function; conflicts with nothing.
                97 => call(ledger(), "no_such_function", a, vec![], GAS),
                // Overdrafts that abort.
                _ => transfer(a, b, 1_000_000),
            }
        })
        .collect()
}

/// `hb[j]` holds bit `i` when transaction `i` is finished before `j` starts
/// under `plan`: `i` is earlier in `j`'s lane, or `j` depends on `i` through
/// the graph's edges (which the executor waits on across lanes), transitively.
fn happens_before(graph: &ConflictGraph, plan: &Plan) -> Vec<Vec<u64>> {
    let n = graph.tx_count();
    let words = n.div_ceil(64);
    let mut lane_predecessor: Vec<Option<usize>> = vec![None; n];
    for lane in &plan.lanes {
        for pair in lane.windows(2) {
            assert!(pair[0] < pair[1], "a lane is out of block order");
            lane_predecessor[pair[1] as usize] = Some(pair[0] as usize);
        }
    }
    let mut hb: Vec<Vec<u64>> = Vec::with_capacity(n);
    for (j, in_lane) in lane_predecessor.into_iter().enumerate() {
        let mut set = vec![0u64; words];
        let predecessors = graph.predecessors(j).map(|(p, _)| p as usize).chain(in_lane);
        for p in predecessors {
            assert!(p < j, "{p} -> {j} goes backwards");
            set[p / 64] |= 1 << (p % 64);
            for (w, bits) in set.iter_mut().zip(&hb[p]) {
                *w |= bits;
            }
        }
        hb.push(set);
    }
    hb
}

/// Every conflicting pair `(i, j)`, `i < j`, enumerated per key.
fn conflicting_pairs(keys: &BlockKeys) -> Vec<(usize, usize)> {
    // Per exact key and per type: who touches it, and how.
    let mut exact: HashMap<AccessKey, Vec<(usize, AccessMode)>> = HashMap::new();
    let mut of_type: HashMap<TypeId, Vec<(usize, AccessMode)>> = HashMap::new();
    let mut type_wide: HashMap<TypeId, Vec<(usize, AccessMode)>> = HashMap::new();
    for i in 0..keys.len() {
        for access in keys.accesses(i) {
            match access.key {
                AccessKey::Exact(key) => {
                    exact.entry(access.key).or_default().push((i, access.mode));
                    of_type.entry(key.ty).or_default().push((i, access.mode));
                }
                AccessKey::AnyOf(ty) => type_wide.entry(ty).or_default().push((i, access.mode)),
            }
        }
    }
    let mut pairs = Vec::new();
    let mut add = |(i, m): (usize, AccessMode), (j, n): (usize, AccessMode)| {
        if i != j && m.conflicts_with(n) {
            pairs.push((i.min(j), i.max(j)));
        }
    };
    for users in exact.values() {
        for (x, &a) in users.iter().enumerate() {
            for &b in &users[x + 1..] {
                add(a, b);
            }
        }
    }
    for (ty, wide) in &type_wide {
        for (x, &a) in wide.iter().enumerate() {
            for &b in &wide[x + 1..] {
                add(a, b);
            }
            for &b in of_type.get(ty).map_or(&[][..], Vec::as_slice) {
                add(a, b);
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

fn assert_plan_orders(graph: &ConflictGraph, plan: &Plan, pairs: &[(usize, usize)], what: &str) {
    let hb = happens_before(graph, plan);
    for &(i, j) in pairs {
        assert!(hb[j][i / 64] & (1 << (i % 64)) != 0, "{what}: conflicting transactions {i} and {j} are not ordered");
    }
}

#[test]
fn every_conflicting_pair_of_a_large_block_is_ordered_in_the_plan() {
    let code = code();
    let block = mixed_block(0x5eed);
    let keys = BlockKeys::instantiate(&code, &block);
    let pairs = conflicting_pairs(&keys);
    // The block is what it claims: hot, fanned out and type-wide.
    assert!(pairs.len() > 100_000, "only {} conflicting pairs", pairs.len());
    let wide =
        (0..keys.len()).filter(|&i| keys.accesses(i).iter().any(|a| matches!(a.key, AccessKey::AnyOf(_)))).count();
    assert!(wide > 1_000, "{wide} type-wide transactions");
    assert!((0..keys.len()).any(|i| keys.accesses(i).is_empty()), "no invalid transaction");

    let graph = ConflictGraph::build(&keys);
    // Every edge names a key both of its transactions access (the graph
    // numbers keys in partitions and renumbers them; the label must follow).
    let touches = |tx: usize, key: &AccessKey| {
        keys.accesses(tx).iter().any(|a| match (&a.key, key) {
            (AccessKey::Exact(mine), AccessKey::Exact(k)) => mine == k,
            (AccessKey::AnyOf(ty), AccessKey::Exact(k)) => *ty == k.ty,
            (AccessKey::Exact(mine), AccessKey::AnyOf(ty)) => mine.ty == *ty,
            (AccessKey::AnyOf(mine), AccessKey::AnyOf(ty)) => mine == ty,
        })
    };
    let mut labelled = 0usize;
    for tx in 0..keys.len() {
        for (pred, dep) in graph.predecessors(tx) {
            let key = graph.key(dep);
            assert!(touches(tx, &key) && touches(pred as usize, &key), "edge {pred} -> {tx} names {key:?}");
            labelled += 1;
        }
    }
    assert!(labelled > 10_000, "{labelled} edges");
    let mut rng = Rng(99);
    let uniform = vec![1u64; block.len()];
    let skewed: Vec<u64> = (0..block.len()).map(|_| 1 + rng.below(10_000)).collect();
    for threads in [2, 4, 16] {
        for (name, costs) in [("uniform costs", &uniform), ("skewed costs", &skewed)] {
            let plan = plan(&graph, costs, threads);
            let placed: usize = plan.lanes.iter().map(Vec::len).sum();
            assert_eq!(placed, block.len(), "every transaction is placed once");
            assert!(plan.non_empty_lanes().count() > 1, "{threads} lanes, {name}: the block ran in one lane");
            assert_plan_orders(&graph, &plan, &pairs, &format!("{threads} lanes, {name}"));
        }
    }
}

#[test]
fn a_large_mixed_block_gives_sequential_receipts_and_root_at_every_thread_count() {
    let code = code();
    let state = genesis(&code, 0..ACCOUNTS);
    // Two consecutive blocks, so the second runs on state the first changed
    // and with costs the executor learned from it.
    let blocks = [mixed_block(1), mixed_block(2)];
    let mut sequential_state = state.clone();
    let mut sequential = SequentialExecutor::new();
    let expected: Vec<_> = blocks
        .iter()
        .map(|b| sequential.execute_block(&code, &mut sequential_state, b, BlockContext::default()))
        .collect();
    let statuses = |i: usize| {
        let receipts = &expected[i].receipts;
        let ok = receipts.iter().filter(|r| r.status.is_success()).count();
        (ok, receipts.len() - ok)
    };
    let (ok, failed) = statuses(0);
    assert!(ok > BLOCK / 2 && failed > BLOCK / 100, "{ok} succeeded, {failed} failed");
    for threads in [2, 4, 16] {
        let mut executor = ParallelExecutor::new(threads).expect("a thread pool");
        let mut parallel_state = state.clone();
        for (i, block) in blocks.iter().enumerate() {
            let out = executor.execute_block(&code, &mut parallel_state, block, BlockContext::default());
            assert_eq!(out.receipts, expected[i].receipts, "{threads} threads, block {i}");
            assert_eq!(out.state_root, expected[i].state_root, "{threads} threads, block {i}");
        }
    }
}
