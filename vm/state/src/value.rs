//! Runtime values as they live in storage, arguments and events.
//! (References exist only inside the interpreter and are defined there.)

use serde::{Deserialize, Serialize};

use resin_format::file_format::AccountAddress;

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

impl Value {
    /// The size in bytes charged for storage reads and writes: the length of the
    /// canonical encoding, computed without allocating.
    pub fn storage_size(&self) -> u64 {
        // postcard: one varint tag, then the payload.
        1 + match self {
            Value::Bool(_) | Value::U8(_) => 1,
            Value::U64(v) => varint_len(*v as u128),
            Value::U128(v) => varint_len(*v),
            Value::Address(_) | Value::Signer(_) => 32,
            Value::Vector(items) | Value::Struct(items) => {
                varint_len(items.len() as u128) + items.iter().map(Value::storage_size).sum::<u64>()
            }
        }
    }

    /// The canonical byte encoding (postcard's layout) that the state root
    /// and the state file use, written without recursion
    /// ([`crate::canonical`]).
    pub fn canonical_bytes(&self) -> Vec<u8> {
        crate::canonical::encode(self)
    }

    /// Reads a value written by [`Value::canonical_bytes`], refusing values
    /// nested deeper than the format's `MAX_VALUE_DEPTH`.
    pub fn from_canonical_bytes(bytes: &[u8]) -> Result<Value, crate::canonical::ValueDecodeError> {
        crate::canonical::decode(bytes)
    }

    /// How deeply the value nests: a primitive is 1, a vector or struct one
    /// more than its deepest item.
    pub fn depth(&self) -> usize {
        crate::canonical::depth(self)
    }
}

fn varint_len(v: u128) -> u64 {
    let bits = 128 - u64::from(v.leading_zeros());
    bits.div_ceil(7).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_size_is_the_canonical_length() {
        let values = [
            Value::Bool(true),
            Value::U8(200),
            Value::U64(0),
            Value::U64(127),
            Value::U64(128),
            Value::U64(u64::MAX),
            Value::U128(u128::MAX),
            Value::Address(AccountAddress::from_u64(7)),
            Value::Struct(vec![Value::Struct(vec![Value::U64(1_000_000)]), Value::Vector(vec![Value::U8(1); 300])]),
        ];
        for v in values {
            assert_eq!(v.storage_size(), v.canonical_bytes().len() as u64, "{v:?}");
        }
    }
}
