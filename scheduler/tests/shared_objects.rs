//! Shared objects (issue 13): three blocks of 10,000 transactions on one
//! shared object each, which keyed storage and counters make parallel:
//!
//! (a) approvals, then `transfer_from` by many spenders, on one token
//!     (`0x5::fa`, allowances keyed by spender under the owner);
//! (b) votes by many voters on one proposal (`0x6::dao`, ballots keyed by
//!     voter, the tally a counter every vote adds to);
//! (c) mints in one NFT collection (`0x7::nft`, tokens keyed by id, the mint
//!     count a counter).
//!
//! Each runs sequentially, in order and in parallel (2 threads) with the
//! same receipts and root as the VM's own one-at-a-time `World`, and its plan
//! has no dependency between transactions of different users. Who a
//! transaction is for comes from its own fields (sender and arguments), never
//! from the graph: that is the oracle. Negative controls (a second vote by
//! one voter, a count of the tally, an id minted twice, spenders of one
//! owner) must have their dependencies. Finally, counters that reach their
//! bound: the parallel executor re-runs the block in order and still agrees.

// `Status` (the VM's) is large; these tests compare it as the VM returns it.
#![allow(clippy::result_large_err)]

mod common;

use std::collections::BTreeSet;

use common::*;
use resin_scheduler::{BlockExecutor, BlockOutput, DepKind, InOrderExecutor, ParallelExecutor, SequentialExecutor};
use resin_state::store::ResourceStore;
use resin_vm::{BlockContext, CodeCache, RuntimeErrorKind, Status, Transaction, Value, World};

const N: u64 = 10_000;

/// Every block here runs in this block: the context reaches every executor.
const CONTEXT: BlockContext = BlockContext { timestamp: 1_765_000_000, height: 13 };

/// Who a transaction is for: accounts by number, and tokens (of the one
/// collection) by id, apart from accounts.
type Parties = BTreeSet<u64>;

const TOKEN: u64 = 1 << 48;

fn parties(of: impl IntoIterator<Item = u64>) -> Parties {
    of.into_iter().collect()
}

/// The VM's reference, then the sequential, in-order and 2-thread parallel
/// executors, on a copy of `state` each: all must agree. Returns the
/// sequential output and the state after it.
fn run_everywhere(code: &CodeCache, state: &ResourceStore, block: &[Transaction]) -> (BlockOutput, ResourceStore) {
    let mut world = World { code: code.clone(), resources: state.clone(), block: CONTEXT };
    let reference: Vec<_> = block.iter().map(|tx| world.execute(tx)).collect();

    let mut expected_state = state.clone();
    let expected = SequentialExecutor::new().execute_block(code, &mut expected_state, block, CONTEXT);
    assert!(expected.receipts == reference, "sequential and the VM's World differ");
    assert_eq!(expected.state_root, world.resources.root());

    let mut s = state.clone();
    let in_order = InOrderExecutor::new().unwrap().execute_block(code, &mut s, block, CONTEXT);
    assert!(in_order.receipts == expected.receipts, "in order");
    assert_eq!(in_order.state_root, expected.state_root, "in order");

    let mut s = state.clone();
    let parallel = ParallelExecutor::new(2).unwrap().execute_block(code, &mut s, block, CONTEXT);
    assert!(parallel.receipts == expected.receipts, "parallel");
    assert_eq!(parallel.state_root, expected.state_root, "parallel");
    assert_eq!(parallel.stats.summary, expected.stats.summary, "parallel");
    assert_eq!(s.sorted_entries(), expected_state.sorted_entries(), "parallel");
    (expected, expected_state)
}

/// The block's plan on 2 lanes: every dependency joins two transactions
/// with a party in common, and the plan uses both lanes.
fn assert_no_dependency_across_parties(
    code: &CodeCache,
    block: &[Transaction],
    parties: &[Parties],
) -> resin_scheduler::Schedule {
    let schedule = ParallelExecutor::new(2).unwrap().schedule(code, block);
    for (from, to, dep) in schedule.graph.edges() {
        let (a, b) = (&parties[from as usize], &parties[to as usize]);
        assert!(!a.is_disjoint(b), "#{from} {a:?} -> #{to} {b:?} ({}) depend but share no party", dep.kind.short());
    }
    assert_eq!(schedule.plan.stats.lanes_used, 2);
    schedule
}

