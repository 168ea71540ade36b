//! Generic code end to end: one coin module for two currencies (USD at 0x2,
//! EUR at 0x3), their balances separate resources with disjoint declared
//! keys, type arguments checked at the door, generic calls inside generic
//! calls, and gas equal to the monomorphic twin's.

use resin_format::assembler::assemble;
use resin_state::keys::{AccessKey, ResourceKey, TypeId};
use resin_vm::{
    declared_keys, execute_with_keys, AccessMode, AccountAddress, BlockContext, ModuleId, Receipt, Status, StructTag,
    Transaction, TypeTag, Value, World,
};

const COIN: &str = include_str!("data/generic_coin.rasm");
const MISC: &str = include_str!("data/generic_misc.rasm");
const GAS: u64 = 100_000;

fn addr(n: u64) -> AccountAddress {
    AccountAddress::from_u64(n)
}

fn coin() -> ModuleId {
    ModuleId::new(addr(4), "coin")
}

fn usd() -> TypeTag {
    TypeTag::parse("0x2::usd::USD").unwrap()
}

fn eur() -> TypeTag {
    TypeTag::parse("0x3::eur::EUR").unwrap()
}

fn tx(module: ModuleId, sender: u64, function: &str, type_args: Vec<TypeTag>, args: Vec<Value>) -> Transaction {
    Transaction { sender: addr(sender), module, function: function.into(), args, gas_limit: GAS, type_args }
}

fn coin_tx(sender: u64, function: &str, currency: &TypeTag, args: Vec<Value>) -> Transaction {
    tx(coin(), sender, function, vec![currency.clone()], args)
}

fn transfer(currency: &TypeTag, from: u64, to: u64, amount: u64) -> Transaction {
    coin_tx(from, "transfer", currency, vec![Value::Address(addr(to)), Value::U64(amount)])
}

fn success(receipt: &Receipt) {
    assert_eq!(receipt.status, Status::Success, "{receipt:?}");
}

