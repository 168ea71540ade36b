//! Entries of keyed storage in scripts: naming one (`show
//! token::Allowance@alice[bob]`, `expect field alice token::Allowance[bob].amount`,
//! `prove alice token::Allowance[bob]`), and printing one by its anchor and
//! index (`0x1::token::Allowance@0xa11ce[0xb0b]`) rather than by the hash
//! it is stored at.
//!
//! An entry `S@a[i]` is the resource with type id `TypeId::keyed(S)` at the
//! address `keyed_address(a, i)`; both are hashes, so naming an entry needs
//! what they were hashed from. resin-state remembers it for every entry this
//! process derived (the VM derives one whenever code touches it, and a state
//! file records the origins of its entries, loaded at open), and the
//! printers here ask it.

use resin_state::type_tag::StructTag;
use resin_vm::{keyed_address, keyed_origin, AccountAddress, ResourceKey, TypeId, Value};

use super::calls::describe_arg;
use super::{Origin, Session};
use crate::error::CliResult;
use crate::script::ast::{IntSuffix, Literal, ModuleRef, Span, Spanned, TypeRef};

/// A resource named in a script: where it is stored, and its name
/// (`0x1::token::Allowance@0xa11ce[0xb0b]` for a keyed entry,
/// `0x1::coin::Balance` for a plain resource).
pub(super) struct NamedResource {
    pub key: ResourceKey,
    pub name: String,
    /// The type id of the plain struct type: the one printers and field
    /// paths know the layout of (a keyed entry's own id is apart from it).
    pub layout: TypeId,
}

/// A resource type as a script writes it, and the index of a keyed entry.
pub(super) struct ResourcePath<'a> {
    pub module: &'a ModuleRef,
    pub resource: &'a str,
    pub type_args: &'a [TypeRef],
    pub index: Option<&'a Spanned<Literal>>,
}

impl<'a> ResourcePath<'a> {
    pub fn of(r: &'a crate::script::ast::ResourceRef) -> Self {
        ResourcePath { module: &r.module, resource: &r.resource, type_args: &r.type_args, index: r.index.as_ref() }
    }
}

impl Session {
    /// The stored key of `module::resource<type_args>` at `address`, or,
    /// with an index, of the entry `resource@address[index]`.
    pub(super) fn named_resource(
        &self,
        address: AccountAddress,
        path: ResourcePath<'_>,
        span: Span,
        origin: &Origin,
    ) -> CliResult<NamedResource> {
        let ResourcePath { module, resource, type_args, index } = path;
        let tag = self.resource_tag(module, resource, type_args, span, origin)?;
        let layout = TypeId::of_struct(&tag);
        match index {
            None => Ok(NamedResource {
                key: ResourceKey { address, ty: layout },
                name: format!("a {resource} at @{address}"),
                layout,
            }),
            Some(index) => {
                let index = self.index_value(index, origin)?;
                let key = ResourceKey { address: keyed_address(&address, &index), ty: TypeId::keyed(&tag) };
                Ok(NamedResource { key, name: entry_name(&tag, &address, &index), layout })
            }
        }
    }

    /// An index as a script writes it, typed by the literal alone (an
    /// index's type is chosen by the code that uses it, not declared with
    /// the struct): an integer without a suffix is a `u64`, an account is
    /// an `address`, a byte string a `vector<u8>`.
    pub(super) fn index_value(&self, lit: &Spanned<Literal>, origin: &Origin) -> CliResult<Value> {
        Ok(match &lit.node {
            Literal::Int { value, suffix } => {
                let too_big = |ty: &str| origin.error(lit.span, format!("{value} does not fit in `{ty}`"));
                match suffix {
                    Some(IntSuffix::U8) => Value::U8(u8::try_from(*value).map_err(|_| too_big("u8"))?),
                    None | Some(IntSuffix::U64) => Value::U64(u64::try_from(*value).map_err(|_| too_big("u64"))?),
                    Some(IntSuffix::U128) => Value::U128(u128::try_from(*value).map_err(|_| too_big("u128"))?),
                    Some(IntSuffix::U16) => Value::U16(u16::try_from(*value).map_err(|_| too_big("u16"))?),
                    Some(IntSuffix::U32) => Value::U32(u32::try_from(*value).map_err(|_| too_big("u32"))?),
                    Some(IntSuffix::U256) => Value::U256(*value),
                }
            }
            Literal::Bool(b) => Value::Bool(*b),
            Literal::Address(r) => Value::Address(self.resolve_address(&Spanned::new(r.clone(), lit.span), origin)?),
            Literal::Bytes(bytes) => Value::Bytes(bytes.clone()),
            Literal::Vector(items) => {
                let values = items.iter().map(|i| self.index_value(i, origin)).collect::<CliResult<Vec<_>>>()?;
                let kinds: std::collections::BTreeSet<String> = values.iter().map(value_kind).collect();
                if kinds.len() > 1 {
                    return Err(origin.error(lit.span, "the elements of a vector index must have one type"));
                }
                Value::vector(values)
            }
            // A struct-built index: the entry depends on the fields alone,
            // built as the VM builds a struct.
            Literal::Fields(fields) => {
                Value::structure(fields.iter().map(|f| self.index_value(f, origin)).collect::<CliResult<Vec<_>>>()?)
            }
        })
    }

