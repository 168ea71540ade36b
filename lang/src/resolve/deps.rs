//! Importing already compiled modules into the environment: their structs
//! (with fields), public and private functions (with signatures and access
//! specs). A struct named by a dependency's handle whose module was not
//! supplied becomes a stub, so signatures mentioning it still resolve.

use resin_format::file_format::{
    Abilities, Access, AddressSource, Module, ModuleId, StructHandleIdx, StructTypeParam, Type,
    Visibility as VmVisibility,
};

use super::env::{
    Env, FieldInfo, FunInfo, ModId, ModuleEnv, Origin, SemAccess, StructId, StructInfo, TypeParamInfo, Visibility,
};
use crate::typeck::ty::Ty;

/// Registers each dependency (skipping those whose id is in `shadowed`: the
/// compile set replaces them) and returns its `ModId`, `None` when skipped.
pub fn import(env: &mut Env, deps: &[Module], shadowed: &[ModuleId]) -> Vec<Option<ModId>> {
    let mut ids = Vec::with_capacity(deps.len());
    // Pass 1: modules and struct names, so handles can be mapped in any order.
    for (index, dep) in deps.iter().enumerate() {
        let Some(self_id) = dep.self_id() else {
            ids.push(None);
            continue;
        };
        if shadowed.contains(self_id) || env.lookup(self_id).is_some() {
            ids.push(None);
            continue;
        }
        let mut module = ModuleEnv::new(self_id.clone(), Origin::Dependency(index));
        for def in &dep.structs {
            let Some(handle) = dep.struct_handle(def.handle) else { continue };
            module.add_struct(StructInfo {
                name: handle.name.clone(),
                type_params: struct_params(&handle.type_params),
                abilities: handle.abilities,
                fields: Vec::new(),
                fields_known: true,
                span: None,
            });
        }
        ids.push(Some(env.add_module(module)));
    }
    // Pass 2: stubs for structs of modules nobody supplied.
    for dep in deps {
        for handle in &dep.struct_handles {
            let Some(owner) = dep.module_handles.get(handle.module.index()) else { continue };
            let module = match env.lookup(owner) {
                Some(m) => m,
                None => env.add_module(ModuleEnv::new(owner.clone(), Origin::Stub)),
            };
            if let Some(stub) = env.module_mut(module).filter(|m| m.origin == Origin::Stub) {
                stub.add_struct(StructInfo {
                    name: handle.name.clone(),
                    type_params: struct_params(&handle.type_params),
                    abilities: handle.abilities,
                    fields: Vec::new(),
                    fields_known: false,
                    span: None,
                });
            }
        }
    }
    // Pass 3: field types and functions.
    for (dep, id) in deps.iter().zip(&ids) {
        let Some(id) = *id else { continue };
        let fields: Vec<Vec<FieldInfo>> = dep
            .structs
            .iter()
            .map(|def| {
                let params = dep.struct_handle(def.handle).map(|h| struct_params(&h.type_params)).unwrap_or_default();
                def.fields
                    .iter()
                    .map(|f| FieldInfo { name: f.name.clone(), ty: convert(env, dep, &params, &f.ty), span: None })
                    .collect()
            })
            .collect();
        let functions: Vec<FunInfo> = dep
            .functions
            .iter()
            .filter_map(|def| {
                let handle = dep.function_handle(def.handle)?;
                let type_params = fun_params(&handle.type_params);
                let access: std::sync::Arc<[SemAccess]> =
                    handle.access.0.iter().filter_map(|a| convert_access(env, dep, &type_params, a)).collect();
                Some(FunInfo {
                    name: handle.name.clone(),
                    visibility: match def.visibility {
                        VmVisibility::Public => Visibility::Public,
                        VmVisibility::Friend => Visibility::Friend,
                        VmVisibility::Private => Visibility::Private,
                    },
                    is_entry: def.is_entry,
                    params: handle.params.iter().map(|t| convert(env, dep, &type_params, t)).collect(),
                    param_names: (0..handle.params.len()).map(|i| format!("arg{i}")).collect(),
                    returns: handle.returns.iter().map(|t| convert(env, dep, &type_params, t)).collect(),
                    type_params,
                    access: Some(access),
                    written_access: None,
                    span: None,
                })
            })
            .collect();
        if let Some(module) = env.module_mut(id) {
            // Who may call its `public(friend)` functions.
            module.friends = dep.friends.clone();
            for (info, fields) in module.structs.iter_mut().zip(fields) {
                info.fields = fields;
            }
            for function in functions {
                module.add_function(function);
            }
        }
    }
    ids
}

