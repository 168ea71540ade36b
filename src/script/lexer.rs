//! Tokens of the command language. The lexer is a cursor, not a pass over the
//! whole text, because an inline `module ... { }` is not made of script
//! tokens: the parser asks for it as raw text ([`Lexer::raw_module`]) and
//! hands it to the compiler untouched.

use super::ast::Span;
use super::ScriptError;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tok {
    /// Any run of characters that is not whitespace or punctuation: names,
    /// numbers, addresses, `0x1::coin::transfer`, file paths.
    Word(String),
    /// `"text"`: file paths with spaces.
    Str(String),
    /// `b"text"` or `x"0a0b"`.
    Bytes(Vec<u8>),
    /// `b"text"` holding a `{`: a substitution `{EXPR}` (or `{{`, a brace)
    /// that the parser resolves against the loop variables in scope.
    ByteTemplate(String),
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    /// `(` and `)`: the fields of a struct-built index, `[(alice, 7)]`.
    LParen,
    RParen,
    Comma,
    /// A line break or `;`: the end of a command.
    Newline,
    Eof,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub tok: Tok,
    pub span: Span,
    /// Byte offset of the token's first character.
    pub offset: usize,
}

#[derive(Clone, Copy, Debug)]
struct Cursor {
    offset: usize,
    line: u32,
    col: u32,
}

pub struct Lexer<'a> {
    src: &'a str,
    at: Cursor,
    /// Whether the text was checked for characters that display differently
    /// from how they lex (done once, at the first token).
    checked: bool,
}

fn is_word_char(c: char) -> bool {
    !c.is_whitespace() && !matches!(c, '[' | ']' | '{' | '}' | '(' | ')' | ',' | ';' | '"' | '#')
}

