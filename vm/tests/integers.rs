//! u16, u32 and u256 on the interpreter: the same checked arithmetic as the
//! other integers at each type's maximum, division by zero, shifts by the
//! width or more, casts in and out of range, constants, entry arguments,
//! storage and the fused forms of binary operations on locals. Expected
//! values come from Rust's own integers and from decimal text, not from the
//! VM's helpers.
#![allow(clippy::result_large_err)]

use resin_format::assembler::assemble;
use resin_format::U256;
use resin_vm::{AccountAddress, ModuleId, RuntimeErrorKind, Status, Transaction, Value, World};

const GAS: u64 = 1_000_000;
const U256_MAX: &str = "115792089237316195423570985008687907853269984665640564039457584007913129639935";

fn id(name: &str) -> ModuleId {
    ModuleId::new(AccountAddress::from_u64(1), name)
}

fn tx(module: &str, function: &str, args: Vec<Value>) -> Transaction {
    Transaction {
        sender: AccountAddress::from_u64(0xA),
        module: id(module),
        function: function.into(),
        args,
        gas_limit: GAS,
        type_args: Vec::new(),
    }
}

fn world_with(text: &str) -> World {
    let mut world = World::new();
    world
        .publish_stdlib(assemble(text).unwrap_or_else(|e| panic!("{e}\n{text}")))
        .unwrap_or_else(|e| panic!("{e}\n{text}"));
    world
}

/// Runs `body` as `public fun f(<params>)<ret>` of a fresh module `0x1::t`.
fn eval_with(params: &str, ret: &str, body: &str, args: Vec<Value>) -> Result<Vec<Value>, Status> {
    let world = world_with(&format!("module 0x1::t\npublic fun f({params}){ret} {{\n{body}\n}}\n"));
    let outcome = world.call(&tx("t", "f", args));
    match outcome.receipt.status {
        Status::Success => Ok(outcome.returns),
        status => Err(status),
    }
}

fn eval(ret: &str, body: &str) -> Result<Vec<Value>, Status> {
    eval_with("", ret, body, vec![])
}

/// The runtime error `body` stops with, and the offset of the failing instruction.
fn runtime_error(ret: &str, body: &str) -> (RuntimeErrorKind, u16) {
    match eval(ret, body) {
        Err(Status::RuntimeError { kind, location, .. }) => (kind, location.offset),
        other => panic!("expected a runtime error, got {other:?}\n{body}"),
    }
}

fn u256(text: &str) -> U256 {
    text.parse().unwrap_or_else(|_| panic!("{text} is not a u256"))
}

