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
//! Counter adds are the exception: adds to one key do not conflict, so
//! adders run side by side, and each adds its delta ([`Change::Add`]) to the
//! slot's current value under the slot's lock. Adds commute, so the final
//! value is the sequential one, provided no add overflowed; an adder's lane
//! may have seen a value with concurrent later adds in it, so its overflow
//! verdict is not exact either. The overlay therefore records any delta that
//! does not apply ([`BlockOverlay::overflowed`]), and the engine then
//! discards the run and executes the block again in order (see `engine.rs`);
//! and each adder's view records what it saw of its counters ([`AddWatch`])
//! for the check of every verdict after the run (`counters.rs`).
//!
//! Keys the block names exactly have a slot, numbered by the conflict graph,
//! so the hot path is a short scan of the transaction's own keys and an array
//! index, never a hash of a persistent map: each slot is loaded with the
//! key's pre-block value when the overlay is built, on every thread of the
//! pool at once, before any transaction runs. Keys reached only through a
//! type-wide (`*`) access live in a small hashed side table.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crossbeam_utils::CachePadded;
use rayon::prelude::*;
use resin_state::store::{shard_of, ResourceStore, StateView, Write, SHARDS};
use resin_state::Shared;
use resin_state::{Change, WriteOp};
use resin_vm::{AccessKey, AccessMode, DeclaredKeys, ResourceKey, TypeId};
use rustc_hash::FxHashMap;
use smallvec::SmallVec;

use crate::graph::{BlockSlots, KeyTable};
use crate::keys::BlockKeys;

/// A key's value as the block left it: `None` deletes.
pub(crate) type Written = Option<Shared>;

