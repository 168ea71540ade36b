//! Type parameters: declaring them (names, constraints, `phantom`), checking
//! type-argument counts and constraints at every instantiation, and Move's
//! phantom rules for struct declarations.

use std::collections::HashMap;

use resin_format::file_format::Abilities;

use super::decls::abilities_of;
use super::env::{Env, ModId, StructInfo, TypeParamInfo};
use crate::ast;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::typeck::call::plural;
use crate::typeck::ty::Ty;

/// The declared type parameters of a struct or function; a name declared
/// twice is reported (and kept, so indexes stay those of the source).
pub fn declare(params: &[ast::TypeParam], diags: &mut Vec<Diagnostic>) -> Vec<TypeParamInfo> {
    let mut seen: HashMap<&str, Span> = HashMap::new();
    for param in params {
        if let Some(first) = seen.insert(&param.name.name, param.name.span) {
            diags.push(
                Diagnostic::new(
                    Code::DuplicateTypeParam,
                    param.name.span,
                    format!("duplicate type parameter `{}`", param.name.name),
                )
                .with_label_message("declared again here")
                .with_secondary(first, "first declared here"),
            );
        }
    }
    params
        .iter()
        .map(|p| TypeParamInfo {
            name: p.name.name.clone(),
            constraints: abilities_of(&p.constraints),
            phantom: p.phantom.is_some(),
            span: Some(p.name.span),
        })
        .collect()
}

/// The wrong-count error for `what` (`struct `Coin``, `function `zero``).
pub fn count_mismatch(what: &str, expected: usize, given: usize, span: Span, decl: Option<Span>) -> Diagnostic {
    let (message, label) = if expected == 0 {
        (format!("{what} takes no type arguments"), format!("found {given} type argument{}", plural(given)))
    } else {
        (
            format!("{what} takes {expected} type argument{}, {given} given", plural(expected)),
            format!("expected {expected} type argument{}", plural(expected)),
        )
    };
    let mut diag = Diagnostic::new(Code::TypeArgCount, span, message).with_label_message(label);
    if let Some(decl) = decl {
        diag = diag.with_secondary(decl, "declared here");
    }
    diag
}

/// Each argument must have the abilities its parameter is constrained to.
/// `what` names the generic item (`struct `Coin``, `function `merge``).
pub fn check_constraints(
    env: &Env,
    current: ModId,
    what: &str,
    params: &[TypeParamInfo],
    args: &[Ty],
    span: Span,
    diags: &mut Vec<Diagnostic>,
) {
    for (param, arg) in params.iter().zip(args) {
        let has = arg.abilities(env);
        if has.has(param.constraints) {
            continue;
        }
        let missing = Abilities(param.constraints.0 & !has.0);
        let shown = arg.display(env, Some(current));
        let mut diag = Diagnostic::new(
            Code::ConstraintNotSatisfied,
            span,
            format!("type argument `{shown}` for `{}` of {what} lacks `{}`", param.name, names(missing).join("`, `")),
        )
        .with_label_message(format!("`{}` requires `{}`", param.name, names(param.constraints).join(" + ")));
        if let Some(decl) = param.span {
            diag = diag.with_secondary(decl, format!("`{}` constrained here", param.name));
        }
        diags.push(diag);
    }
}

fn names(abilities: Abilities) -> Vec<&'static str> {
    [(Abilities::COPY, "copy"), (Abilities::DROP, "drop"), (Abilities::STORE, "store"), (Abilities::KEY, "key")]
        .into_iter()
        .filter(|(a, _)| abilities.has(*a))
        .map(|(_, n)| n)
        .collect()
}

/// Move's phantom rules for one struct declaration: a `phantom` parameter
/// appears only as a phantom argument of another struct, and a parameter
/// that never appears anywhere else must be declared `phantom` (so it does
/// not limit the abilities of the struct's instances for nothing).
pub fn check_phantoms(env: &Env, info: &StructInfo, def: &ast::StructDef, diags: &mut Vec<Diagnostic>) {
    let mut used = vec![false; info.type_params.len()];
    for (field, decl) in info.fields.iter().zip(&def.fields) {
        walk(env, &field.ty, false, &mut |index, phantom_position| {
            let Some(param) = info.type_params.get(index) else { return };
            if !phantom_position {
                used[index] = true;
                if param.phantom {
                    let mut diag = Diagnostic::new(
                        Code::PhantomMisuse,
                        decl.ty.span,
                        format!("phantom type parameter `{}` used in a non-phantom position", param.name),
                    )
                    .with_label_message(format!("field `{}` holds a value involving `{}`", field.name, param.name));
                    if let Some(span) = param.span {
                        diag = diag.with_secondary(span, "declared `phantom` here");
                    }
                    diags.push(diag.with_note(
                        "a phantom parameter may only be a phantom argument of another struct; remove `phantom` to use it in fields",
                    ));
                }
            }
        });
    }
    for (index, ((param, used), decl)) in info.type_params.iter().zip(used).zip(&def.type_params).enumerate() {
        // A duplicate name (already reported) always resolves to the first.
        let duplicate = info.type_params[..index].iter().any(|p| p.name == param.name);
        if !param.phantom && !used && !duplicate {
            diags.push(
                Diagnostic::new(
                    Code::PhantomMisuse,
                    decl.name.span,
                    format!("type parameter `{}` is not used in a non-phantom position", param.name),
                )
                .with_label_message("must be declared `phantom`")
                .with_hint(format!("write `phantom {}`", param.name))
                .with_note("a parameter no field holds a value of would limit the abilities of instances for nothing"),
            );
        }
    }
}

/// Calls `visit(index, in_phantom_position)` for each type parameter in `ty`.
fn walk(env: &Env, ty: &Ty, phantom: bool, visit: &mut impl FnMut(usize, bool)) {
    match ty {
        Ty::Param(p) => visit(usize::from(p.index), phantom),
        Ty::Vector(inner) | Ty::Ref(inner) | Ty::MutRef(inner) => walk(env, inner, phantom, visit),
        Ty::Struct(id, args) => {
            let params = env.strukt(*id).map(|s| s.type_params.as_slice()).unwrap_or_default();
            for (i, arg) in args.iter().enumerate() {
                let is_phantom = params.get(i).is_some_and(|p| p.phantom);
                walk(env, arg, phantom || is_phantom, visit);
            }
        }
        Ty::Tuple(items) => items.iter().for_each(|t| walk(env, t, phantom, visit)),
        _ => {}
    }
}

/// What the field checks assume of a struct's own parameters: Move checks a
/// declared ability against the fields as if every non-phantom parameter had
/// every ability, since an instance keeps an ability only when its arguments
/// have it (so `Pair<A, B> has copy` needs no `A: copy`).
pub fn assumed_for_fields(params: &[TypeParamInfo]) -> Vec<Ty> {
    params.iter().enumerate().map(|(i, p)| if p.phantom { p.ty(i) } else { Ty::Error }).collect()
}
