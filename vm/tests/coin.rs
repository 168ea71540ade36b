//! The coin module (vm/format/tests/data/coin.rasm) end to end: publish, register,
//! mint, transfer, overdraft, access enforcement, gas.

use resin_format::assembler::assemble;
use resin_state::keys::{AccessKey, KeyAccess, ResourceKey, TypeId};
use resin_vm::{
    declared_keys, execute_transaction, execute_with_keys, AccessMode, AccountAddress, BlockContext, DeclaredKeys,
    Instr, Location, ModuleId, Receipt, RuntimeErrorKind, Status, Transaction, Value, World,
};
use smallvec::smallvec;

const COIN: &str = include_str!("../format/tests/data/coin.rasm");
const GAS: u64 = 100_000;

fn coin() -> ModuleId {
    ModuleId::new(AccountAddress::from_u64(1), "coin")
}

fn addr(n: u64) -> AccountAddress {
    AccountAddress::from_u64(n)
}

fn balance_key(owner: u64) -> ResourceKey {
    ResourceKey { address: addr(owner), ty: TypeId::of(&coin(), "Balance") }
}

fn tx(sender: u64, function: &str, args: Vec<Value>) -> Transaction {
    Transaction {
        sender: addr(sender),
        module: coin(),
        function: function.into(),
        args,
        gas_limit: GAS,
        type_args: Vec::new(),
    }
}

fn transfer(from: u64, to: u64, amount: u64) -> Transaction {
    tx(from, "transfer", vec![Value::Address(addr(to)), Value::U64(amount)])
}

fn success(receipt: &Receipt) {
    assert_eq!(receipt.status, Status::Success, "{receipt:?}");
}

/// A world with the coin module and accounts 0xA (100 coins) and 0xB (5 coins).
fn world() -> World {
    let mut world = World::new();
    world.publish_stdlib(assemble(COIN).unwrap()).unwrap();
    for (account, amount) in [(0xA, 100), (0xB, 5)] {
        success(&world.execute(&tx(account, "register", vec![])));
        success(&world.execute(&tx(account, "mint", vec![Value::U64(amount)])));
    }
    world
}

fn balance(world: &World, owner: u64) -> u64 {
    let outcome = world.call(&tx(0, "balance_of", vec![Value::Address(addr(owner))]));
    success(&outcome.receipt);
    assert!(outcome.receipt.write_set.0.is_empty(), "a read-only call writes nothing");
    match outcome.returns.as_slice() {
        [Value::U64(v)] => *v,
        other => panic!("balance_of returned {other:?}"),
    }
}

fn offset_of(world: &World, function: &str, pred: impl Fn(&Instr) -> bool) -> u16 {
    let f = world.code.function(&coin(), function).unwrap();
    f.code.iter().position(pred).unwrap() as u16
}

#[test]
fn a_transfer_moves_value() {
    let mut world = world();
    let receipt = world.execute(&transfer(0xA, 0xB, 30));
    success(&receipt);
    assert!(receipt.gas_used > 0);
    assert!(receipt.events.is_empty());
    let written: Vec<(ResourceKey, Option<Value>)> =
        receipt.write_set.0.iter().map(|op| (op.key, op.value().map(|v| (**v).clone()))).collect();
    let balance_value = |v: u64| Some(Value::Struct(vec![Value::Struct(vec![Value::U64(v)])]));
    let mut expected = vec![(balance_key(0xA), balance_value(70)), (balance_key(0xB), balance_value(35))];
    expected.sort_by_key(|(key, _)| *key);
    assert_eq!(written, expected, "both balances written, sorted by key");
    assert_eq!(balance(&world, 0xA), 70);
    assert_eq!(balance(&world, 0xB), 35);
}

#[test]
fn a_transfer_to_oneself_keeps_the_balance() {
    let mut world = world();
    success(&world.execute(&transfer(0xA, 0xA, 40)));
    assert_eq!(balance(&world, 0xA), 100);
}

#[test]
fn an_overdraft_aborts_with_its_code_and_location_and_writes_nothing() {
    let mut world = world();
    let root = world.root();
    let receipt = world.execute(&transfer(0xB, 0xA, 6));
    let offset = offset_of(&world, "transfer", |i| *i == Instr::Abort);
    let location = Box::new(Location { module: coin(), function: "transfer".into(), offset });
    assert_eq!(receipt.status, Status::Aborted { code: 1, location });
    assert!(receipt.write_set.0.is_empty());
    assert!(receipt.events.is_empty());
    assert!(receipt.gas_used > 0, "an aborted transaction still pays");
    assert_eq!(balance(&world, 0xA), 100);
    assert_eq!(balance(&world, 0xB), 5);
    assert_eq!(world.root(), root, "nothing changed");
}

