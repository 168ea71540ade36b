//! Invariant 1: for every block, the parallel executor at any thread count
//! gives the same receipts, events, gas and state root as sequential
//! execution in block order; and the sequential executor agrees with the VM's
//! own one-transaction-at-a-time `World`.
//!
//! The blocks mix the monomorphic coin and ledger with a generic coin in two
//! currencies (`0x3::gcoin::transfer<USD>`, `<EUR>`): transfers of one
//! currency between the same accounts conflict, transfers of different
//! currencies never do, and type-wide transfers conflict with their whole
//! currency. Invalid instantiations (wrong count, an unpublished type, a
//! violated constraint) must be refused identically everywhere.

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
use resin_state::type_tag::{StructTag, TypeTag};
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
    /// `gcoin::transfer<currency>`.
    GTransfer,
    GMint,
    /// `gcoin::transfer_any<currency>`: declares every balance of its currency.
    GTransferAny,
    /// `gcoin::mint_stamped<currency>`: constrained `copy + drop`, which the
    /// currencies meet.
    GStamped,
    /// `gcoin::transfer` with no type argument or two.
    GWrongTypeArgCount,
    /// `gcoin::transfer<0x4::cur::GBP>`: no such struct.
    GUnknownType,
    /// `gcoin::mint_stamped<gcoin::Coin<currency>>`: `Coin` has neither copy nor drop.
    GViolatesConstraint,
    /// `gcoin::transfer<u64>`: a valid instantiation whose balances nobody
    /// holds, so it fails at run time.
    GPrimitive,
}

impl Kind {
    /// A generic transfer, mint or type-wide transfer in the spec's currency
    /// that can succeed: the calls whose keys are `Balance<currency>`.
    fn moves_currency(self) -> bool {
        matches!(self, Kind::GTransfer | Kind::GMint | Kind::GTransferAny | Kind::GStamped)
    }
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
    /// USD when false, EUR when true (generic kinds only).
    eur: bool,
}

/// Hot accounts (1-4) collide constantly; 100-399 rarely; 380-399 have no
/// balance at all, 160-399 none of either currency of the generic coin
/// (fewer balances keep the state, which every check compares whole, small).
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
        8 => Just(Kind::GTransfer),
        1 => Just(Kind::GMint),
        1 => Just(Kind::GTransferAny),
        1 => Just(Kind::GStamped),
        1 => Just(Kind::GWrongTypeArgCount),
        1 => Just(Kind::GUnknownType),
        1 => Just(Kind::GViolatesConstraint),
        1 => Just(Kind::GPrimitive),
    ];
    // Small amounts succeed, ~FUNDS overdraws, huge ones overflow a credit.
    let amount = prop_oneof![6 => 0u64..300, 2 => 900u64..1_200, 1 => (u64::MAX - 5)..=u64::MAX];
    let gas_limit = prop_oneof![9 => Just(GAS), 1 => 1u64..120];
    (kind, account(), account(), amount, gas_limit, prop::bool::weighted(0.06), any::<bool>()).prop_map(
        |(kind, sender, other, amount, gas_limit, narrow, eur)| Spec {
            kind,
            sender,
            other,
            amount,
            gas_limit,
            narrow,
            eur,
        },
    )
}

fn build(spec: &Spec) -> Transaction {
    let to = Value::Address(addr(spec.other));
    let amount = Value::U64(spec.amount);
    let currency = if spec.eur { eur() } else { usd() };
    let (none, one) = (Vec::new(), vec![currency.clone()]);
    let (module, function, type_args, args) = match spec.kind {
        Kind::Transfer => (coin(), "transfer", none, vec![to, amount]),
        Kind::Mint => (coin(), "mint", none, vec![amount]),
        Kind::Register => (coin(), "register", none, vec![]),
        Kind::Pay => (ledger(), "pay", none, vec![to, amount]),
        Kind::PayAny => (ledger(), "pay_any", none, vec![to, amount]),
        Kind::Audit => (ledger(), "audit", none, vec![Value::Address(addr(spec.sender)), to]),
        Kind::UnknownFunction => (coin(), "steal", none, vec![to, amount]),
        Kind::WrongArguments => (coin(), "transfer", none, vec![amount, to]),
        Kind::NotEntry => (coin(), "balance_of", none, vec![to]),
        Kind::GTransfer => (gcoin(), "transfer", one, vec![to, amount]),
        Kind::GMint => (gcoin(), "mint", one, vec![amount]),
        Kind::GTransferAny => (gcoin(), "transfer_any", one, vec![to, amount]),
        Kind::GStamped => (gcoin(), "mint_stamped", one, vec![amount]),
        Kind::GWrongTypeArgCount => {
            let type_args = if spec.eur { vec![usd(), eur()] } else { none };
            (gcoin(), "transfer", type_args, vec![to, amount])
        }
        Kind::GUnknownType => (gcoin(), "transfer", vec![common::currency("GBP")], vec![to, amount]),
        Kind::GViolatesConstraint => {
            let coin = StructTag::new(gcoin(), "Coin", one);
            (gcoin(), "mint_stamped", vec![TypeTag::Struct(Box::new(coin))], vec![amount])
        }
        Kind::GPrimitive => (gcoin(), "transfer", vec![TypeTag::U64], vec![to, amount]),
    };
    call_generic(module, function, type_args, spec.sender, args, spec.gas_limit)
}

