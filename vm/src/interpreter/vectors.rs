//! Vector instructions. The element type operand is for the verifier; at run
//! time every vector is a `Value::Vector`.

use super::globals::WorkingSet;
use super::references::{deref, deref_mut};
use super::slot::{Slot, Stack};
use super::{invariant, runtime, Fault};
use crate::gas::{GasMeter, VECTOR_PER_ELEMENT};
use crate::transaction::RuntimeErrorKind;
use resin_format::encoding::limits::MAX_VECTOR_LEN;
use resin_state::store::StateView;
use resin_state::value::Value;

fn items(value: &Value) -> Result<&Vec<Value>, Fault> {
    match value {
        Value::Vector(items) => Ok(items),
        _ => Err(invariant()),
    }
}

fn items_mut(value: &mut Value) -> Result<&mut Vec<Value>, Fault> {
    match value {
        Value::Vector(items) => Ok(items),
        _ => Err(invariant()),
    }
}

/// An index in bounds of a vector of `len` elements.
fn in_bounds(index: u64, len: usize) -> Result<usize, Fault> {
    usize::try_from(index).ok().filter(|i| *i < len).ok_or_else(|| runtime(RuntimeErrorKind::IndexOutOfBounds))
}

fn element_count(count: u64, gas: &mut GasMeter) -> Result<usize, Fault> {
    gas.charge(count.saturating_mul(VECTOR_PER_ELEMENT))?;
    usize::try_from(count).map_err(|_| invariant())
}

/// `vec_pack`: the top `count` values (first element deepest) become a vector.
pub(super) fn pack(stack: &mut Stack, gas: &mut GasMeter, count: u64) -> Result<(), Fault> {
    let count = element_count(count, gas)?;
    let items = stack.pop_values(count)?;
    stack.push_val(Value::Vector(items));
    Ok(())
}

/// `vec_unpack`: a vector of exactly `count` elements becomes its elements.
pub(super) fn unpack(stack: &mut Stack, gas: &mut GasMeter, count: u64) -> Result<(), Fault> {
    let count = element_count(count, gas)?;
    match stack.pop_val()? {
        Value::Vector(items) if items.len() == count => {
            stack.0.extend(items.into_iter().map(Slot::Val));
            Ok(())
        }
        Value::Vector(_) => Err(runtime(RuntimeErrorKind::VectorLengthMismatch)),
        _ => Err(invariant()),
    }
}

/// `vec_len`.
pub(super) fn len<V: StateView + ?Sized>(
    stack: &mut Stack,
    locals: &[Slot],
    globals: &WorkingSet<'_, V>,
) -> Result<(), Fault> {
    let r = stack.pop_ref()?;
    let len = items(deref(locals, globals, &r)?.whole()?)?.len();
    stack.push_val(Value::U64(len as u64));
    Ok(())
}

/// `vec_imm_borrow` / `vec_mut_borrow`: a reference to one element.
pub(super) fn borrow<V: StateView + ?Sized>(
    stack: &mut Stack,
    locals: &[Slot],
    globals: &WorkingSet<'_, V>,
    mutable: bool,
) -> Result<(), Fault> {
    let index = stack.pop_u64()?;
    let r = stack.pop_ref()?;
    let index = in_bounds(index, items(deref(locals, globals, &r)?.whole()?)?.len())?;
    let step = u32::try_from(index).map_err(|_| runtime(RuntimeErrorKind::IndexOutOfBounds))?;
    stack.push(Slot::Ref(r.step(step, mutable)?));
    Ok(())
}

/// `vec_push_back`; a vector already [`MAX_VECTOR_LEN`] long aborts.
pub(super) fn push_back<V: StateView + ?Sized>(
    stack: &mut Stack,
    locals: &mut [Slot],
    globals: &mut WorkingSet<'_, V>,
) -> Result<(), Fault> {
    let value = stack.pop_val()?;
    let r = stack.pop_ref()?;
    let items = items_mut(deref_mut(locals, globals, &r)?.whole()?)?;
    if items.len() >= MAX_VECTOR_LEN {
        return Err(runtime(RuntimeErrorKind::VectorTooLong));
    }
    items.push(value);
    Ok(())
}

/// `vec_pop_back`: popping an empty vector aborts.
pub(super) fn pop_back<V: StateView + ?Sized>(
    stack: &mut Stack,
    locals: &mut [Slot],
    globals: &mut WorkingSet<'_, V>,
) -> Result<(), Fault> {
    let r = stack.pop_ref()?;
    let value = items_mut(deref_mut(locals, globals, &r)?.whole()?)?
        .pop()
        .ok_or_else(|| runtime(RuntimeErrorKind::PopEmptyVector))?;
    stack.push_val(value);
    Ok(())
}

/// `vec_swap`: exchanges two elements; either index out of range aborts.
pub(super) fn swap<V: StateView + ?Sized>(
    stack: &mut Stack,
    locals: &mut [Slot],
    globals: &mut WorkingSet<'_, V>,
) -> Result<(), Fault> {
    let j = stack.pop_u64()?;
    let i = stack.pop_u64()?;
    let r = stack.pop_ref()?;
    let items = items_mut(deref_mut(locals, globals, &r)?.whole()?)?;
    let (i, j) = (in_bounds(i, items.len())?, in_bounds(j, items.len())?);
    items.swap(i, j);
    Ok(())
}
