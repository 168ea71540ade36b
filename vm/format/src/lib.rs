//! `resin-format`: Resin's bytecode as data. The in-memory module
//! ([`file_format`]), the one opcode table every other view of an instruction
//! comes from ([`opcodes`]), the versioned `.rbc` wire encoding
//! ([`encoding`]), and the text forms: [`assembler`] and [`disasm`], which
//! read and write the same syntax, with [`text`], the characters no Resin text
//! may hold; [`debug`], the optional source names and maps. No execution,
//! no verification.
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod assembler;
pub mod debug;
pub mod disasm;
pub mod encoding;
pub mod escape;
pub mod file_format;
pub mod opcodes;
pub mod text;
pub mod u256;

pub use debug::{DebugInfo, SourceMap, SourcePos};
pub use file_format::*;
pub use u256::U256;