    /// The name of any stored key: an entry of keyed storage by its anchor
    /// and index when they are known, else its type and address.
    pub(super) fn key_name(&self, key: &ResourceKey) -> String {
        match keyed_entry_name(key) {
            Some(name) => name,
            None => format!("{}@{}", self.type_label(key.ty), key.address),
        }
    }

    /// A type id's name: a published or instantiated struct type
    /// (`0x1::coin::Balance`), the struct whose keyed entries it numbers, or
    /// the bare id.
    pub(super) fn type_label(&self, ty: TypeId) -> String {
        self.state
            .code
            .type_name(ty)
            .or_else(|| ty.keyed_resource().map(|tag| tag.to_string()))
            .unwrap_or_else(|| format!("{ty:?}"))
    }

    /// A stored keyed entry, printed with its anchor, index and fields:
    /// `0x1::token::Allowance@0xa11ce[0xb0b] { amount: 5 }`.
    pub(super) fn format_entry(&self, key: &ResourceKey, value: &Value) -> String {
        let Some(tag) = key.ty.keyed_resource() else {
            return self.state.code.format_resource(key.ty, value);
        };
        let name = keyed_entry_name(key).unwrap_or_else(|| format!("{tag}@{}[?]", key.address));
        // The plain type's printer knows the fields; its output starts with
        // the type's name, which the entry's name replaces.
        let printed = self.state.code.format_resource(TypeId::of_struct(&tag), value);
        let plain = tag.to_string();
        match printed.strip_prefix(plain.as_str()) {
            Some(fields) => format!("{name}{fields}"),
            None => format!("{name} {printed}"),
        }
    }

    /// Every keyed entry anchored at `anchor`, or stored at that address,
    /// printed; found by a scan of the store, since an entry's address is a
    /// hash of its anchor and index.
    pub(super) fn keyed_entries_at(&self, anchor: &AccountAddress) -> Vec<String> {
        let mut lines = Vec::new();
        for (key, value) in self.state.resources.iter() {
            if key.ty.keyed_resource().is_none() {
                continue;
            }
            let anchored = keyed_origin(&key.address).is_some_and(|(a, _)| a == *anchor);
            if anchored || key.address == *anchor {
                lines.push(self.format_entry(key, value));
            }
        }
        lines
    }
}

/// `0x1::token::Allowance@0xa11ce[0xb0b]` for a keyed entry whose origin is known.
pub fn keyed_entry_name(key: &ResourceKey) -> Option<String> {
    let tag = key.ty.keyed_resource()?;
    let (anchor, index) = keyed_origin(&key.address)?;
    Some(entry_name(&tag, &anchor, &index))
}

fn entry_name(tag: &StructTag, anchor: &AccountAddress, index: &Value) -> String {
    format!("{tag}@{anchor}[{}]", index_text(index))
}

/// An index as the notation writes it: addresses bare (`0xb0b`), a struct
/// as its fields (`(0xb0b, 7)`), everything else as a call argument (`7`,
/// `7u8`, `b"id"`).
pub fn index_text(index: &Value) -> String {
    match index {
        Value::Address(a) => a.to_string(),
        Value::Struct(_) | Value::Flat(_) => {
            let fields: Vec<String> = index.struct_fields().unwrap_or_default().iter().map(index_text).collect();
            format!("({})", fields.join(", "))
        }
        other => describe_arg(other, &super::Accounts::default()),
    }
}

/// The kind of an index value, to refuse a vector of mixed element types.
fn value_kind(v: &Value) -> String {
    match v {
        Value::Vector(items) => format!("vector<{}>", items.first().map(value_kind).unwrap_or_default()),
        Value::Bytes(_) => "vector<u8>".into(),
        Value::U8(_) => "u8".into(),
        Value::U64(_) => "u64".into(),
        Value::U128(_) => "u128".into(),
        Value::U16(_) => "u16".into(),
        Value::U32(_) => "u32".into(),
        Value::U256(_) => "u256".into(),
        Value::Bool(_) => "bool".into(),
        Value::Address(_) => "address".into(),
        other => format!("{:?}", std::mem::discriminant(other)),
    }
}
