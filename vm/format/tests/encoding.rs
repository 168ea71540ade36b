//! The two outer forms of a module: the binary encoding (`encode_module` /
//! `decode_module`) and the text form (`disassemble` / `assemble`). Both
//! round-trip; the opcode table drives both; bad bytes give located errors.

mod common;

use std::collections::HashSet;

use proptest::prelude::*;
use resin_format::assembler::assemble;
use resin_format::assembler::operands::{operand_kinds, OperandKind};
use resin_format::disasm::{disassemble, format_instr};
use resin_format::encoding::limits::{MAX_INDEX_FIELDS, MAX_LOCALS, MAX_TABLE_LEN, MAX_TYPE_DEPTH, MAX_TYPE_PARAMS};
use resin_format::encoding::{decode_module, encode_module, DecodeError, FORMAT_VERSION, HEADER_LEN, MAGIC};
use resin_format::opcodes::{by_mnemonic, OPCODES};
use resin_format::*;

const COIN: &str = include_str!("data/coin.rasm");

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn binary_round_trips(m in common::arb_module()) {
        let bytes = encode_module(&m);
        prop_assert_eq!(&bytes[..HEADER_LEN], &[b'R', b'S', b'N', b'B', 3, 0]);
        prop_assert_eq!(decode_module(&bytes), Ok(m));
    }

    #[test]
    fn text_round_trips(m in common::arb_well_formed_module()) {
        let text = disassemble(&m);
        prop_assert_eq!(assemble(&text), Ok(m), "{}", text);
    }

    #[test]
    fn any_module_disassembles_and_its_text_assembles_or_fails_cleanly(m in common::arb_module()) {
        // Malformed modules need not round-trip, but nothing may panic.
        let _ = assemble(&disassemble(&m));
    }
}

fn module_with_code(code: Vec<Instr>) -> Module {
    // Struct instantiation 0 and function instantiation 0 make the generic
    // opcodes' default operands valid.
    let mut m = assemble(
        "module 0x1::m\nstruct S has drop { f: u64, g: bool }\nconst K: u8 = 1\nsignature u64\nfun f(u64, u64) {}",
    )
    .unwrap();
    m.struct_instantiations.push(StructInstantiation { def: StructDefIdx(0), type_args: vec![Type::U8] });
    m.function_instantiations.push(FunctionInstantiation { handle: FunctionHandleIdx(0), type_args: vec![Type::U64] });
    m.functions[0].locals = vec![Type::U64];
    m.functions[0].code = code;
    m
}

#[test]
fn opcode_table_is_consistent() {
    let samples = Instr::samples();
    assert_eq!(samples.len(), OPCODES.len());
    let bytes: HashSet<u8> = OPCODES.iter().map(|op| op.byte).collect();
    let mnemonics: HashSet<&str> = OPCODES.iter().map(|op| op.mnemonic).collect();
    assert_eq!((bytes.len(), mnemonics.len()), (OPCODES.len(), OPCODES.len()), "bytes and mnemonics are unique");
    assert!(OPCODES.windows(2).all(|w| w[0].byte < w[1].byte), "OPCODES is in wire-byte order");
    for (sample, op) in samples.iter().zip(OPCODES) {
        assert_eq!(sample.info(), op, "samples and OPCODES list the same opcodes in the same order");
        assert_eq!(by_mnemonic(op.mnemonic), Some(op));
    }
}

/// `Instr::struct_def`, `struct_inst` and `signature` name exactly the
/// instructions whose operand table (exhaustive by construction) says so,
/// and `is_keyed` exactly the `_keyed` mnemonics.
#[test]
fn operand_accessors_agree_with_the_operand_table() {
    for sample in Instr::samples() {
        let kinds = operand_kinds(&sample);
        let name = sample.info().mnemonic;
        assert_eq!(sample.struct_def().is_some(), kinds == [OperandKind::StructDef], "{name}");
        assert_eq!(sample.struct_inst().is_some(), kinds == [OperandKind::StructInst], "{name}");
        assert_eq!(sample.signature().is_some(), kinds.first() == Some(&OperandKind::Signature), "{name}");
        assert_eq!(sample.is_keyed(), name.contains("_keyed"), "{name}");
    }
}

