//! `type_info::type_name` and `type_info::is_struct` compiled and run on the
//! VM: the name a generic function sees is its instance's, substituted
//! through calls between generic functions, and checked against names
//! written out here by hand.
// Helpers return a whole `Status` as their error so tests can compare it.
#![allow(clippy::result_large_err)]

mod support;

use resin_format::file_format::{AccountAddress, ModuleId};
use resin_vm::{RuntimeErrorKind, Status, StructTag, Transaction, TypeTag, Value, World};

const PROGRAM: &str = r#"
module 0x2::kinds {
    struct USD has drop {}
    struct Pair<phantom A, phantom B> has drop {}

    /// The name seen two generic calls down, through a type built from `T`.
    public fun name<T>(): vector<u8> { inner<Pair<T, USD>>() }
    fun inner<T>(): vector<u8> { type_info::type_name<vector<T>>() }

    public fun direct<T>(): vector<u8> { type_info::type_name<T>() }
    public fun is_struct<T>(): bool { type_info::is_struct<T>() }

    /// Structs and non-structs written out, in code that is not generic.
    public fun fixed(): (bool, bool, bool, bool, vector<u8>) {
        (
            type_info::is_struct<USD>(),
            type_info::is_struct<Pair<u64, u8>>(),
            type_info::is_struct<vector<USD>>(),
            type_info::is_struct<signer>(),
            type_info::type_name<u256>(),
        )
    }

    /// `T` under 30 vectors: a name deeper than any type may be for a
    /// deep enough `T`.
    public fun deep<T>(): vector<u8> {
        type_info::type_name<vector<vector<vector<vector<vector<vector<vector<vector<vector<vector<vector<vector<vector<vector<vector<vector<vector<vector<vector<vector<vector<vector<vector<vector<vector<vector<vector<vector<vector<vector<T>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>()
    }

    public entry fun differ<A, B>() {
        assert!(type_info::type_name<A>() != type_info::type_name<B>(), 7);
    }
}
"#;

fn world() -> World {
    support::vm::world_of("kinds.rsn", PROGRAM)
}

fn kinds() -> ModuleId {
    ModuleId::new(AccountAddress::from_u64(2), "kinds")
}

fn usd() -> TypeTag {
    TypeTag::Struct(Box::new(StructTag::new(kinds(), "USD", Vec::new())))
}

fn pair(a: TypeTag, b: TypeTag) -> TypeTag {
    TypeTag::Struct(Box::new(StructTag::new(kinds(), "Pair", vec![a, b])))
}

fn tx(function: &str, type_args: Vec<TypeTag>) -> Transaction {
    Transaction {
        sender: AccountAddress::from_u64(0xA),
        module: kinds(),
        function: function.into(),
        args: Vec::new(),
        gas_limit: 1_000_000,
        type_args,
    }
}

fn call(world: &World, function: &str, type_args: Vec<TypeTag>) -> Result<(Vec<Value>, u64), Status> {
    let outcome = world.call(&tx(function, type_args));
    match outcome.receipt.status {
        Status::Success => Ok((outcome.returns, outcome.receipt.gas_used)),
        status => Err(status),
    }
}

fn bytes(text: &str) -> Value {
    Value::Vector(text.bytes().map(Value::U8).collect())
}

#[test]
fn a_generic_function_names_its_own_instance() {
    let world = world();
    let cases = [
        (TypeTag::U64, "u64"),
        (TypeTag::Vector(Box::new(TypeTag::U8)), "vector<u8>"),
        (usd(), "0x2::kinds::USD"),
        (pair(TypeTag::Address, usd()), "0x2::kinds::Pair<address, 0x2::kinds::USD>"),
    ];
    for (arg, expected) in cases {
        let (returns, _) = call(&world, "direct", vec![arg.clone()]).unwrap();
        assert_eq!(returns, vec![bytes(expected)], "direct<{expected}>");
        // Two calls down, `T` inside `Pair<T, USD>` inside a vector.
        let nested = format!("vector<0x2::kinds::Pair<{expected}, 0x2::kinds::USD>>");
        let (returns, _) = call(&world, "name", vec![arg]).unwrap();
        assert_eq!(returns, vec![bytes(&nested)], "name<{expected}>");
    }
}

#[test]
fn only_struct_types_are_structs() {
    let world = world();
    let cases = [
        (TypeTag::U64, false),
        (TypeTag::Address, false),
        (TypeTag::Vector(Box::new(usd())), false),
        (usd(), true),
        (pair(TypeTag::U8, TypeTag::Bool), true),
    ];
    for (arg, expected) in cases {
        let (returns, _) = call(&world, "is_struct", vec![arg.clone()]).unwrap();
        assert_eq!(returns, vec![Value::Bool(expected)], "is_struct<{arg:?}>");
    }
    let (returns, _) = call(&world, "fixed", Vec::new()).unwrap();
    let expected = [Value::Bool(true), Value::Bool(true), Value::Bool(false), Value::Bool(false), bytes("u256")];
    assert_eq!(returns, expected);
}

#[test]
fn two_type_arguments_compare_by_name() {
    let world = world();
    assert!(call(&world, "differ", vec![usd(), TypeTag::U64]).is_ok());
    assert!(call(&world, "differ", vec![pair(TypeTag::U8, usd()), pair(usd(), TypeTag::U8)]).is_ok());
    match call(&world, "differ", vec![usd(), usd()]) {
        Err(Status::Aborted { code, .. }) => assert_eq!(code, 7),
        other => panic!("differ<USD, USD>: expected abort 7, got {other:?}"),
    }
}

#[test]
fn a_longer_name_costs_more_gas() {
    let world = world();
    let (_, short) = call(&world, "direct", vec![TypeTag::U8]).unwrap();
    let long_arg = pair(pair(usd(), usd()), pair(usd(), usd()));
    let (returns, long) = call(&world, "direct", vec![long_arg]).unwrap();
    let Some(name) = returns[0].bytes() else { panic!("not bytes: {returns:?}") };
    // Charged per byte of the name: the difference is the extra bytes.
    assert_eq!(long - short, (name.len() - "u8".len()) as u64);
}

/// A type argument within the limits can make the named type exceed them
/// (`MAX_TYPE_DEPTH`, 64): the transaction fails with `TypeTooLarge`, as a
/// generic call's instance that deep does, and nothing panics.
#[test]
fn a_name_deeper_than_any_type_may_be_is_a_runtime_error() {
    let world = world();
    let nest = |depth: usize| (0..depth).fold(TypeTag::U8, |t, _| TypeTag::Vector(Box::new(t)));
    // 30 + 33 + 1 levels: within the limit.
    let (returns, _) = call(&world, "deep", vec![nest(33)]).unwrap();
    let Some(name) = returns[0].bytes() else { panic!("not bytes: {returns:?}") };
    assert_eq!(name.len(), "vector<".len() * 63 + "u8".len() + 63);
    // 30 + 40 + 1 levels: over it.
    match call(&world, "deep", vec![nest(40)]) {
        Err(Status::RuntimeError { kind, .. }) => assert_eq!(kind, RuntimeErrorKind::TypeTooLarge),
        other => panic!("expected TypeTooLarge, got {other:?}"),
    }
}
