//! The verifier never panics, whatever it is given, and what it accepts agrees
//! with what `infer_access_spec` infers.

use proptest::prelude::*;
use resin_format::file_format::*;
use resin_verifier::{infer_access_spec, verify_module};
use Instr::*;

use super::coin::coin_module;
use super::generics::coin_module as generic_coin_module;

/// An instruction of opcode `op` with small operands: many land in range, some don't.
fn instr(op: usize, a: u16, n: u64) -> Instr {
    let samples = Instr::samples();
    let sd = StructDefIdx(a % 5);
    let sig = SignatureIdx(a % 3);
    let si = StructInstIdx(a % 5);
    match samples[op % samples.len()] {
        BrTrue(_) => BrTrue(CodeOffset(a)),
        BrFalse(_) => BrFalse(CodeOffset(a)),
        Branch(_) => Branch(CodeOffset(a)),
        LdU8(_) => LdU8(a as u8),
        LdU64(_) => LdU64(n),
        LdU128(_) => LdU128(u128::from(n)),
        LdConst(_) => LdConst(ConstIdx(a % 3)),
        CopyLoc(_) => CopyLoc(LocalIdx(a as u8 % 6)),
        MoveLoc(_) => MoveLoc(LocalIdx(a as u8 % 6)),
        StLoc(_) => StLoc(LocalIdx(a as u8 % 6)),
        ImmBorrowLoc(_) => ImmBorrowLoc(LocalIdx(a as u8 % 6)),
        MutBorrowLoc(_) => MutBorrowLoc(LocalIdx(a as u8 % 6)),
        ImmBorrowField(_) => ImmBorrowField(FieldRef { owner: sd, field: (n % 2) as u16 }),
        MutBorrowField(_) => MutBorrowField(FieldRef { owner: sd, field: (n % 2) as u16 }),
        Call(_) => Call(FunctionHandleIdx(a % 9)),
        Pack(_) => Pack(sd),
        Unpack(_) => Unpack(sd),
        Exists(_) => Exists(sd),
        ImmBorrowGlobal(_) => ImmBorrowGlobal(sd),
        MutBorrowGlobal(_) => MutBorrowGlobal(sd),
        MoveFrom(_) => MoveFrom(sd),
        MoveTo(_) => MoveTo(sd),
        Emit(_) => Emit(sd),
        VecPack(_, _) => VecPack(sig, n % 4),
        VecUnpack(_, _) => VecUnpack(sig, if n > 6 { n << 40 } else { n % 4 }),
        VecLen(_) => VecLen(sig),
        VecImmBorrow(_) => VecImmBorrow(sig),
        VecMutBorrow(_) => VecMutBorrow(sig),
        VecPushBack(_) => VecPushBack(sig),
        VecPopBack(_) => VecPopBack(sig),
        VecSwap(_) => VecSwap(sig),
        CallGeneric(_) => CallGeneric(FunctionInstIdx(a % 9)),
        PackGeneric(_) => PackGeneric(si),
        UnpackGeneric(_) => UnpackGeneric(si),
        ImmBorrowFieldGeneric(_) => ImmBorrowFieldGeneric(FieldInstRef { owner: si, field: (n % 2) as u16 }),
        MutBorrowFieldGeneric(_) => MutBorrowFieldGeneric(FieldInstRef { owner: si, field: (n % 2) as u16 }),
        ExistsGeneric(_) => ExistsGeneric(si),
        ImmBorrowGlobalGeneric(_) => ImmBorrowGlobalGeneric(si),
        MutBorrowGlobalGeneric(_) => MutBorrowGlobalGeneric(si),
        MoveFromGeneric(_) => MoveFromGeneric(si),
        MoveToGeneric(_) => MoveToGeneric(si),
        EmitGeneric(_) => EmitGeneric(si),
        ExistsKeyed(_) => ExistsKeyed(sd),
        ImmBorrowGlobalKeyed(_) => ImmBorrowGlobalKeyed(sd),
        MutBorrowGlobalKeyed(_) => MutBorrowGlobalKeyed(sd),
        MoveFromKeyed(_) => MoveFromKeyed(sd),
        MoveToKeyed(_) => MoveToKeyed(sd),
        ExistsKeyedGeneric(_) => ExistsKeyedGeneric(si),
        ImmBorrowGlobalKeyedGeneric(_) => ImmBorrowGlobalKeyedGeneric(si),
        MutBorrowGlobalKeyedGeneric(_) => MutBorrowGlobalKeyedGeneric(si),
        MoveFromKeyedGeneric(_) => MoveFromKeyedGeneric(si),
        MoveToKeyedGeneric(_) => MoveToKeyedGeneric(si),
        CounterAdd(_) => CounterAdd(sd),
        CounterAddGeneric(_) => CounterAddGeneric(si),
        CounterAddKeyed(_) => CounterAddKeyed(sd),
        CounterAddKeyedGeneric(_) => CounterAddKeyedGeneric(si),
        VecDestroyEmpty(_) => VecDestroyEmpty(sig),
        VecRemove(_) => VecRemove(sig),
        VecInsert(_) => VecInsert(sig),
        VecReverse(_) => VecReverse(sig),
        VecAppend(_) => VecAppend(sig),
        VecContains(_) => VecContains(sig),
        VecIndexOf(_) => VecIndexOf(sig),
        TypeName(_) => TypeName(sig),
        TypeIsStruct(_) => TypeIsStruct(sig),
        other => other,
    }
}

