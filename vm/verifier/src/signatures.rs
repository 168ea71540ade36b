//! Pass 3, signatures: every type is used where it may be. References appear
//! only at the top of a parameter, local or return type (never in fields,
//! vectors or constants, so none can enter storage; the references pass
//! proves a returned one points into the caller's data, never the callee's);
//! constants hold the value their type says; struct fields respect the
//! struct's abilities and never contain the struct itself; access specs name
//! `key` types and parameters of the right type; entry functions take only
//! what a transaction can supply.
//!
//! Generics (see [`generics`]): every instantiation, in a type, in an
//! instantiation the code uses or in an access, satisfies the constraints of
//! its parameters, where a type parameter in scope has the abilities it is
//! declared with; no type argument is a reference or holds a signer. A
//! struct's fields may use its phantom parameters only as phantom arguments
//! of other structs. Field abilities are checked assuming each non-phantom
//! parameter has every ability (an instantiation has only the abilities its
//! arguments allow, [`ty::instantiated`]). An entry function may be generic (a
//! transaction names its type arguments), but its parameters stay plain
//! data: a `T0` parameter is not something a transaction can supply.
//! Last, generic recursion that would need infinitely many instantiations
//! is refused ([`instantiation_loops`]).

use std::collections::BTreeMap;

use super::error::{VerifyError, VerifyErrorKind};
use super::generics::{self, check_instantiation, check_type_constraints};
use super::{instantiation_loops, ty};
use resin_format::file_format::{
    Abilities, AddressSource, ConstValue, FunctionHandle, IndexSource, Instr, Module, ObjectCreator, ObjectSeed,
    StructDef, StructHandleIdx, Type,
};

