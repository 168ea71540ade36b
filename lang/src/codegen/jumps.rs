//! Whether an expression may jump out of itself (`return`, or `break` /
//! `continue` of a loop outside it). Such an operand must not find earlier
//! operands waiting on the stack: the jump target expects the height it had
//! before them.

use crate::typeck::tir::{TBlock, TExp, TExpKind, TLValue, TStmt};

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
