//! The block engine both the parallel and the in-order executor run: each
//! transaction against one block overlay over the pre-block snapshot, then
//! the overlay's writes committed to the store in one batch (maps, leaves
//! and tree in parallel on the executor's pool). The executors differ only
//! in the order they feed it: lanes of a plan on many threads, or the
//! block in order on one.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use crossbeam_utils::CachePadded;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use resin_state::store::ResourceStore;
use resin_vm::{CodeCache, Receipt, Transaction};

use crate::graph::{BlockSlots, ConflictGraph, TxIndex};
use crate::keys::{missing_keys, rejected_receipt, BlockKeys};
use crate::output::BlockOutput;
use crate::overlay::{BlockOverlay, BlockWrites, TxView};
use crate::planner::Plan;

/// Spins this many times on a predecessor's done flag before yielding the CPU.
const SPINS_BEFORE_YIELD: u32 = 256;

/// Cross-lane synchronisation: how far each lane has got, and the plan
/// that says where each predecessor runs.
///
/// A lane publishes one counter, the number of its transactions done, on a
/// cache line of its own. Per-transaction flags would put neighbouring
/// transactions of different lanes on one cache line, which both cores then
/// write for every transaction they finish.
pub(crate) struct LaneSync<'a> {
    /// Indexed by lane: transactions of the lane done so far.
    pub(crate) progress: &'a [CachePadded<AtomicU32>],
    /// Set when a lane unwinds, so the others stop waiting for it.
    pub(crate) abort: &'a AtomicBool,
    pub(crate) graph: &'a ConflictGraph,
    pub(crate) plan: &'a Plan,
}

/// What one lane last read of every lane's progress. Progress only grows,
/// so a predecessor at a position below what was last read is done, and
/// the acquire of that read already ordered its writes before us: most
/// predecessors finished long ago, and re-reading a counter that another
/// core keeps writing would pull its cache line over for each of them.
pub(crate) struct Seen(Vec<u32>);

impl Seen {
    pub(crate) fn new(lanes: usize) -> Seen {
        Seen(vec![0; lanes])
    }
}

impl LaneSync<'_> {
    /// Whether the transaction at `position` of `lane` is done.
    #[inline]
    fn is_done(&self, lane: u32, position: u32, seen: &mut Seen) -> bool {
        let Some(last) = seen.0.get_mut(lane as usize) else { return true };
        if *last > position {
            return true;
        }
        *last = self.progress.get(lane as usize).map_or(u32::MAX, |done| done.load(Ordering::Acquire));
        *last > position
    }

    /// Waits until the transaction at `position` of `lane` is done; false
    /// when the block is being abandoned.
    fn wait_for(&self, lane: u32, position: u32, waits: &mut u64, seen: &mut Seen) -> bool {
        if self.is_done(lane, position, seen) {
            return true;
        }
        *waits += 1;
        let mut spins = 0u32;
        loop {
            if self.is_done(lane, position, seen) {
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

    /// Waits for `tx`'s predecessors in other lanes; false when abandoned.
    fn wait_for_predecessors(&self, tx: TxIndex, waits: &mut u64, seen: &mut Seen) -> bool {
        let my_lane = self.plan.placement(tx).map(|p| p.lane);
        for (pred, _) in self.graph.predecessors(tx as usize) {
            let Some(at) = self.plan.placement(pred) else { continue };
            if Some(at.lane) != my_lane && !self.wait_for(at.lane, at.position, waits, seen) {
                return false;
            }
        }
        true
    }

    /// Publishes that `lane` has finished `done` transactions.
    #[inline]
    fn finished(&self, lane: u32, done: u32) {
        if let Some(counter) = self.progress.get(lane as usize) {
            counter.store(done, Ordering::Release);
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
pub(crate) struct LaneResult {
    pub(crate) receipts: Vec<(TxIndex, Receipt)>,
    /// Times the lane found a predecessor in another lane unfinished.
    pub(crate) waits: u64,
}

/// One block's inputs, shared by every lane.
pub(crate) struct BlockRun<'a> {
    pub(crate) code: &'a CodeCache,
    pub(crate) block: &'a [Transaction],
    pub(crate) keys: &'a BlockKeys,
    pub(crate) slots: &'a BlockSlots,
}

impl BlockRun<'_> {
    /// Runs lane `lane_index` in order; `sync` is `None` when it is the only lane.
    pub(crate) fn run_lane(
        &self,
        overlay: &BlockOverlay<'_>,
        lane_index: u32,
        lane: impl ExactSizeIterator<Item = TxIndex>,
        sync: Option<&LaneSync<'_>>,
    ) -> LaneResult {
        let _guard = sync.map(|s| AbortOnUnwind(s.abort));
        let mut out = LaneResult { receipts: Vec::with_capacity(lane.len()), waits: 0 };
        let mut seen = Seen::new(sync.map_or(0, |s| s.progress.len()));
        for (done, tx) in (1u32..).zip(lane) {
            if let Some(sync) = sync {
                if !sync.wait_for_predecessors(tx, &mut out.waits, &mut seen) {
                    return out;
                }
            }
            let receipt = self.run_tx(overlay, tx as usize);
            if let Some(sync) = sync {
                sync.finished(lane_index, done);
            }
            out.receipts.push((tx, receipt));
        }
        out
    }

    fn run_tx(&self, overlay: &BlockOverlay<'_>, i: usize) -> Receipt {
        let Some(tx) = self.block.get(i) else { return rejected_receipt(&missing_keys()) };
        match self.keys.resolved(i) {
            Some(Ok((keys, entry))) => {
                let own = self.slots.slots_of(i);
                let receipt = resin_vm::execute_entry(
                    self.code,
                    &TxView { overlay, own },
                    tx,
                    resin_vm::BlockContext::default(),
                    entry,
                    keys,
                );
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

/// Frees a block's output and the state it superseded on `pool`: the
/// receipts in chunks, the store's shards and tree side by side.
pub(crate) fn retire(pool: &rayon::ThreadPool, output: BlockOutput, superseded: ResourceStore) {
    pool.install(|| {
        rayon::join(
            || output.receipts.into_par_iter().with_min_len(RETIRE_CHUNK).for_each(drop),
            || superseded.drop_in_parallel(),
        )
    });
}

/// Receipts freed per task: fewer are not worth a fork.
const RETIRE_CHUNK: usize = 8192;

/// What committing a block took.
pub(crate) struct Committed {
    pub(crate) keys_written: usize,
    /// Splitting the writes, the maps and the root.
    pub(crate) commit: Duration,
    /// Of `commit`: the leaves and the tree.
    pub(crate) root: Duration,
}

/// Commits the block's writes to `state` in one batch. Call it on the
/// executor's pool: the store merges on the current rayon pool.
pub(crate) fn commit(state: &mut ResourceStore, writes: BlockWrites, slots: &BlockSlots) -> Committed {
    let start = Instant::now();
    let per_shard = writes.into_sharded(slots.table());
    let stats = state.apply_sharded(per_shard);
    Committed { keys_written: stats.keys_written, commit: start.elapsed(), root: stats.root }
}
