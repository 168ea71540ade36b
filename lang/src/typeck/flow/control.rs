//! Control flow in the flow analysis: branches (and the report of a value
//! consumed on one branch only), short-circuit operators, loops to a
//! fixpoint, `break` and `continue`. Entering one side of a split releases
//! the references that die there ([`crate::typeck::liveness`]), as codegen
//! does, before the sides are joined.

use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::typeck::liveness::Edge;
use crate::typeck::tir::{LocalId, TBlock, TExp};

use super::loans::Loan;
use super::state::{Avail, State, Why};
use super::{Flow, LoopCtx, Vals};

/// Rounds of a loop's fixpoint before its references are widened. Real loops
/// settle in two or three rounds; a chain of references assigned to one
/// another in a loop can pass a place along one link per round.
const WIDEN_AFTER: usize = 8;

fn release_in(state: &mut State, locals: &[LocalId]) {
    for local in locals {
        state.loans.locals.remove(local);
    }
}

impl Flow<'_> {
    fn enter(&mut self, pos: u32, edge: Edge) {
        let locals = self.live.releases(pos, edge).to_vec();
        self.release(&locals);
    }

    pub(super) fn if_exp(&mut self, exp: &TExp, cond: &TExp, then_branch: &TExp, else_branch: Option<&TExp>) -> Vals {
        self.exp(cond);
        if !self.state.is_reachable() {
            return Vec::new();
        }
        let before = self.state.clone();
        self.enter(exp.pos, Edge::Then);
        if let Some(e) = else_branch {
            self.excluded.push((e.first, e.pos));
        }
        let then_vals = self.exp(then_branch);
        if else_branch.is_some() {
            self.excluded.pop();
        }
        let after_then = std::mem::replace(&mut self.state, before);
        self.enter(exp.pos, Edge::Else);
        let else_vals = else_branch.map(|e| self.exp(e)).unwrap_or_default();
        let after_else = std::mem::replace(&mut self.state, State::unreachable());
        let then_side = (then_branch.span, "at the end of this branch");
        let else_side = match else_branch {
            Some(e) => (e.span, "at the end of this branch"),
            None => (exp.span, "when the condition is false"),
        };
        let (state, vals) = self.join_branches((after_then, then_vals), then_side, (after_else, else_vals), else_side);
        self.state = state;
        vals
    }

    /// `a && b`, `a || b`: `b` runs on one path only.
    pub(super) fn short_circuit(&mut self, exp: &TExp, lhs: &TExp, rhs: &TExp) {
        self.exp(lhs);
        if !self.state.is_reachable() {
            return;
        }
        let before = self.state.clone();
        self.enter(exp.pos, Edge::Rhs);
        self.exp(rhs);
        let after_rhs = std::mem::replace(&mut self.state, before);
        self.enter(exp.pos, Edge::Short);
        let short = std::mem::replace(&mut self.state, State::unreachable());
        let rhs_side = (rhs.span, "when this operand is evaluated");
        let short_side = (lhs.span, "when this operand decides the result");
        self.state = self.join_branches((after_rhs, Vec::new()), rhs_side, (short, Vec::new()), short_side).0;
    }

    /// Joins the states (and values) after two branches; an undroppable value
    /// consumed on one branch only is reported here, at the branch that keeps
    /// it. Each side is the branch's span and where, in words, the value is kept.
    fn join_branches(
        &mut self,
        (a, mut a_vals): (State, Vals),
        a_side: (Span, &str),
        (b, mut b_vals): (State, Vals),
        b_side: (Span, &str),
    ) -> (State, Vals) {
        let len = a_vals.len().max(b_vals.len());
        a_vals.resize(len, None::<Loan>);
        b_vals.resize(len, None);
        let mut joined = a.join_with(&mut a_vals, &b, &mut b_vals);
        if !(a.is_reachable() && b.is_reachable()) {
            return (joined, a_vals);
        }
        let locals: Vec<LocalId> = self.scopes.iter().flatten().copied().collect();
        for local in locals {
            let (x, y) = (a.get(local.index()), b.get(local.index()));
            let (keeps, moved_at) = match (x, y) {
                (Avail::Available, Avail::Unavailable(Why::Moved(m))) => (a_side, m),
                (Avail::Unavailable(Why::Moved(m)), Avail::Available) => (b_side, m),
                _ => continue,
            };
            let ty = self.local_ty(local).clone();
            if ty.has_drop(self.env) {
                continue;
            }
            let (name, shown) = (self.local_name(local), self.show(&ty));
            self.report(
                Diagnostic::new(
                    Code::DropWithoutAbility,
                    keeps.0,
                    format!("`{name}` is consumed on one branch but not on the other"),
                )
                .with_label_message(format!("`{name}` is still held {}", keeps.1))
                .with_secondary(moved_at, "consumed here on the other path")
                .with_note(format!("`{shown}` lacks `drop`, so it must be consumed on every path")),
            );
            joined.set(local.index(), Avail::Unavailable(Why::Moved(moved_at)));
            self.reported.insert(local);
        }
        (joined, a_vals)
    }

    pub(super) fn looping(&mut self, exp: &TExp, cond: Option<&TExp>, body: &TBlock) {
        self.loop_ranges.push((exp.first, exp.pos));
        let entry = self.state.clone().canonical();
        let mut head = entry.clone();
        let mut exit = State::unreachable();
        // The head state only grows from round to round. After widening, a
        // reference's places and derivations are at the top already, so what
        // can still grow is bounded by a few steps per local: availability
        // (three levels), whether a reference is held, and its quiet flag.
        let max_rounds = WIDEN_AFTER + 4 * self.fun.locals.len() + 4;
        for round in 0..max_rounds {
            if round == WIDEN_AFTER {
                head.loans.widen();
            }
            self.state = head.clone();
            exit = State::unreachable();
            if let Some(cond) = cond {
                self.exp(cond);
                let mut out = self.state.clone();
                release_in(&mut out, self.live.releases(exp.pos, Edge::Exit));
                exit = out;
                self.enter(exp.pos, Edge::Body);
            }
            self.loops.push(LoopCtx {
                depth: self.scopes.len(),
                pending: self.pending_values.len(),
                breaks: State::unreachable(),
                continues: State::unreachable(),
            });
            if self.state.is_reachable() {
                self.block(body, body.span);
            }
            let Some(ctx) = self.loops.pop() else { break };
            let back = self.state.join(&ctx.continues);
            exit = exit.join(&ctx.breaks);
            let next = entry.join(&back);
            if next == head {
                break;
            }
            head = next;
        }
        self.loop_ranges.pop();
        self.state = exit;
    }

    pub(super) fn jump(&mut self, is_break: bool, span: Span) {
        if !self.state.is_reachable() {
            return;
        }
        let Some((depth, pending)) = self.loops.last().map(|l| (l.depth, l.pending)) else {
            self.state = State::unreachable();
            return;
        };
        let when = if is_break { "by this `break`" } else { "by this `continue`" };
        self.check_pending_values(pending, span, if is_break { "break" } else { "continue" });
        let locals: Vec<LocalId> = self.scopes.iter().skip(depth).flatten().copied().collect();
        for &local in &locals {
            self.check_leak(local, span, when);
        }
        // Locals of the loop body go out of scope when the loop is left or
        // restarted; operands waiting on the stack are dropped.
        for local in &locals {
            self.state.set(local.index(), Avail::Unavailable(Why::Unassigned));
        }
        self.release(&locals);
        self.state.loans.operands.truncate(pending);
        let state = std::mem::replace(&mut self.state, State::unreachable());
        if let Some(ctx) = self.loops.last_mut() {
            if is_break {
                ctx.breaks = ctx.breaks.join(&state);
            } else {
                ctx.continues = ctx.continues.join(&state);
            }
        }
    }
}
