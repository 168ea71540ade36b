//! Flat structs against the list-of-fields form they stand for: the same
//! value in two representations must compare, hash, print, encode, size and
//! nest identically, and reading or writing a field through a flat struct's
//! positions must do what indexing the fields does.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use proptest::prelude::*;
use resin_format::file_format::AccountAddress;
use resin_state::value::{Flat, FlatPos, Value};

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<bool>().prop_map(Value::Bool),
        any::<u8>().prop_map(Value::U8),
        // Small and large amounts, and any width between: varint lengths
        // from 1 to 10 bytes, each boundary reachable.
        prop_oneof![0u64..200, any::<u64>(), (any::<u64>(), 0u32..64).prop_map(|(v, shift)| v >> shift)]
            .prop_map(Value::U64),
        any::<u128>().prop_map(Value::U128),
        any::<[u8; 32]>().prop_map(|b| Value::Address(AccountAddress(b))),
    ]
}

/// Structs of scalars nested up to four levels, some of which fit in a
/// flat struct and some of which do not, sometimes holding a vector.
fn structure() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        4 => scalar(),
        1 => prop::collection::vec(any::<u8>().prop_map(Value::U8), 0..3).prop_map(Value::Vector),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| prop::collection::vec(inner, 0..5).prop_map(Value::Struct)).prop_map(|v| {
        match v {
            Value::Struct(_) => v,
            other => Value::Struct(vec![other]),
        }
    })
}

fn hash_of(v: &Value) -> u64 {
    let mut h = DefaultHasher::new();
    v.hash(&mut h);
    h.finish()
}

/// Every path of field indexes into `v` that ends at a scalar or a struct.
fn paths(v: &Value, prefix: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    if let Value::Struct(fields) = v {
        for (i, field) in fields.iter().enumerate() {
            prefix.push(i);
            if !matches!(field, Value::Vector(_)) {
                out.push(prefix.clone());
            }
            paths(field, prefix, out);
            prefix.pop();
        }
    }
}

fn at<'a>(v: &'a Value, path: &[usize]) -> &'a Value {
    path.iter().fold(v, |v, &i| match v {
        Value::Struct(fields) => &fields[i],
        _ => panic!("path leaves the struct"),
    })
}

fn at_mut<'a>(v: &'a mut Value, path: &[usize]) -> &'a mut Value {
    path.iter().fold(v, |v, &i| match v {
        Value::Struct(fields) => &mut fields[i],
        _ => panic!("path leaves the struct"),
    })
}

fn position(flat: &Flat, path: &[usize]) -> FlatPos {
    let mut pos = None;
    for &i in path {
        pos = Some(flat.step(pos, i).expect("a path into the struct has a position"));
    }
    pos.expect("paths are not empty")
}

/// A different value of the same type as `v`.
fn another(v: &Value) -> Value {
    match v {
        Value::Bool(b) => Value::Bool(!b),
        Value::U8(x) => Value::U8(x.wrapping_add(1)),
        Value::U64(x) => Value::U64(x.wrapping_mul(31).wrapping_add(1_000_003)),
        Value::U128(x) => Value::U128(!x),
        Value::Address(a) => {
            let mut b = a.0;
            b[31] ^= 0xff;
            b[0] ^= 1;
            Value::Address(AccountAddress(b))
        }
        Value::Struct(fields) => Value::Struct(fields.iter().map(another).collect()),
        other => other.clone(),
    }
}

