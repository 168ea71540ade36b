//! The linearity reports of the flow analysis: values without `drop` left
//! behind at the end of a scope, by a jump, by a discarded result; and code
//! that never runs.

use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::typeck::tir::LocalId;
use crate::typeck::ty::Ty;

use super::state::{Avail, Why};
use super::Flow;

impl Flow<'_> {
    pub(super) fn unreachable_code(&mut self, span: Span) {
        self.report(Diagnostic::new(Code::UnreachableCode, span, "unreachable code").with_label_message("never runs"));
    }

    /// Locals of the scopes at `depth` and above must not hold undroppable values.
    pub(super) fn check_scope_end(&mut self, depth: usize, span: Span) {
        let locals: Vec<LocalId> = self.scopes.iter().skip(depth).flatten().copied().collect();
        for local in locals {
            self.check_leak(local, span, "at the end of its scope");
        }
    }

    pub(super) fn check_leak(&mut self, local: LocalId, span: Span, when: &str) {
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
    pub(super) fn check_pending_values(&mut self, from: usize, span: Span, jump: &str) {
        let values: Vec<(Ty, Span)> = self.pending_values.iter().skip(from).map(|p| (p.ty.clone(), p.span)).collect();
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
    pub(super) fn discard(&mut self, ty: &Ty, span: Span) {
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
}
