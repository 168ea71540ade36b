//! The parallel executor: the plan's lanes on a dedicated rayon pool, one lane
//! per pool thread, all sharing one block overlay over the pre-block snapshot
//! (the engine, `engine.rs`).
//!
//! A transaction starts once its predecessors in other lanes are done (its
//! predecessors in its own lane ran before it). Every lane has its own thread
//! (`broadcast` runs the closure once on each), so a lane that waits can never
//! keep the lane it waits for from running. Lanes are in block order and edges
//! go forward, so the earliest unfinished transaction can always run: no
//! deadlock. A block without any dependency is not run on the plan's lanes:
//! the lanes take it in chunks as they become free (`independent.rs`).
//! After the lanes, the block's writes are committed in one batch:
//! the store's shards and its Merkle tree are merged in parallel, and the
//! result depends only on the set of final writes, never on thread timing.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize};
use std::sync::{Arc, Mutex, PoisonError};

use crossbeam_utils::CachePadded;
use std::time::{Duration, Instant};

use rayon::{ThreadPool, ThreadPoolBuilder};
use resin_state::store::ResourceStore;
use resin_vm::{BlockContext, CodeCache, Receipt, Transaction};

use crate::beside::beside;
use crate::cost::CostModel;
use crate::counters::AddRead;
use crate::engine::{commit, take_in, BlockInput, BlockRun, LaneResult, LaneSync, Order};
use crate::frontier::{self, FrontierStats};
use crate::garbage::Garbage;
use crate::graph::{ConflictGraph, Numbered, TxIndex};
use crate::in_order::run_in_order;
use crate::independent;
use crate::keys::{BlockKeys, KeysOrigin};
use crate::output::{BlockOutput, BlockStats, BlockSummary, SchedulerError, Timings};
use crate::overlay::BlockOverlay;
use crate::schedule::Schedule;
use crate::sequential::{keys_then_block, BlockExecutor};

/// Blocks of up to this many transactions free what the block before left
/// behind beside their numbering (`garbage.rs`). A larger block's
/// numbering outgrows the caches and waits on memory, and freeing beside
/// it slowed it by as much as it saved: for a million transfers among a
/// million accounts (`resin bench`, two rounds each way, one binary) the
/// plan took 125-158 ms instead of 99-102, the freeing at retirement 24-27
/// ms less. For 100,000 the plan did not grow (7.6-9.1 ms against 8.6-9.5)
/// and the retirement took 3 ms less.
const FREE_BESIDE_NUMBERING_UP_TO: usize = 1 << 18;

pub struct ParallelExecutor {
    pool: Arc<ThreadPool>,
    threads: usize,
    costs: CostModel,
    /// What the last block retired left behind, freed in the next block's
    /// gaps (`garbage.rs`).
    garbage: Mutex<Garbage>,
}

/// A pool of `threads` threads named `name-i`, each on a core of its own
/// when there are enough (`pinning.rs`).
pub(crate) fn pool(threads: usize, name: &'static str) -> Result<ThreadPool, SchedulerError> {
    let cores = crate::pinning::cores_for(threads);
    ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(move |i| format!("{name}-{i}"))
        .start_handler(move |i| {
            if let Some(&core) = cores.as_ref().and_then(|c| c.get(i)) {
                // Refused, the thread stays where the system put it: only speed differs.
                let _ = crate::pinning::pin(core);
            }
        })
        .build()
        .map_err(|source| SchedulerError::ThreadPool { threads, source })
}

