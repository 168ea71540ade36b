//! The interpreter, instruction by instruction, on small assembled programs:
//! checked arithmetic, casts, shifts, vectors, locals and references, calls,
//! the call-depth limit, events, and a tour that runs every opcode.
// Helpers return a whole `Status` as their error so tests can compare it.
#![allow(clippy::result_large_err)]

use std::collections::BTreeSet;

use resin_format::assembler::assemble;
use resin_format::opcodes::OPCODES;
use resin_state::keys::{ResourceKey, TypeId};
use resin_verifier::VerifyErrorKind;
use resin_vm::interpreter::MAX_CALL_DEPTH;
use resin_vm::loader::Publisher;
use resin_vm::{
    AccountAddress, BlockContext, Change, Event, LoadError, ModuleId, RuntimeErrorKind, Status, Transaction, Value,
    World,
};

const GAS: u64 = 1_000_000;

fn id(name: &str) -> ModuleId {
    ModuleId::new(AccountAddress::from_u64(1), name)
}

fn publish(world: &mut World, text: &str) {
    world
        .publish_stdlib(assemble(text).unwrap_or_else(|e| panic!("{e}\n{text}")))
        .unwrap_or_else(|e| panic!("{e}\n{text}"));
}

fn call_tx(module: &str, function: &str, args: Vec<Value>) -> Transaction {
    Transaction {
        sender: AccountAddress::from_u64(0xA),
        module: id(module),
        function: function.into(),
        args,
        gas_limit: GAS,
        type_args: Vec::new(),
    }
}

/// Calls `module::function` for its return values (writes are not applied).
fn call(world: &World, module: &str, function: &str, args: Vec<Value>) -> Result<Vec<Value>, Status> {
    let outcome = world.call(&call_tx(module, function, args));
    match outcome.receipt.status {
        Status::Success => Ok(outcome.returns),
        status => Err(status),
    }
}

/// Runs `body` as `public fun f()<ret>` of a fresh module `0x1::t`.
fn eval(ret: &str, body: &str) -> Result<Vec<Value>, Status> {
    let mut world = World::new();
    publish(
        &mut world,
        &format!("module 0x1::t\nstruct P has copy, drop {{ x: u64, y: bool }}\npublic fun f(){ret} {{\n{body}\n}}\n"),
    );
    call(&world, "t", "f", vec![])
}

/// The runtime error `body` stops with, and the offset of the failing instruction.
fn runtime_error(ret: &str, body: &str) -> (RuntimeErrorKind, u16) {
    match eval(ret, body) {
        Err(Status::RuntimeError { kind, location, .. }) => {
            assert_eq!((location.module, location.function.as_str()), (id("t"), "f"));
            (kind, location.offset)
        }
        other => panic!("expected a runtime error, got {other:?}\n{body}"),
    }
}

#[test]
fn checked_arithmetic_aborts_on_overflow_and_division_by_zero() {
    use RuntimeErrorKind::{ArithmeticOverflow as Overflow, DivisionByZero as DivZero};
    let cases = [
        (": u8", "ld_u8 255\nld_u8 1\nadd\nret", Overflow),
        (": u64", "ld_u64 0xffffffffffffffff\nld_u64 1\nadd\nret", Overflow),
        (": u128", "ld_u128 0\nld_u128 1\nsub\nret", Overflow),
        (": u64", "ld_u64 0x100000000\nld_u64 0x100000000\nmul\nret", Overflow),
        (": u64", "ld_u64 1\nld_u64 0\ndiv\nret", DivZero),
        (": u8", "ld_u8 1\nld_u8 0\nmod\nret", DivZero),
    ];
    for (ret, body, kind) in cases {
        assert_eq!(runtime_error(ret, body), (kind, 2), "{body}");
    }
    assert_eq!(eval(": u64", "ld_u64 7\nld_u64 2\ndiv\nret"), Ok(vec![Value::U64(3)]));
    assert_eq!(eval(": u64", "ld_u64 7\nld_u64 2\nmod\nret"), Ok(vec![Value::U64(1)]));
    assert_eq!(
        eval(": u128", "ld_u128 0xffffffffffffffffffffffffffffffff\nld_u128 1\nsub\nret"),
        Ok(vec![Value::U128(u128::MAX - 1)])
    );
    assert_eq!(eval(": u8", "ld_u8 0x0f\nld_u8 0x3c\nxor\nret"), Ok(vec![Value::U8(0x33)]));
}

