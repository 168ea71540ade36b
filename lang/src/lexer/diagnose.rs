//! The lexer's diagnostics: characters and literals it cannot accept, and
//! text that would display differently from how it compiles.

use resin_format::text::{self, HiddenChar, HiddenKind};
use resin_verifier::MAX_IDENTIFIER_LEN;

use super::{LexError, Token};
use crate::diagnostics::{Code, Diagnostic};
use crate::literal;
use crate::source::Span;

/// True when the character at `offset` is one [`hidden_characters`] reports
/// (so an "invalid character" error there would say the same thing twice).
pub(super) fn starts_hidden(text: &str, offset: usize) -> bool {
    let rest = text.get(offset..).unwrap_or_default();
    let mut chars = rest.chars();
    chars.next().is_some_and(|c| {
        let next = rest.as_bytes().get(c.len_utf8()).copied();
        text::classify(c, next, offset == 0).is_some()
    })
}

/// Where a hidden character sits, for the message.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    String,
    Comment,
    Code,
}

/// Reports every bare CR (and other line break than LF or CRLF), text-direction
/// control and invisible character, in comments and strings as well as in code:
/// what a reviewer sees must be what is compiled. `tokens` and `comments` are
/// sorted by position; they tell where each character sits.
pub(super) fn hidden_characters(
    file: u32,
    text: &str,
    tokens: &[(Token<'_>, Span)],
    comments: &[std::ops::Range<usize>],
    diags: &mut Vec<Diagnostic>,
) {
    for hidden in text::hidden_chars(text) {
        let place = place(hidden.offset, hidden.kind == HiddenKind::LineBreak, tokens, comments);
        diags.push(hidden_diagnostic(&hidden, place, Span::from_range(file, hidden.range())));
    }
}

/// A line break that ends a `//` comment (which stops before it) counts as in the comment.
fn place(offset: usize, line_break: bool, tokens: &[(Token<'_>, Span)], comments: &[std::ops::Range<usize>]) -> Place {
    let contains = |start: usize, end: usize| start <= offset && offset < end;
    let in_comment = comments.partition_point(|c| c.end <= offset);
    let ends_comment = line_break && in_comment > 0 && comments.get(in_comment - 1).is_some_and(|c| c.end == offset);
    if ends_comment || comments.get(in_comment).is_some_and(|c| contains(c.start, c.end)) {
        return Place::Comment;
    }
    let at = tokens.partition_point(|(_, s)| (s.end as usize) <= offset);
    let after_doc = |i: usize| matches!(tokens.get(i), Some((Token::DocComment(_), s)) if s.end as usize == offset);
    if line_break && at > 0 && after_doc(at - 1) {
        return Place::Comment;
    }
    match tokens.get(at) {
        Some((token, span)) if contains(span.start as usize, span.end as usize) => match token {
            Token::ByteString(_) | Token::HexString(_) | Token::PlainString(_) => Place::String,
            Token::DocComment(_) => Place::Comment,
            _ => Place::Code,
        },
        _ => Place::Code,
    }
}

fn hidden_diagnostic(hidden: &HiddenChar, place: Place, span: Span) -> Diagnostic {
    let shown = hidden.describe();
    let where_ = match place {
        Place::String => " in a string",
        Place::Comment => " in a comment",
        Place::Code => "",
    };
    let diag = match hidden.kind {
        HiddenKind::LineBreak => {
            let what = if hidden.ch == '\r' {
                "carriage return not followed by a line feed".to_string()
            } else {
                format!("line break {shown}")
            };
            return Diagnostic::new(Code::BareLineBreak, span, format!("{what}{where_}"))
                .with_label_message("editors show a line break here")
                .with_note("Resin ends lines only at LF or CRLF, so what follows would look like a new line but is not")
                .with_hint("use LF or CRLF line endings");
        }
        HiddenKind::TextDirection => Diagnostic::new(
            Code::TextDirectionControl,
            span,
            format!("text-direction control character {shown}{where_}"),
        )
        .with_label_message("this changes the order in which the text around it is displayed")
        .with_note("it can make code look like a comment, or a comment like code (\"Trojan Source\")"),
        HiddenKind::Invisible => {
            Diagnostic::new(Code::InvisibleCharacter, span, format!("invisible character {shown}{where_}"))
                .with_label_message("this character is not displayed")
                .with_note("the source must show every character it holds")
        }
    };
    if place == Place::String {
        let mut utf8 = [0u8; 4];
        let escaped: String = hidden.ch.encode_utf8(&mut utf8).bytes().map(|b| format!("\\x{b:02x}")).collect();
        diag.with_hint(format!("if these bytes are meant, write them as `{escaped}`"))
    } else {
        diag.with_hint("delete it")
    }
}

pub(super) fn lex_error(error: LexError, slice: &str, span: Span) -> Diagnostic {
    match error {
        LexError::InvalidCharacter => {
            let shown = slice.chars().next().map_or_else(String::new, |c| c.escape_debug().to_string());
            Diagnostic::new(Code::InvalidCharacter, span, format!("invalid character `{shown}`"))
                .with_label_message("not valid in Resin source")
        }
        LexError::UnterminatedComment => Diagnostic::new(
            Code::UnterminatedComment,
            Span { end: span.start + 2, ..span },
            "unterminated block comment",
        )
        .with_label_message("this comment is never closed")
        .with_hint("close it with `*/` (block comments nest)"),
        LexError::UnterminatedString => {
            let open = if slice.starts_with('"') { 1 } else { 2 };
            Diagnostic::new(
                Code::UnterminatedString,
                Span { end: span.start + open, ..span },
                "unterminated string literal",
            )
            .with_label_message("this string is never closed")
            .with_hint("add the closing `\"`")
        }
    }
}

/// Shape checks that need the token's text: literal suffixes, escapes, hex digits.
pub(super) fn check_token(token: Token<'_>, span: Span, diags: &mut Vec<Diagnostic>) {
    match token {
        Token::Number(text) => {
            if let Err(d) = literal::split_number(text, span) {
                diags.push(d);
            }
        }
        Token::AddressLit(text) if literal::parse_address(text).is_none() => {
            diags.push(literal::invalid_address(text, span));
        }
        Token::ByteString(raw) => {
            let content = Span { start: span.start + 2, end: span.end.saturating_sub(1), ..span };
            diags.extend(literal::decode_byte_string(raw, content).1);
        }
        Token::HexString(raw) => {
            let content = Span { start: span.start + 2, end: span.end.saturating_sub(1), ..span };
            diags.extend(literal::decode_hex_string(raw, content).1);
        }
        Token::Ident(name) if name.len() > MAX_IDENTIFIER_LEN => diags.push(
            Diagnostic::new(
                Code::IdentifierTooLong,
                span,
                format!("identifier of {} bytes; at most {MAX_IDENTIFIER_LEN} are allowed", name.len()),
            )
            .with_label_message("too long")
            .with_note("names are stored in the bytecode, which limits them to 255 bytes")
            .with_hint("choose a shorter name"),
        ),
        Token::PlainString(raw) => diags.push(
            Diagnostic::new(Code::PlainString, span, "string literals need a `b` (bytes) or `x` (hex) prefix")
                .with_label_message("plain string")
                .with_hint(format!("write `b\"{raw}\"`")),
        ),
        _ => {}
    }
}
