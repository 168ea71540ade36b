//! Instantiating generic functions and structs at a call, a struct literal or
//! a pattern: type arguments are written (`coin::zero<USD>()`) or inferred
//! by matching the declared types against the argument and expected types
//! (`coin::value(&c)` with `c: Coin<USD>` gives `T = USD`); either way each
//! must satisfy its parameter's constraints.
//!
//! Inference is one-sided matching, not full unification: a declared type's
//! parameters are the unknowns, and the types they are matched against are
//! already known (the caller's own type parameters among them, as fixed
//! types). An argument whose expected type still has unknowns is checked
//! without a hint first, so `f(vector::empty())` needs its type written.

use crate::ast::Type;
use crate::diagnostics::{Code, Diagnostic};
use crate::resolve::env::TypeParamInfo;
use crate::resolve::generics;
use crate::resolve::types::{resolve_type, TypeContext};
use crate::source::Span;

use super::func::FunChecker;
use super::ty::Ty;

/// The type arguments of one instantiation being inferred (`None`: unknown yet).
pub type Slots = Vec<Option<Ty>>;

/// Matches `declared` (whose type parameters are the unknowns) against the
/// known type `actual`, filling unknowns; a structural mismatch fills nothing
/// there and is reported by the type check that follows.
pub fn unify(declared: &Ty, actual: &Ty, slots: &mut Slots) {
    match (declared, actual) {
        // An erroneous argument fixes the parameter to the error type, so the
        // error is not reported again as "cannot infer".
        (Ty::Param(p), _) => {
            if let Some(slot @ None) = slots.get_mut(usize::from(p.index)) {
                let fixed = if actual.is_absorbing() { Ty::Error } else { actual.clone() };
                *slot = Some(fixed);
            }
        }
        (_, Ty::Error | Ty::Never) => {}
        (Ty::Vector(d), Ty::Vector(a)) | (Ty::MutRef(d), Ty::MutRef(a)) => unify(d, a, slots),
        // A `&mut` argument is frozen where a `&` is declared.
        (Ty::Ref(d), Ty::Ref(a) | Ty::MutRef(a)) => unify(d, a, slots),
        (Ty::Struct(d, dargs), Ty::Struct(a, aargs)) if d == a => {
            dargs.iter().zip(aargs).for_each(|(d, a)| unify(d, a, slots));
        }
        (Ty::Tuple(d), Ty::Tuple(a)) if d.len() == a.len() => {
            d.iter().zip(a).for_each(|(d, a)| unify(d, a, slots));
        }
        _ => {}
    }
}

/// `declared` with its parameters replaced, when every one it mentions is known.
pub fn known(declared: &Ty, slots: &Slots) -> Option<Ty> {
    fn all_known(ty: &Ty, slots: &Slots) -> bool {
        match ty {
            Ty::Param(p) => slots.get(usize::from(p.index)).is_some_and(Option::is_some),
            Ty::Vector(inner) | Ty::Ref(inner) | Ty::MutRef(inner) => all_known(inner, slots),
            Ty::Struct(_, items) | Ty::Tuple(items) => items.iter().all(|t| all_known(t, slots)),
            _ => true,
        }
    }
    if !all_known(declared, slots) {
        return None;
    }
    let args: Vec<Ty> = slots.iter().map(|s| s.clone().unwrap_or(Ty::Error)).collect();
    Some(declared.subst(&args))
}

impl FunChecker<'_> {
    /// The slots of an instantiation of `what` (e.g. `` function `coin::zero` ``):
    /// all known when type arguments are written (resolved and counted), all
    /// unknown otherwise.
    pub fn written_type_args(
        &mut self,
        what: &str,
        params: &[TypeParamInfo],
        written: &[Type],
        span: Span,
        decl: Option<Span>,
    ) -> Slots {
        if written.is_empty() {
            return vec![None; params.len()];
        }
        let mut diags = Vec::new();
        let args: Vec<Ty> =
            written.iter().map(|t| resolve_type(self.lookup, t, TypeContext::TypeArg, &mut diags)).collect();
        self.diags.extend(diags);
        if args.len() != params.len() {
            self.error(generics::count_mismatch(what, params.len(), args.len(), span, decl));
            return vec![Some(Ty::Error); params.len()];
        }
        args.into_iter().map(Some).collect()
    }

    /// The final type arguments: an unknown one is an error (`Ty::Error`
    /// stands in), and each must satisfy its constraints. `how` says how to
    /// write the arguments (`coin::zero<T>()`).
    pub fn finish_type_args(
        &mut self,
        what: &str,
        how: &str,
        params: &[TypeParamInfo],
        slots: Slots,
        span: Span,
    ) -> Vec<Ty> {
        let mut out = Vec::with_capacity(slots.len());
        let mut unknown = Vec::new();
        for (param, slot) in params.iter().zip(slots) {
            match slot {
                // Inferred from a reference argument (`id(&x)` for `id<T>(x: T)`):
                // as in Move, a type argument is a value type.
                Some(ty) if ty.is_reference() || matches!(ty, Ty::Tuple(_)) => {
                    let shown = self.show(&ty);
                    self.error(
                        Diagnostic::new(
                            Code::InvalidTypeArgs,
                            span,
                            format!("type argument `{shown}` for `{}` of {what} is not a value type", param.name),
                        )
                        .with_label_message(format!("`{}` would be `{shown}`", param.name))
                        .with_note("type arguments cannot be references or tuples"),
                    );
                    out.push(Ty::Error);
                }
                Some(ty) => out.push(ty),
                None => {
                    unknown.push(param.name.as_str());
                    out.push(Ty::Error);
                }
            }
        }
        if !unknown.is_empty() {
            let names = unknown.join("`, `");
            let list = params.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ");
            self.error(
                Diagnostic::new(
                    Code::CannotInfer,
                    span,
                    format!("cannot infer type argument{} `{names}` of {what}", super::call::plural(unknown.len())),
                )
                .with_label_message("nothing here fixes it")
                .with_hint(format!("write {}", how.replace("<>", &format!("<{list}>")))),
            );
        }
        let mut diags = Vec::new();
        generics::check_constraints(self.env, self.module(), what, params, &out, span, &mut diags);
        self.diags.extend(diags);
        out
    }
}
