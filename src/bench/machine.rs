//! What the bench says about where it ran, and its progress bar.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The CPU model as `/proc/cpuinfo` names it, where there is one.
pub fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    info.lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, name)| name.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|name| !name.is_empty())
}

/// How long the other threads get to fall asleep before [`core_round_trip`].
const SETTLE: Duration = Duration::from_millis(20);
/// Round trips before the timed ones, for this long.
const WARM_UP: Duration = Duration::from_millis(30);
/// Round trips timed, at most...
const ROUND_TRIPS: u64 = 200_000;
/// ...and for at most this long.
const ROUND_TRIP_BUDGET: Duration = Duration::from_millis(50);
/// Spins on the shared line before yielding: more threads than cores must
/// still make progress.
const SPINS_BEFORE_YIELD: u32 = 10_000;

/// A value on a cache line of its own.
#[repr(align(128))]
struct Padded(AtomicU64);

/// The time for a cache line to go from one core to another and back, in
/// nanoseconds: two threads passing a counter back and forth. `None` on one
/// core. A parallel block moves shared lines between cores (a key written
/// in one lane and read in another, a lane's progress), so its speed
/// follows this number; a virtual machine's host can move its vCPUs
/// between cores that share a cache (~90 ns here) and cores that do not
/// (~450 ns) from one second to the next, which the bench reports so that
/// its spread can be read.
pub fn core_round_trip() -> Option<f64> {
    if std::thread::available_parallelism().map_or(1, |n| n.get()) < 2 {
        return None;
    }
    // Idle pool threads spin a little before they sleep: let them, so that
    // they do not compete for the cores being measured.
    std::thread::sleep(SETTLE);
    const STOP: u64 = u64::MAX;
    // On a cache line of its own: beside the loop's own variables, the
    // timing thread's writes to them would bounce the line as well.
    let padded = Padded(AtomicU64::new(0));
    let ball = &padded.0;
    let wait_for = |want: u64| {
        let mut spins = 0u32;
        loop {
            let seen = ball.load(Ordering::Acquire);
            if seen == want || seen == STOP {
                return seen;
            }
            spins += 1;
            if spins < SPINS_BEFORE_YIELD {
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
    };
    // Where the executor pins its lanes, both ends are pinned to distinct
    // cores as two lanes are: two threads on one core would time the
    // operating system switching between them, not a cache line. (Both
    // are threads of their own, so the caller's thread stays unpinned.)
    let pinned = resin_scheduler::pinning::pins(2).is_some();
    std::thread::scope(|scope| {
        scope.spawn(|| {
            if pinned {
                resin_scheduler::pinning::pin_to_nth(1);
            }
            // Answers 2i + 1 with 2i + 2 until told to stop.
            let mut next = 1;
            while wait_for(next) != STOP {
                ball.store(next + 1, Ordering::Release);
                next += 2;
            }
        });
        let timer = scope.spawn(|| {
            if pinned {
                resin_scheduler::pinning::pin_to_nth(0);
            }
            time_trips(ball, &wait_for)
        });
        let trip = timer.join().ok().flatten();
        // Whatever became of the timer, the other end must stop.
        ball.store(STOP, Ordering::Release);
        trip
    })
}

/// Round trips of `ball` timed from this thread, which serves the odd
/// values (`wait_for` waits for a value or the stop); in nanoseconds.
fn time_trips(ball: &AtomicU64, wait_for: &impl Fn(u64) -> u64) -> Option<f64> {
    let mut trips = 0;
    let mut trip = || {
        ball.store(2 * trips + 1, Ordering::Release);
        wait_for(2 * trips + 2);
        trips += 1;
    };
    // Untimed first: the thread has to start, and a new thread may run
    // on its parent's core until the scheduler spreads the two.
    let warm = Instant::now();
    while warm.elapsed() < WARM_UP {
        trip();
    }
    let start = Instant::now();
    let mut timed = 0;
    // The clock is read every so many trips: reading it costs a third
    // of a round trip.
    while timed < ROUND_TRIPS && start.elapsed() < ROUND_TRIP_BUDGET {
        for _ in 0..64 {
            trip();
        }
        timed += 64;
    }
    let elapsed = start.elapsed();
    (timed > 0).then(|| elapsed.as_secs_f64() * 1e9 / timed as f64)
}

/// Runs shorter than this never show a bar.
const QUIET_FOR: Duration = Duration::from_secs(1);

/// A bar on stderr that appears only once the run has lasted a second, and
/// never when stderr is not a terminal. It is redrawn only when a step ends,
/// from the bench's own thread: no ticker thread allocates or competes for a
/// core while a block is timed.
pub struct Progress {
    bar: ProgressBar,
    started: Instant,
    shown: bool,
    terminal: bool,
}

impl Progress {
    pub fn new(steps: u64) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(steps), ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg} ({elapsed})") {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix("bench");
        Progress { bar, started: Instant::now(), shown: false, terminal: std::io::stderr().is_terminal() }
    }

    /// Says what runs next.
    pub fn doing(&mut self, what: String) {
        self.bar.set_message(what);
        self.show_if_slow();
    }

    /// One step done.
    pub fn step(&mut self) {
        self.bar.inc(1);
        self.show_if_slow();
    }

    fn show_if_slow(&mut self) {
        if !self.shown && self.terminal && self.started.elapsed() >= QUIET_FOR {
            self.shown = true;
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    pub fn finish(self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_round_trip_between_cores_takes_a_plausible_time() {
        match super::core_round_trip() {
            // At least 10 ns (faster than any cache) and under a second. A
            // tighter upper bound fails on an oversubscribed machine (a
            // parallel build beside the tests took it past 1 ms); a second
            // means the measurement itself is broken.
            Some(ns) => assert!((10.0..1e9).contains(&ns), "{ns} ns"),
            None => assert!(std::thread::available_parallelism().map_or(1, |n| n.get()) < 2),
        }
    }
}