#[test]
fn declared_keys_instantiate_the_access_spec() {
    let world = world();
    let keys = declared_keys(&world.code, &transfer(0xA, 0xB, 1)).unwrap();
    let write = |n| KeyAccess { mode: AccessMode::Write, key: AccessKey::Exact(balance_key(n)) };
    let mut expected = vec![write(0xA), write(0xB)];
    expected.sort();
    assert_eq!(keys.0.to_vec(), expected);
    // A self-transfer declares its one key once.
    let keys = declared_keys(&world.code, &transfer(0xA, 0xA, 1)).unwrap();
    assert_eq!(keys.0.to_vec(), vec![write(0xA)]);
    let read = declared_keys(&world.code, &tx(0, "balance_of", vec![Value::Address(addr(7))]));
    assert!(matches!(read, Err(Status::InvalidArguments { .. })), "balance_of is not an entry function");
}

#[test]
fn an_access_outside_the_declared_keys_is_a_violation() {
    let world = world();
    // Keys narrower than the code: only the sender's balance. The credit of
    // 0xB (its first access is a read) must be refused before it reads.
    let keys = DeclaredKeys(smallvec![KeyAccess { mode: AccessMode::Write, key: AccessKey::Exact(balance_key(0xA)) }]);
    let receipt =
        execute_with_keys(&world.code, &world.resources, &transfer(0xA, 0xB, 10), BlockContext::default(), &keys);
    let offset = offset_of(&world, "credit", |i| matches!(i, Instr::ImmBorrowGlobal(_)));
    let location = Box::new(Location { module: coin(), function: "credit".into(), offset });
    assert_eq!(
        receipt.status,
        Status::AccessViolation { mode: AccessMode::Read, key: Box::new(balance_key(0xB)), location }
    );
    assert!(receipt.write_set.0.is_empty());

    // A read where a write is needed: the sender's balance declared read-only.
    let keys = DeclaredKeys(smallvec![
        KeyAccess { mode: AccessMode::Read, key: AccessKey::Exact(balance_key(0xA)) },
        KeyAccess { mode: AccessMode::Write, key: AccessKey::Exact(balance_key(0xB)) },
    ]);
    let receipt =
        execute_with_keys(&world.code, &world.resources, &transfer(0xA, 0xB, 10), BlockContext::default(), &keys);
    let offset = offset_of(&world, "transfer", |i| matches!(i, Instr::MutBorrowGlobal(_)));
    let location = Box::new(Location { module: coin(), function: "transfer".into(), offset });
    assert_eq!(
        receipt.status,
        Status::AccessViolation { mode: AccessMode::Write, key: Box::new(balance_key(0xA)), location }
    );

    // `*` covers every address of the type, and gas does not depend on which
    // keys were declared exactly (and so read ahead of the program).
    let ty = TypeId::of(&coin(), "Balance");
    let keys = DeclaredKeys(smallvec![KeyAccess { mode: AccessMode::Write, key: AccessKey::AnyOf(ty) }]);
    let any = execute_with_keys(&world.code, &world.resources, &transfer(0xA, 0xB, 10), BlockContext::default(), &keys);
    success(&any);
    assert_eq!(
        any,
        execute_transaction(&world.code, &world.resources, &transfer(0xA, 0xB, 10), BlockContext::default())
    );
}

#[test]
fn running_out_of_gas_charges_the_limit_and_writes_nothing() {
    let world = world();
    let full = execute_transaction(&world.code, &world.resources, &transfer(0xA, 0xB, 10), BlockContext::default());
    success(&full);
    let needed = full.gas_used;
    for limit in [0, 1, needed / 2, needed - 1] {
        let mut short = transfer(0xA, 0xB, 10);
        short.gas_limit = limit;
        let receipt = execute_transaction(&world.code, &world.resources, &short, BlockContext::default());
        assert!(matches!(receipt.status, Status::OutOfGas { .. }), "limit {limit}: {receipt:?}");
        assert_eq!(receipt.gas_used, limit);
        assert!(receipt.write_set.0.is_empty());
    }
    let mut exact = transfer(0xA, 0xB, 10);
    exact.gas_limit = needed;
    let receipt = execute_transaction(&world.code, &world.resources, &exact, BlockContext::default());
    assert_eq!(receipt, full, "the exact limit suffices and gives the same receipt");
}

