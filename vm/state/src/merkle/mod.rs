//! The state commitment: a binary Merkle Patricia tree over 256-bit key
//! paths, persistent and updated in batches.
//!
//! Every resource is a leaf at its *path*, a keyed blake3 hash of its key, so
//! the tree's shape does not depend on the order of writes and an attacker
//! cannot make it deep without breaking blake3. A branch sits at the first
//! bit where the paths below it differ (path compression: a tree of `n`
//! leaves has exactly `n - 1` branches, the fewest hashes per update of any
//! binary tree), and a subtree holding one leaf is that leaf.
//!
//! Hashes are domain-separated by blake3 key: a leaf is `keyed_hash(LEAF,
//! address ‖ type ‖ canonical value bytes)`, a branch splitting at bit `b` is
//! `keyed_hash(NODE[b], left ‖ right)`: 64 bytes, one compression, and the
//! split position is bound without a byte of input (so non-inclusion proofs
//! can rely on it). Any change of a value, a key or a type changes its leaf,
//! and so the root.
//!
//! Nodes are `Arc`s changed with `Arc::make_mut`: an unshared tree is updated
//! in place, a shared one (a snapshot exists) copies only the paths it
//! changes, so cloning the tree stays O(1). A batch of updates is sorted by
//! path and merged into the tree in one descent that visits each changed node
//! once; the two sides of a large subtree are merged in parallel (rayon's
//! current pool).

mod proof;
#[cfg(test)]
mod tests;

use std::sync::{Arc, OnceLock};

use rayon::prelude::*;

pub use proof::{fold, Step, Walk};

/// A 256-bit hash: a path, a leaf, a branch or a root.
pub type Hash = [u8; 32];

/// The root of the empty tree: keyed blake3 of nothing, under its own key.
pub fn empty_root() -> Hash {
    keys().empty
}

/// Updates below this many are merged on the calling thread: forking costs
/// more than hashing a small subtree.
const PARALLEL_FROM: usize = 1024;

/// The blake3 keys of the tree's domains, derived once.
struct Keys {
    path: [u8; 32],
    leaf: [u8; 32],
    empty: Hash,
    /// One per split position.
    node: Vec<[u8; 32]>,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| Keys {
        path: blake3::derive_key("resin state tree v1: key path", b""),
        leaf: blake3::derive_key("resin state tree v1: leaf", b""),
        empty: *blake3::keyed_hash(&blake3::derive_key("resin state tree v1: empty tree", b""), b"").as_bytes(),
        node: (0..=255u8).map(|bit| blake3::derive_key("resin state tree v1: branch at bit", &[bit])).collect(),
    })
}

/// Where a key's leaf lives: `keyed_hash(PATH, bytes)` over the key's bytes.
pub fn path_of(key_bytes: &[u8]) -> Hash {
    *blake3::keyed_hash(&keys().path, key_bytes).as_bytes()
}

/// A leaf: `keyed_hash(LEAF, record)`, the record being the key's bytes
/// followed by the value's canonical bytes.
pub fn leaf_hash(record: &[u8]) -> Hash {
    *blake3::keyed_hash(&keys().leaf, record).as_bytes()
}

/// A branch splitting at `bit`.
pub fn node_hash(bit: u8, left: &Hash, right: &Hash) -> Hash {
    let mut block = [0u8; 64];
    block[..32].copy_from_slice(left);
    block[32..].copy_from_slice(right);
    let key = keys().node.get(usize::from(bit)).copied().unwrap_or_default();
    *blake3::keyed_hash(&key, &block).as_bytes()
}

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

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Leaf {
    path: Hash,
    hash: Hash,
}

