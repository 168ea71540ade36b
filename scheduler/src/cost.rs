//! Estimated transaction costs for the planner, in gas.
//!
//! Before a function has run, a transaction is estimated from its gas limit
//! (capped, since limits are usually generous). After each block the
//! executors feed the gas each function actually used back in, and the
//! estimate becomes an exponential moving average of it. Everything is integer
//! arithmetic, so the same sequence of observations gives the same model, and
//! the same block with the same model gives the same plan.

use rayon::prelude::*;
use resin_vm::{EntryHandle, ModuleId, Receipt, Status, Transaction};
use rustc_hash::FxHashMap;
use smallvec::SmallVec;

use crate::keys::BlockKeys;
use crate::output::BlockSummary;

/// The estimate of a transaction that cannot start: it costs almost nothing.
pub const REJECTED_COST: u64 = 1;

/// Estimates for functions never seen are `min(gas_limit, DEFAULT_CAP)`.
pub const DEFAULT_CAP: u64 = 100_000;

/// Transactions per task when a block is estimated in parallel.
const ESTIMATE_CHUNK: usize = 8192;

/// Weight of a new observation: `1 / 2^EMA_SHIFT`.
pub const EMA_SHIFT: u32 = 3;

/// Learned per-(module, function) gas.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CostModel {
    /// Nested so that lookups borrow (`&ModuleId`, `&str`) instead of building a key.
    learned: FxHashMap<ModuleId, FxHashMap<String, u64>>,
}

impl CostModel {
    pub fn new() -> CostModel {
        CostModel::default()
    }

    /// The learned average gas of `module::function`, if it has run.
    pub fn learned(&self, module: &ModuleId, function: &str) -> Option<u64> {
        self.learned.get(module)?.get(function).copied()
    }

    /// The estimated cost of one transaction (at least 1).
    pub fn estimate(&self, tx: &Transaction) -> u64 {
        bounded(self.learned(&tx.module, &tx.function), tx.gas_limit)
    }

    /// Estimates for a whole block; transactions without keys cost [`REJECTED_COST`].
    pub fn estimate_block(&self, block: &[Transaction], keys: &BlockKeys) -> Vec<u64> {
        // In chunks on the current rayon pool: a large block's estimates
        // are a serial step of planning otherwise.
        let mut out = vec![REJECTED_COST; block.len()];
        out.par_chunks_mut(ESTIMATE_CHUNK)
            .zip(block.par_chunks(ESTIMATE_CHUNK))
            .enumerate()
            .for_each(|(chunk, (out, txs))| self.estimate_run(chunk * ESTIMATE_CHUNK, txs, keys, out));
        out
    }

    /// Estimates `txs`, the block's transactions from `first` on, into `out`.
    fn estimate_run(&self, first: usize, txs: &[Transaction], keys: &BlockKeys, out: &mut [u64]) {
        // Blocks call few functions, in runs or interleaved: the last
        // lookups are remembered ([`Recent`]).
        let mut recent = Recent::new();
        for ((i, tx), estimate) in (first..).zip(txs).zip(out) {
            if !matches!(keys.get(i), Some(Ok(_))) {
                *estimate = REJECTED_COST;
                continue;
            }
            let handle = keys.entry_handle(i);
            let learned = match recent.find(handle, tx) {
                Some(gas) => *gas,
                None => {
                    let gas = self.learned(&tx.module, &tx.function);
                    // One forgotten is a lookup to do again, nothing more.
                    recent.insert(handle, tx, gas);
                    gas
                }
            };
            *estimate = bounded(learned, tx.gas_limit);
        }
    }

    /// Folds one execution of `module::function` into its average.
    pub fn observe(&mut self, module: &ModuleId, function: &str, gas_used: u64) {
        let avg = self.learned(module, function).map_or(gas_used, |avg| ema(avg, gas_used));
        self.store(module, function, avg);
    }

    /// Feeds a block's receipts back, in block order. Transactions that could
    /// not start say nothing about their function's cost and are skipped.
    pub fn observe_block(&mut self, block: &[Transaction], receipts: &[Receipt]) {
        self.observe_runs(block, receipts, |_| None);
    }

