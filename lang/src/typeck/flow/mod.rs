//! Linearity and references, as one forward analysis over the typed IR.
//!
//! Linearity follows Move: using a local whose value was moved is an error
//! (reported with the move's span); a value whose type lacks `drop` must be
//! consumed on every path that leaves its scope normally, through `break`,
//! `continue` or `return` -- paths that `abort` are exempt. Where an `if`
//! consumes such a value on one branch only, the join reports it. Loops are
//! iterated to a fixpoint. The borrow check rides along ([`borrow`]).

pub mod borrow;
mod control;
mod places;
pub mod state;

use std::collections::HashSet;

use crate::diagnostics::{Code, Diagnostic};
use crate::resolve::env::{Env, ModId};
use crate::source::Span;

use super::number::Uses;
use super::tir::{LocalId, TBlock, TExp, TExpKind, TFunction, TLValue, TPattern, TStmt};
use super::ty::Ty;
use borrow::Root;
use state::{Avail, State, Why};

/// Checks one function; returns its diagnostics (deduplicated, in report order).
pub fn check(env: &Env, module: ModId, fun: &TFunction, uses: &Uses) -> Vec<Diagnostic> {
    let mut flow = Flow {
        env,
        module,
        fun,
        uses,
        state: State::entry(fun.locals.len(), fun.param_count),
        scopes: vec![(0..fun.param_count).map(|i| LocalId(i as u32)).collect()],
        loops: Vec::new(),
        roots: vec![Vec::new(); fun.locals.len()],
        borrowed_by: vec![Vec::new(); fun.locals.len()],
        pending: Vec::new(),
        pending_values: Vec::new(),
        excluded: Vec::new(),
        diags: Vec::new(),
        seen: HashSet::new(),
        reported: HashSet::new(),
    };
    flow.block(&fun.body, fun.end_span);
    if flow.state.is_reachable() {
        flow.check_scope_end(0, fun.end_span);
    }
    flow.diags
}

struct LoopCtx {
    /// Scope depth outside the loop: scopes above it end when leaving the loop.
    depth: usize,
    /// How many operands were pending when the loop started.
    pending: usize,
    first: u32,
    pos: u32,
    breaks: State,
    continues: State,
}

