use resin_vm::{AccountAddress, ModuleId};

use super::ast::*;
use super::parse_script;

fn one(src: &str) -> CommandKind {
    let mut cmds = parse_script(src).unwrap();
    assert_eq!(cmds.len(), 1, "{cmds:?}");
    cmds.remove(0).kind
}

fn err(src: &str) -> (u32, u32, String) {
    let e = parse_script(src).unwrap_err();
    (e.span.line, e.span.col, e.message)
}

#[test]
fn call_with_every_kind_of_literal() {
    let CommandKind::Call(call) = one("call alice 0x1::coin::transfer bob @0xB0B 10 7u8 true [1, 2] b\"ab\" gas 500")
    else {
        panic!("not a call")
    };
    assert_eq!(call.sender.node, AddressRef::Name("alice".into()));
    assert_eq!(call.function.node.module, ModuleRef::Qualified(ModuleId::new(AccountAddress::from_u64(1), "coin")));
    assert_eq!(call.function.node.name, "transfer");
    let args: Vec<Literal> = call.args.into_iter().map(|a| a.node).collect();
    assert_eq!(
        args,
        vec![
            Literal::Address(AddressRef::Name("bob".into())),
            Literal::Address(AddressRef::Literal(AccountAddress::from_u64(0xB0B))),
            Literal::Int { value: resin_vm::U256::from(10u32), suffix: None },
            Literal::Int { value: resin_vm::U256::from(7u32), suffix: Some(IntSuffix::U8) },
            Literal::Bool(true),
            Literal::Vector(vec![
                Spanned::new(
                    Literal::Int { value: resin_vm::U256::from(1u32), suffix: None },
                    Span { line: 1, col: 56 }
                ),
                Spanned::new(
                    Literal::Int { value: resin_vm::U256::from(2u32), suffix: None },
                    Span { line: 1, col: 59 }
                ),
            ]),
            Literal::Bytes(b"ab".to_vec()),
        ]
    );
    assert_eq!(call.gas, Some(500));
}

#[test]
fn short_module_names_and_gas_as_an_account() {
    let CommandKind::Call(call) = one("call alice coin::transfer gas 5") else { panic!() };
    assert_eq!(call.function.node.module, ModuleRef::Short("coin".into()));
    assert_eq!(call.gas, Some(5));
    let CommandKind::Call(call) = one("call alice coin::transfer gas") else { panic!() };
    assert_eq!(call.args[0].node, Literal::Address(AddressRef::Name("gas".into())));
    assert_eq!(err("call alice coin::f gas 5 6").2, "`gas N` must come last in a call");
}

#[test]
fn blocks_hold_calls_on_lines_or_after_semicolons() {
    let cmds = parse_script("block {\n  call a m::f 1\n  call b m::f 2; call c m::g\n}\nundo").unwrap();
    assert_eq!(cmds.len(), 2);
    let CommandKind::Block(calls) = &cmds[0].kind else { panic!() };
    assert_eq!(calls.len(), 3);
    assert_eq!(calls[2].span, Span { line: 3, col: 18 });
    assert_eq!(cmds[1].span, Span { line: 5, col: 1 });
    assert_eq!(
        one("block { call a m::f }"),
        CommandKind::Block(vec![match one("call a m::f") {
            CommandKind::Call(mut c) => {
                c.span.col = 9;
                c.sender.span.col = 14;
                c.function.span.col = 16;
                c
            }
            _ => panic!(),
        }])
    );
}

#[test]
fn inline_modules_are_raw_text() {
    let cmds = parse_script("account a\nmodule 0x1::m {\n  fun f() { }\n}\nshow a").unwrap();
    assert_eq!(cmds.len(), 3);
    assert_eq!(
        cmds[1].kind,
        CommandKind::Publish(PublishSource::Inline { text: "module 0x1::m {\n  fun f() { }\n}".into() })
    );
    assert_eq!(cmds[1].span, Span { line: 2, col: 1 });
}

