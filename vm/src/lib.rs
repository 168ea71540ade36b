//! `resin-vm`: the bytecode format and everything that runs it.
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod access;
pub mod assembler;
pub mod disasm;
pub mod encoding;
pub mod execute;
pub mod file_format;
pub mod gas;
pub mod interpreter;
pub mod loader;
pub mod opcodes;
pub mod state;
pub mod transaction;
pub mod value;
pub mod verifier;

pub use access::*;
pub use execute::{call_function, execute_transaction, execute_with_keys, CallOutcome, World};
pub use file_format::*;
pub use loader::{declared_keys, CodeCache, LoadError};
pub use transaction::*;
pub use value::Value;
