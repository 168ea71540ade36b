//! What the bench says about where it ran, and its progress bar.

use std::io::IsTerminal;
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
