//! A block in which no transaction depends on another (its conflict graph
//! has no edge: mints into a collection, votes on a proposal, transfers
//! between disjoint pairs). Any lane may run any of its transactions at any
//! time, so instead of the plan's lanes, each fixed before the run from
//! estimated costs, the lanes take consecutive chunks of the block from one
//! cursor as they become free: they finish within a chunk of each other
//! however wrong the estimates were or however unevenly the machine ran
//! them, where fixed lanes leave one core idle while the other finishes.
//! Each lane's transactions still come in increasing block order, so the
//! executor merges their receipts as it merges the plan's lanes'.

use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::graph::TxIndex;

/// Transactions per chunk for `n` transactions on `lanes` lanes: about 64
/// chunks a lane, so the lanes end close together (a take is one atomic add
/// on a line all lanes write: 64 a lane cost nothing next to the block), and
/// no more than 256 (a chunk's time is what one lane may still run after the
/// others ran out). A small block goes a transaction at a time.
pub(crate) fn chunk_size(n: usize, lanes: usize) -> usize {
    (n / lanes.max(1) / 64).clamp(1, 256)
}

/// One lane's transactions: chunks of `size` consecutive indexes below
/// `end`, taken from `cursor`, which every lane shares. Each index is taken
/// by exactly one lane, and each lane's come in increasing order.
pub(crate) struct Chunks<'a> {
    cursor: &'a AtomicUsize,
    size: usize,
    end: usize,
    current: Range<TxIndex>,
}

impl<'a> Chunks<'a> {
    pub(crate) fn new(cursor: &'a AtomicUsize, size: usize, end: usize) -> Self {
        Chunks { cursor, size: size.max(1), end, current: 0..0 }
    }
}

impl Chunks<'_> {
    /// Takes the next chunk from the cursor, whole (a lane on the frontier
    /// walks its chunks itself); `None` once the block is all taken.
    pub(crate) fn next_chunk(&mut self) -> Option<Range<TxIndex>> {
        // Relaxed: only the add's atomicity matters (no two lanes get one
        // start); what the transactions read and write is ordered by the
        // overlay's slots, and the lanes' results by the pool's join.
        let start = self.cursor.fetch_add(self.size, Ordering::Relaxed);
        if start >= self.end {
            // Later calls add again, each by `size`: harmless, as the
            // cursor stays far below overflow for any block there is.
            return None;
        }
        let end = start.saturating_add(self.size).min(self.end);
        Some(TxIndex::try_from(start).ok()?..TxIndex::try_from(end).ok()?)
    }
}

impl Iterator for Chunks<'_> {
    type Item = TxIndex;

    fn next(&mut self) -> Option<TxIndex> {
        if self.current.is_empty() {
            self.current = self.next_chunk()?;
        }
        self.current.next()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lanes_take_every_index_once_in_increasing_order_per_lane() {
        for (n, size, lanes) in [(0, 16, 2), (1, 16, 2), (100, 16, 2), (1000, 7, 3), (4097, 256, 16)] {
            let cursor = AtomicUsize::new(0);
            let taken: Vec<Vec<TxIndex>> = std::thread::scope(|s| {
                let handles: Vec<_> =
                    (0..lanes).map(|_| s.spawn(|| Chunks::new(&cursor, size, n).collect::<Vec<_>>())).collect();
                handles.into_iter().map(|h| h.join().unwrap_or_default()).collect()
            });
            for lane in &taken {
                assert!(lane.windows(2).all(|w| w[0] < w[1]), "a lane's indexes increase");
            }
            let mut all: Vec<TxIndex> = taken.concat();
            all.sort_unstable();
            let expected: Vec<TxIndex> = (0..n as TxIndex).collect();
            assert_eq!(all, expected, "n {n}, size {size}, lanes {lanes}");
        }
    }

    #[test]
    fn chunks_are_between_1_and_256_transactions() {
        assert_eq!(chunk_size(10, 2), 1);
        assert_eq!(chunk_size(1000, 2), 7);
        assert_eq!(chunk_size(10_000, 2), 78);
        assert_eq!(chunk_size(100_000, 2), 256);
        assert_eq!(chunk_size(100_000, 0), 256);
    }
}
