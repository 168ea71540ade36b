//! Global storage as one transaction sees it: a tiny working set of the
//! resources it touched, checked against its declared keys.
//!
//! Every global instruction checks its key against the transaction's
//! [`DeclaredKeys`] *before* the state is read; an access outside them is an
//! [`Fault::Access`]. A resource is read from the [`StateView`] once, kept as
//! the shared pointer the view returned, and copied only when it is first
//! borrowed mutably (copy-on-write: the view's value is never mutated). The
//! write set is built from the slots marked dirty, so a failed transaction
//! simply drops the working set and writes nothing.
//!
//! The first few *exact* declared keys are read when the transaction starts,
//! before any instruction runs. They are inside the access set, so this reads
//! nothing the transaction may not read; it lets the processor overlap the
//! cache misses of independent lookups (a transfer's two balances) instead of
//! taking them one after another between instructions. Gas for such a read is
//! charged when the program first touches the key, exactly as if it had been
//! read then, so gas does not depend on prefetching. A key declared only
//! `add` is not read up front but at the transaction's first `counter_add`
//! on it: the view then sees exactly the counters whose value the
//! transaction used (see below), which is what lets the parallel executor
//! tell a failed adder that never reached its add (a second vote, refused
//! before it counts) from one whose add may have decided its outcome.
//!
//! # Counters
//!
//! `counter_add` runs as the transaction's declared mode for the key says.
//! With a write declared it is a read-modify-write, like `r.v = r.v + n`.
//! With only `add` declared, the transaction may run concurrently with other
//! adders of the counter, so it must not observe the total: it reads the
//! visible value only to check that the counter exists and that the sum
//! fits, keeps the sum of its adds ([`Resident::Added`]), and writes that
//! delta ([`Change::Add`]), which whoever applies the write set adds to the
//! value in block order. Its gas is charged on the counter's largest size
//! ([`counter_size`]), never on the visible value's. Any other instruction
//! on a key declared only `add` is an access violation.

use smallvec::SmallVec;

use super::slot::{Ref, Root, Slot, Stack};
use super::{dangling, invariant, resource_fault, runtime, Fault};
use crate::gas::{counter_size, read_cost, write_cost, GasMeter};
use crate::loader::LoadedModule;
use crate::transaction::RuntimeErrorKind;
use resin_format::encoding::limits::MAX_VALUE_SIZE;
use resin_format::file_format::{AccessMode, AccountAddress, StructDefIdx};
use resin_state::keys::register_keyed_address;
use resin_state::keys::{AccessKey, DeclaredKeys, ResourceKey, TypeId};
use resin_state::store::StateView;
use resin_state::value::Value;
use resin_state::{apply_delta, check_delta, Change, DeltaError, Shared, WriteOp, WriteSet};

/// A resource's current value in the working set.
#[derive(Debug)]
enum Resident {
    Absent,
    /// As read from the view, not yet mutated.
    Shared(Shared),
    /// Owned by this transaction: borrowed mutably or moved in.
    Owned(Value),
    /// A counter this transaction only adds to (see the module
    /// documentation): the value it saw and the sum of its adds.
    Added(Shared, u128),
}

#[derive(Debug)]
pub(crate) struct GlobalSlot {
    key: ResourceKey,
    value: Resident,
    /// Whether the resource existed before the transaction.
    existed: bool,
    /// Whether the transaction may have changed it (it goes to the write set).
    dirty: bool,
    /// The strongest mode already checked against the declared keys
    /// (`None`: prefetched, not yet accessed by the program).
    granted: Option<AccessMode>,
    /// The size of the value as read, charged on first access.
    read_size: u64,
}

impl GlobalSlot {
    /// `key` as the view holds it, not yet charged, granted or measured.
    #[inline(always)]
    fn read(key: ResourceKey, value: Option<Shared>) -> GlobalSlot {
        let existed = value.is_some();
        let value = value.map_or(Resident::Absent, Resident::Shared);
        GlobalSlot { key, value, existed, dirty: false, granted: None, read_size: 0 }
    }

    /// Records the size of the value as read, which its first access is
    /// charged for.
    #[inline(always)]
    fn measure(&mut self) {
        if let Resident::Shared(value) = &self.value {
            self.read_size = value.storage_size();
        }
    }
}

pub(crate) struct WorkingSet<'v, V: StateView + ?Sized> {
    view: &'v V,
    keys: &'v DeclaredKeys,
    /// A transaction touches a handful of resources: a linear scan beats
    /// hashing. The vector is reused across transactions (see `Scratch`).
    slots: Vec<GlobalSlot>,
}

