//! Calls and aborts. (Branches and `ret` only move the program counter and
//! live in the dispatch loop itself.)

use super::machine::{Frame, Machine};
use super::slot::{fill_locals, Root, Slot, Stack};
use super::{dangling, invariant, runtime, Fault, MAX_CALL_DEPTH};
use crate::gas;
use std::sync::Arc;

use crate::loader::{CallTarget, Instance, LoadedFunction, LoadedModule};
use crate::transaction::RuntimeErrorKind;
use resin_format::file_format::FunctionHandleIdx;
use resin_state::store::StateView;
use resin_state::type_tag::TypeTag;

/// `call`: moves the arguments from the operand stack into a fresh window of
/// locals and makes the callee the running frame. `cur` still points at the
/// `call` when it is saved, so a fault here is located at the call site.
#[inline(always)]
pub(super) fn call<'c, V: StateView + ?Sized>(
    machine: &mut Machine<'c, '_, V>,
    cur: &mut Frame<'c>,
    handle: FunctionHandleIdx,
) -> Result<(), Fault> {
    let module = cur.module;
    let (callee_module, def) = match module.call_targets.get(handle.index()) {
        Some(CallTarget::Local(def)) => (module, *def),
        Some(CallTarget::Foreign(other, def)) => (&**other, *def),
        None => return Err(invariant()),
    };
    let function = callee_module.functions.get(usize::from(def)).ok_or_else(invariant)?;
    enter(machine, cur, callee_module, function, None)
}

/// Pushes `cur` and makes `function` of `module` (as `inst`) the running frame.
#[inline(always)]
fn enter<'c, V: StateView + ?Sized>(
    machine: &mut Machine<'c, '_, V>,
    cur: &mut Frame<'c>,
    module: &'c LoadedModule,
    function: &'c LoadedFunction,
    inst: Option<&'c Instance>,
) -> Result<(), Fault> {
    // The running frame is not in `frames`, so the new depth is frames + 2.
    if machine.frames.len() + 2 > MAX_CALL_DEPTH {
        return Err(runtime(RuntimeErrorKind::CallDepthExceeded));
    }
    machine.gas.charge(gas::call_cost(function.local_count))?;
    let base = machine.locals.len();
    machine.stack.move_top_to(function.param_count(), &mut machine.locals)?;
    fill_locals(&mut machine.locals, base + function.local_count);
    machine.frames.push(*cur);
    *cur = Frame { module, function, inst, pc: 0, base };
    Ok(())
}

/// `call_generic`: [`call`] of the function instantiation in call slot
/// `slot` of the running function (`Compiled::call_slots`), the callee
/// running as its instance for the caller's type arguments. The instance is
/// found through a cell of the caller's instance (or, for a caller that is
/// not generic, of its module), so after the first call through this
/// instruction in this instantiation it costs two loads more than `call` (the slot's table index, the cell).
#[inline(always)]
pub(super) fn call_generic<'c, V: StateView + ?Sized>(
    machine: &mut Machine<'c, '_, V>,
    cur: &mut Frame<'c>,
    slot: u16,
) -> Result<(), Fault> {
    let module = cur.module;
    let idx = usize::from(*cur.function.compiled.call_slots.get(usize::from(slot)).ok_or_else(invariant)?);
    let handle = module.module.function_instantiations.get(idx).ok_or_else(invariant)?.handle;
    let (callee_module, def) = match module.call_targets.get(handle.index()) {
        Some(CallTarget::Local(def)) => (module, *def),
        Some(CallTarget::Foreign(other, def)) => (&**other, *def),
        None => return Err(invariant()),
    };
    let function = callee_module.functions.get(usize::from(def)).ok_or_else(invariant)?;
    let cell = match cur.inst {
        Some(inst) => inst.call_cell(slot),
        None => module.calls.get(idx),
    }
    .ok_or_else(invariant)?;
    let inst = match cell.get() {
        Some(inst) => &**inst,
        None => {
            let made = new_instance(cur, idx, callee_module, function)?;
            &**cell.get_or_init(|| made)
        }
    };
    enter(machine, cur, callee_module, function, Some(inst))
}

/// The instance a `call_generic` of function instantiation `idx` in
/// `caller` runs: its type arguments with the caller's substituted, taken
/// from the callee's cache (made there on first use by any caller).
#[cold]
fn new_instance(
    caller: &Frame<'_>,
    idx: usize,
    callee_module: &LoadedModule,
    function: &LoadedFunction,
) -> Result<Arc<Instance>, Fault> {
    let inst = caller.module.module.function_instantiations.get(idx).ok_or_else(invariant)?;
    let args: Vec<TypeTag> = inst.type_args.iter().map(|t| caller.concrete(t)).collect::<Result<_, _>>()?;
    if args.len() != function.type_params.len() {
        return Err(invariant());
    }
    function.instances.get(callee_module, function, &args).ok_or_else(|| runtime(RuntimeErrorKind::TypeTooLarge))
}

/// `abort`: stops the transaction with the code on the stack.
#[inline]
pub(super) fn abort(stack: &mut Stack) -> Result<(), Fault> {
    Err(Fault::Abort(stack.pop_u64()?))
}

/// Before `ret` of a function that returns references: none may point into
/// the frame being popped (its locals start at `base`), or it would point
/// at whatever the next call puts there. The verifier proves this for
/// verified code (a returned reference derives from reference parameters,
/// which point below `base`); the check is a defensive fault, paid only by
/// functions that return references.
#[cold]
pub(super) fn returned_references(stack: &Stack, function: &LoadedFunction, base: usize) -> Result<(), Fault> {
    let start = stack.top_start(function.returns.len())?;
    for slot in stack.0.get(start..).unwrap_or_default() {
        if let Slot::Ref(r) = slot {
            if matches!(r.root, Root::Local(i) if i as usize >= base) {
                return Err(dangling());
            }
        }
    }
    Ok(())
}
