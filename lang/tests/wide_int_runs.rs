//! u16, u32 and u256 compiled and run on the VM: an AMM's u256 mul-div and
//! swap price, inference of unsuffixed literals, casts, shifts and the
//! checks that abort, against values worked out by hand (u128 arithmetic in
//! Rust, decimal text for u256).
// Helpers return a whole `Status` as their error so tests can compare it.
#![allow(clippy::result_large_err)]

mod support;

use resin_format::file_format::{AccountAddress, ModuleId};
use resin_format::U256;
use resin_vm::{RuntimeErrorKind, Status, Transaction, Value, World};

const PROGRAM: &str = r#"
module 0x1::amm {
    struct Pool has key { x: u128, y: u128, fee_bps: u16 }
    struct Swaps has key { n: u32 }

    const BPS: u256 = 10_000;

    /// `a * b / c` with a u256 intermediate, checked back into u128.
    public fun mul_div(a: u128, b: u128, c: u128): u128 {
        (((a as u256) * (b as u256) / (c as u256)) as u128)
    }

    /// Constant-product output for `amount_in`, the fee taken from the input.
    public fun amount_out(amount_in: u128, reserve_in: u128, reserve_out: u128, fee_bps: u16): u128 {
        let scaled_in = (amount_in as u256) * (BPS - (fee_bps as u256));
        let num = scaled_in * (reserve_out as u256);
        let den = (reserve_in as u256) * BPS + scaled_in;
        ((num / den) as u128)
    }

    public entry fun create(s: &signer, x: u128, y: u128, fee_bps: u16) {
        move_to(s, Pool { x, y, fee_bps });
        move_to(s, Swaps { n: 0 });
    }

    /// Swaps x for y in the pool at `at`; the output must reach `min_out`.
    public entry fun swap(at: address, amount_in: u128, min_out: u128) {
        let pool = borrow_global_mut<Pool>(at);
        let out = amount_out(amount_in, pool.x, pool.y, pool.fee_bps);
        assert!(out >= min_out, 1);
        pool.x = pool.x + amount_in;
        pool.y = pool.y - out;
        counter_add<Swaps>(at, 1);
    }

    public fun reserves(at: address): (u128, u128, u32) {
        let pool = borrow_global<Pool>(at);
        (pool.x, pool.y, borrow_global<Swaps>(at).n)
    }

    /// Unsuffixed literals take the type their context expects, up to u256's maximum.
    public fun literals(): (u16, u32, u256, u256) {
        (65_535, 0xFFFF_FFFF, 115792089237316195423570985008687907853269984665640564039457584007913129639935, 1 << 255)
    }

    public fun add16(a: u16, b: u16): u16 { a + b }
    public fun sub32(a: u32, b: u32): u32 { a - b }
    public fun shl32(a: u32, n: u8): u32 { a << n }
    public fun div256(a: u256, b: u256): u256 { a / b }
    public fun narrow(x: u256): u16 { (x as u16) }
    public fun widths(a: u16, b: u32): (u256, bool) { ((a as u256) + (b as u256), (a as u32) < b) }
}
"#;

fn world() -> World {
    support::vm::world_of("amm.rsn", PROGRAM)
}

const POOL: u64 = 0xA;

fn tx(function: &str, args: Vec<Value>) -> Transaction {
    Transaction {
        sender: AccountAddress::from_u64(POOL),
        module: ModuleId::new(AccountAddress::from_u64(1), "amm"),
        function: function.into(),
        args,
        gas_limit: 1_000_000,
        type_args: Vec::new(),
    }
}

fn call(world: &World, function: &str, args: Vec<Value>) -> Result<Vec<Value>, Status> {
    let outcome = world.call(&tx(function, args));
    match outcome.receipt.status {
        Status::Success => Ok(outcome.returns),
        status => Err(status),
    }
}

fn runtime_error(world: &World, function: &str, args: Vec<Value>) -> RuntimeErrorKind {
    match call(world, function, args) {
        Err(Status::RuntimeError { kind, .. }) => kind,
        other => panic!("{function}: expected a runtime error, got {other:?}"),
    }
}

fn u256(text: &str) -> U256 {
    text.parse().unwrap_or_else(|_| panic!("{text}"))
}

