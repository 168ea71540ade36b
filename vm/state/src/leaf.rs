//! The bytes the state commitment hashes: a key's bytes, and the leaf record
//! of a resource (the key's bytes, then the value's canonical encoding,
//! written by [`crate::canonical::encode_into`]).

use smallvec::SmallVec;

use crate::canonical;
use crate::keys::ResourceKey;
use crate::merkle::{self, Hash};
use crate::value::{Value, MAX_FLAT_ENCODED};

/// A leaf record fits here without allocating unless the value is large.
pub(crate) type Record = SmallVec<[u8; 128]>;

/// A key's bytes: the address, then the type id (little-endian).
const KEY_LEN: usize = 40;

/// The address, then the type id (little-endian): [`KEY_LEN`] bytes.
pub(crate) fn key_bytes(key: &ResourceKey) -> [u8; KEY_LEN] {
    let mut out = [0u8; KEY_LEN];
    out[..32].copy_from_slice(&key.address.0);
    out[32..].copy_from_slice(&key.ty.0.to_le_bytes());
    out
}

/// The leading bytes of a key's path that its type decides.
const TYPE_PREFIX: usize = 2;

/// Where `key`'s leaf lives in the tree: the leading 16 bits its type's
/// (the type id's, itself a hash of the type's tag), the other 240 the
/// key's keyed hash. So the keys of one type (a currency's balances, a
/// collection's tokens, a proposal's ballots) share a subtree, and a block
/// that writes many keys of few types, as blocks do, rewrites those
/// subtrees densely: in a state of several types whose blocks each wrote
/// one type's keys (the bench's suite), paths hashed whole scattered a
/// block's writes over the whole tree, a few per bucket, and each bucket
/// was copied and its branches above the writes re-hashed for them
/// (`resin bench --workload suite`: the root of a block of transfers
/// 27.5-29.8 ms on two threads, 15.1-17.7 with the type's prefix). Inside a type the
/// paths are uniform, so no writer can make the tree deep there without
/// breaking blake3; a type whose id shares another's 16 bits shares its
/// subtree, which costs a few branches and changes nothing else.
pub(crate) fn path_of(key: &ResourceKey) -> Hash {
    let mut path = merkle::path_of(&key_bytes(key));
    if let (Some(lead), Some(ty)) = (path.get_mut(..TYPE_PREFIX), key.ty.0.to_be_bytes().get(..TYPE_PREFIX)) {
        lead.copy_from_slice(ty);
    }
    path
}

/// The leaf hash of `key` holding `value`.
pub(crate) fn leaf_of(key: &ResourceKey, value: &Value) -> Hash {
    if let Value::Flat(flat) = value {
        // A balance's record: built in one array, where appending the key
        // and then the value to a growable record checked its room and
        // called `memcpy` twice.
        let mut record = [0u8; KEY_LEN + MAX_FLAT_ENCODED];
        let (key_part, value_part) = record.split_at_mut(KEY_LEN);
        key_part.copy_from_slice(&key_bytes(key));
        let len = KEY_LEN + flat.encode_to(value_part);
        return merkle::leaf_hash(record.get(..len).unwrap_or(&[]));
    }
    let mut record = Record::new();
    record.extend_from_slice(&key_bytes(key));
    canonical::encode_into(value, &mut record);
    merkle::leaf_hash(&record)
}

/// Items of a value whose own lists [`hint_items`] asks for: a struct's
/// fields, not a long vector's elements, which the hint would itself wait
/// to read.
const HINTED_ITEMS: usize = 8;

/// Asks for the memory `value`'s encoding reads past the value itself: its
/// items, and the items of each list among its first [`HINTED_ITEMS`] (a
/// token's URI), one line each; the rest of a list follows in order, which
/// the CPU's own prefetcher sees. A hint only: it reads nothing the
/// encoding would not read.
pub(crate) fn hint_items(value: &Value) {
    if let Value::Vector(items) | Value::Struct(items) = value {
        if let Some(first) = items.first() {
            crate::prefetch::prefetch(first);
        }
        for item in items.iter().take(HINTED_ITEMS) {
            match item {
                Value::Vector(inner) | Value::Struct(inner) => {
                    if let Some(first) = inner.first() {
                        crate::prefetch::prefetch(first);
                    }
                }
                Value::Bytes(bytes) => {
                    if let Some(first) = bytes.first() {
                        crate::prefetch::prefetch(first);
                    }
                }
                _ => {}
            }
        }
    }
}

