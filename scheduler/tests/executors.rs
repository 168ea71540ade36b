//! The executors on hand-picked blocks: plans they choose, what they learn,
//! what they explain.

mod common;

use common::*;
use resin_scheduler::{
    BlockExecutor, BlockKeys, CostModel, InOrderExecutor, ParallelExecutor, Schedule, SequentialExecutor,
};
use resin_vm::{declared_keys, BlockContext, CodeCache, Status, Transaction, Value};
use std::time::Duration;

fn run_both(threads: usize, block: &[Transaction]) -> (resin_scheduler::BlockOutput, resin_scheduler::BlockOutput) {
    let code = code();
    let state = genesis(&code, 0..64);
    let mut s1 = state.clone();
    let mut s2 = state.clone();
    let mut s3 = state;
    let seq = SequentialExecutor::new().execute_block(&code, &mut s1, block, BlockContext::default());
    let par = ParallelExecutor::new(threads).unwrap().execute_block(&code, &mut s2, block, BlockContext::default());
    let in_order = InOrderExecutor::new().unwrap().execute_block(&code, &mut s3, block, BlockContext::default());
    assert_eq!(seq.receipts, par.receipts);
    assert_eq!(seq.state_root, par.state_root);
    assert_eq!(in_order.receipts, seq.receipts);
    assert_eq!(in_order.state_root, seq.state_root);
    assert_eq!(in_order.stats.summary, seq.stats.summary);
    assert!(in_order.stats.plan.is_none());
    // Building the overlay is part of executing: the in-order executor's
    // always (it reads every key first), the parallel one's past its plan.
    for out in [&in_order, &par] {
        assert!(out.stats.timings.overlay <= out.stats.timings.execute, "{:?}", out.stats.timings);
    }
    assert!(in_order.stats.timings.overlay > Duration::ZERO);
    (seq, par)
}

#[test]
fn independent_transfers_use_every_thread() {
    let block: Vec<Transaction> = (0..32).map(|i| transfer(2 * i, 2 * i + 1, 5)).collect();
    let (seq, par) = run_both(4, &block);
    assert!(seq.receipts.iter().all(|r| r.status.is_success()));
    let plan = par.stats.plan.unwrap();
    assert_eq!(plan.lanes_used, 4);
    assert_eq!(plan.dependencies, 0);
    assert_eq!(par.stats.threads_used, 4);
    assert_eq!(par.stats.summary.keys_written, 64);
    // Nothing to wait for; lanes that start or end apart are idle meanwhile.
    assert_eq!((par.stats.cross_lane_waits, par.stats.timings.lanes_waited), (0, Duration::ZERO));
    assert!(par.stats.timings.lanes_idle <= 4 * par.stats.timings.execute);
}

#[test]
fn a_hot_account_runs_inline_in_one_lane() {
    // Everyone pays account 0: one chain.
    let block: Vec<Transaction> = (1..40).map(|i| transfer(i, 0, 1)).collect();
    let (seq, par) = run_both(4, &block);
    assert!(seq.receipts.iter().all(|r| r.status.is_success()));
    let plan = par.stats.plan.unwrap();
    assert_eq!(plan.lanes_used, 1);
    assert_eq!(par.stats.threads_used, 1);
    assert_eq!(plan.dependencies, 38);
    // One lane: no other lane to wait for or to be idle beside.
    assert_eq!((par.stats.timings.lanes_waited, par.stats.timings.lanes_idle), (Duration::ZERO, Duration::ZERO));
}

#[test]
fn an_overdraft_aborts_without_writing_and_later_readers_see_the_old_balance() {
    let block = vec![transfer(1, 2, FUNDS + 1), transfer(1, 3, FUNDS), transfer(1, 4, 1), transfer(5, 6, 1)];
    let (seq, par) = run_both(2, &block);
    let statuses: Vec<bool> = seq.receipts.iter().map(|r| r.status.is_success()).collect();
    assert_eq!(statuses, vec![false, true, false, true]);
    assert!(matches!(seq.receipts[0].status, Status::Aborted { code: 1, .. }));
    assert!(seq.receipts[0].write_set.0.is_empty());
    assert!(seq.receipts[0].gas_used > 0, "an aborted transaction still pays");
    assert_eq!(par.stats.summary.succeeded, 2);
}

