//! A shard's resources as one persistent hash table per type.
//!
//! A block writes many keys of few types (a currency's balances, a
//! collection's tokens). In one table for all types, a type's keys are
//! spread over every chunk, so a block that writes a tenth of the entries
//! still copies nearly every chunk of a table a snapshot shares (bumping
//! its sixteen buckets' counts) to change a few entries in each. In a
//! table of their own, the type's keys are written as densely as in a
//! state of that type alone, and the other types' tables are not touched.
//! (`resin bench --workload suite`, whose state holds every workload's
//! types, spent ~21 ms a block of 100,000 transfers in the table's writes
//! on one thread against ~6 for the same block on a state of balances
//! alone; see docs/PERFORMANCE.md.)
//!
//! A small shard (fewer than [`SPLIT_FROM`] entries: a test's, a script's,
//! a state of a few hundred accounts) keeps one table for every type: its
//! blocks write a few keys a table either way, and a table per type would
//! copy a chunk and a directory per type where one of each serves them
//! all (a block of 500 transfers in two currencies among 64 accounts
//! allocated ~0.08 more a transfer). A shard splits its table by type as
//! it grows past that, and joins them again when it shrinks below a
//! quarter of it.
//!
//! The tables are kept sorted by type id: a shard of at most [`INLINE`]
//! types holds them inline (a clone copies a pointer each and allocates
//! nothing), a shard of more in one shared slice (a clone is O(1), and the
//! first write after a snapshot copies the list, a pointer per type, in
//! one allocation); either way a write then copies only the tables it
//! writes. Kept inline, a small state's blocks (a few currencies) do not
//! pay an allocation per shard for the list.

use std::sync::Arc;

use smallvec::SmallVec;

use crate::keys::{ResourceKey, TypeId};
use crate::table::{Chunk, Table};

/// The most types a shard keeps inline.
const INLINE: usize = 2;

/// A shard of this many entries keeps a table per type; below a quarter
/// of it, one table for all. (Small in unit tests, so that they cross it.)
#[cfg(not(test))]
const SPLIT_FROM: usize = 4096;
#[cfg(test)]
const SPLIT_FROM: usize = 64;

type Entry<V> = (TypeId, Table<V>);

/// The list of a shard's tables.
#[derive(Clone)]
enum List<V> {
    Inline(SmallVec<[Entry<V>; INLINE]>),
    Shared(Arc<[Entry<V>]>),
}

impl<V: Clone> List<V> {
    fn of(tables: Vec<Entry<V>>) -> List<V> {
        match tables.len() <= INLINE {
            true => List::Inline(tables.into_iter().collect()),
            false => List::Shared(tables.into()),
        }
    }

    fn as_slice(&self) -> &[Entry<V>] {
        match self {
            List::Inline(tables) => tables,
            List::Shared(tables) => tables,
        }
    }

    /// The list, copied first if a snapshot shares it.
    fn as_mut_slice(&mut self) -> &mut [Entry<V>] {
        match self {
            List::Inline(tables) => tables,
            List::Shared(tables) => {
                if Arc::get_mut(tables).is_none() {
                    *tables = tables.iter().cloned().collect();
                }
                Arc::get_mut(tables).unwrap_or_default()
            }
        }
    }

    /// The list, if no snapshot shares it.
    fn held_alone(&mut self) -> Option<&mut [Entry<V>]> {
        match self {
            List::Inline(tables) => Some(tables),
            List::Shared(tables) => Arc::get_mut(tables),
        }
    }
}

#[derive(Clone)]
pub(crate) struct TypedTables<V> {
    tables: List<V>,
    len: usize,
    /// One table (filed under no type in particular) holds every type.
    mixed: bool,
}

impl<V: Clone> Default for TypedTables<V> {
    fn default() -> Self {
        TypedTables { tables: List::Inline(SmallVec::new()), len: 0, mixed: true }
    }
}

impl<V: Clone> TypedTables<V> {
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Where `ty`'s table is in the list, or would be inserted.
    fn find(&self, ty: TypeId) -> Result<usize, usize> {
        match (self.mixed, self.tables.as_slice().is_empty()) {
            (true, false) => Ok(0),
            (true, true) => Err(0),
            (false, _) => self.tables.as_slice().binary_search_by_key(&ty, |(t, _)| *t),
        }
    }

    /// The same entries as one table (`mixed`) or a table per type.
    fn regrouped(&self, mixed: bool) -> TypedTables<V> {
        let mut into = TypedTables { tables: List::Inline(SmallVec::new()), len: 0, mixed };
        for (_, table) in self.tables.as_slice() {
            for (order, key, value) in table.ordered() {
                into.insert(order, *key, value.clone());
            }
        }
        into.fit_each();
        into
    }

    /// The table that holds (or would hold) keys of type `ty`.
    pub(crate) fn table(&self, ty: TypeId) -> Option<&Table<V>> {
        let at = self.find(ty).ok()?;
        self.tables.as_slice().get(at).map(|(_, table)| table)
    }

