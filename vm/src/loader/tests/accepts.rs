//! Which transaction arguments a parameter's type accepts.

use crate::loader::ResolvedType::{self, Address, Vector, U64, U8};
use resin_state::value::Value;

fn bytes(b: &[u8]) -> Value {
    Value::Vector(b.iter().map(|&b| Value::U8(b)).collect())
}

/// A vector argument is accepted exactly when every element is of the
/// element type: byte vectors (checked by their own loop) like others.
#[test]
fn a_vector_argument_fits_only_when_every_element_does() {
    let vec_of = |t: ResolvedType| Vector(Box::new(t));
    let cases: [(ResolvedType, Value, bool); 9] = [
        (vec_of(U8), bytes(b"uri://token/7"), true),
        (vec_of(U8), bytes(b""), true),
        (vec_of(U8), Value::Vector(vec![Value::U8(1), Value::U64(2)]), false),
        (vec_of(U8), Value::Vector(vec![Value::U64(1)]), false),
        (vec_of(U8), Value::U8(1), false),
        (vec_of(U64), bytes(b"ab"), false),
        (vec_of(vec_of(U8)), Value::Vector(vec![bytes(b"a"), bytes(b"")]), true),
        (vec_of(vec_of(U8)), Value::Vector(vec![bytes(b"a"), Value::U8(3)]), false),
        (vec_of(Address), Value::Vector(vec![]), true),
    ];
    for (ty, value, fits) in cases {
        assert_eq!(ty.accepts(&value), fits, "{ty:?} {value:?}");
    }
}
