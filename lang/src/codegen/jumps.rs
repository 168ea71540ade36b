//! Whether an expression may jump out of itself (`return`, or `break` /
//! `continue` of a loop outside it). Such an operand must not find earlier
//! operands waiting on the stack: the jump target expects the height it had
//! before them. So operand sequences spill to temporaries when a later
//! operand may jump, and a jump releases the references spilled inside the
//! loop it leaves.

use resin_format::file_format::Instr;

use super::func::FunctionGen;
use super::CodegenError;
use crate::typeck::tir::{LocalId, TBlock, TExp, TExpKind, TLValue, TStmt};

impl FunctionGen<'_, '_> {
    /// Emits operands left to right; returns false (and stops) when one never
    /// completes. Spills to temporaries when a later operand may jump.
    pub(super) fn operands(&mut self, items: &[&TExp]) -> Result<bool, CodegenError> {
        let spill = items.iter().skip(1).any(|e| escapes(e));
        if !spill {
            for item in items {
                if !self.exp(item)? {
                    return Ok(false);
                }
            }
            return Ok(true);
        }
        let mut temps = Vec::with_capacity(items.len());
        let spilled = self.spilled.len();
        for item in items {
            if !self.exp(item)? {
                self.spilled.truncate(spilled);
                return Ok(false);
            }
            let mut slots = Vec::new();
            for ty in item.ty.values() {
                let slot = self.new_slot(&ty)?;
                if ty.is_reference() {
                    self.spilled.push(slot);
                }
                slots.push(slot);
            }
            for slot in slots.iter().rev() {
                self.emit(Instr::StLoc(*slot));
            }
            temps.extend(slots);
        }
        self.spilled.truncate(spilled);
        for slot in temps {
            self.emit(Instr::MoveLoc(slot));
        }
        Ok(true)
    }

    /// Releases the references held by `locals`.
    pub(super) fn release(&mut self, locals: &[LocalId]) -> Result<(), CodegenError> {
        for local in locals {
            let slot = self.slot(*local)?;
            self.emit(Instr::MoveLoc(slot));
            self.emit(Instr::Pop);
        }
        Ok(())
    }
}

pub fn escapes(exp: &TExp) -> bool {
    escapes_at(exp, 0)
}

/// `loops`: how many loops inside the operand enclose this point.
fn escapes_at(exp: &TExp, loops: usize) -> bool {
    match &exp.kind {
        TExpKind::Return(_) => true,
        TExpKind::Break | TExpKind::Continue => loops == 0,
        TExpKind::Unit | TExpKind::Value(_) | TExpKind::Constant(_) => false,
        TExpKind::Copy(_) | TExpKind::Move(_) | TExpKind::BorrowLocal { .. } => false,
        TExpKind::BorrowField { base: inner, .. }
        | TExpKind::ReadRef(inner)
        | TExpKind::Freeze(inner)
        | TExpKind::Not(inner)
        | TExpKind::Cast { expr: inner, .. }
        | TExpKind::Abort(inner) => escapes_at(inner, loops),
        TExpKind::Vector { elems: items, .. }
        | TExpKind::Call { args: items, .. }
        | TExpKind::Builtin { args: items, .. }
        | TExpKind::Tuple(items) => items.iter().any(|e| escapes_at(e, loops)),
        TExpKind::Pack { fields, .. } => fields.iter().any(|(_, e)| escapes_at(e, loops)),
        TExpKind::Binary { lhs, rhs, .. } => escapes_at(lhs, loops) || escapes_at(rhs, loops),
        TExpKind::Block(block) => block_escapes(block, loops),
        TExpKind::If { cond, then_branch, else_branch } => {
            escapes_at(cond, loops)
                || escapes_at(then_branch, loops)
                || else_branch.as_ref().is_some_and(|e| escapes_at(e, loops))
        }
        // The condition runs outside the loop (a `break` there leaves an outer one).
        TExpKind::While { cond, body } => escapes_at(cond, loops) || block_escapes(body, loops + 1),
        TExpKind::Loop { body } => block_escapes(body, loops + 1),
        TExpKind::Assign { target, value } => {
            escapes_at(value, loops) || matches!(target, TLValue::Ref(r) if escapes_at(r, loops))
        }
    }
}

fn block_escapes(block: &TBlock, loops: usize) -> bool {
    block.stmts.iter().any(|s| match s {
        TStmt::Let { init, .. } => init.as_ref().is_some_and(|e| escapes_at(e, loops)),
        TStmt::Expr(e) => escapes_at(e, loops),
    }) || block.tail.as_ref().is_some_and(|e| escapes_at(e, loops))
}
