//! Which core each lane of a parallel executor runs on.
//!
//! A block's lanes wait for each other, so they only go faster than one
//! thread if each has a core of its own the whole time. The operating
//! system does not see to that: woken together, two lanes can land on one
//! core, and Linux moves one to an idle core only once its load balancer
//! has failed to for a while (a lane that just ran counts as cache-hot):
//! traced on the 2-core development machine, two lanes took turns on one
//! core in 4 ms slices for 11 ms while the other core sat idle, and a lane
//! waiting for the other spent ~40 µs a wait (a 10,000-transaction block
//! ran at 0.75x the one-thread engine; docs/PERFORMANCE.md).
//!
//! So a pool of several threads pins them to distinct cores of those this
//! process may run on. Pools are handed cores in turn across the process,
//! so two executors (or tests running side by side) do not all start at
//! core 0. A pool with more threads than cores pins them to the cores in
//! turn, as evenly as they go: its lanes must share cores anyway, and left
//! to the operating system three lanes would sometimes share one core
//! while another had one, and a lane waiting for a lane on its own core
//! would not hand that core over. Pinned, a waiting lane's yield runs the
//! lane beside it. On the 2-core development machine, 4 lanes on 10,000
//! transfers among 10 accounts ran at 0.43x the one-thread engine left
//! to the operating system and 0.91x pinned in turn; among 100 accounts
//! 0.72x and 0.99x (2 lanes: 1.13x and 1.59x).
//!
//! Cores are handed out one logical CPU per physical core first, then the
//! hyperthread siblings (Linux's `topology` in sysfs): where siblings are
//! numbered side by side, pinning two lanes to CPUs 0 and 1 would put
//! them on one physical core, which the operating system, left alone,
//! would have avoided.

use std::sync::atomic::{AtomicUsize, Ordering};

use core_affinity::CoreId;

/// The next core to hand out, counted across every pool of the process.
static NEXT: AtomicUsize = AtomicUsize::new(0);

/// The cores this process may run on, one logical CPU of each physical
/// core first, then the siblings.
fn allowed() -> Option<Vec<CoreId>> {
    core_affinity::get_core_ids().map(|cores| physical_first(cores, physical_core))
}

/// The physical core of logical CPU `cpu` (package and core id), from
/// sysfs; `None` where that cannot be read (another system, a sandbox).
fn physical_core(cpu: usize) -> Option<(u32, u32)> {
    let read = |name: &str| {
        std::fs::read_to_string(format!("/sys/devices/system/cpu/cpu{cpu}/topology/{name}"))
            .ok()
            .and_then(|text| text.trim().parse::<u32>().ok())
    };
    Some((read("physical_package_id")?, read("core_id")?))
}

/// `cores` reordered so that each physical core's first logical CPU comes
/// before any second one (and so on), otherwise in the order given. A CPU
/// whose physical core is unknown counts as a core of its own.
fn physical_first(cores: Vec<CoreId>, physical: impl Fn(usize) -> Option<(u32, u32)>) -> Vec<CoreId> {
    let mut seen: Vec<(u32, u32)> = Vec::new();
    let mut ranked: Vec<(usize, CoreId)> = cores
        .into_iter()
        .map(|core| match physical(core.id) {
            Some(id) => {
                let rank = seen.iter().filter(|&&s| s == id).count();
                seen.push(id);
                (rank, core)
            }
            None => (0, core),
        })
        .collect();
    // Stable: within a rank, the order given.
    ranked.sort_by_key(|&(rank, _)| rank);
    ranked.into_iter().map(|(_, core)| core).collect()
}

/// The cores for a pool of `threads` threads, its thread `i` on the
/// `i`th (wrapping past the last core); none when the pool should not be
/// pinned (one thread, one core, or the cores cannot be read).
pub(crate) fn cores_for(threads: usize) -> Option<Vec<CoreId>> {
    let cores = allowed()?;
    if !pinned_among(threads, cores.len()) {
        return None;
    }
    let first = NEXT.fetch_add(threads, Ordering::Relaxed);
    Some(spread(&cores, first, threads))
}

/// The cores a parallel executor of `threads` threads pins them to here:
/// as many as there are threads, or all of this process's when there are
/// more threads; `None` when it does not pin them.
pub fn pins(threads: usize) -> Option<usize> {
    let cores = core_affinity::get_core_ids()?.len();
    pinned_among(threads, cores).then(|| threads.min(cores))
}

/// Whether a pool of `threads` threads is pinned among `cores` cores.
fn pinned_among(threads: usize, cores: usize) -> bool {
    threads >= 2 && cores >= 2
}

/// `threads` cores of `cores`, from the `first`th on, wrapping: distinct
/// while there are enough, then each in turn again.
fn spread(cores: &[CoreId], first: usize, threads: usize) -> Vec<CoreId> {
    (0..threads).filter_map(|i| cores.get((first + i) % cores.len().max(1)).copied()).collect()
}

/// Pins the calling thread to the `n`th core this process may run on
/// (wrapping), as the `n`th lane of a pinned pool starting at the first
/// core would be: for measurements that should see the machine as the
/// lanes do (`resin bench`'s parallel ceiling). False when not pinned.
pub fn pin_to_nth(n: usize) -> bool {
    let Some(cores) = allowed() else { return false };
    spread(&cores, n, 1).first().is_some_and(|&core| pin(core))
}

