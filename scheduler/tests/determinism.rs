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
//!
//! They also mix shared objects (issue 13): keyed allowances and
//! `transfer_from`, keyed votes with a tally counter, keyed NFT mints and
//! transfers, counters added to by many (declared `add`, or `write`), reads
//! of counters, and adds that reach a u8 or u64 counter's bound, so that the
//! parallel executor's in-order re-execution runs often. Each block runs in
//! its own block context, which `meter::stamp` reports. Vaults at addresses
//! the meter module derives (`object(creator, seed)`) are opened, bumped
//! and read, each an exact key of its own.
//!
//! Blocks of 8,192 transactions and more around one hot account, with the
//! mix sprinkled in, reach the parallel executor's path for long chains:
//! sampled serial, run in one lane without a graph (`serial.rs`). Blocks as
//! large whose dependencies are far apart, with the mix sprinkled in
//! sparsely, reach its path without a plan: lanes taking chunks, each
//! transaction after the frontier passes its latest predecessor
//! (`frontier.rs`).

// `Status` (the VM's) is large; these tests pass it around as the VM returns it.
#![allow(clippy::result_large_err)]

mod common;

use std::cell::RefCell;
use std::collections::BTreeMap;

use common::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use resin_scheduler::{BlockExecutor, BlockKeys, InOrderExecutor, ParallelExecutor, SequentialExecutor};
use resin_state::store::ResourceStore;
use resin_state::type_tag::{StructTag, TypeTag};
use resin_vm::{BlockContext, CodeCache, RuntimeErrorKind, Status, Transaction, Value, World};

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
    /// `fa::approve`: a keyed allowance of `other` on the sender's balance.
    Approve,
    /// `fa::transfer_from`: the sender spends `other`'s allowance, paying `third`.
    TransferFrom,
    /// `fa::mint`: the sender's balance and an add to the supply counter.
    FaMint,
    /// `fa::audit_supply`: reads the supply counter.
    AuditSupply,
    /// `dao::vote`: a keyed ballot (once per voter) and an add of `amount`
    /// to a u64 tally.
    Vote,
    /// `dao::count`: reads a tally.
    Count,
    /// `nft::mint` of token `id`: taken ids abort.
    NftMint,
    /// `nft::transfer` of token `id % 7` to `third`: only its owner can.
    NftTransfer,
    /// `meter::bump_small`: adds `amount as u8` to a u8 counter.
    BumpSmall,
    /// `meter::bump_big`: adds `amount` to a u64 counter.
    BumpBig,
    /// `meter::bump_slot`: adds to a keyed u64 counter (slot 3 is never opened).
    BumpSlot,
    /// `meter::bump_slot_zero`: adds to slot 0, a fixed index in the code.
    BumpSlotZero,
    /// `meter::bump_tagged`: writes the sender's entry `id % 4` under a
    /// shared address, at a struct-built index (signer, slot).
    BumpTagged,
    /// `meter::bump_small_checked`: adds `amount as u8` to the u8 counter,
    /// then aborts when that is over a limit chosen by `id`: a failure
    /// after an add.
    BumpSmallChecked,
    /// `meter::bump_small_write`: the u8 add declared `write`.
    BumpSmallWrite,
    /// `meter::bump_both`: adds to the u8 and the u64 counter at once.
    BumpBoth,
    /// `meter::read_small`, `read_big` or `read_slot`, by `id`.
    ReadCounter,
    /// `meter::stamp`: emits the block's timestamp and height.
    Stamp,
    /// `meter::vault_bump`: opens or adds to the sender's vault at the
    /// address the module derives from the sender and seed `id % 3`.
    VaultBump,
    /// `meter::vault_read`: reads `other`'s vault `id % 3`.
    VaultRead,
    /// `meter::vault_house`: adds to a vault of a fixed creator, never opened.
    VaultHouse,
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
    /// A third account (the payee of `transfer_from`, an NFT's new owner).
    third: u64,
    /// A token id, or which counter slot.
    id: u64,
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
        2 => Just(Kind::Approve),
        3 => Just(Kind::TransferFrom),
        1 => Just(Kind::FaMint),
        1 => Just(Kind::AuditSupply),
        3 => Just(Kind::Vote),
        1 => Just(Kind::Count),
        2 => Just(Kind::NftMint),
        3 => Just(Kind::NftTransfer),
        3 => Just(Kind::BumpSmall),
        2 => Just(Kind::BumpSmallChecked),
        2 => Just(Kind::BumpBig),
        1 => Just(Kind::BumpSlot),
        1 => Just(Kind::BumpSlotZero),
        1 => Just(Kind::BumpTagged),
        1 => Just(Kind::BumpSmallWrite),
        1 => Just(Kind::BumpBoth),
        1 => Just(Kind::ReadCounter),
        1 => Just(Kind::Stamp),
        3 => Just(Kind::VaultBump),
        2 => Just(Kind::VaultRead),
        1 => Just(Kind::VaultHouse),
    ];
    // Small amounts succeed, ~FUNDS overdraws, huge ones overflow a credit.
    let amount = prop_oneof![6 => 0u64..300, 2 => 900u64..1_200, 1 => (u64::MAX - 5)..=u64::MAX];
    let gas_limit = prop_oneof![9 => Just(GAS), 1 => 1u64..120];
    let parties = (account(), account(), account(), 0u64..12);
    (kind, parties, amount, gas_limit, prop::bool::weighted(0.06), any::<bool>()).prop_map(
        |(kind, (sender, other, third, id), amount, gas_limit, narrow, eur)| Spec {
            kind,
            sender,
            other,
            third,
            id,
            amount,
            gas_limit,
            narrow,
            eur,
        },
    )
}

