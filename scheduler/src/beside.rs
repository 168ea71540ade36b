//! Work beside a serial step: a step that runs on one thread of the pool
//! leaves the others waiting, and something that needs nothing from the
//! step can use one of them meanwhile (the parallel executor frees what the
//! block before left behind, `garbage.rs`).

use std::sync::atomic::{AtomicBool, Ordering};

/// Work for a thread that a serial step would leave waiting. It is given a
/// flag that the step sets when it is done, and should return soon after:
/// the step's caller waits for it.
pub(crate) type Beside<'a> = Option<&'a mut (dyn FnMut(&AtomicBool) + Send)>;

/// The work in `work`, if any, as [`Beside`].
pub(crate) fn beside<F: FnMut(&AtomicBool) + Send>(work: &mut Option<F>) -> Beside<'_> {
    match work {
        Some(work) => Some(work),
        None => None,
    }
}

/// Runs `step` on this thread and, on a pool of several threads, `beside`
/// on another meanwhile, telling it when `step` is done. On one thread
/// `beside` is not run at all: there is no waiting thread to give it.
pub(crate) fn serial_beside<T: Send>(step: impl FnOnce() -> T + Send, beside: Beside<'_>) -> T {
    match beside {
        Some(beside) if rayon::current_num_threads() > 1 => {
            let done = AtomicBool::new(false);
            let step = || {
                let out = step();
                done.store(true, Ordering::Relaxed);
                out
            };
            rayon::join(step, || beside(&done)).0
        }
        _ => step(),
    }
}
