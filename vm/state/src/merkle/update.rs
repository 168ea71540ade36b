//! Merging a sorted batch of updates into the tree in one descent, and
//! building subtrees from sorted leaves; the two sides of a large subtree
//! go to rayon's current pool in parallel.

use std::sync::Arc;

use super::bucket::{self, Bucket, Gather, Leaf, MAX};
use super::{bit, common_prefix, node_hash, Branch, Hash, LeafUpdate, Node};

/// Work below this many updates or leaves stays on the calling thread:
/// forking costs more than hashing a small subtree.
const PARALLEL_FROM: usize = 1024;

fn both<A: Send, B: Send>(work: usize, a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B + Send) -> (A, B) {
    if work >= PARALLEL_FROM {
        rayon::join(a, b)
    } else {
        (a(), b())
    }
}

/// Where the updates with bit `at` set begin.
fn split(updates: &[LeafUpdate], at: u16) -> usize {
    updates.partition_point(|u| bit(&u.path, at) == 0)
}

/// A branch at `at` over two subtrees, or the one that is there. Two small
/// buckets become one (a branch over two buckets hashes exactly as one
/// bucket of their leaves), so deletes do not leave crumbs behind.
fn join_at(at: u16, left: Option<Node>, right: Option<Node>, path: Hash) -> Option<Node> {
    match (left, right) {
        (Some(l), Some(r)) => {
            let at = at.min(255) as u8;
            let hash = node_hash(at, l.hash(), r.hash());
            if let (Node::Bucket(a), Node::Bucket(b)) = (&l, &r) {
                if a.leaves.len() + b.leaves.len() <= MAX / 2 {
                    let mut leaves: Gather = a.leaves.iter().chain(b.leaves.iter()).copied().collect();
                    // Each side's gaps stay; the one between them is this branch.
                    if let Some(last) = a.leaves.len().checked_sub(1).and_then(|i| leaves.get_mut(i)) {
                        last.gap = hash;
                    }
                    return Some(Node::Bucket(Bucket { hash, leaves: Arc::from(&leaves[..]) }));
                }
            }
            Some(Node::Branch(Arc::new(Branch { bit: at, hash, path, children: [l, r] })))
        }
        (one, None) | (None, one) => one,
    }
}

/// Merges sorted, unique `updates` into `node`. Every update's path and
/// every path below `node` share the bits above the caller's split.
pub(super) fn merge(node: Option<Node>, updates: &[LeafUpdate]) -> Option<Node> {
    let (Some(first), Some(last)) = (updates.first(), updates.last()) else { return node };
    let branch = match node {
        None => return build(updates),
        // A bucket merges anything, even paths outside its prefix: what it
        // holds and the updates are rebuilt as the one subtree they form.
        Some(Node::Bucket(b)) => return b.merge(updates),
        Some(Node::Branch(branch)) => branch,
    };
    let (node_path, node_bit) = (branch.path, u16::from(branch.bit));
    // The first bit at which anything here differs, capped at the branch's split.
    let at = node_bit
        .min(common_prefix(&first.path, &last.path))
        .min(common_prefix(&node_path, &first.path))
        .min(common_prefix(&node_path, &last.path));
    if at < node_bit {
        // The branch's paths are all on one side of `at`: a new branch
        // there, over the branch (merged with its side's updates) and a
        // subtree built from the other side's.
        let (low, high) = updates.split_at(split(updates, at));
        let node = Some(Node::Branch(branch));
        let (l, r) = if bit(&node_path, at) == 0 {
            both(updates.len(), || merge(node, low), || build(high))
        } else {
            both(updates.len(), || build(low), || merge(node, high))
        };
        return join_at(at, l, r, node_path);
    }
    // Take the children: moved out of a branch nothing else holds, shared
    // (two reference counts) with a snapshot that holds it.
    let [left, right] = match Arc::try_unwrap(branch) {
        Ok(b) => b.children,
        Err(shared) => shared.children.clone(),
    };
    let (low, high) = updates.split_at(split(updates, node_bit));
    let (l, r) = both(updates.len(), || merge(Some(left), low), || merge(Some(right), high));
    join_at(node_bit, l, r, node_path)
}

/// A subtree of the inserts among sorted, unique `updates` (deletes of
/// paths that do not exist are ignored).
fn build(updates: &[LeafUpdate]) -> Option<Node> {
    let leaves: Vec<Leaf> = updates.iter().filter_map(|u| Some(Leaf::new(u.path, u.leaf?))).collect();
    build_leaves(&leaves)
}

/// A subtree of sorted, unique `leaves`: one bucket when they fit, else a
/// branch where the first and last paths differ over the two halves.
pub(super) fn build_leaves(leaves: &[Leaf]) -> Option<Node> {
    build_from(leaves, None, 0)
}

/// [`build_leaves`] for `leaves` whose gaps are already filled except
/// around `changed` (sorted indexes counted from the leaf at `offset`; see
/// [`Bucket::merge`]): what a bucket that outgrew [`MAX`] splits into. Its
/// kept leaves' gaps still hold the branches between them, whichever
/// bucket they land in, so only the branches above the changed leaves are
/// hashed again. (Hashed whole, split buckets re-hashed branches nothing
/// had changed: in a `dao` run, whose blocks insert a ballot per vote,
/// 8% more branch hashing, its setup included.) `None` hashes everything.
pub(super) fn build_from(leaves: &[Leaf], changed: Option<&[usize]>, offset: usize) -> Option<Node> {
    let (first, last) = (leaves.first()?, leaves.last()?);
    if leaves.len() <= MAX {
        return Bucket::rehashed(leaves, changed, offset).map(Node::Bucket);
    }
    let at = common_prefix(&first.path, &last.path);
    let s = bucket::split(leaves, at);
    let (low, high) = leaves.split_at(s);
    let (low_changed, high_changed) = bucket::split_changed(changed, offset + s);
    let (l, r) =
        both(leaves.len(), || build_from(low, low_changed, offset), || build_from(high, high_changed, offset + s));
    join_at(at, l, r, first.path)
}