fn query(world: &World, module: resin_vm::ModuleId, function: &str, args: Vec<Value>) -> Value {
    let outcome = world.call(&call(module, function, 1, args, GAS));
    assert!(outcome.receipt.status.is_success(), "{function}: {:?}", outcome.receipt.status);
    outcome.returns.into_iter().next().unwrap()
}

fn at(n: u64) -> Value {
    Value::Address(addr(n))
}

// (a) approvals, then transfer_from by many spenders, on one token.

const OWNERS: u64 = N / 4;
const OWNER0: u64 = 1_000_000;
const SPENDER0: u64 = 2_000_000;
const OWNER_FUNDS: u64 = 1_000;

/// The two spenders of owner `o` (by index).
fn spenders_of(o: u64) -> [u64; 2] {
    [SPENDER0 + 2 * o, SPENDER0 + 2 * o + 1]
}

fn token_genesis(code: &CodeCache) -> ResourceStore {
    let mut setup = vec![call(fa(), "init", 5, vec![], GAS)];
    for o in 0..OWNERS {
        setup.push(call(fa(), "open", OWNER0 + o, vec![], GAS));
        setup.push(call(fa(), "mint", OWNER0 + o, vec![Value::U64(OWNER_FUNDS)], GAS));
        for s in spenders_of(o) {
            setup.push(call(fa(), "open", s, vec![], GAS));
        }
    }
    set_up(code, ResourceStore::new(), setup)
}

/// `(owner, spender, amount)` of a `transfer_from` paying the spender.
type Taken = (u64, u64, u64);

/// Each owner approves its two spenders (N/2 approvals), then each spender
/// takes `10 + k` for itself (N/2 transfers): spender `k` of each owner.
fn token_block() -> (Vec<Transaction>, Vec<Parties>, Vec<Taken>) {
    let (mut block, mut who, mut taken) = (Vec::new(), Vec::new(), Vec::new());
    for o in 0..OWNERS {
        for s in spenders_of(o) {
            block.push(call(fa(), "approve", OWNER0 + o, vec![at(s), Value::U64(100)], GAS));
            who.push(parties([OWNER0 + o, s]));
        }
    }
    for o in 0..OWNERS {
        for (k, s) in spenders_of(o).into_iter().enumerate() {
            let amount = 10 + k as u64;
            block.push(call(fa(), "transfer_from", s, vec![at(OWNER0 + o), at(s), Value::U64(amount)], GAS));
            who.push(parties([s, OWNER0 + o]));
            taken.push((OWNER0 + o, s, amount));
        }
    }
    (block, who, taken)
}

#[test]
fn approvals_then_transfers_from_by_many_spenders_on_one_token() {
    let code = code();
    let genesis = token_genesis(&code);
    let (block, who, taken) = token_block();
    assert_eq!(block.len() as u64, N);
    let (out, state) = run_everywhere(&code, &genesis, &block);
    assert!(out.receipts.iter().all(|r| r.status.is_success()), "every approval and transfer succeeds");

    let schedule = assert_no_dependency_across_parties(&code, &block, &who);
    let graph = &schedule.graph;
    let half = (N / 2) as u32;
    // Approvals by one owner to two spenders write two keys: no dependency.
    assert!((0..half).all(|t| graph.predecessors(t as usize).next().is_none()), "approvals are independent");
    // Each transfer waits for its approval; the owner's two spenders both
    // debit the owner's balance, so the second waits for the first.
    for o in 0..OWNERS as u32 {
        let (first, second) = (half + 2 * o, half + 2 * o + 1);
        assert!(graph.dependency(2 * o, first).is_some(), "transfer {first} after its approval");
        assert_eq!(graph.dependency(first, second).map(|d| d.kind), Some(DepKind::WriteAfterWrite));
    }

    // Balances and allowances, from the transactions' own amounts.
    let world = World { code: code.clone(), resources: state, block: CONTEXT };
    for &(owner, spender, amount) in taken.iter().step_by(97) {
        assert_eq!(query(&world, fa(), "balance_of", vec![at(spender)]), Value::U64(amount));
        assert_eq!(query(&world, fa(), "allowance", vec![at(owner), at(spender)]), Value::U64(100 - amount));
        assert_eq!(query(&world, fa(), "balance_of", vec![at(owner)]), Value::U64(OWNER_FUNDS - 10 - 11));
    }
    assert_eq!(query(&world, fa(), "supply", vec![]), Value::U64(OWNERS * OWNER_FUNDS));
}

