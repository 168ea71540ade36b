//! Generic code, built in Rust: a generic coin module verifies and infers
//! its access specs with type arguments; coverage compares type arguments.
//! The shared builders of the generic tests are here; the rejections by
//! kind are in `generic_rejections.rs`, the loops and type bombs in
//! `generic_limits.rs`.

use resin_format::file_format::AddressSource::{Param, SignerOf};
use resin_format::file_format::*;
use resin_verifier::{infer_access_spec, VerifyErrorKind};
use Instr::*;

use super::builder::{accepts, r, read, rejects, rm, write, Builder, Fun};

pub(super) const NONE: Abilities = Abilities::EMPTY;
pub(super) const STORE: Abilities = Abilities::STORE;
pub(super) const DROP: Abilities = Abilities::DROP;
pub(super) const COPY_DROP: Abilities = Abilities(Abilities::COPY.0 | Abilities::DROP.0);
pub(super) const PRIMITIVE: Abilities = Abilities::PRIMITIVE;

pub(super) fn t(i: u16) -> Type {
    Type::TypeParam(i)
}

/// `0x1::g` with four structs: `Coin<phantom T0> has store { value: u64 }`
/// (def 0), `Balance<phantom T0> has key { coin: Coin<T0> }` (1),
/// `USD has drop { ok: bool }` (2), `Box<T0> has copy, drop, store { v: T0 }` (3).
pub(super) fn base() -> Builder {
    let mut b = Builder::new(1, "g");
    b.generic_structure("Coin", STORE, vec![(NONE, true)], vec![("value", Type::U64)]);
    let coin = b.inst_ty("Coin", vec![t(0)]);
    b.generic_structure("Balance", Abilities::KEY, vec![(NONE, true)], vec![("coin", coin)]);
    b.structure("USD", DROP, vec![("ok", Type::Bool)]);
    b.generic_structure("Box", PRIMITIVE, vec![(NONE, false)], vec![("v", t(0))]);
    b
}

pub(super) fn next_handle(b: &Builder) -> FunctionHandleIdx {
    FunctionHandleIdx(b.module.function_handles.len() as u16)
}

pub(super) fn access(
    mode: AccessMode,
    resource: StructHandleIdx,
    type_args: Vec<Type>,
    address: AddressSource,
) -> Access {
    Access { mode, resource, type_args, address, index: None }
}

