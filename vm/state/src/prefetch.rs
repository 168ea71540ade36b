//! A hint to the CPU to start loading a cache line that will be read soon.
//!
//! A pass over scattered memory knows what it reads next: a lane the next
//! transaction and the overlay slots it touches, the commit the written
//! values whose leaves it hashes. Each first touch would otherwise wait
//! for memory in the middle of the work; asked for ahead, the waits
//! overlap it. A prefetch has no effect on what the program computes;
//! where the target has no such instruction it does nothing.

/// Starts loading the cache line holding `value` into every cache level.
#[inline(always)]
pub fn prefetch<T>(value: &T) {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse"))]
    safe_arch::prefetch_t0(value);
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse")))]
    let _ = value;
}
