//! References: resolving paths, borrowing fields, reading and writing
//! through them. See [`super::slot`] for why references are paths.

use std::borrow::Cow;

use super::globals::WorkingSet;
use super::slot::{Ref, Root, Slot, Stack};
use super::{dangling, invariant, Fault};
use crate::gas::{copy_cost, GasMeter};
use resin_format::file_format::AccountAddress;
use resin_state::store::StateView;
use resin_state::value::{Flat, FlatPos, Value};

/// What a reference points at: a whole value, a field of a flat struct or
/// an element of bytes (neither has a [`Value`] of its own to borrow).
pub(super) enum Place<'a> {
    Whole(&'a Value),
    InFlat(&'a Flat, FlatPos),
    Byte(&'a u8),
}

impl<'a> Place<'a> {
    /// The whole value: vectors and signers are never fields of a flat
    /// struct, so the instructions on them take this.
    #[inline]
    pub fn whole(self) -> Result<&'a Value, Fault> {
        match self {
            Place::Whole(value) => Ok(value),
            Place::InFlat(..) | Place::Byte(_) => Err(invariant()),
        }
    }

    /// The value, borrowed where it is whole and copied out of a flat struct
    /// (a scalar or a flat struct: no allocation).
    #[inline]
    pub fn value(&self) -> Cow<'a, Value> {
        match *self {
            Place::Whole(value) => Cow::Borrowed(value),
            Place::InFlat(flat, pos) => Cow::Owned(flat.read(pos)),
            Place::Byte(byte) => Cow::Owned(Value::U8(*byte)),
        }
    }
}

/// What a `&mut` points at, for writing.
pub(super) enum PlaceMut<'a> {
    Whole(&'a mut Value),
    InFlat(&'a mut Flat, FlatPos),
    Byte(&'a mut u8),
}

impl<'a> PlaceMut<'a> {
    #[inline]
    pub fn whole(self) -> Result<&'a mut Value, Fault> {
        match self {
            PlaceMut::Whole(value) => Ok(value),
            PlaceMut::InFlat(..) | PlaceMut::Byte(_) => Err(invariant()),
        }
    }

    /// Replaces what the place holds with `value` (of its type).
    #[inline(always)]
    pub fn assign(self, value: Value) -> Result<(), Fault> {
        match self {
            PlaceMut::Whole(target) => {
                *target = value;
                Ok(())
            }
            PlaceMut::InFlat(flat, pos) => {
                if let (Some(word), Value::U64(v)) = (flat.u64_mut(pos), &value) {
                    *word = *v;
                    return Ok(());
                }
                if flat.write(pos, &value) {
                    Ok(())
                } else {
                    Err(invariant())
                }
            }
            PlaceMut::Byte(byte) => assign_byte(byte, value),
        }
    }

    /// Moves the top of the stack into the place (`write_ref`).
    #[inline]
    pub fn assign_from(self, stack: &mut Stack) -> Result<(), Fault> {
        match self {
            PlaceMut::Whole(value) => stack.pop_into(value),
            inside => inside.assign(stack.pop_val()?),
        }
    }
}

/// [`PlaceMut::assign`] to an element of bytes, out of line: the field
/// updates of every transfer inline the rest.
#[inline(never)]
fn assign_byte(byte: &mut u8, value: Value) -> Result<(), Fault> {
    match value {
        Value::U8(v) => {
            *byte = v;
            Ok(())
        }
        _ => Err(invariant()),
    }
}

/// Follows `path` from `value`. Inside a flat struct the remaining steps
/// become a word position, found from the struct's shape.
#[inline(always)]
pub(super) fn walk(mut value: &Value, path: impl IntoIterator<Item = usize>) -> Result<Place<'_>, Fault> {
    let mut steps = path.into_iter();
    while let Some(step) = steps.next() {
        value = match value {
            Value::Struct(items) | Value::Vector(items) => items.get(step).ok_or_else(dangling)?,
            Value::Flat(flat) => {
                let mut pos = flat.field(step).ok_or_else(dangling)?;
                for step in steps {
                    pos = flat.nested_field(pos, step).ok_or_else(dangling)?;
                }
                return Ok(Place::InFlat(flat, pos));
            }
            Value::Bytes(bytes) => {
                let byte = bytes.get(step).ok_or_else(dangling)?;
                return match steps.next() {
                    None => Ok(Place::Byte(byte)),
                    Some(_) => Err(dangling()),
                };
            }
            _ => return Err(dangling()),
        };
    }
    Ok(Place::Whole(value))
}

