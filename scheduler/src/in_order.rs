//! The in-order executor: the parallel executor's engine (`engine.rs`: the
//! same block overlay, the same VM calls, the same batched commit of maps and
//! Merkle tree) on one thread, the block in order, with no conflict graph and
//! no plan. It is the baseline that "speedup" is measured against, so that a
//! speedup is parallelism alone and not a difference between engines.

use std::sync::Arc;
use std::time::Instant;

use rayon::ThreadPool;
use resin_state::store::ResourceStore;
use resin_vm::{BlockContext, CodeCache, Transaction};

use crate::beside::{serial_beside, Beside};
use crate::cost::CostModel;
use crate::engine::{commit, take_in, BlockInput};
use crate::garbage::retire;
use crate::graph::BlockSlots;
use crate::keys::{BlockKeys, KeysOrigin};
use crate::output::{BlockOutput, BlockStats, BlockSummary, SchedulerError, Timings};
use crate::overlay::BlockOverlay;
use crate::parallel::pool;
use crate::sequential::{keys_then_block, BlockExecutor};

pub struct InOrderExecutor {
    /// One thread: everything the engine would run on a pool runs here.
    pool: Arc<ThreadPool>,
    /// Learned like the parallel executor's (it pays the same update), though
    /// nothing here plans with it.
    costs: CostModel,
}

impl InOrderExecutor {
    pub fn new() -> Result<Self, SchedulerError> {
        Ok(InOrderExecutor { pool: Arc::new(pool(1, "resin-in-order")?), costs: CostModel::new() })
    }
}

/// The block in order in one lane, with no graph and no plan, on `pool`
/// (which the overlay's lookups, the gathering of the writes and the commit
/// use; the lane runs on the calling thread, which the executors make one
/// of `pool`'s). The in-order executor's whole run, and the parallel
/// executor's for a block it sees is one chain (`serial.rs`), whose other
/// threads run `beside` while the lane runs ([`serial_beside`]).
pub(crate) fn run_in_order(
    pool: &ThreadPool,
    costs: &mut CostModel,
    state: &mut ResourceStore,
    input: BlockInput<'_>,
    beside: Beside<'_>,
) -> BlockOutput {
    let BlockInput { block, keys, .. } = input;
    // Numbering the keys stands where the graph and plan stand in the
    // parallel executor: the overlay's slots need it.
    let start = Instant::now();
    let slots = pool.install(|| BlockSlots::number(keys));
    let schedule = start.elapsed();

    let start = Instant::now();
    let run = input.with_slots(&slots);
    let overlay = pool.install(|| BlockOverlay::new(state, slots.table()));
    let overlay_built = start.elapsed();
    let lane = || run.run_lane(&overlay, 0, 0..block.len() as u32, None).receipts;
    let receipts = pool.install(|| serial_beside(lane, beside));
    let writes = pool.install(|| overlay.into_writes());
    let execute = start.elapsed();

    let start = Instant::now();
    let committed = pool.install(|| commit(state, writes));
    let commit_time = start.elapsed();
    let state_root = state.root();

    let totals = take_in(costs, block, keys, &receipts);
    let stats = BlockStats {
        summary: BlockSummary { keys_written: committed.keys_written, ..totals },
        threads_used: 1,
        timings: Timings {
            keys: Default::default(),
            schedule,
            execute,
            overlay: overlay_built,
            commit: commit_time,
            root: committed.root,
            ..Timings::default()
        },
        // No plan, no waits, nothing run again: one thread in order.
        ..BlockStats::default()
    };
    BlockOutput { receipts, state_root, stats }
}

impl BlockExecutor for InOrderExecutor {
    fn execute_block(
        &mut self,
        code: &CodeCache,
        state: &mut ResourceStore,
        block: &[Transaction],
        context: BlockContext,
    ) -> BlockOutput {
        // On the pool's thread from the keys to the commit, as the parallel
        // executor runs its blocks (see its `execute_block`): the same
        // engine, handing nothing back and forth between threads.
        let pool = Arc::clone(&self.pool);
        pool.install(|| keys_then_block(self, code, state, block, context))
    }

    fn instantiate_keys(&self, code: &CodeCache, block: &[Transaction]) -> BlockKeys {
        BlockKeys::instantiate(code, block)
    }

    fn execute_keys(
        &mut self,
        code: &CodeCache,
        state: &mut ResourceStore,
        block: &[Transaction],
        context: BlockContext,
        keys: &BlockKeys,
        origin: KeysOrigin,
    ) -> BlockOutput {
        let keys = keys.fitted(block.len());
        let InOrderExecutor { pool, costs } = self;
        pool.install(|| {
            run_in_order(pool, costs, state, BlockInput { code, block, context, keys: &keys, origin }, None)
        })
    }

    fn cost_model(&self) -> &CostModel {
        &self.costs
    }

    fn retire(&self, output: BlockOutput, superseded: ResourceStore) {
        retire(&self.pool, output, superseded);
    }
}
