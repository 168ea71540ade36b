//! Helpers shared by the integration tests (tests may read files; the library may not).
#![allow(clippy::disallowed_methods, dead_code)]

pub mod vm;

use std::path::{Path, PathBuf};

pub mod shapes;

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

pub fn read_case(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// All `tests/cases/<stage>/*.rsn` files as (file name, text), sorted by name.
pub fn cases(stage: &str) -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases").join(stage);
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rsn"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), read_case(&p)))
        .collect();
    out.sort();
    out
}

/// `text` with every CR, byte-order mark and character that displays
/// differently from how it lexes written as `\u{..}`, so a snapshot shows
/// what a case holds (and holds no such character itself).
pub fn visible(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (offset, c) in text.char_indices() {
        let next = text.as_bytes().get(offset + c.len_utf8()).copied();
        let hidden = resin_format::text::classify(c, next, false).is_some();
        if hidden || matches!(c, '\r' | '\u{FEFF}') {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// Replaces every span in a `{:?}` dump (`file:start..end`) with `_`, so trees
/// can be compared modulo positions.
pub fn erase_spans(debug: &str) -> String {
    let bytes = debug.as_bytes();
    let mut out = Vec::with_capacity(debug.len());
    let mut i = 0;
    while i < bytes.len() {
        if let Some(len) = span_at(&bytes[i..]) {
            let preceded_by_digit = i > 0 && bytes[i - 1].is_ascii_digit();
            if !preceded_by_digit {
                out.push(b'_');
                i += len;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Length of a `D+:D+..D+` match at the start of `s`.
fn span_at(s: &[u8]) -> Option<usize> {
    let digits = |from: usize| s[from..].iter().take_while(|b| b.is_ascii_digit()).count();
    let a = digits(0);
    if a == 0 || s.get(a) != Some(&b':') {
        return None;
    }
    let b = digits(a + 1);
    if b == 0 || s.get(a + 1 + b..a + 3 + b) != Some(b"..") {
        return None;
    }
    let c = digits(a + 3 + b);
    (c > 0).then_some(a + 3 + b + c)
}