struct Slot {
    /// Beside the value, so a lookup touches one cache line.
    key: ResourceKey,
    /// The pre-block value, when no transaction of the block writes or adds
    /// to the key (exactly or through a `*` access to its type): it stays
    /// the value for the whole block, so reads take it without the lock. A
    /// key every transaction reads (a proposal's deadline, a collection's
    /// size) would otherwise have its lock's cache line passed between the
    /// cores on every read.
    fixed: Option<Option<Shared>>,
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
    /// Set when a counter's delta did not apply: the run must be discarded.
    overflowed: AtomicBool,
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
        Self::build(snapshot, table, None)
    }

    /// [`BlockOverlay::new`] for lanes that run side by side: the slots of
    /// keys the block only reads are fixed, read without their lock.
    pub(crate) fn shared(snapshot: &'a ResourceStore, slots: &'a BlockSlots, keys: &BlockKeys) -> Self {
        Self::build(snapshot, slots.table(), Some(&changing_slots(slots, keys)))
    }

    fn build(snapshot: &'a ResourceStore, table: &'a KeyTable, changing: Option<&[AtomicBool]>) -> Self {
        let slots = (0..table.len() as u32)
            .into_par_iter()
            .filter_map(|s| Some((s, table.key(s)?)))
            .map(|(s, &key)| {
                let current = snapshot.resource(&key);
                let changes = changing.is_none_or(|c| c.get(s as usize).is_none_or(|f| f.load(Ordering::Relaxed)));
                let fixed = (!changes).then(|| current.clone());
                let value = SlotValue { current, written: false };
                CachePadded::new(Slot { key, fixed, value: Mutex::new(value) })
            })
            .collect();
        BlockOverlay { snapshot, table, slots, others: Default::default(), overflowed: AtomicBool::new(false) }
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
            if let Some(fixed) = &slot.fixed {
                return fixed.clone();
            }
            return lock(&slot.value).current.clone();
        }
        match self.others.get(shard_of(key)).and_then(|m| lock(m).get(key).cloned()) {
            Some(written) => written,
            None => self.snapshot.resource(key),
        }
    }

    pub(crate) fn write(&self, own: &[u32], op: &WriteOp) {
        match self.slot(own, &op.key) {
            Some(slot) => {
                // The VM lets a transaction write only what it declares, and
                // `changing_slots` counts every declared write and add.
                debug_assert!(slot.fixed.is_none(), "a write to a slot the block only reads");
                let mut value = lock(&slot.value);
                match &op.change {
                    // The receipt and the overlay share the value: no copy.
                    Change::Set(new) => *value = SlotValue { current: Some(new.clone()), written: true },
                    Change::Delete => *value = SlotValue { current: None, written: true },
                    Change::Add(_) => match op.apply_to(value.current.as_deref()) {
                        Ok(sum) => *value = SlotValue { current: sum, written: true },
                        Err(_) => self.overflowed.store(true, Ordering::Relaxed),
                    },
                }
            }
            None => {
                let Some(m) = self.others.get(shard_of(&op.key)) else { return };
                let mut others = lock(m);
                let written = match &op.change {
                    Change::Set(new) => Some(new.clone()),
                    Change::Delete => None,
                    Change::Add(_) => {
                        // The latest value: the block's write, else the snapshot.
                        let current = match others.get(&op.key) {
                            Some(written) => written.clone(),
                            None => self.snapshot.resource(&op.key),
                        };
                        match op.apply_to(current.as_deref()) {
                            Ok(sum) => sum,
                            Err(_) => {
                                self.overflowed.store(true, Ordering::Relaxed);
                                return;
                            }
                        }
                    }
                };
                others.insert(op.key, written);
            }
        }
    }

    /// Records that the run's verdict on some counter's bound may be wrong:
    /// a transaction aborted with `CounterOverflow`.
    pub(crate) fn mark_overflowed(&self) {
        self.overflowed.store(true, Ordering::Relaxed);
    }

    /// Whether some counter delta did not apply (it would have passed its
    /// type's maximum): the run's result is then not the sequential one.
    pub(crate) fn overflowed(&self) -> bool {
        self.overflowed.load(Ordering::Relaxed)
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

/// Per slot, whether a transaction of the block may change its key: it
/// declares a write or an add of the key itself, or of every key of its
/// type (`*`). Computed on the current rayon pool, one pass over the
/// block's accesses.
fn changing_slots(slots: &BlockSlots, keys: &BlockKeys) -> Vec<AtomicBool> {
    let changing: Vec<AtomicBool> = (0..slots.table().len()).map(|_| AtomicBool::new(false)).collect();
    let mut typewide: Vec<TypeId> = (0..keys.len())
        .into_par_iter()
        .with_min_len(1024)
        .flat_map_iter(|i| {
            let mut exact = slots.slots_of(i).iter();
            let mut typewide = SmallVec::<[TypeId; 1]>::new();
            for access in keys.accesses(i) {
                match access.key {
                    AccessKey::Exact(_) => {
                        let slot = exact.next();
                        if access.mode != AccessMode::Read {
                            if let Some(flag) = slot.and_then(|&s| changing.get(s as usize)) {
                                flag.store(true, Ordering::Relaxed);
                            }
                        }
                    }
                    AccessKey::AnyOf(ty) if access.mode != AccessMode::Read => typewide.push(ty),
                    AccessKey::AnyOf(_) => {}
                }
            }
            typewide
        })
        .collect();
    typewide.sort_unstable();
    typewide.dedup();
    if !typewide.is_empty() {
        changing.par_iter().enumerate().for_each(|(s, flag)| {
            if slots.table().key(s as u32).is_some_and(|key| typewide.binary_search(&key.ty).is_ok()) {
                flag.store(true, Ordering::Relaxed);
            }
        });
    }
    changing
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

/// What a transaction that declared counter adds sees on one of several
/// lanes: its view, with what it reads of those counters recorded (see
/// `counters.rs`). A type of its own, so that other transactions' reads
/// pay nothing for it.
pub(crate) struct WatchedView<'o, 'a> {
    pub(crate) view: TxView<'o, 'a>,
    pub(crate) watch: AddWatch<'o>,
}

impl StateView for WatchedView<'_, '_> {
    fn resource(&self, key: &ResourceKey) -> Option<Shared> {
        let value = self.view.resource(key);
        self.watch.saw(key, &value);
        value
    }
}

/// Records the values a transaction reads of the keys it declared `add`
/// for. (The VM reads such a key once, for the counter's existence and the
/// bound its add is checked against.)
pub(crate) struct AddWatch<'o> {
    keys: &'o DeclaredKeys,
    /// Each key with the value read (`None`: absent).
    pub(crate) seen: RefCell<SmallVec<[(ResourceKey, Written); 2]>>,
}

impl<'o> AddWatch<'o> {
    pub(crate) fn new(keys: &'o DeclaredKeys) -> Self {
        AddWatch { keys, seen: RefCell::default() }
    }

    fn saw(&self, key: &ResourceKey, value: &Option<Shared>) {
        let declared_add = self.keys.0.iter().any(|a| {
            a.mode == AccessMode::Add
                && match a.key {
                    AccessKey::Exact(k) => k == *key,
                    AccessKey::AnyOf(ty) => ty == key.ty,
                }
        });
        if declared_add {
            self.seen.borrow_mut().push((*key, value.clone()));
        }
    }
}