/// Whether the list-of-fields struct `v` fits the flat form: only scalars
/// and nested structs, at most four words and 21 shape tokens (a token per
/// scalar, two per nested struct).
fn fits(v: &Value) -> bool {
    fn walk(v: &Value, words: &mut usize, tokens: &mut usize) -> bool {
        match v {
            Value::Bool(_) | Value::U8(_) | Value::U64(_) => *words += 1,
            Value::U128(_) => *words += 2,
            Value::Address(_) => *words += 4,
            Value::Struct(fields) => {
                *tokens += 2;
                return fields.iter().all(|f| walk(f, words, tokens));
            }
            _ => return false,
        }
        *tokens += 1;
        true
    }
    let (mut words, mut tokens) = (0, 0);
    let Value::Struct(fields) = v else { return false };
    fields.iter().all(|f| walk(f, &mut words, &mut tokens)) && words <= 4 && tokens <= 21
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn both_forms_agree(v in structure()) {
        let compact = v.clone().compact();
        prop_assert_eq!(matches!(compact, Value::Flat(_)), fits(&v), "{:?}", v);
        prop_assert_eq!(&compact, &v);
        prop_assert_eq!(&v, &compact);
        prop_assert_eq!(hash_of(&compact), hash_of(&v));
        prop_assert_eq!(format!("{compact:?}"), format!("{v:?}"));
        prop_assert_eq!(compact.canonical_bytes(), v.canonical_bytes());
        prop_assert_eq!(compact.storage_size(), v.canonical_bytes().len() as u64);
        prop_assert_eq!(compact.depth(), v.depth());
        prop_assert_eq!(postcard::to_stdvec(&compact).unwrap(), postcard::to_stdvec(&v).unwrap());
        prop_assert_eq!(compact.struct_fields().unwrap().into_owned(), v.struct_fields().unwrap().into_owned());
        // A struct of one scalar field (a counter's shape) gives that field,
        // and is that field's flat struct.
        if let Value::Struct(fields) = &v {
            if let [field] = &fields[..] {
                prop_assert_eq!(Flat::of_scalar(field), Flat::pack([field]), "{:?}", v);
            }
        }
        if let Value::Flat(flat) = &compact {
            let only = match &v {
                Value::Struct(fields) if fields.len() == 1 && !matches!(fields[0], Value::Struct(_)) => Some(fields[0].clone()),
                _ => None,
            };
            prop_assert_eq!(flat.only_scalar(), only, "{:?}", v);
        }
        // Decoding builds the flat form wherever it fits.
        let decoded = Value::from_canonical_bytes(&v.canonical_bytes()).unwrap();
        prop_assert_eq!(matches!(decoded, Value::Flat(_)), fits(&v));
        prop_assert_eq!(&decoded, &v);
    }

    #[test]
    fn fields_read_and_write_like_indexing(v in structure()) {
        let Value::Flat(flat) = v.clone().compact() else { return Ok(()) };
        let mut all = Vec::new();
        paths(&v, &mut Vec::new(), &mut all);
        for path in all {
            let pos = position(&flat, &path);
            let expected = at(&v, &path);
            prop_assert_eq!(&flat.read(pos), expected, "path {:?}", path);
            if let Value::U64(x) = expected {
                prop_assert_eq!(flat.u64_at(pos), Some(*x));
            } else {
                prop_assert_eq!(flat.u64_at(pos), None);
            }
            // Write a different value of the field's type in both forms.
            let new = another(expected);
            let mut by_index = v.clone();
            *at_mut(&mut by_index, &path) = new.clone();
            let mut written = flat;
            prop_assert!(written.write(pos, &new.clone().compact()));
            prop_assert_eq!(Value::Flat(written), by_index);
        }
        // A field past the end has no position; neither has a scalar's field.
        prop_assert_eq!(flat.field(flat.field_count()), None);
    }

    #[test]
    fn a_write_of_the_wrong_type_is_refused(v in structure()) {
        let Value::Flat(flat) = v.clone().compact() else { return Ok(()) };
        let mut all = Vec::new();
        paths(&v, &mut Vec::new(), &mut all);
        for path in all {
            let pos = position(&flat, &path);
            let wrong = match at(&v, &path) {
                Value::U64(_) => Value::Bool(true),
                _ => Value::U64(7),
            };
            let mut written = flat;
            prop_assert!(!written.write(pos, &wrong));
            prop_assert_eq!(written, flat);
        }
    }
}

#[test]
fn what_fits() {
    let u = |n| Value::U64(n);
    let a = Value::Address(AccountAddress::from_u64(9));
    let fits_flat = |v: Value| matches!(v.compact(), Value::Flat(_));
    assert!(fits_flat(Value::Struct(vec![])));
    assert!(fits_flat(Value::Struct(vec![Value::Struct(vec![u(1)])])), "a coin balance");
    assert!(fits_flat(Value::Struct(vec![u(1), u(2), u(3), u(4)])));
    assert!(!fits_flat(Value::Struct(vec![u(1), u(2), u(3), u(4), u(5)])), "five words");
    assert!(fits_flat(Value::Struct(vec![a.clone()])));
    assert!(!fits_flat(Value::Struct(vec![a, u(1)])), "an address and a word");
    assert!(!fits_flat(Value::Struct(vec![Value::Vector(vec![])])), "a vector");
    assert!(!fits_flat(Value::Struct(vec![Value::Signer(AccountAddress::from_u64(1))])), "a signer");
    // Eleven nested empty structs take 22 tokens.
    let deep = (0..11).fold(Value::Struct(vec![]), |v, _| Value::Struct(vec![v]));
    assert!(!fits_flat(deep));
    let deep = (0..10).fold(Value::Struct(vec![]), |v, _| Value::Struct(vec![v]));
    assert!(fits_flat(deep));
}
