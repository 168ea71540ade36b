//! Runtime values as they live in storage, arguments and events.
//! (References exist only inside the interpreter and are defined there.)
//!
//! A struct has two representations with one meaning: a list of fields
//! ([`Value::Struct`]), or, when its scalars fit in a few words,
//! [`Value::Flat`] — held inline, so that packing a `Coin`, copying a
//! `Balance` out of storage and writing it back allocate nothing. The two
//! compare, hash, encode and cost gas alike, so which one a value happens to
//! be never shows: the VM builds the flat form whenever it fits
//! ([`Value::structure`]) and decoding does the same, while a struct built by
//! hand as a list of fields stays correct everywhere, only slower.
//!
//! A `vector<u8>` likewise has two: a list of `U8`s ([`Value::Vector`]), or
//! its bytes ([`Value::Bytes`]) — one byte each instead of a whole value, so
//! that a name, a URI or a hash is copied, compared, encoded and freed as
//! one run of memory. The VM and decoding build the byte form whenever a
//! vector's elements are all `u8`s ([`Value::vector`]).

use std::borrow::Cow;
use std::fmt;
use std::hash::{Hash, Hasher};

use serde::ser::{SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

use resin_format::file_format::{AccountAddress, U256};

mod flat;

pub(crate) use flat::MAX_ENCODED as MAX_FLAT_ENCODED;
pub use flat::{Flat, FlatPos};

#[derive(Deserialize)]
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
    // The integers added after the others: after `Struct`, so that the
    // older variants keep their encoding tags (serde numbers variants in
    // order). A struct holding one is never flat (the flat shape's 3-bit
    // scalar tokens are all taken), only a list of fields.
    U16(u16),
    U32(u32),
    U256(U256),
    /// A struct of scalars held inline (see the module documentation). It
    /// encodes as a `Struct`, so nothing decodes into it directly:
    /// [`crate::canonical::decode`] builds it from the fields.
    #[serde(skip_deserializing)]
    Flat(Flat),
    /// A `vector<u8>` held as its bytes (see the module documentation). It
    /// encodes as a `Vector` of `U8`s; nothing decodes into it directly.
    #[serde(skip_deserializing)]
    Bytes(Vec<u8>),
}

impl Clone for Value {
    /// The inline variants copied here, the lists out of line: derived,
    /// the whole clone stopped being inlined into the interpreter's copies
    /// once a third variant owned heap memory, and every copied scalar paid
    /// a call.
    #[inline(always)]
    fn clone(&self) -> Value {
        match self {
            Value::Bool(v) => Value::Bool(*v),
            Value::U8(v) => Value::U8(*v),
            Value::U64(v) => Value::U64(*v),
            Value::U128(v) => Value::U128(*v),
            Value::Address(v) => Value::Address(*v),
            Value::Signer(v) => Value::Signer(*v),
            Value::U16(v) => Value::U16(*v),
            Value::U32(v) => Value::U32(*v),
            Value::U256(v) => Value::U256(*v),
            Value::Flat(v) => Value::Flat(*v),
            heap => heap.clone_heap(),
        }
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::U8(a), Value::U8(b)) => a == b,
            (Value::U64(a), Value::U64(b)) => a == b,
            (Value::U128(a), Value::U128(b)) => a == b,
            (Value::U16(a), Value::U16(b)) => a == b,
            (Value::U32(a), Value::U32(b)) => a == b,
            (Value::U256(a), Value::U256(b)) => a == b,
            (Value::Address(a), Value::Address(b)) | (Value::Signer(a), Value::Signer(b)) => a == b,
            (Value::Vector(a), Value::Vector(b)) | (Value::Struct(a), Value::Struct(b)) => a == b,
            (Value::Bytes(a), Value::Bytes(b)) => a == b,
            (Value::Bytes(bytes), Value::Vector(items)) | (Value::Vector(items), Value::Bytes(bytes)) => {
                bytes.len() == items.len() && bytes.iter().zip(items).all(|(a, b)| *b == Value::U8(*a))
            }
            // Unused words are always zero, so equal fields mean equal words.
            (Value::Flat(a), Value::Flat(b)) => a == b,
            (Value::Flat(flat), Value::Struct(fields)) | (Value::Struct(fields), Value::Flat(flat)) => {
                flat.field_count() == fields.len() && flat.fields().zip(fields).all(|(a, b)| a == *b)
            }
            _ => false,
        }
    }
}