/// The generic coin module: generic functions calling each other, generic
/// storage, and accesses with type arguments (both `Balance<T0>` and, in the
/// non-generic `deposit_usd`, `Balance<USD>`).
pub fn coin_module() -> Module {
    let mut b = base();
    let (coin_def, balance_def) = (StructDefIdx(0), StructDefIdx(1));
    let balance = b.handle("Balance");
    let usd = b.ty("USD");
    let coin_t = b.inst_ty("Coin", vec![t(0)]);
    let box_t = b.inst_ty("Box", vec![t(0)]);
    let coin_i = b.struct_inst(coin_def, vec![t(0)]);
    let balance_i = b.struct_inst(balance_def, vec![t(0)]);
    let balance_usd = b.struct_inst(balance_def, vec![usd.clone()]);
    let value = FieldInstRef { owner: coin_i, field: 0 };
    let coin_field = FieldInstRef { owner: balance_i, field: 0 };
    let generic = vec![NONE];
    let w = |args: Vec<Type>, address| access(AccessMode::Write, balance, args, address);

    let zero = b.function(Fun::new("zero").type_params(generic.clone()).returns(vec![coin_t.clone()]).code(vec![
        LdU64(0),
        PackGeneric(coin_i),
        Ret,
    ]));
    let value_of = b.function(
        Fun::new("value")
            .type_params(generic.clone())
            .params(vec![r(coin_t.clone())])
            .returns(vec![Type::U64])
            .code(vec![MoveLoc(LocalIdx(0)), ImmBorrowFieldGeneric(value), ReadRef, Ret]),
    );
    let merge = b.function(
        Fun::new("merge")
            .type_params(generic.clone())
            .params(vec![rm(coin_t.clone()), coin_t.clone()])
            .locals(vec![Type::U64])
            .code(vec![
                MoveLoc(LocalIdx(1)),
                UnpackGeneric(coin_i),
                StLoc(LocalIdx(2)),
                CopyLoc(LocalIdx(0)),
                ImmBorrowFieldGeneric(value),
                ReadRef,
                MoveLoc(LocalIdx(2)),
                Add,
                MoveLoc(LocalIdx(0)),
                MutBorrowFieldGeneric(value),
                WriteRef,
                Ret,
            ]),
    );
    let zero_t = b.function_inst(zero, vec![t(0)]);
    b.function(
        Fun::new("publish")
            .type_params(generic.clone())
            .params(vec![r(Type::Signer)])
            .access(vec![w(vec![t(0)], SignerOf(0))])
            .code(vec![
                MoveLoc(LocalIdx(0)),
                CallGeneric(zero_t),
                PackGeneric(balance_i),
                MoveToGeneric(balance_i),
                Ret,
            ]),
    );
    let merge_t = b.function_inst(merge, vec![t(0)]);
    let deposit = b.function(
        Fun::new("deposit")
            .type_params(generic.clone())
            .params(vec![Type::Address, coin_t.clone()])
            .access(vec![w(vec![t(0)], Param(0))])
            .code(vec![
                MoveLoc(LocalIdx(0)),
                MutBorrowGlobalGeneric(balance_i),
                MutBorrowFieldGeneric(coin_field),
                MoveLoc(LocalIdx(1)),
                CallGeneric(merge_t),
                Ret,
            ]),
    );
    let value_t = b.function_inst(value_of, vec![t(0)]);
    b.function(
        Fun::new("balance_of")
            .type_params(generic.clone())
            .params(vec![Type::Address])
            .returns(vec![Type::U64])
            .access(vec![access(AccessMode::Read, balance, vec![t(0)], Param(0))])
            .code(vec![
                MoveLoc(LocalIdx(0)),
                ImmBorrowGlobalGeneric(balance_i),
                ImmBorrowFieldGeneric(coin_field),
                CallGeneric(value_t),
                Ret,
            ]),
    );
    b.function(
        Fun::new("take")
            .type_params(generic.clone())
            .params(vec![Type::Address])
            .returns(vec![coin_t])
            .access(vec![w(vec![t(0)], Param(0))])
            .code(vec![MoveLoc(LocalIdx(0)), MoveFromGeneric(balance_i), UnpackGeneric(balance_i), Ret]),
    );
    let zero_usd = b.function_inst(zero, vec![usd.clone()]);
    let deposit_usd = b.function_inst(deposit, vec![usd.clone()]);
    b.function(
        Fun::new("deposit_usd").params(vec![Type::Address]).access(vec![w(vec![usd.clone()], Param(0))]).code(vec![
            MoveLoc(LocalIdx(0)),
            CallGeneric(zero_usd),
            CallGeneric(deposit_usd),
            Ret,
        ]),
    );
    b.function(
        Fun::new("has_usd")
            .params(vec![Type::Address])
            .returns(vec![Type::Bool])
            .access(vec![access(AccessMode::Read, balance, vec![usd], Param(0))])
            .code(vec![MoveLoc(LocalIdx(0)), ExistsGeneric(balance_usd), Ret]),
    );
    b.function(
        Fun::new("dup")
            .type_params(vec![COPY_DROP])
            .params(vec![box_t.clone()])
            .returns(vec![box_t.clone(), box_t])
            .code(vec![CopyLoc(LocalIdx(0)), MoveLoc(LocalIdx(0)), Ret]),
    );
    b.build()
}

#[test]
fn generic_coin_module_verifies_and_infers_specs_with_type_arguments() {
    let module = coin_module();
    accepts(&module);
    for (index, def) in module.functions.iter().enumerate() {
        let mut declared = module.function_handles[def.handle.index()].access.0.clone();
        declared.sort();
        assert_eq!(infer_access_spec(&module, index).unwrap().0, declared, "{:?}", module.function_name(def));
    }
    // The call's type arguments reach the caller's spec: `deposit<USD>` needs `Balance<USD>`.
    let (index, _) = module.find_function("deposit_usd").unwrap();
    let usd = Type::Struct(StructHandleIdx(2));
    let expected = access(AccessMode::Write, StructHandleIdx(1), vec![usd], Param(0));
    assert_eq!(infer_access_spec(&module, index).unwrap().0, vec![expected]);
}