fn arb_instr() -> impl Strategy<Value = Instr> {
    (any::<usize>(), 0u16..24, 0u64..10).prop_map(|(op, a, n)| instr(op, a, n))
}

fn arb_type() -> impl Strategy<Value = Type> {
    let leaf = prop_oneof![
        Just(Type::Bool),
        Just(Type::U64),
        Just(Type::Address),
        Just(Type::Signer),
        (0u16..4).prop_map(|h| Type::Struct(StructHandleIdx(h))),
        (0u16..3).prop_map(Type::TypeParam),
    ];
    leaf.prop_recursive(3, 6, 2, |inner| {
        prop_oneof![
            (0u16..5, prop::collection::vec(inner.clone(), 0..3))
                .prop_map(|(h, args)| Type::StructInst(StructHandleIdx(h), args)),
            inner.clone().prop_map(|t| Type::Vector(Box::new(t))),
            inner.clone().prop_map(|t| Type::Ref(Box::new(t))),
            inner.prop_map(|t| Type::MutRef(Box::new(t))),
        ]
    })
}

/// Every access the verifier-accepted code infers is covered by what its function declares.
fn inferred_is_declared(module: &Module) {
    for (index, def) in module.functions.iter().enumerate() {
        let declared = &module.function_handles[def.handle.index()].access.0;
        let inferred = infer_access_spec(module, index).expect("a verified module infers");
        for need in inferred.0 {
            let covered = declared.iter().any(|d| {
                d.resource == need.resource
                    && d.type_args == need.type_args
                    && need.mode.covered_by(d.mode)
                    && (d.address == AddressSource::Any || d.address == need.address)
                    && match (&d.index, &need.index) {
                        (None, None) => true,
                        (Some(IndexSource::Any), Some(_)) => true,
                        (Some(declared), Some(needed)) => declared == needed,
                        _ => false,
                    }
            });
            assert!(covered, "{need:?} inferred but not declared in {:?}", module.function_name(def));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bodies_never_panic(
        code in prop::collection::vec(arb_instr(), 0..40),
        locals in prop::collection::vec(arb_type(), 0..3),
        victim in 0usize..7,
    ) {
        let mut module = coin_module();
        module.signatures = vec![Type::U64, Type::Struct(StructHandleIdx(0))];
        let def = &mut module.functions[victim];
        def.code = code;
        def.locals = locals;
        if verify_module(&module).is_ok() {
            inferred_is_declared(&module);
        }
        let _ = infer_access_spec(&module, victim);
    }

    #[test]
    fn single_mutations_of_the_coin_module_never_panic(
        function in 0usize..7,
        at in any::<prop::sample::Index>(),
        replacement in arb_instr(),
    ) {
        let mut module = coin_module();
        let code = &mut module.functions[function].code;
        let offset = at.index(code.len());
        code[offset] = replacement;
        if verify_module(&module).is_ok() {
            inferred_is_declared(&module);
        }
    }

    #[test]
    fn random_signatures_never_panic(
        params in prop::collection::vec(arb_type(), 0..4),
        returns in prop::collection::vec(arb_type(), 0..2),
        field in arb_type(),
        constant in arb_type(),
    ) {
        let mut module = coin_module();
        module.function_handles[5].params = params;
        module.function_handles[5].returns = returns;
        module.structs[2].fields[0].ty = field;
        module.constants[0].ty = constant;
        let _ = verify_module(&module);
        let _ = infer_access_spec(&module, 5);
    }

    #[test]
    fn random_bodies_in_a_generic_module_never_panic(
        code in prop::collection::vec(arb_instr(), 0..40),
        locals in prop::collection::vec(arb_type(), 0..3),
        victim in 0usize..10,
    ) {
        let mut module = generic_coin_module();
        module.signatures = vec![Type::TypeParam(0), Type::StructInst(StructHandleIdx(0), vec![Type::TypeParam(0)])];
        let def = &mut module.functions[victim];
        def.code = code;
        def.locals = locals;
        if verify_module(&module).is_ok() {
            inferred_is_declared(&module);
        }
        let _ = infer_access_spec(&module, victim);
    }

    #[test]
    fn single_mutations_of_the_generic_module_never_panic(
        function in 0usize..10,
        at in any::<prop::sample::Index>(),
        replacement in arb_instr(),
    ) {
        let mut module = generic_coin_module();
        let code = &mut module.functions[function].code;
        let offset = at.index(code.len());
        code[offset] = replacement;
        if verify_module(&module).is_ok() {
            inferred_is_declared(&module);
        }
    }

    #[test]
    fn random_generic_signatures_and_tables_never_panic(
        params in prop::collection::vec(arb_type(), 0..4),
        field in arb_type(),
        struct_args in prop::collection::vec(arb_type(), 0..3),
        function_args in prop::collection::vec(arb_type(), 0..3),
        access_args in prop::collection::vec(arb_type(), 0..2),
        type_params in prop::collection::vec(any::<u8>(), 0..3),
        victim in 0usize..10,
    ) {
        let mut module = generic_coin_module();
        let handle = module.functions[victim].handle.index();
        module.function_handles[handle].params = params;
        module.function_handles[handle].type_params = type_params.into_iter().map(|b| Abilities(b & 15)).collect();
        if let Some(access) = module.function_handles[handle].access.0.first_mut() {
            access.type_args = access_args;
        }
        module.structs[3].fields[0].ty = field;
        module.struct_instantiations[victim % 3].type_args = struct_args;
        module.function_instantiations[victim % 4].type_args = function_args;
        let _ = verify_module(&module);
        let _ = infer_access_spec(&module, victim);
    }
}