impl ParallelExecutor {
    /// An executor planning onto `threads` lanes (at least 1), with its own pool.
    pub fn new(threads: usize) -> Result<Self, SchedulerError> {
        let threads = threads.max(1);
        Ok(ParallelExecutor {
            pool: Arc::new(pool(threads, "resin-lane")?),
            threads,
            costs: CostModel::new(),
            garbage: Mutex::default(),
        })
    }

    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Keeps `garbage` to free in the next block's gaps, and frees now, on
    /// the pool, what the block before left that its gaps did not.
    fn keep(&self, garbage: Garbage) {
        let left = std::mem::replace(&mut *self.garbage.lock().unwrap_or_else(PoisonError::into_inner), garbage);
        if !left.is_empty() {
            self.pool.install(|| left.drop_in_parallel());
        }
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

    fn run(&mut self, state: &mut ResourceStore, input: BlockInput<'_>) -> BlockOutput {
        let keys = input.keys;
        let start = Instant::now();
        // A block that is one long chain would be planned into one lane:
        // it runs there without the graph and the plan (`serial.rs`).
        let threads = self.threads;
        if let Some(sample) = crate::serial::serial_sample(keys, threads, &self.pool) {
            let sampled = start.elapsed();
            // The lane leaves the other threads waiting: one of them frees
            // what the last block left behind meanwhile.
            let mut free = self.garbage.get_mut().unwrap_or_else(PoisonError::into_inner).freeing(true);
            let mut output = run_in_order(&self.pool, &mut self.costs, state, input, beside(&mut free));
            output.stats.chain_sample = Some(sample);
            output.stats.timings.schedule += sampled;
            return output;
        }
        // A block whose lanes would seldom wait for each other needs no
        // plan either: the lanes take it in chunks (`frontier.rs`).
        if frontier::suits(keys, threads) {
            // The numbering's serial pass leaves the other threads waiting:
            // one of them frees what the last block left behind meanwhile.
            let garbage = self.garbage.get_mut().unwrap_or_else(PoisonError::into_inner);
            let mut free = garbage.freeing(keys.len() <= FREE_BESIDE_NUMBERING_UP_TO);
            let numbered = frontier::number(keys, &self.pool, beside(&mut free));
            // The work borrows the executor's garbage until it is dropped.
            drop(free);
            if let Some(numbered) = numbered {
                // The samples and the numbering stand where the graph and
                // the plan stand in a planned block.
                let schedule = start.elapsed();
                return self.run_frontier(state, input, schedule, &numbered);
            }
        }
        self.run_planned(state, input, start)
    }

    /// Runs the block's lanes taking chunks, each transaction after the
    /// frontier passes its latest predecessor (`frontier.rs`), `schedule`
    /// after the block's start.
    fn run_frontier(
        &mut self,
        state: &mut ResourceStore,
        input: BlockInput<'_>,
        schedule: Duration,
        numbered: &Numbered,
    ) -> BlockOutput {
        let start = Instant::now();
        let threads = self.threads;
        let Numbered { slots, after, uses } = numbered;
        let chunk = frontier::chunk_size(after, threads);
        let building = Instant::now();
        let overlay = self.pool.install(|| BlockOverlay::with_uses(state, slots.table(), uses, threads));
        let overlay_built = building.elapsed();
        let block = input.block;
        let run = input.with_slots(slots);
        let progress: Vec<CachePadded<AtomicU32>> = (0..threads).map(|_| CachePadded::default()).collect();
        let abort = AtomicBool::new(false);
        let sync = LaneSync { progress: &progress, abort: &abort, order: Order::Frontier(after) };
        let per_lane = self.take_chunks(block.len(), threads, chunk, |lane, chunks, capacity| {
            run.run_frontier_lane(&overlay, lane, chunks, capacity, &sync, after)
        });
        let early = per_lane.iter().map(|lane| lane.early).sum();
        let ran = Ran { overlay, overlay_built, per_lane, threads_used: threads.min(block.len()) };
        let mut output = self.settle(state, &run, ran, start, schedule);
        output.stats.frontier = Some(FrontierStats { early, ..FrontierStats::of(after, threads, chunk) });
        output
    }

    /// Builds the graph and the plan, and runs the plan's lanes.
    fn run_planned(&mut self, state: &mut ResourceStore, input: BlockInput<'_>, start: Instant) -> BlockOutput {
        let (threads, block, keys) = (self.threads, input.block, input.keys);
        // The estimates need only the keys: made beside the graph's
        // serial tail, they fill the gap it leaves on one thread.
        let costs = &self.costs;
        let (graph, estimates) =
            self.pool.install(|| ConflictGraph::build_beside(keys, || costs.estimate_block(block, keys)));
        // The plan and the overlay each need only the graph (and the
        // overlay the lane count, which is the thread count): side by side,
        // each fills what the other's serial steps leave idle (all of the
        // plan of a block of one planning chunk). The schedule is the graph
        // and the plan's own time; the overlay's past it counts as
        // execution, as it would after the plan.
        let graph_built = start.elapsed();
        let beside = Instant::now();
        let ((plan, planned), overlay) = self.pool.install(|| {
            rayon::join(
                || {
                    let planning = Instant::now();
                    (crate::planner::plan_to_run(&graph, &estimates, threads), planning.elapsed())
                },
                || BlockOverlay::shared(state, graph.slots(), keys, threads),
            )
        });
        let schedule = graph_built + planned;
        let overlay_built = beside.elapsed().saturating_sub(planned);

        let start = start + schedule;
        let run = input.with_slots(graph.slots());
        let lanes: Vec<(usize, &[TxIndex])> = plan.non_empty_lanes().collect();
        let progress: Vec<CachePadded<AtomicU32>> = plan.lanes.iter().map(|_| CachePadded::default()).collect();
        let abort = AtomicBool::new(false);
        let sync = LaneSync { progress: &progress, abort: &abort, order: Order::Plan(&plan) };
        let (per_lane, threads_used) = match lanes.as_slice() {
            [] => (Vec::new(), 0),
            // One lane: no other thread to wait for or to hand work to.
            [(index, only)] => (vec![run.run_lane(&overlay, *index as u32, only.iter().copied(), None)], 1),
            // No transaction depends on another: the lanes take the block in
            // chunks as they become free (see `independent.rs`).
            _ if graph.edge_count() == 0 => {
                let (n, lanes) = (block.len(), plan.lanes.len());
                let size = independent::chunk_size(n, lanes);
                let per_lane = self.take_chunks(n, lanes, size, |lane, chunks, capacity| {
                    run.run_taken(&overlay, lane, chunks, capacity, Some(&sync))
                });
                (per_lane, lanes.min(n))
            }
            _ => {
                let results = self.pool.broadcast(|ctx| match plan.lanes.get(ctx.index()) {
                    Some(lane) if !lane.is_empty() => {
                        run.run_lane(&overlay, ctx.index() as u32, lane.iter().copied(), Some(&sync))
                    }
                    _ => LaneResult::default(),
                });
                (results, lanes.len())
            }
        };
        let ran = Ran { overlay, overlay_built, per_lane, threads_used };
        let mut output = self.settle(state, &run, ran, start, schedule);
        output.stats.plan = Some(plan.stats);
        output
    }

    /// Runs `lanes` lanes, one per pool thread, each taking chunks of `size`
    /// consecutive transactions of the block's `n` from one cursor as it
    /// becomes free (`independent.rs`): `lane(index, chunks, capacity)`
    /// runs one, `capacity` being about how many transactions it gets.
    fn take_chunks(
        &self,
        n: usize,
        lanes: usize,
        size: usize,
        lane: impl Fn(u32, independent::Chunks<'_>, usize) -> LaneResult + Sync,
    ) -> Vec<LaneResult> {
        let cursor = AtomicUsize::new(0);
        let capacity = n.div_ceil(lanes.max(1)).saturating_add(size);
        self.pool.broadcast(|ctx| {
            if ctx.index() >= lanes {
                return LaneResult::default();
            }
            lane(ctx.index() as u32, independent::Chunks::new(&cursor, size, n), capacity)
        })
    }

    /// Everything after the lanes: the counters' adds settled (or the block
    /// run again in order), the receipts put in block order, the writes
    /// committed. `start` is when execution started, `schedule` what came
    /// before it.
    fn settle(
        &mut self,
        state: &mut ResourceStore,
        run: &BlockRun<'_>,
        ran: Ran<'_>,
        start: Instant,
        schedule: Duration,
    ) -> BlockOutput {
        let Ran { overlay, overlay_built, mut per_lane, threads_used } = ran;
        let block = run.input.block;
        let keys = run.input.keys;
        let cross_lane_waits = per_lane.iter().map(|l| l.waits.count).sum();
        let lanes_waited = per_lane.iter().map(|l| l.waits.time).sum();
        let lanes_idle = lanes_idle(&per_lane);
        let add_reads: Vec<AddRead> = per_lane.iter_mut().flat_map(|l| std::mem::take(&mut l.add_reads)).collect();
        overlay.fold_all();
        let mut reexecuted = threads_used > 1 && overlay.overflowed();
        let mut adders_rerun = 0;
        let mut reexecute = Duration::ZERO;
        let execute;
        let commit_start;
        let (receipts, totals, committed);
        if !reexecuted && add_reads.is_empty() {
            // The run stands: no add's verdict is in doubt. Its receipts
            // (tens of megabytes for a large block, put in block order by
            // one thread) and its writes are independent now, so the one is
            // done while the pool gathers and commits the other; the
            // gathering's serial steps then leave no thread idle.
            execute = start.elapsed();
            commit_start = Instant::now();
            let costs = &mut self.costs;
            ((receipts, totals), committed) = self.pool.install(|| {
                rayon::join(
                    || {
                        let receipts = in_block_order(per_lane, block.len());
                        let totals = take_in(costs, block, keys, &receipts);
                        (receipts, totals)
                    },
                    || commit(state, overlay.into_writes()),
                )
            });
        } else {
            // One lane runs the block in order, exactly as the fallback
            // would: only a run on several lanes can misjudge a counter's
            // bound. It did when an adder aborted with `CounterOverflow` or
            // a delta did not apply (the overlay's flag; the lanes stopped
            // early), or when an add's verdict against what its lane saw is
            // not the one against the exact value (`BlockRun::settle_adds`).
            let mut ordered = Vec::new();
            if !reexecuted {
                ordered = in_block_order(per_lane, block.len());
                match run.settle_adds(state, &mut ordered, add_reads) {
                    Some(count) => adders_rerun = count,
                    None => reexecuted = true,
                }
            }
            let writes = if reexecuted {
                let again = Instant::now();
                drop(std::mem::take(&mut ordered));
                drop(overlay);
                // From the pre-block state again (nothing is committed yet),
                // with the in-order executor's engine: one lane, block order.
                let overlay = self.pool.install(|| BlockOverlay::new(state, run.slots.table()));
                let lane = run.run_lane(&overlay, 0, 0..block.len() as u32, None);
                ordered = lane.receipts;
                let writes = self.pool.install(|| overlay.into_writes());
                reexecute = again.elapsed();
                writes
            } else {
                self.pool.install(|| overlay.into_writes())
            };
            execute = start.elapsed();
            commit_start = Instant::now();
            committed = self.pool.install(|| commit(state, writes));
            totals = take_in(&mut self.costs, block, keys, &ordered);
            receipts = ordered;
        }
        let commit_time = commit_start.elapsed();
        debug_assert_eq!(receipts.len(), block.len(), "every transaction is in exactly one lane");
        let state_root = state.root();

        let stats = BlockStats {
            summary: BlockSummary { keys_written: committed.keys_written, ..totals },
            plan: None,
            chain_sample: None,
            frontier: None,
            threads_used,
            cross_lane_waits,
            reexecuted,
            adders_rerun,
            timings: Timings {
                keys: Default::default(),
                schedule,
                execute,
                overlay: overlay_built,
                reexecute,
                commit: commit_time,
                root: committed.root,
                lanes_waited,
                lanes_idle,
            },
        };
        BlockOutput { receipts, state_root, stats }
    }
}

/// What a block's lanes left: the overlay they wrote, each lane's
/// results, and how many threads ran lanes.
struct Ran<'a> {
    overlay: BlockOverlay<'a>,
    /// What building `overlay` took of the execute phase.
    overlay_built: Duration,
    per_lane: Vec<LaneResult>,
    threads_used: usize,
}

/// Time the lanes had nothing to do while another ran: each lane's start
/// after the first lane's, and its finish before the last one's.
fn lanes_idle(per_lane: &[LaneResult]) -> Duration {
    let spans: Vec<(Instant, Instant)> = per_lane.iter().filter_map(|l| l.span).collect();
    let (Some(first), Some(last)) = (spans.iter().map(|s| s.0).min(), spans.iter().map(|s| s.1).max()) else {
        return Duration::ZERO;
    };
    spans.iter().map(|&(start, end)| (start - first) + (last - end)).sum()
}

/// The lanes' receipts put in block order. Each lane's are in increasing
/// block order, whether it ran a lane of the plan or took chunks
/// (`independent.rs`): so the lane of every index, read from the lanes'
/// indices alone (four bytes each), says which lane's next receipt comes
/// next, and each receipt moves once, straight into place. (Merging the
/// receipts themselves held each lane's next one in a peeked slot, moving
/// every receipt, ~300 bytes, twice.) A lane that ran the whole block (a
/// plan in one lane, run alone, which records no indices) already holds
/// them in block order, and they are taken as they are.
fn in_block_order(mut per_lane: Vec<LaneResult>, n: usize) -> Vec<Receipt> {
    if let Some(whole) = per_lane.iter().position(|l| l.receipts.len() == n) {
        return per_lane.swap_remove(whole).receipts;
    }
    let mut lane_of = vec![u32::MAX; n];
    for (lane, result) in per_lane.iter().enumerate() {
        for &tx in &result.txs {
            if let Some(at) = lane_of.get_mut(tx as usize) {
                *at = lane as u32;
            }
        }
    }
    let mut lanes: Vec<_> = per_lane.into_iter().map(|l| l.receipts.into_iter()).collect();
    // Sized up front: receipts are large, and growing the vector would copy
    // every one of them again at each doubling.
    let mut receipts = Vec::with_capacity(n);
    receipts.extend(lane_of.iter().filter_map(|&lane| lanes.get_mut(lane as usize).and_then(Iterator::next)));
    receipts
}

impl BlockExecutor for ParallelExecutor {
    fn instantiate_keys(&self, code: &CodeCache, block: &[Transaction]) -> BlockKeys {
        self.pool.install(|| BlockKeys::instantiate_par(code, block))
    }