impl Eq for Value {}

impl Hash for Value {
    /// Hashes what [`PartialEq`] compares: a flat struct like its fields.
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            Value::Bool(v) => (0u8, v).hash(state),
            Value::U8(v) => (1u8, v).hash(state),
            Value::U64(v) => (2u8, v).hash(state),
            Value::U128(v) => (3u8, v).hash(state),
            Value::Address(v) => (4u8, v).hash(state),
            Value::Signer(v) => (5u8, v).hash(state),
            Value::Vector(items) => (6u8, items).hash(state),
            // What a slice of `U8`s writes: its length, then each element.
            Value::Bytes(bytes) => {
                6u8.hash(state);
                state.write_usize(bytes.len());
                bytes.iter().for_each(|b| (1u8, b).hash(state));
            }
            Value::Struct(fields) => (7u8, fields).hash(state),
            Value::U16(v) => (8u8, v).hash(state),
            Value::U32(v) => (9u8, v).hash(state),
            Value::U256(v) => (10u8, v).hash(state),
            Value::Flat(flat) => {
                (7u8, flat.field_count()).hash(state);
                flat.fields().for_each(|field| field.hash(state));
            }
        }
    }
}

impl fmt::Debug for Value {
    /// A flat struct prints as the `Struct` it stands for, bytes as the
    /// `Vector` of `U8`s.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(v) => f.debug_tuple("Bool").field(v).finish(),
            Value::U8(v) => f.debug_tuple("U8").field(v).finish(),
            Value::U64(v) => f.debug_tuple("U64").field(v).finish(),
            Value::U128(v) => f.debug_tuple("U128").field(v).finish(),
            Value::U16(v) => f.debug_tuple("U16").field(v).finish(),
            Value::U32(v) => f.debug_tuple("U32").field(v).finish(),
            Value::U256(v) => f.debug_tuple("U256").field(v).finish(),
            Value::Address(v) => f.debug_tuple("Address").field(v).finish(),
            Value::Signer(v) => f.debug_tuple("Signer").field(v).finish(),
            Value::Vector(items) => f.debug_tuple("Vector").field(items).finish(),
            Value::Bytes(bytes) => f.debug_tuple("Vector").field(&ByteItems(bytes)).finish(),
            Value::Struct(fields) => f.debug_tuple("Struct").field(fields).finish(),
            Value::Flat(flat) => flat.fmt(f),
        }
    }
}

impl Serialize for Value {
    /// What `#[derive(Serialize)]` writes, with a flat struct written as
    /// the `Struct` it stands for and bytes as the `Vector` of `U8`s.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Bool(v) => s.serialize_newtype_variant("Value", 0, "Bool", v),
            Value::U8(v) => s.serialize_newtype_variant("Value", 1, "U8", v),
            Value::U64(v) => s.serialize_newtype_variant("Value", 2, "U64", v),
            Value::U128(v) => s.serialize_newtype_variant("Value", 3, "U128", v),
            Value::Address(v) => s.serialize_newtype_variant("Value", 4, "Address", v),
            Value::Signer(v) => s.serialize_newtype_variant("Value", 5, "Signer", v),
            Value::Vector(items) => s.serialize_newtype_variant("Value", 6, "Vector", items),
            Value::Bytes(bytes) => s.serialize_newtype_variant("Value", 6, "Vector", &ByteItems(bytes)),
            Value::Struct(fields) => s.serialize_newtype_variant("Value", 7, "Struct", fields),
            Value::Flat(flat) => s.serialize_newtype_variant("Value", 7, "Struct", &FlatFields(flat)),
            Value::U16(v) => s.serialize_newtype_variant("Value", 8, "U16", v),
            Value::U32(v) => s.serialize_newtype_variant("Value", 9, "U32", v),
            Value::U256(v) => s.serialize_newtype_variant("Value", 10, "U256", v),
        }
    }
}

/// A flat struct's fields as a sequence, for [`Value`]'s `Serialize`.
struct FlatFields<'a>(&'a Flat);

