//! `type_name` and `type_is_struct`: a type as a value, with the running
//! instance's type arguments substituted.
//!
//! Code that is not generic knows its types statically; these exist for
//! generic code, which cannot otherwise tell `T = u64` from `T = USD`: a
//! witness parameter proves who made it only when `T` is a struct (anyone
//! can make a `u64`), and a pool of `X` and `Y` must tell when the two are
//! one type.

use super::machine::Frame;
use super::slot::Stack;
use super::{invariant, Fault};
use crate::gas::{self, GasMeter};
use resin_state::type_tag::TypeTag;
use resin_state::value::Value;

/// The type signature `sig` of the running function names, as a tag.
fn tag(cur: &Frame<'_>, sig: u16) -> Result<TypeTag, Fault> {
    cur.concrete(cur.module.module.signatures.get(usize::from(sig)).ok_or_else(invariant)?)
}

/// `type_name`: the canonical name's bytes, charged per byte as a vector
/// of that many elements is.
pub(super) fn type_name(stack: &mut Stack, gas: &mut GasMeter, cur: &Frame<'_>, sig: u16) -> Result<(), Fault> {
    let name = tag(cur, sig)?.canonical();
    gas.charge((name.len() as u64).saturating_mul(gas::VECTOR_PER_ELEMENT))?;
    stack.push_val(Value::Bytes(name.into_bytes()));
    Ok(())
}

/// `type_is_struct`.
pub(super) fn is_struct(stack: &mut Stack, cur: &Frame<'_>, sig: u16) -> Result<(), Fault> {
    let tag = tag(cur, sig)?;
    stack.push_val(Value::Bool(matches!(tag, TypeTag::Struct(_))));
    Ok(())
}
