//! Scheduling cost (conflict graph + lane plan) on one core, and block
//! execution sequential against parallel.
//!
//! `cargo bench -p resin-scheduler --bench plan`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use resin_scheduler::{plan, BlockExecutor, BlockKeys, ConflictGraph, ParallelExecutor, SequentialExecutor};
use resin_state::store::ResourceStore;
use resin_vm::{
    AccessKey, AccessMode, AccountAddress, CodeCache, DeclaredKeys, KeyAccess, ModuleId, ResourceKey, Transaction,
    TypeId, Value,
};

const BALANCE: TypeId = TypeId(0x0123_4567_89ab_cdef);
const POOL: TypeId = TypeId(0x0fed_cba9_8765_4321);

/// A small deterministic generator, so every run plans the same blocks.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

fn write(ty: TypeId, addr: u64) -> KeyAccess {
    KeyAccess {
        mode: AccessMode::Write,
        key: AccessKey::Exact(ResourceKey { address: AccountAddress::from_u64(addr), ty }),
    }
}

/// Transfers between random accounts: `{W Balance@from, W Balance@to}`.
fn uniform(n: usize, accounts: u64) -> BlockKeys {
    let mut rng = SplitMix(42);
    BlockKeys::from_declared(
        (0..n)
            .map(|_| {
                let from = rng.next() % accounts;
                let to = rng.next() % accounts;
                let mut keys: DeclaredKeys =
                    DeclaredKeys([write(BALANCE, from), write(BALANCE, to)].into_iter().collect());
                keys.0.sort_unstable();
                keys.0.dedup();
                keys
            })
            .collect(),
    )
}

/// Every transaction swaps on one pool: `{W Pool@0x1, W Balance@sender}`.
fn hot_key(n: usize, accounts: u64) -> BlockKeys {
    let mut rng = SplitMix(7);
    BlockKeys::from_declared(
        (0..n)
            .map(|_| DeclaredKeys([write(POOL, 1), write(BALANCE, rng.next() % accounts)].into_iter().collect()))
            .collect(),
    )
}

fn scheduling(c: &mut Criterion) {
    // "On one core": the graph build uses the current rayon pool.
    let Ok(one_core) = rayon::ThreadPoolBuilder::new().num_threads(1).build() else { return };
    let mut group = c.benchmark_group("schedule");
    group.sample_size(20);
    for n in [10_000usize, 100_000] {
        for (name, keys) in [("uniform", uniform(n, 100_000)), ("hot_key", hot_key(n, 100_000))] {
            let costs = vec![1_000u64; n];
            group.throughput(Throughput::Elements(n as u64));
            group.bench_with_input(BenchmarkId::new(name, n), &keys, |b, keys| {
                b.iter(|| {
                    one_core.install(|| {
                        let graph = ConflictGraph::build(black_box(keys));
                        black_box(plan(&graph, &costs, 2))
                    })
                })
            });
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
            Transaction {
                sender: AccountAddress::from_u64(from),
                module: coin.clone(),
                function: "transfer".into(),
                args: vec![Value::Address(AccountAddress::from_u64(to)), Value::U64(1)],
                gas_limit: 10_000,
            }
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
                    let out = sequential.execute_block(&code, &mut s, &block);
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
                    let out = parallel.execute_block(&code, &mut s, &block);
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