/// Whether `keys` allow an access of `mode` to `key`: an exact key or every
/// key of the type, declared with a mode that covers `mode`.
#[inline]
fn allowed(keys: &DeclaredKeys, mode: AccessMode, key: &ResourceKey) -> bool {
    keys.0.iter().any(|declared| {
        mode.covered_by(declared.mode)
            && match &declared.key {
                AccessKey::Exact(exact) => same_key(exact, key),
                AccessKey::AnyOf(ty) => *ty == key.ty,
            }
    })
}

/// Key equality with the cheap, most selective part (the type) first.
#[inline(always)]
fn same_key(a: &ResourceKey, b: &ResourceKey) -> bool {
    a.ty == b.ty && a.address == b.address
}

#[inline]
pub(super) fn type_of(module: &LoadedModule, def: StructDefIdx) -> Result<TypeId, Fault> {
    module.structs.get(def.index()).map(|s| s.ty).ok_or_else(invariant)
}

/// How many exact declared keys are read before the program starts.
const PREFETCH: usize = 4;

impl<'v, V: StateView + ?Sized> WorkingSet<'v, V> {
    /// A working set in `slots` (empty, reused for its capacity).
    #[inline(always)]
    pub fn new(view: &'v V, keys: &'v DeclaredKeys, slots: Vec<GlobalSlot>) -> Self {
        WorkingSet { view, keys, slots }
    }

