//! The canonical encoding: the same bytes as postcard, read back without
//! recursion, with deep or malformed input refused; and every walk over the
//! deepest value the limits allow fits a small thread stack.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use proptest::prelude::*;
use resin_format::encoding::limits::MAX_VALUE_DEPTH;
use resin_format::file_format::{AccountAddress, U256};
use resin_state::canonical::{decode, encode};
use resin_state::keys::{ResourceKey, TypeId};
use resin_state::store::ResourceStore;
use resin_state::Value;

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any::<bool>().prop_map(Value::Bool),
        any::<u8>().prop_map(Value::U8),
        any::<u64>().prop_map(Value::U64),
        any::<u128>().prop_map(Value::U128),
        any::<u16>().prop_map(Value::U16),
        any::<u32>().prop_map(Value::U32),
        any::<[u8; 32]>().prop_map(|b| Value::U256(U256::from_le_bytes(b))),
        any::<[u8; 32]>().prop_map(|a| Value::Address(AccountAddress(a))),
        any::<[u8; 32]>().prop_map(|a| Value::Signer(AccountAddress(a))),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Vector),
            prop::collection::vec(inner, 0..8).prop_map(Value::Struct),
        ]
    })
}

/// Long lists, mostly bytes: runs of `u8` elements past the encoder's
/// buffer of 32, broken here and there by other values, nested or not.
fn byte_runs() -> impl Strategy<Value = Value> {
    let item = prop_oneof![
        8 => any::<u8>().prop_map(Value::U8),
        1 => value(),
    ];
    let list = prop::collection::vec(item, 0..150);
    prop_oneof![
        list.clone().prop_map(Value::Vector),
        list.clone().prop_map(Value::Struct),
        list.prop_map(|items| Value::Struct(vec![Value::U64(3), Value::Vector(items), Value::U8(9)])),
    ]
}

proptest! {
    #[test]
    fn byte_runs_encode_as_postcard_does(v in byte_runs()) {
        let bytes = encode(&v);
        prop_assert_eq!(&bytes, &postcard::to_stdvec(&v).unwrap());
        prop_assert_eq!(decode(&bytes), Ok(v));
    }

    #[test]
    fn encoding_is_postcards_and_decodes_back(v in value()) {
        let bytes = encode(&v);
        prop_assert_eq!(&bytes, &postcard::to_stdvec(&v).unwrap());
        prop_assert_eq!(decode(&bytes), Ok(v));
    }

    #[test]
    fn any_bytes_decode_or_fail_cleanly(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        if let Ok(v) = decode(&bytes) {
            prop_assert_eq!(encode(&v), bytes);
        }
    }
}

/// A struct holding a struct ... `depth` levels, a `u64` innermost.
fn nested(depth: usize) -> Value {
    (1..depth).fold(Value::U64(7), |inner, _| Value::Struct(vec![inner]))
}

#[test]
fn values_deeper_than_the_limit_are_refused() {
    let deepest = nested(MAX_VALUE_DEPTH);
    assert_eq!(deepest.depth(), MAX_VALUE_DEPTH);
    assert_eq!(decode(&encode(&deepest)), Ok(deepest));
    let err = decode(&encode(&nested(MAX_VALUE_DEPTH + 1))).unwrap_err();
    assert_eq!(err.to_string(), format!("a value nested deeper than {MAX_VALUE_DEPTH} (at byte 126)"));
    // A million levels of `struct { .. }` in a few megabytes of a state file:
    // refused at the limit, without recursing per level.
    let hostile: Vec<u8> = [7u8, 1].repeat(1_000_000);
    assert!(decode(&hostile).unwrap_err().reason.contains("nested deeper"));
}

