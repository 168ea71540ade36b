//! The `script` target: see `resin::fuzzing::script` for what it checks.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| resin::fuzzing::script::run(data));