/// One of three seeds, by the spec's id: an empty one and two of different
/// lengths, in either of a byte vector's forms (its bytes, or a list of
/// `U8`s), which must name the same vault.
fn seed(spec: &Spec) -> Value {
    let bytes: &[u8] = match spec.id % 3 {
        0 => b"",
        1 => b"a",
        _ => b"vault",
    };
    if spec.id.is_multiple_of(2) {
        Value::Bytes(bytes.to_vec())
    } else {
        Value::Vector(bytes.iter().map(|&b| Value::U8(b)).collect())
    }
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
        Kind::Approve => (fa(), "approve", none, vec![to, amount]),
        Kind::TransferFrom => (fa(), "transfer_from", none, vec![to, Value::Address(addr(spec.third)), amount]),
        Kind::FaMint => (fa(), "mint", none, vec![amount]),
        Kind::AuditSupply => (fa(), "audit_supply", none, vec![]),
        Kind::Vote => (dao(), "vote", none, vec![shared_at(spec, 2), amount]),
        Kind::Count => (dao(), "count", none, vec![shared_at(spec, 2)]),
        Kind::NftMint => (nft(), "mint", none, vec![shared_at(spec, 2), Value::U64(spec.id)]),
        // Mostly the tokens minted at genesis, and one never minted.
        Kind::NftTransfer => {
            let id = Value::U64(spec.id % 7);
            (nft(), "transfer", none, vec![shared_at(spec, 2), id, Value::Address(addr(spec.third))])
        }
        Kind::BumpSmall => (meter(), "bump_small", none, vec![shared_at(spec, 4), small(spec)]),
        Kind::BumpSmallChecked => {
            // A limit from 0 to 253 by the id: about half the adds are over it.
            let limit = Value::U8((spec.id * 23).min(255) as u8);
            (meter(), "bump_small_checked", none, vec![shared_at(spec, 4), small(spec), limit])
        }
        Kind::BumpBig => (meter(), "bump_big", none, vec![shared_at(spec, 4), amount]),
        Kind::BumpSlot => (meter(), "bump_slot", none, vec![shared_at(spec, 4), Value::U64(spec.id % 4), amount]),
        Kind::BumpSlotZero => (meter(), "bump_slot_zero", none, vec![shared_at(spec, 4), amount]),
        Kind::BumpTagged => {
            (meter(), "bump_tagged", none, vec![shared_at(spec, 4), Value::U64(spec.id % 4), small_u64(spec)])
        }
        Kind::BumpSmallWrite => (meter(), "bump_small_write", none, vec![shared_at(spec, 4), small(spec)]),
        Kind::BumpBoth => (meter(), "bump_both", none, vec![shared_at(spec, 4), small(spec), amount]),
        Kind::ReadCounter => match spec.id % 3 {
            0 => (meter(), "read_small", none, vec![shared_at(spec, 4)]),
            1 => (meter(), "read_big", none, vec![shared_at(spec, 4)]),
            _ => (meter(), "read_slot", none, vec![shared_at(spec, 4), Value::U64(spec.id % 4)]),
        },
        Kind::Stamp => (meter(), "stamp", none, vec![]),
        Kind::VaultBump => (meter(), "vault_bump", none, vec![seed(spec), small_u64(spec)]),
        Kind::VaultRead => (meter(), "vault_read", none, vec![to, seed(spec)]),
        Kind::VaultHouse => (meter(), "vault_house", none, vec![seed(spec), small_u64(spec)]),
    };
    call_generic(module, function, type_args, spec.sender, args, spec.gas_limit)
}

