//! The machine's own parallel ceiling: how much more work `threads`
//! threads get done than one, on work that shares nothing.
//!
//! A speedup is only readable against what the machine can give. Two vCPUs
//! of a virtual machine are not always two cores: the host may run them on
//! the two hyperthreads of one core, or cap the machine's CPU time, and
//! then even fully independent work runs barely faster on two threads than
//! on one. The bench measures that in the same run as the blocks, on two
//! kernels that bracket what a block does:
//!
//! - `compute`: a dependent chain of multiplies and rotates in registers,
//!   which hyperthreads of one core split between them;
//! - `memory`: a pointer chase through a random cycle of 16 MiB per thread
//!   (beyond a core's L2, so each step waits on a cache miss), like the
//!   store's lookups and the interpreter's loads that dominate a block.
//!
//! Each is timed alone, then on every thread at once (each thread its own
//! copy of the work); the ceiling is `threads` × alone ÷ together, each time
//! the median of [`REPEATS`].

use std::hint::black_box;
use std::sync::{Arc, Barrier, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// What `threads` independent threads do over one thread.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ceiling {
    /// The threads measured: the executor's, at most one per core.
    pub threads: usize,
    pub compute: f64,
    pub memory: f64,
}

/// Elements of one thread's pointer-chase cycle (`u32` each: 16 MiB).
const CHASE_LEN: usize = 1 << 22;
/// Steps of one unit of memory work.
const CHASE_STEPS: usize = 10_000;
/// Rounds of one unit of compute work.
const COMPUTE_ROUNDS: u64 = 200_000;
/// A run lasts at least this long alone (the units are calibrated to it),
/// so that timer resolution and thread start-up are noise, in any build.
const RUN: Duration = Duration::from_millis(10);
/// Timed runs of each measurement; the median counts.
const REPEATS: usize = 3;
/// How long the executors' idle pool threads get to fall asleep first.
const SETTLE: Duration = Duration::from_millis(20);

/// The ceiling for `threads` threads, at most one per core (more threads
/// than cores only share them, and each needs 16 MiB of its own); `None`
/// below two.
pub fn parallel_ceiling(threads: usize) -> Option<Ceiling> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = threads.min(cores);
    if threads < 2 {
        return None;
    }
    std::thread::sleep(SETTLE);
    let cycles = chase_cycles(threads);
    let compute = ratio(threads, |_, units| {
        for _ in 0..units {
            black_box(compute(COMPUTE_ROUNDS));
        }
    });
    let memory = ratio(threads, |t, units| {
        if let Some(cycle) = cycles.get(t) {
            for _ in 0..units {
                black_box(chase(cycle, CHASE_STEPS));
            }
        }
    });
    Some(Ceiling { threads, compute, memory })
}

/// `threads` × (one run alone) ÷ (every thread's run at once); `work(t,
/// units)` is thread `t`'s run of `units` units.
fn ratio(threads: usize, work: impl Fn(usize, u32) + Sync) -> f64 {
    // Doubling until one run lasts `RUN` also brings code and data into the
    // caches before anything is timed.
    let mut units = 1u32;
    while time(|| work(0, units)) < RUN && units < 1 << 20 {
        units *= 2;
    }
    let alone = median((0..REPEATS).map(|_| time(|| work(0, units))).collect());
    let together = median((0..REPEATS).map(|_| together(threads, &|t| work(t, units))).collect());
    threads as f64 * alone.as_secs_f64() / together.as_secs_f64().max(1e-9)
}

