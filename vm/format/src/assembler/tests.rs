use super::*;
use crate::file_format::*;

const COIN: &str = include_str!("../../tests/data/coin.rasm");

/// The example in this module's documentation, without the `//! ` prefixes.
fn doc_example() -> String {
    let source = include_str!("mod.rs");
    let lines: Vec<&str> = source
        .lines()
        .skip_while(|l| *l != "//! ```text")
        .skip(1)
        .take_while(|l| *l != "//! ```")
        .map(|l| l.strip_prefix("//! ").unwrap_or(l.strip_prefix("//!").unwrap_or(l)))
        .collect();
    lines.join("\n") + "\n"
}

fn err(text: &str) -> AsmError {
    assemble(text).unwrap_err()
}

#[test]
fn the_documented_example_is_the_coin_file() {
    assert_eq!(doc_example(), COIN);
}

#[test]
fn assembles_the_coin_example() {
    let m = assemble(&doc_example()).unwrap();
    assert_eq!(m.self_id(), Some(&ModuleId::new(AccountAddress::from_u64(1), "coin")));
    assert_eq!(m.module_handles.len(), 1);
    let names: Vec<&str> = m.struct_handles.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(names, ["Coin", "Balance"]);
    assert_eq!(m.struct_handles[1].abilities, Abilities::KEY);
    assert_eq!(m.structs[1].fields, vec![FieldDef { name: "coin".into(), ty: Type::Struct(StructHandleIdx(0)) }]);
    assert_eq!(m.constants, vec![Constant { ty: Type::U64, value: ConstValue::U64(1) }]);
    assert!(m.signatures.is_empty());

    let functions: Vec<&str> = m.function_handles.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(functions, ["register", "balance_of", "mint", "transfer", "credit"]);
    let transfer = &m.function_handles[3];
    assert_eq!(transfer.params, vec![Type::Ref(Box::new(Type::Signer)), Type::Address, Type::U64]);
    let balance = StructHandleIdx(1);
    assert_eq!(
        transfer.access.0,
        vec![
            Access {
                type_args: Vec::new(),
                mode: AccessMode::Write,
                resource: balance,
                address: AddressSource::SignerOf(0),
                index: None,
            },
            Access {
                type_args: Vec::new(),
                mode: AccessMode::Write,
                resource: balance,
                address: AddressSource::Param(1),
                index: None,
            },
        ]
    );
    assert_eq!(m.function_handles[1].returns, vec![Type::U64]);

    let (_, def) = m.find_function("transfer").unwrap();
    assert_eq!((def.visibility, def.is_entry), (Visibility::Public, true));
    assert_eq!(def.locals, vec![Type::Address, Type::U64]);
    // `br_true debit` jumps over `ld_const E_INSUFFICIENT; abort`.
    let branch = def.code.iter().position(|i| matches!(i, Instr::BrTrue(_))).unwrap();
    assert_eq!(def.code[branch], Instr::BrTrue(CodeOffset(branch as u16 + 3)));
    assert_eq!(def.code[branch + 1..branch + 3], [Instr::LdConst(ConstIdx(0)), Instr::Abort]);
    assert_eq!(def.code[2], Instr::StLoc(LocalIdx(3)), "locals follow the three parameters");
    assert_eq!(def.code.last(), Some(&Instr::Ret));
    assert!(def.code.contains(&Instr::Call(FunctionHandleIdx(4))), "`credit` is used before its definition");
    assert!(def.code.contains(&Instr::MutBorrowField(FieldRef { owner: StructDefIdx(1), field: 0 })));

    let (_, credit) = m.find_function("credit").unwrap();
    assert_eq!((credit.visibility, credit.is_entry), (Visibility::Private, false));
}

