//! Whether a module may replace the published module of the same id.
//!
//! The rules are Aptos's compatibility rules, which keep every caller,
//! every stored resource and every transaction that was valid before valid
//! after:
//!
//! - every struct stays, with its abilities, type parameters and fields
//!   (names, types, order), so stored values keep their layout and type ids;
//! - every public, friend and entry function stays, with its parameters,
//!   returns and type parameters (with their constraints); its visibility
//!   may widen (friend to public) but never shrink, and an entry function
//!   stays an entry function;
//! - the access set of every public or entry function may only narrow: each
//!   access of the new set must be covered by one of the old (callers
//!   compiled against the old set declared at least that much, and a
//!   scheduler's keys for a transaction stay a superset of what it touches);
//! - new structs and functions may be added; private functions may change
//!   or go.
//!
//! Types and resources are compared by their qualified names, since the two
//! modules' handle tables need not agree on indexes.

use resin_format::file_format::{
    Access, AddressSource, FunctionDef, IndexSource, Module, ModuleId, StructDef, Type, Visibility,
};

/// Why `new` may not replace `old`, in words naming what broke
/// (`struct Vault changed its fields`); `Ok` when it may.
pub fn check_upgrade(old: &Module, new: &Module) -> Result<(), String> {
    for def in &old.structs {
        check_struct(old, new, def)?;
    }
    for def in &old.functions {
        check_function(old, new, def)?;
    }
    Ok(())
}

fn check_struct(old: &Module, new: &Module, def: &StructDef) -> Result<(), String> {
    let Some(handle) = old.struct_handle(def.handle) else { return Ok(()) };
    let name = &handle.name;
    let Some((_, new_def)) = new.find_struct(name) else { return Err(format!("struct {name} was removed")) };
    let Some(new_handle) = new.struct_handle(new_def.handle) else {
        return Err(format!("struct {name} has no handle"));
    };
    if new_handle.abilities != handle.abilities {
        return Err(format!(
            "struct {name} changed its abilities from [{}] to [{}]",
            handle.abilities, new_handle.abilities
        ));
    }
    if new_handle.type_params != handle.type_params {
        return Err(format!("struct {name} changed its type parameters"));
    }
    let fields = |m: &Module, d: &StructDef| -> Vec<(String, String)> {
        d.fields.iter().map(|f| (f.name.clone(), type_name(m, &f.ty))).collect()
    };
    if fields(old, def) != fields(new, new_def) {
        return Err(format!("struct {name} changed its fields"));
    }
    Ok(())
}

fn rank(visibility: Visibility) -> u8 {
    match visibility {
        Visibility::Private => 0,
        Visibility::Friend => 1,
        Visibility::Public => 2,
    }
}

fn visibility_word(visibility: Visibility) -> &'static str {
    match visibility {
        Visibility::Private => "private",
        Visibility::Friend => "friend",
        Visibility::Public => "public",
    }
}

fn check_function(old: &Module, new: &Module, def: &FunctionDef) -> Result<(), String> {
    if def.visibility == Visibility::Private && !def.is_entry {
        return Ok(());
    }
    let Some(name) = old.function_name(def) else { return Ok(()) };
    let kind = if def.is_entry { "entry function" } else { "function" };
    let Some((_, new_def)) = new.find_function(name) else {
        return Err(format!("{} {kind} {name} was removed", visibility_word(def.visibility)));
    };
    if rank(new_def.visibility) < rank(def.visibility) {
        return Err(format!(
            "function {name} became {} (it was {})",
            visibility_word(new_def.visibility),
            visibility_word(def.visibility)
        ));
    }
    if def.is_entry && !new_def.is_entry {
        return Err(format!("function {name} is no longer an entry function"));
    }
    let (Some(old_handle), Some(new_handle)) = (old.function_handle(def.handle), new.function_handle(new_def.handle))
    else {
        return Err(format!("function {name} has no handle"));
    };
    let names = |m: &Module, types: &[Type]| -> Vec<String> { types.iter().map(|t| type_name(m, t)).collect() };
    if names(old, &old_handle.params) != names(new, &new_handle.params) {
        return Err(format!("function {name} changed its parameters"));
    }
    if names(old, &old_handle.returns) != names(new, &new_handle.returns) {
        return Err(format!("function {name} changed its return types"));
    }
    if old_handle.type_params != new_handle.type_params {
        return Err(format!("function {name} changed its type parameters"));
    }
    if def.visibility == Visibility::Public || def.is_entry {
        if let Some(wider) =
            new_handle.access.0.iter().find(|n| !old_handle.access.0.iter().any(|o| covers(old, o, new, n)))
        {
            return Err(format!("function {name} widened its access set: it now needs {}", access_words(new, wider)));
        }
    }
    Ok(())
}

