//! What the operand stack and the local slots hold: values and references.
//!
//! # References
//!
//! A reference is a *path*: a root (a local slot, by its absolute index in the
//! flat locals vector shared by all frames, or a slot of the transaction's
//! global working set) plus the field and element indexes walked from there.
//! It is resolved on every use. So there is no `Rc`, no `RefCell` and no
//! `unsafe`, and a reference into a caller's local stays valid when a callee
//! returns it: its root index lies below the callee's frame.
//!
//! The bytecode verifier proves reference safety (Move's borrow rules): no
//! two live references conflict, and none outlives its target. So for
//! verified code a path always resolves, and
//! [`RuntimeErrorKind::DanglingReference`](crate::transaction::RuntimeErrorKind)
//! is unreachable. It stays as a defensive fault, deterministic and located,
//! for code that breaks the verifier's guarantees (tested on unverified
//! modules): a root local that was moved out (it is [`Slot::Empty`]), a
//! resource moved out of storage, a vector shrunk below an element the path
//! names, or a returned reference into the frame being popped (checked at
//! `ret`, only by functions that return references). Two aliasing `&mut`
//! in such code would still be two paths to one place: memory stays sound.

use smallvec::SmallVec;

use super::{invariant, Fault};
use resin_state::value::Value;

/// Where a reference starts.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Root {
    /// An absolute index into the locals vector.
    Local(u32),
    /// An index into the global working set.
    Global(u32),
}

/// Field and element steps from the root. Four steps inline covers
/// `resource.field.field.element`; deeper paths spill to the heap.
/// Vector indexes are `u32`: an index that does not fit is out of bounds
/// (no vector can hold 2^32 elements within a transaction's gas).
pub(crate) type Path = SmallVec<[u32; 4]>;

#[derive(PartialEq, Eq, Debug)]
pub(crate) struct Ref {
    pub root: Root,
    pub mutable: bool,
    pub path: Path,
}

impl Clone for Ref {
    /// Copies the path as a slice (one `memcpy` while it is inline), not
    /// element by element as `SmallVec`'s own `clone` does.
    #[inline]
    fn clone(&self) -> Ref {
        Ref { root: self.root, mutable: self.mutable, path: Path::from_slice(&self.path) }
    }
}

impl Ref {
    pub fn new(root: Root, mutable: bool) -> Ref {
        Ref { root, mutable, path: Path::new() }
    }

    /// This reference extended by one step, with the given mutability.
    #[inline]
    pub fn step(mut self, index: u32, mutable: bool) -> Result<Ref, Fault> {
        self.extend(index, mutable)?;
        Ok(self)
    }

    /// Extends this reference by one step in place, with the given mutability.
    #[inline(always)]
    pub fn extend(&mut self, index: u32, mutable: bool) -> Result<(), Fault> {
        if mutable && !self.mutable {
            return Err(invariant());
        }
        self.path.push(index);
        self.mutable = mutable;
        Ok(())
    }
}

/// One stack or local slot.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) enum Slot {
    Val(Value),
    Ref(Ref),
    /// A local that was never assigned or was moved out.
    Empty,
}

/// `slots.truncate(len)`, calling `Value`'s drop glue only for the slots
/// that own memory. The glue is recursive, so it is never inlined, and it
/// saves six registers before it even reads the tag: ~21 instructions for
/// each scalar a truncation dropped (a frame's locals at `ret`, the
/// arguments a call moved, the operands an instruction read in place).
/// Emptied first, those slots need no drop, and the truncation's own loop
/// skips them inline.
#[inline(always)]
pub(crate) fn truncate(slots: &mut Vec<Slot>, len: usize) {
    for slot in slots.get_mut(len..).unwrap_or(&mut []) {
        if matches!(slot, Slot::Val(value) if !value.owns_heap()) {
            // Nothing to free: forgetting the scalar is dropping it.
            std::mem::forget(std::mem::replace(slot, Slot::Empty));
        }
    }
    slots.truncate(len);
}

