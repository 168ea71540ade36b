//! The linker: checks a verified module against the modules already published
//! and resolves every handle to what it names.
//!
//! The verifier checks a module alone and trusts the handles it declares for
//! foreign structs and functions; here those handles meet the real
//! definitions. A foreign struct must exist with the same abilities, a foreign
//! function must exist, be public and have the same parameters, returns and
//! access spec (compared with struct handles resolved to [`TypeId`]s, since
//! handle indexes differ between modules).

use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};

use internment::Intern;
use rustc_hash::FxHashMap;

use super::loaded::{
    CallSignature, CallTarget, LoadedFunction, LoadedModule, LoadedStruct, ResolvedAccess, ResolvedType,
};
use super::runtime_types::{struct_tag, InstStruct};
use super::{CodeCache, LoadError};
use resin_format::file_format::{
    AccessMode, AccessSpec, AddressSource, ConstValue, IndexSource, Module, ModuleId, StructHandleIdx, StructInstIdx,
    Type, Visibility,
};
use resin_state::keys::TypeId;
use resin_state::type_tag::StructTag;
use resin_state::value::Value;
use resin_verifier::VerifyErrorKind;

/// Links `module` (whose encoding hashes to `hash`) against `cache`;
/// nothing is published here.
pub(super) fn link(cache: &CodeCache, module: Module, hash: [u8; 32]) -> Result<LoadedModule, LoadError> {
    let id = module.self_id().cloned().ok_or(LoadError::MissingSelfHandle)?;
    if cache.is_published(&id) {
        return Err(LoadError::AlreadyPublished(id));
    }
    let deps = dependencies(cache, &id, &module)?;
    let structs = own_structs(cache, &id, &module)?;
    let handle_types = struct_handle_types(&id, &module, &deps, &structs)?;
    let depths = check_depths(&id, &module, &deps)?;
    let resolve = |ty: &Type| resolve_type(&id, ty, &handle_types);
    let structs = structs
        .into_iter()
        .map(|(def, mut loaded)| {
            loaded.field_types = def.fields.iter().map(|f| resolve(&f.ty)).collect::<Result<_, _>>()?;
            loaded.depth = depths.get(def.handle.index()).copied().unwrap_or(1);
            Ok(loaded)
        })
        .collect::<Result<Vec<_>, LoadError>>()?;
    let call_targets = call_targets(&id, &module, &deps, &handle_types)?;
    let functions = functions(&id, &module, &handle_types)?;
    let function_index = functions.iter().enumerate().map(|(i, f)| (f.name.clone(), index16(i))).collect();
    let struct_index = structs.iter().enumerate().map(|(i, s)| (s.name.to_string(), index16(i))).collect();
    let constants = module.constants.iter().map(|c| const_value(&c.value)).collect();
    let struct_insts = (0..module.struct_instantiations.len())
        .map(|i| InstStruct::new(&module, StructInstIdx(index16(i)), &[]))
        .collect();
    let calls = (0..module.function_instantiations.len()).map(|_| OnceLock::new()).collect();
    Ok(LoadedModule {
        id: Intern::new(id),
        module,
        hash,
        handle_types,
        structs,
        functions,
        call_targets,
        struct_insts,
        calls,
        constants,
        function_index,
        struct_index,
    })
}

/// The value depth of every struct handle, with other modules' structs at
/// their real depth (the verifier could only assume 1), checked against the
/// limit for every type the module names: a module may nest a struct of
/// another module that is itself deep.
fn check_depths(id: &ModuleId, module: &Module, deps: &[Option<Arc<LoadedModule>>]) -> Result<Vec<usize>, LoadError> {
    let foreign = |handle: StructHandleIdx| {
        module
            .struct_handle(handle)
            .and_then(|h| Some(deps.get(h.module.index())?.as_ref()?.struct_by_name(&h.name)?.depth))
            .unwrap_or(1)
    };
    resin_verifier::check_value_depth(module, &foreign).map_err(|e| match e.kind {
        VerifyErrorKind::ValueTooDeep { what, depth, max } => {
            let what = match e.function {
                Some(function) => format!("{what} of `{function}`"),
                None => what.into(),
            };
            LoadError::ValueTooDeep { module: id.clone(), what, depth, max }
        }
        _ => LoadError::Verify(Box::new(e)),
    })?;
    Ok(resin_verifier::value_depths(module, &foreign))
}

