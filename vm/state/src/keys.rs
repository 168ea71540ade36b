//! Concrete access keys: a symbolic access spec instantiated with a call's
//! arguments. Shared by the VM (which enforces them) and the scheduler (which
//! trusts them).

use std::fmt;

use serde::{Deserialize, Serialize};
use smallvec::SmallVec;

use std::sync::{LazyLock, RwLock};

use rustc_hash::FxHashMap;

use resin_format::file_format::{AccessMode, AccountAddress, ModuleId};

use crate::type_tag::StructTag;

/// A resource type's global identity, reduced to 64 bits: the first eight bytes
/// of blake3 over `address::module::Name`, or for an instantiation of a
/// generic struct over its canonical tag `address::module::Name<args>`
/// ([`StructTag::canonical`]), so `Balance<USD>` and `Balance<EUR>` are
/// different types and different keys. Stable across processes and
/// publication order; the loader rejects a module whose type collides.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TypeId(pub u64);

impl TypeId {
    /// The type id of a struct that is not generic (and the id the loader
    /// files a generic struct's definition under).
    pub fn of(module: &ModuleId, struct_name: &str) -> TypeId {
        Self::hash(&format!("{}::{}::{}", module.address, module.name, struct_name))
    }

    /// The type id of a struct type, instantiated or not; for one without type
    /// arguments it is [`TypeId::of`]. An instantiation is recorded so that
    /// [`TypeId::instantiation`] can name it later.
    pub fn of_struct(tag: &StructTag) -> TypeId {
        let ty = Self::hash(&tag.canonical());
        if !tag.type_args.is_empty() {
            register(ty, tag);
        }
        ty
    }

    /// The tag of an instantiated struct type whose id [`TypeId::of_struct`]
    /// computed in this process: how printers name `Balance<USD>`.
    pub fn instantiation(self) -> Option<StructTag> {
        INSTANTIATIONS.read().ok()?.get(&self).cloned()
    }

    fn hash(text: &str) -> TypeId {
        let hash = blake3::hash(text.as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&hash.as_bytes()[..8]);
        TypeId(u64::from_le_bytes(first))
    }
}

/// Every instantiated struct type seen in this process, by id. Global rather
/// than per code cache: the id is a function of the tag, so the inverse is a
/// fact, not state, and the interpreter creates instantiations where no code
/// cache is at hand. Written once per instantiation (the loader caches them),
/// read only by printers.
static INSTANTIATIONS: LazyLock<RwLock<FxHashMap<TypeId, StructTag>>> = LazyLock::new(Default::default);

fn register(ty: TypeId, tag: &StructTag) {
    let known = INSTANTIATIONS.read().is_ok_and(|map| map.contains_key(&ty));
    if !known {
        if let Ok(mut map) = INSTANTIATIONS.write() {
            map.entry(ty).or_insert_with(|| tag.clone());
        }
    }
}

impl fmt::Debug for TypeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TypeId({:016x})", self.0)
    }
}

/// Where one resource lives: a type at an address.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub struct ResourceKey {
    pub address: AccountAddress,
    pub ty: TypeId,
}

/// An instantiated key: one resource, or every resource of a type (`*`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub enum AccessKey {
    Exact(ResourceKey),
    AnyOf(TypeId),
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub struct KeyAccess {
    pub mode: AccessMode,
    pub key: AccessKey,
}

/// A transaction's declared keys, deduplicated and sorted; a key declared both
/// read and write appears once, as write.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
pub struct DeclaredKeys(pub SmallVec<[KeyAccess; 4]>);