    /// The list with `change` made to it, as a new one (a type added or
    /// gone: rare).
    fn reshaped(&mut self, change: impl FnOnce(&mut Vec<Entry<V>>)) {
        let mut tables = self.tables.as_slice().to_vec();
        change(&mut tables);
        self.tables = List::of(tables);
    }

    /// The table at `at` of a list no snapshot shares.
    fn table_at_mut(&mut self, at: usize) -> Option<&mut Table<V>> {
        self.tables.as_mut_slice().get_mut(at).map(|(_, table)| table)
    }

    pub(crate) fn get(&self, order: u32, key: &ResourceKey) -> Option<&V> {
        self.table(key.ty)?.get(order, key)
    }

    /// The value of `key`, to change in place; `None` if no table holds
    /// it (its type's table copies nothing then, though the list may be:
    /// the caller inserts the key next).
    pub(crate) fn get_mut(&mut self, order: u32, key: &ResourceKey) -> Option<&mut V> {
        let at = self.find(key.ty).ok()?;
        self.table_at_mut(at)?.get_mut(order, key)
    }

    /// Sets `key` to `value`; the value it replaces, if any.
    pub(crate) fn insert(&mut self, order: u32, key: ResourceKey, value: V) -> Option<V> {
        let at = match self.find(key.ty) {
            Ok(at) => at,
            Err(at) => {
                self.reshaped(|tables| tables.insert(at, (key.ty, Table::default())));
                at
            }
        };
        let old = self.table_at_mut(at)?.insert(order, key, value);
        if old.is_none() {
            self.len += 1;
        }
        old
    }

    /// Removes `key`; its value, if a table held it. A table left empty
    /// goes from the list.
    pub(crate) fn remove(&mut self, order: u32, key: &ResourceKey) -> Option<V> {
        let at = self.find(key.ty).ok()?;
        // Looked up first, so that removing an absent key copies nothing.
        self.tables.as_slice().get(at)?.1.get(order, key)?;
        let table = self.table_at_mut(at)?;
        let removed = table.remove(order, key)?;
        if table.is_empty() {
            self.reshaped(|tables| {
                tables.remove(at);
            });
        }
        self.len -= 1;
        Some(removed)
    }

    /// [`Table::fit`] for every table, after a batch of writes (one that
    /// was not written fits already). A shared list a snapshot still
    /// shares was not written: nothing to fit.
    pub(crate) fn fit(&mut self) {
        if self.mixed && self.len >= SPLIT_FROM {
            *self = self.regrouped(false);
        } else if !self.mixed && self.len < SPLIT_FROM / 4 {
            *self = self.regrouped(true);
        } else {
            self.fit_each();
        }
    }

    /// [`Table::fit`] for each table of a list no snapshot shares.
    fn fit_each(&mut self) {
        if let Some(tables) = self.tables.held_alone() {
            for (_, table) in tables.iter_mut() {
                table.fit();
            }
        }
    }

    /// Moves the tables' chunks to `out`, to free one at a time (see
    /// [`Table::take_chunks`]). A list another shard shares gives none.
    pub(crate) fn into_chunks(mut self, out: &mut Vec<Arc<Chunk<V>>>) {
        if let Some(tables) = self.tables.held_alone() {
            for (_, table) in tables.iter_mut() {
                table.take_chunks(out);
            }
        }
    }

