//! Committed resource state: a persistent hash table per type in each
//! shard ([`crate::typed`], [`crate::table`]), so a snapshot is an O(1)
//! clone and a block's writes can be merged shard by shard in parallel,
//! and the Merkle tree ([`crate::merkle`]) whose root is the state root.
//!
//! The interpreter never writes here directly: a transaction reads through a
//! [`StateView`] and returns a [`WriteSet`]; executors apply a block's writes
//! as one batch ([`ResourceStore::apply_sharded`]), which updates the maps
//! and then the tree, so the store and its root always agree.

use std::hash::BuildHasher;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use rustc_hash::FxBuildHasher;

use crate::keys::ResourceKey;
use crate::leaf;
use crate::merkle::{Hash, LeafUpdate, MerkleTree};
use crate::pieces::Pieces;
use crate::shared::Shared;
use crate::table::Table;
use crate::typed::TypedTables;
use crate::value::Value;
use crate::write_set::{Change, WriteSet};

/// Read access to resources, as a transaction sees them.
///
/// Values come back [`Shared`] rather than borrowed so that views can be
/// backed by locked or concurrent overlays (the parallel executor's), and so
/// the interpreter can keep a value without copying a large one until it
/// mutates it.
pub trait StateView {
    fn resource(&self, key: &ResourceKey) -> Option<Shared>;
}

/// Number of shards: a power of two comfortably above the core counts we run on.
pub const SHARDS: usize = 16;

/// A resource and where its leaf lives in the tree: the path is hashed once,
/// when the key is first written, and reused by every later write.
#[derive(Clone)]
pub(crate) struct Entry {
    value: Shared,
    path: Hash,
}

/// One shard of the resources: a persistent hash table per type
/// ([`TypedTables`]). Shards are written only through [`ResourceStore`],
/// which keeps the tree in step.
#[derive(Clone, Default)]
pub struct Shard {
    map: TypedTables<Entry>,
}

/// A write that reached a shard, on its way to the tree.
struct Pending {
    path: Hash,
    key: ResourceKey,
    value: Option<Shared>,
}

impl Shard {
    pub fn get(&self, key: &ResourceKey) -> Option<&Value> {
        self.map.get(bucket_order(key), key).map(|e| &*e.value)
    }

    pub fn get_shared(&self, key: &ResourceKey) -> Option<Shared> {
        self.map.get(bucket_order(key), key).map(|e| e.value.clone())
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&ResourceKey, &Value)> {
        self.map.iter().map(|(k, e)| (k, &*e.value))
    }

    /// Writes one key (the caller guarantees it belongs to this shard); the
    /// tree's update, if anything changed.
    fn write(&mut self, order: u32, key: ResourceKey, value: Option<Shared>) -> Option<Pending> {
        match value {
            Some(value) => {
                let path = match self.map.get_mut(order, &key) {
                    Some(entry) => {
                        entry.value = value.clone();
                        entry.path
                    }
                    None => {
                        let path = leaf::path_of(&key);
                        self.map.insert(order, key, Entry { value: value.clone(), path });
                        path
                    }
                };
                Some(Pending { path, key, value: Some(value) })
            }
            None => self.map.remove(order, &key).map(|entry| Pending { path: entry.path, key, value: None }),
        }
    }

    /// Writes a batch in [`bucket_order`] (later writes of a key win).
    fn write_all(&mut self, writes: Vec<Write>) -> Vec<Pending> {
        // Sized up front: growing a vector of a block's writes copies it
        // again at every doubling.
        let mut pending = Vec::with_capacity(writes.len());
        // (Asking for each write's bucket ahead, as lookups do, measured no
        // faster in `commit_timing`; likely because a table's buckets lie
        // in memory in the order the last batch wrote them, this order.)
        let (writes, orders) = in_bucket_order(writes);
        pending
            .extend(writes.into_iter().zip(orders).filter_map(|((key, value), order)| self.write(order, key, value)));
        self.map.fit();
        pending
    }
}

/// The most leading bits of [`bucket_order`] that [`in_bucket_order`] counts on.
const ORDER_BITS: u32 = 16;