/// Whether a `{` followed by `next` opens a substitution `{EXPR}` rather
/// than a block or a loop body. As with a shell's `{ list; }`, a brace that
/// groups commands is followed by a space or a line break, while
/// `user{i}` and `{i * 10}` start their expression at once.
fn opens_substitution(next: Option<char>) -> bool {
    next.is_some_and(|c| !c.is_whitespace() && !matches!(c, '}' | '#'))
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a str) -> Self {
        Lexer { src, at: Cursor { offset: 0, line: 1, col: 1 }, checked: false }
    }

    fn span(&self) -> Span {
        Span { line: self.at.line, col: self.at.col }
    }

    fn peek_char(&self) -> Option<char> {
        self.src[self.at.offset..].chars().next()
    }

    fn peek_second(&self) -> Option<char> {
        self.src[self.at.offset..].chars().nth(1)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek_char()?;
        self.at.offset += c.len_utf8();
        if c == '\n' {
            self.at.line += 1;
            self.at.col = 1;
        } else {
            self.at.col += 1;
        }
        Some(c)
    }

    fn skip_line_comment(&mut self) {
        while let Some(c) = self.peek_char() {
            if c == '\n' {
                break;
            }
            self.bump();
        }
    }

    pub fn next_token(&mut self) -> Result<Token, ScriptError> {
        if !self.checked {
            self.checked = true;
            // A bare CR would end a `#` comment on screen but not here; a
            // text-direction control could reorder a command as displayed.
            if let Some((hidden, line, col)) = resin_format::text::first_hidden(self.src) {
                let message = format!("{}: it would display differently from how it runs", hidden.message());
                return Err(ScriptError::at(Span { line, col }, message));
            }
        }
        loop {
            match self.peek_char() {
                Some(c) if c.is_whitespace() && c != '\n' => {
                    self.bump();
                }
                Some('#') => self.skip_line_comment(),
                Some('/') if self.peek_second() == Some('/') => self.skip_line_comment(),
                _ => break,
            }
        }
        let span = self.span();
        let offset = self.at.offset;
        let make = |tok| Ok(Token { tok, span, offset });
        let Some(c) = self.peek_char() else { return make(Tok::Eof) };
        let single = match c {
            '\n' | ';' => Some(Tok::Newline),
            '[' => Some(Tok::LBracket),
            ']' => Some(Tok::RBracket),
            '{' if !opens_substitution(self.peek_second()) => Some(Tok::LBrace),
            '}' => Some(Tok::RBrace),
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            ',' => Some(Tok::Comma),
            _ => None,
        };
        if let Some(tok) = single {
            self.bump();
            return make(tok);
        }
        if c == '"' {
            let text = self.quoted(span)?;
            return make(Tok::Str(text));
        }
        if (c == 'b' || c == 'x') && self.peek_second() == Some('"') {
            self.bump();
            let text = self.quoted(span)?;
            let bytes = if c == 'b' {
                if text.contains('{') {
                    return make(Tok::ByteTemplate(text));
                }
                text.into_bytes()
            } else {
                hex::decode(&text).map_err(|e| ScriptError::at(span, format!("bad hex string x\"{text}\": {e}")))?
            };
            return make(Tok::Bytes(bytes));
        }
        let mut word = String::new();
        while let Some(c) = self.peek_char() {
            if c == '{' && opens_substitution(self.peek_second()) {
                self.substitution(&mut word)?;
                continue;
            }
            if !is_word_char(c) {
                break;
            }
            word.push(c);
            self.bump();
        }
        make(Tok::Word(word))
    }

    /// A `{EXPR}` inside a word, kept as written (the parser evaluates it):
    /// it closes on its own line, since an unclosed one would otherwise
    /// swallow the rest of the script.
    fn substitution(&mut self, word: &mut String) -> Result<(), ScriptError> {
        let start = self.span();
        loop {
            match self.peek_char() {
                None | Some('\n') => {
                    return Err(ScriptError::at(start, "unterminated `{`: a substitution `{EXPR}` closes on its line"))
                }
                Some(c) => {
                    word.push(c);
                    self.bump();
                    if c == '}' {
                        return Ok(());
                    }
                }
            }
        }
    }

    /// A `"..."` string with `\"`, `\\`, `\n` and `\t` escapes. The opening
    /// quote is the next character.
    fn quoted(&mut self, start: Span) -> Result<String, ScriptError> {
        self.bump();
        let mut text = String::new();
        loop {
            match self.bump() {
                None | Some('\n') => return Err(ScriptError::at(start, "unterminated string")),
                Some('"') => return Ok(text),
                Some('\\') => match self.bump() {
                    Some('n') => text.push('\n'),
                    Some('t') => text.push('\t'),
                    Some(c @ ('"' | '\\')) => text.push(c),
                    _ => return Err(ScriptError::at(start, "bad escape in string (use \\\", \\\\, \\n or \\t)")),
                },
                Some(c) => text.push(c),
            }
        }
    }

    /// The raw text of a `module ... { ... }` that starts at `start` (the
    /// `module` keyword), through its matching `}`. Braces inside Resin
    /// comments and strings do not count. An unclosed module is an
    /// *incomplete* error, which tells the REPL to read another line.
    pub fn raw_module(&mut self, start: &Token) -> Result<String, ScriptError> {
        self.at = Cursor { offset: start.offset, line: start.span.line, col: start.span.col };
        let mut depth = 0usize;
        let mut open: Option<Span> = None;
        loop {
            let here = self.span();
            let Some(c) = self.bump() else {
                let at = open.unwrap_or(start.span);
                return Err(ScriptError::incomplete(at, "unclosed module: missing `}`"));
            };
            match c {
                '/' if self.peek_char() == Some('/') => self.skip_line_comment(),
                '/' if self.peek_char() == Some('*') => {
                    self.bump();
                    let mut prev = ' ';
                    loop {
                        let Some(c) = self.bump() else {
                            return Err(ScriptError::incomplete(here, "unclosed comment in module"));
                        };
                        if prev == '*' && c == '/' {
                            break;
                        }
                        prev = c;
                    }
                }
                '"' => loop {
                    match self.bump() {
                        None => return Err(ScriptError::incomplete(here, "unclosed string in module")),
                        Some('\\') => {
                            self.bump();
                        }
                        Some('"') => break,
                        Some(_) => {}
                    }
                },
                '{' => {
                    depth += 1;
                    open.get_or_insert(here);
                }
                '}' => {
                    if depth == 0 {
                        return Err(ScriptError::at(here, "unexpected `}` before the module's `{`"));
                    }
                    depth -= 1;
                    if depth == 0 {
                        return Ok(self.src[start.offset..self.at.offset].to_string());
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str) -> Vec<Tok> {
        let mut lexer = Lexer::new(src);
        let mut out = Vec::new();
        loop {
            let t = lexer.next_token().unwrap();
            if t.tok == Tok::Eof {
                return out;
            }
            out.push(t.tok);
        }
    }

    #[test]
    fn words_punctuation_and_comments() {
        let w = |s: &str| Tok::Word(s.to_string());
        assert_eq!(
            toks("call alice 0x1::coin::transfer [1,2u8] b\"hi\" x\"0a\" # note\nundo; // c"),
            vec![
                w("call"),
                w("alice"),
                w("0x1::coin::transfer"),
                Tok::LBracket,
                w("1"),
                Tok::Comma,
                w("2u8"),
                Tok::RBracket,
                Tok::Bytes(b"hi".to_vec()),
                Tok::Bytes(vec![10]),
                Tok::Newline,
                w("undo"),
                Tok::Newline,
            ]
        );
    }

    #[test]
    fn spans_count_characters() {
        let mut lexer = Lexer::new("  ä b\n  c");
        assert_eq!(lexer.next_token().unwrap().span, Span { line: 1, col: 3 });
        assert_eq!(lexer.next_token().unwrap().span, Span { line: 1, col: 5 });
        lexer.next_token().unwrap();
        assert_eq!(lexer.next_token().unwrap().span, Span { line: 2, col: 3 });
    }

    #[test]
    fn raw_module_skips_braces_in_comments_and_strings() {
        let src = "module 0x1::m { // }\n fun f() { let s = b\"}\"; /* } */ }\n}\nundo";
        let mut lexer = Lexer::new(src);
        let start = lexer.next_token().unwrap();
        let text = lexer.raw_module(&start).unwrap();
        assert!(text.ends_with("*/ }\n}"));
        assert_eq!(lexer.next_token().unwrap().tok, Tok::Newline);
        assert_eq!(lexer.next_token().unwrap().tok, Tok::Word("undo".into()));
    }

    #[test]
    fn unclosed_module_is_incomplete() {
        let mut lexer = Lexer::new("module 0x1::m {\n fun f() {");
        let start = lexer.next_token().unwrap();
        let err = lexer.raw_module(&start).unwrap_err();
        assert!(err.incomplete);
        assert_eq!(err.span, Span { line: 1, col: 15 });
    }

    #[test]
    fn text_that_displays_differently_is_refused() {
        let err = Lexer::new("account alice # note\rcall alice coin::register\n").next_token().unwrap_err();
        assert_eq!(err.span, Span { line: 1, col: 21 });
        assert!(err.message.starts_with("line break other than LF or CRLF"), "{}", err.message);
        let err = Lexer::new("show alice\n// \u{2067}x\n").next_token().unwrap_err();
        assert_eq!(err.span, Span { line: 2, col: 4 });
        assert!(err.message.contains("RIGHT-TO-LEFT ISOLATE"), "{}", err.message);
        assert!(Lexer::new("call alice m::f b\"\u{200B}\"").next_token().is_err());
        assert_eq!(toks("undo\r\nundo\r\n").len(), 4);
    }

    #[test]
    fn bad_strings_are_errors() {
        assert!(Lexer::new("\"abc").next_token().is_err());
        assert!(Lexer::new("x\"zz\"").next_token().is_err());
    }
}