/// The environment id of a dependency's struct handle.
pub fn struct_of_handle(env: &Env, dep: &Module, handle: StructHandleIdx) -> Option<StructId> {
    let handle = dep.struct_handle(handle)?;
    let owner = dep.module_handles.get(handle.module.index())?;
    env.find_struct(env.lookup(owner)?, &handle.name)
}

/// An access's address in `module` with an object's module handle as the
/// environment's id; `*` should the module not be in the environment
/// (never, for a module whose dependencies loaded): wider, never wrong.
pub fn address_of(env: &Env, module: &Module, address: AddressSource) -> AddressSource<ModId> {
    address.map_module(|m| env.lookup(module.module_handles.get(m.index())?)).unwrap_or(AddressSource::Any)
}

/// A compiled struct's type parameters; bytecode keeps no names, so they
/// are called `T0`, `T1`, ... in messages.
fn struct_params(params: &[StructTypeParam]) -> Vec<TypeParamInfo> {
    params
        .iter()
        .enumerate()
        .map(|(i, p)| TypeParamInfo {
            name: format!("T{i}"),
            constraints: p.constraints,
            phantom: p.is_phantom,
            span: None,
        })
        .collect()
}

/// A compiled function's type parameters (named as in [`struct_params`]).
fn fun_params(params: &[Abilities]) -> Vec<TypeParamInfo> {
    params
        .iter()
        .enumerate()
        .map(|(i, c)| TypeParamInfo { name: format!("T{i}"), constraints: *c, phantom: false, span: None })
        .collect()
}

/// A compiled type in semantic form, its `TypeParam(i)` being `params[i]`
/// (`Ty::Error` for a struct or parameter that cannot be found: a malformed
/// dependency, reported where it is used).
pub fn convert(env: &Env, dep: &Module, params: &[TypeParamInfo], ty: &Type) -> Ty {
    convert_at(env, dep, params, ty, 0)
}

/// Deeper than any verified module allows: stop rather than recurse without bound.
const MAX_DEPTH: usize = 64;

fn convert_at(env: &Env, dep: &Module, params: &[TypeParamInfo], ty: &Type, depth: usize) -> Ty {
    if depth > MAX_DEPTH {
        return Ty::Error;
    }
    let inner = |t: &Type| Box::new(convert_at(env, dep, params, t, depth + 1));
    match ty {
        Type::Bool => Ty::Bool,
        Type::U8 => Ty::U8,
        Type::U64 => Ty::U64,
        Type::U128 => Ty::U128,
        Type::U16 => Ty::U16,
        Type::U32 => Ty::U32,
        Type::U256 => Ty::U256,
        Type::Address => Ty::Address,
        Type::Signer => Ty::Signer,
        Type::Vector(t) => Ty::Vector(inner(t)),
        Type::Struct(handle) => struct_of_handle(env, dep, *handle).map_or(Ty::Error, Ty::plain),
        Type::Ref(t) => Ty::Ref(inner(t)),
        Type::MutRef(t) => Ty::MutRef(inner(t)),
        Type::TypeParam(i) => params.get(usize::from(*i)).map_or(Ty::Error, |p| p.ty(usize::from(*i))),
        Type::StructInst(handle, args) => match struct_of_handle(env, dep, *handle) {
            Some(id) => Ty::Struct(id, args.iter().map(|t| *inner(t)).collect()),
            None => Ty::Error,
        },
    }
}

/// An access of a compiled function whose type parameters are `params`.
fn convert_access(env: &Env, dep: &Module, params: &[TypeParamInfo], access: &Access) -> Option<SemAccess> {
    Some(SemAccess {
        mode: access.mode,
        resource: struct_of_handle(env, dep, access.resource)?,
        type_args: access.type_args.iter().map(|t| convert(env, dep, params, t)).collect(),
        address: address_of(env, dep, access.address),
        index: access.index.clone(),
    })
}
