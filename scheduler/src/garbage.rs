//! What a block leaves behind, freed in the next block's gaps.
//!
//! Freeing a block's receipts and the state it superseded is real work
//! (after 100,000 transfers ~5 core-ms, after as many NFT mints and
//! transfers ~35), and freed in parallel it still takes the whole pool for
//! a while. Meanwhile, the next block has serial steps that leave the
//! pool's other threads waiting: a block on the frontier numbers its keys
//! in one pass on one thread (`frontier.rs`, 3-8 ms for 100,000
//! transactions), and a block that is one chain runs in one lane
//! (`serial.rs`). So the parallel executor keeps what a block left behind,
//! taken apart into pieces of microseconds ([`Garbage`]), and frees pieces
//! on a waiting thread beside such a step until the step is done
//! (`beside.rs`; not beside the numbering of a very large block, which
//! the freeing slows: `parallel.rs`); whatever is left goes on the whole
//! pool when the next block is retired. Every block frees one block's
//! worth, on the clock of a benchmark that times blocks from start to
//! retirement: the one before it, partly on a thread that would otherwise
//! have waited.

use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;
use resin_state::pieces::Pieces;
use resin_state::store::ResourceStore;
use resin_vm::Receipt;

use crate::output::BlockOutput;

/// Receipts freed per piece: tens of microseconds.
const RECEIPTS_PER_PIECE: usize = 128;

/// Receipts freed per task in [`Garbage::drop_in_parallel`]: fewer are not
/// worth a fork.
const RECEIPTS_PER_TASK: usize = 8192;

/// A block's receipts and the state it superseded, to be freed a piece at
/// a time or all at once.
#[derive(Default)]
pub(crate) struct Garbage {
    receipts: Vec<Receipt>,
    store: Pieces,
}

impl Garbage {
    pub(crate) fn new(output: BlockOutput, superseded: ResourceStore) -> Garbage {
        Garbage { receipts: output.receipts, store: superseded.into_pieces() }
    }

    /// How many receipts are left to free.
    #[cfg(test)]
    pub(crate) fn receipts(&self) -> usize {
        self.receipts.len()
    }

    /// Whether anything is left to free.
    pub(crate) fn is_empty(&self) -> bool {
        self.receipts.capacity() == 0 && self.store.is_empty()
    }

    /// Frees one piece: the last receipts, the receipts' buffer once they
    /// are gone, then the store's pieces. False when nothing was left.
    fn drop_one(&mut self) -> bool {
        if !self.receipts.is_empty() {
            self.receipts.truncate(self.receipts.len().saturating_sub(RECEIPTS_PER_PIECE));
            true
        } else if self.receipts.capacity() > 0 {
            self.receipts = Vec::new();
            true
        } else {
            self.store.drop_one()
        }
    }

    /// Frees pieces until `done` is set or nothing is left: beside a
    /// serial step, which sets `done` when it ends and then waits at most a
    /// piece for this to return.
    pub(crate) fn drop_until(&mut self, done: &AtomicBool) {
        while !done.load(Ordering::Relaxed) && self.drop_one() {}
    }

    /// [`Garbage::drop_until`] as work beside a serial step (`beside.rs`);
    /// none when nothing is left to free or it is not `wanted`, so that no
    /// thread is forked for nothing.
    pub(crate) fn freeing(&mut self, wanted: bool) -> Option<impl FnMut(&AtomicBool) + Send + '_> {
        (wanted && !self.is_empty()).then_some(move |done: &AtomicBool| self.drop_until(done))
    }

    /// Frees what is left on the current rayon pool.
    pub(crate) fn drop_in_parallel(self) {
        let Garbage { receipts, store } = self;
        rayon::join(
            || receipts.into_par_iter().with_min_len(RECEIPTS_PER_TASK).for_each(drop),
            || store.drop_in_parallel(),
        );
    }
}

/// Frees a block's output and the state it superseded on `pool`, now.
pub(crate) fn retire(pool: &rayon::ThreadPool, output: BlockOutput, superseded: ResourceStore) {
    pool.install(|| Garbage::new(output, superseded).drop_in_parallel());
}

#[cfg(test)]
mod tests {
    use resin_format::file_format::AccountAddress;
    use resin_state::{ResourceKey, Shared, TypeId, Value, WriteSet};
    use resin_vm::Status;

    use super::*;

    /// `receipts` receipts and a store of `entries` superseded by a block
    /// that rewrote half of them (so it owns the chunks the block copied).
    fn garbage(receipts: usize, entries: u64) -> Garbage {
        let key = |n: u64| ResourceKey { address: AccountAddress::from_u64(n), ty: TypeId(7) };
        let mut old = ResourceStore::new();
        old.apply_batch((0..entries).map(|n| (key(n), Some(Shared::new(Value::U64(n))))).collect());
        let mut new = old.clone();
        new.apply_batch((0..entries).step_by(2).map(|n| (key(n), Some(Shared::new(Value::U64(n + 1))))).collect());
        let receipt =
            Receipt { status: Status::Success, gas_used: 1, events: Vec::new(), write_set: WriteSet::default() };
        let output =
            BlockOutput { receipts: vec![receipt; receipts], state_root: new.root(), stats: Default::default() };
        Garbage::new(output, old)
    }

    #[test]
    fn work_beside_a_step_frees_nothing_once_told_and_everything_if_never_told() {
        let mut kept = garbage(1_000, 5_000);
        let pieces = kept.store.len();
        assert!(pieces > 64, "the store comes apart in many pieces: {pieces}");
        kept.drop_until(&AtomicBool::new(true));
        assert_eq!((kept.receipts.len(), kept.store.len()), (1_000, pieces));
        kept.drop_until(&AtomicBool::new(false));
        assert!(kept.is_empty());
        assert_eq!(kept.receipts.capacity(), 0, "the receipts' buffer is freed too");
    }

    #[test]
    fn pieces_are_a_few_receipts_then_their_buffer_then_the_store_a_piece_at_a_time() {
        let mut kept = garbage(300, 2_000);
        let pieces = kept.store.len();
        let mut seen = Vec::new();
        while kept.drop_one() {
            seen.push((kept.receipts.len(), kept.receipts.capacity() > 0, kept.store.len()));
        }
        let receipts = [172, 44, 0].map(|left| (left, true, pieces));
        assert_eq!(seen[..3], receipts);
        assert_eq!(seen[3], (0, false, pieces));
        let store: Vec<usize> = seen[4..].iter().map(|&(_, _, left)| left).collect();
        assert_eq!(store, (0..pieces).rev().collect::<Vec<_>>());
        assert!(kept.is_empty());
    }
}
