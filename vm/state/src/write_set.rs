//! What a transaction changes in storage.

use serde::{Deserialize, Serialize};
use smallvec::SmallVec;
use thiserror::Error;

use crate::keys::ResourceKey;
use crate::shared::Shared;
use crate::value::{Flat, Value};

/// What one write does to its key.
///
/// The value is [`Shared`]: the block engine keeps the very value the
/// receipt reports as the key's latest write and then commits it to the
/// store, so a large write is allocated once and never copied, and a small
/// one (a balance) is never allocated at all.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub enum Change {
    /// The key holds this value afterwards.
    Set(Shared),
    /// The key holds nothing afterwards.
    Delete,
    /// A counter (a struct whose one field is an unsigned integer) grows by
    /// this much ([`apply_delta`]): what a transaction that declared only
    /// `add` for the key writes. It says how the value changes, not what it
    /// becomes, because transactions that only add to a counter run
    /// concurrently and the total depends on which of them ran before; the
    /// delta is the same in every execution order, so receipts are too.
    Add(u128),
}

/// One change to storage.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct WriteOp {
    pub key: ResourceKey,
    pub change: Change,
}

impl WriteOp {
    /// Writes `value` to `key` (`None` deletes): the form every write had
    /// before counters.
    #[inline]
    pub fn new(key: ResourceKey, value: Option<Shared>) -> WriteOp {
        WriteOp { key, change: value.map_or(Change::Delete, Change::Set) }
    }

    /// The value the key holds after this write, given the one it held
    /// before (`None`: absent): the new value of a set, `None` for a
    /// delete, the counter grown for an add ([`apply_delta`]; an add to a
    /// missing key is [`DeltaError::Missing`]).
    pub fn apply_to(&self, current: Option<&Value>) -> Result<Option<Shared>, DeltaError> {
        match &self.change {
            Change::Set(value) => Ok(Some(value.clone())),
            Change::Delete => Ok(None),
            Change::Add(delta) => {
                let current = current.ok_or(DeltaError::Missing)?;
                apply_delta(current, *delta).map(|value| Some(Shared::new(value)))
            }
        }
    }

    /// [`WriteOp::apply_to`], asking for the current value only for an add
    /// (a set or a delete does not depend on it).
    #[inline]
    pub fn resolve(&self, current: impl FnOnce() -> Option<Shared>) -> Result<Option<Shared>, DeltaError> {
        match &self.change {
            Change::Set(value) => Ok(Some(value.clone())),
            Change::Delete => Ok(None),
            Change::Add(_) => self.apply_to(current().as_deref()),
        }
    }

    /// The value a set writes; `None` for a delete or an add.
    pub fn value(&self) -> Option<&Shared> {
        match &self.change {
            Change::Set(value) => Some(value),
            Change::Delete | Change::Add(_) => None,
        }
    }
}

/// Why a delta does not apply.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Error)]
pub enum DeltaError {
    /// The sum is over the field type's maximum.
    #[error("the counter would exceed its type's maximum")]
    Overflow,
    /// The value is not a struct with exactly one `u8`, `u16`, `u32`, `u64` or `u128` field.
    #[error("the value is not a counter (a struct with one unsigned integer field)")]
    NotACounter,
    /// There is no value to add to.
    #[error("there is no counter to add to")]
    Missing,
}

/// `counter` (a struct whose one field is a `u8`, `u16`, `u32`, `u64` or `u128`) with
/// `delta` added to its field: the one definition of a counter add, used by
/// the VM (to check a transaction's adds) and by whoever applies a write
/// set's [`Change::Add`] (the store, the block overlays). The result keeps
/// the field's type and is held flat, as the VM holds such a struct.
pub fn apply_delta(counter: &Value, delta: u128) -> Result<Value, DeltaError> {
    let sum = field_sum(counter, delta)?;
    Ok(match Flat::of_scalar(&sum) {
        Some(flat) => Value::Flat(flat),
        None => Value::Struct(vec![sum]),
    })
}

