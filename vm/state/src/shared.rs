//! A value as storage, block overlays and receipts share it.
//!
//! A primitive or a flat struct ([`Value::Flat`]) is held inline and copied
//! (a few words, no allocation, and no atomic reference count for lanes on
//! different cores to contend for); anything larger is held once behind an
//! `Arc` and shared. So a transfer's two written balances travel from the
//! interpreter through the receipt and the overlay into the store without a
//! heap allocation, while a large vector is still never copied.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::value::Value;

#[derive(Clone)]
pub struct Shared(Repr);

#[derive(Clone)]
enum Repr {
    /// Never dropped: an inline value owns no heap memory ([`Value::owns_heap`]),
    /// so there is nothing to free, and `Value`'s drop glue (recursive, so
    /// never inlined) would cost a call that saves six registers before it
    /// reads the tag. Every shared balance a block writes is dropped a few
    /// times: in the overlay, in its receipt, in the store's superseded map
    /// nodes.
    Inline(ManuallyDrop<Value>),
    Heap(Arc<Value>),
}

impl Shared {
    /// Shares `value`: inline if it needs no heap, behind an `Arc` otherwise.
    #[inline]
    pub fn new(value: Value) -> Shared {
        Shared(if !value.owns_heap() { Repr::Inline(ManuallyDrop::new(value)) } else { Repr::Heap(Arc::new(value)) })
    }

    /// A copy that shares no reference count with this one: a value held
    /// behind an `Arc` is cloned into an `Arc` of its own. For threads that
    /// each read one value very often: cloning and dropping a shared `Arc`
    /// writes its count, whose cache line then passes between their cores
    /// on every read.
    pub fn detached(&self) -> Shared {
        match &self.0 {
            Repr::Inline(value) => Shared(Repr::Inline(value.clone())),
            Repr::Heap(value) => Shared(Repr::Heap(Arc::new(Value::clone(value)))),
        }
    }

    /// Whether clones of this share a reference count (the value is not inline).
    pub fn is_counted(&self) -> bool {
        matches!(self.0, Repr::Heap(_))
    }

    /// Whether both hold one value behind one reference count.
    pub fn same_count(&self, other: &Shared) -> bool {
        match (&self.0, &other.0) {
            (Repr::Heap(a), Repr::Heap(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// The value, owned: copied when inline, taken out of the `Arc` when
    /// this was its last holder, cloned otherwise.
    #[inline]
    pub fn into_owned(self) -> Value {
        match self.0 {
            Repr::Inline(value) => ManuallyDrop::into_inner(value),
            Repr::Heap(shared) => Arc::unwrap_or_clone(shared),
        }
    }
}

impl Deref for Shared {
    type Target = Value;

    #[inline(always)]
    fn deref(&self) -> &Value {
        match &self.0 {
            Repr::Inline(value) => value,
            Repr::Heap(value) => value,
        }
    }
}

impl PartialEq for Shared {
    fn eq(&self, other: &Shared) -> bool {
        **self == **other
    }
}

impl Eq for Shared {}

impl Hash for Shared {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (**self).hash(state);
    }
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

impl Serialize for Shared {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Shared {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Shared, D::Error> {
        Value::deserialize(d).map(Shared::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_values_are_inline_and_large_ones_shared() {
        let balance = Value::Struct(vec![Value::Struct(vec![Value::U64(5)])]).compact();
        let shared = Shared::new(balance.clone());
        assert!(matches!(shared.0, Repr::Inline(_)));
        assert_eq!(*shared, balance);
        let bytes = Value::Vector(vec![Value::U8(1); 100]);
        let shared = Shared::new(bytes.clone());
        let Repr::Heap(arc) = &shared.0 else { panic!("a vector is shared") };
        let copy = shared.clone();
        let Repr::Heap(copied) = &copy.0 else { panic!("a copy shares too") };
        assert!(Arc::ptr_eq(arc, copied), "cloning shares the vector");
        assert_eq!(copy.into_owned(), bytes);
    }

    #[test]
    fn a_detached_copy_is_equal_and_counts_its_own_references() {
        let bytes = Shared::new(Value::Vector(vec![Value::U8(7); 40]));
        let copy = bytes.detached();
        assert_eq!(copy, bytes);
        let (Repr::Heap(a), Repr::Heap(b)) = (&bytes.0, &copy.0) else { panic!("a vector is held behind an Arc") };
        assert!(!Arc::ptr_eq(a, b) && !copy.same_count(&bytes), "the copy has an Arc of its own");
        assert!(bytes.clone().same_count(&bytes));
        assert_eq!((Arc::strong_count(a), Arc::strong_count(b)), (1, 1));
        assert!(bytes.is_counted() && copy.is_counted());
        let balance = Shared::new(Value::U64(3));
        assert!(!balance.is_counted());
        assert_eq!(balance.detached(), balance);
    }
}
