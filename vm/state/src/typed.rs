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
//! The tables are kept sorted by type id in one shared slice: a clone is
//! O(1), and the first write after a snapshot copies the list (a pointer
//! per type, one allocation), then only the tables it writes.

use std::sync::Arc;

use crate::keys::{ResourceKey, TypeId};
use crate::table::{Chunk, Table};

#[derive(Clone)]
pub(crate) struct TypedTables<V> {
    tables: Arc<[(TypeId, Table<V>)]>,
    len: usize,
}

impl<V: Clone> Default for TypedTables<V> {
    fn default() -> Self {
        TypedTables { tables: Arc::from([]), len: 0 }
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
        self.tables.binary_search_by_key(&ty, |(t, _)| *t)
    }

    fn table(&self, ty: TypeId) -> Option<&Table<V>> {
        let at = self.find(ty).ok()?;
        self.tables.get(at).map(|(_, table)| table)
    }

    /// The list, copied first if a snapshot shares it.
    fn tables_mut(&mut self) -> &mut [(TypeId, Table<V>)] {
        if Arc::get_mut(&mut self.tables).is_none() {
            self.tables = self.tables.iter().cloned().collect();
        }
        Arc::get_mut(&mut self.tables).unwrap_or_default()
    }

    /// The list with `change` made to it, as a new one (a type added or
    /// gone: rare).
    fn reshaped(&mut self, change: impl FnOnce(&mut Vec<(TypeId, Table<V>)>)) {
        let mut tables = self.tables.to_vec();
        change(&mut tables);
        self.tables = tables.into();
    }

    /// The table at `at` of a list no snapshot shares.
    fn table_at_mut(&mut self, at: usize) -> Option<&mut Table<V>> {
        self.tables_mut().get_mut(at).map(|(_, table)| table)
    }

    pub(crate) fn get(&self, order: u32, key: &ResourceKey) -> Option<&V> {
        self.table(key.ty)?.get(order, key)
    }

    /// See [`Table::hint_pointer`].
    pub(crate) fn hint_pointer(&self, order: u32, key: &ResourceKey) {
        if let Some(table) = self.table(key.ty) {
            table.hint_pointer(order);
        }
    }

    /// See [`Table::hint_bucket`].
    pub(crate) fn hint_bucket(&self, order: u32, key: &ResourceKey) {
        if let Some(table) = self.table(key.ty) {
            table.hint_bucket(order);
        }
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
        self.table(key.ty)?.get(order, key)?;
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

    /// [`Table::fit`] for every table, after a batch of writes. A list a
    /// snapshot still shares was not written: nothing to fit.
    pub(crate) fn fit(&mut self) {
        if let Some(tables) = Arc::get_mut(&mut self.tables) {
            for (_, table) in tables.iter_mut() {
                table.fit();
            }
        }
    }

    /// Moves the tables' chunks to `out`, to free one at a time (see
    /// [`Table::take_chunks`]). A list another shard shares gives none.
    pub(crate) fn into_chunks(mut self, out: &mut Vec<Arc<Chunk<V>>>) {
        if let Some(tables) = Arc::get_mut(&mut self.tables) {
            for (_, table) in tables.iter_mut() {
                table.take_chunks(out);
            }
        }
    }

    /// Every entry: the types in id order, each table's in its order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&ResourceKey, &V)> {
        self.tables.iter().flat_map(|(_, table)| table.iter())
    }

    /// How many types have a table.
    #[cfg(test)]
    pub(crate) fn types(&self) -> usize {
        self.tables.len()
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
        let types: std::collections::BTreeSet<u64> = model.keys().map(|(t, _)| *t).collect();
        assert_eq!(tables.types(), types.len(), "a type without keys keeps no table");
        let seen: Vec<(u64, u64)> = tables.iter().map(|(k, v)| ((k.ty.0 - 0x51) / 0x1000, *v)).collect();
        let mut in_type_order = seen.clone();
        in_type_order.sort_by_key(|(t, _)| *t);
        assert_eq!(seen, in_type_order, "iteration goes type by type");
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
