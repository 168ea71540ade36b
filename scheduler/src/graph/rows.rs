//! The graph's rows: candidate edges grouped by their later end,
//! deduplicated, and held in compressed sparse row form.
//!
//! Every list of candidate edges (each exact partition's, then the
//! type-wide pass's) is already in block order of its later end, since both
//! passes walk the block in order. So the rows of a range of transactions
//! come from one contiguous slice of each list, and ranges are assembled
//! side by side on the current rayon pool; only laying them end to end and
//! petgraph's own build stay serial. The rows do not depend on the ranges.

use std::ops::Range;

use rayon::prelude::*;

use super::{DepKey, DepKind, Dependency, RawEdge, TxGraph};

/// Transactions per range of rows assembled as one task.
const ROWS_PER_TASK: usize = 8192;

/// `(to, from, label)`: one entry of the reversed graph.
type Row = (u32, u32, Dependency);

/// Groups candidate edges by their later end (stable: exact partitions in
/// order, then type-wide edges), keeps the first edge of each ordered pair,
/// and builds the rows. `exact[p]`'s slots are local to partition `p`: they
/// are shifted by `offsets[p]`.
pub(super) fn assemble(n: usize, exact: &[Vec<RawEdge>], offsets: &[u32], typewide: &[RawEdge]) -> TxGraph {
    let lists: Vec<(&[RawEdge], u32)> =
        exact.iter().map(Vec::as_slice).zip(offsets.iter().copied()).chain([(typewide, 0)]).collect();
    // A list out of order would lose edges silently below.
    debug_assert!(lists.iter().all(|(edges, _)| edges.is_sorted_by_key(|e| e.to)));
    let ranges: Vec<Range<usize>> = (0..n).step_by(ROWS_PER_TASK).map(|s| s..(s + ROWS_PER_TASK).min(n)).collect();
    let parts: Vec<Vec<Row>> = if ranges.len() > 1 {
        ranges.into_par_iter().map(|r| range_rows(&lists, r)).collect()
    } else {
        ranges.into_iter().map(|r| range_rows(&lists, r)).collect()
    };
    let rows = parts.concat();
    let mut graph = match TxGraph::from_sorted_edges(&rows) {
        Ok(graph) => graph,
        // Cannot happen: rows are in order and predecessors strictly
        // increase within each. Should it, inserting one edge at a time
        // gives the same graph, only slower.
        Err(_) => {
            let mut graph = TxGraph::with_nodes(n);
            for &(to, from, dep) in &rows {
                graph.add_edge(to, from, dep);
            }
            graph
        }
    };
    // Transactions after the last one with an edge have empty rows.
    while graph.node_count() < n {
        graph.add_node(());
    }
    graph
}

/// The rows of the transactions in `range`, in order: a counting sort by
/// later end over each list's slice for the range, then each row sorted by
/// predecessor, keeping the first label found for it.
fn range_rows(lists: &[(&[RawEdge], u32)], range: Range<usize>) -> Vec<Row> {
    let (first, end) = (range.start as u32, range.end as u32);
    let slices: Vec<(&[RawEdge], u32)> = lists
        .iter()
        .map(|&(edges, offset)| {
            let lo = edges.partition_point(|e| e.to < first);
            let hi = edges.partition_point(|e| e.to < end);
            (edges.get(lo..hi).unwrap_or(&[]), offset)
        })
        .collect();
    let all = || {
        slices.iter().flat_map(|&(edges, offset)| {
            edges.iter().map(move |e| match e.key {
                DepKey::Slot(s) => RawEdge { key: DepKey::Slot(s + offset), ..*e },
                DepKey::AnyOf(_) => *e,
            })
        })
    };
    let len = range.len();
    let mut start = vec![0u32; len + 1];
    for e in all() {
        if let Some(c) = start.get_mut((e.to - first) as usize + 1) {
            *c += 1;
        }
    }
    for i in 0..len {
        start[i + 1] += start[i];
    }
    let placeholder = Dependency { kind: DepKind::Gate, key: DepKey::Slot(0) };
    let mut rows: Vec<Row> = vec![(0, 0, placeholder); start[len] as usize];
    let mut fill = start.clone();
    for e in all() {
        if let Some(at) = fill.get_mut((e.to - first) as usize) {
            if let Some(slot) = rows.get_mut(*at as usize) {
                *slot = (e.to, e.from, Dependency { kind: e.kind, key: e.key });
            }
            *at += 1;
        }
    }
    // Each row sorted by predecessor (a stable sort: the first label found
    // stays first), and the repeats squeezed out in place.
    let mut kept = 0;
    for local in 0..len {
        let (begin, end) = (start[local] as usize, start[local + 1] as usize);
        let Some(group) = rows.get_mut(begin..end) else { continue };
        if group.len() > 1 {
            group.sort_by_key(|e| e.1);
        }
        let mut last = u32::MAX;
        for i in begin..end {
            let Some(&edge) = rows.get(i) else { break };
            if edge.1 != last && edge.1 < edge.0 {
                if let Some(slot) = rows.get_mut(kept) {
                    *slot = edge;
                }
                kept += 1;
                last = edge.1;
            }
        }
    }
    rows.truncate(kept);
    rows
}
