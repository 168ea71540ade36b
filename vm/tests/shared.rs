//! Format v3 on the interpreter (vm/tests/data/shared.rasm): keyed storage,
//! counters under each declared mode, the new vector operations against
//! Rust's `Vec`, hashes against published test vectors, the block context,
//! and friend visibility at link time.
//!
//! Keys are computed here from their definitions (blake3 over the domain,
//! the anchor and the index's canonical bytes; the first eight bytes of
//! blake3 over a type's text), not with the functions the VM uses.
// Helpers return a whole `Status` as their error so tests can compare it.
#![allow(clippy::result_large_err)]

use proptest::prelude::*;
use resin_format::assembler::assemble;
use resin_format::encoding::limits::MAX_VECTOR_LEN;
use resin_state::keys::{keyed_origin, AccessKey, KeyAccess, ResourceKey, TypeId};
use resin_vm::{
    declared_keys, describe_key, execute_metered, execute_resolved, execute_transaction, execute_with_keys,
    resolve_keys, AccessMode, AccountAddress, BlockContext, Change, DeclaredKeys, LoadError, Metering, ModuleId,
    Receipt, RuntimeErrorKind, Status, Transaction, TypeTag, Value, World,
};
use smallvec::smallvec;

const SHARED: &str = include_str!("data/shared.rasm");
const GAS: u64 = 1_000_000;

fn shared() -> ModuleId {
    ModuleId::new(addr(2), "shared")
}

fn addr(n: u64) -> AccountAddress {
    AccountAddress::from_u64(n)
}

const ALICE: u64 = 0xA;

fn tx(function: &str, args: Vec<Value>) -> Transaction {
    Transaction {
        sender: addr(ALICE),
        module: shared(),
        function: function.into(),
        args,
        gas_limit: GAS,
        type_args: Vec::new(),
    }
}

fn world() -> World {
    let mut world = World::new();
    world.publish(assemble(SHARED).unwrap()).unwrap();
    world
}

fn success(receipt: &Receipt) {
    assert_eq!(receipt.status, Status::Success, "{receipt:?}");
}

fn call(world: &World, function: &str, args: Vec<Value>) -> Result<Vec<Value>, Status> {
    let outcome = world.call(&tx(function, args));
    match outcome.receipt.status {
        Status::Success => Ok(outcome.returns),
        status => Err(status),
    }
}

/// A type id from its definition: the first eight bytes of blake3 of the text.
fn type_id_of(text: &str) -> TypeId {
    let hash = blake3::hash(text.as_bytes());
    TypeId(u64::from_le_bytes(hash.as_bytes()[..8].try_into().unwrap()))
}

/// The address of entry `[index]` at `anchor`, from the definition.
fn keyed_address_of(anchor: AccountAddress, index_bytes: &[u8]) -> AccountAddress {
    let mut hasher = blake3::Hasher::new();
    hasher.update(b"resin/keyed\0");
    hasher.update(&anchor.0);
    hasher.update(index_bytes);
    AccountAddress(*hasher.finalize().as_bytes())
}

/// The key of `Entry@alice[i]` for a `u64` index below 128 (tag 2, one
/// varint byte).
fn entry_key(i: u8) -> ResourceKey {
    assert!(i < 128);
    ResourceKey { address: keyed_address_of(addr(ALICE), &[2, i]), ty: type_id_of("0x2::shared::Entry[]") }
}

fn counter_key(owner: u64) -> ResourceKey {
    ResourceKey { address: addr(owner), ty: type_id_of("0x2::shared::Counter") }
}

fn small_key(owner: u64) -> ResourceKey {
    ResourceKey { address: addr(owner), ty: type_id_of("0x2::shared::Small") }
}

fn changes(receipt: &Receipt) -> Vec<(ResourceKey, Change)> {
    receipt.write_set.0.iter().map(|op| (op.key, op.change.clone())).collect()
}

fn set(value: Value) -> Change {
    Change::Set(resin_state::Shared::new(value))
}

fn one_field(field: Value) -> Value {
    Value::Struct(vec![field])
}

// ---- keyed storage ----