/// One of the first `of` accounts, by `other`: where the shared objects
/// (proposals, collections, counters) are.
fn shared_at(spec: &Spec, of: u64) -> Value {
    Value::Address(addr(1 + spec.other % of))
}

/// `amount` below 256, as a u64: adds that do not overflow.
fn small_u64(spec: &Spec) -> Value {
    Value::U64(spec.amount % 256)
}

/// `amount` as a u8 add: mostly small, up to 255, so a few adds to one
/// counter pass its bound.
fn small(spec: &Spec) -> Value {
    Value::U8((spec.amount % 256) as u8)
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
        Status::RuntimeError { kind: RuntimeErrorKind::CounterOverflow { .. }, .. } => "counter overflow",
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
    /// Runs on several lanes that were discarded and re-run in order (a
    /// counter reached its bound).
    reexecuted: usize,
    /// Runs on several lanes, of blocks with at least two successful
    /// counter adds, that stood.
    adds_in_parallel: usize,
    /// Failed adders run again alone against exact values.
    adders_rerun: usize,
    /// Parallel runs of blocks without a dependency on several lanes
    /// (lanes take chunks), and those of them with two or more adds.
    chunked: usize,
    chunked_adds: usize,
    /// Parallel runs of blocks run in one lane without a graph, their
    /// sampled dependency chains holding nearly all of them.
    serial: usize,
    /// Parallel runs on the frontier (`frontier.rs`), and of them those
    /// with some transaction after another.
    frontier: usize,
    frontier_ordered: usize,
    /// Transactions the frontier's lanes ran ahead of a waiting one: how
    /// often the lanes' reordering was exercised (it depends on timing, so
    /// it is reported, not asserted).
    frontier_early: usize,
}

/// The kinds that add to a counter.
fn adds(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::FaMint
            | Kind::Vote
            | Kind::NftMint
            | Kind::BumpSmall
            | Kind::BumpSmallChecked
            | Kind::BumpBig
            | Kind::BumpSlot
            | Kind::BumpSlotZero
            | Kind::BumpBoth
    )
}

