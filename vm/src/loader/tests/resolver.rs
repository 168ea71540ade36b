//! A block's transactions resolved one after another ([`Resolver`]) and run
//! through what was resolved ([`execute_resolved`]): the same keys, statuses
//! and receipts as resolving and checking each transaction from scratch.

use super::{coin_cache, id, publish};
use crate::execute::{execute_resolved, execute_with_keys, World};
use crate::loader::{resolve_keys, CodeCache, Resolver};
use crate::transaction::{BlockContext, Transaction};
use resin_format::file_format::{AccountAddress, ModuleId};
use resin_state::type_tag::TypeTag;
use resin_state::value::Value::{self, Address, U64};

const GENERIC_COIN: &str = include_str!("../../../tests/data/generic_coin.rasm");

/// The test coin (`0x1::coin`, module 0), a currency (`0x2::usd`, 1) and
/// the generic coin (`0x4::coin`, 2).
fn cache() -> CodeCache {
    let mut cache = coin_cache();
    publish(&mut cache, "module 0x2::usd\nstruct USD has drop { dummy: bool }\n").unwrap();
    publish(&mut cache, GENERIC_COIN).unwrap();
    cache
}

fn usd() -> TypeTag {
    TypeTag::parse("0x2::usd::USD").unwrap()
}

fn tx(sender: u64, module: ModuleId, function: &str, type_args: Vec<TypeTag>, args: Vec<Value>) -> Transaction {
    Transaction {
        sender: AccountAddress::from_u64(sender),
        module,
        function: function.into(),
        args,
        gas_limit: 100_000,
        type_args,
    }
}

fn to(n: u64) -> Value {
    Address(AccountAddress::from_u64(n))
}

/// Transactions that share entry functions with the one before them and
/// differ in what the resolver must still check, or in what it must not
/// take from the one before: every refusal `resolve` has, between
/// successes of the same function.
fn block() -> Vec<Transaction> {
    let g = || id(4, "coin");
    let transfer = |sender, type_args, args| tx(sender, g(), "transfer", type_args, args);
    let mut over_gas = transfer(0xA, vec![usd()], vec![to(0xB), U64(1)]);
    over_gas.gas_limit = u64::MAX;
    vec![
        transfer(0xA, vec![usd()], vec![to(0xB), U64(5)]),
        transfer(0xB, vec![usd()], vec![to(0xA), U64(7)]),
        // The same function, type arguments and module: arguments swapped,
        // too few, gas over the limit.
        transfer(0xA, vec![usd()], vec![U64(5), to(0xB)]),
        transfer(0xA, vec![usd()], vec![to(0xB)]),
        over_gas,
        transfer(0xC, vec![usd()], vec![to(0xA), U64(1)]),
        // Other type arguments: another instance, or none that can be made.
        transfer(0xA, vec![TypeTag::U64], vec![to(0xB), U64(5)]),
        transfer(0xA, vec![TypeTag::parse("0x2::usd::GBP").unwrap()], vec![to(0xB), U64(5)]),
        transfer(0xA, vec![usd(), usd()], vec![to(0xB), U64(5)]),
        transfer(0xA, vec![], vec![to(0xB), U64(5)]),
        transfer(0xA, vec![usd()], vec![to(0xB), U64(9)]),
        // The same names in another module, then not generic.
        tx(0xA, id(1, "coin"), "transfer", vec![usd()], vec![to(0xB), U64(5)]),
        tx(0xA, id(1, "coin"), "transfer", vec![], vec![to(0xB), U64(5)]),
        tx(0xB, id(1, "coin"), "transfer", vec![], vec![to(0xA), U64(3)]),
        tx(0xA, id(1, "coin"), "balance_of", vec![], vec![to(0xB)]),
        tx(0xA, id(1, "coin"), "steal", vec![], vec![]),
        tx(0xA, id(3, "coin"), "transfer", vec![], vec![to(0xB), U64(5)]),
        tx(0xA, g(), "register", vec![usd()], vec![]),
        tx(0xA, g(), "mint", vec![usd()], vec![U64(50)]),
        transfer(0xA, vec![usd()], vec![to(0xB), U64(5)]),
    ]
}

