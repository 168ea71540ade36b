//! Verifier cases written in the text assembler: the shipped coin module, and
//! rejections shown as source next to the exact error they produce.

use resin_format::assembler::assemble;
use resin_format::file_format::AddressSource::{Param, SignerOf};
use resin_verifier::{infer_access_spec, verify_module};

use super::builder::write;

const COIN: &str = include_str!("../../../format/tests/data/coin.rasm");

#[test]
fn assembled_coin_module_verifies_and_infers_its_specs() {
    let module = assemble(COIN).expect("coin.rasm assembles");
    if let Err(err) = verify_module(&module) {
        panic!("coin.rasm should verify: {err}");
    }
    for (index, def) in module.functions.iter().enumerate() {
        let mut declared = module.function_handles[def.handle.index()].access.0.clone();
        declared.sort();
        let inferred = infer_access_spec(&module, index).unwrap();
        assert_eq!(inferred.0, declared, "{}", module.function_name(def).unwrap());
    }
    let (transfer, _) = module.find_function("transfer").unwrap();
    let (balance, _) = module.find_struct("Balance").unwrap();
    let balance = module.structs[balance].handle;
    let inferred = infer_access_spec(&module, transfer).unwrap();
    assert_eq!(inferred.0, vec![write(balance, Param(1)), write(balance, SignerOf(0))]);
}

const HEADER: &str = "module 0x1::m
struct Coin has store { value: u64 }
struct Balance has key { coin: Coin }
";

/// Each case: a function (after the shared header) and the error it must get.
const CASES: &[(&str, &str)] = &[
    (
        "fun f(c: Coin): (Coin, Coin) {
            copy_loc c
            move_loc c
            ret
        }",
        "0x1::m::f at offset 0: copy of a value without the `copy` ability (type Coin)",
    ),
    (
        "fun f(c: Coin) {
            move_loc c
            pop
            ret
        }",
        "0x1::m::f at offset 1: `pop` drops a value without the `drop` ability (type Coin)",
    ),
    (
        "fun f(c: Coin, b: bool) {
            move_loc b
            br_false done
            move_loc c
            unpack Coin
            pop
        done:
            ret
        }",
        "0x1::m::f at offset 5: local 0 still holds a value without the `drop` ability at return (type Coin)",
    ),
    (
        "fun f(b: bool) {
            move_loc b
            br_false join
            ld_u64 1
            branch join
        join:
            ret
        }",
        "0x1::m::f at offset 3: stack height 1 on the edge to offset 4, but 0 on another path",
    ),
    (
        "fun f(c: &Coin) {
            move_loc c
            mut_borrow_field Coin.value
            pop
            ret
        }",
        "0x1::m::f at offset 1: `mut_borrow_field` needs a `&mut` reference, found an immutable `&` reference",
    ),
    (
        "fun f(a: address, b: address) acquires write Balance(param a) {
            move_loc b
            mut_borrow_global Balance
            pop
            ret
        }",
        "0x1::m::f at offset 1: global access `write 0x1::m::Balance @ param 1` is not covered by the function's access spec",
    ),
    (
        "fun f(a: address): bool {
            move_loc a
            exists Coin
            ret
        }",
        "0x1::m::f at offset 1: `exists` on `Coin`, which lacks the `key` ability",
    ),
    (
        "fun f(): u64 {
            ld_u64 1
            ld_u8 2
            add
            ret
        }",
        "0x1::m::f at offset 2: `add` expects `u64`, found `u8`",
    ),
    (
        "fun f() {
            ld_const #4
            pop
            ret
        }",
        "0x1::m::f at offset 0: constant index 4 out of bounds (0 entries)",
    ),
];

#[test]
fn assembled_rejections_render_their_location_and_cause() {
    for (function, expected) in CASES {
        let text = format!("{HEADER}{function}\n");
        let module = assemble(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let err = verify_module(&module).expect_err(&text);
        assert_eq!(&err.to_string(), expected, "\n{text}");
    }
}
