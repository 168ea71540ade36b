//! The global allocator: mimalloc, counting allocations so that `resin
//! bench` can report allocations per transaction.
//!
//! The count is striped over cache-line-sized counters, one per thread (modulo
//! the stripe count), so that threads allocating at once do not fight over one
//! cache line: a contended counter would slow the very blocks it measures.
//! It is read only around a timed block.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

const STRIPES: usize = 16;

#[repr(align(128))]
struct Stripe(AtomicU64);

static COUNTS: [Stripe; STRIPES] = [const { Stripe(AtomicU64::new(0)) }; STRIPES];
static NEXT_STRIPE: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    // A const-initialised `Cell` without a destructor: reading it never
    // allocates, so it is safe to use inside the allocator.
    static STRIPE: Cell<usize> = const { Cell::new(usize::MAX) };
}

fn count_one() {
    let stripe = STRIPE.try_with(|s| {
        let mut index = s.get();
        if index == usize::MAX {
            index = NEXT_STRIPE.fetch_add(1, Ordering::Relaxed) % STRIPES;
            s.set(index);
        }
        index
    });
    // A thread being torn down has no slot any more; stripe 0 takes it.
    if let Some(counter) = COUNTS.get(stripe.unwrap_or(0)) {
        counter.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// Allocations (including reallocations) made so far by the whole process.
pub fn allocations() -> u64 {
    COUNTS.iter().map(|c| c.0.load(Ordering::Relaxed)).sum()
}

pub struct CountingMimalloc;

// SAFETY: every call is forwarded unchanged to mimalloc, which upholds the
// `GlobalAlloc` contract; counting touches only atomics and a thread-local
// `Cell` and never allocates.
unsafe impl GlobalAlloc for CountingMimalloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: the caller's contract is mimalloc's.
        unsafe { mimalloc::MiMalloc.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: as above.
        unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        // SAFETY: as above.
        unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn allocating_counts() {
        let before = super::allocations();
        let v: Vec<Box<u64>> = (0..100).map(Box::new).collect();
        let after = super::allocations();
        // 100 boxes and at least one vector buffer; other test threads may add more.
        assert!(after - before >= 101, "{before} -> {after}");
        drop(v);
    }
}