impl Harness {
    /// Runs one block on `state` with every executor; all must agree.
    fn check_block(
        &mut self,
        state: &mut ResourceStore,
        specs: &[Spec],
        context: BlockContext,
    ) -> Result<(), TestCaseError> {
        let block: Vec<Transaction> = specs.iter().map(build).collect();
        let narrowed = specs.iter().any(|s| s.narrow);
        let keys = keys_for(&self.code, &block, specs);

        if !narrowed {
            // The VM's own reference: apply each receipt as it comes.
            let mut world = World { code: self.code.clone(), resources: state.clone(), block: context };
            let reference: Vec<_> = block.iter().map(|tx| world.execute(tx)).collect();
            let mut s = state.clone();
            let out = self.sequential.execute_block(&self.code, &mut s, &block, context);
            prop_assert_eq!(&out.receipts, &reference);
            prop_assert_eq!(out.state_root, world.resources.root());
        }

        let mut expected_state = state.clone();
        let expected = self.sequential.execute_with_keys(&self.code, &mut expected_state, &block, context, &keys);
        prop_assert_eq!(expected.receipts.len(), block.len());
        for (r, spec) in expected.receipts.iter().zip(specs) {
            *self.seen.entry(status_kind(&r.status)).or_default() += 1;
            *self.generic_seen.entry((format!("{:?}", spec.kind), status_kind(&r.status))).or_default() += 1;
            self.events += r.events.len();
        }
        let added = expected.receipts.iter().zip(specs).filter(|(r, s)| adds(s.kind) && r.status.is_success()).count();
        let (same, across) = currency_overlaps(specs);
        self.overlaps.0 += same;
        self.overlaps.1 += across;
        // The parallel engine on one thread, in block order, without a plan.
        let mut s = state.clone();
        let out = if narrowed {
            self.in_order.execute_with_keys(&self.code, &mut s, &block, context, &keys)
        } else {
            self.in_order.execute_block(&self.code, &mut s, &block, context)
        };
        prop_assert_eq!(&out.receipts, &expected.receipts, "in order");
        prop_assert_eq!(out.state_root, expected.state_root, "in order");
        prop_assert_eq!(out.stats.summary, expected.stats.summary, "in order");
        prop_assert_eq!(s.sorted_entries(), expected_state.sorted_entries(), "in order");
        for parallel in &mut self.parallel {
            let threads = parallel.threads();
            let mut s = state.clone();
            let out = if narrowed {
                parallel.execute_with_keys(&self.code, &mut s, &block, context, &keys)
            } else {
                parallel.execute_block(&self.code, &mut s, &block, context)
            };
            prop_assert_eq!(&out.receipts, &expected.receipts, "{} threads", threads);
            prop_assert_eq!(out.state_root, expected.state_root, "{} threads", threads);
            prop_assert_eq!(out.stats.summary, expected.stats.summary, "{} threads", threads);
            prop_assert_eq!(s.sorted_entries(), expected_state.sorted_entries(), "{} threads", threads);
            if let Some(frontier) = out.stats.frontier {
                // No plan: a block whose dependencies are far apart, its
                // lanes taking chunks.
                prop_assert!(out.stats.plan.is_none() && out.stats.chain_sample.is_none());
                prop_assert_eq!(frontier.lanes, threads);
                self.frontier += 1;
                self.frontier_ordered += usize::from(frontier.ordered > 0);
                self.frontier_early += frontier.early;
                continue;
            }
            let Some(plan) = out.stats.plan else {
                // No plan: a block whose sampled chains hold nearly all of
                // it, run in one lane in block order.
                prop_assert!(out.stats.chain_sample.is_some(), "{} threads: neither a plan nor a sample", threads);
                prop_assert_eq!(out.stats.threads_used, 1);
                self.serial += 1;
                continue;
            };
            prop_assert!(out.stats.chain_sample.is_none());
            prop_assert!(plan.lanes_used <= threads);
            prop_assert!(!out.stats.reexecuted || out.stats.threads_used > 1, "one lane is in order already");
            prop_assert!(out.stats.adders_rerun == 0 || !out.stats.reexecuted);
            self.adders_rerun += out.stats.adders_rerun;
            if out.stats.reexecuted {
                self.reexecuted += 1;
            } else if out.stats.threads_used > 1 && added >= 2 {
                self.adds_in_parallel += 1;
            }
            // No dependency at all: the lanes took the block in chunks.
            if plan.dependencies == 0 && out.stats.threads_used > 1 {
                self.chunked += 1;
                self.chunked_adds += usize::from(added >= 2);
            }
        }
        *state = expected_state;
        Ok(())
    }
}

/// A harness over the accounts and shared objects every block starts from,
/// with parallel executors of `threads` threads each.
fn harness(threads: &[usize]) -> RefCell<Harness> {
    let code = code();
    let genesis = with_currencies(&code, genesis(&code, (1..=4).chain(100..380)), (1..=4).chain(100..160));
    let genesis = with_shared_objects(&code, genesis);
    RefCell::new(Harness {
        code,
        genesis,
        sequential: SequentialExecutor::new(),
        in_order: InOrderExecutor::new().unwrap(),
        parallel: threads.iter().map(|&t| ParallelExecutor::new(t).unwrap()).collect(),
        seen: BTreeMap::new(),
        generic_seen: BTreeMap::new(),
        overlaps: (0, 0),
        events: 0,
        reexecuted: 0,
        adds_in_parallel: 0,
        adders_rerun: 0,
        chunked: 0,
        chunked_adds: 0,
        serial: 0,
        frontier: 0,
        frontier_ordered: 0,
        frontier_early: 0,
    })
}

