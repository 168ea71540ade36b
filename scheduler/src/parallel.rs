//! The parallel executor: the plan's lanes on a dedicated rayon pool, one lane
//! per pool thread, all sharing one block overlay over the pre-block snapshot.
//!
//! A transaction starts once its predecessors in other lanes are done (its
//! predecessors in its own lane ran before it). Every lane has its own thread
//! (`broadcast` runs the closure once on each), so a lane that waits can never
//! keep the lane it waits for from running. Lanes are in block order and edges
//! go forward, so the earliest unfinished transaction can always run: no
//! deadlock. After the lanes, the block's writes are merged into the store
//! shard by shard in parallel; each shard's result depends only on the set of
//! final writes, never on thread timing.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use rayon::prelude::*;
use rayon::{ThreadPool, ThreadPoolBuilder};
use resin_state::store::ResourceStore;
use resin_vm::{CodeCache, Receipt, Transaction};

use crate::cost::CostModel;
use crate::graph::{ConflictGraph, TxIndex};
use crate::keys::{missing_keys, rejected_receipt, BlockKeys};
use crate::output::{BlockOutput, BlockStats, BlockSummary, SchedulerError, Timings};
use crate::overlay::{BlockOverlay, TxView};
use crate::planner::Plan;
use crate::schedule::Schedule;
use crate::sequential::BlockExecutor;

/// Spins this many times on a predecessor's done flag before yielding the CPU.
const SPINS_BEFORE_YIELD: u32 = 256;

pub struct ParallelExecutor {
    pool: ThreadPool,
    threads: usize,
    costs: CostModel,
}

impl ParallelExecutor {
    /// An executor planning onto `threads` lanes (at least 1), with its own pool.
    pub fn new(threads: usize) -> Result<Self, SchedulerError> {
        let threads = threads.max(1);
        let pool = ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("resin-lane-{i}"))
            .build()
            .map_err(|source| SchedulerError::ThreadPool { threads, source })?;
        Ok(ParallelExecutor { pool, threads, costs: CostModel::new() })
    }

    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Starts from a cost model learned elsewhere (plans then match that model's).
    pub fn with_cost_model(mut self, costs: CostModel) -> Self {
        self.costs = costs;
        self
    }

    /// The schedule this executor would run for `block` now.
    pub fn schedule(&self, code: &CodeCache, block: &[Transaction]) -> Schedule {
        Schedule::from_keys(self.instantiate_keys(code, block), block, &self.costs, self.threads)
    }

    fn run(
        &mut self,
        code: &CodeCache,
        state: &mut ResourceStore,
        block: &[Transaction],
        keys: &BlockKeys,
    ) -> BlockOutput {
        let start = Instant::now();
        let graph = self.pool.install(|| ConflictGraph::build(keys));
        let plan = crate::planner::plan(&graph, &self.costs.estimate_block(block, keys), self.threads);
        let schedule = start.elapsed();

        let start = Instant::now();
        let block_ctx = BlockRun { code, block, keys, graph: &graph, plan: &plan };
        let overlay = self.pool.install(|| BlockOverlay::new(state, graph.keys()));
        let lanes: Vec<&[TxIndex]> = plan.non_empty_lanes().map(|(_, l)| l).collect();
        let (per_lane, threads_used) = match lanes.as_slice() {
            [] => (Vec::new(), 0),
            // One lane: no other thread to wait for or to hand work to.
            [only] => (vec![block_ctx.run_lane(&overlay, only, None)], 1),
            _ => {
                let done: Vec<AtomicBool> = (0..block.len()).map(|_| AtomicBool::new(false)).collect();
                let abort = AtomicBool::new(false);
                let sync = LaneSync { done: &done, abort: &abort };
                let results = self.pool.broadcast(|ctx| match plan.lanes.get(ctx.index()) {
                    Some(lane) if !lane.is_empty() => block_ctx.run_lane(&overlay, lane, Some(&sync)),
                    _ => LaneResult::default(),
                });
                (results, lanes.len())
            }
        };
        let cross_lane_waits = per_lane.iter().map(|l| l.waits).sum();
        let receipts = in_block_order(&plan, per_lane);
        debug_assert_eq!(receipts.len(), block.len(), "every transaction is in exactly one lane");
        let writes = overlay.into_writes();
        let execute = start.elapsed();

        let start = Instant::now();
        let table = graph.keys();
        let (keys_written, state_root) = self.pool.install(|| {
            let written: usize = state
                .shards_mut()
                .par_iter_mut()
                .enumerate()
                .map(|(index, shard)| writes.apply_to_shard(table, index, shard))
                .sum();
            (written, state.root())
        });
        let commit = start.elapsed();

        self.costs.observe_block(block, &receipts);
        let stats = BlockStats {
            summary: BlockSummary::of(&receipts, keys_written),
            plan: Some(plan.stats),
            threads_used,
            cross_lane_waits,
            timings: Timings { keys: Default::default(), schedule, execute, commit },
        };
        BlockOutput { receipts, state_root, stats }
    }
}

