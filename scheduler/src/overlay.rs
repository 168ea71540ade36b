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
//! adders run side by side. On several lanes each lane sums its adders'
//! deltas ([`Change::Add`]) in a cell of its own beside the slot, and an
//! adder's read of the counter (the VM checks the counter exists and its
//! add's bound) is served from the lane's copy of the slot's value: a vote
//! or a mint on every core then never takes a lock another core takes, nor
//! pulls a cache line another core writes. (One lock per slot, taken by
//! every adder on both cores, made votes on one proposal slower on two
//! lanes than on one.) The cells are folded into the slot, in any order,
//! when a transaction that reads or writes the key runs (the plan orders it
//! after every earlier adder and before every later one, so no adder of the
//! key runs meanwhile) and when the block ends. Adds commute, so the final
//! value is the sequential one, provided no add overflowed; an adder's
//! verdict against the value its lane saw is not necessarily block order's
//! either. The overlay therefore records any delta that does not apply
//! ([`BlockOverlay::overflowed`]), and the engine then discards the run and
//! executes the block again in order (see `engine.rs`); and each adder's
//! view records what it saw of its counters ([`AddWatch`]), kept when the
//! adder failed for the check of its verdict after the run (`counters.rs`;
//! a successful adder's verdict is the folds').
//!
//! Keys the block names exactly have a slot, numbered by the conflict graph,
//! so the hot path is a short scan of the transaction's own keys and an array
//! index, never a hash of a persistent map: each slot is loaded with the
//! key's pre-block value when the overlay is built, on every thread of the
//! pool at once, before any transaction runs. Keys reached only through a
//! type-wide (`*`) access live in a small hashed side table.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU8, Ordering};
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
use resin_state::prefetch::prefetch;

/// A key's value as the block left it: `None` deletes.
pub(crate) type Written = Option<Shared>;

struct Slot {
    /// Beside the value, so a lookup touches one cache line.
    key: ResourceKey,
    value: Mutex<SlotValue>,
    /// What only some slots need, boxed (see [`Extra`]).
    extra: Option<Box<Extra>>,
}

// The rare parts of a slot (a fixed value, a counter's cells) are boxed so
// that a slot fills one 128-byte pair of cache lines, the padding's unit,
// rather than two: the overlay of 100,000 transfers has ~86,000 slots, and
// every pass over it (building it, the lanes, gathering the writes) moves
// half the memory.
const _: () = assert!(std::mem::size_of::<Slot>() <= 128);

/// A slot's rare part. A fixed key is one no transaction changes, and a
/// counter's is one several add to, so a slot has at most one of them.
enum Extra {
    /// The pre-block value, when no transaction of the block writes or adds
    /// to the key (exactly or through a `*` access to its type): it stays
    /// the value for the whole block, so reads take it without the lock. A
    /// key every transaction reads (a proposal's deadline, a collection's
    /// size) would otherwise have its lock's cache line passed between the
    /// cores on every read.
    Fixed(Fixed),
    /// For a key the block adds to, on several lanes: each lane's cell.
    Counter(CounterCells),
}

impl Slot {
    fn fixed(&self) -> Option<&Fixed> {
        match self.extra.as_deref() {
            Some(Extra::Fixed(fixed)) => Some(fixed),
            _ => None,
        }
    }

    fn counter(&self) -> Option<&CounterCells> {
        match self.extra.as_deref() {
            Some(Extra::Counter(counter)) => Some(counter),
            _ => None,
        }
    }
}

/// A fixed slot's value (see [`Extra::Fixed`]).
struct Fixed {
    value: Option<Shared>,
    /// For a value behind a reference count that several transactions
    /// read, on several lanes: a copy of it per lane after the first, each
    /// with a count of its own (see [`Shared::detached`]). Otherwise every
    /// read on any lane would write the one count (a clone for the
    /// transaction, a drop at its end), and its cache line would pass
    /// between the cores twice per read.
    copies: Box<[Shared]>,
}