#[test]
fn arithmetic_is_checked_at_each_types_maximum() {
    use RuntimeErrorKind::{ArithmeticOverflow as Overflow, DivisionByZero as DivZero};
    let cases = [
        (": u16", "ld_u16 65535\nld_u16 1\nadd\nret", Overflow),
        (": u16", "ld_u16 256\nld_u16 256\nmul\nret", Overflow),
        (": u16", "ld_u16 0\nld_u16 1\nsub\nret", Overflow),
        (": u16", "ld_u16 1\nld_u16 0\ndiv\nret", DivZero),
        (": u32", "ld_u32 4294967295\nld_u32 1\nadd\nret", Overflow),
        (": u32", "ld_u32 65536\nld_u32 65536\nmul\nret", Overflow),
        (": u32", "ld_u32 7\nld_u32 0\nmod\nret", DivZero),
        (": u256", &format!("ld_u256 {U256_MAX}\nld_u256 1\nadd\nret"), Overflow),
        (": u256", "ld_u256 0\nld_u256 1\nsub\nret", Overflow),
        // 2^128 * 2^128 = 2^256, one past the maximum.
        (
            ": u256",
            "ld_u256 0x100000000000000000000000000000000\nld_u256 0x100000000000000000000000000000000\nmul\nret",
            Overflow,
        ),
        (": u256", "ld_u256 1\nld_u256 0\ndiv\nret", DivZero),
        (": u256", "ld_u256 1\nld_u256 0\nmod\nret", DivZero),
    ];
    for (ret, body, kind) in cases {
        assert_eq!(runtime_error(ret, body), (kind, 2), "{body}");
    }
    assert_eq!(eval(": u16", "ld_u16 65534\nld_u16 1\nadd\nret"), Ok(vec![Value::U16(u16::MAX)]));
    assert_eq!(eval(": u32", "ld_u32 65535\nld_u32 65537\nmul\nret"), Ok(vec![Value::U32(u32::MAX)]));
    assert_eq!(eval(": u32", "ld_u32 7\nld_u32 2\nmod\nret"), Ok(vec![Value::U32(1)]));
    assert_eq!(
        eval(": u256", &format!("ld_u256 {U256_MAX}\nld_u256 1\nsub\nret")),
        Ok(vec![Value::U256(u256("115792089237316195423570985008687907853269984665640564039457584007913129639934"))])
    );
    // (2^128 - 1)^2 = 2^256 - 2^129 + 1 fits.
    let square = "115792089237316195423570985008687907852589419931798687112530834793049593217025";
    let max128 = u128::MAX;
    assert_eq!(
        eval(": u256", &format!("ld_u256 {max128}\nld_u256 {max128}\nmul\nret")),
        Ok(vec![Value::U256(u256(square))])
    );
    assert_eq!(
        eval(": u256", &format!("ld_u256 {square}\nld_u256 {max128}\ndiv\nret")),
        Ok(vec![Value::U256(U256::from(max128))])
    );
    assert_eq!(
        eval(": u256", &format!("ld_u256 {U256_MAX}\nld_u256 10\nmod\nret")),
        Ok(vec![Value::U256(U256::from(5u8))])
    );
    assert_eq!(eval(": u16", "ld_u16 0xff0f\nld_u16 0x0ff0\nbit_and\nret"), Ok(vec![Value::U16(0x0f00)]));
    assert_eq!(eval(": u32", "ld_u32 0xf0\nld_u32 0x0f\nbit_or\nret"), Ok(vec![Value::U32(0xff)]));
    assert_eq!(
        eval(": u256", &format!("ld_u256 {U256_MAX}\nld_u256 1\nxor\nret")),
        Ok(vec![Value::U256(u256("115792089237316195423570985008687907853269984665640564039457584007913129639934"))])
    );
}

#[test]
fn comparisons_order_each_width() {
    assert_eq!(eval(": bool", "ld_u16 5\nld_u16 6\nlt\nret"), Ok(vec![Value::Bool(true)]));
    assert_eq!(eval(": bool", "ld_u32 6\nld_u32 6\nge\nret"), Ok(vec![Value::Bool(true)]));
    // Compared as numbers, not bytes: 2^128 is above 2^128 - 1 although its low half is zero.
    let body = format!("ld_u256 0x100000000000000000000000000000000\nld_u256 {}\ngt\nret", u128::MAX);
    assert_eq!(eval(": bool", &body), Ok(vec![Value::Bool(true)]));
    assert_eq!(
        eval(": bool", &format!("ld_u256 {U256_MAX}\nld_u256 {U256_MAX}\neq\nret")),
        Ok(vec![Value::Bool(true)])
    );
}

