//! The coin module from the design brief (examples/coin.rsn): compiled, its
//! access sets checked against the brief, then published and run on the VM.

mod support;

use resin_format::file_format::{AccessMode, AccountAddress, AddressSource, ModuleId};
use resin_lang::{compile, SourceFile};
use resin_verifier::verify_module;
use resin_vm::{declared_keys, AccessKey, Module, ResourceKey, Status, Transaction, TypeId, Value, World};

fn compile_coin() -> Module {
    let text = support::read_case(&support::repo_root().join("examples/coin.rsn"));
    let sources = [SourceFile::new("coin.rsn", text)];
    let result = compile(&sources, &[]);
    assert!(result.diagnostics.is_empty(), "{}", result.diagnostics.render(&sources));
    assert_eq!(result.modules.len(), 1);
    let module = result.modules.into_iter().next().unwrap().module;
    verify_module(&module).unwrap();
    module
}

fn coin_id() -> ModuleId {
    ModuleId::new(AccountAddress::from_u64(2), "coin")
}

fn tx(sender: u64, function: &str, args: Vec<Value>) -> Transaction {
    Transaction {
        sender: AccountAddress::from_u64(sender),
        module: coin_id(),
        function: function.into(),
        args,
        gas_limit: 100_000,
        type_args: Vec::new(),
    }
}

fn balance_key(owner: u64) -> ResourceKey {
    ResourceKey { address: AccountAddress::from_u64(owner), ty: TypeId::of(&coin_id(), "Balance") }
}

/// `Balance { coin: Coin { value } }` as stored.
fn balance(value: u64) -> Value {
    Value::Struct(vec![Value::Struct(vec![Value::U64(value)])])
}

#[test]
fn transfer_access_set_is_exactly_sender_and_recipient_balances() {
    let module = compile_coin();
    let (_, transfer) = module.find_function("transfer").unwrap();
    let spec = &module.function_handle(transfer.handle).unwrap().access.0;
    let balance = module.struct_handles.iter().position(|h| h.name == "Balance").unwrap();
    let mut found: Vec<(AccessMode, usize, AddressSource)> =
        spec.iter().map(|a| (a.mode, a.resource.index(), a.address)).collect();
    found.sort();
    let mut expected = vec![
        (AccessMode::Write, balance, AddressSource::SignerOf(0)),
        (AccessMode::Write, balance, AddressSource::Param(1)),
    ];
    expected.sort();
    assert_eq!(found, expected);

    // Instantiated for `transfer(@A, @B, 5)`: exactly W Balance@A and W Balance@B.
    let mut world = World::new();
    world.publish(module).unwrap();
    let call = tx(0xA, "transfer", vec![Value::Address(AccountAddress::from_u64(0xB)), Value::U64(5)]);
    let keys = declared_keys(&world.code, &call).unwrap();
    let mut instantiated: Vec<(AccessMode, AccessKey)> = keys.0.iter().map(|k| (k.mode, k.key)).collect();
    instantiated.sort();
    let mut want = vec![
        (AccessMode::Write, AccessKey::Exact(balance_key(0xA))),
        (AccessMode::Write, AccessKey::Exact(balance_key(0xB))),
    ];
    want.sort();
    assert_eq!(instantiated, want);
}

#[test]
fn register_transfer_and_abort_on_insufficient_funds() {
    let mut world = World::new();
    world.publish(compile_coin()).unwrap();

    for account in [0xA, 0xB] {
        let receipt = world.execute(&tx(account, "register", vec![]));
        assert_eq!(receipt.status, Status::Success, "register {account:#x}");
    }
    assert_eq!(world.resources.get(&balance_key(0xA)), Some(&balance(0)));

    // Registering twice aborts: the resource already exists.
    let again = world.execute(&tx(0xA, "register", vec![]));
    assert!(matches!(again.status, Status::RuntimeError { .. }), "{:?}", again.status);

    // No mint in the brief's coin: seed a balance by writing storage directly.
    world.resources.apply_owned(balance_key(0xA), Some(balance(100)));

    let ok = world.execute(&tx(0xA, "transfer", vec![Value::Address(AccountAddress::from_u64(0xB)), Value::U64(30)]));
    assert_eq!(ok.status, Status::Success);
    assert!(ok.gas_used > 0);
    assert_eq!(world.resources.get(&balance_key(0xA)), Some(&balance(70)));
    assert_eq!(world.resources.get(&balance_key(0xB)), Some(&balance(30)));

    // Withdrawing more than the balance fails the `assert!` with E_INSUFFICIENT (1),
    // at a location in `withdraw`, and writes nothing.
    let too_much =
        world.execute(&tx(0xB, "transfer", vec![Value::Address(AccountAddress::from_u64(0xA)), Value::U64(31)]));
    match &too_much.status {
        Status::Aborted { code, location } => {
            assert_eq!(*code, 1);
            assert_eq!(location.function, "withdraw");
        }
        other => panic!("expected an abort, got {other:?}"),
    }
    assert!(too_much.write_set.0.is_empty());
    assert_eq!(world.resources.get(&balance_key(0xB)), Some(&balance(30)));
}

#[test]
fn transfer_to_an_unregistered_account_aborts_without_writes() {
    let mut world = World::new();
    world.publish(compile_coin()).unwrap();
    world.execute(&tx(0xA, "register", vec![]));
    world.resources.apply_owned(balance_key(0xA), Some(balance(10)));
    let receipt =
        world.execute(&tx(0xA, "transfer", vec![Value::Address(AccountAddress::from_u64(0xD)), Value::U64(1)]));
    assert!(matches!(receipt.status, Status::RuntimeError { .. }), "{:?}", receipt.status);
    assert!(receipt.write_set.0.is_empty());
    assert_eq!(world.resources.get(&balance_key(0xA)), Some(&balance(10)));
}
