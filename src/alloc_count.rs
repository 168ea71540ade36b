//! The global allocator: mimalloc, counting allocations so that `resin
//! bench` can report allocations per transaction, and calling mimalloc's
//! plain allocation wherever its blocks are aligned enough (`plain`).
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

/// mimalloc's `MI_MAX_ALIGN_SIZE`: the first block of every page is aligned
/// to it, and its size classes are multiples of 8 bytes, and of 16 above
/// 64 bytes (the exact classes of 16, 32 and 48 included).
const PLAIN_ALIGN: usize = 16;

/// Whether `mi_malloc(size)` alone returns memory aligned to `align`: any
/// alignment up to 8 bytes, and 16 for a size that is a multiple of 16 (a
/// Rust type's size is a multiple of its alignment, so every type of
/// alignment 16 qualifies; `alignment_of_plain_allocations` checks it).
///
/// The `mimalloc` crate sends every allocation to `mi_malloc_aligned`.
/// mimalloc 3 serves that from the size class's page while the page's next
/// free block happens to be aligned; once the page is used up, a size that
/// is not a power of two (a 24-byte vector of values, a 48-byte struct) is
/// over-allocated from a larger class and aligned inside its block, which
/// does not refill the class's own page, so later allocations of that size
/// keep taking the slow path. One 20,000-transaction `nft` block in order
/// made 344,000 such calls; plain, it makes none, and the block's lane runs
/// 1.4% fewer instructions.
fn plain(size: usize, align: usize) -> bool {
    align <= 8 || (align == PLAIN_ALIGN && size.is_multiple_of(PLAIN_ALIGN))
}

// SAFETY: every call is forwarded to mimalloc, which upholds the
// `GlobalAlloc` contract: `mi_malloc`, `mi_zalloc` and `mi_realloc` only
// where [`plain`] says their blocks meet the layout's alignment, the
// `mimalloc` crate's aligned calls otherwise; `mi_free` and `mi_realloc`
// take blocks from either. Counting touches only atomics and a
// thread-local `Cell` and never allocates.
unsafe impl GlobalAlloc for CountingMimalloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        if plain(layout.size(), layout.align()) {
            // SAFETY: `mi_malloc` has no preconditions.
            return unsafe { libmimalloc_sys::mi_malloc(layout.size()) }.cast();
        }
        // SAFETY: the caller's contract is mimalloc's.
        unsafe { mimalloc::MiMalloc.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        if plain(layout.size(), layout.align()) {
            // SAFETY: as above.
            return unsafe { libmimalloc_sys::mi_zalloc(layout.size()) }.cast();
        }
        // SAFETY: as above.
        unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        if plain(new_size, layout.align()) {
            // SAFETY: `ptr` is a live block of this allocator (the caller's
            // contract), which `mi_realloc` takes whichever call made it.
            return unsafe { libmimalloc_sys::mi_realloc(ptr.cast(), new_size) }.cast();
        }
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

    /// Every layout [`super::plain`] sends to `mi_malloc` gets a block of
    /// its alignment, from every size class up to mimalloc's large
    /// objects, fresh, reused and grown.
    #[test]
    fn alignment_of_plain_allocations() {
        use std::alloc::{GlobalAlloc, Layout};
        let a = super::CountingMimalloc;
        for align in [1usize, 2, 4, 8, 16] {
            let aligned = |p: *mut u8| !p.is_null() && (p as usize).is_multiple_of(align);
            let mut blocks = Vec::new();
            // Every size up to 4 KiB, then a few around each power of two
            // up to mimalloc's huge objects (4 MiB).
            let large = (12..23).flat_map(|k: u32| [(1usize << k) - align, 1 << k, (1 << k) + align, 5 << (k - 2)]);
            let sizes = (align..=4096).step_by(align).chain(large).filter(|&s| super::plain(s, align));
            for size in sizes {
                let layout = Layout::from_size_align(size, align).unwrap();
                // Several per class, so that later ones come from inside a page.
                for _ in 0..3 {
                    // SAFETY: the layout has a non-zero size.
                    let p = unsafe { a.alloc(layout) };
                    assert!(aligned(p), "size {size} align {align}: {p:p}");
                    // SAFETY: as above; `p` is a block of `layout`.
                    let z = unsafe { a.alloc_zeroed(layout) };
                    assert!(aligned(z), "zeroed size {size} align {align}");
                    // SAFETY: `z` is a block of `layout`, zeroed.
                    let zeroed = unsafe { std::slice::from_raw_parts(z, size) };
                    assert!(zeroed.iter().take(64).chain(zeroed.last()).all(|&b| b == 0));
                    // SAFETY: `p` is a block of `layout`; the new size is plain too.
                    let grown = unsafe { a.realloc(p, layout, size + align) };
                    assert!(aligned(grown), "grown size {size} align {align}");
                    blocks.push((grown, Layout::from_size_align(size + align, align).unwrap()));
                    blocks.push((z, layout));
                }
                if blocks.len() > 3_000 {
                    for (p, layout) in blocks.drain(..) {
                        // SAFETY: each is a live block of its layout.
                        unsafe { a.dealloc(p, layout) };
                    }
                }
            }
            for (p, layout) in blocks {
                // SAFETY: as above.
                unsafe { a.dealloc(p, layout) };
            }
        }
        assert!(!super::plain(24, 16) && !super::plain(64, 32) && super::plain(48, 16) && super::plain(24, 8));
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
