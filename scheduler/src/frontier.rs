//! Blocks whose lanes would seldom wait for each other, run without a
//! graph or a plan: the lanes take the block in chunks, in block order, and
//! each transaction starts once every transaction before its latest
//! predecessor is done.
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
//! before it), so no lane waits forever. A transaction waits only when its
//! predecessor is in flight on another lane, a chunk or two away, and even
//! then its lane runs the later transactions of its chunk that need not
//! wait (`frontier_lane.rs`). How much the lanes would wait is modelled
//! from the distances to the latest predecessors ([`expected_wait`]): on a
//! sample before choosing this path ([`suits`]), and over the whole block
//! for the chunk size ([`chunk_size`]). Blocks whose lanes would wait
//! often (transfers among a few dozen accounts, a few pools everyone swaps
//! in) are planned: there the planner keeps a chain in one lane, where
//! this would make the lanes take turns.

use resin_vm::{AccessKey, AccessMode, ResourceKey};
use rustc_hash::FxHashMap;

use crate::beside::Beside;
use crate::graph::{latest_in_order, latest_predecessors, Numbered};
use crate::keys::BlockKeys;
use crate::serial::{windows, SAMPLED_FROM, WINDOW};

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

/// On pools of up to this many threads a block is numbered in one pass
/// in block order ([`crate::graph::latest_in_order`]: the keys' hashes on
/// the pool, the numbers on one thread, their lookups asked for ahead);
/// on larger pools a block of [`PARTITIONED_FROM`] transactions or more is
/// numbered in the graph's partitioned pass
/// ([`crate::graph::latest_predecessors`]), which keeps every thread busy
/// but does about three times the work (splitting the accesses,
/// renumbering the keys in access order).
///
/// Measured on this project's 2-core machine (`resin bench`, 100,000
/// transfers among 100,000 accounts, docs/PERFORMANCE.md): one pass in
/// block order took ~1 ms for the hashes and 3.1-4.2 ms for the numbers,
/// against 6.4-7.6 ms for the partitioned pass and 0.9-2.0 for its
/// renumbering, both on two threads. On more threads the partitioned
/// pass's share shrinks and the single pass's does not; where they cross
/// was not measured.
pub(crate) const IN_ORDER_UP_TO_THREADS: usize = 2;

/// Blocks below this many transactions are numbered in one pass on any
/// pool. Measured as above, before the single pass asked for its lookups
/// ahead: for 10,000 approvals, votes or mints in order 0.8-1.4 ms
/// against 1.0-2.1 partitioned on two threads; for 20,000 transfers among
/// 100,000 accounts 2.1-3.7 ms against 1.6-1.9.
pub(crate) const PARTITIONED_FROM: usize = 16_384;

