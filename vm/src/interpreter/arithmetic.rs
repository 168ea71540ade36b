//! Integer arithmetic, bit operations, comparisons, casts and booleans.
//! Arithmetic is checked: overflow, division by zero, out-of-range casts and
//! over-wide shifts abort the transaction. Operands of a binary instruction
//! have one integer type (the verifier guarantees it); the result replaces
//! the left operand in place.

use super::ops::BinOp;
use super::slot::Stack;
use super::{invariant, runtime, Fault};
use crate::transaction::RuntimeErrorKind;
use resin_format::U256;
use resin_state::value::Value;

#[cold]
fn overflow() -> Fault {
    runtime(RuntimeErrorKind::ArithmeticOverflow)
}

#[cold]
fn division_by_zero() -> Fault {
    runtime(RuntimeErrorKind::DivisionByZero)
}

/// A binary integer instruction: `|a, b| expr` yields `Result<T, Fault>` for
/// each integer type `T`, and the result keeps the operands' type.
macro_rules! int_binop {
    ($(#[$doc:meta])* $name:ident, |$a:ident, $b:ident| $e:expr) => {
        $(#[$doc])*
        #[inline]
        pub(super) fn $name(stack: &mut Stack) -> Result<(), Fault> {
            // The result overwrites the left operand's payload in place.
            match stack.top_two_mut()? {
                (Value::U64(lhs), Value::U64($b)) => { let ($a, $b) = (*lhs, *$b); *lhs = $e? }
                (Value::U8(lhs), Value::U8($b)) => { let ($a, $b) = (*lhs, *$b); *lhs = $e? }
                (Value::U128(lhs), Value::U128($b)) => { let ($a, $b) = (*lhs, *$b); *lhs = $e? }
                (Value::U16(lhs), Value::U16($b)) => { let ($a, $b) = (*lhs, *$b); *lhs = $e? }
                (Value::U32(lhs), Value::U32($b)) => { let ($a, $b) = (*lhs, *$b); *lhs = $e? }
                (Value::U256(lhs), Value::U256($b)) => { let ($a, $b) = (*lhs, *$b); *lhs = $e? }
                _ => return Err(invariant()),
            }
            stack.discard(1);
            Ok(())
        }
    };
}

/// A comparison with operator `$op`, for each integer type.
macro_rules! int_cmp {
    ($name:ident, $op:tt) => {
        #[inline]
        pub(super) fn $name(stack: &mut Stack) -> Result<(), Fault> {
            let (lhs, rhs) = stack.top_two_mut()?;
            let result = match (&*lhs, &*rhs) {
                (Value::U64(a), Value::U64(b)) => a $op b,
                (Value::U8(a), Value::U8(b)) => a $op b,
                (Value::U128(a), Value::U128(b)) => a $op b,
                (Value::U16(a), Value::U16(b)) => a $op b,
                (Value::U32(a), Value::U32(b)) => a $op b,
                (Value::U256(a), Value::U256(b)) => a $op b,
                _ => return Err(invariant()),
            };
            *lhs = Value::Bool(result);
            stack.discard(1);
            Ok(())
        }
    };
}

int_binop!(add, |a, b| a.checked_add(b).ok_or_else(overflow));
int_binop!(sub, |a, b| a.checked_sub(b).ok_or_else(overflow));
int_binop!(mul, |a, b| a.checked_mul(b).ok_or_else(overflow));
int_binop!(div, |a, b| a.checked_div(b).ok_or_else(division_by_zero));
int_binop!(rem, |a, b| a.checked_rem(b).ok_or_else(division_by_zero));
int_binop!(bit_and, |a, b| Ok::<_, Fault>(a & b));
int_binop!(bit_or, |a, b| Ok::<_, Fault>(a | b));
int_binop!(xor, |a, b| Ok::<_, Fault>(a ^ b));

int_cmp!(lt, <);
int_cmp!(gt, >);
int_cmp!(le, <=);
int_cmp!(ge, >=);

/// A shift by a `u8`: shifting by the operand's bit width or more aborts;
/// bits shifted out are lost (no overflow check), as in Move. A `u256`
/// never aborts: a `u8` amount is always below its width.
macro_rules! shift {
    ($name:ident, $method:ident, $op:tt) => {
        #[inline]
        pub(super) fn $name(stack: &mut Stack) -> Result<(), Fault> {
            let amount = stack.pop_u8()?;
            let n = u32::from(amount);
            let too_large = || runtime(RuntimeErrorKind::ShiftTooLarge);
            let top = stack.top_val_mut()?;
            *top = match &*top {
                Value::U8(a) => Value::U8(a.$method(n).ok_or_else(too_large)?),
                Value::U64(a) => Value::U64(a.$method(n).ok_or_else(too_large)?),
                Value::U128(a) => Value::U128(a.$method(n).ok_or_else(too_large)?),
                Value::U16(a) => Value::U16(a.$method(n).ok_or_else(too_large)?),
                Value::U32(a) => Value::U32(a.$method(n).ok_or_else(too_large)?),
                Value::U256(a) => Value::U256(*a $op amount),
                _ => return Err(invariant()),
            };
            Ok(())
        }
    };
}

shift!(shl, checked_shl, <<);
shift!(shr, checked_shr, >>);

/// The top integer widened to `u128` for casts, or `None` for a `u256`
/// too large for one (out of range for every cast but `cast_u256`).
fn pop_int(stack: &mut Stack) -> Result<Option<u128>, Fault> {
    match stack.pop_val()? {
        Value::U8(v) => Ok(Some(u128::from(v))),
        Value::U64(v) => Ok(Some(u128::from(v))),
        Value::U128(v) => Ok(Some(v)),
        Value::U16(v) => Ok(Some(u128::from(v))),
        Value::U32(v) => Ok(Some(u128::from(v))),
        Value::U256(v) => Ok(u128::try_from(v).ok()),
        _ => Err(invariant()),
    }
}

/// A cast to a type narrower than `u256`: out of range aborts.
macro_rules! narrow_cast {
    ($(#[$doc:meta])* $name:ident, $ty:ty, $variant:ident) => {
        $(#[$doc])*
        pub(super) fn $name(stack: &mut Stack) -> Result<(), Fault> {
            let v = pop_int(stack)?.and_then(|v| <$ty>::try_from(v).ok()).ok_or_else(cast_out_of_range)?;
            stack.push_val(Value::$variant(v));
            Ok(())
        }
    };
}

#[cold]
fn cast_out_of_range() -> Fault {
    runtime(RuntimeErrorKind::CastOutOfRange)
}

narrow_cast!(cast_u8, u8, U8);
narrow_cast!(cast_u16, u16, U16);
narrow_cast!(cast_u32, u32, U32);
narrow_cast!(cast_u64, u64, U64);
narrow_cast!(cast_u128, u128, U128);

/// Every integer fits a `u256`: this cast never aborts.
pub(super) fn cast_u256(stack: &mut Stack) -> Result<(), Fault> {
    let v = match stack.pop_val()? {
        Value::U256(v) => v,
        Value::U8(v) => U256::from(v),
        Value::U16(v) => U256::from(v),
        Value::U32(v) => U256::from(v),
        Value::U64(v) => U256::from(v),
        Value::U128(v) => U256::from(v),
        _ => return Err(invariant()),
    };
    stack.push_val(Value::U256(v));
    Ok(())
}

pub(super) fn and(stack: &mut Stack) -> Result<(), Fault> {
    let (b, a) = (stack.pop_bool()?, stack.pop_bool()?);
    stack.push_val(Value::Bool(a && b));
    Ok(())
}

pub(super) fn or(stack: &mut Stack) -> Result<(), Fault> {
    let (b, a) = (stack.pop_bool()?, stack.pop_bool()?);
    stack.push_val(Value::Bool(a || b));
    Ok(())
}

pub(super) fn not(stack: &mut Stack) -> Result<(), Fault> {
    let a = stack.pop_bool()?;
    stack.push_val(Value::Bool(!a));
    Ok(())
}

/// An integer operand, read by value: what fused binary ops compute on.
#[derive(Clone, Copy)]
pub(super) enum Int {
    U8(u8),
    U64(u64),
    U128(u128),
    U16(u16),
    U32(u32),
    U256(U256),
}

/// `a op b` with the checks of the plain instructions; operands of different
/// types are an invariant violation, as there.
#[inline(always)]
pub(super) fn apply(op: BinOp, a: Int, b: Int) -> Result<Value, Fault> {
    macro_rules! arith {
        ($variant:ident, $a:expr, $b:expr) => {
            Value::$variant(match op {
                BinOp::Add => $a.checked_add($b).ok_or_else(overflow)?,
                BinOp::Sub => $a.checked_sub($b).ok_or_else(overflow)?,
                BinOp::Mul => $a.checked_mul($b).ok_or_else(overflow)?,
                BinOp::Div => $a.checked_div($b).ok_or_else(division_by_zero)?,
                BinOp::Mod => $a.checked_rem($b).ok_or_else(division_by_zero)?,
                BinOp::BitAnd => $a & $b,
                BinOp::BitOr => $a | $b,
                BinOp::Xor => $a ^ $b,
                BinOp::Lt => return Ok(Value::Bool($a < $b)),
                BinOp::Gt => return Ok(Value::Bool($a > $b)),
                BinOp::Le => return Ok(Value::Bool($a <= $b)),
                BinOp::Ge => return Ok(Value::Bool($a >= $b)),
            })
        };
    }
    Ok(match (a, b) {
        (Int::U64(a), Int::U64(b)) => arith!(U64, a, b),
        (Int::U8(a), Int::U8(b)) => arith!(U8, a, b),
        (Int::U128(a), Int::U128(b)) => arith!(U128, a, b),
        (Int::U16(a), Int::U16(b)) => arith!(U16, a, b),
        (Int::U32(a), Int::U32(b)) => arith!(U32, a, b),
        (Int::U256(a), Int::U256(b)) => arith!(U256, a, b),
        _ => return Err(invariant()),
    })
}