#[test]
fn other_commands() {
    assert_eq!(one("publish examples/coin.rsn"), CommandKind::Publish(PublishSource::Path("examples/coin.rsn".into())));
    assert_eq!(one("publish \"my dir/x.rbc\""), CommandKind::Publish(PublishSource::Path("my dir/x.rbc".into())));
    assert_eq!(one("publish stdlib"), CommandKind::Publish(PublishSource::Stdlib(None)));
    assert_eq!(one("publish stdlib coin"), CommandKind::Publish(PublishSource::Stdlib(Some("coin".into()))));
    assert_eq!(
        one("account bob @0xB0B"),
        CommandKind::Account { name: "bob".into(), address: Some(AccountAddress::from_u64(0xB0B)) }
    );
    let CommandKind::AccountOf { name, view } = one("account pool = view amm::pool_address<u8> alice b\"usd-eur\"")
    else {
        panic!("not an account bound by a view")
    };
    assert_eq!(name, "pool");
    assert_eq!(view.function.node.module, ModuleRef::Short("amm".into()));
    assert_eq!(
        (view.function.node.name.as_str(), view.function.node.type_args.as_slice()),
        ("pool_address", &[TypeRef::U8][..])
    );
    assert_eq!(view.function.span, Span { line: 1, col: 21 });
    let args: Vec<Literal> = view.args.into_iter().map(|a| a.node).collect();
    assert_eq!(args, vec![Literal::Address(AddressRef::Name("alice".into())), Literal::Bytes(b"usd-eur".to_vec())]);
    assert_eq!(err("account pool = amm::pool_address"), (1, 16, "expected `view`, found `amm::pool_address`".into()));
    assert_eq!(
        err("account pool five"),
        (1, 14, "expected @0x... or `= view MODULE::FUNCTION ARGS`, found `five`".into())
    );
    let CommandKind::Expect(Expectation::View { view, values }) =
        one("expect view amm::reserves<u8, vector<u8>> pool [1] == 1000, [2, 3]")
    else {
        panic!("not an expectation of a view")
    };
    assert_eq!(view.function.node.name, "reserves");
    assert_eq!(view.function.node.type_args, vec![TypeRef::U8, TypeRef::Vector(Box::new(TypeRef::U8))]);
    assert_eq!(view.args.len(), 2);
    let values: Vec<Literal> = values.into_iter().map(|v| v.node).collect();
    let int = |i: u32| Literal::Int { value: resin_vm::U256::from(i), suffix: None };
    assert_eq!(values[0], int(1000));
    assert!(matches!(&values[1], Literal::Vector(items) if items.len() == 2));
    assert_eq!(err("expect view shop::count alice"), (1, 30, "expected `==` and the values the view returns".into()));
    assert_eq!(one("events all"), CommandKind::Events { all: true });
    assert_eq!(one("snapshot s1 # comment"), CommandKind::Snapshot("s1".into()));
    assert_eq!(one("expect abort 1"), CommandKind::Expect(Expectation::Abort(1)));
    assert_eq!(one("expect abort E_LOW"), CommandKind::Expect(Expectation::AbortNamed("E_LOW".into())));
    let CommandKind::Expect(Expectation::Field { path, resource, value, .. }) =
        one("expect field alice coin::Balance.coin.value == 990")
    else {
        panic!()
    };
    assert_eq!((path, resource), (vec!["coin".to_string(), "value".to_string()], "Balance".to_string()));
    assert_eq!(value.node, Literal::Int { value: resin_vm::U256::from(990u32), suffix: None });
    let CommandKind::Transfers(t) = one("transfers 1_000 between 50 accounts amount 3 seed 9 hot") else { panic!() };
    assert_eq!((t.txs, t.accounts, t.amount, t.seed, t.hot), (1000, 50, 3, 9, true));
}

#[test]
fn errors_carry_line_and_column() {
    assert_eq!(err("undo\n  frobnicate x"), (2, 3, "unknown command `frobnicate` (try `help`)".into()));
    assert_eq!(
        // Over u256's maximum (about 1.16e77): no parameter could take it.
        err("call alice coin::transfer 1000000000000000000000000000000000000000000000000000000000000000000000000000000"),
        (1, 27, "`1000000000000000000000000000000000000000000000000000000000000000000000000000000` is not a number (or it does not fit in u256)".into())
    );
    assert_eq!(err("call alice transfer").2, "expected MODULE::FUNCTION, found `transfer`");
    assert_eq!(
        err("call alice coin::transfer bob -1"),
        (
            1,
            31,
            "`-1` is negative, and Resin's integers are unsigned (u8 to u256): there are no negative numbers".into()
        )
    );
    assert_eq!(err("call alice coin::f [1, -2u8]").0, 1);
    assert_eq!(err("block {\n  show a\n}").0, 2);
    assert_eq!(err("undo now"), (1, 6, "unexpected `now` after `undo`".into()));
    assert_eq!(err("account 9x").2, "`9x` is not a valid account name (letters, digits, `_`, `-`)");
    assert_eq!(err("show @0xZZ").1, 6);
    assert_eq!(err("call a m::f [1 2]").2, "expected `,` or `]`, found `2`");
    assert_eq!(err("transfers 10 between 1 accounts").1, 22);
}

