//! Generic code, built in Rust: a generic coin module verifies and infers
//! its access specs with type arguments, and each generic rule rejects by
//! its own error kind.

use resin_format::file_format::AddressSource::{Param, SignerOf};
use resin_format::file_format::*;
use resin_verifier::{infer_access_spec, VerifyErrorKind};
use Instr::*;

use super::builder::{accepts, r, read, rejects, rm, vector, write, Builder, Fun};

const NONE: Abilities = Abilities::EMPTY;
const STORE: Abilities = Abilities::STORE;
const DROP: Abilities = Abilities::DROP;
const COPY_DROP: Abilities = Abilities(Abilities::COPY.0 | Abilities::DROP.0);
const PRIMITIVE: Abilities = Abilities::PRIMITIVE;

fn t(i: u16) -> Type {
    Type::TypeParam(i)
}

/// `0x1::g` with four structs: `Coin<phantom T0> has store { value: u64 }`
/// (def 0), `Balance<phantom T0> has key { coin: Coin<T0> }` (1),
/// `USD has drop { ok: bool }` (2), `Box<T0> has copy, drop, store { v: T0 }` (3).
fn base() -> Builder {
    let mut b = Builder::new(1, "g");
    b.generic_structure("Coin", STORE, vec![(NONE, true)], vec![("value", Type::U64)]);
    let coin = b.inst_ty("Coin", vec![t(0)]);
    b.generic_structure("Balance", Abilities::KEY, vec![(NONE, true)], vec![("coin", coin)]);
    b.structure("USD", DROP, vec![("ok", Type::Bool)]);
    b.generic_structure("Box", PRIMITIVE, vec![(NONE, false)], vec![("v", t(0))]);
    b
}

fn next_handle(b: &Builder) -> FunctionHandleIdx {
    FunctionHandleIdx(b.module.function_handles.len() as u16)
}

