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

use crate::access::ResourceKey;
use crate::transaction::{WriteOp, WriteSet};
use crate::value::Value;

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
    let mut hasher = blake3::Hasher::new();
    hasher.update(&key.address.0);
    hasher.update(&key.ty.0.to_le_bytes());
    // Writing into the hasher cannot fail; postcard streams the canonical bytes.
    let _ = postcard::to_io(value, &mut hasher);
    let bytes = hasher.finalize();
    let mut words = [0u64; 4];
    for (word, chunk) in words.iter_mut().zip(bytes.as_bytes().chunks_exact(8)) {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(chunk);
        *word = u64::from_le_bytes(eight);
    }
    words
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
    use crate::access::TypeId;
    use crate::file_format::AccountAddress;

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
