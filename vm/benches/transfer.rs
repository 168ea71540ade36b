//! One coin transfer through the VM against the same transfer written
//! natively in Rust, over the same `ResourceStore` of 100,000 accounts. The
//! VM runs the standard library's coin as the compiler builds it
//! (stdlib/modules/coin.rsn: `transfer` calls `withdraw` and `deposit`), the
//! code users run, not hand-written assembly.
//!
//! Both read the two `Balance` resources through `StateView`, check the
//! sender's balance, compute the new values and produce a sorted `WriteSet`;
//! neither applies it, so every iteration sees the same state. Run with
//! `cargo bench -p resin-vm --bench transfer`; the throughput lines are
//! transfers per second on one core. After criterion's groups, an
//! interleaved summary alternates rounds of both and prints the ratio at
//! the 10th percentile and the median, which is steadier on a shared machine.
//! A second interleaved summary runs a generic transfer (`transfer<USD>` of
//! vm/tests/data/generic_coin.rasm) against its monomorphic twin (the same
//! code with the generics erased): a generic call should cost no more once
//! its instance is cached.

use std::hint::black_box;
use std::time::Instant;

use criterion::{criterion_group, Criterion, Throughput};
use resin_state::keys::{ResourceKey, TypeId};
use resin_state::store::{ResourceStore, StateView};
use resin_state::value::{Flat, FlatPos};
use resin_state::Shared;
use resin_vm::{
    declared_keys, execute_transaction, execute_with_keys, AccountAddress, BlockContext, CodeCache, ModuleId,
    Transaction, Value, WriteOp, WriteSet,
};

const ACCOUNTS: u64 = 100_000;
const PAIRS: usize = 4096;

fn coin() -> ModuleId {
    ModuleId::new(AccountAddress::from_u64(1), "coin")
}

fn balance(value: u64) -> Value {
    Value::Struct(vec![Value::Struct(vec![Value::U64(value)])])
}

struct Setup {
    code: CodeCache,
    store: ResourceStore,
    balance_type: TypeId,
    pairs: Vec<(AccountAddress, AccountAddress)>,
}

fn setup() -> Setup {
    let mut code = CodeCache::new();
    for module in resin_stdlib::modules().expect("the standard library compiles") {
        code.publish_stdlib(module.clone()).expect("the standard library publishes");
    }
    let balance_type = TypeId::of(&coin(), "Balance");
    let mut store = ResourceStore::new();
    for n in 0..ACCOUNTS {
        let key = ResourceKey { address: AccountAddress::from_u64(n), ty: balance_type };
        store.apply_owned(key, Some(balance(1_000_000_000)));
    }
    // A fixed pseudo-random sequence of distinct pairs (xorshift), so both
    // sides touch the same keys in the same order.
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % ACCOUNTS
    };
    let pairs = (0..PAIRS)
        .map(|_| {
            let from = next();
            let to = (from + 1 + next() % (ACCOUNTS - 1)) % ACCOUNTS;
            (AccountAddress::from_u64(from), AccountAddress::from_u64(to))
        })
        .collect();
    Setup { code, store, balance_type, pairs }
}

/// The transfer written in Rust: what the bytecode does, with no interpreter.
fn native_transfer(
    view: &impl StateView,
    ty: TypeId,
    from: AccountAddress,
    to: AccountAddress,
    amount: u64,
) -> Result<WriteSet, u64> {
    let from_key = ResourceKey { address: from, ty };
    let to_key = ResourceKey { address: to, ty };
    // A balance as the store holds it: `Balance { coin: Coin { value } }`
    // inline, one word; the amount is read and written in place.
    let read = |key: &ResourceKey| -> Result<(Flat, FlatPos, u64), u64> {
        match view.resource(key).as_deref() {
            Some(Value::Flat(balance)) => {
                let value = balance.field(0).and_then(|coin| balance.nested_field(coin, 0)).ok_or(2u64)?;
                Ok((*balance, value, balance.u64_at(value).ok_or(2u64)?))
            }
            _ => Err(2),
        }
    };
    let (mut from_balance, from_at, from_value) = read(&from_key)?;
    if from_value < amount {
        return Err(1);
    }
    let (mut to_balance, to_at, to_value) = read(&to_key)?;
    *from_balance.u64_mut(from_at).ok_or(2u64)? = from_value - amount;
    *to_balance.u64_mut(to_at).ok_or(2u64)? = to_value.checked_add(amount).ok_or(3u64)?;
    let mut ops: smallvec::SmallVec<[WriteOp; 2]> = smallvec::smallvec![
        WriteOp::new(from_key, Some(Shared::new(Value::Flat(from_balance)))),
        WriteOp::new(to_key, Some(Shared::new(Value::Flat(to_balance)))),
    ];
    ops.sort_unstable_by_key(|op| op.key);
    Ok(WriteSet(ops))
}

fn transfer_tx(from: AccountAddress, to: AccountAddress) -> Transaction {
    Transaction {
        sender: from,
        module: coin(),
        function: "transfer".into(),
        args: vec![Value::Address(to), Value::U64(7)],
        gas_limit: 1_000_000,
        type_args: Vec::new(),
    }
}