#[test]
fn foreign_handles_aliases_and_signatures() {
    let m = assemble(
        "module 0x2::shop
         use 0x1::coin as c
         struct c::Coin has store
         struct 0x3::ticket::Ticket has key, store
         fun c::deposit(address, c::Coin) acquires write c::Balance(param 0)
         struct c::Balance has key
         public fun buy(to: address, money: 0x1::coin::Coin): vector<u8> {
             local v: vector<u8>
             move_loc to
             move_loc money
             call 0x1::coin::deposit
             vec_pack u8, 0
             st_loc v
             mut_borrow_loc v
             ld_u8 7
             vec_push_back u8
             mut_borrow_loc v
             vec_len vector<u64>
             pop
             move_loc v
             ret
         }",
    )
    .unwrap();
    let ids: Vec<String> = m.module_handles.iter().map(|id| id.to_string()).collect();
    assert_eq!(ids, ["0x2::shop", "0x1::coin", "0x3::ticket"], "0x3::ticket is added on demand");
    assert_eq!(
        m.struct_handles[1],
        StructHandle {
            type_params: Vec::new(),
            module: ModuleHandleIdx(2),
            name: "Ticket".into(),
            abilities: Abilities::KEY.union(Abilities::STORE)
        }
    );
    assert_eq!(m.function_handles[0].access.0[0].resource, StructHandleIdx(2), "Balance is declared after its use");
    assert_eq!(m.signatures, vec![Type::U8, Type::Vector(Box::new(Type::U64))]);
    let code = &m.functions[0].code;
    assert_eq!(code[3], Instr::VecPack(SignatureIdx(0), 0));
    assert_eq!(code[7], Instr::VecPushBack(SignatureIdx(0)));
    assert_eq!(code[9], Instr::VecLen(SignatureIdx(1)));
}

#[test]
fn raw_indexes_and_numbers_are_taken_unchecked() {
    let m = assemble("module 0x1::m\nfun f() {\n  call #9\n  pack #4\n  imm_borrow_field #4.2\n  copy_loc 200\n  branch 77\n  vec_len #3?\n  ld_const 5\n}").unwrap();
    assert_eq!(
        m.functions[0].code,
        vec![
            Instr::Call(FunctionHandleIdx(9)),
            Instr::Pack(StructDefIdx(4)),
            Instr::ImmBorrowField(FieldRef { owner: StructDefIdx(4), field: 2 }),
            Instr::CopyLoc(LocalIdx(200)),
            Instr::Branch(CodeOffset(77)),
            Instr::VecLen(SignatureIdx(3)),
            Instr::LdConst(ConstIdx(5)),
        ]
    );
}