    /// [`CostModel::observe_block`] for a block whose `keys` were
    /// instantiated from it, with the same result. A transaction resolved
    /// to an entry function met lately is recognised by its handle, its
    /// names not compared ([`Recent::find`]).
    pub fn observe_block_keyed(&mut self, block: &[Transaction], receipts: &[Receipt], keys: &BlockKeys) {
        self.observe_runs(block, receipts, |i| keys.entry_handle(i));
    }

    /// [`CostModel::observe_block_keyed`], totalling the block as it goes:
    /// [`BlockSummary::of`] (without the keys written) from the same pass
    /// over the receipts. A large block's receipts fill tens of megabytes,
    /// and a second pass waited for a line of each again.
    pub(crate) fn observe_and_total(
        &mut self,
        block: &[Transaction],
        receipts: &[Receipt],
        keys: &BlockKeys,
    ) -> BlockSummary {
        self.observe_runs(block, receipts, |i| keys.entry_handle(i))
    }

    /// A block calls few functions, in runs or interleaved (a marketplace's
    /// mints between its transfers): each function's average is folded in
    /// a local ([`Recent`]) and stored once, not looked up and stored per
    /// transaction. Each function's observations are folded in block order
    /// whatever comes between them, so the model is the one-by-one fold's.
    /// Equal handles (from `handle`, per block position) name one function.
    fn observe_runs(
        &mut self,
        block: &[Transaction],
        receipts: &[Receipt],
        handle: impl Fn(usize) -> Option<EntryHandle>,
    ) -> BlockSummary {
        let mut recent = Recent::new();
        let mut totals = BlockSummary::default();
        for (i, (tx, receipt)) in block.iter().zip(receipts).enumerate() {
            totals.add(receipt);
            if matches!(receipt.status, Status::InvalidArguments { .. }) {
                continue;
            }
            let gas = receipt.gas_used;
            let handle = handle(i);
            match recent.find(handle, tx) {
                Some(avg) => *avg = ema(*avg, gas),
                None => {
                    let avg = self.learned(&tx.module, &tx.function).map_or(gas, |avg| ema(avg, gas));
                    if let Some(oldest) = recent.insert(handle, tx, avg) {
                        self.store(oldest.module, oldest.function, oldest.value);
                    }
                }
            }
        }
        for seen in recent.seen {
            self.store(seen.module, seen.function, seen.value);
        }
        totals
    }

    fn store(&mut self, module: &ModuleId, function: &str, avg: u64) {
        let per_module = match self.learned.get_mut(module) {
            Some(m) => m,
            None => self.learned.entry(module.clone()).or_default(),
        };
        match per_module.get_mut(function) {
            Some(slot) => *slot = avg,
            None => {
                per_module.insert(function.to_owned(), avg);
            }
        }
    }
}

/// Functions a pass over a block remembers: enough for a block that mixes
/// every kind of call of a workload, few enough to search in a line.
const RECENT: usize = 8;

/// The functions a pass over a block met last, each with what the pass
/// keeps for it (a lookup, or an average being folded), the latest first.
struct Recent<'b, T> {
    seen: SmallVec<[Seen<'b, T>; RECENT]>,
}

struct Seen<'b, T> {
    handle: Option<EntryHandle>,
    module: &'b ModuleId,
    function: &'b str,
    value: T,
}

impl<'b, T> Recent<'b, T> {
    fn new() -> Self {
        Recent { seen: SmallVec::new() }
    }

    /// What is kept for `tx`'s function, which then counts as the latest.
    /// Handles are compared first: a transaction's names are on the heap, a
    /// cache miss apiece (a third of the observing pass's time over a
    /// block of 100,000 transfers when they were compared every time);
    /// names only where no handle matches (a transaction whose keys were
    /// supplied has none).
    fn find(&mut self, handle: Option<EntryHandle>, tx: &Transaction) -> Option<&mut T> {
        let at = handle
            .and_then(|h| self.seen.iter().position(|s| s.handle == Some(h)))
            .or_else(|| self.seen.iter().position(|s| s.function == tx.function && *s.module == tx.module))?;
        // Most recent first: a run finds its function at once.
        self.seen.get_mut(..=at)?.rotate_right(1);
        self.seen.first_mut().map(|s| &mut s.value)
    }