#[test]
fn keyed_entries_with_distinct_indexes_are_distinct_keys() {
    // As a session does: it prints entries by name.
    resin_state::keys::record_keyed_origins();
    let mut world = world();
    let put = |i: u64, v: u64| tx("put", vec![Value::U64(i), Value::U64(v)]);
    for (i, v) in [(1, 10), (2, 20)] {
        let keys = declared_keys(&world.code, &put(i, v)).unwrap();
        let receipt = world.execute(&put(i, v));
        success(&receipt);
        let key = entry_key(i as u8);
        assert_eq!(changes(&receipt), vec![(key, set(one_field(Value::U64(v))))]);
        // The declared key is the key the VM wrote: one derivation.
        assert_eq!(keys.0.as_slice(), &[KeyAccess { mode: AccessMode::Write, key: AccessKey::Exact(key) }]);
        // The registry names the entry for printers.
        assert_eq!(keyed_origin(&key.address), Some((addr(ALICE), Value::U64(i))));
        assert_eq!(TypeId::keyed_resource(key.ty).map(|tag| tag.to_string()), Some("0x2::shared::Entry".into()));
        assert!(
            describe_key(&AccessKey::Exact(key)).ends_with(&format!("@0xa[U64({i})]")),
            "{}",
            describe_key(&AccessKey::Exact(key))
        );
    }
    assert_ne!(entry_key(1), entry_key(2));
    let a = Value::Address(addr(ALICE));
    assert_eq!(call(&world, "get", vec![a.clone(), Value::U64(1)]), Ok(vec![Value::U64(10)]));
    assert_eq!(call(&world, "get", vec![a.clone(), Value::U64(2)]), Ok(vec![Value::U64(20)]));
    assert_eq!(call(&world, "has", vec![a.clone(), Value::U64(3)]), Ok(vec![Value::Bool(false)]));
    // Another anchor's entry of the same index is another key.
    assert_eq!(call(&world, "has", vec![Value::Address(addr(0xB)), Value::U64(1)]), Ok(vec![Value::Bool(false)]));
    // Publishing at an index again fails; taking it deletes only that entry.
    let again = world.execute(&put(1, 11));
    assert!(
        matches!(again.status, Status::RuntimeError { kind: RuntimeErrorKind::ResourceAlreadyExists, .. }),
        "{again:?}"
    );
    let taken = world.execute(&tx("take", vec![Value::U64(1)]));
    success(&taken);
    assert_eq!(changes(&taken), vec![(entry_key(1), Change::Delete)]);
    assert_eq!(call(&world, "has", vec![a.clone(), Value::U64(1)]), Ok(vec![Value::Bool(false)]));
    assert_eq!(call(&world, "get", vec![a, Value::U64(2)]), Ok(vec![Value::U64(20)]));
}

#[test]
fn plain_and_keyed_entries_of_one_type_never_alias() {
    let mut world = world();
    let a = Value::Address(addr(ALICE));
    success(&world.execute(&tx("put_plain", vec![Value::U64(7)])));
    assert_eq!(call(&world, "has_plain", vec![a.clone()]), Ok(vec![Value::Bool(true)]));
    for i in [0, 1, 10] {
        assert_eq!(call(&world, "has", vec![a.clone(), Value::U64(i)]), Ok(vec![Value::Bool(false)]));
    }
    let receipt = world.execute(&tx("put", vec![Value::U64(0), Value::U64(8)]));
    success(&receipt);
    let plain = ResourceKey { address: addr(ALICE), ty: TypeId::of(&shared(), "Entry") };
    assert_eq!(changes(&receipt)[0].0, entry_key(0));
    assert_ne!(entry_key(0).ty, plain.ty, "keyed entries have a type id of their own");
    assert_eq!(call(&world, "get_plain", vec![a.clone()]), Ok(vec![Value::U64(7)]));
    assert_eq!(call(&world, "get", vec![a, Value::U64(0)]), Ok(vec![Value::U64(8)]));
    assert_eq!(world.resources.get(&plain), Some(&one_field(Value::U64(7))));
}

