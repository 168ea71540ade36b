//! The tree's hash functions: one blake3 compression each for a key's path,
//! a leaf of up to 64 bytes, and a branch.
//!
//! Every hash here is the 256-bit output of blake3's compression function
//! (several, for a leaf record over 64 bytes), each domain under its own
//! blake3 key (the compression's chaining-value input):
//!
//! - path: `keyed_hash(PATH, key bytes)`, its leading 16 bits then
//!   replaced by the key's type's (the store's `leaf::path_of`);
//! - leaf: `keyed_hash(LEAF, key bytes ‖ canonical value bytes)`;
//! - branch splitting at bit `b`: the blake3 *parent node* compression of
//!   the 64-byte block `left ‖ right` under key `NODE[b]`
//!   (`blake3::hazmat::merge_subtrees_non_root`, flags `PARENT | KEYED_HASH`);
//! - the empty tree: `keyed_hash(EMPTY, "")`.
//!
//! Why this is a commitment: two different trees with one root must, at the
//! first place they differ, give two different inputs to blake3's
//! compression function with equal outputs. A branch and a leaf never share
//! an input: their keys differ and so do their flags (`PARENT` against
//! `CHUNK_START | CHUNK_END | ROOT`, also for the last compression of a long
//! leaf record, whose parents carry `ROOT`). Two branches with equal hashes
//! either split at different bits (different keys) or have different
//! children (different blocks). So a second state with the same root is a
//! collision of blake3's compression function truncated to 256 bits: the
//! assumption blake3's own tree mode rests on (the BLAKE3 specification
//! argues its modes' security from the compression function's, with
//! domain flags separating chunks, parents and roots), and the classic
//! Merkle-tree argument (a root collision yields a node-hash collision).
//! Keying by split bit binds the bit into the branch without a byte of
//! input, which non-inclusion proofs rely on: a prover cannot relabel where
//! a branch splits.
//!
//! A branch used to be `keyed_hash(NODE[b], left ‖ right)`: the same single
//! compression, with chunk flags instead of `PARENT`. Calling the parent
//! compression directly skips the hasher's setup and costs a fifth less.

use std::sync::OnceLock;

use blake3::hazmat::{merge_subtrees_non_root, Mode};

/// A 256-bit hash: a path, a leaf, a branch or a root.
pub type Hash = [u8; 32];

/// The blake3 keys of the tree's domains, derived once.
struct Keys {
    path: [u8; 32],
    leaf: [u8; 32],
    empty: Hash,
    /// One per split position.
    node: [[u8; 32]; 256],
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut node = [[0u8; 32]; 256];
        for (bit, key) in (0..=255u8).zip(node.iter_mut()) {
            *key = blake3::derive_key("resin state tree v2: branch at bit", &[bit]);
        }
        Keys {
            path: blake3::derive_key("resin state tree v1: key path", b""),
            leaf: blake3::derive_key("resin state tree v1: leaf", b""),
            empty: *blake3::keyed_hash(&blake3::derive_key("resin state tree v1: empty tree", b""), b"").as_bytes(),
            node,
        }
    })
}

/// The root of the empty tree: keyed blake3 of nothing, under its own key.
pub fn empty_root() -> Hash {
    keys().empty
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

/// A branch splitting at `bit` over its two sides' hashes.
pub fn node_hash(bit: u8, left: &Hash, right: &Hash) -> Hash {
    let key = &keys().node[usize::from(bit)];
    merge_subtrees_non_root(left, right, Mode::KeyedHash(key))
}