#[test]
fn a_token_with_plain_mints_and_a_supply_audit_orders_the_audit() {
    // Negative control: mints by different users only add to the supply,
    // but an audit reads it, so it waits for every mint before it and every
    // mint after it waits for the audit.
    let code = code();
    let genesis = token_genesis(&code);
    let minters: Vec<u64> = (0..40).map(|o| OWNER0 + o).collect();
    let mut block: Vec<Transaction> =
        minters.iter().map(|&m| call(fa(), "mint", m, vec![Value::U64(m % 9)], GAS)).collect();
    block.insert(20, call(fa(), "audit_supply", 1, vec![], GAS));
    let (out, _) = run_everywhere(&code, &genesis, &block);
    let minted_before: u64 = minters[..20].iter().map(|m| m % 9).sum();
    let seen = &out.receipts[20].events[0].value;
    assert_eq!(*seen, Value::structure(vec![Value::U64(OWNERS * OWNER_FUNDS + minted_before)]));
    let graph = ParallelExecutor::new(2).unwrap().schedule(&code, &block).graph;
    for t in 0..20u32 {
        assert_eq!(graph.dependency(t, 20).map(|d| d.kind), Some(DepKind::ReadAfterAdd), "audit after mint {t}");
        assert!(graph.predecessors(t as usize).next().is_none(), "mint {t} waits for nothing");
    }
    for t in 21..block.len() as u32 {
        assert_eq!(graph.dependency(20, t).map(|d| d.kind), Some(DepKind::AddAfterRead), "mint {t} after the audit");
    }
}

// (b) votes by many voters on one proposal.

const PROPOSAL: u64 = 0x600;
const VOTER0: u64 = 3_000_000;

fn dao_genesis(code: &CodeCache) -> ResourceStore {
    set_up(code, ResourceStore::new(), [call(dao(), "propose", PROPOSAL, vec![], GAS)])
}

fn vote(voter: u64, weight: u64) -> Transaction {
    call(dao(), "vote", voter, vec![at(PROPOSAL), Value::U64(weight)], GAS)
}

fn weight(v: u64) -> u64 {
    v % 7 + 1
}

#[test]
fn votes_by_many_voters_on_one_proposal_share_only_the_tally() {
    let code = code();
    let genesis = dao_genesis(&code);
    let block: Vec<Transaction> = (0..N).map(|v| vote(VOTER0 + v, weight(v))).collect();
    let who: Vec<Parties> = (0..N).map(|v| parties([VOTER0 + v])).collect();
    let (out, state) = run_everywhere(&code, &genesis, &block);
    assert!(out.receipts.iter().all(|r| r.status.is_success()));
    let schedule = assert_no_dependency_across_parties(&code, &block, &who);
    assert_eq!(schedule.graph.edge_count(), 0, "adds to the tally do not conflict");
    assert_eq!(schedule.plan.stats.dependencies, 0);

    // Every receipt holds its vote's delta, not a total (which would depend
    // on the order the votes ran in).
    let world = World { code: code.clone(), resources: state, block: CONTEXT };
    let total: u64 = (0..N).map(weight).sum();
    assert_eq!(query(&world, dao(), "tally", vec![at(PROPOSAL)]), Value::U64(total));
    for v in (0..N).step_by(331) {
        assert_eq!(query(&world, dao(), "weight_of", vec![at(PROPOSAL), at(VOTER0 + v)]), Value::U64(weight(v)));
    }
}

