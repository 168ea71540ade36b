//! The command language of `resin run` scripts and the REPL: one language, so
//! a REPL session can be saved and replayed. See docs/CLI.md.

pub mod ast;
mod expand;
pub mod help;
pub mod lexer;
pub mod parser;
mod types;
pub mod words;

pub use help::COMMANDS;
pub use parser::parse_script;

use ast::Span;

/// A syntax error in a script, at a line and column.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}:{}: {message}", span.line, span.col)]
pub struct ScriptError {
    pub span: Span,
    pub message: String,
    /// The input ended inside a construct: the REPL reads another line.
    pub incomplete: bool,
}

impl ScriptError {
    pub fn at(span: Span, message: impl Into<String>) -> Self {
        ScriptError { span, message: message.into(), incomplete: false }
    }

    pub fn incomplete(span: Span, message: impl Into<String>) -> Self {
        ScriptError { span, message: message.into(), incomplete: true }
    }
}

#[cfg(test)]
mod tests;