#[test]
fn invalid_transactions_get_their_receipt_and_conflict_with_nothing() {
    let mut bad = transfer(1, 2, 5);
    bad.function = "no_such_function".into();
    let block = vec![transfer(1, 2, 5), bad, transfer(2, 1, 5)];
    let (seq, par) = run_both(2, &block);
    assert!(matches!(seq.receipts[1].status, Status::InvalidArguments { .. }));
    assert_eq!(seq.receipts[1].gas_used, 0);
    assert_eq!(par.stats.plan.unwrap().dependencies, 1);
}

#[test]
fn missing_keys_are_rejected_the_same_way_by_both_executors() {
    let code = code();
    let state = genesis(&code, 0..4);
    let block = vec![transfer(0, 1, 5), transfer(2, 3, 5)];
    let keys = BlockKeys::instantiate(&code, &block[..1]);
    let (mut s1, mut s2) = (state.clone(), state);
    let seq = SequentialExecutor::new().execute_with_keys(&code, &mut s1, &block, BlockContext::default(), &keys);
    let par =
        ParallelExecutor::new(2).unwrap().execute_with_keys(&code, &mut s2, &block, BlockContext::default(), &keys);
    assert_eq!(seq.receipts, par.receipts);
    assert!(seq.receipts[0].status.is_success());
    assert!(matches!(seq.receipts[1].status, Status::InvalidArguments { .. }));
    assert_eq!(seq.state_root, par.state_root);
}

#[test]
fn entry_handles_made_for_other_transactions_change_no_receipt() {
    // Keys instantiated for one block carry its transactions' entry handles
    // (all `coin::transfer`); run under them, a block that calls something
    // else must get exactly the receipts it gets when every transaction is
    // resolved by name, in every executor. Trusting the handle would run
    // `transfer` for the first four instead of rejecting them.
    let code = code();
    let state = genesis(&code, 0..4);
    let planned: Vec<Transaction> = (0..6).map(|_| transfer(0, 1, 5)).collect();
    let keys = BlockKeys::instantiate(&code, &planned);
    let mut unknown = transfer(0, 1, 5);
    unknown.function = "steal".into();
    let mut swapped = transfer(0, 1, 5);
    swapped.args.reverse();
    let mut greedy = transfer(0, 1, 5);
    greedy.gas_limit = u64::MAX;
    let not_entry = call(coin(), "balance_of", 0, vec![Value::Address(addr(0))], GAS);
    let mint = call(coin(), "mint", 0, vec![Value::U64(5)], GAS);
    let block = vec![unknown, swapped, greedy, not_entry, mint, transfer(0, 1, 5)];
    // The same keys, computed apart: no handles, so every transaction is
    // resolved by name.
    let by_name = BlockKeys::from_declared(planned.iter().map(|tx| declared_keys(&code, tx).unwrap()).collect());
    assert!((0..block.len()).all(|i| keys.get(i) == by_name.get(i)), "only the handles differ");
    let executors: Vec<Box<dyn BlockExecutor>> = vec![
        Box::new(SequentialExecutor::new()),
        Box::new(InOrderExecutor::new().unwrap()),
        Box::new(ParallelExecutor::new(2).unwrap()),
    ];
    for mut executor in executors {
        let (mut s1, mut s2) = (state.clone(), state.clone());
        let expected = executor.execute_with_keys(&code, &mut s1, &block, BlockContext::default(), &by_name);
        let out = executor.execute_with_keys(&code, &mut s2, &block, BlockContext::default(), &keys);
        assert_eq!(out.receipts, expected.receipts);
        assert_eq!(out.state_root, expected.state_root);
        let rejected: Vec<bool> =
            out.receipts.iter().map(|r| matches!(r.status, Status::InvalidArguments { .. })).collect();
        assert_eq!(rejected, [true, true, true, true, false, false]);
        assert!(out.receipts[4..].iter().all(|r| r.status.is_success()), "{:?}", out.receipts);
        assert_ne!(out.receipts[4].write_set, out.receipts[5].write_set, "mint ran, not transfer");
    }
}

