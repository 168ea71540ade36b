//! Hints for code written as Move would have it: a syntax error at a Move
//! form gets a hint that says what Resin writes instead, so a Move developer
//! learns the difference from the error rather than from the manual.

use super::{Code, Diagnostic};
use crate::lexer::Token;
use crate::source::Span;

/// Adds a hint to each syntax error that sits at a Move form.
pub fn add(tokens: &[(Token<'_>, Span)], diags: &mut [Diagnostic]) {
    for d in diags.iter_mut().filter(|d| d.is_error()) {
        // The error's token: the one its labels point at (a missing `;` points
        // just after the previous token, its secondary label at the token).
        let Some(at) = d.labels.iter().rev().find_map(|l| token_at(tokens, l.span)) else { continue };
        if let Some(hint) = hint(tokens, at) {
            // "rename it, e.g. `for_`" does not help someone writing a Move `for` loop.
            if d.code == Code::ReservedName {
                d.hints.clear();
            }
            if !d.hints.iter().any(|h| h == hint) {
                d.hints.push(hint.to_string());
            }
        }
    }
}

fn token_at(tokens: &[(Token<'_>, Span)], span: Span) -> Option<usize> {
    let i = tokens.partition_point(|(_, s)| s.start < span.start);
    tokens.get(i).filter(|(_, s)| s.start == span.start).map(|_| i)
}

const ACQUIRES: &str = "Move's `acquires Balance` lists resources; Resin's access clause gives each entry a mode \
    and an address: `acquires write Balance@owner, read Config@0x1` (the address is a parameter, a constant, a \
    literal or `*`). It is optional: without it the compiler infers the access set";

fn hint(tokens: &[(Token<'_>, Span)], at: usize) -> Option<&'static str> {
    let token = |i: usize| tokens.get(i).map(|(t, _)| *t);
    let before = |n: usize| at.checked_sub(n).and_then(token);
    // `acquires Balance {`, `acquires Balance, Pool {`: names without `@`.
    let mut i = at;
    while let Some(j) = i.checked_sub(1) {
        match token(j) {
            Some(Token::Acquires) if j + 1 < at => return Some(ACQUIRES),
            Some(Token::Ident(_) | Token::ColonColon | Token::Comma | Token::Number(_) | Token::Lt | Token::Gt) => {
                i = j
            }
            Some(Token::GenericLt) => i = j,
            _ => break,
        }
    }
    // Where an item or a statement starts: a Move keyword there is a Move
    // form, not a name that happens to be reserved (`fun g<spec T>`).
    let starts_item = matches!(
        before(1),
        None | Some(Token::LBrace | Token::RBrace | Token::Semi | Token::Public | Token::Entry | Token::RParen)
    );
    match (before(1), token(at)) {
        (_, Some(Token::Ident("address"))) if matches!(token(at + 1), Some(Token::Number(_))) => {
            Some("Resin has no `address 0x1 { ... }` blocks: write each module as `module 0x1::name { ... }`")
        }
        (Some(Token::LParen), Some(Token::Reserved("package") | Token::Reserved("script")))
            if before(2) == Some(Token::Public) =>
        {
            Some(
                "Resin's visibilities are `public`, `public(friend)` (with `friend 0x..::m;` declarations) and `entry`",
            )
        }
        (_, Some(Token::Reserved("script"))) => Some(
            "Resin has no `script { ... }` blocks: a transaction calls an `entry` function; `.rsx` scripts \
             (`resin run`) publish modules and send calls",
        ),
        (_, Some(Token::Reserved("native"))) if starts_item => {
            Some("Resin has no native functions: every function has a body")
        }
        (_, Some(Token::Reserved("spec"))) if starts_item => Some("Resin has no specification blocks (`spec`)"),
        (_, Some(Token::Reserved("for"))) if starts_item => {
            Some("Resin has no `for` loops: use `while (cond) { ... }` or `loop`")
        }
        (_, Some(Token::Reserved("enum") | Token::Reserved("match"))) if starts_item => {
            Some("Resin has no enums or `match`: use structs, constants and `if`")
        }
        (Some(Token::Use | Token::Friend | Token::Module), Some(Token::Ident(_))) => Some(
            "Resin names modules by numeric address (`use 0x1::coin;`), or by a named address that the \
             `[addresses]` of a package's Resin.toml declares, in a file inside that package; `signer`, `vector`, \
             `hash`, `block` and `object` are builtin and need no `use`",
        ),
        (Some(Token::Eq | Token::LParen | Token::Comma | Token::Return), Some(Token::Minus)) => {
            Some("Resin's integers are unsigned (`u8` to `u256`): there are no negative numbers")
        }
        _ => None,
    }
}
