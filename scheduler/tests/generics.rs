//! A generic coin in two currencies through the scheduler: USD and EUR
//! transfers between the same accounts, where each currency's balance is a
//! resource type of its own (`Balance<USD>` and `Balance<EUR>` are different
//! keys).
//!
//! - the conflict graph has no dependency, direct or transitive, between a
//!   USD call and an EUR call, while same-currency transfers that share an
//!   account are ordered;
//! - a type-wide `transfer_any<USD>` is ordered against every USD call and
//!   against no EUR call;
//! - the plan keeps every same-currency conflict ordered, and the parallel
//!   executor's receipts and state root equal the sequential executor's, with
//!   the balances this file computes by hand.
//!
//! The expectations come from each transaction's currency and parties as
//! this file builds them, never from the graph.

mod common;

use common::*;
use resin_scheduler::{
    plan, BlockExecutor, BlockKeys, ConflictGraph, ParallelExecutor, Plan, Schedule, SequentialExecutor,
};
use resin_state::type_tag::TypeTag;
use resin_vm::{BlockContext, Transaction, Value, World};

const ACCOUNTS: [u64; 3] = [1, 2, 3];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Currency {
    Usd,
    Eur,
}

impl Currency {
    fn tag(self) -> TypeTag {
        match self {
            Currency::Usd => usd(),
            Currency::Eur => eur(),
        }
    }
}

/// One call of the block as the test sees it.
#[derive(Clone, Copy, Debug)]
struct Call {
    currency: Currency,
    from: u64,
    to: u64,
    amount: u64,
    /// `transfer_any`: declares every balance of its currency.
    type_wide: bool,
}

impl Call {
    fn tx(&self) -> Transaction {
        if self.type_wide {
            let args = vec![Value::Address(addr(self.to)), Value::U64(self.amount)];
            call_generic(gcoin(), "transfer_any", vec![self.currency.tag()], self.from, args, GAS)
        } else {
            gtransfer(&self.currency.tag(), self.from, self.to, self.amount)
        }
    }

    /// The same transfer through the monomorphic coin, which has one
    /// balance per account for both "currencies".
    fn monomorphic(&self) -> Transaction {
        transfer(self.from, self.to, self.amount)
    }

    /// Whether the two calls' declared keys conflict: same currency, and
    /// either one is type-wide or they name a common account (every
    /// declared access is a write).
    fn conflicts_with(&self, other: &Call) -> bool {
        let shares_account = [self.from, self.to].iter().any(|a| *a == other.from || *a == other.to)
            || self.type_wide
            || other.type_wide;
        self.currency == other.currency && shares_account
    }
}

/// Every ordered pair of accounts in both currencies, interleaved so that
/// each USD transfer has an EUR transfer between the same accounts right
/// next to it, with a type-wide USD transfer in the middle and at the end.
fn calls() -> Vec<Call> {
    let mut calls = Vec::new();
    for round in 0..3u64 {
        for &from in &ACCOUNTS {
            for &to in &ACCOUNTS {
                if from == to {
                    continue;
                }
                for currency in [Currency::Usd, Currency::Eur] {
                    let amount = 1 + round + from * 2 + to;
                    calls.push(Call { currency, from, to, amount, type_wide: false });
                }
            }
        }
        if round == 1 {
            calls.push(Call { currency: Currency::Usd, from: 2, to: 1, amount: 7, type_wide: true });
        }
    }
    calls.push(Call { currency: Currency::Usd, from: 3, to: 2, amount: 5, type_wide: true });
    calls
}

/// `reach[j][i]`: transaction `j` transitively depends on `i` through the
/// graph's edges alone.
fn reachability(graph: &ConflictGraph) -> Vec<Vec<bool>> {
    let n = graph.tx_count();
    let mut reach: Vec<Vec<bool>> = Vec::with_capacity(n);
    for j in 0..n {
        let mut set = vec![false; n];
        for (p, _) in graph.predecessors(j) {
            let p = p as usize;
            assert!(p < j, "{p} -> {j} goes backwards");
            set[p] = true;
            for (s, r) in set.iter_mut().zip(&reach[p]) {
                *s |= r;
            }
        }
        reach.push(set);
    }
    reach
}

/// [`reachability`] with the plan's lane order added: `i` is finished
/// before `j` starts.
fn happens_before(graph: &ConflictGraph, plan: &Plan) -> Vec<Vec<bool>> {
    let n = graph.tx_count();
    let mut lane_predecessor = vec![None; n];
    for lane in &plan.lanes {
        for pair in lane.windows(2) {
            lane_predecessor[pair[1] as usize] = Some(pair[0] as usize);
        }
    }
    let mut hb: Vec<Vec<bool>> = Vec::with_capacity(n);
    for (j, in_lane) in lane_predecessor.into_iter().enumerate() {
        let mut set = vec![false; n];
        for p in graph.predecessors(j).map(|(p, _)| p as usize).chain(in_lane) {
            set[p] = true;
            for (s, r) in set.iter_mut().zip(&hb[p]) {
                *s |= r;
            }
        }
        hb.push(set);
    }
    hb
}