pub(crate) fn verify(module: &Module) -> Result<(), VerifyError> {
    let err = |kind| VerifyError::module(module, kind);
    for (index, def) in module.functions.iter().enumerate() {
        let fn_err = |kind| VerifyError::function(module, index, None, kind);
        let Some(handle) = module.function_handle(def.handle) else { continue };
        check_handle(module, handle).map_err(fn_err)?;
        for local in &def.locals {
            check_local_type(module, local).map_err(fn_err)?;
            check_type_constraints(module, &handle.type_params, local).map_err(fn_err)?;
        }
        if def.is_entry {
            check_entry(module, handle).map_err(fn_err)?;
        }
        for (offset, instr) in def.code.iter().enumerate() {
            check_instr(module, &handle.type_params, instr)
                .map_err(|kind| VerifyError::function(module, index, Some(super::cfg::offset16(offset)), kind))?;
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
    check_tables(module).map_err(err)?;
    for def in &module.structs {
        check_struct(module, def).map_err(err)?;
    }
    check_no_recursion(module).map_err(err)?;
    instantiation_loops::verify(module)
}

/// The instantiation tables hold no reference or signer, whoever uses them;
/// their constraints are checked where they are used, in the user's scope.
fn check_tables(module: &Module) -> Result<(), VerifyErrorKind> {
    let struct_args = module.struct_instantiations.iter().map(|i| &i.type_args);
    for args in struct_args.chain(module.function_instantiations.iter().map(|i| &i.type_args)) {
        let unconstrained = std::iter::repeat(Abilities::EMPTY);
        // A type parameter has every ability here: only the shape is checked.
        check_instantiation(module, &[ty::ALL; 32], "an instantiation", unconstrained, args)?;
    }
    Ok(())
}

/// The instantiation or vector element type an instruction names satisfies
/// its constraints in the scope of the function (type parameter `i` has
/// `params[i]`).
fn check_instr(module: &Module, params: &[Abilities], instr: &Instr) -> Result<(), VerifyErrorKind> {
    if let Instr::CallGeneric(f) = instr {
        if let Some((_, callee, args)) = generics::function_inst(module, *f) {
            check_instantiation(module, params, &callee.name, callee.type_params.iter().copied(), args)?;
        }
        return Ok(());
    }
    if let Some((def, args)) = generics::struct_operand(module, instr) {
        let handle = module.structs.get(def.index()).map(|d| d.handle);
        if let Some((idx, h)) = handle.and_then(|idx| module.struct_handle(idx).map(|h| (idx, h))) {
            let constraints = h.type_params.iter().map(|p| p.constraints);
            check_instantiation(module, params, &ty::struct_display(module, idx), constraints, args)?;
        }
        return Ok(());
    }
    if let Instr::TypeName(sig) | Instr::TypeIsStruct(sig) = instr {
        // The type operand of these two is a type argument of sorts: the type
        // of a value. (The pool's own check below would call a reference
        // there one inside a vector, which is what vector instructions make
        // of it.)
        if let Some(ty) = module.signatures.get(sig.index()).filter(|t| t.is_reference()) {
            return Err(VerifyErrorKind::ReferenceAsTypeArgument { ty: ty::display(module, ty).into() });
        }
    }
    generics::instr_types(module, instr).iter().try_for_each(|ty| check_type_constraints(module, params, ty))
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
    let scope = &handle.type_params;
    // A returned reference is checked where it is made: the references pass
    // proves it derives only from the function's reference parameters.
    for ty in handle.params.iter().chain(&handle.returns) {
        check_local_type(module, ty)?;
        check_type_constraints(module, scope, ty)?;
    }
    for access in &handle.access.0 {
        let resource = module.struct_handle(access.resource);
        let abilities = resource.map_or(Abilities::EMPTY, |h| h.abilities);
        if let Some(h) = resource {
            let constraints = h.type_params.iter().map(|p| p.constraints);
            let name = ty::struct_display(module, access.resource);
            check_instantiation(module, scope, &name, constraints, &access.type_args)?;
        }
        if !abilities.has(Abilities::KEY) {
            return Err(VerifyErrorKind::AccessOnNonKeyType {
                function: handle.name.as_str().into(),
                resource: ty::struct_display(module, access.resource).into(),
            });
        }
        let invalid = |param, expected| VerifyErrorKind::AccessParamInvalid {
            function: handle.name.as_str().into(),
            param,
            expected,
        };
        let (param, expected, ok): (u8, &'static str, fn(&Type) -> bool) = match access.address {
            AddressSource::Param(p) => (p, "an `address` parameter", |t| *t == Type::Address),
            AddressSource::SignerOf(p) => (p, "a `signer` or `&signer` parameter", is_signer_param),
            AddressSource::Const(_) | AddressSource::Any => (0, "", |_| true),
            AddressSource::Object(object) => match object.creator {
                ObjectCreator::Param(p) => (p, "an `address` parameter", |t| *t == Type::Address),
                ObjectCreator::SignerOf(p) => (p, "a `signer` or `&signer` parameter", is_signer_param),
                ObjectCreator::Const(_) => (0, "", |_| true),
            },
        };
        if !expected.is_empty() && !handle.params.get(usize::from(param)).is_some_and(ok) {
            return Err(invalid(param, expected));
        }
        // An object's seed is a `vector<u8>` parameter or fixed bytes in
        // their one canonical form (equal seeds must compare equal).
        if let AddressSource::Object(object) = access.address {
            match object.seed {
                ObjectSeed::Param(p) => {
                    let bytes = Type::Vector(Box::new(Type::U8));
                    if handle.params.get(usize::from(p)) != Some(&bytes) {
                        return Err(invalid(p, "a `vector<u8>` parameter"));
                    }
                }
                ObjectSeed::Const(seed) if seed.get().is_none() => {
                    return Err(VerifyErrorKind::AccessSeedInvalid { function: handle.name.as_str().into() });
                }
                ObjectSeed::Const(_) => {}
            }
        }
        // An index parameter is a value the transaction supplies or the
        // caller passes: plain data, with `copy` and `drop`. So is each
        // parameter a struct-built index is made of.
        for index in access.index.iter().flat_map(IndexSource::parts) {
            match index {
                IndexSource::Param(p) => {
                    let index_ty = handle.params.get(usize::from(p)).filter(|t| {
                        !t.is_reference() && ty::abilities(module, scope, t).has(Abilities::COPY.union(Abilities::DROP))
                    });
                    if index_ty.is_none() {
                        return Err(invalid(p, "a parameter whose type has `copy` and `drop`"));
                    }
                }
                IndexSource::SignerOf(p) if !handle.params.get(usize::from(p)).is_some_and(is_signer_param) => {
                    return Err(invalid(p, "a `signer` or `&signer` parameter"));
                }
                _ => {}
            }
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
/// executor, so they must be droppable, and no reference: there is no caller
/// frame for it to point into.
fn check_entry(module: &Module, handle: &FunctionHandle) -> Result<(), VerifyErrorKind> {
    let signers = handle.params.iter().take_while(|t| is_signer_param(t)).count();
    for (index, param) in handle.params.iter().enumerate().skip(signers) {
        let data = ty::depth(param) == 1 || matches!(param, Type::Vector(_));
        let plain = matches!(ty::base(param), Type::Bool | Type::Address) || ty::base(param).is_integer();
        if !(data && plain && !contains_reference(param)) {
            return Err(VerifyErrorKind::InvalidEntryParameter { index, ty: ty::display(module, param).into() });
        }
    }
    for ret in &handle.returns {
        if ret.is_reference() {
            return Err(VerifyErrorKind::ReturnsReference { ty: ty::display(module, ret).into() });
        }
        if !ty::abilities(module, &handle.type_params, ret).has(Abilities::DROP) {
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
    let base = ty::base(ty);
    !contains_reference(ty) && (matches!(base, Type::Bool | Type::Address) || base.is_integer())
}

/// Recursion depth is bounded by the type's depth, which limits capped.
fn value_has_type(value: &ConstValue, ty: &Type) -> bool {
    match (value, ty) {
        (ConstValue::Bool(_), Type::Bool)
        | (ConstValue::U8(_), Type::U8)
        | (ConstValue::U64(_), Type::U64)
        | (ConstValue::U128(_), Type::U128)
        | (ConstValue::U16(_), Type::U16)
        | (ConstValue::U32(_), Type::U32)
        | (ConstValue::U256(_), Type::U256)
        | (ConstValue::Address(_), Type::Address) => true,
        (ConstValue::Vector(elems), Type::Vector(elem_ty)) => elems.iter().all(|e| value_has_type(e, elem_ty)),
        _ => false,
    }
}

fn check_struct(module: &Module, def: &StructDef) -> Result<(), VerifyErrorKind> {
    let struct_name = module.struct_name(def).unwrap_or_default();
    let Some(handle) = module.struct_handle(def.handle) else { return Ok(()) };
    let declared: Vec<Abilities> = handle.type_params.iter().map(|p| p.constraints).collect();
    // For the field abilities, a non-phantom parameter counts as having every
    // ability: an instantiation loses those its arguments lack anyway.
    let assumed: Vec<Abilities> =
        handle.type_params.iter().map(|p| if p.is_phantom { p.constraints } else { ty::ALL }).collect();
    for field in &def.fields {
        let field_error = |field_name: &str| (Box::<str>::from(struct_name), Box::<str>::from(field_name));
        if contains_reference(&field.ty) {
            let (struct_name, field) = field_error(&field.name);
            return Err(VerifyErrorKind::ReferenceInStructField { struct_name, field });
        }
        if field.ty.preorder().any(|t| *t == Type::Signer) {
            let (struct_name, field) = field_error(&field.name);
            return Err(VerifyErrorKind::SignerInStructField { struct_name, field });
        }
        if let Some(param) = phantom_misuse(module, &field.ty, &handle.type_params) {
            let (struct_name, field) = field_error(&field.name);
            return Err(VerifyErrorKind::PhantomParameterInField { struct_name, field, param });
        }
        check_type_constraints(module, &declared, &field.ty)?;
        let field_abilities = ty::abilities(module, &assumed, &field.ty);
        for (declared, needed) in ty::REQUIREMENTS {
            if handle.abilities.has(declared) && !field_abilities.has(needed) {
                let (struct_name, field) = field_error(&field.name);
                return Err(VerifyErrorKind::FieldMissingAbility {
                    struct_name,
                    field,
                    ability: ability_name(needed),
                    required_by_key: declared == Abilities::KEY,
                });
            }
        }
    }
    Ok(())
}

fn ability_name(ability: Abilities) -> &'static str {
    match ability {
        Abilities::COPY => "copy",
        Abilities::DROP => "drop",
        Abilities::KEY => "key",
        _ => "store",
    }
}

/// A phantom type parameter of the struct used anywhere but as a phantom
/// argument of a struct (Move's rule: `vector<T>` or `Box<T>` with `T`
/// phantom would make `T` part of the value). Iterative.
fn phantom_misuse(module: &Module, ty: &Type, params: &[resin_format::file_format::StructTypeParam]) -> Option<u16> {
    let mut stack = vec![(ty, false)];
    while let Some((current, phantom_position)) = stack.pop() {
        match current {
            Type::TypeParam(i) => {
                let phantom = params.get(usize::from(*i)).is_some_and(|p| p.is_phantom);
                if phantom && !phantom_position {
                    return Some(*i);
                }
            }
            Type::Vector(inner) | Type::Ref(inner) | Type::MutRef(inner) => stack.push((inner, false)),
            Type::StructInst(handle, args) => {
                let positions = module.struct_handle(*handle).map(|h| &h.type_params);
                for (index, arg) in args.iter().enumerate() {
                    let phantom = positions.and_then(|p| p.get(index)).is_some_and(|p| p.is_phantom);
                    stack.push((arg, phantom));
                }
            }
            _ => {}
        }
    }
    None
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
        // Through type arguments too: `S { f: vector<Box<S>> }` contains itself.
        for node in def.fields.iter().flat_map(|f| f.ty.preorder()) {
            if let Type::Struct(handle) | Type::StructInst(handle, _) = node {
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