#[test]
fn a_second_vote_and_a_count_of_the_tally_have_their_dependencies() {
    // Negative control: the same block with a count of the tally in the
    // middle and a second vote by the first voter at the end.
    let code = code();
    let genesis = dao_genesis(&code);
    let count_at = (N / 2) as usize;
    let mut block: Vec<Transaction> = (0..N).map(|v| vote(VOTER0 + v, weight(v))).collect();
    block[count_at] = call(dao(), "count", 1, vec![at(PROPOSAL)], GAS);
    block.push(vote(VOTER0, 5));
    let last = block.len() - 1;
    let (out, state) = run_everywhere(&code, &genesis, &block);

    let before: u64 = (0..count_at as u64).map(weight).sum();
    assert_eq!(out.receipts[count_at].events[0].value, Value::structure(vec![Value::U64(before)]));
    assert!(matches!(out.receipts[last].status, Status::Aborted { code: 1, .. }), "{:?}", out.receipts[last].status);
    let world = World { code: code.clone(), resources: state, block: CONTEXT };
    let total = before + (count_at as u64 + 1..N).map(weight).sum::<u64>();
    assert_eq!(query(&world, dao(), "tally", vec![at(PROPOSAL)]), Value::U64(total));

    let graph = ParallelExecutor::new(2).unwrap().schedule(&code, &block).graph;
    let count = count_at as u32;
    assert_eq!(graph.predecessors(count_at).count(), count_at, "the count waits for every vote before it");
    assert_eq!(graph.dependency(0, count).map(|d| d.kind), Some(DepKind::ReadAfterAdd));
    for t in count + 1..last as u32 {
        assert_eq!(graph.dependency(count, t).map(|d| d.kind), Some(DepKind::AddAfterRead), "vote {t}");
    }
    assert_eq!(graph.dependency(0, last as u32).map(|d| d.kind), Some(DepKind::WriteAfterWrite), "the same ballot");

    // No counter is near its bound, and the failed second vote aborts
    // before its add, so it never read the tally: nothing is run again.
    let mut s = genesis.clone();
    let parallel = ParallelExecutor::new(2).unwrap().execute_block(&code, &mut s, &block, CONTEXT);
    assert!(parallel.receipts == out.receipts);
    assert!(!parallel.stats.reexecuted);
    assert_eq!(parallel.stats.adders_rerun, 0);
}

#[test]
fn votes_refused_before_their_add_are_not_run_again() {
    // Every voter votes twice, the second vote interleaved with others'
    // first votes: half the block aborts (`E_ALREADY_VOTED`) before adding
    // to the tally. A vote that never reached its add never read the tally,
    // so however stale its lane's view of the tally was, its receipt is
    // block order's; only an adder that read the tally and failed after is
    // checked again (`an_add_that_passed_on_too_little_and_then_failed_is_caught`).
    let code = code();
    let genesis = dao_genesis(&code);
    let voters = N / 2;
    let block: Vec<Transaction> = (0..N)
        .map(|i| {
            // Voter v's votes are ~195 places apart (the last 97 voters'
            // wrap around the block's end).
            let v = if i % 2 == 0 { i / 2 } else { (i / 2 + voters - 97) % voters };
            vote(VOTER0 + v, weight(v))
        })
        .collect();
    let (out, _) = run_everywhere(&code, &genesis, &block);
    let refused = out.receipts.iter().filter(|r| matches!(r.status, Status::Aborted { code: 1, .. })).count();
    assert_eq!(refused as u64, voters);
    for threads in [2, 4] {
        let mut s = genesis.clone();
        let parallel = ParallelExecutor::new(threads).unwrap().execute_block(&code, &mut s, &block, CONTEXT);
        assert!(parallel.receipts == out.receipts, "{threads} threads");
        assert_eq!(parallel.state_root, out.state_root, "{threads} threads");
        assert!(parallel.stats.threads_used > 1, "{threads} threads");
        assert!(!parallel.stats.reexecuted, "{threads} threads");
        assert_eq!(parallel.stats.adders_rerun, 0, "{threads} threads");
    }
}

// (c) mints in one NFT collection.

const COLLECTION: u64 = 0x700;
const MINTER0: u64 = 4_000_000;

fn nft_genesis(code: &CodeCache) -> ResourceStore {
    set_up(code, ResourceStore::new(), [call(nft(), "create", COLLECTION, vec![], GAS)])
}

fn mint(minter: u64, id: u64) -> Transaction {
    call(nft(), "mint", minter, vec![at(COLLECTION), Value::U64(id)], GAS)
}