#[test]
fn constants_take_their_type_from_the_declaration() {
    let m = assemble(
        "module 0x1::m
         const A: vector<vector<u8>> = [x\"0102\", b\"hi\", []]
         const B: address = 0x1f
         const C: u128 = 0xffff_ffff
         const D: bool = 5u8
         const E: vector<address> = [@0x2]",
    )
    .unwrap();
    let bytes = |b: &[u8]| ConstValue::Vector(b.iter().map(|&x| ConstValue::U8(x)).collect());
    let values: Vec<&ConstValue> = m.constants.iter().map(|c| &c.value).collect();
    assert_eq!(
        values,
        [
            &ConstValue::Vector(vec![bytes(&[1, 2]), bytes(b"hi"), ConstValue::Vector(vec![])]),
            &ConstValue::Address(AccountAddress::from_u64(0x1f)),
            &ConstValue::U128(0xffff_ffff),
            &ConstValue::U8(5),
            &ConstValue::Vector(vec![ConstValue::Address(AccountAddress::from_u64(2))]),
        ]
    );
}

#[test]
fn errors_point_at_the_problem() {
    let cases: &[(&str, (u32, u32), &str)] = &[
        ("", (1, 1), "empty input"),
        ("use 0x1::a", (1, 1), "a module starts with"),
        ("module 0x1::m\nfun f() {\n  br_false nowhere\n}", (3, 12), "unknown label `nowhere`"),
        ("module 0x1::m\nfun f() {\n  frobnicate\n}", (3, 3), "unknown instruction `frobnicate`"),
        ("module 0x1::m\nfun f() {\n  ld_u64\n  ret\n}", (3, 9), "expected a u64, found end of line"),
        ("module 0x1::m\nfun f() {\n  ld_u8 256\n}", (3, 9), "256 is too large for a u8"),
        ("module 0x1::m\nstruct S { f: Missing }", (2, 15), "unknown struct `Missing`"),
        ("module 0x1::m\nstruct S {}\nstruct S {}", (3, 8), "defined twice"),
        ("module 0x1::m\nconst A: u64 = 300u8", (2, 16), "300u8 does not fit in u8"),
        ("module 0x1::m\nconst A: vector<u64> = [1u64, x]", (2, 31), "expected a constant value"),
        ("module 0x1::m\nfun f(u64)\nfun f(u8) {}", (3, 5), "declared at line 2 with another signature"),
        ("module 0x1::m\nfun 0x1::n::g() {}", (2, 5), "another module cannot be defined"),
        ("module 0x1::m\npublic fun g()", (2, 1), "belong on a function definition"),
        (
            "module 0x1::m\nfun f(a: u64) acquires write S(param b) {}\nstruct S has key {}",
            (2, 38),
            "no parameter named `b`",
        ),
        ("module 0x1::m\nstruct 0x2::n::S has key\nfun f() {\n  pack 0x2::n::S\n}", (4, 8), "defined in this module"),
        ("module 0x1::m\nfun f() {\n  call g\n}", (3, 8), "unknown function `g`"),
        ("module 0x1::m\nfun f(a: u64, a: u64) {}", (2, 15), "`a` names two locals"),
        ("module 0x1::m use 0x1::n", (1, 15), "expected end of line"),
        ("module 0x1::m\nuse 0x2::a\nuse 0x3::a\nfun f(a::T) {}", (4, 7), "ambiguous"),
        ("module 0x1::m\nconst A: u64 = 1\nconst A: u64 = 2", (3, 1), "declared twice"),
        ("module 0x1::m\nstruct S has shiny", (2, 14), "unknown ability `shiny`"),
        (
            "module 0x1::m\nstruct S has key {}\nfun f(a: address) acquires read S(object(param a, 7)) {}",
            (3, 51),
            "an object's seed: `param N` or a byte string",
        ),
        (
            "module 0x1::m\nstruct S has key {}\nfun f(a: address) acquires read S(object 0x2::n(param a, b\"x\")) {}",
            (3, 42),
            "unknown module `0x2::n`",
        ),
        (
            "module 0x1::m\nstruct S has key {}\nfun f(a: address) acquires read S(object(param a, x\"000000000000000000000000000000000000000000000000000000000000000000\")) {}",
            (3, 51),
            "at most 32 bytes",
        ),
    ];
    for (text, (line, col), message) in cases {
        let e = err(text);
        assert!(e.message.contains(message), "{text:?}: got {e}, expected {message:?}");
        assert_eq!((e.line, e.col), (*line, *col), "{text:?}: {e}");
    }
}

#[test]
fn nesting_is_bounded() {
    let deep_type = format!("module 0x1::m\nsignature {}u8{}", "vector<".repeat(100_000), ">".repeat(100_000));
    assert!(err(&deep_type).message.contains("nested deeper than 64"));
    let deep_const = format!("module 0x1::m\nconst A: u8 = {}", "[".repeat(100_000));
    assert!(err(&deep_const).message.contains("nested deeper than 64"));
    let ok = format!("module 0x1::m\nsignature {}u8{}", "&".repeat(64), "");
    assert!(assemble(&ok).is_ok());
    // Type arguments nest like vectors, in types and in instruction operands.
    let deep_args = format!("module 0x1::m\nsignature {}u8{}", "S<".repeat(100_000), ">".repeat(100_000));
    assert!(err(&deep_args).message.contains("nested deeper than 64"));
    let deep_operand =
        format!("module 0x1::m\nfun f() {{\n  pack_generic {}u8{}\n}}", "S<".repeat(100_000), ">".repeat(100_000));
    assert!(err(&deep_operand).message.contains("nested deeper than 64"));
    let ok = format!("module 0x1::m\nstruct S<T0> {{}}\nsignature {}u8{}", "S<".repeat(64), ">".repeat(64));
    assert!(assemble(&ok).is_ok());
    let many = format!("module 0x1::m\nsignature S<{}u8>", "u8, ".repeat(32));
    assert!(err(&many).message.contains("more than 32 type arguments"));
}

#[test]
fn hostile_text_never_panics() {
    let fragments = [
        "module",
        " 0x1",
        "::",
        "m",
        "\n",
        "fun",
        "struct",
        "{",
        "}",
        "(",
        ")",
        ":",
        ",",
        "#",
        "99999999999999999999999",
        "vector<",
        ">",
        "&mut",
        "call",
        "ld_u128",
        "x\"zz\"",
        "b\"\\x",
        "@",
        "acquires",
        "read",
        "S(",
        "*",
        "é",
        "local",
        "L:",
        ".",
        "0x",
        "u64",
        "[",
        "]",
        "=",
        "const",
        "signature",
        "use",
        "as",
        "<",
        "T0",
        "T1",
        "#T2",
        "phantom",
        "+",
        "pack_generic",
        "call_generic",
        "imm_borrow_field_generic",
        "struct_inst",
        "fun_inst",
        "S<",
    ];
    // A deterministic walk over many combinations of the fragments.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..3000 {
        let mut text = String::from("module 0x1::m\n");
        for _ in 0..(state % 24) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            text.push_str(fragments[(state % fragments.len() as u64) as usize]);
            if state.is_multiple_of(3) {
                text.push(' ');
            }
        }
        let _ = assemble(&text);
    }
}