#[test]
fn an_entry_outside_the_declared_index_is_an_access_violation() {
    let world = world();
    let put = |i: u64| tx("put", vec![Value::U64(i), Value::U64(1)]);
    // Keys declared for index 1 do not cover index 2.
    let keys = declared_keys(&world.code, &put(1)).unwrap();
    let receipt = execute_with_keys(&world.code, &world.resources, &put(2), BlockContext::default(), &keys);
    match receipt.status {
        Status::AccessViolation { mode: AccessMode::Write, key, .. } => assert_eq!(*key, entry_key(2)),
        other => panic!("{other:?}"),
    }
    assert!(receipt.write_set.0.is_empty());
    // `*` over the plain resources of the type covers no entry.
    let plain_any = DeclaredKeys(smallvec![KeyAccess {
        mode: AccessMode::Write,
        key: AccessKey::AnyOf(TypeId::of(&shared(), "Entry")),
    }]);
    let receipt = execute_with_keys(&world.code, &world.resources, &put(1), BlockContext::default(), &plain_any);
    assert!(matches!(receipt.status, Status::AccessViolation { .. }), "{receipt:?}");
    // `*` over the entries covers every index.
    let entry_any =
        DeclaredKeys(smallvec![KeyAccess { mode: AccessMode::Write, key: AccessKey::AnyOf(entry_key(0).ty) }]);
    for i in [1, 2, 99] {
        success(&execute_with_keys(&world.code, &world.resources, &put(i), BlockContext::default(), &entry_any));
    }
}

#[test]
fn an_index_source_of_any_declares_every_entry_of_the_type() {
    let mut world = world();
    success(&world.execute(&tx("put", vec![Value::U64(6), Value::U64(40)])));
    let bump = tx("bump_next", vec![Value::U64(5)]);
    let keys = declared_keys(&world.code, &bump).unwrap();
    assert_eq!(keys.0.as_slice(), &[KeyAccess { mode: AccessMode::Write, key: AccessKey::AnyOf(entry_key(0).ty) }]);
    let receipt = world.execute(&bump);
    success(&receipt);
    assert_eq!(changes(&receipt), vec![(entry_key(6), set(one_field(Value::U64(41))))]);
}

#[test]
fn keyed_instructions_in_one_transaction_each_reach_their_own_entry() {
    let mut world = world();
    let put = |i: u64, v: u64| tx("put", vec![Value::U64(i), Value::U64(v)]);
    success(&world.execute(&put(3, 5)));
    success(&world.execute(&put(4, 0)));
    // Entry 3 at another anchor, then at Alice's twice, then entry 4 at
    // Alice's.
    let double = |to: u64, b: u64| tx("double_into", vec![Value::U64(3), Value::U64(to), Value::Address(addr(b))]);
    let receipt = world.execute(&double(4, 0xB));
    success(&receipt);
    assert_eq!(changes(&receipt), vec![(entry_key(4), set(one_field(Value::U64(10))))]);
    // Bob has no entry 3, though Alice, read just after, does.
    let args = |b: u64| vec![Value::U64(3), Value::U64(4), Value::Address(addr(b))];
    assert_eq!(call(&world, "double_into", args(0xB)), Ok(vec![Value::Bool(false)]));
    assert_eq!(call(&world, "double_into", args(ALICE)), Ok(vec![Value::Bool(true)]));
    assert_eq!(call(&world, "get", vec![Value::Address(addr(ALICE)), Value::U64(3)]), Ok(vec![Value::U64(5)]));
}

