//! The block overlay of the parallel executor: the block's writes so far,
//! over the immutable pre-block snapshot.
//!
//! The plan orders every conflicting pair, so all accesses to any one key
//! happen in block order, each after the previous one finished (the
//! release/acquire of the lanes' progress counters makes that a
//! happens-before). One overlay shared by all lanes therefore shows each
//! transaction exactly what sequential execution would: the latest write of
//! the block to the key, else the snapshot. The locks below are never
//! contended by conflicting accesses; they only make the sharing safe Rust.
//!
//! Keys the block names exactly have a slot, numbered by the conflict graph,
//! so the hot path is a short scan of the transaction's own keys and an array
//! index, never a hash of a persistent map: each slot is loaded with the
//! key's pre-block value when the overlay is built, on every thread of the
//! pool at once, before any transaction runs. Keys reached only through a
//! type-wide (`*`) access live in a small hashed side table.

use std::sync::{Mutex, MutexGuard, PoisonError};

use crossbeam_utils::CachePadded;
use rayon::prelude::*;
use resin_state::store::{shard_of, ResourceStore, StateView, Write, SHARDS};
use resin_state::Shared;
use resin_vm::{ResourceKey, WriteOp};
use rustc_hash::FxHashMap;

use crate::graph::KeyTable;

/// A key's value as the block left it: `None` deletes.
pub(crate) type Written = Option<Shared>;

struct Slot {
    /// Beside the value, so a lookup touches one cache line.
    key: ResourceKey,
    value: Mutex<SlotValue>,
}

/// A slot's key as the block has it so far.
struct SlotValue {
    /// The pre-block value until the block writes the key; `None` is absent.
    current: Option<Shared>,
    /// Whether the block wrote (or deleted) the key: only then is it committed.
    written: bool,
}

pub(crate) struct BlockOverlay<'a> {
    snapshot: &'a ResourceStore,
    table: &'a KeyTable,
    /// Each on cache lines of its own: neighbouring slots belong to
    /// neighbouring transactions, which run on different lanes, and a slot
    /// is written (its lock taken) on every access.
    slots: Vec<CachePadded<Slot>>,
    others: [Mutex<FxHashMap<ResourceKey, Written>>; SHARDS],
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A poisoned lock only means another lane panicked mid-transaction; that
    // panic is re-raised by the pool, so the data here no longer matters.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The writes of a block, detached from the snapshot so the store can be
/// mutated.
pub(crate) struct BlockWrites {
    slots: Vec<(ResourceKey, Option<Written>)>,
    others: [FxHashMap<ResourceKey, Written>; SHARDS],
}

impl<'a> BlockOverlay<'a> {
    /// Builds the slots, each with its key's pre-block value, on the current
    /// rayon pool: they are many, a lookup in the persistent store is a walk
    /// of a hash trie, and fresh memory is slow to touch the first time.
    pub(crate) fn new(snapshot: &'a ResourceStore, table: &'a KeyTable) -> Self {
        let slots = (0..table.len() as u32)
            .into_par_iter()
            .filter_map(|s| table.key(s))
            .map(|&key| {
                let value = SlotValue { current: snapshot.resource(&key), written: false };
                CachePadded::new(Slot { key, value: Mutex::new(value) })
            })
            .collect();
        BlockOverlay { snapshot, table, slots, others: Default::default() }
    }

    /// The slot of `key`: first among the transaction's own keys, then the block's.
    fn slot(&self, own: &[u32], key: &ResourceKey) -> Option<&Slot> {
        for &s in own {
            if let Some(slot) = self.slots.get(s as usize) {
                if slot.key == *key {
                    return Some(slot);
                }
            }
        }
        self.table.slot_of(key).and_then(|s| self.slots.get(s as usize)).map(|slot| &**slot)
    }

    pub(crate) fn read(&self, own: &[u32], key: &ResourceKey) -> Option<Shared> {
        if let Some(slot) = self.slot(own, key) {
            return lock(&slot.value).current.clone();
        }
        match self.others.get(shard_of(key)).and_then(|m| lock(m).get(key).cloned()) {
            Some(written) => written,
            None => self.snapshot.resource(key),
        }
    }

    pub(crate) fn write(&self, own: &[u32], op: &WriteOp) {
        // The receipt and the overlay share the value: no copy.
        let value = op.resolve(|| self.read(own, &op.key)).unwrap_or_default();
        match self.slot(own, &op.key) {
            Some(slot) => *lock(&slot.value) = SlotValue { current: value, written: true },
            None => {
                if let Some(m) = self.others.get(shard_of(&op.key)) {
                    lock(m).insert(op.key, value);
                }
            }
        }
    }

    pub(crate) fn into_writes(self) -> BlockWrites {
        let slots = self
            .slots
            .into_iter()
            .map(|s| {
                let s = CachePadded::into_inner(s);
                let value = s.value.into_inner().unwrap_or_else(PoisonError::into_inner);
                (s.key, value.written.then_some(value.current))
            })
            .collect();
        let others = self.others.map(|m| m.into_inner().unwrap_or_else(PoisonError::into_inner));
        BlockWrites { slots, others }
    }
}

impl BlockWrites {
    /// The block's final writes, split by state shard for
    /// [`ResourceStore::apply_sharded`] (which orders and applies them).
    pub(crate) fn into_sharded(mut self, table: &KeyTable) -> [Vec<Write>; SHARDS] {
        let mut out: [Vec<Write>; SHARDS] = Default::default();
        for (index, list) in out.iter_mut().enumerate() {
            let slots = table.slots_in_shard(index);
            list.reserve(slots.len());
            for &s in slots {
                if let Some((key, written)) = self.slots.get_mut(s as usize) {
                    if let Some(value) = written.take() {
                        list.push((*key, value));
                    }
                }
            }
            if let Some(others) = self.others.get_mut(index) {
                list.extend(others.drain());
            }
        }
        out
    }
}

/// What one transaction sees.
pub(crate) struct TxView<'o, 'a> {
    pub(crate) overlay: &'o BlockOverlay<'a>,
    /// The transaction's exact keys as slots.
    pub(crate) own: &'o [u32],
}

impl StateView for TxView<'_, '_> {
    fn resource(&self, key: &ResourceKey) -> Option<Shared> {
        self.overlay.read(self.own, key)
    }
}
