//! Value depth, part of the limits pass: how deeply a value of each type the
//! module names can nest, against [`MAX_VALUE_DEPTH`].
//!
//! A value is a tree and every walk over one (drop, equality, hashing,
//! encoding, printing) follows it, so a chain of structs `S0 { f: S1 }`, ...,
//! `S(n-1) { f: u64 }` would build a value deep enough to overflow a
//! thread's stack. Values only come from types the module names (struct
//! fields, parameters, returns, locals, constants and the element types of
//! vector instructions), so bounding the depth of those types bounds every
//! value the module can build.
//!
//! A struct of another module is counted as 1 deep here, the least it can
//! be: this module alone cannot see its fields. The loader computes the real
//! depth at link time, when the defining module is at hand.
//!
//! Structs are visited in dependency order (Kahn's algorithm), never by
//! recursion, so a long chain cannot overflow the verifier's own stack.
//! Structs on a cycle get no depth here; the signatures pass rejects them.
//!
//! A generic struct's depth is computed with each type parameter counted as
//! 1 deep (a leaf); an instantiation `S<A, B>` is then bounded by that depth
//! plus what its deepest argument adds beyond 1: an upper bound, since the
//! argument may sit in a shallower field. A type parameter of a function is
//! counted as 1: what it is instantiated with is checked where that type is
//! named (the caller's types, the loader at link time).

use std::collections::BTreeMap;

use super::error::{VerifyError, VerifyErrorKind};
use resin_format::encoding::limits::MAX_VALUE_DEPTH;
use resin_format::file_format::{Module, StructHandleIdx, Type};

/// The depth of a value of `ty`, given the depth of each struct handle:
/// one level per vector around the leaf (a reference adds none: it is not
/// part of a value), then the leaf's own depth.
pub(crate) fn value_depth(ty: &Type, struct_depths: &[usize]) -> usize {
    let mut vectors = 0usize;
    let mut current = ty;
    while let Type::Vector(inner) | Type::Ref(inner) | Type::MutRef(inner) = current {
        if matches!(current, Type::Vector(_)) {
            vectors += 1;
        }
        current = inner;
    }
    let leaf = match current {
        Type::Struct(handle) => struct_depths.get(handle.index()).copied().unwrap_or(1),
        Type::StructInst(handle, args) => {
            // Recursion is bounded by the type's depth, which limits checks first.
            let deepest_arg = args.iter().map(|arg| value_depth(arg, struct_depths)).max().unwrap_or(1);
            struct_depths.get(handle.index()).copied().unwrap_or(1).saturating_add(deepest_arg.saturating_sub(1))
        }
        _ => 1,
    };
    vectors.saturating_add(leaf)
}

/// Per struct handle, the depth of its values: computed for the module's own
/// structs, `foreign_depth` for the others (what the loader records for each
/// struct it links).
pub fn value_depths(module: &Module, foreign_depth: &dyn Fn(StructHandleIdx) -> usize) -> Vec<usize> {
    let mut depths: Vec<usize> = (0..module.struct_handles.len())
        .map(|i| {
            let handle = StructHandleIdx(u16::try_from(i).unwrap_or(u16::MAX));
            match module.struct_handle(handle) {
                Some(h) if h.module.0 != 0 => foreign_depth(handle),
                _ => 1,
            }
        })
        .collect();
    let def_of: BTreeMap<StructHandleIdx, usize> =
        module.structs.iter().enumerate().map(|(i, d)| (d.handle, i)).collect();
    // For each definition, the own definitions its fields need first.
    let mut users: Vec<Vec<usize>> = vec![Vec::new(); module.structs.len()];
    let mut pending = vec![0usize; module.structs.len()];
    for (user, def) in module.structs.iter().enumerate() {
        for node in def.fields.iter().flat_map(|f| f.ty.preorder()) {
            if let Type::Struct(handle) | Type::StructInst(handle, _) = node {
                if let Some(&needed) = def_of.get(handle) {
                    users[needed].push(user);
                    pending[user] += 1;
                }
            }
        }
    }
    let mut ready: Vec<usize> = (0..module.structs.len()).filter(|&i| pending[i] == 0).collect();
    while let Some(index) = ready.pop() {
        let def = &module.structs[index];
        let deepest_field = def.fields.iter().map(|f| value_depth(&f.ty, &depths)).max().unwrap_or(0);
        if let Some(slot) = depths.get_mut(def.handle.index()) {
            *slot = deepest_field.saturating_add(1);
        }
        for &user in &users[index] {
            pending[user] -= 1;
            if pending[user] == 0 {
                ready.push(user);
            }
        }
    }
    depths
}

fn too_deep(what: String, depth: usize) -> Result<(), VerifyErrorKind> {
    if depth > MAX_VALUE_DEPTH {
        return Err(VerifyErrorKind::ValueTooDeep { what: what.into(), depth, max: MAX_VALUE_DEPTH });
    }
    Ok(())
}

/// Checks every type the module names, counting a struct of another module
/// as 1 deep; the first type too deep is the error.
pub(crate) fn verify(module: &Module) -> Result<(), VerifyError> {
    check_value_depth(module, &|_| 1)
}

/// Checks every type the module names, with `foreign_depth` giving the depth
/// of each struct handle of another module (the loader knows it; the
/// verifier assumes 1). The module must have passed the bounds pass.
pub fn check_value_depth(module: &Module, foreign_depth: &dyn Fn(StructHandleIdx) -> usize) -> Result<(), VerifyError> {
    let depths = value_depths(module, foreign_depth);
    let err = |kind| VerifyError::module(module, kind);
    for def in &module.structs {
        let name = module.struct_name(def).unwrap_or_default();
        let depth = depths.get(def.handle.index()).copied().unwrap_or(1);
        too_deep(format!("struct `{name}`"), depth).map_err(err)?;
    }
    for (i, sig) in module.signatures.iter().enumerate() {
        // A signature is the element type of a vector instruction, which
        // builds a vector of it: one level more.
        too_deep(format!("the vector of signature {i}"), value_depth(sig, &depths).saturating_add(1)).map_err(err)?;
    }
    for (i, constant) in module.constants.iter().enumerate() {
        too_deep(format!("constant {i}"), value_depth(&constant.ty, &depths)).map_err(err)?;
    }
    let instantiated = module.struct_instantiations.iter().filter_map(|inst| {
        let handle = module.structs.get(inst.def.index())?.handle;
        Some(Type::StructInst(handle, inst.type_args.clone()))
    });
    for (i, ty) in instantiated.enumerate() {
        too_deep(format!("struct instantiation {i}"), value_depth(&ty, &depths)).map_err(err)?;
    }
    for handle in &module.function_handles {
        for (i, ty) in handle.params.iter().enumerate() {
            too_deep(format!("parameter {i} of `{}`", handle.name), value_depth(ty, &depths)).map_err(err)?;
        }
        for (i, ty) in handle.returns.iter().enumerate() {
            too_deep(format!("return value {i} of `{}`", handle.name), value_depth(ty, &depths)).map_err(err)?;
        }
    }
    for (index, def) in module.functions.iter().enumerate() {
        let params = module.function_handle(def.handle).map_or(0, |h| h.params.len());
        for (i, ty) in def.locals.iter().enumerate() {
            too_deep(format!("local {}", params + i), value_depth(ty, &depths))
                .map_err(|kind| VerifyError::function(module, index, None, kind))?;
        }
    }
    Ok(())
}
