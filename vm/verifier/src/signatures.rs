//! Pass 3, signatures: every type is used where it may be. References appear
//! only at the top of a parameter, local or (non-entry) return type, never in
//! fields, vectors or constants, so none can enter storage;
//! constants hold the value their type says; struct fields respect the
//! struct's abilities and never contain the struct itself; access specs name
//! `key` types and parameters of the right type; entry functions take only
//! what a transaction can supply.

use std::collections::BTreeMap;

use super::error::{VerifyError, VerifyErrorKind};
use super::ty;
use resin_format::file_format::{
    Abilities, AddressSource, ConstValue, FunctionHandle, Module, StructDef, StructHandleIdx, Type,
};

pub(crate) fn verify(module: &Module) -> Result<(), VerifyError> {
    let err = |kind| VerifyError::module(module, kind);
    for (index, def) in module.functions.iter().enumerate() {
        let fn_err = |kind| VerifyError::function(module, index, None, kind);
        let Some(handle) = module.function_handle(def.handle) else { continue };
        check_handle(module, handle).map_err(fn_err)?;
        for local in &def.locals {
            check_local_type(module, local).map_err(fn_err)?;
        }
        if def.is_entry {
            check_entry(module, handle).map_err(fn_err)?;
        }
    }
    for handle in module.function_handles.iter().filter(|h| h.module.0 != 0) {
        check_handle(module, handle).map_err(err)?;
    }
    for sig in &module.signatures {
        if let Some(bad) = reference_misuse(sig, false) {
            let kind = match bad {
                RefMisuse::Nested => VerifyErrorKind::NestedReference { ty: ty::display(module, sig).into() },
                RefMisuse::Top | RefMisuse::InVector => VerifyErrorKind::ReferenceInVector {
                    ty: ty::display(module, &Type::Vector(Box::new(sig.clone()))).into(),
                },
            };
            return Err(err(kind));
        }
    }
    for (index, constant) in module.constants.iter().enumerate() {
        if !is_constant_type(&constant.ty) {
            return Err(err(VerifyErrorKind::InvalidConstantType {
                index,
                ty: ty::display(module, &constant.ty).into(),
            }));
        }
        if !value_has_type(&constant.value, &constant.ty) {
            return Err(err(VerifyErrorKind::ConstantValueMismatch {
                index,
                ty: ty::display(module, &constant.ty).into(),
            }));
        }
    }
    for def in &module.structs {
        check_struct(module, def).map_err(err)?;
    }
    check_no_recursion(module).map_err(err)
}

/// How a type misuses references.
enum RefMisuse {
    /// A reference at the top where none is allowed.
    Top,
    InVector,
    Nested,
}

fn reference_misuse(ty: &Type, allow_top: bool) -> Option<RefMisuse> {
    let mut current = ty;
    let mut outer: Option<&Type> = None;
    loop {
        let inner = match current {
            Type::Vector(inner) => inner,
            Type::Ref(inner) | Type::MutRef(inner) => {
                match outer {
                    None if !allow_top => return Some(RefMisuse::Top),
                    None => {}
                    Some(Type::Vector(_)) => return Some(RefMisuse::InVector),
                    Some(_) => return Some(RefMisuse::Nested),
                }
                inner
            }
            _ => return None,
        };
        outer = Some(current);
        current = inner;
    }
}

fn check_local_type(module: &Module, ty: &Type) -> Result<(), VerifyErrorKind> {
    match reference_misuse(ty, true) {
        None | Some(RefMisuse::Top) => Ok(()),
        Some(RefMisuse::InVector) => Err(VerifyErrorKind::ReferenceInVector { ty: ty::display(module, ty).into() }),
        Some(RefMisuse::Nested) => Err(VerifyErrorKind::NestedReference { ty: ty::display(module, ty).into() }),
    }
}

fn check_handle(module: &Module, handle: &FunctionHandle) -> Result<(), VerifyErrorKind> {
    for param in &handle.params {
        check_local_type(module, param)?;
    }
    // A returned reference is allowed at the top (what it may point into is
    // reference safety's concern); entry functions return none.
    for ret in &handle.returns {
        check_local_type(module, ret)?;
    }
    for access in &handle.access.0 {
        let abilities = module.struct_handle(access.resource).map_or(Abilities::EMPTY, |h| h.abilities);
        if !abilities.has(Abilities::KEY) {
            return Err(VerifyErrorKind::AccessOnNonKeyType {
                function: handle.name.as_str().into(),
                resource: ty::struct_display(module, access.resource).into(),
            });
        }
        let (param, expected, ok): (u8, &'static str, fn(&Type) -> bool) = match access.address {
            AddressSource::Param(p) => (p, "an `address` parameter", |t| *t == Type::Address),
            AddressSource::SignerOf(p) => (p, "a `signer` or `&signer` parameter", is_signer_param),
            AddressSource::Const(_) | AddressSource::Any => continue,
        };
        if !handle.params.get(usize::from(param)).is_some_and(ok) {
            return Err(VerifyErrorKind::AccessParamInvalid { function: handle.name.as_str().into(), param, expected });
        }
    }
    Ok(())
}

fn is_signer_param(ty: &Type) -> bool {
    match ty {
        Type::Signer => true,
        Type::Ref(inner) => **inner == Type::Signer,
        _ => false,
    }
}