#[test]
fn mints_in_one_collection_keyed_by_token_id() {
    let code = code();
    let genesis = nft_genesis(&code);
    // 2,500 minters, four tokens each, ids spread over the block.
    let minter = |i: u64| MINTER0 + i % (N / 4);
    let id = |i: u64| i * 7 + 3;
    let block: Vec<Transaction> = (0..N).map(|i| mint(minter(i), id(i))).collect();
    let who: Vec<Parties> = (0..N).map(|i| parties([minter(i), TOKEN + id(i)])).collect();
    let (out, state) = run_everywhere(&code, &genesis, &block);
    assert!(out.receipts.iter().all(|r| r.status.is_success()));
    let schedule = assert_no_dependency_across_parties(&code, &block, &who);
    // Mints by one minter write different tokens: nothing conflicts.
    assert_eq!(schedule.graph.edge_count(), 0);

    let world = World { code: code.clone(), resources: state, block: CONTEXT };
    assert_eq!(query(&world, nft(), "minted", vec![at(COLLECTION)]), Value::U64(N));
    for i in (0..N).step_by(401) {
        assert_eq!(query(&world, nft(), "owner_of", vec![at(COLLECTION), Value::U64(id(i))]), at(minter(i)));
    }
}

#[test]
fn an_id_minted_twice_is_ordered_and_the_second_mint_fails() {
    // Negative control: two minters race for one id.
    let code = code();
    let genesis = nft_genesis(&code);
    let mut block: Vec<Transaction> = (0..100).map(|i| mint(MINTER0 + i, i)).collect();
    block.push(mint(MINTER0 + 500, 42));
    let (out, state) = run_everywhere(&code, &genesis, &block);
    assert!(matches!(out.receipts[100].status, Status::Aborted { code: 1, .. }));
    let graph = ParallelExecutor::new(2).unwrap().schedule(&code, &block).graph;
    assert_eq!(graph.edge_count(), 1);
    assert_eq!(graph.dependency(42, 100).map(|d| d.kind), Some(DepKind::WriteAfterWrite));
    let world = World { code: code.clone(), resources: state, block: CONTEXT };
    assert_eq!(query(&world, nft(), "minted", vec![at(COLLECTION)]), Value::U64(100));
    assert_eq!(query(&world, nft(), "owner_of", vec![at(COLLECTION), Value::U64(42)]), at(MINTER0 + 42));
}

// Counters at their bounds.

const METERED: u64 = 0x800;

fn meter_genesis(code: &CodeCache) -> ResourceStore {
    set_up(code, ResourceStore::new(), [call(meter(), "init", METERED, vec![], GAS)])
}

fn bump_small(by: u64, n: u8) -> Transaction {
    call(meter(), "bump_small", by, vec![at(METERED), Value::U8(n)], GAS)
}

fn is_counter_overflow(status: &Status) -> bool {
    matches!(status, Status::RuntimeError { kind: RuntimeErrorKind::CounterOverflow { .. }, .. })
}

#[test]
fn adds_past_a_counters_bound_re_execute_the_block_in_order() {
    let code = code();
    let genesis = meter_genesis(&code);
    // 64 adders of 5 to a u8 counter: the 52nd and later overflow (51 * 5 = 255).
    let block: Vec<Transaction> = (0..64).map(|i| bump_small(100 + i, 5)).collect();
    let mut expected_state = genesis.clone();
    let expected = SequentialExecutor::new().execute_block(&code, &mut expected_state, &block, CONTEXT);
    let overflowed: Vec<usize> = (0..64).filter(|&i| is_counter_overflow(&expected.receipts[i].status)).collect();
    assert_eq!(overflowed, (51..64).collect::<Vec<_>>());
    for threads in [2, 4] {
        let mut s = genesis.clone();
        let out = ParallelExecutor::new(threads).unwrap().execute_block(&code, &mut s, &block, CONTEXT);
        assert!(out.receipts == expected.receipts, "{threads} threads");
        assert_eq!(out.state_root, expected.state_root);
        assert!(out.stats.threads_used > 1, "the adders ran side by side");
        assert!(out.stats.reexecuted, "{threads} threads: a counter reached its bound");
        assert!(out.stats.timings.reexecute > std::time::Duration::ZERO);
        assert!(out.stats.timings.reexecute <= out.stats.timings.execute);
    }
    // On one lane the run is in order already: nothing to redo.
    let mut s = genesis.clone();
    let out = ParallelExecutor::new(1).unwrap().execute_block(&code, &mut s, &block, CONTEXT);
    assert!(out.receipts == expected.receipts);
    assert!(!out.stats.reexecuted);
    // Below the bound nothing is redone.
    let below: Vec<Transaction> = (0..51).map(|i| bump_small(100 + i, 5)).collect();
    let (out, _) = run_everywhere(&code, &genesis, &below);
    assert!(out.receipts.iter().all(|r| r.status.is_success()));
    let mut s = genesis.clone();
    let par = ParallelExecutor::new(2).unwrap().execute_block(&code, &mut s, &below, CONTEXT);
    assert!(!par.stats.reexecuted && par.stats.threads_used == 2);
    assert_eq!(par.stats.timings.reexecute, std::time::Duration::ZERO);
}

