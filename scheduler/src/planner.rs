//! The lane plan: which transactions run on which thread, in what order.
//!
//! List scheduling over estimated costs. In block order, each transaction goes
//! to the lane where it can start earliest: the later of its predecessors'
//! estimated finish and the lane's estimated finish. Ties go to the lane of its
//! latest-finishing predecessor (so a chain stays in one lane and never waits
//! across threads), then to the lowest lane. A lane is a sequence in block
//! order, and a transaction starts only after all its graph predecessors have
//! finished, so no two transactions that run at the same time conflict and
//! every conflicting pair keeps block order.
//!
//! Independent transactions spread over all lanes by cost; a block where
//! everything conflicts (a hot key, a star, a chain) collapses into one lane,
//! which the executor runs inline at sequential speed. So does a plan whose
//! lanes would finish barely sooner than one lane ([`ONE_LANE_SPAN_PERCENT`]):
//! they could shorten the block too little to pay for waiting on each other.
//! The plan is a function of the graph and the cost estimates only: same
//! inputs, same plan.
//!
//! A large block is planned in contiguous chunks of [`CHUNK`] transactions,
//! each on its own thread, and the chunks' lanes are laid end to end. Within
//! a chunk the choice of lane sees predecessors in that chunk only; one in an
//! earlier chunk still orders the two (a lane runs in block order, and a
//! transaction waits for its predecessors in other lanes), it just does not
//! steer the choice. Chunks are large, so that costs a few waits at their
//! boundaries.

use std::ops::Range;

use rayon::prelude::*;

use crate::graph::{ConflictGraph, TxIndex};

mod place;

const NONE: u32 = u32::MAX;

/// Blocks are planned in contiguous chunks of this many transactions, in
/// parallel. A fixed size, so the plan never depends on the thread count;
/// a block of at most one chunk is planned exactly as a whole.
pub const CHUNK: usize = 16_384;

/// Where a transaction runs.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Placement {
    pub lane: u32,
    /// Index within the lane.
    pub position: u32,
    /// Estimated start and finish, in gas units since the block began.
    pub start: u64,
    pub finish: u64,
}

/// Summary numbers of a plan, all in estimated gas units.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct PlanStats {
    pub transactions: usize,
    pub dependencies: usize,
    /// Dependencies whose ends are in different lanes: the only ones that wait.
    pub cross_lane_dependencies: usize,
    /// Lanes with at least one transaction.
    pub lanes_used: usize,
    pub total_cost: u64,
    /// The estimated finish of the last lane. This and the critical path
    /// take a serial pass over the whole block: a plan made only to run
    /// ([`plan_to_run`]) leaves both 0.
    pub makespan: u64,
    pub critical_path_cost: u64,
    /// Estimated busy time of each lane.
    pub lane_costs: Vec<u64>,
}

impl PlanStats {
    /// Estimated speedup over running the block on one thread.
    pub fn parallelism(&self) -> f64 {
        if self.makespan == 0 {
            1.0
        } else {
            self.total_cost as f64 / self.makespan as f64
        }
    }
}

#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct Plan {
    /// Transactions of each lane, in block order. There are as many lanes as
    /// threads asked for; some may be empty.
    pub lanes: Vec<Vec<TxIndex>>,
    /// Indexed by transaction.
    pub placements: Vec<Placement>,
    /// The longest chain of dependencies by estimated cost, first to last
    /// (empty in a plan made only to run, [`plan_to_run`]).
    pub critical_path: Vec<TxIndex>,
    pub costs: Vec<u64>,
    pub stats: PlanStats,
    /// What each transaction waits for in other lanes.
    pub waits: CrossLaneWaits,
}

impl Plan {
    pub fn placement(&self, tx: TxIndex) -> Option<&Placement> {
        self.placements.get(tx as usize)
    }

    /// The lanes that hold transactions.
    pub fn non_empty_lanes(&self) -> impl Iterator<Item = (usize, &[TxIndex])> + '_ {
        self.lanes.iter().enumerate().filter(|(_, l)| !l.is_empty()).map(|(i, l)| (i, l.as_slice()))
    }
}

/// Plans `graph` onto `threads` lanes (at least one). `costs[i]` estimates
/// transaction `i`; missing or zero costs count as 1. Dependencies across
/// lanes are given a slack of twice the mean cost (see [`plan_with_delay`]).
pub fn plan(graph: &ConflictGraph, costs: &[u64], threads: usize) -> Plan {
    plan_with_delay(graph, costs, threads, default_delay(graph, costs))
}

