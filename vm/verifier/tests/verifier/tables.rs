//! Rejections found in a module's tables: bounds, limits, signatures.

use resin_format::file_format::*;
use resin_verifier::{VerifyErrorKind as K, MAX_LOCALS, MAX_TYPE_DEPTH, MAX_VECTOR_COUNT};
use Instr::*;

use super::builder::*;

fn coin() -> Type {
    Type::Struct(StructHandleIdx(0))
}

fn out_of_bounds(table: &'static str, index: usize, len: usize) -> K {
    K::IndexOutOfBounds { table, index, len }
}

// ---- bounds ----

#[test]
fn module_without_a_self_handle() {
    let mut m = one(Fun::new("f").code(vec![Ret]));
    m.module_handles.clear();
    let err = resin_verifier::verify_module(&m).unwrap_err();
    assert_eq!(err.kind, K::MissingSelfModuleHandle);
    assert_eq!(err.module, "<unknown>");
}

#[test]
fn instruction_operands_out_of_range() {
    let cases: Vec<(Instr, K)> = vec![
        (LdConst(ConstIdx(5)), out_of_bounds("constant", 5, 0)),
        (CopyLoc(LocalIdx(9)), out_of_bounds("local", 9, 1)),
        (Call(FunctionHandleIdx(7)), out_of_bounds("function handle", 7, 1)),
        (Pack(StructDefIdx(9)), out_of_bounds("struct definition", 9, 3)),
        (Exists(StructDefIdx(3)), out_of_bounds("struct definition", 3, 3)),
        (VecLen(SignatureIdx(3)), out_of_bounds("signature", 3, 0)),
        (ImmBorrowField(field(0, 4)), out_of_bounds("field", 4, 1)),
        (MutBorrowField(field(8, 0)), out_of_bounds("struct definition", 8, 3)),
        (Branch(CodeOffset(9)), K::BranchTargetOutOfRange { target: 9, code_len: 3 }),
    ];
    for (instr, kind) in cases {
        let m = one(Fun::new("f").params(vec![Type::U64]).code(vec![Nop, instr, Ret]));
        rejects(&m, Some("f"), Some(1), kind);
    }
}

#[test]
fn table_entries_out_of_range() {
    // A parameter naming a struct handle that does not exist.
    let m = one(Fun::new("f").params(vec![vector(Type::Struct(StructHandleIdx(40)))]).code(vec![Ret]));
    rejects(&m, None, None, out_of_bounds("struct handle", 40, 3));
    // A struct handle in a module that is not declared.
    let mut b = Builder::base();
    b.struct_handle(ModuleHandleIdx(3), "Far", Abilities::EMPTY);
    rejects(&b.module, None, None, out_of_bounds("module handle", 3, 1));
    // A function definition on a handle that does not exist.
    let mut m = one(Fun::new("f").code(vec![Ret]));
    m.functions[0].handle = FunctionHandleIdx(4);
    rejects(&m, Some("<function #0>"), None, out_of_bounds("function handle", 4, 1));
    // An access spec naming a struct handle that does not exist.
    let m = one(Fun::new("f").access(vec![read(StructHandleIdx(12), AddressSource::Any)]).code(vec![Ret]));
    rejects(&m, None, None, out_of_bounds("struct handle", 12, 3));
}

#[test]
fn empty_body_and_missing_terminator() {
    rejects(&one(Fun::new("f")), Some("f"), None, K::EmptyFunctionBody);
    let m = one(Fun::new("f").code(vec![LdU64(1), Pop]));
    rejects(&m, Some("f"), Some(1), K::MissingTerminator { last: "pop" });
    let m = one(Fun::new("f").code(vec![LdTrue, BrTrue(CodeOffset(0))]));
    rejects(&m, Some("f"), Some(1), K::MissingTerminator { last: "br_true" });
}

