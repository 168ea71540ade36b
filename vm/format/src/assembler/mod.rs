//! The text assembler: writes a [`Module`] from readable text, the same text
//! [`crate::disasm::disassemble`] prints, so `assemble(&disassemble(&m)) == Ok(m)`.
//! It exists so that VM, verifier and scheduler tests can be written as
//! bytecode by hand, including bytecode that is wrong on purpose.
//!
//! # Example
//!
//! The coin module (also in `vm/format/tests/data/coin.rasm`; a test keeps the two equal):
//!
//! ```text
//! // Money that can be moved but never copied or dropped.
//! module 0x1::coin
//!
//! struct Coin has store {
//!     value: u64,
//! }
//!
//! // Held under an account's address in global storage.
//! struct Balance has key {
//!     coin: Coin,
//! }
//!
//! const E_INSUFFICIENT: u64 = 1
//!
//! // Publishes an empty balance under the signer's address.
//! public entry fun register(account: &signer) acquires write Balance(signer account) {
//!     move_loc account
//!     ld_u64 0
//!     pack Coin
//!     pack Balance
//!     move_to Balance
//!     ret
//! }
//!
//! public fun balance_of(owner: address): u64 acquires read Balance(param owner) {
//!     move_loc owner
//!     imm_borrow_global Balance
//!     imm_borrow_field Balance.coin
//!     imm_borrow_field Coin.value
//!     read_ref
//!     ret
//! }
//!
//! // Adds new money to the signer's own balance.
//! public entry fun mint(account: &signer, amount: u64) acquires write Balance(signer account) {
//!     move_loc account
//!     signer_address
//!     move_loc amount
//!     call credit
//!     ret
//! }
//!
//! public entry fun transfer(from: &signer, to: address, amount: u64) acquires write Balance(signer from), write Balance(param to) {
//!     local sender: address
//!     local balance: u64
//!     move_loc from
//!     signer_address
//!     st_loc sender
//!     copy_loc sender
//!     imm_borrow_global Balance
//!     imm_borrow_field Balance.coin
//!     imm_borrow_field Coin.value
//!     read_ref
//!     st_loc balance
//!     // assert!(balance >= amount, E_INSUFFICIENT)
//!     copy_loc balance
//!     copy_loc amount
//!     ge
//!     br_true debit
//!     ld_const E_INSUFFICIENT
//!     abort
//! debit:
//!     move_loc balance
//!     copy_loc amount
//!     sub
//!     move_loc sender
//!     mut_borrow_global Balance
//!     mut_borrow_field Balance.coin
//!     mut_borrow_field Coin.value
//!     write_ref
//!     move_loc to
//!     move_loc amount
//!     call credit
//!     ret
//! }
//!
//! // Adds `amount` to the balance at `to`: read it, then write it back.
//! fun credit(to: address, amount: u64) acquires write Balance(param to) {
//!     copy_loc to
//!     imm_borrow_global Balance
//!     imm_borrow_field Balance.coin
//!     imm_borrow_field Coin.value
//!     read_ref
//!     move_loc amount
//!     add
//!     move_loc to
//!     mut_borrow_global Balance
//!     mut_borrow_field Balance.coin
//!     mut_borrow_field Coin.value
//!     write_ref
//!     ret
//! }
//! ```
//!
//! # Syntax
//!
//! One item per line; a struct's fields and a function's parameters and body
//! may span lines. Comments start with `//`.
//!
//! | item | declares |
//! | --- | --- |
//! | `module 0x1::coin` | first: the module itself (module handle 0) |
//! | `use 0x1::other` or `use 0x1::other as o` | a module handle; `other::Name` (or `o::Name`) then names its items |
//! | `struct Name has key, store { f: T, g: U }` | a struct handle of this module and its definition (`{}`: no fields) |
//! | `struct Name has store` | a handle only |
//! | `struct 0x1::other::Thing has key` | another module's struct handle |
//! | `const NAME: T = value` | a constant: `true`, `7` (`7u8`, `7u16`, `7u32`, `7u64`, `7u128`, `7u256` where the type does not tell), `@0x1`, `[1, 2]`, `x"00ff"`, `b"text"` |
//! | `signature T` | a signature-pool entry (vector instructions add the types they name anyway) |
//! | `struct_inst Coin<u64>` | a struct instantiation table entry (generic instructions add theirs anyway) |
//! | `fun_inst f<u64>` | a function instantiation table entry (`call_generic` adds its own anyway) |
//! | `public entry fun f(a: &signer, u64): (u64, bool) acquires .. { body }` | a function of this module; parameter names are optional |
//! | `fun f(u64): bool` | a function handle only |
//! | `fun 0x1::other::g(address) acquires write Thing(param 0)` | another module's function handle, with the signature and access spec the call relies on |
//!
//! Types: `bool u8 u16 u32 u64 u128 u256 address signer`, `vector<T>`, `&T`, `&mut T`, and
//! structs as `Name`, `other::Name` or `0x1::other::Name`.
//!
//! # Generics
//!
//! A struct or function declares its type parameters after its name, in any
//! of the forms above (definitions, handles, other modules' handles):
//! `struct Coin<phantom T0> has store { value: u64 }`, `struct Pair<T0: copy +
//! drop, T1> has copy, drop { a: T0, b: T1 }`, `fun f<T0: store, T1>(a: T0):
//! Coin<T0> acquires write Balance<T0>(param 0) { .. }`, `struct 0x1::c::Coin<phantom
//! T0> has store`. Parameters are positional: the `i`th must be named `Ti`;
//! constraints are abilities joined by `+`; `phantom` is for structs only.
//!
//! - Inside a generic declaration (its fields, or a function's signature,
//!   access spec, locals and instruction operands) `T0`, `T1`, ... are its type
//!   parameters, and one beyond its count is an error. `#T5` is type
//!   parameter 5 taken unchecked, to build modules that are wrong on purpose.
//!   At module level (`signature`, `const`, `struct_inst`, `fun_inst`) no
//!   declaration encloses the type, so `Tn` is not checked.
//! - A type parameter name (`T` and a number, `T0` but not `T01`) always means
//!   the type parameter where a type is read: a struct named `T0` can be
//!   declared, but a type names it as `#N` (or `0x1::m::T0`).
//! - A generic struct is written with as many type arguments as it has
//!   parameters: `Coin<T0>`, `coin::Coin<u64>`, `vector<Pair<u8, T0>>`,
//!   `&mut Coin<T0>`. `Coin<>` (an instantiation without arguments) and `Coin`
//!   are different types. A named struct with the wrong count is an error;
//!   `#N<u8>` (handle `N`) is taken unchecked.
//! - An access names a generic resource with its type arguments:
//!   `acquires write Balance<T0>(signer 0)`.
//! - Generic instructions name an instantiation inline, and the assembler
//!   adds it to the instantiation table on first use (later uses share it):
//!   `pack_generic Coin<T0>`, `unpack_generic Coin<u64>`, `exists_generic`,
//!   `imm_borrow_global_generic`, `mut_borrow_global_generic`,
//!   `move_from_generic`, `move_to_generic`, `emit_generic` likewise;
//!   `imm_borrow_field_generic Coin<T0>.value` (or `.0`),
//!   `mut_borrow_field_generic`; `call_generic coin::merge<T0>`,
//!   `call_generic f<u64, vector<u8>>`. Raw forms: `pack_generic #3`
//!   (instantiation 3), `pack_generic #1<u8>` (definition 1, instantiated),
//!   `imm_borrow_field_generic #3.0`, `call_generic #2` and `call_generic
//!   #0<u8>` (function handle 0, instantiated).
//! - The plain instructions (`pack`, `call`, `imm_borrow_field`, ...) refuse a
//!   named generic struct or function, and the `_generic` ones a named
//!   struct or function that is not generic.
//!
//! An access spec lists `read` or `write`, a resource, and where its address
//! comes from: `acquires write Balance(signer 0), read Balance(param owner),
//! write Balance(*), read Balance(0x5)`: the address of a signer parameter, an
//! address parameter (by name or number), any address, or a fixed one.
//!
//! In a body, `local name: T` (or `local T`) adds a local slot after the
//! parameters, `name:` marks a label, and any other line is one instruction:
//! its mnemonic from the opcode table ([`crate::opcodes::OPCODES`]), then its
//! operands, separated by commas:
//!
//! - code offsets (`branch`, `br_true`, `br_false`): a label, or a number;
//! - locals: a parameter or local name, or a number;
//! - constants (`ld_const`): a name, or a number;
//! - functions (`call`): `f`, `other::g`, `0x1::other::g`;
//! - structs (`pack`, `move_to`, `exists`, ...): a struct defined in this module;
//! - fields: `Coin.value`, or `Coin.0`;
//! - element types of vector instructions: a type (`vec_len u64`, `vec_pack u8, 3`, `vec_len T0`);
//! - instantiations (the `_generic` instructions): see [Generics](#generics);
//! - immediates: decimal or `0x` hex (`ld_u128 0xff`; `ld_u256` takes any
//!   value up to 2^256 - 1).
//!
//! Any index may also be written raw as `#N`: it is taken unchecked, to build
//! modules that are wrong on purpose (for verifier tests).
//!
//! Tables fill in declaration order; module handles for qualified
//! declarations, signature entries for vector instructions and instantiations
//! for generic instructions are added on first use, after any explicit
//! `signature`, `struct_inst` and `fun_inst` items (which is how the
//! disassembler keeps a table's order when first use would not rebuild it).
//! A name can be used before it is declared. Errors carry a line and column.
//!
//! A generic version of the coin is in `vm/format/tests/data/generic_coin.rasm`,
//! and its disassembly in `generic_coin.disasm` next to it.

use thiserror::Error;

use crate::file_format::Module;

mod ast;
mod body;
mod build;
mod fun_parser;
mod lexer;
pub mod operands;
mod parser;
#[cfg(test)]
mod tests;

/// Why a text did not assemble, and where (1-based line and column).
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("{line}:{col}: {message}")]
pub struct AsmError {
    pub line: u32,
    pub col: u32,
    pub message: String,
}

/// The index of a type parameter name: `T0` is 0, `T12` is 12. `T01`,
/// `T99999` and `T` are not type parameter names (they can name structs).
pub(crate) fn type_param_index(name: &str) -> Option<u16> {
    let digits = name.strip_prefix('T')?;
    let canonical =
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) && (digits == "0" || !digits.starts_with('0'));
    if !canonical {
        return None;
    }
    digits.parse().ok()
}

/// Assembles a module from its text form (see the module documentation).
pub fn assemble(text: &str) -> Result<Module, AsmError> {
    let tokens = lexer::lex(text)?;
    let items = parser::Parser::new(tokens).items()?;
    build::build(&items)
}