#[test]
fn mutated_coin_text_never_panics() {
    let bytes = COIN.as_bytes();
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state as usize
    };
    let alphabet = b" \n:,(){}<>&=*[]@#.?0123456789xabu_";
    let mut assembled = 0;
    for _ in 0..2000 {
        let mut text = bytes.to_vec();
        for _ in 0..1 + next() % 4 {
            let at = next() % text.len();
            match next() % 3 {
                0 => text[at] = alphabet[next() % alphabet.len()],
                1 => drop(text.drain(at..(at + 1 + next() % 12).min(text.len()))),
                _ => text.insert(at, alphabet[next() % alphabet.len()]),
            }
        }
        if let Ok(text) = String::from_utf8(text) {
            assembled += usize::from(assemble(&text).is_ok());
        }
    }
    // Some mutations only touch comments or rename a local consistently enough to assemble.
    assert!(assembled < 2000);
}

const GENERIC_COIN: &str = include_str!("../../tests/data/generic_coin.rasm");

#[test]
fn assembles_the_generic_coin() {
    let m = assemble(GENERIC_COIN).unwrap();
    let t0 = Type::TypeParam(0);
    let coin = |arg: Type| Type::StructInst(StructHandleIdx(0), vec![arg]);
    let phantom = StructTypeParam { constraints: Abilities::EMPTY, is_phantom: true };
    assert_eq!(m.struct_handles[0].type_params, vec![phantom]);
    assert_eq!(
        m.struct_handles[2].type_params,
        vec![
            StructTypeParam { constraints: Abilities::COPY.union(Abilities::DROP), is_phantom: false },
            StructTypeParam { constraints: Abilities::EMPTY, is_phantom: false },
        ]
    );
    assert_eq!(m.structs[1].fields[0].ty, coin(t0.clone()));
    assert_eq!(m.structs[2].fields[1].ty, Type::TypeParam(1));
    let (_, merge) = m.find_function("merge").unwrap();
    let merge_handle = &m.function_handles[merge.handle.index()];
    assert_eq!(merge_handle.type_params, vec![Abilities::EMPTY]);
    assert_eq!(merge_handle.params, vec![Type::MutRef(Box::new(coin(t0.clone()))), coin(t0.clone())]);
    let register = m.function_handles.iter().find(|h| h.name == "register").unwrap();
    assert_eq!(register.access.0[0].type_args, vec![t0.clone()]);
    // First-use order: Coin<T0>, Balance<T0>, Coin<u64>, Pair<u64, vector<Coin<u64>>>.
    let insts: Vec<(u16, Vec<Type>)> = m.struct_instantiations.iter().map(|i| (i.def.0, i.type_args.clone())).collect();
    assert_eq!(
        insts,
        vec![
            (0, vec![t0.clone()]),
            (1, vec![t0.clone()]),
            (2, vec![Type::U64, Type::Vector(Box::new(coin(Type::U64)))]),
        ]
    );
    let funs: Vec<(u16, Vec<Type>)> =
        m.function_instantiations.iter().map(|i| (i.handle.0, i.type_args.clone())).collect();
    assert_eq!(funs, vec![(0, vec![t0.clone()]), (2, vec![t0.clone()]), (1, vec![t0]), (0, vec![Type::U64])]);
    let (_, value) = m.find_function("value").unwrap();
    assert_eq!(value.code[1], Instr::ImmBorrowFieldGeneric(FieldInstRef { owner: StructInstIdx(0), field: 0 }));
    assert_eq!(m.signatures, vec![coin(Type::U64)]);
    assert_eq!(assemble(&crate::disasm::disassemble(&m)), Ok(m));
}

