//! Comments and blank lines for the formatter: the tree holds neither, so the
//! printer walks the file's comments alongside the tree and puts each one
//! back at the first place the printer reaches that comes after it in the
//! source. Statements, items and fields are "line items": comments before
//! them go on lines of their own, a comment after one on the same source line
//! stays at the end of its line. Inside a line, a comment is printed before
//! the next expression, parameter or pattern that follows it, so it keeps its
//! place between the same two tokens in almost every case (one inside a type
//! or a path moves to the next such place, never out of its statement).

use super::Printer;
use crate::lexer::comments::{Comment, CommentKind};

/// The source being formatted and how far the printer has got in it.
pub(super) struct Trivia<'a> {
    text: &'a str,
    comments: Vec<Comment>,
    /// The first comment not yet printed.
    next: usize,
    /// Where the last line item or comment printed ends in the source: a blank
    /// line between it and the next one is kept (several become one).
    last_end: u32,
    /// Right after an opening brace, where a blank line is dropped.
    fresh_block: bool,
}

impl<'a> Trivia<'a> {
    pub(super) fn new(text: &'a str, comments: Vec<Comment>) -> Self {
        Trivia { text, comments, next: 0, last_end: 0, fresh_block: true }
    }

    fn peek(&self) -> Option<Comment> {
        self.comments.get(self.next).copied()
    }

    pub(super) fn source(&self, start: u32, end: u32) -> &'a str {
        self.text.get(start as usize..end as usize).unwrap_or_default()
    }

    /// True when the source between the two offsets holds an empty line.
    fn blank_between(&self, start: u32, end: u32) -> bool {
        start < end && self.source(start, end).bytes().filter(|&b| b == b'\n').count() >= 2
    }

    /// Where the next token or comment at or after `pos` starts.
    fn skip_space(&self, pos: u32) -> u32 {
        let rest = self.text.get(pos as usize..).unwrap_or_default();
        let skipped = rest.len() - rest.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}').len();
        pos + u32::try_from(skipped).unwrap_or(0)
    }

    /// The first `byte` at or after `pos` outside comments: the `{` of a
    /// module or struct, whose position the tree does not keep.
    pub(super) fn find_outside_comments(&self, pos: u32, byte: u8) -> Option<u32> {
        let bytes = self.text.as_bytes();
        let mut i = pos as usize;
        while i < bytes.len() {
            if let Some(c) = self.comments.iter().find(|c| c.start as usize == i) {
                i = c.end as usize;
                continue;
            }
            if bytes[i] == byte {
                return u32::try_from(i).ok();
            }
            i += 1;
        }
        None
    }
}

