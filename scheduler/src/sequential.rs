//! The reference executor: the block in order, each transaction against the
//! pre-block state plus the block's writes so far.

use resin_state::{Change, Shared, WriteOp};
use std::time::Instant;

use resin_state::store::{ResourceStore, StateView};
use resin_vm::{BlockContext, CodeCache, ResolvedEntry, ResourceKey, Transaction};
use rustc_hash::FxHashMap;

use crate::cost::CostModel;
use crate::keys::{rejected_receipt, BlockKeys, KeysOrigin};
use crate::output::{BlockOutput, BlockStats, BlockSummary, Timings};

/// Runs blocks of transactions and commits their writes to a store.
pub trait BlockExecutor {
    /// Each transaction's keys, instantiated from its entry function's access spec.
    fn instantiate_keys(&self, code: &CodeCache, block: &[Transaction]) -> BlockKeys;

    /// Instantiates each transaction's keys, runs the block and commits it
    /// to `state`. Every transaction of the block sees `context` (its
    /// timestamp and height); it is the block's, so it is passed per block.
    fn execute_block(
        &mut self,
        code: &CodeCache,
        state: &mut ResourceStore,
        block: &[Transaction],
        context: BlockContext,
    ) -> BlockOutput {
        keys_then_block(self, code, state, block, context)
    }

    /// Like [`BlockExecutor::execute_block`] with keys computed elsewhere
    /// (`keys.len()` must equal `block.len()`; missing entries are rejected).
    /// Keys narrower than what the code touches make those transactions
    /// abort with `AccessViolation`, identically in every executor.
    fn execute_with_keys(
        &mut self,
        code: &CodeCache,
        state: &mut ResourceStore,
        block: &[Transaction],
        context: BlockContext,
        keys: &BlockKeys,
    ) -> BlockOutput {
        self.execute_keys(code, state, block, context, keys, KeysOrigin::SUPPLIED)
    }

    /// Runs the block under `keys`, which come from `origin`: what both
    /// [`BlockExecutor::execute_block`] and
    /// [`BlockExecutor::execute_with_keys`] do once they have keys.
    fn execute_keys(
        &mut self,
        code: &CodeCache,
        state: &mut ResourceStore,
        block: &[Transaction],
        context: BlockContext,
        keys: &BlockKeys,
        origin: KeysOrigin,
    ) -> BlockOutput;

    /// The cost model the executor has learned so far.
    fn cost_model(&self) -> &CostModel;

    /// Frees the keys a block was run under. Executors with threads of
    /// their own free them on those (a large block's are tens of megabytes,
    /// an entry per transaction); this default frees them on the calling
    /// thread.
    fn retire_keys(&self, keys: BlockKeys) {
        drop(keys);
    }

    /// Frees what a block left behind: its output and the state it
    /// superseded. Executors with threads of their own free it on them
    /// (the parallel executor keeps it to free beside the next block's
    /// serial steps, and frees what is left of the block before's now: one
    /// block's worth each time); this default frees it on the calling
    /// thread.
    fn retire(&self, output: BlockOutput, superseded: ResourceStore) {
        drop(output);
        drop(superseded);
    }

    /// Frees whatever [`BlockExecutor::retire`] kept to free later: after
    /// the last block, so that a run's blocks pay for all they left. This
    /// default keeps nothing.
    fn flush(&self) {}
}

/// What [`BlockExecutor::execute_block`] does: instantiates the block's
/// keys, runs the block under them and frees them.
pub(crate) fn keys_then_block<E: BlockExecutor + ?Sized>(
    executor: &mut E,
    code: &CodeCache,
    state: &mut ResourceStore,
    block: &[Transaction],
    context: BlockContext,
) -> BlockOutput {
    let start = Instant::now();
    let keys = executor.instantiate_keys(code, block);
    let keys_time = start.elapsed();
    let mut output = executor.execute_keys(code, state, block, context, &keys, KeysOrigin::INSTANTIATED);
    output.stats.timings.keys = keys_time;
    executor.retire_keys(keys);
    output
}