/// Empty slots for a frame's locals past its arguments, up to `len`. A
/// frame's arguments are its parameters, which its local count includes,
/// so `locals` is never longer. Pushed one by one: `resize` clones its
/// `Slot::Empty` through `Slot`'s `Clone`, a match per local, and
/// `resize_with` is an out-of-line call for the one or two locals a
/// function adds.
#[inline(always)]
pub(crate) fn fill_locals(locals: &mut Vec<Slot>, len: usize) {
    debug_assert!(locals.len() <= len, "more arguments than locals");
    while locals.len() < len {
        locals.push(Slot::Empty);
    }
}

/// The operand stack, shared by all frames of a transaction: a callee's
/// arguments are moved from it into the callee's locals and its return
/// values are left on it.
#[derive(Default, Debug)]
pub(crate) struct Stack(pub Vec<Slot>);

/// A typed pop that reads only the payload in place and then drops the slot.
/// Moving the whole 48-byte slot out instead would load it with wide loads
/// right after the narrow stores that wrote it (a tag and a `u64`), which
/// defeats store-to-load forwarding and stalls the pipeline.
macro_rules! pop_primitive {
    ($name:ident, $variant:ident, $ty:ty) => {
        #[inline(always)]
        pub fn $name(&mut self) -> Result<$ty, Fault> {
            let value = match self.0.last() {
                Some(Slot::Val(Value::$variant(v))) => *v,
                _ => return Err(invariant()),
            };
            self.discard(1);
            Ok(value)
        }
    };
}

impl Stack {
    /// Pushes `slot`. Growing is split out and cold so that the fast path
    /// writes the new slot straight into the vector.
    #[inline(always)]
    pub fn push(&mut self, slot: Slot) {
        if self.0.len() == self.0.capacity() {
            self.grow();
        }
        self.0.push(slot);
    }

    #[cold]
    #[inline(never)]
    fn grow(&mut self) {
        self.0.reserve(64);
    }

    #[inline(always)]
    pub fn push_val(&mut self, value: Value) {
        self.push(Slot::Val(value));
    }

    /// Pushes a constant: the handler of the `ld_*` instructions.
    #[inline(always)]
    pub fn load(&mut self, value: Value) -> Result<(), Fault> {
        self.push(Slot::Val(value));
        Ok(())
    }

    /// Pops the top slot. A primitive is rebuilt from its payload (see
    /// [`pop_primitive`] for why); containers and references are moved.
    #[inline(always)]
    pub fn pop(&mut self) -> Result<Slot, Fault> {
        Ok(Slot::Val(match self.0.last() {
            Some(Slot::Val(Value::U64(v))) => Value::U64(*v),
            Some(Slot::Val(Value::Bool(v))) => Value::Bool(*v),
            Some(Slot::Val(Value::U8(v))) => Value::U8(*v),
            Some(Slot::Val(Value::U128(v))) => Value::U128(*v),
            Some(Slot::Val(Value::Address(v))) => Value::Address(*v),
            _ => return self.0.pop().ok_or_else(invariant),
        }))
        .inspect(|_| self.discard(1))
    }

    #[inline(always)]
    pub fn pop_val(&mut self) -> Result<Value, Fault> {
        match self.pop()? {
            Slot::Val(v) => Ok(v),
            _ => Err(invariant()),
        }
    }

    /// Pushes a copy of `value`. A primitive is rebuilt from its payload so
    /// that no temporary copy of the whole value is made.
    #[inline(always)]
    pub fn push_copy(&mut self, value: &Value) {
        let copy = match value {
            Value::U64(v) => Value::U64(*v),
            Value::Bool(v) => Value::Bool(*v),
            Value::U8(v) => Value::U8(*v),
            Value::U128(v) => Value::U128(*v),
            Value::Address(v) => Value::Address(*v),
            other => other.clone(),
        };
        self.push(Slot::Val(copy));
    }