#[test]
fn casts_abort_when_the_value_does_not_fit() {
    assert_eq!(eval(": u8", "ld_u64 255\ncast_u8\nret"), Ok(vec![Value::U8(255)]));
    assert_eq!(runtime_error(": u8", "ld_u64 256\ncast_u8\nret"), (RuntimeErrorKind::CastOutOfRange, 1));
    assert_eq!(
        runtime_error(": u64", "ld_u128 0x10000000000000000\ncast_u64\nret"),
        (RuntimeErrorKind::CastOutOfRange, 1)
    );
    assert_eq!(eval(": u128", "ld_u8 200\ncast_u128\nret"), Ok(vec![Value::U128(200)]));
    assert_eq!(eval(": u64", "ld_u128 0xffffffffffffffff\ncast_u64\nret"), Ok(vec![Value::U64(u64::MAX)]));
}

#[test]
fn shifts_by_the_bit_width_or_more_abort() {
    assert_eq!(eval(": u8", "ld_u8 1\nld_u8 7\nshl\nret"), Ok(vec![Value::U8(128)]));
    assert_eq!(eval(": u8", "ld_u8 0xff\nld_u8 4\nshl\nret"), Ok(vec![Value::U8(0xf0)]), "bits shifted out are lost");
    assert_eq!(eval(": u64", "ld_u64 0x8000000000000000\nld_u8 63\nshr\nret"), Ok(vec![Value::U64(1)]));
    assert_eq!(runtime_error(": u8", "ld_u8 1\nld_u8 8\nshl\nret"), (RuntimeErrorKind::ShiftTooLarge, 2));
    assert_eq!(runtime_error(": u64", "ld_u64 1\nld_u8 64\nshr\nret"), (RuntimeErrorKind::ShiftTooLarge, 2));
    assert_eq!(runtime_error(": u128", "ld_u128 1\nld_u8 128\nshl\nret"), (RuntimeErrorKind::ShiftTooLarge, 2));
}

#[test]
fn comparisons_and_equality() {
    assert_eq!(eval(": bool", "ld_u128 5\nld_u128 5\nge\nret"), Ok(vec![Value::Bool(true)]));
    assert_eq!(eval(": bool", "ld_u8 5\nld_u8 6\ngt\nret"), Ok(vec![Value::Bool(false)]));
    let structs = "ld_u64 1\nld_true\npack P\nld_u64 1\nld_true\npack P\neq\nret";
    assert_eq!(eval(": bool", structs), Ok(vec![Value::Bool(true)]));
    let refs = "local a: P\nlocal b: P\nld_u64 1\nld_true\npack P\nst_loc a\nld_u64 2\nld_true\npack P\nst_loc b\n\
                imm_borrow_loc a\nimm_borrow_loc b\nneq\nret";
    assert_eq!(eval(": bool", refs), Ok(vec![Value::Bool(true)]), "references compare their targets");
}

const VECTOR_SETUP: &str = "local v: vector<u64>\nld_u64 10\nld_u64 20\nvec_pack u64, 2\nst_loc v";

#[test]
fn vectors_push_pop_borrow_swap_and_len() {
    let body = format!(
        "{VECTOR_SETUP}\nmut_borrow_loc v\nld_u64 30\nvec_push_back u64\nmut_borrow_loc v\nld_u64 0\nld_u64 2\nvec_swap u64\n\
         mut_borrow_loc v\nvec_pop_back u64\nimm_borrow_loc v\nld_u64 1\nvec_imm_borrow u64\nread_ref\n\
         imm_borrow_loc v\nvec_len u64\nmove_loc v\nret"
    );
    let expected =
        vec![Value::U64(10), Value::U64(20), Value::U64(2), Value::Vector(vec![Value::U64(30), Value::U64(20)])];
    assert_eq!(eval(": (u64, u64, u64, vector<u64>)", &body), Ok(expected));
}

#[test]
fn vector_bounds_are_checked() {
    let cases = [
        ("imm_borrow_loc v\nld_u64 2\nvec_imm_borrow u64\nread_ref\nret", ": u64", RuntimeErrorKind::IndexOutOfBounds, 6),
        ("mut_borrow_loc v\nld_u64 0\nld_u64 5\nvec_swap u64\nld_u64 0\nret", ": u64", RuntimeErrorKind::IndexOutOfBounds, 7),
        ("move_loc v\nvec_unpack u64, 3\nret", ": (u64, u64, u64)", RuntimeErrorKind::VectorLengthMismatch, 5),
        (
            "mut_borrow_loc v\nvec_pop_back u64\nmut_borrow_loc v\nvec_pop_back u64\nmut_borrow_loc v\nvec_pop_back u64\nret",
            ": (u64, u64, u64)",
            RuntimeErrorKind::PopEmptyVector,
            9,
        ),
    ];
    for (tail, ret, kind, offset) in cases {
        let body = format!("{VECTOR_SETUP}\n{tail}");
        assert_eq!(runtime_error(ret, &body), (kind, offset), "{tail}");
    }
}

