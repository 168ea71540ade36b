//! One block of the standard library's coin transfers, for profilers:
//! a warm-up block, then the measured block inside [`measured`], so that
//! `valgrind --tool=callgrind --toggle-collect='*measured*'` counts the
//! instructions of exactly one block (divide by the block size for a
//! transfer's share).
//!
//! `cargo build --release -p resin-scheduler --example profile_block`, then
//! `valgrind --tool=callgrind --toggle-collect='*measured*' target/release/examples/profile_block [txs] [threads]`
//! (threads 0, the default, runs the in-order engine on one thread).
//!
//! A third argument `generic` sends the same transfers through
//! `0x1::generic_coin::transfer<T>`, alternating two currencies
//! (`0x4::cur::USD` and `EUR`, from the scheduler's test data), each account
//! funded in both: what a generic call costs over the monomorphic one.

#[path = "../benches/transfer_tx.rs"]
mod transfer_tx;

use resin_scheduler::{BlockExecutor, BlockOutput, InOrderExecutor, ParallelExecutor};
use resin_state::store::ResourceStore;
use resin_state::type_tag::{StructTag, TypeTag};
use resin_vm::{AccountAddress, BlockContext, CodeCache, ModuleId, ResourceKey, Transaction, TypeId, Value};

const CURRENCIES: &str = include_str!("../tests/data/currencies.rasm");

fn main() {
    let mut args = std::env::args().skip(1);
    let txs: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000).max(2);
    let threads: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(0);
    let generic = args.next().is_some_and(|a| a == "generic");
    let coin = ModuleId::new(AccountAddress::from_u64(1), "coin");
    let generic_coin = ModuleId::new(AccountAddress::from_u64(1), "generic_coin");
    let cur = ModuleId::new(AccountAddress::from_u64(4), "cur");
    let currencies: Vec<TypeTag> =
        ["USD", "EUR"].map(|name| TypeTag::Struct(Box::new(StructTag::new(cur.clone(), name, Vec::new())))).into();
    let mut code = CodeCache::new();
    let modules = match resin_stdlib::modules() {
        Ok(modules) => modules,
        Err(e) => return eprintln!("cannot compile the standard library: {e}"),
    };
    for module in modules {
        if let Err(e) = code.publish_stdlib(module.clone()) {
            return eprintln!("cannot publish the standard library: {e}");
        }
    }
    match resin_format::assembler::assemble(CURRENCIES) {
        Ok(module) => {
            if let Err(e) = code.publish(module) {
                return eprintln!("cannot publish the currencies: {e}");
            }
        }
        Err(e) => return eprintln!("cannot assemble the currencies: {e}"),
    }
    let balances: Vec<TypeId> = if generic {
        let balance =
            |c: &TypeTag| TypeId::of_struct(&StructTag::new(generic_coin.clone(), "Balance", vec![c.clone()]));
        currencies.iter().map(balance).collect()
    } else {
        vec![TypeId::of(&coin, "Balance")]
    };
    // As the VM would hold a balance it wrote (flat).
    let funded = Value::Struct(vec![Value::Struct(vec![Value::U64(1_000_000)])]).compact();
    let entries = (0..txs)
        .flat_map(|a| balances.iter().map(move |&ty| ResourceKey { address: AccountAddress::from_u64(a), ty }))
        .map(|key| (key, funded.clone()))
        .collect();
    let mut state = ResourceStore::from_entries(entries);
    let mut seed = 0x1234_5678_u64;
    let mut block = || -> Vec<Transaction> {
        (0..txs)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let from = seed % txs;
                let to = (from + 1 + (seed >> 20) % (txs - 1)) % txs;
                let tx = transfer_tx::coin_transfer(&coin, from, to);
                if generic {
                    let currency = currencies[(seed >> 40) as usize % 2].clone();
                    Transaction { module: generic_coin.clone(), type_args: vec![currency], ..tx }
                } else {
                    tx
                }
            })
            .collect()
    };
    let (warm_up, block) = (block(), block());
    let mut executor: Box<dyn BlockExecutor> = if threads == 0 {
        match InOrderExecutor::new() {
            Ok(e) => Box::new(e),
            Err(e) => return eprintln!("{e}"),
        }
    } else {
        match ParallelExecutor::new(threads) {
            Ok(e) => Box::new(e),
            Err(e) => return eprintln!("{e}"),
        }
    };
    drop(executor.execute_block(&code, &mut state, &warm_up, BlockContext::default()));
    let start = std::time::Instant::now();
    let succeeded = measured(executor.as_mut(), &code, &mut state, &block);
    // A profile of failing transactions would measure the wrong thing.
    eprintln!("{txs} transfers in {:?}, {succeeded} of them succeeded", start.elapsed());
}

/// The block that is measured, its output dropped inside; how many of its
/// transactions succeeded.
#[inline(never)]
fn measured(
    executor: &mut dyn BlockExecutor,
    code: &CodeCache,
    state: &mut ResourceStore,
    block: &[Transaction],
) -> usize {
    let output: BlockOutput = executor.execute_block(code, state, block, BlockContext::default());
    let succeeded = output.receipts.iter().filter(|r| r.status.is_success()).count();
    drop(std::hint::black_box(output));
    succeeded
}
