//! A persistent hash table: one type's resources in one shard of the
//! store (`typed.rs` keeps a shard's tables, one per type).
//!
//! A directory of chunks of buckets, every level behind an `Arc`: a clone
//! is O(1), an unshared table is written in place, and a write to a shared
//! one (a snapshot holds it) copies the directory (a pointer per 16
//! buckets), the chunk and the bucket it lands in, nothing else. A bucket
//! is one allocation holding its entries inline, so a lookup reads the
//! directory and a chunk (small, and cached across a block's lookups) and
//! then one bucket, and a write copies a bucket of at most a few entries
//! where a hash trie whose nodes hold their entries inline (`imbl`'s,
//! which this replaced) copied a node of up to 32 and the nodes above it,
//! and freed them again with the superseded state.
//!
//! The bucket of a key is the leading `bits` bits of its [`order`], the
//! table doubling (or halving) as it grows (or shrinks); within a bucket
//! the entries are sorted by order and key. So iterating visits entries in
//! that order, which depends only on the entries, not on the history of
//! writes that put them there, and a batch written in that order walks the
//! directory front to back.

use std::cmp::Ordering;
use std::sync::Arc;

use crate::keys::ResourceKey;
use crate::prefetch::prefetch;

/// Buckets per chunk, as a power of two. Copying a chunk (or the
/// directory) clones one `Arc` per pointer, a reference count written in a
/// cache line of its own: a block's first write to a chunk costs a miss
/// per bucket of it, and dropping the superseded state as many again. With
/// 64 buckets a chunk, 2,000 writes into a million entries (a small block
/// on a large state, every write in a chunk of its own) wrote ~128,000
/// counts; with 16, ~32,000 plus the directories' ~16,000 (a pointer per 16
/// buckets: ~1,000 a shard of 62,500 entries): `commit_timing --entries
/// 1000000 --writes 2000 --flat` maps 3.1-3.7 ms → 2.1-2.6, drop 2.2-2.5 →
/// 1.4-1.8 on one thread. A dense block (86,000 writes into 100,000
/// entries) copies every chunk either way: maps the same, drop ~0.4 ms
/// longer (four times as many chunks to free).
const CHUNK_BITS: u32 = 4;
const CHUNK: usize = 1 << CHUNK_BITS;

/// The most entries a table holds per bucket on average before it doubles;
/// it halves when it holds fewer than a quarter of that.
const MAX_LOAD: usize = 4;

/// The fewest buckets a table has: one chunk.
const MIN_BITS: u32 = CHUNK_BITS;

/// The most buckets: the order has 32 bits.
const MAX_BITS: u32 = 32;

/// An entry with its key's order (kept beside it: most comparisons end at
/// the order, without reading the key).
#[derive(Clone)]
struct Slot<V> {
    order: u32,
    key: ResourceKey,
    value: V,
}

type Bucket<V> = Arc<[Slot<V>]>;

#[derive(Clone)]
pub(crate) struct Chunk<V> {
    buckets: [Option<Bucket<V>>; CHUNK],
}

impl<V> Chunk<V> {
    fn empty() -> Arc<Chunk<V>> {
        Arc::new(Chunk { buckets: std::array::from_fn(|_| None) })
    }
}

/// The table. `order` is the caller's: a hash of the key, the same for a
/// key every time (the store's is [`crate::store::bucket_order`]).
#[derive(Clone)]
pub(crate) struct Table<V> {
    /// The directory: one allocation, copied whole when shared. A slot is
    /// empty only in a table being taken apart ([`Table::take_chunks`]).
    chunks: Arc<[Option<Arc<Chunk<V>>>]>,
    /// The table has `2^bits` buckets.
    bits: u32,
    len: usize,
}

impl<V: Clone> Default for Table<V> {
    fn default() -> Self {
        Table::with_bits(MIN_BITS)
    }
}

/// The bucket of `order` among `2^bits`: its chunk and its place there.
fn place(bits: u32, order: u32) -> (usize, usize) {
    // `bits` is at least `CHUNK_BITS` (4) and at most 32.
    let bucket = (u64::from(order) >> (32 - bits)) as usize;
    (bucket >> CHUNK_BITS, bucket & (CHUNK - 1))
}

/// The most entries `2^bits` buckets hold at [`MAX_LOAD`] (in u64: `2^32`
/// buckets' worth overflows a 32-bit usize).
fn most(bits: u32) -> u64 {
    (MAX_LOAD as u64) << bits
}