/// A scheduler's executors run each transaction through the entry and the
/// keys they resolved for it (`execute_resolved`), and the VM then takes a
/// keyed entry's address from those keys where the spec names the entry
/// alone, instead of hashing. Every receipt is the one execution under the
/// same keys by name gives (which hashes every entry), and the entries are
/// where their definition puts them.
#[test]
fn entries_found_among_the_resolved_keys_are_the_hashed_ones() {
    let mut world = world();
    let context = BlockContext::default();
    let (alice, bob) = (Value::Address(addr(ALICE)), Value::Address(addr(0xB)));
    let poll = |function: &str, args: Vec<Value>| Transaction { type_args: vec![TypeTag::U64], ..tx(function, args) };
    let steps = [
        tx("put", vec![Value::U64(1), Value::U64(5)]),
        tx("put", vec![Value::U64(2), Value::U64(7)]),
        tx("put", vec![Value::U64(3), Value::U64(0)]),
        // Two entries of the type: each found by hashing.
        tx("add_into", vec![Value::U64(1), Value::U64(2)]),
        // One entry named twice: one key.
        tx("add_into", vec![Value::U64(1), Value::U64(1)]),
        // Entries the spec does not name (`*`).
        tx("double_into", vec![Value::U64(1), Value::U64(3), bob.clone()]),
        // A missing entry: the step fails, in both runs alike.
        tx("take", vec![Value::U64(4)]),
        tx("make_tally", vec![bob.clone()]),
        tx("vote", vec![alice.clone(), bob]),
        poll("open_poll", vec![Value::U64(9)]),
        poll("poll", vec![alice, Value::U64(9)]),
    ];
    for step in &steps {
        let (entry, keys) = resolve_keys(&world.code, step).unwrap();
        let resolved = execute_resolved(&world.code, &world.resources, step, context, &entry, &keys);
        let by_name = execute_with_keys(&world.code, &world.resources, step, context, &keys);
        assert_eq!(resolved, by_name, "{}", step.function);
        assert_eq!(resolved.status.is_success(), step.function != "take", "{}: {resolved:?}", step.function);
        world.resources.apply(&resolved.write_set);
    }
    // 2 is 7 + 5, then 1 is 5 + 5, then 3 is 10 + 10 (Bob has no entry 1).
    let entry = |i: u8| world.resources.get(&entry_key(i)).cloned();
    assert_eq!(entry(1), Some(one_field(Value::U64(10))));
    assert_eq!(entry(2), Some(one_field(Value::U64(12))));
    assert_eq!(entry(3), Some(one_field(Value::U64(20))));
    assert_eq!(entry(4), None);
}

// ---- counters ----

#[test]
fn an_add_declared_only_writes_a_delta() {
    let mut world = world();
    success(&world.execute(&tx("make", vec![Value::U64(5)])));
    let a = Value::Address(addr(ALICE));
    let add = tx("add", vec![a.clone(), Value::U64(7)]);
    assert_eq!(
        declared_keys(&world.code, &add).unwrap().0.as_slice(),
        &[KeyAccess { mode: AccessMode::Add, key: AccessKey::Exact(counter_key(ALICE)) }]
    );
    let receipt = world.execute(&add);
    success(&receipt);
    assert_eq!(changes(&receipt), vec![(counter_key(ALICE), Change::Add(7))]);
    assert_eq!(world.resources.get(&counter_key(ALICE)), Some(&one_field(Value::U64(12))));
    // Two adds in one transaction are one delta.
    let receipt = world.execute(&tx("add_twice", vec![a, Value::U64(4)]));
    success(&receipt);
    assert_eq!(changes(&receipt), vec![(counter_key(ALICE), Change::Add(8))]);
    assert_eq!(world.resources.get(&counter_key(ALICE)), Some(&one_field(Value::U64(20))));
}

#[test]
fn the_gas_of_an_add_does_not_depend_on_the_counter_value() {
    // A transaction that only adds may see adds of later transactions that
    // ran concurrently, so its receipt must not depend on the value.
    let gas = |start: u64, function: &str| {
        let mut world = world();
        success(&world.execute(&tx("make", vec![Value::U64(start)])));
        let receipt = world.execute(&tx(function, vec![Value::Address(addr(ALICE)), Value::U64(1)]));
        success(&receipt);
        receipt.gas_used
    };
    // 0 and 2^60 encode in one and nine varint bytes.
    assert_eq!(gas(0, "add"), gas(1 << 60, "add"));
    // A read-modify-write is charged the bytes it reads and writes.
    assert!(gas(0, "add_rw") < gas(1 << 60, "add_rw"));
}

#[test]
fn a_write_declared_add_is_a_read_modify_write() {
    let mut world = world();
    success(&world.execute(&tx("make", vec![Value::U64(5)])));
    let receipt = world.execute(&tx("add_rw", vec![Value::Address(addr(ALICE)), Value::U64(7)]));
    success(&receipt);
    assert_eq!(changes(&receipt), vec![(counter_key(ALICE), set(one_field(Value::U64(12))))]);
    assert_eq!(world.resources.get(&counter_key(ALICE)), Some(&one_field(Value::U64(12))));
}