#[test]
fn every_opcode_encodes_decodes_and_disassembles() {
    let samples: Vec<Instr> = Instr::samples();
    for sample in &samples {
        let mut bytes = Vec::new();
        sample.encode(&mut bytes);
        assert_eq!(bytes[0], sample.info().byte);
        let mut pos = 0;
        assert_eq!(Instr::decode(&bytes, &mut pos), Some(*sample));
        assert_eq!(pos, bytes.len(), "{} decodes all its bytes", sample.info().mnemonic);
    }
    // In a module whose tables make every default operand valid.
    let m = module_with_code(samples.clone());
    assert_eq!(decode_module(&encode_module(&m)), Ok(m.clone()));
    let def = &m.functions[0];
    for sample in &samples {
        let line = format_instr(&m, def, sample);
        assert_eq!(line.split(' ').next(), Some(sample.info().mnemonic), "{line}");
    }
    let text = disassemble(&m);
    assert!(text.contains("    imm_borrow_field S.f\n") && text.contains("    vec_pack u64, 0\n"), "{text}");
    // S and f take no type parameters here, so their instantiations print with raw handles.
    assert!(text.contains("    pack_generic #0<u8>\n") && text.contains("    call_generic #0<u64>\n"), "{text}");
    assert!(text.contains("    imm_borrow_field_generic #0<u8>.f\n"), "{text}");
    assert!(
        text.contains("    ld_const C0\n") && text.contains("L0:\n") && text.contains("    br_true L0\n"),
        "{text}"
    );
    assert_eq!(assemble(&text), Ok(m));
}

