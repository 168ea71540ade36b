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
    assert_eq!(tokens("friend spec u64 vector"), [Friend, Reserved("spec"), Ident("u64"), Ident("vector")]);
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
    assert_eq!(codes("1u24"), [(Code::InvalidSuffix, Span::new(0, 1, 4))]);
    assert!(codes("1u16 2u32 3u256").is_empty());
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
    use resin_format::U256;
    let n = |v: u128| U256::from(v);
    assert_eq!(parse_int("255u8", at).unwrap(), (n(255), Some(IntType::U8)));
    assert_eq!(parse_int("0x1_0", at).unwrap(), (n(16), None));
    assert_eq!(parse_int("18446744073709551615", at).unwrap(), (n(u64::MAX as u128), None));
    // Without a suffix a literal takes its context's type, which the type
    // checker knows: parsing only bounds it by u256.
    assert_eq!(parse_int("18446744073709551616", at).unwrap(), (n(1 << 64), None));
    assert_eq!(parse_int("18446744073709551616u128", at).unwrap(), (n(1 << 64), Some(IntType::U128)));
    assert_eq!(parse_int("256u8", at).unwrap_err().code, Code::LiteralOutOfRange);
    assert_eq!(parse_int(&format!("{}0u128", u128::MAX), at).unwrap_err().code, Code::LiteralOutOfRange);
    assert_eq!(parse_int("65535u16", at).unwrap(), (n(65_535), Some(IntType::U16)));
    assert_eq!(parse_int("65536u16", at).unwrap_err().code, Code::LiteralOutOfRange);
    assert_eq!(parse_int("0xFFFF_FFFFu32", at).unwrap(), (n(u32::MAX.into()), Some(IntType::U32)));
    assert_eq!(parse_int("4294967296u32", at).unwrap_err().code, Code::LiteralOutOfRange);
    let max = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
    assert_eq!(parse_int(&format!("{max}u256"), at).unwrap(), (U256::MAX, Some(IntType::U256)));
    assert_eq!(parse_int(&format!("0x{}", "f".repeat(64)), at).unwrap(), (U256::MAX, None));
    let over = "115792089237316195423570985008687907853269984665640564039457584007913129639936";
    assert_eq!(parse_int(&format!("{over}u256"), at).unwrap_err().code, Code::LiteralOutOfRange);
    assert_eq!(parse_int(over, at).unwrap_err().code, Code::LiteralOutOfRange);
    assert_eq!(parse_address("0x1"), Some(resin_vm::AccountAddress::from_u64(1)));
    assert_eq!(parse_address("10"), Some(resin_vm::AccountAddress::from_u64(10)));
    assert_eq!(parse_address(&format!("0x{}", "f".repeat(65))), None);
    assert_eq!(decode_byte_string(r#"a\n\x41\\\"\0"#, at).0, b"a\nA\\\"\0");
}

#[test]
fn a_bare_cr_is_an_error_and_a_line_break_everywhere() {
    use Token::*;
    // CRLF is fine; the CR of a bare CR is reported, in code and in comments.
    assert_eq!(tokens("a\r\nb // c\r\nd"), [Ident("a"), Ident("b"), Ident("d")]);
    assert_eq!(codes("a\rb"), [(Code::BareLineBreak, Span::new(0, 1, 2))]);
    // A `//` comment ends at the CR, as on screen: `x` is code.
    let (toks, diags) = lex(0, "// c\rx");
    assert_eq!(toks.iter().map(|(t, _)| *t).collect::<Vec<_>>(), [Ident("x")]);
    assert_eq!(diags.iter().map(|d| d.code).collect::<Vec<_>>(), [Code::BareLineBreak]);
    assert!(diags[0].message.contains("in a comment"), "{}", diags[0].message);
    // Unicode line and paragraph separators and NEL likewise.
    assert_eq!(codes("// c\u{2028}x").len(), 1);
    assert_eq!(codes("x\u{85}"), [(Code::BareLineBreak, Span::new(0, 1, 3))]);
}

#[test]
fn text_direction_controls_are_errors_at_the_character() {
    for c in ['\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}', '\u{200E}', '\u{200F}', '\u{61C}'] {
        let len = c.len_utf8() as u32;
        for (text, at) in [(format!("/* {c} */"), 3), (format!("b\"{c}\""), 2), (format!("x{c}"), 1)] {
            assert_eq!(codes(&text), [(Code::TextDirectionControl, Span::new(0, at, at + len))], "{text:?}");
        }
    }
    let (_, diags) = lex(0, "/// doc \u{202E}\nb\"\u{2067}\"");
    assert!(diags[0].message.ends_with("in a comment"), "{}", diags[0].message);
    assert!(diags[1].message.ends_with("in a string"), "{}", diags[1].message);
    assert!(diags[1].hints[0].contains("\\xe2\\x81\\xa7"), "{:?}", diags[1].hints);
}

#[test]
fn invisible_and_control_characters_are_errors_a_leading_bom_is_not() {
    assert!(codes("\u{FEFF}x").is_empty());
    assert_eq!(codes("x\u{FEFF}"), [(Code::InvisibleCharacter, Span::new(0, 1, 4))]);
    for c in ['\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\0', '\x1B', '\u{7F}', '\u{AD}', '\u{E0041}'] {
        let len = c.len_utf8() as u32;
        assert_eq!(codes(&format!("// {c}")), [(Code::InvisibleCharacter, Span::new(0, 3, 3 + len))], "{c:?}");
        // Once, not also as an invalid character.
        assert_eq!(codes(&format!("a {c}")), [(Code::InvisibleCharacter, Span::new(0, 2, 2 + len))], "{c:?}");
    }
    // Visible non-ASCII text in comments and strings stays fine.
    assert!(codes("// Grüße 日本 🦀\nb\"é\"").is_empty());
}

#[test]
fn identifiers_are_at_most_255_bytes() {
    let ok = "a".repeat(255);
    assert!(codes(&ok).is_empty());
    let long = format!("let {} = 1;", "b".repeat(256));
    assert_eq!(codes(&long), [(Code::IdentifierTooLong, Span::new(0, 4, 260))]);
    // The token is kept, so parsing goes on.
    assert_eq!(lex(0, &long).0.len(), 5);
}