#[derive(Clone, Debug)]
enum Node {
    Leaf(Leaf),
    Branch(Arc<Branch>),
}

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
            Node::Leaf(l) => &l.hash,
            Node::Branch(b) => &b.hash,
        }
    }

    /// A path below, and the number of leading bits all paths below share.
    fn prefix(&self) -> (&Hash, u16) {
        match self {
            Node::Leaf(l) => (&l.path, 256),
            Node::Branch(b) => (&b.path, u16::from(b.bit)),
        }
    }

    /// A stand-in while a child is moved out of its branch.
    fn placeholder() -> Node {
        Node::Leaf(Leaf { path: [0; 32], hash: [0; 32] })
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
        let updates = sorted_unique(updates);
        self.root = merge(self.root.take(), &updates);
    }

    /// The hashes of `(path, leaf)` pairs as a new tree.
    pub fn from_leaves(leaves: Vec<(Hash, Hash)>) -> MerkleTree {
        let mut tree = MerkleTree::new();
        tree.update(leaves.into_iter().map(|(path, leaf)| LeafUpdate { path, leaf: Some(leaf) }).collect());
        tree
    }

    /// Every `(path, leaf hash)` in path order: for tests and rebuilds.
    pub fn leaves(&self) -> Vec<(Hash, Hash)> {
        let mut out = Vec::new();
        let mut stack: Vec<&Node> = self.root.iter().collect();
        while let Some(node) = stack.pop() {
            match node {
                Node::Leaf(l) => out.push((l.path, l.hash)),
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

/// The first 64 bits of a path: sorting by them (then by index) sorts
/// small records instead of whole updates, and almost never ties.
fn prefix64(path: &Hash) -> u64 {
    let mut first = [0u8; 8];
    first.copy_from_slice(&path[..8]);
    u64::from_be_bytes(first)
}

/// Sorts by path (in parallel) and keeps the last update of each path.
fn sorted_unique(updates: Vec<LeafUpdate>) -> Vec<LeafUpdate> {
    let mut order: Vec<(u64, u32)> = updates.iter().zip(0u32..).map(|(u, i)| (prefix64(&u.path), i)).collect();
    if order.len() >= PARALLEL_FROM {
        order.par_sort_unstable();
    } else {
        order.sort_unstable();
    }
    let at = |i: u32| updates.get(i as usize);
    // Equal prefixes are adjacent; order each such run by the whole path
    // (the index, which breaks ties, keeps later updates of a path later).
    let mut start = 0;
    while start < order.len() {
        let prefix = order[start].0;
        let end = start + order[start..].iter().take_while(|(p, _)| *p == prefix).count();
        if end - start > 1 {
            order[start..end].sort_by(|a, b| {
                let (pa, pb) = (at(a.1).map(|u| u.path), at(b.1).map(|u| u.path));
                pa.cmp(&pb).then(a.1.cmp(&b.1))
            });
        }
        start = end;
    }
    let mut out: Vec<LeafUpdate> = Vec::with_capacity(order.len());
    for update in order.iter().filter_map(|&(_, i)| at(i)) {
        match out.last_mut() {
            Some(last) if last.path == update.path => *last = *update,
            _ => out.push(*update),
        }
    }
    out
}

fn both<A: Send, B: Send>(work: usize, a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B + Send) -> (A, B) {
    if work >= PARALLEL_FROM {
        rayon::join(a, b)
    } else {
        (a(), b())
    }
}

/// A branch at `bit` over two subtrees, or the one that is left.
fn join_at(bit: u16, left: Option<Node>, right: Option<Node>, path: Hash) -> Option<Node> {
    match (left, right) {
        (Some(l), Some(r)) => {
            let bit = bit.min(255) as u8;
            let hash = node_hash(bit, l.hash(), r.hash());
            Some(Node::Branch(Arc::new(Branch { bit, hash, path, children: [l, r] })))
        }
        (one, None) | (None, one) => one,
    }
}

/// Merges sorted, unique `updates` into `node`. Every update's path and
/// every path below `node` share the bits above the caller's split.
fn merge(node: Option<Node>, updates: &[LeafUpdate]) -> Option<Node> {
    let (Some(first), Some(last)) = (updates.first(), updates.last()) else { return node };
    let Some(node) = node else { return build(updates) };
    let (node_path, node_bit) = {
        let (p, b) = node.prefix();
        (*p, b)
    };
    // The first bit at which anything here differs, capped at the node's split.
    let split = node_bit
        .min(common_prefix(&first.path, &last.path))
        .min(common_prefix(&node_path, &first.path))
        .min(common_prefix(&node_path, &last.path));
    if split < node_bit {
        // The node's paths are all on one side of `split`: a new branch
        // there, over the node (merged with its side's updates) and a
        // subtree built from the other side's.
        let at = updates.partition_point(|u| bit(&u.path, split) == 0);
        let (low, high) = updates.split_at(at);
        return if bit(&node_path, split) == 0 {
            let (l, r) = both(updates.len(), || merge(Some(node), low), || build(high));
            join_at(split, l, r, node_path)
        } else {
            let (l, r) = both(updates.len(), || build(low), || merge(Some(node), high));
            join_at(split, l, r, node_path)
        };
    }
    match node {
        // Every update is for this very path (only the last one counts).
        Node::Leaf(leaf) => last.leaf.map(|hash| Node::Leaf(Leaf { path: leaf.path, hash })),
        Node::Branch(mut shared) => {
            let at = updates.partition_point(|u| bit(&u.path, node_bit) == 0);
            let (low, high) = updates.split_at(at);
            let branch = Arc::make_mut(&mut shared);
            let [left, right] = std::mem::replace(&mut branch.children, [Node::placeholder(), Node::placeholder()]);
            let (l, r) = both(updates.len(), || merge(Some(left), low), || merge(Some(right), high));
            match (l, r) {
                (Some(l), Some(r)) => {
                    branch.hash = node_hash(branch.bit, l.hash(), r.hash());
                    branch.children = [l, r];
                    Some(Node::Branch(shared))
                }
                (one, None) | (None, one) => one,
            }
        }
    }
}

/// A subtree of the inserts among sorted, unique `updates` (deletes of
/// paths that do not exist are ignored).
fn build(updates: &[LeafUpdate]) -> Option<Node> {
    let start = updates.iter().position(|u| u.leaf.is_some())?;
    let end = updates.iter().rposition(|u| u.leaf.is_some())?;
    let updates = updates.get(start..=end)?;
    let (first, last) = (updates.first()?, updates.last()?);
    let split = common_prefix(&first.path, &last.path);
    if updates.len() == 1 || split >= 256 {
        // One leaf (equal paths cannot reach here: the updates are unique).
        return last.leaf.map(|hash| Node::Leaf(Leaf { path: last.path, hash }));
    }
    let at = updates.partition_point(|u| bit(&u.path, split) == 0);
    let (low, high) = updates.split_at(at);
    let (l, r) = both(updates.len(), || build(low), || build(high));
    join_at(split, l, r, first.path)
}
