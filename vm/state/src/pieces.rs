//! A superseded store taken apart, to be freed a piece at a time.
//!
//! Freeing the state a block superseded is real work (it owns every node
//! the block copied: ~5 ms of one core after 100,000 transfers, ~20 after
//! as many NFT mints and transfers), and an executor has threads that wait
//! while one of them does a serial step of the next block. Taken apart
//! into pieces of a few microseconds each (a table chunk of 16 buckets, a
//! subtree of the Merkle tree), it can be freed by such a thread until the
//! step is done, and the rest on the whole pool afterwards.

use std::sync::Arc;

use rayon::prelude::*;

use crate::merkle::MerkleTree;
use crate::store::Entry;
use crate::table::Chunk;

/// The tree is opened into at least this many subtrees: a whole tree's
/// drop (~1 ms after a dense block on a large state) is too long a piece.
const TREE_PIECES: usize = 64;

/// Chunks freed per task in [`Pieces::drop_in_parallel`]: fewer are not
/// worth a fork.
const CHUNKS_PER_TASK: usize = 64;

/// What [`crate::ResourceStore::into_pieces`] leaves to free.
#[derive(Default)]
pub struct Pieces {
    chunks: Vec<Arc<Chunk<Entry>>>,
    trees: Vec<MerkleTree>,
}

impl Pieces {
    pub(crate) fn new(chunks: Vec<Arc<Chunk<Entry>>>, tree: MerkleTree) -> Pieces {
        Pieces { chunks, trees: tree.into_pieces(TREE_PIECES) }
    }

    /// How many pieces are left.
    pub fn len(&self) -> usize {
        self.chunks.len() + self.trees.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Frees one piece; false when none was left.
    pub fn drop_one(&mut self) -> bool {
        if let Some(chunk) = self.chunks.pop() {
            drop(chunk);
            true
        } else if let Some(tree) = self.trees.pop() {
            drop(tree);
            true
        } else {
            false
        }
    }

    /// Frees what is left on the current rayon pool.
    pub fn drop_in_parallel(self) {
        let Pieces { chunks, trees } = self;
        rayon::join(
            || chunks.into_par_iter().with_min_len(CHUNKS_PER_TASK).for_each(drop),
            || trees.into_par_iter().for_each(drop),
        );
    }
}
