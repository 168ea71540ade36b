//! The lexer: source text to tokens, built with logos.
//!
//! Tokens borrow their text from the source; literal *values* are decoded by the
//! parser (see [`crate::literal`]), but their *shape* is validated here so that a
//! bad escape or suffix is reported once, with the exact span, by [`lex`].
//! Lexing never fails as a whole: a bad character becomes a diagnostic and is skipped.

use logos::{FilterResult, Logos};

use crate::diagnostics::Diagnostic;
use crate::source::Span;

/// Why logos could not produce a token.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LexError {
    #[default]
    InvalidCharacter,
    UnterminatedComment,
    UnterminatedString,
}

/// The byte ranges of the comments the lexer skipped, in order (doc comments
/// are tokens): where a diagnostic says "in a comment".
pub type Comments = Vec<std::ops::Range<usize>>;

#[derive(Logos, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[logos(error = LexError, extras = Comments)]
// Whitespace, including a byte-order mark (editors on Windows write one; one
// anywhere but first is reported by `diagnose::hidden_characters`).
#[logos(skip r"[ \t\r\n\f\u{FEFF}]+")]
pub enum Token<'a> {
    // ---- comments ----
    /// `/// text`: the text after the three slashes. `//` and `////` comments are skipped.
    /// A line comment ends at any line break an editor shows, so a bare CR
    /// (an error, E0128) cannot hide code that follows it on screen.
    #[regex(r"//[^\r\n\u{85}\u{2028}\u{2029}]*", line_comment, allow_greedy = true)]
    DocComment(&'a str),
    #[token("/*", block_comment)]
    BlockComment,

    // ---- literals and names ----
    #[regex(r"[a-zA-Z_][a-zA-Z0-9_]*")]
    Ident(&'a str),
    /// Any run starting with a digit: `12`, `1_000u64`, `0xFF`; checked by [`literal`].
    #[regex(r"[0-9][a-zA-Z0-9_]*")]
    Number(&'a str),
    /// `@0x1`: the text after `@`.
    #[regex(r"@[0-9][a-zA-Z0-9_]*", |lex| &lex.slice()[1..])]
    AddressLit(&'a str),
    /// `b"..."`: the raw text between the quotes (escapes not yet decoded).
    #[token("b\"", |lex| quoted(lex, 2))]
    ByteString(&'a str),
    /// `x"0a0b"`: the raw text between the quotes.
    #[token("x\"", |lex| quoted(lex, 2))]
    HexString(&'a str),
    /// `"..."`: not a Resin literal; lexed whole so the error is precise.
    #[token("\"", |lex| quoted(lex, 1))]
    PlainString(&'a str),

    // ---- keywords ----
    #[token("module")]
    Module,
    #[token("use")]
    Use,
    #[token("struct")]
    Struct,
    #[token("has")]
    Has,
    #[token("const")]
    Const,
    #[token("fun")]
    Fun,
    #[token("public")]
    Public,
    #[token("entry")]
    Entry,
    #[token("acquires")]
    Acquires,
    #[token("let")]
    Let,
    #[token("if")]
    If,
    #[token("else")]
    Else,
    #[token("while")]
    While,
    #[token("loop")]
    Loop,
    #[token("break")]
    Break,
    #[token("continue")]
    Continue,
    #[token("return")]
    Return,
    #[token("abort")]
    Abort,
    #[token("as")]
    As,
    #[token("true")]
    True,
    #[token("false")]
    False,
    #[token("move")]
    Move,
    #[token("copy")]
    Copy,
    #[token("mut")]
    Mut,
    #[token("Self")]
    SelfKw,
    /// `friend 0x1::m;` items and `public(friend)`.
    #[token("friend")]
    Friend,
    /// Words kept for future syntax (`native`, `spec`, ...): never names.
    #[regex("native|script|spec|enum|match|for|phantom|inline|package|impl|type")]
    Reserved(&'a str),
    #[token("_", priority = 3)]
    Underscore,

    // ---- punctuation ----
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token(",")]
    Comma,
    #[token(";")]
    Semi,
    #[token(":")]
    Colon,
    #[token("::")]
    ColonColon,
    #[token(".")]
    Dot,
    #[token("@")]
    At,
    /// Opens an attribute, `#[test]`.
    #[token("#")]
    Hash,
    #[token("&")]
    Amp,
    #[token("&&")]
    AmpAmp,
    #[token("|")]
    Pipe,
    #[token("||")]
    PipePipe,
    #[token("^")]
    Caret,
    #[token("!")]
    Bang,
    #[token("!=")]
    BangEq,
    #[token("=")]
    Eq,
    #[token("==")]
    EqEq,
    #[token("<")]
    Lt,
    /// A `<` that opens type arguments (`borrow_global<S>(a)`); never produced by logos,
    /// see [`crate::parser`] which tells it apart from less-than.
    GenericLt,
    #[token(">")]
    Gt,
    #[token("<=")]
    Le,
    #[token(">=")]
    Ge,
    #[token("<<")]
    Shl,
    #[token(">>")]
    Shr,
    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Star,
    #[token("/")]
    Slash,
    #[token("%")]
    Percent,
}

fn line_comment<'a>(lex: &mut logos::Lexer<'a, Token<'a>>) -> logos::Filter<&'a str> {
    let text = lex.slice();
    match text.strip_prefix("///") {
        Some(rest) if !rest.starts_with('/') => logos::Filter::Emit(rest),
        _ => {
            let span = lex.span();
            lex.extras.push(span);
            logos::Filter::Skip
        }
    }
}

/// Skips a block comment; they nest, so `/* a /* b */ c */` is one comment.
fn block_comment<'a>(lex: &mut logos::Lexer<'a, Token<'a>>) -> FilterResult<(), LexError> {
    let rest = lex.remainder().as_bytes();
    let mut depth = 1usize;
    let mut i = 0;
    while i < rest.len() {
        match (rest[i], rest.get(i + 1)) {
            (b'/', Some(b'*')) => {
                depth += 1;
                i += 2;
            }
            (b'*', Some(b'/')) => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    lex.bump(i);
                    let span = lex.span();
                    lex.extras.push(span);
                    return FilterResult::Skip;
                }
            }
            _ => i += 1,
        }
    }
    lex.bump(rest.len());
    let span = lex.span();
    lex.extras.push(span);
    FilterResult::Error(LexError::UnterminatedComment)
}

/// Scans a quoted literal whose opening quote was just matched (the prefix is
/// `prefix` bytes long), honouring `\"` escapes. Returns the raw contents.
fn quoted<'a>(lex: &mut logos::Lexer<'a, Token<'a>>, prefix: usize) -> Result<&'a str, LexError> {
    let rest = lex.remainder().as_bytes();
    let mut i = 0;
    while i < rest.len() {
        match rest[i] {
            b'\\' => i += 2,
            b'"' => {
                lex.bump(i + 1);
                let slice = lex.slice();
                return Ok(&slice[prefix..slice.len() - 1]);
            }
            _ => i += 1,
        }
    }
    lex.bump(rest.len());
    Err(LexError::UnterminatedString)
}

impl Token<'_> {
    /// How the token is written, for messages: `` `fun` ``, `identifier `x``.
    pub fn describe(&self) -> String {
        match self {
            Token::Ident(s) => format!("identifier `{s}`"),
            Token::Number(s) => format!("number `{s}`"),
            Token::AddressLit(s) => format!("address `@{s}`"),
            Token::ByteString(_) => "byte string".to_string(),
            Token::HexString(_) => "hex string".to_string(),
            Token::PlainString(_) => "string".to_string(),
            Token::DocComment(_) => "doc comment".to_string(),
            Token::Reserved(s) => format!("reserved word `{s}`"),
            Token::BlockComment => "comment".to_string(),
            other => format!("`{}`", other.text()),
        }
    }

    /// The fixed spelling of keyword and punctuation tokens (empty for tokens with data).
    pub fn text(&self) -> &'static str {
        match self {
            Token::Module => "module",
            Token::Use => "use",
            Token::Struct => "struct",
            Token::Has => "has",
            Token::Const => "const",
            Token::Fun => "fun",
            Token::Public => "public",
            Token::Entry => "entry",
            Token::Acquires => "acquires",
            Token::Let => "let",
            Token::If => "if",
            Token::Else => "else",
            Token::While => "while",
            Token::Loop => "loop",
            Token::Break => "break",
            Token::Continue => "continue",
            Token::Return => "return",
            Token::Abort => "abort",
            Token::As => "as",
            Token::True => "true",
            Token::False => "false",
            Token::Move => "move",
            Token::Copy => "copy",
            Token::Mut => "mut",
            Token::SelfKw => "Self",
            Token::Friend => "friend",
            Token::Underscore => "_",
            Token::LParen => "(",
            Token::RParen => ")",
            Token::LBrace => "{",
            Token::RBrace => "}",
            Token::LBracket => "[",
            Token::RBracket => "]",
            Token::Comma => ",",
            Token::Semi => ";",
            Token::Colon => ":",
            Token::ColonColon => "::",
            Token::Dot => ".",
            Token::At => "@",
            Token::Hash => "#",
            Token::Amp => "&",
            Token::AmpAmp => "&&",
            Token::Pipe => "|",
            Token::PipePipe => "||",
            Token::Caret => "^",
            Token::Bang => "!",
            Token::BangEq => "!=",
            Token::Eq => "=",
            Token::EqEq => "==",
            Token::Lt | Token::GenericLt => "<",
            Token::Gt => ">",
            Token::Le => "<=",
            Token::Ge => ">=",
            Token::Shl => "<<",
            Token::Shr => ">>",
            Token::Plus => "+",
            Token::Minus => "-",
            Token::Star => "*",
            Token::Slash => "/",
            Token::Percent => "%",
            Token::Ident(_)
            | Token::Number(_)
            | Token::AddressLit(_)
            | Token::ByteString(_)
            | Token::HexString(_)
            | Token::PlainString(_)
            | Token::DocComment(_)
            | Token::Reserved(_)
            | Token::BlockComment => "",
        }
    }

    /// Keywords: words that can never be names.
    pub fn is_keyword(&self) -> bool {
        matches!(self, Token::Reserved(_)) || (self.text().starts_with(|c: char| c.is_ascii_alphabetic()))
    }
}

/// Lexes one file. Every problem is a diagnostic with a span; bad input is skipped
/// (a plain `"string"` is kept as a byte string so parsing can go on).
pub fn lex(file: u32, text: &str) -> (Vec<(Token<'_>, Span)>, Vec<Diagnostic>) {
    let mut tokens = Vec::with_capacity(text.len() / 4);
    let mut diags = Vec::new();
    let mut lexer = Token::lexer(text);
    while let Some(result) = lexer.next() {
        let range = lexer.span();
        let span = Span::from_range(file, range.clone());
        match result {
            Ok(token) => {
                diagnose::check_token(token, span, &mut diags);
                let token = match token {
                    Token::PlainString(s) => Token::ByteString(s),
                    t => t,
                };
                tokens.push((token, span));
            }
            // A hidden character is reported by `hidden_characters`, wherever it is.
            Err(LexError::InvalidCharacter) if diagnose::starts_hidden(text, range.start) => {}
            Err(error) => diags.push(diagnose::lex_error(error, &text[range], span)),
        }
    }
    diagnose::hidden_characters(file, text, &tokens, &lexer.extras, &mut diags);
    (tokens, diags)
}

pub mod comments;
mod diagnose;
