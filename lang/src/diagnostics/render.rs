//! Rendering diagnostics as text through codespan-reporting, in time and
//! space linear in the input.
//!
//! codespan-reporting prints every labelled line whole, so a thousand errors
//! on one 30 KB line would print 30 MB. Here codespan sees the sources through
//! [`View`], a [`Files`] implementation that presents a line longer than
//! [`LONG_LINE`] bytes as a window of [`WINDOW`] characters around the label
//! (a note says which columns are shown), while line and column numbers stay
//! those of the real file. Rendering also stops after [`MAX_SHOWN`] errors and
//! as many warnings, and says how many more there are.
//!
//! The output is safe to print: characters that would display differently
//! from what they are (a bare CR, text-direction controls, invisible and
//! control characters: see [`resin_format::text`]) are shown as `?` (or `�`),
//! in source lines and in messages alike.

use std::borrow::Cow;
use std::ops::Range;

use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::{Error, Files};
use codespan_reporting::term;
use resin_format::text::hidden_chars;

use super::{Diagnostic, Severity};
use crate::source::{SourceFile, Span};

/// The most errors, and separately the most warnings, one rendering shows.
pub const MAX_SHOWN: usize = 100;
/// Lines longer than this many bytes are shown as a window around the label.
pub const LONG_LINE: usize = 200;
/// The width of that window, in characters.
pub const WINDOW: usize = 120;
/// Characters shown before the label's start.
const BEFORE: usize = 40;

/// Renders `diagnostics` in order, at most [`MAX_SHOWN`] errors and
/// [`MAX_SHOWN`] warnings, then a line counting the others.
///
/// Never fails: labels whose span does not fit its file (wrong file index,
/// past the end, inside a UTF-8 sequence) are clamped or dropped rather than
/// letting the renderer error out.
pub fn render_all(diagnostics: &[Diagnostic], sources: &[SourceFile]) -> String {
    let files: Vec<FileText<'_>> = sources.iter().map(FileText::new).collect();
    let config = term::Config::default();
    let mut out = String::new();
    let (mut errors, mut warnings) = (0usize, 0usize);
    let (mut hidden_errors, mut hidden_warnings) = (0usize, 0usize);
    for diagnostic in diagnostics {
        let (shown, hidden) = match diagnostic.severity {
            Severity::Error => (&mut errors, &mut hidden_errors),
            Severity::Warning => (&mut warnings, &mut hidden_warnings),
        };
        if *shown >= MAX_SHOWN {
            *hidden += 1;
            continue;
        }
        *shown += 1;
        out.push_str(&render_one(diagnostic, &files, &config));
    }
    if hidden_errors + hidden_warnings > 0 {
        out.push_str(&not_shown(hidden_errors, hidden_warnings));
    }
    out
}

fn not_shown(errors: usize, warnings: usize) -> String {
    let count = |n: usize, what: &str| format!("{n} more {what}{}", if n == 1 { "" } else { "s" });
    let what = match (errors, warnings) {
        (e, 0) => count(e, "error"),
        (0, w) => count(w, "warning"),
        (e, w) => format!("{} and {}", count(e, "error"), count(w, "warning")),
    };
    format!("note: {what} not shown\n\n")
}

fn render_one(diagnostic: &Diagnostic, files: &[FileText<'_>], config: &term::Config) -> String {
    let mut view = View { files, windows: Vec::new() };
    let rendered = to_codespan(diagnostic, &mut view);
    match term::emit_into_string(config, &view, &rendered) {
        Ok(text) => text,
        // Unreachable with clamped spans; still degrade to a one-line form.
        Err(_) => {
            let word = match diagnostic.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            format!("{word}[{}]: {}\n", diagnostic.code, safe(&diagnostic.message))
        }
    }
}

/// A source as codespan sees it: hidden characters replaced (keeping every
/// byte offset), and where its lines start.
struct FileText<'a> {
    name: Cow<'a, str>,
    text: Cow<'a, str>,
    line_starts: Vec<usize>,
}

