//! Expression printing: parenthesises exactly where the grammar needs it, plus
//! around every nested binary operator and cast (to show the grouping).

use std::fmt::Write;

use super::Printer;
use crate::ast::*;

/// How tightly an expression binds, as the grammar sees it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    /// `if`, `while`, `loop`, blocks, `return`, `abort`, assignment.
    Top,
    Binary,
    Cast,
    Unary,
    Postfix,
}

fn level(e: &Expr) -> Level {
    match &e.kind {
        ExprKind::If { .. }
        | ExprKind::While { .. }
        | ExprKind::Loop { .. }
        | ExprKind::Block(_)
        | ExprKind::Return(_)
        | ExprKind::Abort(_)
        | ExprKind::Assign { .. } => Level::Top,
        ExprKind::Binary { .. } => Level::Binary,
        ExprKind::Cast { .. } => Level::Cast,
        ExprKind::Unary { .. }
        | ExprKind::Borrow { .. }
        | ExprKind::Deref(_)
        | ExprKind::Move(_)
        | ExprKind::Copy(_) => Level::Unary,
        _ => Level::Postfix,
    }
}

/// True when the expression ends in an `if` without `else`, so an `else`
/// printed after it would attach to that inner `if`.
fn is_open(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::If { else_branch: None, .. } => true,
        ExprKind::If { else_branch: Some(e), .. } => is_open(e),
        ExprKind::Return(Some(e)) | ExprKind::Abort(e) => is_open(e),
        ExprKind::Assign { rhs, .. } => is_open(rhs),
        _ => false,
    }
}

/// Whether `op` occurs in `e` outside any bracket, parenthesis or brace the
/// printer writes (erring towards yes: through casts and unary operators too).
fn has_bare_op(e: &Expr, op: BinOp) -> bool {
    match &e.kind {
        ExprKind::Binary { op: o, lhs, rhs, .. } => *o == op || has_bare_op(lhs, op) || has_bare_op(rhs, op),
        ExprKind::If { then_branch, else_branch, .. } => {
            has_bare_op(then_branch, op) || else_branch.as_ref().is_some_and(|e| has_bare_op(e, op))
        }
        ExprKind::Return(Some(inner))
        | ExprKind::Abort(inner)
        | ExprKind::Cast { expr: inner, .. }
        | ExprKind::Unary { expr: inner, .. }
        | ExprKind::Borrow { expr: inner, .. }
        | ExprKind::Deref(inner)
        | ExprKind::Assign { rhs: inner, .. } => has_bare_op(inner, op),
        _ => false,
    }
}

fn is_bitwise(op: BinOp) -> bool {
    matches!(op, BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor | BinOp::Shl | BinOp::Shr)
}

fn is_comparison(op: BinOp) -> bool {
    matches!(op, BinOp::Eq | BinOp::Neq | BinOp::Lt | BinOp::Gt | BinOp::Le | BinOp::Ge)
}

