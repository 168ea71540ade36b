//! Scheduling cost on one core, best of 15 runs (robust on a shared machine):
//! conflict graph and lane plan for 100,000 transfers over 100,000 accounts,
//! against numbering the keys (what the in-order executor does instead) and
//! sampling the block's dependency chains (what the parallel executor does
//! first).
//!
//! `cargo run --release -p resin-scheduler --example schedule_timing [S]`:
//! with `S`, senders and recipients follow Zipf's law of exponent `S`
//! (account k from 1 picked with weight 1/k^S) instead of being uniform.

use std::time::{Duration, Instant};

use resin_scheduler::{plan, serial, BlockKeys, BlockSlots, ConflictGraph};
use resin_vm::{AccessKey, AccessMode, AccountAddress, DeclaredKeys, KeyAccess, ResourceKey, TypeId};

fn best(mut f: impl FnMut()) -> Duration {
    (0..15)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn main() {
    let n = 100_000u64;
    let mut seed = 42u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let write = |a: u64| KeyAccess {
        mode: AccessMode::Write,
        key: AccessKey::Exact(ResourceKey { address: AccountAddress::from_u64(a), ty: TypeId(7) }),
    };
    // Zipf: the accounts' cumulative weights, searched with a uniform draw.
    let zipf: Option<f64> = std::env::args().nth(1).and_then(|a| a.parse().ok());
    let cumulative: Vec<f64> = (1..=n)
        .scan(0.0, |sum, k| {
            *sum += zipf.map_or(1.0, |s| 1.0 / (k as f64).powf(s));
            Some(*sum)
        })
        .collect();
    let total = cumulative.last().copied().unwrap_or(1.0);
    let mut account = move || {
        let x = next() as f64 / u64::MAX as f64 * total;
        cumulative.partition_point(|&c| c < x) as u64
    };
    let keys = BlockKeys::from_declared(
        (0..n)
            .map(|_| {
                let (a, b) = (account(), account());
                let mut k = DeclaredKeys([write(a), write(b)].into_iter().collect());
                k.0.sort_unstable();
                k.0.dedup();
                k
            })
            .collect(),
    );
    let costs = vec![1_000u64; n as usize];
    let numbering = best(|| drop(BlockSlots::number(&keys)));
    let Ok(two) = rayon::ThreadPoolBuilder::new().num_threads(2).build() else { return };
    let sampling = best(|| {
        std::hint::black_box(serial::serial_sample(&keys, 2, &two));
    });
    println!(
        "numbering {:.2} ms; sampling {:.3} ms: {:?}",
        numbering.as_secs_f64() * 1e3,
        sampling.as_secs_f64() * 1e3,
        serial::serial_sample(&keys, 2, &two)
    );
    for threads in [1, 2] {
        let Ok(pool) = rayon::ThreadPoolBuilder::new().num_threads(threads).build() else { return };
        let graph_time = best(|| {
            pool.install(|| ConflictGraph::build(&keys));
        });
        let graph = pool.install(|| ConflictGraph::build(&keys));
        let plan_time = best(|| {
            plan(&graph, &costs, 2);
        });
        let total = graph_time + plan_time;
        println!(
            "{threads} thread(s): graph {:.2} ms, plan {:.2} ms: {:.2} M tx/s ({} edges)",
            graph_time.as_secs_f64() * 1e3,
            plan_time.as_secs_f64() * 1e3,
            n as f64 / total.as_secs_f64() / 1e6,
            graph.edge_count()
        );
    }
}