#[test]
fn incomplete_input_is_marked_for_the_repl() {
    for src in ["block {\n call a m::f", "module 0x1::m {", "block {\n", "block"] {
        let e = parse_script(src).unwrap_err();
        assert!(e.incomplete, "{src}: {e:?}");
    }
    assert!(!parse_script("call a").unwrap_err().incomplete);
    assert!(!parse_script("call a m::f [1,").unwrap_err().incomplete);
    assert!(!parse_script("nonsense").unwrap_err().incomplete);
}

mod properties {
    use proptest::prelude::*;

    use super::{one, parse_script, CommandKind, Literal};

    /// Words the parser knows, so random scripts get past the first token.
    const WORDS: &[&str] = &[
        "call",
        "block",
        "{",
        "}",
        "[",
        "]",
        ",",
        ";",
        "\n",
        "module",
        "publish",
        "account",
        "show",
        "expect",
        "field",
        "transfers",
        "between",
        "accounts",
        "gas",
        "alice",
        "@0x1",
        "0x1::coin::transfer",
        "coin::f",
        "12u8",
        "b\"x\"",
        "x\"0a\"",
        "\"",
        "#",
        "//",
        "true",
        "==",
        "abort",
        "99999999999999999999999999999999999999999",
        "for",
        "i",
        "in",
        "0..3",
        "user{i}",
        "{i * 2}",
        "b\"s-{i}\"",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// What `show` prints of a byte vector is the literal a script
        /// writes for it: any bytes, and printable ones with the characters
        /// a byte string escapes (`"`, `\\`) or doubles (`{`).
        #[test]
        fn a_printed_byte_string_reads_back_as_the_same_bytes(
            any_bytes in proptest::collection::vec(any::<u8>(), 0..48),
            text in "[ -~]{0,48}",
        ) {
            for bytes in [any_bytes, text.into_bytes()] {
                let literal = resin_vm::byte_literal(&bytes);
                let CommandKind::Call(call) = one(&format!("call alice 0x1::m::f {literal}")) else {
                    panic!("not a call")
                };
                prop_assert_eq!(&call.args[0].node, &Literal::Bytes(bytes), "{}", literal);
            }
        }

        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
            let _ = parse_script(&text);
        }

        #[test]
        fn word_salad_never_panics(words in proptest::collection::vec(0..WORDS.len(), 0..40)) {
            let text: Vec<&str> = words.iter().map(|&i| WORDS[i]).collect();
            let text = text.join(" ");
            if let Err(e) = parse_script(&text) {
                // Locations always point into the text.
                let lines = text.split('\n').count() as u32;
                prop_assert!(e.span.line >= 1 && e.span.line <= lines.max(1));
            }
        }
    }
}

#[test]
fn prove_names_an_account_and_a_resource_type() {
    let CommandKind::Prove(r) = one("prove alice 0x1::coin::Balance") else { panic!() };
    assert_eq!(r.address.node, AddressRef::Name("alice".into()));
    assert_eq!(r.resource, "Balance");
    assert_eq!((r.span.line, r.span.col), (1, 13));
    assert!(matches!(one("prove @0xb0b coin::Balance"), CommandKind::Prove(_)));
    assert!(parse_script("prove alice").is_err());
    assert!(parse_script("prove alice coin").is_err());
    assert!(parse_script("prove alice coin::Balance extra").is_err());
}

