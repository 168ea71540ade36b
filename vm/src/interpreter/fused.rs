//! Handlers of fused ops (see [`super::ops`]). Each performs its covered
//! instructions' effects in order, charging each one's gas and reporting a
//! failure at that instruction's offset, exactly as if they ran one by one.

use super::arithmetic::{self, Int};
use super::globals::{type_of, WorkingSet};
use super::machine::Frame;
use super::ops::{Binary, Compiled, Fused, Operand, Source, Update};
use super::references::{deref, deref_mut, push_copy, walk, walk_mut, walk_mut_on, walk_on, Place};
use super::slot::{Ref, Root, Slot, Stack};
use super::structs;
use super::{dangling, invariant, Fault};
use crate::gas::{copy_cost, GasMeter};
use resin_format::file_format::{AccountAddress, StructDefIdx};
use resin_state::keys::TypeId;
use resin_state::store::StateView;
use resin_state::value::Value;

/// A fault and the code offset of the covered instruction that raised it.
pub(super) type Stepped<T> = Result<T, (Fault, usize)>;

/// What the fused handlers share: the code being run and the machine parts.
/// `PREPAID`: the covered instructions' base gas was charged with their
/// basic block (see `Machine::run`); only data-dependent prices remain.
pub(super) struct Ctx<'a, 'v, V: StateView + ?Sized, const PREPAID: bool> {
    pub stack: &'a mut Stack,
    pub locals: &'a mut [Slot],
    pub globals: &'a mut WorkingSet<'v, V>,
    pub gas: &'a mut GasMeter,
    pub compiled: &'a Compiled,
    pub base: usize,
}

impl<V: StateView + ?Sized, const PREPAID: bool> Ctx<'_, '_, V, PREPAID> {
    /// Charges the instruction at `at` (the head's gas was charged by the loop).
    #[inline(always)]
    fn charge(&mut self, at: usize) -> Stepped<()> {
        if PREPAID {
            return Ok(());
        }
        let amount = *self.compiled.gas.get(at).ok_or((invariant(), at))?;
        self.gas.charge(amount).map_err(|_| (Fault::OutOfGas, at))
    }

    /// Charges the field steps at `at..at + n`; returns the offset after them.
    #[inline(always)]
    fn charge_fields(&mut self, mut at: usize, n: usize) -> Stepped<usize> {
        if PREPAID {
            return Ok(at + n);
        }
        for _ in 0..n {
            self.charge(at)?;
            at += 1;
        }
        Ok(at)
    }

    fn local(&mut self, local: u8, at: usize) -> Stepped<&mut Slot> {
        self.locals.get_mut(self.base + usize::from(local)).ok_or((invariant(), at))
    }

    /// The address a global sequence starts from, and the offset of its borrow.
    fn address(&mut self, source: Source, pc: usize) -> Stepped<(AccountAddress, usize)> {
        let address = match source {
            Source::Stack => return Ok((self.stack.pop_address().map_err(|f| (f, pc))?, pc)),
            Source::Copy(l) => match self.local(l, pc)? {
                Slot::Val(Value::Address(a)) => *a,
                Slot::Empty => return Err((dangling(), pc)),
                _ => return Err((invariant(), pc)),
            },
            Source::Move(l) => {
                let local = self.local(l, pc)?;
                // Read the address in place, then empty the slot: no copy of
                // the whole slot.
                let address = match local {
                    Slot::Val(Value::Address(a)) => *a,
                    Slot::Empty => return Err((dangling(), pc)),
                    _ => return Err((invariant(), pc)),
                };
                *local = Slot::Empty;
                address
            }
            Source::Borrow(_) => return Err((invariant(), pc)),
        };
        self.charge(pc + 1)?;
        Ok((address, pc + 1))
    }

