//! Nesting-depth limits, so no stage (nor dropping the tree) can overflow the stack.
//!
//! Two checks:
//! 1. Before parsing, a linear scan of the tokens bounds the depth the tree
//!    *could* reach ([`token_depth_exceeded`]). Pathological inputs (a million
//!    `!` or `(`) are rejected before any tree is built, since even dropping such
//!    a tree recurses once per level.
//! 2. After parsing, the exact depth of every module is measured
//!    ([`module_too_deep`]); later stages rely on it never exceeding [`MAX_DEPTH`].
//!
//! Every recursive walk (resolver, type checker, codegen, printers, `Debug`,
//! drop) is bounded by that depth. At the limit the whole pipeline needs
//! about 5 MB of stack in a debug build, less in release: a main thread's
//! 8 MB (Linux, macOS) suffices; a 2 MB spawned thread does not, so run deep
//! inputs on the main thread or a thread with a larger stack (the limits
//! tests use 8 MB).

use crate::ast::*;
use crate::lexer::Token;

/// The deepest nesting of AST nodes (expressions, blocks, statements, types,
/// patterns, each counting one level) a module may have.
pub const MAX_DEPTH: usize = 256;

/// The bound for the token pre-scan. Its estimate over-counts (every operator
/// in a statement counts a level), hence the larger limit; it only has to stop
/// trees deep enough to endanger the stack.
pub const MAX_TOKEN_DEPTH: usize = 4 * MAX_DEPTH;

/// Levels a bracketed construct may add beyond its operators
/// (e.g. expression -> block -> statement for `{`).
const FRAME_COST: usize = 3;

/// An upper bound of the tree depth, computed from the tokens alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenDepth {
    /// The largest estimate seen (up to the point of stopping).
    pub max: usize,
    /// The index of the first token at which the estimate exceeds [`MAX_TOKEN_DEPTH`].
    pub exceeded_at: Option<usize>,
}

