//! Committed resource state: a persistent map per shard, so a snapshot is an
//! O(1) clone and a block's writes can be merged shard by shard in parallel.
//!
//! The interpreter never writes here directly: a transaction reads through a
//! [`StateView`] and returns a [`WriteSet`]; executors apply write sets
//! between blocks (or per lane buffer) and the store stays off the per-access
//! hot path.

use std::hash::BuildHasher;
use std::sync::Arc;

use rustc_hash::FxBuildHasher;
use smallvec::SmallVec;

use crate::keys::ResourceKey;
use crate::value::Value;
use crate::write_set::{WriteOp, WriteSet};

/// Read access to resources, as a transaction sees them.
///
/// Values come back as shared pointers rather than borrows so that views can
/// be backed by locked or concurrent overlays (the parallel executor's), and
/// so the interpreter can keep a value without copying it until it mutates it
/// (`Arc::make_mut`).
pub trait StateView {
    fn resource(&self, key: &ResourceKey) -> Option<Arc<Value>>;
}

/// Number of shards: a power of two comfortably above the core counts we run on.
pub const SHARDS: usize = 16;

/// An entry's contribution to its shard's root: 256 bits of blake3 over the
/// key and the value's canonical bytes, read as four words.
type Digest = [u64; 4];

type ShardMap =
    imbl::GenericHashMap<ResourceKey, (Arc<Value>, Digest), FxBuildHasher, imbl::shared_ptr::DefaultSharedPtr>;

/// One shard: a persistent map and the running sum of its entries' digests.
///
/// The root is a homomorphic multiset hash (the idea of LtHash, here with
/// 4 x 64-bit lanes added with wrap-around): writing a key subtracts the old
/// entry's digest and adds the new one, so a block costs one hash per key it
/// writes instead of re-hashing the whole state. The digest is kept beside
/// each value, so an overwrite never re-hashes the old value.
#[derive(Clone, Default)]
pub struct Shard {
    map: ShardMap,
    sum: Digest,
}

fn entry_digest(key: &ResourceKey, value: &Value) -> Digest {
    // One contiguous buffer and one-shot hashing: blake3 over the
    // concatenation equals the streamed hash, and a resource is usually far
    // smaller than the buffer, so nothing is allocated.
    let mut buf: SmallVec<[u8; 128]> = SmallVec::new();
    buf.extend_from_slice(&key.address.0);
    buf.extend_from_slice(&key.ty.0.to_le_bytes());
    encode_canonical(value, &mut buf);
    let bytes = blake3::hash(&buf);
    let mut words = [0u64; 4];
    for (word, chunk) in words.iter_mut().zip(bytes.as_bytes().chunks_exact(8)) {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(chunk);
        *word = u64::from_le_bytes(eight);
    }
    words
}

