//! The limits the interpreter enforces while a transaction runs or before it
//! starts: the gas limit's maximum, the price of arguments, vector lengths
//! and the size of what a transaction stores or emits.

use resin_format::assembler::assemble;
use resin_format::encoding::limits::{MAX_VALUE_SIZE, MAX_VECTOR_LEN};
use resin_vm::gas::{argument_cost, MAX_GAS_LIMIT};
use resin_vm::{declared_keys, AccountAddress, ModuleId, RuntimeErrorKind, Status, Transaction, Value, World};

const LIMITS: &str = "module 0x2::limits
struct Blob has key { bytes: vector<u8> }
struct Loud has drop, store { bytes: vector<u8> }
public entry fun spin() {
top:
    branch top
}
public entry fun take(v: vector<u8>) {
    ret
}
public entry fun grow(v: vector<u8>) {
    mut_borrow_loc v
    ld_u8 1
    vec_push_back u8
    ret
}
public entry fun keep(s: &signer, v: vector<u8>) acquires write Blob(signer s) {
    move_loc s
    move_loc v
    pack Blob
    move_to Blob
    ret
}
public entry fun shout(v: vector<u8>) {
    move_loc v
    pack Loud
    emit Loud
    ret
}
";

fn world() -> World {
    let mut world = World::new();
    world.publish(assemble(LIMITS).unwrap()).unwrap();
    world
}

fn tx(function: &str, args: Vec<Value>, gas_limit: u64) -> Transaction {
    Transaction {
        sender: AccountAddress::from_u64(0xA),
        module: ModuleId::new(AccountAddress::from_u64(2), "limits"),
        function: function.into(),
        args,
        gas_limit,
        type_args: Vec::new(),
    }
}

fn bytes(n: usize) -> Value {
    Value::Vector(vec![Value::U8(7); n])
}

#[test]
fn a_gas_limit_over_the_maximum_does_not_start() {
    let mut world = world();
    // Before the maximum, `gas 18446744073709551615` let `loop {}` run forever.
    let endless = tx("spin", vec![], u64::MAX);
    let receipt = world.execute(&endless);
    match &receipt.status {
        Status::InvalidArguments { reason } => {
            assert_eq!(reason, &format!("gas limit {} is over the maximum of {MAX_GAS_LIMIT}", u64::MAX))
        }
        other => panic!("expected InvalidArguments, got {other:?}"),
    }
    assert_eq!(receipt.gas_used, 0);
    assert!(declared_keys(&world.code, &endless).is_err(), "schedulers refuse it too");
    let at_most = world.execute(&tx("take", vec![bytes(0)], MAX_GAS_LIMIT));
    assert_eq!(at_most.status, Status::Success);
}

#[test]
fn arguments_are_paid_for_by_the_byte_before_execution() {
    let mut world = world();
    let gas = |world: &mut World, n: usize| world.execute(&tx("take", vec![bytes(n)], 1_000_000)).gas_used;
    let empty = gas(&mut world, 0);
    // An element of a vector<u8> is two bytes (tag, byte); the length varint grows from 1 to 3 bytes.
    assert_eq!(gas(&mut world, 100_000) - empty, 200_000 + 2);
    assert_eq!(argument_cost(&[bytes(100_000)]), 1 + 3 + 200_000);
    // Half a megabyte of argument no longer rides for a few gas.
    let big = world.execute(&tx("take", vec![bytes(500_000)], 1_000_000));
    assert!(matches!(big.status, Status::OutOfGas { ref location } if location.offset == 0), "{:?}", big.status);
    assert_eq!(big.gas_used, 1_000_000);
}

#[test]
fn vectors_stop_at_the_length_limit() {
    let mut world = world();
    let full = world.execute(&tx("grow", vec![bytes(MAX_VECTOR_LEN - 1)], MAX_GAS_LIMIT));
    assert_eq!(full.status, Status::Success);
    let over = world.execute(&tx("grow", vec![bytes(MAX_VECTOR_LEN)], MAX_GAS_LIMIT));
    assert!(
        matches!(over.status, Status::RuntimeError { kind: RuntimeErrorKind::VectorTooLong, ref location, .. } if location.offset == 2),
        "{:?}",
        over.status
    );
    let too_long = world.execute(&tx("take", vec![bytes(MAX_VECTOR_LEN + 1)], MAX_GAS_LIMIT));
    assert!(
        matches!(&too_long.status, Status::InvalidArguments { reason } if reason.contains("vector of 1048577 elements")),
        "{:?}",
        too_long.status
    );
}

#[test]
fn stored_resources_and_events_stop_at_the_size_limit() {
    let mut world = world();
    // Each u8 element encodes to two bytes.
    let fits = MAX_VALUE_SIZE / 2 - 8;
    let kept = world.execute(&tx("keep", vec![bytes(fits)], MAX_GAS_LIMIT));
    assert_eq!(kept.status, Status::Success);
    let mut other = tx("keep", vec![bytes(MAX_VALUE_SIZE / 2 + 1)], MAX_GAS_LIMIT);
    other.sender = AccountAddress::from_u64(0xB);
    let refused = world.execute(&other);
    assert!(
        matches!(refused.status, Status::RuntimeError { kind: RuntimeErrorKind::ValueTooLarge, .. }),
        "{:?}",
        refused.status
    );
    assert!(refused.write_set.0.is_empty());
    assert_eq!(world.execute(&tx("shout", vec![bytes(fits)], MAX_GAS_LIMIT)).status, Status::Success);
    let loud = world.execute(&tx("shout", vec![bytes(MAX_VALUE_SIZE / 2 + 1)], MAX_GAS_LIMIT));
    assert!(
        matches!(loud.status, Status::RuntimeError { kind: RuntimeErrorKind::ValueTooLarge, .. }),
        "{:?}",
        loud.status
    );
    assert!(loud.events.is_empty());
}