impl<'a> FileText<'a> {
    fn new(source: &'a SourceFile) -> Self {
        let text = source.shown.as_deref().unwrap_or(&source.text);
        let line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        FileText { name: safe(&source.name), text: placeholders(text), line_starts }
    }

    fn line(&self, index: usize) -> Option<Range<usize>> {
        let start = *self.line_starts.get(index)?;
        let end = self.line_starts.get(index + 1).copied().unwrap_or(self.text.len());
        Some(start..end)
    }

    fn line_of(&self, byte: usize) -> usize {
        self.line_starts.partition_point(|&start| start <= byte).saturating_sub(1)
    }

    /// The line without its line break.
    fn content(&self, index: usize) -> Range<usize> {
        let Some(line) = self.line(index) else { return 0..0 };
        let text = &self.text[line.clone()];
        line.start..line.start + text.trim_end_matches(['\n', '\r']).len()
    }

    /// `WINDOW` characters of line `index`, starting `BEFORE` characters before `anchor`.
    fn window(&self, index: usize, anchor: usize) -> Range<usize> {
        let content = self.content(index);
        let anchor = anchor.clamp(content.start, content.end);
        let back = self.text[content.start..anchor].char_indices().rev().take(BEFORE).last();
        let start = back.map_or(anchor, |(i, _)| content.start + i);
        let forward = self.text[start..content.end].char_indices().nth(WINDOW);
        start..forward.map_or(content.end, |(i, _)| start + i)
    }

    fn columns(&self, range: Range<usize>) -> usize {
        self.text.get(range).map_or(0, |s| s.chars().count())
    }
}

/// Replaces each hidden character with `?`s (or `�` for a three-byte one), so
/// that byte offsets, and so spans, stay valid.
fn placeholders(text: &str) -> Cow<'_, str> {
    let mut hidden = hidden_chars(text).peekable();
    if hidden.peek().is_none() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for h in hidden {
        out.push_str(&text[copied..h.offset]);
        match h.ch.len_utf8() {
            3 => out.push('\u{FFFD}'),
            n => out.extend(std::iter::repeat_n('?', n)),
        }
        copied = h.range().end;
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// A message with its hidden characters escaped (`\u{202e}`).
fn safe(message: &str) -> Cow<'_, str> {
    if hidden_chars(message).all(|h| h.ch == '\n') {
        return Cow::Borrowed(message);
    }
    let mut out = String::with_capacity(message.len() + 8);
    let mut copied = 0;
    for h in hidden_chars(message).filter(|h| h.ch != '\n') {
        out.push_str(&message[copied..h.offset]);
        out.push_str(&format!("\\u{{{:x}}}", u32::from(h.ch)));
        copied = h.range().end;
    }
    out.push_str(&message[copied..]);
    Cow::Owned(out)
}

/// The files as one diagnostic's rendering sees them: long lines cut to the
/// windows chosen for its labels.
struct View<'f> {
    files: &'f [FileText<'f>],
    /// (file, line index, window) for the long lines this diagnostic labels.
    windows: Vec<(usize, usize, Range<usize>)>,
}

