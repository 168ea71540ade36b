//! Verifier tests: the coin module verifies, its access specs infer back, and
//! every named failure is rejected with its kind, function and offset.

#[path = "verifier/access.rs"]
mod access;
#[path = "verifier/assembled.rs"]
mod assembled;
#[path = "verifier/assembled_cases.rs"]
mod assembled_cases;
#[path = "verifier/builder.rs"]
mod builder;
#[path = "verifier/code.rs"]
mod code;
#[path = "verifier/coin.rs"]
mod coin;
#[path = "verifier/fuzz.rs"]
mod fuzz;
#[path = "verifier/generic_limits.rs"]
mod generic_limits;
#[path = "verifier/generic_rejections.rs"]
mod generic_rejections;
#[path = "verifier/generics.rs"]
mod generics;
#[path = "verifier/limits.rs"]
mod limits;
#[path = "verifier/minting.rs"]
mod minting;
#[path = "verifier/reference_safety.rs"]
mod reference_safety;
#[path = "verifier/tables.rs"]
mod tables;
