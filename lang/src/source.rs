//! Source files and byte spans.
//!
//! A [`Span`] names its file by index into the `&[SourceFile]` slice handed to
//! the compiler, so spans stay `Copy` and four words small; rendering looks the
//! file up again in that same slice.

use std::fmt;
use std::ops::Range;

/// One input file: a display name (usually a path) and its text.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SourceFile {
    pub name: String,
    /// What the compiler reads.
    pub text: String,
    /// The file as its author wrote it, when `text` is a rewrite of it that
    /// moved no byte (a package's named addresses replaced by numbers of the
    /// same width): diagnostics quote this, at the same offsets.
    pub shown: Option<String>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        SourceFile { name: name.into(), text: text.into(), shown: None }
    }

    /// A file the compiler reads as `rewritten`, whose author wrote
    /// `original`. Diagnostics quote the original when the rewrite kept
    /// every offset, which a rewrite that only ever widens (never narrows) a
    /// token does exactly when the lengths agree.
    pub fn rewritten(name: impl Into<String>, original: String, rewritten: String) -> Self {
        let shown = (original.len() == rewritten.len() && original != rewritten).then_some(original);
        SourceFile { name: name.into(), text: rewritten, shown }
    }
}

/// A byte range `start..end` in file number `file` (an index into the sources slice).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub file: u32,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: u32, start: u32, end: u32) -> Self {
        Span { file, start, end }
    }

    /// Builds a span from `usize` offsets, saturating offsets beyond `u32::MAX`
    /// (files that large are rejected before lexing; saturation only keeps this total).
    pub fn from_range(file: u32, range: Range<usize>) -> Self {
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Span { file, start: clamp(range.start), end: clamp(range.end) }
    }

    /// The smallest span covering both `self` and `other` (same file assumed).
    pub fn to(self, other: Span) -> Span {
        Span { file: self.file, start: self.start.min(other.start), end: self.end.max(other.end) }
    }

    /// An empty span at this span's end: where "expected `;`" points.
    pub fn end_point(self) -> Span {
        Span { file: self.file, start: self.end, end: self.end }
    }

    pub fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    pub fn len(self) -> u32 {
        self.end.saturating_sub(self.start)
    }

    pub fn is_empty(self) -> bool {
        self.end <= self.start
    }
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}..{}", self.file, self.start, self.end)
    }
}