/// Whether [`apply_delta`] would succeed, without building the sum's
/// struct: what the VM asks of every add a transaction declared only `add`
/// for, whose new value it never holds.
pub fn check_delta(counter: &Value, delta: u128) -> Result<(), DeltaError> {
    field_sum(counter, delta).map(drop)
}

/// The counter's field with `delta` added, in the field's type.
#[inline]
fn field_sum(counter: &Value, delta: u128) -> Result<Value, DeltaError> {
    match counter_field(counter)? {
        Value::U8(v) => u8::try_from(delta).ok().and_then(|d| v.checked_add(d)).map(Value::U8),
        Value::U16(v) => u16::try_from(delta).ok().and_then(|d| v.checked_add(d)).map(Value::U16),
        Value::U32(v) => u32::try_from(delta).ok().and_then(|d| v.checked_add(d)).map(Value::U32),
        Value::U64(v) => u64::try_from(delta).ok().and_then(|d| v.checked_add(d)).map(Value::U64),
        Value::U128(v) => v.checked_add(delta).map(Value::U128),
        _ => return Err(DeltaError::NotACounter),
    }
    .ok_or(DeltaError::Overflow)
}

/// The one field of a counter, checked to be an unsigned integer.
pub fn counter_field(counter: &Value) -> Result<Value, DeltaError> {
    let field = match counter {
        Value::Struct(fields) if fields.len() == 1 => fields.first().cloned(),
        Value::Flat(flat) => flat.only_scalar(),
        _ => None,
    };
    match field {
        // Not u256: a delta is a u128 (the verifier keeps u256 out of counters).
        Some(field @ (Value::U8(_) | Value::U16(_) | Value::U32(_) | Value::U64(_) | Value::U128(_))) => Ok(field),
        _ => Err(DeltaError::NotACounter),
    }
}

/// A transaction's writes, sorted by key, each key once. Empty unless the
/// transaction succeeded.
///
/// Two writes are kept inline: a transfer writes two balances, and a block
/// of them would otherwise allocate a vector per receipt.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
pub struct WriteSet(pub SmallVec<[WriteOp; 2]>);

#[cfg(test)]
mod tests {
    use super::*;

    fn counter(field: Value) -> Value {
        Value::structure(vec![field])
    }

    #[test]
    fn a_delta_grows_the_one_field_in_its_own_type() {
        assert_eq!(apply_delta(&counter(Value::U64(5)), 7), Ok(counter(Value::U64(12))));
        assert_eq!(apply_delta(&counter(Value::U8(250)), 5), Ok(counter(Value::U8(255))));
        assert_eq!(apply_delta(&counter(Value::U128(1 << 100)), 1), Ok(counter(Value::U128((1 << 100) + 1))));
        // A list of fields (a hand-built value) adds the same.
        assert_eq!(apply_delta(&Value::Struct(vec![Value::U64(1)]), 1), Ok(counter(Value::U64(2))));
    }

    /// `check_delta` accepts exactly the adds that stay within the field's
    /// type, to a struct of one unsigned field.
    #[test]
    fn a_check_accepts_sums_within_the_field_type() {
        use DeltaError::{NotACounter, Overflow};
        let cases = [
            (counter(Value::U8(250)), 5, Ok(())),
            (counter(Value::U8(250)), 6, Err(Overflow)),
            (counter(Value::U8(0)), 256, Err(Overflow)),
            (counter(Value::U16(u16::MAX - 1)), 1, Ok(())),
            (counter(Value::U16(u16::MAX - 1)), 2, Err(Overflow)),
            (counter(Value::U32(7)), u128::from(u32::MAX - 7), Ok(())),
            (counter(Value::U64(u64::MAX - 3)), 3, Ok(())),
            (counter(Value::U64(u64::MAX - 3)), 1 << 40, Err(Overflow)),
            (counter(Value::U128(u128::MAX - 1)), 1, Ok(())),
            (counter(Value::U128(1)), u128::MAX, Err(Overflow)),
            (Value::Struct(vec![Value::U64(1)]), 0, Ok(())),
            (Value::Struct(vec![Value::U64(1), Value::U64(2)]), 1, Err(NotACounter)),
            (counter(Value::Bool(true)), 1, Err(NotACounter)),
            (Value::U64(3), 1, Err(NotACounter)),
        ];
        for (value, delta, expected) in cases {
            assert_eq!(check_delta(&value, delta), expected, "{value:?} + {delta}");
        }
    }

