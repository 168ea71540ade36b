//! Constant values: literals (and vectors of literals) of a copyable
//! primitive type, checked against the declared type.

use resin_format::file_format::ConstValue;

use crate::ast::{Expr, ExprKind, Literal};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::typeck::ty::Ty;

/// Whether values of `ty` can be constants: primitives and vectors of them.
pub fn is_constant_type(ty: &Ty) -> bool {
    match ty {
        Ty::Bool | Ty::Address => true,
        int if int.is_integer() => true,
        Ty::Vector(inner) => is_constant_type(inner),
        _ => false,
    }
}

/// The value of a constant declared with type `ty` (written at `ty_span`).
/// `None` after reporting why it is not a constant of that type.
pub fn evaluate(expr: &Expr, ty: &Ty, ty_span: Span, diags: &mut Vec<Diagnostic>) -> Option<ConstValue> {
    if *ty == Ty::Error {
        return None;
    }
    if !is_constant_type(ty) {
        diags.push(
            Diagnostic::new(Code::InvalidConstantType, ty_span, "invalid constant type")
                .with_label_message("not a primitive type or a vector of primitives")
                .with_note("constants hold `bool`, integers, `address` or vectors of them"),
        );
        return None;
    }
    match value(expr, ty) {
        Ok(v) => Some(v),
        Err(diag) => {
            diags.push(diag);
            None
        }
    }
}

fn mismatch(span: Span, expected: &Ty, found: &str) -> Diagnostic {
    let expected = match expected {
        Ty::Bool => "bool".to_string(),
        Ty::U8 => "u8".to_string(),
        Ty::U64 => "u64".to_string(),
        Ty::U128 => "u128".to_string(),
        Ty::U16 => "u16".to_string(),
        Ty::U32 => "u32".to_string(),
        Ty::U256 => "u256".to_string(),
        Ty::Address => "address".to_string(),
        _ => "a vector".to_string(),
    };
    Diagnostic::new(Code::TypeMismatch, span, format!("mismatched types: expected `{expected}`, found {found}"))
        .with_label_message(format!("expected `{expected}`"))
}

fn value(expr: &Expr, ty: &Ty) -> Result<ConstValue, Diagnostic> {
    match (&expr.kind, ty) {
        (ExprKind::Literal(Literal::Bool(b)), Ty::Bool) => Ok(ConstValue::Bool(*b)),
        (ExprKind::Literal(Literal::Address(a)), Ty::Address) => Ok(ConstValue::Address(*a)),
        (ExprKind::Literal(Literal::Int { value, suffix }), int_ty) if int_ty.is_integer() => {
            let Some(int) = int_ty.as_int() else { return Err(mismatch(expr.span, ty, "an integer")) };
            if let Some(suffix) = suffix {
                if *suffix != int {
                    return Err(mismatch(expr.span, ty, &format!("`{}`", suffix.as_str())));
                }
            }
            if *value > int.max() {
                return Err(out_of_range(expr.span, *value, int.as_str(), int.max()));
            }
            // In range (checked above), so each narrowing is exact.
            let narrow = u128::try_from(*value).unwrap_or(u128::MAX);
            Ok(match int {
                crate::ast::IntType::U8 => ConstValue::U8(narrow as u8),
                crate::ast::IntType::U16 => ConstValue::U16(narrow as u16),
                crate::ast::IntType::U32 => ConstValue::U32(narrow as u32),
                crate::ast::IntType::U64 => ConstValue::U64(narrow as u64),
                crate::ast::IntType::U128 => ConstValue::U128(narrow),
                crate::ast::IntType::U256 => ConstValue::U256(*value),
            })
        }
        (ExprKind::Literal(Literal::Bytes { bytes, .. }), Ty::Vector(inner)) if **inner == Ty::U8 => {
            Ok(ConstValue::Vector(bytes.iter().map(|b| ConstValue::U8(*b)).collect()))
        }
        (ExprKind::Vector { elems, .. }, Ty::Vector(inner)) => {
            elems.iter().map(|e| value(e, inner)).collect::<Result<Vec<_>, _>>().map(ConstValue::Vector)
        }
        (ExprKind::Literal(lit), _) => {
            let found = match lit {
                Literal::Bool(_) => "`bool`",
                Literal::Int { .. } => "an integer",
                Literal::Address(_) => "`address`",
                Literal::Bytes { .. } => "`vector<u8>`",
            };
            Err(mismatch(expr.span, ty, found))
        }
        (ExprKind::Vector { .. }, _) => Err(mismatch(expr.span, ty, "a vector")),
        _ => Err(Diagnostic::new(Code::NonConstantExpression, expr.span, "constant value is not a literal")
            .with_label_message("not a literal")
            .with_note("a constant's value is a literal, or a vector of literals")),
    }
}

/// An integer literal that does not fit the type its context gives it.
pub fn out_of_range(span: Span, value: crate::ast::U256, ty: &str, max: crate::ast::U256) -> Diagnostic {
    Diagnostic::new(Code::LiteralOutOfRange, span, format!("integer literal `{value}` does not fit in `{ty}`"))
        .with_label_message(format!("`{ty}` holds values up to {max}"))
}
