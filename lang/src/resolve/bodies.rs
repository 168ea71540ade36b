//! The resolver's walk over function bodies: every name must denote a local
//! in scope, a constant, a function (user or builtin) or a struct; struct
//! literals and patterns may only name fields the struct has. The type
//! checker later looks the same names up again and relies on this walk
//! having reported every failure.

use std::collections::{HashMap, HashSet};

use super::lookup::Lookup;
use super::types::{resolve_type, TypeContext};
use crate::ast::{Block, Expr, ExprKind, FunDef, Ident, LValueKind, Path, Pattern, PatternKind, StmtKind};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;

pub struct BodyWalker<'a, 'd> {
    lookup: &'a Lookup<'a>,
    scopes: Vec<HashSet<String>>,
    diags: &'d mut Vec<Diagnostic>,
}

impl<'a, 'd> BodyWalker<'a, 'd> {
    pub fn new(lookup: &'a Lookup<'a>, diags: &'d mut Vec<Diagnostic>) -> Self {
        BodyWalker { lookup, scopes: Vec::new(), diags }
    }

    pub fn function(&mut self, fun: &FunDef) {
        self.scopes = vec![fun.params.iter().map(|p| p.name.name.clone()).collect()];
        self.block(&fun.body);
    }

    fn is_local(&self, name: &str) -> bool {
        self.scopes.iter().rev().any(|s| s.contains(name))
    }