impl Serialize for FlatFields<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.field_count()))?;
        for field in self.0.fields() {
            seq.serialize_element(&field)?;
        }
        seq.end()
    }
}

/// Bytes as the `U8` values they stand for, for [`Value`]'s `Debug` and
/// `Serialize`.
struct ByteItems<'a>(&'a [u8]);

impl Serialize for ByteItems<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for byte in self.0 {
            seq.serialize_element(&Value::U8(*byte))?;
        }
        seq.end()
    }
}

impl fmt::Debug for ByteItems<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.iter().map(|b| Value::U8(*b))).finish()
    }
}

impl Value {
    /// Whether dropping the value frees memory: only a list (a vector's
    /// elements, a struct's fields) or bytes own any. Everything else, a
    /// flat struct and a `u256` included, is held inline.
    #[inline(always)]
    pub fn owns_heap(&self) -> bool {
        matches!(self, Value::Vector(_) | Value::Struct(_) | Value::Bytes(_))
    }

    /// [`Clone`] of the variants that own heap memory.
    #[inline(never)]
    fn clone_heap(&self) -> Value {
        match self {
            Value::Vector(items) => Value::Vector(items.clone()),
            Value::Struct(fields) => Value::Struct(fields.clone()),
            Value::Bytes(bytes) => Value::Bytes(bytes.clone()),
            inline => inline.clone(),
        }
    }

    /// A vector with these elements: its bytes when every element is a
    /// `u8` (see the module documentation), a list otherwise. An empty
    /// vector stays a list: its element type is not known.
    pub fn vector(items: Vec<Value>) -> Value {
        if !matches!(items.first(), Some(Value::U8(_))) {
            return Value::Vector(items);
        }
        match listed_bytes(&items) {
            Some(bytes) => Value::Bytes(bytes),
            None => Value::Vector(items),
        }
    }