#[test]
fn a_resolver_answers_as_resolving_each_transaction_from_scratch() {
    let cache = cache();
    let block = block();
    // Each transaction twice in a row as well: after its own success, a
    // refusal must still be found again. Interleaved with the block
    // reversed: calls remembered a while back meet their kind again.
    let doubled: Vec<&Transaction> = block.iter().flat_map(|t| [t, t]).collect();
    let interleaved: Vec<&Transaction> = block.iter().zip(block.iter().rev()).flat_map(|(a, b)| [a, b]).collect();
    // More distinct calls than the resolver compares one by one, round and
    // round: past the first, each is found by hash.
    let tags = ["u8", "u16", "u32", "u64", "u128", "u256", "bool", "address", "vector<u8>", "0x2::usd::USD"];
    let many: Vec<Transaction> = (0..40)
        .map(|i| {
            let tag = TypeTag::parse(tags[i % tags.len()]).unwrap();
            tx(0xA + i as u64, id(4, "coin"), "transfer", vec![tag], vec![to(0xB), U64(i as u64)])
        })
        .collect();
    for order in [block.iter().collect::<Vec<_>>(), doubled, interleaved, many.iter().collect()] {
        let mut resolver = Resolver::new(&cache);
        for t in order {
            assert_eq!(
                resolver.resolve_keys(t),
                resolve_keys(&cache, t),
                "{} {:?} {:?}",
                t.function,
                t.type_args,
                t.args
            );
        }
    }
}

#[test]
fn a_resolved_entry_runs_as_the_checked_transaction_does() {
    let mut world = World { code: cache(), ..World::default() };
    let setup = [
        tx(0xA, id(4, "coin"), "register", vec![usd()], vec![]),
        tx(0xB, id(4, "coin"), "register", vec![usd()], vec![]),
        tx(0xA, id(4, "coin"), "mint", vec![usd()], vec![U64(100)]),
        tx(0xA, id(1, "coin"), "register", vec![], vec![]),
        tx(0xA, id(1, "coin"), "mint", vec![], vec![U64(100)]),
        tx(0xB, id(1, "coin"), "register", vec![], vec![]),
        tx(0xB, id(1, "coin"), "mint", vec![], vec![U64(100)]),
        tx(0xB, id(4, "coin"), "mint", vec![usd()], vec![U64(100)]),
    ];
    for t in &setup {
        assert!(world.execute(t).status.is_success());
    }
    let block = block();
    let mut resolver = Resolver::new(&world.code);
    let mut ran = 0;
    for t in &block {
        let Ok((entry, keys)) = resolver.resolve_keys(t) else { continue };
        let context = BlockContext { timestamp: 5, height: 2 };
        let checked = execute_with_keys(&world.code, &world.resources, t, context, &keys);
        assert_eq!(execute_resolved(&world.code, &world.resources, t, context, &entry, &keys), checked);
        ran += usize::from(checked.status.is_success());
    }
    assert_eq!(ran, 7, "the transfers between funded accounts and the mint succeed");
}

#[test]
fn an_entry_that_cannot_be_the_transactions_is_passed_over_for_the_names() {
    let cache = cache();
    let generic = tx(0xA, id(4, "coin"), "transfer", vec![usd()], vec![to(0xB), U64(5)]);
    let (entry, keys) = resolve_keys(&cache, &generic).unwrap();
    let context = BlockContext::default();
    let store = resin_state::store::ResourceStore::new();
    // Another argument count: `mint` runs, found by name.
    let mint = tx(0xA, id(4, "coin"), "mint", vec![usd()], vec![U64(5)]);
    let (_, mint_keys) = resolve_keys(&cache, &mint).unwrap();
    let by_name = execute_with_keys(&cache, &store, &mint, context, &mint_keys);
    assert_eq!(execute_resolved(&cache, &store, &mint, context, &entry, &mint_keys), by_name);
    // A cache where the handle's module number names nothing: by name, and
    // there the module is not published.
    let other = coin_cache();
    let refused = execute_with_keys(&other, &store, &generic, context, &keys);
    assert_eq!(execute_resolved(&other, &store, &generic, context, &entry, &keys), refused);
    assert!(matches!(refused.status, crate::transaction::Status::InvalidArguments { .. }));
    // An entry of a function that is not generic whose handle, in another
    // cache, names a generic one (`0x1::coin::transfer` is function 3 of
    // module 0 in one, `0x4::coin::mint<T0>` in the other): by name.
    let plain = tx(0xA, id(1, "coin"), "transfer", vec![], vec![to(0xB), U64(5)]);
    let (plain_entry, plain_keys) = resolve_keys(&coin_cache(), &plain).unwrap();
    let mut generic_first = CodeCache::new();
    publish(&mut generic_first, GENERIC_COIN).unwrap();
    let refused = execute_with_keys(&generic_first, &store, &plain, context, &plain_keys);
    assert_eq!(execute_resolved(&generic_first, &store, &plain, context, &plain_entry, &plain_keys), refused);
    assert!(matches!(refused.status, crate::transaction::Status::InvalidArguments { .. }));
}