/// The leaf hash of `key` holding a value given by its canonical bytes.
pub(crate) fn leaf_of_bytes(key: &ResourceKey, value: &[u8]) -> Hash {
    let mut record = Record::new();
    record.extend_from_slice(&key_bytes(key));
    record.extend_from_slice(value);
    merkle::leaf_hash(&record)
}

#[cfg(test)]
mod tests {
    use super::*;
    use resin_format::file_format::AccountAddress;

    #[test]
    fn hand_written_encoding_is_postcards() {
        let leaf = [
            Value::Bool(false),
            Value::Bool(true),
            Value::U8(0),
            Value::U8(255),
            Value::U64(0),
            Value::U64(127),
            Value::U64(128),
            Value::U64(300),
            Value::U64(u64::MAX),
            Value::U128(0),
            Value::U128(1 << 100),
            Value::U128(u128::MAX),
            Value::U16(300),
            Value::U32(u32::MAX),
            Value::U256(resin_format::U256::MAX),
            Value::Address(AccountAddress::from_u64(0xABCD)),
            Value::Signer(AccountAddress::from_u64(7)),
        ];
        let mut values = leaf.to_vec();
        values.push(Value::Vector(Vec::new()));
        values.push(Value::Struct(leaf.to_vec()));
        values.push(Value::Vector(vec![Value::U8(9); 200]));
        values.push(Value::Struct(vec![Value::Struct(vec![Value::U64(5)]), Value::Vector(leaf.to_vec())]));
        for v in values {
            let mut buf = Record::new();
            canonical::encode_into(&v, &mut buf);
            assert_eq!(buf.as_slice(), postcard::to_stdvec(&v).unwrap().as_slice(), "{v:?}");
        }
    }

    #[test]
    fn a_flat_values_leaf_is_its_list_forms() {
        // Flat structs of each scalar, nested, and at the widest (an
        // address, four words), against blake3 over the key's bytes and
        // postcard's bytes of the same struct held as a list of fields.
        let key = ResourceKey { address: AccountAddress::from_u64(0xC0FFEE), ty: crate::keys::TypeId(77) };
        let leaf_key = blake3::derive_key("resin state tree v1: leaf", b"");
        let lists = [
            Value::Struct(vec![Value::Struct(vec![Value::U64(u64::MAX)])]),
            Value::Struct(vec![Value::U64(0), Value::Bool(true), Value::U8(200), Value::U64(300)]),
            Value::Struct(vec![Value::U128(u128::MAX), Value::Struct(vec![Value::U64(1 << 35)])]),
            Value::Struct(vec![Value::Address(AccountAddress::from_u64(0xABCD))]),
        ];
        for list in lists {
            let flat = list.clone().compact();
            assert!(matches!(flat, Value::Flat(_)), "{list:?} is held flat");
            let mut hasher = blake3::Hasher::new_keyed(&leaf_key);
            hasher.update(&key.address.0);
            hasher.update(&77u64.to_le_bytes());
            hasher.update(&postcard::to_stdvec(&list).unwrap());
            assert_eq!(&leaf_of(&key, &flat), hasher.finalize().as_bytes(), "{list:?}");
        }
    }

    #[test]
    fn a_leaf_is_keyed_blake3_over_key_and_postcard_bytes() {
        // The definition the state root is built on; a change here changes
        // every root. Written out with blake3's own API, independently.
        let key = ResourceKey { address: AccountAddress::from_u64(9), ty: crate::keys::TypeId(0x0102_0304_0506_0708) };
        let value = Value::Struct(vec![Value::U64(1 << 40), Value::Vector(vec![Value::U8(3); 70])]);
        let leaf_key = blake3::derive_key("resin state tree v1: leaf", b"");
        let mut hasher = blake3::Hasher::new_keyed(&leaf_key);
        hasher.update(&key.address.0);
        hasher.update(&[8, 7, 6, 5, 4, 3, 2, 1]);
        hasher.update(&postcard::to_stdvec(&value).unwrap());
        assert_eq!(&leaf_of(&key, &value), hasher.finalize().as_bytes());
        assert_eq!(leaf_of(&key, &value), leaf_of_bytes(&key, &postcard::to_stdvec(&value).unwrap()));
        // A path: the type id's two most significant bytes, then the last
        // 30 of the keyed hash of the key.
        let path_key = blake3::derive_key("resin state tree v1: key path", b"");
        let mut hasher = blake3::Hasher::new_keyed(&path_key);
        hasher.update(&key.address.0);
        hasher.update(&[8, 7, 6, 5, 4, 3, 2, 1]);
        let mut path = *hasher.finalize().as_bytes();
        path[..2].copy_from_slice(&[0x01, 0x02]);
        assert_eq!(path_of(&key), path);
    }
}