#[test]
fn mul_div_keeps_the_full_product() {
    let world = world();
    // 2^127 * 6 overflows u128, but divided by 4 it fits: 2^127 * 6 / 4 = 3 * 2^126.
    let (a, b, c) = (1u128 << 127, 6u128, 4u128);
    let expected = 3u128 << 126;
    let args = vec![Value::U128(a), Value::U128(b), Value::U128(c)];
    assert_eq!(call(&world, "mul_div", args), Ok(vec![Value::U128(expected)]));
    // A quotient over u128 aborts at the cast back.
    let args = vec![Value::U128(u128::MAX), Value::U128(u128::MAX), Value::U128(1)];
    assert_eq!(runtime_error(&world, "mul_div", args), RuntimeErrorKind::CastOutOfRange);
    let args = vec![Value::U128(1), Value::U128(1), Value::U128(0)];
    assert_eq!(runtime_error(&world, "mul_div", args), RuntimeErrorKind::DivisionByZero);
}

#[test]
fn a_swap_prices_with_u256_and_counts_in_a_u32_counter() {
    let mut world = world();
    let at = Value::Address(AccountAddress::from_u64(POOL));
    // Reserves near u128's maximum: x * y needs 256 bits.
    let (x, y) = (u128::MAX / 2, u128::MAX / 3);
    let receipt = world.execute(&tx("create", vec![Value::U128(x), Value::U128(y), Value::U16(30)]));
    assert_eq!(receipt.status, Status::Success);
    let amount_in = 1u128 << 100;
    // The same price worked out here with the format's U256, outside the VM.
    let scaled = U256::from(amount_in).checked_mul(U256::from(9_970u16)).unwrap();
    let num = scaled.checked_mul(U256::from(y)).unwrap();
    let den = U256::from(x).checked_mul(U256::from(10_000u16)).unwrap().checked_add(scaled).unwrap();
    let out = u128::try_from(num.checked_div(den).unwrap()).unwrap();
    let receipt = world.execute(&tx("swap", vec![at.clone(), Value::U128(amount_in), Value::U128(out)]));
    assert_eq!(receipt.status, Status::Success);
    assert_eq!(
        call(&world, "reserves", vec![at.clone()]),
        Ok(vec![Value::U128(x + amount_in), Value::U128(y - out), Value::U32(1)])
    );
    // Asking for one more than the price aborts with the assertion's code.
    let receipt = world.execute(&tx("swap", vec![at, Value::U128(amount_in), Value::U128(u128::MAX)]));
    assert!(matches!(receipt.status, Status::Aborted { code: 1, .. }), "{:?}", receipt.status);
}

#[test]
fn literals_casts_and_checks_per_width() {
    let world = world();
    let max = u256("115792089237316195423570985008687907853269984665640564039457584007913129639935");
    let top = u256("57896044618658097711785492504343953926634992332820282019728792003956564819968");
    assert_eq!(
        call(&world, "literals", vec![]),
        Ok(vec![Value::U16(u16::MAX), Value::U32(u32::MAX), Value::U256(max), Value::U256(top)])
    );
    assert_eq!(call(&world, "add16", vec![Value::U16(65_000), Value::U16(535)]), Ok(vec![Value::U16(u16::MAX)]));
    assert_eq!(
        runtime_error(&world, "add16", vec![Value::U16(65_000), Value::U16(536)]),
        RuntimeErrorKind::ArithmeticOverflow
    );
    assert_eq!(
        runtime_error(&world, "sub32", vec![Value::U32(0), Value::U32(1)]),
        RuntimeErrorKind::ArithmeticOverflow
    );
    assert_eq!(call(&world, "shl32", vec![Value::U32(1), Value::U8(31)]), Ok(vec![Value::U32(1 << 31)]));
    assert_eq!(runtime_error(&world, "shl32", vec![Value::U32(1), Value::U8(32)]), RuntimeErrorKind::ShiftTooLarge);
    assert_eq!(call(&world, "div256", vec![Value::U256(max), Value::U256(top)]), Ok(vec![Value::U256(U256::ONE)]));
    assert_eq!(
        runtime_error(&world, "div256", vec![Value::U256(max), Value::U256(U256::ZERO)]),
        RuntimeErrorKind::DivisionByZero
    );
    assert_eq!(call(&world, "narrow", vec![Value::U256(U256::from(65_535u32))]), Ok(vec![Value::U16(u16::MAX)]));
    assert_eq!(
        runtime_error(&world, "narrow", vec![Value::U256(U256::from(65_536u32))]),
        RuntimeErrorKind::CastOutOfRange
    );
    assert_eq!(
        call(&world, "widths", vec![Value::U16(u16::MAX), Value::U32(u32::MAX)]),
        Ok(vec![Value::U256(U256::from(u64::from(u16::MAX) + u64::from(u32::MAX))), Value::Bool(true)])
    );
}
