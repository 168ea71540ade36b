//! The loader: verifies, links and keeps published modules.
//!
//! A [`CodeCache`] is a persistent map from module id to [`LoadedModule`], so a
//! snapshot (for a block, a REPL undo point, a parallel lane) is an O(1) clone.
//! Publishing runs the bytecode verifier, then the linker ([`link`]), which
//! resolves every handle: a `call` names a [`CallTarget`] (a function
//! definition index, plus a pointer to the defining module when it is
//! foreign), a struct definition knows its [`TypeId`], a constant is a ready
//! [`Value`]. The interpreter never looks a name up.

mod display;
mod keys;
mod link;
mod loaded;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use rustc_hash::FxHashMap;
use thiserror::Error;

pub use keys::declared_keys;
pub(crate) use keys::{instantiate, instantiate_into, resolve_call, resolve_entry};
pub use loaded::{
    CallSignature, CallTarget, LoadedFunction, LoadedModule, LoadedStruct, ResolvedAccess, ResolvedType, SignerParam,
};

use resin_format::file_format::{Abilities, Module, ModuleId};
use resin_state::keys::TypeId;
use resin_state::value::Value;
use resin_verifier::{verify_module, VerifyError};

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
    #[error("{module} declares `{name}` with other {what} than its definition")]
    FunctionMismatch { module: ModuleId, name: String, what: &'static str },
    #[error("type `{module}::{name}` has the same type id as the published `{existing}`")]
    TypeIdCollision { module: ModuleId, name: String, existing: String },
    #[error("{module} is malformed: {reason}")]
    Malformed { module: ModuleId, reason: String },
}

impl From<VerifyError> for LoadError {
    fn from(err: VerifyError) -> Self {
        LoadError::Verify(Box::new(err))
    }
}

/// The published modules. Cloning is O(1); publishing copies the lookup
/// index when a clone still shares it (O(modules), and publishing is rare).
#[derive(Clone, Default)]
pub struct CodeCache {
    /// In id order: for listings and the code root.
    modules: imbl::OrdMap<ModuleId, Arc<LoadedModule>>,
    /// The same modules hashed, for the lookup every transaction makes.
    /// Shared until a publish copies it (publishing is rare; lookups are not).
    index: Arc<FxHashMap<ModuleId, Arc<LoadedModule>>>,
    /// Every published struct type: its module and definition index.
    types: imbl::OrdMap<TypeId, (Arc<LoadedModule>, u16)>,
}

impl CodeCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// Verifies and links `module`, then publishes it. Its dependencies must
    /// be published already, so dependency cycles cannot form.
    pub fn publish(&mut self, module: Module) -> Result<(), LoadError> {
        verify_module(&module)?;
        self.link_and_install(module)
    }

    /// Publishes without the verifier: for tests of the interpreter's own
    /// defences against code that breaks the verifier's guarantees.
    #[cfg(test)]
    pub(crate) fn publish_unverified(&mut self, module: Module) -> Result<(), LoadError> {
        self.link_and_install(module)
    }

    fn link_and_install(&mut self, module: Module) -> Result<(), LoadError> {
        let loaded = Arc::new(link::link(self, module)?);
        for (index, def) in loaded.structs.iter().enumerate() {
            let index = u16::try_from(index).unwrap_or(u16::MAX);
            self.types.insert(def.ty, (Arc::clone(&loaded), index));
        }
        Arc::make_mut(&mut self.index).insert(loaded.id.clone(), Arc::clone(&loaded));
        self.modules.insert(loaded.id.clone(), loaded);
        Ok(())
    }

    pub fn is_published(&self, id: &ModuleId) -> bool {
        self.index.contains_key(id)
    }

    pub fn module(&self, id: &ModuleId) -> Option<&Module> {
        self.index.get(id).map(|m| &m.module)
    }

    #[inline]
    pub fn loaded(&self, id: &ModuleId) -> Option<&Arc<LoadedModule>> {
        self.index.get(id)
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

    /// `0x1::coin::Balance` for a published struct type.
    pub fn type_name(&self, ty: TypeId) -> Option<String> {
        let (module, def) = self.struct_layout(ty)?;
        Some(format!("{}::{}", module, def.name))
    }

    /// The defining module and the resolved definition (field names and
    /// types) of a published struct type: what a resource printer needs.
    pub fn struct_layout(&self, ty: TypeId) -> Option<(&ModuleId, &LoadedStruct)> {
        let (module, index) = self.types.get(&ty)?;
        Some((&module.id, module.structs.get(usize::from(*index))?))
    }

    /// A resource printed with its type's field names:
    /// `0x1::coin::Balance { coin: 0x1::coin::Coin { value: 5 } }`.
    pub fn format_resource(&self, ty: TypeId, value: &Value) -> String {
        display::format_value(self, &ResolvedType::Struct(ty), value)
    }

    pub fn function(&self, module: &ModuleId, name: &str) -> Option<&LoadedFunction> {
        self.index.get(module)?.function(name)
    }

    /// What a transaction calling `module::name` must supply, when it is an
    /// entry function.
    pub fn entry_signature(&self, module: &ModuleId, name: &str) -> Option<&CallSignature> {
        self.function(module, name).filter(|f| f.is_entry).map(|f| &f.signature)
    }

    /// blake3 over every module's id and content hash, in id order.
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