    /// The whole block inside one `install` on the executor's pool. Its
    /// serial steps then run on one of the pool's own (pinned) threads and
    /// each parallel step forks within the pool, where every step handed
    /// from the caller's thread to the pool and back put one thread to
    /// sleep and woke another: a block pair of 1,000 transfers in `resin
    /// bench` slept 26 times, now 14 (docs/PERFORMANCE.md).
    fn execute_block(
        &mut self,
        code: &CodeCache,
        state: &mut ResourceStore,
        block: &[Transaction],
        context: BlockContext,
    ) -> BlockOutput {
        let pool = Arc::clone(&self.pool);
        pool.install(|| keys_then_block(self, code, state, block, context))
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
        // Inside the pool, as `execute_block` (already there, this runs inline).
        let pool = Arc::clone(&self.pool);
        pool.install(|| self.run(state, BlockInput { code, block, context, keys: &keys, origin }))
    }

    fn cost_model(&self) -> &CostModel {
        &self.costs
    }

    fn retire_keys(&self, keys: BlockKeys) {
        self.pool.install(|| keys.drop_in_parallel());
    }

    /// Keeps what the block left behind, to free in the next block's gaps
    /// (`garbage.rs`), and frees now, on the pool, whatever the block
    /// before left that this block's gaps did not.
    fn retire(&self, output: BlockOutput, superseded: ResourceStore) {
        self.keep(Garbage::new(output, superseded));
    }