fn index16(i: usize) -> u16 {
    // Tables are limited to u16 entries by the verifier's limits pass.
    u16::try_from(i).unwrap_or(u16::MAX)
}

/// Per module handle, the published dependency (`None` for handle 0, the module itself).
fn dependencies(
    cache: &CodeCache,
    id: &ModuleId,
    module: &Module,
) -> Result<Vec<Option<Arc<LoadedModule>>>, LoadError> {
    let mut deps = vec![None];
    for dep in module.module_handles.iter().skip(1) {
        if dep == id {
            return Err(LoadError::Malformed { module: id.clone(), reason: "the module depends on itself".into() });
        }
        let loaded = cache
            .loaded(dep)
            .cloned()
            .ok_or_else(|| LoadError::MissingDependency { module: id.clone(), dependency: dep.clone() })?;
        deps.push(Some(loaded));
    }
    Ok(deps)
}

/// This module's struct definitions with their type ids, checked for
/// collisions with every published type and with each other.
fn own_structs<'m>(
    cache: &CodeCache,
    id: &ModuleId,
    module: &'m Module,
) -> Result<Vec<(&'m resin_format::file_format::StructDef, LoadedStruct)>, LoadError> {
    let mut seen: FxHashMap<TypeId, &str> = FxHashMap::default();
    let mut out = Vec::with_capacity(module.structs.len());
    for def in &module.structs {
        let handle = module.struct_handle(def.handle).ok_or_else(|| malformed(id, "struct definition handle"))?;
        let ty = TypeId::of(id, &handle.name);
        if let Some(existing) = cache.published_type_name(ty) {
            return Err(LoadError::TypeIdCollision { module: id.clone(), name: handle.name.clone(), existing });
        }
        if let Some(other) = seen.insert(ty, &handle.name) {
            return Err(LoadError::TypeIdCollision {
                module: id.clone(),
                name: handle.name.clone(),
                existing: format!("{id}::{other}"),
            });
        }
        let loaded = LoadedStruct {
            name: Intern::from_ref(handle.name.as_str()),
            ty,
            keyed_ty: TypeId::keyed(&StructTag::new(id.clone(), handle.name.clone(), Vec::new())),
            abilities: handle.abilities,
            type_params: handle.type_params.clone(),
            field_names: def.fields.iter().map(|f| f.name.clone()).collect(),
            field_types: Vec::new(),
            depth: 1,
        };
        out.push((def, loaded));
    }
    Ok(out)
}

fn struct_handle_types(
    id: &ModuleId,
    module: &Module,
    deps: &[Option<Arc<LoadedModule>>],
    own: &[(&resin_format::file_format::StructDef, LoadedStruct)],
) -> Result<Vec<TypeId>, LoadError> {
    // Looked up by handle index, not searched per handle: a module of many
    // structs must not make linking quadratic.
    let own_by_handle: FxHashMap<usize, TypeId> = own.iter().map(|(def, s)| (def.handle.index(), s.ty)).collect();
    module
        .struct_handles
        .iter()
        .enumerate()
        .map(|(index, handle)| match deps.get(handle.module.index()) {
            Some(None) => own_by_handle
                .get(&index)
                .copied()
                .ok_or_else(|| malformed(id, &format!("struct handle `{}` has no definition", handle.name))),
            Some(Some(dep)) => {
                let def = dep.struct_by_name(&handle.name).ok_or_else(|| LoadError::StructNotFound {
                    module: id.clone(),
                    name: format!("{}::{}", dep.id, handle.name),
                })?;
                if def.abilities != handle.abilities {
                    return Err(LoadError::StructAbilityMismatch {
                        module: id.clone(),
                        name: format!("{}::{}", dep.id, handle.name),
                        declared: handle.abilities,
                        actual: def.abilities,
                    });
                }
                if def.type_params != handle.type_params {
                    return Err(LoadError::Malformed {
                        module: id.clone(),
                        reason: format!("struct handle `{}::{}` declares other type parameters", dep.id, handle.name),
                    });
                }
                Ok(def.ty)
            }
            None => Err(malformed(id, "struct handle module index")),
        })
        .collect()
}