impl Printer<'_> {
    pub(super) fn expr(&mut self, e: &Expr) {
        self.inline_comments(e.span.start);
        match &e.kind {
            ExprKind::Literal(lit) => self.literal(lit),
            ExprKind::Vector { elem_ty, elems } => {
                self.out.push_str("vector");
                if let Some(t) = elem_ty {
                    self.out.push('<');
                    self.ty(t);
                    self.out.push('>');
                }
                self.out.push('[');
                self.list(elems);
                self.out.push(']');
            }
            ExprKind::Name(p) => self.path(p),
            ExprKind::Move(n) => {
                let _ = write!(self.out, "move {}", n.name);
            }
            ExprKind::Copy(n) => {
                let _ = write!(self.out, "copy {}", n.name);
            }
            ExprKind::Call { func, type_args, args } => {
                self.path(func);
                if !type_args.is_empty() {
                    self.out.push('<');
                    self.comma(type_args, Self::ty);
                    self.out.push('>');
                }
                self.out.push('(');
                self.list(args);
                self.out.push(')');
            }
            ExprKind::Assert { cond, code } => {
                self.out.push_str("assert!(");
                self.list_pair(cond, code);
                self.out.push(')');
            }
            ExprKind::Pack { name, type_args, fields } => {
                self.path(name);
                self.type_args(type_args);
                self.out.push_str(" { ");
                self.comma(fields, |p, f| {
                    p.inline_comments(f.span.start);
                    p.out.push_str(&f.name.name);
                    if !f.shorthand {
                        p.out.push_str(": ");
                        p.expr(&f.value);
                    }
                });
                self.out.push_str(" }");
            }
            ExprKind::Field { base, field } => {
                self.operand(base, Level::Postfix);
                let _ = write!(self.out, ".{}", field.name);
            }
            ExprKind::Borrow { mutable, expr } => {
                self.out.push_str(if *mutable { "&mut " } else { "&" });
                // `& &x`, never `&&x` (which lexes as the `&&` operator).
                if !*mutable && matches!(expr.kind, ExprKind::Borrow { .. }) {
                    self.out.push(' ');
                }
                self.operand(expr, Level::Unary);
            }
            ExprKind::Deref(inner) => {
                self.out.push('*');
                self.operand(inner, Level::Unary);
            }
            ExprKind::Unary { op: UnOp::Not, expr, .. } => {
                self.out.push('!');
                self.operand(expr, Level::Unary);
            }
            ExprKind::Binary { op, lhs, rhs, .. } if self.trivia.is_some() => {
                self.binary_operand(lhs, *op, false);
                let _ = write!(self.out, " {} ", op.as_str());
                self.binary_operand(rhs, *op, true);
            }
            ExprKind::Binary { op, lhs, rhs, .. } => {
                self.operand(lhs, Level::Cast);
                let _ = write!(self.out, " {} ", op.as_str());
                self.operand(rhs, Level::Cast);
            }
            ExprKind::Cast { expr, ty, .. } => {
                self.operand(expr, Level::Unary);
                let _ = write!(self.out, " as {}", ty.as_str());
            }
            ExprKind::Unit => self.out.push_str("()"),
            ExprKind::Tuple(items) => {
                self.out.push('(');
                self.list(items);
                if items.len() == 1 {
                    self.out.push(',');
                }
                self.out.push(')');
            }
            ExprKind::Block(b) => self.block(b),
            ExprKind::If { cond, then_branch, else_branch } => {
                self.out.push_str("if (");
                self.expr(cond);
                self.out.push_str(") ");
                match else_branch {
                    Some(else_branch) => {
                        if is_open(then_branch) {
                            self.parenthesised(then_branch);
                        } else {
                            self.expr(then_branch);
                        }
                        self.out.push_str(" else ");
                        self.expr(else_branch);
                    }
                    None => self.expr(then_branch),
                }
            }
            ExprKind::While { cond, body } => {
                self.out.push_str("while (");
                self.expr(cond);
                self.out.push_str(") ");
                self.block(body);
            }
            ExprKind::Loop { body } => {
                self.out.push_str("loop ");
                self.block(body);
            }
            ExprKind::Break => self.out.push_str("break"),
            ExprKind::Continue => self.out.push_str("continue"),
            ExprKind::Return(value) => {
                self.out.push_str("return");
                if let Some(v) = value {
                    self.out.push(' ');
                    self.expr(v);
                }
            }
            ExprKind::Abort(code) => {
                self.out.push_str("abort ");
                self.expr(code);
            }
            ExprKind::Assign { lhs, rhs } => {
                match &lhs.kind {
                    LValueKind::Local(n) => self.out.push_str(&n.name),
                    LValueKind::Field { base, field } => {
                        self.operand(base, Level::Postfix);
                        let _ = write!(self.out, ".{}", field.name);
                    }
                    LValueKind::Deref(inner) => {
                        self.out.push('*');
                        self.operand(inner, Level::Unary);
                    }
                }
                self.out.push_str(" = ");
                self.expr(rhs);
            }
            ExprKind::Error => self.out.push_str("<error>"),
        }
    }

    /// Prints `e` where the grammar needs at least `min` binding strength.
    /// Binary operands ask for `Cast`, so nested binary operators get parentheses.
    fn operand(&mut self, e: &Expr, min: Level) {
        if level(e) < min || (min == Level::Cast && level(e) == Level::Cast) {
            self.parenthesised(e);
        } else {
            self.expr(e);
        }
    }

    /// An operand of `op` in a formatted file: parenthesised where the
    /// grammar needs it (every operator groups to the left, so a right operand
    /// of equal precedence needs parentheses), for a comparison inside a
    /// comparison (`(a < b) == c` reads better than `a < b == c`, and a `<`
    /// and a `>` at one level could read as type arguments: `a < b & c > (d)`),
    /// and for any other operator inside a bitwise or shift operator, whose
    /// precedences few readers know (`(a << 2) | 1`, `x & (y + 1)`).
    fn binary_operand(&mut self, e: &Expr, op: BinOp, right: bool) {
        let needed = match &e.kind {
            ExprKind::Binary { op: inner_op, .. } => {
                let (outer, inner) = (op.precedence(), inner_op.precedence());
                inner < outer
                    || (right && inner == outer)
                    || (inner == outer && is_comparison(op))
                    || (is_bitwise(op) && *inner_op != op)
            }
            _ => level(e) < Level::Cast,
        };
        if needed {
            self.parenthesised(e);
        } else {
            self.expr(e);
        }
    }

    /// An element of a comma-separated list. `f(a < b, c > (d))` would read as a
    /// generic call `a<b, c>(d)` (as in Rust and Move), so `<`/`>` comparisons in
    /// lists are parenthesised, and so are top-level forms that may end in one
    /// (`return a < b`).
    fn list(&mut self, items: &[Expr]) {
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.out.push_str(", ");
            }
            if self.trivia.is_some() {
                let later_gt = items[i + 1..].iter().any(|e| has_bare_op(e, BinOp::Gt));
                self.formatted_list_elem(item, later_gt);
            } else {
                self.list_elem(item);
            }
        }
    }

    fn list_pair(&mut self, first: &Expr, second: &Expr) {
        if self.trivia.is_some() {
            self.formatted_list_elem(first, has_bare_op(second, BinOp::Gt));
            self.out.push_str(", ");
            self.formatted_list_elem(second, false);
        } else {
            self.list_elem(first);
            self.out.push_str(", ");
            self.list_elem(second);
        }
    }

    /// A list element in a formatted file: parenthesised only when it holds
    /// a `<` outside brackets and a later element a `>`, the one case where
    /// the two could read as type arguments (`f(a < b, c > (d))`); so
    /// `assert!(x < max, E)` stays as written.
    fn formatted_list_elem(&mut self, e: &Expr, later_gt: bool) {
        if later_gt && has_bare_op(e, BinOp::Lt) {
            self.parenthesised(e);
        } else {
            self.expr(e);
        }
    }

    fn list_elem(&mut self, e: &Expr) {
        if matches!(e.kind, ExprKind::Binary { op: BinOp::Lt | BinOp::Gt, .. }) || level(e) == Level::Top {
            self.parenthesised(e);
        } else {
            self.expr(e);
        }
    }

    fn parenthesised(&mut self, e: &Expr) {
        // Comments before the expression go before its `(`: a parenthesised
        // expression's span covers its parentheses, so that is where the
        // formatted file's comments will be found again.
        self.inline_comments(e.span.start);
        self.out.push('(');
        self.expr(e);
        self.out.push(')');
    }

    pub(super) fn literal(&mut self, lit: &Literal) {
        match lit {
            Literal::Bool(b) => {
                let _ = write!(self.out, "{b}");
            }
            Literal::Int { value, suffix } => {
                let _ = write!(self.out, "{value}{}", suffix.map_or("", IntType::as_str));
            }
            Literal::Address(a) => {
                let _ = write!(self.out, "@{a}");
            }
            Literal::Bytes { bytes, hex: true } => {
                self.out.push_str("x\"");
                for b in bytes {
                    let _ = write!(self.out, "{b:02x}");
                }
                self.out.push('"');
            }
            Literal::Bytes { bytes, hex: false } => {
                self.out.push_str("b\"");
                for &b in bytes {
                    match b {
                        b'\n' => self.out.push_str("\\n"),
                        b'\r' => self.out.push_str("\\r"),
                        b'\t' => self.out.push_str("\\t"),
                        0 => self.out.push_str("\\0"),
                        b'\\' => self.out.push_str("\\\\"),
                        b'"' => self.out.push_str("\\\""),
                        0x20..=0x7e => self.out.push(b as char),
                        _ => {
                            let _ = write!(self.out, "\\x{b:02x}");
                        }
                    }
                }
                self.out.push('"');
            }
        }
    }
}
