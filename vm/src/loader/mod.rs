//! The loader: verifies, links and keeps published modules.
//!
//! A [`CodeCache`] is a persistent map from module id to [`LoadedModule`], so a
//! snapshot (for a block, a REPL undo point, a parallel lane) is an O(1) clone.
//! Publishing runs the bytecode verifier, then the linker ([`link`]), which
//! resolves every handle: a `call` names a [`CallTarget`] (a function
//! definition index, plus a pointer to the defining module when it is
//! foreign), a struct definition knows its [`TypeId`], a constant is a ready
//! [`Value`]. The interpreter never looks a name up.

mod args;
mod display;
mod key_specs;
mod keys;
mod link;
mod loaded;
mod runtime_types;
#[cfg(test)]
mod tests;
mod type_args;
mod upgrade;

use std::sync::Arc;

use rustc_hash::FxHashMap;
use thiserror::Error;

pub use display::byte_literal;
pub(crate) use key_specs::KeySpecs;
pub use keys::Signers;
pub use keys::{declared_keys, resolve_keys, EntryHandle, ResolvedEntry, Resolver};
pub(crate) use keys::{
    instantiate, instantiate_into, resolve_call, resolve_entry, resolve_entry_at, resolved_entry, Entry,
};
pub use loaded::{
    CallSignature, CallTarget, LoadedFunction, LoadedModule, LoadedStruct, ResolvedAccess, ResolvedType, SignerParam,
};
pub(crate) use runtime_types::tag_of;
pub use runtime_types::{InstStruct, Instance};
pub use upgrade::check_upgrade;

use resin_format::encoding::limits::{MAX_MODULE_SIZE, RESERVED_ADDRESS, RESERVED_MODULE_NAMES};
use resin_format::file_format::{Abilities, Module, ModuleId};
use resin_state::keys::TypeId;
use resin_state::type_tag::{StructTag, TypeTag};
use resin_state::value::Value;
use resin_verifier::{verify_module, verify_test_module, VerifyError};

/// Why a module could not be published.
#[derive(Clone, PartialEq, Eq, Debug, Error)]
pub enum LoadError {
    /// Boxed: the verifier's report is large and publishing errors are rare.
    #[error("verification failed: {0}")]
    Verify(Box<VerifyError>),
    #[error("the module has no module handle, so no id")]
    MissingSelfHandle,
    #[error("module {0} is already published")]
    AlreadyPublished(ModuleId),
    #[error("{module} depends on {dependency}, which is not published")]
    MissingDependency { module: ModuleId, dependency: ModuleId },
    /// `name` is qualified: `0x1::coin::Gold`.
    #[error("{module} uses struct `{name}`, which its module does not define")]
    StructNotFound { module: ModuleId, name: String },
    #[error("{module} declares `{name}` with abilities [{declared}], but it has [{actual}]")]
    StructAbilityMismatch { module: ModuleId, name: String, declared: Abilities, actual: Abilities },
    /// `name` is qualified: `0x1::coin::missing`.
    #[error("{module} calls `{name}`, which its module does not define")]
    FunctionNotFound { module: ModuleId, name: String },
    #[error("{module} calls `{name}`, which is not public")]
    FunctionNotPublic { module: ModuleId, name: String },
    /// A call of a `public(friend)` function from a module its module does
    /// not list among its friends.
    #[error("{module} calls `{name}`, which is public only to its module's friends, and {module} is not one")]
    NotAFriend { module: ModuleId, name: String },
    #[error("{module} declares `{name}` with other {what} than its definition")]
    FunctionMismatch { module: ModuleId, name: String, what: &'static str },
    #[error("type `{module}::{name}` has the same type id as the published `{existing}`")]
    TypeIdCollision { module: ModuleId, name: String, existing: String },
    #[error("{module} is malformed: {reason}")]
    Malformed { module: ModuleId, reason: String },
    #[error("{module} is {size} bytes encoded, larger than the limit of {max} bytes")]
    TooLarge { module: ModuleId, size: usize, max: usize },
    #[error("{module} cannot be published: address {} is reserved for the standard library", RESERVED_ADDRESS)]
    ReservedAddress { module: ModuleId },
    #[error("{module} cannot be published: `{}` is the name of a builtin module", resin_format::escape::escaped(&module.name))]
    ReservedName { module: ModuleId },
    /// A republished module that breaks a compatibility rule
    /// ([`check_upgrade`]); `reason` names what broke.
    #[error("upgrade of {module} rejected: {reason}")]
    IncompatibleUpgrade { module: ModuleId, reason: String },
    /// Found at link time, when the depth of other modules' structs is known.
    #[error("{module}: {what} holds values nested {depth} deep (at most {max})")]
    ValueTooDeep { module: ModuleId, what: String, depth: usize, max: usize },
}

/// Who publishes a module, which decides where it may go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Publisher {
    /// A user or a script: any address but [`RESERVED_ADDRESS`].
    Anyone,
    /// The standard library (and a state file replaying what it published):
    /// [`RESERVED_ADDRESS`] too.
    StandardLibrary,
}