#[test]
fn calls_and_resources_take_type_arguments() {
    let CommandKind::Call(call) = one("call alice 0x1::coin::transfer<0x2::usd::USD> bob 10") else { panic!() };
    assert_eq!(call.function.node.name, "transfer");
    let usd = ModuleRef::Qualified(ModuleId::new(AccountAddress::from_u64(2), "usd"));
    assert_eq!(call.function.node.type_args, vec![TypeRef::Struct { module: usd, name: "USD".into(), args: vec![] }]);
    assert_eq!(call.args.len(), 2);
    // The lexer splits at commas and spaces; the name is rejoined up to its closing `>`.
    let CommandKind::Call(call) = one("call alice pair::make<u8, vector<u64>> 1 [2]") else { panic!() };
    assert_eq!(call.function.node.type_args, vec![TypeRef::U8, TypeRef::Vector(Box::new(TypeRef::U64))]);
    assert_eq!(call.args.len(), 2);
    let CommandKind::Prove(r) = one("prove alice coin::Balance<usd::USD>") else { panic!() };
    assert_eq!((r.resource.as_str(), r.type_args.len()), ("Balance", 1));
    let CommandKind::Access(f) = one("access coin::transfer<eur::EUR>") else { panic!() };
    assert_eq!(f.node.type_args.len(), 1);

    assert_eq!(
        err("call alice coin::transfer<usd::USD bob 10").2,
        "in the type arguments of `coin::transfer<usd::USD bob 10`: expected `,` or `>`"
    );
    assert_eq!(
        err("call alice coin::transfer<usd::USD,").2,
        "in the type arguments of `coin::transfer<usd::USD, `: expected a type"
    );
    assert_eq!(err("call alice coin::transfer<[1]> 1"), (1, 12, "expected a type argument, found `[`".to_string()));
}

#[test]
fn keyed_entries_are_named_by_anchor_and_index() {
    let CommandKind::Show(ShowTarget::Resource(r)) = one("show token::Allowance@alice[bob]") else { panic!() };
    assert_eq!((r.module.clone(), r.resource.as_str()), (ModuleRef::Short("token".into()), "Allowance"));
    assert_eq!(r.address.node, AddressRef::Name("alice".into()));
    assert_eq!(r.address.span, Span { line: 1, col: 23 }, "the account's own column");
    assert_eq!(r.index.map(|i| i.node), Some(Literal::Address(AddressRef::Name("bob".into()))));
    let CommandKind::Show(ShowTarget::Resource(r)) = one("show 0x2::nft::Token<u8>@0xc0[[1, 2]]") else { panic!() };
    assert_eq!(r.type_args, vec![TypeRef::U8]);
    assert_eq!(r.address.node, AddressRef::Literal(AccountAddress::from_u64(0xc0)));
    assert!(matches!(r.index.map(|i| i.node), Some(Literal::Vector(items)) if items.len() == 2));
    // A struct-built index: its fields in parentheses, each a plain argument.
    let CommandKind::Show(ShowTarget::Resource(r)) = one("show book::Order@m[(m, 7u8, [1])]") else { panic!() };
    let Some(Literal::Fields(fields)) = r.index.map(|i| i.node) else { panic!() };
    let fields: Vec<Literal> = fields.into_iter().map(|f| f.node).collect();
    assert_eq!(
        fields[..2],
        [
            Literal::Address(AddressRef::Name("m".into())),
            Literal::Int { value: 7u32.into(), suffix: Some(IntSuffix::U8) }
        ]
    );
    assert!(matches!(&fields[2], Literal::Vector(items) if items.len() == 1));
    assert_eq!(
        err("show book::Order@m[(m, 7]"),
        (1, 25, "expected `,` or `)` in the index's fields, found `]`".into())
    );
    assert_eq!(err("show book::Order@m[()]"), (1, 21, "expected an argument, found `)`".into()));
    assert_eq!(err("call alice book::place (1)"), (1, 24, "expected an argument, found `(`".into()));
    let CommandKind::Show(ShowTarget::Resource(r)) = one("show coin::Balance@alice") else { panic!() };
    assert_eq!(r.index, None);
    assert!(matches!(one("show alice"), CommandKind::Show(ShowTarget::Account(_))));
    let CommandKind::Expect(Expectation::Field { index, path, resource, .. }) =
        one("expect field alice token::Allowance[bob].amount == 30")
    else {
        panic!()
    };
    assert_eq!((resource.as_str(), path), ("Allowance", vec!["amount".to_string()]));
    assert_eq!(index.map(|i| i.node), Some(Literal::Address(AddressRef::Name("bob".into()))));
    let CommandKind::Expect(Expectation::Missing { index, .. }) = one("expect missing alice nft::Token[7u8]") else {
        panic!()
    };
    assert_eq!(
        index.map(|i| i.node),
        Some(Literal::Int { value: resin_vm::U256::from(7u32), suffix: Some(IntSuffix::U8) })
    );
    let CommandKind::Prove(r) = one("prove alice token::Allowance[bob]") else { panic!() };
    assert!(r.index.is_some());
    assert_eq!(err("show token::Allowance@alice[bob").2, "expected `]` after the index, found end of input");
    assert_eq!(err("expect missing alice t::A[b].x").2, "`expect missing` takes a resource, not a field");
}

