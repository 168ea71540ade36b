//! The per-function state of the type checker and its small helpers:
//! locals and their lexical scopes, loop nesting, evaluation positions, and
//! the coercion every checked expression goes through.

use std::collections::HashMap;

use crate::diagnostics::{Code, Diagnostic};
use crate::resolve::env::{Env, ModId};
use crate::resolve::lookup::Lookup;
use crate::source::Span;

use super::tir::{LocalDecl, LocalId, TExp, TExpKind};
use super::ty::Ty;

pub struct FunChecker<'a> {
    pub env: &'a Env,
    pub lookup: &'a Lookup<'a>,
    pub locals: Vec<LocalDecl>,
    /// How often each local is read (for the unused-variable warning).
    pub uses: Vec<u32>,
    scopes: Vec<HashMap<String, LocalId>>,
    /// Locals declared in each open block, innermost last.
    pub block_scopes: Vec<Vec<LocalId>>,
    /// One entry per enclosing loop: whether a `break` leaves it.
    pub loops: Vec<bool>,
    pub return_ty: Ty,
    pub diags: Vec<Diagnostic>,
}

impl<'a> FunChecker<'a> {
    pub fn new(env: &'a Env, lookup: &'a Lookup<'a>, return_ty: Ty) -> Self {
        FunChecker {
            env,
            lookup,
            locals: Vec::new(),
            uses: Vec::new(),
            scopes: vec![HashMap::new()],
            block_scopes: vec![Vec::new()],
            loops: Vec::new(),
            return_ty,
            diags: Vec::new(),
        }
    }

    pub fn module(&self) -> ModId {
        self.lookup.current()
    }

    pub fn show(&self, ty: &Ty) -> String {
        ty.display(self.env, Some(self.module()))
    }

    pub fn error(&mut self, diag: Diagnostic) {
        self.diags.push(diag);
    }

    /// A new expression node (positions are assigned later, in evaluation order).
    pub fn mk(&mut self, kind: TExpKind, ty: Ty, span: Span) -> TExp {
        TExp { kind, ty, span, pos: 0, first: 0 }
    }

    pub fn unit(&mut self, span: Span) -> TExp {
        self.mk(TExpKind::Unit, Ty::UNIT, span)
    }

    pub fn push_scope(&mut self) {
        self.scopes.push(HashMap::new());
        self.block_scopes.push(Vec::new());
    }

    /// Closes a block, returning the locals it declared.
    pub fn pop_scope(&mut self) -> Vec<LocalId> {
        self.scopes.pop();
        self.block_scopes.pop().unwrap_or_default()
    }

    /// Declares a named local in the innermost scope (shadowing any outer one).
    pub fn declare(&mut self, name: &str, ty: Ty, span: Span, is_param: bool) -> LocalId {
        let id = self.new_local(name, ty, span, is_param, false);
        if let Some(scope) = self.scopes.last_mut() {
            scope.insert(name.to_string(), id);
        }
        id
    }

    /// A compiler temporary, scoped to the innermost block.
    pub fn temp(&mut self, ty: Ty, span: Span) -> LocalId {
        self.new_local("%tmp", ty, span, false, true)
    }

    fn new_local(&mut self, name: &str, ty: Ty, span: Span, is_param: bool, is_temp: bool) -> LocalId {
        let id = LocalId(u32::try_from(self.locals.len()).unwrap_or(u32::MAX));
        self.locals.push(LocalDecl { name: name.to_string(), ty, span, is_param, is_temp });
        self.uses.push(0);
        if let Some(block) = self.block_scopes.last_mut() {
            block.push(id);
        }
        id
    }

    pub fn find_local(&self, name: &str) -> Option<LocalId> {
        self.scopes.iter().rev().find_map(|s| s.get(name).copied())
    }

    pub fn local_ty(&self, id: LocalId) -> Ty {
        self.locals.get(id.index()).map_or(Ty::Error, |l| l.ty.clone())
    }

    pub fn mark_used(&mut self, id: LocalId) {
        if let Some(count) = self.uses.get_mut(id.index()) {
            *count += 1;
        }
    }

    /// Fits `exp` to `expected`: equal types pass, `&mut T` becomes `&T`
    /// where `&T` is expected, `!` and error types fit anything.
    pub fn coerce(&mut self, exp: TExp, expected: &Ty) -> TExp {
        if exp.ty == *expected || exp.ty.is_absorbing() || *expected == Ty::Error {
            return exp;
        }
        // `Coin<_>` after a reported error in a type argument.
        if exp.ty.contains_error() || expected.contains_error() {
            return exp;
        }
        if let (Ty::MutRef(found), Ty::Ref(want)) = (&exp.ty, expected) {
            if found == want {
                let span = exp.span;
                return self.mk(TExpKind::Freeze(Box::new(exp)), expected.clone(), span);
            }
        }
        self.mismatch(exp.span, expected, &exp.ty);
        exp
    }

    /// Whether `found` fits where `expected` is required (without rewriting).
    pub fn fits(found: &Ty, expected: &Ty) -> bool {
        if found == expected || found.is_absorbing() || *expected == Ty::Error {
            return true;
        }
        if found.contains_error() || expected.contains_error() {
            return true;
        }
        matches!((found, expected), (Ty::MutRef(f), Ty::Ref(w)) if f == w)
    }

    pub fn mismatch(&mut self, span: Span, expected: &Ty, found: &Ty) {
        let (want, got) = (self.show(expected), self.show(found));
        let diag = match found {
            Ty::Tuple(items) if items.len() > 1 && !matches!(expected, Ty::Tuple(_)) => Diagnostic::new(
                Code::TupleMisuse,
                span,
                format!("expected one value of type `{want}`, found {} values", items.len()),
            )
            .with_label_message(format!("this produces `{got}`"))
            .with_hint("bind the values first: `let (a, b) = ...;`"),
            _ => {
                Diagnostic::new(Code::TypeMismatch, span, format!("mismatched types: expected `{want}`, found `{got}`"))
                    .with_label_message(format!("expected `{want}`"))
            }
        };
        let diag = match (expected, found) {
            (Ty::MutRef(_), Ty::Ref(_)) => diag.with_hint("a `&` reference cannot be used where `&mut` is needed"),
            _ => diag,
        };
        self.error(diag);
    }

    /// Reports the missing ability unless the type already stands for an error.
    pub fn require_ability(
        &mut self,
        ty: &Ty,
        ability: resin_format::file_format::Abilities,
        name: &str,
        span: Span,
        what: &str,
    ) -> bool {
        if ty.abilities(self.env).has(ability) {
            return true;
        }
        let shown = self.show(ty);
        self.error(
            Diagnostic::new(Code::MissingAbility, span, format!("{what}: `{shown}` does not have `{name}`"))
                .with_label_message(format!("requires `{name}`")),
        );
        false
    }
}