    #[test]
    fn a_delta_past_the_maximum_overflows() {
        assert_eq!(apply_delta(&counter(Value::U8(250)), 6), Err(DeltaError::Overflow));
        assert_eq!(apply_delta(&counter(Value::U16(65_530)), 5), Ok(counter(Value::U16(u16::MAX))));
        assert_eq!(apply_delta(&counter(Value::U16(65_530)), 6), Err(DeltaError::Overflow));
        assert_eq!(apply_delta(&counter(Value::U16(0)), 65_536), Err(DeltaError::Overflow));
        assert_eq!(apply_delta(&counter(Value::U32(1)), u128::from(u32::MAX) - 1), Ok(counter(Value::U32(u32::MAX))));
        assert_eq!(apply_delta(&counter(Value::U32(1)), u128::from(u32::MAX)), Err(DeltaError::Overflow));
        assert_eq!(apply_delta(&counter(Value::U256(resin_format::U256::ZERO)), 1), Err(DeltaError::NotACounter));
        assert_eq!(apply_delta(&counter(Value::U8(0)), 256), Err(DeltaError::Overflow));
        assert_eq!(apply_delta(&counter(Value::U64(u64::MAX)), 1), Err(DeltaError::Overflow));
        assert_eq!(apply_delta(&counter(Value::U64(0)), u128::from(u64::MAX) + 1), Err(DeltaError::Overflow));
        assert_eq!(apply_delta(&counter(Value::U128(u128::MAX - 1)), 2), Err(DeltaError::Overflow));
        assert_eq!(apply_delta(&counter(Value::U64(u64::MAX)), 0), Ok(counter(Value::U64(u64::MAX))));
    }

    #[test]
    fn only_a_struct_of_one_integer_is_a_counter() {
        assert_eq!(apply_delta(&Value::U64(1), 1), Err(DeltaError::NotACounter));
        assert_eq!(apply_delta(&counter(Value::Bool(true)), 1), Err(DeltaError::NotACounter));
        let two = Value::structure(vec![Value::U64(1), Value::U64(2)]);
        assert_eq!(apply_delta(&two, 1), Err(DeltaError::NotACounter));
        let nested = Value::structure(vec![Value::structure(vec![Value::U64(1)])]);
        assert_eq!(apply_delta(&nested, 1), Err(DeltaError::NotACounter));
    }

    #[test]
    fn write_ops_apply_to_the_current_value() {
        let key = ResourceKey { address: resin_format::file_format::AccountAddress::from_u64(1), ty: crate::TypeId(9) };
        let now = counter(Value::U64(3));
        let add = WriteOp { key, change: Change::Add(4) };
        assert_eq!(add.apply_to(Some(&now)).map(|v| v.map(|s| (*s).clone())), Ok(Some(counter(Value::U64(7)))));
        assert_eq!(add.apply_to(None), Err(DeltaError::Missing));
        assert_eq!(WriteOp::new(key, None).apply_to(Some(&now)), Ok(None));
        let set = WriteOp::new(key, Some(Shared::new(Value::U64(1))));
        assert_eq!(set.apply_to(None).map(|v| v.map(|s| (*s).clone())), Ok(Some(Value::U64(1))));
    }
}
