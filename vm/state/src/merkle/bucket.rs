//! Buckets: the bottom of the tree, a whole subtree of up to [`MAX`] leaves
//! kept as one sorted array instead of a node per branch.
//!
//! A bucket stores its leaves and, beside each leaf, the hash of the branch
//! between it and the next leaf: in a path-compressed tree over sorted
//! leaves every branch splits exactly one pair of neighbours, so the n - 1
//! branches fit the n - 1 gaps. A rewrite of a few leaves re-hashes only the
//! branches above them (~5 for a full bucket, where re-hashing the whole
//! bucket took ~`MAX`: a block of a thousand transfers spent twice its
//! execution time in the state root). A change of shape (an insert or
//! delete) builds a new array, in which the kept leaves keep their gaps and
//! only the branches above the inserted leaves and the deleted ones'
//! neighbours are hashed again, also when a bucket that outgrows [`MAX`]
//! is split into new buckets (a gap's branch lies between two leaves,
//! whichever bucket they land in). A proof recomputes the siblings it
//! needs. So a block's update allocates and copies one array per bucket it
//! changes instead of one node per branch, and walks memory that sits
//! together.

use std::sync::Arc;

use smallvec::SmallVec;

use super::{bit, common_prefix, node_hash, Hash, LeafUpdate};

/// The most leaves a bucket holds. Larger buckets mean fewer allocations per
/// dense block but larger arrays to copy and longer proofs to compute.
pub(super) const MAX: usize = 32;

/// A resource's place in the tree and its leaf hash; in a bucket, also the
/// hash of the branch between it and the next leaf.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) struct Leaf {
    pub(super) path: Hash,
    pub(super) hash: Hash,
    /// The branch splitting this leaf from the next one of its bucket
    /// (filled by the bucket; meaningless for its last leaf and outside one).
    pub(super) gap: Hash,
}

impl Leaf {
    pub(super) fn new(path: Hash, hash: Hash) -> Leaf {
        Leaf { path, hash, gap: [0; 32] }
    }
}

/// Every leaf of one subtree, sorted by path, never empty.
#[derive(Clone, Debug)]
pub(super) struct Bucket {
    pub(super) hash: Hash,
    pub(super) leaves: Arc<[Leaf]>,
}

/// Leaves being gathered for a bucket: on the stack unless unusually many.
pub(super) type Gather = SmallVec<[Leaf; 2 * MAX]>;

impl Bucket {
    /// A bucket of sorted, unique, non-empty `leaves`, its branches hashed
    /// above the `changed` ones (indexes counted from the leaf at `offset`;
    /// the others' gaps hold their branches already), or all of them.
    pub(super) fn rehashed(leaves: &[Leaf], changed: Option<&[usize]>, offset: usize) -> Option<Bucket> {
        let mut leaves: Arc<[Leaf]> = Arc::from(leaves);
        let hash = rehash(Arc::get_mut(&mut leaves)?, changed, offset)?;
        Some(Bucket { hash, leaves })
    }

    /// The bucket with `updates` (sorted, unique) applied. When every
    /// update rewrites a present leaf the shape stays: the array is written
    /// in place when nothing else holds it (else copied first). Otherwise
    /// a new array, or past [`MAX`] leaves a subtree of new buckets. Only
    /// the branches above written leaves (and above the places of deleted
    /// ones) are hashed again, in one bucket or in the buckets of a split.
    pub(super) fn merge(mut self, updates: &[LeafUpdate]) -> Option<super::Node> {
        if let Some(at) = positions(&self.leaves, updates) {
            if Arc::get_mut(&mut self.leaves).is_none() {
                self.leaves = Arc::from(&self.leaves[..]);
            }
            let leaves = Arc::get_mut(&mut self.leaves)?;
            for (&i, u) in at.iter().zip(updates) {
                if let (Some(leaf), Some(hash)) = (leaves.get_mut(i), u.leaf) {
                    leaf.hash = hash;
                }
            }
            self.hash = rehash(leaves, Some(&at), 0)?;
            return Some(super::Node::Bucket(self));
        }
        let (merged, changed) = merge_sorted(&self.leaves, updates);
        if merged.is_empty() || merged.len() > MAX {
            return super::update::build_from(&merged, Some(&changed), 0);
        }
        let mut leaves: Arc<[Leaf]> = Arc::from(&merged[..]);
        let hash = rehash(Arc::get_mut(&mut leaves)?, Some(&changed), 0)?;
        Some(super::Node::Bucket(Bucket { hash, leaves }))
    }
}