    fn flush(&self) {
        self.keep(Garbage::default());
    }
}

#[cfg(test)]
mod tests {
    use resin_format::file_format::AccountAddress;
    use resin_state::{ResourceKey, Shared, TypeId, Value, WriteSet};
    use resin_vm::Status;

    use super::*;

    fn key(n: u64) -> ResourceKey {
        ResourceKey { address: AccountAddress::from_u64(n), ty: TypeId(7) }
    }

    /// An output of `receipts` receipts, and the state a block writing
    /// half of `store`'s keys superseded.
    fn left_behind(receipts: usize, store: &mut ResourceStore) -> (BlockOutput, ResourceStore) {
        let superseded = store.clone();
        store.apply_batch((0..2_000).step_by(2).map(|n| (key(n), Some(Shared::new(Value::U64(n + 1))))).collect());
        let receipt =
            Receipt { status: Status::Success, gas_used: 1, events: Vec::new(), write_set: WriteSet::default() };
        let output =
            BlockOutput { receipts: vec![receipt; receipts], state_root: store.root(), stats: Default::default() };
        (output, superseded)
    }

    #[test]
    fn the_executor_keeps_only_the_last_retired_blocks_leftovers_until_flushed() {
        let mut store = ResourceStore::new();
        store.apply_batch((0..2_000).map(|n| (key(n), Some(Shared::new(Value::U64(n))))).collect());
        let Ok(executor) = ParallelExecutor::new(2) else { panic!("no executor") };
        let kept = |e: &ParallelExecutor| e.garbage.lock().map(|g| (g.receipts(), g.is_empty())).ok();
        for receipts in [300, 700] {
            let (output, superseded) = left_behind(receipts, &mut store);
            executor.retire(output, superseded);
            assert_eq!(kept(&executor), Some((receipts, false)), "the block before's were freed");
        }
        executor.flush();
        assert_eq!(kept(&executor), Some((0, true)));
    }
}
