//! Each generic rule of the bounds, signatures, types, resources and globals
//! passes, rejected by its own error kind (built in Rust).

use resin_format::file_format::AddressSource::{Param, SignerOf};
use resin_format::file_format::*;
use resin_verifier::VerifyErrorKind;
use Instr::*;

use super::builder::{accepts, r, rejects, vector, Builder, Fun};
use super::generics::{access, base, coin_module, one, t, COPY_DROP, DROP, NONE, PRIMITIVE, STORE};

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