#[test]
fn coin_disassembles_readably_and_round_trips() {
    let coin = assemble(COIN).unwrap();
    let text = disassemble(&coin);
    for line in [
        "module 0x1::coin\n\nstruct Coin has store {\n    value: u64,\n}\n",
        "const C0: u64 = 1\n",
        "public entry fun transfer(&signer, address, u64) acquires write Balance(signer 0), write Balance(param 1) {\n    local address\n    local u64\n    move_loc 0\n",
        "    br_true L15\n    ld_const C0\n    abort\nL15:\n    move_loc 4\n",
        "    call credit\n",
        "public fun balance_of(address): u64 acquires read Balance(param 0) {\n",
        "\nfun credit(address, u64) acquires write Balance(param 0) {\n    copy_loc 0\n    imm_borrow_global Balance\n    imm_borrow_field Balance.coin\n",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
    assert_eq!(assemble(&text), Ok(coin.clone()));
    assert_eq!(decode_module(&encode_module(&coin)), Ok(coin));
}

#[test]
fn table_order_survives_the_text_form() {
    // Definitions in the opposite order of their handles, a handle without a
    // definition between them, and a signature pool with a duplicate and an
    // unused entry: the text declares handles ahead and lists the pool.
    let mut m = assemble("module 0x1::m\nstruct A {}\nstruct B has copy\nstruct C { a: A }\nfun f() {}\nfun g(): u8 {\n  ld_u8 1\n  ret\n}").unwrap();
    m.structs.reverse();
    m.functions.reverse();
    m.signatures = vec![Type::U8, Type::U64, Type::U8];
    m.functions[0].code.insert(0, Instr::VecLen(SignatureIdx(2)));
    let text = disassemble(&m);
    assert!(text.contains("struct A\nstruct B has copy\n\nstruct C {\n    a: A,\n}\n\nstruct A {}\n"), "{text}");
    assert!(text.contains("signature u8\nsignature u64\nsignature u8\n") && text.contains("vec_len #2\n"), "{text}");
    assert!(text.contains("fun f()\n\nfun g(): u8 {"), "{text}");
    assert_eq!(assemble(&text), Ok(m));
}

#[test]
fn malformed_modules_disassemble_with_marked_indexes() {
    let mut m = module_with_code(vec![
        Instr::Call(FunctionHandleIdx(7)),
        Instr::Pack(StructDefIdx(9)),
        Instr::ImmBorrowField(FieldRef { owner: StructDefIdx(0), field: 5 }),
        Instr::LdConst(ConstIdx(3)),
        Instr::CopyLoc(LocalIdx(200)),
        Instr::Branch(CodeOffset(99)),
        Instr::VecLen(SignatureIdx(4)),
    ]);
    m.struct_handles.push(StructHandle {
        type_params: Vec::new(),
        module: ModuleHandleIdx(8),
        name: "bad name".into(),
        abilities: Abilities(0xF0),
    });
    m.structs[0].fields[0].ty = Type::Struct(StructHandleIdx(40));
    let text = disassemble(&m);
    for expected in [
        "call #7?",
        "pack #9?",
        "imm_borrow_field S.#5?",
        "ld_const #3?",
        "copy_loc #200?",
        "branch #99?",
        "vec_len #4?",
        "f: #40?,",
        "struct #8?::\"bad name\" has #0xf0?",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    m.module_handles.clear();
    assert!(disassemble(&m).contains("module #0?"));
}

/// LEB128, as postcard writes lengths.
fn varint(mut n: usize, out: &mut Vec<u8>) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// A header and the body of a module `0x0::m` with one signature whose bytes are given.
fn with_signature_bytes(type_bytes: &[u8]) -> Vec<u8> {
    let mut bytes = [MAGIC.as_slice(), &FORMAT_VERSION.to_le_bytes(), &[1], &[0; 32], &[1, b'm', 0, 0, 1]].concat();
    varint(type_bytes.len(), &mut bytes);
    bytes.extend_from_slice(type_bytes);
    // Empty constant, struct, function, instantiation and friend tables.
    bytes.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    bytes
}

#[test]
fn the_wire_layout_is_pinned() {
    // Changing these bytes means bumping FORMAT_VERSION.
    let m = assemble("module 0x1::m\nstruct S has drop { f: vector<u8> }\nconst K: u64 = 300\nfun f(a: &S): u64 acquires read S(param 0) {\n  ld_const K\n  ret\n}").unwrap();
    let body = hex::encode(&encode_module(&m)[HEADER_LEN..]);
    let address_one = format!("{}01", "00".repeat(31));
    let expected = [
        format!("01{address_one}016d"), // module handles: 0x1::m
        "010001530200".into(),          // struct handles: S, module 0, abilities drop, no type parameters
        // function handles: f, no type parameters, params [&S], returns [u64],
        // read S (no type arguments) (param 0), no index
        "010001660001040907000001010301000000000000".into(),
        "00".into(),                   // signatures: none
        "0101030102ac02".into(),       // constants: u64, one token U64(300)
        "0100010166020802".into(),     // structs: S { f: vector<u8> }
        "0100000000040b000002".into(), // functions: f, private, not entry, no locals, code: ld_const 0; ret
        "0000".into(),                 // struct and function instantiations: none
        "00".into(),                   // friends: none
    ]
    .concat();
    assert_eq!(body, expected);
}

/// u16, u32 and u256 came after version 3 was fixed: their type tags
/// (0x0D-0x0F), constant tokens and opcodes (0x70-0x75) extend the space
/// without changing a byte of what the earlier kinds encode to, so the
/// version stays 3 and every older module decodes as before (the test above
/// and the two below pin that).
#[test]
fn the_wider_integers_are_pinned_and_round_trip() {
    let text = "module 0x1::m\nconst A: u16 = 65535\nconst B: u32 = 7\nconst C: u256 = 0x0102u256\nfun f(a: u16, b: u32, c: u256): u256 {\n  ld_u16 65535\n  ld_u32 4294967295\n  ld_u256 115792089237316195423570985008687907853269984665640564039457584007913129639935\n  cast_u16\n  cast_u32\n  cast_u256\n  ret\n}";
    let m = assemble(text).unwrap();
    let bytes = encode_module(&m);
    let body = hex::encode(&bytes[HEADER_LEN..]);
    // function handle: f, params [u16, u32, u256], returns [u256]
    // (each type is length-prefixed)
    assert!(body.contains("0001660003010d010e010f01010f"), "{body}");
    // constants: each a type and a token list; u16 65535 (token 6, a varint),
    // u32 7 (token 7, a varint), u256 0x0102 (token 8, 32 bytes little-endian)
    let c = format!("03010d0106ffff03010e010707010f01080201{}", "00".repeat(30));
    assert!(body.contains(&c), "{body}");
    // code: ld_u16, ld_u32, ld_u256 (32 bytes of 0xff, fixed width like every
    // immediate), the three casts, ret
    let code = format!("70ffff71ffffffff72{}73747502", "ff".repeat(32));
    assert!(body.contains(&code), "{body}");
    assert_eq!(decode_module(&bytes), Ok(m.clone()));
    let disasm = disassemble(&m);
    for line in ["const C0: u16 = 65535", "const C2: u256 = 258", "fun f(u16, u32, u256): u256", "ld_u256 1157920892"] {
        assert!(disasm.contains(line), "{line} in\n{disasm}");
    }
    assert_eq!(assemble(&disasm), Ok(m));
    // Out of range per type, in constants and immediates.
    for bad in [
        "const A: u16 = 65536",
        "const A: u32 = 4294967296",
        "const A: u256 = 115792089237316195423570985008687907853269984665640564039457584007913129639936",
        "const A: u8 = 115792089237316195423570985008687907853269984665640564039457584007913129639936",
        "fun f() {\n  ld_u16 65536\n  ret\n}",
        "fun f() {\n  ld_u256 0x1_0000000000000000000000000000000000000000000000000000000000000000\n  ret\n}",
        "fun f() {\n  ld_u256 7u16\n  ret\n}",
    ] {
        let err = assemble(&format!("module 0x1::m\n{bad}")).unwrap_err().to_string();
        assert!(err.contains("does not fit") || err.contains("too large"), "{bad}: {err}");
    }
}

/// The same module as version 2 wrote it, before keyed accesses and
/// friends: still read, so that state files holding version-2 modules keep
/// loading.
#[test]
fn version_2_modules_still_decode() {
    let m = assemble("module 0x1::m\nstruct S has drop { f: vector<u8> }\nconst K: u64 = 300\nfun f(a: &S): u64 acquires read S(param 0) {\n  ld_const K\n  ret\n}").unwrap();
    let address_one = format!("{}01", "00".repeat(31));
    let v2 = [
        "52534e420200".to_string(), // RSNB, version 2
        format!("01{address_one}016d"),
        "010001530200".into(),
        "0100016600010409070000010103010000000000".into(),
        "00".into(),
        "0101030102ac02".into(),
        "0100010166020802".into(),
        "0100000000040b000002".into(),
        "0000".into(),
    ]
    .concat();
    assert_eq!(decode_module(&hex::decode(v2).unwrap()), Ok(m));
}

#[test]
fn keyed_accesses_and_friends_round_trip() {
    let text = "module 0x1::m\nfriend 0x1::other\nstruct S has key { v: u64 }\npublic(friend) fun f(a: address, i: u64, s: &signer) acquires write S(param 0)[param 1], read S(param 0)[signer 2], add S(*)[*], add S(0x1) {\n  ret\n}";
    let m = assemble(text).unwrap();
    assert_eq!(m.friends, vec![ModuleId::new(AccountAddress::from_u64(1), "other")]);
    assert_eq!(m.functions[0].visibility, Visibility::Friend);
    let access = &m.function_handles[0].access.0;
    assert_eq!(access[0].index, Some(IndexSource::Param(1)));
    assert_eq!(access[1].index, Some(IndexSource::SignerOf(2)));
    assert_eq!((access[2].mode, &access[2].index), (AccessMode::Add, &Some(IndexSource::Any)));
    assert_eq!((access[3].mode, &access[3].index), (AccessMode::Add, &None));
    assert_eq!(decode_module(&encode_module(&m)), Ok(m.clone()));
    let text = disassemble(&m);
    assert!(text.contains("friend 0x1::other"), "{text}");
    assert!(text.contains("public(friend) fun f"), "{text}");
    assert!(text.contains("write S(param 0)[param 1], read S(param 0)[signer 2], add S(*)[*], add S(0x1)"), "{text}");
    assert_eq!(assemble(&text), Ok(m));
}

#[test]
fn fixed_indexes_round_trip() {
    let text = "module 0x1::m\nstruct S has key { v: u64 }\nfun f(a: address) acquires read S(param 0)[7u64], write S(0x1)[7u8], read S(*)[true], add S(param 0)[@0x9], read S(param 0)[340282366920938463463374607431768211456u256] {\n  ret\n}";
    let m = assemble(text).unwrap();
    let index: Vec<_> = m.function_handles[0].access.0.iter().map(|a| a.index.clone()).collect();
    let wide = U256::from_halves(0, 1);
    assert_eq!(
        index,
        vec![
            Some(IndexSource::Const(IndexConst::U64(7))),
            Some(IndexSource::Const(IndexConst::U8(7))),
            Some(IndexSource::Const(IndexConst::Bool(true))),
            Some(IndexSource::Const(IndexConst::Address(AccountAddress::from_u64(9)))),
            Some(IndexSource::Const(IndexConst::U256(wide))),
        ]
    );
    assert_eq!(decode_module(&encode_module(&m)), Ok(m.clone()));
    let shown = disassemble(&m);
    assert!(
        shown.contains("read S(param 0)[7u64], write S(0x1)[7u8], read S(*)[true], add S(param 0)[@0x9]"),
        "{shown}"
    );
    assert_eq!(assemble(&shown), Ok(m));
    // A fixed index is a scalar: a vector is not one.
    let vector = "module 0x1::m\nstruct S has key { v: u64 }\nfun f() acquires read S(0x1)[[1u8]] {\n  ret\n}";
    let err = assemble(vector).unwrap_err().to_string();
    assert!(err.contains("a fixed index is a scalar"), "{err}");
}

#[test]
fn struct_built_indexes_round_trip() {
    let text = "module 0x1::m\nstruct S has key { v: u64 }\nfun f(a: address, i: u64, s: &signer) acquires write S(param 0)[(param 0, param 1)], read S(0x1)[(signer 2, 7u8, @0x9)], add S(param 0)[(param 1)] {\n  ret\n}";
    let m = assemble(text).unwrap();
    let index: Vec<_> = m.function_handles[0].access.0.iter().map(|a| a.index.clone()).collect();
    assert_eq!(
        index,
        vec![
            Some(IndexSource::Pack(vec![IndexField::Param(0), IndexField::Param(1)])),
            Some(IndexSource::Pack(vec![
                IndexField::SignerOf(2),
                IndexField::Const(IndexConst::U8(7)),
                IndexField::Const(IndexConst::Address(AccountAddress::from_u64(9))),
            ])),
            // One field is a struct of one field, not the field itself.
            Some(IndexSource::Pack(vec![IndexField::Param(1)])),
        ]
    );
    assert_eq!(decode_module(&encode_module(&m)), Ok(m.clone()));
    let shown = disassemble(&m);
    assert!(
        shown.contains(
            "write S(param 0)[(param 0, param 1)], read S(0x1)[(signer 2, 7u8, @0x9)], add S(param 0)[(param 1)]"
        ),
        "{shown}"
    );
    assert_eq!(assemble(&shown), Ok(m));
    // A field is neither `*` nor itself a struct, and a struct has a field.
    for (index, expected) in [
        ("(param 0, *)", "`signer N`, `param N`"),
        ("((param 0))", "`signer N`, `param N`"),
        ("()", "`signer N`, `param N`"),
    ] {
        let text = format!("module 0x1::m\nstruct S has key {{ v: u64 }}\nfun f(a: address) acquires read S(0x1)[{index}] {{\n  ret\n}}");
        let err = assemble(&text).unwrap_err().to_string();
        assert!(err.contains(expected), "{index}: {err}");
    }
}

/// An index of more fields than a struct-built index may have is refused
/// by the decoder: key instantiation would encode them all for every
/// transaction, before any gas.
#[test]
fn a_struct_built_index_of_too_many_fields_does_not_decode() {
    let fields = |n: usize| (0..n).map(|_| "param 0").collect::<Vec<_>>().join(", ");
    let module = |n: usize| {
        format!(
            "module 0x1::m\nstruct S has key {{ v: u64 }}\nfun f(a: address) acquires read S(0x1)[({})] {{\n  ret\n}}",
            fields(n)
        )
    };
    let at_limit = assemble(&module(MAX_INDEX_FIELDS)).unwrap();
    assert_eq!(decode_module(&encode_module(&at_limit)), Ok(at_limit.clone()));
    let err = assemble(&module(MAX_INDEX_FIELDS + 1)).unwrap_err().to_string();
    assert!(err.contains(&format!("at most {MAX_INDEX_FIELDS} fields")), "{err}");
    let mut over = at_limit;
    if let Some(IndexSource::Pack(fields)) = &mut over.function_handles[0].access.0[0].index {
        fields.push(IndexField::Param(0));
    }
    let err = decode_module(&encode_module(&over)).unwrap_err().to_string();
    assert!(err.contains("struct-built index field count"), "{err}");
}

/// The same module as version 1 wrote it, before generics: still read, so
/// that state files holding version-1 modules keep loading.
#[test]
fn version_1_modules_still_decode() {
    let m = assemble("module 0x1::m\nstruct S has drop { f: vector<u8> }\nconst K: u64 = 300\nfun f(a: &S): u64 acquires read S(param 0) {\n  ld_const K\n  ret\n}").unwrap();
    let address_one = format!("{}01", "00".repeat(31));
    let v1 = [
        "52534e420100".to_string(), // RSNB, version 1
        format!("01{address_one}016d"),
        "0100015302".into(),
        "010001660104090700000101030100000000".into(),
        "00".into(),
        "0101030102ac02".into(),
        "0100010166020802".into(),
        "0100000000040b000002".into(),
    ]
    .concat();
    assert_eq!(decode_module(&hex::decode(v1).unwrap()), Ok(m));
}

#[test]
fn generic_types_and_instantiations_round_trip() {
    let t0 = || Type::TypeParam(0);
    let inst = |args: Vec<Type>| Type::StructInst(StructHandleIdx(0), args);
    let mut m = assemble("module 0x1::m\nstruct S has drop { f: u64 }\nfun f() {\n  ret\n}").unwrap();
    m.struct_handles[0].type_params = vec![StructTypeParam { constraints: Abilities::DROP, is_phantom: true }];
    m.function_handles[0].type_params = vec![Abilities::STORE, Abilities::EMPTY];
    m.function_handles[0].params =
        vec![Type::Ref(Box::new(inst(vec![inst(vec![t0()]), Type::Vector(Box::new(t0()))])))];
    m.function_handles[0].access.0.push(Access {
        mode: AccessMode::Write,
        resource: StructHandleIdx(0),
        type_args: vec![Type::TypeParam(1)],
        address: AddressSource::Any,
        index: None,
    });
    m.signatures.push(Type::Vector(Box::new(inst(vec![Type::U8]))));
    m.struct_instantiations.push(StructInstantiation { def: StructDefIdx(0), type_args: vec![t0()] });
    m.function_instantiations
        .push(FunctionInstantiation { handle: FunctionHandleIdx(0), type_args: vec![Type::U64, t0()] });
    m.functions[0].code =
        vec![Instr::PackGeneric(StructInstIdx(0)), Instr::CallGeneric(FunctionInstIdx(0)), Instr::Ret];
    assert_eq!(decode_module(&encode_module(&m)), Ok(m.clone()));

    // A generic struct with 33 arguments is over the limit; its count still fits the wire's byte.
    m.signatures.push(inst(vec![Type::U8; MAX_TYPE_PARAMS + 1]));
    let err = decode_module(&encode_module(&m)).unwrap_err();
    assert_eq!(err.to_string(), "signature 1: type argument count is 33, over the limit of 32");
}

#[test]
fn decode_errors_name_what_and_where() {
    let good = encode_module(&assemble(COIN).unwrap());
    assert_eq!(decode_module(&[]), Err(DecodeError::Truncated { len: 0 }));
    assert_eq!(decode_module(b"RSNB\x01"), Err(DecodeError::Truncated { len: 5 }));
    assert_eq!(decode_module(b"\x7fELF\x02\x01"), Err(DecodeError::BadMagic { found: *b"\x7fELF" }));
    assert_eq!(decode_module(b"RSNB\x04\x00"), Err(DecodeError::UnsupportedVersion { found: 4 }));
    assert_eq!(decode_module(b"RSNB\x00\x00"), Err(DecodeError::UnsupportedVersion { found: 0 }));
    assert!(matches!(decode_module(b"RSNB\x01\x00"), Err(DecodeError::Malformed { offset: 6, .. })));
    let trailing = [good.as_slice(), &[0, 0]].concat();
    assert_eq!(decode_module(&trailing), Err(DecodeError::TrailingBytes { offset: good.len(), count: 2 }));
    assert!(matches!(decode_module(&good[..good.len() - 1]), Err(DecodeError::Malformed { .. })));

    // The coin module ends with the last function's `ret`, then the two
    // empty instantiation tables and the empty friend table (a zero length each).
    let ret = good.len() - 4;
    let mut bad_opcode = good.clone();
    bad_opcode[ret] = 0xEE;
    let err = decode_module(&bad_opcode).unwrap_err();
    assert_eq!(err.offset(), Some(ret));
    assert_eq!(
        err.to_string(),
        format!("bad instruction in function definition 4, at byte {ret}: unknown opcode 0xee")
    );

    // 64 nested vectors decode; 65 do not, nor do a million, which must not exhaust the stack.
    let leaf = 0x02; // u8
    assert!(decode_module(&with_signature_bytes(&[[0x08; MAX_TYPE_DEPTH].as_slice(), &[leaf]].concat())).is_ok());
    let deep = with_signature_bytes(&[[0x08; MAX_TYPE_DEPTH + 1].as_slice(), &[leaf]].concat());
    let err = decode_module(&deep).unwrap_err();
    assert!(matches!(&err, DecodeError::BadType { reason, .. } if reason == "type nested deeper than 64"), "{err}");
    let very_deep = with_signature_bytes(&vec![0x08; 200_000]);
    assert!(matches!(decode_module(&very_deep), Err(DecodeError::BadType { .. })));
    assert!(
        matches!(decode_module(&with_signature_bytes(&[0x10])), Err(DecodeError::BadType { reason, .. }) if reason == "unknown type tag 0x10")
    );

    // A length prefix far beyond the input fails without reserving memory for it.
    let mut huge = [MAGIC.as_slice(), &FORMAT_VERSION.to_le_bytes()].concat();
    varint(usize::MAX >> 8, &mut huge);
    assert!(matches!(decode_module(&huge), Err(DecodeError::Malformed { .. })));
}

#[test]
fn malformed_bodies_say_which_entry_and_what_is_wrong() {
    let module = assemble(COIN).unwrap();
    let good = encode_module(&module);
    // The first function definition's `is_entry` flag: after its handle
    // index (a varint) and its visibility tag.
    let mut bad_bool = good.clone();
    // The two empty instantiation tables and the empty friend table (a zero
    // length each) follow the functions.
    let functions_start = good.len() - 3 - encode_functions_len(&module);
    bad_bool[functions_start + 1 + 1 + 1] = 7;
    let err = decode_module(&bad_bool).unwrap_err().to_string();
    assert!(err.contains("function definition 0: a boolean that is neither 0 nor 1"), "{err}");
    let mut bad_tag = good.clone();
    bad_tag[functions_start + 1 + 1] = 9;
    let err = decode_module(&bad_tag).unwrap_err().to_string();
    assert!(err.contains("function definition 0: a tag that names no variant of its kind"), "{err}");
    assert!(!err.contains("Serde"), "{err}");
    let err = decode_module(b"RSNB\x01\x00").unwrap_err().to_string();
    assert_eq!(err, "malformed module at byte 6: the length of the module handle table: the input ends inside it");
}

/// The bytes of the function definition table (its length varint included).
fn encode_functions_len(module: &Module) -> usize {
    let mut without = module.clone();
    without.functions.clear();
    encode_module(module).len() - encode_module(&without).len() + 1
}

#[test]
fn oversized_input_is_refused_before_decoding() {
    let big = vec![0u8; resin_format::encoding::limits::MAX_MODULE_SIZE + 1];
    let err = decode_module(&big).unwrap_err();
    assert_eq!(err.to_string(), "module of 262145 bytes is larger than the limit of 262144 bytes");
}

#[test]
fn limits_are_enforced_on_decode() {
    let mut m = assemble("module 0x1::m\nfun f(u64) {}").unwrap();
    m.functions[0].locals = vec![Type::U8; MAX_LOCALS];
    let err = decode_module(&encode_module(&m)).unwrap_err();
    assert_eq!(err.to_string(), "function definition 0: parameter and local count is 257, over the limit of 256");
    m.functions[0].locals.clear();
    m.signatures = vec![Type::U8; MAX_TABLE_LEN + 1];
    assert!(matches!(decode_module(&encode_module(&m)), Err(DecodeError::Limit(l)) if l.what == "signatures"));
}

const GENERIC_COIN: &str = include_str!("data/generic_coin.rasm");

/// The generic coin's disassembly, exactly: the text other tests are written in.
const GENERIC_COIN_DISASSEMBLY: &str = include_str!("data/generic_coin.disasm");

#[test]
fn generic_coin_disassembles_readably_and_round_trips() {
    let m = assemble(GENERIC_COIN).unwrap();
    let text = disassemble(&m);
    if std::env::var_os("RESIN_BLESS").is_some() {
        std::fs::write(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/generic_coin.disasm"), &text).unwrap();
    }
    assert_eq!(text, GENERIC_COIN_DISASSEMBLY, "rerun with RESIN_BLESS=1 to accept the new text");
    assert_eq!(assemble(&text), Ok(m.clone()));
    assert_eq!(decode_module(&encode_module(&m)), Ok(m));
}

#[test]
fn generic_table_order_survives_the_text_form() {
    let mut m = assemble(GENERIC_COIN).unwrap();
    let inline = disassemble(&m);
    assert!(
        !inline.contains("struct_inst") && !inline.contains("fun_inst"),
        "first-use order needs no table:\n{inline}"
    );
    // Reversed tables, a duplicate entry and an unused one: the text lists
    // both tables, and an instruction naming the duplicate writes it raw.
    let remap = |len: usize| move |i: u16| (len - 1 - usize::from(i)) as u16;
    let (structs, funs) = (remap(m.struct_instantiations.len()), remap(m.function_instantiations.len()));
    m.struct_instantiations.reverse();
    m.function_instantiations.reverse();
    for def in &mut m.functions {
        for instr in &mut def.code {
            *instr = match *instr {
                Instr::PackGeneric(i) => Instr::PackGeneric(StructInstIdx(structs(i.0))),
                Instr::UnpackGeneric(i) => Instr::UnpackGeneric(StructInstIdx(structs(i.0))),
                Instr::ExistsGeneric(i) => Instr::ExistsGeneric(StructInstIdx(structs(i.0))),
                Instr::MoveToGeneric(i) => Instr::MoveToGeneric(StructInstIdx(structs(i.0))),
                Instr::ImmBorrowGlobalGeneric(i) => Instr::ImmBorrowGlobalGeneric(StructInstIdx(structs(i.0))),
                Instr::MutBorrowGlobalGeneric(i) => Instr::MutBorrowGlobalGeneric(StructInstIdx(structs(i.0))),
                Instr::ImmBorrowFieldGeneric(f) => Instr::ImmBorrowFieldGeneric(FieldInstRef {
                    owner: StructInstIdx(structs(f.owner.0)),
                    field: f.field,
                }),
                Instr::MutBorrowFieldGeneric(f) => Instr::MutBorrowFieldGeneric(FieldInstRef {
                    owner: StructInstIdx(structs(f.owner.0)),
                    field: f.field,
                }),
                Instr::CallGeneric(i) => Instr::CallGeneric(FunctionInstIdx(funs(i.0))),
                other => other,
            };
        }
    }
    let text = disassemble(&m);
    assert!(
        text.contains("struct_inst Pair<u64, vector<Coin<u64>>>\nstruct_inst Balance<T0>\nstruct_inst Coin<T0>\n"),
        "{text}"
    );
    assert!(text.contains("fun_inst zero<u64>\nfun_inst value<T0>\nfun_inst merge<T0>\nfun_inst zero<T0>\n"), "{text}");
    assert!(text.contains("    pack_generic Coin<T0>\n"), "{text}");
    assert_eq!(assemble(&text), Ok(m.clone()));

    let duplicate = m.struct_instantiations[2].clone();
    m.struct_instantiations.push(duplicate);
    m.struct_instantiations.push(StructInstantiation { def: StructDefIdx(2), type_args: vec![Type::U8, Type::U8] });
    m.functions[0].code.insert(0, Instr::UnpackGeneric(StructInstIdx(3)));
    m.functions[0].code.insert(0, Instr::ImmBorrowFieldGeneric(FieldInstRef { owner: StructInstIdx(3), field: 0 }));
    let text = disassemble(&m);
    assert!(text.contains("struct_inst Coin<T0>\nstruct_inst Coin<T0>\nstruct_inst Pair<u8, u8>\n"), "{text}");
    assert!(text.contains("    imm_borrow_field_generic #3.0\n    unpack_generic #3\n"), "{text}");
    assert_eq!(assemble(&text), Ok(m));
}

#[test]
fn malformed_generic_indexes_are_marked_and_mismatches_written_raw() {
    let mut m = assemble(GENERIC_COIN).unwrap();
    let zero = m.find_function("zero").unwrap().0;
    m.functions[zero].code = vec![
        Instr::PackGeneric(StructInstIdx(40)),
        Instr::CallGeneric(FunctionInstIdx(41)),
        Instr::ImmBorrowFieldGeneric(FieldInstRef { owner: StructInstIdx(42), field: 1 }),
        Instr::ImmBorrowFieldGeneric(FieldInstRef { owner: StructInstIdx(0), field: 9 }),
        Instr::PackGeneric(StructInstIdx(3)),
        Instr::CallGeneric(FunctionInstIdx(4)),
        Instr::Pack(StructDefIdx(0)),
        Instr::VecLen(SignatureIdx(1)),
        Instr::VecLen(SignatureIdx(2)),
    ];
    // Wrong argument counts, a definition out of range, a type parameter
    // beyond the function's: all still print, raw, and read back.
    m.struct_instantiations.push(StructInstantiation { def: StructDefIdx(9), type_args: vec![Type::TypeParam(4)] });
    m.function_instantiations.push(FunctionInstantiation { handle: FunctionHandleIdx(0), type_args: vec![] });
    m.signatures.push(Type::StructInst(StructHandleIdx(2), vec![Type::U8]));
    // A generic struct without arguments is written `#0`, so the signature is named by index.
    m.signatures.push(Type::Struct(StructHandleIdx(0)));
    m.structs[0].fields[0].ty = Type::StructInst(StructHandleIdx(40), vec![Type::TypeParam(1)]);
    m.function_handles[0].access.0.push(Access::plain(AccessMode::Read, StructHandleIdx(1), AddressSource::Any));
    let text = disassemble(&m);
    for expected in [
        "    pack_generic #40?\n",
        "    call_generic #41?\n",
        "    imm_borrow_field_generic #42?.1\n",
        "    imm_borrow_field_generic Coin<T0>.9\n",
        "    pack_generic #9?<#T4>\n",
        "    call_generic #0<>\n",
        "    pack #0\n",
        "    vec_len #2<u8>\n    vec_len #2\n",
        "signature #0\n",
        "    value: #40?<#T1>,\n",
        "read #1(*)",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    m.structs[0].fields[0].ty = Type::StructInst(StructHandleIdx(0), vec![Type::TypeParam(1)]);
    let text = disassemble(&m);
    assert_eq!(assemble(&text), Ok(m), "{text}");
}

#[test]
fn large_instantiation_tables_round_trip_in_linear_time() {
    // 20,000 distinct instantiations, each named once, in reverse table
    // order (so the text lists the table): quadratic lookups would take
    // minutes here, hashed ones take a moment.
    const N: u16 = 20_000;
    let mut m = assemble("module 0x1::m\nstruct S<T0> has drop { f: T0 }\nfun f<T0>() {\n  ret\n}").unwrap();
    m.struct_instantiations =
        (0..N).map(|i| StructInstantiation { def: StructDefIdx(0), type_args: vec![Type::TypeParam(i)] }).collect();
    m.function_instantiations = (0..N)
        .map(|i| FunctionInstantiation { handle: FunctionHandleIdx(0), type_args: vec![Type::TypeParam(i)] })
        .collect();
    m.signatures = (0..N).map(Type::TypeParam).collect();
    m.functions[0].code = (0..N)
        .rev()
        .flat_map(|i| {
            [
                Instr::PackGeneric(StructInstIdx(i)),
                Instr::CallGeneric(FunctionInstIdx(i)),
                Instr::VecLen(SignatureIdx(i)),
            ]
        })
        .collect();
    let text = disassemble(&m);
    assert!(text.contains("struct_inst S<T19999>\n") && text.contains("    pack_generic S<#T19999>\n"));
    assert_eq!(assemble(&text), Ok(m));
}
