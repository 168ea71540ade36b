//! Invariant 1: for every block, the parallel executor at any thread count
//! gives the same receipts, events, gas and state root as sequential
//! execution in block order; and the sequential executor agrees with the VM's
//! own one-transaction-at-a-time `World`.

// `Status` (the VM's) is large; these tests pass it around as the VM returns it.
#![allow(clippy::result_large_err)]

mod common;

use std::cell::RefCell;
use std::collections::BTreeMap;

use common::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use resin_scheduler::{BlockExecutor, BlockKeys, InOrderExecutor, ParallelExecutor, SequentialExecutor};
use resin_state::store::ResourceStore;
use resin_vm::{CodeCache, Status, Transaction, Value, World};

#[derive(Clone, Copy, Debug)]
enum Kind {
    Transfer,
    Mint,
    Register,
    Pay,
    PayAny,
    Audit,
    UnknownFunction,
    WrongArguments,
    NotEntry,
}

#[derive(Clone, Debug)]
struct Spec {
    kind: Kind,
    sender: u64,
    other: u64,
    amount: u64,
    gas_limit: u64,
    /// Run under fewer keys than declared: accesses outside them must fail
    /// with `AccessViolation`, identically everywhere.
    narrow: bool,
}

/// Hot accounts (1-4) collide constantly; 100-399 rarely; 380-399 have no
/// balance at all.
fn account() -> impl Strategy<Value = u64> {
    prop_oneof![3 => 1u64..=4, 2 => 100u64..400]
}

fn spec() -> impl Strategy<Value = Spec> {
    let kind = prop_oneof![
        8 => Just(Kind::Transfer),
        1 => Just(Kind::Mint),
        1 => Just(Kind::Register),
        3 => Just(Kind::Pay),
        1 => Just(Kind::PayAny),
        1 => Just(Kind::Audit),
        1 => Just(Kind::UnknownFunction),
        1 => Just(Kind::WrongArguments),
        1 => Just(Kind::NotEntry),
    ];
    // Small amounts succeed, ~FUNDS overdraws, huge ones overflow a credit.
    let amount = prop_oneof![6 => 0u64..300, 2 => 900u64..1_200, 1 => (u64::MAX - 5)..=u64::MAX];
    let gas_limit = prop_oneof![9 => Just(GAS), 1 => 1u64..120];
    (kind, account(), account(), amount, gas_limit, prop::bool::weighted(0.06)).prop_map(
        |(kind, sender, other, amount, gas_limit, narrow)| Spec { kind, sender, other, amount, gas_limit, narrow },
    )
}

fn build(spec: &Spec) -> Transaction {
    let to = Value::Address(addr(spec.other));
    let amount = Value::U64(spec.amount);
    let (module, function, args) = match spec.kind {
        Kind::Transfer => (coin(), "transfer", vec![to, amount]),
        Kind::Mint => (coin(), "mint", vec![amount]),
        Kind::Register => (coin(), "register", vec![]),
        Kind::Pay => (ledger(), "pay", vec![to, amount]),
        Kind::PayAny => (ledger(), "pay_any", vec![to, amount]),
        Kind::Audit => (ledger(), "audit", vec![Value::Address(addr(spec.sender)), to]),
        Kind::UnknownFunction => (coin(), "steal", vec![to, amount]),
        Kind::WrongArguments => (coin(), "transfer", vec![amount, to]),
        Kind::NotEntry => (coin(), "balance_of", vec![to]),
    };
    let mut tx = call(module, function, spec.sender, args, spec.gas_limit);
    if spec.gas_limit != GAS {
        tx.gas_limit = spec.gas_limit;
    }
    tx
}

/// The block's declared keys, with the last key of each `narrow` transaction removed.
fn keys_for(code: &CodeCache, block: &[Transaction], specs: &[Spec]) -> BlockKeys {
    let per_tx = block
        .iter()
        .zip(specs)
        .map(|(tx, spec)| {
            resin_vm::declared_keys(code, tx).map(|mut keys| {
                if spec.narrow {
                    keys.0.pop();
                }
                keys
            })
        })
        .collect();
    BlockKeys::from_results(per_tx)
}

fn status_kind(status: &Status) -> &'static str {
    match status {
        Status::Success => "success",
        Status::Aborted { .. } => "aborted",
        Status::RuntimeError { .. } => "runtime error",
        Status::OutOfGas { .. } => "out of gas",
        Status::AccessViolation { .. } => "access violation",
        Status::InvalidArguments { .. } => "invalid arguments",
    }
}

