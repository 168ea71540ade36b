//! Entry handles: key instantiation resolves a transaction by name once, and
//! execution finds the same function through the handle, or by name again
//! when the handle does not name the transaction's function.

use std::sync::Arc;

use super::{coin_cache, id, publish, COIN};
use crate::loader::{resolve_entry, resolve_entry_at, resolve_keys, CodeCache, LoadedFunction, LoadedModule};
use crate::transaction::Transaction;
use resin_format::assembler::assemble;
use resin_format::file_format::AccountAddress;
use resin_state::value::Value::{self, Address, U64};

fn coin_tx(function: &str, args: Vec<Value>) -> Transaction {
    Transaction {
        sender: AccountAddress::from_u64(0xA),
        module: id(1, "coin"),
        function: function.into(),
        args,
        gas_limit: 1_000,
        type_args: Vec::new(),
    }
}

fn transfer() -> Transaction {
    coin_tx("transfer", vec![Address(AccountAddress::from_u64(0xB)), U64(5)])
}

/// What a resolution found, by identity, or why it failed.
type Found = Result<(*const LoadedModule, *const LoadedFunction), String>;

fn identity(resolved: Result<super::super::Entry<'_>, String>) -> Found {
    resolved.map(|entry| (entry.module as *const _, entry.function as *const _))
}

#[test]
fn execution_finds_the_function_through_the_handle_not_its_names() {
    let cache = coin_cache();
    let tx = transfer();
    let handle = resolve_keys(&cache, &tx).unwrap().0.handle();
    // Without the index by id, no lookup by name finds the module: only the
    // handle can.
    let mut blind = cache.clone();
    blind.index = Arc::default();
    assert!(resolve_entry(&blind, &tx).is_err());
    assert_eq!(identity(resolve_entry_at(&blind, &tx, Some(handle))), identity(resolve_entry(&cache, &tx)));
    // The checks that do not depend on the code still run.
    let mut swapped = tx.clone();
    swapped.args.reverse();
    let refused = resolve_entry_at(&blind, &swapped, Some(handle)).map(|_| ()).unwrap_err();
    assert_eq!(refused, "argument 0 of `transfer` must be a `address`");
}

#[test]
fn a_handle_for_another_function_is_passed_over_for_the_names() {
    let cache = coin_cache();
    let handle = resolve_keys(&cache, &transfer()).unwrap().0.handle();
    let mut swapped = transfer();
    swapped.args.reverse();
    let mut greedy = transfer();
    greedy.gas_limit = u64::MAX;
    let mut elsewhere = transfer();
    elsewhere.module = id(2, "coin");
    let cases = [
        transfer(),
        coin_tx("mint", vec![U64(5)]),
        coin_tx("steal", vec![]),
        coin_tx("balance_of", vec![Address(AccountAddress::from_u64(0xB))]),
        swapped,
        greedy,
        elsewhere,
    ];
    for tx in cases {
        let by_name = identity(resolve_entry(&cache, &tx));
        assert_eq!(identity(resolve_entry_at(&cache, &tx, Some(handle))), by_name, "{}", tx.function);
        assert_eq!(identity(resolve_entry_at(&cache, &tx, None)), by_name, "{}", tx.function);
    }
}

#[test]
fn a_handle_from_another_cache_is_passed_over_for_the_names() {
    let handle = resolve_keys(&coin_cache(), &transfer()).unwrap().0.handle();
    // Here module number 0 is a decoy whose functions take what `transfer`
    // takes, one at `transfer`'s index among them; `coin` is number 1.
    let decoy: String =
        (0..5).map(|i| format!("public entry fun f{i}(s: &signer, to: address, amount: u64) {{\nret\n}}\n")).collect();
    let mut other = CodeCache::new();
    publish(&mut other, &format!("module 0x5::decoy\n{decoy}")).unwrap();
    other.publish_stdlib(assemble(COIN).unwrap()).unwrap();
    let tx = transfer();
    let found = identity(resolve_entry_at(&other, &tx, Some(handle)));
    assert_eq!(found, identity(resolve_entry(&other, &tx)));
    assert!(found.is_ok());
}
