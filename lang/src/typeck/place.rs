//! Places: borrowing locals and fields (with Move's auto-borrow for `s.f`),
//! reading through references, and assignment targets.

use resin_format::file_format::Abilities;

use crate::ast::{Expr, ExprKind, Ident, LValue, LValueKind};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;

use super::func::FunChecker;
use super::tir::{FieldId, TExp, TExpKind, TLValue};
use super::ty::Ty;

impl FunChecker<'_> {
    /// `e.f` as a value: borrow the field, then copy it out.
    pub fn field_read(&mut self, base: &Expr, field: &Ident, span: Span) -> TExp {
        let reference = self.field_ref(base, field, false, span);
        self.read_through(reference, span)
    }

    /// `*r`: copies the referenced value (its type must have `copy`).
    pub fn read_through(&mut self, reference: TExp, span: Span) -> TExp {
        let target = match &reference.ty {
            Ty::Ref(t) | Ty::MutRef(t) => (**t).clone(),
            Ty::Never | Ty::Error => return self.mk(TExpKind::ReadRef(Box::new(reference)), Ty::Error, span),
            other => {
                let shown = self.show(other);
                self.error(
                    Diagnostic::new(Code::InvalidOperand, reference.span, format!("cannot dereference `{shown}`"))
                        .with_label_message("not a reference"),
                );
                return self.mk(TExpKind::ReadRef(Box::new(reference)), Ty::Error, span);
            }
        };
        if !target.has_copy(self.env) {
            let shown = self.show(&target);
            self.error(
                Diagnostic::new(Code::CopyWithoutAbility, span, format!("cannot copy a `{shown}` out of a reference"))
                    .with_label_message("reading copies the value")
                    .with_note(format!("`{shown}` does not have `copy`")),
            );
        }
        self.mk(TExpKind::ReadRef(Box::new(reference)), target, span)
    }

    /// `&e` / `&mut e`.
    pub fn borrow(&mut self, mutable: bool, expr: &Expr, span: Span) -> TExp {
        match &expr.kind {
            ExprKind::Field { base, field } => self.field_ref(base, field, mutable, span),
            ExprKind::Deref(inner) => {
                // `&*r` / `&mut *r`: the reference itself.
                let inner = self.infer(inner, None);
                self.reborrow(inner, mutable, span)
            }
            _ => {
                let place = self.infer(expr, None);
                self.borrow_value(place, mutable, span)
            }
        }
    }

    /// A reference used as a place: checks mutability, freezes when needed.
    fn reborrow(&mut self, reference: TExp, mutable: bool, span: Span) -> TExp {
        match reference.ty.clone() {
            Ty::MutRef(_) if mutable => reference,
            Ty::MutRef(t) => self.mk(TExpKind::Freeze(Box::new(reference)), Ty::Ref(t), span),
            Ty::Ref(_) if !mutable => reference,
            Ty::Ref(_) => {
                self.immutable_write(reference.span, "borrow mutably");
                reference
            }
            Ty::Never | Ty::Error => reference,
            other => {
                let shown = self.show(&other);
                self.error(
                    Diagnostic::new(Code::InvalidOperand, reference.span, format!("cannot dereference `{shown}`"))
                        .with_label_message("not a reference"),
                );
                reference
            }
        }
    }

    /// Borrows an already checked value: a local is borrowed in place; any
    /// other value is first stored in a temporary.
    fn borrow_value(&mut self, place: TExp, mutable: bool, span: Span) -> TExp {
        if place.ty.is_reference() {
            self.error(
                Diagnostic::new(Code::NestedReference, span, "cannot borrow a reference")
                    .with_label_message(format!("this is already `{}`", self.show(&place.ty))),
            );
            return place;
        }
        if matches!(place.ty, Ty::Tuple(_)) {
            self.error(Diagnostic::new(Code::InvalidBorrow, span, "cannot borrow a tuple or `()`"));
            return place;
        }
        if place.ty.is_absorbing() {
            return place;
        }
        let target = place.ty.clone();
        let local = match place.kind {
            TExpKind::Copy(local) | TExpKind::Move(local) => local,
            _ => {
                let temp = self.temp(target.clone(), place.span);
                let store =
                    self.mk(TExpKind::Assign { target: TLValue::Local(temp), value: Box::new(place) }, Ty::UNIT, span);
                let borrow = self.borrow_local_exp(temp, mutable, target, span);
                // `{ temp = value; &temp }`
                return self.sequence(store, borrow, span);
            }
        };
        self.borrow_local_exp(local, mutable, target, span)
    }

    fn borrow_local_exp(&mut self, local: super::tir::LocalId, mutable: bool, target: Ty, span: Span) -> TExp {
        let ty = if mutable { Ty::MutRef(Box::new(target)) } else { Ty::Ref(Box::new(target)) };
        self.mk(TExpKind::BorrowLocal { mutable, local }, ty, span)
    }

    /// A block `{ first; second }` built by the checker.
    fn sequence(&mut self, first: TExp, second: TExp, span: Span) -> TExp {
        let ty = second.ty.clone();
        let block = super::tir::TBlock {
            stmts: vec![super::tir::TStmt::Expr(first)],
            tail: Some(Box::new(second)),
            scope: Vec::new(),
            span,
        };
        self.mk(TExpKind::Block(block), ty, span)
    }

    /// A reference to `base.field`: auto-borrows a struct-valued base (a local
    /// in place, any other value through a temporary); a reference base is
    /// used as it is.
    pub fn field_ref(&mut self, base: &Expr, field: &Ident, mutable: bool, span: Span) -> TExp {
        let base_ref = match &base.kind {
            ExprKind::Field { base: inner, field: inner_field } => {
                self.field_ref(inner, inner_field, mutable, base.span)
            }
            ExprKind::Deref(inner) => {
                let inner = self.infer(inner, None);
                self.reborrow(inner, mutable, base.span)
            }
            _ => {
                let value = self.infer(base, None);
                if value.ty.is_reference() {
                    self.reborrow(value, mutable, base.span)
                } else {
                    self.borrow_value(value, mutable, base.span)
                }
            }
        };
        let (strukt, type_args) = match base_ref.ty.deref() {
            Some(Ty::Struct(id, args)) => (*id, args.clone()),
            Some(Ty::Error | Ty::Never) | None
                if base_ref.ty.is_absorbing() || base_ref.ty.deref().is_some_and(Ty::is_absorbing) =>
            {
                return self.mk(TExpKind::Unit, Ty::Error, span);
            }
            _ => {
                let shown = self.show(base_ref.ty.deref().unwrap_or(&base_ref.ty));
                self.error(
                    Diagnostic::new(Code::NotAStruct, base.span, format!("`{shown}` has no fields"))
                        .with_label_message(format!("field `{}` accessed here", field.name)),
                );
                return self.mk(TExpKind::Unit, Ty::Error, span);
            }
        };
        let display = self.env.struct_display(strukt, Some(self.module()));
        if strukt.module != self.module() {
            self.error(
                Diagnostic::new(
                    Code::ForeignStructOperation,
                    field.span,
                    format!("cannot access field `{}` of `{display}`", field.name),
                )
                .with_label_message("field of a struct from another module")
                .with_note("fields are private to the module that declares the struct"),
            );
            return self.mk(TExpKind::Unit, Ty::Error, span);
        }
        let Some((index, info)) = self.env.strukt(strukt).and_then(|s| s.field(&field.name)) else {
            let fields: Vec<&str> =
                self.env.strukt(strukt).map(|s| s.fields.iter().map(|f| f.name.as_str()).collect()).unwrap_or_default();
            self.error(
                Diagnostic::new(
                    Code::UnknownField,
                    field.span,
                    format!("struct `{display}` has no field `{}`", field.name),
                )
                .with_label_message("unknown field")
                .with_did_you_mean(&field.name, fields),
            );
            return self.mk(TExpKind::Unit, Ty::Error, span);
        };
        let field_ty = info.ty.subst(&type_args);
        let ty = if mutable { Ty::MutRef(Box::new(field_ty)) } else { Ty::Ref(Box::new(field_ty)) };
        let field = FieldId { strukt, index: u16::try_from(index).unwrap_or(u16::MAX) };
        self.mk(TExpKind::BorrowField { mutable, base: Box::new(base_ref), field }, ty, span)
    }

    pub fn immutable_write(&mut self, span: Span, what: &str) {
        self.error(
            Diagnostic::new(Code::WriteThroughImmutable, span, format!("cannot {what} through a `&` reference"))
                .with_label_message("this is an immutable reference")
                .with_hint("take a `&mut` reference instead"),
        );
    }

    /// `lhs = rhs`.
    pub fn assign(&mut self, lhs: &LValue, rhs: &Expr, span: Span) -> TExp {
        match &lhs.kind {
            LValueKind::Local(name) => {
                let Some(local) = self.find_local(&name.name) else {
                    self.infer(rhs, None);
                    return self.mk(TExpKind::Unit, Ty::Error, span);
                };
                let ty = self.local_ty(local);
                let value = self.check(rhs, &ty);
                self.mk(TExpKind::Assign { target: TLValue::Local(local), value: Box::new(value) }, Ty::UNIT, span)
            }
            LValueKind::Field { base, field } => {
                let reference = self.field_ref(base, field, true, lhs.span);
                self.write_through(reference, rhs, span)
            }
            LValueKind::Deref(target) => {
                let reference = self.infer(target, None);
                match &reference.ty {
                    Ty::MutRef(_) | Ty::Never | Ty::Error => {}
                    Ty::Ref(_) => self.immutable_write(reference.span, "assign"),
                    other => {
                        let shown = self.show(other);
                        self.error(
                            Diagnostic::new(
                                Code::WriteThroughImmutable,
                                reference.span,
                                format!("cannot assign through `{shown}`"),
                            )
                            .with_label_message("not a `&mut` reference"),
                        );
                    }
                }
                self.write_through(reference, rhs, span)
            }
        }
    }

    /// `*reference = value`; the overwritten value is dropped, so its type
    /// needs `drop`.
    fn write_through(&mut self, reference: TExp, rhs: &Expr, span: Span) -> TExp {
        let target = reference.ty.deref().cloned().unwrap_or(Ty::Error);
        let value = self.check(rhs, &target);
        if !target.is_absorbing() && !target.abilities(self.env).has(Abilities::DROP) {
            let shown = self.show(&target);
            self.error(
                Diagnostic::new(Code::DropWithoutAbility, span, format!("assignment drops the old `{shown}` value"))
                    .with_label_message("the overwritten value lacks `drop`"),
            );
        }
        self.mk(TExpKind::Assign { target: TLValue::Ref(Box::new(reference)), value: Box::new(value) }, Ty::UNIT, span)
    }
}