/// Whether publishing runs the bytecode verifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verification {
    /// Verify the module (the default for anything new).
    Verify,
    /// Verify it as a module of a test build (`resin test`'s world), which
    /// may hold the test-only instructions (`verify_test_module`). Never for
    /// code that could reach a real state.
    VerifyTestBuild,
    /// Link without verifying: only for bytes known to have passed
    /// verification before (a state file whose recorded hash of the verified
    /// bytes matches). Linking still checks every foreign handle and depth.
    AlreadyVerified,
}

/// Runs the verifier `verification` asks for.
fn verify(module: &Module, verification: Verification) -> Result<(), VerifyError> {
    match verification {
        Verification::Verify => verify_module(module),
        Verification::VerifyTestBuild => verify_test_module(module),
        Verification::AlreadyVerified => Ok(()),
    }
}

impl From<VerifyError> for LoadError {
    fn from(err: VerifyError) -> Self {
        LoadError::Verify(Box::new(err))
    }
}

/// The published modules. Cloning is O(1); publishing copies the lookup
/// index and the numbering when a clone still shares them (O(modules), and
/// publishing is rare).
#[derive(Clone, Default)]
pub struct CodeCache {
    /// In id order: for listings and the code root.
    modules: imbl::OrdMap<ModuleId, Arc<LoadedModule>>,
    /// In publishing order: a module's place here is its number, which an
    /// [`EntryHandle`] names so that execution need not hash the id again.
    /// Only appended to: a clone keeps the numbers of everything published
    /// before it was taken.
    numbered: Arc<Vec<Arc<LoadedModule>>>,
    /// Each module's number by id, hashed, for the lookup every transaction
    /// makes. Both are shared until a publish copies them (publishing is
    /// rare; lookups are not).
    index: Arc<FxHashMap<ModuleId, usize>>,
    /// Every published struct type: its module and definition index.
    types: imbl::OrdMap<TypeId, (Arc<LoadedModule>, u16)>,
}

