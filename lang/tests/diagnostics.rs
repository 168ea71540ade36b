//! The code registry and rendering.

use std::collections::HashSet;

use resin_lang::diagnostics::{render_all, Code, Diagnostic, Severity};
use resin_lang::{parse, SourceFile, Span};

#[test]
fn codes_are_unique_and_follow_the_numbering_scheme() {
    let mut seen = HashSet::new();
    for &code in Code::ALL {
        let text = code.as_str();
        assert!(seen.insert(text), "duplicate code {text}");
        assert_eq!(text.len(), 5, "{text}");
        let warning = text.starts_with('W');
        assert_eq!(code.severity() == Severity::Warning, warning, "{text}: severity must match its letter");
        assert!(warning || text.starts_with("E0"), "{text}");
        if !warning {
            let range: u32 = text[1..3].parse().unwrap();
            assert!((1..=6).contains(&range), "{text}: stage range E01..E06");
        }
        assert!(!code.title().is_empty());
    }
}

#[test]
fn rendering_shows_code_location_labels_and_hints() {
    let sources = [SourceFile::new("a.rsn", "module 0x1::m {\n    fun f() { let x = 1u9; }\n}\n")];
    let (_, diags) = parse(&sources);
    let text = diags.render(&sources);
    assert!(text.contains("error[E0107]: invalid suffix `u9` on number literal"), "{text}");
    assert!(text.contains("a.rsn:2:24"), "{text}");
    assert!(text.contains("^^ unknown suffix"), "{text}");
    assert!(text.contains("= hint: integer suffixes are"), "{text}");
}

#[test]
fn diagnostics_point_into_the_right_file() {
    let sources = [
        SourceFile::new("ok.rsn", "module 0x1::a { fun f() {} }"),
        SourceFile::new("bad.rsn", "module 0x1::b { fun g() { $ } }"),
    ];
    let (program, diags) = parse(&sources);
    assert_eq!(program.modules.len(), 2);
    assert_eq!(program.modules[1].span.file, 1);
    assert_eq!(diags.iter().map(|d| d.primary_span().unwrap().file).collect::<Vec<_>>(), [1]);
    assert!(diags.render(&sources).contains("bad.rsn:1:27"));
}

#[test]
fn rendering_survives_spans_that_do_not_fit() {
    let sources = [SourceFile::new("u.rsn", "é")];
    let bad = [
        Diagnostic::new(Code::InternalError, Span::new(0, 1, 1), "inside a UTF-8 sequence"),
        Diagnostic::new(Code::InternalError, Span::new(0, 5, 90), "past the end"),
        Diagnostic::new(Code::InternalError, Span::new(3, 0, 1), "no such file"),
        Diagnostic::global(Code::UnusedUse, "no label at all"),
    ];
    let text = render_all(&bad, &sources);
    for d in &bad {
        assert!(text.contains(&d.message), "{text}");
    }
    assert!(text.contains("warning[W0103]"), "{text}");
}