#[test]
fn generic_errors_point_at_the_problem() {
    let pair = "module 0x1::m\nstruct P<T0, T1> has drop { a: T0, b: T1 }\n";
    let s = "module 0x1::m\nstruct S has drop { f: u64 }\n";
    let cases: &[(String, (u32, u32), &str)] = &[
        (
            "module 0x1::m\nfun f<T0, T1>(T3) {}".into(),
            (2, 15),
            "unknown type parameter `T3`: this declaration has 2 type parameters, T0 to T1 (write `#T3`",
        ),
        (
            "module 0x1::m\nstruct S { f: T0 }".into(),
            (2, 15),
            "unknown type parameter `T0`: this declaration is not generic",
        ),
        ("module 0x1::m\nstruct S<T0> { f: vector<T1> }".into(), (2, 26), "has 1 type parameter, T0"),
        (
            "module 0x1::m\nstruct B<T0> has key\nfun f<T0>(address) acquires read B<T1>(param 0)".into(),
            (3, 36),
            "unknown type parameter `T1`",
        ),
        ("module 0x1::m\nfun f<T1>() {}".into(), (2, 7), "positional: this one must be named `T0`, not `T1`"),
        ("module 0x1::m\nfun f<phantom T0>() {}".into(), (2, 7), "must be named `T0`, not `phantom`"),
        ("module 0x1::m\nstruct S<T0: shiny> {}".into(), (2, 14), "unknown ability `shiny`"),
        ("module 0x1::m\nstruct S<T0: copy drop> {}".into(), (2, 19), "expected `>`, found `drop`"),
        ("module 0x1::m\nstruct S<T0 has key {}".into(), (2, 13), "expected `>`, found `has`"),
        (
            "module 0x1::m\nstruct S<T0> has key\nstruct S has key {}".into(),
            (3, 8),
            "declared with other type parameters",
        ),
        (
            "module 0x1::m\nfun f<T0>(u8)\nfun f(u8) {}".into(),
            (3, 5),
            "declared at line 2 with another signature, type parameters",
        ),
        (format!("{pair}fun f(P<u8>) {{}}"), (3, 7), "struct `P` takes 2 type argument(s), found 1"),
        (format!("{pair}fun f(P) {{}}"), (3, 7), "struct `P` is generic: write `P<..>` with 2 type argument(s)"),
        (format!("{s}fun f(S<u8>) {{}}"), (3, 7), "struct `S` is not generic"),
        (
            format!("{s}fun f() {{\n  pack_generic S<u64>\n}}"),
            (4, 16),
            "struct `S` is not generic: use the instruction without `_generic`",
        ),
        (format!("{pair}fun f() {{\n  pack P\n}}"), (4, 8), "struct `P` is generic: use the `_generic` instruction"),
        (format!("{pair}fun f() {{\n  imm_borrow_field P.a\n}}"), (4, 20), "struct `P` is generic"),
        (format!("{pair}fun f() {{\n  pack_generic P<u8>\n}}"), (4, 16), "takes 2 type argument(s), found 1"),
        (format!("{pair}fun f() {{\n  pack_generic P\n}}"), (4, 17), "expected `<` and type arguments"),
        (format!("{pair}fun f<T0>() {{\n  unpack_generic P<T0, T2>\n}}"), (4, 24), "unknown type parameter `T2`"),
        (
            format!("{pair}fun f() {{\n  mut_borrow_field_generic P<u8, u8>.c\n}}"),
            (4, 28),
            "the struct has no field `c`",
        ),
        (format!("{pair}fun f() {{\n  mut_borrow_field_generic P<u8, u8>\n}}"), (4, 37), "expected `.`"),
        (
            "module 0x1::m\nfun g<T0>() {}\nfun f() {\n  call g\n}".into(),
            (4, 8),
            "function `g` is generic: use `call_generic g<..>`",
        ),
        (
            "module 0x1::m\nfun g<T0>() {}\nfun f() {\n  call_generic g<u8, u8>\n}".into(),
            (4, 16),
            "function `g` takes 1 type argument(s), found 2",
        ),
        (
            "module 0x1::m\nfun g() {}\nfun f() {\n  call_generic g<u8>\n}".into(),
            (4, 16),
            "function `g` is not generic",
        ),
        ("module 0x1::m\nfun f() {\n  call_generic h<u8>\n}".into(), (3, 16), "unknown function `h`"),
        ("module 0x1::m\nfun f(#X1) {}".into(), (2, 8), "expected `T` and a number, found `X1`"),
        ("module 0x1::m\nstruct_inst S<u8>".into(), (2, 13), "unknown struct `S`"),
        (format!("{s}fun_inst S<u8>"), (3, 10), "unknown function `S`"),
        (format!("{s}signature S<vector<u8>"), (3, 23), "expected `>`, found end of input"),
        ("module 0x1::m\nstruct T0 has drop {}\nstruct S { f: T0 }".into(), (3, 15), "unknown type parameter `T0`"),
    ];
    for (text, (line, col), message) in cases {
        let e = err(text);
        assert!(e.message.contains(message), "{text:?}: got {e}, expected {message:?}");
        assert_eq!((e.line, e.col), (*line, *col), "{text:?}: {e}");
    }
}

