//! Fuzzing harnesses, one per target: each takes the raw input of one run
//! and asserts what must hold for every input, beyond not panicking.
//!
//! - [`bytecode::run`]: decode (raw bytes), or build (structure-aware, with
//!   `arbitrary`: whole modules, or edits of known-good ones) a module, then
//!   verify, publish and call its entry functions on both executors.
//! - [`compile::run`]: compile Resin source against the standard library and
//!   publish what compiles.
//! - [`script::run`]: run a script, command by command, on an in-memory session.
//!
//! cargo-fuzz drives them from `fuzz/` (see fuzz/README.md); the test suite
//! runs each for a few seconds on proptest-generated input and on the seeds
//! and saved findings in `fuzz/` (tests/fuzz_smoke.rs).

pub mod bytecode;
pub mod compile;
pub mod edits;
pub mod script;
pub mod seeds;
