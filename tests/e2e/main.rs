//! End-to-end tests of the built `resin` binary: every test runs the real
//! command as a child process and checks its exit code and output.

mod bench;
mod build;
mod common;
mod fmt;
mod generics;
mod hostile;
mod hostile_state;
mod integers;
mod prove;
mod repl;
mod run;
mod shared;
mod state;
