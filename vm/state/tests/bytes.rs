//! Byte vectors against the list of `U8`s they stand for: the same value in
//! two representations must compare, hash, print, encode, size and nest
//! identically, and decoding builds the byte form.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use proptest::prelude::*;
use resin_state::value::Value;

/// Byte strings of every length up to past a varint's one-byte limit (127)
/// and the encoder's 32-byte runs, empty ones included.
fn byte_string() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => prop::collection::vec(any::<u8>(), 0..40),
        1 => prop::collection::vec(any::<u8>(), 120..140),
    ]
}

/// Values in the list form: byte strings, alone or among other values in
/// vectors and structs, nested up to three levels.
fn listed() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        3 => byte_string().prop_map(|b| Value::Vector(b.into_iter().map(Value::U8).collect())),
        1 => any::<u64>().prop_map(Value::U64),
        1 => any::<u8>().prop_map(Value::U8),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Struct),
            prop::collection::vec(inner, 0..4).prop_map(Value::Vector),
        ]
    })
}

/// `v` with every vector of `U8`s (the empty ones too, when `empty` says
/// so) held as bytes.
fn as_bytes(v: &Value, empty: bool) -> Value {
    match v {
        Value::Vector(items) if (empty || !items.is_empty()) && items.iter().all(|i| matches!(i, Value::U8(_))) => {
            Value::Bytes(items.iter().map(|i| if let Value::U8(b) = i { *b } else { 0 }).collect())
        }
        Value::Vector(items) => Value::Vector(items.iter().map(|i| as_bytes(i, empty)).collect()),
        Value::Struct(fields) => Value::Struct(fields.iter().map(|f| as_bytes(f, empty)).collect()),
        other => other.clone(),
    }
}

/// Whether `v` holds a non-empty vector of `U8`s as a list.
fn holds_listed_bytes(v: &Value) -> bool {
    match v {
        Value::Vector(items) if !items.is_empty() && items.iter().all(|i| matches!(i, Value::U8(_))) => true,
        Value::Vector(items) | Value::Struct(items) => items.iter().any(holds_listed_bytes),
        Value::Flat(_) => false,
        _ => false,
    }
}

fn hash_of(v: &Value) -> u64 {
    let mut h = DefaultHasher::new();
    v.hash(&mut h);
    h.finish()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1_000))]

    #[test]
    fn both_forms_agree(v in listed(), empty in any::<bool>()) {
        let b = as_bytes(&v, empty);
        prop_assert_eq!(&b, &v);
        prop_assert_eq!(&v, &b);
        prop_assert_eq!(hash_of(&b), hash_of(&v));
        prop_assert_eq!(format!("{b:?}"), format!("{v:?}"));
        prop_assert_eq!(b.canonical_bytes(), v.canonical_bytes());
        prop_assert_eq!(b.storage_size(), v.canonical_bytes().len() as u64);
        prop_assert_eq!(b.depth(), v.depth());
        prop_assert_eq!(postcard::to_stdvec(&b).unwrap(), postcard::to_stdvec(&v).unwrap());
        prop_assert_eq!(b.bytes(), v.bytes());
        prop_assert_eq!(b.vector_items().map(|i| i.into_owned()), v.vector_items().map(|i| i.into_owned()));
        // Decoding and compacting build the byte form, and mean the same.
        let decoded = Value::from_canonical_bytes(&v.canonical_bytes()).unwrap();
        prop_assert!(!holds_listed_bytes(&decoded), "{:?}", decoded);
        prop_assert_eq!(&decoded, &v);
        let compact = v.clone().compact();
        prop_assert!(!holds_listed_bytes(&compact), "{:?}", compact);
        prop_assert_eq!(&compact, &v);
    }

    #[test]
    fn different_bytes_differ(a in byte_string(), b in byte_string()) {
        prop_assume!(a != b);
        let listed = Value::Vector(b.iter().map(|x| Value::U8(*x)).collect());
        prop_assert_ne!(&Value::Bytes(a.clone()), &listed);
        prop_assert_ne!(&Value::Bytes(a.clone()), &Value::Bytes(b.clone()));
        prop_assert_ne!(Value::Bytes(a).canonical_bytes(), listed.canonical_bytes());
    }
}

#[test]
fn bytes_are_not_other_vectors() {
    let bytes = Value::Bytes(vec![1, 2]);
    assert_ne!(bytes, Value::Vector(vec![Value::U64(1), Value::U64(2)]));
    assert_ne!(bytes, Value::Vector(vec![Value::U8(1)]));
    assert_ne!(bytes, Value::Struct(vec![Value::U8(1), Value::U8(2)]));
    // Empty, both forms are the empty vector.
    assert_eq!(Value::Bytes(Vec::new()), Value::Vector(Vec::new()));
    assert_eq!(Value::vector(Vec::new()), Value::Vector(Vec::new()));
    assert!(matches!(Value::vector(vec![Value::U8(3)]), Value::Bytes(b) if b == [3]));
    assert!(matches!(Value::vector(vec![Value::U8(3), Value::U64(4)]), Value::Vector(_)));
}