#[test]
fn duplicate_names() {
    let mut b = Builder::base();
    b.structure("Coin", Abilities::EMPTY, vec![]);
    rejects(&b.module, None, None, K::DuplicateStructName { name: "Coin".into() });
    let mut b = Builder::base();
    b.function(Fun::new("f").code(vec![Ret]));
    b.function(Fun::new("f").code(vec![Ret]));
    rejects(&b.module, None, None, K::DuplicateFunctionName { name: "f".into() });
    let mut b = Builder::base();
    b.structure("Pair", Abilities::EMPTY, vec![("a", Type::U8), ("a", Type::U8)]);
    rejects(&b.module, None, None, K::DuplicateFieldName { struct_name: "Pair".into(), field: "a".into() });
    let mut b = Builder::base();
    let other = b.dep(2, "other");
    b.struct_handle(other, "T", Abilities::EMPTY);
    b.struct_handle(other, "T", Abilities::KEY);
    rejects(&b.module, None, None, K::DuplicateStructHandle { name: "T".into() });
    let mut b = Builder::base();
    b.dep(1, "m");
    rejects(&b.module, None, None, K::DuplicateModuleHandle { module: "0x1::m".into() });
}

#[test]
fn malformed_handles() {
    let mut b = Builder::base();
    b.module.struct_handles[2].abilities = Abilities(0x30);
    rejects(&b.module, None, None, K::InvalidAbilities { name: "Point".into(), bits: 0x30 });
    let mut b = Builder::base();
    b.module.struct_handles[2].name = "9lives".into();
    rejects(&b.module, None, None, K::InvalidIdentifier { name: "9lives".into() });
    let mut b = Builder::base();
    b.function_handle(ModuleHandleIdx(0), "ghost", vec![], vec![], vec![]);
    rejects(&b.module, None, None, K::OwnFunctionHandleWithoutDefinition { name: "ghost".into() });
    let mut b = Builder::base();
    b.struct_handle(ModuleHandleIdx(0), "Ghost", Abilities::EMPTY);
    rejects(&b.module, None, None, K::OwnStructHandleWithoutDefinition { name: "Ghost".into() });
}

#[test]
fn definitions_on_foreign_handles() {
    let mut b = Builder::base();
    let other = b.dep(2, "other");
    let far = b.struct_handle(other, "Far", Abilities::KEY);
    b.module.structs.push(StructDef { handle: far, fields: vec![] });
    rejects(&b.module, None, None, K::StructDefForeignHandle { name: "Far".into() });
    let mut b = Builder::base();
    let other = b.dep(2, "other");
    let g = b.function_handle(other, "g", vec![], vec![], vec![]);
    b.module.functions.push(FunctionDef {
        handle: g,
        visibility: Visibility::Public,
        is_entry: false,
        locals: vec![],
        code: vec![Ret],
    });
    rejects(&b.module, Some("g"), None, K::FunctionDefForeignHandle { name: "g".into() });
}

// ---- limits ----

#[test]
fn too_many_locals() {
    let m = one(Fun::new("f").params(vec![Type::U8]).locals(vec![Type::U8; MAX_LOCALS]).code(vec![Ret]));
    rejects(&m, Some("f"), None, K::TooManyLocals { count: MAX_LOCALS + 1, max: MAX_LOCALS });
}

#[test]
fn type_nested_too_deep() {
    let mut ty = Type::U8;
    for _ in 0..MAX_TYPE_DEPTH {
        ty = vector(ty);
    }
    let m = one(Fun::new("f").locals(vec![ty]).code(vec![Ret]));
    rejects(&m, Some("f"), None, K::TypeTooDeep { depth: MAX_TYPE_DEPTH + 1, max: MAX_TYPE_DEPTH });
}

#[test]
fn vector_count_too_large() {
    let mut b = Builder::base();
    let u8s = b.signature(Type::U8);
    b.function(Fun::new("f").params(vec![vector(Type::U8)]).code(vec![
        MoveLoc(LocalIdx(0)),
        VecUnpack(u8s, u64::MAX),
        Ret,
    ]));
    rejects(&b.module, Some("f"), Some(1), K::VectorCountTooLarge { count: u64::MAX, max: MAX_VECTOR_COUNT });
}

