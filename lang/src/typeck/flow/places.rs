//! Uses of locals: availability (use after move, unassigned) and the borrow
//! conflicts of [`super::borrow`].

use crate::diagnostics::{Code, Diagnostic};
use crate::resolve::scope::Builtin;
use crate::source::Span;
use crate::typeck::tir::{LocalId, TExp, TExpKind};

use super::borrow::{self, Borrower, PlaceOp, Root, ELEMENT};
use super::state::{Avail, Why};
use super::Flow;

/// The roots of a builtin's result: an element borrow points into its vector.
pub(super) fn builtin_result(builtin: Builtin, roots: Vec<Vec<Root>>) -> Vec<Root> {
    let mutable = match builtin {
        Builtin::VecBorrow => false,
        Builtin::VecBorrowMut => true,
        _ => return Vec::new(),
    };
    let mut out = roots.into_iter().next().unwrap_or_default();
    for root in &mut out {
        root.path.push(ELEMENT);
        root.mutable = mutable;
    }
    out
}

impl Flow<'_> {
    /// `copy x` / `move x` (explicit or implicit).
    pub(super) fn use_local(&mut self, local: LocalId, is_move: bool, exp: &TExp) -> Vec<Root> {
        self.check_available(local, exp.span);
        let is_ref = self.local_ty(local).is_reference();
        if !is_ref {
            let op = if is_move { PlaceOp::Move } else { PlaceOp::Read };
            self.place_op(local, &[], op, exp.span, exp.pos);
        }
        if is_move {
            self.state.set(local.index(), Avail::Unavailable(Why::Moved(exp.span)));
        }
        if is_ref {
            self.roots.get(local.index()).cloned().unwrap_or_default()
        } else {
            Vec::new()
        }
    }

    fn check_available(&mut self, local: LocalId, span: Span) {
        let avail = self.state.get(local.index());
        if avail == Avail::Available || self.reported.contains(&local) {
            return;
        }
        let name = self.local_name(local);
        let diag = match avail {
            Avail::Available => return,
            Avail::Unavailable(Why::Moved(moved)) => {
                Diagnostic::new(Code::UseAfterMove, span, format!("use of moved value `{name}`"))
                    .with_label_message("value used here after it was moved")
                    .with_secondary(moved, "value moved here")
            }
            Avail::Maybe(Why::Moved(moved)) => {
                let ty = self.local_ty(local).clone();
                let shown = self.show(&ty);
                let diag = Diagnostic::new(Code::UseAfterMove, span, format!("use of possibly moved value `{name}`"));
                let diag = if moved == span {
                    diag.with_label_message("value moved here, in an earlier iteration of the loop")
                } else {
                    diag.with_label_message("value used here, but it may have been moved")
                        .with_secondary(moved, "value moved here (on some paths, or in an earlier loop iteration)")
                };
                diag.with_note(format!("`{shown}` does not have `copy`"))
            }
            Avail::Unavailable(Why::Unassigned) => {
                Diagnostic::new(Code::UnassignedLocal, span, format!("use of unassigned local `{name}`"))
                    .with_label_message("no value has been assigned yet")
            }
            Avail::Maybe(Why::Unassigned) => {
                Diagnostic::new(Code::UnassignedLocal, span, format!("use of possibly unassigned local `{name}`"))
                    .with_label_message("assigned on some paths only")
            }
        };
        self.report(diag);
        // One error per local: its later uses and its scope end would only repeat it.
        self.reported.insert(local);
    }

    /// `&x`, `&mut x.f.g`, `&r.f`: checks the borrowed place and returns the new reference's roots.
    pub(super) fn borrow_place(&mut self, exp: &TExp) -> Vec<Root> {
        let mut path = Vec::new();
        let mut current = exp;
        let top_mutable = match &exp.kind {
            TExpKind::BorrowField { mutable, .. } | TExpKind::BorrowLocal { mutable, .. } => *mutable,
            _ => false,
        };
        loop {
            match &current.kind {
                TExpKind::BorrowField { base, field, .. } => {
                    path.push(field.index);
                    current = base;
                }
                TExpKind::BorrowLocal { local, .. } => {
                    path.reverse();
                    let local = *local;
                    self.check_available(local, current.span);
                    self.place_op(local, &path, PlaceOp::Borrow { mutable: top_mutable }, exp.span, exp.pos);
                    return vec![Root { local, path, mutable: top_mutable }];
                }
                _ => {
                    path.reverse();
                    let mut roots = self.exp(current);
                    for root in &mut roots {
                        root.path.extend_from_slice(&path);
                        root.mutable = top_mutable;
                    }
                    return roots;
                }
            }
        }
    }

    /// Reports `op` on `local`'s `path` when a live reference conflicts with it.
    pub(super) fn place_op(&mut self, local: LocalId, path: &[u16], op: PlaceOp, span: Span, pos: u32) {
        let name = self.local_name(local);
        let borrowers = self.borrowed_by.get(local.index()).cloned().unwrap_or_default();
        for r in borrowers {
            if r == local || !self.is_live(r, pos) {
                continue;
            }
            let roots = self.roots.get(r.index()).cloned().unwrap_or_default();
            if let Some(root) = roots.iter().find(|root| root.local == local && borrow::conflicts(op, path, root)) {
                let decl = self.fun.locals.get(r.index()).map_or(span, |d| d.span);
                let borrower = Borrower::Local { name: self.local_name(r), span: decl };
                self.report(borrow::conflict_diagnostic(op, &name, span, &borrower, root));
                return;
            }
        }
        let pending: Option<Root> = self
            .pending
            .iter()
            .flatten()
            .find(|root| root.local == local && borrow::conflicts(op, path, root))
            .cloned();
        if let Some(root) = pending {
            self.report(borrow::conflict_diagnostic(op, &name, span, &Borrower::Pending, &root));
        }
    }

    /// Whether reference local `r` may still be read after position `pos`.
    fn is_live(&self, r: LocalId, pos: u32) -> bool {
        let later = self.uses.reads_after(r, pos);
        if later.iter().any(|p| !self.excluded.iter().any(|(a, b)| a <= p && p <= b)) {
            return true;
        }
        let bound = self.uses.bound_at.get(r.index()).copied().unwrap_or(0);
        self.loops
            .iter()
            .any(|ctx| bound < ctx.first && self.uses.read_between(r, ctx.first.saturating_sub(1), ctx.pos))
    }
}
