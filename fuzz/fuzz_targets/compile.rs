//! The `compile` target: see `resin::fuzzing::compile` for what it checks.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| resin::fuzzing::compile::run(data));