    fn declare(&mut self, name: &Ident) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.insert(name.name.clone());
        }
    }

    fn report(&mut self, result: Result<impl Sized, Diagnostic>) {
        if let Err(diag) = result {
            self.diags.push(diag);
        }
    }

    fn locals(&self) -> impl Iterator<Item = &str> {
        self.scopes.iter().flatten().map(String::as_str)
    }

    fn unbound_local(&mut self, name: &Ident) {
        let diag = Diagnostic::new(Code::UnboundName, name.span, format!("unbound local `{}`", name.name))
            .with_label_message("no local variable of this name in scope")
            .with_did_you_mean(&name.name, self.locals());
        self.diags.push(diag);
    }

    fn block(&mut self, block: &Block) {
        self.scopes.push(HashSet::new());
        for stmt in &block.stmts {
            match &stmt.kind {
                StmtKind::Let { pattern, ty, init } => {
                    if let Some(init) = init {
                        self.expr(init);
                    }
                    if let Some(ty) = ty {
                        resolve_type(self.lookup, ty, TypeContext::Local, self.diags);
                    }
                    self.pattern(pattern);
                }
                StmtKind::Expr(e) => self.expr(e),
                StmtKind::Error => {}
            }
        }
        if let Some(tail) = &block.tail {
            self.expr(tail);
        }
        self.scopes.pop();
    }

    fn pattern(&mut self, pattern: &Pattern) {
        match &pattern.kind {
            PatternKind::Var(name) => self.declare(name),
            PatternKind::Wildcard => {}
            PatternKind::Tuple(items) => items.iter().for_each(|p| self.pattern(p)),
            PatternKind::Unpack { name, type_args, fields } => {
                for ty in type_args {
                    resolve_type(self.lookup, ty, TypeContext::TypeArg, self.diags);
                }
                let names: Vec<&Ident> = fields.iter().map(|f| &f.field).collect();
                self.struct_fields(name, &names);
                for field in fields {
                    self.pattern(&field.pattern);
                }
            }
        }
    }

    /// The struct exists and has each named field exactly once.
    fn struct_fields(&mut self, path: &Path, fields: &[&Ident]) {
        let id = match self.lookup.struct_path(path) {
            Ok(id) => id,
            Err(diag) => return self.diags.push(diag),
        };
        let Some(info) = self.lookup.env.strukt(id) else { return };
        if !info.fields_known {
            return;
        }
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for field in fields {
            if let Some(first) = seen.insert(&field.name, field.span) {
                self.diags.push(
                    Diagnostic::new(Code::DuplicateField, field.span, format!("field `{}` given twice", field.name))
                        .with_secondary(first, "first given here"),
                );
            } else if info.field(&field.name).is_none() {
                let name = self.lookup.env.struct_display(id, Some(self.lookup.current()));
                self.diags.push(
                    Diagnostic::new(
                        Code::UnknownField,
                        field.span,
                        format!("struct `{name}` has no field `{}`", field.name),
                    )
                    .with_label_message("unknown field")
                    .with_did_you_mean(&field.name, info.fields.iter().map(|f| f.name.as_str())),
                );
            }
        }
    }

    fn expr(&mut self, expr: &Expr) {
        match &expr.kind {
            ExprKind::Literal(_) | ExprKind::Unit | ExprKind::Break | ExprKind::Continue | ExprKind::Error => {}
            ExprKind::Vector { elem_ty, elems } => {
                if let Some(ty) = elem_ty {
                    resolve_type(self.lookup, ty, TypeContext::TypeArg, self.diags);
                }
                elems.iter().for_each(|e| self.expr(e));
            }
            ExprKind::Name(path) => {
                let local = path.as_single().is_some_and(|n| self.is_local(&n.name));
                if !local {
                    if let Err(mut diag) = self.lookup.constant(path) {
                        // A plain unknown name: a misspelt local or constant?
                        if diag.hints.is_empty() && diag.notes.is_empty() && path.module.is_none() {
                            let constants = self.lookup.constant_names();
                            diag = diag.with_did_you_mean(&path.name.name, self.locals().chain(constants));
                        }
                        self.diags.push(diag);
                    }
                }
            }
            ExprKind::Move(name) | ExprKind::Copy(name) => {
                if !self.is_local(&name.name) {
                    self.unbound_local(name);
                }
            }
            ExprKind::Call { func, type_args, args } => {
                let result = self.lookup.callee(func);
                self.report(result);
                for ty in type_args {
                    resolve_type(self.lookup, ty, TypeContext::TypeArg, self.diags);
                }
                args.iter().for_each(|e| self.expr(e));
            }
            ExprKind::Assert { cond, code } => {
                self.expr(cond);
                self.expr(code);
            }
            ExprKind::Pack { name, type_args, fields } => {
                for ty in type_args {
                    resolve_type(self.lookup, ty, TypeContext::TypeArg, self.diags);
                }
                let names: Vec<&Ident> = fields.iter().map(|f| &f.name).collect();
                self.struct_fields(name, &names);
                fields.iter().for_each(|f| self.expr(&f.value));
            }
            ExprKind::Field { base, .. } => self.expr(base),
            ExprKind::Borrow { expr, .. } | ExprKind::Deref(expr) | ExprKind::Unary { expr, .. } => self.expr(expr),
            ExprKind::Cast { expr, .. } | ExprKind::Abort(expr) => self.expr(expr),
            ExprKind::Binary { lhs, rhs, .. } => {
                self.expr(lhs);
                self.expr(rhs);
            }
            ExprKind::Tuple(items) => items.iter().for_each(|e| self.expr(e)),
            ExprKind::Block(block) => self.block(block),
            ExprKind::If { cond, then_branch, else_branch } => {
                self.expr(cond);
                self.expr(then_branch);
                if let Some(e) = else_branch {
                    self.expr(e);
                }
            }
            ExprKind::While { cond, body } => {
                self.expr(cond);
                self.block(body);
            }
            ExprKind::Loop { body } => self.block(body),
            ExprKind::Return(value) => {
                if let Some(e) = value {
                    self.expr(e);
                }
            }
            ExprKind::Assign { lhs, rhs } => {
                self.expr(rhs);
                match &lhs.kind {
                    LValueKind::Local(name) => {
                        if !self.is_local(&name.name) {
                            self.unbound_local(name);
                        }
                    }
                    LValueKind::Field { base, .. } => self.expr(base),
                    LValueKind::Deref(e) => self.expr(e),
                }
            }
        }
    }
}
