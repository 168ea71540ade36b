//! References: resolving paths, borrowing fields, reading and writing
//! through them. See [`super::slot`] for why references are paths.

use super::globals::WorkingSet;
use super::slot::{Ref, Root, Slot, Stack};
use super::{dangling, invariant, Fault};
use crate::gas::{copy_cost, GasMeter};
use resin_format::file_format::AccountAddress;
use resin_state::store::StateView;
use resin_state::value::Value;

/// The value `r` points at.
#[inline]
pub(super) fn deref<'a, V: StateView + ?Sized>(
    locals: &'a [Slot],
    globals: &'a WorkingSet<'_, V>,
    r: &Ref,
) -> Result<&'a Value, Fault> {
    let mut value = match r.root {
        Root::Local(i) => match locals.get(i as usize) {
            Some(Slot::Val(value)) => value,
            Some(_) => return Err(dangling()),
            None => return Err(invariant()),
        },
        Root::Global(i) => globals.value(i)?,
    };
    for &step in &r.path {
        value = match value {
            Value::Struct(items) | Value::Vector(items) => items.get(step as usize).ok_or_else(dangling)?,
            _ => return Err(dangling()),
        };
    }
    Ok(value)
}

/// The value `r` points at, for writing; `r` must be a `&mut`.
#[inline]
pub(super) fn deref_mut<'a, V: StateView + ?Sized>(
    locals: &'a mut [Slot],
    globals: &'a mut WorkingSet<'_, V>,
    r: &Ref,
) -> Result<&'a mut Value, Fault> {
    if !r.mutable {
        return Err(invariant());
    }
    let mut value = match r.root {
        Root::Local(i) => match locals.get_mut(i as usize) {
            Some(Slot::Val(value)) => value,
            Some(_) => return Err(dangling()),
            None => return Err(invariant()),
        },
        Root::Global(i) => globals.value_mut(i)?,
    };
    for &step in &r.path {
        value = match value {
            Value::Struct(items) | Value::Vector(items) => items.get_mut(step as usize).ok_or_else(dangling)?,
            _ => return Err(dangling()),
        };
    }
    Ok(value)
}

/// `imm_borrow_field` / `mut_borrow_field`: one more step on the path.
#[inline]
pub(super) fn borrow_field(stack: &mut Stack, field: u16, mutable: bool) -> Result<(), Fault> {
    stack.top_ref_mut()?.extend(u32::from(field), mutable)
}

/// `read_ref`: a copy of the referenced value.
#[inline]
pub(super) fn read_ref<V: StateView + ?Sized>(
    stack: &mut Stack,
    locals: &[Slot],
    globals: &WorkingSet<'_, V>,
    gas: &mut GasMeter,
) -> Result<(), Fault> {
    let r = stack.pop_ref()?;
    let value = deref(locals, globals, &r)?;
    gas.charge(copy_cost(value))?;
    stack.push_copy(value);
    Ok(())
}

/// `write_ref`: replaces the referenced value (the reference is on top).
#[inline]
pub(super) fn write_ref<V: StateView + ?Sized>(
    stack: &mut Stack,
    locals: &mut [Slot],
    globals: &mut WorkingSet<'_, V>,
) -> Result<(), Fault> {
    let r = stack.pop_ref()?;
    stack.pop_into(deref_mut(locals, globals, &r)?)
}

/// `freeze_ref`: `&mut T` to `&T`.
#[inline]
pub(super) fn freeze_ref(stack: &mut Stack) -> Result<(), Fault> {
    stack.top_ref_mut()?.mutable = false;
    Ok(())
}

/// `eq` / `neq` (`equal` says which): values compare structurally, two
/// references compare the values they point at.
pub(super) fn equals<V: StateView + ?Sized>(
    stack: &mut Stack,
    locals: &[Slot],
    globals: &WorkingSet<'_, V>,
    gas: &mut GasMeter,
    equal: bool,
) -> Result<(), Fault> {
    // Compared in place: no operand is moved off the stack before the result.
    let len = stack.0.len();
    let same = match stack.0.get(len.wrapping_sub(2)..) {
        Some([Slot::Val(x), Slot::Val(y)]) => {
            gas.charge(copy_cost(x))?;
            x == y
        }
        Some([Slot::Ref(x), Slot::Ref(y)]) => {
            let (x, y) = (deref(locals, globals, x)?, deref(locals, globals, y)?);
            gas.charge(copy_cost(x))?;
            x == y
        }
        _ => return Err(invariant()),
    };
    stack.discard(2);
    stack.push_val(Value::Bool(same == equal));
    Ok(())
}

fn signer_of<V: StateView + ?Sized>(
    locals: &[Slot],
    globals: &WorkingSet<'_, V>,
    r: &Ref,
) -> Result<AccountAddress, Fault> {
    match deref(locals, globals, r)? {
        Value::Signer(address) => Ok(*address),
        _ => Err(invariant()),
    }
}

/// `signer_address`: `&signer` to its address.
#[inline]
pub(super) fn signer_address<V: StateView + ?Sized>(
    stack: &mut Stack,
    locals: &[Slot],
    globals: &WorkingSet<'_, V>,
) -> Result<(), Fault> {
    let value = match deref(locals, globals, stack.top_ref()?)? {
        Value::Signer(address) => Value::Address(*address),
        _ => return Err(invariant()),
    };
    stack.replace_top(value);
    Ok(())
}

/// Pops `..., &signer, T` for `move_to`: the value and the signer's address.
#[inline]
pub(super) fn pop_signer<V: StateView + ?Sized>(
    stack: &mut Stack,
    locals: &[Slot],
    globals: &WorkingSet<'_, V>,
) -> Result<(Value, AccountAddress), Fault> {
    let value = stack.pop_val()?;
    let r = stack.pop_ref()?;
    Ok((value, signer_of(locals, globals, &r)?))
}
