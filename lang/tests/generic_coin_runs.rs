//! A generic coin written in Resin: compiled, its access sets checked, then
//! published and run on the VM in two currencies, which stay apart.

use resin_format::file_format::{AccessMode, AccountAddress, ModuleId};
use resin_lang::{compile, SourceFile};
use resin_vm::{
    declared_keys, AccessKey, Module, Receipt, ResourceKey, Status, StructTag, Transaction, TypeId, TypeTag, Value,
    World,
};

const SOURCE: &str = r#"
module 0x2::usd {
    struct USD has drop {}
}
module 0x3::eur {
    struct EUR has drop {}
}
module 0x4::gcoin {
    struct Coin<phantom T> has store { value: u64 }
    struct Balance<phantom T> has key { coin: Coin<T> }

    const E_INSUFFICIENT: u64 = 1;

    fun zero<T>(): Coin<T> { Coin { value: 0 } }
    fun merge<T>(into: &mut Coin<T>, other: Coin<T>) {
        let Coin { value } = other;
        into.value = into.value + value;
    }
    fun split<T>(from: &mut Coin<T>, amount: u64): Coin<T> {
        assert!(from.value >= amount, E_INSUFFICIENT);
        from.value = from.value - amount;
        Coin { value: amount }
    }

    public entry fun register<T>(account: &signer) {
        move_to(account, Balance<T> { coin: zero() });
    }
    /// Test money: anyone may mint to themselves.
    public entry fun mint<T>(account: &signer, amount: u64) {
        let balance = borrow_global_mut<Balance<T>>(signer::address_of(account));
        merge(&mut balance.coin, Coin { value: amount });
    }
    public entry fun transfer<T>(from: &signer, to: address, amount: u64) {
        let coin = split(&mut borrow_global_mut<Balance<T>>(signer::address_of(from)).coin, amount);
        merge(&mut borrow_global_mut<Balance<T>>(to).coin, coin);
    }
    public fun balance_of<T>(owner: address): u64 {
        if (exists<Balance<T>>(owner)) borrow_global<Balance<T>>(owner).coin.value else 0
    }
}
"#;

fn addr(n: u64) -> AccountAddress {
    AccountAddress::from_u64(n)
}

fn coin_id() -> ModuleId {
    ModuleId::new(addr(4), "gcoin")
}

fn usd() -> TypeTag {
    TypeTag::parse("0x2::usd::USD").unwrap()
}

fn eur() -> TypeTag {
    TypeTag::parse("0x3::eur::EUR").unwrap()
}

fn compiled() -> (Vec<Module>, String) {
    let sources = [SourceFile::new("gcoin.rsn", SOURCE)];
    let result = compile(&sources, &[]);
    assert!(result.diagnostics.is_empty(), "{}", result.diagnostics.render(&sources));
    let report = result.access_report();
    (result.modules.into_iter().map(|m| m.module).collect(), report)
}

fn tx(sender: u64, function: &str, currency: &TypeTag, args: Vec<Value>) -> Transaction {
    Transaction {
        sender: addr(sender),
        module: coin_id(),
        function: function.into(),
        args,
        gas_limit: 100_000,
        type_args: vec![currency.clone()],
    }
}

fn success(receipt: &Receipt) {
    assert_eq!(receipt.status, Status::Success, "{receipt:?}");
}

fn world() -> World {
    let mut world = World::new();
    for module in compiled().0 {
        world.publish(module).unwrap();
    }
    for currency in [usd(), eur()] {
        for account in [0xA, 0xB] {
            success(&world.execute(&tx(account, "register", &currency, vec![])));
        }
    }
    success(&world.execute(&tx(0xA, "mint", &usd(), vec![Value::U64(100)])));
    success(&world.execute(&tx(0xA, "mint", &eur(), vec![Value::U64(50)])));
    world
}

fn balance(world: &World, currency: &TypeTag, owner: u64) -> u64 {
    let outcome = world.call(&tx(0, "balance_of", currency, vec![Value::Address(addr(owner))]));
    success(&outcome.receipt);
    match outcome.returns.as_slice() {
        [Value::U64(v)] => *v,
        other => panic!("balance_of returned {other:?}"),
    }
}

fn balance_type(currency: &TypeTag) -> TypeId {
    TypeId::of_struct(&StructTag::new(coin_id(), "Balance", vec![currency.clone()]))
}

#[test]
fn access_sets_name_the_instance() {
    let (_, report) = compiled();
    assert!(report.contains("  transfer: write Balance<T>@to, write Balance<T>@from\n"), "{report}");
    assert!(report.contains("  balance_of: read Balance<T>@owner\n"), "{report}");
}

#[test]
fn currencies_stay_apart() {
    let mut world = world();
    success(&world.execute(&tx(0xA, "transfer", &usd(), vec![Value::Address(addr(0xB)), Value::U64(30)])));
    success(&world.execute(&tx(0xA, "transfer", &eur(), vec![Value::Address(addr(0xB)), Value::U64(20)])));
    assert_eq!((balance(&world, &usd(), 0xA), balance(&world, &usd(), 0xB)), (70, 30));
    assert_eq!((balance(&world, &eur(), 0xA), balance(&world, &eur(), 0xB)), (30, 20));

    // 0xB has 30 USD: sending 31 aborts in `split` and writes nothing.
    let too_much = world.execute(&tx(0xB, "transfer", &usd(), vec![Value::Address(addr(0xA)), Value::U64(31)]));
    match &too_much.status {
        Status::Aborted { code, location } => {
            assert_eq!(*code, 1);
            assert_eq!(location.function, "split");
        }
        other => panic!("expected an abort, got {other:?}"),
    }
    assert!(too_much.write_set.0.is_empty());
}

#[test]
fn a_transfer_declares_and_writes_only_its_currency() {
    let mut world = world();
    let call = tx(0xA, "transfer", &usd(), vec![Value::Address(addr(0xB)), Value::U64(5)]);
    let keys = declared_keys(&world.code, &call).unwrap();
    let mut declared: Vec<(AccessMode, AccessKey)> = keys.0.iter().map(|k| (k.mode, k.key)).collect();
    declared.sort();
    let key = |owner| AccessKey::Exact(ResourceKey { address: addr(owner), ty: balance_type(&usd()) });
    let mut want = vec![(AccessMode::Write, key(0xA)), (AccessMode::Write, key(0xB))];
    want.sort();
    assert_eq!(declared, want);

    let receipt = world.execute(&call);
    success(&receipt);
    assert!(receipt.write_set.0.iter().all(|op| op.key.ty == balance_type(&usd())), "{receipt:?}");
    assert_ne!(balance_type(&usd()), balance_type(&eur()));
}
