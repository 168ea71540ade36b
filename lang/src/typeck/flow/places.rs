//! Locals as places: copies and moves (with the linearity errors of using a
//! moved or unassigned local), borrows of locals and fields, and the check of
//! an operation on a local against the live references into it.

use crate::diagnostics::{Code, Diagnostic};
use crate::resolve::env::param_tys;
use crate::source::Span;
use crate::typeck::tir::{LocalId, TExp, TExpKind};
use crate::typeck::ty::Ty;

use super::borrow::{find_conflict, Need, PlaceOp, RefUse};
use super::diag::{self, Other};
use super::loans::{Holder, Loan, Place, Root, ELEMENT};
use super::state::{Avail, Why};
use super::{Flow, Vals};

impl Flow<'_> {
    /// `copy x` / `move x` (explicit or implicit). A reference's last read
    /// moves it out of its local, as codegen's `move_loc` does; other reads
    /// of a reference make a copy derived from it.
    pub(super) fn use_local(&mut self, local: LocalId, is_move: bool, exp: &TExp) -> Vals {
        self.check_available(local, exp.span);
        let is_ref = self.local_ty(local).is_reference();
        if !is_ref {
            let op = if is_move { PlaceOp::Move } else { PlaceOp::Read };
            self.place_op(local, &[], op, exp.span, exp.pos);
            // A copy that codegen might turn into a move (at the last direct
            // read) must stay a copy while a reference into the local lives.
            let place = Place::new(Root::Local(local));
            if !is_move
                && self.state.loans.held().any(|(_, loan)| loan.overlaps(std::slice::from_ref(&place)).is_some())
            {
                self.borrowed_reads.insert(exp.pos);
            }
        }
        if is_move {
            self.state.set(local.index(), Avail::Unavailable(Why::Moved(exp.span)));
        }
        if !is_ref {
            return Vec::new();
        }
        let Some(loan) = self.state.loans.locals.get(&local).cloned() else { return vec![None] };
        if is_move || self.live.is_last_read(exp.pos) {
            self.state.loans.locals.remove(&local);
            return vec![Some(loan)];
        }
        let id = self.fresh();
        vec![Some(loan.derive(id, loan.mutable, &[], exp.span))]
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

    /// `&x`, `&mut x.f.g`, `&r.f`: checks the borrow and returns the new reference.
    pub(super) fn borrow_place(&mut self, exp: &TExp) -> Option<Loan> {
        let mut path = Vec::new();
        let mut current = exp;
        let mutable = match &exp.kind {
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
                    let conflict = self.place_op(local, &path, PlaceOp::Borrow { mutable }, exp.span, exp.pos);
                    let mut loan = self.new_loan(mutable, Place { root: Root::Local(local), path }, exp.span);
                    loan.quiet = conflict;
                    return Some(loan);
                }
                _ => {
                    path.reverse();
                    // Codegen borrows a field straight through a `&mut`, without freezing it first.
                    let base = if mutable { current } else { current.unfrozen() };
                    let loan = self.use_ref(base, RefUse::Borrow { mutable }, &path, None, exp.span)?;
                    let id = self.fresh();
                    return Some(loan.derive(id, mutable, &path, exp.span));
                }
            }
        }
    }

    /// Reports `op` on `local` (at `path`) when a live reference conflicts
    /// with it, and says whether one does. Reading or borrowing a local
    /// immutably takes the whole local in the bytecode, so any live `&mut`
    /// into it conflicts.
    pub(super) fn place_op(&mut self, local: LocalId, path: &[u16], op: PlaceOp, span: Span, pos: u32) -> bool {
        let need = op.need();
        let target = match need {
            Need::Shared => Place::new(Root::Local(local)),
            Need::Exclusive => Place { root: Root::Local(local), path: path.to_vec() },
        };
        let Some((holder, loan, place)) = find_conflict(&self.state.loans, &[target], need, None, None) else {
            return false;
        };
        let (holder, loan) = (holder, loan.clone());
        let other = self.other(holder, &loan, &place, pos, None);
        let name = self.local_name(local);
        self.report(diag::local_conflict(op, &name, span, &other));
        self.quiet(holder);
        true
    }

    /// Describes a conflicting live reference for a diagnostic; `used` is the
    /// reference being used, if any.
    pub(super) fn other(&self, holder: Holder, loan: &Loan, place: &Place, pos: u32, used: Option<&Loan>) -> Other {
        let (name, again, operand) = match holder {
            Holder::Local(local) => (Some(self.local_name(local)), self.next_read(local, pos), false),
            Holder::Operand(k) => {
                let pending = self.pending_values.get(k);
                (pending.and_then(|p| p.name.clone()), pending.map(|p| p.span), true)
            }
        };
        Other {
            name,
            mutable: loan.mutable,
            taken: loan.span,
            again,
            operand,
            returned: operand && self.returning,
            derived: used.is_some_and(|u| loan.derives_from(u.id)),
            place: self.describe(place),
        }
    }

    /// Where `local` is read next after position `pos`, for a label: the
    /// first later read not in a branch this point cannot reach, or, in a
    /// loop that wraps around, the first read in the loop.
    fn next_read(&self, local: LocalId, pos: u32) -> Option<Span> {
        let reads = self.live.reads(local);
        let reachable = |p: u32| !self.excluded.iter().any(|&(first, last)| first <= p && p <= last);
        let later = reads.iter().find(|&&(p, _)| p > pos && reachable(p));
        let in_loop = || {
            let &(first, last) = self.loop_ranges.last()?;
            reads.iter().find(|&&(p, _)| first <= p && p <= last)
        };
        later.or_else(in_loop).map(|&(_, span)| span)
    }

    /// A place in source terms: `` `x.f` ``, `` `p.value` ``, `` `v[_]` ``,
    /// `` `Balance` in global storage ``.
    pub(super) fn describe(&self, place: &Place) -> String {
        let (mut text, mut ty, global) = match place.root {
            Root::Local(local) => (self.local_name(local), self.local_ty(local).clone(), false),
            Root::Param(local) => {
                let ty = self.local_ty(local).deref().cloned().unwrap_or(Ty::Error);
                let text =
                    if place.path.is_empty() { format!("*{}", self.local_name(local)) } else { self.local_name(local) };
                (text, ty, false)
            }
            // Any instance: only field names are shown.
            Root::Global(id) => {
                let params = self.env.strukt(id).map(|s| param_tys(&s.type_params)).unwrap_or_default();
                (self.env.struct_display(id, Some(self.module)), Ty::Struct(id, params), true)
            }
            Root::Any => return "a place this loop may reach".to_string(),
        };
        for &step in &place.path {
            if step == ELEMENT {
                text.push_str("[_]");
                ty = match ty {
                    Ty::Vector(inner) => *inner,
                    _ => Ty::Error,
                };
                continue;
            }
            let field = match &ty {
                Ty::Struct(id, args) => {
                    self.env.strukt(*id).and_then(|s| s.fields.get(usize::from(step))).map(|f| (f, args))
                }
                _ => None,
            };
            let Some((field, args)) = field else { break };
            text.push('.');
            text.push_str(&field.name);
            ty = field.ty.subst(args);
        }
        if global {
            format!("`{text}` in global storage")
        } else {
            format!("`{text}`")
        }
    }
}
