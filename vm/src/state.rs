//! Committed resource state: a persistent map per shard, so a snapshot is an
//! O(1) clone and a block's writes can be merged shard by shard in parallel.
//!
//! The interpreter never writes here directly: a transaction reads through a
//! [`StateView`] and returns a [`WriteSet`]; executors apply write sets
//! between blocks (or per lane buffer) and the store stays off the per-access
//! hot path.

use std::hash::{BuildHasher, Hash, Hasher};
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

type ShardMap = imbl::GenericHashMap<ResourceKey, Arc<Value>, FxBuildHasher, imbl::shared_ptr::DefaultSharedPtr>;

/// One shard: a persistent map and its cached root.
#[derive(Clone, Default)]
pub struct Shard {
    map: ShardMap,
    root: Option<[u8; 32]>,
}

impl Shard {
    pub fn get(&self, key: &ResourceKey) -> Option<&Value> {
        self.map.get(key).map(|v| &**v)
    }

    pub fn get_shared(&self, key: &ResourceKey) -> Option<Arc<Value>> {
        self.map.get(key).cloned()
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Applies one write; the caller guarantees the key belongs to this shard.
    pub fn apply(&mut self, op: &WriteOp) {
        self.root = None;
        match &op.value {
            Some(v) => {
                self.map.insert(op.key, Arc::new(v.clone()));
            }
            None => {
                self.map.remove(&op.key);
            }
        }
    }

    /// Like [`Shard::apply`] but takes the value, avoiding a clone.
    pub fn apply_owned(&mut self, key: ResourceKey, value: Option<Value>) {
        self.apply_shared(key, value.map(Arc::new));
    }

    /// Like [`Shard::apply`] for a value already behind a shared pointer.
    pub fn apply_shared(&mut self, key: ResourceKey, value: Option<Arc<Value>>) {
        self.root = None;
        match value {
            Some(v) => {
                self.map.insert(key, v);
            }
            None => {
                self.map.remove(&key);
            }
        }
    }

    /// blake3 over the shard's entries in key order: each entry is the key
    /// (address, then type id little-endian) and the value's canonical bytes
    /// with their length. Cached until the next write.
    pub fn root(&mut self) -> [u8; 32] {
        if let Some(root) = self.root {
            return root;
        }
        let root = self.compute_root();
        self.root = Some(root);
        root
    }

    fn compute_root(&self) -> [u8; 32] {
        let mut entries: Vec<(&ResourceKey, &Arc<Value>)> = self.map.iter().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let mut hasher = blake3::Hasher::new();
        let mut buf = Vec::with_capacity(128);
        for (key, value) in entries {
            buf.clear();
            buf.extend_from_slice(&key.address.0);
            buf.extend_from_slice(&key.ty.0.to_le_bytes());
            let bytes = value.canonical_bytes();
            buf.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
            buf.extend_from_slice(&bytes);
            hasher.update(&buf);
        }
        *hasher.finalize().as_bytes()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&ResourceKey, &Value)> {
        self.map.iter().map(|(k, v)| (k, &**v))
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
    let mut hasher = FxBuildHasher.build_hasher();
    key.hash(&mut hasher);
    // Fx mixes poorly into the low bits; take the high ones.
    (hasher.finish() >> 60) as usize % SHARDS
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

    /// blake3 over the shard roots in shard order.
    pub fn root(&mut self) -> [u8; 32] {
        let mut hasher = blake3::Hasher::new();
        for shard in &mut self.shards {
            hasher.update(&shard.root());
        }
        *hasher.finalize().as_bytes()
    }

    /// Every resource in key order: the canonical listing for dumps and state files.
    pub fn sorted_entries(&self) -> Vec<(ResourceKey, &Value)> {
        let mut all: Vec<(ResourceKey, &Value)> =
            self.shards.iter().flat_map(|s| s.iter().map(|(k, v)| (*k, v))).collect();
        all.sort_unstable_by(|a, b| a.0.cmp(&b.0));
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
