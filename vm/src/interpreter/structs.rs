//! Structs: packing, unpacking, and emitting them as events.

use internment::Intern;

use super::machine::Frame;
use super::slot::{Slot, Stack};
use super::{invariant, runtime, Fault};
use crate::gas::{event_cost, GasMeter};
use crate::loader::{InstStruct, LoadedModule, LoadedStruct};
use crate::transaction::{Event, RuntimeErrorKind};
use resin_format::encoding::limits::MAX_VALUE_SIZE;
use resin_format::file_format::{StructDefIdx, StructInstIdx};
use resin_state::value::{Flat, Value};

#[inline]
fn def(module: &LoadedModule, def: StructDefIdx) -> Result<&LoadedStruct, Fault> {
    module.structs.get(def.index()).ok_or_else(invariant)
}

/// `pack`: the top `n` values (first field deepest) become a struct.
#[inline(always)]
pub(super) fn pack(stack: &mut Stack, module: &LoadedModule, idx: StructDefIdx) -> Result<(), Fault> {
    let count = def(module, idx)?.field_names.len();
    // One scalar (a coin's value): packed without the loop over fields,
    // and inline in the dispatch loop, where a transfer's pack is.
    if count == 1 {
        if let Some(Slot::Val(value)) = stack.0.last() {
            if let Some(flat) = Flat::of_scalar(value) {
                stack.discard(1);
                stack.push_val(Value::Flat(flat));
                return Ok(());
            }
        }
    }
    pack_fields(stack, count)
}

/// [`pack`] of any other struct.
#[inline(never)]
fn pack_fields(stack: &mut Stack, count: usize) -> Result<(), Fault> {
    let start = stack.top_start(count)?;
    let fields = stack.0.get(start..).unwrap_or(&[]);
    // Held flat when it fits (see `resin_state::value`): no allocation.
    if fields.iter().all(|slot| matches!(slot, Slot::Val(_))) {
        let values = fields.iter().filter_map(|slot| match slot {
            Slot::Val(value) => Some(value),
            _ => None,
        });
        if let Some(flat) = Flat::pack(values) {
            stack.discard(count);
            stack.push_val(Value::Flat(flat));
            return Ok(());
        }
    }
    let fields = stack.pop_values(count)?;
    stack.push_val(Value::Struct(fields));
    Ok(())
}

/// `unpack`: a struct becomes its fields, first field deepest.
#[inline(always)]
pub(super) fn unpack(stack: &mut Stack, module: &LoadedModule, idx: StructDefIdx) -> Result<(), Fault> {
    let count = def(module, idx)?.field_names.len();
    let value = stack.pop_val()?;
    // A struct of one scalar (a coin) is read from its words without
    // walking its shape, inline in the dispatch loop.
    if let (1, Value::Flat(flat)) = (count, &value) {
        if let Some(field) = flat.only_scalar() {
            stack.push_val(field);
            return Ok(());
        }
    }
    unpack_fields(stack, value, count)
}

/// [`unpack`] of any other struct, popped already.
#[inline(never)]
fn unpack_fields(stack: &mut Stack, value: Value, count: usize) -> Result<(), Fault> {
    match value {
        Value::Struct(fields) if fields.len() == count => {
            stack.0.extend(fields.into_iter().map(Slot::Val));
            Ok(())
        }
        Value::Flat(flat) if flat.field_count() == count => {
            flat.fields().for_each(|field| stack.push_val(field));
            Ok(())
        }
        _ => Err(invariant()),
    }
}

/// `emit`: records the struct as an event of its type (named `name` in
/// `module`; an instantiation's name has its type arguments), priced by size.
pub(super) fn emit(
    stack: &mut Stack,
    events: &mut Vec<Event>,
    gas: &mut GasMeter,
    module: &LoadedModule,
    name: Intern<String>,
) -> Result<(), Fault> {
    let value = stack.pop_val()?;
    let size = value.storage_size();
    gas.charge(event_cost(size))?;
    if size > MAX_VALUE_SIZE as u64 {
        return Err(runtime(RuntimeErrorKind::ValueTooLarge));
    }
    events.push(Event { module: module.id, name, value });
    Ok(())
}

/// The interned name of struct definition `idx` of `module`, for `emit`.
#[inline]
pub(super) fn def_name(module: &LoadedModule, idx: StructDefIdx) -> Result<Intern<String>, Fault> {
    def(module, idx).map(|d| d.name)
}

/// The struct instantiation in slot `slot` of the running function
/// (`Compiled::struct_slots`), with the frame's type arguments: made at
/// link time for code that is not generic, on first use for an instance,
/// then cached.
#[inline]
pub(super) fn instantiation<'c>(frame: &Frame<'c>, slot: u16) -> Result<&'c InstStruct, Fault> {
    let found = match frame.inst {
        Some(inst) => inst.struct_at(frame.module, frame.function, slot),
        None => frame
            .function
            .compiled
            .struct_slots
            .get(usize::from(slot))
            .and_then(|&idx| frame.module.struct_insts.get(StructInstIdx(idx).index()).and_then(Option::as_ref)),
    };
    found.ok_or_else(|| instantiation_fault(frame, slot))
}

/// Why an instantiation could not be made: an index out of the table, or a
/// type argument that is not concrete in code that is not generic (both
/// excluded by the verifier), or a type built at run time (a generic
/// function instantiating itself with ever larger types) over the limits.
#[cold]
fn instantiation_fault(frame: &Frame<'_>, slot: u16) -> Fault {
    let known = frame.function.compiled.struct_slots.get(usize::from(slot));
    if frame.inst.is_some() && known.is_some_and(|&idx| usize::from(idx) < frame.module.struct_insts.len()) {
        runtime(RuntimeErrorKind::TypeTooLarge)
    } else {
        invariant()
    }
}
