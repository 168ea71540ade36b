//! `resin-vm`: the bytecode format and everything that runs it.
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod access;
pub mod file_format;
pub mod opcodes;
pub mod state;
pub mod transaction;
pub mod value;

pub use access::*;
pub use file_format::*;
pub use transaction::*;
pub use value::Value;
