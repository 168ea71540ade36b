use std::sync::Arc;

use super::*;
use crate::transaction::{Status, Transaction};
use resin_format::assembler::assemble;
use resin_format::file_format::{AccessMode, AccountAddress};
use resin_state::keys::{AccessKey, KeyAccess, ResourceKey};

const COIN: &str = include_str!("../../../format/tests/data/coin.rasm");

fn coin_cache() -> CodeCache {
    let mut cache = CodeCache::new();
    cache.publish_stdlib(assemble(COIN).unwrap()).unwrap();
    cache
}

fn id(address: u64, name: &str) -> ModuleId {
    ModuleId::new(AccountAddress::from_u64(address), name)
}

fn publish(cache: &mut CodeCache, text: &str) -> Result<(), LoadError> {
    cache.publish(assemble(text).unwrap())
}

#[test]
fn republishing_a_module_is_refused() {
    let mut cache = coin_cache();
    assert_eq!(cache.publish_stdlib(assemble(COIN).unwrap()), Err(LoadError::AlreadyPublished(id(1, "coin"))));
}

#[test]
fn dependencies_must_be_published_first() {
    let mut cache = CodeCache::new();
    let err = publish(&mut cache, "module 0x2::shop\nuse 0x1::coin\nstruct coin::Coin has store\n").unwrap_err();
    assert_eq!(err, LoadError::MissingDependency { module: id(2, "shop"), dependency: id(1, "coin") });
}

#[test]
fn foreign_structs_must_exist_with_the_same_abilities() {
    let mut cache = coin_cache();
    let err = publish(&mut cache, "module 0x2::a\nuse 0x1::coin\nstruct coin::Coin has store, drop\n").unwrap_err();
    assert!(matches!(err, LoadError::StructAbilityMismatch { ref name, .. } if name == "0x1::coin::Coin"), "{err}");
    let err = publish(&mut cache, "module 0x2::b\nuse 0x1::coin\nstruct coin::Gold has store\n").unwrap_err();
    assert!(matches!(err, LoadError::StructNotFound { ref name, .. } if name == "0x1::coin::Gold"), "{err}");
    publish(&mut cache, "module 0x2::c\nuse 0x1::coin\nstruct coin::Coin has store\n").unwrap();
}

#[test]
fn foreign_functions_must_exist_be_public_and_match() {
    let mut cache = coin_cache();
    let cases = [
        ("fun coin::missing()", "FunctionNotFound"),
        ("fun coin::credit(address, u64) acquires write coin::Balance(param 0)", "FunctionNotPublic"),
        ("fun coin::balance_of(address): u128 acquires read coin::Balance(param 0)", "return types"),
        ("fun coin::balance_of(address, u64): u64 acquires read coin::Balance(param 0)", "parameters"),
        // Declaring less than the callee touches is refused.
        ("fun coin::balance_of(address): u64", "access spec"),
    ];
    for (n, (handle, expected)) in cases.into_iter().enumerate() {
        let text = format!("module 0x2::m{n}\nuse 0x1::coin\nstruct coin::Balance has key\n{handle}\n");
        let err = publish(&mut cache, &text).unwrap_err();
        let matches = match &err {
            LoadError::FunctionNotFound { .. } => expected == "FunctionNotFound",
            LoadError::FunctionNotPublic { .. } => expected == "FunctionNotPublic",
            LoadError::FunctionMismatch { what, .. } => *what == expected,
            _ => false,
        };
        assert!(matches, "{handle}: {err}");
    }
    let good = "module 0x2::ok\nuse 0x1::coin\nstruct coin::Balance has key\n\
                fun coin::balance_of(address): u64 acquires read coin::Balance(param 0)\n";
    publish(&mut cache, good).unwrap();
    // A handle may declare more than the callee touches: the caller was
    // verified against the wider spec (an upgrade may narrow a callee's).
    let wider = "module 0x2::wide\nuse 0x1::coin\nstruct coin::Balance has key\n\
                 fun coin::balance_of(address): u64 acquires write coin::Balance(param 0)\n";
    publish(&mut cache, wider).unwrap();
}

