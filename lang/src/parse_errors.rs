//! Turns lalrpop's parse errors into diagnostics with readable "expected" hints.

use std::convert::Infallible;

use lalrpop_util::ParseError;

use crate::diagnostics::{Code, Diagnostic};
use crate::lexer::Token;
use crate::source::Span;

/// Tokens that can start an expression: when most of them are expected, the
/// hint says "an expression" instead of listing twenty tokens.
const EXPR_STARTS: &[&str] = &[
    "Ident",
    "Number",
    "AddressLit",
    "ByteString",
    "HexString",
    "\"(\"",
    "\"true\"",
    "\"false\"",
    "\"!\"",
    "\"&\"",
    "\"*\"",
    "\"move\"",
    "\"copy\"",
    "\"break\"",
    "\"continue\"",
    "\"if\"",
    "\"while\"",
    "\"loop\"",
    "\"return\"",
    "\"abort\"",
    "\"{\"",
];

const BINARY_OPS: &[&str] = &[
    "\"||\"", "\"&&\"", "\"==\"", "\"!=\"", "\"<\"", "\">\"", "\"<=\"", "\">=\"", "\"|\"", "\"^\"", "\"&\"", "\"<<\"",
    "\">>\"", "\"+\"", "\"-\"", "\"*\"", "\"/\"", "\"%\"", "\"as\"",
];

/// `spans` are the spans of all tokens given to the parser (to find the token
/// before an error, where a missing `;` belongs).
pub fn convert(file: u32, error: ParseError<usize, Token<'_>, Infallible>, spans: &[Span]) -> Diagnostic {
    match error {
        ParseError::InvalidToken { location } => {
            let span = Span::from_range(file, location..location);
            Diagnostic::new(Code::InvalidCharacter, span, "invalid token")
        }
        ParseError::UnrecognizedEof { location, expected } => {
            let span = Span::from_range(file, location..location);
            let d = Diagnostic::new(Code::UnexpectedEof, span, "unexpected end of file");
            match describe_expected(&expected) {
                Some(e) => d.with_label_message(format!("expected {e}")),
                None => d,
            }
        }
        ParseError::UnrecognizedToken { token: (l, token, r), expected } => {
            let index = spans.partition_point(|s| (s.start as usize) < l);
            let previous = index.checked_sub(1).and_then(|i| spans.get(i)).copied();
            unrecognized(Span::from_range(file, l..r), previous, token, &expected)
        }
        ParseError::ExtraToken { token: (l, token, r) } => {
            let span = Span::from_range(file, l..r);
            Diagnostic::new(Code::UnexpectedToken, span, format!("unexpected {}", token.describe()))
                .with_label_message("expected the end of the file")
        }
        ParseError::User { error } => match error {},
    }
}

fn unrecognized(span: Span, previous: Option<Span>, token: Token<'_>, expected: &[String]) -> Diagnostic {
    let wants_name = expected.iter().any(|e| e == "Ident");
    if wants_name && token.is_keyword() {
        let word = match token {
            Token::Reserved(s) => s,
            t => t.text(),
        };
        return Diagnostic::new(
            Code::ReservedName,
            span,
            format!("`{word}` is a reserved word and cannot be used as a name"),
        )
        .with_label_message("expected a name")
        .with_hint(format!("rename it, e.g. `{word}_`"));
    }
    if let Token::DocComment(_) = token {
        return Diagnostic::new(Code::UnexpectedToken, span, "doc comment in an unexpected place")
            .with_label_message("doc comments go before modules, items and struct fields")
            .with_hint("use `//` for an ordinary comment");
    }
    let gap = previous.filter(|p| p.end < span.start);
    if let (true, Some(prev)) = (expected.iter().any(|e| e == "\";\""), gap) {
        // Most often a forgotten `;`: point where it belongs, not at the next line.
        let message = format!("expected `;`, found {}", token.describe());
        return Diagnostic::new(Code::UnexpectedToken, prev.end_point(), message)
            .with_label_message("expected `;` here")
            .with_secondary(span, "unexpected here");
    }
    let mut d = Diagnostic::new(Code::UnexpectedToken, span, format!("unexpected {}", token.describe()));
    if let Some(e) = describe_expected(expected) {
        d = d.with_label_message(format!("expected {e}"));
    }
    d
}

/// "`;`", "one of `,`, `)`", or a summary like "an expression or `}`".
pub fn describe_expected(expected: &[String]) -> Option<String> {
    if expected.is_empty() {
        return None;
    }
    let has = |t: &str| expected.iter().any(|e| e == t);
    // `!` too: an access clause's index takes names, numbers, `true` and
    // `(` (a struct's fields), but is no expression.
    let expr_like = ["Ident", "Number", "\"(\"", "\"true\"", "\"!\""].iter().all(|t| has(t));
    let ops_like = BINARY_OPS.iter().filter(|t| has(t)).count() >= BINARY_OPS.len() / 2;
    let mut parts: Vec<String> = Vec::new();
    for e in expected {
        let e = e.as_str();
        if (expr_like && EXPR_STARTS.contains(&e)) || (ops_like && BINARY_OPS.contains(&e)) {
            continue;
        }
        // `<` and the marked generic `<` read the same.
        let name = terminal_name(e);
        if !parts.contains(&name) {
            parts.push(name);
        }
    }
    // Closing delimiters first: when a list is cut short, they are the likeliest fix.
    parts.sort_by_key(|p| !matches!(p.as_str(), "`}`" | "`)`" | "`]`" | "`;`" | "`,`" | "`>`"));
    if parts.len() > 6 {
        parts.truncate(6);
        parts.push("...".to_string());
    }
    if ops_like {
        parts.insert(0, "an operator".to_string());
    }
    if expr_like {
        parts.insert(0, "an expression".to_string());
    }
    Some(match parts.len() {
        1 => parts.remove(0),
        _ => format!("one of {}", parts.join(", ")),
    })
}

fn terminal_name(t: &str) -> String {
    match t {
        "Ident" => "a name".to_string(),
        "Number" => "a number".to_string(),
        "AddressLit" => "an address".to_string(),
        "ByteString" => "a byte string".to_string(),
        "HexString" => "a hex string".to_string(),
        "DocComment" => "a doc comment".to_string(),
        "\"#\"" => "an attribute `#[...]`".to_string(),
        "Reserved" => "a reserved word".to_string(),
        "GenericLt" => "`<`".to_string(),
        quoted => format!("`{}`", quoted.trim_matches('"')),
    }
}