#[derive(Clone, Debug, Default)]
pub struct SequentialExecutor {
    costs: CostModel,
    /// The overlay's table, kept (empty) between blocks: a block of 100k
    /// transfers writes ~100k keys, and growing a fresh table to that size
    /// every block re-hashes it repeatedly and touches megabytes of fresh
    /// pages.
    written: FxHashMap<ResourceKey, Option<Shared>>,
}

impl SequentialExecutor {
    pub fn new() -> Self {
        Self::default()
    }
}

/// The pre-block state under the block's writes so far.
struct Overlay<'a> {
    snapshot: &'a ResourceStore,
    written: FxHashMap<ResourceKey, Option<Shared>>,
}

impl Overlay<'_> {
    /// Applies one write, a counter's delta to the value the block has so
    /// far. The VM checked that sum against that very value, so a delta
    /// that does not apply cannot come from it; should one, the key is left
    /// as it is, as [`ResourceStore::apply`] leaves it.
    fn write(&mut self, op: &WriteOp) {
        let value = match &op.change {
            Change::Set(value) => Some(value.clone()),
            Change::Delete => None,
            Change::Add(_) => {
                let applied = op.apply_to(self.resource(&op.key).as_deref());
                debug_assert!(applied.is_ok(), "a delta the VM accepted does not apply: {op:?}");
                match applied {
                    Ok(sum) => sum,
                    Err(_) => return,
                }
            }
        };
        self.written.insert(op.key, value);
    }
}

impl StateView for Overlay<'_> {
    fn resource(&self, key: &ResourceKey) -> Option<Shared> {
        match self.written.get(key) {
            Some(value) => value.clone(),
            None => self.snapshot.resource(key),
        }
    }
}

impl BlockExecutor for SequentialExecutor {
    fn instantiate_keys(&self, code: &CodeCache, block: &[Transaction]) -> BlockKeys {
        BlockKeys::instantiate(code, block)
    }

    /// The reference checks every transaction's entry function whatever
    /// the keys' origin: it is what the other executors' unchecked runs
    /// are compared with.
    fn execute_keys(
        &mut self,
        code: &CodeCache,
        state: &mut ResourceStore,
        block: &[Transaction],
        context: BlockContext,
        keys: &BlockKeys,
        _origin: KeysOrigin,
    ) -> BlockOutput {
        let start = Instant::now();
        let mut written = std::mem::take(&mut self.written);
        written.clear();
        let mut overlay = Overlay { snapshot: state, written };
        let receipts: Vec<_> = block
            .iter()
            .enumerate()
            .map(|(i, tx)| {
                let receipt = match keys.resolved(i) {
                    Some(Ok((keys, entry))) => {
                        let handle = entry.map(ResolvedEntry::handle);
                        resin_vm::execute_entry(code, &overlay, tx, context, handle, keys)
                    }
                    Some(Err(status)) => rejected_receipt(status),
                    None => rejected_receipt(&crate::keys::missing_keys()),
                };
                for op in &receipt.write_set.0 {
                    overlay.write(op);
                }
                receipt
            })
            .collect();
        let mut written = overlay.written;
        let execute = start.elapsed();

        let start = Instant::now();
        let keys_written = written.len();
        // Each key is written once, so the resulting store (and its root)
        // does not depend on the order.
        let batch = written.drain().collect();
        self.written = written;
        let stats = state.apply_batch(batch);
        let state_root = state.root();
        let commit = start.elapsed();

        self.costs.observe_block(block, &receipts);
        let stats = BlockStats {
            summary: BlockSummary::of(&receipts, keys_written),
            threads_used: 1,
            timings: Timings { execute, commit, root: stats.root, ..Timings::default() },
            // No plan, no waits, nothing run again: one thread in order.
            ..BlockStats::default()
        };
        BlockOutput { receipts, state_root, stats }
    }

    fn cost_model(&self) -> &CostModel {
        &self.costs
    }
}