/// A counter slot's share per lane (see [`Extra::Counter`]).
struct CounterCells {
    /// Each lane's adds not yet folded into the slot's value, and its copy
    /// of that value (indexed by lane).
    lanes: Box<[CachePadded<Mutex<LaneCell>>]>,
    /// Bumped whenever the slot's value changes other than by a lane's
    /// add: a lane's copy made at another version is stale. Adders of the
    /// key only read it, so its cache line stays in every core's cache
    /// while they run.
    version: AtomicU32,
}

/// One lane's share of a counter slot.
#[derive(Default)]
struct LaneCell {
    /// The sum of the lane's adds since the last fold; `None`: none since.
    delta: Option<u128>,
    /// The slot's value at a version, as the lane's adders read it.
    copy: Option<(u32, Option<Shared>)>,
}

/// A slot's key as the block has it so far.
struct SlotValue {
    /// The pre-block value until the block writes the key; `None` is absent
    /// (and a fixed slot's, whose value is in its [`Fixed`]).
    current: Option<Shared>,
    /// Whether the block wrote (or deleted) the key: only then is it committed.
    written: bool,
}

pub(crate) struct BlockOverlay<'a> {
    /// A snapshot of its own (an O(1) clone), so the overlay does not borrow
    /// the store: the engine commits the block's writes while the overlay
    /// is being taken apart. It is dropped with the overlay, before the
    /// commit writes the store, which then shares nothing it did not share
    /// before (sharing would make the commit copy every node it touches).
    snapshot: ResourceStore,
    table: &'a KeyTable,
    /// Each on cache lines of its own: neighbouring slots belong to
    /// neighbouring transactions, which run on different lanes, and a slot
    /// is written (its lock taken) on every access.
    slots: Vec<CachePadded<Slot>>,
    others: [Mutex<FxHashMap<ResourceKey, Written>>; SHARDS],
    /// Set when a counter's delta did not apply: the run must be discarded.
    overflowed: AtomicBool,
    /// The slots with a cell per lane.
    counters: Vec<u32>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A poisoned lock only means another lane panicked mid-transaction; that
    // panic is re-raised by the pool, so the data here no longer matters.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The writes of a block, detached from the snapshot so the store can be
/// mutated: the final value of every key the block wrote, split by state
/// shard for [`ResourceStore::apply_sharded`] (which orders and applies them).
pub(crate) struct BlockWrites {
    per_shard: [Vec<Write>; SHARDS],
}

impl<'a> BlockOverlay<'a> {
    /// Builds the slots, each with its key's pre-block value, on the current
    /// rayon pool: they are many, a lookup in the persistent store waits for
    /// a bucket to come from memory, and fresh memory is slow to touch the
    /// first time.
    pub(crate) fn new(snapshot: &ResourceStore, table: &'a KeyTable) -> Self {
        Self::build(snapshot, table, None, 0)
    }

    /// [`BlockOverlay::new`] for `lanes` lanes that run side by side: the
    /// slots of keys the block only reads are fixed, read without their
    /// lock, and the slots of keys it adds to have a cell per lane.
    pub(crate) fn shared(snapshot: &ResourceStore, slots: &'a BlockSlots, keys: &BlockKeys, lanes: usize) -> Self {
        Self::build(snapshot, slots.table(), Some(&slot_uses(slots, keys)), lanes)
    }

    /// [`BlockOverlay::shared`] with the slots' uses found already (by the
    /// frontier's numbering, `frontier.rs`), as [`slot_uses`] gives them.
    pub(crate) fn with_uses(snapshot: &ResourceStore, table: &'a KeyTable, uses: &[u8], lanes: usize) -> Self {
        Self::build(snapshot, table, Some(uses), lanes)
    }

