//! Scheduling cost on one core, best of 15 runs (robust on a shared machine):
//! conflict graph and lane plan for 100,000 transfers over 100,000 accounts.
//!
//! `cargo run --release -p resin-scheduler --example schedule_timing`

use std::time::{Duration, Instant};

use resin_scheduler::{plan, BlockKeys, ConflictGraph};
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
    let keys = BlockKeys::from_declared(
        (0..n)
            .map(|_| {
                let (a, b) = (next() % n, next() % n);
                let mut k = DeclaredKeys([write(a), write(b)].into_iter().collect());
                k.0.sort_unstable();
                k.0.dedup();
                k
            })
            .collect(),
    );
    let costs = vec![1_000u64; n as usize];
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
