//! Vector instructions, and the hashes of byte vectors. The element type
//! operand is for the verifier; at run time a vector is a `Value::Vector`
//! or, once its elements are known to be `u8`s, `Value::Bytes` (see
//! [`Value::vector`]). Every instruction takes either form; a `u8` pushed
//! or inserted into an empty list, or bytes appended to one, turn it into
//! bytes.

use std::borrow::Cow;

use super::globals::WorkingSet;
use super::references::{deref, deref_mut};
use super::slot::{Slot, Stack};
use super::{invariant, runtime, Fault};
use crate::gas::{copy_cost, hash_cost, GasMeter, VECTOR_PER_ELEMENT};
use crate::transaction::RuntimeErrorKind;
use resin_format::encoding::limits::MAX_VECTOR_LEN;
use resin_state::store::StateView;
use resin_state::value::Value;

/// The length of a vector in either form.
fn length(value: &Value) -> Result<usize, Fault> {
    match value {
        Value::Vector(items) => Ok(items.len()),
        Value::Bytes(bytes) => Ok(bytes.len()),
        _ => Err(invariant()),
    }
}

/// A vector's elements, for changing them in place.
enum Elements<'a> {
    List(&'a mut Vec<Value>),
    Bytes(&'a mut Vec<u8>),
}

impl Elements<'_> {
    fn len(&self) -> usize {
        match self {
            Elements::List(items) => items.len(),
            Elements::Bytes(bytes) => bytes.len(),
        }
    }
}

fn elements(value: &mut Value) -> Result<Elements<'_>, Fault> {
    match value {
        Value::Vector(items) => Ok(Elements::List(items)),
        Value::Bytes(bytes) => Ok(Elements::Bytes(bytes)),
        _ => Err(invariant()),
    }
}

/// The vector the `&mut` on top of the stack refers to (popping it); its
/// form is checked by [`length`] or [`elements`].
fn popped_vector_mut<'a, V: StateView + ?Sized>(
    stack: &mut Stack,
    locals: &'a mut [Slot],
    globals: &'a mut WorkingSet<'_, V>,
) -> Result<&'a mut Value, Fault> {
    let r = stack.pop_ref()?;
    deref_mut(locals, globals, &r)?.whole()
}

/// A `u8` the verifier guarantees is one.
fn byte(value: Value) -> Result<u8, Fault> {
    match value {
        Value::U8(b) => Ok(b),
        _ => Err(invariant()),
    }
}

/// Puts `value` at `index` (at most the length) of `vector`: a `u8` into
/// an empty list makes it bytes.
fn put(vector: &mut Value, index: usize, value: Value) -> Result<(), Fault> {
    match (vector, value) {
        (Value::Bytes(bytes), value) => bytes.insert(index, byte(value)?),
        (vector @ Value::Vector(_), Value::U8(b)) if length(vector)? == 0 => *vector = Value::Bytes(vec![b]),
        (Value::Vector(items), value) => items.insert(index, value),
        _ => return Err(invariant()),
    }
    Ok(())
}