#[test]
fn fields_are_written_through_mutable_references() {
    let body = "local p: P\nld_u64 1\nld_false\npack P\nst_loc p\nld_u64 42\nmut_borrow_loc p\nmut_borrow_field P.x\nwrite_ref\n\
                move_loc p\nunpack P\nret";
    assert_eq!(eval(": (u64, bool)", body), Ok(vec![Value::U64(42), Value::Bool(false)]));
}

#[test]
fn sequential_mutable_borrows_each_see_the_last_write() {
    let body = "local x: u64\nlocal a: &mut u64\nld_u64 1\nst_loc x\nmut_borrow_loc x\nst_loc a\nld_u64 5\n\
                move_loc a\nwrite_ref\nmut_borrow_loc x\nst_loc a\nld_u64 7\ncopy_loc a\nwrite_ref\n\
                move_loc a\nread_ref\nmove_loc x\nret";
    assert_eq!(eval(": (u64, u64)", body), Ok(vec![Value::U64(7), Value::U64(7)]));
}

/// The verifier's rejection of `body` as `public fun f()<ret>` of `0x2::t`:
/// the error kind and offset.
fn rejected(ret: &str, body: &str) -> (VerifyErrorKind, Option<u16>) {
    let text = format!("module 0x2::t\npublic fun f(){ret} {{\n{body}\n}}\n");
    match World::new().publish(assemble(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))) {
        Err(LoadError::Verify(err)) => (err.kind, err.offset),
        other => panic!("expected a verifier rejection, got {other:?}\n{text}"),
    }
}

/// Programs that used to be stopped by `DanglingReference` (or, for
/// aliasing `&mut`, not at all) at run time are now rejected at publication.
#[test]
fn what_would_alias_or_dangle_is_rejected_before_it_runs() {
    let aliasing = "local x: u64\nlocal a: &mut u64\nlocal b: &mut u64\nld_u64 1\nst_loc x\nmut_borrow_loc x\n\
                    st_loc a\nmut_borrow_loc x\nst_loc b\nld_u64 5\ncopy_loc a\nwrite_ref\nld_u64 7\ncopy_loc b\n\
                    write_ref\nmove_loc a\nread_ref\nmove_loc b\nread_ref\nmove_loc x\nret";
    let (kind, offset) = rejected(": (u64, u64, u64)", aliasing);
    assert_eq!(offset, Some(11), "`a` is written while the later borrow `b` of `x` lives");
    assert!(matches!(kind, VerifyErrorKind::WriteWhileBorrowed { .. }), "{kind:?}");

    let moved = "local x: u64\nlocal r: &u64\nld_u64 1\nst_loc x\nimm_borrow_loc x\nst_loc r\nmove_loc x\npop\n\
                 move_loc r\nread_ref\nret";
    let (kind, offset) = rejected(": u64", moved);
    assert_eq!(offset, Some(4));
    assert!(matches!(kind, VerifyErrorKind::MoveOfBorrowedLocal { local: 0, .. }), "{kind:?}");

    let popped = format!(
        "local r: &u64\n{VECTOR_SETUP}\nimm_borrow_loc v\nld_u64 1\nvec_imm_borrow u64\nst_loc r\n\
         mut_borrow_loc v\nvec_pop_back u64\npop\nmove_loc r\nread_ref\nret"
    );
    let (kind, offset) = rejected(": u64", &popped);
    assert_eq!(offset, Some(9));
    assert!(matches!(kind, VerifyErrorKind::WriteWhileBorrowed { instruction: "vec_pop_back", .. }), "{kind:?}");
}

const STORE: &str = include_str!("data/store.rasm");

fn r_key() -> ResourceKey {
    ResourceKey { address: AccountAddress::from_u64(0xA), ty: TypeId::of(&id("store"), "R") }
}

fn store_world() -> World {
    let mut world = World::new();
    publish(&mut world, STORE);
    world
}

