//! Turning written types into semantic ones, checking where references may
//! appear: only at the top of a parameter or local type. Never in a return
//! type (a reference would escape the call), a field, a vector or a constant
//! (it would enter storage), and never a reference to a reference.

use super::generics;
use super::lookup::Lookup;
use crate::ast::{Path, Type, TypeKind};
use crate::diagnostics::{Code, Diagnostic};
use crate::typeck::ty::Ty;

/// The deepest type the bytecode accepts (`vector<vector<u8>>` is 3 deep).
pub const MAX_TYPE_DEPTH: usize = 32;

/// Where a written type appears.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypeContext {
    Param,
    Return,
    Field,
    Local,
    Constant,
    /// A vector element type or a builtin's type argument.
    TypeArg,
}

/// Resolves `ty`, reporting unknown structs and misplaced references.
pub fn resolve_type(lookup: &Lookup<'_>, ty: &Type, context: TypeContext, diags: &mut Vec<Diagnostic>) -> Ty {
    resolve_at(lookup, ty, context, 0, diags)
}

fn resolve_at(lookup: &Lookup<'_>, ty: &Type, context: TypeContext, depth: usize, diags: &mut Vec<Diagnostic>) -> Ty {
    if depth >= MAX_TYPE_DEPTH {
        diags.push(
            Diagnostic::new(Code::InvalidType, ty.span, "type nested too deeply")
                .with_note(format!("types may be at most {MAX_TYPE_DEPTH} levels deep")),
        );
        return Ty::Error;
    }
    match &ty.kind {
        TypeKind::Bool => Ty::Bool,
        TypeKind::U8 => Ty::U8,
        TypeKind::U64 => Ty::U64,
        TypeKind::U128 => Ty::U128,
        TypeKind::U16 => Ty::U16,
        TypeKind::U32 => Ty::U32,
        TypeKind::U256 => Ty::U256,
        TypeKind::Address => Ty::Address,
        TypeKind::Signer => Ty::Signer,
        TypeKind::Error => Ty::Error,
        TypeKind::Vector(inner) => {
            Ty::Vector(Box::new(resolve_at(lookup, inner, TypeContext::TypeArg, depth + 1, diags)))
        }
        TypeKind::Named(path, args) => named(lookup, ty, path, args, depth, diags),
        TypeKind::Ref(inner) | TypeKind::MutRef(inner) => {
            let mutable = matches!(ty.kind, TypeKind::MutRef(_));
            if let Some(diag) = misplaced_reference(ty, context, depth) {
                diags.push(diag);
                // Keep checking the referenced type for its own errors.
                resolve_at(lookup, inner, TypeContext::TypeArg, depth + 1, diags);
                return Ty::Error;
            }
            if matches!(inner.kind, TypeKind::Ref(_) | TypeKind::MutRef(_)) {
                diags.push(
                    Diagnostic::new(Code::NestedReference, ty.span, "reference to a reference")
                        .with_label_message("references cannot point at references"),
                );
                return Ty::Error;
            }
            let target = resolve_at(lookup, inner, TypeContext::TypeArg, depth + 1, diags);
            if mutable {
                Ty::MutRef(Box::new(target))
            } else {
                Ty::Ref(Box::new(target))
            }
        }
    }
}

/// A type parameter in scope, or a struct applied to as many arguments as it
/// has parameters, each satisfying its parameter's constraints.
fn named(lookup: &Lookup<'_>, ty: &Type, path: &Path, args: &[Type], depth: usize, diags: &mut Vec<Diagnostic>) -> Ty {
    let resolved: Vec<Ty> =
        args.iter().map(|a| resolve_at(lookup, a, TypeContext::TypeArg, depth + 1, diags)).collect();
    if let Some(param) = path.as_single().and_then(|n| lookup.type_param(&n.name)) {
        if !args.is_empty() {
            diags.push(generics::count_mismatch(
                &format!("type parameter `{}`", path.name.name),
                0,
                args.len(),
                ty.span,
                None,
            ));
        }
        return param;
    }
    let id = match lookup.struct_path(path) {
        Ok(id) => id,
        Err(diag) => {
            diags.push(diag);
            return Ty::Error;
        }
    };
    let Some(info) = lookup.env.strukt(id) else { return Ty::Error };
    let what = format!("struct `{}`", lookup.env.struct_display(id, Some(lookup.current())));
    if info.type_params.len() != args.len() {
        diags.push(generics::count_mismatch(&what, info.type_params.len(), args.len(), ty.span, info.span));
        return Ty::Error;
    }
    generics::check_constraints(lookup.env, lookup.current(), &what, &info.type_params, &resolved, ty.span, diags);
    Ty::Struct(id, resolved)
}

fn misplaced_reference(ty: &Type, context: TypeContext, depth: usize) -> Option<Diagnostic> {
    if depth > 0 {
        // Nested in a vector (a reference inside a reference is reported separately).
        return Some(
            Diagnostic::new(Code::ReferenceInStruct, ty.span, "reference inside a vector type")
                .with_label_message("vectors hold values, not references"),
        );
    }
    match context {
        // A returned reference must derive from the reference parameters;
        // the borrow check makes sure it does.
        TypeContext::Param | TypeContext::Local | TypeContext::Return => None,
        TypeContext::Field => Some(
            Diagnostic::new(Code::ReferenceInStruct, ty.span, "struct fields cannot hold references")
                .with_label_message("reference in a field type")
                .with_note("structs can be stored globally; references never enter storage"),
        ),
        TypeContext::Constant => Some(
            Diagnostic::new(Code::InvalidConstantType, ty.span, "constants cannot be references")
                .with_label_message("reference in a constant type"),
        ),
        TypeContext::TypeArg => Some(
            Diagnostic::new(Code::ReferenceInStruct, ty.span, "a reference is not a valid type argument")
                .with_label_message("type arguments are types of values, not references"),
        ),
    }
}
