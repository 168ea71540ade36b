//! Words of the command language: names, addresses, module paths and
//! numbers, classified after lexing (the lexer only knows words).

use resin_vm::{AccountAddress, ModuleId};

use super::ast::{AddressRef, IntSuffix, Literal, ModuleRef, Span};
use super::lexer::Tok;
use super::ScriptError;

pub(super) fn describe(tok: &Tok) -> String {
    match tok {
        Tok::Word(w) => format!("`{w}`"),
        Tok::Str(_) => "a string".into(),
        Tok::Bytes(_) | Tok::ByteTemplate(_) => "a byte string".into(),
        Tok::LBracket => "`[`".into(),
        Tok::RBracket => "`]`".into(),
        Tok::LBrace => "`{`".into(),
        Tok::RBrace => "`}`".into(),
        Tok::LParen => "`(`".into(),
        Tok::RParen => "`)`".into(),
        Tok::Comma => "`,`".into(),
        Tok::Newline => "end of line".into(),
        Tok::Eof => "end of input".into(),
    }
}

pub(super) fn check_name(name: &str, span: Span) -> Result<(), ScriptError> {
    if is_account_name(name) {
        Ok(())
    } else {
        let name = resin_format::escape::quoted(name);
        Err(ScriptError::at(span, format!("{name} is not a valid account name (letters, digits, `_`, `-`)")))
    }
}

/// Letters, digits, `_` and `-`, starting with a letter or `_`; not `true`
/// or `false`. (A state file's names are checked against it too.)
pub fn is_account_name(name: &str) -> bool {
    let mut chars = name.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    ok && !matches!(name, "true" | "false")
}

/// `@0x1` (or `0x1` where only an address can appear).
pub(super) fn parse_address(w: &str) -> Option<AccountAddress> {
    AccountAddress::parse(w.strip_prefix('@').unwrap_or(w))
}

pub(super) fn address_ref(w: &str, span: Span) -> Result<AddressRef, ScriptError> {
    if w.starts_with('@') || w.starts_with("0x") {
        return parse_address(w).map(AddressRef::Literal).ok_or_else(|| {
            ScriptError::at(span, format!("`{w}` is not an address (write @0x followed by 1-64 hex digits)"))
        });
    }
    check_name(w, span)?;
    Ok(AddressRef::Name(w.to_string()))
}

pub(super) fn module_ref(w: &str, span: Span) -> Result<ModuleRef, ScriptError> {
    let parts: Vec<&str> = w.split("::").collect();
    match parts.as_slice() {
        [name] if is_ident(name) => Ok(ModuleRef::Short(name.to_string())),
        [addr, name] if is_ident(name) => {
            let address =
                parse_address(addr).ok_or_else(|| ScriptError::at(span, format!("`{addr}` is not an address")))?;
            Ok(ModuleRef::Qualified(ModuleId::new(address, *name)))
        }
        _ => Err(ScriptError::at(span, format!("`{w}` is not a module (write 0x1::name or name)"))),
    }
}

/// Splits `0x1::coin::transfer` or `coin::transfer` into module and item.
pub(super) fn split_item(w: &str, span: Span, expected: &str) -> Result<(ModuleRef, String), ScriptError> {
    match w.rsplit_once("::") {
        Some((module, item)) if is_ident(item) => Ok((module_ref(module, span)?, item.to_string())),
        _ => Err(ScriptError::at(span, format!("expected {expected}, found `{w}`"))),
    }
}

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `1_000`, `0xff`, `7u8`, `9u16`, `3u128`, `2u256`: any value up to
/// u256's maximum; whether it fits the parameter is checked where the type
/// is known.
pub fn parse_int(w: &str) -> Option<(resin_vm::U256, Option<IntSuffix>)> {
    const SUFFIXES: [(&str, IntSuffix); 6] = [
        ("u128", IntSuffix::U128),
        ("u256", IntSuffix::U256),
        ("u64", IntSuffix::U64),
        ("u32", IntSuffix::U32),
        ("u16", IntSuffix::U16),
        ("u8", IntSuffix::U8),
    ];
    let (digits, suffix) = SUFFIXES
        .iter()
        .find_map(|(text, suffix)| w.strip_suffix(text).map(|d| (d, Some(*suffix))))
        .unwrap_or((w, None));
    let clean: String = digits.chars().filter(|&c| c != '_').collect();
    let value = match clean.strip_prefix("0x") {
        Some(hex) => resin_vm::U256::from_str_radix(hex, 16)?,
        None => resin_vm::U256::from_str_radix(&clean, 10)?,
    };
    Some((value, suffix))
}

pub(super) fn word_literal(w: &str, span: Span) -> Result<Literal, ScriptError> {
    match w {
        "true" => return Ok(Literal::Bool(true)),
        "false" => return Ok(Literal::Bool(false)),
        _ => {}
    }
    if w.starts_with('@') {
        return address_ref(w, span).map(Literal::Address);
    }
    // `-1` would otherwise read as an account name (names may hold `-`).
    if w.strip_prefix('-').is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit())) {
        return Err(ScriptError::at(
            span,
            format!("`{w}` is negative, and Resin's integers are unsigned (u8 to u256): there are no negative numbers"),
        ));
    }
    if w.starts_with(|c: char| c.is_ascii_digit()) {
        return match parse_int(w) {
            Some((value, suffix)) => Ok(Literal::Int { value, suffix }),
            None => Err(ScriptError::at(span, format!("`{w}` is not a number (or it does not fit in u256)"))),
        };
    }
    address_ref(w, span).map(Literal::Address)
}
