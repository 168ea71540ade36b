//! A lane on the frontier (`frontier.rs`): it takes chunks of the block and
//! runs each chunk's transactions once the frontier has passed their latest
//! predecessors, the earliest ready one first.
//!
//! A transaction whose predecessor is still running on another lane does
//! not hold up the rest of its chunk: any later transaction of the chunk
//! whose latest predecessor the frontier has passed runs meanwhile. That
//! is exact. Everything before the frontier is done, so such a
//! transaction's every conflict is done; and it conflicts with none of the
//! chunk's transactions still waiting, which are at or past the frontier
//! (its latest predecessor would be one of them otherwise). The lane
//! publishes the earliest transaction of its chunk not yet run, so the
//! frontier never passes a transaction still waiting, and a transaction
//! run early holds up those that follow it in block order no longer than
//! the earliest waiting one does.
//!
//! In a block whose dependencies come near (100,000 transfers among 1,000
//! accounts: one transaction in twenty waits on chunks of 8), a lane that
//! stopped at every such transaction lost more to waiting than a plan
//! costs; with the rest of its chunk to run, it mostly waits for nothing
//! (docs/PERFORMANCE.md).

use std::ops::Range;
use std::time::Instant;

use crate::engine::{AbortOnUnwind, BlockRun, LaneResult, LaneSync, Seen, Waits};
use crate::graph::TxIndex;
use crate::independent::Chunks;
use crate::overlay::BlockOverlay;

/// One lane's walk over its chunks, whatever running a transaction means.
pub(crate) struct FrontierLane<'s> {
    sync: &'s LaneSync<'s>,
    lane: u32,
    /// Per transaction, one more than its latest predecessor (0: none).
    after: &'s [u32],
    seen: Seen,
    /// The chunk's transactions not yet run, in block order.
    pending: Vec<TxIndex>,
    pub(crate) waits: Waits,
    /// Transactions run ahead of an earlier one of their chunk.
    pub(crate) early: usize,
}

impl<'s> FrontierLane<'s> {
    pub(crate) fn new(sync: &'s LaneSync<'s>, lane: u32, after: &'s [u32]) -> Self {
        FrontierLane {
            sync,
            lane,
            after,
            seen: Seen::new(sync.progress.len()),
            pending: Vec::new(),
            waits: Waits::default(),
            early: 0,
        }
    }

    fn after_of(&self, tx: TxIndex) -> u32 {
        self.after.get(tx as usize).copied().unwrap_or(0)
    }

    /// Runs `chunk`: `run(tx, upcoming)` for each transaction once it may
    /// run, the earliest such first, where `upcoming` are the chunk's
    /// transactions not yet run, in block order (what to prefetch). False
    /// when the block is being abandoned: a wait ended by the abort flag,
    /// or `run` said so.
    pub(crate) fn run_chunk(
        &mut self,
        chunk: Range<TxIndex>,
        mut run: impl FnMut(TxIndex, &[TxIndex]) -> bool,
    ) -> bool {
        self.pending.clear();
        self.pending.extend(chunk.clone());
        let mut head = 0;
        while let Some(&earliest) = self.pending.get(head) {
            // The lane has moved past everything below the chunk's
            // earliest transaction not yet run.
            self.sync.publish(self.lane, earliest, &mut self.seen);
            let pick = if self.sync.frontier_reached(self.after_of(earliest), &mut self.seen) {
                head
            } else {
                let rest = self.pending.get(head..).unwrap_or_default();
                let least = rest.iter().map(|&tx| self.after_of(tx)).min().unwrap_or(0);
                let ready = |sync: &LaneSync<'_>, seen: &mut Seen| sync.frontier_reached(least, seen);
                if !self.sync.wait_until(&mut self.seen, &mut self.waits, ready) {
                    return false;
                }
                let frontier = self.seen.frontier();
                let rest = self.pending.get(head..).unwrap_or_default();
                match rest.iter().position(|&tx| self.after_of(tx) <= frontier) {
                    Some(at) => head + at,
                    None => continue,
                }
            };
            let tx = if pick == head {
                head += 1;
                earliest
            } else {
                self.early += 1;
                self.pending.remove(pick)
            };
            if !run(tx, self.pending.get(head..).unwrap_or_default()) {
                return false;
            }
            let next = self.pending.get(head).copied().unwrap_or(chunk.end);
            self.sync.publish(self.lane, next, &mut self.seen);
        }
        true
    }

    /// Publishes that the lane has no transaction left.
    pub(crate) fn done(&mut self) {
        self.sync.lane_done(self.lane, &mut self.seen);
    }
}

impl BlockRun<'_> {
    /// Runs lane `lane_index` over the chunks it takes from `chunks`, each
    /// transaction once the frontier has passed `after` of it (see
    /// `frontier::Latest::access`); about `capacity` transactions. The
    /// receipts come back in increasing block order, as every lane's do.
    pub(crate) fn run_frontier_lane(
        &self,
        overlay: &BlockOverlay<'_>,
        lane_index: u32,
        mut chunks: Chunks<'_>,
        capacity: usize,
        sync: &LaneSync<'_>,
        after: &[u32],
    ) -> LaneResult {
        let _guard = AbortOnUnwind(sync.abort);
        let mut out = LaneResult {
            receipts: Vec::with_capacity(capacity),
            txs: Vec::with_capacity(capacity),
            ..LaneResult::default()
        };
        let started = Instant::now();
        let mut lane = FrontierLane::new(sync, lane_index, after);
        let mut abandoned = false;
        while let Some(chunk) = chunks.next_chunk() {
            self.prefetch_far(chunk.start);
            self.prefetch_near(overlay, chunk.start);
            if chunk.len() > 1 {
                self.prefetch_far(chunk.start + 1);
            }
            let ran = lane.run_chunk(chunk, |tx, upcoming| {
                // Two ahead in block order, as a lane in order asks
                // (`BlockRun::run_taken`).
                if let Some(&far) = upcoming.get(1) {
                    self.prefetch_far(far);
                }
                if let Some(&near) = upcoming.first() {
                    self.prefetch_near(overlay, near);
                }
                self.run_tx(overlay, lane_index, tx, Some(&mut out.add_reads), &mut out.receipts);
                out.txs.push(tx);
                // A run to be discarded stops here, and stops the lanes
                // waiting for this one.
                !overlay.overflowed()
            });
            if !ran {
                abandoned = true;
                break;
            }
        }
        if abandoned {
            sync.abort.store(true, std::sync::atomic::Ordering::Relaxed);
        } else {
            lane.done();
        }
        out.waits = lane.waits;
        out.early = lane.early;
        if lane.early > 0 {
            sort_into_block_order(&mut out.txs, &mut out.receipts);
        }
        out.span = Some((started, Instant::now()));
        out
    }
}

/// Puts a lane's transactions, and `items` beside them, in increasing
/// block order. A transaction runs early only within its chunk, so each is
/// at most a chunk from its place: an insertion sort moves each item that
/// far, and not at all in a lane that ran nothing early.
pub(crate) fn sort_into_block_order<T>(txs: &mut [TxIndex], items: &mut [T]) {
    for i in 1..txs.len().min(items.len()) {
        let mut j = i;
        while j > 0 && txs.get(j - 1) > txs.get(j) {
            txs.swap(j - 1, j);
            items.swap(j - 1, j);
            j -= 1;
        }
    }
}