#[test]
fn the_cost_model_learns_from_executed_blocks_and_changes_nothing_but_plans() {
    let code = code();
    let mut state = genesis(&code, 0..16);
    let block: Vec<Transaction> = (0..8).map(|i| transfer(i, i + 8, 1)).collect();
    let mut par = ParallelExecutor::new(2).unwrap();
    assert_eq!(par.cost_model().learned(&coin(), "transfer"), None);
    let out = par.execute_block(&code, &mut state, &block, BlockContext::default());
    let gas = out.receipts[0].gas_used;
    assert!(out.receipts.iter().all(|r| r.gas_used == gas));
    assert_eq!(par.cost_model().learned(&coin(), "transfer"), Some(gas));
    let schedule = par.schedule(&code, &block);
    assert_eq!(schedule.plan.costs, vec![gas; 8]);
    assert_eq!(schedule.plan.stats.makespan, 4 * gas);
    // Unlearned, the estimate is the (capped) gas limit.
    let fresh = Schedule::new(&code, &block, &CostModel::new(), 2);
    assert_eq!(fresh.plan.costs, vec![GAS.min(resin_scheduler::cost::DEFAULT_CAP); 8]);
}

#[test]
fn the_cost_model_learns_the_same_from_entry_handles_as_from_names() {
    let code = code();
    // Runs of one function, calls of one generic function with two type
    // arguments (one entry function), interleavings across modules, an
    // unknown function and calls with bad arguments (rejected, no handle).
    // In runs of five, then interleaved, a different function each time.
    for run in [5, 1] {
        learns_the_same_from_handles_as_from_names(&code, run);
    }
}

fn learns_the_same_from_handles_as_from_names(code: &CodeCache, run: u64) {
    use resin_vm::{Receipt, WriteSet};
    let block: Vec<Transaction> = (0..200u64)
        .map(|i| match i / run % 6 {
            0 => transfer(i, i + 1, 1),
            1 => call(coin(), "mint", i, vec![Value::U64(i)], GAS),
            2 => gtransfer(&[usd(), eur()][(i % 2) as usize], i, i + 1, 1),
            3 if i % 3 == 0 => call(coin(), "no_such_function", i, vec![], GAS),
            3 => call(coin(), "transfer", i, vec![Value::U64(1)], GAS),
            4 => call(ledger(), "open", i, vec![Value::U64(i)], GAS),
            _ => transfer(i, i + 2, 2),
        })
        .collect();
    let keys = BlockKeys::instantiate(code, &block);
    let receipts: Vec<Receipt> = (0..block.len())
        .map(|i| Receipt {
            status: match keys.get(i) {
                Some(Ok(_)) => Status::Success,
                _ => Status::InvalidArguments { reason: "rejected".into() },
            },
            gas_used: 50 + (i as u64 * 7919) % 1_000,
            events: vec![],
            write_set: WriteSet::default(),
        })
        .collect();
    let rejected = receipts.iter().filter(|r| !r.status.is_success()).count();
    assert!(rejected > 0 && rejected < block.len(), "{rejected} rejected");
    let mut start = CostModel::new();
    start.observe(&coin(), "transfer", 5_000);
    // The oracle: each transaction that started, observed alone by name.
    let mut one_by_one = start.clone();
    for (tx, r) in block.iter().zip(&receipts).filter(|(_, r)| r.status.is_success()) {
        one_by_one.observe(&tx.module, &tx.function, r.gas_used);
    }
    let mut keyed = start.clone();
    keyed.observe_block_keyed(&block, &receipts, &keys);
    assert_eq!(keyed, one_by_one);
    let mut named = start;
    named.observe_block(&block, &receipts);
    assert_eq!(named, one_by_one);
    assert!(keyed.learned(&gcoin(), "transfer").is_some() && keyed.learned(&ledger(), "open").is_some());
    // Estimates through the handles too, against each transaction's own.
    let estimates = keyed.estimate_block(&block, &keys);
    for (i, (tx, r)) in block.iter().zip(&receipts).enumerate() {
        let own = if r.status.is_success() { keyed.estimate(tx) } else { resin_scheduler::cost::REJECTED_COST };
        assert_eq!(estimates[i], own, "transaction {i} (runs of {run})");
    }
}