    /// The reference a path sequence starts from. The head instruction (the
    /// source, or with the reference on the stack the first field step) was
    /// charged by the loop.
    fn reference(&mut self, source: Source, pc: usize) -> Stepped<Ref> {
        Ok(match source {
            Source::Stack => self.stack.pop_ref().map_err(|f| (f, pc))?,
            Source::Copy(l) => match self.local(l, pc)? {
                Slot::Ref(r) => r.clone(),
                Slot::Empty => return Err((dangling(), pc)),
                Slot::Val(_) => return Err((invariant(), pc)),
            },
            Source::Move(l) => match std::mem::replace(self.local(l, pc)?, Slot::Empty) {
                Slot::Ref(r) => r,
                Slot::Empty => return Err((dangling(), pc)),
                Slot::Val(_) => return Err((invariant(), pc)),
            },
            Source::Borrow(l) => {
                let at = self.base + usize::from(l);
                if at >= self.locals.len() {
                    return Err((invariant(), pc));
                }
                let root = Root::Local(u32::try_from(at).map_err(|_| (invariant(), pc))?);
                // Mutability only matters for writes, which fuse only `mut_borrow_loc`.
                Ref::new(root, true)
            }
        })
    }

    /// Checks that the local at absolute index `local` holds a reference,
    /// faulting at `at` as `copy_loc` of it would.
    #[inline(always)]
    fn holds_reference(&self, local: usize, at: usize) -> Stepped<()> {
        match self.locals.get(local) {
            Some(Slot::Ref(_)) => Ok(()),
            Some(Slot::Empty) => Err((dangling(), at)),
            _ => Err((invariant(), at)),
        }
    }

    /// Charges the field steps and the final `read_ref`/`write_ref` of a
    /// path sequence starting at `pc`; returns the final instruction's offset.
    fn charge_path_steps(&mut self, f: &Fused, pc: usize) -> Stepped<usize> {
        // With the reference on the stack the head was the first field step.
        let uncharged = usize::from(f.path_len).saturating_sub(usize::from(f.source == Source::Stack));
        let at = self.charge_fields(pc + 1, uncharged)?;
        self.charge(at)?;
        Ok(at)
    }
}

impl<V: StateView + ?Sized, const PREPAID: bool> Ctx<'_, '_, V, PREPAID> {
    /// Reads an operand of a fused binary op at `at` (whose gas is charged).
    #[inline(always)]
    fn operand(&mut self, operand: Operand, at: usize) -> Stepped<Int> {
        let (local, take) = match operand {
            Operand::Const(i) => {
                return self.compiled.words.get(usize::from(i)).map(|v| Int::U64(*v)).ok_or((invariant(), at))
            }
            Operand::Copy(l) => (l, false),
            Operand::Move(l) => (l, true),
            Operand::Stack => return self.stack.pop_int().map_err(|e| (e, at)),
        };
        let slot = self.local(local, at)?;
        let value = match slot {
            Slot::Val(Value::U64(v)) => Int::U64(*v),
            Slot::Val(Value::U8(v)) => Int::U8(*v),
            Slot::Val(Value::U128(v)) => Int::U128(*v),
            Slot::Val(Value::U16(v)) => Int::U16(*v),
            Slot::Val(Value::U32(v)) => Int::U32(*v),
            Slot::Val(Value::U256(v)) => Int::U256(*v),
            Slot::Empty => return Err((dangling(), at)),
            // Only integers reach here in verified code.
            _ => return Err((invariant(), at)),
        };
        if take {
            *slot = Slot::Empty;
        }
        Ok(value)
    }
}

/// `a; b; op [; br_true|br_false]`, or `b; op [; br_*]` with `a` already
/// on the stack: the offset to continue at.
pub(super) fn binary<V: StateView + ?Sized, const PREPAID: bool>(
    cx: &mut Ctx<'_, '_, V, PREPAID>,
    b: &Binary,
    pc: usize,
) -> Stepped<usize> {
    // `at`: the offset of `b`, the first instruction the loop did not charge
    // unless it is the head.
    let (x, at) = match b.a {
        Operand::Stack => (None, pc),
        a => {
            let x = cx.operand(a, pc)?;
            cx.charge(pc + 1)?;
            (Some(x), pc + 1)
        }
    };
    let y = cx.operand(b.b, at)?;
    cx.charge(at + 1)?;
    let x = match x {
        Some(x) => x,
        None => cx.stack.pop_int().map_err(|e| (e, at + 1))?,
    };
    let result = arithmetic::apply(b.op, x, y).map_err(|e| (e, at + 1))?;
    match b.branch {
        None => {
            cx.stack.push_val(result);
            Ok(at + 2)
        }
        Some((jump_if, target)) => {
            cx.charge(at + 2)?;
            match result {
                Value::Bool(v) if v == jump_if => Ok(usize::from(target)),
                Value::Bool(_) => Ok(at + 3),
                _ => Err((invariant(), at + 2)),
            }
        }
    }
}

