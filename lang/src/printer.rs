//! Pretty-printer from the AST back to Resin source.
//!
//! The output re-parses to the same tree (modulo spans; tested by property
//! tests). Nested binary operators and casts are always parenthesised, so the
//! printed form also shows how precedence grouped an expression: `a + b * c`
//! prints as `a + (b * c)`.
//!
//! The same printer is `resin fmt`'s ([`format_source`]): given the file's
//! text it also puts back comments and blank lines (`trivia`), keeps items in
//! source order and writes only the parentheses a reader needs (`expr`).

use std::fmt::Write;

use crate::ast::*;
use crate::lexer::comments::comments;

/// Prints a whole program (all modules, blank line between them).
pub fn print_program(program: &Program) -> String {
    let mut p = Printer::default();
    for (i, m) in program.modules.iter().enumerate() {
        if i > 0 {
            p.out.push('\n');
        }
        p.module(m);
    }
    p.out
}

pub fn print_module(module: &Module) -> String {
    let mut p = Printer::default();
    p.module(module);
    p.out
}

/// The formatted text of one file's modules, with the file's comments and
/// blank lines put back (see [`trivia`]); [`format_source`] is the checked entry point.
fn format_modules(modules: &[Module], text: &str) -> String {
    let mut p = Printer { trivia: Some(Trivia::new(text, comments(text))), ..Printer::default() };
    for m in modules {
        p.module(m);
    }
    p.remaining_comments();
    p.out
}

pub fn print_expr(e: &Expr) -> String {
    let mut p = Printer::default();
    p.expr(e);
    p.out
}

pub fn print_type(t: &Type) -> String {
    let mut p = Printer::default();
    p.ty(t);
    p.out
}

#[derive(Default)]
struct Printer<'a> {
    out: String,
    indent: usize,
    /// Set when formatting a file: its comments and blank lines are put back,
    /// items keep their source order, and parentheses are only those the
    /// grammar needs. Unset, the printer shows the tree as grouped.
    trivia: Option<Trivia<'a>>,
}

