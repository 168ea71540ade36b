//! Blocks whose dependencies are few and far apart, run without a graph or
//! a plan: the lanes take the block in chunks, in block order, and each
//! transaction starts once every transaction before its latest predecessor
//! is done.
//!
//! For such a block (100,000 transfers among 100,000 accounts, whose
//! transactions depend on ones thousands of places earlier; mints, votes
//! and approvals by distinct users, which depend on none) the planner's
//! work buys nothing: any lane may run any transaction, since by the time
//! a lane reaches it its predecessors are long done. But that work — the
//! graph's edges and rows, the cost estimates, the plan and the overlay's
//! own pass for the keys' uses — was 10-14 of the 27-29 core-ms that a
//! two-thread block of 100,000 transfers spent and the in-order engine
//! does not.
//!
//! So for these blocks the executor computes, per transaction, only its
//! *latest predecessor*: the latest earlier transaction it conflicts with
//! on some key (the same conflicts as the graph's, `graph/mod.rs`). Keys
//! are numbered in the same partitioned pass as the graph's (or, in a
//! smaller block, in one pass in block order: [`number`]), with a few
//! words of state per key instead of the edges. The lanes then take
//! consecutive chunks of the block from one cursor, each lane in increasing
//! block order, and publish how far they have got: every transaction of
//! theirs below their published index is done, and they will never run one
//! below it again. The least of those indexes is the *frontier*: everything
//! before it is done. A transaction runs once the frontier has passed its
//! latest predecessor. That orders it after every transaction it conflicts
//! with: those are all at or before its latest predecessor (a write's
//! predecessor is the key's last access; a read's or an add's joining a
//! run of its own mode is the last access before that run). Waiting for
//! the frontier is stricter than waiting for those transactions alone, but
//! a lane's neighbours in the block are in flight beside it anyway.
//!
//! The transaction at the frontier can always run (its predecessors are
//! before it), so no lane waits forever. A lane waits only when a
//! transaction's predecessor is in flight on another lane, a chunk or two
//! away: rare when the block's dependencies are far apart, which the
//! executor checks on a sample before choosing this path ([`suits`]), and
//! cheap with small chunks, whose size is chosen from the block's actual
//! distances ([`chunk_size`]). Blocks with near dependencies (a hot key, a
//! few pools everyone swaps in) are planned: there the planner keeps a
//! chain in one lane, where this would make the lanes take turns.

use resin_vm::{AccessKey, AccessMode, ResourceKey};
use rustc_hash::FxHashMap;

use crate::graph::{latest_in_order, latest_predecessors, Numbered};
use crate::keys::BlockKeys;
use crate::serial::{windows, SAMPLED_FROM, WINDOW, WINDOWS};

const NONE: u32 = u32::MAX;

/// One key's accesses so far, as far as the next access's wait needs them.
///
/// Accesses to a key fall into phases: a write is a phase of its own, and
/// a run of reads, or of adds, with no other access between is one (its
/// members do not conflict with each other). An access conflicts with
/// everything in the phases before its own, all of which end at or before
/// the last access before its phase.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Latest {
    /// The last transaction to access the key...
    last: u32,
    /// ...and the last other one before it.
    before: u32,
    /// The current phase's mode.
    mode: AccessMode,
    /// The last access before the current phase.
    phase_after: u32,
}

impl Default for Latest {
    fn default() -> Self {
        Latest { last: NONE, before: NONE, mode: AccessMode::Read, phase_after: NONE }
    }
}

impl Latest {
    /// Records transaction `tx`'s access in `mode` (transactions come in
    /// block order) and returns one more than the latest earlier
    /// transaction it must follow, or 0 for none.
    pub(crate) fn access(&mut self, tx: u32, mode: AccessMode) -> u32 {
        if self.last == tx {
            // The transaction named the key twice. In one mode, nothing
            // changes; in two, it conflicts with everything before it, as
            // a write does, and whatever follows it starts a phase after it.
            if mode == self.mode {
                return 0;
            }
            self.mode = AccessMode::Write;
            return self.before.wrapping_add(1);
        }
        let joins = mode != AccessMode::Write && mode == self.mode && self.last != NONE;
        if !joins {
            self.mode = mode;
            self.phase_after = self.last;
        }
        self.before = self.last;
        self.last = tx;
        // NONE + 1 wraps to 0: no predecessor.
        self.phase_after.wrapping_add(1)
    }
}

/// Blocks below this many transactions are numbered in one pass on one
/// thread ([`crate::graph::latest_in_order`]), larger ones in the graph's
/// partitioned pass on the pool ([`crate::graph::latest_predecessors`]).
/// Measured on this project's 2-core machine (`resin bench`, both passes
/// over the same blocks, the one in order second): for 10,000 approvals,
/// votes or mints in order 0.8-1.4 ms against 1.0-2.1 partitioned on two
/// threads; for 20,000 transfers among 100,000 accounts 2.1-3.7 ms against
/// 1.6-1.9. Run by the executor, votes' and mints' schedule phase fell by
/// ~0.5 ms; approvals' did not change (docs/PERFORMANCE.md).
pub(crate) const IN_ORDER_BELOW: usize = 16_384;

