//! Operators: integer inference across operands, arithmetic, comparisons
//! and logic.

use crate::ast::{BinOp, Expr, ExprKind, Literal};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;

use super::func::FunChecker;
use super::tir::{TExp, TExpKind};
use super::ty::Ty;

impl FunChecker<'_> {
    pub(super) fn binary(
        &mut self,
        op: BinOp,
        op_span: Span,
        lhs: &Expr,
        rhs: &Expr,
        hint: Option<&Ty>,
        span: Span,
    ) -> TExp {
        use BinOp::*;
        let (lhs, rhs, ty) = match op {
            And | Or => (self.check(lhs, &Ty::Bool), self.check(rhs, &Ty::Bool), Ty::Bool),
            Shl | Shr => {
                let lhs = self.infer(lhs, hint.filter(|h| h.is_integer()));
                self.require_integer(&lhs, op, op_span);
                let rhs = self.check(rhs, &Ty::U8);
                let ty = lhs.ty.clone();
                (lhs, rhs, ty)
            }
            Add | Sub | Mul | Div | Mod | BitAnd | BitOr | BitXor => {
                let (lhs, rhs) = self.same_type_operands(lhs, rhs, hint.filter(|h| h.is_integer()));
                self.require_integer(&lhs, op, op_span);
                let ty = if lhs.ty == Ty::Never {
                    rhs.ty.clone()
                } else if !Self::fits(&rhs.ty, &lhs.ty) || !(lhs.ty.is_integer() || lhs.ty.is_absorbing()) {
                    // Already reported: do not report the result's type again.
                    Ty::Error
                } else {
                    lhs.ty.clone()
                };
                (lhs, rhs, ty)
            }
            Lt | Gt | Le | Ge => {
                let (lhs, rhs) = self.same_type_operands(lhs, rhs, None);
                self.require_integer(&lhs, op, op_span);
                (lhs, rhs, Ty::Bool)
            }
            Eq | Neq => {
                let (lhs, rhs) = self.same_type_operands(lhs, rhs, None);
                let operand = if lhs.ty == Ty::Never { rhs.ty.clone() } else { lhs.ty.clone() };
                if matches!(operand, Ty::Tuple(_)) {
                    self.error(Diagnostic::new(Code::InvalidOperand, lhs.span, "tuples cannot be compared"));
                } else {
                    self.require_ability(
                        &operand,
                        resin_format::file_format::Abilities::DROP,
                        "drop",
                        op_span,
                        "comparing consumes both operands",
                    );
                }
                (lhs, rhs, Ty::Bool)
            }
        };
        self.mk(TExpKind::Binary { op, lhs: Box::new(lhs), rhs: Box::new(rhs) }, ty, span)
    }

    fn require_integer(&mut self, operand: &TExp, op: BinOp, op_span: Span) {
        if operand.ty.is_integer() || operand.ty.is_absorbing() {
            return;
        }
        let shown = self.show(&operand.ty);
        self.error(
            Diagnostic::new(
                Code::InvalidOperand,
                operand.span,
                format!("`{}` needs integer operands, found `{shown}`", op.as_str()),
            )
            .with_secondary(op_span, "operator"),
        );
    }

    /// Both operands of one type. An operand made only of untyped literals
    /// takes its type from the other one, whichever side it is on.
    fn same_type_operands(&mut self, lhs: &Expr, rhs: &Expr, hint: Option<&Ty>) -> (TExp, TExp) {
        if is_flexible(lhs) && !is_flexible(rhs) {
            let rhs = self.infer(rhs, hint);
            let lhs = self.check(lhs, &operand_type(&rhs.ty));
            return (lhs, rhs);
        }
        let lhs = self.infer(lhs, hint);
        let rhs = if lhs.ty == Ty::Never { self.infer(rhs, hint) } else { self.check(rhs, &operand_type(&lhs.ty)) };
        (lhs, rhs)
    }
}

/// The type the other operand must have (a diverging operand imposes nothing).
fn operand_type(ty: &Ty) -> Ty {
    if *ty == Ty::Never {
        Ty::Error
    } else {
        ty.clone()
    }
}

/// An expression whose type comes from its context: an unsuffixed integer
/// literal, or arithmetic over such.
pub fn is_flexible(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Literal(Literal::Int { suffix: None, .. }) => true,
        ExprKind::Binary { op, lhs, rhs, .. } => match op {
            BinOp::Add
            | BinOp::Sub
            | BinOp::Mul
            | BinOp::Div
            | BinOp::Mod
            | BinOp::BitAnd
            | BinOp::BitOr
            | BinOp::BitXor => is_flexible(lhs) && is_flexible(rhs),
            BinOp::Shl | BinOp::Shr => is_flexible(lhs),
            _ => false,
        },
        _ => false,
    }
}