/// [`plan`] with an explicit `cross_lane_delay`: when choosing a lane, a
/// predecessor in another lane counts as finishing `cross_lane_delay` later
/// than estimated. Estimates are never exact and lanes drift; the slack keeps
/// a transaction off a lane that would have to wait for a predecessor the plan
/// has finishing just in time elsewhere, while a dependency with room to
/// spare (the usual case) still crosses lanes freely. Zero gives plain list
/// scheduling.
pub fn plan_with_delay(graph: &ConflictGraph, costs: &[u64], threads: usize, cross_lane_delay: u64) -> Plan {
    let mut plan = lay_out(graph, costs, threads, cross_lane_delay);
    estimate_times(graph, &mut plan);
    plan
}

/// The lanes of [`plan`], without the estimates an executor never reads:
/// each placement's start and finish stay as its chunk placed it, and the
/// makespan and critical path are left out. Estimating them is a serial pass
/// over the whole block (a longest path through the graph), about 3 ms of a
/// 100,000-transaction block, which no number of threads shortens.
pub fn plan_to_run(graph: &ConflictGraph, costs: &[u64], threads: usize) -> Plan {
    lay_out(graph, costs, threads, default_delay(graph, costs))
}

fn default_delay(graph: &ConflictGraph, costs: &[u64]) -> u64 {
    let n = graph.tx_count().max(1) as u64;
    let total = costs.iter().take(graph.tx_count()).fold(0u64, |a, &c| a.saturating_add(c.max(1)));
    (total / n).saturating_mul(2)
}

/// Places the block chunk by chunk and lays the chunks' lanes end to end,
/// or puts it all in one lane when that is enough ([`one_lane_is_enough`]);
/// counts the dependencies that cross lanes.
fn lay_out(graph: &ConflictGraph, costs: &[u64], threads: usize, cross_lane_delay: u64) -> Plan {
    let n = graph.tx_count();
    let lane_count = threads.max(1);
    let costs: Vec<u64> = (0..n).map(|i| costs.get(i).copied().unwrap_or(1).max(1)).collect();
    // Contiguous chunks planned independently, in parallel on the current
    // rayon pool, then laid end to end lane by lane; see `place.rs`.
    let ranges = chunks(n);
    let chunks: Vec<place::Chunk> = if ranges.len() > 1 {
        ranges.into_par_iter().map(|r| place::place(graph, &costs, r, lane_count, cross_lane_delay)).collect()
    } else {
        ranges.into_iter().map(|r| place::place(graph, &costs, r, lane_count, cross_lane_delay)).collect()
    };

    let span = chunks.iter().fold(0u64, |s, c| s.saturating_add(c.span));
    let total_cost = costs.iter().fold(0u64, |a, &c| a.saturating_add(c));
    let one_lane = lane_count > 1 && one_lane_is_enough(span, total_cost);
    let Layout { lanes, placements, lane_busy } =
        if one_lane { in_one_lane(&costs, lane_count) } else { end_to_end(chunks, lane_count, n) };
    // In one lane nothing crosses: the pass over every edge is skipped.
    let (cross_lane_dependencies, waits) =
        if one_lane { (0, CrossLaneWaits::default()) } else { cross_lane(graph, &placements) };
    let stats = PlanStats {
        transactions: n,
        dependencies: graph.edge_count(),
        cross_lane_dependencies,
        lanes_used: lanes.iter().filter(|l| !l.is_empty()).count(),
        total_cost,
        makespan: 0,
        critical_path_cost: 0,
        lane_costs: lane_busy,
    };
    Plan { lanes, placements, critical_path: Vec::new(), costs, stats, waits }
}

/// For each transaction, what it waits for in other lanes: per other lane
/// holding any of its predecessors, the position there of the last of
/// them (once that lane has done more transactions than this, every
/// predecessor there is done). Its own lane runs in block order, so its
/// predecessors there need nothing.
///
/// Kept per contiguous chunk of [`CHUNK`] transactions, each a compressed
/// row per transaction: a lane reads its transactions' rows in block
/// order, one short row each, where looking up the placement of every
/// predecessor would read a scattered entry of the whole block's
/// placements per dependency (for 100,000 transfers, 113,000 of them).
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct CrossLaneWaits {
    chunks: Vec<WaitRows>,
}

