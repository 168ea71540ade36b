//! Operations on references: reading and writing through them, freezing,
//! calls (arguments, access sets, returned references), the storage and
//! vector builtins, comparisons, and what a function may return.

use resin_format::file_format::AccessMode;

use crate::resolve::env::{FunId, Origin, StructId};
use crate::resolve::scope::Builtin;
use crate::source::Span;
use crate::typeck::tir::{TExp, TExpKind};
use crate::typeck::ty::Ty;

use super::borrow::{find_conflict, GlobalOp, RefUse};
use super::diag::{self, Escape};
use super::loans::{insert_sorted, normalized, Holder, Loan, LoanId, Place, Root, ELEMENT};
use super::{single, Flow, Vals};

/// How a reference expression reads in a diagnostic: `` `r` `` or "this reference".
fn subject(exp: &TExp, flow: &Flow<'_>) -> String {
    match &exp.unfrozen().kind {
        TExpKind::Copy(local) | TExpKind::Move(local) => format!("`{}`", flow.local_name(*local)),
        _ => "this reference".to_string(),
    }
}

impl Flow<'_> {
    /// Evaluates the reference `exp` and checks `use_` of it (at `steps`
    /// below what it points to). Returns the reference, now in flight.
    pub(super) fn use_ref(
        &mut self,
        exp: &TExp,
        use_: RefUse,
        steps: &[u16],
        skip: Option<Holder>,
        span: Span,
    ) -> Option<Loan> {
        let mut loan = single(self.exp(exp))?;
        if self.state.is_reachable() {
            let name = subject(exp, self);
            loan.quiet |= self.check_use(&loan, &name, use_, steps, skip, span, exp.pos);
        }
        Some(loan)
    }

    /// Reports the first live reference that `use_` of `loan` conflicts
    /// with; true when there is one.
    #[allow(clippy::too_many_arguments)]
    fn check_use(
        &mut self,
        loan: &Loan,
        name: &str,
        use_: RefUse,
        steps: &[u16],
        skip: Option<Holder>,
        span: Span,
        pos: u32,
    ) -> bool {
        if loan.quiet {
            return false;
        }
        let targets: Vec<Place> = loan.places.iter().map(|p| p.extended(steps)).collect();
        let found = find_conflict(&self.state.loans, &targets, use_.need(), Some(loan), skip);
        let Some((holder, other, place)) = found else { return false };
        let (holder, other) = (holder, other.clone());
        let described = self.other(holder, &other, &place, pos, Some(loan));
        self.report(diag::ref_conflict(use_, name, span, &described));
        self.quiet(holder);
        true
    }

    /// `&mut T` used as `&T`: reading through it must be allowed, and the
    /// frozen reference derives from it.
    pub(super) fn freeze(&mut self, inner: &TExp, exp: &TExp) -> Option<Loan> {
        let loan = self.use_ref(inner, RefUse::Freeze, &[], None, exp.span)?;
        let id = self.fresh();
        Some(loan.derive(id, false, &[], exp.span))
    }

    /// Checks an operation on global `resource` against the live references
    /// into it; true when one conflicts.
    fn global_op(&mut self, resource: StructId, op: GlobalOp, callee: Option<&str>, span: Span, pos: u32) -> bool {
        let target = Place::new(Root::Global(resource));
        let Some((holder, loan, place)) = find_conflict(&self.state.loans, &[target], op.need(), None, None) else {
            return false;
        };
        let (holder, loan) = (holder, loan.clone());
        let other = self.other(holder, &loan, &place, pos, None);
        let shown = self.env.struct_display(resource, Some(self.module));
        self.report(diag::global_conflict(op, &shown, callee, span, &other));
        self.quiet(holder);
        true
    }

    /// Checks the reference operands from `base` as `use_` (each may overlap
    /// only what it derives from).
    /// True when one conflicts.
    fn check_operands(
        &mut self,
        base: usize,
        items: &[&TExp],
        use_of: impl Fn(&Loan) -> Option<RefUse>,
        pos: u32,
    ) -> bool {
        let mut conflict = false;
        for (k, item) in items.iter().enumerate() {
            let Some(Some(loan)) = self.state.loans.operands.get(base + k).cloned() else { continue };
            let Some(use_) = use_of(&loan) else { continue };
            let name = subject(item, self);
            if self.check_use(&loan, &name, use_, &[], Some(Holder::Operand(base + k)), item.span, pos) {
                self.quiet(Holder::Operand(base + k));
                conflict = true;
            }
        }
        conflict
    }

    /// A call: arguments are used as `&mut` or `&`, the callee's access set
    /// must not touch a global type a live reference points into, and each
    /// returned reference borrows from the arguments (a `&mut` from the
    /// `&mut` ones, a `&` from all), as Move rules.
    pub(super) fn call(&mut self, fun: FunId, args: &[TExp], exp: &TExp) -> Vals {
        let base = self.push_operands(args);
        if !self.state.is_reachable() {
            self.pop_operands(base);
            return Vec::new();
        }
        let items: Vec<&TExp> = args.iter().collect();
        let mut conflict = self.check_operands(base, &items, |l| Some(RefUse::Arg { mutable: l.mutable }), exp.pos);
        let callee = self.env.function(fun).map(|f| f.name.clone());
        let accesses: Vec<(StructId, AccessMode)> = self.effects.of(fun).collect();
        for (resource, mode) in accesses {
            let op = GlobalOp::Call { mode };
            conflict |= self.global_op(resource, op, callee.as_deref(), exp.span, exp.pos);
        }
        let args: Vec<Loan> = self.pop_operands(base).into_iter().flatten().collect();
        let mut results: Vals = exp
            .ty
            .values()
            .iter()
            .map(|ty| {
                let mut loan = match ty {
                    Ty::MutRef(_) => self.call_result(args.iter().filter(|a| a.mutable), true, exp.span),
                    Ty::Ref(_) => self.call_result(args.iter(), false, exp.span),
                    _ => return None,
                };
                loan.quiet |= conflict;
                Some(loan)
            })
            .collect();
        // A callee compiled here returned them disjoint (the return check
        // above). A compiled dependency's bytecode only promises that each
        // derives from the arguments, so its results may overlap.
        let compiled_here = matches!(self.env.module(fun.module).map(|m| m.origin), Some(Origin::Source(_)));
        let ids: Vec<LoanId> =
            if compiled_here { results.iter().flatten().map(|l| l.id).collect() } else { Vec::new() };
        for loan in results.iter_mut().flatten() {
            loan.siblings = ids.iter().copied().filter(|id| *id != loan.id).collect();
            loan.siblings.sort();
        }
        results
    }

    fn call_result<'l>(&mut self, sources: impl Iterator<Item = &'l Loan>, mutable: bool, span: Span) -> Loan {
        let mut places = Vec::new();
        let mut ancestors = Vec::new();
        let mut quiet = false;
        for source in sources {
            quiet |= source.quiet;
            places.extend(source.places.iter().cloned());
            for id in source.ancestors.iter().copied().chain([source.id]) {
                insert_sorted(&mut ancestors, id);
            }
        }
        Loan { id: self.fresh(), mutable, places: normalized(places), ancestors, siblings: Vec::new(), span, quiet }
    }

    pub(super) fn builtin(&mut self, builtin: Builtin, arg_ty: &Ty, args: &[TExp], exp: &TExp) -> Vals {
        // The read-only vector functions take either kind of reference (codegen skips the freeze).
        let reads = matches!(builtin, Builtin::VecLength | Builtin::VecBorrow | Builtin::VecIsEmpty);
        let items: Vec<&TExp> =
            args.iter().enumerate().map(|(i, e)| if reads && i == 0 { e.unfrozen() } else { e }).collect();
        let base = self.push_operands(items.iter().copied());
        if !self.state.is_reachable() {
            self.pop_operands(base);
            return Vec::new();
        }
        let resource = match arg_ty {
            Ty::Struct(id, _) => Some(*id),
            _ => None,
        };
        let (pos, span) = (exp.pos, exp.span);
        let first: Option<Loan> = self.state.loans.operands.get(base).cloned().flatten();
        let mut result = None;
        let check_first = |flow: &mut Self, use_: RefUse, steps: &[u16]| {
            if let (Some(loan), Some(item)) = (&first, items.first()) {
                let name = subject(item, flow);
                flow.check_use(loan, &name, use_, steps, Some(Holder::Operand(base)), item.span, pos)
            } else {
                false
            }
        };
        match builtin {
            Builtin::MoveTo | Builtin::SignerAddressOf => {
                check_first(self, RefUse::Read, &[]);
            }
            Builtin::VecLength | Builtin::VecIsEmpty => {
                check_first(self, RefUse::VecRead, &[]);
            }
            Builtin::VecContains | Builtin::VecIndexOf => {
                // Both the vector and the element looked for are read.
                if !check_first(self, RefUse::VecRead, &[]) {
                    self.check_operands(base + 1, &items[1..], |_| Some(RefUse::Read), pos);
                }
            }
            Builtin::VecPushBack
            | Builtin::VecPopBack
            | Builtin::VecSwap
            | Builtin::VecRemove
            | Builtin::VecInsert
            | Builtin::VecAppend
            | Builtin::VecReverse => {
                check_first(self, RefUse::VecWrite, &[]);
            }
            Builtin::VecBorrow | Builtin::VecBorrowMut => {
                let mutable = builtin == Builtin::VecBorrowMut;
                let conflict = check_first(self, RefUse::Borrow { mutable }, &[ELEMENT]);
                if let Some(loan) = &first {
                    let id = self.fresh();
                    let mut loan = loan.derive(id, mutable, &[ELEMENT], span);
                    loan.quiet |= conflict;
                    result = Some(loan);
                }
            }
            // Keyed entries are tracked with the plain resources of their
            // type: a borrow of one entry excludes every other use of the
            // type, as two addresses may be one account.
            Builtin::MoveFrom
            | Builtin::BorrowGlobal
            | Builtin::BorrowGlobalMut
            | Builtin::MoveFromKeyed
            | Builtin::BorrowGlobalKeyed
            | Builtin::BorrowGlobalMutKeyed
            | Builtin::CounterAdd
            | Builtin::CounterAddKeyed => {
                if let Some(resource) = resource {
                    let op = match builtin {
                        Builtin::MoveFrom | Builtin::MoveFromKeyed => GlobalOp::MoveFrom,
                        Builtin::BorrowGlobal | Builtin::BorrowGlobalKeyed => GlobalOp::Borrow,
                        Builtin::CounterAdd | Builtin::CounterAddKeyed => GlobalOp::CounterAdd,
                        _ => GlobalOp::BorrowMut,
                    };
                    let conflict = self.global_op(resource, op, None, span, pos);
                    if matches!(op, GlobalOp::Borrow | GlobalOp::BorrowMut) {
                        let mutable = op == GlobalOp::BorrowMut;
                        let mut loan = self.new_loan(mutable, Place::new(Root::Global(resource)), span);
                        loan.quiet = conflict;
                        result = Some(loan);
                    }
                }
            }
            Builtin::Exists
            | Builtin::ExistsKeyed
            | Builtin::MoveToKeyed
            | Builtin::Emit
            | Builtin::VecEmpty
            | Builtin::VecSingleton
            | Builtin::VecDestroyEmpty
            | Builtin::HashSha3_256
            | Builtin::HashBlake3
            | Builtin::BlockTimestamp
            | Builtin::BlockHeight
            | Builtin::BlockSetTimestampForTesting
            | Builtin::BlockSetHeightForTesting
            | Builtin::ObjectAddress
            | Builtin::ObjectSigner
            | Builtin::TypeName
            | Builtin::TypeIsStruct => {}
        }
        self.pop_operands(base);
        match result {
            Some(loan) => vec![Some(loan)],
            None => Vec::new(),
        }
    }

    /// A binary operator: comparing references reads through both.
    pub(super) fn compare_or_compute(&mut self, lhs: &TExp, rhs: &TExp, pos: u32) {
        let base = self.push_operands([lhs, rhs]);
        if self.state.is_reachable() {
            self.check_operands(base, &[lhs, rhs], |_| Some(RefUse::Read), pos);
        }
        self.pop_operands(base);
    }

    /// What a function returns: every reference local dies first, then a
    /// returned reference must derive from the reference parameters only
    /// (never a local or global storage), and a returned `&mut` must not
    /// overlap another returned reference.
    pub(super) fn check_return(&mut self, value: &TExp, vals: Vals) {
        // One expression per returned value, for names and spans: the tuple's
        // items, or the whole value when it is not a tuple literal.
        let items: Vec<&TExp> = match &value.kind {
            TExpKind::Tuple(items) if items.len() == vals.len() => items.iter().collect(),
            _ => vec![value; vals.len()],
        };
        self.state.loans.locals.clear();
        let saved = std::mem::take(&mut self.pending_values);
        self.state.loans.operands = vals.clone();
        self.pending_values =
            items.iter().map(|e| super::Pending { ty: e.ty.clone(), span: e.span, name: None }).collect();
        for (index, loan) in vals.iter().enumerate() {
            let Some(loan) = loan else { continue };
            let span = items.get(index).map_or(value.span, |e| e.span);
            let escape = loan.places.iter().find_map(|p| match p.root {
                Root::Local(local) => Some(Escape::Local(self.local_name(local))),
                Root::Global(id) => Some(Escape::Global(self.env.struct_display(id, Some(self.module)))),
                Root::Any => Some(Escape::Unknown),
                Root::Param(_) => None,
            });
            if let Some(escape) = escape {
                // After a join the reference may have been taken in several places: name none.
                let taken = if loan.places.len() == 1 { loan.span } else { span };
                self.report(diag::escape(&escape, span, taken));
            }
        }
        self.returning = true;
        self.check_operands(0, &items, |l| l.mutable.then_some(RefUse::Return), value.pos);
        self.returning = false;
        self.state.loans.operands.clear();
        self.pending_values = saved;
    }
}