/// Pins the calling thread to `core`; false if refused. A refusal (a
/// container that forbids it) leaves the thread where the operating system
/// put it: only speed depends on this, never a result.
pub(crate) fn pin(core: CoreId) -> bool {
    core_affinity::set_for_current(core)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[CoreId]) -> Vec<usize> {
        v.iter().map(|c| c.id).collect()
    }

    /// How many of `cores` name each core.
    fn per_core(cores: impl IntoIterator<Item = usize>) -> std::collections::BTreeMap<usize, usize> {
        let mut counts = std::collections::BTreeMap::new();
        for core in cores {
            *counts.entry(core).or_insert(0) += 1;
        }
        counts
    }

    #[test]
    fn a_pool_gets_distinct_cores_wrapping_past_the_last() {
        let cores: Vec<CoreId> = [3, 5, 7, 9].map(|id| CoreId { id }).to_vec();
        assert_eq!(ids(&spread(&cores, 0, 4)), [3, 5, 7, 9]);
        assert_eq!(ids(&spread(&cores, 2, 3)), [7, 9, 3]);
        assert_eq!(ids(&spread(&cores, 6, 2)), [7, 9]);
    }

    #[test]
    fn siblings_come_after_one_cpu_of_every_physical_core() {
        let cores: Vec<CoreId> = (0..6).map(|id| CoreId { id }).collect();
        // Siblings side by side (0 and 1 one core, 2 and 3 another), two
        // packages; CPU 5's topology unknown.
        let topology = |cpu: usize| match cpu {
            0 | 1 => Some((0, 0)),
            2 | 3 => Some((0, 1)),
            4 => Some((1, 0)),
            _ => None,
        };
        assert_eq!(ids(&physical_first(cores.clone(), topology)), [0, 2, 4, 5, 1, 3]);
        // Siblings numbered a core count apart stay as they are.
        let apart = |cpu: usize| Some((0, (cpu % 3) as u32));
        assert_eq!(ids(&physical_first(cores, apart)), [0, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn only_pools_of_several_threads_on_several_cores_are_pinned() {
        assert!(!pinned_among(0, 4));
        assert!(!pinned_among(1, 4));
        assert!(pinned_among(2, 4));
        assert!(pinned_among(4, 4));
        assert!(pinned_among(5, 4));
        assert!(!pinned_among(2, 1));
        assert!(!pinned_among(2, 0));
    }

    #[test]
    fn more_threads_than_cores_take_the_cores_in_turn() {
        let cores: Vec<CoreId> = [3, 5].map(|id| CoreId { id }).to_vec();
        assert_eq!(ids(&spread(&cores, 0, 5)), [3, 5, 3, 5, 3]);
        assert_eq!(ids(&spread(&cores, 1, 4)), [5, 3, 5, 3]);
    }

    #[test]
    fn an_executor_pools_threads_each_run_on_one_core() {
        let Some(cores) = core_affinity::get_core_ids() else { return };
        if cores.len() < 2 {
            return;
        }
        let Ok(pool) = crate::parallel::pool(2, "pin-test") else { panic!("no pool") };
        // A pinned thread's affinity mask is its one core.
        let masks = pool.broadcast(|_| core_affinity::get_core_ids().map(|c| ids(&c)));
        match masks.as_slice() {
            [Some(a), Some(b)] => assert!(a.len() == 1 && b.len() == 1 && a != b, "{masks:?}"),
            _ => panic!("{masks:?}"),
        }
        // A one-thread pool is left where the operating system puts it.
        let Ok(one) = crate::parallel::pool(1, "pin-test-one") else { panic!("no pool") };
        let mask = one.install(|| core_affinity::get_core_ids().map(|c| c.len()));
        assert_eq!(mask, Some(cores.len()));
        // Twice as many threads as cores: each thread on one core, each
        // core holding two of them.
        let Ok(over) = crate::parallel::pool(2 * cores.len(), "pin-test-over") else { panic!("no pool") };
        let masks = over.broadcast(|_| core_affinity::get_core_ids().map(|c| ids(&c)));
        let one_core_each = masks.iter().map(|mask| match mask.as_deref() {
            Some(&[core]) => core,
            _ => panic!("{masks:?}"),
        });
        let counts = per_core(one_core_each);
        assert_eq!(counts.len(), cores.len(), "{masks:?}");
        assert!(counts.values().all(|&n| n == 2), "{masks:?}");
    }

    #[test]
    fn single_threads_are_not_pinned_and_oversubscribed_pools_are_spread() {
        assert!(cores_for(1).is_none());
        assert!(cores_for(0).is_none());
        let Some(cores) = core_affinity::get_core_ids() else { return };
        if cores.len() < 2 {
            return;
        }
        let two = cores_for(2).map(|c| ids(&c));
        assert!(matches!(two.as_deref(), Some([a, b]) if a != b), "{two:?}");
        // Twice as many threads as cores: every core gets exactly two.
        let Some(over) = cores_for(2 * cores.len()) else { panic!("an oversubscribed pool is pinned") };
        let counts = per_core(ids(&over));
        assert_eq!(counts.len(), cores.len(), "{counts:?}");
        assert!(counts.values().all(|&n| n == 2), "{counts:?}");
        assert_eq!(pins(2 * cores.len()), Some(cores.len()));
        assert_eq!(pins(1), None);
    }
}
