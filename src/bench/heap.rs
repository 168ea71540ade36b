//! Memory the allocator already holds, touched, before each timed block.
//!
//! A page of memory costs the operating system something the first time it
//! is touched (mapped and zeroed), and on a virtual machine whose host maps
//! guest memory lazily it costs far more: ~2.7 ms per MB on the 2-vCPU
//! development machine, about as much as executing a thousand transfers.
//! The allocator keeps what it has freed (see `alloc_count.rs`), so a block
//! mostly reuses the memory the block before it freed; but a workload that
//! grows the state (mints, ballots) needs more every block, and the two
//! executors share one heap: the executor that ran first in a block took
//! the freed memory, and the one that ran second paid the host for the
//! growth of both, which decided the speedup more than the executors did.
//!
//! So before each timed block, off the clock, the bench makes sure the
//! allocator holds a reserve of touched memory, as a node's heap does once it
//! has run for a while: it allocates the reserve in chunks, writes every
//! page and frees it. Memory the allocator already held costs one pass of
//! writes; only the shortfall is new.

use std::hint::black_box;

/// The size of one chunk: large enough to come from the allocator's arenas
/// directly, so that, freed, it is available to objects of any size.
const CHUNK: usize = 1 << 20;

/// The reserve for blocks of `txs` transactions: 4 KiB a transaction (the
/// largest growth measured, an NFT mint's ~2.5 KB in each of two executors,
/// rounded up), at least 64 MiB and at most 4 GiB.
pub fn reserve_for(txs: usize) -> usize {
    txs.saturating_mul(4 << 10).clamp(64 << 20, 4 << 30)
}

/// Makes sure the allocator holds `bytes` of touched, free memory.
pub fn top_up(bytes: usize) {
    let chunks: Vec<Vec<u8>> = (0..bytes.div_ceil(CHUNK)).map(|_| vec![1u8; CHUNK]).collect();
    // Kept observable, so that the writes are not optimised away.
    black_box(&chunks);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reserve_follows_the_block_within_bounds() {
        assert_eq!(reserve_for(10), 64 << 20);
        assert_eq!(reserve_for(100_000), 100_000 * 4096);
        assert_eq!(reserve_for(10_000_000), 4 << 30);
        top_up(3 * CHUNK + 1);
    }
}
