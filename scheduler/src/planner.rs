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
//! which the executor runs inline at sequential speed. The plan is a function
//! of the graph and the cost estimates only: same inputs, same plan.

use crate::graph::{ConflictGraph, TxIndex};

const NONE: u32 = u32::MAX;

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
    /// The estimated finish of the last lane.
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
    /// The longest chain of dependencies by estimated cost, first to last.
    pub critical_path: Vec<TxIndex>,
    pub costs: Vec<u64>,
    pub stats: PlanStats,
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
    let n = graph.tx_count().max(1) as u64;
    let total = costs.iter().take(graph.tx_count()).fold(0u64, |a, &c| a.saturating_add(c.max(1)));
    plan_with_delay(graph, costs, threads, (total / n).saturating_mul(2))
}

/// [`plan`] with an explicit `cross_lane_delay`: when choosing a lane, a
/// predecessor in another lane counts as finishing `cross_lane_delay` later
/// than estimated. Estimates are never exact and lanes drift; the slack keeps
/// a transaction off a lane that would have to wait for a predecessor the plan
/// has finishing just in time elsewhere, while a dependency with room to
/// spare (the usual case) still crosses lanes freely. Zero gives plain list
/// scheduling.
pub fn plan_with_delay(graph: &ConflictGraph, costs: &[u64], threads: usize, cross_lane_delay: u64) -> Plan {
    let n = graph.tx_count();
    let lane_count = threads.max(1);
    let costs: Vec<u64> = (0..n).map(|i| costs.get(i).copied().unwrap_or(1).max(1)).collect();
    let mut lanes: Vec<Vec<TxIndex>> = vec![Vec::new(); lane_count];
    let mut lane_finish = vec![0u64; lane_count];
    let mut lane_busy = vec![0u64; lane_count];
    let mut placements: Vec<Placement> = Vec::with_capacity(n);
    // Longest path ending at each transaction, ignoring lanes.
    let mut path_finish = vec![0u64; n];
    let mut path_prev = vec![NONE; n];
    // Per transaction: the latest predecessor finish in each lane (0: none;
    // finishes are at least 1), and the lanes that have one.
    let mut pred_finish = vec![0u64; lane_count];
    let mut touched: Vec<usize> = Vec::with_capacity(lane_count);
    let mut cross_lane_dependencies = 0usize;
    // Per transaction: how many of its predecessors each lane holds.
    let mut pred_count = vec![0usize; lane_count];

    for (i, &cost) in costs.iter().enumerate() {
        let mut path_ready = 0u64;
        let mut preds = 0usize;
        for (p, _) in graph.predecessors(i) {
            let (Some(placed), Some(&p_path)) = (placements.get(p as usize), path_finish.get(p as usize)) else {
                continue;
            };
            let lane = placed.lane as usize;
            if pred_finish[lane] == 0 {
                touched.push(lane);
            }
            pred_finish[lane] = pred_finish[lane].max(placed.finish);
            pred_count[lane] += 1;
            preds += 1;
            if p_path > path_ready || path_prev[i] == NONE {
                path_ready = path_ready.max(p_path);
                path_prev[i] = p;
            }
        }
        // The lane of the latest-finishing predecessor (the first such lane
        // met), its finish, and the latest finish in any other lane.
        let (mut top_lane, mut top, mut second) = (None, 0u64, 0u64);
        for &lane in &touched {
            let f = pred_finish[lane];
            if f > top {
                second = top;
                top = f;
                top_lane = Some(lane);
            } else if f > second {
                second = f;
            }
        }
        // The slack only steers the choice of lane: the recorded start is the
        // true estimate, so no phantom idle time skews later balancing.
        let score = |lane: usize| {
            let other = if top_lane == Some(lane) { second } else { top };
            let crossing = if other == 0 { 0 } else { other.saturating_add(cross_lane_delay) };
            pred_finish[lane].max(crossing).max(lane_finish[lane])
        };
        let mut best = top_lane.unwrap_or(0);
        let mut best_score = score(best);
        for lane in 0..lane_count {
            let s = score(lane);
            if s < best_score {
                best = lane;
                best_score = s;
            }
        }
        let best_start = top.max(lane_finish[best]);
        // Counted while placing rather than in a second pass over every edge.
        cross_lane_dependencies += preds - pred_count[best];
        for lane in touched.drain(..) {
            pred_finish[lane] = 0;
            pred_count[lane] = 0;
        }
        let finish = best_start.saturating_add(cost);
        lane_finish[best] = finish;
        lane_busy[best] = lane_busy[best].saturating_add(cost);
        placements.push(Placement { lane: best as u32, position: lanes[best].len() as u32, start: best_start, finish });
        lanes[best].push(i as TxIndex);
        path_finish[i] = path_ready.saturating_add(cost);
    }

    let critical_path = longest_path(&path_finish, &path_prev);
    let critical_path_cost = critical_path.last().map_or(0, |&t| path_finish[t as usize]);
    let stats = PlanStats {
        transactions: n,
        dependencies: graph.edge_count(),
        cross_lane_dependencies,
        lanes_used: lanes.iter().filter(|l| !l.is_empty()).count(),
        total_cost: costs.iter().fold(0u64, |a, &c| a.saturating_add(c)),
        makespan: lane_finish.iter().copied().max().unwrap_or(0),
        critical_path_cost,
        lane_costs: lane_busy,
    };
    Plan { lanes, placements, critical_path, costs, stats }
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