/// Whether `declared` (of `old`) allows `needed` (of `new`): the verifier's
/// rule, with resources compared by name.
fn covers(old: &Module, declared: &Access, new: &Module, needed: &Access) -> bool {
    resource_name(old, declared) == resource_name(new, needed)
        && needed.mode.covered_by(declared.mode)
        && (declared.address == AddressSource::Any || address(old, declared) == address(new, needed))
        && IndexSource::covers(declared.index.as_ref(), needed.index.as_ref())
}

/// An access's address with an object's module by id, comparable across
/// two versions of a module (each numbers its module handles).
fn address(module: &Module, access: &Access) -> Option<AddressSource<ModuleId>> {
    access.address.map_module(|m| module.module_handles.get(m.index()).cloned())
}

/// `0x2::vault::Vault<u64>`: an access's resource with its type arguments.
fn resource_name(module: &Module, access: &Access) -> String {
    let ty = if access.type_args.is_empty() {
        Type::Struct(access.resource)
    } else {
        Type::StructInst(access.resource, access.type_args.clone())
    };
    type_name(module, &ty)
}

/// `write 0x2::vault::Vault at *`.
fn access_words(module: &Module, access: &Access) -> String {
    let mode = format!("{:?}", access.mode).to_lowercase();
    let address = match access.address {
        AddressSource::Param(i) => format!("parameter {i}"),
        AddressSource::SignerOf(i) => format!("the address of parameter {i}"),
        AddressSource::Const(a) => a.to_string(),
        AddressSource::Any => "*".to_string(),
        AddressSource::Object(object) => {
            let owner = module.module_handles.get(object.module.index()).map(ToString::to_string).unwrap_or_default();
            let (creator, seed) =
                object.words(&|i| format!("parameter {i}"), &|i| format!("the address of parameter {i}"));
            format!("the object {owner} derives from {creator} and {seed}")
        }
    };
    let index = access.index.as_ref().map_or_else(String::new, |index| {
        format!("[{}]", index.words(&|i| format!("parameter {i}"), &|i| format!("the address of parameter {i}")))
    });
    format!("{mode} {}{index} at {address}", resource_name(module, access))
}

/// A type with its structs' qualified names (`vector<0x1::coin::Coin>`):
/// comparable across two modules. Recursion is bounded by the type depth
/// limit that decoding and verification enforce.
fn type_name(module: &Module, ty: &Type) -> String {
    let strukt = |handle: resin_format::file_format::StructHandleIdx| {
        module
            .struct_handle(handle)
            .and_then(|h| Some(format!("{}::{}", module.module_handles.get(h.module.index())?, h.name)))
            .unwrap_or_else(|| "?".to_string())
    };
    match ty {
        Type::Bool => "bool".into(),
        Type::U8 => "u8".into(),
        Type::U16 => "u16".into(),
        Type::U32 => "u32".into(),
        Type::U64 => "u64".into(),
        Type::U128 => "u128".into(),
        Type::U256 => "u256".into(),
        Type::Address => "address".into(),
        Type::Signer => "signer".into(),
        Type::Vector(inner) => format!("vector<{}>", type_name(module, inner)),
        Type::Ref(inner) => format!("&{}", type_name(module, inner)),
        Type::MutRef(inner) => format!("&mut {}", type_name(module, inner)),
        Type::TypeParam(i) => format!("T{i}"),
        Type::Struct(handle) => strukt(*handle),
        Type::StructInst(handle, args) => {
            let args: Vec<String> = args.iter().map(|a| type_name(module, a)).collect();
            format!("{}<{}>", strukt(*handle), args.join(", "))
        }
    }
}