#[test]
fn usd_and_eur_transfers_between_the_same_accounts_never_depend_on_each_other() {
    let code = code();
    let calls = calls();
    let block: Vec<Transaction> = calls.iter().map(Call::tx).collect();
    let keys = BlockKeys::instantiate(&code, &block);
    for i in 0..block.len() {
        assert!(keys.get(i).is_some_and(|k| k.is_ok()), "#{i} is refused: {:?}", keys.get(i));
    }
    let graph = ConflictGraph::build(&keys);
    assert_eq!(graph.tx_count(), calls.len());
    assert!(graph.edge_count() > 0);

    // No edge joins two currencies.
    for (from, to, dep) in graph.edges() {
        let (a, b) = (&calls[from as usize], &calls[to as usize]);
        assert_eq!(a.currency, b.currency, "#{from} -> #{to} ({dep:?}) joins {a:?} and {b:?}");
    }
    let reach = reachability(&graph);
    let (mut ordered, mut independent) = (0, 0);
    for j in 0..calls.len() {
        for i in 0..j {
            let (a, b) = (&calls[i], &calls[j]);
            if a.conflicts_with(b) {
                assert!(reach[j][i], "#{j} does not wait for #{i}: {a:?} then {b:?}");
                ordered += 1;
            }
            if a.currency != b.currency {
                // Not even through other transactions.
                assert!(!reach[j][i], "#{j} depends on #{i} across currencies: {a:?} then {b:?}");
                independent += 1;
            }
        }
    }
    // The block has both in quantity: the assertions above were exercised.
    assert!(ordered >= 100 && independent >= 300, "{ordered} ordered, {independent} independent pairs");

    // The type-wide USD transfers are ordered against every USD call, before
    // and after them, and against no EUR call.
    for (t, call) in calls.iter().enumerate().filter(|(_, c)| c.type_wide) {
        for (k, other) in calls.iter().enumerate().filter(|(k, _)| *k != t) {
            let linked = if k < t { reach[t][k] } else { reach[k][t] };
            assert_eq!(linked, other.currency == Currency::Usd, "#{t} {call:?} and #{k} {other:?}");
        }
    }

    // The same transfers through the monomorphic coin do depend across the
    // two halves: what separates them above is the type argument.
    let mono: Vec<Transaction> = calls.iter().map(Call::monomorphic).collect();
    let mono_graph = ConflictGraph::build(&BlockKeys::instantiate(&code, &mono));
    let mono_reach = reachability(&mono_graph);
    assert!(calls.windows(2).enumerate().any(|(i, w)| w[0].currency != w[1].currency && mono_reach[i + 1][i]));
}

#[test]
fn the_plan_keeps_each_currency_ordered_and_parallel_equals_sequential() {
    let code = code();
    let genesis = with_currencies(&code, genesis(&code, ACCOUNTS), ACCOUNTS);
    let calls = calls();
    let block: Vec<Transaction> = calls.iter().map(Call::tx).collect();
    let keys = BlockKeys::instantiate(&code, &block);
    let graph = ConflictGraph::build(&keys);
    for threads in [2, 4] {
        // Equal costs, and costs that make lanes drift apart.
        for costs in [vec![1; calls.len()], (0..calls.len() as u64).map(|i| 1 + i % 5 * 40).collect()] {
            let plan = plan(&graph, &costs, threads);
            let hb = happens_before(&graph, &plan);
            for j in 0..calls.len() {
                for i in 0..j {
                    if calls[i].conflicts_with(&calls[j]) {
                        assert!(hb[j][i], "{threads} lanes: #{i} is not finished before #{j} starts");
                    }
                }
            }
        }
    }
    // Both currencies get lanes of their own work: with no dependency
    // between them, two lanes take both.
    let schedule = Schedule::new(&code, &block, &resin_scheduler::CostModel::new(), 2);
    assert_eq!(schedule.plan.stats.lanes_used, 2);
    let explained = schedule.explain(&block, &code).text();
    assert!(explained.contains("0x3::gcoin::transfer"), "{explained}");
    // Dependencies are explained by their instantiated keys.
    for name in ["0x3::gcoin::Balance<0x4::cur::USD>@0x1", "0x3::gcoin::Balance<0x4::cur::EUR>@0x1"] {
        assert!(explained.contains(name), "{name} in {explained}");
    }

    // Balances by hand: every call succeeds (amounts are far below the funds).
    let mut expected = [[FUNDS; 3]; 2];
    for c in &calls {
        let cur = c.currency as usize;
        expected[cur][(c.from - 1) as usize] -= c.amount;
        expected[cur][(c.to - 1) as usize] += c.amount;
    }

    let mut seq_state = genesis.clone();
    let seq = SequentialExecutor::new().execute_block(&code, &mut seq_state, &block, BlockContext::default());
    assert!(seq.receipts.iter().all(|r| r.status.is_success()), "{:?}", seq.receipts);
    for threads in [1, 2, 4, 8] {
        let mut state = genesis.clone();
        let out =
            ParallelExecutor::new(threads).unwrap().execute_block(&code, &mut state, &block, BlockContext::default());
        assert_eq!(out.receipts, seq.receipts, "{threads} threads");
        assert_eq!(out.state_root, seq.state_root, "{threads} threads");
        assert_eq!(state.sorted_entries(), seq_state.sorted_entries(), "{threads} threads");
    }
    let world = World { code: code.clone(), resources: seq_state, ..World::default() };
    for (cur, currency) in [Currency::Usd, Currency::Eur].into_iter().enumerate() {
        for (i, &account) in ACCOUNTS.iter().enumerate() {
            let query = call_generic(
                gcoin(),
                "balance_of",
                vec![currency.tag()],
                account,
                vec![Value::Address(addr(account))],
                GAS,
            );
            assert_eq!(world.call(&query).returns, vec![Value::U64(expected[cur][i])], "{currency:?} of {account}");
        }
    }
}
