//! Properties of the front end:
//! - lexing, parsing, rendering and formatting never panic, whatever the input (random bytes,
//!   random token soup, mutated valid programs);
//! - the pretty-printer round-trips: parse(print(tree)) == tree (modulo spans) for
//!   random well-formed trees.

#[path = "support/gen.rs"]
mod gen;
mod support;

use gen::{access_clause, block, struct_def, type_params, wrap_generic};
use proptest::prelude::*;
use resin_lang::{lex, parse, printer, SourceFile};

/// Token spellings the soup is made of: every keyword and punctuation, plus
/// literals good and bad, comments, and a few nasty fragments.
const ALPHABET: &[&str] = &[
    "module",
    "use",
    "struct",
    "has",
    "const",
    "fun",
    "public",
    "entry",
    "acquires",
    "let",
    "if",
    "else",
    "while",
    "loop",
    "break",
    "continue",
    "return",
    "abort",
    "as",
    "true",
    "false",
    "move",
    "copy",
    "mut",
    "Self",
    "_",
    "friend",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    ",",
    ";",
    ":",
    "::",
    ".",
    "@",
    "&",
    "&&",
    "|",
    "||",
    "^",
    "!",
    "!=",
    "=",
    "==",
    "<",
    ">",
    "<=",
    ">=",
    "<<",
    ">>",
    "+",
    "-",
    "*",
    "/",
    "%",
    "x",
    "coin",
    "Coin",
    "u8",
    "u64",
    "vector",
    "assert",
    "borrow_global",
    "0x1",
    "1",
    "255u8",
    "256u8",
    "99999999999999999999999",
    "0x",
    "1u32",
    "@0x1",
    "@",
    "b\"hi\\n\"",
    "x\"0a\"",
    "x\"0\"",
    "b\"\\q\"",
    "\"plain\"",
    "b\"open",
    "/// doc",
    "// c",
    "/* c */",
    "/* open",
    "$",
    "é",
    "\u{0}",
    "\n",
];

fn check_no_panic(text: &str) {
    let sources = [SourceFile::new("fuzz.rsn", text)];
    let (_, diags) = parse(&sources);
    let _ = diags.render(&sources);
    let (_, lex_diags) = lex(0, text);
    let _ = resin_lang::diagnostics::render_all(&lex_diags, &sources);
    // The formatter refuses what does not parse, and must not panic on what does.
    if let Ok(formatted) = printer::format_source(text) {
        assert_eq!(printer::format_source(&formatted).ok().as_deref(), Some(formatted.as_str()), "{text}");
    }
}

fn soup() -> impl Strategy<Value = String> {
    let token = prop::sample::select(ALPHABET);
    let sep = prop::sample::select(&[" ", "", "\n"][..]);
    (prop::collection::vec((token, sep), 0..120), any::<bool>()).prop_map(|(parts, wrap)| {
        let body: String = parts.into_iter().flat_map(|(t, s)| [t, s]).collect();
        if wrap {
            format!("module 0x1::m {{ fun f() {{ {body} }} }}")
        } else {
            body
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        check_no_panic(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn random_token_soup_never_panics(text in soup()) {
        check_no_panic(&text);
    }

    #[test]
    fn mutated_valid_programs_never_panic(
        case in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..4, prop::sample::select(ALPHABET)), 1..6),
    ) {
        let cases: Vec<(String, String)> =
            support::cases("parse").into_iter().filter(|(n, _)| !n.starts_with("err_")).collect();
        let (_, text) = &cases[case.index(cases.len())];
        let (tokens, _) = lex(0, text);
        let mut pieces: Vec<String> = tokens.iter().map(|(_, s)| text[s.range()].to_string()).collect();
        for (at, kind, token) in edits {
            if pieces.is_empty() {
                break;
            }
            let i = at.index(pieces.len());
            match kind {
                0 => { pieces.remove(i); }
                1 => pieces.insert(i, token.to_string()),
                2 => pieces[i] = token.to_string(),
                _ => { let p = pieces[i].clone(); pieces.insert(i, p); }
            }
        }
        check_no_panic(&pieces.join(" "));
    }

    #[test]
    fn printer_round_trips(
        body in block(3),
        generics in type_params(false),
        access in access_clause(),
        structs in prop::collection::vec(struct_def(), 0..2),
    ) {
        let module = wrap_generic(body, generics, access, structs);
        let printed = printer::print_module(&module);
        let sources = [SourceFile::new("printed.rsn", printed.clone())];
        let (program, diags) = parse(&sources);
        prop_assert!(!diags.has_errors(), "printed form rejected:\n{}\n{}", printed, diags.render(&sources));
        prop_assert_eq!(program.modules.len(), 1);
        prop_assert_eq!(
            support::erase_spans(&format!("{:?}", module)),
            support::erase_spans(&format!("{:?}", program.modules[0])),
            "printed:\n{}", printed
        );
        // The token pre-scan's estimate really bounds the tree depth (the parser
        // skips the exact measure when the estimate is small).
        let (tokens, _) = lex(0, &printed);
        let tokens = resin_lang::parser::prepare(tokens, &mut Vec::new());
        let estimate = resin_lang::depth::token_depth(&tokens).max;
        let depth = resin_lang::depth::module_depth(&program.modules[0]);
        prop_assert!(depth <= estimate, "depth {} > estimate {}:\n{}", depth, estimate, printed);
    }

    #[test]
    fn binary_operators_group_by_precedence(
        first in operand(),
        rest in prop::collection::vec((prop::sample::select(OPS), operand()), 0..8),
    ) {
        let source: String = std::iter::once(first.clone())
            .chain(rest.iter().flat_map(|(op, x)| [op.to_string(), x.clone()]))
            .collect::<Vec<_>>()
            .join(" ");
        let text = format!("module 0x1::m {{ const C: u64 = {source}; }}");
        let sources = [SourceFile::new("ops.rsn", text)];
        let (program, diags) = parse(&sources);
        prop_assert!(!diags.has_errors(), "{}", diags.render(&sources));
        let printed = printer::print_expr(&program.modules[0].constants[0].value);
        let mut items = rest.iter().map(|(op, x)| (*op, x.as_str())).peekable();
        let expected = reference_parse(&first, &mut items, 0);
        prop_assert_eq!(printed, expected.show(true));
    }
}

/// Every binary operator with Move's precedence (higher binds tighter), written
/// out independently of the compiler's table.
const OPS: &[&str] =
    &["||", "&&", "==", "!=", "<", ">", "<=", ">=", "|", "^", "&", "<<", ">>", "+", "-", "*", "/", "%"];

fn precedence(op: &str) -> u8 {
    match op {
        "||" => 1,
        "&&" => 2,
        "==" | "!=" | "<" | ">" | "<=" | ">=" => 3,
        "|" => 4,
        "^" => 5,
        "&" => 6,
        "<<" | ">>" => 7,
        "+" | "-" => 8,
        _ => 9,
    }
}

/// Operands that bind tighter than any binary operator: names, `!x`, casts.
fn operand() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(&["a", "b", "c"][..]).prop_map(str::to_string),
        prop::sample::select(&["!a", "&b", "*c"][..]).prop_map(str::to_string),
        prop::sample::select(&["a as u8", "b as u128"][..]).prop_map(str::to_string),
    ]
}

