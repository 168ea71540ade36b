//! Whether a bench run fits in the machine's memory, checked before its
//! setup: `--txs` and `--accounts` go up to ten million, and a run that
//! outgrows memory is killed by the operating system without a word.
//!
//! Measured on the development machine (peak resident memory of `resin
//! bench --blocks 1-2 --warmup 0`, release build): 1,000,000 transfers over
//! 1,000,000 accounts took 9.0 GB, 1,000,000 over 100,000 took 5.4 GB and
//! 300,000 over 1,000,000 took 6.0 GB, each with its heap reserve
//! ([`super::heap::reserve_for`]). That is ~1 KB a transaction and ~4 KB an
//! account besides the reserve; an account is held by each setup (the
//! transfers', the shared objects' and the suite's) and by the two
//! executors' copies of its state. The estimate rounds both up by half.

use super::heap::reserve_for;
use crate::error::{CliError, CliResult};

const PER_TX: u64 = 1536;
const PER_ACCOUNT: u64 = 6 << 10;

/// Bytes a run of blocks of `txs` over `accounts`, with `setups` setups
/// alive at once, needs at its peak.
pub fn estimate(txs: u64, accounts: u64, setups: u64) -> u64 {
    let reserve = reserve_for(usize::try_from(txs).unwrap_or(usize::MAX)) as u64;
    reserve
        .saturating_add(txs.saturating_mul(PER_TX))
        .saturating_add(accounts.saturating_mul(PER_ACCOUNT).saturating_mul(setups.max(1)))
}

/// The memory the operating system says it can give without swapping
/// (`MemAvailable` of `/proc/meminfo`); `None` where there is no such file.
pub fn available() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find_map(|l| l.strip_prefix("MemAvailable:"))?;
    let kib: u64 = line.trim().strip_suffix("kB")?.trim().parse().ok()?;
    Some(kib.saturating_mul(1024))
}

/// An error when the run would need more than `available` bytes.
pub fn check(txs: u64, accounts: u64, setups: u64, available: Option<u64>) -> CliResult<()> {
    let need = estimate(txs, accounts, setups);
    match available {
        Some(have) if need > have => Err(CliError::Other(format!(
            "this run needs about {} of memory and the machine has {} available: {} transactions a block \
             over {} accounts{}\n  hint: lower --txs or --accounts (a run takes ~1.5 KB a transaction and \
             ~6 KB an account per setup, besides a reserve of 4 KB a transaction up to 4 GiB)",
            gib(need),
            gib(have),
            crate::render::thousands(txs),
            crate::render::thousands(accounts),
            if setups > 1 { format!(", set up {setups} times for the workloads chosen") } else { String::new() },
        ))),
        _ => Ok(()),
    }
}

fn gib(bytes: u64) -> String {
    format!("{:.1} GiB", bytes as f64 / f64::from(1u32 << 30))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_estimate_covers_what_was_measured_and_refuses_what_cannot_fit() {
        const GB: u64 = 1_000_000_000;
        // The measured peaks, each below its estimate.
        for (txs, accounts, peak) in
            [(1_000_000, 1_000_000, 9 * GB), (1_000_000, 100_000, 5_360_000_000), (300_000, 1_000_000, 6 * GB)]
        {
            assert!(estimate(txs, accounts, 1) > peak, "{txs} over {accounts}");
        }
        // The defaults fit a machine of a few gigabytes; ten million
        // accounts do not fit 24 GiB.
        assert!(check(100_000, 100_000, 3, Some(4 * GB)).is_ok());
        let err = check(10_000, 10_000_000, 1, Some(24 << 30)).unwrap_err().to_string();
        assert!(err.contains("needs about 57.3 GiB of memory and the machine has 24.0 GiB available"), "{err}");
        assert!(
            err.contains("10,000 transactions a block over 10,000,000 accounts\n  hint: lower --txs or --accounts"),
            "{err}"
        );
        assert!(check(10_000, 10_000_000, 1, None).is_ok(), "unknown memory is not checked");
    }

    #[test]
    fn this_machine_says_how_much_memory_it_has() {
        if std::path::Path::new("/proc/meminfo").exists() {
            assert!(available().is_some_and(|b| b > 1 << 20));
        }
    }
}