/// Leading `signer`/`&signer` parameters are filled with the sender; the rest
/// come from transaction arguments, which are plain data: a struct parameter
/// would let anyone forge a `Coin`. Return values are discarded by the
/// executor, so they must be droppable.
fn check_entry(module: &Module, handle: &FunctionHandle) -> Result<(), VerifyErrorKind> {
    let signers = handle.params.iter().take_while(|t| is_signer_param(t)).count();
    for (index, param) in handle.params.iter().enumerate().skip(signers) {
        let data = ty::depth(param) == 1 || matches!(param, Type::Vector(_));
        let plain = matches!(ty::base(param), Type::Bool | Type::U8 | Type::U64 | Type::U128 | Type::Address);
        if !(data && plain && !contains_reference(param)) {
            return Err(VerifyErrorKind::InvalidEntryParameter { index, ty: ty::display(module, param).into() });
        }
    }
    for ret in &handle.returns {
        if matches!(ret, Type::Ref(_) | Type::MutRef(_)) {
            return Err(VerifyErrorKind::ReturnsReference { ty: ty::display(module, ret).into() });
        }
        if !ty::abilities(module, ret).has(Abilities::DROP) {
            return Err(VerifyErrorKind::EntryReturnWithoutDrop { ty: ty::display(module, ret).into() });
        }
    }
    Ok(())
}

fn contains_reference(ty: &Type) -> bool {
    let mut current = ty;
    loop {
        match current {
            Type::Ref(_) | Type::MutRef(_) => return true,
            Type::Vector(inner) => current = inner,
            _ => return false,
        }
    }
}

/// Constants are copyable plain data: primitives and vectors of them.
fn is_constant_type(ty: &Type) -> bool {
    !contains_reference(ty) && matches!(ty::base(ty), Type::Bool | Type::U8 | Type::U64 | Type::U128 | Type::Address)
}

/// Recursion depth is bounded by the type's depth, which limits capped.
fn value_has_type(value: &ConstValue, ty: &Type) -> bool {
    match (value, ty) {
        (ConstValue::Bool(_), Type::Bool)
        | (ConstValue::U8(_), Type::U8)
        | (ConstValue::U64(_), Type::U64)
        | (ConstValue::U128(_), Type::U128)
        | (ConstValue::Address(_), Type::Address) => true,
        (ConstValue::Vector(elems), Type::Vector(elem_ty)) => elems.iter().all(|e| value_has_type(e, elem_ty)),
        _ => false,
    }
}

fn check_struct(module: &Module, def: &StructDef) -> Result<(), VerifyErrorKind> {
    let struct_name = module.struct_name(def).unwrap_or_default();
    let abilities = module.struct_handle(def.handle).map_or(Abilities::EMPTY, |h| h.abilities);
    for field in &def.fields {
        if contains_reference(&field.ty) {
            return Err(VerifyErrorKind::ReferenceInStructField {
                struct_name: struct_name.into(),
                field: field.name.as_str().into(),
            });
        }
        if *ty::base(&field.ty) == Type::Signer {
            return Err(VerifyErrorKind::SignerInStructField {
                struct_name: struct_name.into(),
                field: field.name.as_str().into(),
            });
        }
        let field_abilities = ty::abilities(module, &field.ty);
        let required = [
            (Abilities::COPY, Abilities::COPY, "copy"),
            (Abilities::DROP, Abilities::DROP, "drop"),
            (Abilities::STORE, Abilities::STORE, "store"),
            (Abilities::KEY, Abilities::STORE, "store"),
        ];
        for (declared, needed, ability) in required {
            if abilities.has(declared) && !field_abilities.has(needed) {
                return Err(VerifyErrorKind::FieldMissingAbility {
                    struct_name: struct_name.into(),
                    field: field.name.as_str().into(),
                    ability,
                    required_by_key: declared == Abilities::KEY,
                });
            }
        }
    }
    Ok(())
}

/// Kahn's algorithm over "struct A has a field mentioning own struct B": what
/// never reaches in-degree zero sits on a cycle. Iterative, so a long chain of
/// structs cannot overflow the stack.
fn check_no_recursion(module: &Module) -> Result<(), VerifyErrorKind> {
    let def_of: BTreeMap<StructHandleIdx, usize> =
        module.structs.iter().enumerate().map(|(i, d)| (d.handle, i)).collect();
    let mut edges: Vec<Vec<usize>> = vec![Vec::new(); module.structs.len()];
    let mut in_degree = vec![0usize; module.structs.len()];
    for (from, def) in module.structs.iter().enumerate() {
        for field in &def.fields {
            if let Type::Struct(handle) = ty::base(&field.ty) {
                if let Some(&to) = def_of.get(handle) {
                    edges[from].push(to);
                    in_degree[to] += 1;
                }
            }
        }
    }
    let mut ready: Vec<usize> = (0..module.structs.len()).filter(|&i| in_degree[i] == 0).collect();
    let mut removed = 0;
    while let Some(node) = ready.pop() {
        removed += 1;
        for &to in &edges[node] {
            in_degree[to] -= 1;
            if in_degree[to] == 0 {
                ready.push(to);
            }
        }
    }
    if removed == module.structs.len() {
        return Ok(());
    }
    // Every struct left has a predecessor that is also left, so walking
    // predecessors for as many steps as there are structs ends on a cycle
    // (rather than on a struct that merely contains one).
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); module.structs.len()];
    for (from, tos) in edges.iter().enumerate() {
        for &to in tos {
            preds[to].push(from);
        }
    }
    let mut node = in_degree.iter().position(|&d| d > 0);
    for _ in 0..module.structs.len() {
        node = node.and_then(|n| preds[n].iter().copied().find(|&p| in_degree[p] > 0));
    }
    let on_cycle = node.and_then(|i| module.structs.get(i));
    let name = on_cycle.and_then(|d| module.struct_name(d)).unwrap_or_default();
    Err(VerifyErrorKind::RecursiveStruct { name: name.into() })
}
