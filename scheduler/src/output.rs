//! What executing a block returns, and the errors an executor can report.

use std::time::Duration;

use resin_vm::Receipt;
use thiserror::Error;

use crate::frontier::FrontierStats;
use crate::planner::PlanStats;
use crate::serial::ChainSample;

/// The result of a block. `receipts`, `state_root` and [`BlockStats::summary`]
/// are identical for every executor and thread count; plan and timings are not.
#[derive(Clone, Debug)]
pub struct BlockOutput {
    /// One per transaction, in block order.
    pub receipts: Vec<Receipt>,
    /// [`resin_state::store::ResourceStore::root`] after the block.
    pub state_root: [u8; 32],
    pub stats: BlockStats,
}

/// Deterministic totals of a block, settled once per block (never by a
/// per-transaction write to a shared account).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct BlockSummary {
    pub transactions: usize,
    pub succeeded: usize,
    pub gas_used: u64,
    /// Distinct keys written (or deleted) by the block.
    pub keys_written: usize,
}

impl BlockSummary {
    pub fn of(receipts: &[Receipt], keys_written: usize) -> BlockSummary {
        // One pass: a large block's receipts fill tens of megabytes, and a
        // pass reads a cache line or two of every one.
        let mut summary = BlockSummary { keys_written, ..BlockSummary::default() };
        for receipt in receipts {
            summary.add(receipt);
        }
        summary
    }

    /// Counts one more transaction, with its receipt.
    pub(crate) fn add(&mut self, receipt: &Receipt) {
        self.transactions += 1;
        self.succeeded += usize::from(receipt.status.is_success());
        self.gas_used = self.gas_used.saturating_add(receipt.gas_used);
    }
}

/// Where the time went, wall clock.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Timings {
    /// Instantiating access keys.
    pub keys: Duration,
    /// Conflict graph and lane plan, or for a block run without them the
    /// samples and numbering the keys (with each transaction's latest
    /// predecessor, on the frontier). (The parallel executor builds its
    /// block overlay beside the plan, or after the numbering; what that
    /// takes past them counts as `execute`.)
    pub schedule: Duration,
    pub execute: Duration,
    /// Of `execute`, building the block overlay: reading the pre-block
    /// value of every key the block names, on the pool's threads. For a
    /// planned block, only what that took past the plan it was built
    /// beside. (A run discarded and run again in order builds a second
    /// overlay, which counts in `reexecute`.)
    pub overlay: Duration,
    /// Of `execute`, the in-order re-execution of a block whose parallel
    /// run was discarded ([`BlockStats::reexecuted`]); zero otherwise.
    pub reexecute: Duration,
    /// Committing the block: merging its writes into the state and
    /// updating the state root. The parallel executor's also covers
    /// detaching the writes from its overlay and, when its run stood
    /// unchecked, putting the receipts in block order alongside.
    pub commit: Duration,
    /// Of `commit`, the state root: hashing the written leaves and updating
    /// the Merkle tree.
    pub root: Duration,
    /// Of `execute`, summed over the lanes of a run on several: time a lane
    /// spent waiting for a predecessor in another lane. Zero otherwise.
    pub lanes_waited: Duration,
    /// Of `execute`, summed over the lanes of a run on several: time a lane
    /// had nothing to do while another ran, because it started later than
    /// the first lane or finished earlier than the last. With
    /// `lanes_waited`, what the plan and the lanes' start cost the run, as
    /// opposed to the cores being slower together than alone.
    pub lanes_idle: Duration,
}

impl Timings {
    pub fn total(&self) -> Duration {
        self.keys + self.schedule + self.execute + self.commit
    }
}

#[derive(Clone, Debug, Default)]
pub struct BlockStats {
    pub summary: BlockSummary,
    /// The plan the parallel executor ran; `None` for the others, and for a
    /// block the parallel executor ran without planning it (`chain_sample`,
    /// `frontier`).
    pub plan: Option<PlanStats>,
    /// Set when the parallel executor sampled the block's longest
    /// dependency chains, found them covering nearly all of it (or enough
    /// that the planner put each sampled window in one lane), and so ran
    /// it in one lane with no conflict graph and no plan (see
    /// [`ChainSample`]).
    pub chain_sample: Option<ChainSample>,
    /// Set when the parallel executor expected the block's lanes to wait
    /// little for each other, and ran it without a graph or a plan: the lanes took
    /// it in chunks, each transaction starting once every transaction
    /// before its latest predecessor was done (see [`FrontierStats`]).
    pub frontier: Option<FrontierStats>,
    /// Threads that ran lanes (1 when the plan had a single lane and ran inline).
    pub threads_used: usize,
    /// Times a lane found a predecessor in another lane unfinished and had to
    /// wait: a measure of how well the plan's estimates matched the run.
    pub cross_lane_waits: u64,
    /// The parallel executor discarded its run on several lanes and ran the
    /// block again in order, because a counter reached its type's maximum
    /// (a transaction aborted with `CounterOverflow`, or adds run side by
    /// side summed past it): the receipts and state are the in-order run's.
    /// `threads_used`, the plan and `cross_lane_waits` describe the
    /// discarded run; `timings.execute` covers both. Always false for the
    /// other executors.
    pub reexecuted: bool,
    /// Failed counter adders of a run on several lanes that ran again,
    /// alone, against the exact values block order gives them (they had
    /// seen less of a counter than block order shows; see `counters.rs`):
    /// their receipts are those runs'. Zero for the other executors.
    pub adders_rerun: usize,
    pub timings: Timings,
}

impl BlockStats {
    /// The lanes the block ran on: its plan's, the lanes that took chunks
    /// on the frontier, or 1 (in one lane without a plan, or another
    /// executor's).
    pub fn lanes(&self) -> usize {
        match (&self.plan, &self.frontier) {
            (Some(plan), _) => plan.lanes_used,
            (None, Some(frontier)) => frontier.lanes,
            (None, None) => 1,
        }
    }
}

#[derive(Debug, Error)]
pub enum SchedulerError {
    #[error("cannot start a pool of {threads} executor threads: {source}")]
    ThreadPool {
        threads: usize,
        #[source]
        source: rayon::ThreadPoolBuildError,
    },
}
