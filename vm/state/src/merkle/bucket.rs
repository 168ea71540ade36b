//! Buckets: the bottom of the tree, a whole subtree of up to [`MAX`] leaves
//! kept as one sorted array instead of a node per branch.
//!
//! A bucket stores its leaves and its subtree's hash, not its branches: a
//! change re-hashes the bucket's branches from the array (about as many as
//! an update of a dense block touches anyway), and a proof recomputes the
//! siblings it needs. So a block's update allocates and copies one array
//! per bucket it changes instead of one node per branch, and walks memory
//! that sits together.

use std::sync::Arc;

use smallvec::SmallVec;

use super::{bit, common_prefix, node_hash, Hash, LeafUpdate};

/// The most leaves a bucket holds. Larger buckets mean fewer allocations per
/// dense block but more re-hashing per write of a sparse one (a write
/// re-hashes its whole bucket, ~`MAX` branches, where a node per branch
/// would re-hash ~5) and longer proofs to compute.
pub(super) const MAX: usize = 32;

/// A resource's place in the tree and its leaf hash.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) struct Leaf {
    pub(super) path: Hash,
    pub(super) hash: Hash,
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
    /// A bucket of sorted, unique, non-empty `leaves`.
    pub(super) fn new(leaves: &[Leaf]) -> Option<Bucket> {
        Some(Bucket { hash: subtree_hash(leaves)?, leaves: Arc::from(leaves) })
    }

    /// The bucket with `updates` (sorted, unique) applied: in place when
    /// nothing else holds it and every update rewrites a present leaf;
    /// otherwise a new array (or, past [`MAX`] leaves, a subtree).
    pub(super) fn merge(mut self, updates: &[LeafUpdate]) -> Option<super::Node> {
        if let Some(leaves) = Arc::get_mut(&mut self.leaves) {
            if overwrite(leaves, updates) {
                self.hash = subtree_hash(leaves)?;
                return Some(super::Node::Bucket(self));
            }
        }
        let merged = merge_sorted(&self.leaves, updates);
        super::update::build_leaves(&merged)
    }
}

/// Rewrites the leaves `updates` name, all of which must be present and
/// not deletes; false (with some of them perhaps written: rewriting again
/// is harmless) when one is not.
fn overwrite(leaves: &mut [Leaf], updates: &[LeafUpdate]) -> bool {
    let mut i = 0;
    for u in updates {
        let Some(hash) = u.leaf else { return false };
        while leaves.get(i).is_some_and(|l| l.path < u.path) {
            i += 1;
        }
        match leaves.get_mut(i) {
            Some(l) if l.path == u.path => l.hash = hash,
            _ => return false,
        }
    }
    true
}

/// The union of sorted `leaves` and sorted, unique `updates`, the updates
/// winning (a delete removes).
fn merge_sorted(leaves: &[Leaf], updates: &[LeafUpdate]) -> Gather {
    let mut out = Gather::with_capacity(leaves.len() + updates.len());
    let mut rest = leaves;
    for u in updates {
        // The leaves before this update's path stay as they are.
        let before = rest.partition_point(|l| l.path < u.path);
        let (kept, after) = rest.split_at(before);
        out.extend_from_slice(kept);
        rest = match after.split_first() {
            Some((same, tail)) if same.path == u.path => tail,
            _ => after,
        };
        if let Some(hash) = u.leaf {
            out.push(Leaf { path: u.path, hash });
        }
    }
    out.extend_from_slice(rest);
    out
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
