//! Ordering a batch of updates by path, keeping the last update of a path.
//!
//! Paths are uniform (they are hashes), so a counting sort on their leading
//! bits spreads a batch into buckets of about one update each; only the
//! rare bucket with several is sorted further. That is two passes over the
//! batch instead of a comparison sort's `log n`.

use super::{Hash, LeafUpdate};

/// Below this a plain sort is cheaper than counting.
const COUNT_FROM: usize = 256;

/// The leading `bits` bits of a path.
fn top(path: &Hash, bits: u32) -> usize {
    (u32::from_be_bytes([path[0], path[1], path[2], path[3]]) >> (32 - bits)) as usize
}

/// Sorts `updates` by path; of updates to one path only the last given is kept.
pub(super) fn sorted_unique(updates: Vec<LeafUpdate>) -> Vec<LeafUpdate> {
    let mut sorted = if updates.len() < COUNT_FROM {
        let mut v = updates;
        // Stable: later updates of a path stay after earlier ones.
        v.sort_by_key(|a| a.path);
        v
    } else {
        counting_sort(&updates)
    };
    // Keep the last of each run of equal paths.
    let mut out: Vec<LeafUpdate> = Vec::with_capacity(sorted.len());
    for update in sorted.drain(..) {
        match out.last_mut() {
            Some(last) if last.path == update.path => *last = update,
            _ => out.push(update),
        }
    }
    out
}

/// A stable sort by path: counting on the leading bits (about one bucket
/// per update, at most 2^16), then each bucket of several by whole path.
fn counting_sort(updates: &[LeafUpdate]) -> Vec<LeafUpdate> {
    let bits = (usize::BITS - updates.len().leading_zeros()).clamp(8, 16);
    let mut starts = vec![0u32; (1usize << bits) + 1];
    for u in updates {
        if let Some(count) = starts.get_mut(top(&u.path, bits) + 1) {
            *count += 1;
        }
    }
    for i in 1..starts.len() {
        starts[i] += starts[i - 1];
    }
    // Where each update goes, then the updates gathered in that order.
    let mut next = starts.clone();
    let mut order = vec![0u32; updates.len()];
    for (i, u) in (0u32..).zip(updates) {
        if let Some(slot) = next.get_mut(top(&u.path, bits)) {
            if let Some(o) = order.get_mut(*slot as usize) {
                *o = i;
            }
            *slot += 1;
        }
    }
    let mut out: Vec<LeafUpdate> = Vec::with_capacity(updates.len());
    out.extend(order.iter().filter_map(|&i| updates.get(i as usize).copied()));
    for w in starts.windows(2) {
        let (start, end) = (w[0] as usize, w[1] as usize);
        if end - start > 1 {
            if let Some(bucket) = out.get_mut(start..end) {
                bucket.sort_by_key(|a| a.path);
            }
        }
    }
    out
}
