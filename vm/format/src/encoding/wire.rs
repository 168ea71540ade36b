//! The serde structs that postcard writes: the module's layout on the wire.
//!
//! They mirror `Module` but hold types as flat byte strings, constant values
//! as token lists and code as the opcode table's bytes, so nothing on the
//! wire is recursive and the opcode table, not serde's enum derive, decides
//! how instructions look. Non-recursive leaves (module ids, struct handles,
//! access specs, index newtypes) use their own serde derives; a golden test
//! pins the result, so changing them means a new `FORMAT_VERSION`.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::flat::ConstToken;
use crate::file_format::{
    Abilities, AccessMode, AddressSource, FunctionHandleIdx, IndexSource, ModuleHandleIdx, ModuleId, StructHandle,
    StructHandleIdx, Visibility,
};

/// A byte string, borrowed from the input when decoding (so errors can name its offset).
#[derive(Debug)]
pub(super) struct Bytes<'a>(pub Cow<'a, [u8]>);

impl Serialize for Bytes<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.0)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Bytes<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BytesVisitor;
        impl<'de> Visitor<'de> for BytesVisitor {
            type Value = Bytes<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a byte string")
            }
            fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<Self::Value, E> {
                Ok(Bytes(Cow::Borrowed(v)))
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
                Ok(Bytes(Cow::Owned(v.to_vec())))
            }
            fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Self::Value, E> {
                Ok(Bytes(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_bytes(BytesVisitor)
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct WireAccess<'a> {
    pub mode: AccessMode,
    pub resource: StructHandleIdx,
    #[serde(borrow)]
    pub type_args: Vec<Bytes<'a>>,
    pub address: AddressSource,
    /// Since version 3: the index of a keyed access.
    pub index: Option<IndexSource>,
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct WireFunctionHandle<'a> {
    pub module: ModuleHandleIdx,
    pub name: String,
    pub type_params: Vec<Abilities>,
    #[serde(borrow)]
    pub params: Vec<Bytes<'a>>,
    #[serde(borrow)]
    pub returns: Vec<Bytes<'a>>,
    #[serde(borrow)]
    pub access: Vec<WireAccess<'a>>,
}

/// A struct or function instantiation: the definition's or handle's index, and the type arguments.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct WireInstantiation<'a> {
    pub index: u16,
    #[serde(borrow)]
    pub type_args: Vec<Bytes<'a>>,
}

// ---- format version 1 ----
//
// Version 1 had no generics: no type parameters on handles, no type
// arguments on accesses and no instantiation tables. State files hold the
// modules they published as bytes, so a version-1 module must keep loading.

/// A version-1 struct handle.
#[derive(Debug, Deserialize)]
pub(super) struct WireStructHandleV1 {
    pub module: ModuleHandleIdx,
    pub name: String,
    pub abilities: Abilities,
}

/// A version-1 access.
#[derive(Debug, Deserialize)]
pub(super) struct WireAccessV1 {
    pub mode: AccessMode,
    pub resource: StructHandleIdx,
    pub address: AddressSource,
}

/// A version-1 function handle.
#[derive(Debug, Deserialize)]
pub(super) struct WireFunctionHandleV1<'a> {
    pub module: ModuleHandleIdx,
    pub name: String,
    #[serde(borrow)]
    pub params: Vec<Bytes<'a>>,
    #[serde(borrow)]
    pub returns: Vec<Bytes<'a>>,
    pub access: Vec<WireAccessV1>,
}

impl From<WireStructHandleV1> for StructHandle {
    fn from(h: WireStructHandleV1) -> Self {
        StructHandle { module: h.module, name: h.name, abilities: h.abilities, type_params: Vec::new() }
    }
}

impl<'a> From<WireFunctionHandleV1<'a>> for WireFunctionHandle<'a> {
    fn from(h: WireFunctionHandleV1<'a>) -> Self {
        let access = h
            .access
            .into_iter()
            .map(|a| WireAccess {
                mode: a.mode,
                resource: a.resource,
                type_args: Vec::new(),
                address: a.address,
                index: None,
            })
            .collect();
        WireFunctionHandle {
            module: h.module,
            name: h.name,
            type_params: Vec::new(),
            params: h.params,
            returns: h.returns,
            access,
        }
    }
}

// ---- format version 2 ----
//
// Version 2 had generics but no keyed storage: its accesses have no index.

/// A version-2 access.
#[derive(Debug, Deserialize)]
pub(super) struct WireAccessV2<'a> {
    pub mode: AccessMode,
    pub resource: StructHandleIdx,
    #[serde(borrow)]
    pub type_args: Vec<Bytes<'a>>,
    pub address: AddressSource,
}

/// A version-2 function handle.
#[derive(Debug, Deserialize)]
pub(super) struct WireFunctionHandleV2<'a> {
    pub module: ModuleHandleIdx,
    pub name: String,
    pub type_params: Vec<Abilities>,
    #[serde(borrow)]
    pub params: Vec<Bytes<'a>>,
    #[serde(borrow)]
    pub returns: Vec<Bytes<'a>>,
    #[serde(borrow)]
    pub access: Vec<WireAccessV2<'a>>,
}

impl<'a> From<WireFunctionHandleV2<'a>> for WireFunctionHandle<'a> {
    fn from(h: WireFunctionHandleV2<'a>) -> Self {
        let access = h
            .access
            .into_iter()
            .map(|a| WireAccess {
                mode: a.mode,
                resource: a.resource,
                type_args: a.type_args,
                address: a.address,
                index: None,
            })
            .collect();
        WireFunctionHandle {
            module: h.module,
            name: h.name,
            type_params: h.type_params,
            params: h.params,
            returns: h.returns,
            access,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct WireConstant<'a> {
    #[serde(borrow)]
    pub ty: Bytes<'a>,
    pub value: Vec<ConstToken>,
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct WireField<'a> {
    pub name: String,
    #[serde(borrow)]
    pub ty: Bytes<'a>,
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct WireStructDef<'a> {
    pub handle: StructHandleIdx,
    #[serde(borrow)]
    pub fields: Vec<WireField<'a>>,
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct WireFunctionDef<'a> {
    pub handle: FunctionHandleIdx,
    pub visibility: Visibility,
    pub is_entry: bool,
    #[serde(borrow)]
    pub locals: Vec<Bytes<'a>>,
    /// The instructions, each as `Instr::encode` writes it.
    #[serde(borrow)]
    pub code: Bytes<'a>,
}

/// The body after the header, in `Module`'s field order.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct WireModule<'a> {
    pub module_handles: Vec<ModuleId>,
    pub struct_handles: Vec<StructHandle>,
    #[serde(borrow)]
    pub function_handles: Vec<WireFunctionHandle<'a>>,
    #[serde(borrow)]
    pub signatures: Vec<Bytes<'a>>,
    #[serde(borrow)]
    pub constants: Vec<WireConstant<'a>>,
    #[serde(borrow)]
    pub structs: Vec<WireStructDef<'a>>,
    #[serde(borrow)]
    pub functions: Vec<WireFunctionDef<'a>>,
    /// Since version 2: `(definition, type arguments)`.
    #[serde(borrow)]
    pub struct_instantiations: Vec<WireInstantiation<'a>>,
    /// Since version 2: `(function handle, type arguments)`.
    #[serde(borrow)]
    pub function_instantiations: Vec<WireInstantiation<'a>>,
    /// Since version 3: the modules allowed to call `Friend` functions.
    pub friends: Vec<ModuleId>,
}
