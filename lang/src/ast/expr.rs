//! Statements, expressions, patterns and literals (re-exported by [`crate::ast`]).

use super::{AccountAddress, Ident, IntType, Path, Span, Type, U256};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Literal {
    Bool(bool),
    /// `value` fits the suffix (or `u64` when there is none).
    Int {
        value: U256,
        suffix: Option<IntType>,
    },
    /// `@0x1`
    Address(AccountAddress),
    /// `b"..."` (escapes decoded) or `x"0a0b"`; `hex` records which was written.
    Bytes {
        bytes: Vec<u8>,
        hex: bool,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    /// The value of the block: the last expression when it has no `;`.
    pub tail: Option<Box<Expr>>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

// `Let` is much larger than the other variants; statements live in `Vec`s and are
// few next to expressions, so the space is cheaper than a box per `let`.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StmtKind {
    /// `let pat [: ty] [= init];`
    Let { pattern: Pattern, ty: Option<Type>, init: Option<Expr> },
    /// An expression evaluated for its effect: `e;`, or a block-like expression
    /// (`if`/`while`/`loop`/`{..}`) written without `;` that is not the block's last item.
    Expr(Expr),
    /// Only produced by error recovery.
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    BitAnd,
    BitOr,
    BitXor,
    Shl,
    Shr,
    And,
    Or,
    Eq,
    Neq,
    Lt,
    Gt,
    Le,
    Ge,
}

impl BinOp {
    pub fn as_str(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Mod => "%",
            BinOp::BitAnd => "&",
            BinOp::BitOr => "|",
            BinOp::BitXor => "^",
            BinOp::Shl => "<<",
            BinOp::Shr => ">>",
            BinOp::And => "&&",
            BinOp::Or => "||",
            BinOp::Eq => "==",
            BinOp::Neq => "!=",
            BinOp::Lt => "<",
            BinOp::Gt => ">",
            BinOp::Le => "<=",
            BinOp::Ge => ">=",
        }
    }

    /// Binding strength: higher binds tighter (Move's table; `as` is 10, unary 11).
    pub fn precedence(self) -> u8 {
        match self {
            BinOp::Or => 1,
            BinOp::And => 2,
            BinOp::Eq | BinOp::Neq | BinOp::Lt | BinOp::Gt | BinOp::Le | BinOp::Ge => 3,
            BinOp::BitOr => 4,
            BinOp::BitXor => 5,
            BinOp::BitAnd => 6,
            BinOp::Shl | BinOp::Shr => 7,
            BinOp::Add | BinOp::Sub => 8,
            BinOp::Mul | BinOp::Div | BinOp::Mod => 9,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnOp {
    /// `!e`
    Not,
}

/// `S { f: e, g }`: `shorthand` is true for `g` (value is the local `g`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldInit {
    pub name: Ident,
    pub value: Expr,
    pub shorthand: bool,
    pub span: Span,
}

/// What an assignment writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LValue {
    pub kind: LValueKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LValueKind {
    /// `x = e`
    Local(Ident),
    /// `base.f = e` (auto-borrow like Move: `base` may be a struct value, `&mut` or a local)
    Field { base: Box<Expr>, field: Ident },
    /// `*r = e`
    Deref(Box<Expr>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExprKind {
    Literal(Literal),
    /// `vector[e1, e2]` or `vector<T>[...]`.
    Vector {
        elem_ty: Option<Type>,
        elems: Vec<Expr>,
    },
    /// A local variable or a constant (`x`, `E_CODE`, `m::CONST`).
    Name(Path),
    /// `move x`
    Move(Ident),
    /// `copy x`
    Copy(Ident),
    /// `f(..)`, `m::f(..)`, `0x1::m::f(..)`, `borrow_global<S>(a)`; builtins included.
    Call {
        func: Path,
        type_args: Vec<Type>,
        args: Vec<Expr>,
    },
    /// `assert!(cond, code)`
    Assert {
        cond: Box<Expr>,
        code: Box<Expr>,
    },
    /// `S { f: e, g }`, `S<T> { .. }` (type arguments inferred when omitted)
    Pack {
        name: Path,
        type_args: Vec<Type>,
        fields: Vec<FieldInit>,
    },
    /// `e.f`
    Field {
        base: Box<Expr>,
        field: Ident,
    },
    /// `&e` / `&mut e`
    Borrow {
        mutable: bool,
        expr: Box<Expr>,
    },
    /// `*e`
    Deref(Box<Expr>),
    Unary {
        op: UnOp,
        op_span: Span,
        expr: Box<Expr>,
    },
    Binary {
        op: BinOp,
        op_span: Span,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `e as u64`
    Cast {
        expr: Box<Expr>,
        ty: IntType,
        ty_span: Span,
    },
    /// `()`
    Unit,
    /// `(a, b)`: only meaningful as a multiple return value.
    Tuple(Vec<Expr>),
    Block(Block),
    /// `if (c) e1 [else e2]`
    If {
        cond: Box<Expr>,
        then_branch: Box<Expr>,
        else_branch: Option<Box<Expr>>,
    },
    /// `while (c) { .. }`
    While {
        cond: Box<Expr>,
        body: Block,
    },
    /// `loop { .. }`
    Loop {
        body: Block,
    },
    Break,
    Continue,
    /// `return [e]`
    Return(Option<Box<Expr>>),
    /// `abort e`
    Abort(Box<Expr>),
    /// `lhs = rhs` (unit-typed)
    Assign {
        lhs: LValue,
        rhs: Box<Expr>,
    },
    /// Only produced by error recovery.
    Error,
}

/// Left-hand side of `let`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    pub kind: PatternKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PatternKind {
    /// `x`
    Var(Ident),
    /// `_`
    Wildcard,
    /// `(a, b)`: binds the results of a call with several return values.
    Tuple(Vec<Pattern>),
    /// `S { f, g: pat }` (or `S<T> { .. }`) unpacks a struct (destroying it).
    Unpack { name: Path, type_args: Vec<Type>, fields: Vec<FieldPattern> },
}

/// `f` (shorthand: binds a local `f`) or `f: pat`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldPattern {
    pub field: Ident,
    pub pattern: Pattern,
    pub shorthand: bool,
    pub span: Span,
}