/// Chunk `c`'s rows: transaction `c * CHUNK + i` waits for
/// `waits[starts[i]..starts[i + 1]]`, each `(lane, position)`.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
struct WaitRows {
    starts: Vec<u32>,
    waits: Vec<(u32, u32)>,
}

impl CrossLaneWaits {
    /// What transaction `tx` waits for: `(lane, position)`, at most one per
    /// other lane.
    pub fn of(&self, tx: TxIndex) -> &[(u32, u32)] {
        let (chunk, at) = (tx as usize / CHUNK, tx as usize % CHUNK);
        let Some(rows) = self.chunks.get(chunk) else { return &[] };
        let (Some(&start), Some(&end)) = (rows.starts.get(at), rows.starts.get(at + 1)) else { return &[] };
        rows.waits.get(start as usize..end as usize).unwrap_or(&[])
    }
}

/// Transactions by lane, their placements by transaction, and each lane's
/// estimated busy time.
struct Layout {
    lanes: Vec<Vec<TxIndex>>,
    placements: Vec<Placement>,
    lane_busy: Vec<u64>,
}

/// The chunks' lanes laid end to end: a chunk's lane continues the same
/// lane of the chunk before.
fn end_to_end(chunks: Vec<place::Chunk>, lane_count: usize, n: usize) -> Layout {
    let mut lanes: Vec<Vec<TxIndex>> = vec![Vec::new(); lane_count];
    let mut lane_busy = vec![0u64; lane_count];
    let mut placements: Vec<Placement> = Vec::with_capacity(n);
    for chunk in chunks {
        for p in chunk.placements {
            let before = lanes.get(p.lane as usize).map_or(0, Vec::len) as u32;
            placements.push(Placement { position: p.position + before, ..p });
        }
        for (lane, txs) in chunk.lanes.into_iter().enumerate() {
            if let (Some(all), Some(busy)) = (lanes.get_mut(lane), lane_busy.get_mut(lane)) {
                all.extend(txs);
                *busy = busy.saturating_add(chunk.lane_busy.get(lane).copied().unwrap_or(0));
            }
        }
    }
    Layout { lanes, placements, lane_busy }
}

/// Whether a plan whose chunks take `span` in all (estimated, laid end to
/// end) gains too little over running all `total_cost` of the block in one
/// lane to pay for the lanes' synchronisation: when the span is at least
/// [`ONE_LANE_SPAN_PERCENT`]% of the total, the lanes could save at most a
/// tenth of the block's time, and those that hold little mostly wait for
/// the busy one. On the development machine a block of transfers around
/// one very hot account (Zipf 3: 99.8% of the cost in one lane, ~200
/// transactions in the other) ran its execute phase 27-55% slower on two
/// lanes than on one. At Zipf 2 (75% of the cost in one lane, but a span of
/// 96% of the total, as the other lane's transactions wait on the busy
/// one's) two lanes ran at 0.77-1.01x the in-order engine in six runs, one
/// lane at 0.90-0.97x in three.
fn one_lane_is_enough(span: u64, total_cost: u64) -> bool {
    u128::from(span) * 100 >= u128::from(total_cost) * u128::from(ONE_LANE_SPAN_PERCENT)
}

/// See [`one_lane_is_enough`].
pub const ONE_LANE_SPAN_PERCENT: u64 = 90;

/// The whole block in lane 0, in block order, each transaction after the
/// one before; the other lanes empty.
fn in_one_lane(costs: &[u64], lane_count: usize) -> Layout {
    let mut at = 0u64;
    let placements: Vec<Placement> = costs
        .iter()
        .enumerate()
        .map(|(i, &cost)| {
            let start = at;
            at = at.saturating_add(cost);
            Placement { lane: 0, position: i as u32, start, finish: at }
        })
        .collect();
    let mut lanes = vec![Vec::new(); lane_count];
    let mut lane_busy = vec![0u64; lane_count];
    if let (Some(lane), Some(busy)) = (lanes.first_mut(), lane_busy.first_mut()) {
        *lane = (0..costs.len() as TxIndex).collect();
        *busy = at;
    }
    Layout { lanes, placements, lane_busy }
}

