//! Instances: made once per (function, type arguments) and shared; a type
//! that grows past the limits at run time faults instead of growing.

use std::sync::Arc;

use super::super::resolve_entry;
use super::*;
use crate::execute::execute_transaction;
use crate::transaction::RuntimeErrorKind;
use resin_state::store::ResourceStore;
use resin_state::type_tag::TypeTag;

const GENERIC_COIN: &str = include_str!("../../../tests/data/generic_coin.rasm");

fn generic_cache() -> CodeCache {
    let mut cache = CodeCache::new();
    publish(&mut cache, "module 0x2::usd\nstruct USD has drop { dummy: bool }\n").unwrap();
    publish(&mut cache, GENERIC_COIN).unwrap();
    cache
}

fn generic_tx(module: ModuleId, function: &str, type_args: Vec<TypeTag>, args: Vec<Value>) -> Transaction {
    Transaction {
        sender: AccountAddress::from_u64(0xA),
        module,
        function: function.into(),
        args,
        gas_limit: 100_000,
        type_args,
    }
}

#[test]
fn an_instance_is_made_once_per_type_arguments_and_shared_by_clones() {
    let cache = generic_cache();
    let usd = TypeTag::parse("0x2::usd::USD").unwrap();
    let register = |type_args| generic_tx(id(4, "coin"), "register", type_args, vec![]);
    let first = resolve_entry(&cache, &register(vec![usd.clone()])).unwrap().instance.unwrap();
    let snapshot = cache.clone();
    let again = resolve_entry(&snapshot, &register(vec![usd])).unwrap().instance.unwrap();
    assert!(Arc::ptr_eq(&first, &again), "the same instance, not an equal one");
    let other = resolve_entry(&cache, &register(vec![TypeTag::U64])).unwrap().instance.unwrap();
    assert!(!Arc::ptr_eq(&first, &other));
    assert_eq!(other.type_args(), &[TypeTag::U64]);
    // Tools get the same instance, checked the same way.
    let shown = cache.instantiate(&id(4, "coin"), "register", &[TypeTag::parse("0x2::usd::USD").unwrap()]).unwrap();
    assert!(Arc::ptr_eq(&first, &shown));
    assert_eq!(shown.access().len(), 1);
    let refused = cache.instantiate(&id(4, "coin"), "register", &[]).unwrap_err();
    assert!(refused.contains("takes 1 type argument, 0 given"), "{refused}");
}

#[test]
fn a_type_growing_past_the_limits_at_run_time_faults() {
    // `grow<T>` calls `grow<vector<T>>`: the verifier refuses the loop, so
    // the module is published without it to reach the interpreter's guard.
    let text = "module 0x1::grow\n\
        public fun grow<T0>() {\n    call_generic grow<vector<T0>>\n    ret\n}\n\
        public entry fun start(s: &signer) {\n    call_generic grow<u8>\n    ret\n}\n";
    let module = assemble(text).unwrap();
    assert!(resin_verifier::verify_module(&module).is_err());
    let mut cache = CodeCache::new();
    cache.publish_unverified(module).unwrap();
    let receipt = execute_transaction(
        &cache,
        &ResourceStore::new(),
        &generic_tx(id(1, "grow"), "start", vec![], vec![]),
        Default::default(),
    );
    match receipt.status {
        Status::RuntimeError { kind, location, .. } => {
            assert_eq!(kind, RuntimeErrorKind::TypeTooLarge);
            assert_eq!(location.function, "grow");
        }
        other => panic!("expected TypeTooLarge, got {other:?}"),
    }
}