/// Where in `leaves` each of `updates` lies, when all of them rewrite a
/// present leaf (none inserts or deletes); `None` otherwise.
fn positions(leaves: &[Leaf], updates: &[LeafUpdate]) -> Option<SmallVec<[usize; MAX]>> {
    let mut at = SmallVec::new();
    let mut i = 0;
    for u in updates {
        u.leaf?;
        while leaves.get(i).is_some_and(|l| l.path < u.path) {
            i += 1;
        }
        if leaves.get(i)?.path != u.path {
            return None;
        }
        at.push(i);
    }
    Some(at)
}

/// The hash of the subtree whose leaves are `leaves` (sorted, unique; the
/// first at index `offset` of its bucket), storing each branch's hash in
/// its gap. `changed` (sorted bucket indexes) names the leaves rewritten
/// since the gaps were last filled: branches with none of them below keep
/// their stored hash. `None` re-hashes everything.
fn rehash(leaves: &mut [Leaf], changed: Option<&[usize]>, offset: usize) -> Option<Hash> {
    let n = leaves.len();
    if n <= 1 {
        return leaves.first().map(|l| l.hash);
    }
    let at = common_prefix(&leaves.first()?.path, &leaves.last()?.path);
    let s = split(leaves, at);
    if changed.is_some_and(|c| c.is_empty()) {
        return leaves.get(s.checked_sub(1)?).map(|l| l.gap);
    }
    let (low_changed, high_changed) = split_changed(changed, offset + s);
    let (low, high) = leaves.split_at_mut(s);
    let hash =
        node_hash(at.min(255) as u8, &rehash(low, low_changed, offset)?, &rehash(high, high_changed, offset + s)?);
    low.last_mut()?.gap = hash;
    Some(hash)
}

/// Sorted changed indexes split into those below bucket index `at` and
/// the rest; `None` (everything changed) stays `None` on both sides.
pub(super) fn split_changed(changed: Option<&[usize]>, at: usize) -> (Option<&[usize]>, Option<&[usize]>) {
    match changed {
        Some(c) => {
            let (low, high) = c.split_at(c.partition_point(|&i| i < at));
            (Some(low), Some(high))
        }
        None => (None, None),
    }
}

/// The union of sorted `leaves` and sorted, unique `updates`, the updates
/// winning (a delete removes), and the indexes in it (sorted, unique) that
/// a re-hash must start from: each leaf an update wrote, and both
/// neighbours of each leaf deleted (every branch that held a deleted leaf
/// holds one of them). The kept leaves keep their gaps; a gap that is
/// stale now (next to an insert or a delete) belongs to a branch above one
/// of those indexes, which [`rehash`] computes again.
fn merge_sorted(leaves: &[Leaf], updates: &[LeafUpdate]) -> (Gather, SmallVec<[usize; MAX]>) {
    let mut out = Gather::with_capacity(leaves.len() + updates.len());
    let mut changed: SmallVec<[usize; MAX]> = SmallVec::new();
    // Whether the next leaf to come is the right neighbour of a deleted one.
    let mut after_delete = false;
    let mut rest = leaves;
    for u in updates {
        // The leaves before this update's path stay as they are.
        let before = rest.partition_point(|l| l.path < u.path);
        let (kept, after) = rest.split_at(before);
        if after_delete && !kept.is_empty() {
            changed.push(out.len());
            after_delete = false;
        }
        out.extend_from_slice(kept);
        let present = after.first().is_some_and(|l| l.path == u.path);
        if present {
            rest = after.get(1..).unwrap_or_default();
        } else {
            rest = after;
        }
        match u.leaf {
            Some(hash) => {
                changed.push(out.len());
                out.push(Leaf::new(u.path, hash));
                after_delete = false;
            }
            None if present => {
                if let Some(left) = out.len().checked_sub(1) {
                    changed.push(left);
                }
                after_delete = true;
            }
            None => {}
        }
    }
    if after_delete && !rest.is_empty() {
        changed.push(out.len());
    }
    out.extend_from_slice(rest);
    changed.dedup();
    (out, changed)
}

/// Where the leaves with bit `at` set begin.
pub(super) fn split(leaves: &[Leaf], at: u16) -> usize {
    leaves.partition_point(|l| bit(&l.path, at) == 0)
}

/// The hash of the subtree whose leaves are `leaves` (sorted, unique):
/// one leaf is itself, more split where the first and last paths differ.
pub(super) fn subtree_hash(leaves: &[Leaf]) -> Option<Hash> {
    match leaves {
        [] => None,
        [one] => Some(one.hash),
        [first, .., last] => {
            let at = common_prefix(&first.path, &last.path);
            let (low, high) = leaves.split_at(split(leaves, at));
            Some(node_hash(at.min(255) as u8, &subtree_hash(low)?, &subtree_hash(high)?))
        }
    }
}
