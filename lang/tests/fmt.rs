//! `resin fmt`'s engine ([`printer::format_source`]):
//! - snapshots of formatted files that put comments and blank lines in every
//!   kind of place (`tests/cases/fmt/*.rsn`);
//! - properties over generated programs with comments and line breaks
//!   scattered between their tokens: formatting succeeds, formatting twice
//!   gives what formatting once gave, every comment survives in order, and
//!   the formatted program compiles to the same bytecode and access sets;
//! - the corpus (every valid test case, the examples, the standard library)
//!   formats, and the examples and the standard library already are formatted.

#[path = "support/gen.rs"]
mod ast_gen;
mod gen;
mod support;

use std::path::Path;

use proptest::prelude::*;
use resin_lang::printer::{self, format_source, FormatError};
use resin_lang::{compile, lex, SourceFile};

#[test]
fn fmt_cases() {
    insta::glob!("cases/fmt/*.rsn", |path| {
        let text = support::read_case(path);
        let formatted = format_source(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(format_source(&formatted).unwrap(), formatted, "not idempotent: {}", path.display());
        insta::assert_snapshot!(formatted);
    });
}

/// Inserts, before token `i`, the filler `fillers[i % fillers.len()]` chosen
/// by the strategy: nothing, a line break, a blank line, a block comment or a
/// line comment. Comments are numbered `c0`, `c1`, ... in source order, so
/// the test can tell each one survived, in order, without the formatter's
/// own comment scanner.
fn scatter(text: &str, choices: &[u8]) -> (String, usize) {
    let (tokens, _) = lex(0, text);
    let mut out = String::new();
    let mut last = 0usize;
    let mut comments = 0usize;
    for (i, (_, span)) in tokens.iter().enumerate() {
        let start = span.start as usize;
        out.push_str(&text[last..start]);
        match choices.get(i % choices.len().max(1)).copied().unwrap_or(0) % 8 {
            1 => out.push('\n'),
            2 => out.push_str("\n\n\n"),
            3 => {
                out.push_str(&format!(" /* c{comments} */ "));
                comments += 1;
            }
            4 => {
                out.push_str(&format!(" // c{comments}\n"));
                comments += 1;
            }
            _ => {}
        }
        out.push_str(&text[start..span.end as usize]);
        last = span.end as usize;
    }
    out.push_str(&text[last..]);
    (out, comments)
}

/// The numbered comments of `text`, in order.
fn markers(text: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    for (i, window) in bytes.windows(3).enumerate() {
        if (window == b"/* " || window == b"// ") && bytes.get(i + 3) == Some(&b'c') {
            let digits: String = text[i + 4..].chars().take_while(char::is_ascii_digit).collect();
            if let Ok(n) = digits.parse() {
                out.push(n);
            }
        }
    }
    out
}

/// The bytecode modules and access sets `text` compiles to, without the
/// debug section: formatting moves source positions, never code.
fn compiled(text: &str) -> Vec<resin_lang::CompiledModule> {
    let sources = [SourceFile::new("gen.rsn", text)];
    let result = compile(&sources, &[]);
    assert!(!result.has_errors(), "rejected:\n{text}\n{}", result.diagnostics.render(&sources));
    result
        .modules
        .into_iter()
        .map(|mut m| {
            m.module = m.module.without_debug();
            m
        })
        .collect()
}

fn check_formats(text: &str, comments: usize) -> Result<String, TestCaseError> {
    let formatted = match format_source(text) {
        Ok(f) => f,
        Err(e) => return Err(TestCaseError::fail(format!("{e}\n{text}"))),
    };
    let again = format_source(&formatted).map_err(|e| TestCaseError::fail(format!("{e}\n{formatted}")))?;
    if again != formatted {
        let line = again.lines().zip(formatted.lines()).position(|(a, b)| a != b).unwrap_or(0);
        let around = |s: &str| s.lines().skip(line.saturating_sub(3)).take(6).collect::<Vec<_>>().join("\n");
        return Err(TestCaseError::fail(format!(
            "formatting twice differs from once at line {}\ninput:\n{text}\nonce:\n{}\ntwice:\n{}",
            line + 1,
            around(&formatted),
            around(&again)
        )));
    }
    prop_assert_eq!(
        markers(&formatted),
        (0..comments).collect::<Vec<_>>(),
        "comments lost or reordered:\n{}",
        formatted
    );
    Ok(formatted)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn formatting_generated_programs_keeps_comments_and_bytecode(
        seed in any::<u64>(),
        choices in prop::collection::vec(any::<u8>(), 1..40),
    ) {
        let (text, comments) = scatter(&gen::module(seed, "gen", 3, 3), &choices);
        let formatted = check_formats(&text, comments)?;
        prop_assert!(compiled(&formatted) == compiled(&text), "bytecode differs; formatted:\n{}", formatted);
    }

    #[test]
    fn formatting_random_trees_is_idempotent(
        body in ast_gen::block(3),
        generics in ast_gen::type_params(false),
        access in ast_gen::access_clause(),
        structs in prop::collection::vec(ast_gen::struct_def(), 0..2),
        choices in prop::collection::vec(any::<u8>(), 1..40),
    ) {
        let module = ast_gen::wrap_generic(body, generics, access, structs);
        let (text, comments) = scatter(&printer::print_module(&module), &choices);
        check_formats(&text, comments)?;
    }
}

/// Every `.rsn` file under `dir`, sorted. (Tests may read files; the
/// library may not, which is what the lint guards.)
#[allow(clippy::disallowed_methods)]
fn rsn_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rsn"))
        .collect();
    out.sort();
    out
}

#[test]
fn every_valid_case_formats_idempotently() {
    let root = support::repo_root();
    let mut checked = 0;
    for stage in ["parse", "resolve", "typecheck", "access", "codegen"] {
        for path in rsn_files(&root.join("lang/tests/cases").join(stage)) {
            let text = support::read_case(&path);
            match format_source(&text) {
                Ok(formatted) => {
                    assert_eq!(format_source(&formatted).unwrap(), formatted, "{}", path.display());
                    checked += 1;
                }
                // Cases with syntax errors cannot be formatted (they say so).
                Err(FormatError::Syntax(_)) => {}
                Err(e) => panic!("{}: {e}", path.display()),
            }
        }
    }
    assert!(checked > 50, "only {checked} cases formatted");
}

/// The examples and the standard library are kept formatted (run `resin fmt
/// examples stdlib/modules` after editing them), and formatting them does
/// not change their bytecode.
#[test]
fn examples_and_stdlib_are_formatted() {
    let root = support::repo_root();
    let mut files = rsn_files(&root.join("examples"));
    files.extend(rsn_files(&root.join("stdlib/modules")));
    assert!(files.len() >= 7);
    for path in files {
        let text = support::read_case(&path);
        let formatted = format_source(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(formatted == text, "{} is not formatted; `resin fmt` gives:\n{formatted}", path.display());
    }
}

#[test]
fn a_file_with_syntax_errors_is_refused() {
    let Err(FormatError::Syntax(diags)) = format_source("module 0x1::m { fun f() { let x = ; } }") else {
        panic!("a broken file was formatted");
    };
    assert!(diags.has_errors());
}
