//! `resin-lang`: the Resin compiler (lexer, parser, resolver, type checker,
//! access inference, codegen, diagnostics). Pure: no file or network IO.
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod access;
pub mod ast;
pub mod attributes;
mod builder;
pub mod codegen;
pub mod compile;
pub mod depth;
pub mod diagnostics;
pub mod lexer;
pub mod limits;
pub mod literal;
mod parse_errors;
pub mod parser;
pub mod printer;
pub mod resolve;
pub mod source;
pub mod typeck;

pub use attributes::{BuildMode, Expected, TestCase};
pub use compile::{compile, compile_tests, compile_until, compile_with, CompileResult, CompiledModule, Stage};
pub use diagnostics::{Code, Diagnostic, Diagnostics, Severity};
pub use lexer::lex;
pub use parser::parse;
pub use source::{SourceFile, Span};
