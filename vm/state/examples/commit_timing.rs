//! What committing a block costs: `N` written keys into a store of `M`
//! entries, the way an executor commits (on a clone of the previous state,
//! which is then dropped), at 1 and 2 threads; and a rebuild from entries
//! (what opening a state file does).
//!
//! ```sh
//! cargo run --release -p resin-state --example commit_timing -- \
//!     [--entries M] [--writes N] [--inserts P] [--blocks B] [--threads 1,2] [--in-place] [--no-rebuild] [--flat]
//! ```
//!
//! Defaults: M = 100,000 coin balances, N = 86,000 (what a block of 100k
//! transfers writes), B = 7 blocks, each writing new values to `N` distinct
//! random keys; with `--inserts P`, P percent of each block's writes
//! create new keys instead (as a block of votes or mints does: the state
//! grows by that many entries a block). Reported per phase: the median
//! with min and max of the wall time, and the CPU time of all the
//! process's threads (read from `/proc/self/task/*/schedstat`, so it
//! excludes time spent waiting for a core on a loaded machine: the
//! steadier number there). `--in-place`
//! commits without a snapshot (nothing shared, nothing path-copied). The
//! balances are lists of fields, held behind an `Arc` as any large value
//! is; `--flat` holds them as the VM does (flat, inline, no reference
//! count), which changes what copying a bucket costs. With
//! `--threads 1` and a small `--blocks` it suits callgrind.

use resin_state::Shared;
use std::time::{Duration, Instant};

use resin_format::file_format::AccountAddress;
use resin_state::store::{ResourceStore, Write};
use resin_state::{ResourceKey, TypeId, Value};

// The allocator the `resin` binary uses.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn balance(v: u64) -> Value {
    Value::Struct(vec![Value::Struct(vec![Value::U64(v)])])
}

fn key(n: u64) -> ResourceKey {
    ResourceKey { address: AccountAddress::from_u64(0x1_0000 + n), ty: TypeId(0x00c0_ffee) }
}

/// CPU time of every thread of this process so far, in nanoseconds (0 where
/// `/proc` is not there).
fn cpu_ns() -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return 0 };
    tasks
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

/// A phase's wall and CPU time.
#[derive(Clone, Copy, Default)]
struct Cost {
    wall: f64,
    cpu: f64,
}

fn measure<T>(f: impl FnOnce() -> T) -> (T, Cost) {
    let (cpu, wall) = (cpu_ns(), Instant::now());
    let out = f();
    let wall = wall.elapsed();
    (out, Cost { wall: ms(wall), cpu: (cpu_ns().saturating_sub(cpu)) as f64 / 1e6 })
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn summary(mut v: Vec<f64>) -> String {
    v.sort_by(f64::total_cmp);
    match (v.first(), v.get(v.len() / 2), v.last()) {
        (Some(lo), Some(mid), Some(hi)) => format!("{mid:7.2} ms [{lo:.2}-{hi:.2}]"),
        _ => "-".into(),
    }
}

struct Args {
    entries: u64,
    writes: u64,
    /// Percent of each block's writes that create new keys.
    inserts: u64,
    blocks: u64,
    threads: Vec<usize>,
    in_place: bool,
    rebuild: bool,
    flat: bool,
}

fn args() -> Args {
    let mut a = Args {
        entries: 100_000,
        writes: 86_000,
        inserts: 0,
        blocks: 7,
        threads: vec![1, 2],
        in_place: false,
        rebuild: true,
        flat: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut number = || it.next().and_then(|v| v.replace('_', "").parse::<u64>().ok()).unwrap_or(0);
        match flag.as_str() {
            "--entries" => a.entries = number().max(1),
            "--writes" => a.writes = number(),
            "--inserts" => a.inserts = number().min(100),
            "--blocks" => a.blocks = number(),
            "--threads" => {
                a.threads = it.next().unwrap_or_default().split(',').filter_map(|t| t.parse().ok()).collect()
            }
            "--in-place" => a.in_place = true,
            "--no-rebuild" => a.rebuild = false,
            "--flat" => a.flat = true,
            other => eprintln!("ignoring unknown argument {other}"),
        }
    }
    a.writes = a.writes.min(a.entries);
    a
}

fn main() {
    let a = args();
    let value = |v: u64| if a.flat { balance(v).compact() } else { balance(v) };
    let all: Vec<(ResourceKey, Value)> = (0..a.entries).map(|n| (key(n), value(n))).collect();
    let pool2 = rayon::ThreadPoolBuilder::new().num_threads(2).build().expect("a pool");
    let (store, cost) = measure(|| pool2.install(|| ResourceStore::from_entries(all)));
    if a.rebuild {
        println!(
            "rebuild of {} entries (from_entries, 2 threads): wall {:.1} ms, cpu {:.1} ms",
            a.entries, cost.wall, cost.cpu
        );
    }
    let mode = if a.in_place { "in place" } else { "on a snapshot, then the old state dropped" };
    let fresh = a.writes * a.inserts / 100;
    let existing = a.writes - fresh;
    println!(
        "commit of {} written keys ({existing} existing, {fresh} new) into {} entries, {mode}, {} blocks:",
        a.writes, a.entries, a.blocks
    );
    for &threads in &a.threads {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("a pool");
        let mut state = store.clone();
        let (mut maps, mut root, mut commit, mut cpu, mut dropped) = (vec![], vec![], vec![], vec![], vec![]);
        let mut seed = 1u64;
        for b in 0..a.blocks {
            // Distinct existing keys: a random permutation's first ones;
            // then keys no block has written yet, numbered past them.
            let mut picked: Vec<u64> = (0..a.entries).collect();
            for i in 0..existing as usize {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let j = i + (seed >> 33) as usize % (a.entries as usize - i);
                picked.swap(i, j);
            }
            let new = (0..fresh).map(|i| a.entries + b * fresh + i);
            let batch: Vec<Write> = picked[..existing as usize]
                .iter()
                .copied()
                .chain(new)
                .map(|n| (key(n), Some(Shared::new(value(n + b + 1)))))
                .collect();
            if a.in_place {
                let (stats, cost) = measure(|| pool.install(|| state.apply_batch(batch)));
                commit.push(cost.wall);
                cpu.push(cost.cpu);
                maps.push(ms(stats.maps));
                root.push(ms(stats.root));
            } else {
                let mut next = state.clone();
                let (stats, cost) = measure(|| pool.install(|| next.apply_batch(batch)));
                commit.push(cost.wall);
                cpu.push(cost.cpu);
                maps.push(ms(stats.maps));
                root.push(ms(stats.root));
                let ((), cost) = measure(|| drop(std::mem::replace(&mut state, next)));
                dropped.push(cost.wall);
            }
        }
        println!("  {threads} thread(s): commit wall {} cpu {}", summary(commit), summary(cpu));
        println!("      of which maps {}, root (leaves + tree) {}", summary(maps), summary(root));
        if !a.in_place {
            println!("      then dropping the superseded state {}", summary(dropped));
        }
    }
}
