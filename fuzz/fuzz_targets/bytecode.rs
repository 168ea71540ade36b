//! The `bytecode` target: see `resin::fuzzing::bytecode` for what it checks.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| resin::fuzzing::bytecode::run(data));