/// A fused path's field steps.
#[inline(always)]
fn steps(path: &[u16]) -> impl Iterator<Item = usize> + '_ {
    path.iter().map(|&step| usize::from(step))
}

/// The resource type of a fused global sequence running in `frame`.
#[inline(always)]
fn global_type(frame: &Frame<'_>, f: &Fused) -> Result<TypeId, Fault> {
    if f.generic {
        structs::instantiation(frame, f.def).map(|inst| inst.ty)
    } else {
        type_of(frame.module, StructDefIdx(f.def))
    }
}

/// `[copy_loc|move_loc a]; (imm|mut)_borrow_global T; borrow_field*; read_ref`.
pub(super) fn global_read<V: StateView + ?Sized, const PREPAID: bool>(
    cx: &mut Ctx<'_, '_, V, PREPAID>,
    frame: &Frame<'_>,
    f: &Fused,
    pc: usize,
) -> Stepped<()> {
    let (address, at) = cx.address(f.source, pc)?;
    let ty = global_type(frame, f).map_err(|e| (e, at))?;
    let slot = cx.globals.borrow_slot(address, ty, f.mutable, cx.gas).map_err(|e| (e, at))?;
    let at = cx.charge_fields(at + 1, usize::from(f.path_len))?;
    cx.charge(at)?;
    let root = cx.globals.value(slot).map_err(|e| (e, at))?;
    let place = walk(root, steps(cx.compiled.path(f))).map_err(|e| (e, at))?;
    push_copy(cx.stack, cx.gas, place).map_err(|e| (e, at))
}

/// `[copy_loc|move_loc a]; mut_borrow_global T; mut_borrow_field*; write_ref`.
pub(super) fn global_write<V: StateView + ?Sized, const PREPAID: bool>(
    cx: &mut Ctx<'_, '_, V, PREPAID>,
    frame: &Frame<'_>,
    f: &Fused,
    pc: usize,
) -> Stepped<()> {
    let (address, at) = cx.address(f.source, pc)?;
    let ty = global_type(frame, f).map_err(|e| (e, at))?;
    let slot = cx.globals.borrow_slot(address, ty, true, cx.gas).map_err(|e| (e, at))?;
    let at = cx.charge_fields(at + 1, usize::from(f.path_len))?;
    cx.charge(at)?;
    let root = cx.globals.value_mut(slot).map_err(|e| (e, at))?;
    let place = walk_mut(root, steps(cx.compiled.path(f))).map_err(|e| (e, at))?;
    place.assign_from(cx.stack).map_err(|e| (e, at))
}

/// `[copy_loc r|move_loc r|(imm|mut)_borrow_loc l]; borrow_field*; read_ref`.
pub(super) fn path_read<V: StateView + ?Sized, const PREPAID: bool>(
    cx: &mut Ctx<'_, '_, V, PREPAID>,
    f: &Fused,
    pc: usize,
) -> Stepped<()> {
    // A copied reference is read through where it lies: a read needs no
    // copy of it (only a write does, to borrow the locals mutably).
    if let Source::Copy(l) = f.source {
        let local = cx.base + usize::from(l);
        // The same faults, in the same order, as `Ctx::reference` then the charges.
        cx.holds_reference(local, pc)?;
        let at = cx.charge_path_steps(f, pc)?;
        let Some(Slot::Ref(r)) = cx.locals.get(local) else { return Err((invariant(), at)) };
        let place = deref(cx.locals, cx.globals, r).map_err(|e| (e, at))?;
        let place = walk_on(place, steps(cx.compiled.path(f))).map_err(|e| (e, at))?;
        return push_copy(cx.stack, cx.gas, place).map_err(|e| (e, at));
    }
    let r = cx.reference(f.source, pc)?;
    let at = cx.charge_path_steps(f, pc)?;
    let place = deref(cx.locals, cx.globals, &r).map_err(|e| (e, at))?;
    let place = walk_on(place, steps(cx.compiled.path(f))).map_err(|e| (e, at))?;
    push_copy(cx.stack, cx.gas, place).map_err(|e| (e, at))
}