enum Tree {
    Leaf(String),
    Bin(Box<Tree>, &'static str, Box<Tree>),
}

impl Tree {
    /// The printer's format: nested binary operators and casts in parentheses.
    fn show(&self, top: bool) -> String {
        match self {
            Tree::Leaf(x) if !top && x.contains(" as ") => format!("({x})"),
            Tree::Leaf(x) => x.clone(),
            Tree::Bin(l, op, r) if top => format!("{} {op} {}", l.show(false), r.show(false)),
            Tree::Bin(l, op, r) => format!("({} {op} {})", l.show(false), r.show(false)),
        }
    }
}

/// Textbook precedence climbing, all operators left-associative.
fn reference_parse<'a>(
    first: &str,
    rest: &mut std::iter::Peekable<impl Iterator<Item = (&'static str, &'a str)>>,
    min: u8,
) -> Tree {
    let mut lhs = Tree::Leaf(first.to_string());
    while let Some(&(op, x)) = rest.peek() {
        if precedence(op) < min {
            break;
        }
        rest.next();
        let rhs = reference_parse(x, rest, precedence(op) + 1);
        lhs = Tree::Bin(Box::new(lhs), op, Box::new(rhs));
    }
    lhs
}

#[test]
fn deep_nesting_is_rejected_not_overflowed() {
    for text in [
        format!("module 0x1::m {{ fun f() {{ {}x{} }} }}", "(".repeat(100_000), ")".repeat(100_000)),
        format!("module 0x1::m {{ fun f() {{ {}x }} }}", "!".repeat(100_000)),
        format!("module 0x1::m {{ fun f() {{ x{} }} }}", " + x".repeat(100_000)),
        format!("module 0x1::m {{ fun f() {{ x{} let }} }}", ".f".repeat(100_000)),
        format!("module 0x1::m {{ fun f() {{ {} }} }}", "if (c) { x } else ".repeat(20_000) + "{ y }"),
        format!("module 0x1::m {{ struct S {{ f: {}u8{} }} }}", "vector<".repeat(50_000), ">".repeat(50_000)),
    ] {
        let sources = [SourceFile::new("deep.rsn", text)];
        let (program, diags) = parse(&sources);
        assert!(program.modules.is_empty());
        assert!(diags.iter().any(|d| d.code == resin_lang::Code::NestingTooDeep), "{}", diags.render(&sources));
    }
    // Moderately deep but reasonable code is fine.
    let ok = format!("module 0x1::m {{ fun f(): u64 {{ {}1{} }} }}", "(".repeat(100), ")".repeat(100));
    let (program, diags) = parse(&[SourceFile::new("ok.rsn", ok)]);
    assert!(diags.is_empty());
    assert_eq!(program.modules.len(), 1);
}
