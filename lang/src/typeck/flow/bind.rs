//! Storing values: `let` patterns, assignments to locals (which end the
//! reference a local held) and writes through references.

use crate::diagnostics::{Code, Diagnostic};
use crate::typeck::tir::{LocalId, TExp, TLValue, TPattern};

use super::loans::Loan;
use super::state::Avail;
use super::{borrow, single, Flow};

impl Flow<'_> {
    /// Binds the values of the statement at `key` to a pattern.
    pub(super) fn bind(&mut self, pattern: &TPattern, vals: &[Option<Loan>], key: u32) {
        match pattern {
            TPattern::Bind(local, _) => {
                self.state.set(local.index(), Avail::Available);
                self.store(*local, vals.first().cloned().flatten(), key);
            }
            TPattern::Wildcard(ty, span) => self.discard(&ty.clone(), *span),
            TPattern::Tuple(items, _) => {
                for (index, item) in items.iter().enumerate() {
                    let value = vals.get(index).cloned().flatten();
                    self.bind(item, &[value], key);
                }
            }
            TPattern::Unpack { fields, .. } => {
                for item in fields {
                    self.bind(item, &[], key);
                }
            }
        }
    }

    /// Stores a reference into `local` (releasing what it held), unless the
    /// store is dead: then the reference is dropped on the spot, as codegen does.
    fn store(&mut self, local: LocalId, loan: Option<Loan>, key: u32) {
        self.state.loans.locals.remove(&local);
        if let Some(loan) = loan {
            if !self.live.is_dead_store(key, local) {
                self.state.loans.locals.insert(local, loan);
            }
        }
    }

    pub(super) fn assign(&mut self, target: &TLValue, value: &TExp, exp: &TExp) {
        match target {
            TLValue::Local(local) => {
                let vals = self.exp(value);
                if !self.state.is_reachable() {
                    return;
                }
                let ty = self.local_ty(*local).clone();
                if !ty.is_reference() {
                    self.place_op(*local, &[], borrow::PlaceOp::Assign, exp.span, exp.pos);
                }
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
                    self.store(*local, single(vals), exp.pos);
                }
            }
            TLValue::Ref(reference) => {
                let base = self.push_operands([value]);
                self.use_ref(reference, borrow::RefUse::Write, &[], None, exp.span);
                self.pop_operands(base);
            }
        }
    }
}