/// Where a key's slot is, or would be inserted, in its bucket.
fn search<V>(bucket: &[Slot<V>], order: u32, key: &ResourceKey) -> Result<usize, usize> {
    bucket.binary_search_by(|slot| slot.order.cmp(&order).then_with(|| slot.key.cmp(key)))
}

impl<V: Clone> Table<V> {
    fn with_bits(bits: u32) -> Table<V> {
        let chunks = 1usize << (bits - CHUNK_BITS);
        Table { chunks: (0..chunks).map(|_| Some(Chunk::empty())).collect(), bits, len: 0 }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Moves the table's chunks to `out`, to free one at a time
    /// ([`crate::pieces::Pieces`]), leaving the table without them: only
    /// for a table about to be dropped (the caller consumes what holds it).
    /// A directory another table shares gives none: dropping it only
    /// releases it, and the chunks go with the last table that holds them.
    pub(crate) fn take_chunks(&mut self, out: &mut Vec<Arc<Chunk<V>>>) {
        // Taken out of the directory (no allocation), which then frees
        // nothing but itself.
        if let Some(chunks) = Arc::get_mut(&mut self.chunks) {
            out.extend(chunks.iter_mut().filter_map(Option::take));
        }
    }

    /// The directory, copied first if a snapshot shares it.
    fn chunks_mut(&mut self) -> &mut [Option<Arc<Chunk<V>>>] {
        if Arc::get_mut(&mut self.chunks).is_none() {
            self.chunks = self.chunks.iter().cloned().collect();
        }
        Arc::get_mut(&mut self.chunks).unwrap_or_default()
    }

    fn place(&self, order: u32) -> (usize, usize) {
        place(self.bits, order)
    }

    fn bucket(&self, order: u32) -> Option<&[Slot<V>]> {
        let (chunk, at) = self.place(order);
        self.chunks.get(chunk)?.as_ref()?.buckets.get(at)?.as_deref()
    }

    pub(crate) fn get(&self, order: u32, key: &ResourceKey) -> Option<&V> {
        let bucket = self.bucket(order)?;
        // A bucket holds a few entries: a scan that stops at the first
        // order not below `order` reads fewer lines than a binary search.
        for slot in bucket {
            match slot.order.cmp(&order) {
                Ordering::Less => continue,
                Ordering::Greater => return None,
                Ordering::Equal if slot.key == *key => return Some(&slot.value),
                Ordering::Equal => continue,
            }
        }
        None
    }

    /// Starts loading the first step of a lookup of `order`: where its
    /// chunk holds the bucket's pointer (the directory is small and read
    /// often, so it is in cache).
    pub(crate) fn hint_pointer(&self, order: u32) {
        let (chunk, at) = self.place(order);
        if let Some(pointer) = self.chunks.get(chunk).and_then(Option::as_ref).and_then(|c| c.buckets.get(at)) {
            prefetch(pointer);
        }
    }

    /// Starts loading the bucket of `order` itself: its first entries,
    /// which a scan reads first. Reads the bucket's pointer, which
    /// [`Table::hint_pointer`] should have asked for a while before.
    pub(crate) fn hint_bucket(&self, order: u32) {
        if let Some(bucket) = self.bucket(order) {
            for slot in bucket.iter().take(2) {
                prefetch(slot);
                prefetch(&slot.value);
            }
        }
    }

    /// The bucket of `order`, unshared: the directory and the chunk are
    /// copied first if a snapshot holds them. The bucket itself may still
    /// be shared.
    fn bucket_mut(&mut self, order: u32) -> Option<&mut Option<Bucket<V>>> {
        let (chunk, at) = self.place(order);
        let chunk = Arc::make_mut(self.chunks_mut().get_mut(chunk)?.as_mut()?);
        chunk.buckets.get_mut(at)
    }

    /// The value of `key`, to change in place; `None` (and nothing copied)
    /// if the table does not hold it.
    pub(crate) fn get_mut(&mut self, order: u32, key: &ResourceKey) -> Option<&mut V> {
        let at = search(self.bucket(order)?, order, key).ok()?;
        let bucket = self.bucket_mut(order)?.as_mut()?;
        if Arc::get_mut(bucket).is_none() {
            // Shared with a snapshot: this table's own copy.
            *bucket = bucket.iter().cloned().collect();
        }
        Arc::get_mut(bucket)?.get_mut(at).map(|slot| &mut slot.value)
    }

    /// Sets `key` to `value`; the value it replaces, if any.
    pub(crate) fn insert(&mut self, order: u32, key: ResourceKey, value: V) -> Option<V> {
        if let Some(slot) = self.get_mut(order, &key) {
            return Some(std::mem::replace(slot, value));
        }
        let bucket = self.bucket_mut(order)?;
        let new = Slot { order, key, value };
        *bucket = Some(match bucket.take() {
            None => Arc::from([new]),
            Some(old) => {
                let at = search(&old, order, &key).unwrap_or_else(|at| at);
                let (before, after) = old.split_at(at.min(old.len()));
                before.iter().cloned().chain(std::iter::once(new)).chain(after.iter().cloned()).collect()
            }
        });
        self.len += 1;
        // A batch inserting more than the table held (opening a state
        // file, a block of new accounts) grows it as it goes: buckets that
        // grew unbounded would be copied whole at every insert.
        if self.len as u64 > 2 * most(self.bits) {
            self.fit();
        }
        None
    }

    /// Removes `key`; its value, if the table held it.
    pub(crate) fn remove(&mut self, order: u32, key: &ResourceKey) -> Option<V> {
        let at = search(self.bucket(order)?, order, key).ok()?;
        let bucket = self.bucket_mut(order)?;
        let old = bucket.take()?;
        let removed = old.get(at).map(|slot| slot.value.clone());
        if old.len() > 1 {
            // Two slices chained have an exact length: one allocation.
            let (before, after) = old.split_at(at.min(old.len()));
            *bucket = Some(before.iter().chain(after.get(1..).unwrap_or_default()).cloned().collect());
        }
        self.len -= 1;
        removed
    }

    /// Doubles or halves the buckets until the load is within bounds: after
    /// a batch of writes, so that a batch resizes midway only when it
    /// inserts more than twice what the buckets are sized for.
    pub(crate) fn fit(&mut self) {
        let len = self.len as u64;
        let mut bits = self.bits;
        while bits < MAX_BITS && len > most(bits) {
            bits += 1;
        }
        while bits > MIN_BITS && len < most(bits) / 4 {
            bits -= 1;
        }
        if bits != self.bits {
            self.rebuild(bits);
        }
    }

    /// The same entries over `2^bits` buckets. Entries in iteration order
    /// are in bucket order at any bit count, so each new bucket is a run of
    /// that order.
    fn rebuild(&mut self, bits: u32) {
        let mut table = Table::with_bits(bits);
        table.len = self.len;
        let chunks = table.chunks_mut();
        let mut run: Vec<Slot<V>> = Vec::new();
        let mut run_place = None;
        let mut flush = |run: &mut Vec<Slot<V>>, place: Option<(usize, usize)>| {
            if let Some((chunk, at)) = place {
                if let Some(slot) = chunks
                    .get_mut(chunk)
                    .and_then(Option::as_mut)
                    .map(Arc::make_mut)
                    .and_then(|c| c.buckets.get_mut(at))
                {
                    *slot = Some(run.drain(..).collect());
                }
            }
            run.clear();
        };
        for slot in self.slots() {
            let place = place(bits, slot.order);
            if run_place != Some(place) {
                flush(&mut run, run_place);
                run_place = Some(place);
            }
            run.push(slot.clone());
        }
        flush(&mut run, run_place);
        *self = table;
    }

    /// How many buckets the table has.
    #[cfg(test)]
    pub(crate) fn buckets(&self) -> usize {
        1 << self.bits
    }

    fn slots(&self) -> impl Iterator<Item = &Slot<V>> {
        self.chunks.iter().flatten().flat_map(|chunk| chunk.buckets.iter().flatten().flat_map(|bucket| bucket.iter()))
    }

    /// Every entry, in order (see the module documentation).
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&ResourceKey, &V)> {
        self.slots().map(|slot| (&slot.key, &slot.value))
    }