#[test]
fn time_and_height_set_the_block_context() {
    assert_eq!(one("time"), CommandKind::Time(None));
    assert_eq!(one("time 1_700_000_000"), CommandKind::Time(Some(TimeChange::Set(1_700_000_000))));
    assert_eq!(one("time +3600"), CommandKind::Time(Some(TimeChange::Advance(3600))));
    assert_eq!(one("height 42"), CommandKind::Height(Some(42)));
    assert_eq!(one("height"), CommandKind::Height(None));
    assert_eq!(one("expect counter-overflow"), CommandKind::Expect(Expectation::CounterOverflow));
    assert_eq!(err("time 5u8").2, "expected a block time (seconds) or +SECONDS, found `5u8`");
    assert_eq!(err("height -1").2, "expected a block height, found `-1`");
    assert_eq!(err("time 1 2").2, "unexpected `2` after `time`");
}

#[test]
fn integers_of_every_width_parse_with_their_suffixes() {
    use super::words::parse_int;
    use resin_vm::U256;
    assert_eq!(parse_int("65535u16"), Some((U256::from(65_535u32), Some(IntSuffix::U16))));
    assert_eq!(parse_int("0xffff_ffffu32"), Some((U256::from(u32::MAX), Some(IntSuffix::U32))));
    let max = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
    assert_eq!(parse_int(&format!("{max}u256")), Some((U256::MAX, Some(IntSuffix::U256))));
    assert_eq!(parse_int(max), Some((U256::MAX, None)));
    // One more than u256's maximum, or not a number at all.
    assert_eq!(parse_int(&format!("{max}0")), None);
    assert_eq!(parse_int("12abc"), None);
}

fn int(v: u64) -> Literal {
    Literal::Int { value: resin_vm::U256::from(v), suffix: None }
}

#[test]
fn for_loops_expand_into_commands_at_top_level() {
    let cmds = parse_script("for i in 0..3 {\n  account user{i}\n}\nundo").unwrap();
    let names: Vec<CommandKind> = cmds.iter().map(|c| c.kind.clone()).collect();
    assert_eq!(
        names,
        vec![
            CommandKind::Account { name: "user0".into(), address: None },
            CommandKind::Account { name: "user1".into(), address: None },
            CommandKind::Account { name: "user2".into(), address: None },
            CommandKind::Undo,
        ]
    );
    // Every expanded command keeps the location of its text in the body.
    assert!(cmds[..3].iter().all(|c| c.span == Span { line: 2, col: 3 }));
    // On one line, and an empty range expands to nothing.
    assert_eq!(parse_script("for i in 2..4 { account a{i}; undo }").unwrap().len(), 4);
    assert!(parse_script("for i in 5..5 { account a{i} }").unwrap().is_empty());
}

#[test]
fn for_loops_in_a_block_make_one_block() {
    let cmds = parse_script(
        "block {\n  call z m::f\n  for i in 0..4 {\n    call u{i} m::f u{(i + 1) % 4} {i * 10 + 1}\n  }\n}",
    )
    .unwrap();
    assert_eq!(cmds.len(), 1);
    let CommandKind::Block(calls) = &cmds[0].kind else { panic!() };
    assert_eq!(calls.len(), 5);
    assert_eq!(calls[4].sender.node, AddressRef::Name("u3".into()));
    assert_eq!(calls[4].args[0].node, Literal::Address(AddressRef::Name("u0".into())));
    assert_eq!(calls[4].args[1].node, int(31));
    assert_eq!(calls[4].span, Span { line: 4, col: 5 });
    // A loop of blocks: one block per value.
    let cmds = parse_script("for b in 0..3 { block { call a m::f {b} } }").unwrap();
    assert_eq!(cmds.len(), 3);
    let CommandKind::Block(calls) = &cmds[2].kind else { panic!() };
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].args[0].node, int(2));
}