    /// Moves the top value into `target`, dropping what was there. A
    /// primitive is copied by its payload (see [`pop_primitive`]).
    #[inline(always)]
    pub fn pop_into(&mut self, target: &mut Value) -> Result<(), Fault> {
        match (self.0.last(), &mut *target) {
            (Some(Slot::Val(Value::U64(v))), Value::U64(t)) => *t = *v,
            (Some(Slot::Val(Value::U8(v))), Value::U8(t)) => *t = *v,
            (Some(Slot::Val(Value::Bool(v))), Value::Bool(t)) => *t = *v,
            (Some(Slot::Val(Value::U128(v))), Value::U128(t)) => *t = *v,
            (Some(Slot::Val(Value::Address(v))), Value::Address(t)) => *t = *v,
            _ => {
                *target = self.pop_val()?;
                return Ok(());
            }
        }
        self.discard(1);
        Ok(())
    }

    /// Moves the top slot into `dest` (an empty or reference-holding local),
    /// writing a primitive straight into place.
    #[inline(always)]
    pub fn pop_to(&mut self, dest: &mut Slot) -> Result<(), Fault> {
        if !matches!(dest, Slot::Empty) {
            *dest = self.pop()?;
            return Ok(());
        }
        // `dest` is empty, so nothing needs dropping before the write.
        match self.0.last() {
            Some(Slot::Val(Value::U64(v))) => *dest = Slot::Val(Value::U64(*v)),
            Some(Slot::Val(Value::Bool(v))) => *dest = Slot::Val(Value::Bool(*v)),
            Some(Slot::Val(Value::U8(v))) => *dest = Slot::Val(Value::U8(*v)),
            Some(Slot::Val(Value::Address(v))) => *dest = Slot::Val(Value::Address(*v)),
            _ => {
                *dest = self.0.pop().ok_or_else(invariant)?;
                return Ok(());
            }
        }
        self.discard(1);
        Ok(())
    }

    /// The top reference, in place.
    #[inline(always)]
    pub fn top_ref(&self) -> Result<&Ref, Fault> {
        match self.0.last() {
            Some(Slot::Ref(r)) => Ok(r),
            _ => Err(invariant()),
        }
    }

    /// The top reference, in place, for extending its path.
    #[inline(always)]
    pub fn top_ref_mut(&mut self) -> Result<&mut Ref, Fault> {
        match self.0.last_mut() {
            Some(Slot::Ref(r)) => Ok(r),
            _ => Err(invariant()),
        }
    }

    /// Replaces the top slot (a reference just used) with a value.
    #[inline(always)]
    pub fn replace_top(&mut self, value: Value) {
        if let Some(top) = self.0.last_mut() {
            *top = Slot::Val(value);
        }
    }

    #[inline(always)]
    pub fn pop_ref(&mut self) -> Result<Ref, Fault> {
        match self.0.pop() {
            Some(Slot::Ref(r)) => Ok(r),
            _ => Err(invariant()),
        }
    }

    /// Pops an integer of any width, for fused binary operations.
    #[inline(always)]
    pub fn pop_int(&mut self) -> Result<super::arithmetic::Int, Fault> {
        use super::arithmetic::Int;
        let value = match self.0.last() {
            Some(Slot::Val(Value::U64(v))) => Int::U64(*v),
            Some(Slot::Val(Value::U8(v))) => Int::U8(*v),
            Some(Slot::Val(Value::U128(v))) => Int::U128(*v),
            Some(Slot::Val(Value::U16(v))) => Int::U16(*v),
            Some(Slot::Val(Value::U32(v))) => Int::U32(*v),
            Some(Slot::Val(Value::U256(v))) => Int::U256(*v),
            _ => return Err(invariant()),
        };
        self.discard(1);
        Ok(value)
    }

