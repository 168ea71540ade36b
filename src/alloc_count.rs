//! The global allocator: mimalloc, counting allocations so that `resin
//! bench` can report allocations per transaction.
//!
//! The count is striped over cache-line-sized counters, one per thread (modulo
//! the stripe count), so that threads allocating at once do not fight over one
//! cache line: a contended counter would slow the very blocks it measures.
//! It is read only around a timed block.
//!
//! [`retain_freed_memory`] keeps memory mimalloc has freed instead of handing
//! it back to the operating system once it has been free for a second
//! (mimalloc 3's default). A block allocates and frees hundreds of megabytes
//! (its overlay, receipts, write sets, the copied paths of the state's
//! maps); handed back, it was faulted in again by later blocks, and the
//! kernel zeroed each 2 MiB huge page first: a sixth of `resin bench`'s
//! time went to `clear_page`, and its page faults fell from 107,000 to 900
//! with the memory kept. The peak resident size barely moves (671 → 711 MB
//! over a whole `resin bench`): freed memory is reused, not leaked.
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

/// mimalloc's `mi_option_purge_delay`: its position in the bundled
/// mimalloc 3's `mi_option_t` (`libmimalloc-sys` names no constant for it;
/// the test below checks the position against the option's default).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Never purge freed memory: see the module comment. Call it once, before
/// the work starts; it only changes when memory goes back to the system.
pub fn retain_freed_memory() {
    // SAFETY: setting an option is mimalloc's documented thread-safe API,
    // with no pointer arguments.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, -1) }
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
    fn the_purge_delay_option_is_mimallocs() {
        // mimalloc 3 documents the purge delay's default as 1,000 ms; the
        // options beside it default to other values (eager commit delay 1,
        // NUMA nodes 0).
        // SAFETY: reading options is thread-safe and takes no pointers.
        let [before, at, after] = [14, 15, 16].map(|o| unsafe { libmimalloc_sys::mi_option_get(o) });
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            assert_eq!((before, at, after), (1, 1000, 0), "option positions moved");
        }
    }

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
