//! Calls and aborts. (Branches and `ret` only move the program counter and
//! live in the dispatch loop itself.)

use super::machine::{Frame, Machine};
use super::slot::{Root, Slot, Stack};
use super::{dangling, invariant, runtime, Fault, MAX_CALL_DEPTH};
use crate::gas;
use crate::loader::{CallTarget, LoadedFunction};
use crate::transaction::RuntimeErrorKind;
use resin_format::file_format::FunctionHandleIdx;
use resin_state::store::StateView;

/// `call`: moves the arguments from the operand stack into a fresh window of
/// locals and makes the callee the running frame. `cur` still points at the
/// `call` when it is saved, so a fault here is located at the call site.
#[inline]
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
    // The running frame is not in `frames`, so the new depth is frames + 2.
    if machine.frames.len() + 2 > MAX_CALL_DEPTH {
        return Err(runtime(RuntimeErrorKind::CallDepthExceeded));
    }
    machine.gas.charge(gas::call_cost(function.local_count))?;
    let base = machine.locals.len();
    machine.stack.move_top_to(function.param_count(), &mut machine.locals)?;
    machine.locals.resize(base + function.local_count, Slot::Empty);
    machine.frames.push(*cur);
    *cur = Frame { module: callee_module, function, pc: 0, base };
    Ok(())
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