    /// Every entry: the types in id order, each table's in its order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&ResourceKey, &V)> {
        self.tables.as_slice().iter().flat_map(|(_, table)| table.iter())
    }

    /// How many types have a table.
    #[cfg(test)]
    pub(crate) fn types(&self) -> usize {
        self.tables.as_slice().len()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;
    use resin_format::file_format::AccountAddress;

    use super::*;

    /// Key `n` of type `t` (among three), with an order that collides
    /// across types, as a hash of the address alone would.
    fn key(t: u64, n: u64) -> (u32, ResourceKey) {
        let order = (n.wrapping_mul(0x9e37_79b9) as u32).rotate_left(11);
        (order, ResourceKey { address: AccountAddress::from_u64(n), ty: TypeId(0x51 + t * 0x1000) })
    }

    #[derive(Clone, Debug)]
    enum Op {
        Write(u64, u64, u64),
        Change(u64, u64, u64),
        Remove(u64, u64),
        /// Keeps a snapshot, which later writes must not change.
        Snapshot,
        Fit,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            5 => (0..3u64, 0..300u64, any::<u64>()).prop_map(|(t, n, v)| Op::Write(t, n, v)),
            2 => (0..3u64, 0..300u64, any::<u64>()).prop_map(|(t, n, v)| Op::Change(t, n, v)),
            3 => (0..3u64, 0..300u64).prop_map(|(t, n)| Op::Remove(t, n)),
            1 => Just(Op::Snapshot),
            1 => Just(Op::Fit),
        ]
    }

    /// The tables hold exactly the model: every key looked up, the length,
    /// the types that have a table, and iteration by type.
    fn check(tables: &TypedTables<u64>, model: &BTreeMap<(u64, u64), u64>) {
        for t in 0..3 {
            for n in 0..300 {
                let (order, k) = key(t, n);
                assert_eq!(tables.get(order, &k), model.get(&(t, n)), "type {t}, key {n}");
            }
        }
        assert_eq!(tables.len(), model.len());
        assert_eq!(tables.is_empty(), model.is_empty());
        let seen: Vec<(u64, u64)> = tables.iter().map(|(k, v)| ((k.ty.0 - 0x51) / 0x1000, *v)).collect();
        if !tables.mixed {
            let types: std::collections::BTreeSet<u64> = model.keys().map(|(t, _)| *t).collect();
            assert_eq!(tables.types(), types.len(), "a type without keys keeps no table");
            let mut in_type_order = seen.clone();
            in_type_order.sort_by_key(|(t, _)| *t);
            assert_eq!(seen, in_type_order, "iteration goes type by type");
        } else {
            assert!(tables.types() <= 1, "one table for all");
        }
        let mut values: Vec<(u64, u64)> = model.iter().map(|((t, _), v)| (*t, *v)).collect();
        let mut seen = seen;
        values.sort_unstable();
        seen.sort_unstable();
        assert_eq!(seen, values);
    }

    proptest! {
        /// Writes, in-place changes and removes over three types whose keys'
        /// orders collide, with snapshots taken along the way: the tables
        /// always hold what a map does, and every snapshot what the map
        /// held when it was taken.
        #[test]
        fn typed_tables_hold_what_a_map_holds_and_snapshots_do_not_move(ops in prop::collection::vec(op(), 1..400)) {
            let mut tables = TypedTables::<u64>::default();
            let mut model = BTreeMap::new();
            let mut snapshots = Vec::new();
            for op in ops {
                match op {
                    Op::Write(t, n, v) => {
                        let (order, k) = key(t, n);
                        prop_assert_eq!(tables.insert(order, k, v), model.insert((t, n), v));
                    }
                    Op::Change(t, n, v) => {
                        let (order, k) = key(t, n);
                        match (tables.get_mut(order, &k), model.get_mut(&(t, n))) {
                            (Some(held), Some(expected)) => {
                                *held = v;
                                *expected = v;
                            }
                            (None, None) => {}
                            (held, expected) => prop_assert!(false, "{:?} against {:?}", held, expected),
                        }
                    }
                    Op::Remove(t, n) => {
                        let (order, k) = key(t, n);
                        prop_assert_eq!(tables.remove(order, &k), model.remove(&(t, n)));
                    }
                    Op::Snapshot => snapshots.push((tables.clone(), model.clone())),
                    Op::Fit => tables.fit(),
                }
            }
            check(&tables, &model);
            for (snapshot, then) in &snapshots {
                check(snapshot, then);
            }
        }
    }

    /// A shard splits its table by type once it holds `SPLIT_FROM` entries
    /// (at the fit after a batch) and joins them below a quarter of that;
    /// snapshots taken on either side keep what they held.
    #[test]
    fn a_shard_splits_by_type_as_it_grows_and_joins_as_it_shrinks() {
        let mut tables = TypedTables::<u64>::default();
        let mut model = BTreeMap::new();
        let mut snapshots = Vec::new();
        let keys: Vec<(u64, u64)> = (0..3).flat_map(|t| (0..40).map(move |n| (t, n))).collect();
        for (i, &(t, n)) in keys.iter().enumerate() {
            let (order, k) = key(t, n);
            tables.insert(order, k, i as u64);
            model.insert((t, n), i as u64);
            tables.fit();
            assert_eq!(tables.mixed, model.len() < SPLIT_FROM, "after {} entries", model.len());
            if i % 17 == 0 {
                snapshots.push((tables.clone(), model.clone()));
            }
        }
        assert_eq!(tables.types(), 3);
        for &(t, n) in keys.iter().rev() {
            let (order, k) = key(t, n);
            assert_eq!(tables.remove(order, &k), model.remove(&(t, n)));
            tables.fit();
            // Shrinking, it keeps its tables per type down to a quarter.
            assert_eq!(tables.mixed, model.len() < SPLIT_FROM / 4, "after {} entries", model.len());
            check(&tables, &model);
        }
        assert!(tables.mixed && tables.is_empty());
        for (snapshot, then) in &snapshots {
            check(snapshot, then);
        }
    }

    /// A list a snapshot shares gives no chunks to free; one held alone
    /// gives every table's.
    #[test]
    fn only_a_list_held_alone_comes_apart_into_chunks() {
        let mut tables = TypedTables::<u64>::default();
        for t in 0..3 {
            for n in 0..100 {
                let (order, k) = key(t, n);
                tables.insert(order, k, n);
            }
        }
        let kept = tables.clone();
        let mut chunks = Vec::new();
        tables.into_chunks(&mut chunks);
        assert!(chunks.is_empty());
        kept.into_chunks(&mut chunks);
        assert!(!chunks.is_empty());
    }
}