#[test]
fn shifts_by_the_width_or_more_abort_and_u256_never_does() {
    assert_eq!(eval(": u16", "ld_u16 1\nld_u8 15\nshl\nret"), Ok(vec![Value::U16(0x8000)]));
    assert_eq!(
        eval(": u16", "ld_u16 0xffff\nld_u8 8\nshl\nret"),
        Ok(vec![Value::U16(0xff00)]),
        "bits shifted out are lost"
    );
    assert_eq!(runtime_error(": u16", "ld_u16 1\nld_u8 16\nshl\nret"), (RuntimeErrorKind::ShiftTooLarge, 2));
    assert_eq!(eval(": u32", "ld_u32 0x80000000\nld_u8 31\nshr\nret"), Ok(vec![Value::U32(1)]));
    assert_eq!(runtime_error(": u32", "ld_u32 1\nld_u8 32\nshr\nret"), (RuntimeErrorKind::ShiftTooLarge, 2));
    // The largest u8 amount, 255, is below u256's width.
    let top = u256("57896044618658097711785492504343953926634992332820282019728792003956564819968"); // 2^255
    assert_eq!(eval(": u256", "ld_u256 1\nld_u8 255\nshl\nret"), Ok(vec![Value::U256(top)]));
    assert_eq!(eval(": u256", "ld_u256 3\nld_u8 255\nshl\nret"), Ok(vec![Value::U256(top)]));
    assert_eq!(eval(": u256", &format!("ld_u256 {U256_MAX}\nld_u8 255\nshr\nret")), Ok(vec![Value::U256(U256::ONE)]));
    assert_eq!(
        eval(": u256", "ld_u256 1\nld_u8 128\nshl\nret"),
        Ok(vec![Value::U256(u256("340282366920938463463374607431768211456"))])
    );
}

#[test]
fn casts_abort_when_the_value_does_not_fit() {
    let out_of_range = (RuntimeErrorKind::CastOutOfRange, 1);
    assert_eq!(eval(": u16", "ld_u64 65535\ncast_u16\nret"), Ok(vec![Value::U16(u16::MAX)]));
    assert_eq!(runtime_error(": u16", "ld_u64 65536\ncast_u16\nret"), out_of_range);
    assert_eq!(eval(": u32", "ld_u256 4294967295\ncast_u32\nret"), Ok(vec![Value::U32(u32::MAX)]));
    assert_eq!(runtime_error(": u32", "ld_u256 4294967296\ncast_u32\nret"), out_of_range);
    assert_eq!(eval(": u8", "ld_u16 255\ncast_u8\nret"), Ok(vec![Value::U8(255)]));
    assert_eq!(runtime_error(": u8", "ld_u32 256\ncast_u8\nret"), out_of_range);
    assert_eq!(eval(": u128", &format!("ld_u256 {}\ncast_u128\nret", u128::MAX)), Ok(vec![Value::U128(u128::MAX)]));
    assert_eq!(runtime_error(": u128", &format!("ld_u256 {U256_MAX}\ncast_u128\nret")), out_of_range);
    assert_eq!(runtime_error(": u64", "ld_u256 0x10000000000000000\ncast_u64\nret"), out_of_range);
    // Everything fits a u256.
    assert_eq!(
        eval(": u256", &format!("ld_u128 {}\ncast_u256\nret", u128::MAX)),
        Ok(vec![Value::U256(U256::from(u128::MAX))])
    );
    assert_eq!(eval(": u256", "ld_u16 7\ncast_u256\nret"), Ok(vec![Value::U256(U256::from(7u8))]));
    assert_eq!(eval(": u32", "ld_u16 65535\ncast_u32\nret"), Ok(vec![Value::U32(65535)]));
}

