//! Concrete access keys: a symbolic access spec instantiated with a call's
//! arguments. Shared by the VM (which enforces them) and the scheduler (which
//! trusts them).

use std::fmt;

use serde::{Deserialize, Serialize};
use smallvec::SmallVec;

use resin_format::file_format::{AccessMode, AccountAddress, ModuleId};

/// A resource type's global identity, reduced to 64 bits: the first eight bytes
/// of blake3 over `address::module::Name`. Stable across processes and
/// publication order; the loader rejects a module whose type collides.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TypeId(pub u64);

impl TypeId {
    pub fn of(module: &ModuleId, struct_name: &str) -> TypeId {
        let tag = format!("{}::{}::{}", module.address, module.name, struct_name);
        let hash = blake3::hash(tag.as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&hash.as_bytes()[..8]);
        TypeId(u64::from_le_bytes(first))
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