#[test]
fn a_reference_into_a_resource_cannot_outlive_its_move_from() {
    let dangle = "module 0x2::dangle\nstruct R has key { v: u64 }\n\
                  public entry fun dangle(s: &signer) acquires write R(signer s) {\n\
                  local a: address\nlocal r: &mut R\nmove_loc s\nsigner_address\nst_loc a\ncopy_loc a\n\
                  mut_borrow_global R\nst_loc r\ncopy_loc a\nmove_from R\nunpack R\npop\nld_u64 5\nmove_loc r\n\
                  mut_borrow_field R.v\nwrite_ref\nret\n}\n";
    match World::new().publish(assemble(dangle).unwrap()) {
        Err(LoadError::Verify(err)) => {
            assert_eq!((err.function.as_deref(), err.offset), (Some("dangle"), Some(7)));
            assert!(matches!(err.kind, VerifyErrorKind::MoveFromWhileBorrowed { .. }), "{err}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn write_sets_record_creations_and_deletions_but_not_churn() {
    let mut world = store_world();
    let created = world.execute(&call_tx("store", "put", vec![Value::U64(9)]));
    assert_eq!(created.write_set.0.len(), 1);
    assert_eq!(created.write_set.0[0].key, r_key());
    assert_eq!(created.write_set.0[0].value().map(|v| &**v), Some(&Value::Struct(vec![Value::U64(9)])));
    let deleted = world.execute(&call_tx("store", "take", vec![]));
    assert_eq!(deleted.status, Status::Success);
    assert_eq!(
        deleted.write_set.0.iter().map(|op| (op.key, op.change.clone())).collect::<Vec<_>>(),
        vec![(r_key(), Change::Delete)]
    );
    let churn = world.execute(&call_tx("store", "churn", vec![]));
    assert_eq!(churn.status, Status::Success);
    assert!(churn.write_set.0.is_empty(), "created then deleted: nothing to write");
    assert_eq!(churn.events, vec![Event::new(&id("store"), "Note", Value::Struct(vec![Value::U64(1)]))]);
}

#[test]
fn events_are_kept_only_when_the_transaction_succeeds() {
    let mut world = store_world();
    let ok = world.execute(&call_tx("store", "note_then_abort", vec![Value::Bool(false)]));
    assert_eq!(ok.events, vec![Event::new(&id("store"), "Note", Value::Struct(vec![Value::U64(3)]))]);
    let failed = world.execute(&call_tx("store", "note_then_abort", vec![Value::Bool(true)]));
    assert!(matches!(failed.status, Status::Aborted { code: 77, .. }), "{failed:?}");
    assert!(failed.events.is_empty());
}

const RECURSE: &str = include_str!("data/recurse.rasm");

#[test]
fn the_call_depth_is_limited() {
    let mut world = World::new();
    publish(&mut world, RECURSE);
    let depth = MAX_CALL_DEPTH as u64;
    assert_eq!(call(&world, "rec", "depth", vec![Value::U64(depth)]), Ok(vec![Value::U64(depth)]));
    match call(&world, "rec", "depth", vec![Value::U64(depth + 1)]) {
        Err(Status::RuntimeError { kind: RuntimeErrorKind::CallDepthExceeded, location, .. }) => {
            assert_eq!((location.function.as_str(), location.offset), ("depth", 7), "located at the call");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn calls_cross_modules() {
    let mut world = World::new();
    publish(&mut world, "module 0x1::math\npublic fun double(x: u64): u64 {\nmove_loc x\nld_u64 2\nmul\nret\n}\n");
    publish(
        &mut world,
        "module 0x1::user\nuse 0x1::math\nfun math::double(u64): u64\n\
         public fun quad(x: u64): u64 {\nmove_loc x\ncall math::double\ncall math::double\nret\n}\n",
    );
    assert_eq!(call(&world, "user", "quad", vec![Value::U64(5)]), Ok(vec![Value::U64(20)]));
    // Errors inside the callee are located in the callee's module.
    match call(&world, "user", "quad", vec![Value::U64(u64::MAX / 3)]) {
        Err(Status::RuntimeError { kind: RuntimeErrorKind::ArithmeticOverflow, location, .. }) => {
            assert_eq!((location.module, location.function.as_str(), location.offset), (id("math"), "double", 2));
        }
        other => panic!("{other:?}"),
    }
}

/// One program per category; together they contain every opcode.
const TOUR: &str = include_str!("data/tour.rasm");

#[test]
fn the_tour_runs_every_opcode() {
    let module = assemble(TOUR).unwrap();
    let used: BTreeSet<u8> = module.functions.iter().flat_map(|f| f.code.iter().map(|i| i.info().byte)).collect();
    let all: BTreeSet<u8> = OPCODES.iter().map(|op| op.byte).collect();
    let missing: Vec<&str> = OPCODES.iter().filter(|op| !used.contains(&op.byte)).map(|op| op.mnemonic).collect();
    assert_eq!(used, all, "opcodes without a program in the tour: {missing:?}");

    // Published as a test build: the tour holds the test-only instructions too.
    let mut world = World::new();
    world.publish_test_build(module.clone(), Publisher::StandardLibrary).unwrap();
    let b = Value::Bool;
    assert_eq!(call(&world, "tour", "arith", vec![]), Ok(vec![Value::U128(13)]));
    assert_eq!(
        call(&world, "tour", "logic", vec![]),
        Ok(vec![b(false), b(true), b(false), b(true), b(true), b(true), b(true)])
    );
    assert_eq!(call(&world, "tour", "control", vec![Value::U64(4)]), Ok(vec![Value::U64(10)]));
    assert!(matches!(call(&world, "tour", "fail", vec![]), Err(Status::Aborted { code: 7, .. })));
    assert_eq!(call(&world, "tour", "refs", vec![]), Ok(vec![Value::U64(5), b(true)]));
    assert_eq!(call(&world, "tour", "vectors", vec![]), Ok(vec![Value::U64(9), Value::U8(2), Value::U64(2)]));
    let receipt = world.execute(&call_tx("tour", "globals", vec![]));
    assert_eq!(receipt.status, Status::Success);
    assert!(receipt.write_set.0.is_empty(), "R was created and removed again");
    assert_eq!(receipt.events, vec![Event::new(&id("tour"), "E", Value::Struct(vec![Value::U64(2)]))]);
    assert_eq!(call(&world, "tour", "generics", vec![]), Ok(vec![Value::U64(4), Value::U64(4)]));
    // u256::MAX ^ 7: the low three bits cleared.
    let wide = "115792089237316195423570985008687907853269984665640564039457584007913129639928".parse().unwrap();
    assert_eq!(
        call(&world, "tour", "wide", vec![]),
        Ok(vec![Value::U16(u16::MAX), Value::U32(u32::MAX), Value::U256(wide)])
    );
    let receipt = world.execute(&call_tx("tour", "generic_globals", vec![]));
    assert_eq!(receipt.status, Status::Success);
    assert!(receipt.write_set.0.is_empty(), "GR<u64> was created and removed again");
    assert_eq!(receipt.events, vec![Event::new(&id("tour"), "GE<u64>", Value::Struct(vec![Value::U64(1)]))]);

    // Format v3's instructions.
    let u64s = |items: &[u64]| Value::Vector(items.iter().map(|&i| Value::U64(i)).collect());
    assert_eq!(
        call(&world, "tour", "more_vectors", vec![]),
        Ok(vec![b(false), b(true), Value::U64(3), u64s(&[3, 9, 1, 7, 8])])
    );
    assert_eq!(
        call(&world, "tour", "hashes", vec![]),
        Ok(vec![bytes(SHA3_256_ABC), bytes(BLAKE3_ABC)]),
        "sha3-256 and blake3 of \"abc\""
    );
    // Names written out by hand: the instance's argument inside `Box<T0>`.
    let name = |text: &str| Value::Vector(text.bytes().map(Value::U8).collect());
    assert_eq!(
        call(&world, "tour", "types", vec![]),
        Ok(vec![name("0x1::tour::Box<u64>"), b(false), name("0x1::tour::Box<0x1::tour::P>"), b(true)]),
        "type_name and type_is_struct of two instances"
    );
    world.block = BlockContext { timestamp: 1_700_000_000, height: 42 };
    assert_eq!(call(&world, "tour", "block", vec![]), Ok(vec![Value::U64(1_700_000_000), Value::U64(42)]));
    // A test moves its own block on, for the rest of its transaction only.
    let (t, h) = (Value::U64(1_700_000_000), Value::U64(42));
    let moved = vec![t.clone(), h.clone(), Value::U64(1_800_000_000), Value::U64(43)];
    assert_eq!(call(&world, "tour", "set_block", vec![]), Ok(moved));
    assert_eq!(call(&world, "tour", "block", vec![]), Ok(vec![t, h]));
    // Anywhere but a test build the module is refused for them.
    match World::new().publish_stdlib(module) {
        Err(LoadError::Verify(e)) => assert!(matches!(e.kind, VerifyErrorKind::TestOnlyInstruction { .. }), "{e}"),
        other => panic!("the tour published outside a test build: {other:?}"),
    }
    let creator = AccountAddress::from_u64(0xc0);
    let mut object = blake3::Hasher::new();
    object.update(b"resin/object\0");
    object.update(&AccountAddress::from_u64(1).0);
    object.update(b"tour\0");
    object.update(&creator.0);
    object.update(b"se");
    let object = Value::Address(AccountAddress(*object.finalize().as_bytes()));
    assert_eq!(call(&world, "tour", "objects", vec![Value::Address(creator)]), Ok(vec![object.clone(), object]));
    let i = Value::U64(3);
    assert_eq!(call(&world, "tour", "keyed", vec![i.clone()]), Ok(vec![b(true), Value::U64(6)]));
    assert_eq!(call(&world, "tour", "keyed_generic", vec![i.clone()]), Ok(vec![b(true), Value::U64(7)]));

    // Counters: created with writes, then added to by a transaction that
    // declares only adds, whose write set holds the deltas.
    let made = world.execute(&call_tx("tour", "make_counters", vec![i.clone()]));
    assert_eq!(made.status, Status::Success);
    let sender = AccountAddress::from_u64(0xA);
    let entry = keyed_address_of(sender, &[2, 3]);
    let count = TypeId::of(&id("tour"), "Count");
    let keyed_count = type_id_of("0x1::tour::Count[]");
    let gcount = type_id_of("0x1::tour::GCount<bool>");
    let keyed_gcount = type_id_of("0x1::tour::GCount<bool>[]");
    let counted = world.execute(&call_tx("tour", "count", vec![i]));
    assert_eq!(counted.status, Status::Success);
    let mut expected = vec![
        (ResourceKey { address: sender, ty: count }, Change::Add(1)),
        (ResourceKey { address: entry, ty: keyed_count }, Change::Add(2)),
        (ResourceKey { address: sender, ty: gcount }, Change::Add(3)),
        (ResourceKey { address: entry, ty: keyed_gcount }, Change::Add(4)),
    ];
    expected.sort_by_key(|(key, _)| *key);
    let written: Vec<_> = counted.write_set.0.iter().map(|op| (op.key, op.change.clone())).collect();
    assert_eq!(written, expected);
    let value = |key: &ResourceKey| world.resources.get(key).cloned();
    let counter = |field| Some(Value::Struct(vec![field]));
    assert_eq!(value(&expected_key(&expected, count)), counter(Value::U64(11)));
    assert_eq!(value(&expected_key(&expected, keyed_count)), counter(Value::U64(22)));
    assert_eq!(value(&expected_key(&expected, gcount)), counter(Value::U128(33)));
    assert_eq!(value(&expected_key(&expected, keyed_gcount)), counter(Value::U128(44)));
}

/// sha3-256("abc") and blake3("abc"), from the algorithms' published test vectors.
const SHA3_256_ABC: &str = "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532";
const BLAKE3_ABC: &str = "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85";

/// Hex digits as a `vector<u8>` value.
fn bytes(hex: &str) -> Value {
    let digits =
        hex.as_bytes().chunks(2).map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap());
    Value::Vector(digits.map(Value::U8).collect())
}

/// The address of keyed entry `[index]` at `anchor`, computed here from the
/// definition (blake3 of the domain, the anchor and the index's canonical
/// bytes), not with the function the VM uses.
fn keyed_address_of(anchor: AccountAddress, index_bytes: &[u8]) -> AccountAddress {
    let mut hasher = blake3::Hasher::new();
    hasher.update(b"resin/keyed\0");
    hasher.update(&anchor.0);
    hasher.update(index_bytes);
    AccountAddress(*hasher.finalize().as_bytes())
}

/// A type id from its definition: the first eight bytes of blake3 of the text.
fn type_id_of(text: &str) -> TypeId {
    let hash = blake3::hash(text.as_bytes());
    TypeId(u64::from_le_bytes(hash.as_bytes()[..8].try_into().unwrap()))
}

fn expected_key(expected: &[(ResourceKey, Change)], ty: TypeId) -> ResourceKey {
    expected.iter().find(|(key, _)| key.ty == ty).unwrap().0
}
