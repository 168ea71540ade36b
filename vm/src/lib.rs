//! `resin-vm`: Resin's runtime. The loader links verified modules into a
//! [`CodeCache`]; the interpreter runs a transaction's entry function against
//! a [`resin_state::StateView`], metering gas and checking every global access
//! against the transaction's declared keys; [`execute`] ties them into
//! receipts and write sets.
//!
//! The format, the verifier and the state live in their own crates; the types
//! a caller needs to build a transaction and read its receipt are re-exported
//! here.
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod describe;
pub mod execute;
pub mod gas;
pub mod interpreter;
pub mod loader;
pub mod transaction;

pub use describe::{describe_abort, describe_status};
pub use execute::{
    call_function, execute_as_signers, execute_entry, execute_metered, execute_resolved, execute_transaction,
    execute_with_keys, CallOutcome, World,
};
pub use gas::Metering;
pub use loader::{
    byte_literal, declared_keys, resolve_keys, CodeCache, EntryHandle, LoadError, ResolvedEntry, Resolver,
};
pub use resin_format::file_format::*;
pub use resin_state::keys::*;
pub use resin_state::type_tag::{StructTag, TypeTag, TypeTagError};
pub use resin_state::{apply_delta, Change, DeltaError, Value, WriteOp, WriteSet};
pub use transaction::*;