/// The wall time from a common start until the last of `threads` threads
/// has done its run. Where the executor pins its lanes to cores of their
/// own, so are these threads: the ceiling is the machine as the lanes see
/// it, not as the operating system happens to place fresh threads.
fn together(threads: usize, work: &(dyn Fn(usize) + Sync)) -> Duration {
    let start = Barrier::new(threads + 1);
    let pinned = resin_scheduler::pinning::pins(threads).is_some();
    std::thread::scope(|scope| {
        let runs: Vec<_> = (0..threads)
            .map(|t| {
                let start = &start;
                scope.spawn(move || {
                    if pinned {
                        resin_scheduler::pinning::pin_to_nth(t);
                    }
                    start.wait();
                    work(t);
                    Instant::now()
                })
            })
            .collect();
        start.wait();
        let began = Instant::now();
        let ends = runs.into_iter().filter_map(|r| r.join().ok());
        ends.max().map_or(Duration::ZERO, |end| end.saturating_duration_since(began))
    })
}

fn time(run: impl FnOnce()) -> Duration {
    let start = Instant::now();
    run();
    start.elapsed()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

/// A chain of dependent multiply-rotates: every step waits on the last.
fn compute(rounds: u64) -> u64 {
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    for i in 0..rounds {
        x = (x ^ i).wrapping_mul(0xD6E8_FEB8_6659_FD93).rotate_left(29);
    }
    x
}

/// Follows `steps` links of `cycle` from its start.
fn chase(cycle: &[u32], steps: usize) -> u32 {
    let mut at = 0u32;
    for _ in 0..steps {
        at = cycle.get(at as usize).copied().unwrap_or(0);
    }
    at
}

/// One random single cycle through [`CHASE_LEN`] slots for each of
/// `threads` threads, each built once per process: touching fresh memory is
/// slow on a virtual machine (the host maps it on first use), and the bench
/// measures the ceiling around every workload.
fn chase_cycles(threads: usize) -> Vec<Arc<Vec<u32>>> {
    static CYCLES: Mutex<Vec<Arc<Vec<u32>>>> = Mutex::new(Vec::new());
    let mut cycles = CYCLES.lock().unwrap_or_else(PoisonError::into_inner);
    while cycles.len() < threads {
        let seed = cycles.len() as u64 + 1;
        cycles.push(Arc::new(random_cycle(CHASE_LEN, seed)));
    }
    cycles.iter().take(threads).cloned().collect()
}

/// `next[i]` links the slots in one cycle, in an order from Sattolo's
/// shuffle: no short loop lets a chase stay in the cache.
fn random_cycle(len: usize, seed: u64) -> Vec<u32> {
    let mut order: Vec<u32> = (0..len as u32).collect();
    let mut state = seed;
    for i in (1..len).rev() {
        // splitmix64: good enough to scatter the slots.
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        let j = (z % i as u64) as usize;
        order.swap(i, j);
    }
    let mut next = vec![0u32; len];
    for (k, &slot) in order.iter().enumerate() {
        let following = order[(k + 1) % len];
        next[slot as usize] = following;
    }
    next
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chase_visits_every_slot_once_per_lap() {
        let cycle = random_cycle(1000, 7);
        let mut seen = vec![false; cycle.len()];
        let mut at = 0usize;
        for _ in 0..cycle.len() {
            assert!(!seen[at], "slot {at} visited twice in one lap");
            seen[at] = true;
            at = cycle[at] as usize;
        }
        assert_eq!(at, 0, "one lap returns to the start");
        assert!(seen.iter().all(|s| *s));
    }

    #[test]
    fn the_ceiling_is_positive_and_measured_on_at_most_one_thread_per_core() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert_eq!(parallel_ceiling(1), None);
        // Far more threads than any core count: measured on one per core.
        let Some(ceiling) = parallel_ceiling(10_000) else {
            assert!(cores < 2, "a machine of {cores} cores has a ceiling");
            return;
        };
        assert_eq!(ceiling.threads, cores);
        // Work that shares nothing can at best scale with the threads; a
        // loaded test machine can push it well below one (or, by slowing
        // the run alone, above), but a sane measurement is neither zero nor
        // unbounded.
        for r in [ceiling.compute, ceiling.memory] {
            assert!(r.is_finite() && r > 0.02 && r < 8.0 * cores as f64, "{ceiling:?}");
        }
    }
}
