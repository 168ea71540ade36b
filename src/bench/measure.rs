//! Timing one executor through consecutive blocks, the way a chain runs
//! them: each block on the state the previous one left, from an O(1)
//! snapshot of it (as a session does), and the clock stopped only after
//! the block is retired: what it leaves behind handed to the executor,
//! which drops one block's worth of leftovers per block (the parallel
//! executor those of the block before, partly beside this block's
//! numbering).

use std::time::{Duration, Instant};

use resin_scheduler::{BlockExecutor, BlockOutput};
use resin_state::store::ResourceStore;
use resin_vm::{BlockContext, CodeCache, Transaction};

use crate::alloc_count::allocations;

/// An executor and the chain of states it has produced.
pub struct Runner<E> {
    pub executor: E,
    pub state: ResourceStore,
    /// Touched memory the allocator holds before each block (`heap.rs`).
    pub reserve: usize,
}

/// A block that ran but whose output and superseded state are not dropped
/// yet: the comparison of the two executors' results happens here, off the
/// clock.
pub struct Ran {
    pub output: BlockOutput,
    next: ResourceStore,
    wall: Duration,
    allocations: u64,
}

/// One executor's measurements of one block.
#[derive(Clone, Debug)]
pub struct Sample {
    /// Wall time of the whole block: execution, and every drop after it.
    pub wall: Duration,
    /// Of `wall`: retiring the block (`BlockExecutor::retire`), which drops
    /// what the executor has left to drop.
    pub dropped: Duration,
    pub allocations: u64,
    pub output: resin_scheduler::BlockStats,
}

impl<E: BlockExecutor> Runner<E> {
    /// Runs `block` on a snapshot of the current state.
    pub fn run(&mut self, code: &CodeCache, block: &[Transaction], context: BlockContext) -> Ran {
        super::heap::top_up(self.reserve);
        let allocs = allocations();
        let start = Instant::now();
        let mut next = self.state.clone();
        let output = self.executor.execute_block(code, &mut next, block, context);
        let wall = start.elapsed();
        Ran { output, next, wall, allocations: allocations() - allocs }
    }

    /// Adopts the block's state and retires the output and the state it
    /// supersedes, on the clock.
    pub fn finish(&mut self, ran: Ran) -> Sample {
        let Ran { output, next, wall, allocations: before } = ran;
        let stats = output.stats.clone();
        let allocs = allocations();
        let start = Instant::now();
        self.executor.retire(output, std::mem::replace(&mut self.state, next));
        let dropped = start.elapsed();
        Sample { wall: wall + dropped, dropped, allocations: before + (allocations() - allocs), output: stats }
    }

    /// Frees what the executor kept of the blocks it retired
    /// (`BlockExecutor::flush`), and how long that took.
    pub fn flush(&mut self) -> Duration {
        let start = Instant::now();
        self.executor.flush();
        start.elapsed()
    }
}