/// Each transaction's latest predecessor, its keys' slots and their uses,
/// numbered the cheaper way for the block's size; `None` when a transaction
/// accesses a type type-wide.
pub(crate) fn number(keys: &BlockKeys, pool: &rayon::ThreadPool) -> Option<Numbered> {
    if keys.len() < IN_ORDER_BELOW {
        latest_in_order(keys)
    } else {
        pool.install(|| latest_predecessors(keys))
    }
}

/// Chunk sizes tried, largest first.
const CHUNKS: [usize; 6] = [256, 128, 64, 32, 16, 8];

/// What taking a chunk costs, in transactions' time: one atomic add on a
/// line the other lanes took last (~0.1-0.3 µs on this project's 2-core
/// machine, against ~1.3 µs for a transfer), rounded up.
const TAKE_COST: f64 = 0.25;

/// A transaction whose latest predecessor is at most this many
/// transactions per lane back may find it in flight ([`suits`]): the
/// chunk size that blocks which suit the frontier mostly get.
const SAMPLE_CHUNK: usize = 16;

/// Up to this share of a sample's transactions may have a predecessor in
/// reach ([`suits`]): each such one waits about half a chunk, and 0.4% of
/// transactions waiting half of 16 costs ~3% of the block's lane time,
/// less than the graph and the plan do.
const NEAR_PER_MILLE: usize = 4;

/// Whether `keys`' block suits the frontier: at least [`SAMPLED_FROM`]
/// transactions (smaller blocks are planned, and `resin run` shows their
/// plan), on several lanes, with no type-wide access anywhere (its
/// conflicts need the graph's type-wide pass; asked of the keys before
/// anything walks them, it costs nothing), and with few transactions whose
/// latest predecessor is within reach of another lane's chunk. Walks the
/// serial sample's windows (`serial.rs`), stopping once too many are near;
/// a transaction within reach of its window's start is not counted (its
/// predecessor may lie just before the window, unseen).
pub(crate) fn suits(keys: &BlockKeys, lanes: usize) -> bool {
    let n = keys.len();
    if n < SAMPLED_FROM || lanes < 2 || keys.has_typewide() {
        return false;
    }
    let reach = SAMPLE_CHUNK * lanes;
    let counted = WINDOWS * (WINDOW - reach.min(WINDOW));
    let allowed = counted * NEAR_PER_MILLE / 1000;
    let mut near = 0usize;
    let mut states: FxHashMap<ResourceKey, Latest> = FxHashMap::default();
    for window in windows(n) {
        states.clear();
        let start = window.start;
        for i in window {
            let mut after = 0u32;
            for a in keys.accesses(i) {
                let AccessKey::Exact(key) = a.key else { return false };
                after = after.max(states.entry(key).or_default().access(i as u32, a.mode));
            }
            let counts = i - start >= reach;
            if counts && after > 0 && i - (after as usize - 1) <= reach {
                near += 1;
                if near > allowed {
                    return false;
                }
            }
        }
    }
    true
}

/// The chunk size for a block whose transactions wait for `after` (see
/// [`Latest::access`]) on `lanes` lanes: the size that minimises the
/// takes of chunks plus the expected waits, a transaction whose latest
/// predecessor is within `lanes` chunks waiting about half a chunk. Never
/// above [`crate::independent::chunk_size`], which keeps the lanes' ends
/// close together.
pub(crate) fn chunk_size(after: &[u32], lanes: usize) -> usize {
    let n = after.len();
    // Transactions by distance to their latest predecessor: bucket `b`
    // holds distances in [2^b, 2^(b+1)).
    let mut buckets = [0usize; 33];
    for (i, &a) in after.iter().enumerate() {
        if a > 0 {
            let distance = (i + 1).saturating_sub(a as usize).max(1);
            if let Some(b) = buckets.get_mut(distance.ilog2() as usize) {
                *b += 1;
            }
        }
    }
    let near = |reach: usize| -> usize { buckets.iter().take(reach.max(1).ilog2() as usize).sum() };
    let most = crate::independent::chunk_size(n, lanes);
    let cost = |size: usize| n as f64 / size as f64 * TAKE_COST + (near(size * lanes) * size) as f64 / 2.0;
    CHUNKS.iter().copied().filter(|&size| size <= most).min_by(|&a, &b| cost(a).total_cmp(&cost(b))).unwrap_or(most)
}

/// How a block ran on the frontier: for `resin run`, the REPL and the bench.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct FrontierStats {
    /// Lanes that took chunks.
    pub lanes: usize,
    /// Transactions per chunk.
    pub chunk: usize,
    /// Transactions with a predecessor in the block.
    pub ordered: usize,
    /// Of those, the ones whose latest predecessor was within reach of
    /// another lane's chunk (`lanes` chunks back), which may have waited.
    pub near: usize,
}

impl FrontierStats {
    pub(crate) fn of(after: &[u32], lanes: usize, chunk: usize) -> FrontierStats {
        let reach = chunk * lanes;
        let (mut ordered, mut near) = (0, 0);
        for (i, &a) in after.iter().enumerate() {
            if a > 0 {
                ordered += 1;
                near += usize::from((i + 1).saturating_sub(a as usize) < reach);
            }
        }
        FrontierStats { lanes, chunk, ordered, near }
    }
}