/// Dependencies whose ends run in different lanes, counted, and what each
/// transaction waits for in other lanes; in chunks on the current rayon pool.
fn cross_lane(graph: &ConflictGraph, placements: &[Placement]) -> (usize, CrossLaneWaits) {
    let n = placements.len();
    // Lane and position alone, a third of a placement: the predecessors'
    // are read in scattered order, and the smaller array stays in cache.
    let where_at = |p: &Placement| (p.lane, p.position);
    let at: Vec<(u32, u32)> = if n > CHUNK {
        placements.par_iter().with_min_len(CHUNK).map(where_at).collect()
    } else {
        placements.iter().map(where_at).collect()
    };
    let chunk = |range: Range<usize>| {
        // At most one wait per other lane and transaction; on two lanes,
        // one per transaction at most: sized once, not regrown.
        let mut rows = WaitRows { starts: Vec::with_capacity(range.len() + 1), waits: Vec::with_capacity(range.len()) };
        let mut crossing = 0;
        for i in range {
            rows.starts.push(rows.waits.len() as u32);
            let Some(&(own_lane, _)) = at.get(i) else { continue };
            let row = rows.waits.len();
            for (p, _) in graph.predecessors(i) {
                let Some(&(lane, position)) = at.get(p as usize) else { continue };
                if lane == own_lane {
                    continue;
                }
                crossing += 1;
                match rows.waits.get_mut(row..).and_then(|own| own.iter_mut().find(|w| w.0 == lane)) {
                    Some(wait) => wait.1 = wait.1.max(position),
                    None => rows.waits.push((lane, position)),
                }
            }
        }
        rows.starts.push(rows.waits.len() as u32);
        (crossing, rows)
    };
    let counted: Vec<(usize, WaitRows)> = if n > CHUNK {
        chunks(n).into_par_iter().map(chunk).collect()
    } else {
        chunks(n).into_iter().map(chunk).collect()
    };
    let crossing = counted.iter().map(|c| c.0).sum();
    (crossing, CrossLaneWaits { chunks: counted.into_iter().map(|c| c.1).collect() })
}

/// In block order, over the whole block: each transaction's estimated start
/// (after its lane's previous transaction and all its predecessors, wherever
/// they run; within a chunk this is the time it was placed at), the longest
/// path ending at it ignoring lanes, and from those the makespan and the
/// critical path.
fn estimate_times(graph: &ConflictGraph, plan: &mut Plan) {
    let n = plan.placements.len();
    let mut lane_finish = vec![0u64; plan.lanes.len()];
    let mut path_finish = vec![0u64; n];
    let mut path_prev = vec![NONE; n];
    for (i, &cost) in plan.costs.iter().enumerate() {
        let Some(&Placement { lane, .. }) = plan.placements.get(i) else { continue };
        let (mut ready, mut path_ready) = (0u64, 0u64);
        for (p, _) in graph.predecessors(i) {
            let (Some(placed), Some(&p_path)) = (plan.placements.get(p as usize), path_finish.get(p as usize)) else {
                continue;
            };
            ready = ready.max(placed.finish);
            if p_path > path_ready || path_prev[i] == NONE {
                path_ready = path_ready.max(p_path);
                path_prev[i] = p;
            }
        }
        path_finish[i] = path_ready.saturating_add(cost);
        let (Some(at), Some(placed)) = (lane_finish.get_mut(lane as usize), plan.placements.get_mut(i)) else {
            continue;
        };
        placed.start = ready.max(*at);
        placed.finish = placed.start.saturating_add(cost);
        *at = placed.finish;
    }
    plan.critical_path = longest_path(&path_finish, &path_prev);
    plan.stats.critical_path_cost = plan.critical_path.last().map_or(0, |&t| path_finish[t as usize]);
    plan.stats.makespan = lane_finish.iter().copied().max().unwrap_or(0);
}

/// The block's transactions in contiguous chunks of [`CHUNK`].
fn chunks(n: usize) -> Vec<Range<usize>> {
    (0..n).step_by(CHUNK).map(|s| s..(s + CHUNK).min(n)).collect()
}

/// Walks back from the first transaction with the largest path finish.
fn longest_path(path_finish: &[u64], path_prev: &[u32]) -> Vec<TxIndex> {
    let mut end = None;
    for (i, &f) in path_finish.iter().enumerate() {
        if end.is_none_or(|(_, best)| f > best) {
            end = Some((i, f));
        }
    }
    let mut path = Vec::new();
    let mut cur = end.map_or(NONE, |(i, _)| i as u32);
    while cur != NONE {
        path.push(cur);
        cur = path_prev.get(cur as usize).copied().unwrap_or(NONE);
    }
    path.reverse();
    path
}
