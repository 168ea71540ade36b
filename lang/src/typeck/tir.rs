//! The typed IR: the checked form of a function body. Every name is resolved
//! to an id, every expression has its type, implicit operations (copy or move
//! of a local, auto-borrow of a field, freezing `&mut` to `&`) are explicit,
//! and `assert!` is lowered to `if`/`abort`. The linearity pass and codegen
//! both read it.

use resin_format::file_format::AccountAddress;

use crate::ast::{BinOp, IntType};
use crate::resolve::env::{FunId, StructId, WrittenAccess};
use crate::resolve::scope::Builtin;
use crate::source::Span;

use super::ty::Ty;

/// A local of one function: parameters first, then `let` bindings and temporaries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LocalId(pub u32);

impl LocalId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalDecl {
    pub name: String,
    pub ty: Ty,
    pub span: Span,
    pub is_param: bool,
    /// Introduced by the compiler (for `&f()` or out-of-order struct fields).
    pub is_temp: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TFunction {
    pub id: FunId,
    pub name: String,
    pub locals: Vec<LocalDecl>,
    pub param_count: usize,
    pub returns: Vec<Ty>,
    pub body: TBlock,
    pub written_access: Option<Vec<WrittenAccess>>,
    pub span: Span,
    /// Where the body ends (its closing brace), for "dropped here" labels.
    pub end_span: Span,
    /// Where each local is read, in evaluation order (filled by [`super::number`]).
    pub uses: super::number::Uses,
    /// Where reference locals die (filled by [`super::liveness`]).
    pub liveness: super::liveness::RefLiveness,
    /// Positions of copies of a local made while a reference into it may be
    /// live (filled by [`super::flow`]): codegen must not turn them into
    /// moves, even at the local's last direct read.
    pub borrowed_reads: std::collections::HashSet<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TModule {
    pub functions: Vec<TFunction>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TBlock {
    pub stmts: Vec<TStmt>,
    pub tail: Option<Box<TExp>>,
    /// Locals declared directly in this block (their scope ends with it).
    pub scope: Vec<LocalId>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TStmt {
    Let { pattern: TPattern, init: Option<TExp>, span: Span },
    Expr(TExp),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TPattern {
    Bind(LocalId, Span),
    /// `_`: the value is dropped (its type must have `drop`).
    Wildcard(Ty, Span),
    Tuple(Vec<TPattern>, Span),
    /// Unpacks a struct; one sub-pattern per field, in declaration order.
    Unpack {
        strukt: StructId,
        /// The instance's type arguments (empty for a non-generic struct).
        type_args: Vec<Ty>,
        fields: Vec<TPattern>,
        span: Span,
    },
}

/// A field of a struct of the module being compiled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FieldId {
    pub strukt: StructId,
    pub index: u16,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TExp {
    pub kind: TExpKind,
    pub ty: Ty,
    pub span: Span,
    /// Position in evaluation order (post-order), assigned by
    /// [`super::number`]; the borrow check uses it to tell whether a
    /// reference is still used after a point.
    pub pos: u32,
    /// The smallest position inside this expression.
    pub first: u32,
}

impl TBlock {
    /// Calls `f` on every expression of the block in evaluation order, each
    /// after the expressions inside it.
    pub fn for_each_exp<'a>(&'a self, f: &mut impl FnMut(&'a TExp)) {
        for stmt in &self.stmts {
            match stmt {
                TStmt::Let { init: Some(e), .. } | TStmt::Expr(e) => e.for_each_exp(f),
                TStmt::Let { init: None, .. } => {}
            }
        }
        if let Some(tail) = &self.tail {
            tail.for_each_exp(f);
        }
    }
}

impl TExp {
    /// Calls `f` on every expression inside this one in evaluation order,
    /// then on this one.
    pub fn for_each_exp<'a>(&'a self, f: &mut impl FnMut(&'a TExp)) {
        match &self.kind {
            TExpKind::Unit
            | TExpKind::Value(_)
            | TExpKind::Constant(_)
            | TExpKind::Copy(_)
            | TExpKind::Move(_)
            | TExpKind::BorrowLocal { .. }
            | TExpKind::Break
            | TExpKind::Continue => {}
            TExpKind::BorrowField { base: inner, .. }
            | TExpKind::ReadRef(inner)
            | TExpKind::Freeze(inner)
            | TExpKind::Not(inner)
            | TExpKind::Cast { expr: inner, .. }
            | TExpKind::Return(inner)
            | TExpKind::Abort(inner) => inner.for_each_exp(f),
            TExpKind::Vector { elems: items, .. }
            | TExpKind::Call { args: items, .. }
            | TExpKind::Builtin { args: items, .. }
            | TExpKind::Tuple(items) => items.iter().for_each(|e| e.for_each_exp(f)),
            TExpKind::Pack { fields, .. } => fields.iter().for_each(|(_, e)| e.for_each_exp(f)),
            TExpKind::Binary { lhs, rhs, .. } => {
                lhs.for_each_exp(f);
                rhs.for_each_exp(f);
            }
            TExpKind::Block(block) => block.for_each_exp(f),
            TExpKind::If { cond, then_branch, else_branch } => {
                cond.for_each_exp(f);
                then_branch.for_each_exp(f);
                if let Some(e) = else_branch {
                    e.for_each_exp(f);
                }
            }
            TExpKind::While { cond, body } => {
                cond.for_each_exp(f);
                body.for_each_exp(f);
            }
            TExpKind::Loop { body } => body.for_each_exp(f),
            TExpKind::Assign { target, value } => {
                value.for_each_exp(f);
                if let TLValue::Ref(r) = target {
                    r.for_each_exp(f);
                }
            }
        }
        f(self);
    }

    /// The reference under a `Freeze`: instructions that only read take
    /// either kind of reference, so codegen (and the borrow check, which
    /// follows it) skips the freeze there.
    pub fn unfrozen(&self) -> &TExp {
        match &self.kind {
            TExpKind::Freeze(inner) => inner,
            _ => self,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Bool(bool),
    Int(crate::ast::U256, IntType),
    Address(AccountAddress),
    Bytes(Vec<u8>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TExpKind {
    Unit,
    Value(Value),
    /// A constant of this module, by index.
    Constant(u32),
    /// Copy a local (its type has `copy`).
    Copy(LocalId),
    /// Move a local, leaving it empty.
    Move(LocalId),
    BorrowLocal {
        mutable: bool,
        local: LocalId,
    },
    /// Borrow a field through a reference to the struct.
    BorrowField {
        mutable: bool,
        base: Box<TExp>,
        field: FieldId,
    },
    /// Copy the referenced value.
    ReadRef(Box<TExp>),
    /// `&mut T` used as `&T`.
    Freeze(Box<TExp>),
    Vector {
        elem: Ty,
        elems: Vec<TExp>,
    },
    /// Fields in source order with their declaration index; the instance's
    /// type arguments are those of the expression's type.
    Pack {
        strukt: StructId,
        fields: Vec<(u16, TExp)>,
    },
    Call {
        fun: FunId,
        /// The callee's type arguments, inferred or written (empty when the
        /// callee is not generic).
        type_args: Vec<Ty>,
        args: Vec<TExp>,
    },
    /// A builtin; `arg_ty` is its type argument (the resource or element type).
    Builtin {
        builtin: Builtin,
        arg_ty: Ty,
        args: Vec<TExp>,
    },
    Not(Box<TExp>),
    Binary {
        op: BinOp,
        lhs: Box<TExp>,
        rhs: Box<TExp>,
    },
    Cast {
        to: IntType,
        expr: Box<TExp>,
    },
    Tuple(Vec<TExp>),
    Block(TBlock),
    If {
        cond: Box<TExp>,
        then_branch: Box<TExp>,
        else_branch: Option<Box<TExp>>,
    },
    While {
        cond: Box<TExp>,
        body: TBlock,
    },
    Loop {
        body: TBlock,
    },
    Break,
    Continue,
    Return(Box<TExp>),
    Abort(Box<TExp>),
    Assign {
        target: TLValue,
        value: Box<TExp>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TLValue {
    /// `x = e`: stores into a local (an old value there must have `drop`).
    Local(LocalId),
    /// `*r = e` or `s.f = e`: writes through a `&mut` reference.
    Ref(Box<TExp>),
}
