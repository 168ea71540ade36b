//! Struct literals and the vector builtins.

use resin_format::file_format::Abilities;

use crate::ast::{Expr, FieldInit, Path, Type};
use crate::diagnostics::{Code, Diagnostic};
use crate::resolve::env::{param_tys, StructId};
use crate::resolve::lookup::display_path;
use crate::resolve::scope::Builtin;
use crate::source::Span;

use super::call::{plural, quoted};
use super::func::FunChecker;
use super::generic::{known, unify};
use super::tir::{TExp, TExpKind};
use super::ty::Ty;

impl FunChecker<'_> {
    /// The vector functions: the first argument is a reference to a vector,
    /// whose element type fixes the others.
    pub(super) fn vector_op(
        &mut self,
        builtin: Builtin,
        written: Option<Ty>,
        args: &[Expr],
        span: Span,
    ) -> (Ty, Vec<TExp>, Ty) {
        use Builtin::*;
        let mutable = matches!(
            builtin,
            VecBorrowMut | VecPushBack | VecPopBack | VecSwap | VecRemove | VecInsert | VecAppend | VecReverse
        );
        let expected_count = match builtin {
            VecLength | VecPopBack | VecReverse | VecIsEmpty => 1,
            VecBorrow | VecBorrowMut | VecPushBack | VecRemove | VecAppend | VecContains | VecIndexOf => 2,
            _ => 3,
        };
        if args.len() != expected_count {
            self.error(
                Diagnostic::new(
                    Code::ArgumentCount,
                    span,
                    format!(
                        "`{}` takes {expected_count} argument{}, {} given",
                        builtin.name(),
                        plural(expected_count),
                        args.len()
                    ),
                )
                .with_label_message(format!("expected {expected_count} argument{}", plural(expected_count))),
            );
        }
        let mut checked = Vec::with_capacity(args.len());
        let mut elem = written.clone();
        if let Some(first) = args.first() {
            let hint = elem.clone().map(|e| {
                let v = Ty::Vector(Box::new(e));
                if mutable {
                    Ty::MutRef(Box::new(v))
                } else {
                    Ty::Ref(Box::new(v))
                }
            });
            let exp = self.infer(first, hint.as_ref());
            let found = match (&exp.ty, mutable) {
                (Ty::MutRef(inner), _) | (Ty::Ref(inner), false) => match &**inner {
                    Ty::Vector(e) => Some((**e).clone()),
                    _ => None,
                },
                _ => None,
            };
            let exp = match (found, exp.ty.is_absorbing()) {
                (Some(found), _) => {
                    if let Some(w) = &written {
                        if *w != found && !w.is_absorbing() {
                            let (a, b) = (self.show(w), self.show(&found));
                            self.error(Diagnostic::new(
                                Code::TypeMismatch,
                                exp.span,
                                format!("mismatched types: expected a vector of `{a}`, found a vector of `{b}`"),
                            ));
                        }
                    }
                    elem = Some(found);
                    let want = exp.ty.clone();
                    let target =
                        if mutable { want } else { Ty::Ref(Box::new(want.deref().cloned().unwrap_or(Ty::Error))) };
                    self.coerce(exp, &target)
                }
                (None, true) => exp,
                (None, false) => {
                    let shown = self.show(&exp.ty);
                    let want = if mutable { "&mut vector<T>" } else { "&vector<T>" };
                    let mut diag = Diagnostic::new(
                        Code::TypeMismatch,
                        exp.span,
                        format!("mismatched types: expected `{want}`, found `{shown}`"),
                    )
                    .with_label_message(format!("expected `{want}`"));
                    if mutable && matches!(&exp.ty, Ty::Ref(inner) if matches!(**inner, Ty::Vector(_))) {
                        diag = Diagnostic::new(
                            Code::WriteThroughImmutable,
                            exp.span,
                            format!("`{}` needs a `&mut` reference", builtin.name()),
                        )
                        .with_label_message("this is an immutable reference")
                        .with_hint("take a `&mut` reference instead");
                    }
                    self.error(diag);
                    exp
                }
            };
            checked.push(exp);
        }
        let elem = elem.unwrap_or(Ty::Error);
        for (i, arg) in args.iter().enumerate().skip(1) {
            let expected = match (builtin, i) {
                (VecPushBack | VecInsert, 1) => elem.clone(),
                (VecAppend, 1) => Ty::Vector(Box::new(elem.clone())),
                (VecContains | VecIndexOf, 1) => Ty::Ref(Box::new(elem.clone())),
                _ => Ty::U64,
            };
            checked.push(self.check(arg, &expected));
        }
        // Looking for an element compares values, as `==` does: only
        // values that may be dropped can be compared.
        if matches!(builtin, VecContains | VecIndexOf) && !elem.abilities(self.env).has(Abilities::DROP) {
            let shown = self.show(&elem);
            self.error(
                Diagnostic::new(
                    Code::MissingAbility,
                    span,
                    format!(
                        "`{}` compares elements, so they need `drop`, but `{shown}` does not have it",
                        builtin.name()
                    ),
                )
                .with_label_message(format!("`{shown}` lacks `drop`")),
            );
        }
        let ty = match builtin {
            VecLength => Ty::U64,
            VecBorrow => Ty::Ref(Box::new(elem.clone())),
            VecBorrowMut => Ty::MutRef(Box::new(elem.clone())),
            VecPopBack | VecRemove => elem.clone(),
            VecContains | VecIsEmpty => Ty::Bool,
            VecIndexOf => Ty::Tuple(vec![Ty::Bool, Ty::U64]),
            _ => Ty::UNIT,
        };
        (elem, checked, ty)
    }

    /// `S { f: e, .. }`: a struct of this module, every field given once;
    /// a generic struct's type arguments are written or inferred from the
    /// expected type and the field values.
    #[inline(never)] // see `call`
    pub fn pack(
        &mut self,
        name: &Path,
        type_args: &[Type],
        fields: &[FieldInit],
        hint: Option<&Ty>,
        span: Span,
    ) -> TExp {
        let Ok(id) = self.lookup.struct_path(name) else {
            for f in fields {
                self.infer(&f.value, None);
            }
            return self.mk(TExpKind::Unit, Ty::Error, span);
        };
        if !self.own_struct_for(id, "create", name.span) {
            for f in fields {
                self.infer(&f.value, None);
            }
            return self.mk(TExpKind::Unit, Ty::Error, span);
        }
        let declared: Vec<(String, Ty)> = self
            .env
            .strukt(id)
            .map(|s| s.fields.iter().map(|f| (f.name.clone(), f.ty.clone())).collect())
            .unwrap_or_default();
        let (type_params, decl) = self.env.strukt(id).map(|s| (s.type_params.clone(), s.span)).unwrap_or_default();
        let what = format!("struct `{}`", display_path(name));
        let mut slots = self.written_type_args(&what, &type_params, type_args, span, decl);
        if let Some(hint) = hint {
            unify(&Ty::Struct(id, param_tys(&type_params)), hint, &mut slots);
        }
        let mut out = Vec::with_capacity(fields.len());
        for init in fields {
            match declared.iter().position(|(n, _)| *n == init.name.name) {
                Some(index) => {
                    let ty = &declared[index].1;
                    let hint = known(ty, &slots);
                    let value = self.infer(&init.value, hint.as_ref());
                    unify(ty, &value.ty, &mut slots);
                    if !out.iter().any(|(i, _)| *i == index as u16) {
                        out.push((u16::try_from(index).unwrap_or(u16::MAX), value));
                    }
                }
                None => {
                    self.infer(&init.value, None);
                }
            }
        }
        let how = format!("`{}<> {{ .. }}`", display_path(name));
        let args = self.finish_type_args(&what, &how, &type_params, slots, span);
        let out: Vec<(u16, TExp)> = out
            .into_iter()
            .map(|(index, value)| {
                let ty = declared.get(usize::from(index)).map_or(Ty::Error, |(_, t)| t.subst(&args));
                (index, self.coerce(value, &ty))
            })
            .collect();
        let missing: Vec<&str> = declared
            .iter()
            .enumerate()
            .filter(|(i, _)| !out.iter().any(|(j, _)| usize::from(*j) == *i))
            .map(|(_, (n, _))| n.as_str())
            .collect();
        if !missing.is_empty() && declared.len() == self.env.strukt(id).map_or(0, |s| s.fields.len()) {
            let display = self.env.struct_display(id, Some(self.module()));
            self.error(
                Diagnostic::new(
                    Code::MissingField,
                    span,
                    format!("missing field{} {} in `{display}`", plural(missing.len()), quoted(&missing)),
                )
                .with_label_message("every field must be given"),
            );
        }
        self.mk(TExpKind::Pack { strukt: id, fields: out }, Ty::Struct(id, args), span)
    }

    /// Packing and unpacking are only allowed in the declaring module.
    pub fn own_struct_for(&mut self, id: StructId, what: &str, span: Span) -> bool {
        if id.module == self.module() {
            return true;
        }
        let display = self.env.struct_display(id, Some(self.module()));
        self.error(
            Diagnostic::new(
                Code::ForeignStructOperation,
                span,
                format!("cannot {what} `{display}` outside its module"),
            )
            .with_label_message("struct of another module")
            .with_note("only the declaring module can create or destroy its structs"),
        );
        false
    }
}
