//! Properties of the whole compiler:
//! - randomly generated well-typed programs (structs, arithmetic, `if`, loops,
//!   locals, calls, global storage) compile without errors, every module passes
//!   the bytecode verifier, and every function's access set is exactly what the
//!   verifier infers from its code;
//! - no input makes the full compile panic: random token soup, and valid
//!   programs with random edits (which mostly still parse, so they reach the
//!   resolver, type checker and codegen).

mod gen;

use proptest::prelude::*;
use resin_lang::{compile, SourceFile};
use resin_verifier::{infer_access_spec, verify_module};

fn compile_generated(text: &str) -> resin_lang::CompileResult {
    let sources = [SourceFile::new("gen.rsn", text)];
    let result = compile(&sources, &[]);
    assert!(!result.has_errors(), "generated program rejected:\n{text}\n{}", result.diagnostics.render(&sources));
    result
}

fn check_no_panic(text: &str) {
    let sources = [SourceFile::new("fuzz.rsn", text)];
    let result = compile(&sources, &[]);
    let _ = result.diagnostics.render(&sources);
    for module in &result.modules {
        verify_module(&module.module).unwrap_or_else(|e| panic!("accepted program fails verification: {e}\n{text}"));
    }
}

/// Small edits of a valid program: delete, duplicate or replace a span.
fn mutate(text: &str, edits: &[(usize, usize, u8)]) -> String {
    const SNIPPETS: &[&str] = &[
        "",
        ";",
        "}",
        "{",
        "(",
        ")",
        "move ",
        "copy ",
        "&mut ",
        "&",
        "*",
        "return ",
        "break;",
        "abort 1",
        "1u8",
        "@0x1",
        "x1",
        "who",
        "Store",
        "S0",
        " + ",
        " == ",
        "if (true) ",
        "let z = ",
        ".a",
        "borrow_global<Store>(who)",
        "account",
    ];
    let mut out: Vec<char> = text.chars().collect();
    for &(at, len, choice) in edits {
        if out.is_empty() {
            break;
        }
        let at = at % out.len();
        let end = (at + len % 8).min(out.len());
        let snippet: Vec<char> = SNIPPETS[usize::from(choice) % SNIPPETS.len()].chars().collect();
        out.splice(at..end, snippet);
    }
    out.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn generated_programs_compile_and_verify(seed in any::<u64>(), functions in 1usize..6, stmts in 1usize..6) {
        let text = gen::module(seed, "gen", functions, stmts);
        let result = compile_generated(&text);
        prop_assert_eq!(result.modules.len(), 1);
        let module = &result.modules[0].module;
        verify_module(module).unwrap_or_else(|e| panic!("verifier rejected: {e}\n{text}"));
        for (index, def) in module.functions.iter().enumerate() {
            let declared = &module.function_handles[def.handle.index()].access;
            let inferred = infer_access_spec(module, index).unwrap();
            prop_assert_eq!(declared, &inferred);
        }
    }

    #[test]
    fn edited_programs_never_panic(seed in any::<u64>(), edits in prop::collection::vec((any::<usize>(), any::<usize>(), any::<u8>()), 1..4)) {
        let text = gen::module(seed, "gen", 3, 3);
        check_no_panic(&mutate(&text, &edits));
    }

    #[test]
    fn edited_examples_never_panic(edits in prop::collection::vec((any::<usize>(), any::<usize>(), any::<u8>()), 1..4), which in 0..EXAMPLES.len()) {
        let text = EXAMPLES[which];
        check_no_panic(&mutate(text, &edits));
    }

    #[test]
    fn random_token_soup_never_panics(tokens in prop::collection::vec(prop::sample::select(SOUP), 0..80)) {
        let body = tokens.join(" ");
        check_no_panic(&format!("module 0x1::m {{ struct R has key {{ v: u64 }} fun f(s: &signer, a: address): u64 {{ {body} }} }}"));
    }
}

const SOUP: &[&str] = &[
    "let",
    "x",
    "y",
    "=",
    ";",
    "if",
    "(",
    ")",
    "{",
    "}",
    "else",
    "while",
    "loop",
    "break",
    "continue",
    "return",
    "abort",
    "1",
    "0u8",
    "true",
    "&",
    "&mut",
    "*",
    "+",
    "<",
    "==",
    "&&",
    "!",
    "move",
    "copy",
    "a",
    "s",
    "R",
    "{ v: 1 }",
    ".v",
    "borrow_global_mut<R>",
    "exists<R>",
    "move_to",
    "move_from<R>",
    ",",
    "vector[1]",
    "vector::length",
    "as u8",
    "signer::address_of",
    "f",
];

/// Valid programs heavy in resources, references and control flow.
const EXAMPLES: &[&str] = &[
    include_str!("../../examples/coin.rsn"),
    include_str!("cases/typecheck/references.rsn"),
    include_str!("cases/typecheck/linear_ok.rsn"),
    include_str!("cases/codegen/control_flow.rsn"),
    include_str!("cases/codegen/jumps_in_operands.rsn"),
    include_str!("cases/codegen/structs.rsn"),
    include_str!("cases/codegen/vectors.rsn"),
    include_str!("cases/access/recursion.rsn"),
    include_str!("cases/access/signer_local.rsn"),
];

#[test]
fn deep_nesting_compiles_without_overflow() {
    // Near the parser's nesting limit (256 levels), on a test thread's default stack.
    let depth = 120;
    let expr = format!("{}1{}", "(1 + ".repeat(depth), ")".repeat(depth));
    let blocks = format!("{}x{}", "{ ".repeat(depth), " }".repeat(depth));
    let ifs = format!("{}0", "if (x > 1) 1 else ".repeat(depth));
    let loops = format!("{}x = x + 1;{}", "while (x < 10) { ".repeat(depth / 2), " }; ".repeat(depth / 2));
    let text = format!(
        "module 0x1::deep {{
            fun a(): u64 {{ {expr} }}
            fun b(x: u64): u64 {{ {blocks} }}
            fun c(x: u64): u64 {{ {ifs} }}
            fun d(x: u64): u64 {{ {loops} x }}
        }}"
    );
    compile_generated(&text);
}
