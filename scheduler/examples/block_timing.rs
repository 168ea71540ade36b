//! Where a block's time goes: 100,000 coin transfers over 100,000 accounts,
//! sequential against parallel, with the executors' own timings.
//!
//! `cargo run --release -p resin-scheduler --example block_timing -- [threads] [hot]`

#[path = "../benches/transfer_tx.rs"]
mod transfer_tx;

use std::time::Instant;

use resin_scheduler::{BlockExecutor, BlockOutput, ParallelExecutor, SequentialExecutor};
use resin_state::store::ResourceStore;
use resin_vm::{AccountAddress, BlockContext, CodeCache, ModuleId, ResourceKey, Transaction, TypeId, Value};

const ACCOUNTS: u64 = 100_000;
const BLOCK: usize = 100_000;

fn main() {
    let mut args = std::env::args().skip(1);
    let threads: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2);
    let hot = args.next().is_some_and(|a| a == "hot");
    let coin = ModuleId::new(AccountAddress::from_u64(1), "coin");
    let mut code = CodeCache::new();
    match resin_format::assembler::assemble(include_str!("../../vm/format/tests/data/coin.rasm")) {
        Ok(module) => {
            if let Err(e) = code.publish_stdlib(module) {
                eprintln!("cannot publish coin: {e}");
                return;
            }
        }
        Err(e) => {
            eprintln!("cannot assemble coin: {e:?}");
            return;
        }
    }
    let balance = TypeId::of(&coin, "Balance");
    let mut state = ResourceStore::new();
    for a in 0..ACCOUNTS {
        let key = ResourceKey { address: AccountAddress::from_u64(a), ty: balance };
        state.apply_owned(key, Some(Value::Struct(vec![Value::Struct(vec![Value::U64(1_000_000)])])));
    }
    let mut seed = 0x1234_5678_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let block: Vec<Transaction> = (0..BLOCK)
        .map(|_| {
            let from = next() % ACCOUNTS;
            let to = if hot { 0 } else { next() % ACCOUNTS };
            transfer_tx::coin_transfer(&coin, from, to)
        })
        .collect();

    let mut sequential = SequentialExecutor::new();
    let Ok(mut parallel) = ParallelExecutor::new(threads) else {
        eprintln!("cannot start {threads} threads");
        return;
    };
    for round in 0..3 {
        let mut s = state.clone();
        let t = Instant::now();
        let seq = sequential.execute_block(&code, &mut s, &block, BlockContext::default());
        report("sequential", t.elapsed().as_secs_f64(), &seq);
        let mut p = state.clone();
        let t = Instant::now();
        let par = parallel.execute_block(&code, &mut p, &block, BlockContext::default());
        report(&format!("parallel x{threads}"), t.elapsed().as_secs_f64(), &par);
        if seq.receipts != par.receipts || seq.state_root != par.state_root {
            eprintln!("round {round}: results differ");
        }
    }
}

fn report(name: &str, secs: f64, out: &BlockOutput) {
    let t = out.stats.timings;
    let plan = out.stats.plan.as_ref();
    println!(
        "{name:>14}: {:>8.0} tx/s  {:>6.1} ms  (keys {:.1}, schedule {:.1}, execute {:.1}, commit {:.1} ms; lanes {}, cross-lane deps {}, waits {})",
        BLOCK as f64 / secs,
        secs * 1e3,
        t.keys.as_secs_f64() * 1e3,
        t.schedule.as_secs_f64() * 1e3,
        t.execute.as_secs_f64() * 1e3,
        t.commit.as_secs_f64() * 1e3,
        plan.map_or(1, |p| p.lanes_used),
        plan.map_or(0, |p| p.cross_lane_dependencies),
        out.stats.cross_lane_waits,
    );
}