/// Batches up to this long are put in bucket order by an insertion sort,
/// in place.
const SORTED_IN_PLACE: usize = 16;

/// `writes` ordered by the leading bits of their [`bucket_order`], about
/// one write per distinct prefix, writes of one key in the order given;
/// and each write's order, for the table.
///
/// A counting sort: one hash per write, two passes over the prefixes, and
/// the writes permuted in place. The order only has to bring writes to
/// one chunk of a table together, which the prefix does (a shard holds
/// far fewer than 2^16 chunks); a comparison sort on the whole order
/// (`sort_by_cached_key`) cost ~185 instructions a write more (callgrind
/// over `commit_timing --flat`, on the hash trie the table replaced).
fn in_bucket_order(mut writes: Vec<Write>) -> (Vec<Write>, Vec<u32>) {
    let bits = (usize::BITS - writes.len().leading_zeros()).clamp(1, ORDER_BITS);
    let mut orders: Vec<u32> = writes.iter().map(|(key, _)| bucket_order(key)).collect();
    let prefix = |order: u32| order >> (32 - bits);
    if writes.len() <= SORTED_IN_PLACE {
        // A transaction's own commit (a script's, the REPL's) writes a
        // shard a key or two, or none: the counting sort's three tables
        // would be most of its allocations. The same order, by a stable
        // insertion sort in place.
        for i in 1..writes.len() {
            let mut j = i;
            while j > 0 && prefix(orders[j - 1]) > prefix(orders[j]) {
                orders.swap(j - 1, j);
                writes.swap(j - 1, j);
                j -= 1;
            }
        }
        return (writes, orders);
    }
    // Where each prefix's writes begin; then, taken in turn, where the next
    // write of that prefix goes.
    let mut next = vec![0u32; (1usize << bits) + 1];
    for &order in &orders {
        if let Some(count) = next.get_mut(prefix(order) as usize + 1) {
            *count += 1;
        }
    }
    for i in 1..next.len() {
        next[i] += next[i - 1];
    }
    let mut permutation = vec![0u32; writes.len()];
    for (i, &order) in (0u32..).zip(&orders) {
        if let Some(at) = next.get_mut(prefix(order) as usize) {
            if let Some(place) = permutation.get_mut(*at as usize) {
                *place = i;
            }
            *at += 1;
        }
    }
    // The writes (and their orders) moved into that order in place,
    // following each cycle of the permutation (as the standard library's
    // `sort_by_cached_key` does): no second vector of a block's writes to
    // fill.
    for i in 0..permutation.len() {
        let mut from = permutation[i] as usize;
        // A place before `i` was swapped away: follow where it went.
        while from < i {
            from = permutation[from] as usize;
        }
        permutation[i] = from as u32;
        writes.swap(i, from);
        orders.swap(i, from);
    }
    (writes, orders)
}

/// One write of a batch: `None` deletes.
pub type Write = (ResourceKey, Option<Shared>);

/// How far ahead of the leaf being hashed its value is asked for: the
/// value itself [`VALUE_AHEAD`] writes ahead, what it points to
/// [`ITEMS_AHEAD`] ahead, by when the value has arrived and its pointers
/// can be read without waiting. A block's values were built by its
/// transactions long before the commit and lie scattered; an NFT's leaf
/// reads its token, the token's fields and its URI's bytes, three
/// dependent loads, and each waited for memory in turn (the leaves of a
/// 100,000-transaction `nft` block took 68-72 ms on one thread, 55-64 ms
/// with the hints).
const VALUE_AHEAD: usize = 4;
const ITEMS_AHEAD: usize = 2;

/// The leaf updates of one shard's writes, in order; each value is freed
/// once its leaf is hashed. (A shard's first few leaves go unhinted: a
/// shard holds thousands.)
fn leaves(mut writes: Vec<Pending>) -> impl Iterator<Item = LeafUpdate> {
    fn hint(writes: &[Pending], i: usize, how: impl Fn(&Value)) {
        if let Some(value) = writes.get(i).and_then(|p| p.value.as_deref()) {
            how(value);
        }
    }
    (0..writes.len()).filter_map(move |i| {
        hint(&writes, i + VALUE_AHEAD, crate::prefetch::prefetch::<Value>);
        hint(&writes, i + ITEMS_AHEAD, leaf::hint_items);
        let p = writes.get_mut(i)?;
        Some(LeafUpdate { path: p.path, leaf: p.value.take().map(|v| leaf::leaf_of(&p.key, &v)) })
    })
}

