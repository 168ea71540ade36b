//! Whether a transaction's arguments fit the function it calls. Every
//! transaction is checked twice (when its keys are instantiated and when it
//! executes), so the check is kept small enough to inline and the messages
//! that explain a misfit are built out of line.

use super::{CallSignature, LoadedFunction, ResolvedType};
use resin_format::encoding::limits::MAX_VECTOR_LEN;
use resin_state::value::Value;

/// Why arguments do not fit, as the check finds it; put into words only
/// for a transaction that is refused ([`describe_mismatch`]).
#[derive(Clone, Copy)]
enum ArgsMismatch<'f> {
    Unsupported(&'f str),
    Count,
    Type(usize, &'f ResolvedType),
    TooLong(usize, usize),
}

/// `Ok` when `args` fit `function`'s parameters after its signers (as
/// `signature` has them: the function's own, or an instance's); else the
/// reason for `InvalidArguments`.
#[inline]
pub(super) fn check_args(function: &LoadedFunction, signature: &CallSignature, args: &[Value]) -> Result<(), String> {
    match args_mismatch(signature, args) {
        None => Ok(()),
        Some(mismatch) => Err(describe_mismatch(function, signature, args.len(), mismatch)),
    }
}

#[inline]
fn args_mismatch<'f>(sig: &'f CallSignature, args: &[Value]) -> Option<ArgsMismatch<'f>> {
    if let Some(reason) = &sig.unsupported {
        return Some(ArgsMismatch::Unsupported(reason));
    }
    if args.len() != sig.args.len() {
        return Some(ArgsMismatch::Count);
    }
    for (i, (ty, arg)) in sig.args.iter().zip(args).enumerate() {
        if !ty.accepts(arg) {
            return Some(ArgsMismatch::Type(i, ty));
        }
        if let Some(len) = longest_vector(arg).filter(|len| *len > MAX_VECTOR_LEN) {
            return Some(ArgsMismatch::TooLong(i, len));
        }
    }
    None
}

#[cold]
#[inline(never)]
fn describe_mismatch(
    function: &LoadedFunction,
    sig: &CallSignature,
    given: usize,
    mismatch: ArgsMismatch<'_>,
) -> String {
    let name = &function.name;
    match mismatch {
        ArgsMismatch::Unsupported(reason) => format!("`{name}`: {reason}"),
        ArgsMismatch::Count => format!("`{name}` takes {} arguments, {given} given", sig.args.len()),
        ArgsMismatch::Type(i, ty) => format!("argument {i} of `{name}` must be a `{ty}`"),
        ArgsMismatch::TooLong(i, len) => {
            format!("argument {i} of `{name}` holds a vector of {len} elements (at most {MAX_VECTOR_LEN})")
        }
    }
}

/// The length of the longest vector in `value`.
#[inline]
fn longest_vector(value: &Value) -> Option<usize> {
    // Most arguments are primitives (an address, an amount): answering them
    // here keeps the walk (and its stack's heap allocation) off every
    // transaction's path, and this check small enough to inline.
    match value {
        Value::Vector(_) | Value::Struct(_) => longest_nested_vector(value),
        Value::Bytes(bytes) => Some(bytes.len()),
        _ => None,
    }
}

/// [`longest_vector`] of a vector or struct, walked without recursion.
#[inline(never)]
fn longest_nested_vector(value: &Value) -> Option<usize> {
    let mut longest = None;
    let mut pending = vec![value];
    while let Some(value) = pending.pop() {
        match value {
            Value::Vector(items) | Value::Struct(items) => {
                if matches!(value, Value::Vector(_)) {
                    longest = longest.max(Some(items.len()));
                }
                pending.extend(
                    items.iter().filter(|v| matches!(v, Value::Vector(_) | Value::Struct(_) | Value::Bytes(_))),
                );
            }
            Value::Bytes(bytes) => longest = longest.max(Some(bytes.len())),
            _ => {}
        }
    }
    longest
}
