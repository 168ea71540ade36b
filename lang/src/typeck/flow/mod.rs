//! Linearity and references, as one forward analysis over the typed IR.
//!
//! Linearity follows Move: using a local whose value was moved is an error
//! (reported with the move's span); a value whose type lacks `drop` must be
//! consumed on every path that leaves its scope normally, through `break`,
//! `continue` or `return` -- paths that `abort` are exempt. Where an `if`
//! consumes such a value on one branch only, the join reports it. Loops are
//! iterated to a fixpoint.
//!
//! The reference check rides along: the state carries every live reference
//! ([`loans`]) and each operation is checked against Move's borrow rules
//! ([`borrow`]). References die exactly where [`crate::typeck::liveness`]
//! says, which is also where codegen moves them out of their locals, so the
//! bytecode verifier sees the same borrows this check does.

mod bind;
pub mod borrow;
mod control;
mod diag;
mod linearity;
pub mod loans;
mod places;
mod refs;
pub mod state;

use std::collections::HashSet;

use crate::diagnostics::{Code, Diagnostic};
use crate::resolve::env::{Env, ModId};
use crate::source::Span;

use super::effects::Effects;
use super::liveness::RefLiveness;
use super::tir::{LocalId, TBlock, TExp, TExpKind, TFunction, TStmt};
use super::ty::Ty;
use loans::{Loan, LoanId, Place, Root};
use state::{Avail, State, Why};

/// The reference values an expression produces, one entry per value
/// (`None` for a value that is not a reference); empty when it produces no
/// reference at all.
pub type Vals = Vec<Option<Loan>>;

fn single(vals: Vals) -> Option<Loan> {
    vals.into_iter().next().flatten()
}

/// Checks one function; returns its diagnostics (deduplicated, in report
/// order) and the copies of locals made while a reference into them may be
/// live (see [`TFunction::borrowed_reads`]).
pub fn check(env: &Env, module: ModId, fun: &TFunction, effects: &Effects) -> (Vec<Diagnostic>, HashSet<u32>) {
    let mut flow = Flow {
        env,
        module,
        fun,
        live: &fun.liveness,
        effects,
        state: State::entry(fun.locals.len(), fun.param_count),
        scopes: vec![(0..fun.param_count).map(|i| LocalId(i as u32)).collect()],
        loops: Vec::new(),
        pending_values: Vec::new(),
        next_loan: 0,
        returning: false,
        excluded: Vec::new(),
        loop_ranges: Vec::new(),
        borrowed_reads: HashSet::new(),
        diags: Vec::new(),
        seen: HashSet::new(),
        reported: HashSet::new(),
    };
    flow.bind_params();
    let vals = flow.block(&fun.body, fun.end_span);
    if flow.state.is_reachable() {
        flow.check_scope_end(0, fun.end_span);
        if let Some(tail) = &fun.body.tail {
            flow.check_return(tail, vals);
        }
    }
    (flow.diags, flow.borrowed_reads)
}

/// An operand waiting for its operation.
#[derive(Clone)]
struct Pending {
    ty: Ty,
    span: Span,
    /// The local it reads, if it is one (for diagnostics).
    name: Option<String>,
}

struct LoopCtx {
    /// Scope depth outside the loop: scopes above it end when leaving the loop.
    depth: usize,
    /// How many operands were pending when the loop started.
    pending: usize,
    breaks: State,
    continues: State,
}

pub(crate) struct Flow<'a> {
    env: &'a Env,
    module: ModId,
    fun: &'a TFunction,
    live: &'a RefLiveness,
    effects: &'a Effects,
    state: State,
    scopes: Vec<Vec<LocalId>>,
    loops: Vec<LoopCtx>,
    /// Each pending operand value (parallel to the state's operands).
    pending_values: Vec<Pending>,
    next_loan: u32,
    /// Checking returned references: the operands are the returned values.
    returning: bool,
    /// Position ranges of `else` branches not reachable from the current
    /// point, and of the loops around it (for "used again here" labels).
    excluded: Vec<(u32, u32)>,
    loop_ranges: Vec<(u32, u32)>,
    /// See [`TFunction::borrowed_reads`].
    borrowed_reads: HashSet<u32>,
    diags: Vec<Diagnostic>,
    seen: HashSet<(Code, u32, u32, String)>,
    /// Locals with a reported use or leak error: later ones would only repeat it.
    reported: HashSet<LocalId>,
}