#[test]
fn two_adds_that_fit_alone_but_not_together_are_caught() {
    // Each lane may see the counter before the other's add: neither aborts,
    // and only applying both deltas finds the overflow. Or one lane sees the
    // other's add and aborts itself. Either way the block runs again in
    // order, and the second add aborts as it does sequentially.
    let code = code();
    let genesis = meter_genesis(&code);
    let block = vec![bump_small(100, 200), bump_small(101, 100)];
    let mut expected_state = genesis.clone();
    let expected = SequentialExecutor::new().execute_block(&code, &mut expected_state, &block, CONTEXT);
    assert!(expected.receipts[0].status.is_success());
    assert!(is_counter_overflow(&expected.receipts[1].status));
    for _ in 0..20 {
        let mut s = genesis.clone();
        let out = ParallelExecutor::new(2).unwrap().execute_block(&code, &mut s, &block, CONTEXT);
        assert!(out.receipts == expected.receipts);
        assert_eq!(out.state_root, expected.state_root);
        assert_eq!(out.stats.threads_used, 2);
        assert!(out.stats.reexecuted);
    }
}

#[test]
fn an_add_that_passed_on_too_little_and_then_failed_is_caught() {
    // The second adder has gas enough to pass its add and run out just
    // after. In block order it sees 200 and fails at the add with
    // `CounterOverflow`; on its own lane it sees 0 (the first add comes
    // late), passes, and runs out of gas instead: no overflow anywhere, and
    // no delta to apply. The engine sees that the lane showed it less than
    // block order would have, and runs it again against the exact value
    // (or, had it seen the first add, re-executes the block in order).
    let code = code();
    let genesis = meter_genesis(&code);
    let mut short = bump_small(101, 100);
    short.gas_limit = 82;
    let late = call(meter(), "bump_small_late", 100, vec![at(METERED), Value::U8(200), Value::U64(20_000)], GAS);
    // Two calls without keys keep the plan on two lanes: the late add's
    // estimate alone dwarfs the short call's, and a plan whose lanes would
    // finish barely sooner than one lane runs on one (`ONE_LANE_SPAN_PERCENT`).
    let stamp = || call(meter(), "stamp", 102, vec![], GAS);
    let block = vec![late, short, stamp(), stamp()];
    let mut expected_state = genesis.clone();
    let expected = SequentialExecutor::new().execute_block(&code, &mut expected_state, &block, CONTEXT);
    assert!(is_counter_overflow(&expected.receipts[1].status), "{:?}", expected.receipts[1].status);
    // Alone (or after an add that leaves room) the same call runs out of gas after its add.
    let alone = SequentialExecutor::new().execute_block(&code, &mut genesis.clone(), &block[1..], CONTEXT);
    assert!(matches!(alone.receipts[0].status, Status::OutOfGas { .. }), "{:?}", alone.receipts[0].status);
    let mut settled_in_place = 0;
    for _ in 0..10 {
        let mut s = genesis.clone();
        let out = ParallelExecutor::new(2).unwrap().execute_block(&code, &mut s, &block, CONTEXT);
        assert!(out.receipts == expected.receipts, "{:?}", out.receipts[1].status);
        assert_eq!(out.state_root, expected.state_root);
        assert_eq!(out.stats.threads_used, 2);
        if !out.stats.reexecuted {
            assert_eq!(out.stats.adders_rerun, 1);
            settled_in_place += 1;
        }
    }
    assert!(settled_in_place > 0, "the late add never came late");
}