    /// The transaction's declared keys.
    pub fn keys(&self) -> &'v DeclaredKeys {
        self.keys
    }

    /// Reads the first few exact declared keys that are not only added to
    /// (see the module documentation): every lookup first, then every
    /// value's size, so that independent cache misses overlap. Each value
    /// goes straight into its slot; its size is filled in by the second
    /// pass. (Gathered in an array of its own first, each key and value
    /// was moved twice and the array initialised and dropped.)
    #[inline]
    pub fn prefetch(&mut self) {
        let first = self.slots.len();
        let exact = self.keys.0.iter().filter_map(|declared| match declared.key {
            AccessKey::Exact(key) if declared.mode != AccessMode::Add => Some(key),
            _ => None,
        });
        for key in exact.take(PREFETCH) {
            // Declared keys are deduplicated, but hand-made ones may not be.
            if !self.slots.iter().any(|s| same_key(&s.key, &key)) {
                let value = self.view.resource(&key);
                self.slots.push(GlobalSlot::read(key, value));
            }
        }
        self.slots.iter_mut().skip(first).for_each(GlobalSlot::measure);
    }

    /// The slot vector, emptied, to be reused by the next transaction.
    pub fn into_slots(mut self) -> Vec<GlobalSlot> {
        self.slots.clear();
        self.slots
    }

    /// Reads `key` from the view into a new slot, not yet charged or granted.
    fn load(&mut self, key: ResourceKey) -> usize {
        let mut slot = GlobalSlot::read(key, self.view.resource(&key));
        slot.measure();
        self.slots.push(slot);
        self.slots.len() - 1
    }

    /// The slot for `key`, checked for `mode` (before the view is read) and
    /// charged for its bytes on the program's first access.
    #[inline(always)]
    fn slot(&mut self, key: ResourceKey, mode: AccessMode, gas: &mut GasMeter) -> Result<usize, Fault> {
        let index = match self.slots.iter().position(|s| same_key(&s.key, &key)) {
            Some(index) => index,
            None => {
                if !allowed(self.keys, mode, &key) {
                    return Err(Fault::Access(Box::new((mode, key))));
                }
                self.load(key)
            }
        };
        let slot = &mut self.slots[index];
        match slot.granted {
            Some(granted) if mode.covered_by(granted) => {}
            granted => {
                if !allowed(self.keys, mode, &key) {
                    return Err(Fault::Access(Box::new((mode, key))));
                }
                if granted.is_none() {
                    let size = match (&slot.value, mode) {
                        (Resident::Shared(value), AccessMode::Add) => counter_size(value),
                        _ => slot.read_size,
                    };
                    gas.charge(read_cost(size))?;
                }
                if granted == Some(AccessMode::Add) && mode != AccessMode::Add {
                    materialize(slot)?;
                }
                slot.granted = Some(mode);
            }
        }
        Ok(index)
    }

    /// Records where a keyed entry's derived address comes from, for
    /// printers ([`resin_state::keys::keyed_origin`]), the first time the
    /// transaction touches it, unless the transaction declared the entry
    /// exactly: instantiating its keys recorded it then, and the registry
    /// is shared by every lane, so the hot path skips it. Only an entry
    /// reached through a `[*]` declaration is recorded here.
    #[inline]
    pub fn note_keyed(&self, key: &ResourceKey, anchor: &AccountAddress, index: &Value) {
        let declared = self.keys.0.iter().any(|d| matches!(&d.key, AccessKey::Exact(exact) if same_key(exact, key)));
        if !declared && !self.slots.iter().any(|s| same_key(&s.key, key)) {
            register_keyed_address(key.address, anchor, index);
        }
    }

    /// The current value of slot `index`, for a reference rooted there.
    #[inline]
    pub fn value(&self, index: u32) -> Result<&Value, Fault> {
        match &self.slots.get(index as usize).ok_or_else(invariant)?.value {
            Resident::Shared(value) => Ok(value),
            Resident::Owned(value) => Ok(value),
            Resident::Absent => Err(dangling()),
            // Only `counter_add` touches an added counter: nothing refers to it.
            Resident::Added(..) => Err(invariant()),
        }
    }

    /// The current value of slot `index`, for writing. Only a slot that was
    /// borrowed mutably (and so checked for writing and made owned) qualifies.
    #[inline]
    pub fn value_mut(&mut self, index: u32) -> Result<&mut Value, Fault> {
        match &mut self.slots.get_mut(index as usize).ok_or_else(invariant)?.value {
            Resident::Owned(value) => Ok(value),
            Resident::Shared(_) | Resident::Added(..) => Err(invariant()),
            Resident::Absent => Err(dangling()),
        }
    }

    /// `exists<T>` of the resource type `ty`: a read.
    #[inline]
    pub fn exists(&mut self, stack: &mut Stack, gas: &mut GasMeter, ty: TypeId) -> Result<(), Fault> {
        let key = ResourceKey { address: stack.pop_address()?, ty };
        self.exists_key(stack, gas, key)
    }

    /// `exists` of the resource (or keyed entry) `key`.
    #[inline]
    pub fn exists_key(&mut self, stack: &mut Stack, gas: &mut GasMeter, key: ResourceKey) -> Result<(), Fault> {
        let index = self.slot(key, AccessMode::Read, gas)?;
        let present = !matches!(self.slots[index].value, Resident::Absent);
        stack.push_val(Value::Bool(present));
        Ok(())
    }

    /// `imm_borrow_global<T>` (a read) / `mut_borrow_global<T>` (a write).
    #[inline(always)]
    pub fn borrow(&mut self, stack: &mut Stack, gas: &mut GasMeter, ty: TypeId, mutable: bool) -> Result<(), Fault> {
        let address = stack.pop_address()?;
        let index = self.borrow_slot(address, ty, mutable, gas)?;
        stack.push(Slot::Ref(Ref::new(Root::Global(index), mutable)));
        Ok(())
    }

    /// The slot a `borrow_global` of `ty` at `address` roots its reference
    /// in: checked (a write when `mutable`), charged, made owned and dirty
    /// when `mutable`, and present.
    #[inline(always)]
    pub fn borrow_slot(
        &mut self,
        address: AccountAddress,
        ty: TypeId,
        mutable: bool,
        gas: &mut GasMeter,
    ) -> Result<u32, Fault> {
        let mode = if mutable { AccessMode::Write } else { AccessMode::Read };
        let key = ResourceKey { address, ty };
        let index = self.slot(key, mode, gas)?;
        let slot = &mut self.slots[index];
        if mutable {
            if let Resident::Shared(_) = slot.value {
                slot.value = match std::mem::replace(&mut slot.value, Resident::Absent) {
                    Resident::Shared(shared) => Resident::Owned(shared.into_owned()),
                    other => other,
                };
            }
            slot.dirty = true;
        }
        if matches!(slot.value, Resident::Absent) {
            return Err(resource_fault(RuntimeErrorKind::ResourceMissing, key));
        }
        u32::try_from(index).map_err(|_| invariant())
    }

    /// `move_from<T>`: a write that takes the resource out of storage.
    #[inline]
    pub fn move_from(&mut self, stack: &mut Stack, gas: &mut GasMeter, ty: TypeId) -> Result<(), Fault> {
        let key = ResourceKey { address: stack.pop_address()?, ty };
        self.move_from_key(stack, gas, key)
    }

    /// `move_from` of the resource (or keyed entry) `key`.
    #[inline]
    pub fn move_from_key(&mut self, stack: &mut Stack, gas: &mut GasMeter, key: ResourceKey) -> Result<(), Fault> {
        let index = self.slot(key, AccessMode::Write, gas)?;
        let slot = &mut self.slots[index];
        let value = match std::mem::replace(&mut slot.value, Resident::Absent) {
            Resident::Absent => return Err(resource_fault(RuntimeErrorKind::ResourceMissing, key)),
            Resident::Shared(shared) => shared.into_owned(),
            Resident::Owned(value) => value,
            // `slot` made it owned: a write is not an add.
            Resident::Added(..) => return Err(invariant()),
        };
        slot.dirty = true;
        stack.push_val(value);
        Ok(())
    }

    /// `move_to<T>`: a write that publishes `value` under `address`.
    #[inline]
    pub fn move_to(
        &mut self,
        value: Value,
        address: AccountAddress,
        gas: &mut GasMeter,
        ty: TypeId,
    ) -> Result<(), Fault> {
        self.move_to_key(value, ResourceKey { address, ty }, gas)
    }

    /// `move_to` of `value` as the resource (or keyed entry) `key`.
    #[inline]
    pub fn move_to_key(&mut self, value: Value, key: ResourceKey, gas: &mut GasMeter) -> Result<(), Fault> {
        let index = self.slot(key, AccessMode::Write, gas)?;
        let slot = &mut self.slots[index];
        if !matches!(slot.value, Resident::Absent) {
            return Err(resource_fault(RuntimeErrorKind::ResourceAlreadyExists, key));
        }
        slot.value = Resident::Owned(value);
        slot.dirty = true;
        Ok(())
    }

    /// `counter_add` of `amount` to the counter `key` (see the module
    /// documentation): a read-modify-write when the transaction may write
    /// the key, else an add, checked against the visible value.
    pub fn counter_add(&mut self, key: ResourceKey, amount: u128, gas: &mut GasMeter) -> Result<(), Fault> {
        let delta_fault = |error: DeltaError| match error {
            DeltaError::Overflow => runtime(RuntimeErrorKind::CounterOverflow { resource: key.ty }),
            DeltaError::NotACounter | DeltaError::Missing => invariant(),
        };
        if allowed(self.keys, AccessMode::Write, &key) {
            let index = self.borrow_slot(key.address, key.ty, true, gas)?;
            let value = self.value_mut(index)?;
            *value = apply_delta(value, amount).map_err(delta_fault)?;
            return Ok(());
        }
        let index = self.slot(key, AccessMode::Add, gas)?;
        let slot = &mut self.slots[index];
        slot.value = match std::mem::replace(&mut slot.value, Resident::Absent) {
            Resident::Absent => return Err(resource_fault(RuntimeErrorKind::ResourceMissing, key)),
            Resident::Shared(seen) => {
                check_delta(&seen, amount).map_err(delta_fault)?;
                Resident::Added(seen, amount)
            }
            Resident::Added(seen, sum) => {
                let sum = sum.checked_add(amount).ok_or_else(|| delta_fault(DeltaError::Overflow))?;
                check_delta(&seen, sum).map_err(delta_fault)?;
                Resident::Added(seen, sum)
            }
            // Read (another declaration allowed it, which orders the
            // transaction against every add) and so exact: add in place.
            Resident::Owned(value) => Resident::Owned(apply_delta(&value, amount).map_err(delta_fault)?),
        };
        slot.dirty = true;
        Ok(())
    }

    /// The write set of a successful transaction, sorted by key, after
    /// charging for every byte written; a resource over `MAX_VALUE_SIZE`
    /// bytes fails the transaction. A resource created and deleted again
    /// writes nothing; a deletion writes `None`.
    pub fn finish(&mut self, gas: &mut GasMeter) -> Result<WriteSet, Fault> {
        // Two writes (a transfer's) stay inline; more spill once.
        let mut ops: SmallVec<[WriteOp; 2]> = SmallVec::new();
        for slot in self.slots.drain(..) {
            if !slot.dirty {
                continue;
            }
            let (change, size) = match slot.value {
                Resident::Absent if !slot.existed => continue,
                Resident::Absent => (Change::Delete, 0),
                Resident::Shared(shared) => {
                    let size = shared.storage_size();
                    (Change::Set(shared), size)
                }
                Resident::Owned(value) => {
                    let size = value.storage_size();
                    (Change::Set(Shared::new(value)), size)
                }
                Resident::Added(seen, sum) => (Change::Add(sum), counter_size(&seen)),
            };
            gas.charge(write_cost(size))?;
            if size > MAX_VALUE_SIZE as u64 {
                return Err(runtime(RuntimeErrorKind::ValueTooLarge));
            }
            ops.push(WriteOp { key: slot.key, change });
        }
        if !ops.is_sorted_by_key(|op| op.key) {
            ops.sort_unstable_by_key(|op| op.key);
        }
        Ok(WriteSet(ops))
    }
}

/// A counter a transaction added to and may now also read or write
/// (another declaration allows it, which orders the transaction against
/// every add, so what it sees is exact): the value it saw with its adds,
/// owned, as a write.
#[cold]
fn materialize(slot: &mut GlobalSlot) -> Result<(), Fault> {
    if let Resident::Added(seen, sum) = &slot.value {
        let value = apply_delta(seen, *sum).map_err(|_| invariant())?;
        slot.value = Resident::Owned(value);
    }
    Ok(())
}