#[test]
fn gas_is_deterministic() {
    let (a, b) = (world(), world());
    let run = |w: &World| execute_transaction(&w.code, &w.resources, &transfer(0xA, 0xB, 10), BlockContext::default());
    assert_eq!(run(&a), run(&b));
    assert_eq!(run(&a), run(&a));
    // A bigger balance encodes to more bytes, so it costs more to read and write.
    let mut rich = world();
    success(&rich.execute(&tx(0xA, "mint", vec![Value::U64(1 << 40)])));
    let cheap = run(&a).gas_used;
    assert!(run(&rich).gas_used > cheap);
}

#[test]
fn missing_and_duplicate_resources_are_runtime_errors() {
    let mut world = world();
    let receipt = world.execute(&tx(0xA, "register", vec![]));
    assert!(matches!(receipt.status, Status::RuntimeError { kind: RuntimeErrorKind::ResourceAlreadyExists, .. }));
    let receipt = world.execute(&transfer(0xA, 0xC, 1));
    assert!(matches!(receipt.status, Status::RuntimeError { kind: RuntimeErrorKind::ResourceMissing, .. }));
    assert_eq!(balance(&world, 0xA), 100, "the debit was rolled back");
}

#[test]
fn bad_arguments_do_not_start_a_transaction() {
    let mut world = world();
    let root = world.root();
    let cases = [
        tx(0xA, "transfer", vec![Value::Address(addr(0xB))]),
        tx(0xA, "transfer", vec![Value::U64(1), Value::U64(1)]),
        tx(0xA, "transfer", vec![Value::Address(addr(0xB)), Value::U64(1), Value::U64(1)]),
        tx(0xA, "credit", vec![Value::Address(addr(0xB)), Value::U64(1)]),
        tx(0xA, "nonexistent", vec![]),
        Transaction { module: ModuleId::new(addr(9), "nothing"), ..tx(0xA, "register", vec![]) },
    ];
    for case in cases {
        let receipt = world.execute(&case);
        assert!(matches!(receipt.status, Status::InvalidArguments { .. }), "{case:?}: {receipt:?}");
        assert_eq!(receipt.gas_used, 0);
    }
    assert_eq!(world.root(), root);
}

#[test]
fn resources_print_with_field_names() {
    let world = world();
    let value = world.resources.get(&balance_key(0xA)).unwrap();
    let ty = TypeId::of(&coin(), "Balance");
    assert_eq!(world.code.type_name(ty).as_deref(), Some("0x1::coin::Balance"));
    assert_eq!(world.code.format_resource(ty, value), "0x1::coin::Balance { coin: 0x1::coin::Coin { value: 100 } }");
}

#[test]
fn the_world_root_covers_state_and_code() {
    let (mut a, mut b) = (world(), world());
    assert_eq!(a.root(), b.root());
    success(&a.execute(&transfer(0xA, 0xB, 1)));
    assert_ne!(a.root(), b.root());
    success(&b.execute(&transfer(0xA, 0xB, 1)));
    assert_eq!(a.root(), b.root());
    let other = assemble("module 0x2::empty\n").unwrap();
    b.publish_stdlib(other).unwrap();
    assert_ne!(a.root(), b.root(), "publishing code changes the root");
}

/// How a struct is held (inline and flat, or as a list of fields built by
/// hand) never shows: the same transactions on the same balances give the
/// same receipts (gas included) and roots.
#[test]
fn a_balance_held_as_a_list_of_fields_runs_exactly_like_a_flat_one() {
    let mut flat = world();
    let mut listed = flat.clone();
    for (owner, amount) in [(0xA, 100), (0xB, 5)] {
        let fields = Value::Struct(vec![Value::Struct(vec![Value::U64(amount)])]);
        listed.resources.apply_shared(balance_key(owner), Some(resin_state::Shared::new(fields)));
        assert!(matches!(flat.resources.get(&balance_key(owner)), Some(Value::Flat(_))), "the VM packs flat");
        assert!(matches!(listed.resources.get(&balance_key(owner)), Some(Value::Struct(_))));
    }
    assert_eq!(flat.root(), listed.root(), "both forms encode alike");
    let mut starved = transfer(0xB, 0xA, 1);
    starved.gas_limit = 40;
    for tx in [transfer(0xA, 0xB, 30), transfer(0xB, 0xA, 1_000), starved, tx(0xB, "mint", vec![Value::U64(7)])] {
        let (a, b) = (flat.execute(&tx), listed.execute(&tx));
        assert_eq!(a, b, "{tx:?}");
        assert_eq!(flat.root(), listed.root(), "{tx:?}");
    }
    assert_eq!(balance(&listed, 0xA), 70);
    assert_eq!(balance(&listed, 0xB), 42);
}