struct Harness {
    code: CodeCache,
    genesis: ResourceStore,
    sequential: SequentialExecutor,
    in_order: InOrderExecutor,
    parallel: Vec<ParallelExecutor>,
    seen: BTreeMap<&'static str, usize>,
    events: usize,
}

impl Harness {
    /// Runs one block on `state` with every executor; all must agree.
    fn check_block(&mut self, state: &mut ResourceStore, specs: &[Spec]) -> Result<(), TestCaseError> {
        let block: Vec<Transaction> = specs.iter().map(build).collect();
        let narrowed = specs.iter().any(|s| s.narrow);
        let keys = keys_for(&self.code, &block, specs);

        if !narrowed {
            // The VM's own reference: apply each receipt as it comes.
            let mut world = World { code: self.code.clone(), resources: state.clone() };
            let reference: Vec<_> = block.iter().map(|tx| world.execute(tx)).collect();
            let mut s = state.clone();
            let out = self.sequential.execute_block(&self.code, &mut s, &block);
            prop_assert_eq!(&out.receipts, &reference);
            prop_assert_eq!(out.state_root, world.resources.root());
        }

        let mut expected_state = state.clone();
        let expected = self.sequential.execute_with_keys(&self.code, &mut expected_state, &block, &keys);
        prop_assert_eq!(expected.receipts.len(), block.len());
        for r in &expected.receipts {
            *self.seen.entry(status_kind(&r.status)).or_default() += 1;
            self.events += r.events.len();
        }
        // The parallel engine on one thread, in block order, without a plan.
        let mut s = state.clone();
        let out = if narrowed {
            self.in_order.execute_with_keys(&self.code, &mut s, &block, &keys)
        } else {
            self.in_order.execute_block(&self.code, &mut s, &block)
        };
        prop_assert_eq!(&out.receipts, &expected.receipts, "in order");
        prop_assert_eq!(out.state_root, expected.state_root, "in order");
        prop_assert_eq!(out.stats.summary, expected.stats.summary, "in order");
        prop_assert_eq!(s.sorted_entries(), expected_state.sorted_entries(), "in order");
        for parallel in &mut self.parallel {
            let threads = parallel.threads();
            let mut s = state.clone();
            let out = if narrowed {
                parallel.execute_with_keys(&self.code, &mut s, &block, &keys)
            } else {
                parallel.execute_block(&self.code, &mut s, &block)
            };
            prop_assert_eq!(&out.receipts, &expected.receipts, "{} threads", threads);
            prop_assert_eq!(out.state_root, expected.state_root, "{} threads", threads);
            prop_assert_eq!(out.stats.summary, expected.stats.summary, "{} threads", threads);
            prop_assert_eq!(s.sorted_entries(), expected_state.sorted_entries(), "{} threads", threads);
            let plan = out.stats.plan.unwrap();
            prop_assert!(plan.lanes_used <= threads);
        }
        *state = expected_state;
        Ok(())
    }
}

#[test]
fn parallel_execution_matches_sequential_at_every_thread_count() {
    let code = code();
    let genesis = genesis(&code, (1..=4).chain(100..380));
    let harness = RefCell::new(Harness {
        code,
        genesis,
        sequential: SequentialExecutor::new(),
        in_order: InOrderExecutor::new().unwrap(),
        parallel: [1, 2, 4, 8].map(|t| ParallelExecutor::new(t).unwrap()).into(),
        seen: BTreeMap::new(),
        events: 0,
    });
    let blocks = (prop::collection::vec(spec(), 0..20), prop::collection::vec(spec(), 0..20));
    let mut runner = TestRunner::new(Config { cases: 1_000, failure_persistence: None, ..Config::default() });
    let result = runner.run(&blocks, |(first, second)| {
        let mut h = harness.borrow_mut();
        // Two blocks in a row: the second runs on what the first committed.
        let mut state = h.genesis.clone();
        h.check_block(&mut state, &first)?;
        h.check_block(&mut state, &second)
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let h = harness.borrow();
    for kind in ["success", "aborted", "runtime error", "out of gas", "access violation", "invalid arguments"] {
        let count = h.seen.get(kind).copied().unwrap_or(0);
        assert!(count >= 20, "only {count} {kind} receipts: the generator lost its mix ({:?})", h.seen);
    }
    assert!(h.events >= 100, "only {} events", h.events);
}