    /// The bytes of a `vector<u8>` value, in either form: borrowed from
    /// bytes, gathered from a list of `U8`s; `None` for anything else.
    pub fn bytes(&self) -> Option<Cow<'_, [u8]>> {
        match self {
            Value::Bytes(bytes) => Some(Cow::Borrowed(bytes)),
            Value::Vector(items) => listed_bytes(items).map(Cow::Owned),
            _ => None,
        }
    }

    /// The elements of a vector, in either form: borrowed from a list,
    /// built as `U8`s from bytes; `None` for anything else.
    pub fn vector_items(&self) -> Option<Cow<'_, [Value]>> {
        match self {
            Value::Vector(items) => Some(Cow::Borrowed(items)),
            Value::Bytes(bytes) => Some(Cow::Owned(bytes.iter().map(|b| Value::U8(*b)).collect())),
            _ => None,
        }
    }

    /// A struct with these fields: flat when it fits (see the module
    /// documentation), a list of fields otherwise.
    pub fn structure(fields: Vec<Value>) -> Value {
        match Flat::pack(&fields) {
            Some(flat) => Value::Flat(flat),
            None => Value::Struct(fields),
        }
    }

    /// The same value with every struct that fits held flat and every byte
    /// vector held as bytes: for values built by hand as lists (a test's or
    /// a tool's genesis), so that they run as fast as the ones the VM
    /// builds.
    pub fn compact(self) -> Value {
        match self {
            Value::Struct(fields) => Value::structure(fields.into_iter().map(Value::compact).collect()),
            Value::Vector(items) => Value::vector(items.into_iter().map(Value::compact).collect()),
            other => other,
        }
    }

    /// A struct's fields, in either representation; `None` for anything
    /// else. Borrowed from a list of fields, copied out of a flat struct.
    pub fn struct_fields(&self) -> Option<Cow<'_, [Value]>> {
        match self {
            Value::Struct(fields) => Some(Cow::Borrowed(fields)),
            Value::Flat(flat) => Some(Cow::Owned(flat.fields().collect())),
            _ => None,
        }
    }

    /// The size in bytes charged for storage reads and writes: the length of the
    /// canonical encoding, computed without allocating.
    #[inline]
    pub fn storage_size(&self) -> u64 {
        match self {
            Value::Vector(items) | Value::Struct(items) => list_size(items),
            Value::Flat(flat) => flat.encoded_len(),
            Value::Bytes(bytes) => bytes_size(bytes),
            leaf => leaf_size(leaf),
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

/// The bytes of a list of `U8`s; `None` if any item is something else.
fn listed_bytes(items: &[Value]) -> Option<Vec<u8>> {
    items.iter().map(|v| if let Value::U8(b) = v { Some(*b) } else { None }).collect()
}

/// The encoded length of a list (a vector's or a struct's): its tag, its
/// length, its items. Gas charges it for every resource read and written,
/// every vector copied and every argument. A `vector<u8>` is a list of
/// `U8`s of two bytes each (tag, byte): a leading run of them, a byte
/// string's whole length, is counted by a loop that only compares tags.
fn list_size(items: &[Value]) -> u64 {
    let bytes = items.iter().take_while(|item| matches!(item, Value::U8(_))).count();
    let mut size = 1 + varint_len(items.len() as u128) + 2 * bytes as u64;
    for item in items.get(bytes..).unwrap_or_default() {
        size += match item {
            Value::Vector(inner) | Value::Struct(inner) => list_size(inner),
            Value::Flat(flat) => flat.encoded_len(),
            Value::Bytes(bytes) => bytes_size(bytes),
            leaf => leaf_size(leaf),
        };
    }
    size
}

/// The encoded length of bytes: a vector's tag and length, then a tag and
/// a byte per element.
#[inline]
fn bytes_size(bytes: &[u8]) -> u64 {
    1 + varint_len(bytes.len() as u128) + 2 * bytes.len() as u64
}

/// The encoded length of a primitive (postcard: one varint tag, then the
/// payload); a list or flat struct given here is measured as such.
#[inline(always)]
fn leaf_size(value: &Value) -> u64 {
    1 + match value {
        Value::Bool(_) | Value::U8(_) => 1,
        Value::U64(v) => varint_len(u128::from(*v)),
        Value::U128(v) => varint_len(*v),
        Value::U16(v) => varint_len(u128::from(*v)),
        Value::U32(v) => varint_len(u128::from(*v)),
        // Fixed width, like `ld_u256`'s immediate.
        Value::U256(_) => 32,
        Value::Address(_) | Value::Signer(_) => 32,
        Value::Vector(items) | Value::Struct(items) => list_size(items) - 1,
        Value::Bytes(bytes) => bytes_size(bytes) - 1,
        // The flat length counts the tag itself.
        Value::Flat(flat) => flat.encoded_len() - 1,
    }
}

/// Bytes of a postcard varint (LEB128).
#[inline(always)]
pub(crate) fn varint_len(v: u128) -> u64 {
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
            Value::U16(0),
            Value::U16(u16::MAX),
            Value::U32(127),
            Value::U32(u32::MAX),
            Value::U256(U256::ZERO),
            Value::U256(U256::MAX),
            Value::Address(AccountAddress::from_u64(7)),
            Value::Struct(vec![Value::Struct(vec![Value::U64(1_000_000)]), Value::Vector(vec![Value::U8(1); 300])]),
        ];
        let mut lists: Vec<Value> = vec![
            Value::Struct(values.to_vec()),
            Value::Vector(vec![]),
            Value::Vector(vec![Value::U8(1); 200]),
            Value::Struct(vec![Value::Struct(values.to_vec()), Value::Vector(vec![])]),
            Value::Struct(vec![Value::Struct(vec![Value::Vector(vec![Value::Struct(values.to_vec())])])]),
            Value::Vector(vec![Value::Vector(vec![Value::U64(300); 130]); 3]),
            // A run of bytes, then other items (a struct's fields), then bytes.
            Value::Struct(vec![Value::U8(1), Value::U8(2), Value::U64(1 << 40), Value::U8(3), Value::Bool(true)]),
            Value::Struct(vec![
                Value::U8(9),
                Value::Vector(vec![Value::U8(7); 130]),
                Value::Address(AccountAddress::ZERO),
            ]),
            Value::structure(vec![Value::U8(4), Value::U64(5)]),
            Value::Signer(AccountAddress::from_u64(9)),
            Value::U128(1 << 70),
        ];
        lists.extend(values);
        for v in lists {
            assert_eq!(v.storage_size(), v.canonical_bytes().len() as u64, "{v:?}");
        }
    }
}
