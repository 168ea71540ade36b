//! Byte vectors against the list of `U8` values they stand for: the same
//! `vector<u8>` held as bytes (`Value::Bytes`) or as a list must compare,
//! hash, print, encode, size and nest identically, and decoding must give
//! the bytes form back.

use std::collections::hash_map::DefaultHasher;
use std::hash::{BuildHasher, BuildHasherDefault};

use proptest::prelude::*;
use resin_state::value::Value;

/// A value in which every byte vector is written as a list of `U8`s.
fn as_u8_lists(value: &Value) -> Value {
    match value {
        Value::Bytes(bytes) => Value::Vector(bytes.iter().map(|b| Value::U8(*b)).collect()),
        Value::Vector(items) => Value::Vector(items.iter().map(as_u8_lists).collect()),
        Value::Struct(fields) => Value::Struct(fields.iter().map(as_u8_lists).collect()),
        other => other.clone(),
    }
}

/// `value`'s hash under a fixed std hasher.
fn std_hash(value: &Value) -> u64 {
    BuildHasherDefault::<DefaultHasher>::default().hash_one(value)
}

/// Whether a non-empty list of `U8`s is anywhere in `value`.
fn holds_u8_list(value: &Value) -> bool {
    match value {
        Value::Vector(items) => Value::u8_items(items).is_some() || items.iter().any(holds_u8_list),
        Value::Struct(fields) => fields.iter().any(holds_u8_list),
        _ => false,
    }
}

/// Values holding byte vectors at any depth, empty ones included.
fn with_bytes() -> impl Strategy<Value = Value> {
    let bytes = proptest::collection::vec(any::<u8>(), 0..40);
    let leaf = prop_oneof![
        bytes.clone().prop_map(Value::Bytes),
        any::<u64>().prop_map(Value::U64),
        any::<u8>().prop_map(Value::U8),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Vector),
            proptest::collection::vec(inner, 1..4).prop_map(Value::Struct),
        ]
    })
}

proptest! {
    /// Bytes and the list of `U8`s they stand for are one value to
    /// everything that looks: equality, hashing, both encodings, the
    /// size gas is charged by, depth and printing; and decoding gives
    /// the bytes form back.
    #[test]
    fn bytes_are_the_list_of_u8s_they_stand_for(value in with_bytes()) {
        let listed = as_u8_lists(&value);
        prop_assert_eq!(&value, &listed);
        prop_assert_eq!(&listed, &value);
        prop_assert_eq!(std_hash(&value), std_hash(&listed));
        prop_assert_eq!(value.canonical_bytes(), listed.canonical_bytes());
        prop_assert_eq!(postcard::to_stdvec(&value).ok(), postcard::to_stdvec(&listed).ok());
        prop_assert_eq!(value.storage_size(), listed.storage_size());
        prop_assert_eq!(value.storage_size(), value.canonical_bytes().len() as u64);
        prop_assert_eq!(value.depth(), listed.depth());
        prop_assert_eq!(format!("{value:?}"), format!("{listed:?}"));
        let decoded = Value::from_canonical_bytes(&listed.canonical_bytes());
        prop_assert_eq!(decoded.as_ref(), Ok(&value));
        // Decoded, every non-empty list of `U8`s is bytes again.
        prop_assert!(!decoded.as_ref().is_ok_and(holds_u8_list));
    }
}

#[test]
fn a_different_byte_or_length_is_a_different_value() {
    let b = Value::bytes(*b"abc");
    let list = |bytes: &[u8]| Value::Vector(bytes.iter().map(|b| Value::U8(*b)).collect());
    assert_ne!(b, Value::bytes(*b"abd"));
    assert_ne!(b, list(b"ab"));
    assert_ne!(b, list(b"abcd"));
    assert_ne!(b, Value::Vector(vec![Value::U8(b'a'), Value::U8(b'b'), Value::U64(u64::from(b'c'))]));
    assert_ne!(std_hash(&b), std_hash(&list(b"abd")));
    assert_eq!(Value::from_canonical_bytes(&list(b"hello").canonical_bytes()), Ok(Value::bytes(*b"hello")));
    assert!(matches!(Value::from_canonical_bytes(&list(b"hello").canonical_bytes()), Ok(Value::Bytes(_))));
    assert_eq!(Value::Vector(vec![Value::U8(1), Value::U8(2)]).compact(), Value::Bytes(vec![1, 2]));
    assert!(matches!(list(b"xy").compact(), Value::Bytes(_)));
}
