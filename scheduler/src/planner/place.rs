//! Placing one contiguous chunk of a block (see the planner's module
//! documentation): list scheduling in block order, each transaction to the
//! lane where it can start earliest, predecessors before the chunk ignored.

use std::ops::Range;

use super::Placement;
use crate::graph::{ConflictGraph, TxIndex};

/// A chunk's lanes, with positions relative to the chunk's start (the
/// planner recomputes the times over the whole block).
pub(super) struct Chunk {
    pub lanes: Vec<Vec<TxIndex>>,
    /// Indexed by transaction, from the chunk's first.
    pub placements: Vec<Placement>,
    pub lane_busy: Vec<u64>,
    /// When the chunk's last transaction finishes, estimated from its start.
    pub span: u64,
}

pub(super) fn place(
    graph: &ConflictGraph,
    costs: &[u64],
    range: Range<usize>,
    lane_count: usize,
    cross_lane_delay: u64,
) -> Chunk {
    let first = range.start;
    let mut lanes: Vec<Vec<TxIndex>> = vec![Vec::new(); lane_count];
    let mut lane_finish = vec![0u64; lane_count];
    let mut lane_busy = vec![0u64; lane_count];
    let mut placements: Vec<Placement> = Vec::with_capacity(range.len());
    // Per transaction: the latest predecessor finish in each lane (0: none;
    // finishes are at least 1), and the lanes that have one.
    let mut pred_finish = vec![0u64; lane_count];
    let mut touched: Vec<usize> = Vec::with_capacity(lane_count);

    for i in range {
        let cost = costs.get(i).copied().unwrap_or(1);
        for (p, _) in graph.predecessors(i) {
            let Some(placed) = (p as usize).checked_sub(first).and_then(|local| placements.get(local)) else {
                continue;
            };
            let lane = placed.lane as usize;
            if pred_finish[lane] == 0 {
                touched.push(lane);
            }
            pred_finish[lane] = pred_finish[lane].max(placed.finish);
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
        for lane in touched.drain(..) {
            pred_finish[lane] = 0;
        }
        let finish = best_start.saturating_add(cost);
        lane_finish[best] = finish;
        lane_busy[best] = lane_busy[best].saturating_add(cost);
        placements.push(Placement { lane: best as u32, position: lanes[best].len() as u32, start: best_start, finish });
        lanes[best].push(i as TxIndex);
    }
    let span = lane_finish.iter().copied().max().unwrap_or(0);
    Chunk { lanes, placements, lane_busy, span }
}