#[test]
fn type_parameters_outside_declarations_and_raw_forms() {
    let m = assemble(
        "module 0x1::m
         struct P<T0: copy + drop + store + key, phantom T1: key> has drop { a: T0 }
         // At module level `Tn` is not checked: there is no declaration to check it against.
         signature vector<T7>
         const C: u8 = 1
         struct_inst P<T5, u8>
         fun_inst 0x2::n::g<T9>
         fun 0x2::n::g<T0: store>(T0, #T4): P<T0, T0>
         fun f(#T3) {
             local #T1
             pack_generic #0<u8>
             unpack_generic #0
             imm_borrow_field_generic #7.3
             call_generic #1<u8>
             call_generic #0
             vec_len #T2
             ret
         }",
    )
    .unwrap();
    let all = Abilities::COPY.union(Abilities::DROP).union(Abilities::STORE).union(Abilities::KEY);
    assert_eq!(
        m.struct_handles[0].type_params,
        vec![
            StructTypeParam { constraints: all, is_phantom: false },
            StructTypeParam { constraints: Abilities::KEY, is_phantom: true }
        ]
    );
    assert_eq!(m.signatures, vec![Type::Vector(Box::new(Type::TypeParam(7))), Type::TypeParam(2)]);
    let u8_inst = StructInstantiation { def: StructDefIdx(0), type_args: vec![Type::U8] };
    assert_eq!(
        m.struct_instantiations,
        vec![StructInstantiation { def: StructDefIdx(0), type_args: vec![Type::TypeParam(5), Type::U8] }, u8_inst]
    );
    assert_eq!(m.function_instantiations[0].type_args, vec![Type::TypeParam(9)]);
    assert_eq!(
        m.function_instantiations[1],
        FunctionInstantiation { handle: FunctionHandleIdx(1), type_args: vec![Type::U8] }
    );
    let g = &m.function_handles[0];
    assert_eq!((g.type_params.as_slice(), g.params[1].clone()), (&[Abilities::STORE][..], Type::TypeParam(4)));
    assert_eq!(g.returns, vec![Type::StructInst(StructHandleIdx(0), vec![Type::TypeParam(0), Type::TypeParam(0)])]);
    assert_eq!(m.function_handles[1].params, vec![Type::TypeParam(3)]);
    assert_eq!(m.functions[0].locals, vec![Type::TypeParam(1)]);
    assert_eq!(
        m.functions[0].code[..5],
        [
            Instr::PackGeneric(StructInstIdx(1)),
            Instr::UnpackGeneric(StructInstIdx(0)),
            Instr::ImmBorrowFieldGeneric(FieldInstRef { owner: StructInstIdx(7), field: 3 }),
            Instr::CallGeneric(FunctionInstIdx(1)),
            Instr::CallGeneric(FunctionInstIdx(0)),
        ]
    );
    assert_eq!(assemble(&crate::disasm::disassemble(&m)), Ok(m));
}

#[test]
fn a_struct_named_like_a_type_parameter_is_named_by_index() {
    // Type parameter names shadow struct names, everywhere a type is read;
    // such a struct is still declared by its name and named as `#N` in types.
    let m = assemble(
        "module 0x1::m
         struct T0 has drop {}
         struct T01 has drop {}
         struct S<T0> has drop { a: T0, b: #0, c: T01 }
         fun f() {
             pack T0
             pack_generic S<#0>
             ret
         }",
    )
    .unwrap();
    let fields: Vec<&Type> = m.structs[2].fields.iter().map(|f| &f.ty).collect();
    assert_eq!(fields, [&Type::TypeParam(0), &Type::Struct(StructHandleIdx(0)), &Type::Struct(StructHandleIdx(1))]);
    assert_eq!(m.functions[0].code[0], Instr::Pack(StructDefIdx(0)));
    assert_eq!(m.struct_instantiations[0].type_args, vec![Type::Struct(StructHandleIdx(0))]);
    let text = crate::disasm::disassemble(&m);
    assert!(text.contains("struct T0 has drop {}\n"), "{text}");
    assert!(text.contains("    a: T0,\n    b: #0,\n    c: T01,\n"), "{text}");
    assert!(text.contains("    pack #0\n    pack_generic S<#0>\n"), "{text}");
    assert_eq!(assemble(&text), Ok(m));
}