/// How far ahead of a lookup [`ResourceStore::resources_into`] asks for
/// its bucket's pointer, and for the bucket: by then the pointer has
/// arrived.
const POINTER_AHEAD: usize = 16;
const BUCKET_AHEAD: usize = 8;

/// What applying a batch cost.
#[derive(Clone, Copy, Debug, Default)]
pub struct CommitStats {
    /// Writes given (a batch names each key once).
    pub keys_written: usize,
    /// Writing the shards' maps.
    pub maps: Duration,
    /// Hashing the changed leaves and updating the tree: the state root's cost.
    pub root: Duration,
}

/// Batches below this size are applied on the calling thread: forking
/// costs more, and a lone write must not start a thread pool.
const PARALLEL_FROM: usize = 256;

/// All resources and their tree. Cloning is O(shards): every shard is a
/// persistent table and the tree shares its nodes.
#[derive(Clone, Default)]
pub struct ResourceStore {
    shards: [Shard; SHARDS],
    tree: MerkleTree,
}

/// The shard a key lives in: how writes are split for merging in parallel
/// (and how the scheduler groups keys). The state root does not depend on it.
pub fn shard_of(key: &ResourceKey) -> usize {
    // Fx mixes poorly into the low bits; take the high ones.
    (FxBuildHasher.hash_one(key) >> 60) as usize % SHARDS
}

/// Where a key sorts in its shard's table: the leading bits pick its
/// bucket ([`crate::table`]). Writing a batch in this order walks the table
/// front to back, consecutive writes sharing the chunk they copy and the
/// cache lines they touch instead of each landing somewhere cold; the
/// resulting store and root are the same in any order.
///
/// A hash seeded at random once per process: whoever chooses addresses
/// (an account, the index of a keyed entry) cannot grind keys that share a
/// bucket, which would make every later write to it copy them all. Only
/// the table's layout depends on the seed, never a result.
pub fn bucket_order(key: &ResourceKey) -> u32 {
    static SEEDED: LazyLock<foldhash::fast::RandomState> = LazyLock::new(Default::default);
    // foldhash's high bits are its best mixed.
    (SEEDED.hash_one(key) >> 32) as u32
}

