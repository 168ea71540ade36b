//! `resin fmt`'s engine: one file's text to its formatted text, checked.
//!
//! The formatter prints the parsed tree with the file's comments put back.
//! Before it returns, it parses its own output and compares: the tree must be
//! the same (positions aside) and every comment must still be there, in
//! order. A file it would damage is refused, never rewritten.

use std::fmt;

use super::{format_modules, print_program};
use crate::ast::Program;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::lexer::comments::comments;
use crate::parser::parse_file;

/// Why a file was not formatted.
#[derive(Debug)]
pub enum FormatError {
    /// The file has syntax errors (rendered against the file by the caller).
    Syntax(Diagnostics),
    /// The formatted text would not mean the same program, or would lose a
    /// comment: a formatter bug, reported so the file is left alone.
    Unfaithful(String),
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatError::Syntax(d) => write!(f, "the file has {} syntax error(s); fix them first", d.error_count()),
            FormatError::Unfaithful(why) => {
                write!(f, "the formatter would change this file's meaning ({why}); the file is left as it is")
            }
        }
    }
}

impl std::error::Error for FormatError {}

/// The formatted form of `text`, one `.rsn` file. Idempotent: formatting the
/// result again gives the result. Warnings do not stop it; errors do.
pub fn format_source(text: &str) -> Result<String, FormatError> {
    let (modules, diags) = parse_file(0, text);
    if diags.iter().any(Diagnostic::is_error) {
        let mut all = Diagnostics::new();
        all.extend(diags);
        return Err(FormatError::Syntax(all));
    }
    let out = format_modules(&modules, text);
    let (again, diags) = parse_file(0, &out);
    if diags.iter().any(Diagnostic::is_error) {
        return Err(FormatError::Unfaithful("its output does not parse".to_string()));
    }
    let before = print_program(&Program { modules });
    let after = print_program(&Program { modules: again });
    if before != after {
        return Err(FormatError::Unfaithful("the program would parse differently".to_string()));
    }
    let texts = |source: &str| -> Vec<String> { comments(source).into_iter().map(|c| c.text(source)).collect() };
    if texts(text) != texts(&out) {
        return Err(FormatError::Unfaithful("a comment would be lost or moved out of order".to_string()));
    }
    Ok(out)
}
