//! Scheduling cost (conflict graph + lane plan) on one and two threads, and
//! block execution sequential against parallel.
//!
//! `cargo bench -p resin-scheduler --bench plan`

mod blocks;

mod transfer_tx;

use std::hint::black_box;

use blocks::SplitMix;
use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use resin_scheduler::{plan_to_run, BlockExecutor, ConflictGraph, ParallelExecutor, SequentialExecutor};
use resin_state::store::ResourceStore;
use resin_vm::{AccountAddress, BlockContext, CodeCache, ModuleId, ResourceKey, Transaction, TypeId, Value};

/// Graph + plan onto two lanes (this machine's), with the graph and the plan
/// on a pool of one thread (the "one core" throughput) and of two.
fn scheduling(c: &mut Criterion) {
    let mut group = c.benchmark_group("schedule");
    group.sample_size(20);
    for threads in [1usize, 2] {
        let Ok(pool) = rayon::ThreadPoolBuilder::new().num_threads(threads).build() else { return };
        for n in [10_000usize, 100_000] {
            for (name, keys) in blocks::all(n, 100_000) {
                let costs = vec![1_000u64; n];
                group.throughput(Throughput::Elements(n as u64));
                group.bench_with_input(BenchmarkId::new(format!("{name}/{threads}t"), n), &keys, |b, keys| {
                    b.iter(|| {
                        pool.install(|| {
                            let graph = ConflictGraph::build(black_box(keys));
                            black_box(plan_to_run(&graph, &costs, 2))
                        })
                    })
                });
            }
        }
    }
    group.finish();
}

/// `0x1::coin` published, and a balance of 1,000,000 for accounts `0..accounts`.
fn coin_world(accounts: u64) -> (CodeCache, ResourceStore) {
    let mut code = CodeCache::new();
    let module = resin_format::assembler::assemble(include_str!("../../vm/format/tests/data/coin.rasm"));
    if let Ok(module) = module {
        let _ = code.publish_stdlib(module);
    }
    let coin = ModuleId::new(AccountAddress::from_u64(1), "coin");
    let balance = TypeId::of(&coin, "Balance");
    let mut state = ResourceStore::new();
    for a in 0..accounts {
        let key = ResourceKey { address: AccountAddress::from_u64(a), ty: balance };
        state.apply_owned(key, Some(Value::Struct(vec![Value::Struct(vec![Value::U64(1_000_000)])])));
    }
    (code, state)
}

fn transfers(n: usize, accounts: u64, hot: bool) -> Vec<Transaction> {
    let mut rng = SplitMix(99);
    let coin = ModuleId::new(AccountAddress::from_u64(1), "coin");
    (0..n)
        .map(|_| {
            let from = rng.next() % accounts;
            let to = if hot { 0 } else { rng.next() % accounts };
            transfer_tx::coin_transfer(&coin, from, to)
        })
        .collect()
}

fn execution(c: &mut Criterion) {
    let n = 100_000;
    let (code, state) = coin_world(100_000);
    let mut group = c.benchmark_group("execute");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n as u64));
    for (name, hot) in [("uniform", false), ("hot_key", true)] {
        let block = transfers(n, 100_000, hot);
        let mut sequential = SequentialExecutor::new();
        group.bench_function(BenchmarkId::new(format!("{name}/sequential"), n), |b| {
            b.iter_batched(
                || state.clone(),
                // The state comes back out so that freeing it is not timed.
                |mut s| {
                    let out = sequential.execute_block(&code, &mut s, &block, BlockContext::default());
                    (s, out)
                },
                BatchSize::LargeInput,
            )
        });
        let Ok(mut parallel) = ParallelExecutor::new(2) else { continue };
        group.bench_function(BenchmarkId::new(format!("{name}/parallel_2"), n), |b| {
            b.iter_batched(
                || state.clone(),
                |mut s| {
                    let out = parallel.execute_block(&code, &mut s, &block, BlockContext::default());
                    (s, out)
                },
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, scheduling, execution);
criterion_main!(benches);