fn overflow_at(receipt: &Receipt, resource: TypeId, offset: u16) {
    match &receipt.status {
        Status::RuntimeError { kind: RuntimeErrorKind::CounterOverflow { resource: found }, location, .. } => {
            assert_eq!(*found, resource);
            assert_eq!(location.offset, offset, "located at the counter_add");
        }
        other => panic!("expected a counter overflow, got {other:?}"),
    }
    assert!(receipt.write_set.0.is_empty(), "a failed transaction writes nothing");
}

#[test]
fn a_counter_past_its_maximum_overflows_and_writes_nothing() {
    let mut world = world();
    success(&world.execute(&tx("make_small", vec![Value::U8(250)])));
    let a = Value::Address(addr(ALICE));
    success(&world.execute(&tx("add_small", vec![a.clone(), Value::U8(5)])));
    assert_eq!(world.resources.get(&small_key(ALICE)), Some(&one_field(Value::U8(255))));
    for function in ["add_small", "add_small_rw"] {
        let receipt = world.execute(&tx(function, vec![a.clone(), Value::U8(1)]));
        overflow_at(&receipt, small_key(ALICE).ty, 2);
    }
    // Adding zero to a full counter is fine.
    success(&world.execute(&tx("add_small", vec![a.clone(), Value::U8(0)])));
    assert_eq!(world.resources.get(&small_key(ALICE)), Some(&one_field(Value::U8(255))));

    // The second of two adds overflows: the first one's delta is lost too.
    success(&world.execute(&tx("make", vec![Value::U64(u64::MAX - 10)])));
    let receipt = world.execute(&tx("add_twice", vec![a, Value::U64(6)]));
    overflow_at(&receipt, counter_key(ALICE).ty, 5);
    assert_eq!(world.resources.get(&counter_key(ALICE)), Some(&one_field(Value::U64(u64::MAX - 10))));
}

#[test]
fn adding_to_a_missing_counter_aborts() {
    let mut world = world();
    for function in ["add", "add_rw"] {
        let receipt = world.execute(&tx(function, vec![Value::Address(addr(0xB)), Value::U64(1)]));
        assert!(
            matches!(receipt.status, Status::RuntimeError { kind: RuntimeErrorKind::ResourceMissing, .. }),
            "{receipt:?}"
        );
        assert!(receipt.write_set.0.is_empty());
    }
}

#[test]
fn add_and_read_do_not_cover_each_other() {
    let mut world = world();
    success(&world.execute(&tx("make", vec![Value::U64(5)])));
    let a = Value::Address(addr(ALICE));
    let only = |mode| DeclaredKeys(smallvec![KeyAccess { mode, key: AccessKey::Exact(counter_key(ALICE)) }]);
    let run = |t: &Transaction, keys: &DeclaredKeys| {
        execute_with_keys(&world.code, &world.resources, t, BlockContext::default(), keys)
    };
    // Reading a counter a transaction may only add to.
    match run(&tx("peek", vec![a.clone()]), &only(AccessMode::Add)).status {
        Status::AccessViolation { mode: AccessMode::Read, key, .. } => assert_eq!(*key, counter_key(ALICE)),
        other => panic!("{other:?}"),
    }
    // Adding to a counter a transaction may only read.
    match run(&tx("add", vec![a.clone(), Value::U64(1)]), &only(AccessMode::Read)).status {
        Status::AccessViolation { mode: AccessMode::Add, key, .. } => assert_eq!(*key, counter_key(ALICE)),
        other => panic!("{other:?}"),
    }
    // A write covers both; an add under a write is a read-modify-write.
    assert_eq!(run(&tx("peek", vec![a.clone()]), &only(AccessMode::Write)).status, Status::Success);
    let receipt = run(&tx("add", vec![a, Value::U64(1)]), &only(AccessMode::Write));
    assert_eq!(changes(&receipt), vec![(counter_key(ALICE), set(one_field(Value::U64(6))))]);
}