#[test]
fn a_plan_explains_itself_with_type_names() {
    let code = code();
    let block = vec![transfer(1, 2, 5), transfer(3, 4, 5), transfer(2, 3, 5)];
    let schedule = Schedule::new(&code, &block, &CostModel::new(), 2);
    let explain = schedule.explain(&block, &code);
    let text = explain.text();
    assert!(text.contains("block: 3 transactions, 2 dependencies"), "{text}");
    assert!(text.contains("#0 -> #2  WAW 0x1::coin::Balance@0x2"), "{text}");
    assert!(text.contains("#1 -> #2  WAW 0x1::coin::Balance@0x3"), "{text}");
    assert!(text.contains("0x1::coin::transfer"), "{text}");
    assert!(text.contains("critical path"), "{text}");
    let dot = explain.dot();
    assert!(dot.starts_with("digraph plan {"), "{dot}");
    assert!(dot.contains("subgraph cluster_lane0"), "{dot}");
    assert!(dot.contains("t0 -> t2 [label=\"WAW 0x1::coin::Balance@0x2\""), "{dot}");
    assert_eq!(dot.matches(" -> ").count(), 2);
}

#[test]
fn without_names_types_print_as_their_ids() {
    let code = code();
    let block = vec![transfer(1, 2, 5), transfer(2, 3, 5)];
    let schedule = Schedule::new(&code, &block, &CostModel::new(), 2);
    let balance = resin_vm::TypeId::of(&coin(), "Balance");
    let dot = schedule.explain(&block, &resin_scheduler::NoTypeNames).dot();
    assert!(dot.contains(&format!("t0 -> t1 [label=\"WAW {balance:?}@0x2\"")), "{dot}");
    let text = schedule.explain(&block, &code).with_limit(1).text();
    assert!(text.contains("lane 0 (2 txs, est. 200000 gas): #0 ... and 1 more"), "{text}");
}

#[test]
fn a_large_block_matches_sequential_execution() {
    // Past the graph builder's parallel threshold, with plenty of conflicts:
    // among 40 accounts, so near that the block is planned (among 500, its
    // lanes would seldom wait, and it would run on the frontier).
    let code = code();
    let state = genesis(&code, 0..40);
    let mut seed = 7u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let block: Vec<Transaction> = (0..10_000).map(|_| transfer(next() % 40, next() % 40, next() % 400)).collect();
    let mut s = state.clone();
    let seq = SequentialExecutor::new().execute_block(&code, &mut s, &block, BlockContext::default());
    assert!(seq.stats.summary.succeeded > 5_000 && seq.stats.summary.succeeded < 10_000);
    for threads in [2, 4] {
        let mut p = state.clone();
        let par = ParallelExecutor::new(threads).unwrap().execute_block(&code, &mut p, &block, BlockContext::default());
        assert_eq!(par.receipts, seq.receipts, "{threads} threads");
        assert_eq!(par.state_root, seq.state_root, "{threads} threads");
        assert_eq!(par.stats.plan.unwrap().lanes_used, threads);
    }
}