#[test]
fn malformed_bytes_say_what_and_where() {
    let reason = |bytes: &[u8]| decode(bytes).map_err(|e| e.to_string()).unwrap_err();
    assert_eq!(reason(&[]), "the value is cut off (at byte 0)");
    assert_eq!(reason(&[11]), "unknown value tag 0x0b (at byte 0)");
    assert_eq!(reason(&[0, 2]), "a boolean byte 0x02, neither 0 nor 1 (at byte 1)");
    assert_eq!(reason(&[1, 5, 0]), "1 bytes after the end of the value (at byte 2)");
    assert_eq!(reason(&[4, 1, 2]), "an address is cut off (at byte 1)");
    let too_big = [2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f];
    assert_eq!(reason(&too_big), "a number does not fit in 64 bits (at byte 1)");
    assert_eq!(reason(&[2, 0x80, 0x00]), "a number written with more bytes than it needs (at byte 1)");
    // A vector that claims 2^60 items reserves nothing for them.
    let huge = [6, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10];
    assert_eq!(reason(&huge), "the value is cut off (at byte 10)");
}

#[test]
fn every_walk_over_the_deepest_value_fits_a_small_stack() {
    // Rayon's lane threads get 2 MiB; every walk runs here in an eighth of that.
    let walks = || {
        let deepest = Value::Vector(vec![nested(MAX_VALUE_DEPTH - 1), nested(MAX_VALUE_DEPTH - 1)]);
        let copy = deepest.clone();
        assert_eq!(copy, deepest);
        let hash = |v: &Value| {
            let mut hasher = DefaultHasher::new();
            v.hash(&mut hasher);
            hasher.finish()
        };
        assert_eq!(hash(&copy), hash(&deepest));
        assert!(!format!("{deepest:?}").is_empty());
        let bytes = encode(&deepest);
        assert_eq!(postcard::to_stdvec(&deepest).unwrap(), bytes);
        assert_eq!(postcard::from_bytes::<Value>(&bytes).unwrap(), deepest);
        assert_eq!(decode(&bytes).unwrap(), deepest);
        assert_eq!(deepest.storage_size(), bytes.len() as u64);
        let mut store = ResourceStore::new();
        let key = ResourceKey { address: AccountAddress::from_u64(1), ty: TypeId(1) };
        store.apply_owned(key, Some(copy));
        assert_ne!(store.root(), ResourceStore::new().root());
        drop(store);
        drop(deepest);
    };
    std::thread::Builder::new().stack_size(256 * 1024).spawn(walks).unwrap().join().unwrap();
}

/// The integers added after the others have tags after every earlier one
/// (older values keep their bytes): u16 and u32 as varints in their
/// shortest form, u256 as 32 bytes little-endian. Written out by hand.
#[test]
fn the_wider_integers_encode_with_new_tags() {
    assert_eq!(encode(&Value::U16(0)), [8, 0]);
    assert_eq!(encode(&Value::U16(u16::MAX)), [8, 0xff, 0xff, 0x03]);
    assert_eq!(encode(&Value::U32(300)), [9, 0xac, 0x02]);
    assert_eq!(encode(&Value::U32(u32::MAX)), [9, 0xff, 0xff, 0xff, 0xff, 0x0f]);
    let mut wide = vec![10, 0x02, 0x01];
    wide.extend([0; 30]);
    assert_eq!(encode(&Value::U256(U256::from(0x0102u16))), wide);
    assert_eq!(decode(&wide), Ok(Value::U256(U256::from(258u16))));
    let mut max = vec![10];
    max.extend([0xff; 32]);
    assert_eq!(decode(&max), Ok(Value::U256(U256::MAX)));
    // Out of range for the width, padded, or cut off.
    assert!(decode(&[8, 0x80, 0x80, 0x04]).is_err(), "65536 is not a u16");
    assert!(decode(&[9, 0x80, 0x80, 0x80, 0x80, 0x10]).is_err(), "2^32 is not a u32");
    assert!(decode(&[8, 0x80, 0x00]).is_err(), "a padded varint");
    assert_eq!(decode(&max[..32]).unwrap_err().to_string(), "a u256 is cut off (at byte 1)");
    // Old tags read exactly as before.
    assert_eq!(decode(&[2, 0xac, 0x02]), Ok(Value::U64(300)));
    // A struct holding one is a list of fields, never flat, and still
    // encodes as a struct.
    let s = Value::structure(vec![Value::U16(1), Value::U64(2)]);
    assert!(matches!(s, Value::Struct(_)));
    assert_eq!(encode(&s), [7, 2, 8, 1, 2, 2]);
}