/// `a * b / c` in u256 with the operands as entry arguments and the result
/// cast back to u64: an AMM's price maths, where the product overflows u128.
#[test]
fn mul_div_in_u256_with_arguments_locals_and_constants() {
    let text = "module 0x1::amm
const SCALE: u256 = 1000000000000000000u256
public fun mul_div(a: u64, b: u64, c: u64): u64 {
    move_loc a
    cast_u256
    move_loc b
    cast_u256
    mul
    move_loc c
    cast_u256
    div
    cast_u64
    ret
}
public fun scaled(x: u256, y: u256): u256 {
    copy_loc x
    ld_const SCALE
    mul
    copy_loc y
    div
    ret
}
public entry fun widths(a: u16, b: u32, c: vector<u256>) {
    ret
}
";
    let world = world_with(text);
    let call = |f: &str, args: Vec<Value>| {
        let outcome = world.call(&tx("amm", f, args));
        match outcome.receipt.status {
            Status::Success => Ok(outcome.returns),
            status => Err(status),
        }
    };
    let (a, b, c) = (u64::MAX, u64::MAX - 1, u64::MAX);
    // u64::MAX * (u64::MAX - 1) / u64::MAX = u64::MAX - 1, exactly, in u128 by hand.
    let expected = (u128::from(a) * u128::from(b) / u128::from(c)) as u64;
    assert_eq!(call("mul_div", vec![Value::U64(a), Value::U64(b), Value::U64(c)]), Ok(vec![Value::U64(expected)]));
    // The quotient does not fit u64: the cast aborts.
    assert!(matches!(
        call("mul_div", vec![Value::U64(a), Value::U64(b), Value::U64(1)]),
        Err(Status::RuntimeError { kind: RuntimeErrorKind::CastOutOfRange, .. })
    ));
    let x = U256::from(u128::MAX);
    let got = call("scaled", vec![Value::U256(x), Value::U256(U256::from(3u8))]);
    // (2^128 - 1) * 10^18 / 3, computed in decimal by hand.
    assert_eq!(got, Ok(vec![Value::U256(u256("113427455640312821154458202477256070485000000000000000000"))]));
    assert!(matches!(
        call("scaled", vec![Value::U256(U256::MAX), Value::U256(U256::ONE)]),
        Err(Status::RuntimeError { kind: RuntimeErrorKind::ArithmeticOverflow, .. })
    ));
    let widths = vec![Value::U16(1), Value::U32(2), Value::Vector(vec![Value::U256(U256::MAX)])];
    assert_eq!(world.call(&tx("amm", "widths", widths)).receipt.status, Status::Success);
    // A u64 where a u16 is declared is refused before the call.
    let wrong = vec![Value::U64(1), Value::U32(2), Value::Vector(vec![])];
    assert!(!matches!(world.call(&tx("amm", "widths", wrong)).receipt.status, Status::Success));
}

/// A resource holding every new width is stored and read back, and a
/// binary operation on locals (fused into one op) checks like the plain one.
#[test]
fn resources_hold_the_new_widths_and_fused_operations_check() {
    let text = "module 0x1::store
struct Reserve has key { a: u16, b: u32, c: u256 }
public entry fun put(s: &signer, a: u16, b: u32, c: u256) acquires write Reserve(signer s) {
    move_loc s
    move_loc a
    move_loc b
    move_loc c
    pack Reserve
    move_to Reserve
    ret
}
public fun get(at: address): u256 acquires read Reserve(param at) {
    local x: u256
    local y: u256
    copy_loc at
    imm_borrow_global Reserve
    imm_borrow_field Reserve.c
    read_ref
    st_loc x
    move_loc at
    imm_borrow_global Reserve
    imm_borrow_field Reserve.a
    read_ref
    cast_u256
    st_loc y
    copy_loc x
    copy_loc y
    add
    ret
}
";
    let mut world = world_with(text);
    let sender = AccountAddress::from_u64(0xA);
    let put = |c: U256| tx("store", "put", vec![Value::U16(u16::MAX), Value::U32(u32::MAX), Value::U256(c)]);
    let receipt = world.execute(&put(U256::from(1u8)));
    assert_eq!(receipt.status, Status::Success);
    let outcome = world.call(&tx("store", "get", vec![Value::Address(sender)]));
    assert_eq!(outcome.returns, vec![Value::U256(U256::from(65536u32))]);
    // The stored value is a list of fields with each width as written.
    let stored = world.resources.iter().map(|(_, v)| v.clone()).next();
    assert_eq!(
        stored.as_ref(),
        Some(&Value::Struct(vec![Value::U16(u16::MAX), Value::U32(u32::MAX), Value::U256(U256::ONE)]))
    );
    // The fused `copy_loc x; copy_loc y; add` overflows like `add`.
    let mut world = world_with(text);
    let receipt = world.execute(&put(U256::MAX));
    assert_eq!(receipt.status, Status::Success);
    let status = world.call(&tx("store", "get", vec![Value::Address(sender)])).receipt.status;
    assert!(matches!(status, Status::RuntimeError { kind: RuntimeErrorKind::ArithmeticOverflow, .. }), "{status:?}");
}