/// `[copy_loc r|move_loc r|mut_borrow_loc l]; mut_borrow_field*; write_ref`.
pub(super) fn path_write<V: StateView + ?Sized, const PREPAID: bool>(
    cx: &mut Ctx<'_, '_, V, PREPAID>,
    f: &Fused,
    pc: usize,
) -> Stepped<()> {
    let r = cx.reference(f.source, pc)?;
    let at = cx.charge_path_steps(f, pc)?;
    let place = deref_mut(cx.locals, cx.globals, &r).map_err(|e| (e, at))?;
    let place = walk_mut_on(place, steps(cx.compiled.path(f))).map_err(|e| (e, at))?;
    place.assign_from(cx.stack).map_err(|e| (e, at))
}

/// The integer at `place`, if it holds one.
#[inline(always)]
fn int_at(place: &Place<'_>) -> Option<Int> {
    let value = match *place {
        // A match, not `or_else`: the closure was an out-of-line call on
        // every balance a transfer reads.
        Place::InFlat(flat, pos) => {
            return match flat.u64_at(pos) {
                Some(word) => Some(Int::U64(word)),
                None => int_of(&flat.read(pos)),
            }
        }
        Place::Whole(value) => value,
        Place::Byte(byte) => return Some(Int::U8(*byte)),
    };
    int_of(value)
}

#[inline(always)]
fn int_of(value: &Value) -> Option<Int> {
    match *value {
        Value::U64(v) => Some(Int::U64(v)),
        Value::U8(v) => Some(Int::U8(v)),
        Value::U128(v) => Some(Int::U128(v)),
        Value::U16(v) => Some(Int::U16(v)),
        Value::U32(v) => Some(Int::U32(v)),
        Value::U256(v) => Some(Int::U256(v)),
        _ => None,
    }
}

/// See [`Update`]: the covered instructions' effects in order, each charged
/// and failing at its own offset, exactly as if they ran one by one; the
/// path is walked once for the read and once, mutably, for the write.
pub(super) fn update<V: StateView + ?Sized, const PREPAID: bool>(
    cx: &mut Ctx<'_, '_, V, PREPAID>,
    u: &Update,
    pc: usize,
) -> Stepped<usize> {
    let fields = usize::from(u.path_len);
    let local = cx.base + usize::from(u.local);
    // `copy_loc r` (charged by the loop); `imm_borrow_field*`; `read_ref`.
    cx.holds_reference(local, pc)?;
    let read_at = cx.charge_fields(pc + 1, fields)?;
    cx.charge(read_at)?;
    let path = cx.compiled.steps(u.path_start, u.path_len);
    let Some(Slot::Ref(r)) = cx.locals.get(local) else { return Err((invariant(), read_at)) };
    let place = deref(cx.locals, cx.globals, r).map_err(|e| (e, read_at))?;
    let place = walk_on(place, steps(path)).map_err(|e| (e, read_at))?;
    let x = int_at(&place);
    if x.is_none() {
        // Not an integer: `read_ref` copies it as usual, and the operation fails.
        cx.gas.charge(copy_cost(&place.value())).map_err(|_| (Fault::OutOfGas, read_at))?;
    }
    // `b`; `op`.
    let b_at = read_at + 1;
    cx.charge(b_at)?;
    let y = cx.operand(u.b, b_at)?;
    let op_at = b_at + 1;
    cx.charge(op_at)?;
    let result = arithmetic::apply(u.op, x.ok_or((invariant(), op_at))?, y).map_err(|e| (e, op_at))?;
    // `copy_loc r` or `move_loc r`; `mut_borrow_field*`; `write_ref`.
    let source_at = op_at + 1;
    cx.charge(source_at)?;
    cx.holds_reference(local, source_at)?;
    let Some(Slot::Ref(r)) = cx.locals.get(local) else { return Err((invariant(), source_at)) };
    let r = r.clone();
    cx.charge(source_at + 1)?;
    if !r.mutable {
        return Err((invariant(), source_at + 1));
    }
    let write_at = cx.charge_fields(source_at + 2, fields - 1)?;
    cx.charge(write_at)?;
    let place = deref_mut(cx.locals, cx.globals, &r).map_err(|e| (e, write_at))?;
    let place = walk_mut_on(place, steps(path)).map_err(|e| (e, write_at))?;
    place.assign(result).map_err(|e| (e, write_at))?;
    if u.moves {
        if let Some(slot) = cx.locals.get_mut(local) {
            *slot = Slot::Empty;
        }
    }
    Ok(write_at + 1)
}