    fn build(snapshot: &ResourceStore, table: &'a KeyTable, uses: Option<&[u8]>, lanes: usize) -> Self {
        // First the pre-block values alone. Each lookup waits for a bucket
        // of the store's table to come from memory, and in a loop that does
        // nothing else the core keeps several lookups in flight at once;
        // with each slot built between them, it waits for one at a time (on
        // one thread this took ~15-20 ms, over a third, off a transfer
        // block's ~45 ms build, when the store was a hash trie). The lookups
        // go in chunks, each asking for its keys' buckets a few keys ahead
        // (`resources_into`). Both passes are indexed, so their results
        // are written in place.
        let keys = table.keys();
        let mut values: Vec<Option<Shared>> = vec![None; keys.len()];
        values
            .par_chunks_mut(LOOKUP_CHUNK)
            .zip(keys.par_chunks(LOOKUP_CHUNK))
            .for_each(|(values, keys)| snapshot.resources_into(keys, values));
        let slots = table
            .keys()
            .par_iter()
            .zip(values)
            .enumerate()
            .map(|(s, (&key, current))| {
                let used = uses.map_or(CHANGED, |u| u.get(s).copied().unwrap_or(CHANGED));
                let (current, extra) = if used & CHANGED == 0 {
                    let copies = match &current {
                        Some(value) if used & READ_AGAIN != 0 && lanes > 1 && value.is_counted() => {
                            (1..lanes).map(|_| value.detached()).collect()
                        }
                        _ => Box::default(),
                    };
                    // Read only from here: the locked value stays empty.
                    (None, Some(Box::new(Extra::Fixed(Fixed { value: current, copies }))))
                } else if used & ADDED_AGAIN != 0 && lanes > 1 {
                    let lanes = (0..lanes).map(|_| CachePadded::default()).collect();
                    (current, Some(Box::new(Extra::Counter(CounterCells { lanes, version: AtomicU32::new(0) }))))
                } else {
                    (current, None)
                };
                let value = SlotValue { current, written: false };
                CachePadded::new(Slot { key, value: Mutex::new(value), extra })
            })
            .collect();
        let counters = match uses {
            Some(uses) if lanes > 1 => {
                (0..uses.len() as u32).filter(|&s| uses.get(s as usize).is_some_and(|u| u & ADDED_AGAIN != 0)).collect()
            }
            _ => Vec::new(),
        };
        BlockOverlay {
            snapshot: snapshot.clone(),
            table,
            slots,
            others: Default::default(),
            overflowed: AtomicBool::new(false),
            counters,
        }
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

    /// Starts loading the slots of `own` (a transaction's exact keys) into
    /// the cache, for a transaction that runs next (see `resin_state::prefetch`).
    #[inline]
    pub(crate) fn prefetch(&self, own: &[u32]) {
        for slot in own.iter().filter_map(|&s| self.slots.get(s as usize)) {
            // A padded slot spans two lines: a read compares the key,
            // looks at the fixed value and takes the value's lock.
            prefetch(&slot.key);
            prefetch(&slot.extra);
            prefetch(&slot.value);
        }
    }

    /// What a transaction on `lane` reads of `key`.
    pub(crate) fn read(&self, lane: u32, own: &[u32], key: &ResourceKey) -> Option<Shared> {
        if let Some(slot) = self.slot(own, key) {
            if let Some(fixed) = slot.fixed() {
                // Lane 0 reads the value itself, a later lane its own copy.
                return match (lane as usize).checked_sub(1).and_then(|i| fixed.copies.get(i)) {
                    Some(copy) => Some(copy.clone()),
                    None => fixed.value.clone(),
                };
            }
            let mut value = lock(&slot.value);
            self.fold(slot, &mut value);
            return value.current.clone();
        }
        match self.others.get(shard_of(key)).and_then(|m| lock(m).get(key).cloned()) {
            Some(written) => written,
            None => self.snapshot.resource(key),
        }
    }

    /// What an adder on `lane` reads of a key it declared `add` for: on
    /// several lanes, the lane's copy of the slot's value, without the
    /// adds of any lane since the last fold. The verdict checked against it
    /// is checked again after the run (`counters.rs`).
    pub(crate) fn read_for_add(&self, lane: u32, own: &[u32], key: &ResourceKey) -> Option<Shared> {
        let Some((slot, counter, cell)) = self.slot(own, key).and_then(|slot| {
            let counter = slot.counter()?;
            Some((slot, counter, counter.lanes.get(lane as usize)?))
        }) else {
            return self.read(lane, own, key);
        };
        let version = counter.version.load(Ordering::Acquire);
        if let Some((at, copy)) = &lock(cell).copy {
            if *at == version {
                return copy.clone();
            }
        }
        // Once per lane and fold: the slot's lock is taken by no adder of
        // the key now (folds run only in its readers and writers).
        let current = lock(&slot.value).current.clone();
        lock(cell).copy = Some((version, current.clone()));
        current
    }

    /// Folds the lanes' adds to `slot` into its value (the caller holds
    /// the value's lock). Only a reader or writer of the key folds, which
    /// the plan orders after every adder before it and before every one
    /// after it, so the cells hold exactly the adds that precede it.
    /// Inline, since most slots (every one a transfer touches) have no
    /// cells, and a call per read and write only to learn that cost more
    /// than the check.
    #[inline(always)]
    fn fold(&self, slot: &Slot, value: &mut SlotValue) {
        if let Some(counter) = slot.counter() {
            self.fold_cells(slot, counter, value);
        }
    }

    fn fold_cells(&self, slot: &Slot, counter: &CounterCells, value: &mut SlotValue) {
        let mut changed = false;
        for cell in counter.lanes.iter() {
            let Some(delta) = lock(cell).delta.take() else { continue };
            if add(slot.key, value, delta).is_err() {
                self.overflowed.store(true, Ordering::Relaxed);
            }
            changed = true;
        }
        if changed {
            counter.version.fetch_add(1, Ordering::Release);
        }
    }

    pub(crate) fn write(&self, lane: u32, own: &[u32], op: &WriteOp) {
        match self.slot(own, &op.key) {
            Some(slot) => {
                // The VM lets a transaction write only what it declares, and
                // `slot_uses` counts every declared write and add.
                debug_assert!(slot.fixed().is_none(), "a write to a slot the block only reads");
                let counter = slot.counter();
                if let (Change::Add(delta), Some(cell)) = (&op.change, counter.and_then(|c| c.lanes.get(lane as usize)))
                {
                    let mut cell = lock(cell);
                    match cell.delta.unwrap_or(0).checked_add(*delta) {
                        Some(sum) => cell.delta = Some(sum),
                        // Past any counter's maximum: the total overflows.
                        None => self.overflowed.store(true, Ordering::Relaxed),
                    }
                    return;
                }
                let mut value = lock(&slot.value);
                // Only a counter's slot has cells to fold, and only lanes'
                // copies go stale: a plain write (a transfer's) skips both
                // the fold and the atomic.
                if let Some(counter) = counter {
                    self.fold_cells(slot, counter, &mut value);
                    counter.version.fetch_add(1, Ordering::Release);
                }
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

    /// Folds every lane's adds into the slots (see [`BlockOverlay::fold`]),
    /// so that [`BlockOverlay::overflowed`] covers every add of the run.
    /// Call it once the lanes are done.
    pub(crate) fn fold_all(&self) {
        for slot in self.counters.iter().filter_map(|&s| self.slots.get(s as usize)) {
            self.fold(slot, &mut lock(&slot.value));
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

    /// The block's final writes, split by state shard, gathered on the
    /// current rayon pool: a large block has a slot per key it names
    /// (86,000 for 100,000 transfers over 100,000 accounts, 11 MB of
    /// slots). The slots are walked in order, in chunks, each chunk sorting
    /// its writes into shards: a walk shard by shard visited every
    /// sixteenth slot, a page apart, and waited for memory at each one.
    pub(crate) fn into_writes(self) -> BlockWrites {
        let BlockOverlay { snapshot, mut slots, others, .. } = self;
        drop(snapshot);
        // The slots are the overlay's own now: read without their locks
        // (the lanes' cores last wrote them, and an atomic on a line in
        // another core's cache waits for the line, one slot at a time).
        let chunks: Vec<[Vec<Write>; SHARDS]> = slots
            .par_chunks_mut(WRITES_CHUNK)
            .map(|chunk| {
                let mut lists: [Vec<Write>; SHARDS] = Default::default();
                for slot in chunk {
                    let Slot { key, value, extra } = &mut **slot;
                    let value = value.get_mut().unwrap_or_else(PoisonError::into_inner);
                    // Only an overlay of several lanes has cells, and the
                    // executor folds them all (`fold_all`, which flags a
                    // delta that does not apply) before it asks for the
                    // writes; one left over is still added, as a fold would.
                    let cells = match extra.as_deref_mut() {
                        Some(Extra::Counter(counter)) => &mut counter.lanes[..],
                        _ => &mut [],
                    };
                    for cell in cells {
                        let cell = cell.get_mut().unwrap_or_else(PoisonError::into_inner);
                        debug_assert!(cell.delta.is_none(), "the cells are folded before the writes are gathered");
                        if let Some(delta) = cell.delta.take() {
                            let _ = add(*key, value, delta);
                        }
                    }
                    if value.written {
                        if let Some(list) = lists.get_mut(shard_of(key)) {
                            list.push((*key, value.current.take()));
                        }
                    }
                }
                lists
            })
            .collect();
        // Regrouped shard by shard (moving lists, not writes), then laid end
        // to end per shard on the pool: each shard's writes stay in slot order.
        let mut by_shard: [Vec<Vec<Write>>; SHARDS] = Default::default();
        for lists in chunks {
            for (pieces, list) in by_shard.iter_mut().zip(lists) {
                pieces.push(list);
            }
        }
        let others = others.map(|m| m.into_inner().unwrap_or_else(PoisonError::into_inner));
        let mut per_shard: [Vec<Write>; SHARDS] = Default::default();
        per_shard.par_iter_mut().zip(by_shard).zip(others).for_each(|((list, pieces), others)| {
            list.reserve_exact(pieces.iter().map(Vec::len).sum::<usize>() + others.len());
            pieces.into_iter().for_each(|piece| list.extend(piece));
            list.extend(others);
        });
        BlockWrites { per_shard }
    }
}

/// Adds `delta` to a counter slot's value, which it then writes; an error
/// when the sum would pass the counter's maximum.
fn add(key: ResourceKey, value: &mut SlotValue, delta: u128) -> Result<(), ()> {
    let op = WriteOp { key, change: Change::Add(delta) };
    let sum = op.apply_to(value.current.as_deref()).map_err(drop)?;
    *value = SlotValue { current: sum, written: true };
    Ok(())
}

/// Keys looked up per task when the overlay is built: enough that the
/// lookups asked for ahead stay ahead for most of a task, few enough that
/// a block's tasks spread over the pool.
const LOOKUP_CHUNK: usize = 1024;

/// Slots walked per task by [`BlockOverlay::into_writes`]: half a
/// megabyte of slots, enough that sixteen lists per chunk stay few.
const WRITES_CHUNK: usize = 4096;

/// [`slot_uses`]: a transaction of the block may change the slot's key (it
/// declares a write or an add of the key itself, or of every key of its
/// type, `*`).
pub(crate) const CHANGED: u8 = 1;
/// [`slot_uses`]: a transaction declares an add of the slot's key itself.
pub(crate) const ADDED: u8 = 2;
/// [`slot_uses`]: more than one does: only then do lanes get cells, which a
/// counter of one transaction's (its own tally) would only pay for.
pub(crate) const ADDED_AGAIN: u8 = 4;
/// [`slot_uses`]: a transaction declares a read of the slot's key itself.
pub(crate) const READ: u8 = 8;
/// [`slot_uses`]: more than one does: only then is a fixed value worth a
/// copy per lane (`Fixed::copies`).
pub(crate) const READ_AGAIN: u8 = 16;

/// What an exact access in `mode` adds to its key's flags: `set`, and
/// `again` when `once` was set already (a use that matters once more than
/// one transaction makes it).
fn use_bits(mode: AccessMode) -> (u8, u8, u8) {
    match mode {
        AccessMode::Read => (READ, READ, READ_AGAIN),
        AccessMode::Write => (CHANGED, 0, 0),
        AccessMode::Add => (CHANGED | ADDED, ADDED, ADDED_AGAIN),
    }
}

/// [`use_bits`] added to a flag many threads set. A hot key's flags settle
/// after two uses; testing before the read-modify-write keeps its line from
/// being owned by every transaction's pass.
fn once_or_again(flag: &AtomicU8, mode: AccessMode) {
    let (set, once, again) = use_bits(mode);
    let all = set | again;
    if flag.load(Ordering::Relaxed) & all != all && flag.fetch_or(set, Ordering::Relaxed) & once != 0 {
        flag.fetch_or(again, Ordering::Relaxed);
    }
}

/// Per slot, how the block uses it ([`CHANGED`], [`ADDED`], [`ADDED_AGAIN`],
/// [`READ`], [`READ_AGAIN`]).
/// Computed on the current rayon pool, one pass over the block's accesses.
pub(crate) fn slot_uses(slots: &BlockSlots, keys: &BlockKeys) -> Vec<u8> {
    let changing: Vec<AtomicU8> = (0..slots.table().len()).map(|_| AtomicU8::new(0)).collect();
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
                        let Some(flag) = slot.and_then(|&s| changing.get(s as usize)) else { continue };
                        once_or_again(flag, access.mode);
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
                flag.fetch_or(CHANGED, Ordering::Relaxed);
            }
        });
    }
    changing.into_iter().map(AtomicU8::into_inner).collect()
}

/// One exact access's use of its key, added to the key's flags as
/// [`slot_uses`] adds it, for a pass that sees each key's accesses on one
/// thread (the frontier's numbering, `graph/exact.rs`).
pub(crate) fn use_key(flags: &mut u8, mode: AccessMode) {
    let (set, once, again) = use_bits(mode);
    if *flags & once != 0 {
        *flags |= again;
    }
    *flags |= set;
}

impl BlockWrites {
    pub(crate) fn into_sharded(self) -> [Vec<Write>; SHARDS] {
        self.per_shard
    }
}

/// What one transaction sees.
pub(crate) struct TxView<'o, 'a> {
    pub(crate) overlay: &'o BlockOverlay<'a>,
    /// The lane the transaction runs on.
    pub(crate) lane: u32,
    /// The transaction's exact keys as slots.
    pub(crate) own: &'o [u32],
}

impl StateView for TxView<'_, '_> {
    fn resource(&self, key: &ResourceKey) -> Option<Shared> {
        self.overlay.read(self.lane, self.own, key)
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
        if !self.watch.declares_add(key) {
            return self.view.resource(key);
        }
        let value = self.view.overlay.read_for_add(self.view.lane, self.view.own, key);
        self.watch.seen.borrow_mut().push((*key, value.clone()));
        value
    }
}

/// Records the values a transaction reads of the keys it declared `add`
/// for. (The VM reads such a key once, at the transaction's first
/// `counter_add` on it, for the counter's existence and the bound its add is
/// checked against; a transaction that fails before adding reads none.)
pub(crate) struct AddWatch<'o> {
    keys: &'o DeclaredKeys,
    /// Each key with the value read (`None`: absent).
    pub(crate) seen: RefCell<SmallVec<[(ResourceKey, Written); 2]>>,
}

impl<'o> AddWatch<'o> {
    pub(crate) fn new(keys: &'o DeclaredKeys) -> Self {
        AddWatch { keys, seen: RefCell::default() }
    }

    fn declares_add(&self, key: &ResourceKey) -> bool {
        self.keys.0.iter().any(|a| {
            a.mode == AccessMode::Add
                && match a.key {
                    AccessKey::Exact(k) => k == *key,
                    AccessKey::AnyOf(ty) => ty == key.ty,
                }
        })
    }
}
