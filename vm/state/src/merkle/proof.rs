//! Walking the tree for one path, and folding a walk back into a root: the
//! tree half of inclusion and non-inclusion proofs (`crate::proof` adds the
//! resource half: which leaf the walk must end at).

use super::bucket::{self, subtree_hash, Leaf};
use super::{bit, common_prefix, node_hash, Hash, MerkleTree, Node};

/// One branch passed on the way down: where it splits, and the hash of the
/// side the walk did not take.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Step {
    pub bit: u8,
    pub sibling: Hash,
}

/// The branches from the root down towards a path, and where the walk ended.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Walk {
    /// Root first.
    pub steps: Vec<Step>,
    /// The leaf the walk reached, `(path, leaf hash)`; `None` for an empty tree.
    /// Its path equals the walked path exactly when that path is in the tree:
    /// a present path is always reached by following its own bits.
    pub end: Option<(Hash, Hash)>,
}

impl MerkleTree {
    /// Follows `path`'s bits at each branch's split until a leaf.
    pub fn walk(&self, path: &Hash) -> Walk {
        let mut walk = Walk::default();
        let mut node = self.root.as_ref();
        while let Some(current) = node {
            match current {
                Node::Bucket(b) => {
                    walk.end = walk_bucket(&b.leaves, path, &mut walk.steps).map(|l| (l.path, l.hash));
                    node = None;
                }
                Node::Branch(b) => {
                    let [left, right] = &b.children;
                    let (taken, other) = if bit(path, u16::from(b.bit)) == 0 { (left, right) } else { (right, left) };
                    walk.steps.push(Step { bit: b.bit, sibling: *other.hash() });
                    node = Some(taken);
                }
            }
        }
        walk
    }
}

/// The walk inside a bucket, which keeps no branches: each sibling's hash
/// is recomputed from its leaves (at most the bucket's size in hashes).
fn walk_bucket<'a>(mut leaves: &'a [Leaf], path: &Hash, steps: &mut Vec<Step>) -> Option<&'a Leaf> {
    loop {
        match leaves {
            [] => return None,
            [one] => return Some(one),
            [first, .., last] => {
                let at = common_prefix(&first.path, &last.path);
                let (low, high) = leaves.split_at(bucket::split(leaves, at));
                let (taken, other) = if bit(path, at) == 0 { (low, high) } else { (high, low) };
                steps.push(Step { bit: at.min(255) as u8, sibling: subtree_hash(other)? });
                leaves = taken;
            }
        }
    }
}

/// The root that `bottom` (the hash the walk ended at) and the walk's steps
/// (root first) imply for `path`; `None` when the steps do not split at
/// strictly increasing bits from the root down, as every real walk does.
pub fn fold(path: &Hash, bottom: Hash, steps: &[Step]) -> Option<Hash> {
    let mut hash = bottom;
    let mut below: Option<u8> = None;
    for step in steps.iter().rev() {
        if below.is_some_and(|b| b <= step.bit) {
            return None;
        }
        below = Some(step.bit);
        hash = if bit(path, u16::from(step.bit)) == 0 {
            node_hash(step.bit, &hash, &step.sibling)
        } else {
            node_hash(step.bit, &step.sibling, &hash)
        };
    }
    Some(hash)
}