impl View<'_> {
    fn file(&self, id: usize) -> Result<&FileText<'_>, Error> {
        self.files.get(id).ok_or(Error::FileMissing)
    }

    fn is_long(file: &FileText<'_>, line: usize) -> bool {
        file.line(line).is_some_and(|r| r.len() > LONG_LINE)
    }

    fn window_of(&self, id: usize, line: usize) -> Option<Range<usize>> {
        self.windows.iter().find(|(f, l, _)| *f == id && *l == line).map(|(_, _, w)| w.clone())
    }

    /// Keeps `byte` inside the window of its line, choosing the window (around
    /// `byte`) when the line is long and has none yet.
    fn place(&mut self, id: usize, byte: usize) -> usize {
        let Some(file) = self.files.get(id) else { return byte };
        let line = file.line_of(byte);
        if !Self::is_long(file, line) {
            return byte;
        }
        let window = match self.window_of(id, line) {
            Some(window) => window,
            None => {
                let window = file.window(line, byte);
                self.windows.push((id, line, window.clone()));
                window
            }
        };
        byte.clamp(window.start, window.end)
    }

    /// "line 3 has 34012 columns; columns 2961-3080 are shown", per window.
    fn window_notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        for (id, line, window) in &self.windows {
            let Some(file) = self.files.get(*id) else { continue };
            let content = file.content(*line);
            let first = file.columns(content.start..window.start) + 1;
            let last = first + file.columns(window.clone()).saturating_sub(1);
            let total = file.columns(content);
            notes.push(format!("note: line {} has {total} columns; columns {first}-{last} are shown", line + 1));
        }
        notes
    }
}

impl<'a> Files<'a> for View<'_> {
    type FileId = usize;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: usize) -> Result<&'a str, Error> {
        Ok(&self.file(id)?.name)
    }

    fn source(&'a self, id: usize) -> Result<&'a str, Error> {
        Ok(&self.file(id)?.text)
    }

    fn line_index(&'a self, id: usize, byte_index: usize) -> Result<usize, Error> {
        Ok(self.file(id)?.line_of(byte_index))
    }

    /// A short line whole; a long one as its window (the first `WINDOW`
    /// characters for a line inside a multi-line label).
    fn line_range(&'a self, id: usize, line_index: usize) -> Result<Range<usize>, Error> {
        let file = self.file(id)?;
        let max = file.line_starts.len().saturating_sub(1);
        let line = file.line(line_index).ok_or(Error::LineTooLarge { given: line_index, max })?;
        if !Self::is_long(file, line_index) {
            return Ok(line);
        }
        Ok(self.window_of(id, line_index).unwrap_or_else(|| file.window(line_index, line.start)))
    }

    /// The column in the real line, not in the window.
    fn column_number(&'a self, id: usize, line_index: usize, byte_index: usize) -> Result<usize, Error> {
        let file = self.file(id)?;
        let start = file.line(line_index).map_or(0, |r| r.start);
        Ok(file.columns(start..byte_index.max(start)) + 1)
    }
}

fn to_codespan(diagnostic: &Diagnostic, view: &mut View<'_>) -> cs::Diagnostic<usize> {
    let base = match diagnostic.severity {
        Severity::Error => cs::Diagnostic::error(),
        Severity::Warning => cs::Diagnostic::warning(),
    };
    // Primary labels first, so a long line's window is chosen around them.
    let ordered = diagnostic.labels.iter().filter(|l| l.primary).chain(diagnostic.labels.iter().filter(|l| !l.primary));
    let mut labels = Vec::with_capacity(diagnostic.labels.len());
    for label in ordered {
        let file = label.span.file as usize;
        let Some(text) = view.files.get(file).map(|f| f.text.as_ref()) else { continue };
        let range = clamp_range(text, label.span);
        let start = view.place(file, range.start);
        let end = view.place(file, range.end).max(start);
        let style = if label.primary { cs::LabelStyle::Primary } else { cs::LabelStyle::Secondary };
        labels.push(cs::Label::new(style, file, start..end).with_message(safe(&label.message)));
    }
    let mut notes: Vec<String> = diagnostic.notes.iter().map(|n| format!("note: {}", safe(n))).collect();
    notes.extend(view.window_notes());
    notes.extend(diagnostic.hints.iter().map(|h| format!("hint: {}", safe(h))));
    base.with_code(diagnostic.code.as_str())
        .with_message(safe(&diagnostic.message))
        .with_labels(labels)
        .with_notes(notes)
}

fn clamp_range(text: &str, span: Span) -> Range<usize> {
    let mut start = (span.start as usize).min(text.len());
    let mut end = (span.end as usize).min(text.len()).max(start);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    while !text.is_char_boundary(end) {
        end += 1;
    }
    start..end
}
