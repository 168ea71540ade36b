//! What a block overlay's lookups cost: `N` distinct random keys looked up
//! in a store of `M` entries (half of them absent when `--absent`), one
//! [`StateView::resource`] at a time against [`ResourceStore::resources_into`],
//! which asks for each lookup's memory a few keys ahead. On one thread, the
//! caches flushed before each round (a block's keys are cold: the
//! transactions before them touched other memory). Median with min and max.
//!
//! ```sh
//! cargo run --release -p resin-state --example lookup_timing -- [--entries M] [--keys N] [--rounds R] [--absent]
//! ```
//!
//! Defaults: M = 100,000 coin balances, N = 86,000 (the keys of a block of
//! 100k transfers), R = 15.

use std::time::{Duration, Instant};

use resin_format::file_format::AccountAddress;
use resin_state::store::ResourceStore;
use resin_state::{ResourceKey, Shared, StateView, TypeId, Value};

// The allocator the `resin` binary uses.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn key(n: u64) -> ResourceKey {
    ResourceKey { address: AccountAddress::from_u64(0x1_0000 + n), ty: TypeId(0x00c0_ffee) }
}

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn summary(mut times: Vec<Duration>) -> String {
    times.sort();
    let ms = |d: Option<&Duration>| d.map_or(0.0, |d| d.as_secs_f64() * 1e3);
    format!("{:6.2} ms [{:.2}-{:.2}]", ms(times.get(times.len() / 2)), ms(times.first()), ms(times.last()))
}

/// Reads 64 MiB, so that what the last round left in the caches is gone.
fn flush_caches(round: u64) {
    let junk = vec![round; 8 << 20];
    std::hint::black_box(junk.iter().sum::<u64>());
}

fn main() {
    let entries = arg("--entries", 100_000);
    let count = arg("--keys", 86_000) as usize;
    let rounds = arg("--rounds", 15);
    let absent = std::env::args().any(|a| a == "--absent");
    let store = ResourceStore::from_entries((0..entries).map(|n| (key(n), Value::U64(n))).collect());
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let range = if absent { entries * 2 } else { entries };
    let (mut one_by_one, mut batched) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let keys: Vec<ResourceKey> = (0..count).map(|_| key(next() % range)).collect();
        flush_caches(round);
        let start = Instant::now();
        let single: Vec<Option<Shared>> = keys.iter().map(|k| store.resource(k)).collect();
        one_by_one.push(start.elapsed());
        flush_caches(round);
        let start = Instant::now();
        let mut out: Vec<Option<Shared>> = vec![None; keys.len()];
        store.resources_into(&keys, &mut out);
        batched.push(start.elapsed());
        assert!(single == out, "both ways find the same values");
    }
    println!(
        "{count} lookups in a store of {entries} entries{}, {rounds} rounds:",
        if absent { " (half absent)" } else { "" }
    );
    println!("  one at a time   {}", summary(one_by_one));
    println!("  resources_into  {}", summary(batched));
}
