//! Characters that make a text read differently from how it parses, shared by
//! every text format of Resin (source, assembly, scripts).
//!
//! A reviewer reads code in an editor or a terminal; a parser reads bytes.
//! Three kinds of character let the two disagree:
//!
//! - **Line breaks other than LF and CRLF.** A bare CR (or NEL, U+2028,
//!   U+2029) ends a line on screen but not for a lexer that only knows `\n`,
//!   so code shown on its own line can be inside a `//` comment, or a
//!   comment can seem to end where it does not.
//! - **Text-direction controls** (U+202A–U+202E, U+2066–U+2069, U+200E,
//!   U+200F, U+061C) reorder what is displayed ("Trojan Source",
//!   CVE-2021-42574): a comment can appear to close before code that it
//!   actually contains.
//! - **Invisible and control characters**: zero-width characters, other
//!   Unicode format characters, variation selectors, tag characters, fillers
//!   and C0/C1 control codes (which terminals interpret). They change the
//!   bytes of a string or a comment without changing what is shown. A
//!   byte-order mark is allowed as the very first character only.
//!
//! Tab, LF, CRLF and form feed are the only control characters a text may hold.

/// Why a character is not allowed in source text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HiddenKind {
    /// A line break other than LF or CRLF.
    LineBreak,
    /// A Unicode text-direction (bidi) control.
    TextDirection,
    /// An invisible, format or control character.
    Invisible,
}

/// One disallowed character: where it is (byte offset), and what it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HiddenChar {
    pub offset: usize,
    pub ch: char,
    pub kind: HiddenKind,
}

impl HiddenChar {
    /// `` `U+202E` (RIGHT-TO-LEFT OVERRIDE) ``, or just the code point when it has no short name here.
    pub fn describe(&self) -> String {
        let code = format!("U+{:04X}", u32::from(self.ch));
        match char_name(self.ch) {
            Some(name) => format!("`{code}` ({name})"),
            None => format!("`{code}`"),
        }
    }

    /// "text-direction control character `U+202E` (RIGHT-TO-LEFT OVERRIDE)".
    pub fn message(&self) -> String {
        let what = match self.kind {
            HiddenKind::LineBreak => "line break other than LF or CRLF",
            HiddenKind::TextDirection => "text-direction control character",
            HiddenKind::Invisible => "invisible or control character",
        };
        format!("{what} {}", self.describe())
    }

    /// The byte range of the character, for spans.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.offset..self.offset + self.ch.len_utf8()
    }
}

/// Every disallowed character of `text`, in order. Linear in the text.
pub fn hidden_chars(text: &str) -> impl Iterator<Item = HiddenChar> + '_ {
    let bytes = text.as_bytes();
    text.char_indices().filter_map(move |(offset, ch)| {
        // Fast path: printable ASCII and the allowed whitespace.
        if matches!(ch, ' '..='~' | '\t' | '\n' | '\x0C') {
            return None;
        }
        let kind = classify(ch, bytes.get(offset + 1).copied(), offset == 0)?;
        Some(HiddenChar { offset, ch, kind })
    })
}

/// The first disallowed character of `text`, with its 1-based line and
/// column (in characters), for lexers that stop at their first error.
pub fn first_hidden(text: &str) -> Option<(HiddenChar, u32, u32)> {
    let hidden = hidden_chars(text).next()?;
    let before = &text[..hidden.offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Some((hidden, clamp(line), clamp(col)))
}

/// How `ch` hides text, if it does. `next` is the byte after it (a CR is
/// fine before LF); `at_start` is true at offset 0 (where a BOM is fine).
pub fn classify(ch: char, next: Option<u8>, at_start: bool) -> Option<HiddenKind> {
    match ch {
        '\t' | '\n' | '\x0C' => None,
        '\r' if next == Some(b'\n') => None,
        '\r' | '\u{85}' | '\u{2028}' | '\u{2029}' => Some(HiddenKind::LineBreak),
        '\u{61C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => {
            Some(HiddenKind::TextDirection)
        }
        '\u{FEFF}' if at_start => None,
        c if is_invisible(c) => Some(HiddenKind::Invisible),
        _ => None,
    }
}

