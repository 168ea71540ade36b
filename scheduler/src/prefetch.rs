//! A hint to the CPU to start loading a cache line that will be read soon.
//!
//! A lane knows the next transaction it runs and which overlay slots that
//! transaction will touch; those slots are scattered over megabytes, so each
//! first touch would otherwise wait for memory in the middle of the VM's
//! work. Asking for them one transaction ahead lets that wait overlap the
//! current transaction. A prefetch has no effect on what the program
//! computes; where the target has no such instruction it does nothing.

/// Starts loading the cache line holding `value` into every cache level.
#[inline(always)]
pub(crate) fn prefetch<T>(value: &T) {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse"))]
    safe_arch::prefetch_t0(value);
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse")))]
    let _ = value;
}
