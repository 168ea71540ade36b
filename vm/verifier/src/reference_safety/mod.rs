//! Pass 7, references: mutability, then reference safety.
//!
//! The interpreter's references are paths resolved on each use, so aliasing
//! can never corrupt its memory; but two live `&mut` to one coin would let a
//! function that reads both, checks, then writes both credit without
//! debiting. This pass proves, as Move's bytecode verifier does, that no
//! verified function can observe such aliasing:
//!
//! - a `&mut` is used (written, borrowed mutably, passed to a call,
//!   returned) only while no other live reference overlaps it, and read only
//!   while no `&mut` derived from it is live;
//! - a local is moved, assigned or borrowed only in ways that agree with the
//!   live references into it, and global storage of a type is borrowed,
//!   removed (`move_from`) or handed to a callee whose access spec touches
//!   it only in ways that agree with the live references into that type
//!   (per type, as in Move: the addresses are not known statically).
//!   `move_to` needs no check, as in Move: it aborts when the resource
//!   exists, and a resource that does not exist cannot be borrowed;
//! - no reference outlives what it points into: at `ret` nothing may still
//!   borrow a local or global storage, so a returned reference derives only
//!   from the function's reference parameters.
//!
//! The analysis is abstract interpretation over the control-flow graph
//! ([`crate::cfg::solve`]). The state at each point ([`state`]) records which
//! reference each local and stack slot holds and a borrow graph over them
//! ([`graph`]): edges labelled by the path ([`path`]: local, global type,
//! fields) from the borrowed reference to its borrower. [`transfer`] gives
//! each instruction's checks and effect, [`calls`] those of `call` and
//! `ret`, where references cross a frame boundary. States are made canonical at the end of
//! every block and joined at merges by union; the lattice is finite, so the
//! solver reaches a fixed point. Its work is metered like every dataflow
//! pass: the solver charges for the states it copies and joins, and the
//! graph operations charge for the edges they visit against a second
//! [`MAX_DATAFLOW_UNITS`] budget, so hostile code cannot make this pass slow.
//!
//! Runtime consequence: for verified code, the interpreter's
//! `DanglingReference` fault is unreachable; it stays as a defensive check.

mod calls;
mod graph;
mod mutability;
mod path;
mod state;
mod transfer;

use std::cell::Cell;

use crate::cfg::{self, Cfg};
use crate::error::{VerifyError, VerifyErrorKind};
use crate::limits::MAX_DATAFLOW_UNITS;
use crate::types::TypeFacts;
use crate::FunctionView;
use resin_format::file_format::{Module, StructHandleIdx};
use state::State;
use transfer::Transfer;

/// What the pass needs to know about the module once, not per function.
pub(crate) struct ModuleFacts {
    /// For each struct handle, the struct definition it names when it is
    /// one of this module's own (the only types whose storage a function
    /// of this module can borrow).
    own_defs: Vec<Option<u16>>,
}

impl ModuleFacts {
    pub fn new(module: &Module) -> ModuleFacts {
        let mut own_defs = vec![None; module.struct_handles.len()];
        for (index, def) in module.structs.iter().enumerate() {
            let is_own = module.struct_handle(def.handle).is_some_and(|h| h.module.0 == 0);
            if let (true, Some(slot), Ok(index)) = (is_own, own_defs.get_mut(def.handle.index()), u16::try_from(index))
            {
                slot.get_or_insert(index);
            }
        }
        ModuleFacts { own_defs }
    }

    /// The own struct definition a handle names, if any.
    fn own_def(&self, handle: StructHandleIdx) -> Option<u16> {
        self.own_defs.get(handle.index()).copied().flatten()
    }
}

pub(crate) fn verify(
    facts: &ModuleFacts,
    view: &FunctionView<'_>,
    cfg: &Cfg,
    types: &TypeFacts,
) -> Result<(), VerifyError> {
    mutability::verify(view, cfg, types)?;
    let transfer = Transfer { view, facts };
    let work = Cell::new(0usize);
    let charge = |state: &mut State, offset: usize| {
        work.set(work.get().saturating_add(state.graph.take_work()));
        if work.get() > MAX_DATAFLOW_UNITS {
            return Err(view.error(Some(offset), VerifyErrorKind::TooComplex { max: MAX_DATAFLOW_UNITS }));
        }
        Ok(())
    };
    cfg::solve(
        view,
        cfg,
        State::entry(view),
        State::size,
        |block, mut state| {
            for offset in block.start..block.end {
                transfer.step(&mut state, offset)?;
                charge(&mut state, offset)?;
            }
            state.canonicalize();
            charge(&mut state, block.last())?;
            Ok(state)
        },
        |current, incoming, edge| {
            let changed = current.join(incoming).ok_or_else(|| {
                view.error(
                    Some(edge.from),
                    VerifyErrorKind::VerifierInvariant { detail: "references differ at a merge" },
                )
            })?;
            charge(current, edge.from)?;
            Ok(changed)
        },
    )?;
    Ok(())
}
