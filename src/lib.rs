//! The `resin` command as a library: its commands, the script language and
//! sessions, and the fuzzing harnesses (`fuzz/` and the test suite drive
//! them). `src/main.rs` is the executable.
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod alloc_count;
pub mod bench;
pub mod cli;
pub mod commands;
pub mod compiler;
pub mod error;
pub mod fuzzing;
pub mod limits;
pub mod output;
pub mod package;
pub mod render;
pub mod repl;
pub mod script;
pub mod session;
pub mod testing;
pub mod workload;

// The executable installs the counting allocator; the library's own tests
// install it too, so that they can check what it counts.
#[cfg(test)]
#[global_allocator]
static GLOBAL: alloc_count::CountingMimalloc = alloc_count::CountingMimalloc;
