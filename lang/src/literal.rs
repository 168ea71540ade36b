//! Literal decoding shared by the lexer (which reports shape errors) and the
//! parser (which builds values and checks ranges).

use resin_format::file_format::AccountAddress;

use crate::ast::{IntType, U256};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;

/// A number token split into radix, digits (underscores kept) and suffix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NumberParts<'a> {
    pub radix: u32,
    pub digits: &'a str,
    pub suffix: Option<IntType>,
}

/// Splits `1_000u64` / `0xFFu8` into parts; reports a bad suffix or empty hex digits.
pub fn split_number(text: &str, span: Span) -> Result<NumberParts<'_>, Diagnostic> {
    let (radix, body, prefix_len) = match text.strip_prefix("0x") {
        Some(rest) => (16, rest, 2),
        None => (10, text, 0),
    };
    let digit_end = body.bytes().position(|b| !(b == b'_' || (b as char).is_digit(radix))).unwrap_or(body.len());
    let (digits, suffix_text) = body.split_at(digit_end);
    if !digits.bytes().any(|b| b != b'_') {
        return Err(Diagnostic::new(Code::InvalidNumber, span, format!("`{text}` has no digits"))
            .with_label_message("expected hex digits after `0x`"));
    }
    let suffix = match suffix_text {
        "" => None,
        "u8" => Some(IntType::U8),
        "u64" => Some(IntType::U64),
        "u128" => Some(IntType::U128),
        "u16" => Some(IntType::U16),
        "u32" => Some(IntType::U32),
        "u256" => Some(IntType::U256),
        other => {
            let start = span.start + (prefix_len + digit_end) as u32;
            let at = Span { start, ..span };
            return Err(Diagnostic::new(
                Code::InvalidSuffix,
                at,
                format!("invalid suffix `{other}` on number literal"),
            )
            .with_label_message("unknown suffix")
            .with_hint("integer suffixes are `u8`, `u16`, `u32`, `u64`, `u128` and `u256`"));
        }
    };
    Ok(NumberParts { radix, digits, suffix })
}

/// Parses an integer literal and checks it fits its suffix's type. One
/// without a suffix takes the type its context expects (`u64` when nothing
/// does), which only the type checker knows: here it need only fit the
/// widest integer, `u256`, and the type checker checks it against its type.
pub fn parse_int(text: &str, span: Span) -> Result<(U256, Option<IntType>), Diagnostic> {
    let parts = split_number(text, span)?;
    let ty = parts.suffix.unwrap_or(IntType::U256);
    match digits_value(parts.digits, parts.radix) {
        Some(v) if v <= ty.max() => Ok((v, parts.suffix)),
        _ => Err(Diagnostic::new(
            Code::LiteralOutOfRange,
            span,
            format!("integer literal `{text}` does not fit in {}", ty.as_str()),
        )
        .with_label_message(format!("the largest {} is {}", ty.as_str(), ty.max()))),
    }
}

/// `None` for a value over `u256`'s maximum (the digits are valid: the lexer checked them).
fn digits_value(digits: &str, radix: u32) -> Option<U256> {
    let cleaned: String = digits.chars().filter(|&c| c != '_').collect();
    U256::from_str_radix(&cleaned, radix)
}

/// Parses an address written as a number: `0x` + 1..=64 hex digits, or a decimal
/// number that fits in u128. Underscores are allowed between digits.
pub fn parse_address(text: &str) -> Option<AccountAddress> {
    let cleaned: String = text.chars().filter(|&c| c != '_').collect();
    if cleaned.starts_with("0x") {
        return AccountAddress::parse(&cleaned);
    }
    if cleaned.is_empty() || !cleaned.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value: u128 = cleaned.parse().ok()?;
    let mut bytes = [0u8; 32];
    bytes[16..].copy_from_slice(&value.to_be_bytes());
    Some(AccountAddress(bytes))
}

pub fn invalid_address(text: &str, span: Span) -> Diagnostic {
    Diagnostic::new(Code::InvalidAddress, span, format!("invalid address `{text}`"))
        .with_label_message("not an address")
        .with_hint("addresses are `0x` followed by 1 to 64 hex digits (no suffix)")
}

/// Decodes the contents of `b"..."`. `span` covers the contents (between the quotes).
/// Escapes: `\n \r \t \0 \\ \" \xHH`.
pub fn decode_byte_string(raw: &str, span: Span) -> (Vec<u8>, Vec<Diagnostic>) {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut diags = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let at = |len: usize| Span {
            start: span.start + i as u32,
            end: span.start + (i + len).min(bytes.len()) as u32,
            ..span
        };
        let escaped = match bytes.get(i + 1) {
            Some(b'n') => Some(b'\n'),
            Some(b'r') => Some(b'\r'),
            Some(b't') => Some(b'\t'),
            Some(b'0') => Some(0),
            Some(b'\\') => Some(b'\\'),
            Some(b'"') => Some(b'"'),
            Some(b'x') => {
                let hex = raw
                    .get(i + 2..i + 4)
                    .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(v) => {
                        out.push(v);
                        i += 4;
                        continue;
                    }
                    None => {
                        diags.push(
                            Diagnostic::new(Code::InvalidEscape, at(4), "invalid `\\x` escape")
                                .with_label_message("expected two hex digits after `\\x`"),
                        );
                        i += 2;
                        continue;
                    }
                }
            }
            _ => None,
        };
        match escaped {
            Some(b) => out.push(b),
            None => {
                let len = raw.get(i + 1..).and_then(|r| r.chars().next()).map_or(1, |c| 1 + c.len_utf8());
                diags.push(
                    Diagnostic::new(Code::InvalidEscape, at(len), "invalid escape in byte string")
                        .with_label_message("unknown escape")
                        .with_hint("valid escapes are \\n \\r \\t \\0 \\\\ \\\" and \\xHH"),
                );
            }
        }
        i += 2;
    }
    (out, diags)
}

/// Decodes the contents of `x"..."`: an even number of hex digits.
pub fn decode_hex_string(raw: &str, span: Span) -> (Vec<u8>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    if let Some((pos, c)) = raw.char_indices().find(|(_, c)| !c.is_ascii_hexdigit()) {
        let at = Span { start: span.start + pos as u32, end: span.start + (pos + c.len_utf8()) as u32, ..span };
        diags.push(
            Diagnostic::new(
                Code::InvalidHexString,
                at,
                format!("invalid character `{}` in hex string", c.escape_debug()),
            )
            .with_label_message("not a hex digit"),
        );
        return (Vec::new(), diags);
    }
    if !raw.len().is_multiple_of(2) {
        diags.push(
            Diagnostic::new(Code::InvalidHexString, span, "hex string has an odd number of digits")
                .with_label_message("each byte needs two hex digits"),
        );
        return (Vec::new(), diags);
    }
    let out = raw
        .as_bytes()
        .chunks(2)
        .filter_map(|pair| std::str::from_utf8(pair).ok().and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect();
    (out, diags)
}
