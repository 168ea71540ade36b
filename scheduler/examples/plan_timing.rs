//! How long graph + plan take for the generated blocks of the `plan` bench,
//! on pools of several sizes, as the median with min and max over repeats.
//!
//! `cargo run --release -p resin-scheduler --example plan_timing [TXS] [REPEATS] [THREADS...] [WORKLOAD]`
//! (defaults 100000, 15, 1 2, and every workload: uniform, hot_key, chain).
//! Plans onto as many lanes as threads.
//! Under `valgrind --tool=callgrind` use a repeat count of 1 and one thread
//! count: instruction counts are repeatable where wall times are not.

#[path = "../benches/blocks/mod.rs"]
mod blocks;

use std::time::{Duration, Instant};

use resin_scheduler::{plan_to_run, ConflictGraph};

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn summary(mut v: Vec<f64>) -> String {
    v.sort_by(f64::total_cmp);
    let (min, med, max) = (v.first().copied(), v.get(v.len() / 2).copied(), v.last().copied());
    format!("{:7.2} ms [{:.2}-{:.2}]", med.unwrap_or(0.0), min.unwrap_or(0.0), max.unwrap_or(0.0))
}

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let n = args.first().copied().unwrap_or(100_000);
    let repeats = args.get(1).copied().unwrap_or(15).max(1);
    let threads: Vec<usize> = if args.len() > 2 { args[2..].to_vec() } else { vec![1, 2] };
    let only = std::env::args().skip(1).find(|a| a.parse::<usize>().is_err());
    let costs = vec![1_000u64; n];
    for (name, keys) in blocks::all(n, 100_000) {
        if only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        for &t in &threads {
            let Ok(pool) = rayon::ThreadPoolBuilder::new().num_threads(t).build() else { continue };
            let (mut graph_ms, mut plan_ms, mut total_ms) = (Vec::new(), Vec::new(), Vec::new());
            let mut lanes = 0;
            for _ in 0..repeats {
                let start = Instant::now();
                let graph = pool.install(|| ConflictGraph::build(&keys));
                let built = start.elapsed();
                // The plan the parallel executor makes: without the whole-block
                // estimates only `resin schedule` shows.
                let p = pool.install(|| plan_to_run(&graph, &costs, t));
                let total = start.elapsed();
                lanes = p.stats.lanes_used;
                graph_ms.push(ms(built));
                plan_ms.push(ms(total - built));
                // Dropping is part of what a block pays.
                drop((graph, p));
                total_ms.push(ms(start.elapsed()));
            }
            println!(
                "{name:8} {n} txs, {t:2} threads ({lanes} lanes used): graph {}  plan {}  all {}  ({:.1}M tx/s)",
                summary(graph_ms),
                summary(plan_ms),
                summary(total_ms.clone()),
                {
                    total_ms.sort_by(f64::total_cmp);
                    n as f64 / total_ms.get(total_ms.len() / 2).copied().unwrap_or(1.0) / 1e3
                }
            );
        }
    }
}
