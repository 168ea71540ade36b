//! Checking expressions: literals (with integer inference), names,
//! operators, casts, vectors, struct literals and control flow.

use crate::ast::{Expr, ExprKind, Ident, IntType, Literal, UnOp};
use crate::diagnostics::{Code, Diagnostic};
use crate::limits;
use crate::resolve::consts::out_of_range;
use crate::resolve::types::{resolve_type, TypeContext};
use crate::source::Span;

use super::func::FunChecker;
use super::tir::{TExp, TExpKind, Value};
use super::ty::Ty;

impl FunChecker<'_> {
    /// Checks `expr` and fits it to `expected`.
    pub fn check(&mut self, expr: &Expr, expected: &Ty) -> TExp {
        let exp = self.infer(expr, Some(expected));
        self.coerce(exp, expected)
    }

    /// Checks `expr`; `hint` is the type the context would like (used to type
    /// untyped integer literals and empty vectors), not yet enforced.
    pub fn infer(&mut self, expr: &Expr, hint: Option<&Ty>) -> TExp {
        let mut exp = self.infer_unlimited(expr, hint);
        // A vector literal or a borrow can build a type deeper than the
        // bytecode allows; say so here, where it is built (once: an error type
        // absorbs the enclosing ones).
        if let Some(diag) = limits::type_too_deep(&exp.ty, exp.span, |t| self.show(t)) {
            self.error(diag);
            exp.ty = Ty::Error;
        }
        exp
    }

    fn infer_unlimited(&mut self, expr: &Expr, hint: Option<&Ty>) -> TExp {
        let span = expr.span;
        match &expr.kind {
            ExprKind::Literal(lit) => self.literal(lit, hint, span),
            ExprKind::Vector { elem_ty, elems } => self.vector(elem_ty.as_ref(), elems, hint, span),
            ExprKind::Name(path) => {
                if let Some(local) = path.as_single().and_then(|n| self.find_local(&n.name)) {
                    return self.use_local(local, span);
                }
                match self.lookup.constant(path) {
                    Ok(index) => {
                        let ty = self
                            .env
                            .module(self.module())
                            .and_then(|m| m.constants.get(index as usize))
                            .map_or(Ty::Error, |c| c.ty.clone());
                        self.mk(TExpKind::Constant(index), ty, span)
                    }
                    Err(_) => self.mk(TExpKind::Unit, Ty::Error, span),
                }
            }
            ExprKind::Move(name) => match self.find_local(&name.name) {
                Some(local) => {
                    self.mark_used(local);
                    let ty = self.local_ty(local);
                    self.mk(TExpKind::Move(local), ty, span)
                }
                None => self.mk(TExpKind::Unit, Ty::Error, span),
            },
            ExprKind::Copy(name) => self.copy_local(name, span),
            ExprKind::Call { func, type_args, args } => self.call(func, type_args, args, hint, span),
            ExprKind::Assert { cond, code } => {
                let cond = self.check(cond, &Ty::Bool);
                let code = self.check(code, &Ty::U64);
                // The abort is the assert's: a failed assert's source
                // position is where the assert starts.
                let abort = self.mk(TExpKind::Abort(Box::new(code)), Ty::Never, span);
                let then_branch = self.unit(span);
                let kind = TExpKind::If {
                    cond: Box::new(cond),
                    then_branch: Box::new(then_branch),
                    else_branch: Some(Box::new(abort)),
                };
                self.mk(kind, Ty::UNIT, span)
            }
            ExprKind::Pack { name, type_args, fields } => self.pack(name, type_args, fields, hint, span),
            ExprKind::Field { base, field } => self.field_read(base, field, span),
            ExprKind::Borrow { mutable, expr } => self.borrow(*mutable, expr, span),
            ExprKind::Deref(inner) => {
                let inner = self.infer(inner, None);
                self.read_through(inner, span)
            }
            ExprKind::Unary { op: UnOp::Not, expr, .. } => {
                let inner = self.check(expr, &Ty::Bool);
                self.mk(TExpKind::Not(Box::new(inner)), Ty::Bool, span)
            }
            ExprKind::Binary { op, op_span, lhs, rhs } => self.binary(*op, *op_span, lhs, rhs, hint, span),
            ExprKind::Cast { expr, ty, .. } => {
                let inner = self.infer(expr, None);
                if !inner.ty.is_integer() && !inner.ty.is_absorbing() {
                    let shown = self.show(&inner.ty);
                    self.error(
                        Diagnostic::new(
                            Code::InvalidOperand,
                            inner.span,
                            format!("cannot cast `{shown}` to `{}`", ty.as_str()),
                        )
                        .with_label_message("only integers can be cast"),
                    );
                }
                self.mk(TExpKind::Cast { to: *ty, expr: Box::new(inner) }, Ty::int(*ty), span)
            }
            ExprKind::Unit => self.unit(span),
            ExprKind::Tuple(items) => self.tuple(items, hint, span),
            ExprKind::Block(block) => {
                let block = self.block(block, hint);
                let ty = block.1;
                self.mk(TExpKind::Block(block.0), ty, span)
            }
            ExprKind::If { cond, then_branch, else_branch } => {
                self.if_expr(cond, then_branch, else_branch.as_deref(), hint, span)
            }
            ExprKind::While { cond, body } => {
                let cond = self.check(cond, &Ty::Bool);
                self.loops.push(false);
                let (body, _) = self.block_unit(body);
                self.loops.pop();
                self.mk(TExpKind::While { cond: Box::new(cond), body }, Ty::UNIT, span)
            }
            ExprKind::Loop { body } => {
                self.loops.push(false);
                let (body, _) = self.block_unit(body);
                let breaks = self.loops.pop().unwrap_or(false);
                self.mk(TExpKind::Loop { body }, if breaks { Ty::UNIT } else { Ty::Never }, span)
            }
            ExprKind::Break | ExprKind::Continue => {
                let is_break = matches!(expr.kind, ExprKind::Break);
                match self.loops.last_mut() {
                    Some(breaks) => *breaks |= is_break,
                    None => {
                        let word = if is_break { "break" } else { "continue" };
                        self.error(
                            Diagnostic::new(Code::LoopControlOutsideLoop, span, format!("`{word}` outside of a loop"))
                                .with_label_message("not inside `while` or `loop`"),
                        );
                    }
                }
                let kind = if is_break { TExpKind::Break } else { TExpKind::Continue };
                self.mk(kind, Ty::Never, span)
            }
            ExprKind::Return(value) => self.return_expr(value.as_deref(), span),
            ExprKind::Abort(code) => {
                let code = self.check(code, &Ty::U64);
                self.mk(TExpKind::Abort(Box::new(code)), Ty::Never, span)
            }
            ExprKind::Assign { lhs, rhs } => self.assign(lhs, rhs, span),
            ExprKind::Error => self.mk(TExpKind::Unit, Ty::Error, span),
        }
    }

    /// A read of a local by name: a copy when its type has `copy`, else a move.
    pub fn use_local(&mut self, local: crate::typeck::tir::LocalId, span: Span) -> TExp {
        self.mark_used(local);
        let ty = self.local_ty(local);
        let kind = if ty.has_copy(self.env) { TExpKind::Copy(local) } else { TExpKind::Move(local) };
        self.mk(kind, ty, span)
    }

    fn literal(&mut self, lit: &Literal, hint: Option<&Ty>, span: Span) -> TExp {
        match lit {
            Literal::Bool(b) => self.mk(TExpKind::Value(Value::Bool(*b)), Ty::Bool, span),
            Literal::Address(a) => self.mk(TExpKind::Value(Value::Address(*a)), Ty::Address, span),
            Literal::Bytes { bytes, .. } => {
                self.mk(TExpKind::Value(Value::Bytes(bytes.clone())), Ty::Vector(Box::new(Ty::U8)), span)
            }
            Literal::Int { value, suffix } => {
                let expected = suffix.or_else(|| hint.and_then(Ty::as_int));
                let int = expected.unwrap_or(IntType::U64);
                if *value > int.max() {
                    let diag = out_of_range(span, *value, int.as_str(), int.max());
                    // Nothing asked for u64: a suffix picks a wider type.
                    self.error(match expected {
                        None => diag.with_hint("add a `u128` or `u256` suffix for larger values"),
                        Some(_) => diag,
                    });
                }
                self.mk(TExpKind::Value(Value::Int(*value, int)), Ty::int(int), span)
            }
        }
    }

    fn vector(&mut self, elem_ty: Option<&crate::ast::Type>, elems: &[Expr], hint: Option<&Ty>, span: Span) -> TExp {
        let mut diags = Vec::new();
        let written = elem_ty.map(|t| resolve_type(self.lookup, t, TypeContext::TypeArg, &mut diags));
        self.diags.extend(diags);
        let hinted = match hint {
            Some(Ty::Vector(inner)) => Some((**inner).clone()),
            _ => None,
        };
        let mut elem = written.or(hinted);
        let mut out = Vec::with_capacity(elems.len());
        for e in elems {
            let exp = match &elem {
                Some(t) => self.check(e, t),
                None => {
                    let exp = self.infer(e, None);
                    if !exp.ty.is_absorbing() {
                        elem = Some(exp.ty.clone());
                    }
                    exp
                }
            };
            out.push(exp);
        }
        if let Some(diag) = limits::vector_literal_too_long(elems.len(), span) {
            self.error(diag);
        }
        let elem = match elem {
            Some(t) => t,
            None if elems.is_empty() => {
                self.error(
                    Diagnostic::new(Code::CannotInfer, span, "cannot infer the element type of an empty vector")
                        .with_hint("write `vector<T>[]`"),
                );
                Ty::Error
            }
            None => Ty::Never,
        };
        self.check_element_type(&elem, span);
        let ty = Ty::Vector(Box::new(elem.clone()));
        self.mk(TExpKind::Vector { elem, elems: out }, ty, span)
    }

    /// Vectors hold single values, never references or tuples.
    pub fn check_element_type(&mut self, elem: &Ty, span: Span) {
        if elem.is_reference() {
            self.error(
                Diagnostic::new(Code::ReferenceInStruct, span, "vectors cannot hold references")
                    .with_label_message(format!("element type `{}`", self.show(elem))),
            );
        } else if matches!(elem, Ty::Tuple(_)) {
            self.error(Diagnostic::new(Code::TupleMisuse, span, "vectors cannot hold tuples"));
        }
    }

    fn if_expr(
        &mut self,
        cond: &Expr,
        then_branch: &Expr,
        else_branch: Option<&Expr>,
        hint: Option<&Ty>,
        span: Span,
    ) -> TExp {
        let cond = self.check(cond, &Ty::Bool);
        let Some(else_branch) = else_branch else {
            let then_branch = self.check(then_branch, &Ty::UNIT);
            let kind = TExpKind::If { cond: Box::new(cond), then_branch: Box::new(then_branch), else_branch: None };
            return self.mk(kind, Ty::UNIT, span);
        };
        let then_exp = self.infer(then_branch, hint);
        let (then_exp, else_exp, ty) = if then_exp.ty == Ty::Never {
            let else_exp = self.infer(else_branch, hint);
            let ty = else_exp.ty.clone();
            (then_exp, else_exp, ty)
        } else {
            let ty = match hint {
                Some(h) if Self::fits(&then_exp.ty, h) && !h.is_absorbing() => h.clone(),
                _ => then_exp.ty.clone(),
            };
            let then_exp = self.coerce(then_exp, &ty);
            let else_exp = self.check(else_branch, &ty);
            (then_exp, else_exp, ty)
        };
        let kind = TExpKind::If {
            cond: Box::new(cond),
            then_branch: Box::new(then_exp),
            else_branch: Some(Box::new(else_exp)),
        };
        self.mk(kind, ty, span)
    }
}