/// Each transaction's latest predecessor, its keys' slots and their uses,
/// numbered the cheaper way for the block's size and the pool's; `None`
/// when a transaction accesses a type type-wide. Numbered in one pass in
/// block order, `beside` runs on another of the pool's threads meanwhile
/// (the partitioned pass keeps every thread busy and leaves it out).
pub(crate) fn number(keys: &BlockKeys, pool: &rayon::ThreadPool, beside: Beside<'_>) -> Option<Numbered> {
    if keys.len() < PARTITIONED_FROM || pool.current_num_threads() <= IN_ORDER_UP_TO_THREADS {
        pool.install(|| latest_in_order(keys, beside))
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

/// Distances to a latest predecessor counted one by one ([`Distances`]):
/// on 2 lanes a transaction further back than this never waits at any
/// chunk size (it waits only for a predecessor less than half a chunk
/// back, see [`expected_wait`]). On more lanes one waits up to `lanes - 1`
/// chunks back: on 16, with chunks of 64 (the most a block of 100,000
/// gets there), up to 900 back, and the waits past this are left out.
const COUNTED_DISTANCE: usize = 512;
const _: () = assert!(COUNTED_DISTANCE < WINDOW, "some of each window is counted");

/// The lane time per transaction, in transactions' time, that takes and
/// waits are expected to cost on the frontier ([`Distances::cost`]) up to
/// which [`suits`] takes it over a plan.
///
/// Measured on this project's 2-core machine, 100,000-transaction blocks
/// run both ways (docs/PERFORMANCE.md): a plan's graph and plan took
/// 20-35 ms, the frontier's numbering 6-20, and the plan's lanes still
/// waited. The frontier ran as fast or faster up to 0.08 (transfers among
/// 100 to 10,000 accounts, Zipf-skewed transfers, swaps over 64 pools);
/// from 0.1 a plan did as well or better (swaps over 16 pools or fewer,
/// whose few long chains a plan keeps in lanes of their own, where the
/// frontier's lanes take turns), except for transfers more skewed than
/// Zipf 1.0. The model counts only the latest predecessor's wait and
/// assumes lanes a steady distance apart, so it underrates the waits of
/// the busiest blocks two- to threefold; the bound is where it ranks the
/// blocks, not what they lose.
const FRONTIER_WAITS_UP_TO: f64 = 0.09;

/// How far back each transaction's latest predecessor is, as far as the
/// lanes' waits depend on it: a count per distance up to
/// [`COUNTED_DISTANCE`], and how many transactions were counted.
struct Distances {
    counts: Vec<u32>,
    counted: usize,
}

impl Distances {
    fn new() -> Self {
        Distances { counts: vec![0; COUNTED_DISTANCE], counted: 0 }
    }

    /// Counts a transaction whose latest predecessor is `distance` back
    /// (0: none).
    fn add(&mut self, distance: usize) {
        self.counted += 1;
        if let Some(count) = self.counts.get_mut(distance) {
            *count += 1;
        }
    }

    /// The distances of a whole block's `after` (see [`Latest::access`]).
    fn of(after: &[u32]) -> Self {
        let mut distances = Distances::new();
        for (i, &a) in after.iter().enumerate() {
            distances.add(distance(i, a));
        }
        distances
    }

    /// The expected lane time lost per transaction on `lanes` lanes taking
    /// chunks of `size`: its share of a take, and its expected wait.
    fn cost(&self, size: usize, lanes: usize) -> f64 {
        let waits: f64 = self
            .counts
            .iter()
            .enumerate()
            .skip(1)
            .filter(|&(_, &count)| count > 0)
            .map(|(d, &count)| f64::from(count) * expected_wait(d, size, lanes))
            .sum();
        TAKE_COST / size as f64 + waits / self.counted.max(1) as f64
    }

    /// The chunk size of the least [`Distances::cost`], no larger than
    /// `most`, and that cost.
    fn best(&self, lanes: usize, most: usize) -> (usize, f64) {
        CHUNKS
            .iter()
            .copied()
            .filter(|&size| size <= most)
            .map(|size| (size, self.cost(size, lanes)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap_or((most, self.cost(most, lanes)))
    }
}

/// How far back transaction `tx`'s latest predecessor is, given its
/// `after` (see [`Latest::access`]); 0 for none.
fn distance(tx: usize, after: u32) -> usize {
    if after == 0 {
        0
    } else {
        (tx + 1).saturating_sub(after as usize).max(1)
    }
}

/// How long, in transactions' time, a transaction whose latest predecessor
/// is `distance` back is expected to wait for it on `lanes` lanes taking
/// chunks of `size`.
///
/// The lanes take chunks in turn, so in a steady run the chunk `k` back
/// from a transaction's own (for `k` below `lanes`) was taken `k * size /
/// lanes` transactions' time earlier, and its lane is that far ahead. A
/// predecessor at offset `x` of that chunk, when the waiting transaction is
/// at offset `o` of its own, is `x - o - k * size / lanes` from done when
/// positive; `x = o - distance + k * size`. A predecessor in the
/// transaction's own chunk (`distance <= o`) ran before it on its lane,
/// and one `lanes` or more chunks back is done. Averaged over the
/// transaction's offset, every one as likely: `r` of the `size` offsets
/// have the predecessor `q + 1` chunks back, the others `q`, where
/// `distance = q * size + r`.
pub(crate) fn expected_wait(distance: usize, size: usize, lanes: usize) -> f64 {
    let size = size.max(1);
    let lead = size as f64 * (1.0 - 1.0 / lanes.max(1) as f64);
    let wait = |k: usize| {
        if k == 0 || k >= lanes {
            0.0
        } else {
            (k as f64 * lead - distance as f64).max(0.0)
        }
    };
    let (q, r) = (distance / size, distance % size);
    (r as f64 * wait(q + 1) + (size - r) as f64 * wait(q)) / size as f64
}

/// Whether `keys`' block suits the frontier: at least [`SAMPLED_FROM`]
/// transactions (smaller blocks are planned, and `resin run` shows their
/// plan), on several lanes, with no type-wide access anywhere (its
/// conflicts need the graph's type-wide pass; asked of the keys before
/// anything walks them, it costs nothing), and with lanes expected to wait
/// little at their best chunk size: at most [`FRONTIER_WAITS_UP_TO`]
/// transactions' time a transaction, by the distances in the serial
/// sample's windows (`serial.rs`). A transaction less than
/// [`COUNTED_DISTANCE`] into its window is not counted (its predecessor
/// may lie just before the window, unseen).
pub(crate) fn suits(keys: &BlockKeys, lanes: usize) -> bool {
    let n = keys.len();
    if n < SAMPLED_FROM || lanes < 2 || keys.has_typewide() {
        return false;
    }
    let mut distances = Distances::new();
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
            if i - start >= COUNTED_DISTANCE {
                distances.add(distance(i, after));
            }
        }
    }
    let most = crate::independent::chunk_size(n, lanes);
    distances.best(lanes, most).1 <= FRONTIER_WAITS_UP_TO
}

/// The chunk size for a block whose transactions wait for `after` (see
/// [`Latest::access`]) on `lanes` lanes: the size that minimises the
/// takes of chunks plus the expected waits ([`expected_wait`]). Never
/// above [`crate::independent::chunk_size`], which keeps the lanes' ends
/// close together.
pub(crate) fn chunk_size(after: &[u32], lanes: usize) -> usize {
    let most = crate::independent::chunk_size(after.len(), lanes);
    Distances::of(after).best(lanes, most).0
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
    /// Transactions run ahead of an earlier one of their chunk that waited
    /// for another lane (`frontier_lane.rs`): how much the lanes had to
    /// wait, seen from how much they did not.
    pub early: usize,
}

impl FrontierStats {
    pub(crate) fn of(after: &[u32], lanes: usize, chunk: usize) -> FrontierStats {
        let reach = chunk * lanes;
        let (mut ordered, mut near) = (0, 0);
        for (i, &a) in after.iter().enumerate() {
            if a > 0 {
                ordered += 1;
                near += usize::from(distance(i, a) < reach);
            }
        }
        FrontierStats { lanes, chunk, ordered, near, early: 0 }
    }
}
