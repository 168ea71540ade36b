//! Control flow in the linearity analysis: branches (and the report of a
//! value consumed on one branch only), loops to a fixpoint, `break` and
//! `continue`.

use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::typeck::tir::{LocalId, TBlock, TExp};

use super::borrow::Root;
use super::state::{Avail, State, Why};
use super::{Flow, LoopCtx};

impl Flow<'_> {
    pub(super) fn if_exp(
        &mut self,
        exp: &TExp,
        cond: &TExp,
        then_branch: &TExp,
        else_branch: Option<&TExp>,
    ) -> Vec<Root> {
        self.exp(cond);
        if !self.state.is_reachable() {
            return Vec::new();
        }
        let before = self.state.clone();
        if let Some(e) = else_branch {
            self.excluded.push((e.first, e.pos));
        }
        let mut roots = self.exp(then_branch);
        if else_branch.is_some() {
            self.excluded.pop();
        }
        let after_then = std::mem::replace(&mut self.state, before);
        if let Some(e) = else_branch {
            roots.extend(self.exp(e));
        }
        let after_else = std::mem::replace(&mut self.state, State::unreachable());
        let then_side = (then_branch.span, "at the end of this branch");
        let else_side = match else_branch {
            Some(e) => (e.span, "at the end of this branch"),
            None => (exp.span, "when the condition is false"),
        };
        self.state = self.join_branches(after_then, then_side, after_else, else_side);
        roots
    }

    /// Joins the states after two branches; an undroppable value consumed on
    /// one branch only is reported here, at the branch that keeps it.
    /// Each side is the branch's span and where, in words, the value is kept.
    fn join_branches(&mut self, a: State, a_side: (Span, &str), b: State, b_side: (Span, &str)) -> State {
        let mut joined = a.join(&b);
        if !(a.is_reachable() && b.is_reachable()) {
            return joined;
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
        joined
    }

    pub(super) fn looping(&mut self, exp: &TExp, cond: Option<&TExp>, body: &TBlock) {
        let entry = self.state.clone();
        let mut head = entry.clone();
        let mut exit = State::unreachable();
        // The lattice has height 3 per local; a few rounds reach the fixpoint.
        for _ in 0..6 {
            self.state = head.clone();
            exit = State::unreachable();
            if let Some(cond) = cond {
                self.exp(cond);
                exit = self.state.clone();
            }
            self.loops.push(LoopCtx {
                depth: self.scopes.len(),
                pending: self.pending_values.len(),
                first: exp.first,
                pos: exp.pos,
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
        for local in locals {
            self.check_leak(local, span, when);
        }
        // Locals of the loop body go out of scope when the loop is left or restarted.
        for local in self.scopes.iter().skip(depth).flatten().copied().collect::<Vec<_>>() {
            self.state.set(local.index(), Avail::Unavailable(Why::Unassigned));
        }
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