#[test]
fn calls_resolve_to_the_defining_module() {
    let mut cache = coin_cache();
    let text = "module 0x2::user\nuse 0x1::coin\nstruct coin::Balance has key\n\
                fun coin::balance_of(address): u64 acquires read coin::Balance(param 0)\n\
                public fun mine(a: address): u64 acquires read coin::Balance(param a) {\nmove_loc a\ncall coin::balance_of\nret\n}\n";
    publish(&mut cache, text).unwrap();
    let user = cache.loaded(&id(2, "user")).unwrap();
    let coin = cache.loaded(&id(1, "coin")).unwrap();
    match &user.call_targets[0] {
        CallTarget::Foreign(target, def) => {
            assert!(Arc::ptr_eq(target, coin));
            assert_eq!(coin.functions[usize::from(*def)].name, "balance_of");
        }
        other => panic!("{other:?}"),
    }
    let balance = TypeId::of(&id(1, "coin"), "Balance");
    assert_eq!(user.struct_handle_type(resin_format::file_format::StructHandleIdx(0)), Some(balance));
    let ids: Vec<&ModuleId> = cache.modules().filter_map(Module::self_id).collect();
    assert_eq!(ids, [&id(1, "coin"), &id(2, "user")], "modules come sorted by id");
}

#[test]
fn a_type_id_collision_is_refused() {
    let mut cache = coin_cache();
    // Real collisions need a 64-bit hash collision; plant one instead.
    let victim = TypeId::of(&id(3, "gold"), "Gold");
    let coin = Arc::clone(cache.loaded(&id(1, "coin")).unwrap());
    cache.types.insert(victim, (coin, 0));
    let err = publish(&mut cache, "module 0x3::gold\nstruct Gold has key { v: u64 }\n").unwrap_err();
    assert_eq!(
        err,
        LoadError::TypeIdCollision { module: id(3, "gold"), name: "Gold".into(), existing: "0x1::coin::Coin".into() }
    );
}

#[test]
fn unverifiable_modules_are_refused() {
    let mut cache = CodeCache::new();
    let err = publish(&mut cache, "module 0x4::bad\npublic fun f(): u64 {\nld_true\nret\n}\n").unwrap_err();
    assert!(matches!(err, LoadError::Verify(_)), "{err}");
    assert!(cache.is_empty());
}

#[test]
fn layouts_and_signatures_are_exposed() {
    let cache = coin_cache();
    let balance = TypeId::of(&id(1, "coin"), "Balance");
    let (module, def) = cache.struct_layout(balance).unwrap();
    assert_eq!(
        (module, def.name.as_str(), def.field_names.as_slice()),
        (&id(1, "coin"), "Balance", &["coin".to_string()][..])
    );
    let sig = cache.entry_signature(&id(1, "coin"), "transfer").unwrap();
    assert_eq!(sig.signers, vec![SignerParam::Ref]);
    assert_eq!(sig.args, vec![ResolvedType::Address, ResolvedType::U64]);
    assert!(cache.entry_signature(&id(1, "coin"), "credit").is_none(), "not an entry function");
}

fn tx(function: &str, args: Vec<resin_state::value::Value>) -> Transaction {
    Transaction {
        sender: AccountAddress::from_u64(0xA),
        module: id(5, "keys"),
        function: function.into(),
        args,
        gas_limit: 1,
        type_args: Vec::new(),
    }
}

#[test]
fn declared_keys_substitute_arguments_and_merge_modes() {
    let mut cache = CodeCache::new();
    let text = "module 0x5::keys\nstruct R has key { v: u64 }\nstruct S has key { v: u64 }\n\
                public entry fun f(s: &signer, a: address, b: address) acquires read R(param a), write R(param b), read R(signer s), read S(*), write S(0x7) {\nret\n}\n";
    publish(&mut cache, text).unwrap();
    let r = TypeId::of(&id(5, "keys"), "R");
    let s = TypeId::of(&id(5, "keys"), "S");
    let exact = |mode, address: u64, ty| KeyAccess {
        mode,
        key: AccessKey::Exact(ResourceKey { address: AccountAddress::from_u64(address), ty }),
    };
    use resin_state::value::Value::Address;
    let args = vec![Address(AccountAddress::from_u64(0xB)), Address(AccountAddress::from_u64(0xB))];
    let keys = declared_keys(&cache, &tx("f", args)).unwrap();
    let mut expected = vec![
        exact(AccessMode::Write, 0xB, r),
        exact(AccessMode::Read, 0xA, r),
        KeyAccess { mode: AccessMode::Read, key: AccessKey::AnyOf(s) },
        exact(AccessMode::Write, 0x7, s),
    ];
    expected.sort();
    assert_eq!(keys.0.to_vec(), expected, "read and write of R@0xB merge into one write");
    assert!(keys.0.windows(2).all(|w| w[0] < w[1]));
    let wrong = declared_keys(&cache, &tx("f", vec![Address(AccountAddress::from_u64(1))]));
    assert!(matches!(wrong, Err(Status::InvalidArguments { .. })));
}

mod accepts;
mod entry;
mod generics;
mod resolver;