/// Estimates the tree depth from the tokens: the sum, over the open brackets, of
/// the operator-like tokens seen since the last `;` or `,` at that bracket level,
/// plus a constant per bracket. Every tree level is paid by such a token or
/// bracket, so the estimate bounds the real depth (a property test checks it);
/// when it stays within [`MAX_DEPTH`] the exact measure can be skipped.
pub fn token_depth(tokens: &[(Token<'_>, crate::source::Span)]) -> TokenDepth {
    // Operators counted in each open bracket since its last separator.
    let mut frames: Vec<usize> = vec![0];
    let mut total = FRAME_COST;
    let mut max = total;
    for (i, &(token, _)) in tokens.iter().enumerate() {
        match token {
            Token::LParen | Token::LBrace | Token::LBracket => {
                frames.push(0);
                total += FRAME_COST;
            }
            Token::RParen | Token::RBracket | Token::RBrace => {
                if frames.len() > 1 {
                    total -= frames.pop().unwrap_or(0) + FRAME_COST;
                }
                // A block that ends a statement: what follows is a sibling.
                let next = tokens.get(i + 1).map(|(t, _)| *t);
                if token == Token::RBrace && !next.is_some_and(continues_expression) {
                    reset(&mut frames, &mut total);
                }
            }
            Token::Semi | Token::Comma => reset(&mut frames, &mut total),
            t if adds_level(t) => {
                if let Some(top) = frames.last_mut() {
                    *top += 1;
                }
                total += 1;
            }
            _ => {}
        }
        max = max.max(total);
        if total > MAX_TOKEN_DEPTH {
            return TokenDepth { max, exceeded_at: Some(i) };
        }
    }
    TokenDepth { max, exceeded_at: None }
}

fn reset(frames: &mut [usize], total: &mut usize) {
    if let Some(top) = frames.last_mut() {
        *total -= *top;
        *top = 0;
    }
}

fn continues_expression(t: Token<'_>) -> bool {
    adds_level(t) && !matches!(t, Token::If | Token::While | Token::Loop | Token::Return | Token::Abort | Token::Let)
}

/// Tokens that can add a level to the tree without opening a bracket.
fn adds_level(t: Token<'_>) -> bool {
    matches!(
        t,
        Token::PipePipe
            | Token::AmpAmp
            | Token::EqEq
            | Token::BangEq
            | Token::Lt
            | Token::Gt
            | Token::Le
            | Token::Ge
            | Token::Pipe
            | Token::Caret
            | Token::Amp
            | Token::Shl
            | Token::Shr
            | Token::Plus
            | Token::Minus
            | Token::Star
            | Token::Slash
            | Token::Percent
            | Token::As
            | Token::Bang
            | Token::Dot
            | Token::Eq
            | Token::Move
            | Token::Copy
            | Token::If
            | Token::Else
            | Token::While
            | Token::Loop
            | Token::Return
            | Token::Abort
            | Token::Let
            | Token::GenericLt
    )
}

/// The span of the first node nested deeper than [`MAX_DEPTH`], if any.
pub fn module_too_deep(m: &Module) -> Option<Span> {
    walk(m, MAX_DEPTH).too_deep
}

/// The exact nesting depth of a module, counted as for [`MAX_DEPTH`]. Recursion is
/// as deep as the tree: use on trees already checked by [`module_too_deep`].
pub fn module_depth(m: &Module) -> usize {
    walk(m, usize::MAX).max
}

fn walk(m: &Module, limit: usize) -> Walker {
    let mut w = Walker { limit, max: 0, too_deep: None };
    for s in &m.structs {
        for f in &s.fields {
            w.ty(&f.ty, 1);
        }
    }
    for c in &m.constants {
        w.ty(&c.ty, 1);
        w.expr(&c.value, 1);
    }
    for f in &m.functions {
        for p in &f.params {
            w.ty(&p.ty, 1);
        }
        for t in &f.returns {
            w.ty(t, 1);
        }
        w.block(&f.body, 1);
    }
    w
}

struct Walker {
    limit: usize,
    max: usize,
    too_deep: Option<Span>,
}

impl Walker {
    /// Records `span` when `depth` is over the limit; true when the walk must stop.
    fn over(&mut self, depth: usize, span: Span) -> bool {
        if self.too_deep.is_some() {
            return true;
        }
        self.max = self.max.max(depth);
        if depth > self.limit {
            self.too_deep = Some(span);
            return true;
        }
        false
    }

    fn ty(&mut self, t: &Type, d: usize) {
        if self.over(d, t.span) {
            return;
        }
        match &t.kind {
            TypeKind::Vector(inner) | TypeKind::Ref(inner) | TypeKind::MutRef(inner) => self.ty(inner, d + 1),
            TypeKind::Named(_, args) => args.iter().for_each(|a| self.ty(a, d + 1)),
            _ => {}
        }
    }

    fn pattern(&mut self, p: &Pattern, d: usize) {
        if self.over(d, p.span) {
            return;
        }
        match &p.kind {
            PatternKind::Tuple(ps) => ps.iter().for_each(|p| self.pattern(p, d + 1)),
            PatternKind::Unpack { type_args, fields, .. } => {
                type_args.iter().for_each(|t| self.ty(t, d + 1));
                fields.iter().for_each(|f| self.pattern(&f.pattern, d + 1));
            }
            PatternKind::Var(_) | PatternKind::Wildcard => {}
        }
    }

    fn block(&mut self, b: &Block, d: usize) {
        if self.over(d, b.span) {
            return;
        }
        for s in &b.stmts {
            if self.over(d + 1, s.span) {
                return;
            }
            match &s.kind {
                StmtKind::Let { pattern, ty, init } => {
                    self.pattern(pattern, d + 2);
                    if let Some(t) = ty {
                        self.ty(t, d + 2);
                    }
                    if let Some(e) = init {
                        self.expr(e, d + 2);
                    }
                }
                StmtKind::Expr(e) => self.expr(e, d + 2),
                StmtKind::Error => {}
            }
        }
        if let Some(t) = &b.tail {
            self.expr(t, d + 1);
        }
    }

    fn expr(&mut self, e: &Expr, d: usize) {
        if self.over(d, e.span) {
            return;
        }
        let n = d + 1;
        match &e.kind {
            ExprKind::Vector { elem_ty, elems } => {
                if let Some(t) = elem_ty {
                    self.ty(t, n);
                }
                elems.iter().for_each(|x| self.expr(x, n));
            }
            ExprKind::Call { type_args, args, .. } => {
                type_args.iter().for_each(|t| self.ty(t, n));
                args.iter().for_each(|x| self.expr(x, n));
            }
            ExprKind::Assert { cond, code } => {
                self.expr(cond, n);
                self.expr(code, n);
            }
            ExprKind::Pack { type_args, fields, .. } => {
                type_args.iter().for_each(|t| self.ty(t, n));
                fields.iter().for_each(|f| self.expr(&f.value, n));
            }
            ExprKind::Field { base: x, .. }
            | ExprKind::Borrow { expr: x, .. }
            | ExprKind::Deref(x)
            | ExprKind::Unary { expr: x, .. }
            | ExprKind::Cast { expr: x, .. }
            | ExprKind::Abort(x)
            | ExprKind::Return(Some(x)) => self.expr(x, n),
            ExprKind::Binary { lhs, rhs, .. } => {
                self.expr(lhs, n);
                self.expr(rhs, n);
            }
            ExprKind::Tuple(items) => items.iter().for_each(|x| self.expr(x, n)),
            ExprKind::Block(b) | ExprKind::Loop { body: b } => self.block(b, n),
            ExprKind::If { cond, then_branch, else_branch } => {
                self.expr(cond, n);
                self.expr(then_branch, n);
                if let Some(x) = else_branch {
                    self.expr(x, n);
                }
            }
            ExprKind::While { cond, body } => {
                self.expr(cond, n);
                self.block(body, n);
            }
            ExprKind::Assign { lhs, rhs } => {
                match &lhs.kind {
                    LValueKind::Field { base, .. } => self.expr(base, n),
                    LValueKind::Deref(x) => self.expr(x, n),
                    LValueKind::Local(_) => {}
                }
                self.expr(rhs, n);
            }
            ExprKind::Literal(_)
            | ExprKind::Name(_)
            | ExprKind::Move(_)
            | ExprKind::Copy(_)
            | ExprKind::Unit
            | ExprKind::Break
            | ExprKind::Continue
            | ExprKind::Return(None)
            | ExprKind::Error => {}
        }
    }
}