#[test]
fn a_keyed_counter_adds_a_delta_to_its_entry() {
    let mut world = world();
    let bob = Value::Address(addr(0xB));
    success(&world.execute(&tx("make_tally", vec![bob.clone()])));
    let mut index = vec![4];
    index.extend_from_slice(&addr(0xB).0);
    let key = ResourceKey { address: keyed_address_of(addr(ALICE), &index), ty: type_id_of("0x2::shared::Tally[]") };
    for votes in 1..=3u128 {
        let receipt = world.execute(&tx("vote", vec![Value::Address(addr(ALICE)), bob.clone()]));
        success(&receipt);
        assert_eq!(changes(&receipt), vec![(key, Change::Add(1))]);
        assert_eq!(world.resources.get(&key), Some(&one_field(Value::U128(votes))));
    }
}

#[test]
fn a_generic_functions_keyed_keys_are_per_instantiation() {
    let mut world = world();
    let generic = |function: &str, args: Vec<Value>, arg: TypeTag| {
        let mut t = tx(function, args);
        t.type_args = vec![arg];
        t
    };
    let a = Value::Address(addr(ALICE));
    for (arg, text) in [(TypeTag::U64, "u64"), (TypeTag::Bool, "bool")] {
        success(&world.execute(&generic("open_poll", vec![Value::U64(9)], arg.clone())));
        let poll = generic("poll", vec![a.clone(), Value::U64(9)], arg);
        let key = ResourceKey {
            address: keyed_address_of(addr(ALICE), &[2, 9]),
            ty: type_id_of(&format!("0x2::shared::GTally<{text}>[]")),
        };
        // The instance's declared key is the key its code adds to.
        assert_eq!(
            declared_keys(&world.code, &poll).unwrap().0.as_slice(),
            &[KeyAccess { mode: AccessMode::Add, key: AccessKey::Exact(key) }]
        );
        let receipt = world.execute(&poll);
        success(&receipt);
        assert_eq!(changes(&receipt), vec![(key, Change::Add(1))]);
        assert_eq!(world.resources.get(&key), Some(&one_field(Value::U64(1))));
    }
}

#[test]
fn metering_per_block_and_per_instruction_give_one_receipt() {
    // The new instructions charge by data (elements, bytes, counter sizes);
    // at every gas limit the receipt is the one of charging each
    // instruction as it starts.
    let mut world = world();
    success(&world.execute(&tx("make", vec![Value::U64(5)])));
    success(&world.execute(&tx("put", vec![Value::U64(6), Value::U64(40)])));
    let a = Value::Address(addr(ALICE));
    let txs = [
        tx("add_twice", vec![a.clone(), Value::U64(3)]),
        tx("add_rw", vec![a.clone(), Value::U64(3)]),
        tx("bump_next", vec![Value::U64(5)]),
        tx("put", vec![Value::U64(7), Value::U64(1)]),
        tx("insert", vec![u64s(&[1, 2, 3, 4]), Value::U64(9), Value::U64(1)]),
        tx("remove", vec![u64s(&[1, 2, 3, 4]), Value::U64(0)]),
        tx("append", vec![u64s(&[1, 2]), u64s(&[3, 4, 5])]),
        tx("index_of", vec![u64s(&[1, 2, 3, 4]), Value::U64(4)]),
        tx("sha3", vec![text("some bytes to hash")]),
    ];
    for full in &txs {
        let needed =
            execute_metered(&world.code, &world.resources, full, BlockContext::default(), Metering::PerInstruction);
        success(&needed);
        for limit in 0..=needed.gas_used + 2 {
            let mut t = full.clone();
            t.gas_limit = limit;
            let run = |metering| execute_metered(&world.code, &world.resources, &t, BlockContext::default(), metering);
            assert_eq!(run(Metering::PerBlock), run(Metering::PerInstruction), "{} at gas {limit}", t.function);
        }
    }
}

// ---- vectors ----

fn u64s(items: &[u64]) -> Value {
    Value::Vector(items.iter().map(|&i| Value::U64(i)).collect())
}

