//! End-to-end tests of the built `resin` binary: every test runs the real
//! command as a child process and checks its exit code and output.

mod bench;
mod build;
mod common;
mod debug;
mod fmt;
mod generics;
mod hostile;
mod hostile_state;
mod integers;
mod package;
mod prove;
mod readme;
mod repl;
mod run;
mod shared;
mod state;
mod stdlib;
mod stdlib_apps;
mod test_cmd;
mod upgrade;
mod view;