    pop_primitive!(pop_u64, U64, u64);
    pop_primitive!(pop_u8, U8, u8);
    pop_primitive!(pop_bool, Bool, bool);
    pop_primitive!(pop_address, Address, resin_format::file_format::AccountAddress);

    /// Drops the top `n` slots (all of them primitive or references, whose
    /// drop is cheap), after an operation that read them in place.
    #[inline(always)]
    pub fn discard(&mut self, n: usize) {
        let len = self.0.len().saturating_sub(n);
        truncate(&mut self.0, len);
    }

    /// The top two values, in place, for binary operations.
    #[inline(always)]
    pub fn top_two_mut(&mut self) -> Result<(&mut Value, &mut Value), Fault> {
        let len = self.0.len();
        match self.0.get_mut(len.wrapping_sub(2)..) {
            Some([Slot::Val(a), Slot::Val(b)]) => Ok((a, b)),
            _ => Err(invariant()),
        }
    }

    /// The top slot's value, to be replaced in place by a unary or binary operation.
    #[inline(always)]
    pub fn top_val_mut(&mut self) -> Result<&mut Value, Fault> {
        match self.0.last_mut() {
            Some(Slot::Val(v)) => Ok(v),
            _ => Err(invariant()),
        }
    }

    /// The index where the top `n` slots start.
    #[inline]
    pub fn top_start(&self, n: usize) -> Result<usize, Fault> {
        self.0.len().checked_sub(n).ok_or_else(invariant)
    }

    /// Moves the top `n` slots, deepest first, onto the end of `dest` (a
    /// call's arguments into its locals).
    #[inline(always)]
    pub fn move_top_to(&mut self, n: usize, dest: &mut Vec<Slot>) -> Result<(), Fault> {
        self.top_start(n)?;
        // Popped and pushed, then put back in order: a call passes two or
        // three arguments, and `drain` cost ~110 instructions per call in
        // its set-up and drop.
        let base = dest.len();
        dest.reserve(n);
        for _ in 0..n {
            if let Some(slot) = self.0.pop() {
                dest.push(slot);
            }
        }
        if let Some(moved) = dest.get_mut(base..) {
            moved.reverse();
        }
        Ok(())
    }

    /// Pops the top `n` slots as values, deepest first.
    pub fn pop_values(&mut self, n: usize) -> Result<Vec<Value>, Fault> {
        if n == 0 {
            return Ok(Vec::new());
        }
        let start = self.top_start(n)?;
        let mut out = Vec::with_capacity(n);
        for slot in self.0.drain(start..) {
            match slot {
                Slot::Val(v) => out.push(v),
                _ => return Err(invariant()),
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(slots: &[Slot]) -> Vec<Option<u64>> {
        slots
            .iter()
            .map(|slot| match slot {
                Slot::Val(Value::U64(v)) => Some(*v),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_calls_arguments_move_in_order_behind_the_callers_locals() {
        let mut stack = Stack((1..=5).map(|v| Slot::Val(Value::U64(v))).collect());
        let mut locals = vec![Slot::Empty, Slot::Val(Value::U64(9))];
        assert!(stack.move_top_to(3, &mut locals).is_ok());
        // The deepest argument first, the caller's locals untouched.
        assert_eq!(values(&locals), [None, Some(9), Some(3), Some(4), Some(5)]);
        assert_eq!(values(&stack.0), [Some(1), Some(2)]);
        assert!(stack.move_top_to(0, &mut locals).is_ok());
        assert_eq!(locals.len(), 5);
    }

    #[test]
    fn more_arguments_than_the_stack_holds_move_nothing() {
        let mut stack = Stack(vec![Slot::Val(Value::U64(1))]);
        let mut locals = Vec::new();
        assert!(stack.move_top_to(2, &mut locals).is_err());
        assert!(locals.is_empty());
        assert_eq!(values(&stack.0), [Some(1)]);
    }
}
