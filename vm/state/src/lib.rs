//! `resin-state`: what a chain holds between transactions. Values as they
//! live in storage ([`value`]), the keys that name resources ([`keys`]), a
//! transaction's changes ([`write_set`]), the committed store ([`store`]),
//! its Merkle tree and state root ([`merkle`]), proofs about resources
//! against a root ([`proof`]), and the persistent state file ([`persist`],
//! redb).
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod canonical;
pub mod keys;
mod leaf;
pub mod merkle;
pub mod persist;
pub mod pieces;
pub mod prefetch;
pub mod proof;
pub mod shared;
pub mod store;
mod table;
pub mod type_tag;
mod typed;
pub mod value;
pub mod write_set;

pub use keys::*;
pub use proof::{verify_proof, Proof, ProofEnd, ProofError};
pub use shared::Shared;
pub use store::{ResourceStore, StateView};
pub use type_tag::{StructTag, TypeTag, TypeTagError};
pub use value::Value;
pub use write_set::{apply_delta, check_delta, Change, DeltaError, WriteOp, WriteSet};