    /// Every entry with its order, in order: to rebuild the entries
    /// elsewhere without hashing their keys again.
    pub(crate) fn ordered(&self) -> impl Iterator<Item = (u32, &ResourceKey, &V)> {
        self.slots().map(|slot| (slot.order, &slot.key, &slot.value))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;
    use resin_format::file_format::AccountAddress;

    use super::*;
    use crate::keys::TypeId;

    fn key(n: u64) -> ResourceKey {
        ResourceKey { address: AccountAddress::from_u64(n), ty: TypeId(7) }
    }

    /// Orders that collide a lot (`spread` distinct ones among the keys),
    /// so that buckets hold several entries and entries share an order.
    fn order_of(n: u64, spread: u64) -> u32 {
        ((n % spread).wrapping_mul(0x9e37_79b9) as u32).rotate_left(7)
    }

    #[derive(Clone, Debug)]
    enum Op {
        Insert(u64, u64),
        Remove(u64),
        /// Keeps a snapshot, which later writes must not change.
        Snapshot,
        Fit,
    }

    fn op(keys: u64) -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => (0..keys, any::<u64>()).prop_map(|(k, v)| Op::Insert(k, v)),
            3 => (0..keys).prop_map(Op::Remove),
            1 => Just(Op::Snapshot),
            1 => Just(Op::Fit),
        ]
    }

    /// The table holds exactly the model: every key of `0..keys` looked up,
    /// the length, and iteration in (order, key) order.
    fn check(table: &Table<u64>, model: &BTreeMap<u64, u64>, keys: u64, spread: u64) {
        for n in 0..keys {
            assert_eq!(table.get(order_of(n, spread), &key(n)), model.get(&n), "key {n}");
        }
        assert_eq!(table.len(), model.len());
        assert_eq!(table.is_empty(), model.is_empty());
        let mut expected: Vec<(u32, ResourceKey, u64)> =
            model.iter().map(|(&n, &v)| (order_of(n, spread), key(n), v)).collect();
        expected.sort();
        let listed: Vec<(u32, ResourceKey, u64)> =
            table.slots().map(|slot| (slot.order, slot.key, slot.value)).collect();
        assert_eq!(listed, expected);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Inserts, removes and resizes against a map, with snapshots taken
        /// along the way that must keep what they held.
        #[test]
        fn matches_a_map_and_snapshots_keep_their_entries(
            spread in prop_oneof![Just(3u64), Just(50), Just(u64::MAX)],
            ops in proptest::collection::vec(op(600), 1..1_500),
        ) {
            let keys = 600;
            let mut table = Table::<u64>::default();
            let mut model = BTreeMap::new();
            let mut snapshots = Vec::new();
            for op in ops {
                match op {
                    Op::Insert(n, v) => {
                        assert_eq!(table.insert(order_of(n, spread), key(n), v), model.insert(n, v));
                    }
                    Op::Remove(n) => assert_eq!(table.remove(order_of(n, spread), &key(n)), model.remove(&n)),
                    Op::Snapshot => snapshots.push((table.clone(), model.clone())),
                    Op::Fit => table.fit(),
                }
            }
            check(&table, &model, keys, spread);
            for (snapshot, held) in &snapshots {
                check(snapshot, held, keys, spread);
            }
        }
    }

    #[test]
    fn a_value_changed_in_place_is_the_tables_own() {
        let mut table = Table::<u64>::default();
        table.insert(1, key(1), 10);
        let snapshot = table.clone();
        if let Some(value) = table.get_mut(1, &key(1)) {
            *value = 11;
        }
        assert_eq!(table.get(1, &key(1)), Some(&11));
        assert_eq!(snapshot.get(1, &key(1)), Some(&10));
        assert_eq!(table.get_mut(2, &key(2)), None, "an absent key");
    }

    #[test]
    fn a_long_run_of_inserts_grows_the_table_as_it_goes() {
        let mut table = Table::<u64>::default();
        for n in 0..50_000 {
            table.insert(order_of(n, u64::MAX), key(n), n);
            // Never more than twice the load the buckets are sized for.
            assert!(
                table.len() as u64 <= 2 * most(table.bits),
                "{} entries in {} buckets",
                table.len(),
                table.buckets()
            );
        }
        let model: BTreeMap<u64, u64> = (0..50_000).map(|n| (n, n)).collect();
        check(&table, &model, 50_000, u64::MAX);
    }

    #[test]
    fn the_buckets_double_as_the_table_grows_and_halve_as_it_empties() {
        let mut table = Table::<u64>::default();
        let spread = u64::MAX;
        for n in 0..20_000 {
            table.insert(order_of(n, spread), key(n), n);
        }
        table.fit();
        // At most `MAX_LOAD` entries a bucket on average, and at least a quarter of that.
        assert!(table.len() <= MAX_LOAD << table.bits && table.len() >= (MAX_LOAD << table.bits) / 4);
        let grown = table.bits;
        assert!(grown > MIN_BITS);
        for n in 0..19_900 {
            table.remove(order_of(n, spread), &key(n));
        }
        table.fit();
        assert!(table.bits < grown);
        let model: BTreeMap<u64, u64> = (19_900..20_000).map(|n| (n, n)).collect();
        check(&table, &model, 20_000, spread);
        for n in 19_900..20_000 {
            table.remove(order_of(n, spread), &key(n));
        }
        table.fit();
        assert_eq!(table.bits, MIN_BITS);
        assert!(table.is_empty() && table.iter().next().is_none());
    }
}
