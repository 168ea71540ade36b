//! Lexer behaviour on the tricky spots: longest match, literal shapes, comments.

use resin_lang::lexer::{lex, Token};
use resin_lang::{Code, Span};

fn tokens(text: &str) -> Vec<Token<'_>> {
    let (tokens, diags) = lex(0, text);
    assert!(diags.is_empty(), "unexpected diagnostics for {text:?}: {diags:?}");
    tokens.into_iter().map(|(t, _)| t).collect()
}

fn codes(text: &str) -> Vec<(Code, Span)> {
    let (_, diags) = lex(0, text);
    diags.iter().map(|d| (d.code, d.primary_span().unwrap())).collect()
}

#[test]
fn operators_take_the_longest_match() {
    use Token::*;
    assert_eq!(tokens("a!=b"), [Ident("a"), BangEq, Ident("b")]);
    assert_eq!(tokens("a! =b"), [Ident("a"), Bang, Eq, Ident("b")]);
    assert_eq!(tokens("&&&"), [AmpAmp, Amp]);
    assert_eq!(tokens("a>>=b"), [Ident("a"), Shr, Eq, Ident("b")]);
    assert_eq!(tokens("x::y:z"), [Ident("x"), ColonColon, Ident("y"), Colon, Ident("z")]);
    assert_eq!(tokens("<<= <="), [Shl, Eq, Le]);
}

#[test]
fn keywords_and_identifiers() {
    use Token::*;
    assert_eq!(
        tokens("module modules _ _x Self self"),
        [Module, Ident("modules"), Underscore, Ident("_x"), SelfKw, Ident("self")]
    );
    assert_eq!(tokens("friend spec u64 vector"), [Reserved("friend"), Reserved("spec"), Ident("u64"), Ident("vector")]);
    assert!(Token::Move.is_keyword() && Token::Reserved("spec").is_keyword() && !Token::Ident("x").is_keyword());
}

#[test]
fn literals_keep_their_text() {
    use Token::*;
    assert_eq!(
        tokens("0xFFu8 1_000u128 @0x1 @ x"),
        [Number("0xFFu8"), Number("1_000u128"), AddressLit("0x1"), At, Ident("x")]
    );
    assert_eq!(tokens(r#"b"a\"b" x"0a" x y"#), [ByteString(r#"a\"b"#), HexString("0a"), Ident("x"), Ident("y")]);
    // `x` followed by a quote is a hex string, `max"` is a name then a (bad) string.
    assert_eq!(codes(r#"max"1""#).len(), 1);
}

#[test]
fn comments_nest_and_doc_comments_are_tokens() {
    use Token::*;
    assert_eq!(tokens("a /* x /* y */ z */ b"), [Ident("a"), Ident("b")]);
    assert_eq!(tokens("/// doc\n//// not doc\n// plain\nx"), [DocComment(" doc"), Ident("x")]);
    assert_eq!(tokens("/**/x"), [Ident("x")]);
    // Windows line endings and a byte-order mark are whitespace.
    assert_eq!(tokens("\u{FEFF}/// doc\r\nx\r\n"), [DocComment(" doc"), Ident("x")]);
}

#[test]
fn spans_are_byte_ranges_in_the_given_file() {
    let (tokens, _) = lex(7, "fun  f");
    assert_eq!(tokens[1].1, Span::new(7, 5, 6));
    assert_eq!(tokens[0].1, Span::new(7, 0, 3));
}

#[test]
fn bad_input_is_reported_with_a_span_and_skipped() {
    assert_eq!(codes("a $ b"), [(Code::InvalidCharacter, Span::new(0, 2, 3))]);
    // A multi-byte character is reported whole.
    assert_eq!(codes("é"), [(Code::InvalidCharacter, Span::new(0, 0, 2))]);
    assert_eq!(codes("x /* never"), [(Code::UnterminatedComment, Span::new(0, 2, 4))]);
    assert_eq!(codes("b\"never"), [(Code::UnterminatedString, Span::new(0, 0, 2))]);
    assert_eq!(codes("1u16"), [(Code::InvalidSuffix, Span::new(0, 1, 4))]);
    assert_eq!(codes("0x"), [(Code::InvalidNumber, Span::new(0, 0, 2))]);
    assert_eq!(codes(r#"b"\z""#), [(Code::InvalidEscape, Span::new(0, 2, 4))]);
    assert_eq!(codes(r#"x"0g""#), [(Code::InvalidHexString, Span::new(0, 3, 4))]);
    assert_eq!(codes(r#""s""#), [(Code::PlainString, Span::new(0, 0, 3))]);
    assert_eq!(codes("@0x1u8"), [(Code::InvalidAddress, Span::new(0, 0, 6))]);
}

#[test]
fn literal_values_and_ranges() {
    use resin_lang::ast::IntType;
    use resin_lang::literal::{decode_byte_string, parse_address, parse_int};
    let at = Span::default();
    assert_eq!(parse_int("255u8", at).unwrap(), (255, Some(IntType::U8)));
    assert_eq!(parse_int("0x1_0", at).unwrap(), (16, None));
    assert_eq!(parse_int("18446744073709551615", at).unwrap(), (u64::MAX as u128, None));
    assert_eq!(parse_int("18446744073709551616", at).unwrap_err().code, Code::LiteralOutOfRange);
    assert_eq!(parse_int("18446744073709551616u128", at).unwrap(), (1 << 64, Some(IntType::U128)));
    assert_eq!(parse_int("256u8", at).unwrap_err().code, Code::LiteralOutOfRange);
    assert_eq!(parse_int(&format!("{}0u128", u128::MAX), at).unwrap_err().code, Code::LiteralOutOfRange);
    assert_eq!(parse_address("0x1"), Some(resin_vm::AccountAddress::from_u64(1)));
    assert_eq!(parse_address("10"), Some(resin_vm::AccountAddress::from_u64(10)));
    assert_eq!(parse_address(&format!("0x{}", "f".repeat(65))), None);
    assert_eq!(decode_byte_string(r#"a\n\x41\\\"\0"#, at).0, b"a\nA\\\"\0");
}