impl ResourceStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// A store holding `entries` (a key given twice keeps its last value),
    /// built in parallel on the current rayon pool: what opening a state
    /// file does, since the file holds resources and not the tree.
    pub fn from_entries(entries: Vec<(ResourceKey, Value)>) -> ResourceStore {
        let mut store = ResourceStore::new();
        store.apply_batch(entries.into_iter().map(|(key, value)| (key, Some(Shared::new(value)))).collect());
        store
    }

    pub fn get(&self, key: &ResourceKey) -> Option<&Value> {
        self.shards[shard_of(key)].get(key)
    }

    /// The store taken apart, to be freed a piece at a time or spread over
    /// a rayon pool ([`Pieces`]). A state superseded by a block owns every
    /// node the block copied (most of a densely written store), so freeing
    /// it is real work: ~5 ms of one core after a 100k-transfer block.
    pub fn into_pieces(self) -> Pieces {
        let ResourceStore { shards, tree } = self;
        let mut chunks = Vec::new();
        for shard in shards {
            shard.map.into_chunks(&mut chunks);
        }
        Pieces::new(chunks, tree)
    }

    pub fn len(&self) -> usize {
        self.shards.iter().map(Shard::len).sum()
    }

    /// The values of `keys`, in order, into `out` (as long as `keys`; any
    /// rest is left alone). Each lookup's memory is asked for a few keys
    /// ahead, its bucket's pointer first and then the bucket, so that the
    /// waits for scattered buckets overlap: what building a block's
    /// overlay does with every key the block names.
    pub fn resources_into(&self, keys: &[ResourceKey], out: &mut [Option<Shared>]) {
        // Each key's table (its shard's, of its type) found once, for the
        // two hints and the lookup.
        let places: Vec<(Option<&Table<Entry>>, u32)> = keys
            .iter()
            .map(|key| (self.shards.get(shard_of(key)).and_then(|s| s.map.table(key.ty)), bucket_order(key)))
            .collect();
        for (i, (key, value)) in keys.iter().zip(out.iter_mut()).enumerate() {
            if let Some(&(Some(table), order)) = places.get(i + POINTER_AHEAD) {
                table.hint_pointer(order);
            }
            if let Some(&(Some(table), order)) = places.get(i + BUCKET_AHEAD) {
                table.hint_bucket(order);
            }
            *value = match places.get(i) {
                Some(&(Some(table), order)) => table.get(order, key).map(|e| e.value.clone()),
                _ => None,
            };
        }
    }

    pub fn is_empty(&self) -> bool {
        self.shards.iter().all(Shard::is_empty)
    }

    /// Applies one transaction's writes, a counter's delta to the value the
    /// store holds ([`crate::WriteOp::apply_to`]).
    ///
    /// A delta that does not apply (over the maximum, or to a missing or
    /// non-counter value) leaves the key as it is. That never happens to
    /// the receipt of a transaction run against this store: the VM checked
    /// the sum against the very value found here.
    pub fn apply(&mut self, write_set: &WriteSet) {
        let writes = write_set
            .0
            .iter()
            .filter_map(|op| match &op.change {
                Change::Set(value) => Some((op.key, Some(value.clone()))),
                Change::Delete => Some((op.key, None)),
                Change::Add(_) => {
                    let applied = op.apply_to(self.get(&op.key));
                    debug_assert!(applied.is_ok(), "a delta that does not apply: {op:?}");
                    applied.ok().map(|value| (op.key, value))
                }
            })
            .collect();
        self.apply_batch(writes);
    }

    /// Writes one hand-built value (a test's or a tool's), held the way the
    /// VM would hold it ([`Value::compact`]).
    pub fn apply_owned(&mut self, key: ResourceKey, value: Option<Value>) {
        self.apply_batch(vec![(key, value.map(|v| Shared::new(v.compact())))]);
    }

    pub fn apply_shared(&mut self, key: ResourceKey, value: Option<Shared>) {
        self.apply_batch(vec![(key, value)]);
    }

    /// Applies a batch of writes; a key written twice keeps its last write.
    pub fn apply_batch(&mut self, writes: Vec<Write>) -> CommitStats {
        // Counted first, so that each shard's list is allocated once.
        let shards: Vec<u8> = writes.iter().map(|(key, _)| shard_of(key) as u8).collect();
        let mut counts = [0usize; SHARDS];
        for &shard in &shards {
            if let Some(count) = counts.get_mut(usize::from(shard)) {
                *count += 1;
            }
        }
        let mut per_shard: [Vec<Write>; SHARDS] = counts.map(Vec::with_capacity);
        for (write, shard) in writes.into_iter().zip(shards) {
            if let Some(list) = per_shard.get_mut(usize::from(shard)) {
                list.push(write);
            }
        }
        self.apply_sharded(per_shard)
    }

    /// Applies a block's writes, already split by [`shard_of`] (a write in
    /// the wrong shard's list is moved to its own): the shards' maps in
    /// parallel, then the changed leaves' hashes and the tree, on the current
    /// rayon pool. The result does not depend on the thread count.
    pub fn apply_sharded(&mut self, mut per_shard: [Vec<Write>; SHARDS]) -> CommitStats {
        let start = Instant::now();
        // The check re-hashes every key the caller split already: on the
        // pool for a large batch, so it is not a serial pass of every block.
        let elsewhere = |(index, writes): (usize, &Vec<Write>)| writes.iter().any(|(key, _)| shard_of(key) != index);
        let any_elsewhere = if per_shard.iter().map(Vec::len).sum::<usize>() >= PARALLEL_FROM {
            per_shard.par_iter().enumerate().any(elsewhere)
        } else {
            per_shard.iter().enumerate().any(elsewhere)
        };
        let mut misplaced = Vec::new();
        for (index, writes) in per_shard.iter_mut().enumerate().filter(|_| any_elsewhere) {
            if writes.iter().any(|(key, _)| shard_of(key) != index) {
                let (here, elsewhere): (Vec<Write>, Vec<Write>) =
                    writes.drain(..).partition(|(key, _)| shard_of(key) == index);
                *writes = here;
                misplaced.extend(elsewhere);
            }
        }
        for (key, value) in misplaced {
            if let Some(writes) = per_shard.get_mut(shard_of(&key)) {
                writes.push((key, value));
            }
        }
        let keys_written = per_shard.iter().map(Vec::len).sum();
        let parallel = keys_written >= PARALLEL_FROM;
        let pending: Vec<Vec<Pending>> = if parallel {
            self.shards.par_iter_mut().zip(per_shard).map(|(shard, writes)| shard.write_all(writes)).collect()
        } else {
            self.shards.iter_mut().zip(per_shard).map(|(shard, writes)| shard.write_all(writes)).collect()
        };
        let maps = start.elapsed();

        let start = Instant::now();
        if parallel {
            // Each shard's leaves are hashed on the pool as the tree's sort
            // splits them (`update_batches`).
            self.tree.update_batches(pending.into_iter().map(leaves).collect());
        } else {
            // A transaction's own commit: one vector of its leaves, none
            // when it changed nothing (it only emitted events).
            self.tree.update(pending.into_iter().flat_map(leaves).collect());
        }
        CommitStats { keys_written, maps, root: start.elapsed() }
    }

    /// The state root: the root of the Merkle tree over every resource. O(1):
    /// the tree is brought up to date by every write.
    pub fn root(&self) -> [u8; 32] {
        self.tree.root_hash()
    }

    /// The tree the root comes from.
    pub fn tree(&self) -> &MerkleTree {
        &self.tree
    }

    /// The key whose leaf lives at `path`, if any: a scan over the store
    /// (for non-inclusion proofs, which name the leaf a walk ended at).
    pub(crate) fn key_at(&self, path: &Hash) -> Option<(ResourceKey, &Value)> {
        self.shards.iter().flat_map(|s| s.map.iter()).find(|(_, e)| e.path == *path).map(|(k, e)| (*k, &*e.value))
    }

    /// Every resource, in no particular order: for scans that need no order.
    pub fn iter(&self) -> impl Iterator<Item = (&ResourceKey, &Value)> {
        self.shards.iter().flat_map(|s| s.iter())
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
    fn resource(&self, key: &ResourceKey) -> Option<Shared> {
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
    fn a_batch_is_written_in_bucket_order_with_each_keys_writes_in_order() {
        // Batches of a few writes up to past the widest prefix count, each
        // key written up to three times with its writes numbered in order.
        for len in [0usize, 1, 2, 3, 16, 17, 100, 5_000, 70_000] {
            let writes: Vec<Write> =
                (0..len as u64).map(|i| (key(i % (len as u64 / 3 + 1)), Some(Shared::new(Value::U64(i))))).collect();
            let (ordered, _) = in_bucket_order(writes.clone());
            // The oracle: a stable sort on the prefix of the bits the order counts on.
            let bits = (usize::BITS - len.leading_zeros()).clamp(1, ORDER_BITS);
            let mut expected = writes;
            expected.sort_by_key(|(key, _)| bucket_order(key) >> (32 - bits));
            assert_eq!(ordered, expected, "{len} writes");
        }
        // The prefix sorts: consecutive writes never step back.
        let writes: Vec<Write> = (0..1000).map(|i| (key(i), None)).collect();
        let prefixes: Vec<u32> = in_bucket_order(writes).0.iter().map(|(key, _)| bucket_order(key) >> 22).collect();
        assert!(prefixes.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn looked_up_together_keys_find_what_was_written() {
        // Present keys hold three times their number; odd numbers past
        // 2,000 were never written. Lists of every length up to past the
        // hints' distances, and one long one.
        let store = ResourceStore::from_entries((0..2_000u64).map(|n| (key(n), Value::U64(n * 3))).collect());
        let expected = |n: u64| (n < 2_000).then(|| Value::U64(n * 3));
        let numbers: Vec<u64> = (0..3_000u64).map(|i| (i * 7_919) % 4_000).collect();
        for len in (0..40).chain([numbers.len()]) {
            let keys: Vec<ResourceKey> = numbers[..len].iter().map(|&n| key(n)).collect();
            // One more place than keys: it is left as it was.
            let mut out = vec![Some(Shared::new(Value::Bool(true))); len + 1];
            store.resources_into(&keys, &mut out);
            for (i, &n) in numbers[..len].iter().enumerate() {
                assert_eq!(out[i].as_deref(), expected(n).as_ref(), "key {n} of {len}");
            }
            assert_eq!(out[len].as_deref(), Some(&Value::Bool(true)));
        }
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

    /// A superseded state dropped at once on a pool of two threads, or
    /// taken apart and dropped a piece at a time.
    #[test]
    fn dropping_a_superseded_state_in_parallel_or_piece_by_piece_leaves_its_successor_whole() {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        for piece_by_piece in [false, true] {
            let new = superseded_then(|old| {
                if piece_by_piece {
                    let mut pieces = old.into_pieces();
                    let mut left = pieces.len();
                    while pieces.drop_one() {
                        left -= 1;
                        assert_eq!(pieces.len(), left);
                    }
                    assert!(pieces.is_empty());
                } else {
                    pool.install(|| old.into_pieces().drop_in_parallel());
                }
            });
            check_successor(&new);
        }
    }

    /// A store of 5,000 keys, then its successor with half of them
    /// rewritten and a tenth deleted (the two share the untouched half of
    /// their nodes); `free` gets the first, and the second is returned.
    fn superseded_then(free: impl FnOnce(ResourceStore)) -> ResourceStore {
        let mut old = ResourceStore::new();
        old.apply_batch((0..5_000).map(|n| (key(n), Some(Shared::new(Value::U64(n))))).collect());
        let mut new = old.clone();
        new.apply_batch((0..5_000).step_by(2).map(|n| (key(n), Some(Shared::new(Value::U64(n + 1))))).collect());
        new.apply_batch((1..5_000).step_by(10).map(|n| (key(n), None)).collect());
        free(old);
        new
    }

    /// `new` holds what [`superseded_then`]'s successor should, and its root.
    fn check_successor(new: &ResourceStore) {
        let expected = |n: u64| match (n % 2, n % 10) {
            (0, _) => Some(Value::U64(n + 1)),
            (_, 1) => None,
            _ => Some(Value::U64(n)),
        };
        let fresh = ResourceStore::from_entries((0..5_000).filter_map(|n| expected(n).map(|v| (key(n), v))).collect());
        assert_eq!(new.root(), fresh.root());
        for n in 0..5_000 {
            assert_eq!(new.get(&key(n)), expected(n).as_ref(), "key {n}");
        }
    }

    /// Writes handed over in the wrong shards' lists (all in the first
    /// one, or each in the next one's) land where they belong: the store
    /// holds what a map fed the same writes would, and the root is that of
    /// a store built from them directly.
    #[test]
    fn writes_in_the_wrong_shard_lists_are_moved_to_their_own() {
        let writes: Vec<Write> = (0..2_000u64).map(|n| (key(n), Some(Shared::new(Value::U64(n * 3))))).collect();
        let expected = ResourceStore::from_entries((0..2_000u64).map(|n| (key(n), Value::U64(n * 3))).collect());
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        let all_in_first = {
            let mut lists: [Vec<Write>; SHARDS] = Default::default();
            lists[0] = writes.clone();
            lists
        };
        let each_in_next = {
            let mut lists: [Vec<Write>; SHARDS] = Default::default();
            for (k, v) in writes.iter().cloned() {
                lists[(shard_of(&k) + 1) % SHARDS].push((k, v));
            }
            lists
        };
        for lists in [all_in_first, each_in_next] {
            let mut store = ResourceStore::new();
            let stats = pool.install(|| store.apply_sharded(lists));
            assert_eq!(stats.keys_written, 2_000);
            for n in 0..2_000u64 {
                assert_eq!(store.get(&key(n)), Some(&Value::U64(n * 3)));
            }
            assert_eq!(store.len(), 2_000);
            assert_eq!(store.root(), expected.root());
        }
    }
}