// ---- signatures ----

#[test]
fn references_where_they_cannot_be() {
    let mut b = Builder::base();
    b.structure("Holder", Abilities::EMPTY, vec![("r", r(Type::U64))]);
    rejects(&b.module, None, None, K::ReferenceInStructField { struct_name: "Holder".into(), field: "r".into() });
    let mut b = Builder::base();
    b.signature(r(Type::U64));
    rejects(&b.module, None, None, K::ReferenceInVector { ty: "vector<&u64>".into() });
    let m = one(Fun::new("f").locals(vec![r(rm(Type::U64))]).code(vec![Ret]));
    rejects(&m, Some("f"), None, K::NestedReference { ty: "&&mut u64".into() });
    let m = one(Fun::new("f").params(vec![vector(r(Type::U64))]).code(vec![Ret]));
    rejects(&m, Some("f"), None, K::ReferenceInVector { ty: "vector<&u64>".into() });
    // A foreign function handle may return a reference, but not a nested one.
    let mut b = Builder::base();
    let other = b.dep(2, "other");
    b.function_handle(other, "peek", vec![r(Type::U64)], vec![r(Type::U64)], vec![]);
    accepts(&b.module);
    b.function_handle(other, "peek2", vec![], vec![r(rm(Type::U64))], vec![]);
    rejects(&b.module, None, None, K::NestedReference { ty: "&&mut u64".into() });
}

#[test]
fn signer_in_a_struct_field() {
    let mut b = Builder::base();
    b.structure("Capture", Abilities::EMPTY, vec![("who", vector(Type::Signer))]);
    rejects(&b.module, None, None, K::SignerInStructField { struct_name: "Capture".into(), field: "who".into() });
}

#[test]
fn struct_abilities_need_field_abilities() {
    let mut b = Builder::base();
    b.structure("Wallet", Abilities::DROP, vec![("c", coin())]);
    let kind = K::FieldMissingAbility {
        struct_name: "Wallet".into(),
        field: "c".into(),
        ability: "drop",
        required_by_key: false,
    };
    rejects(&b.module, None, None, kind);
    let mut b = Builder::base();
    b.structure("Loose", Abilities::EMPTY, vec![]);
    let loose = b.ty("Loose");
    b.structure("Vault", Abilities::KEY, vec![("inner", vector(loose))]);
    let kind = K::FieldMissingAbility {
        struct_name: "Vault".into(),
        field: "inner".into(),
        ability: "store",
        required_by_key: true,
    };
    rejects(&b.module, None, None, kind);
}

#[test]
fn recursive_structs() {
    let mut b = Builder::base();
    // A { b: B }, B { a: vector<A> }, C { a: A } (C contains the cycle but is not on it).
    let a = b.struct_handle(ModuleHandleIdx(0), "A", Abilities::EMPTY);
    let bh = b.struct_handle(ModuleHandleIdx(0), "B", Abilities::EMPTY);
    let c = b.struct_handle(ModuleHandleIdx(0), "C", Abilities::EMPTY);
    let def = |handle, name: &str, ty| StructDef { handle, fields: vec![FieldDef { name: name.into(), ty }] };
    b.module.structs.push(def(c, "a", Type::Struct(a)));
    b.module.structs.push(def(a, "b", Type::Struct(bh)));
    b.module.structs.push(def(bh, "a", vector(Type::Struct(a))));
    let err = resin_verifier::verify_module(&b.module).unwrap_err();
    assert!(matches!(&err.kind, K::RecursiveStruct { name } if &**name == "A" || &**name == "B"), "{err}");
}

#[test]
fn constants_of_the_wrong_shape() {
    let mut b = Builder::base();
    b.constant(Type::Signer, ConstValue::Address(AccountAddress::ZERO));
    rejects(&b.module, None, None, K::InvalidConstantType { index: 0, ty: "signer".into() });
    let mut b = Builder::base();
    b.constant(vector(Type::U64), ConstValue::Vector(vec![ConstValue::U64(1), ConstValue::Bool(true)]));
    rejects(&b.module, None, None, K::ConstantValueMismatch { index: 0, ty: "vector<u64>".into() });
}