#[test]
fn executors_driven_from_another_pools_threads_match_sequential_execution() {
    // Each executor runs a block inside its own pool; a caller that is
    // itself a worker of another rayon pool (chains run side by side)
    // enters it from there. Blocks of every path, on executors of one,
    // two and five threads (five: more than a 2-core machine has cores).
    let code = code();
    let state = genesis(&code, 0..64);
    let blocks: Vec<Vec<Transaction>> = vec![
        (0..32).map(|i| transfer(2 * i, 2 * i + 1, 5)).collect(),
        (1..40).map(|i| transfer(i, 0, 1)).collect(),
        (0..9_000u64).map(|i| transfer(i % 64, (i * 7 + 3) % 64, 1 + i % 50)).collect(),
    ];
    let expected: Vec<_> = blocks
        .iter()
        .map(|block| {
            let mut s = state.clone();
            SequentialExecutor::new().execute_block(&code, &mut s, block, BlockContext::default())
        })
        .collect();
    let Ok(callers) = rayon::ThreadPoolBuilder::new().num_threads(3).build() else { panic!("no pool") };
    let runs: Vec<(usize, usize, resin_scheduler::BlockOutput, resin_scheduler::BlockOutput)> = callers.install(|| {
        use rayon::prelude::*;
        let cases: Vec<(usize, usize)> = (0..blocks.len()).flat_map(|b| [1, 2, 5].map(|t| (b, t))).collect();
        cases
            .into_par_iter()
            .map(|(b, threads)| {
                let (mut p, mut o) = (state.clone(), state.clone());
                let Ok(mut par) = ParallelExecutor::new(threads) else { panic!("no executor") };
                let Ok(mut in_order) = InOrderExecutor::new() else { panic!("no executor") };
                let par = par.execute_block(&code, &mut p, &blocks[b], BlockContext::default());
                let in_order = in_order.execute_block(&code, &mut o, &blocks[b], BlockContext::default());
                (b, threads, par, in_order)
            })
            .collect()
    });
    assert_eq!(runs.len(), 9);
    // The paths a block takes: independent lanes taking chunks, one lane,
    // the frontier (2 threads), a plan with dependencies (5).
    let path = |b: usize, t: usize| runs.iter().find(|r| (r.0, r.1) == (b, t)).map(|r| &r.2.stats);
    assert!(path(0, 2).is_some_and(|s| s.plan.as_ref().is_some_and(|p| p.dependencies == 0) && s.threads_used == 2));
    assert!(path(1, 5).is_some_and(|s| s.threads_used == 1));
    assert!(path(2, 2).is_some_and(|s| s.frontier.is_some()));
    assert!(path(2, 5).is_some_and(|s| s.plan.as_ref().is_some_and(|p| p.dependencies > 0)));
    for (b, threads, par, in_order) in runs {
        for (name, out) in [("parallel", &par), ("in order", &in_order)] {
            assert_eq!(out.receipts, expected[b].receipts, "block {b}, {name}, {threads} threads");
            assert_eq!(out.state_root, expected[b].state_root, "block {b}, {name}, {threads} threads");
        }
    }
}

#[test]
fn a_chain_of_blocks_each_retired_into_the_next_ones_gaps_matches_sequential_execution() {
    // As `resin bench` runs a chain: each block on a snapshot of the state
    // the one before left, which is then retired with the block's output.
    // The parallel executor keeps both and frees them beside the next
    // block's serial steps (at 2 threads, a frontier block's numbering, a
    // chain's lane) and at the next retirement; the states it goes on
    // with must not notice.
    let code = code();
    let chain = |b: u64| (0..9_000u64).map(move |i| transfer((i + b) % 64, (i + b + 1) % 64, 1)).collect();
    let frontier = |b: u64| {
        (0..9_000u64).map(move |i| transfer((i + b) % 64, (i * 7 + 3 * b + 3) % 64, 1 + (i + b) % 50)).collect()
    };
    let blocks: Vec<Vec<Transaction>> = (0..6u64).map(|b| if b % 3 == 2 { chain(b) } else { frontier(b) }).collect();
    let mut expected = genesis(&code, 0..64);
    let expected: Vec<resin_scheduler::BlockOutput> = blocks
        .iter()
        .map(|block| SequentialExecutor::new().execute_block(&code, &mut expected, block, BlockContext::default()))
        .collect();
    for threads in [1, 2] {
        let Ok(mut par) = ParallelExecutor::new(threads) else { panic!("no executor") };
        let mut state = genesis(&code, 0..64);
        for (b, block) in blocks.iter().enumerate() {
            let mut next = state.clone();
            let out = par.execute_block(&code, &mut next, block, BlockContext::default());
            assert_eq!(out.receipts, expected[b].receipts, "block {b}, {threads} threads");
            assert_eq!(out.state_root, expected[b].state_root, "block {b}, {threads} threads");
            assert_eq!(next.root(), expected[b].state_root);
            let path = (out.stats.frontier.is_some(), out.stats.chain_sample.is_some());
            let expected_path = match (threads, b % 3) {
                (_, 2) => (false, true),
                (1, _) => (false, false),
                _ => (true, false),
            };
            assert_eq!(path, expected_path, "block {b}, {threads} threads: the frontier or a chain");
            par.retire(out, std::mem::replace(&mut state, next));
        }
    }
}

