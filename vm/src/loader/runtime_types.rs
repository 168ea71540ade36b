//! Generic code at run time: a generic function applied to concrete type
//! arguments is an [`Instance`], made once per (function, type arguments)
//! and cached, so a generic call costs a monomorphic one's after its first
//! use.
//!
//! Values carry no types, so packing, unpacking, field borrows and vector
//! operations run the same whatever a type parameter stands for; the
//! interpreter translates them to their plain forms at load time. What does
//! depend on the type arguments is the identity of a struct instantiation
//! (its [`TypeId`], for global storage, access keys and events), the
//! callee instance of a `call_generic`, and the instantiated access spec.
//! Each is computed on first use and kept in the instance ([`OnceLock`]s),
//! and for code that is not generic, where every instantiation is concrete,
//! in the module.
//!
//! Types are instantiated to [`TypeTag`]s, which name structs by module and
//! name: substituting is a walk over the module's own `Type` with its
//! handle table at hand, and the tag's canonical text is what the type id
//! hashes, so the same type has the same id whichever module names it.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use internment::Intern;
use rustc_hash::FxHashMap;

use super::loaded::{CallSignature, LoadedFunction, LoadedModule, ResolvedAccess, ResolvedType};
use resin_format::file_format::{Module, StructHandleIdx, StructInstIdx, Type};
use resin_state::keys::TypeId;
use resin_state::type_tag::{StructTag, TypeTag};

/// `ty` of `module` with `TypeParam(i)` replaced by `args[i]`, as a tag.
/// `None` for a reference, a parameter without an argument or a bad handle
/// (none of which verified code substitutes), or a result over the type
/// limits ([`TypeTag::within_limits`]).
pub(crate) fn tag_of(module: &Module, ty: &Type, args: &[TypeTag]) -> Option<TypeTag> {
    let tag = substitute(module, ty, args, 0)?;
    tag.within_limits().then_some(tag)
}

/// Substitution, its recursion bounded by the format's depth limit (a
/// module's types are within it; arguments are checked where they enter).
fn substitute(module: &Module, ty: &Type, args: &[TypeTag], depth: usize) -> Option<TypeTag> {
    if depth > resin_format::encoding::limits::MAX_TYPE_DEPTH {
        return None;
    }
    let inner = |t: &Type| substitute(module, t, args, depth + 1);
    Some(match ty {
        Type::Bool => TypeTag::Bool,
        Type::U8 => TypeTag::U8,
        Type::U64 => TypeTag::U64,
        Type::U128 => TypeTag::U128,
        Type::U16 => TypeTag::U16,
        Type::U32 => TypeTag::U32,
        Type::U256 => TypeTag::U256,
        Type::Address => TypeTag::Address,
        Type::Signer => TypeTag::Signer,
        Type::Vector(elem) => TypeTag::Vector(Box::new(inner(elem)?)),
        Type::TypeParam(i) => args.get(usize::from(*i))?.clone(),
        Type::Struct(handle) | Type::StructInst(handle, _) => {
            let type_args = match ty {
                Type::StructInst(_, type_args) => type_args.iter().map(inner).collect::<Option<Vec<_>>>()?,
                _ => Vec::new(),
            };
            let h = module.struct_handle(*handle)?;
            let owner = module.module_handles.get(h.module.index())?;
            TypeTag::Struct(Box::new(StructTag::new(owner.clone(), h.name.clone(), type_args)))
        }
        Type::Ref(_) | Type::MutRef(_) => return None,
    })
}

/// One struct instantiation, as the instructions that name it need it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct InstStruct {
    pub ty: TypeId,
    /// The type id of its entries in keyed storage ([`TypeId::keyed`]).
    pub keyed_ty: TypeId,
    /// `Name<args>`: an event's name, interned ([`crate::Event`]).
    pub name: Intern<String>,
}

impl InstStruct {
    /// The instantiation `idx` of `module`'s table, with the enclosing
    /// function's type arguments `args`.
    pub(crate) fn new(module: &Module, idx: StructInstIdx, args: &[TypeTag]) -> Option<InstStruct> {
        let inst = module.struct_instantiations.get(idx.index())?;
        let def = module.structs.get(inst.def.index())?;
        let tag = struct_tag(module, def.handle, &inst.type_args, args)?;
        let args: Vec<String> = tag.type_args.iter().map(TypeTag::to_string).collect();
        Some(InstStruct {
            ty: TypeId::of_struct(&tag),
            keyed_ty: TypeId::keyed(&tag),
            name: Intern::new(format!("{}<{}>", tag.name, args.join(", "))),
        })
    }
}

/// A generic function applied to concrete type arguments.
#[derive(Debug)]
pub struct Instance {
    type_args: Vec<TypeTag>,
    /// The access spec, instantiated (what [`LoadedFunction::access`] is
    /// for a function that is not generic).
    pub(crate) access: Vec<ResolvedAccess>,
    /// What a transaction must supply, with the type arguments substituted
    /// (a parameter `T` instantiated with `u64` takes a `u64`).
    pub(crate) signature: CallSignature,
    /// Per struct slot of the function's code (`Compiled::struct_slots`),
    /// made on first use.
    structs: Box<[OnceLock<InstStruct>]>,
    /// Per call slot of the function's code (`Compiled::call_slots`): the
    /// callee's instance, made on first use.
    calls: Box<[OnceLock<Arc<Instance>>]>,
}

impl Instance {
    pub fn type_args(&self) -> &[TypeTag] {
        &self.type_args
    }

    /// The access spec with the type arguments substituted.
    pub fn access(&self) -> &[ResolvedAccess] {
        &self.access
    }

    /// What a transaction calling this instance must supply.
    pub fn signature(&self) -> &CallSignature {
        &self.signature
    }