#[test]
fn parallel_execution_matches_sequential_at_every_thread_count() {
    let harness = harness(&[1, 2, 4, 8]);
    let context = (any::<u64>(), 0u64..1_000_000).prop_map(|(timestamp, height)| BlockContext { timestamp, height });
    let blocks =
        ((prop::collection::vec(spec(), 0..20), context.clone()), (prop::collection::vec(spec(), 0..20), context));
    let mut runner = TestRunner::new(Config { cases: 1_000, failure_persistence: None, ..Config::default() });
    let result = runner.run(&blocks, |((first, first_context), (second, second_context))| {
        let mut h = harness.borrow_mut();
        // Two blocks in a row: the second runs on what the first committed.
        let mut state = h.genesis.clone();
        h.check_block(&mut state, &first, first_context)?;
        h.check_block(&mut state, &second, second_context)
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
    let count = |kind: &str, status: &'static str| generic(kind, status);
    for kind in [
        "Approve",
        "TransferFrom",
        "FaMint",
        "AuditSupply",
        "Vote",
        "Count",
        "NftMint",
        "NftTransfer",
        "BumpSmall",
        "BumpBig",
        "BumpSlot",
        // Succeeds only where the key instantiated from the fixed index is
        // the one the code touches: the VM refuses an undeclared key.
        "BumpSlotZero",
        // Succeeds only where the key instantiated from the struct-built
        // index is the one the code touches.
        "BumpTagged",
        "BumpSmallChecked",
        "BumpSmallWrite",
        "BumpBoth",
        "ReadCounter",
        "Stamp",
    ] {
        assert!(count(kind, "success") >= 20, "{kind}: {:?}", h.generic_seen);
    }
    // The failures the shared objects are built to have: no allowance, a
    // second vote, a taken id, another's token, a slot never opened, and
    // counters past their bounds.
    for (kind, status) in [
        ("TransferFrom", "runtime error"),
        ("TransferFrom", "aborted"),
        ("Vote", "aborted"),
        ("NftMint", "aborted"),
        ("NftTransfer", "aborted"),
        ("BumpSlot", "runtime error"),
        ("BumpSmall", "counter overflow"),
        ("BumpSmallChecked", "counter overflow"),
        ("BumpSmallChecked", "aborted"),
        ("BumpBig", "counter overflow"),
        ("BumpSmallWrite", "counter overflow"),
        ("BumpBoth", "counter overflow"),
        ("Vote", "counter overflow"),
    ] {
        assert!(count(kind, status) >= 20, "{kind} {status}: {:?}", h.generic_seen);
    }
    assert!(h.reexecuted >= 500, "only {} parallel runs re-executed in order", h.reexecuted);
    assert!(h.adds_in_parallel >= 300, "only {} parallel runs kept concurrent adds", h.adds_in_parallel);
    // Timing decides whether an adder that failed after its add saw less
    // than block order shows (9-48 in a run, most of them
    // `bump_small_checked`; an adder that fails before adding reads nothing
    // and is never run again); `shared_objects.rs` forces the case.
    assert!(h.adders_rerun >= 3, "only {} failed adders ran again alone", h.adders_rerun);
    assert!(
        h.chunked >= 300 && h.chunked_adds >= 30,
        "only {} runs of blocks without dependencies on several lanes ({} with adds)",
        h.chunked,
        h.chunked_adds
    );
}

/// A runner of eight cases with a fixed seed: the counts the large blocks'
/// tests check depend on the blocks drawn (a mix with a type-wide access is
/// not sampled), and eight large blocks are few.
fn eight_large_blocks(seed: u8) -> TestRunner {
    let config = Config { cases: 8, failure_persistence: None, ..Config::default() };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &[seed; 32]))
}

