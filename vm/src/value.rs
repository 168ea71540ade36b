//! Runtime values as they live in storage, arguments and events.
//! (References exist only inside the interpreter and are defined there.)

use serde::{Deserialize, Serialize};

use crate::file_format::AccountAddress;

#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub enum Value {
    Bool(bool),
    U8(u8),
    U64(u64),
    U128(u128),
    Address(AccountAddress),
    Signer(AccountAddress),
    Vector(Vec<Value>),
    /// Fields in declaration order.
    Struct(Vec<Value>),
}