fn publish(world: &mut World, text: &str) {
    let module = assemble(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    world.publish(module).unwrap_or_else(|e| panic!("{e}\n{text}"));
}

/// The currencies, the generic coin and `misc`; 0xA holds 100 USD and 50
/// EUR, 0xB holds 5 USD and nothing in EUR; both are registered for both.
fn world() -> World {
    let mut world = World::new();
    publish(&mut world, "module 0x2::usd\nstruct USD has drop { dummy: bool }\n");
    publish(&mut world, "module 0x3::eur\nstruct EUR has drop { dummy: bool }\n");
    publish(&mut world, COIN);
    publish(&mut world, MISC);
    for currency in [usd(), eur()] {
        for account in [0xA, 0xB] {
            success(&world.execute(&coin_tx(account, "register", &currency, vec![])));
        }
    }
    success(&world.execute(&coin_tx(0xA, "mint", &usd(), vec![Value::U64(100)])));
    success(&world.execute(&coin_tx(0xB, "mint", &usd(), vec![Value::U64(5)])));
    success(&world.execute(&coin_tx(0xA, "mint", &eur(), vec![Value::U64(50)])));
    world
}

fn balance(world: &World, currency: &TypeTag, owner: u64) -> u64 {
    let outcome = world.call(&coin_tx(0, "balance_of", currency, vec![Value::Address(addr(owner))]));
    success(&outcome.receipt);
    match outcome.returns.as_slice() {
        [Value::U64(v)] => *v,
        other => panic!("balance_of returned {other:?}"),
    }
}

fn balance_type(currency: &TypeTag) -> TypeId {
    TypeId::of_struct(&StructTag::new(coin(), "Balance", vec![currency.clone()]))
}

#[test]
fn usd_and_eur_balances_are_separate_resources() {
    let mut world = world();
    success(&world.execute(&transfer(&usd(), 0xA, 0xB, 30)));
    success(&world.execute(&transfer(&eur(), 0xA, 0xB, 20)));
    assert_eq!((balance(&world, &usd(), 0xA), balance(&world, &usd(), 0xB)), (70, 35));
    assert_eq!((balance(&world, &eur(), 0xA), balance(&world, &eur(), 0xB)), (30, 20));

    // A USD transfer writes the two USD balances and nothing in EUR.
    let receipt = world.execute(&transfer(&usd(), 0xB, 0xA, 1));
    success(&receipt);
    let written: Vec<ResourceKey> = receipt.write_set.0.iter().map(|op| op.key).collect();
    let usd_balance = balance_type(&usd());
    assert!(written.iter().all(|key| key.ty == usd_balance), "{written:?}");
    assert_eq!(written.len(), 2);
    assert_ne!(usd_balance, balance_type(&eur()));
    assert_ne!(usd_balance, TypeId::of(&coin(), "Balance"), "an instantiation is not its generic definition");

    // Printers name the instantiation and lay out its fields.
    assert_eq!(world.code.type_name(usd_balance).as_deref(), Some("0x4::coin::Balance<0x2::usd::USD>"));
    let key = ResourceKey { address: addr(0xA), ty: usd_balance };
    let value = world.resources.get(&key).expect("0xA has a USD balance");
    assert_eq!(
        world.code.format_resource(usd_balance, value),
        "0x4::coin::Balance<0x2::usd::USD> { coin: 0x4::coin::Coin<0x2::usd::USD> { value: 71 } }"
    );
}

#[test]
fn overdraft_aborts_in_its_own_currency() {
    let mut world = world();
    // 0xB has 5 USD and no EUR: the EUR transfer aborts, the USD one runs.
    let receipt = world.execute(&transfer(&eur(), 0xB, 0xA, 5));
    assert!(matches!(receipt.status, Status::Aborted { code: 1, .. }), "{receipt:?}");
    success(&world.execute(&transfer(&usd(), 0xB, 0xA, 5)));
}

#[test]
fn declared_keys_of_a_usd_and_an_eur_transfer_are_disjoint() {
    let world = world();
    let usd_keys = declared_keys(&world.code, &transfer(&usd(), 0xA, 0xB, 1)).unwrap();
    let eur_keys = declared_keys(&world.code, &transfer(&eur(), 0xA, 0xB, 1)).unwrap();
    let exact = |ty: TypeId, owner: u64| AccessKey::Exact(ResourceKey { address: addr(owner), ty });
    let usd_expected = [exact(balance_type(&usd()), 0xA), exact(balance_type(&usd()), 0xB)];
    assert_eq!(usd_keys.0.iter().map(|k| k.key).collect::<Vec<_>>().len(), 2);
    for key in &usd_keys.0 {
        assert_eq!(key.mode, AccessMode::Write);
        assert!(usd_expected.contains(&key.key), "{key:?}");
        assert!(eur_keys.0.iter().all(|other| other.key != key.key), "{key:?} is declared by both");
    }
}

#[test]
fn an_access_outside_the_instantiated_keys_is_a_violation() {
    let world = world();
    // The USD transfer run under the EUR transfer's keys touches Balance<USD>.
    let eur_keys = declared_keys(&world.code, &transfer(&eur(), 0xA, 0xB, 1)).unwrap();
    let receipt = execute_with_keys(
        &world.code,
        &world.resources,
        &transfer(&usd(), 0xA, 0xB, 1),
        BlockContext::default(),
        &eur_keys,
    );
    match receipt.status {
        Status::AccessViolation { mode, key, .. } => {
            assert_eq!(mode, AccessMode::Read);
            assert_eq!(*key, ResourceKey { address: addr(0xA), ty: balance_type(&usd()) });
        }
        other => panic!("expected an access violation, got {other:?}"),
    }
}

#[test]
fn a_type_wide_key_covers_one_instantiation() {
    let world = world();
    let touch = |currency: &TypeTag| coin_tx(0xA, "touch_any", currency, vec![Value::Address(addr(0xB))]);
    let usd_keys = declared_keys(&world.code, &touch(&usd())).unwrap();
    let keys: Vec<(AccessMode, AccessKey)> = usd_keys.0.iter().map(|k| (k.mode, k.key)).collect();
    assert_eq!(keys, vec![(AccessMode::Read, AccessKey::AnyOf(balance_type(&usd())))]);
    success(&execute_with_keys(&world.code, &world.resources, &touch(&usd()), BlockContext::default(), &usd_keys));
    let eur = execute_with_keys(&world.code, &world.resources, &touch(&eur()), BlockContext::default(), &usd_keys);
    assert!(matches!(eur.status, Status::AccessViolation { .. }), "{eur:?}");
}

#[test]
fn transactions_serialized_before_type_arguments_still_decode() {
    let tx = coin_tx(0xA, "register", &usd(), vec![]);
    let mut json = serde_json::to_value(&tx).unwrap();
    assert!(json.as_object_mut().unwrap().remove("type_args").is_some());
    let old: Transaction = serde_json::from_value(json).unwrap();
    assert_eq!(old, Transaction { type_args: Vec::new(), ..tx });
}

fn refusal(world: &World, tx: &Transaction) -> String {
    match world.clone().execute(tx).status {
        Status::InvalidArguments { reason } => {
            assert_eq!(declared_keys(&world.code, tx), Err(Status::InvalidArguments { reason: reason.clone() }));
            reason
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn bad_type_arguments_are_refused_with_a_reason() {
    let world = world();
    let with = |function: &str, type_args: Vec<TypeTag>| tx(coin(), 0xA, function, type_args, vec![]);
    let tag = |text: &str| TypeTag::parse(text).unwrap();

    let none = refusal(&world, &with("register", vec![]));
    assert!(none.contains("takes 1 type argument, 0 given"), "{none}");
    let two = refusal(&world, &with("register", vec![usd(), eur()]));
    assert!(two.contains("takes 1 type argument, 2 given"), "{two}");
    let unknown = refusal(&world, &with("register", vec![tag("0x2::usd::YEN")]));
    assert!(unknown.contains("`0x2::usd::YEN` is not published"), "{unknown}");
    let no_module = refusal(&world, &with("register", vec![tag("0x9::nowhere::X")]));
    assert!(no_module.contains("`0x9::nowhere::X` is not published"), "{no_module}");
    let arity = refusal(&world, &with("register", vec![tag("0x4::coin::Coin")]));
    assert!(arity.contains("`0x4::coin::Coin` takes 1 type argument, 0 given"), "{arity}");
    let nested = refusal(&world, &with("register", vec![tag("vector<0x2::usd::YEN>")]));
    assert!(nested.contains("`0x2::usd::YEN` is not published"), "{nested}");

    let misc = ModuleId::new(addr(5), "misc");
    let constraint = refusal(&world, &tx(misc.clone(), 0xA, "copyable", vec![usd()], vec![]));
    assert!(constraint.contains("has abilities [drop] but the parameter requires [copy]"), "{constraint}");
    success(&world.clone().execute(&tx(misc.clone(), 0xA, "copyable", vec![TypeTag::U64], vec![])));

    // A function that is not generic takes no type arguments.
    let plain = refusal(&world, &tx(misc, 0xA, "plain", vec![usd()], vec![]));
    assert!(plain.contains("takes 0 type arguments, 1 given"), "{plain}");
}

#[test]
fn generic_calls_inside_generic_calls() {
    let world = world();
    let misc = ModuleId::new(addr(5), "misc");
    let call = |function: &str, type_args: Vec<TypeTag>, args: Vec<Value>| {
        let outcome = world.call(&tx(misc.clone(), 0xA, function, type_args, args));
        success(&outcome.receipt);
        outcome.returns
    };
    // From code that is not generic, with a struct of u64 as the argument.
    assert_eq!(call("len_of_twice", vec![], vec![]), vec![Value::U64(2)]);
    // depth<T> -> depth2<Box<T>> -> twice<Box<T>>, count<Box<T>>, twice
    // (cached after the first call of each instantiation) run twice.
    for _ in 0..2 {
        assert_eq!(call("depth", vec![TypeTag::U64], vec![Value::U64(1)]), vec![Value::U64(2)]);
        assert_eq!(call("depth", vec![TypeTag::Bool], vec![Value::Bool(true)]), vec![Value::U64(2)]);
    }
    // A parameter `T0` takes a value of the type `T0` stands for.
    let wrong = world.call(&tx(misc.clone(), 0xA, "depth", vec![TypeTag::Bool], vec![Value::U64(1)]));
    assert!(
        matches!(&wrong.receipt.status, Status::InvalidArguments { reason } if reason.contains("must be a `bool`")),
        "{wrong:?}"
    );
}

/// `text` with its generics erased: the same code on plain structs.
fn monomorphic(text: &str) -> String {
    text.replace("module 0x4::coin", "module 0x6::coin")
        .replace("<phantom T0>", "")
        .replace("<T0>", "")
        .replace("_generic", "")
}

#[test]
fn a_generic_transfer_costs_the_gas_of_its_monomorphic_twin() {
    let mut world = world();
    publish(&mut world, &monomorphic(COIN));
    let plain = ModuleId::new(addr(6), "coin");
    let plain_tx = |sender: u64, function: &str, args: Vec<Value>| tx(plain.clone(), sender, function, vec![], args);
    for account in [0xA, 0xB] {
        success(&world.execute(&plain_tx(account, "register", vec![])));
    }
    let generic_mint = world.execute(&coin_tx(0xA, "mint", &usd(), vec![Value::U64(7)]));
    let plain_mint = world.execute(&plain_tx(0xA, "mint", vec![Value::U64(107)]));
    success(&plain_mint);
    assert_eq!(generic_mint.gas_used, plain_mint.gas_used);
    for amount in [1, 50] {
        let generic = world.execute(&transfer(&usd(), 0xA, 0xB, amount));
        let plain = world.execute(&plain_tx(0xA, "transfer", vec![Value::Address(addr(0xB)), Value::U64(amount)]));
        success(&generic);
        success(&plain);
        assert_eq!(generic.gas_used, plain.gas_used, "transfer of {amount}");
    }
}
