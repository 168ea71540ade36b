//! The state commitment: a binary Merkle Patricia tree over 256-bit key
//! paths, persistent and updated in batches.
//!
//! Every resource is a leaf at its *path*: the leading 16 bits its type's,
//! the rest a keyed blake3 hash of its key (the store's `leaf::path_of`),
//! so the tree's shape does not depend on the order of writes, the keys of
//! one type share a subtree, and an attacker cannot make it deep without
//! breaking blake3. A branch sits at the first
//! bit where the paths below it differ (path compression: a tree of `n`
//! leaves has exactly `n - 1` branches, the fewest hashes per update of any
//! binary tree), and a subtree holding one leaf is that leaf. The hashes
//! (one blake3 compression per branch, domain-separated by key and flags)
//! and why the root is a commitment are in [`hash`].
//!
//! That is the tree the root is defined by; how it is *stored* does not
//! change any hash. The bottom of the tree is kept in buckets ([`bucket`]):
//! any subtree of up to 32 leaves as one sorted array, its branches
//! re-hashed from it when it changes. Above the buckets, a node per branch.
//! Both are behind `Arc`s: the tree clones in O(1), an unshared tree
//! updates in place, and a shared one (a snapshot exists) copies only the
//! buckets and branches it changes. A batch of updates is sorted by path
//! and merged into the tree in one descent that visits each changed node
//! once; the two sides of a large subtree merge in parallel (rayon's current
//! pool). The result depends only on the set of leaves, never on the
//! thread count, the order of writes, or where the buckets happen to split.

mod bucket;
mod hash;
mod proof;
mod sort;
#[cfg(test)]
mod tests;
mod update;

use std::sync::Arc;

use bucket::Bucket;
pub use hash::{empty_root, leaf_hash, node_hash, path_of, Hash};
pub use proof::{fold, Step, Walk};

/// Bit `i` of a path, most significant first (so sorted paths are sorted bits).
pub fn bit(path: &Hash, i: u16) -> u8 {
    match path.get(usize::from(i / 8)) {
        Some(byte) => (byte >> (7 - i % 8)) & 1,
        None => 0,
    }
}

/// The number of leading bits two paths share (256 when equal).
fn common_prefix(a: &Hash, b: &Hash) -> u16 {
    for (i, (x, y)) in a.chunks_exact(8).zip(b.chunks_exact(8)).enumerate() {
        let (mut xa, mut ya) = ([0u8; 8], [0u8; 8]);
        xa.copy_from_slice(x);
        ya.copy_from_slice(y);
        let diff = u64::from_be_bytes(xa) ^ u64::from_be_bytes(ya);
        if diff != 0 {
            return (i as u16) * 64 + diff.leading_zeros() as u16;
        }
    }
    256
}

#[derive(Clone, Debug)]
enum Node {
    Bucket(Bucket),
    Branch(Arc<Branch>),
}

/// A branch above the buckets.
#[derive(Clone, Debug)]
struct Branch {
    /// The first bit at which the paths below differ; every path below
    /// agrees with `path` on the bits before it.
    bit: u8,
    hash: Hash,
    /// The path of some leaf below (only its first `bit` bits matter).
    path: Hash,
    /// Paths with bit `bit` clear, then set.
    children: [Node; 2],
}

impl Node {
    fn hash(&self) -> &Hash {
        match self {
            Node::Bucket(b) => &b.hash,
            Node::Branch(b) => &b.hash,
        }
    }
}

/// One change: the leaf at `path` becomes `leaf`, or goes away (`None`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct LeafUpdate {
    pub path: Hash,
    pub leaf: Option<Hash>,
}

/// The tree. Cloning is O(1); clones share nodes until one is updated.
#[derive(Clone, Debug, Default)]
pub struct MerkleTree {
    root: Option<Node>,
}

impl MerkleTree {
    pub fn new() -> Self {
        Self::default()
    }

    /// The root hash: [`empty_root`] for an empty tree, else the root node's hash.
    pub fn root_hash(&self) -> Hash {
        match &self.root {
            Some(node) => *node.hash(),
            None => empty_root(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.root.is_none()
    }

    /// Applies a batch of updates. A path given more than once takes its
    /// last update; deleting an absent path changes nothing. Runs on the
    /// current rayon pool; the result does not depend on the thread count
    /// nor on the order of distinct paths.
    pub fn update(&mut self, updates: Vec<LeafUpdate>) {
        if updates.is_empty() {
            return;
        }
        let updates = sort::sorted_unique(updates);
        self.root = update::merge(self.root.take(), &updates);
    }

    /// [`MerkleTree::update`] with the batches' updates, in order: on
    /// several threads each batch is produced (a shard's leaves hashed) and
    /// split for sorting on its own, never gathered into one vector. For a
    /// batch worth the pool; a small one is cheaper through `update`.
    pub fn update_batches<I>(&mut self, batches: Vec<I>)
    where
        I: Iterator<Item = LeafUpdate> + Send,
    {
        let updates = sort::sorted_batches(batches);
        if !updates.is_empty() {
            self.root = update::merge(self.root.take(), &updates);
        }
    }

    /// The hashes of `(path, leaf)` pairs as a new tree (a path given twice
    /// keeps its last leaf).
    pub fn from_leaves(leaves: Vec<(Hash, Hash)>) -> MerkleTree {
        let mut tree = MerkleTree::new();
        tree.update(leaves.into_iter().map(|(path, leaf)| LeafUpdate { path, leaf: Some(leaf) }).collect());
        tree
    }

    /// The tree taken apart into subtrees, to free one at a time: branches
    /// only this tree holds are opened, breadth first, until there are at
    /// least `pieces` subtrees or none is left to open (a branch another
    /// tree shares stays one piece: dropping it only releases it). The
    /// branches opened are freed here, a handful against the pieces'
    /// thousands of nodes.
    pub fn into_pieces(self, pieces: usize) -> Vec<MerkleTree> {
        let mut open: std::collections::VecDeque<Node> = self.root.into_iter().collect();
        let mut done = Vec::new();
        while open.len() + done.len() < pieces {
            let Some(node) = open.pop_front() else { break };
            match node {
                Node::Branch(branch) => match Arc::try_unwrap(branch) {
                    Ok(branch) => open.extend(branch.children),
                    Err(shared) => done.push(Node::Branch(shared)),
                },
                bucket => done.push(bucket),
            }
        }
        done.into_iter().chain(open).map(|node| MerkleTree { root: Some(node) }).collect()
    }

    /// Every `(path, leaf hash)` in path order: for tests and rebuilds.
    pub fn leaves(&self) -> Vec<(Hash, Hash)> {
        let mut out = Vec::new();
        let mut stack: Vec<&Node> = self.root.iter().collect();
        while let Some(node) = stack.pop() {
            match node {
                Node::Bucket(b) => out.extend(b.leaves.iter().map(|l| (l.path, l.hash))),
                Node::Branch(b) => {
                    let [left, right] = &b.children;
                    stack.push(right);
                    stack.push(left);
                }
            }
        }
        out
    }
}