/// The bytes of a `vector<u8>` value (hash inputs, object seeds).
pub(super) fn bytes_of(value: Value) -> Result<Vec<u8>, Fault> {
    match value {
        Value::Bytes(bytes) => Ok(bytes),
        other => other.bytes().map(Cow::into_owned).ok_or_else(invariant),
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
    stack.push_val(Value::vector(items));
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
        Value::Bytes(bytes) if bytes.len() == count => {
            stack.0.extend(bytes.into_iter().map(|b| Slot::Val(Value::U8(b))));
            Ok(())
        }
        Value::Vector(_) | Value::Bytes(_) => Err(runtime(RuntimeErrorKind::VectorLengthMismatch)),
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
    let len = length(deref(locals, globals, &r)?.whole()?)?;
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
    let index = in_bounds(index, length(deref(locals, globals, &r)?.whole()?)?)?;
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
    let vector = popped_vector_mut(stack, locals, globals)?;
    let len = length(vector)?;
    if len >= MAX_VECTOR_LEN {
        return Err(runtime(RuntimeErrorKind::VectorTooLong));
    }
    put(vector, len, value)
}

/// `vec_pop_back`: popping an empty vector aborts.
pub(super) fn pop_back<V: StateView + ?Sized>(
    stack: &mut Stack,
    locals: &mut [Slot],
    globals: &mut WorkingSet<'_, V>,
) -> Result<(), Fault> {
    let value = match elements(popped_vector_mut(stack, locals, globals)?)? {
        Elements::List(items) => items.pop(),
        Elements::Bytes(bytes) => bytes.pop().map(Value::U8),
    };
    stack.push_val(value.ok_or_else(|| runtime(RuntimeErrorKind::PopEmptyVector))?);
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
    let elements = elements(popped_vector_mut(stack, locals, globals)?)?;
    let (i, j) = (in_bounds(i, elements.len())?, in_bounds(j, elements.len())?);
    match elements {
        Elements::List(items) => items.swap(i, j),
        Elements::Bytes(bytes) => bytes.swap(i, j),
    }
    Ok(())
}

/// `vec_destroy_empty`: a vector that is not empty aborts.
pub(super) fn destroy_empty(stack: &mut Stack) -> Result<(), Fault> {
    match length(&stack.pop_val()?)? {
        0 => Ok(()),
        _ => Err(runtime(RuntimeErrorKind::VectorLengthMismatch)),
    }
}

/// `vec_remove`: takes the element at an index out, shifting the rest down
/// (charged per element shifted); out of range aborts.
pub(super) fn remove<V: StateView + ?Sized>(
    stack: &mut Stack,
    locals: &mut [Slot],
    globals: &mut WorkingSet<'_, V>,
    gas: &mut GasMeter,
) -> Result<(), Fault> {
    let index = stack.pop_u64()?;
    let elements = elements(popped_vector_mut(stack, locals, globals)?)?;
    let index = in_bounds(index, elements.len())?;
    gas.charge(((elements.len() - index) as u64).saturating_mul(VECTOR_PER_ELEMENT))?;
    let value = match elements {
        Elements::List(items) => items.remove(index),
        Elements::Bytes(bytes) => Value::U8(bytes.remove(index)),
    };
    stack.push_val(value);
    Ok(())
}

/// `vec_insert`: puts an element at an index of at most the length,
/// shifting the rest up (charged per element shifted); past the end aborts,
/// as does a vector already [`MAX_VECTOR_LEN`] long.
pub(super) fn insert<V: StateView + ?Sized>(
    stack: &mut Stack,
    locals: &mut [Slot],
    globals: &mut WorkingSet<'_, V>,
    gas: &mut GasMeter,
) -> Result<(), Fault> {
    let index = stack.pop_u64()?;
    let value = stack.pop_val()?;
    let vector = popped_vector_mut(stack, locals, globals)?;
    let len = length(vector)?;
    let index =
        usize::try_from(index).ok().filter(|i| *i <= len).ok_or_else(|| runtime(RuntimeErrorKind::IndexOutOfBounds))?;
    if len >= MAX_VECTOR_LEN {
        return Err(runtime(RuntimeErrorKind::VectorTooLong));
    }
    gas.charge(((len - index) as u64).saturating_mul(VECTOR_PER_ELEMENT))?;
    put(vector, index, value)
}

/// `vec_reverse`, charged per element.
pub(super) fn reverse<V: StateView + ?Sized>(
    stack: &mut Stack,
    locals: &mut [Slot],
    globals: &mut WorkingSet<'_, V>,
    gas: &mut GasMeter,
) -> Result<(), Fault> {
    let elements = elements(popped_vector_mut(stack, locals, globals)?)?;
    gas.charge((elements.len() as u64).saturating_mul(VECTOR_PER_ELEMENT))?;
    match elements {
        Elements::List(items) => items.reverse(),
        Elements::Bytes(bytes) => bytes.reverse(),
    }
    Ok(())
}

/// `vec_append`: moves every element of the second vector onto the end of
/// the first (charged per element moved); a result over
/// [`MAX_VECTOR_LEN`] aborts.
pub(super) fn append<V: StateView + ?Sized>(
    stack: &mut Stack,
    locals: &mut [Slot],
    globals: &mut WorkingSet<'_, V>,
    gas: &mut GasMeter,
) -> Result<(), Fault> {
    let other = stack.pop_val()?;
    let added = length(&other)?;
    let vector = popped_vector_mut(stack, locals, globals)?;
    let len = length(vector)?;
    gas.charge((added as u64).saturating_mul(VECTOR_PER_ELEMENT))?;
    if len.saturating_add(added) > MAX_VECTOR_LEN {
        return Err(runtime(RuntimeErrorKind::VectorTooLong));
    }
    match (vector, other) {
        (Value::Bytes(bytes), Value::Bytes(mut more)) => bytes.append(&mut more),
        (Value::Bytes(bytes), Value::Vector(more)) => {
            for item in more {
                bytes.push(byte(item)?);
            }
        }
        (vector @ Value::Vector(_), more @ Value::Bytes(_)) if len == 0 => *vector = more,
        (Value::Vector(items), Value::Bytes(more)) => items.extend(more.into_iter().map(Value::U8)),
        (Value::Vector(items), Value::Vector(mut more)) => items.append(&mut more),
        _ => return Err(invariant()),
    }
    Ok(())
}

/// The position of the first element equal to the value `e` refers to,
/// after charging per element compared, each like an `eq` of the value
/// ([`copy_cost`]).
fn position<V: StateView + ?Sized>(
    stack: &mut Stack,
    locals: &[Slot],
    globals: &WorkingSet<'_, V>,
    gas: &mut GasMeter,
) -> Result<Option<usize>, Fault> {
    let e = stack.pop_ref()?;
    let r = stack.pop_ref()?;
    let wanted = deref(locals, globals, &e)?.value();
    let vector = deref(locals, globals, &r)?.whole()?;
    let found = match (vector, &*wanted) {
        (Value::Vector(items), wanted) => items.iter().position(|item| item == wanted),
        (Value::Bytes(bytes), Value::U8(wanted)) => bytes.iter().position(|b| b == wanted),
        _ => return Err(invariant()),
    };
    let compared = found.map_or(length(vector)?, |i| i + 1) as u64;
    gas.charge(compared.saturating_mul(VECTOR_PER_ELEMENT.saturating_add(copy_cost(&wanted))))?;
    Ok(found)
}

/// `vec_contains`.
pub(super) fn contains<V: StateView + ?Sized>(
    stack: &mut Stack,
    locals: &[Slot],
    globals: &WorkingSet<'_, V>,
    gas: &mut GasMeter,
) -> Result<(), Fault> {
    let found = position(stack, locals, globals, gas)?;
    stack.push_val(Value::Bool(found.is_some()));
    Ok(())
}

/// `vec_index_of`: `(true, i)` for the first equal element, else `(false, 0)`.
pub(super) fn index_of<V: StateView + ?Sized>(
    stack: &mut Stack,
    locals: &[Slot],
    globals: &WorkingSet<'_, V>,
    gas: &mut GasMeter,
) -> Result<(), Fault> {
    let found = position(stack, locals, globals, gas)?;
    stack.push_val(Value::Bool(found.is_some()));
    stack.push_val(Value::U64(found.unwrap_or(0) as u64));
    Ok(())
}

/// Which hash `sha3_256` / `blake3` computes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Hash {
    Sha3_256,
    Blake3,
}

/// `sha3_256` / `blake3`: a `vector<u8>` to its 32-byte digest, charged per
/// byte hashed.
pub(super) fn hash(stack: &mut Stack, gas: &mut GasMeter, which: Hash) -> Result<(), Fault> {
    let bytes = bytes_of(stack.pop_val()?)?;
    gas.charge(hash_cost(bytes.len() as u64))?;
    let digest: [u8; 32] = match which {
        Hash::Sha3_256 => {
            use sha3::Digest;
            sha3::Sha3_256::digest(&bytes).into()
        }
        Hash::Blake3 => *blake3::hash(&bytes).as_bytes(),
    };
    stack.push_val(Value::Bytes(digest.to_vec()));
    Ok(())
}
