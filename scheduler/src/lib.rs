//! `resin-scheduler`: turns a block of transactions into a conflict graph and
//! a lane plan, and runs the lanes on all cores with the same result as
//! running the block one transaction at a time.
//!
//! The pipeline: [`keys`] (instantiated access keys per transaction) ->
//! [`graph`] (conflict graph, linear in the accesses) -> [`planner`] (lanes by
//! list scheduling over [`cost`] estimates) -> [`ParallelExecutor`] (lanes on a
//! rayon pool over one block overlay) -> receipts and state root, identical
//! to [`SequentialExecutor`]'s (the reference: its own overlay, one
//! transaction at a time). [`InOrderExecutor`] runs the parallel executor's
//! engine on one thread in block order, without graph or plan: the baseline
//! a speedup is measured against. [`explain`] renders a plan as text or DOT.
//!
//! A large block whose lanes would seldom wait for each other skips the graph
//! and the plan ([`frontier`]): the lanes take it in chunks, each
//! transaction waiting until every one before its latest predecessor is
//! done.
//!
//! Counter adds (access mode `add`) do not conflict with each other, so the
//! adders of one counter run side by side and the block overlay applies
//! their deltas under the counter's lock. Only where a counter reaches its
//! type's maximum can that differ from block order; the parallel executor
//! then discards its run and executes the block again in order (the
//! in-order executor's engine), so such a block runs twice
//! ([`BlockStats::reexecuted`]). Every executor gives every transaction of
//! a block the block's [`resin_vm::BlockContext`].
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

mod beside;
pub mod cost;
mod counters;
mod engine;
pub mod explain;
pub mod frontier;
mod frontier_lane;
mod garbage;
pub mod graph;
pub mod in_order;
mod independent;
pub mod keys;
pub mod output;
mod overlay;
pub mod parallel;
pub mod pinning;
pub mod planner;
pub mod schedule;
pub mod sequential;
pub mod serial;

pub use cost::CostModel;
pub use explain::{Explain, NoTypeNames, TypeNames};
pub use frontier::FrontierStats;
pub use graph::{BlockSlots, ConflictGraph, DepKind, Dependency, TxIndex};
pub use in_order::InOrderExecutor;
pub use keys::{BlockKeys, KeysOrigin};
pub use output::{BlockOutput, BlockStats, BlockSummary, SchedulerError, Timings};
pub use parallel::ParallelExecutor;
pub use planner::{plan, plan_to_run, plan_with_delay, Placement, Plan, PlanStats};
pub use schedule::Schedule;
pub use sequential::{BlockExecutor, SequentialExecutor};
pub use serial::ChainSample;

#[cfg(test)]
mod tests;