impl FunChecker<'_> {
    // The arms below live outside `infer_unlimited` to keep its stack frame
    // small: it recurses once per level of a nested expression.

    fn copy_local(&mut self, name: &Ident, span: Span) -> TExp {
        match self.find_local(&name.name) {
            Some(local) => {
                self.mark_used(local);
                let ty = self.local_ty(local);
                if !ty.has_copy(self.env) {
                    let shown = self.show(&ty);
                    self.error(
                        Diagnostic::new(
                            Code::CopyWithoutAbility,
                            span,
                            format!("cannot copy `{}`: `{shown}` does not have `copy`", name.name),
                        )
                        .with_label_message("copied here")
                        .with_hint("use `move` to transfer the value instead"),
                    );
                }
                self.mk(TExpKind::Copy(local), ty, span)
            }
            None => self.mk(TExpKind::Unit, Ty::Error, span),
        }
    }

    fn tuple(&mut self, items: &[Expr], hint: Option<&Ty>, span: Span) -> TExp {
        let hints: Vec<Ty> = match hint {
            Some(Ty::Tuple(h)) if h.len() == items.len() => h.clone(),
            _ => Vec::new(),
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let exp = match hints.get(i) {
                Some(h) => self.check(item, h),
                None => self.infer(item, None),
            };
            if let Ty::Tuple(inner) = &exp.ty {
                let shown = self.show(&exp.ty);
                if inner.len() != 1 {
                    self.error(Diagnostic::new(
                        Code::TupleMisuse,
                        exp.span,
                        format!("a tuple cannot contain `{shown}`"),
                    ));
                }
            }
            out.push(exp);
        }
        let ty = Ty::Tuple(out.iter().map(|e| e.ty.clone()).collect());
        self.mk(TExpKind::Tuple(out), ty, span)
    }

    fn return_expr(&mut self, value: Option<&Expr>, span: Span) -> TExp {
        let expected = self.return_ty.clone();
        let value = match value {
            Some(v) => self.check(v, &expected),
            None => {
                if !expected.is_unit() && !expected.is_absorbing() {
                    let shown = self.show(&expected);
                    self.error(
                        Diagnostic::new(Code::ReturnMismatch, span, format!("missing return value of type `{shown}`"))
                            .with_label_message("`return` without a value"),
                    );
                }
                self.unit(span)
            }
        };
        self.mk(TExpKind::Return(Box::new(value)), Ty::Never, span)
    }
}