/// [`walk`] for writing.
#[inline(always)]
pub(super) fn walk_mut(mut value: &mut Value, path: impl IntoIterator<Item = usize>) -> Result<PlaceMut<'_>, Fault> {
    let mut steps = path.into_iter();
    while let Some(step) = steps.next() {
        value = match value {
            Value::Struct(items) | Value::Vector(items) => items.get_mut(step).ok_or_else(dangling)?,
            Value::Flat(flat) => {
                let mut pos = flat.field(step).ok_or_else(dangling)?;
                for step in steps {
                    pos = flat.nested_field(pos, step).ok_or_else(dangling)?;
                }
                return Ok(PlaceMut::InFlat(flat, pos));
            }
            Value::Bytes(bytes) => {
                let byte = bytes.get_mut(step).ok_or_else(dangling)?;
                return match steps.next() {
                    None => Ok(PlaceMut::Byte(byte)),
                    Some(_) => Err(dangling()),
                };
            }
            _ => return Err(dangling()),
        };
    }
    Ok(PlaceMut::Whole(value))
}

/// Follows `path` further from `place`.
#[inline(always)]
pub(super) fn walk_on(place: Place<'_>, path: impl IntoIterator<Item = usize>) -> Result<Place<'_>, Fault> {
    match place {
        Place::Whole(value) => walk(value, path),
        Place::InFlat(flat, mut pos) => {
            for step in path {
                pos = flat.nested_field(pos, step).ok_or_else(dangling)?;
            }
            Ok(Place::InFlat(flat, pos))
        }
        // A byte has no fields.
        Place::Byte(byte) => match path.into_iter().next() {
            None => Ok(Place::Byte(byte)),
            Some(_) => Err(dangling()),
        },
    }
}

/// [`walk_on`] for writing.
#[inline(always)]
pub(super) fn walk_mut_on(place: PlaceMut<'_>, path: impl IntoIterator<Item = usize>) -> Result<PlaceMut<'_>, Fault> {
    match place {
        PlaceMut::Whole(value) => walk_mut(value, path),
        PlaceMut::InFlat(flat, mut pos) => {
            for step in path {
                pos = flat.nested_field(pos, step).ok_or_else(dangling)?;
            }
            Ok(PlaceMut::InFlat(flat, pos))
        }
        PlaceMut::Byte(byte) => match path.into_iter().next() {
            None => Ok(PlaceMut::Byte(byte)),
            Some(_) => Err(dangling()),
        },
    }
}

/// Where `r` points.
#[inline(always)]
pub(super) fn deref<'a, V: StateView + ?Sized>(
    locals: &'a [Slot],
    globals: &'a WorkingSet<'_, V>,
    r: &Ref,
) -> Result<Place<'a>, Fault> {
    let root = match r.root {
        Root::Local(i) => match locals.get(i as usize) {
            Some(Slot::Val(value)) => value,
            Some(_) => return Err(dangling()),
            None => return Err(invariant()),
        },
        Root::Global(i) => globals.value(i)?,
    };
    walk(root, r.path.iter().map(|&step| step as usize))
}

/// Where `r` points, for writing; `r` must be a `&mut`.
#[inline(always)]
pub(super) fn deref_mut<'a, V: StateView + ?Sized>(
    locals: &'a mut [Slot],
    globals: &'a mut WorkingSet<'_, V>,
    r: &Ref,
) -> Result<PlaceMut<'a>, Fault> {
    if !r.mutable {
        return Err(invariant());
    }
    let root = match r.root {
        Root::Local(i) => match locals.get_mut(i as usize) {
            Some(Slot::Val(value)) => value,
            Some(_) => return Err(dangling()),
            None => return Err(invariant()),
        },
        Root::Global(i) => globals.value_mut(i)?,
    };
    walk_mut(root, r.path.iter().map(|&step| step as usize))
}

/// Pushes a copy of what `place` holds, charging for it.
#[inline(always)]
pub(super) fn push_copy(stack: &mut Stack, gas: &mut GasMeter, place: Place<'_>) -> Result<(), Fault> {
    match place {
        Place::Whole(value) => {
            gas.charge(copy_cost(value))?;
            stack.push_copy(value);
        }
        Place::InFlat(flat, pos) => {
            // A u64 field (an amount, a balance) without building a value first.
            if let Some(word) = flat.u64_at(pos) {
                stack.push_val(Value::U64(word));
                return Ok(());
            }
            let value = flat.read(pos);
            gas.charge(copy_cost(&value))?;
            stack.push_val(value);
        }
        Place::Byte(byte) => stack.push_val(Value::U8(*byte)),
    }
    Ok(())
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
    push_copy(stack, gas, deref(locals, globals, &r)?)
}

/// `write_ref`: replaces the referenced value (the reference is on top).
#[inline]
pub(super) fn write_ref<V: StateView + ?Sized>(
    stack: &mut Stack,
    locals: &mut [Slot],
    globals: &mut WorkingSet<'_, V>,
) -> Result<(), Fault> {
    let r = stack.pop_ref()?;
    deref_mut(locals, globals, &r)?.assign_from(stack)
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
            let (x, y) = (deref(locals, globals, x)?.value(), deref(locals, globals, y)?.value());
            gas.charge(copy_cost(&x))?;
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
    match deref(locals, globals, r)?.whole()? {
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
    let value = match deref(locals, globals, stack.top_ref()?)?.whole()? {
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
