//! Blocks that are one long chain, recognised from a sample before any graph
//! is built.
//!
//! When one key is written by nearly every transaction (every transfer pays
//! one account; senders skewed by a steep Zipf law), the planner ends up
//! putting the whole block in one lane ([`ONE_LANE_SPAN_PERCENT`]), but only
//! after the conflict graph and the plan, which for 100,000 such transfers
//! take 10-17 ms on two threads against 1.4-9 ms for numbering the keys.
//! That was most of what such a block lost against the in-order engine
//! (0.91-0.92x for transfers with Zipf 3 and 5 senders and recipients,
//! 0.92x with Zipf 2).
//!
//! So the parallel executor first measures the longest dependency chain in a
//! few windows of consecutive transactions. The chain is exact within a
//! window: the conflicts are those of the graph (`graph/mod.rs`), and a
//! transaction's depth is one more than the deepest earlier transaction of
//! the window it conflicts with. When the chains cover at least
//! [`ONE_LANE_SPAN_PERCENT`]% of the windows' transactions, the lanes
//! could not run even the windows in much less than their whole length,
//! and the block runs in one lane with no graph, as the planner would have
//! placed it. When they cover less than half, the block is planned. In
//! between, the planner itself is asked, on each window alone (its graph
//! and plan, unit costs): transactions off the chain that wait for it stay
//! in the chain's lane (the planner moves a transaction to another lane
//! only when that starts it well earlier), so a block can be one lane's
//! work with a chain of 85% (Zipf 2). If the planner puts every window in
//! one lane, so does the block. This costs ~1 ms of four small graphs,
//! against the 14-18 ms the block's own would take; most blocks never get
//! there (their first window falls short of half within a few hundred
//! transactions).
//!
//! The sample counts transactions, not their estimated costs, and a block
//! whose windows are serial while the rest is not runs in one lane: the
//! result is the same either way (one lane is block order); only the time
//! differs. A window that accesses some type type-wide is not judged
//! (those conflicts need the type-wide pass) and the graph is built.

use std::ops::Range;

use rayon::ThreadPool;
use resin_vm::{AccessKey, AccessMode, ResourceKey};
use rustc_hash::FxHashMap;

use crate::graph::ConflictGraph;
use crate::keys::BlockKeys;
use crate::planner::{plan_to_run, ONE_LANE_SPAN_PERCENT};

/// Blocks smaller than this are always planned: their graph takes under a
/// millisecond, and their plan's dependency count is what `resin run` and
/// the REPL show for a block.
pub const SAMPLED_FROM: usize = 8192;
/// Transactions per window.
pub(crate) const WINDOW: usize = 1024;
/// Windows, spread evenly over the block.
pub(crate) const WINDOWS: usize = 4;

/// The sampled windows of a block of `n` (at least [`WINDOW`])
/// transactions: the first starts the block and the last one ends it.
pub(crate) fn windows(n: usize) -> impl Iterator<Item = Range<usize>> + Clone {
    (0..WINDOWS).map(move |w| w * (n - WINDOW) / (WINDOWS - 1)).map(|start| start..start + WINDOW)
}

/// Below this share of the sample, a block is planned without asking the
/// planner about the windows: its chains leave the lanes room.
const PLANNED_BELOW_PERCENT: usize = 50;

/// What the sample of a serial block showed: how many transactions it
/// held, and how many of them the longest chains of its windows held
/// together (at least [`ONE_LANE_SPAN_PERCENT`]% of them, or at least
/// half when the planner put every window in one lane).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct ChainSample {
    pub sampled: usize,
    pub chain: usize,
}

/// The sample of `keys`' block when it shows the block to be serial;
/// `None` when it does not, when a window could not be judged (a type-wide
/// access), or when the block is smaller than [`SAMPLED_FROM`]. The
/// planner's look at the windows runs on `pool` (most blocks never get
/// there, and make no trip to it).
pub fn serial_sample(keys: &BlockKeys, lanes: usize, pool: &ThreadPool) -> Option<ChainSample> {
    let n = keys.len();
    if n < SAMPLED_FROM {
        return None;
    }
    let windows = windows(n);
    let sample = |chain| ChainSample { sampled: WINDOWS * WINDOW, chain };
    let share = |percent: usize| (WINDOWS * WINDOW * percent).div_ceil(100);
    let mut depths = Depths::default();
    let mut chain = 0;
    for (w, range) in windows.clone().enumerate() {
        // The later windows could add at most their length each.
        let needed = share(PLANNED_BELOW_PERCENT).saturating_sub(chain + (WINDOWS - 1 - w) * WINDOW);
        chain += depths.longest_chain(keys, range, needed)?;
    }
    if chain >= share(ONE_LANE_SPAN_PERCENT as usize) {
        return Some(sample(chain));
    }
    // Shorter chains can still leave the lanes little to do: a transaction
    // off the chain often waits for one on it, and the planner keeps it in
    // the chain's lane unless another starts it well earlier. So the
    // planner itself decides, on each window (unit costs).
    let one_lane = pool.install(|| {
        windows.clone().all(|range| {
            let window = keys.window(range);
            let graph = ConflictGraph::build(&window);
            plan_to_run(&graph, &vec![1; window.len()], lanes).stats.lanes_used <= 1
        })
    });
    one_lane.then(|| sample(chain))
}

/// Per key, the depth of the last writer, and of the deepest reader and
/// adder since it (a depth of 0: none).
#[derive(Clone, Copy, Default)]
struct KeyDepths {
    write: u32,
    read: u32,
    add: u32,
}

/// The depths of a window's keys, reused from one window to the next.
#[derive(Default)]
pub(crate) struct Depths {
    keys: FxHashMap<ResourceKey, KeyDepths>,
}

impl Depths {
    /// The longest chain of conflicting transactions in `range`, in
    /// transactions. `None` on a type-wide access, or as soon as the chain
    /// can no longer reach `needed` (each transaction lengthens it by one
    /// at most): most blocks are decided within their first few hundred
    /// transactions.
    pub(crate) fn longest_chain(&mut self, keys: &BlockKeys, range: Range<usize>, needed: usize) -> Option<usize> {
        self.keys.clear();
        self.keys.reserve(2 * range.len());
        let end = range.end;
        let mut longest = 0usize;
        for i in range {
            let accesses = keys.accesses(i);
            // Deeper by one than every earlier access it conflicts with:
            // a read than writes and adds, an add than writes and reads, a
            // write than everything.
            let mut after = 0u32;
            for a in accesses {
                let AccessKey::Exact(key) = &a.key else { return None };
                if let Some(k) = self.keys.get(key) {
                    after = after.max(match a.mode {
                        AccessMode::Read => k.write.max(k.add),
                        AccessMode::Add => k.write.max(k.read),
                        AccessMode::Write => k.write.max(k.read).max(k.add),
                    });
                }
            }
            let depth = after + 1;
            for a in accesses {
                let AccessKey::Exact(key) = a.key else { return None };
                let k = self.keys.entry(key).or_default();
                match a.mode {
                    // Whatever later conflicts with the accesses before a
                    // write conflicts with the write, deeper than them all.
                    AccessMode::Write => *k = KeyDepths { write: depth, read: 0, add: 0 },
                    AccessMode::Read => k.read = k.read.max(depth),
                    AccessMode::Add => k.add = k.add.max(depth),
                }
            }
            longest = longest.max(depth as usize);
            if longest + (end - i - 1) < needed {
                return None;
            }
        }
        Some(longest)
    }
}