fn bench(c: &mut Criterion) {
    let setup = setup();
    let txs: Vec<Transaction> = setup.pairs.iter().map(|(from, to)| transfer_tx(*from, *to)).collect();
    let keys: Vec<_> = txs.iter().map(|tx| declared_keys(&setup.code, tx).expect("keys")).collect();
    // Sanity: the VM and the native transfer agree on the write set.
    for (tx, (from, to)) in txs.iter().zip(&setup.pairs).take(16) {
        let receipt = execute_transaction(&setup.code, &setup.store, tx, BlockContext::default());
        let native = native_transfer(&setup.store, setup.balance_type, *from, *to, 7).expect("native transfer");
        assert_eq!(receipt.write_set, native, "VM and native transfer disagree");
    }
    let store = &setup.store;

    let mut group = c.benchmark_group("transfer");
    group.throughput(Throughput::Elements(1));
    let mut i = 0usize;
    group.bench_function("native", |b| {
        b.iter(|| {
            i = (i + 1) % PAIRS;
            let (from, to) = setup.pairs[i];
            black_box(native_transfer(store, setup.balance_type, from, to, black_box(7)))
        })
    });
    let mut i = 0usize;
    group.bench_function("vm", |b| {
        b.iter(|| {
            i = (i + 1) % PAIRS;
            black_box(execute_transaction(&setup.code, store, &txs[i], BlockContext::default()))
        })
    });
    let mut i = 0usize;
    group.bench_function("vm_with_keys", |b| {
        b.iter(|| {
            i = (i + 1) % PAIRS;
            black_box(execute_with_keys(&setup.code, store, &txs[i], BlockContext::default(), &keys[i]))
        })
    });
    group.finish();
}

/// Alternating rounds of 4096 native and 4096 VM transfers: on a shared
/// machine, interference hits both sides of a round alike, and the low
/// percentiles show what each costs when undisturbed.
fn interleaved_summary() {
    let setup = setup();
    let txs: Vec<Transaction> = setup.pairs.iter().map(|(from, to)| transfer_tx(*from, *to)).collect();
    let (mut native, mut vm) = (Vec::new(), Vec::new());
    for _ in 0..200 {
        let start = Instant::now();
        for (from, to) in &setup.pairs {
            black_box(native_transfer(&setup.store, setup.balance_type, *from, *to, black_box(7)).ok());
        }
        native.push(start.elapsed().as_nanos() as f64 / PAIRS as f64);
        let start = Instant::now();
        for tx in &txs {
            black_box(execute_transaction(&setup.code, &setup.store, tx, BlockContext::default()));
        }
        vm.push(start.elapsed().as_nanos() as f64 / PAIRS as f64);
    }
    native.sort_by(f64::total_cmp);
    vm.sort_by(f64::total_cmp);
    let pick = |v: &[f64], q: usize| v[v.len() * q / 100];
    for (label, q) in [("p10", 10), ("median", 50)] {
        let (n, v) = (pick(&native, q), pick(&vm, q));
        println!(
            "interleaved {label}: native {n:.0} ns ({:.2} M tx/s), vm {v:.0} ns ({:.2} M tx/s), vm/native {:.2}x",
            1e3 / n,
            1e3 / v,
            v / n
        );
    }
}

const GENERIC_COIN: &str = include_str!("../tests/data/generic_coin.rasm");

/// Alternating rounds of generic and monomorphic transfers over the same
/// accounts (each with a balance of both types).
fn generic_summary() {
    let mut code = CodeCache::new();
    let twin = GENERIC_COIN
        .replace("module 0x4::coin", "module 0x6::coin")
        .replace("<phantom T0>", "")
        .replace("<T0>", "")
        .replace("_generic", "");
    for text in ["module 0x2::usd\nstruct USD has drop { dummy: bool }\n", GENERIC_COIN, &twin] {
        let module = resin_format::assembler::assemble(text).expect("assembles");
        code.publish(module).expect("publishes");
    }
    let generic_coin = ModuleId::new(AccountAddress::from_u64(4), "coin");
    let plain_coin = ModuleId::new(AccountAddress::from_u64(6), "coin");
    let usd = resin_vm::TypeTag::parse("0x2::usd::USD").expect("parses");
    let generic_balance =
        TypeId::of_struct(&resin_vm::StructTag::new(generic_coin.clone(), "Balance", vec![usd.clone()]));
    let plain_balance = TypeId::of(&plain_coin, "Balance");
    let mut store = ResourceStore::new();
    for n in 0..ACCOUNTS {
        for ty in [generic_balance, plain_balance] {
            store.apply_owned(ResourceKey { address: AccountAddress::from_u64(n), ty }, Some(balance(1_000_000_000)));
        }
    }
    let pairs = setup().pairs;
    let txs = |module: &ModuleId, type_args: Vec<resin_vm::TypeTag>| -> Vec<Transaction> {
        pairs
            .iter()
            .map(|(from, to)| Transaction {
                module: module.clone(),
                type_args: type_args.clone(),
                ..transfer_tx(*from, *to)
            })
            .collect()
    };
    let (generic_txs, plain_txs) = (txs(&generic_coin, vec![usd]), txs(&plain_coin, Vec::new()));
    for tx in generic_txs.iter().chain(&plain_txs).take(8) {
        assert!(
            execute_transaction(&code, &store, tx, BlockContext::default()).status.is_success(),
            "the transfers succeed"
        );
    }
    let (mut generic, mut plain) = (Vec::new(), Vec::new());
    for _ in 0..200 {
        for (txs, times) in [(&generic_txs, &mut generic), (&plain_txs, &mut plain)] {
            let start = Instant::now();
            for tx in txs {
                black_box(execute_transaction(&code, &store, tx, BlockContext::default()));
            }
            times.push(start.elapsed().as_nanos() as f64 / PAIRS as f64);
        }
    }
    generic.sort_by(f64::total_cmp);
    plain.sort_by(f64::total_cmp);
    let pick = |v: &[f64], q: usize| v[v.len() * q / 100];
    for (label, q) in [("p10", 10), ("median", 50)] {
        let (g, p) = (pick(&generic, q), pick(&plain, q));
        println!("generic {label}: transfer<USD> {g:.0} ns, monomorphic twin {p:.0} ns, generic/twin {:.2}x", g / p);
    }
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    interleaved_summary();
    generic_summary();
}