    /// `function` of `module` applied to `type_args` (checked by the caller
    /// for count and constraints); `None` when its access spec would name a
    /// type over the limits.
    fn new(module: &LoadedModule, function: &LoadedFunction, type_args: Vec<TypeTag>) -> Option<Instance> {
        let raw = &module.module;
        let handle = raw.function_handle(function.handle)?;
        let access = handle
            .access
            .0
            .iter()
            .map(|a| {
                let tag = struct_tag(raw, a.resource, &a.type_args, &type_args)?;
                ResolvedAccess::new(raw, a, &tag)
            })
            .collect::<Option<Vec<_>>>()?;
        let params: Vec<ResolvedType> = function.params.iter().map(|p| p.substitute(&type_args)).collect();
        let returns: Vec<ResolvedType> = function.returns.iter().map(|r| r.substitute(&type_args)).collect();
        let signature =
            CallSignature::of(&params, &returns, |i| params.get(i).map(ToString::to_string).unwrap_or_default());
        Some(Instance {
            type_args,
            access,
            signature,
            structs: function.compiled.struct_slots.iter().map(|_| OnceLock::new()).collect(),
            calls: function.compiled.call_slots.iter().map(|_| OnceLock::new()).collect(),
        })
    }

    /// Whether this can be an instance of `function`: as many type
    /// arguments as it has type parameters, a cell for each of its struct
    /// and call slots.
    pub(crate) fn fits(&self, function: &LoadedFunction) -> bool {
        self.type_args.len() == function.type_params.len()
            && self.structs.len() == function.compiled.struct_slots.len()
            && self.calls.len() == function.compiled.call_slots.len()
    }

    /// The struct instantiation in slot `slot` of `function` (this
    /// instance's function, of `module`).
    #[inline]
    pub(crate) fn struct_at(&self, module: &LoadedModule, function: &LoadedFunction, slot: u16) -> Option<&InstStruct> {
        let cell = self.structs.get(usize::from(slot))?;
        if let Some(found) = cell.get() {
            return Some(found);
        }
        let idx = *function.compiled.struct_slots.get(usize::from(slot))?;
        let made = InstStruct::new(&module.module, StructInstIdx(idx), &self.type_args)?;
        Some(cell.get_or_init(|| made))
    }

    /// The cell for the callee of call slot `slot`.
    #[inline]
    pub(crate) fn call_cell(&self, slot: u16) -> Option<&OnceLock<Arc<Instance>>> {
        self.calls.get(usize::from(slot))
    }
}

/// The struct handle `handle` of `module` applied to `type_args` (which may
/// name the type parameters `args` stand for); `None` over the limits.
pub(crate) fn struct_tag(
    module: &Module,
    handle: StructHandleIdx,
    type_args: &[Type],
    args: &[TypeTag],
) -> Option<StructTag> {
    match tag_of(module, &Type::StructInst(handle, type_args.to_vec()), args)? {
        TypeTag::Struct(tag) => Some(*tag),
        _ => None,
    }
}

/// A function's instances by type arguments, one set per thread.
///
/// Every transaction of a generic entry function looks its instance up
/// twice (instantiating its keys, then executing), on every lane at once.
/// Through one map shared by the threads each lookup took the map's read
/// lock and cloned the instance's `Arc`, then dropped it: four atomic
/// writes to two cache lines that every core writes, which moved between
/// the cores for every transaction (in a block of generic transfers the
/// lookup was a seventh of a lane's time). So each thread makes and keeps
/// its own instances (an instance is a pure function of the function and
/// its type arguments; its cells are caches), and answers from them with
/// no write to memory any other thread touches.
#[derive(Debug)]
pub(crate) struct InstanceCache {
    /// Tells this cache's entries apart in the per-thread maps (an address
    /// could be reused by a cache made after this one is dropped).
    id: u64,
}

impl Default for InstanceCache {
    fn default() -> Self {
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        InstanceCache { id: NEXT_ID.fetch_add(1, Ordering::Relaxed) }
    }
}

/// This thread's instances: by cache, then by type arguments (nested, so
/// that a lookup borrows the arguments instead of building a key).
type LocalInstances = FxHashMap<u64, FxHashMap<Vec<TypeTag>, Arc<Instance>>>;

thread_local! {
    static LOCAL: RefCell<LocalInstances> = RefCell::new(FxHashMap::default());
}

/// Caches a thread keeps instances of before it starts over: caches of
/// code that was replaced (upgrades, other sessions) would otherwise stay
/// for ever.
const LOCAL_LIMIT: usize = 1024;

impl InstanceCache {
    /// The instance of `function` (of `module`) for `type_args`, made and
    /// kept on first request; `None` when it cannot be made ([`Instance::new`]).
    pub(crate) fn get(
        &self,
        module: &LoadedModule,
        function: &LoadedFunction,
        type_args: &[TypeTag],
    ) -> Option<Arc<Instance>> {
        let local = LOCAL.try_with(|local| {
            let found = local.borrow().get(&self.id).and_then(|mine| mine.get(type_args)).cloned();
            if found.is_some() {
                return found;
            }
            // This thread's own instance, whose reference count only it writes.
            let own = Arc::new(Instance::new(module, function, type_args.to_vec())?);
            let mut local = local.borrow_mut();
            if local.len() >= LOCAL_LIMIT && !local.contains_key(&self.id) {
                local.clear();
            }
            local.entry(self.id).or_default().insert(type_args.to_vec(), Arc::clone(&own));
            Some(own)
        });
        match local {
            Ok(found) => found,
            // The thread is being torn down and has no local map any more:
            // an instance of its own, kept by nobody.
            Err(_) => Instance::new(module, function, type_args.to_vec()).map(Arc::new),
        }
    }
}