#[test]
fn entry_functions_take_only_transaction_data() {
    let m = one(Fun::new("f").entry().params(vec![r(Type::Signer), coin()]).code(vec![Ret]));
    rejects(&m, Some("f"), None, K::InvalidEntryParameter { index: 1, ty: "Coin".into() });
    let m = one(Fun::new("f").entry().params(vec![Type::U64, Type::Signer]).code(vec![Ret]));
    rejects(&m, Some("f"), None, K::InvalidEntryParameter { index: 1, ty: "signer".into() });
    let m = one(Fun::new("f").entry().returns(vec![coin()]).code(vec![LdU64(1), Abort]));
    rejects(&m, Some("f"), None, K::EntryReturnWithoutDrop { ty: "Coin".into() });
    accepts(&one(Fun::new("f").entry().params(vec![Type::Signer, vector(Type::U8), Type::Address]).code(vec![Ret])));
}

#[test]
fn an_objects_seed_is_canonical_and_its_module_in_bounds() {
    let object = |module, seed| {
        let at =
            AddressSource::Object(ObjectSource { module, creator: ObjectCreator::Const(AccountAddress::ZERO), seed });
        one(Fun::new("f").access(vec![read(StructHandleIdx(1), at)]).code(vec![Ret]))
    };
    let seed = ObjectSeed::Const(SeedBytes::new(b"a").unwrap());
    accepts(&object(ModuleHandleIdx(0), seed));
    rejects(&object(ModuleHandleIdx(9), seed), None, None, out_of_bounds("module handle", 9, 1));
    // Bytes past the seed's length, or a length past the most: only a
    // hostile encoder writes them (the type's constructor cannot).
    let bytes = resin_format::encoding::encode_module(&object(ModuleHandleIdx(0), seed));
    let mut form = [0u8; 33];
    form[0] = 1;
    form[1] = b'a';
    let at = bytes.windows(33).position(|w| w == form).expect("the seed's encoding");
    for (offset, byte) in [(at + 2, 7u8), (at, 33u8)] {
        let mut hostile = bytes.clone();
        hostile[offset] = byte;
        let m = resin_format::encoding::decode_module(&hostile).expect("decodes");
        rejects(&m, Some("f"), None, K::AccessSeedInvalid { function: "f".into() });
    }
    let m = one(Fun::new("f")
        .params(vec![Type::Address, Type::U64])
        .access(vec![read(
            StructHandleIdx(1),
            AddressSource::Object(ObjectSource {
                module: ModuleHandleIdx(0),
                creator: ObjectCreator::Param(0),
                seed: ObjectSeed::Param(1),
            }),
        )])
        .code(vec![Ret]));
    let kind = K::AccessParamInvalid { function: "f".into(), param: 1, expected: "a `vector<u8>` parameter" };
    rejects(&m, Some("f"), None, kind);
}

#[test]
fn access_specs_name_key_types_and_matching_parameters() {
    let m = one(Fun::new("f").access(vec![read(StructHandleIdx(0), AddressSource::Any)]).code(vec![Ret]));
    let kind = K::AccessOnNonKeyType { function: "f".into(), resource: "Coin".into() };
    rejects(&m, Some("f"), None, kind);
    let spec = vec![write(StructHandleIdx(1), AddressSource::Param(0))];
    let m = one(Fun::new("f").params(vec![Type::U64]).access(spec).code(vec![Ret]));
    let kind = K::AccessParamInvalid { function: "f".into(), param: 0, expected: "an `address` parameter" };
    rejects(&m, Some("f"), None, kind);
    let spec = vec![write(StructHandleIdx(1), AddressSource::SignerOf(1))];
    let m = one(Fun::new("f").params(vec![Type::Signer]).access(spec).code(vec![Ret]));
    let kind = K::AccessParamInvalid { function: "f".into(), param: 1, expected: "a `signer` or `&signer` parameter" };
    rejects(&m, Some("f"), None, kind);
}