/// The coin module with function `name`'s declared spec replaced.
fn with_spec(name: &str, spec: Vec<Access>) -> Module {
    let mut module = coin_module();
    let (_, def) = module.find_function(name).unwrap();
    let handle = def.handle.index();
    module.function_handles[handle].access = AccessSpec(spec);
    module
}

#[test]
fn coverage_compares_type_arguments() {
    let balance = StructHandleIdx(1);
    // `Balance<u64>` does not cover the `Balance<T0>` that `deposit<T0>` writes.
    let module = with_spec("deposit", vec![access(AccessMode::Write, balance, vec![Type::U64], Param(0))]);
    let kind = VerifyErrorKind::AccessNotCovered { access: "write 0x1::g::Balance<T0> @ param 0".into() };
    rejects(&module, Some("deposit"), Some(1), kind);
    // A caller's spec is checked against the callee's spec instantiated with the call's arguments.
    let boxed = Type::StructInst(StructHandleIdx(3), vec![Type::U64]);
    let module = with_spec("deposit_usd", vec![access(AccessMode::Write, balance, vec![boxed], Param(0))]);
    let kind = VerifyErrorKind::AccessNotCovered {
        access: "write 0x1::g::Balance<USD> @ param 0 (via call to 0x1::g::deposit)".into(),
    };
    rejects(&module, Some("deposit_usd"), Some(2), kind);
    // No declaration covers every instantiation: an access names its type arguments.
    let module = with_spec("deposit", vec![write(balance, Param(0))]);
    let kind = VerifyErrorKind::TypeArgumentCountMismatch { name: "Balance".into(), expected: 1, found: 0 };
    rejects(&module, None, None, kind);
    // Read is covered by a write of the same instantiation, as without generics.
    let module = with_spec("balance_of", vec![access(AccessMode::Write, balance, vec![t(0)], Param(0))]);
    accepts(&module);
    let module = with_spec("balance_of", vec![read(balance, Param(0))]);
    assert!(resin_verifier::verify_module(&module).is_err());
}

/// The base structs and one function.
pub(super) fn one(fun: Fun) -> Module {
    let mut b = base();
    b.function(fun);
    b.build()
}

/// A transaction names an entry function's type arguments; its parameters
/// stay plain data, so a `T0` parameter is refused.
#[test]
fn generic_entry_functions_take_plain_parameters() {
    let entry = |param| one(Fun::new("f").type_params(vec![DROP]).params(vec![param]).entry().code(vec![Ret]));
    accepts(&entry(Type::U64));
    let kind = VerifyErrorKind::InvalidEntryParameter { index: 0, ty: "T0".into() };
    rejects(&entry(t(0)), Some("f"), None, kind);
}

#[test]
fn generic_globals_and_calls_keep_reference_safety() {
    // Two `&mut` into global `Balance<..>` at once, whatever the instantiation.
    let mut b = base();
    let balance = b.handle("Balance");
    let t0 = b.struct_inst(StructDefIdx(1), vec![t(0)]);
    let u64_ = b.struct_inst(StructDefIdx(1), vec![Type::U64]);
    let spec = vec![
        access(AccessMode::Write, balance, vec![t(0)], Param(0)),
        access(AccessMode::Write, balance, vec![Type::U64], Param(0)),
    ];
    let balance_t0 = b.inst_ty("Balance", vec![t(0)]);
    let balance_u64 = b.inst_ty("Balance", vec![Type::U64]);
    b.function(
        Fun::new("f")
            .type_params(vec![NONE])
            .params(vec![Type::Address])
            .locals(vec![rm(balance_t0), rm(balance_u64)])
            .access(spec)
            .code(vec![
                CopyLoc(LocalIdx(0)),
                MutBorrowGlobalGeneric(t0),
                StLoc(LocalIdx(1)),
                MoveLoc(LocalIdx(0)),
                MutBorrowGlobalGeneric(u64_),
                StLoc(LocalIdx(2)),
                Ret,
            ]),
    );
    let module = b.build();
    let err = resin_verifier::verify_module(&module).unwrap_err();
    assert!(matches!(err.kind, VerifyErrorKind::MutBorrowGlobalWhileBorrowed { .. }), "{err}");
    assert_eq!(err.offset, Some(4));
}
