//! Every comment of a file, doc comments included, with its position: what
//! the formatter must put back. The parser drops ordinary comments and keeps
//! doc comments only where they document something, so the formatter cannot
//! rebuild them from the tree.

use logos::Logos;

use super::Token;

/// What kind of comment, which decides how it may be printed: a line comment
/// must be followed by a line break, a block comment may sit inside a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommentKind {
    /// `// text` or `//// text`.
    Line,
    /// `/// text`.
    Doc,
    /// `/* text */` (they nest).
    Block,
}

/// One comment: its byte range in the file and its kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Comment {
    pub start: u32,
    pub end: u32,
    pub kind: CommentKind,
}

impl Comment {
    /// The comment's text as the formatter writes it: a line comment loses its
    /// trailing spaces, and a block comment's CRLF line breaks become LF (the
    /// formatter writes LF everywhere).
    pub fn text(self, source: &str) -> String {
        let raw = source.get(self.start as usize..self.end as usize).unwrap_or_default();
        match self.kind {
            CommentKind::Line | CommentKind::Doc => raw.trim_end().to_string(),
            CommentKind::Block => raw.replace("\r\n", "\n"),
        }
    }
}

/// The comments of `text` in source order. Lex errors are ignored: the
/// formatter only runs on files that parse without errors.
pub fn comments(text: &str) -> Vec<Comment> {
    let mut lexer = Token::lexer(text);
    let mut out = Vec::new();
    let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    while let Some(result) = lexer.next() {
        if let Ok(Token::DocComment(_)) = result {
            let span = lexer.span();
            out.push(Comment { start: clamp(span.start), end: clamp(span.end), kind: CommentKind::Doc });
        }
    }
    for range in &lexer.extras {
        let kind = if text.get(range.clone()).is_some_and(|t| t.starts_with("/*")) {
            CommentKind::Block
        } else {
            CommentKind::Line
        };
        out.push(Comment { start: clamp(range.start), end: clamp(range.end), kind });
    }
    out.sort_by_key(|c| c.start);
    out
}