#[test]
fn nested_loops_see_every_variable_in_scope() {
    let src = "block {\n for i in 0..3 {\n  for j in 0..{i} {\n   call a{i}_{j} m::f {i * 100 + j} b\"k-{i}-{j}\"\n  }\n }\n}";
    let cmds = parse_script(src).unwrap();
    let CommandKind::Block(calls) = &cmds[0].kind else { panic!() };
    // i = 1: j in 0..1; i = 2: j in 0..2.
    let senders: Vec<AddressRef> = calls.iter().map(|c| c.sender.node.clone()).collect();
    let name = |s: &str| AddressRef::Name(s.into());
    assert_eq!(senders, vec![name("a1_0"), name("a2_0"), name("a2_1")]);
    assert_eq!(calls[2].args[0].node, int(201));
    assert_eq!(calls[2].args[1].node, Literal::Bytes(b"k-2-1".to_vec()));
    // Nested at top level too, with an expectation per pair.
    let cmds = parse_script("for i in 0..2 {\n for j in 0..2 {\n  expect field u{i} m::R.v == {i + j}\n }\n}").unwrap();
    assert_eq!(cmds.len(), 4);
}

#[test]
fn substitutions_in_byte_strings_and_escaped_braces() {
    let CommandKind::Call(call) = one("call a m::f b\"{{plain}\"") else { panic!() };
    assert_eq!(call.args[0].node, Literal::Bytes(b"{plain}".to_vec()));
    let cmds = parse_script("for i in 7..8 { call a m::f b\"seed-{i}\" x\"7b7d\" }").unwrap();
    let CommandKind::Call(call) = &cmds[0].kind else { panic!() };
    assert_eq!(call.args[0].node, Literal::Bytes(b"seed-7".to_vec()));
    // Hex strings are bytes, never templates.
    assert_eq!(call.args[1].node, Literal::Bytes(b"{}".to_vec()));
}

