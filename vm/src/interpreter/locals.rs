//! Local slots and constants. A frame's locals are the window
//! `locals[base..base + local_count]` of the shared vector.

use super::slot::{Ref, Root, Slot, Stack};
use super::{dangling, invariant, Fault};
use crate::gas::{copy_cost, GasMeter};
use crate::loader::LoadedModule;
use resin_format::file_format::{ConstIdx, LocalIdx};
use resin_state::value::Value;

#[inline(always)]
fn index(base: usize, local: LocalIdx) -> usize {
    base + usize::from(local.0)
}

/// `ld_const`: a copy of a constant, priced by size for vectors.
#[inline]
pub(super) fn ld_const(
    stack: &mut Stack,
    gas: &mut GasMeter,
    module: &LoadedModule,
    idx: ConstIdx,
) -> Result<(), Fault> {
    let value = module.constants.get(idx.index()).ok_or_else(invariant)?;
    gas.charge(copy_cost(value))?;
    stack.push_copy(value);
    Ok(())
}

/// `copy_loc`: a copy of the local's value (or of the reference it holds).
#[inline(always)]
pub(super) fn copy_loc(
    stack: &mut Stack,
    locals: &[Slot],
    gas: &mut GasMeter,
    base: usize,
    local: LocalIdx,
) -> Result<(), Fault> {
    match locals.get(index(base, local)) {
        Some(Slot::Val(value)) => {
            gas.charge(copy_cost(value))?;
            stack.push_copy(value);
        }
        Some(Slot::Ref(r)) => stack.push(Slot::Ref(r.clone())),
        Some(Slot::Empty) => return Err(dangling()),
        None => return Err(invariant()),
    }
    Ok(())
}

/// `move_loc`: the local's value, leaving the slot empty; references to it
/// become dangling.
#[inline(always)]
pub(super) fn move_loc(stack: &mut Stack, locals: &mut [Slot], base: usize, local: LocalIdx) -> Result<(), Fault> {
    let slot = locals.get_mut(index(base, local)).ok_or_else(invariant)?;
    match &mut *slot {
        Slot::Empty => return Err(dangling()),
        // A primitive is pushed by its payload (see `Stack::push_copy`).
        Slot::Val(value @ (Value::U64(_) | Value::Bool(_) | Value::U8(_) | Value::Address(_))) => {
            stack.push_copy(value);
            *slot = Slot::Empty;
        }
        moved => stack.push(std::mem::replace(moved, Slot::Empty)),
    }
    Ok(())
}

/// `st_loc`: overwrites the local (dropping what was there).
#[inline(always)]
pub(super) fn st_loc(stack: &mut Stack, locals: &mut [Slot], base: usize, local: LocalIdx) -> Result<(), Fault> {
    match locals.get_mut(index(base, local)).ok_or_else(invariant)? {
        // Overwriting a value: copy a primitive's payload in place.
        Slot::Val(target) if matches!(stack.0.last(), Some(Slot::Val(_))) => stack.pop_into(target),
        slot => stack.pop_to(slot),
    }
}

/// `imm_borrow_loc` / `mut_borrow_loc`: a reference rooted at the slot.
#[inline]
pub(super) fn borrow_loc(
    stack: &mut Stack,
    locals: &[Slot],
    base: usize,
    local: LocalIdx,
    mutable: bool,
) -> Result<(), Fault> {
    let at = index(base, local);
    if at >= locals.len() {
        return Err(invariant());
    }
    let root = Root::Local(u32::try_from(at).map_err(|_| invariant())?);
    stack.push(Slot::Ref(Ref::new(root, mutable)));
    Ok(())
}