#[test]
fn every_executor_gives_every_transaction_the_blocks_context() {
    let code = code();
    let block: Vec<Transaction> = (0..8).map(|i| call(meter(), "stamp", 100 + i, vec![], GAS)).collect();
    let (out, _) = run_everywhere(&code, &ResourceStore::new(), &block);
    for receipt in &out.receipts {
        let values: Vec<&Value> = receipt.events.iter().map(|e| &e.value).collect();
        let expected =
            [Value::structure(vec![Value::U64(CONTEXT.timestamp)]), Value::structure(vec![Value::U64(CONTEXT.height)])];
        assert_eq!(values, expected.iter().collect::<Vec<_>>());
    }
}

#[test]
fn a_plan_explains_keyed_entries_and_counter_dependencies() {
    // As a session does: plans name keyed entries by anchor and index.
    resin_vm::record_keyed_origins();
    let code = code();
    let block = vec![
        vote(VOTER0, 1),
        vote(VOTER0 + 1, 2),
        call(dao(), "count", 1, vec![at(PROPOSAL)], GAS),
        vote(VOTER0 + 2, 3),
        vote(VOTER0, 4),
        mint(MINTER0, 9),
        mint(MINTER0 + 1, 9),
    ];
    let schedule = ParallelExecutor::new(2).unwrap().schedule(&code, &block);
    let explain = schedule.explain(&block, &code);
    let text = explain.text();
    for line in [
        "#0 -> #2  RAA 0x6::dao::Tally@0x600",
        "#1 -> #2  RAA 0x6::dao::Tally@0x600",
        "#2 -> #3  AAR 0x6::dao::Tally@0x600",
        "#0 -> #4  WAW 0x6::dao::Vote@0x600[0x2dc6c0]",
        "#5 -> #6  WAW 0x7::nft::Token@0x700[9]",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
    // Adds to one counter are no dependency, so the first votes and the
    // mints have none between them.
    assert!(!text.contains("#0 -> #1"), "{text}");
    let dot = explain.dot();
    assert!(dot.contains("t2 -> t3 [label=\"AAR 0x6::dao::Tally@0x600\""), "{dot}");
    assert!(dot.contains("t5 -> t6 [label=\"WAW 0x7::nft::Token@0x700[9]\""), "{dot}");
}

// A fixed index: `bump_slot_zero` names slot 0 in its code.

#[test]
fn a_fixed_index_is_one_entry_ordered_only_with_that_entry() {
    let code = code();
    let genesis = set_up(
        &code,
        meter_genesis(&code),
        (0..2).map(|slot| call(meter(), "open_slot", METERED, vec![Value::U64(slot)], GAS)),
    );
    let read_slot = |slot: u64| call(meter(), "read_slot", 1, vec![at(METERED), Value::U64(slot)], GAS);
    let bump_zero = |by: u64, n: u64| call(meter(), "bump_slot_zero", by, vec![at(METERED), Value::U64(n)], GAS);
    // Reads of slot 1 around adds to slot 0, then a read of slot 0.
    let block = vec![read_slot(1), bump_zero(100, 3), bump_zero(101, 4), read_slot(1), read_slot(0)];
    let (out, _) = run_everywhere(&code, &genesis, &block);
    // The adds succeed only if their declared key is the one the code
    // touches (the VM refuses any other), and the read of slot 0 sees both.
    assert!(out.receipts.iter().all(|r| r.status.is_success()), "{:?}", out.receipts);
    assert_eq!(out.receipts[4].events[0].value, Value::structure(vec![Value::U64(7)]));
    assert_eq!(out.receipts[3].events[0].value, Value::structure(vec![Value::U64(0)]));
    let graph = ParallelExecutor::new(2).unwrap().schedule(&code, &block).graph;
    let edges: Vec<(u32, u32, DepKind)> = graph.edges().map(|(from, to, d)| (from, to, d.kind)).collect();
    assert_eq!(edges, vec![(1, 4, DepKind::ReadAfterAdd), (2, 4, DepKind::ReadAfterAdd)]);
}

// Objects: addresses a module derives from a creator and a seed.

fn bytes(text: &[u8]) -> Value {
    Value::Vector(text.iter().map(|&b| Value::U8(b)).collect())
}

fn vault_bump(by: u64, seed: &[u8], n: u64) -> Transaction {
    call(meter(), "vault_bump", by, vec![bytes(seed), Value::U64(n)], GAS)
}

#[test]
fn objects_created_in_one_block_are_each_their_own_key() {
    // 1,000 creators open two vaults each (seeds "a" and "b"), then bump
    // their vault "a": each transaction's key is the one object it
    // creates, so only a creator's open and bump of one vault are ordered.
    let code = code();
    let genesis = ResourceStore::new();
    let creators = 1_000u64;
    let creator = |i: u64| 100 + i % creators;
    let mut block: Vec<Transaction> = Vec::new();
    let mut who: Vec<Parties> = Vec::new();
    // Who a transaction is for: its creator and which vault (by seed).
    let vault = |c: u64, seed: u64| parties([c, TOKEN + seed]);
    for i in 0..creators {
        block.push(vault_bump(creator(i), b"a", 1));
        who.push(vault(creator(i), 0));
        block.push(vault_bump(creator(i), b"b", 2));
        who.push(vault(creator(i), 1));
    }
    for i in 0..creators {
        block.push(vault_bump(creator(i), b"a", 10));
        who.push(vault(creator(i), 0));
    }
    let (out, state) = run_everywhere(&code, &genesis, &block);
    // Every creation and bump succeeds only if its declared key is the
    // address the module's code derives (the VM refuses any other).
    assert!(out.receipts.iter().all(|r| r.status.is_success()), "{:?}", out.receipts.first());
    let schedule = ParallelExecutor::new(2).unwrap().schedule(&code, &block);
    for (from, to, dep) in schedule.graph.edges() {
        let (a, b) = (&who[from as usize], &who[to as usize]);
        assert_eq!(a, b, "#{from} -> #{to} ({}) are on different vaults", dep.kind.short());
    }
    // One dependency per creator: the bump of "a" after its opening.
    assert_eq!(schedule.graph.edge_count(), creators as usize);

    // What the block left, read through another function, at the address
    // the VM's own derivation gives: 11 in each "a", 2 in each "b".
    let world = World { code: code.clone(), resources: state, block: CONTEXT };
    for c in (0..creators).step_by(97).map(creator) {
        for (seed, expected) in [(&b"a"[..], 11), (&b"b"[..], 2)] {
            let read = call(meter(), "vault_read", 1, vec![at(c), bytes(seed)], GAS);
            let receipt = world.clone().execute(&read);
            assert!(receipt.status.is_success(), "{:?}", receipt.status);
            assert_eq!(receipt.events[0].value, Value::structure(vec![Value::U64(expected)]));
        }
    }
}

#[test]
fn an_object_is_ordered_with_every_call_that_derives_the_same_address() {
    // Negative control: a read of a vault from its address parameter waits
    // for the bump that opens it, and one for another seed does not.
    let code = code();
    let read = |owner: u64, seed: &[u8]| call(meter(), "vault_read", 7, vec![at(owner), bytes(seed)], GAS);
    let block = vec![vault_bump(200, b"vault", 5), read(200, b"vault"), read(200, b""), read(201, b"vault")];
    let (out, _) = run_everywhere(&code, &ResourceStore::new(), &block);
    assert!(out.receipts[0].status.is_success() && out.receipts[1].status.is_success());
    assert_eq!(out.receipts[1].events[0].value, Value::structure(vec![Value::U64(5)]));
    // No vault with those seeds: the reads abort, on their own keys.
    assert!(!out.receipts[2].status.is_success() && !out.receipts[3].status.is_success());
    let graph = ParallelExecutor::new(2).unwrap().schedule(&code, &block).graph;
    let edges: Vec<(u32, u32, DepKind)> = graph.edges().map(|(from, to, d)| (from, to, d.kind)).collect();
    assert_eq!(edges, vec![(0, 1, DepKind::ReadAfterWrite)]);
}