/// Merges the lanes' receipts (each lane in block order) into block order.
fn in_block_order(plan: &Plan, per_lane: Vec<LaneResult>) -> Vec<Receipt> {
    if let [only] = per_lane.as_slice() {
        if only.receipts.len() == plan.placements.len() {
            return per_lane.into_iter().flat_map(|l| l.receipts).map(|(_, r)| r).collect();
        }
    }
    // Lane results come back indexed like `plan.lanes` (broadcast) or hold
    // the one non-empty lane; look lanes up by the lane each result ran.
    let mut lanes: Vec<std::vec::IntoIter<(TxIndex, Receipt)>> = Vec::new();
    let mut lane_of_result = vec![usize::MAX; plan.lanes.len()];
    for (index, result) in per_lane.into_iter().enumerate() {
        if let Some(&(first, _)) = result.receipts.first() {
            if let Some(p) = plan.placement(first) {
                if let Some(slot) = lane_of_result.get_mut(p.lane as usize) {
                    *slot = index;
                }
            }
        }
        lanes.push(result.receipts.into_iter());
    }
    plan.placements
        .iter()
        .filter_map(|p| {
            let index = *lane_of_result.get(p.lane as usize)?;
            lanes.get_mut(index)?.next().map(|(_, r)| r)
        })
        .collect()
}

/// Cross-lane synchronisation: a done flag per transaction.
struct LaneSync<'a> {
    done: &'a [AtomicBool],
    /// Set when a lane unwinds, so the others stop waiting for it.
    abort: &'a AtomicBool,
}

impl LaneSync<'_> {
    /// Waits until `tx` is done; false when the block is being abandoned.
    fn wait_for(&self, tx: TxIndex, waits: &mut u64) -> bool {
        let Some(flag) = self.done.get(tx as usize) else { return true };
        if flag.load(Ordering::Acquire) {
            return true;
        }
        *waits += 1;
        let mut spins = 0u32;
        loop {
            if flag.load(Ordering::Acquire) {
                return true;
            }
            if self.abort.load(Ordering::Relaxed) {
                return false;
            }
            if spins < SPINS_BEFORE_YIELD {
                spins += 1;
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
    }
}

/// Raises the abort flag if a lane unwinds, so no other lane waits forever.
struct AbortOnUnwind<'a>(&'a AtomicBool);

impl Drop for AbortOnUnwind<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.store(true, Ordering::Relaxed);
        }
    }
}

#[derive(Default)]
struct LaneResult {
    receipts: Vec<(TxIndex, Receipt)>,
    /// Times the lane found a predecessor in another lane unfinished.
    waits: u64,
}

struct BlockRun<'a> {
    code: &'a CodeCache,
    block: &'a [Transaction],
    keys: &'a BlockKeys,
    graph: &'a ConflictGraph,
    plan: &'a Plan,
}

impl BlockRun<'_> {
    /// Runs one lane in order; `sync` is `None` when it is the only lane.
    fn run_lane(&self, overlay: &BlockOverlay<'_>, lane: &[TxIndex], sync: Option<&LaneSync<'_>>) -> LaneResult {
        let _guard = sync.map(|s| AbortOnUnwind(s.abort));
        let mut out = LaneResult { receipts: Vec::with_capacity(lane.len()), waits: 0 };
        for &tx in lane {
            let i = tx as usize;
            if let Some(sync) = sync {
                let my_lane = self.plan.placement(tx).map(|p| p.lane);
                for (pred, _) in self.graph.predecessors(i) {
                    let other_lane = self.plan.placement(pred).map(|p| p.lane) != my_lane;
                    if other_lane && !sync.wait_for(pred, &mut out.waits) {
                        return out;
                    }
                }
            }
            let receipt = self.run_tx(overlay, i);
            if let Some(flag) = sync.and_then(|s| s.done.get(i)) {
                flag.store(true, Ordering::Release);
            }
            out.receipts.push((tx, receipt));
        }
        out
    }

    fn run_tx(&self, overlay: &BlockOverlay<'_>, i: usize) -> Receipt {
        let Some(tx) = self.block.get(i) else { return rejected_receipt(&missing_keys()) };
        match self.keys.get(i) {
            Some(Ok(keys)) => {
                let own = self.graph.slots_of(i);
                let receipt = resin_vm::execute_with_keys(self.code, &TxView { overlay, own }, tx, keys);
                for op in &receipt.write_set.0 {
                    overlay.write(own, op);
                }
                receipt
            }
            Some(Err(status)) => rejected_receipt(status),
            None => rejected_receipt(&missing_keys()),
        }
    }
}

impl BlockExecutor for ParallelExecutor {
    fn instantiate_keys(&self, code: &CodeCache, block: &[Transaction]) -> BlockKeys {
        self.pool.install(|| BlockKeys::instantiate_par(code, block))
    }

    fn execute_with_keys(
        &mut self,
        code: &CodeCache,
        state: &mut ResourceStore,
        block: &[Transaction],
        keys: &BlockKeys,
    ) -> BlockOutput {
        self.run(code, state, block, &keys.fitted(block.len()))
    }

    fn cost_model(&self) -> &CostModel {
        &self.costs
    }
}