/// A postcard varint (LEB128, least significant group first).
#[inline]
fn put_varint(mut v: u128, out: &mut SmallVec<[u8; 128]>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// [`Value::canonical_bytes`] without serde: the same bytes postcard writes
/// (a varint variant tag, then the payload; addresses as 32 raw bytes,
/// sequences as a varint length and the items). Pinned against postcard by
/// a test below; the state root depends on every byte.
fn encode_canonical(value: &Value, out: &mut SmallVec<[u8; 128]>) {
    match value {
        Value::Bool(b) => out.extend_from_slice(&[0, u8::from(*b)]),
        Value::U8(v) => out.extend_from_slice(&[1, *v]),
        Value::U64(v) => {
            out.push(2);
            put_varint(u128::from(*v), out);
        }
        Value::U128(v) => {
            out.push(3);
            put_varint(*v, out);
        }
        Value::Address(a) => {
            out.push(4);
            out.extend_from_slice(&a.0);
        }
        Value::Signer(a) => {
            out.push(5);
            out.extend_from_slice(&a.0);
        }
        Value::Vector(items) | Value::Struct(items) => {
            out.push(if matches!(value, Value::Vector(_)) { 6 } else { 7 });
            put_varint(items.len() as u128, out);
            for item in items {
                encode_canonical(item, out);
            }
        }
    }
}

fn add(sum: &mut Digest, d: &Digest) {
    for (s, x) in sum.iter_mut().zip(d) {
        *s = s.wrapping_add(*x);
    }
}

fn sub(sum: &mut Digest, d: &Digest) {
    for (s, x) in sum.iter_mut().zip(d) {
        *s = s.wrapping_sub(*x);
    }
}

impl Shard {
    pub fn get(&self, key: &ResourceKey) -> Option<&Value> {
        self.map.get(key).map(|(v, _)| &**v)
    }

    pub fn get_shared(&self, key: &ResourceKey) -> Option<Arc<Value>> {
        self.map.get(key).map(|(v, _)| Arc::clone(v))
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Applies one write; the caller guarantees the key belongs to this shard.
    pub fn apply(&mut self, op: &WriteOp) {
        self.apply_shared(op.key, op.value.as_ref().map(|v| Arc::new(v.clone())));
    }

    /// Like [`Shard::apply`] but takes the value, avoiding a clone.
    pub fn apply_owned(&mut self, key: ResourceKey, value: Option<Value>) {
        self.apply_shared(key, value.map(Arc::new));
    }

    /// Like [`Shard::apply`] for a value already behind a shared pointer.
    pub fn apply_shared(&mut self, key: ResourceKey, value: Option<Arc<Value>>) {
        let old = match value {
            Some(v) => {
                let digest = entry_digest(&key, &v);
                add(&mut self.sum, &digest);
                self.map.insert(key, (v, digest))
            }
            None => self.map.remove(&key),
        };
        if let Some((_, digest)) = old {
            sub(&mut self.sum, &digest);
        }
    }

    /// blake3 over the entry count and the digest sum: equal for equal
    /// contents, whatever order the writes came in.
    pub fn root(&self) -> [u8; 32] {
        let mut hasher = blake3::Hasher::new();
        hasher.update(&(self.map.len() as u64).to_le_bytes());
        for word in self.sum {
            hasher.update(&word.to_le_bytes());
        }
        *hasher.finalize().as_bytes()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&ResourceKey, &Value)> {
        self.map.iter().map(|(k, (v, _))| (k, &**v))
    }
}

/// All resources. Cloning is O(shards): every shard is a persistent map.
#[derive(Clone, Default)]
pub struct ResourceStore {
    shards: [Shard; SHARDS],
}

/// The shard a key lives in. Fixed for all time: the state root is defined
/// over shards, so changing this changes every root.
pub fn shard_of(key: &ResourceKey) -> usize {
    // Fx mixes poorly into the low bits; take the high ones.
    (FxBuildHasher.hash_one(key) >> 60) as usize % SHARDS
}

/// A sort key that orders a shard's keys by the path they take down its
/// persistent map (a hash trie that branches on the low hash bits first, so
/// the bit-reversed hash sorts keys by path). Writing a batch in this order
/// makes consecutive inserts share the nodes they copy and the cache lines
/// they touch instead of each walking a cold path; the resulting store and
/// root are the same in any order.
pub fn trie_order(key: &ResourceKey) -> u32 {
    // imbl hashes with the map's hasher and keeps the low 32 bits.
    (FxBuildHasher.hash_one(key) as u32).reverse_bits()
}

impl ResourceStore {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn get(&self, key: &ResourceKey) -> Option<&Value> {
        self.shards[shard_of(key)].get(key)
    }

    pub fn len(&self) -> usize {
        self.shards.iter().map(Shard::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.shards.iter().all(Shard::is_empty)
    }

    pub fn apply(&mut self, write_set: &WriteSet) {
        for op in &write_set.0 {
            self.shards[shard_of(&op.key)].apply(op);
        }
    }

    pub fn apply_owned(&mut self, key: ResourceKey, value: Option<Value>) {
        self.shards[shard_of(&key)].apply_owned(key, value);
    }

    pub fn apply_shared(&mut self, key: ResourceKey, value: Option<Arc<Value>>) {
        self.shards[shard_of(&key)].apply_shared(key, value);
    }

    /// The shards, for executors that merge a block's writes in parallel.
    pub fn shards_mut(&mut self) -> &mut [Shard; SHARDS] {
        &mut self.shards
    }

    /// blake3 over the shard roots in shard order. O(shards): the shards
    /// keep their digest sums up to date as they are written.
    pub fn root(&self) -> [u8; 32] {
        let mut hasher = blake3::Hasher::new();
        for shard in &self.shards {
            hasher.update(&shard.root());
        }
        *hasher.finalize().as_bytes()
    }

    /// Every resource in key order: the canonical listing for dumps and state files.
    pub fn sorted_entries(&self) -> Vec<(ResourceKey, &Value)> {
        let mut all: Vec<(ResourceKey, &Value)> =
            self.shards.iter().flat_map(|s| s.iter().map(|(k, v)| (*k, v))).collect();
        all.sort_unstable_by_key(|entry| entry.0);
        all
    }
}

impl StateView for ResourceStore {
    fn resource(&self, key: &ResourceKey) -> Option<Arc<Value>> {
        self.shards[shard_of(key)].get_shared(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::TypeId;
    use resin_format::file_format::AccountAddress;

    fn key(n: u64) -> ResourceKey {
        ResourceKey { address: AccountAddress::from_u64(n), ty: TypeId(42) }
    }

    #[test]
    fn root_does_not_depend_on_write_order() {
        let mut a = ResourceStore::new();
        let mut b = ResourceStore::new();
        for n in 0..200 {
            a.apply_owned(key(n), Some(Value::U64(n)));
        }
        for n in (0..200).rev() {
            b.apply_owned(key(n), Some(Value::U64(n)));
        }
        assert_eq!(a.root(), b.root());
        b.apply_owned(key(3), Some(Value::U64(4)));
        assert_ne!(a.root(), b.root());
        b.apply_owned(key(3), Some(Value::U64(3)));
        assert_eq!(a.root(), b.root());
    }

    #[test]
    fn root_tracks_deletes_and_equals_a_fresh_build() {
        let mut churned = ResourceStore::new();
        for n in 0..100 {
            churned.apply_owned(key(n), Some(Value::U64(n * 7)));
        }
        for n in (0..100).step_by(3) {
            churned.apply_owned(key(n), None);
        }
        let mut fresh = ResourceStore::new();
        for n in (0..100).filter(|n| n % 3 != 0) {
            fresh.apply_owned(key(n), Some(Value::U64(n * 7)));
        }
        assert_eq!(churned.root(), fresh.root());
        assert_ne!(churned.root(), ResourceStore::new().root());
        fresh.apply_owned(key(0), None);
        assert_eq!(churned.root(), fresh.root(), "deleting an absent key changes nothing");
    }

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
            Value::Address(AccountAddress::from_u64(0xABCD)),
            Value::Signer(AccountAddress::from_u64(7)),
        ];
        let mut values = leaf.to_vec();
        values.push(Value::Vector(Vec::new()));
        values.push(Value::Struct(leaf.to_vec()));
        values.push(Value::Vector(vec![Value::U8(9); 200]));
        values.push(Value::Struct(vec![Value::Struct(vec![Value::U64(5)]), Value::Vector(leaf.to_vec())]));
        for v in values {
            let mut buf = SmallVec::new();
            encode_canonical(&v, &mut buf);
            assert_eq!(buf.as_slice(), v.canonical_bytes().as_slice(), "{v:?}");
        }
    }

    #[test]
    fn digest_is_blake3_over_key_and_postcard_bytes() {
        // The definition the state root was first built on; a change here
        // changes every root.
        let streamed = |key: &ResourceKey, value: &Value| {
            let mut hasher = blake3::Hasher::new();
            hasher.update(&key.address.0);
            hasher.update(&key.ty.0.to_le_bytes());
            hasher.update(&postcard::to_stdvec(value).unwrap());
            *hasher.finalize().as_bytes()
        };
        let values = [
            Value::Struct(vec![Value::U64(1 << 40)]),
            Value::Vector(vec![Value::Address(AccountAddress::from_u64(3)); 20]),
        ];
        for v in values {
            let digest = entry_digest(&key(9), &v);
            let bytes: Vec<u8> = digest.iter().flat_map(|w| w.to_le_bytes()).collect();
            assert_eq!(bytes.as_slice(), streamed(&key(9), &v).as_slice(), "{v:?}");
        }
    }

    #[test]
    fn snapshot_is_unaffected_by_later_writes() {
        let mut store = ResourceStore::new();
        store.apply_owned(key(1), Some(Value::U64(10)));
        let snapshot = store.clone();
        store.apply_owned(key(1), None);
        assert_eq!(snapshot.get(&key(1)), Some(&Value::U64(10)));
        assert_eq!(store.get(&key(1)), None);
        assert!(store.is_empty());
        assert_eq!(snapshot.len(), 1);
    }
}