    /// Remembers `tx`'s function as the latest (after `find` missed it);
    /// the least recent one, when one must go to make room.
    fn insert(&mut self, handle: Option<EntryHandle>, tx: &'b Transaction, value: T) -> Option<Seen<'b, T>> {
        let oldest = if self.seen.len() == RECENT { self.seen.pop() } else { None };
        self.seen.insert(0, Seen { handle, module: &tx.module, function: &tx.function, value });
        oldest
    }
}

/// A learned or default estimate, never above the limit (the VM stops there) nor below 1.
fn bounded(learned: Option<u64>, gas_limit: u64) -> u64 {
    let limit = gas_limit.max(1);
    match learned {
        Some(gas) => gas.clamp(1, limit),
        None => limit.min(DEFAULT_CAP),
    }
}

fn ema(avg: u64, sample: u64) -> u64 {
    // avg + (sample - avg) / 2^k, in i128 so neither direction overflows.
    let avg_i = i128::from(avg);
    let next = avg_i + ((i128::from(sample) - avg_i) >> EMA_SHIFT);
    u64::try_from(next.max(0)).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use resin_vm::AccountAddress;

    fn tx(function: &str, gas_limit: u64) -> Transaction {
        Transaction {
            sender: AccountAddress::from_u64(1),
            module: ModuleId::new(AccountAddress::from_u64(1), "coin"),
            function: function.into(),
            args: vec![],
            gas_limit,
            type_args: Vec::new(),
        }
    }

    #[test]
    fn defaults_follow_the_gas_limit_and_learning_moves_towards_observations() {
        let mut model = CostModel::new();
        let t = tx("transfer", 5_000);
        assert_eq!(model.estimate(&t), 5_000);
        assert_eq!(model.estimate(&tx("transfer", 10_000_000)), DEFAULT_CAP);
        model.observe(&t.module, "transfer", 800);
        assert_eq!(model.estimate(&t), 800);
        for _ in 0..100 {
            model.observe(&t.module, "transfer", 1_600);
        }
        let learned = model.estimate(&t);
        assert!((1_590..=1_600).contains(&learned), "{learned}");
        // Never above the limit: the VM stops there.
        assert_eq!(model.estimate(&tx("transfer", 100)), 100);
        assert_eq!(model.estimate(&tx("other", 0)), 1);
    }

    #[test]
    fn a_block_is_learned_as_its_transactions_one_by_one() {
        use resin_vm::{Receipt, Status, WriteSet};
        let receipt = |gas_used, status| Receipt { status, gas_used, events: vec![], write_set: WriteSet::default() };
        let other = ModuleId::new(AccountAddress::from_u64(2), "coin");
        let mut block = Vec::new();
        let mut receipts = Vec::new();
        // Runs of one function, interleavings, another module's function of
        // the same name, and transactions that could not start.
        for i in 0..40u64 {
            let mut t = tx(["transfer", "mint", "transfer"][(i / 7 % 3) as usize], 10_000);
            if i % 11 == 5 {
                t.module = other.clone();
            }
            let status = if i % 13 == 3 { Status::InvalidArguments { reason: "no".into() } } else { Status::Success };
            block.push(t);
            receipts.push(receipt(100 + i * 37 % 900, status));
        }
        let mut by_block = CostModel::new();
        by_block.observe(&block[0].module, "transfer", 5_000);
        let mut one_by_one = by_block.clone();
        by_block.observe_block(&block, &receipts);
        for (t, r) in block.iter().zip(&receipts) {
            if !matches!(r.status, Status::InvalidArguments { .. }) {
                one_by_one.observe(&t.module, &t.function, r.gas_used);
            }
        }
        assert_eq!(by_block, one_by_one);
        assert!(by_block.learned(&other, "transfer").is_some());
    }

    /// Twelve functions in two modules, more than a pass keeps at hand
    /// ([`RECENT`]), so that remembered ones are forgotten and met again.
    fn interleaved_tx(pick: usize) -> Transaction {
        let names = ["transfer", "mint", "burn", "swap", "vote", "open"];
        let mut t = tx(names[pick % names.len()], [10_000, 300][pick % 5 / 4]);
        if pick / names.len() % 2 == 1 {
            t.module = ModuleId::new(AccountAddress::from_u64(2), "coin");
        }
        t
    }

    proptest::proptest! {
        #[test]
        fn an_interleaved_block_is_learned_and_estimated_as_its_transactions_one_by_one(
            calls in proptest::collection::vec((0..12usize, 0..3_000u64, proptest::bool::weighted(0.1)), 0..300),
            warm in proptest::collection::vec((0..12usize, 1..3_000u64), 0..6),
        ) {
            use crate::keys::BlockKeys;
            use resin_vm::{DeclaredKeys, Receipt, WriteSet};
            let block: Vec<Transaction> = calls.iter().map(|&(pick, _, _)| interleaved_tx(pick)).collect();
            let rejected = |bad: bool| if bad { Status::InvalidArguments { reason: "no".into() } } else { Status::Success };
            let receipts: Vec<Receipt> = calls
                .iter()
                .map(|&(_, gas_used, bad)| Receipt { status: rejected(bad), gas_used, events: vec![], write_set: WriteSet::default() })
                .collect();
            let mut start = CostModel::new();
            for &(pick, gas) in &warm {
                let t = interleaved_tx(pick);
                start.observe(&t.module, &t.function, gas);
            }
            let mut one_by_one = start.clone();
            for (t, &(_, gas_used, bad)) in block.iter().zip(&calls) {
                if !bad {
                    one_by_one.observe(&t.module, &t.function, gas_used);
                }
            }
            let mut by_block = start.clone();
            by_block.observe_block(&block, &receipts);
            proptest::prop_assert_eq!(&by_block, &one_by_one);

            let keys = BlockKeys::from_results(
                calls.iter().map(|&(_, _, bad)| if bad { Err(rejected(true)) } else { Ok(DeclaredKeys::default()) }).collect(),
            );
            let estimates = start.estimate_block(&block, &keys);
            for (i, (t, &(_, _, bad))) in block.iter().zip(&calls).enumerate() {
                let expected = if bad { REJECTED_COST } else { start.estimate(t) };
                proptest::prop_assert_eq!(estimates[i], expected, "transaction {}", i);
            }
        }
    }

    #[test]
    #[allow(clippy::result_large_err)]
    fn a_large_block_is_estimated_as_its_transactions_one_by_one() {
        use crate::keys::BlockKeys;
        use resin_vm::DeclaredKeys;
        // Over two estimate chunks, with runs of one function that cross
        // the chunk boundaries, interleavings, another module's function of
        // the same name, gas limits under the learned cost, and
        // transactions without keys.
        let other = ModuleId::new(AccountAddress::from_u64(2), "coin");
        let n = 2 * ESTIMATE_CHUNK + 1_000;
        let block: Vec<Transaction> = (0..n)
            .map(|i| {
                let mut t = tx(["transfer", "mint"][i / 3_000 % 2], [10_000, 500][usize::from(i % 17 == 4)]);
                if i % 101 == 7 {
                    t.module = other.clone();
                }
                t
            })
            .collect();
        let keys = BlockKeys::from_results(
            (0..n)
                .map(|i| {
                    if i % 13 == 3 {
                        Err(Status::InvalidArguments { reason: "no".into() })
                    } else {
                        Ok(DeclaredKeys::default())
                    }
                })
                .collect(),
        );
        let mut model = CostModel::new();
        model.observe(&block[0].module, "transfer", 800);
        model.observe(&other, "transfer", 2_000);
        let estimates = model.estimate_block(&block, &keys);
        assert_eq!(estimates.len(), n);
        for (i, (t, &e)) in block.iter().zip(&estimates).enumerate() {
            let expected = if i % 13 == 3 { REJECTED_COST } else { model.estimate(t) };
            assert_eq!(e, expected, "transaction {i}");
        }
    }

    #[test]
    fn ema_handles_extremes() {
        assert_eq!(ema(0, u64::MAX), u64::MAX >> EMA_SHIFT);
        assert_eq!(ema(u64::MAX, 0), u64::MAX - (1 << 61));
        assert_eq!(ema(100, 100), 100);
    }
}
