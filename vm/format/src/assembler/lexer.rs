//! Turns assembly text into tokens with line and column numbers.
//!
//! Newlines are tokens: an instruction ends at the end of its line, so a
//! missing operand is reported on its own line instead of swallowing the next
//! instruction. Everywhere else the parser skips them.

use super::AsmError;

/// A 1-based line and column (in characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) struct Pos {
    pub line: u32,
    pub col: u32,
}

impl Pos {
    pub fn error(self, message: impl Into<String>) -> AsmError {
        AsmError { line: self.line, col: self.col, message: message.into() }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Tok {
    /// `[A-Za-z_][A-Za-z0-9_]*`, keywords included: they are contextual.
    Ident(String),
    /// A digit followed by letters, digits and `_`: `12`, `0x1f`, `5u64`. The parser reads it.
    Number(String),
    /// `x"00ff"` or `b"text"`, already decoded to bytes.
    Bytes(Vec<u8>),
    /// `::`
    PathSep,
    /// Any other single punctuation character.
    Punct(char),
    Newline,
    Eof,
}

impl Tok {
    /// How the token is named in "expected ..., found ..." messages.
    pub fn describe(&self) -> String {
        match self {
            Tok::Ident(name) => format!("`{name}`"),
            Tok::Number(text) => format!("number `{text}`"),
            Tok::Bytes(_) => "a byte string".to_string(),
            Tok::PathSep => "`::`".to_string(),
            Tok::Punct(c) => format!("`{c}`"),
            Tok::Newline => "end of line".to_string(),
            Tok::Eof => "end of input".to_string(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Token {
    pub tok: Tok,
    pub pos: Pos,
}

const PUNCTUATION: &str = ":,(){}<>&=*[]@#.?+";

struct Lexer<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    pos: Pos,
}

impl Lexer<'_> {
    fn peek(&mut self) -> Option<char> {
        self.chars.peek().copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.chars.next()?;
        if c == '\n' {
            self.pos.line = self.pos.line.saturating_add(1);
            self.pos.col = 1;
        } else {
            self.pos.col = self.pos.col.saturating_add(1);
        }
        Some(c)
    }

    fn word(&mut self, first: char) -> String {
        let mut text = String::from(first);
        while let Some(c) = self.peek().filter(|c| c.is_ascii_alphanumeric() || *c == '_') {
            text.push(c);
            self.bump();
        }
        text
    }

    /// The body of `x"..."` (hex digits) or `b"..."` (UTF-8 text with `\\ \" \n \t \0 \xNN` escapes).
    fn byte_string(&mut self, hex: bool, start: Pos) -> Result<Vec<u8>, AsmError> {
        self.bump(); // the opening quote
        let mut bytes = Vec::new();
        loop {
            let here = self.pos;
            let c = match self.bump() {
                None | Some('\n') => return Err(start.error("unterminated byte string")),
                Some('"') => break,
                Some('\\') if !hex => match self.bump() {
                    Some('\\') => '\\',
                    Some('"') => '"',
                    Some('n') => '\n',
                    Some('t') => '\t',
                    Some('0') => '\0',
                    Some('x') => {
                        let digits: String = [self.bump(), self.bump()].into_iter().flatten().collect();
                        let byte = (digits.len() == 2 && digits.chars().all(|d| d.is_ascii_hexdigit()))
                            .then(|| u8::from_str_radix(&digits, 16).ok())
                            .flatten()
                            .ok_or_else(|| here.error("`\\x` needs two hex digits"))?;
                        bytes.push(byte);
                        continue;
                    }
                    _ => return Err(here.error("unknown escape: use \\\\, \\\", \\n, \\t, \\0 or \\xNN")),
                },
                Some(c) => c,
            };
            let mut utf8 = [0u8; 4];
            bytes.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
        }
        if hex {
            hex::decode(&bytes).map_err(|e| start.error(format!("bad hex byte string: {e}")))
        } else {
            Ok(bytes)
        }
    }
}

/// Splits `text` into tokens, ending with [`Tok::Eof`]. A text holding a
/// character that displays differently from how it lexes (a bare CR, a bidi
/// control, an invisible character: see [`crate::text`]) is refused first.
pub(crate) fn lex(text: &str) -> Result<Vec<Token>, AsmError> {
    if let Some((hidden, line, col)) = crate::text::first_hidden(text) {
        return Err(Pos { line, col }.error(hidden_message(&hidden)));
    }
    let mut lexer = Lexer { chars: text.chars().peekable(), pos: Pos { line: 1, col: 1 } };
    let mut tokens = Vec::new();
    loop {
        let pos = lexer.pos;
        let Some(c) = lexer.bump() else {
            tokens.push(Token { tok: Tok::Eof, pos });
            return Ok(tokens);
        };
        let tok = match c {
            '\n' => Tok::Newline,
            c if c.is_whitespace() => continue,
            '/' if lexer.peek() == Some('/') => {
                while lexer.peek().is_some_and(|c| c != '\n') {
                    lexer.bump();
                }
                continue;
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                if (c == 'x' || c == 'b') && lexer.peek() == Some('"') {
                    Tok::Bytes(lexer.byte_string(c == 'x', pos)?)
                } else {
                    Tok::Ident(lexer.word(c))
                }
            }
            c if c.is_ascii_digit() => Tok::Number(lexer.word(c)),
            ':' if lexer.peek() == Some(':') => {
                lexer.bump();
                Tok::PathSep
            }
            c if PUNCTUATION.contains(c) => Tok::Punct(c),
            other => return Err(pos.error(format!("unexpected character `{}`", other.escape_debug()))),
        };
        tokens.push(Token { tok, pos });
    }
}

fn hidden_message(hidden: &crate::text::HiddenChar) -> String {
    format!("{}: it would display differently from how it assembles", hidden.message())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(text: &str) -> Vec<Tok> {
        lex(text).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn lexes_paths_numbers_and_comments() {
        assert_eq!(
            toks("use 0x1::coin // dep\n&mut"),
            vec![
                Tok::Ident("use".into()),
                Tok::Number("0x1".into()),
                Tok::PathSep,
                Tok::Ident("coin".into()),
                Tok::Newline,
                Tok::Punct('&'),
                Tok::Ident("mut".into()),
                Tok::Eof
            ]
        );
    }

    #[test]
    fn lexes_byte_strings() {
        assert_eq!(
            toks(r#"x"00ff" b"a\"\x01""#),
            vec![Tok::Bytes(vec![0, 255]), Tok::Bytes(vec![b'a', b'"', 1]), Tok::Eof]
        );
        assert_eq!(lex("x\"0\"").unwrap_err().message, "bad hex byte string: Odd number of digits");
        assert!(lex("b\"open").is_err());
    }

    #[test]
    fn reports_positions() {
        let err = lex("module\n  $").unwrap_err();
        assert_eq!((err.line, err.col), (2, 3));
    }

    #[test]
    fn refuses_text_that_displays_differently() {
        // A bare CR would end the comment on screen, not here.
        let err = lex("nop // x\rret\n").unwrap_err();
        assert_eq!((err.line, err.col), (1, 9));
        assert!(err.message.starts_with("line break other than LF or CRLF `U+000D`"), "{}", err.message);
        let err = lex("ret\n// \u{202E}x\n").unwrap_err();
        assert_eq!((err.line, err.col), (2, 4));
        assert!(err.message.contains("RIGHT-TO-LEFT OVERRIDE"), "{}", err.message);
        assert!(lex("b\"a\u{200B}\"").unwrap_err().message.contains("invisible"));
        assert!(lex("nop\r\nret\r\n").is_ok());
    }
}