impl Printer<'_> {
    /// Prints the comments that come before a line item starting at `start`
    /// (its doc comments included: the printer writes none from the tree in
    /// this mode), then a blank line if the source had one before the item.
    /// Call at the start of an output line.
    pub(super) fn line_item(&mut self, start: u32) {
        let Some(t) = &self.trivia else { return };
        // The item's span starts at its first doc comment, if it has any.
        let mut until = start;
        let mut lead = Vec::new();
        let mut i = t.next;
        while let Some(&c) = t.comments.get(i) {
            let attached = c.start >= until && t.skip_space(until) == c.start;
            if c.start < start || attached {
                lead.push(c);
                until = until.max(c.end);
                i += 1;
            } else {
                break;
            }
        }
        for c in lead {
            self.comment_line(c);
        }
        let Some(t) = &mut self.trivia else { return };
        let blank = !t.fresh_block && t.blank_between(t.last_end, t.skip_space(start.max(t.last_end)));
        t.fresh_block = false;
        if blank {
            self.out.push('\n');
        }
    }

    /// A comment on a line of its own, at the current indentation.
    fn comment_line(&mut self, c: Comment) {
        let Some(t) = &mut self.trivia else { return };
        let blank = !t.fresh_block && t.blank_between(t.last_end, c.start);
        let text = c.text(t.text);
        t.next += 1;
        t.last_end = c.end;
        t.fresh_block = false;
        if blank {
            self.out.push('\n');
        }
        self.line_start();
        self.out.push_str(&text);
        self.out.push('\n');
    }

    /// Ends a line item that ends at `end` in the source: comments still
    /// pending inside it go at the end of its line, and so do comments after
    /// it on the same source line (past a `,` for fields). The caller then
    /// ends the line.
    pub(super) fn line_item_end(&mut self, end: u32) {
        let Some(t) = &self.trivia else { return };
        let mut pending = Vec::new();
        let mut i = t.next;
        let mut cursor = end;
        while let Some(&c) = t.comments.get(i) {
            let inside = c.start < end;
            let gap = t.source(cursor, c.start);
            let gap = gap.trim_start().strip_prefix(',').unwrap_or(gap);
            let same_line = c.start >= cursor && !gap.contains('\n') && gap.trim().is_empty();
            if !(inside || same_line) {
                break;
            }
            pending.push(c);
            cursor = cursor.max(c.end);
            i += 1;
            // Nothing may follow a line comment on its line: comments after
            // it wait for the next line item or closing brace, which puts
            // them on lines of their own at the right indentation.
            if c.kind != CommentKind::Block {
                break;
            }
        }
        for c in pending {
            let Some(t) = &mut self.trivia else { return };
            let text = c.text(t.text);
            t.next += 1;
            t.last_end = t.last_end.max(c.end);
            self.out.push(' ');
            self.out.push_str(&text);
        }
        if let Some(t) = &mut self.trivia {
            t.last_end = t.last_end.max(end);
            t.fresh_block = false;
        }
    }

    /// Prints, inside a line, the comments that come before `pos`: a block
    /// comment followed by a space, a line comment followed by a line break
    /// and a continuation indent.
    pub(super) fn inline_comments(&mut self, pos: u32) {
        loop {
            let Some(t) = &mut self.trivia else { return };
            let Some(c) = t.peek().filter(|c| c.start < pos) else { return };
            let text = c.text(t.text);
            t.next += 1;
            t.last_end = t.last_end.max(c.end);
            let line = self.out.rsplit('\n').next().unwrap_or_default();
            if !line.is_empty() && line.trim().is_empty() {
                // At the start of a line, a comment gets the line to itself:
                // formatting again will find it before the line's first
                // token, where a line item's comments always go on their own line.
                let indent = line.to_string();
                self.out.push_str(&text);
                self.out.push('\n');
                self.out.push_str(&indent);
                continue;
            }
            if !self.out.ends_with([' ', '\n', '(', '[', '<']) {
                self.out.push(' ');
            }
            self.out.push_str(&text);
            if c.kind == CommentKind::Block {
                self.out.push(' ');
            } else {
                self.out.push('\n');
                self.indent += 1;
                self.line_start();
                self.indent -= 1;
            }
        }
    }

    /// After an opening brace at `pos` has been printed: keeps a comment that
    /// follows it on the same line there.
    pub(super) fn open_brace(&mut self, pos: u32) {
        self.line_item_end(pos.saturating_add(1));
        if let Some(t) = &mut self.trivia {
            t.fresh_block = true;
        }
    }

    /// Before the closing brace at `pos` is printed (one level in): the
    /// comments left in the braces, each on its own line.
    pub(super) fn close_brace(&mut self, pos: u32) {
        while let Some(c) = self.trivia.as_ref().and_then(Trivia::peek).filter(|c| c.start < pos) {
            self.comment_line(c);
        }
        if let Some(t) = &mut self.trivia {
            t.last_end = t.last_end.max(pos.saturating_add(1));
            t.fresh_block = false;
        }
    }

    /// Whether comments not yet printed start before `pos` (an empty block
    /// holding a comment must still be printed open).
    pub(super) fn comments_before(&self, pos: u32) -> bool {
        self.trivia.as_ref().and_then(Trivia::peek).is_some_and(|c| c.start < pos)
    }

    /// Every comment not yet printed, on lines of their own (the end of the file).
    pub(super) fn remaining_comments(&mut self) {
        self.close_brace(u32::MAX);
    }
}
