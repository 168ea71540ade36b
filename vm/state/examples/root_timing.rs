//! How long the state root takes: a block's batch update of the Merkle tree
//! at 1 and 2 threads, a rebuild from entries (what opening a state file
//! does), and the cost of one node hash.
//!
//! `cargo run --release -p resin-state --example root_timing [ENTRIES] [WRITES] [BLOCKS]`
//! (defaults 100000, 86000, 7). Each block writes new values to `WRITES`
//! distinct random keys of a store of `ENTRIES` coin balances, on a clone
//! of the previous state (as an executor's snapshot would), and reports the
//! median with min and max.

use resin_state::Shared;
use std::time::{Duration, Instant};

use resin_format::file_format::AccountAddress;
use resin_state::merkle::{node_hash, LeafUpdate};
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

fn arg(i: usize, default: u64) -> u64 {
    std::env::args().nth(i).and_then(|a| a.parse().ok()).unwrap_or(default)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn summary(mut v: Vec<f64>) -> String {
    v.sort_by(f64::total_cmp);
    format!("median {:.2} ms [{:.2}–{:.2}]", v[v.len() / 2], v[0], v[v.len() - 1])
}

fn main() {
    let entries = arg(1, 100_000);
    let writes = arg(2, 86_000).min(entries);
    let blocks = arg(3, 7).max(1);
    let start = Instant::now();
    let all: Vec<(ResourceKey, Value)> = (0..entries).map(|n| (key(n), balance(n))).collect();
    let pool2 = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
    let store = pool2.install(|| ResourceStore::from_entries(all));
    println!("rebuild of {entries} entries (from_entries, 2 threads): {:.1} ms", ms(start.elapsed()));

    // `one` (a 4th argument) runs one thread only and stops after the
    // blocks: for instruction counts under callgrind.
    let one = std::env::args().nth(4).is_some_and(|a| a == "one");
    // `in-place` (a 5th argument): no snapshot, so nothing is path-copied.
    let in_place = std::env::args().nth(5).is_some_and(|a| a == "in-place");
    for threads in if one { vec![1] } else { vec![1, 2] } {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let mut state = store.clone();
        let (mut roots, mut maps, mut totals) = (Vec::new(), Vec::new(), Vec::new());
        let mut seed = 1u64;
        for b in 0..blocks {
            // Distinct keys: a random permutation's first `writes`.
            let mut picked: Vec<u64> = (0..entries).collect();
            for i in 0..writes as usize {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let j = i + (seed >> 33) as usize % (entries as usize - i);
                picked.swap(i, j);
            }
            let batch: Vec<Write> =
                picked[..writes as usize].iter().map(|&n| (key(n), Some(Shared::new(balance(n + b + 1))))).collect();
            let t = Instant::now();
            let stats = if in_place {
                pool.install(|| state.apply_batch(batch))
            } else {
                let mut next = state.clone();
                let stats = pool.install(|| next.apply_batch(batch));
                drop(std::mem::replace(&mut state, next));
                stats
            };
            totals.push(ms(t.elapsed()));
            roots.push(ms(stats.root));
            maps.push(ms(stats.maps));
        }
        println!(
            "{threads} thread(s), {writes} writes into {entries}: root (leaves + tree) {}; maps {}; whole batch incl. drop {}",
            summary(roots),
            summary(maps),
            summary(totals)
        );
    }

    if one {
        return;
    }
    // The tree alone: updates with their leaf hashes already computed.
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let mut tree = store.tree().clone();
        let mut times = Vec::new();
        for b in 0..blocks {
            let updates: Vec<LeafUpdate> = tree
                .leaves()
                .iter()
                .take(writes as usize)
                .map(|(path, leaf)| LeafUpdate { path: *path, leaf: Some(node_hash(b as u8, leaf, leaf)) })
                .collect();
            let t = Instant::now();
            pool.install(|| tree.update(updates));
            times.push(ms(t.elapsed()));
        }
        println!("{threads} thread(s): tree.update of {writes} precomputed leaves: {}", summary(times));
    }

    let (mut a, mut b) = ([1u8; 32], [2u8; 32]);
    let n = 1_000_000;
    let t = Instant::now();
    for i in 0..n {
        a = node_hash((i % 256) as u8, &a, &b);
        std::mem::swap(&mut a, &mut b);
    }
    println!("one branch hash (64-byte keyed blake3): {:.1} ns ({})", t.elapsed().as_nanos() as f64 / n as f64, a[0]);
}