/// The accounts whose `Balance<currency>` a generic call that moves currency
/// names: both parties of a transfer, the minter; `None` for every account.
fn balances_named(spec: &Spec) -> Option<Vec<u64>> {
    match spec.kind {
        Kind::GTransfer => Some(vec![spec.sender, spec.other]),
        Kind::GMint | Kind::GStamped => Some(vec![spec.sender]),
        _ => None,
    }
}

/// Pairs of generic calls in `specs` that name a balance of the same
/// account, split by whether they are in the same currency (a conflict) or
/// not (none): both must occur for the test to mean anything.
fn currency_overlaps(specs: &[Spec]) -> (usize, usize) {
    let movers: Vec<&Spec> = specs.iter().filter(|s| s.kind.moves_currency()).collect();
    let (mut same, mut across) = (0, 0);
    for (i, a) in movers.iter().enumerate() {
        for b in &movers[i + 1..] {
            let overlap = match (balances_named(a), balances_named(b)) {
                (Some(x), Some(y)) => x.iter().any(|acct| y.contains(acct)),
                _ => true,
            };
            if overlap {
                if a.eur == b.eur {
                    same += 1;
                } else {
                    across += 1;
                }
            }
        }
    }
    (same, across)
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
    /// Receipts of the generic kinds by kind and status.
    generic_seen: BTreeMap<(String, &'static str), usize>,
    /// Same-currency and cross-currency pairs naming one account ([`currency_overlaps`]).
    overlaps: (usize, usize),
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
            let mut world = World { code: self.code.clone(), resources: state.clone(), ..World::default() };
            let reference: Vec<_> = block.iter().map(|tx| world.execute(tx)).collect();
            let mut s = state.clone();
            let out = self.sequential.execute_block(&self.code, &mut s, &block);
            prop_assert_eq!(&out.receipts, &reference);
            prop_assert_eq!(out.state_root, world.resources.root());
        }

        let mut expected_state = state.clone();
        let expected = self.sequential.execute_with_keys(&self.code, &mut expected_state, &block, &keys);
        prop_assert_eq!(expected.receipts.len(), block.len());
        for (r, spec) in expected.receipts.iter().zip(specs) {
            *self.seen.entry(status_kind(&r.status)).or_default() += 1;
            *self.generic_seen.entry((format!("{:?}", spec.kind), status_kind(&r.status))).or_default() += 1;
            self.events += r.events.len();
        }
        let (same, across) = currency_overlaps(specs);
        self.overlaps.0 += same;
        self.overlaps.1 += across;
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
    let genesis = with_currencies(&code, genesis(&code, (1..=4).chain(100..380)), (1..=4).chain(100..160));
    let harness = RefCell::new(Harness {
        code,
        genesis,
        sequential: SequentialExecutor::new(),
        in_order: InOrderExecutor::new().unwrap(),
        parallel: [1, 2, 4, 8].map(|t| ParallelExecutor::new(t).unwrap()).into(),
        seen: BTreeMap::new(),
        generic_seen: BTreeMap::new(),
        overlaps: (0, 0),
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
    let generic =
        |kind: &str, status: &'static str| h.generic_seen.get(&(kind.to_string(), status)).copied().unwrap_or(0);
    for kind in ["GTransfer", "GMint", "GTransferAny", "GStamped"] {
        assert!(generic(kind, "success") >= 20, "{kind}: {:?}", h.generic_seen);
    }
    for kind in ["GWrongTypeArgCount", "GUnknownType", "GViolatesConstraint"] {
        assert!(generic(kind, "invalid arguments") >= 20, "{kind}: {:?}", h.generic_seen);
        assert_eq!(generic(kind, "success"), 0, "{kind}: {:?}", h.generic_seen);
    }
    assert!(generic("GPrimitive", "runtime error") >= 20, "{:?}", h.generic_seen);
    assert!(h.overlaps.0 >= 100 && h.overlaps.1 >= 100, "same-currency and cross-currency overlaps: {:?}", h.overlaps);
}