impl Flow<'_> {
    fn report(&mut self, diag: Diagnostic) {
        let span = diag.primary_span().unwrap_or_default();
        if self.seen.insert((diag.code, span.start, span.end, diag.message.clone())) {
            self.diags.push(diag);
        }
    }

    fn local_ty(&self, local: LocalId) -> &Ty {
        self.fun.locals.get(local.index()).map_or(&Ty::Error, |l| &l.ty)
    }

    fn local_name(&self, local: LocalId) -> String {
        self.fun.locals.get(local.index()).map_or_else(String::new, |l| l.name.clone())
    }

    fn show(&self, ty: &Ty) -> String {
        ty.display(self.env, Some(self.module))
    }

    fn fresh(&mut self) -> LoanId {
        self.next_loan = self.next_loan.saturating_add(1);
        LoanId::Fresh(self.next_loan)
    }

    fn new_loan(&mut self, mutable: bool, place: Place, span: Span) -> Loan {
        Loan::new(self.fresh(), mutable, place, span)
    }

    /// After reporting a conflict with the loan `holder` holds: it conflicts with nothing more.
    fn quiet(&mut self, holder: loans::Holder) {
        if let Some(loan) = self.state.loans.get_mut(holder) {
            loan.quiet = true;
        }
    }

    /// Each reference parameter points at its own root; one never read is dead from the start.
    fn bind_params(&mut self) {
        for index in 0..self.fun.param_count {
            let local = LocalId(index as u32);
            let (mutable, span) = match self.fun.locals.get(index) {
                Some(decl) if decl.ty.is_reference() => (matches!(decl.ty, Ty::MutRef(_)), decl.span),
                _ => continue,
            };
            if self.live.dead_params().contains(&local) {
                continue;
            }
            let loan = self.new_loan(mutable, Place::new(Root::Param(local)), span);
            self.state.loans.locals.insert(local, loan);
        }
    }

    /// Releases the references the given locals hold.
    fn release(&mut self, locals: &[LocalId]) {
        for local in locals {
            self.state.loans.locals.remove(local);
        }
    }

    fn block(&mut self, block: &TBlock, end: Span) -> Vals {
        self.scopes.push(block.scope.clone());
        let depth = self.scopes.len() - 1;
        let mut warned = false;
        for stmt in &block.stmts {
            if !self.state.is_reachable() {
                if !warned {
                    warned = true;
                    self.unreachable_code(stmt_span(stmt));
                }
                continue;
            }
            match stmt {
                TStmt::Let { pattern, init: Some(init), .. } => {
                    let vals = self.exp(init);
                    if self.state.is_reachable() {
                        self.bind(pattern, &vals, init.pos);
                    }
                }
                TStmt::Let { init: None, .. } => {}
                TStmt::Expr(e) => {
                    self.exp(e);
                    if self.state.is_reachable() {
                        self.discard(&e.ty, e.span);
                    }
                }
            }
        }
        let mut vals = Vec::new();
        if let Some(tail) = &block.tail {
            if self.state.is_reachable() {
                vals = self.exp(tail);
            } else if !warned {
                self.unreachable_code(tail.span);
            }
        }
        if self.state.is_reachable() {
            self.check_scope_end(depth, if block.span.is_empty() { end } else { block.span.end_point() });
        }
        for local in &block.scope {
            self.state.set(local.index(), Avail::Unavailable(Why::Unassigned));
        }
        self.release(&block.scope);
        self.scopes.pop();
        vals
    }

    /// Evaluates operands in order; each stays pending (live) while the later
    /// ones run. Returns where they start on the operand stack.
    fn push_operands<'e>(&mut self, items: impl IntoIterator<Item = &'e TExp>) -> usize {
        let base = self.state.loans.operands.len();
        for item in items {
            if !self.state.is_reachable() {
                break;
            }
            let value = single(self.exp(item));
            self.state.loans.operands.push(value);
            let name = match &item.unfrozen().kind {
                TExpKind::Copy(local) | TExpKind::Move(local) => Some(self.local_name(*local)),
                _ => None,
            };
            self.pending_values.push(Pending { ty: item.ty.clone(), span: item.span, name });
        }
        base
    }

    /// Takes the operands from `base` off the stack.
    fn pop_operands(&mut self, base: usize) -> Vec<Option<Loan>> {
        self.pending_values.truncate(base);
        let operands = &mut self.state.loans.operands;
        let at = base.min(operands.len());
        operands.split_off(at)
    }

    /// Evaluates operands whose references are not checked by the operation.
    fn operands<'e>(&mut self, items: impl IntoIterator<Item = &'e TExp>) -> Vec<Option<Loan>> {
        let base = self.push_operands(items);
        self.pop_operands(base)
    }

    /// Analyzes an expression; returns the references it yields.
    fn exp(&mut self, exp: &TExp) -> Vals {
        match &exp.kind {
            TExpKind::Unit | TExpKind::Value(_) | TExpKind::Constant(_) => Vec::new(),
            TExpKind::Copy(local) => self.use_local(*local, false, exp),
            TExpKind::Move(local) => self.use_local(*local, true, exp),
            TExpKind::BorrowLocal { .. } | TExpKind::BorrowField { .. } => vec![self.borrow_place(exp)],
            TExpKind::ReadRef(inner) => {
                self.use_ref(inner.unfrozen(), borrow::RefUse::Read, &[], None, exp.span);
                Vec::new()
            }
            TExpKind::Not(inner) | TExpKind::Cast { expr: inner, .. } => {
                self.exp(inner);
                Vec::new()
            }
            TExpKind::Freeze(inner) => vec![self.freeze(inner, exp)],
            TExpKind::Vector { elems: items, .. } => {
                self.operands(items);
                Vec::new()
            }
            TExpKind::Tuple(items) => self.operands(items),
            TExpKind::Call { fun, args, .. } => self.call(*fun, args, exp),
            TExpKind::Pack { fields, .. } => {
                self.operands(fields.iter().map(|(_, e)| e));
                Vec::new()
            }
            TExpKind::Builtin { builtin, arg_ty, args } => self.builtin(*builtin, arg_ty, args, exp),
            TExpKind::Binary { op, lhs, rhs } => {
                if matches!(op, crate::ast::BinOp::And | crate::ast::BinOp::Or) {
                    self.short_circuit(exp, lhs, rhs);
                } else {
                    self.compare_or_compute(lhs, rhs, exp.pos);
                }
                Vec::new()
            }
            TExpKind::Block(block) => self.block(block, exp.span),
            TExpKind::If { cond, then_branch, else_branch } => {
                self.if_exp(exp, cond, then_branch, else_branch.as_deref())
            }
            TExpKind::While { cond, body } => {
                self.looping(exp, Some(cond), body);
                Vec::new()
            }
            TExpKind::Loop { body } => {
                self.looping(exp, None, body);
                Vec::new()
            }
            TExpKind::Break | TExpKind::Continue => {
                let is_break = matches!(exp.kind, TExpKind::Break);
                self.jump(is_break, exp.span);
                Vec::new()
            }
            TExpKind::Return(value) => {
                let vals = self.exp(value);
                if self.state.is_reachable() {
                    self.check_pending_values(0, exp.span, "return");
                    let locals: Vec<LocalId> = self.scopes.iter().flatten().copied().collect();
                    for local in locals {
                        self.check_leak(local, exp.span, "by this `return`");
                    }
                    self.check_return(value, vals);
                }
                self.state = State::unreachable();
                Vec::new()
            }
            TExpKind::Abort(code) => {
                self.exp(code);
                self.state = State::unreachable();
                Vec::new()
            }
            TExpKind::Assign { target, value } => {
                self.assign(target, value, exp);
                Vec::new()
            }
        }
    }
}

fn stmt_span(stmt: &TStmt) -> Span {
    match stmt {
        TStmt::Let { span, .. } => *span,
        TStmt::Expr(e) => e.span,
    }
}