fn runtime_error(result: Result<Vec<Value>, Status>) -> RuntimeErrorKind {
    match result {
        Err(Status::RuntimeError { kind, .. }) => kind,
        other => panic!("expected a runtime error, got {other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Each operation against the same operation on a Rust `Vec`.
    #[test]
    fn vector_operations_agree_with_vec(
        v in proptest::collection::vec(0u64..8, 0..12),
        w in proptest::collection::vec(0u64..8, 0..6),
        i in 0u64..14,
        e in 0u64..8,
    ) {
        let world = world();
        let len = v.len() as u64;
        let removed = call(&world, "remove", vec![u64s(&v), Value::U64(i)]);
        if i < len {
            let mut expected = v.clone();
            let out = expected.remove(i as usize);
            prop_assert_eq!(removed, Ok(vec![Value::U64(out), u64s(&expected)]));
        } else {
            prop_assert_eq!(runtime_error(removed), RuntimeErrorKind::IndexOutOfBounds);
        }
        let inserted = call(&world, "insert", vec![u64s(&v), Value::U64(e), Value::U64(i)]);
        if i <= len {
            let mut expected = v.clone();
            expected.insert(i as usize, e);
            prop_assert_eq!(inserted, Ok(vec![u64s(&expected)]));
        } else {
            prop_assert_eq!(runtime_error(inserted), RuntimeErrorKind::IndexOutOfBounds);
        }
        let reversed: Vec<u64> = v.iter().rev().copied().collect();
        prop_assert_eq!(call(&world, "reverse", vec![u64s(&v)]), Ok(vec![u64s(&reversed)]));
        let appended: Vec<u64> = v.iter().chain(&w).copied().collect();
        prop_assert_eq!(call(&world, "append", vec![u64s(&v), u64s(&w)]), Ok(vec![u64s(&appended)]));
        let position = v.iter().position(|x| *x == e);
        prop_assert_eq!(call(&world, "contains", vec![u64s(&v), Value::U64(e)]), Ok(vec![Value::Bool(position.is_some())]));
        prop_assert_eq!(
            call(&world, "index_of", vec![u64s(&v), Value::U64(e)]),
            Ok(vec![Value::Bool(position.is_some()), Value::U64(position.unwrap_or(0) as u64)])
        );
        let destroyed = call(&world, "destroy_empty", vec![u64s(&v)]);
        if v.is_empty() {
            prop_assert_eq!(destroyed, Ok(vec![]));
        } else {
            prop_assert_eq!(runtime_error(destroyed), RuntimeErrorKind::VectorLengthMismatch);
        }
    }
}

#[test]
fn index_of_finds_the_first_equal_element() {
    let world = world();
    assert_eq!(
        call(&world, "index_of", vec![u64s(&[5, 3, 3, 5]), Value::U64(3)]),
        Ok(vec![Value::Bool(true), Value::U64(1)])
    );
    assert_eq!(call(&world, "index_of", vec![u64s(&[]), Value::U64(3)]), Ok(vec![Value::Bool(false), Value::U64(0)]));
}

#[test]
fn removing_and_inserting_pay_per_element_shifted() {
    let world = world();
    let gas = |function: &str, args: Vec<Value>| {
        let outcome = world.call(&tx(function, args));
        success(&outcome.receipt);
        outcome.receipt.gas_used
    };
    let v = u64s(&[1; 50]);
    // Removing the first of 50 elements shifts 49 more than removing the last.
    assert_eq!(gas("remove", vec![v.clone(), Value::U64(0)]) - gas("remove", vec![v.clone(), Value::U64(49)]), 49);
    // Inserting at the front shifts 50, at the end none.
    let at = |i| vec![v.clone(), Value::U64(1), Value::U64(i)];
    assert_eq!(gas("insert", at(0)) - gas("insert", at(50)), 50);
    // Reversing and appending pay per element.
    assert_eq!(gas("reverse", vec![u64s(&[1; 60])]) - gas("reverse", vec![u64s(&[1; 10])]), 50 + 50 * 2);
}

#[test]
fn a_vector_cannot_grow_past_the_length_limit() {
    let world = world();
    let full = Value::Vector(vec![Value::U64(1); MAX_VECTOR_LEN]);
    let run = |function: &str, args: Vec<Value>| {
        let mut t = tx(function, args);
        t.gas_limit = resin_vm::gas::MAX_GAS_LIMIT;
        world.call(&t).receipt.status
    };
    let too_long = |status: Status| {
        assert!(matches!(status, Status::RuntimeError { kind: RuntimeErrorKind::VectorTooLong, .. }), "{status:?}")
    };
    too_long(run("insert", vec![full.clone(), Value::U64(1), Value::U64(0)]));
    too_long(run("append", vec![full, u64s(&[1])]));
}

// ---- hashes and the block ----

/// Hex digits as a `vector<u8>` value.
fn bytes(hex: &str) -> Value {
    let pairs = hex.as_bytes().chunks(2);
    Value::Vector(pairs.map(|p| Value::U8(u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())).collect())
}

fn text(s: &str) -> Value {
    Value::Vector(s.bytes().map(Value::U8).collect())
}

#[test]
fn hashes_match_published_test_vectors() {
    let world = world();
    let cases = [
        ("sha3", "", "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a"),
        ("sha3", "abc", "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532"),
        ("blake", "", "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"),
        ("blake", "abc", "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85"),
    ];
    for (function, input, digest) in cases {
        assert_eq!(call(&world, function, vec![text(input)]), Ok(vec![bytes(digest)]), "{function}({input:?})");
    }
}

#[test]
fn hashing_pays_per_byte() {
    let world = world();
    let gas = |input: &str| {
        let outcome = world.call(&tx("blake", vec![text(input)]));
        success(&outcome.receipt);
        outcome.receipt.gas_used
    };
    // 100 more bytes: 100 hashed, and 200 more argument bytes (a tag and a
    // byte per `u8`; the length stays one varint byte).
    assert_eq!(gas(&"x".repeat(100)) - gas(""), 100 + 200);
}

#[test]
fn every_transaction_sees_its_block() {
    let world = world();
    let block = BlockContext { timestamp: 1_700_000_000, height: 12 };
    let receipt = execute_transaction(&world.code, &world.resources, &tx("stamp", vec![]), block);
    success(&receipt);
    assert_eq!(changes(&receipt), vec![(counter_key(ALICE), set(one_field(Value::U64(1_700_000_012))))]);
    let receipt = execute_transaction(&world.code, &world.resources, &tx("stamp", vec![]), BlockContext::default());
    assert_eq!(changes(&receipt), vec![(counter_key(ALICE), set(one_field(Value::U64(0))))]);
}

// ---- friends ----

const VAULT: &str = "module 0x2::vault\nfriend 0x2::market\n\
    public(friend) fun take(): u64 {\nld_u64 7\nret\n}\n\
    public fun peek(): u64 {\ncall take\nret\n}\n";

fn caller(name: &str) -> String {
    format!(
        "module 0x2::{name}\nuse 0x2::vault\nfun vault::take(): u64\n\
         public fun buy(): u64 {{\ncall vault::take\nret\n}}\n"
    )
}

#[test]
fn only_friends_link_against_a_friend_function() {
    let mut world = World::new();
    world.publish(assemble(VAULT).unwrap()).unwrap();
    world.publish(assemble(&caller("market")).unwrap()).unwrap();
    let call = |module: &str, function: &str| {
        let mut t = tx(function, vec![]);
        t.module = ModuleId::new(addr(2), module);
        world.call(&t)
    };
    assert_eq!(call("market", "buy").returns, vec![Value::U64(7)]);
    assert_eq!(call("vault", "peek").returns, vec![Value::U64(7)], "the module itself calls it");
    // A transaction or tool cannot call it directly.
    assert!(matches!(call("vault", "take").receipt.status, Status::InvalidArguments { .. }));
    let refused = world.clone().publish(assemble(&caller("thief")).unwrap());
    let message = refused.as_ref().map_err(ToString::to_string).err().unwrap_or_default();
    match refused {
        Err(LoadError::NotAFriend { module, name }) => {
            assert_eq!(module, ModuleId::new(addr(2), "thief"));
            assert_eq!(name, "0x2::vault::take");
            assert!(message.contains("0x2::thief") && message.contains("0x2::vault::take"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}
