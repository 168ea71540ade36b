//! One block of coin transfers through the in-order executor (or, with
//! `sequential`, the sequential one), once: a target for
//! `valgrind --tool=callgrind`, whose instruction counts are repeatable where
//! wall times are not.
//!
//! `cargo build --release -p resin-scheduler --example transfer_profile`, then
//! `valgrind --tool=callgrind --toggle-collect='*run_block*' target/release/examples/transfer_profile [TXS] [sequential]`
//! (default 20,000 transfers over as many accounts): the collected Ir over
//! TXS is the cost of one transfer, keys, execution and commit together.

use resin_scheduler::{BlockExecutor, BlockOutput, InOrderExecutor, SequentialExecutor};
use resin_state::store::ResourceStore;
use resin_vm::{AccountAddress, CodeCache, ModuleId, ResourceKey, Transaction, TypeId, Value};

/// The block's keys, execution and commit: all that callgrind collects.
#[inline(never)]
fn run_block(
    executor: &mut dyn BlockExecutor,
    code: &CodeCache,
    state: &mut ResourceStore,
    block: &[Transaction],
) -> BlockOutput {
    executor.execute_block(code, state, block)
}

fn main() {
    let txs: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let coin = ModuleId::new(AccountAddress::from_u64(1), "coin");
    let mut code = CodeCache::new();
    let module = match resin_format::assembler::assemble(include_str!("../../vm/format/tests/data/coin.rasm")) {
        Ok(module) => module,
        Err(e) => {
            eprintln!("cannot assemble coin: {e:?}");
            return;
        }
    };
    if let Err(e) = code.publish_stdlib(module) {
        eprintln!("cannot publish coin: {e}");
        return;
    }
    let balance = TypeId::of(&coin, "Balance");
    let mut state = ResourceStore::new();
    for a in 0..txs {
        let key = ResourceKey { address: AccountAddress::from_u64(a), ty: balance };
        state.apply_owned(key, Some(Value::Struct(vec![Value::Struct(vec![Value::U64(1_000_000)])])));
    }
    let mut seed = 0x1234_5678_u64;
    let block: Vec<Transaction> = (0..txs)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let (from, to) = (seed % txs, (seed >> 32) % txs);
            Transaction {
                sender: AccountAddress::from_u64(from),
                module: coin.clone(),
                function: "transfer".into(),
                args: vec![Value::Address(AccountAddress::from_u64(to)), Value::U64(1)],
                gas_limit: 10_000,
            }
        })
        .collect();
    let mut executor: Box<dyn BlockExecutor> = if std::env::args().nth(2).is_some_and(|a| a == "sequential") {
        Box::new(SequentialExecutor::new())
    } else {
        match InOrderExecutor::new() {
            Ok(executor) => Box::new(executor),
            Err(e) => {
                eprintln!("cannot start the in-order executor: {e}");
                return;
            }
        }
    };
    let out = run_block(executor.as_mut(), &code, &mut state, &block);
    println!("{} transfers, {} succeeded, root {:02x?}", txs, out.stats.summary.succeeded, &out.state_root[..4]);
}