/// `n` transactions: `transfer(i)` at `i`, except every `every`-th, which
/// is the next of the generated `mix`.
fn sprinkled(mix: &[Spec], every: usize, n: usize, transfer: impl Fn(usize) -> Spec) -> Vec<Spec> {
    (0..n).map(|i| if i % every == 0 { mix[i / every % mix.len()].clone() } else { transfer(i) }).collect()
}

/// Blocks past the size from which the parallel executor samples them for
/// long dependency chains (8,192 transactions): transfers around the hot
/// account 1, every `every`-th transaction one of the generated mix instead.
/// A sparse mix makes one chain, which runs in one lane without a graph; a
/// dense one is planned. Either way every executor must agree.
#[test]
fn large_blocks_of_long_chains_match_sequential() {
    let harness = harness(&[2, 4]);
    // Paying account 1 or paid by it: one chain through its balance.
    let hot = (any::<bool>(), 1u64..=4, 0u64..300)
        .prop_map(|(pays, x, amount)| if pays { (1, x, amount) } else { (x, 1, amount) });
    let blocks = (prop::collection::vec(spec(), 1..12), prop::collection::vec(hot, 16), 2usize..40, 8_192usize..8_500);
    let result = eight_large_blocks(13).run(&blocks, |(mix, hot, every, n)| {
        let mut h = harness.borrow_mut();
        let specs = sprinkled(&mix, every, n, |i| {
            let (from, to, amount) = hot[i % hot.len()];
            Spec { kind: Kind::Transfer, sender: from, other: to, amount, ..mix[0].clone() }
        });
        let mut state = h.genesis.clone();
        h.check_block(&mut state, &specs, BlockContext::default())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let h = harness.borrow();
    // Both ways: some blocks sampled serial on both executors, some planned.
    assert!(h.serial >= 4 && h.serial <= 12, "{} of 16 parallel runs without a graph", h.serial);
}

/// Blocks past the size from which the parallel executor samples them
/// (8,192 transactions) whose dependencies are mostly far apart:
/// transfers rotating through accounts 100-379 (each comes round every 140
/// transactions), every `near_every`-th paying the sender of the
/// transaction `gap` before it instead, and every `every`-th transaction
/// one of the generated mix. They run on the frontier, the lanes taking
/// chunks (`frontier.rs`), unless the mix brings a type-wide access or
/// near dependencies into the sample; either way every executor must agree.
#[test]
fn large_blocks_of_far_dependencies_match_sequential() {
    let harness = harness(&[2, 4]);
    let blocks = (prop::collection::vec(spec(), 1..12), 70usize..200, 300usize..900, 1usize..24, 8_192usize..8_500);
    let result = eight_large_blocks(17).run(&blocks, |(mix, every, near_every, gap, n)| {
        let mut h = harness.borrow_mut();
        let account = |i: usize| 100 + (i % 280) as u64;
        let specs = sprinkled(&mix, every, n, |i| {
            let to = if i.is_multiple_of(near_every) && i >= gap { account(2 * (i - gap)) } else { account(2 * i + 1) };
            Spec { kind: Kind::Transfer, sender: account(2 * i), other: to, amount: 1 + i as u64 % 7, ..mix[0].clone() }
        });
        let mut state = h.genesis.clone();
        h.check_block(&mut state, &specs, BlockContext::default())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let h = harness.borrow();
    // Both ways: most blocks on the frontier (all with dependencies),
    // some planned (10 of 16 on the frontier with this seed).
    assert!(
        (6..=14).contains(&h.frontier) && h.frontier_ordered == h.frontier,
        "{} of 16 parallel runs on the frontier, {} with dependencies",
        h.frontier,
        h.frontier_ordered
    );
}

/// `state` with the shared objects: the token's supply (at 0x5), balances
/// for the hot accounts and 100-199 with every hot account approved by every
/// other for 500, proposals (the hot accounts voted on 1) and NFT
/// collections (tokens 0-5 minted) at 1 and 2, and counters (slots 0-2 opened, 3 not) at 1-4; some counters and a
/// tally start near their bounds.
fn with_shared_objects(code: &CodeCache, state: ResourceStore) -> ResourceStore {
    let mut setup = vec![call(fa(), "init", 5, vec![], GAS)];
    for a in (1..=4).chain(100..200) {
        setup.push(call(fa(), "open", a, vec![], GAS));
        setup.push(call(fa(), "mint", a, vec![Value::U64(FUNDS)], GAS));
    }
    for owner in 1..=4 {
        for spender in 1..=4 {
            setup.push(call(fa(), "approve", owner, vec![Value::Address(addr(spender)), Value::U64(500)], GAS));
        }
    }
    for a in 1..=2 {
        setup.push(call(dao(), "propose", a, vec![], GAS));
        setup.push(call(nft(), "create", a, vec![], GAS));
        // Tokens 0-5 of each collection, owned by the hot accounts.
        for id in 0..6 {
            let collection = Value::Address(addr(a));
            setup.push(call(nft(), "mint", 1 + id % 4, vec![collection, Value::U64(id)], GAS));
        }
    }
    // The hot accounts voted on proposal 1 already; proposal 2's tally is
    // 1,000 short of the u64 maximum.
    for voter in 1..=4 {
        setup.push(call(dao(), "vote", voter, vec![Value::Address(addr(1)), Value::U64(1)], GAS));
    }
    setup.push(call(dao(), "vote", 400, vec![Value::Address(addr(2)), Value::U64(u64::MAX - 1_000)], GAS));
    for a in 1..=4 {
        setup.push(call(meter(), "init", a, vec![], GAS));
        for slot in 0..3 {
            setup.push(call(meter(), "open_slot", a, vec![Value::U64(slot)], GAS));
        }
    }
    // Near their bounds: the u64 counters at 1 and 2, the u8 counters at 3 and 4.
    for a in 1..=2 {
        setup.push(call(meter(), "bump_big", 5, vec![Value::Address(addr(a)), Value::U64(u64::MAX - 1_000)], GAS));
    }
    for a in 3..=4 {
        setup.push(call(meter(), "bump_small", 5, vec![Value::Address(addr(a)), Value::U8(200)], GAS));
    }
    set_up(code, state, setup)
}

/// Blocks past the size from which the parallel executor samples them
/// (8,192 transactions) whose dependencies come near: transfers among only
/// `accounts` of the accounts 100-379 (each comes round every few dozen
/// to few hundred transactions), every `every`-th transaction one of the
/// generated mix. With many accounts they run on the frontier, whose
/// lanes run later transactions of a chunk while an earlier one waits for
/// another lane (`frontier_lane.rs`); with few, they are planned. Either
/// way every executor must agree.
#[test]
fn large_blocks_of_near_dependencies_match_sequential() {
    let harness = harness(&[2, 4]);
    let blocks =
        (prop::collection::vec(spec(), 1..12), 70usize..200, 8usize..280, any::<[u8; 32]>(), 8_192usize..8_500);
    let result = eight_large_blocks(23).run(&blocks, |(mix, every, accounts, seed, n)| {
        let mut h = harness.borrow_mut();
        let accounts = accounts as u64;
        let mut rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed);
        let pairs: Vec<(u64, u64)> = (0..n)
            .map(|_| {
                let from = rng.next_u64() % accounts;
                let to = (from + 1 + rng.next_u64() % (accounts - 1)) % accounts;
                (100 + from, 100 + to)
            })
            .collect();
        let specs = sprinkled(&mix, every, n, |i| {
            let (sender, other) = pairs[i];
            Spec { kind: Kind::Transfer, sender, other, amount: 1 + i as u64 % 7, ..mix[0].clone() }
        });
        let mut state = h.genesis.clone();
        h.check_block(&mut state, &specs, BlockContext::default())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let h = harness.borrow();
    println!("{} of 16 parallel runs on the frontier, {} transactions run early", h.frontier, h.frontier_early);
    // Both ways: some blocks on the frontier, some planned.
    assert!((2..=14).contains(&h.frontier), "{} of 16 parallel runs on the frontier", h.frontier);
}