pub(super) fn resolve_type(id: &ModuleId, ty: &Type, handle_types: &[TypeId]) -> Result<ResolvedType, LoadError> {
    let inner = |t: &Type| resolve_type(id, t, handle_types).map(Box::new);
    Ok(match ty {
        Type::Bool => ResolvedType::Bool,
        Type::U8 => ResolvedType::U8,
        Type::U64 => ResolvedType::U64,
        Type::U128 => ResolvedType::U128,
        Type::U16 => ResolvedType::U16,
        Type::U32 => ResolvedType::U32,
        Type::U256 => ResolvedType::U256,
        Type::Address => ResolvedType::Address,
        Type::Signer => ResolvedType::Signer,
        Type::Vector(elem) => ResolvedType::Vector(inner(elem)?),
        Type::Struct(handle) => ResolvedType::Struct(
            *handle_types.get(handle.index()).ok_or_else(|| malformed(id, "struct handle index in a type"))?,
        ),
        Type::Ref(t) => ResolvedType::Ref(inner(t)?),
        Type::MutRef(t) => ResolvedType::MutRef(inner(t)?),
        Type::TypeParam(i) => ResolvedType::TypeParam(*i),
        Type::StructInst(handle, args) => ResolvedType::StructInst(
            *handle_types.get(handle.index()).ok_or_else(|| malformed(id, "struct handle index in a type"))?,
            resolve_types(id, args, handle_types)?,
        ),
    })
}

fn resolve_types(id: &ModuleId, tys: &[Type], handle_types: &[TypeId]) -> Result<Vec<ResolvedType>, LoadError> {
    tys.iter().map(|t| resolve_type(id, t, handle_types)).collect()
}

/// The access spec of a function that is not generic, each resource with its
/// concrete type id (an instantiation's when it has type arguments).
fn resolve_access(id: &ModuleId, module: &Module, spec: &AccessSpec) -> Result<Vec<ResolvedAccess>, LoadError> {
    spec.0
        .iter()
        .map(|a| {
            let tag = struct_tag(module, a.resource, &a.type_args, &[])
                .ok_or_else(|| malformed(id, "access spec struct handle or type"))?;
            ResolvedAccess::new(module, a, &tag).ok_or_else(|| malformed(id, "access spec module handle"))
        })
        .collect()
}

/// One access as [`comparable_access`] compares it.
type ComparableAccess = (AccessMode, ResolvedType, AddressSource<ModuleId>, Option<IndexSource>);

/// An access spec as a set comparable across modules: resources as
/// [`ResolvedType`]s, type parameters left in place.
fn comparable_access(
    id: &ModuleId,
    module_ids: &[ModuleId],
    spec: &AccessSpec,
    handle_types: &[TypeId],
) -> Result<BTreeSet<ComparableAccess>, LoadError> {
    spec.0
        .iter()
        .map(|a| {
            let ty = *handle_types.get(a.resource.index()).ok_or_else(|| malformed(id, "access spec struct handle"))?;
            let resource = if a.type_args.is_empty() {
                ResolvedType::Struct(ty)
            } else {
                ResolvedType::StructInst(ty, resolve_types(id, &a.type_args, handle_types)?)
            };
            // An object's module by id: the two modules number their handles apart.
            let address = a
                .address
                .map_module(|m| module_ids.get(m.index()).cloned())
                .ok_or_else(|| malformed(id, "access spec module handle"))?;
            Ok((a.mode, resource, address, a.index.clone()))
        })
        .collect()
}

/// Whether the declared access `d` allows the access `a` (the verifier's rule).
fn access_covers(d: &ComparableAccess, a: &ComparableAccess) -> bool {
    d.1 == a.1
        && a.0.covered_by(d.0)
        && (d.2 == AddressSource::Any || d.2 == a.2)
        && IndexSource::covers(d.3.as_ref(), a.3.as_ref())
}