impl CodeCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// Verifies and links `module`, then publishes it. Its dependencies must
    /// be published already, so dependency cycles cannot form. The module may
    /// not be at [`RESERVED_ADDRESS`] nor take a builtin module's name, and
    /// its encoding must fit [`MAX_MODULE_SIZE`].
    pub fn publish(&mut self, module: Module) -> Result<(), LoadError> {
        self.publish_with(module, Publisher::Anyone, Verification::Verify)
    }

    /// [`CodeCache::publish`] for the standard library, which alone may
    /// publish at [`RESERVED_ADDRESS`].
    pub fn publish_stdlib(&mut self, module: Module) -> Result<(), LoadError> {
        self.publish_with(module, Publisher::StandardLibrary, Verification::Verify)
    }

    /// Publishes `module` for `publisher`, verifying it unless `verification`
    /// says it was verified before. Checks, cheapest first: id, reserved
    /// address and names, encoded size, verification, linking.
    pub fn publish_with(
        &mut self,
        module: Module,
        publisher: Publisher,
        verification: Verification,
    ) -> Result<(), LoadError> {
        let id = module.self_id().cloned().ok_or(LoadError::MissingSelfHandle)?;
        if RESERVED_MODULE_NAMES.contains(&id.name.as_str()) {
            return Err(LoadError::ReservedName { module: id });
        }
        if id.address == RESERVED_ADDRESS && publisher != Publisher::StandardLibrary {
            return Err(LoadError::ReservedAddress { module: id });
        }
        if self.is_published(&id) {
            return Err(LoadError::AlreadyPublished(id));
        }
        // The code without its debug section: debug information changes
        // neither what a module does nor its hash, so it never moves a state
        // root, and a module's size limit is that of its code.
        let encoded = resin_format::encoding::encode_module_code(&module);
        if encoded.len() > MAX_MODULE_SIZE {
            return Err(LoadError::TooLarge { module: id, size: encoded.len(), max: MAX_MODULE_SIZE });
        }
        verify(&module, verification)?;
        let hash = *blake3::hash(&encoded).as_bytes();
        self.link_and_install(module, hash)
    }

    /// Replaces the published module with `module`'s id by `module`, when
    /// it is compatible ([`check_upgrade`]), or publishes it when no module
    /// has its id. The new code is verified and linked, and every module
    /// that depends on it, directly or not, is linked again so that its
    /// calls reach the new code. Resources stay where they are: compatible
    /// structs keep their layouts and type ids. On any error the cache is
    /// unchanged.
    pub fn upgrade_with(
        &mut self,
        module: Module,
        publisher: Publisher,
        verification: Verification,
    ) -> Result<(), LoadError> {
        let id = module.self_id().cloned().ok_or(LoadError::MissingSelfHandle)?;
        let Some(old) = self.loaded(&id).cloned() else {
            return self.publish_with(module, publisher, verification);
        };
        if id.address == RESERVED_ADDRESS && publisher != Publisher::StandardLibrary {
            return Err(LoadError::ReservedAddress { module: id });
        }
        check_upgrade(&old.module, &module)
            .map_err(|reason| LoadError::IncompatibleUpgrade { module: id.clone(), reason })?;
        let encoded = resin_format::encoding::encode_module_code(&module);
        if encoded.len() > MAX_MODULE_SIZE {
            return Err(LoadError::TooLarge { module: id, size: encoded.len(), max: MAX_MODULE_SIZE });
        }
        verify(&module, verification)?;
        // The modules to link again, in publishing order (so each after
        // what it depends on): those that reach `id` through their handles.
        let mut stale = vec![id.clone()];
        let mut relink = Vec::new();
        for loaded in self.numbered.iter().filter(|m| self.is_current(m)) {
            if loaded.module.module_handles.iter().skip(1).any(|dep| stale.contains(dep)) {
                stale.push(loaded.id().clone());
                relink.push(Arc::clone(loaded));
            }
        }
        let mut next = self.clone();
        for gone in &stale {
            next.unpublish(gone);
        }
        next.link_and_install(module, *blake3::hash(&encoded).as_bytes())?;
        for dependent in relink {
            next.link_and_install(dependent.module.clone(), dependent.hash)?;
        }
        *self = next;
        Ok(())
    }

    /// Whether `loaded` is the module its id names now (not one an upgrade replaced).
    fn is_current(&self, loaded: &Arc<LoadedModule>) -> bool {
        self.loaded(&loaded.id).is_some_and(|current| Arc::ptr_eq(current, loaded))
    }

    /// Takes `id` out of the lookups, to be linked again. Its number stays
    /// taken (numbers are only appended), naming the old code for anyone
    /// holding it.
    fn unpublish(&mut self, id: &ModuleId) {
        if let Some(old) = self.modules.remove(id) {
            for def in &old.structs {
                self.types.remove(&def.ty);
            }
        }
        Arc::make_mut(&mut self.index).remove(id);
    }

    /// Publishes without the verifier: for tests of the interpreter's own
    /// defences against code that breaks the verifier's guarantees.
    #[cfg(test)]
    pub(crate) fn publish_unverified(&mut self, module: Module) -> Result<(), LoadError> {
        let hash = *blake3::hash(&resin_format::encoding::encode_module_code(&module)).as_bytes();
        self.link_and_install(module, hash)
    }

    fn link_and_install(&mut self, module: Module, hash: [u8; 32]) -> Result<(), LoadError> {
        let loaded = Arc::new(link::link(self, module, hash)?);
        for (index, def) in loaded.structs.iter().enumerate() {
            let index = u16::try_from(index).unwrap_or(u16::MAX);
            self.types.insert(def.ty, (Arc::clone(&loaded), index));
        }
        Arc::make_mut(&mut self.index).insert(loaded.id().clone(), self.numbered.len());
        Arc::make_mut(&mut self.numbered).push(Arc::clone(&loaded));
        self.modules.insert(loaded.id().clone(), loaded);
        Ok(())
    }

    pub fn is_published(&self, id: &ModuleId) -> bool {
        self.index.contains_key(id)
    }

    pub fn module(&self, id: &ModuleId) -> Option<&Module> {
        self.loaded(id).map(|m| &m.module)
    }

    #[inline]
    pub fn loaded(&self, id: &ModuleId) -> Option<&Arc<LoadedModule>> {
        self.numbered_by_id(id).map(|(_, module)| module)
    }

    /// The module published as `id`, with its number.
    #[inline]
    pub(crate) fn numbered_by_id(&self, id: &ModuleId) -> Option<(usize, &Arc<LoadedModule>)> {
        let number = *self.index.get(id)?;
        Some((number, self.numbered.get(number)?))
    }

    /// The module with number `number` (counting from 0 in publishing order).
    #[inline]
    pub(crate) fn numbered(&self, number: usize) -> Option<&LoadedModule> {
        self.numbered.get(number).map(|m| &**m)
    }

    /// Every published module, sorted by id.
    pub fn modules(&self) -> impl Iterator<Item = &Module> + '_ {
        self.modules.values().map(|m| &m.module)
    }

    pub fn len(&self) -> usize {
        self.modules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.modules.is_empty()
    }

    /// `0x1::coin::Balance` for a published struct type, and
    /// `0x1::coin::Balance<0x2::usd::USD>` for an instantiation of a
    /// published generic one that this process has made (by running or
    /// declaring keys for code that uses it; see [`TypeId::instantiation`]).
    pub fn type_name(&self, ty: TypeId) -> Option<String> {
        self.type_tag(ty).map(|tag| tag.to_string())
    }

    /// The tag of a struct type [`CodeCache::type_name`] can name.
    pub fn type_tag(&self, ty: TypeId) -> Option<StructTag> {
        if let Some((module, index)) = self.types.get(&ty) {
            let def = module.structs.get(usize::from(*index))?;
            return Some(StructTag::new(module.id().clone(), def.name.to_string(), Vec::new()));
        }
        let tag = ty.instantiation()?;
        type_args::find_struct(self, &tag)?;
        Some(tag)
    }

    /// The name of a type published in this cache (not an instantiation):
    /// what a new module's types must not collide with.
    pub(crate) fn published_type_name(&self, ty: TypeId) -> Option<String> {
        let (module, index) = self.types.get(&ty)?;
        Some(format!("{}::{}", module.id, module.structs.get(usize::from(*index))?.name))
    }

    /// The defining module and the resolved definition (field names and
    /// types) of a published struct type: what a resource printer needs.
    /// For an instantiation, the generic definition (its field types name
    /// the type parameters; [`CodeCache::format_resource`] substitutes them).
    pub fn struct_layout(&self, ty: TypeId) -> Option<(&ModuleId, &LoadedStruct)> {
        if let Some((module, index)) = self.types.get(&ty) {
            return Some((module.id(), module.structs.get(usize::from(*index))?));
        }
        let tag = ty.instantiation()?;
        let module = self.loaded(&tag.module)?;
        Some((module.id(), module.struct_by_name(&tag.name)?))
    }

    /// A resource printed with its type's field names:
    /// `0x1::coin::Balance { coin: 0x1::coin::Coin { value: 5 } }`.
    pub fn format_resource(&self, ty: TypeId, value: &Value) -> String {
        let tag = self.type_tag(ty).map(|tag| TypeTag::Struct(Box::new(tag)));
        display::format_value(self, tag.as_ref(), value)
    }

    /// Any value printed as type `ty` (structs with field names, byte
    /// vectors as `b"..."` or `x"..."`); with `ty` unknown, by its shape.
    pub fn format_value(&self, ty: Option<&TypeTag>, value: &Value) -> String {
        display::format_value(self, ty, value)
    }

    pub fn function(&self, module: &ModuleId, name: &str) -> Option<&LoadedFunction> {
        self.loaded(module)?.function(name)
    }

    /// The generic function `module::name` applied to `type_args`, checked as
    /// a transaction's are (count, published structs, constraints): its
    /// instantiated access spec and signature, for tools that show them.
    /// Made once and cached like the instances transactions use.
    pub fn instantiate(&self, module: &ModuleId, name: &str, type_args: &[TypeTag]) -> Result<Arc<Instance>, String> {
        let loaded = self.loaded(module).ok_or_else(|| format!("module {module} is not published"))?;
        let function = loaded.function(name).ok_or_else(|| format!("{module} has no function `{name}`"))?;
        type_args::check_type_args(self, module, function, type_args)?;
        function.instances.get(loaded, function, type_args).ok_or_else(|| {
            format!("`{module}::{name}` instantiated with these type arguments names a type over the limits on types")
        })
    }

    /// What a transaction calling `module::name` must supply, when it is an
    /// entry function.
    pub fn entry_signature(&self, module: &ModuleId, name: &str) -> Option<&CallSignature> {
        self.function(module, name).filter(|f| f.is_entry).map(|f| &f.signature)
    }

    /// blake3 over every module's id and content hash, in id order (the
    /// hash of its code: debug information is not covered).
    pub fn root(&self) -> [u8; 32] {
        let mut hasher = blake3::Hasher::new();
        for (id, module) in &self.modules {
            hasher.update(&id.address.0);
            hasher.update(&(id.name.len() as u64).to_le_bytes());
            hasher.update(id.name.as_bytes());
            hasher.update(&module.hash);
        }
        *hasher.finalize().as_bytes()
    }
}