/// Control codes, Unicode format characters (category Cf) and the other
/// characters that render as nothing.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\0'..='\x1F'
            | '\x7F'..='\u{9F}'
            | '\u{AD}'
            | '\u{34F}'
            | '\u{600}'..='\u{605}'
            | '\u{6DD}'
            | '\u{70F}'
            | '\u{890}'..='\u{891}'
            | '\u{8E2}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200D}'
            | '\u{2060}'..='\u{2064}'
            | '\u{206A}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{110CD}'
            | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E007F}'
            | '\u{E0100}'..='\u{E01EF}'
    )
}

/// Short names of the characters people meet in practice.
fn char_name(c: char) -> Option<&'static str> {
    Some(match c {
        '\0' => "NULL",
        '\x1B' => "ESCAPE",
        '\x0B' => "VERTICAL TAB",
        '\r' => "CARRIAGE RETURN",
        '\u{7F}' => "DELETE",
        '\u{85}' => "NEXT LINE",
        '\u{AD}' => "SOFT HYPHEN",
        '\u{61C}' => "ARABIC LETTER MARK",
        '\u{200B}' => "ZERO WIDTH SPACE",
        '\u{200C}' => "ZERO WIDTH NON-JOINER",
        '\u{200D}' => "ZERO WIDTH JOINER",
        '\u{200E}' => "LEFT-TO-RIGHT MARK",
        '\u{200F}' => "RIGHT-TO-LEFT MARK",
        '\u{2028}' => "LINE SEPARATOR",
        '\u{2029}' => "PARAGRAPH SEPARATOR",
        '\u{202A}' => "LEFT-TO-RIGHT EMBEDDING",
        '\u{202B}' => "RIGHT-TO-LEFT EMBEDDING",
        '\u{202C}' => "POP DIRECTIONAL FORMATTING",
        '\u{202D}' => "LEFT-TO-RIGHT OVERRIDE",
        '\u{202E}' => "RIGHT-TO-LEFT OVERRIDE",
        '\u{2060}' => "WORD JOINER",
        '\u{2066}' => "LEFT-TO-RIGHT ISOLATE",
        '\u{2067}' => "RIGHT-TO-LEFT ISOLATE",
        '\u{2068}' => "FIRST STRONG ISOLATE",
        '\u{2069}' => "POP DIRECTIONAL ISOLATE",
        '\u{FEFF}' => "ZERO WIDTH NO-BREAK SPACE / BYTE ORDER MARK",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(usize, HiddenKind)> {
        hidden_chars(text).map(|h| (h.offset, h.kind)).collect()
    }

    #[test]
    fn crlf_tab_and_form_feed_are_fine_bare_cr_is_not() {
        assert!(kinds("a\r\nb\tc\x0Cd\n").is_empty());
        assert_eq!(kinds("// x\rassert"), [(4, HiddenKind::LineBreak)]);
        assert_eq!(kinds("x\r"), [(1, HiddenKind::LineBreak)]);
        assert_eq!(kinds("\r\r\n"), [(0, HiddenKind::LineBreak)]);
        assert_eq!(kinds("a\u{2028}b"), [(1, HiddenKind::LineBreak)]);
    }

    #[test]
    fn bidi_controls_and_invisibles_are_found_where_they_are() {
        assert_eq!(kinds("/* \u{202E} */"), [(3, HiddenKind::TextDirection)]);
        assert_eq!(kinds("é\u{2066}"), [(2, HiddenKind::TextDirection)]);
        assert_eq!(kinds("b\"ad\u{200B}min\""), [(4, HiddenKind::Invisible)]);
        assert_eq!(kinds("\x1B[2K"), [(0, HiddenKind::Invisible)]);
        assert_eq!(kinds("x\u{E0041}"), [(1, HiddenKind::Invisible)]);
        // A byte-order mark is fine only first.
        assert!(kinds("\u{FEFF}module").is_empty());
        assert_eq!(kinds("a\u{FEFF}"), [(1, HiddenKind::Invisible)]);
        // Ordinary non-ASCII text is not suspicious.
        assert!(kinds("// Grüße, 日本語, emoji 🦀").is_empty());
    }

    #[test]
    fn first_hidden_reports_line_and_column_in_characters() {
        let (hidden, line, col) = first_hidden("ab\nä // \u{202E}x").unwrap();
        assert_eq!((line, col), (2, 6));
        assert_eq!(hidden.describe(), "`U+202E` (RIGHT-TO-LEFT OVERRIDE)");
        assert!(first_hidden("plain\r\ntext").is_none());
    }
}
