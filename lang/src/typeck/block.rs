//! Blocks, `let` statements and patterns.

use crate::ast::{Block, Pattern, PatternKind, StmtKind};
use crate::diagnostics::{Code, Diagnostic};
use crate::resolve::env::param_tys;
use crate::resolve::lookup::display_path;
use crate::resolve::types::{resolve_type, TypeContext};

use super::call::{plural, quoted};
use super::func::FunChecker;
use super::generic::unify;
use super::tir::{TBlock, TPattern, TStmt};
use super::ty::Ty;

impl FunChecker<'_> {
    /// Checks a block; its value is the tail expression (unit without one, or
    /// `!` when a statement never completes).
    pub fn block(&mut self, block: &Block, hint: Option<&Ty>) -> (TBlock, Ty) {
        self.push_scope();
        let mut stmts = Vec::with_capacity(block.stmts.len());
        let mut diverges = false;
        for stmt in &block.stmts {
            match &stmt.kind {
                StmtKind::Let { pattern, ty, init } => {
                    let declared = ty.as_ref().map(|t| {
                        let mut diags = Vec::new();
                        let ty = resolve_type(self.lookup, t, TypeContext::Local, &mut diags);
                        self.diags.extend(diags);
                        ty
                    });
                    let init = init.as_ref().map(|e| match &declared {
                        Some(t) => self.check(e, t),
                        None => self.infer(e, None),
                    });
                    diverges |= init.as_ref().is_some_and(|e| e.ty == Ty::Never);
                    let ty = match (&declared, &init) {
                        (Some(t), _) => t.clone(),
                        (None, Some(e)) => e.ty.clone(),
                        (None, None) => {
                            if !matches!(pattern.kind, PatternKind::Wildcard) {
                                self.error(
                                    Diagnostic::new(
                                        Code::CannotInfer,
                                        pattern.span,
                                        "cannot infer the type of this binding",
                                    )
                                    .with_hint("annotate it: `let x: u64;`"),
                                );
                            }
                            Ty::Error
                        }
                    };
                    if init.is_none() && !matches!(pattern.kind, PatternKind::Var(_) | PatternKind::Wildcard) {
                        self.error(Diagnostic::new(
                            Code::CannotInfer,
                            pattern.span,
                            "a destructuring `let` needs a value",
                        ));
                    }
                    let pattern = self.pattern(pattern, &ty);
                    stmts.push(TStmt::Let { pattern, init, span: stmt.span });
                }
                StmtKind::Expr(e) => {
                    let exp = self.infer(e, None);
                    diverges |= exp.ty == Ty::Never;
                    stmts.push(TStmt::Expr(exp));
                }
                StmtKind::Error => {}
            }
        }
        let tail = block.tail.as_ref().map(|e| Box::new(self.infer(e, hint)));
        let ty = match &tail {
            Some(t) => t.ty.clone(),
            None if diverges => Ty::Never,
            None => Ty::UNIT,
        };
        let ty = if diverges && tail.as_ref().is_some_and(|t| !t.ty.is_absorbing()) { Ty::Never } else { ty };
        let scope = self.pop_scope();
        (TBlock { stmts, tail, scope, span: block.span }, ty)
    }

    /// A block whose value is discarded and must be unit (loop bodies).
    pub fn block_unit(&mut self, block: &Block) -> (TBlock, Ty) {
        let (checked, ty) = self.block(block, Some(&Ty::UNIT));
        if !ty.is_unit() && !ty.is_absorbing() {
            let span = checked.tail.as_ref().map_or(block.span, |t| t.span);
            self.mismatch(span, &Ty::UNIT, &ty);
        }
        (checked, ty)
    }

    /// Binds a pattern against a value of type `ty`.
    fn pattern(&mut self, pattern: &Pattern, ty: &Ty) -> TPattern {
        let span = pattern.span;
        match &pattern.kind {
            PatternKind::Var(name) => {
                let local_ty = if *ty == Ty::Never { Ty::Error } else { ty.clone() };
                if let Ty::Tuple(items) = &local_ty {
                    let shown = self.show(&local_ty);
                    let message = if items.is_empty() {
                        "cannot bind `()` to a variable".to_string()
                    } else {
                        format!("cannot bind {} values to one variable", items.len())
                    };
                    self.error(
                        Diagnostic::new(Code::TupleMisuse, span, message)
                            .with_label_message(format!("the value has type `{shown}`"))
                            .with_hint("destructure it: `let (a, b) = ...;`"),
                    );
                }
                let id = self.declare(&name.name, local_ty, name.span, false);
                TPattern::Bind(id, span)
            }
            PatternKind::Wildcard => TPattern::Wildcard(ty.clone(), span),
            PatternKind::Tuple(items) => {
                let types = match ty {
                    Ty::Tuple(types) if types.len() == items.len() => types.clone(),
                    Ty::Error | Ty::Never => vec![Ty::Error; items.len()],
                    other => {
                        let shown = self.show(other);
                        self.error(
                            Diagnostic::new(
                                Code::TypeMismatch,
                                span,
                                format!("a pattern of {} values cannot match `{shown}`", items.len()),
                            )
                            .with_label_message(format!(
                                "expected {} value{}",
                                items.len(),
                                plural(items.len())
                            )),
                        );
                        vec![Ty::Error; items.len()]
                    }
                };
                let parts = items.iter().zip(&types).map(|(p, t)| self.pattern(p, t)).collect();
                TPattern::Tuple(parts, span)
            }
            PatternKind::Unpack { name, type_args, fields } => {
                let Ok(id) = self.lookup.struct_path(name) else { return TPattern::Wildcard(Ty::Error, span) };
                if !self.own_struct_for(id, "destructure", name.span) {
                    return TPattern::Wildcard(Ty::Error, span);
                }
                // The instance is the matched value's; written arguments must agree.
                let (type_params, decl) =
                    self.env.strukt(id).map(|s| (s.type_params.clone(), s.span)).unwrap_or_default();
                let what = format!("struct `{}`", display_path(name));
                let mut slots = self.written_type_args(&what, &type_params, type_args, span, decl);
                unify(&Ty::Struct(id, param_tys(&type_params)), ty, &mut slots);
                let how = format!("`{}<> {{ .. }}`", display_path(name));
                let args = self.finish_type_args(&what, &how, &type_params, slots, span);
                let instance = Ty::Struct(id, args.clone());
                if !ty.is_absorbing() && *ty != instance {
                    let (want, got) = (self.show(&instance), self.show(ty));
                    self.error(
                        Diagnostic::new(
                            Code::TypeMismatch,
                            span,
                            format!("mismatched types: pattern `{want}` cannot match `{got}`"),
                        )
                        .with_label_message(format!("expected `{got}`")),
                    );
                }
                let declared: Vec<(String, Ty)> = self
                    .env
                    .strukt(id)
                    .map(|s| s.fields.iter().map(|f| (f.name.clone(), f.ty.subst(&args))).collect())
                    .unwrap_or_default();
                let mut parts = Vec::with_capacity(declared.len());
                let mut missing = Vec::new();
                for (field_name, field_ty) in &declared {
                    match fields.iter().find(|f| f.field.name == *field_name) {
                        Some(f) => parts.push(self.pattern(&f.pattern, field_ty)),
                        None => {
                            missing.push(field_name.as_str());
                            parts.push(TPattern::Wildcard(field_ty.clone(), span));
                        }
                    }
                }
                if !missing.is_empty() {
                    let display = self.env.struct_display(id, Some(self.module()));
                    self.error(
                        Diagnostic::new(
                            Code::MissingField,
                            span,
                            format!(
                                "missing field{} {} in pattern `{display}`",
                                plural(missing.len()),
                                quoted(&missing)
                            ),
                        )
                        .with_label_message("every field must be bound")
                        .with_hint("bind unused fields to `_`: `f: _`"),
                    );
                }
                TPattern::Unpack { strukt: id, type_args: args, fields: parts, span }
            }
        }
    }
}