#[test]
fn argument_gas_and_the_gas_cap_are_the_same_in_both_executors() {
    use resin_vm::gas::{argument_cost, MAX_GAS_LIMIT};
    use resin_vm::Value;
    // Transfers whose amounts take one or two bytes cost exactly the extra
    // bytes of their arguments, in every executor (balances before and after
    // take two bytes each, so storage costs the same).
    let block = vec![transfer(1, 2, 1), transfer(3, 4, 200), transfer(5, 6, 500)];
    let (seq, _) = run_both(2, &block);
    let base = seq.receipts[0].gas_used - argument_cost(&block[0].args);
    for (tx, receipt) in block.iter().zip(&seq.receipts) {
        assert_eq!(receipt.gas_used, base + argument_cost(&tx.args), "{tx:?}");
    }
    // A transaction over the gas cap does not start, in either executor.
    let mut greedy = transfer(3, 4, 1);
    greedy.gas_limit = MAX_GAS_LIMIT + 1;
    let bulky = call(coin(), "transfer", 5, vec![Value::Address(addr(6)), Value::U64(1)], GAS);
    let (seq, _) = run_both(2, &[greedy, bulky]);
    assert!(matches!(seq.receipts[0].status, Status::InvalidArguments { .. }), "{:?}", seq.receipts[0].status);
    assert_eq!(seq.receipts[0].gas_used, 0);
    assert!(seq.receipts[1].status.is_success());
}

/// `0x2::deep` with structs nested to the value depth limit, and an entry
/// function that builds one and stores it.
fn deepest_chain() -> resin_format::Module {
    let n = resin_format::encoding::limits::MAX_VALUE_DEPTH - 1;
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
    resin_format::assembler::assemble(&text).unwrap()
}

#[test]
fn the_deepest_values_run_in_lane_threads() {
    // Lane threads have the pool's default stack; values as deep as the
    // limit allows are built, written, hashed and dropped there.
    let mut code = code();
    code.publish(deepest_chain()).unwrap();
    let block: Vec<Transaction> =
        (0..8).map(|i| call(resin_vm::ModuleId::new(addr(2), "deep"), "make", 100 + i, vec![], GAS)).collect();
    let state = genesis(&code, 0..2);
    let mut s1 = state.clone();
    let mut s2 = state;
    let seq = SequentialExecutor::new().execute_block(&code, &mut s1, &block, BlockContext::default());
    let par = ParallelExecutor::new(4).unwrap().execute_block(&code, &mut s2, &block, BlockContext::default());
    assert!(seq.receipts.iter().all(|r| r.status.is_success()), "{:?}", seq.receipts[0].status);
    assert_eq!(seq.receipts, par.receipts);
    assert_eq!(seq.state_root, par.state_root);
    assert_eq!(par.stats.summary.keys_written, 8);
    let key = resin_vm::ResourceKey {
        address: addr(100),
        ty: resin_vm::TypeId::of(&resin_vm::ModuleId::new(addr(2), "deep"), "S0"),
    };
    let stored = s2.get(&key).unwrap();
    assert_eq!(stored.depth(), resin_format::encoding::limits::MAX_VALUE_DEPTH);
    // Printing it walks the whole value too.
    let printed = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn({
            let code = code.clone();
            let value = stored.clone();
            move || code.format_resource(key.ty, &value)
        })
        .unwrap()
        .join()
        .unwrap();
    assert!(printed.starts_with("0x2::deep::S0 { f: 0x2::deep::S1 { f:"), "{printed}");
}
