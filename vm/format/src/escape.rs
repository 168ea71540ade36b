//! Names from hostile input, made safe to echo: a module, struct, account
//! or file name may hold a newline, an escape sequence or other control
//! characters that would forge or garble a terminal line. Messages show such
//! characters as Rust-style escapes (`\n`, `\u{1b}`); everything else,
//! including non-ASCII letters, is shown as it is.

use std::borrow::Cow;

/// `text` with control characters (and backslashes, so the result is
/// unambiguous) escaped.
pub fn escaped(text: &str) -> Cow<'_, str> {
    escape_where(text, |c| c.is_control() || c == '\\')
}

/// A whole message made safe for a terminal: control characters escaped,
/// but its own line breaks kept (for messages with a hint line).
pub fn escaped_message(text: &str) -> Cow<'_, str> {
    escape_where(text, |c| c.is_control() && c != '\n')
}

fn escape_where(text: &str, escape: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if escape(c) {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `text` escaped and between backquotes, as messages quote names.
pub fn quoted(text: &str) -> String {
    format!("`{}`", escaped(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_nothing_else() {
        assert!(matches!(escaped("coin"), Cow::Borrowed("coin")));
        assert_eq!(escaped("a\nb"), "a\\nb");
        assert_eq!(escaped("\u{1b}[31mred"), "\\u{1b}[31mred");
        assert_eq!(escaped("tab\there\r"), "tab\\there\\r");
        assert_eq!(escaped("back\\slash"), "back\\\\slash");
        assert_eq!(escaped("münze"), "münze");
        assert_eq!(quoted("x\0y"), "`x\\0y`");
        assert_eq!(escaped_message("two\nlines\r\u{1b}"), "two\nlines\\r\\u{1b}");
    }
}