impl Printer<'_> {
    fn line_start(&mut self) {
        for _ in 0..self.indent {
            self.out.push_str("    ");
        }
    }

    fn doc(&mut self, doc: &Doc) {
        // Formatting prints doc comments with the other comments;
        // attributes are tokens, printed in both modes.
        if self.trivia.is_some() {
            self.attrs(&doc.attrs);
            return;
        }
        for line in &doc.lines {
            self.line_start();
            self.out.push_str("///");
            self.out.push_str(line);
            self.out.push('\n');
        }
        self.attrs(&doc.attrs);
    }

    /// `<T, U>`; nothing for an empty list.
    fn type_args(&mut self, args: &[Type]) {
        if args.is_empty() {
            return;
        }
        self.out.push('<');
        self.comma(args, Self::ty);
        self.out.push('>');
    }

    /// `<phantom T: copy + drop, U>`; nothing for an empty list.
    fn type_params(&mut self, params: &[TypeParam]) {
        if params.is_empty() {
            return;
        }
        self.out.push('<');
        self.comma(params, |p, param| {
            if param.phantom.is_some() {
                p.out.push_str("phantom ");
            }
            p.out.push_str(&param.name.name);
            let names: Vec<&str> = param.constraints.iter().map(|a| a.ability.as_str()).collect();
            if !names.is_empty() {
                let _ = write!(p.out, ": {}", names.join(" + "));
            }
        });
        self.out.push('>');
    }

    fn comma<T>(&mut self, items: &[T], mut each: impl FnMut(&mut Self, &T)) {
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.out.push_str(", ");
            }
            each(self, item);
        }
    }

    fn path(&mut self, p: &Path) {
        if let Some(a) = &p.address {
            let _ = write!(self.out, "{}::", a.value);
        }
        if let Some(m) = &p.module {
            let _ = write!(self.out, "{}::", m.name);
        }
        self.out.push_str(&p.name.name);
    }

    fn ty(&mut self, t: &Type) {
        match &t.kind {
            TypeKind::Bool => self.out.push_str("bool"),
            TypeKind::U8 => self.out.push_str("u8"),
            TypeKind::U64 => self.out.push_str("u64"),
            TypeKind::U128 => self.out.push_str("u128"),
            TypeKind::U16 => self.out.push_str("u16"),
            TypeKind::U32 => self.out.push_str("u32"),
            TypeKind::U256 => self.out.push_str("u256"),
            TypeKind::Address => self.out.push_str("address"),
            TypeKind::Signer => self.out.push_str("signer"),
            TypeKind::Vector(inner) => {
                self.out.push_str("vector<");
                self.ty(inner);
                self.out.push('>');
            }
            TypeKind::Named(p, args) => {
                self.path(p);
                self.type_args(args);
            }
            TypeKind::Ref(inner) => {
                self.out.push('&');
                if let TypeKind::Ref(_) | TypeKind::MutRef(_) = inner.kind {
                    self.out.push(' ');
                }
                self.ty(inner);
            }
            TypeKind::MutRef(inner) => {
                self.out.push_str("&mut ");
                self.ty(inner);
            }
            TypeKind::Error => self.out.push_str("<error>"),
        }
    }

    fn block(&mut self, b: &Block) {
        let close = b.span.end.saturating_sub(1);
        if b.stmts.is_empty() && b.tail.is_none() && !self.comments_before(close) {
            self.out.push_str("{}");
            return;
        }
        self.out.push('{');
        self.open_brace(b.span.start);
        self.out.push('\n');
        self.indent += 1;
        for s in &b.stmts {
            self.line_item(s.span.start);
            self.line_start();
            self.stmt(s);
            self.line_item_end(s.span.end);
            self.out.push('\n');
        }
        if let Some(tail) = &b.tail {
            self.line_item(tail.span.start);
            self.line_start();
            self.expr(tail);
            self.line_item_end(tail.span.end);
            self.out.push('\n');
        }
        self.close_brace(close);
        self.indent -= 1;
        self.line_start();
        self.out.push('}');
    }

    fn stmt(&mut self, s: &Stmt) {
        match &s.kind {
            StmtKind::Let { pattern, ty, init } => {
                self.out.push_str("let ");
                self.pattern(pattern);
                if let Some(t) = ty {
                    self.out.push_str(": ");
                    self.ty(t);
                }
                if let Some(e) = init {
                    self.out.push_str(" = ");
                    self.expr(e);
                }
                self.out.push(';');
            }
            StmtKind::Expr(e) => {
                self.expr(e);
                // A statement ending in a block (`if`, `while`, ...) needs no `;`:
                // a formatted file keeps the author's choice, which the span
                // tells (it ends at the `;` when there is one).
                if self.trivia.is_none() || s.span.end > e.span.end {
                    self.out.push(';');
                }
            }
            StmtKind::Error => self.out.push_str("<error>;"),
        }
    }

    fn pattern(&mut self, p: &Pattern) {
        self.inline_comments(p.span.start);
        match &p.kind {
            PatternKind::Var(n) => self.out.push_str(&n.name),
            PatternKind::Wildcard => self.out.push('_'),
            PatternKind::Tuple(ps) => {
                self.out.push('(');
                self.comma(ps, Self::pattern);
                self.out.push(')');
            }
            PatternKind::Unpack { name, type_args, fields } => {
                self.path(name);
                self.type_args(type_args);
                self.out.push_str(" { ");
                self.comma(fields, |p, f| {
                    p.out.push_str(&f.field.name);
                    if !f.shorthand {
                        p.out.push_str(": ");
                        p.pattern(&f.pattern);
                    }
                });
                self.out.push_str(" }");
            }
        }
    }
}

mod attr;
mod expr;
mod format;
mod items;
mod trivia;

pub use format::{format_source, FormatError};
use trivia::Trivia;