fn access(mode: AccessMode, resource: StructHandleIdx, type_args: Vec<Type>, address: AddressSource) -> Access {
    Access { mode, resource, type_args, address }
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
fn one(fun: Fun) -> Module {
    let mut b = base();
    b.function(fun);
    b.build()
}

#[test]
fn type_parameters_must_be_in_scope() {
    let kind = || VerifyErrorKind::TypeParamOutOfRange { index: 1, count: 1 };
    // In a function's signature (its handle, a module table).
    rejects(&one(Fun::new("f").type_params(vec![NONE]).params(vec![t(1)]).code(vec![Ret])), None, None, kind());
    // In a local.
    let module = one(Fun::new("f").type_params(vec![NONE]).locals(vec![t(1)]).code(vec![Ret]));
    rejects(&module, Some("f"), None, kind());
    // In an instantiation the code uses: the table is shared, the scope is the user's.
    let mut b = base();
    let zero = b.function(Fun::new("zero").type_params(vec![NONE]).code(vec![Ret]));
    let zero_t1 = b.function_inst(zero, vec![t(1)]);
    b.function(Fun::new("f").type_params(vec![NONE]).code(vec![CallGeneric(zero_t1), Ret]));
    rejects(&b.build(), Some("f"), Some(0), kind());
    // In a struct's field: the struct's own parameters.
    let mut b = base();
    b.generic_structure("S", NONE, vec![(NONE, false)], vec![("v", t(1))]);
    rejects(&b.build(), None, None, kind());
    // A non-generic function has none.
    let module = one(Fun::new("f").params(vec![t(0)]).code(vec![Ret]));
    rejects(&module, None, None, VerifyErrorKind::TypeParamOutOfRange { index: 0, count: 0 });
}

#[test]
fn type_argument_counts_must_match() {
    let mismatch =
        |name: &str, expected, found| VerifyErrorKind::TypeArgumentCountMismatch { name: name.into(), expected, found };
    let b = base();
    let two = b.inst_ty("Coin", vec![Type::U64, Type::U64]);
    rejects(&one(Fun::new("f").params(vec![two]).code(vec![Ret])), None, None, mismatch("Coin", 1, 2));
    // A generic struct is never named without arguments, a plain one never with.
    let bare = b.ty("Coin");
    rejects(&one(Fun::new("f").params(vec![bare]).code(vec![Ret])), None, None, mismatch("Coin", 1, 0));
    let on_plain = || VerifyErrorKind::TypeArgumentsOnNonGeneric { name: "USD".into() };
    let usd_u64 = b.inst_ty("USD", vec![Type::U64]);
    rejects(&one(Fun::new("f").params(vec![usd_u64]).code(vec![Ret])), None, None, on_plain());
    // `USD<>` would be a second type for `USD`.
    let usd_empty = b.inst_ty("USD", vec![]);
    rejects(&one(Fun::new("f").params(vec![usd_empty]).code(vec![Ret])), None, None, on_plain());
    // The instantiation tables.
    let mut b = base();
    b.struct_inst(StructDefIdx(3), vec![]);
    rejects(&b.build(), None, None, mismatch("Box", 1, 0));
    let mut b = base();
    let zero = b.function(Fun::new("zero").type_params(vec![NONE, NONE]).code(vec![Ret]));
    b.function_inst(zero, vec![Type::U64]);
    rejects(&b.build(), None, None, mismatch("zero", 2, 1));
}

#[test]
fn generic_instructions_only_on_generic_structs_and_functions() {
    // `pack` of a generic struct.
    let module = one(Fun::new("f").code(vec![LdU64(1), Pack(StructDefIdx(0)), Pop, Ret]));
    let kind = VerifyErrorKind::PlainInstructionOnGeneric { instruction: "pack", name: "Coin".into() };
    rejects(&module, Some("f"), Some(1), kind);
    // `pack_generic` of a plain one (an instantiation with no arguments).
    let mut b = base();
    let usd = b.struct_inst(StructDefIdx(2), vec![]);
    b.function(Fun::new("f").code(vec![LdTrue, PackGeneric(usd), Pop, Ret]));
    let kind = VerifyErrorKind::GenericInstructionOnNonGeneric { instruction: "pack_generic", name: "USD".into() };
    rejects(&b.build(), Some("f"), Some(1), kind);
    // `call` of a generic function, and `call_generic` of a plain one.
    let mut b = base();
    let zero = b.function(Fun::new("zero").type_params(vec![NONE]).code(vec![Ret]));
    b.function(Fun::new("f").code(vec![Call(zero), Ret]));
    let kind = VerifyErrorKind::PlainInstructionOnGeneric { instruction: "call", name: "zero".into() };
    rejects(&b.build(), Some("f"), Some(0), kind);
    let mut b = base();
    let plain = b.function(Fun::new("plain").code(vec![Ret]));
    let inst = b.function_inst(plain, vec![]);
    b.function(Fun::new("f").code(vec![CallGeneric(inst), Ret]));
    let kind = VerifyErrorKind::GenericInstructionOnNonGeneric { instruction: "call_generic", name: "plain".into() };
    rejects(&b.build(), Some("f"), Some(0), kind);
}

#[test]
fn instantiations_must_satisfy_constraints() {
    let missing = |of: &str, ty: &str, missing| VerifyErrorKind::ConstraintNotSatisfied {
        of: of.into(),
        param: 0,
        ty: ty.into(),
        missing,
    };
    // In a type: `Vault<T0: store>` applied to `USD`, which has only `drop`.
    let mut b = base();
    b.generic_structure("Vault", STORE, vec![(STORE, false)], vec![("v", t(0))]);
    let vault_usd = b.inst_ty("Vault", vec![b.ty("USD")]);
    b.function(Fun::new("f").params(vec![vault_usd]).code(vec![Ret]));
    rejects(&b.build(), Some("f"), None, missing("Vault", "USD", STORE));
    // In a call: `dup<T0: copy + drop>` applied to `Coin<u64>`.
    let mut module = coin_module();
    let coin_u64 = Type::StructInst(StructHandleIdx(0), vec![Type::U64]);
    let (dup, _) = module.find_function("dup").unwrap();
    let dup = module.functions[dup].handle;
    module.function_instantiations.push(FunctionInstantiation { handle: dup, type_args: vec![coin_u64.clone()] });
    let inst = FunctionInstIdx(module.function_instantiations.len() as u16 - 1);
    let mut b = Builder { module };
    let box_coin = b.inst_ty("Box", vec![coin_u64.clone()]);
    b.function(Fun::new("f").params(vec![box_coin]).code(vec![MoveLoc(LocalIdx(0)), CallGeneric(inst), Abort]));
    rejects(&b.build(), Some("f"), Some(1), missing("dup", "Coin<u64>", COPY_DROP));
    // A type parameter satisfies a constraint when its own constraints include it.
    let caller = |constraints| {
        let mut b = base();
        let box_t = b.inst_ty("Box", vec![t(0)]);
        let dup = b.function(Fun::new("dup").type_params(vec![COPY_DROP]).params(vec![box_t.clone()]).code(vec![
            MoveLoc(LocalIdx(0)),
            Pop,
            Ret,
        ]));
        let dup_t = b.function_inst(dup, vec![t(0)]);
        b.function(Fun::new("g").type_params(vec![constraints]).params(vec![box_t]).code(vec![
            MoveLoc(LocalIdx(0)),
            CallGeneric(dup_t),
            Ret,
        ]));
        b.build()
    };
    rejects(&caller(DROP), Some("g"), Some(1), missing("dup", "T0", Abilities::COPY));
    accepts(&caller(COPY_DROP));
}

#[test]
fn references_and_signers_are_not_type_arguments() {
    let mut b = base();
    let zero = b.function(Fun::new("zero").type_params(vec![NONE]).code(vec![Ret]));
    b.function_inst(zero, vec![r(Type::U64)]);
    rejects(&b.build(), None, None, VerifyErrorKind::ReferenceAsTypeArgument { ty: "&u64".into() });
    let b = base();
    let box_signer = b.inst_ty("Box", vec![Type::Signer]);
    let module = one(Fun::new("f").params(vec![box_signer]).code(vec![Ret]));
    rejects(&module, Some("f"), None, VerifyErrorKind::SignerAsTypeArgument { ty: "signer".into() });
}

#[test]
fn phantom_parameters_only_in_phantom_positions() {
    let field_ty = |b: &Builder, which: usize| match which {
        0 => t(0),
        1 => vector(t(0)),
        2 => b.inst_ty("Box", vec![t(0)]),
        _ => b.inst_ty("Coin", vec![t(0)]),
    };
    for which in 0..4 {
        let mut b = base();
        let ty = field_ty(&b, which);
        b.generic_structure("P", STORE, vec![(NONE, true)], vec![("v", ty)]);
        let module = b.build();
        if which == 3 {
            accepts(&module);
        } else {
            let kind =
                VerifyErrorKind::PhantomParameterInField { struct_name: "P".into(), field: "v".into(), param: 0 };
            rejects(&module, None, None, kind);
        }
    }
}

#[test]
fn field_abilities_assume_non_phantom_parameters_have_them() {
    // A `T0` field is fine for `copy`: the instantiation keeps `copy` only when `T0` has it.
    let mut b = base();
    b.generic_structure("Holder", COPY_DROP, vec![(NONE, false)], vec![("v", t(0))]);
    accepts(&b.build());
    // `Coin<T0>` never has `copy`.
    let mut b = base();
    let coin = b.inst_ty("Coin", vec![t(0)]);
    b.generic_structure("Pair", Abilities::COPY, vec![(NONE, false)], vec![("c", coin)]);
    let kind = VerifyErrorKind::FieldMissingAbility {
        struct_name: "Pair".into(),
        field: "c".into(),
        ability: "copy",
        required_by_key: false,
    };
    rejects(&b.build(), None, None, kind);
    // A struct containing itself through a type argument is recursive.
    let mut b = base();
    b.structure("R", STORE, vec![]);
    let boxed = vector(b.inst_ty("Box", vec![b.ty("R")]));
    b.module.structs[4].fields.push(FieldDef { name: "v".into(), ty: boxed });
    rejects(&b.build(), None, None, VerifyErrorKind::RecursiveStruct { name: "R".into() });
}

#[test]
fn instantiated_abilities_follow_the_arguments() {
    let b = base();
    let box_of = |arg| b.inst_ty("Box", vec![arg]);
    let pop = |ty| one(Fun::new("f").params(vec![ty]).code(vec![MoveLoc(LocalIdx(0)), Pop, Ret]));
    accepts(&pop(box_of(Type::U64)));
    let box_coin = box_of(b.inst_ty("Coin", vec![Type::U64]));
    let kind = VerifyErrorKind::DropWithoutAbility { instruction: "pop", ty: "Box<Coin<u64>>".into() };
    rejects(&pop(box_coin), Some("f"), Some(1), kind);
}

#[test]
fn type_parameters_have_the_abilities_of_their_constraints() {
    let pop = |constraints| {
        one(Fun::new("f").type_params(vec![constraints]).params(vec![t(0)]).code(vec![MoveLoc(LocalIdx(0)), Pop, Ret]))
    };
    accepts(&pop(DROP));
    let kind = VerifyErrorKind::DropWithoutAbility { instruction: "pop", ty: "T0".into() };
    rejects(&pop(NONE), Some("f"), Some(1), kind);
    let module = one(Fun::new("f").type_params(vec![NONE]).params(vec![t(0)]).code(vec![Ret]));
    rejects(&module, Some("f"), Some(0), VerifyErrorKind::UnusedResourceAtReturn { local: 0, ty: "T0".into() });
    let module = one(Fun::new("f").type_params(vec![DROP]).params(vec![t(0)]).returns(vec![t(0), t(0)]).code(vec![
        CopyLoc(LocalIdx(0)),
        MoveLoc(LocalIdx(0)),
        Ret,
    ]));
    rejects(&module, Some("f"), Some(0), VerifyErrorKind::CopyWithoutAbility { ty: "T0".into() });
    // `T0` is only `T0`.
    let module = one(Fun::new("f")
        .type_params(vec![NONE, NONE])
        .params(vec![t(0)])
        .returns(vec![t(1)])
        .code(vec![MoveLoc(LocalIdx(0)), Ret]));
    let kind = VerifyErrorKind::TypeMismatch { instruction: "ret", expected: "`T1`".into(), found: "T0".into() };
    rejects(&module, Some("f"), Some(1), kind);
}

#[test]
fn generic_storage_needs_key_on_the_instantiation() {
    let module = |constraints| {
        let mut b = base();
        let store_def = b.generic_structure("Store", Abilities::KEY, vec![(NONE, false)], vec![("v", t(0))]);
        let store = b.handle("Store");
        let inst = b.struct_inst(store_def, vec![t(0)]);
        b.function(
            Fun::new("f")
                .type_params(vec![constraints])
                .params(vec![r(Type::Signer), t(0)])
                .access(vec![access(AccessMode::Write, store, vec![t(0)], SignerOf(0))])
                .code(vec![MoveLoc(LocalIdx(0)), MoveLoc(LocalIdx(1)), PackGeneric(inst), MoveToGeneric(inst), Ret]),
        );
        b.build()
    };
    accepts(&module(STORE));
    let kind = VerifyErrorKind::GlobalOnNonKeyType { instruction: "move_to_generic", name: "Store<T0>".into() };
    rejects(&module(NONE), Some("f"), Some(3), kind);
}

#[test]
fn instantiation_loops_are_rejected() {
    // `f<T0>` calls `f<vector<T0>>`: infinitely many instantiations.
    let mut b = base();
    let f = next_handle(&b);
    let f_vec = b.function_inst(f, vec![vector(t(0))]);
    b.function(Fun::new("f").type_params(vec![NONE]).code(vec![CallGeneric(f_vec), Ret]));
    rejects(&b.build(), Some("f"), Some(0), VerifyErrorKind::InstantiationLoop { function: "f".into() });
    // Through a cycle: `f<T0>` calls `g<T0>`, which calls `f<Box<T0>>`.
    let mut b = base();
    let (f, g) = (next_handle(&b), FunctionHandleIdx(next_handle(&b).0 + 1));
    let g_t = b.function_inst(g, vec![t(0)]);
    let f_box = b.function_inst(f, vec![b.inst_ty("Box", vec![t(0)])]);
    b.function(Fun::new("f").type_params(vec![NONE]).code(vec![CallGeneric(g_t), Ret]));
    b.function(Fun::new("g").type_params(vec![NONE]).code(vec![CallGeneric(f_box), Ret]));
    rejects(&b.build(), Some("g"), Some(0), VerifyErrorKind::InstantiationLoop { function: "g".into() });
    // Recursion with the same arguments, and growth without a cycle, are fine.
    let mut b = base();
    let (f, g) = (next_handle(&b), FunctionHandleIdx(next_handle(&b).0 + 1));
    let f_t = b.function_inst(f, vec![t(0)]);
    let g_vec = b.function_inst(g, vec![vector(t(0))]);
    b.function(Fun::new("f").type_params(vec![NONE]).code(vec![CallGeneric(f_t), CallGeneric(g_vec), Ret]));
    b.function(Fun::new("g").type_params(vec![NONE]).code(vec![Ret]));
    accepts(&b.build());
}

#[test]
fn substitution_is_held_to_the_type_depth_limit() {
    let deep = |mut ty: Type, levels: usize| {
        for _ in 0..levels {
            ty = vector(ty);
        }
        ty
    };
    let mut b = base();
    let make =
        b.function(Fun::new("make").type_params(vec![DROP]).returns(vec![deep(t(0), 20)]).code(vec![LdU64(0), Abort]));
    let inst = b.function_inst(make, vec![deep(Type::U64, 20)]);
    b.function(Fun::new("f").code(vec![CallGeneric(inst), Pop, Ret]));
    rejects(&b.build(), Some("f"), Some(0), VerifyErrorKind::TypeTooDeep { depth: 41, max: 32 });
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

/// Without a loop, a chain of calls can still double a type per call: the
/// module's own calls are held to the type limits all along the chain.
#[test]
fn chains_of_growing_calls_are_held_to_the_type_limits() {
    let chain = |levels: u16, arg: &dyn Fn(&Builder) -> Type| {
        let mut b = base();
        b.generic_structure("P", DROP, vec![(NONE, false), (NONE, false)], vec![("a", t(0)), ("b", t(1))]);
        let first = next_handle(&b).0;
        for level in 0..levels {
            let next = b.function_inst(FunctionHandleIdx(first + level + 1), vec![arg(&b)]);
            let name: &'static str = Box::leak(format!("f{level}").into_boxed_str());
            b.function(Fun::new(name).type_params(vec![NONE]).code(vec![CallGeneric(next), Ret]));
        }
        let last: &'static str = Box::leak(format!("f{levels}").into_boxed_str());
        b.function(Fun::new(last).type_params(vec![NONE]).code(vec![Ret]));
        b.build()
    };
    let pair = |b: &Builder| b.inst_ty("P", vec![t(0), t(0)]);
    // 3, 7, 15, ..., 255 nodes fit; the eighth call would make 511.
    accepts(&chain(7, &pair));
    rejects(&chain(8, &pair), Some("f7"), Some(0), VerifyErrorKind::TypeTooLarge { nodes: 511, max: 256 });
    let deep = |_: &Builder| (0..16).fold(t(0), |ty, _| vector(ty));
    accepts(&chain(1, &deep));
    rejects(&chain(2, &deep), Some("f1"), Some(0), VerifyErrorKind::TypeTooDeep { depth: 33, max: 32 });
}

#[test]
fn constraints_hold_in_fields_and_accesses_too() {
    // A field's type in the struct's scope: `T0` of `Wrapper` has no `store`.
    let mut b = base();
    b.generic_structure("Vault", STORE, vec![(STORE, false)], vec![("v", t(0))]);
    let vault_t = b.inst_ty("Vault", vec![t(0)]);
    b.generic_structure("Wrapper", NONE, vec![(NONE, false)], vec![("v", vault_t)]);
    let kind =
        VerifyErrorKind::ConstraintNotSatisfied { of: "Vault".into(), param: 0, ty: "T0".into(), missing: STORE };
    rejects(&b.build(), None, None, kind);
    // An access's type arguments, in the function's scope.
    let mut b = base();
    b.generic_structure("Keyed", Abilities::KEY, vec![(Abilities::COPY, false)], vec![("v", t(0))]);
    let keyed = b.handle("Keyed");
    let coin = b.inst_ty("Coin", vec![Type::U64]);
    let spec = vec![access(AccessMode::Read, keyed, vec![coin], Param(0))];
    b.function(Fun::new("f").params(vec![Type::Address]).access(spec).code(vec![Ret]));
    let kind = VerifyErrorKind::ConstraintNotSatisfied {
        of: "Keyed".into(),
        param: 0,
        ty: "Coin<u64>".into(),
        missing: Abilities::COPY,
    };
    rejects(&b.build(), Some("f"), None, kind);
}

#[test]
fn generic_events_need_drop_and_store_on_the_instantiation() {
    let module = |constraints| {
        let mut b = base();
        let def = b.generic_structure("Event", PRIMITIVE, vec![(NONE, false)], vec![("v", t(0))]);
        let inst = b.struct_inst(def, vec![t(0)]);
        b.function(Fun::new("f").type_params(vec![constraints]).params(vec![t(0)]).code(vec![
            MoveLoc(LocalIdx(0)),
            PackGeneric(inst),
            EmitGeneric(inst),
            Ret,
        ]));
        b.build()
    };
    accepts(&module(Abilities(DROP.0 | STORE.0)));
    rejects(&module(DROP), Some("f"), Some(2), VerifyErrorKind::EventMissingAbilities { name: "Event<T0>".into() });
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

#[test]
fn type_parameter_counts_are_limited() {
    let module = one(Fun::new("f").type_params(vec![NONE; 33]).code(vec![Ret]));
    rejects(&module, None, None, VerifyErrorKind::TooManyTypeParameters { count: 33, max: 32 });
}