pub(crate) struct Flow<'a> {
    env: &'a Env,
    module: ModId,
    fun: &'a TFunction,
    uses: &'a Uses,
    state: State,
    scopes: Vec<Vec<LocalId>>,
    loops: Vec<LoopCtx>,
    /// For each reference local, what it may point into (union over assignments).
    roots: Vec<Vec<Root>>,
    /// For each local, the reference locals that may point into it.
    borrowed_by: Vec<Vec<LocalId>>,
    /// Roots of references on the operand stack, waiting for their operation.
    pending: Vec<Vec<Root>>,
    /// Type and span of each pending operand value (parallel to `pending`).
    pending_values: Vec<(Ty, Span)>,
    /// Position ranges not reachable from the current point (sibling `else` branches).
    excluded: Vec<(u32, u32)>,
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

    fn block(&mut self, block: &TBlock, end: Span) -> Vec<Root> {
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
                TStmt::Let { pattern, init, .. } => {
                    let roots = init.as_ref().map(|e| self.exp(e)).unwrap_or_default();
                    if init.is_some() && self.state.is_reachable() {
                        self.bind(pattern, &roots);
                    }
                }
                TStmt::Expr(e) => {
                    self.exp(e);
                    if self.state.is_reachable() {
                        self.discard(&e.ty, e.span);
                    }
                }
            }
        }
        let mut roots = Vec::new();
        if let Some(tail) = &block.tail {
            if self.state.is_reachable() {
                roots = self.exp(tail);
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
        self.scopes.pop();
        roots
    }

    fn unreachable_code(&mut self, span: Span) {
        self.report(Diagnostic::new(Code::UnreachableCode, span, "unreachable code").with_label_message("never runs"));
    }

    /// Locals of the scopes at `depth` and above must not hold undroppable values.
    fn check_scope_end(&mut self, depth: usize, span: Span) {
        let locals: Vec<LocalId> = self.scopes.iter().skip(depth).flatten().copied().collect();
        for local in locals {
            self.check_leak(local, span, "at the end of its scope");
        }
    }

    fn check_leak(&mut self, local: LocalId, span: Span, when: &str) {
        let avail = self.state.get(local.index());
        if !avail.may_hold() || self.reported.contains(&local) {
            return;
        }
        let ty = self.local_ty(local).clone();
        if ty.has_drop(self.env) {
            return;
        }
        let decl = self.fun.locals.get(local.index()).cloned();
        let shown = self.show(&ty);
        let (name, decl_span, temp) = decl.map_or((String::new(), span, false), |d| (d.name, d.span, d.is_temp));
        let subject = if temp { format!("a temporary `{shown}` value") } else { format!("`{name}`") };
        let maybe = matches!(avail, Avail::Maybe(_));
        let message = if maybe {
            format!("{subject} may still hold a value {when}, but `{shown}` lacks `drop`")
        } else {
            format!("{subject} is dropped {when}, but `{shown}` lacks `drop`")
        };
        let mut diag = Diagnostic::new(Code::DropWithoutAbility, span, message)
            .with_label_message(if maybe { "still held on some paths here" } else { "still holds its value here" })
            .with_secondary(decl_span, if temp { "value created here" } else { "value bound here" });
        if let Avail::Maybe(Why::Moved(moved)) = avail {
            diag = diag.with_secondary(moved, "consumed here, but only on some paths");
        }
        self.report(diag.with_hint("consume it: pass it to a function, store it with `move_to`, or unpack it"));
        self.reported.insert(local);
    }

    /// Operands evaluated before a jump (`f(coin, return 0)`) are dropped by it.
    fn check_pending_values(&mut self, from: usize, span: Span, jump: &str) {
        let values: Vec<(Ty, Span)> = self.pending_values.iter().skip(from).cloned().collect();
        for (ty, value_span) in values {
            if ty.values().iter().all(|t| t.has_drop(self.env)) {
                continue;
            }
            let shown = self.show(&ty);
            self.report(
                Diagnostic::new(
                    Code::DropWithoutAbility,
                    span,
                    format!("this `{jump}` drops a `{shown}` value, which lacks `drop`"),
                )
                .with_label_message(format!("`{jump}` leaves before the value is used"))
                .with_secondary(value_span, "value computed here as an earlier operand")
                .with_hint("bind the value with `let` first, and consume it on every path"),
            );
        }
    }

    /// A value left unused by a statement is dropped.
    fn discard(&mut self, ty: &Ty, span: Span) {
        if ty.is_absorbing() || ty.has_drop(self.env) {
            return;
        }
        let shown = self.show(ty);
        self.report(
            Diagnostic::new(
                Code::DropWithoutAbility,
                span,
                format!("a value of type `{shown}` is dropped, but it lacks `drop`"),
            )
            .with_label_message("the result is discarded here")
            .with_hint("bind it with `let` and consume it"),
        );
    }

    fn bind(&mut self, pattern: &TPattern, roots: &[Root]) {
        match pattern {
            TPattern::Bind(local, _) => {
                self.state.set(local.index(), Avail::Available);
                if self.local_ty(*local).is_reference() {
                    self.add_roots(*local, roots);
                }
            }
            TPattern::Wildcard(ty, span) => self.discard(&ty.clone(), *span),
            TPattern::Tuple(items, _) | TPattern::Unpack { fields: items, .. } => {
                for item in items {
                    self.bind(item, &[]);
                }
            }
        }
    }

    fn add_roots(&mut self, local: LocalId, roots: &[Root]) {
        for root in roots {
            if let Some(list) = self.roots.get_mut(local.index()) {
                if !list.contains(root) {
                    list.push(root.clone());
                }
            }
            if let Some(list) = self.borrowed_by.get_mut(root.local.index()) {
                if !list.contains(&local) {
                    list.push(local);
                }
            }
        }
    }

    /// Evaluates operands in order; each one's references stay pending (live)
    /// while the later ones run. Returns their roots.
    fn operands<'e>(&mut self, items: impl IntoIterator<Item = &'e TExp>) -> Vec<Vec<Root>> {
        let base = self.pending.len();
        for item in items {
            if !self.state.is_reachable() {
                break;
            }
            let roots = self.exp(item);
            self.pending.push(roots);
            self.pending_values.push((item.ty.clone(), item.span));
        }
        self.pending_values.truncate(base);
        self.pending.split_off(base)
    }

    /// Analyzes an expression; returns the roots of the reference it yields.
    fn exp(&mut self, exp: &TExp) -> Vec<Root> {
        match &exp.kind {
            TExpKind::Unit | TExpKind::Value(_) | TExpKind::Constant(_) => Vec::new(),
            TExpKind::Copy(local) => self.use_local(*local, false, exp),
            TExpKind::Move(local) => self.use_local(*local, true, exp),
            TExpKind::BorrowLocal { .. } | TExpKind::BorrowField { .. } => self.borrow_place(exp),
            TExpKind::ReadRef(inner) | TExpKind::Not(inner) | TExpKind::Cast { expr: inner, .. } => {
                self.exp(inner);
                Vec::new()
            }
            TExpKind::Freeze(inner) => {
                let mut roots = self.exp(inner);
                roots.iter_mut().for_each(|r| r.mutable = false);
                roots
            }
            TExpKind::Vector { elems, .. } | TExpKind::Tuple(elems) | TExpKind::Call { args: elems, .. } => {
                self.operands(elems);
                Vec::new()
            }
            TExpKind::Pack { fields, .. } => {
                self.operands(fields.iter().map(|(_, e)| e));
                Vec::new()
            }
            TExpKind::Builtin { builtin, args, .. } => {
                let roots = self.operands(args);
                places::builtin_result(*builtin, roots)
            }
            TExpKind::Binary { lhs, rhs, .. } => {
                self.operands([&**lhs, &**rhs]);
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
                self.exp(value);
                if self.state.is_reachable() {
                    self.check_pending_values(0, exp.span, "return");
                    let locals: Vec<LocalId> = self.scopes.iter().flatten().copied().collect();
                    for local in locals {
                        self.check_leak(local, exp.span, "by this `return`");
                    }
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

    fn assign(&mut self, target: &TLValue, value: &TExp, exp: &TExp) {
        match target {
            TLValue::Local(local) => {
                let roots = self.exp(value);
                if !self.state.is_reachable() {
                    return;
                }
                self.place_op(*local, &[], borrow::PlaceOp::Assign, exp.span, exp.pos);
                let ty = self.local_ty(*local).clone();
                if self.state.get(local.index()).may_hold() && !ty.has_drop(self.env) {
                    let (name, shown) = (self.local_name(*local), self.show(&ty));
                    self.report(
                        Diagnostic::new(
                            Code::DropWithoutAbility,
                            exp.span,
                            format!("assigning to `{name}` drops its old value, but `{shown}` lacks `drop`"),
                        )
                        .with_label_message("old value overwritten here")
                        .with_hint("consume the old value first"),
                    );
                }
                self.state.set(local.index(), Avail::Available);
                if ty.is_reference() {
                    self.add_roots(*local, &roots);
                }
            }
            TLValue::Ref(reference) => {
                self.operands([value, &**reference]);
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