#[test]
fn loop_and_substitution_errors_have_locations() {
    // A variable no loop binds.
    assert_eq!(
        err("account user{i}"),
        (
            1,
            13,
            "in `{i}`: unknown variable `i` (no loop variable is bound here: `{EXPR}` belongs in the body of a `for`)"
                .into()
        )
    );
    assert_eq!(err("for i in 0..2 {\n account u{j}\n}"), (2, 11, "in `{j}`: unknown variable `j` (with i = 0)".into()));
    // Checked arithmetic: overflow, a negative result, division by zero.
    assert_eq!(
        err("for i in 0..2 { call a m::f {(i + 1) * 18446744073709551615} }").2,
        "in `{(i + 1) * 18446744073709551615}`: 2 * 18446744073709551615 overflows u64 (with i = 1)"
    );
    assert_eq!(
        err("for i in 0..2 { call a m::f {18446744073709551615 + 1} }").2,
        "in `{18446744073709551615 + 1}`: 18446744073709551615 + 1 overflows u64 (with i = 0)"
    );
    assert_eq!(err("for i in 0..2 { call a m::f {i - 1} }").2, "in `{i - 1}`: 0 - 1 is negative (with i = 0)");
    assert_eq!(
        err("for i in 0..2 {\ncall a m::f {10 % i}\n}"),
        (2, 13, "in `{10 % i}`: 10 % 0 divides by zero (with i = 0)".into())
    );
    assert_eq!(
        err("for i in 0..2 { call a m::f {1 / (i - i)} }").2,
        "in `{1 / (i - i)}`: 1 / 0 divides by zero (with i = 0)"
    );
    assert!(err("for i in 0..2 { call a m::f {99999999999999999999} }").2.contains("is not a u64 number"));
    // Malformed expressions.
    assert!(err("for i in 0..1 { call a m::f {(i + 1} }").2.contains("expected `)`"));
    assert!(err("for i in 0..1 { call a m::f {i +} }").2.contains("expected a number, a loop variable or `(`"));
    assert!(err("for i in 0..1 { call a m::f {i i} }").2.contains("unexpected `i`"));
    assert!(err("for i in 0..1 { call a m::f {i ^ 2} }").2.contains("unexpected `^`"));
    let deep = format!("for i in 0..1 {{ call a m::f {{{}i{}}} }}", "(".repeat(100), ")".repeat(100));
    assert!(err(&deep).2.contains("parentheses nested more than 32 deep"));
    // An unterminated substitution, in a word or a byte string.
    assert_eq!(
        err("for i in 0..2 {\n account u{i\n}"),
        (2, 11, "unterminated `{`: a substitution `{EXPR}` closes on its line".into())
    );
    assert_eq!(
        err("for i in 0..1 { call a m::f b\"x{i\" }").2,
        "unterminated `{`: a substitution `{EXPR}` closes on its line"
    );
    // The loop's header.
    assert_eq!(err("for 1i in 0..2 { undo }").2, "`1i` is not a loop variable name (letters, digits, `_`)");
    assert_eq!(err("for i of 0..2 { undo }").2, "expected `in`, found `of`");
    assert_eq!(err("for i in 0-2 { undo }"), (1, 10, "expected a range START..END, found `0-2`".into()));
    assert_eq!(err("for i in 0..x { undo }").2, "expected a range START..END of u64 numbers, found `0..x`");
    assert_eq!(err("for i in 5..2 { undo }").2, "the range 5..2 runs backwards");
    assert_eq!(err("for i in 0..2 undo").2, "expected `{` after the range, found `undo`");
    assert_eq!(
        err("for i in 0..2 { for i in 0..2 { undo } }").2,
        "`i` is already a loop variable here: choose another name"
    );
    // What a body may hold.
    assert_eq!(
        err("block {\n for i in 0..2 {\n  undo\n }\n}"),
        (3, 3, "a block holds only `call`s and `for` loops of them, found `undo`".into())
    );
    assert!(err("for i in 0..2 {\nmodule 0x1::m {\n}\n}").2.starts_with("an inline `module` cannot be inside a `for`"));
    assert_eq!(err("for i in 0..2 { call a m::f } }").2, "expected a command, found `}`");
    // A brace that opens a block is followed by a space or a line break.
    let (line, col, message) = err("block {call a m::f}");
    assert_eq!((line, col), (1, 7));
    assert!(
        message.ends_with("a `{` that opens a block or a loop body is followed by a space or a line break"),
        "{message}"
    );
}

#[test]
fn loops_are_limited_in_iterations_and_output() {
    assert_eq!(err("for i in 0..1000001 { }"), (1, 10, "the `for` loops run more than 1,000,000 iterations".into()));
    // Iterations count across loops, nested or not.
    assert!(err("for i in 0..1000 {\n for j in 0..1001 { }\n}").2.contains("more than 1,000,000 iterations"));
    assert!(err("for i in 0..18446744073709551615 { }").2.contains("more than 1,000,000 iterations"));
    // Nesting is limited, so the parser's recursion stays shallow.
    let nested = |depth: usize| {
        let open: String = (0..depth).map(|d| format!("for v{d} in 0..1 {{\n")).collect();
        format!("{open}undo\n{}", "}\n".repeat(depth))
    };
    assert_eq!(parse_script(&nested(32)).unwrap().len(), 1);
    assert_eq!(err(&nested(33)), (33, 5, "loops nested more than 32 deep".into()));
    assert!(err(&nested(10_000)).2.contains("loops nested more than 32 deep"));
    // Output counts too: 1,000 iterations of 1,001 commands each.
    let body = "undo;".repeat(1001);
    let e = err(&format!("for i in 0..1000 {{ {body} }}"));
    assert_eq!(e.2, "the `for` loops produce more than 1,000,000 commands and calls");
}

#[test]
fn unclosed_loops_are_incomplete_for_the_repl() {
    for src in ["for i in 0..3 {\n account u{i}\n", "for i in 0..3", "block {\n for i in 0..3 {\n call a m::f\n }\n"] {
        let e = parse_script(src).unwrap_err();
        assert!(e.incomplete, "{src}: {e:?}");
    }
}