/// Per function handle, where a call through it lands; foreign handles are
/// checked against the callee's definition.
fn call_targets(
    id: &ModuleId,
    module: &Module,
    deps: &[Option<Arc<LoadedModule>>],
    handle_types: &[TypeId],
) -> Result<Vec<CallTarget>, LoadError> {
    let mut targets = Vec::with_capacity(module.function_handles.len());
    let def_by_handle: FxHashMap<usize, usize> =
        module.functions.iter().enumerate().map(|(i, def)| (def.handle.index(), i)).rev().collect();
    for (index, handle) in module.function_handles.iter().enumerate() {
        let target = match deps.get(handle.module.index()) {
            Some(None) => def_by_handle
                .get(&index)
                .map(|&def| CallTarget::Local(index16(def)))
                .ok_or_else(|| malformed(id, &format!("function handle `{}` has no definition", handle.name)))?,
            Some(Some(dep)) => {
                let mismatch = |what: &'static str| LoadError::FunctionMismatch {
                    module: id.clone(),
                    name: format!("{}::{}", dep.id, handle.name),
                    what,
                };
                let def_index = dep.function_def_index(&handle.name).ok_or_else(|| LoadError::FunctionNotFound {
                    module: id.clone(),
                    name: format!("{}::{}", dep.id, handle.name),
                })?;
                let def = dep.functions.get(usize::from(def_index)).ok_or_else(|| mismatch("definition"))?;
                match def.visibility {
                    Visibility::Public => {}
                    // Friends are named by id, so a friend published later
                    // (a module may name one that does not exist yet) links.
                    Visibility::Friend if dep.module.friends.contains(id) => {}
                    Visibility::Friend => {
                        return Err(LoadError::NotAFriend {
                            module: id.clone(),
                            name: format!("{}::{}", dep.id, handle.name),
                        })
                    }
                    Visibility::Private => {
                        return Err(LoadError::FunctionNotPublic {
                            module: id.clone(),
                            name: format!("{}::{}", dep.id, handle.name),
                        })
                    }
                }
                if resolve_types(id, &handle.params, handle_types)? != def.params {
                    return Err(mismatch("parameters"));
                }
                if resolve_types(id, &handle.returns, handle_types)? != def.returns {
                    return Err(mismatch("return types"));
                }
                if handle.type_params != def.type_params {
                    return Err(mismatch("type parameters"));
                }
                let declared = comparable_access(id, &module.module_handles, &handle.access, handle_types)?;
                let own = dep.module.function_handle(def.handle).ok_or_else(|| mismatch("definition"))?;
                let actual = comparable_access(&dep.id, &dep.module.module_handles, &own.access, &dep.handle_types)?;
                // The caller was verified against the spec its handle
                // declares: a callee touching no more than that is safe.
                // Compiled code declares the callee's spec exactly; an
                // upgrade may since have narrowed it (never widened).
                if !actual.iter().all(|a| declared.iter().any(|d| access_covers(d, a))) {
                    return Err(mismatch("access spec"));
                }
                CallTarget::Foreign(Arc::clone(dep), def_index)
            }
            None => return Err(malformed(id, "function handle module index")),
        };
        targets.push(target);
    }
    Ok(targets)
}

fn functions(id: &ModuleId, module: &Module, handle_types: &[TypeId]) -> Result<Vec<LoadedFunction>, LoadError> {
    module
        .functions
        .iter()
        .map(|def| {
            let handle =
                module.function_handle(def.handle).ok_or_else(|| malformed(id, "function definition handle"))?;
            let params = resolve_types(id, &handle.params, handle_types)?;
            let returns = resolve_types(id, &handle.returns, handle_types)?;
            let signature = CallSignature::of(&params, &returns, |i| {
                handle.params.get(i).map_or_else(String::new, |ty| resin_format::disasm::type_name(module, ty))
            });
            let returns_reference = returns.iter().any(|t| matches!(t, ResolvedType::Ref(_) | ResolvedType::MutRef(_)));
            let generic = !handle.type_params.is_empty();
            Ok(LoadedFunction {
                name: handle.name.clone(),
                type_params: handle.type_params.clone(),
                handle: def.handle,
                instances: Default::default(),
                visibility: def.visibility,
                is_entry: def.is_entry,
                local_count: params.len() + def.locals.len(),
                returns,
                returns_reference,
                params,
                code: def.code.clone(),
                compiled: crate::interpreter::compile(&def.code, module),
                // A generic function's spec is instantiated per instance.
                access: if generic { Vec::new() } else { resolve_access(id, module, &handle.access)? },
                signature,
            })
        })
        .collect()
}

pub(crate) fn const_value(value: &ConstValue) -> Value {
    match value {
        ConstValue::Bool(b) => Value::Bool(*b),
        ConstValue::U8(v) => Value::U8(*v),
        ConstValue::U64(v) => Value::U64(*v),
        ConstValue::U128(v) => Value::U128(*v),
        ConstValue::U16(v) => Value::U16(*v),
        ConstValue::U32(v) => Value::U32(*v),
        ConstValue::U256(v) => Value::U256(*v),
        ConstValue::Address(a) => Value::Address(*a),
        ConstValue::Vector(items) => Value::vector(items.iter().map(const_value).collect()),
    }
}

fn malformed(id: &ModuleId, reason: &str) -> LoadError {
    LoadError::Malformed { module: id.clone(), reason: reason.to_string() }
}
