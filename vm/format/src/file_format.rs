//! The in-memory form of a Resin module: what the compiler emits, the verifier
//! checks, the encoder writes and the loader links.
//!
//! The layout follows Move's file format: a module names everything it uses
//! through *handle* tables (modules, structs, functions), so a cross-module
//! reference is an index resolved once at load time, never a name looked up
//! per instruction. Index 0 of the module handle table is the module itself.

use std::fmt;

use crate::encoding::limits::MAX_INDEX_FIELDS;
use serde::{Deserialize, Serialize};

pub use crate::opcodes::Instr;
pub use crate::u256::U256;

/// A 32-byte account address. Printed in Move's short form (`0x1`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct AccountAddress(pub [u8; 32]);

impl AccountAddress {
    pub const ZERO: AccountAddress = AccountAddress([0; 32]);

    /// The address whose last eight bytes hold `n` big-endian (so `0x1` is `from_u64(1)`).
    pub fn from_u64(n: u64) -> Self {
        let mut bytes = [0u8; 32];
        bytes[24..].copy_from_slice(&n.to_be_bytes());
        AccountAddress(bytes)
    }

    /// Parses `0x` followed by 1 to 64 hex digits.
    pub fn parse(text: &str) -> Option<Self> {
        let digits = text.strip_prefix("0x")?;
        if digits.is_empty() || digits.len() > 64 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let padded = format!("{digits:0>64}");
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(padded, &mut bytes).ok()?;
        Some(AccountAddress(bytes))
    }
}

impl fmt::Display for AccountAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let full = hex::encode(self.0);
        let short = full.trim_start_matches('0');
        write!(f, "0x{}", if short.is_empty() { "0" } else { short })
    }
}

impl fmt::Debug for AccountAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A module's global name: `0x1::coin`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct ModuleId {
    pub address: AccountAddress,
    pub name: String,
}

impl ModuleId {
    pub fn new(address: AccountAddress, name: impl Into<String>) -> Self {
        ModuleId { address, name: name.into() }
    }
}

impl fmt::Display for ModuleId {
    /// `0x1::coin`. A name read from hostile bytes may hold control
    /// characters; they are shown escaped (a valid identifier has none).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}::{}", self.address, crate::escape::escaped(&self.name))
    }
}

/// A set of abilities, as bits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Abilities(pub u8);

impl Abilities {
    pub const EMPTY: Abilities = Abilities(0);
    pub const COPY: Abilities = Abilities(1);
    pub const DROP: Abilities = Abilities(2);
    pub const STORE: Abilities = Abilities(4);
    pub const KEY: Abilities = Abilities(8);
    /// Every ability: what primitive types have (but `signer`, which has only `drop`).
    pub const PRIMITIVE: Abilities = Abilities(1 | 2 | 4);
    const ALL_BITS: u8 = 1 | 2 | 4 | 8;

    pub fn has(self, other: Abilities) -> bool {
        self.0 & other.0 == other.0
    }
    pub fn union(self, other: Abilities) -> Abilities {
        Abilities(self.0 | other.0)
    }
    pub fn intersect(self, other: Abilities) -> Abilities {
        Abilities(self.0 & other.0)
    }
    /// False when bits outside the four abilities are set (only possible from bad bytes).
    pub fn is_valid(self) -> bool {
        self.0 & !Self::ALL_BITS == 0
    }
}

impl fmt::Display for Abilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = [(Self::COPY, "copy"), (Self::DROP, "drop"), (Self::STORE, "store"), (Self::KEY, "key")];
        let present: Vec<&str> = names.iter().filter(|(a, _)| self.has(*a)).map(|(_, n)| *n).collect();
        f.write_str(&present.join(", "))
    }
}

impl fmt::Debug for Abilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Abilities({self})")
    }
}

macro_rules! index_types {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default, Serialize, Deserialize)]
        #[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
        pub struct $name(pub u16);

        impl $name {
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    )*};
}

index_types! {
    /// Into [`Module::module_handles`]; 0 is the module itself.
    ModuleHandleIdx;
    /// Into [`Module::struct_handles`].
    StructHandleIdx;
    /// Into [`Module::function_handles`].
    FunctionHandleIdx;
    /// Into [`Module::structs`] (this module's own struct definitions).
    StructDefIdx;
    /// Into [`Module::constants`].
    ConstIdx;
    /// Into [`Module::signatures`], the pool of types named by vector instructions.
    SignatureIdx;
    /// Into [`Module::struct_instantiations`]: one of this module's generic structs applied to type arguments.
    StructInstIdx;
    /// Into [`Module::function_instantiations`]: a generic function applied to type arguments.
    FunctionInstIdx;
    /// A code offset: the index of an instruction in its function's code.
    CodeOffset;
}

/// A local variable slot; parameters come first.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct LocalIdx(pub u8);

/// A field of one of this module's structs.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct FieldRef {
    pub owner: StructDefIdx,
    pub field: u16,
}

/// A field of one of this module's generic structs, in one instantiation.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct FieldInstRef {
    pub owner: StructInstIdx,
    pub field: u16,
}

/// A value type. References appear only in parameters and locals: never in
/// fields, vectors, return types, type arguments or storage.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Type {
    Bool,
    U8,
    U64,
    U128,
    Address,
    Signer,
    Vector(Box<Type>),
    /// A struct without type parameters.
    Struct(StructHandleIdx),
    Ref(Box<Type>),
    MutRef(Box<Type>),
    /// Type parameter `i` of the enclosing generic struct or function.
    TypeParam(u16),
    /// A generic struct applied to type arguments, one per type parameter of its handle.
    StructInst(StructHandleIdx, Vec<Type>),
    // The integers added after the first formats, last so that the derived
    // order of the older variants stays what it was.
    U16,
    U32,
    U256,
}

impl Type {
    pub fn is_reference(&self) -> bool {
        matches!(self, Type::Ref(_) | Type::MutRef(_))
    }
    pub fn is_integer(&self) -> bool {
        matches!(self, Type::U8 | Type::U16 | Type::U32 | Type::U64 | Type::U128 | Type::U256)
    }

    /// The type with every `TypeParam(i)` replaced by `args[i]`; a parameter
    /// without an argument is left as it is (the verifier rejects such code
    /// before anything substitutes into it). Recursion is bounded by the
    /// type's depth, which the decoder and the verifier limit.
    pub fn substitute(&self, args: &[Type]) -> Type {
        match self {
            Type::TypeParam(i) => args.get(usize::from(*i)).cloned().unwrap_or_else(|| self.clone()),
            Type::Vector(inner) => Type::Vector(Box::new(inner.substitute(args))),
            Type::Ref(inner) => Type::Ref(Box::new(inner.substitute(args))),
            Type::MutRef(inner) => Type::MutRef(Box::new(inner.substitute(args))),
            Type::StructInst(idx, inner) => Type::StructInst(*idx, inner.iter().map(|t| t.substitute(args)).collect()),
            Type::Bool
            | Type::U8
            | Type::U16
            | Type::U32
            | Type::U64
            | Type::U128
            | Type::U256
            | Type::Address
            | Type::Signer
            | Type::Struct(_) => self.clone(),
        }
    }

    /// True when a type parameter occurs anywhere in the type.
    pub fn has_type_params(&self) -> bool {
        self.preorder().any(|t| matches!(t, Type::TypeParam(_)))
    }

    /// Every node of the type, parents before children, without recursion.
    pub fn preorder(&self) -> impl Iterator<Item = &Type> {
        let mut stack = vec![self];
        std::iter::from_fn(move || {
            let ty = stack.pop()?;
            match ty {
                Type::Vector(inner) | Type::Ref(inner) | Type::MutRef(inner) => stack.push(inner),
                Type::StructInst(_, args) => stack.extend(args.iter().rev()),
                _ => {}
            }
            Some(ty)
        })
    }
}

/// A type parameter of a generic struct.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct StructTypeParam {
    /// Abilities every argument must have.
    pub constraints: Abilities,
    /// A phantom parameter appears in no field (only as a phantom argument),
    /// so it does not limit the abilities of an instantiation.
    pub is_phantom: bool,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct StructHandle {
    pub module: ModuleHandleIdx,
    pub name: String,
    /// Declared abilities; the loader checks they match the defining module.
    /// An instantiation has those of them that every non-phantom argument has
    /// (for `key`, that every non-phantom argument has `store`).
    pub abilities: Abilities,
    /// Empty for a struct that is not generic; the loader checks they match the defining module.
    pub type_params: Vec<StructTypeParam>,
}

/// One of this module's generic structs applied to type arguments.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct StructInstantiation {
    pub def: StructDefIdx,
    pub type_args: Vec<Type>,
}

/// A generic function applied to type arguments.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct FunctionInstantiation {
    pub handle: FunctionHandleIdx,
    pub type_args: Vec<Type>,
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct FieldDef {
    pub name: String,
    pub ty: Type,
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct StructDef {
    /// Must be a handle whose module is 0 (this module).
    pub handle: StructHandleIdx,
    pub fields: Vec<FieldDef>,
}

/// How an access touches its resource. `borrow_global`/`exists` read;
/// `borrow_global_mut`, `move_from` and `move_to` write; `counter_add` adds.
///
/// Two accesses to one key conflict unless both read or both add: adds to
/// a counter commute, so transactions that only add to it may run at the
/// same time (the engine merges their deltas in block order). A read of a
/// counter is ordered against every add to it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum AccessMode {
    Read,
    Write,
    /// Only `counter_add`: never observes or replaces the value.
    Add,
}

impl AccessMode {
    /// True when an access of mode `self` is allowed by a declaration of
    /// mode `declared`: a write allows everything; a read and an add allow
    /// only themselves (an add-only transaction may not read, or it would
    /// see a total that concurrent adds are still changing).
    pub fn covered_by(self, declared: AccessMode) -> bool {
        declared == AccessMode::Write || self == declared
    }

    /// The weakest mode covering both: equal modes stay, any two different
    /// ones need a write.
    pub fn join(self, other: AccessMode) -> AccessMode {
        if self == other {
            self
        } else {
            AccessMode::Write
        }
    }

    /// Whether two accesses to one key must keep their block order.
    pub fn conflicts_with(self, other: AccessMode) -> bool {
        !(self == other && self != AccessMode::Write)
    }
}

/// Where the address of a symbolic access comes from.
///
/// `M` names the module of a module-controlled address: a module handle
/// in the bytecode; the compiler and the loader put their own ids there.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum AddressSource<M = ModuleHandleIdx> {
    /// Parameter `i`, of type `address`.
    Param(u8),
    /// The address of parameter `i`, of type `signer` or `&signer`.
    SignerOf(u8),
    /// A fixed address.
    Const(AccountAddress),
    /// Any address: conflicts with every access to the type.
    Any,
    /// The address a module derives (`object::address(creator, seed)`)
    /// from a creator and a seed that the call's arguments or fixed values
    /// give. After `Any`, so that older files keep their encoding.
    Object(ObjectSource<M>),
}

impl<M> AddressSource<M> {
    /// The same source with its module, if any, mapped by `f`; `None`
    /// when `f` finds none.
    pub fn map_module<N>(self, f: impl FnOnce(M) -> Option<N>) -> Option<AddressSource<N>> {
        Some(match self {
            AddressSource::Param(i) => AddressSource::Param(i),
            AddressSource::SignerOf(i) => AddressSource::SignerOf(i),
            AddressSource::Const(a) => AddressSource::Const(a),
            AddressSource::Any => AddressSource::Any,
            AddressSource::Object(o) => {
                AddressSource::Object(ObjectSource { module: f(o.module)?, creator: o.creator, seed: o.seed })
            }
        })
    }
}

/// A module-controlled address ([`AddressSource::Object`]): the module
/// whose code derives it, and where its creator and seed come from.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct ObjectSource<M = ModuleHandleIdx> {
    pub module: M,
    pub creator: ObjectCreator,
    pub seed: ObjectSeed,
}

impl<M> ObjectSource<M> {
    /// The creator and the seed in words, for messages: `param` and
    /// `signer` name a parameter and a signer parameter's address; fixed
    /// values read as the assembler writes them (`0x5`, `b"pool"`).
    pub fn words(&self, param: &impl Fn(u8) -> String, signer: &impl Fn(u8) -> String) -> (String, String) {
        let creator = match self.creator {
            ObjectCreator::Param(i) => param(i),
            ObjectCreator::SignerOf(i) => signer(i),
            ObjectCreator::Const(a) => a.to_string(),
        };
        let seed = match self.seed {
            ObjectSeed::Param(i) => param(i),
            ObjectSeed::Const(bytes) => bytes.to_string(),
        };
        (creator, seed)
    }
}

/// Where an object's creator comes from: the address sources that are
/// themselves known, so that nothing on the wire is recursive.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum ObjectCreator {
    /// Parameter `i`, of type `address`.
    Param(u8),
    /// The address of parameter `i`, of type `signer` or `&signer`.
    SignerOf(u8),
    Const(AccountAddress),
}

/// Where an object's seed (a `vector<u8>`) comes from.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum ObjectSeed {
    /// Parameter `i`, of type `vector<u8>`.
    Param(u8),
    /// Fixed bytes: a constant or literal the function loads, of at most
    /// [`SeedBytes::MAX`] bytes (a longer one makes the address `*`).
    Const(SeedBytes),
}

/// At most [`SeedBytes::MAX`] bytes, held inline so that an access stays
/// `Copy`. The bytes past `len` are zero, so equal seeds are equal values
/// (the verifier rejects any other form).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SeedBytes {
    len: u8,
    bytes: [u8; SeedBytes::MAX],
}

impl SeedBytes {
    /// The longest seed an access set can name.
    pub const MAX: usize = 32;

    /// `bytes` as a seed; `None` when longer than [`SeedBytes::MAX`].
    pub fn new(bytes: &[u8]) -> Option<SeedBytes> {
        let mut out = SeedBytes { len: u8::try_from(bytes.len()).ok()?, bytes: [0; SeedBytes::MAX] };
        out.bytes.get_mut(..bytes.len())?.copy_from_slice(bytes);
        Some(out)
    }

    /// The seed's bytes; `None` when the value is not in canonical form
    /// (too long, or non-zero bytes past its length).
    pub fn get(&self) -> Option<&[u8]> {
        let (bytes, rest) = self.bytes.split_at_checked(usize::from(self.len))?;
        rest.iter().all(|&b| b == 0).then_some(bytes)
    }
}

impl fmt::Display for SeedBytes {
    /// A byte string literal when the bytes are printable ASCII, else hex.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bytes = self.get().unwrap_or_default();
        if bytes.iter().all(|&b| b.is_ascii_graphic() && b != b'"' && b != b'\\' || b == b' ') {
            write!(f, "b\"{}\"", String::from_utf8_lossy(bytes))
        } else {
            f.write_str("x\"")?;
            bytes.iter().try_for_each(|b| write!(f, "{b:02x}"))?;
            f.write_str("\"")
        }
    }
}

/// Where the index of a keyed access comes from: which entry of a keyed
/// resource (`Allowance@owner[spender]`) a call touches.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum IndexSource {
    /// The value of parameter `i` (of any type with `copy` and `drop`).
    Param(u8),
    /// The address of parameter `i`, of type `signer` or `&signer`.
    SignerOf(u8),
    /// Any index: conflicts with every keyed access to the type.
    Any,
    /// A fixed index: a literal or constant the function loads
    /// (`Slot@pool[7]`). Since format version 3, after every other source,
    /// so that older files keep their encoding.
    Const(IndexConst),
    /// A struct the function builds from these fields, in order
    /// (`Order@market[(market, id)]` for `OrderId { market, id }`). The
    /// entry depends only on the field values, not on the struct's name: the
    /// index's canonical bytes are those of its fields. One level: a field
    /// that is itself a struct makes the index `[*]`. After `Const`, so
    /// that older files keep their encoding.
    Pack(Vec<IndexField>),
}

/// A field of a struct-built index ([`IndexSource::Pack`]): the sources a
/// whole index can have, less `*` and nesting, so that nothing on the wire
/// is recursive and an index is either fully known or `[*]`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum IndexField {
    Param(u8),
    SignerOf(u8),
    Const(IndexConst),
}

impl IndexField {
    /// The field a whole-index source stands for; `None` for `*` and a struct.
    pub fn of_source(source: &IndexSource) -> Option<IndexField> {
        match source {
            IndexSource::Param(i) => Some(IndexField::Param(*i)),
            IndexSource::SignerOf(i) => Some(IndexField::SignerOf(*i)),
            IndexSource::Const(value) => Some(IndexField::Const(*value)),
            IndexSource::Any | IndexSource::Pack(_) => None,
        }
    }

    /// The field as a whole-index source, for code that maps each source.
    pub fn source(self) -> IndexSource {
        match self {
            IndexField::Param(i) => IndexSource::Param(i),
            IndexField::SignerOf(i) => IndexSource::SignerOf(i),
            IndexField::Const(value) => IndexSource::Const(value),
        }
    }
}

impl IndexSource {
    /// Whether the index of a declared access covers a needed access's:
    /// both plain (`None`), or both keyed with the same source or `[*]`
    /// declared, which covers every index. A plain access never covers a
    /// keyed one, nor the reverse.
    pub fn covers(declared: Option<&IndexSource>, needed: Option<&IndexSource>) -> bool {
        match (declared, needed) {
            (None, None) => true,
            (Some(d), Some(n)) => *d == IndexSource::Any || d == n,
            _ => false,
        }
    }

    /// What the index is made of: a struct-built one's fields, any other
    /// index itself.
    pub fn parts(&self) -> Vec<IndexSource> {
        match self {
            IndexSource::Pack(fields) => fields.iter().map(|f| f.source()).collect(),
            other => vec![other.clone()],
        }
    }

    /// The index in words, for reports and errors: `param` and `signer`
    /// name a parameter's value and a signer parameter's address, the
    /// rest is `*`, a fixed value as the language writes it (`7u64`), and a
    /// struct-built index as its fields in parentheses (`(owner, 7u64)`).
    pub fn words(&self, param: &impl Fn(u8) -> String, signer: &impl Fn(u8) -> String) -> String {
        match self {
            IndexSource::Param(i) => param(*i),
            IndexSource::SignerOf(i) => signer(*i),
            IndexSource::Any => "*".to_string(),
            IndexSource::Const(value) => value.to_string(),
            IndexSource::Pack(fields) => {
                let fields: Vec<String> = fields.iter().map(|f| f.source().words(param, signer)).collect();
                format!("({})", fields.join(", "))
            }
        }
    }

    /// A struct-built index from its fields' sources: `*` unless every
    /// field is a parameter, a signer's address or a fixed value. More than [`MAX_INDEX_FIELDS`] fields is `*` too.
    pub fn pack(fields: impl IntoIterator<Item = IndexSource>) -> IndexSource {
        let fields: Option<Vec<IndexField>> = fields.into_iter().map(|f| IndexField::of_source(&f)).collect();
        match fields {
            Some(fields) if fields.len() <= MAX_INDEX_FIELDS => IndexSource::Pack(fields),
            _ => IndexSource::Any,
        }
    }

    /// The source with each parameter-based part replaced by `map`'s
    /// result for it (a call instantiating a callee's index with its
    /// arguments); a struct-built index whose field maps to `*` or to a
    /// struct is `*`.
    pub fn map_params(&self, map: &mut impl FnMut(IndexSource) -> IndexSource) -> IndexSource {
        match self {
            IndexSource::Param(_) | IndexSource::SignerOf(_) => map(self.clone()),
            IndexSource::Pack(fields) => IndexSource::pack(fields.iter().map(|f| match f {
                IndexField::Const(_) => f.source(),
                IndexField::Param(_) | IndexField::SignerOf(_) => map(f.source()),
            })),
            IndexSource::Any | IndexSource::Const(_) => self.clone(),
        }
    }
}

/// The value of a fixed index: a scalar, with its type (`7u8` and `7u64`
/// are different indexes, as they are different keys). Shown as the
/// language writes it, an integer always with its suffix: `7u64`, `@0x5`,
/// `true`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum IndexConst {
    Bool(bool),
    U8(u8),
    U16(u16),
    U32(u32),
    U64(u64),
    U128(u128),
    U256(U256),
    Address(AccountAddress),
}

impl fmt::Display for IndexConst {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IndexConst::Bool(b) => write!(f, "{b}"),
            IndexConst::U8(v) => write!(f, "{v}u8"),
            IndexConst::U16(v) => write!(f, "{v}u16"),
            IndexConst::U32(v) => write!(f, "{v}u32"),
            IndexConst::U64(v) => write!(f, "{v}u64"),
            IndexConst::U128(v) => write!(f, "{v}u128"),
            IndexConst::U256(v) => write!(f, "{v}u256"),
            IndexConst::Address(a) => write!(f, "@{a}"),
        }
    }
}

impl IndexConst {
    /// The index a scalar constant value stands for; `None` for a vector
    /// (not a fixed-size scalar).
    pub fn of_value(value: &ConstValue) -> Option<IndexConst> {
        Some(match value {
            ConstValue::Bool(b) => IndexConst::Bool(*b),
            ConstValue::U8(v) => IndexConst::U8(*v),
            ConstValue::U16(v) => IndexConst::U16(*v),
            ConstValue::U32(v) => IndexConst::U32(*v),
            ConstValue::U64(v) => IndexConst::U64(*v),
            ConstValue::U128(v) => IndexConst::U128(*v),
            ConstValue::U256(v) => IndexConst::U256(*v),
            ConstValue::Address(a) => IndexConst::Address(*a),
            ConstValue::Vector(_) => return None,
        })
    }

    /// [`IndexConst::of_value`] for a constant declared of type `ty`; `None`
    /// also when the value is not of that type.
    pub fn of_constant(ty: &Type, value: &ConstValue) -> Option<IndexConst> {
        IndexConst::of_value(value).filter(|v| v.ty() == *ty)
    }

    /// The value a literal-loading instruction pushes (`ld_u64 7`, `ld_true`).
    pub fn of_literal(instr: &Instr) -> Option<IndexConst> {
        Some(match instr {
            Instr::LdTrue => IndexConst::Bool(true),
            Instr::LdFalse => IndexConst::Bool(false),
            Instr::LdU8(v) => IndexConst::U8(*v),
            Instr::LdU16(v) => IndexConst::U16(*v),
            Instr::LdU32(v) => IndexConst::U32(*v),
            Instr::LdU64(v) => IndexConst::U64(*v),
            Instr::LdU128(v) => IndexConst::U128(*v),
            Instr::LdU256(v) => IndexConst::U256(*v),
            _ => return None,
        })
    }

    /// The value as a constant's.
    pub fn value(self) -> ConstValue {
        match self {
            IndexConst::Bool(b) => ConstValue::Bool(b),
            IndexConst::U8(v) => ConstValue::U8(v),
            IndexConst::U16(v) => ConstValue::U16(v),
            IndexConst::U32(v) => ConstValue::U32(v),
            IndexConst::U64(v) => ConstValue::U64(v),
            IndexConst::U128(v) => ConstValue::U128(v),
            IndexConst::U256(v) => ConstValue::U256(v),
            IndexConst::Address(a) => ConstValue::Address(a),
        }
    }

    /// The value's type.
    pub fn ty(self) -> Type {
        match self {
            IndexConst::Bool(_) => Type::Bool,
            IndexConst::U8(_) => Type::U8,
            IndexConst::U16(_) => Type::U16,
            IndexConst::U32(_) => Type::U32,
            IndexConst::U64(_) => Type::U64,
            IndexConst::U128(_) => Type::U128,
            IndexConst::U256(_) => Type::U256,
            IndexConst::Address(_) => Type::Address,
        }
    }
}

/// One symbolic access of a function's access spec.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Access {
    pub mode: AccessMode,
    pub resource: StructHandleIdx,
    /// The resource's type arguments (empty for a struct that is not
    /// generic); they may name the function's type parameters, which a call
    /// instantiates, so `Balance<USD>` and `Balance<EUR>` are different keys.
    pub type_args: Vec<Type>,
    pub address: AddressSource,
    /// `Some` for an entry of keyed storage (the `_keyed` global
    /// instructions): the resource at `address[index]`. Keyed entries and
    /// plain resources of one type are different keys, and `*` in either
    /// place widens to every keyed entry of the type.
    pub index: Option<IndexSource>,
}

impl Access {
    /// An access to a resource that is not generic.
    pub fn plain(mode: AccessMode, resource: StructHandleIdx, address: AddressSource) -> Self {
        Access { mode, resource, type_args: Vec::new(), address, index: None }
    }

    /// An access to an entry of keyed storage of a resource that is not generic.
    pub fn keyed(mode: AccessMode, resource: StructHandleIdx, address: AddressSource, index: IndexSource) -> Self {
        Access { mode, resource, type_args: Vec::new(), address, index: Some(index) }
    }
}

/// The resources a call may touch. Part of the bytecode: the VM enforces it,
/// the scheduler trusts it.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct AccessSpec(pub Vec<Access>);

#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct FunctionHandle {
    pub module: ModuleHandleIdx,
    pub name: String,
    /// The constraints of each type parameter; empty for a function that is not generic.
    pub type_params: Vec<Abilities>,
    pub params: Vec<Type>,
    pub returns: Vec<Type>,
    /// The callee's access spec; the loader checks it covers the definition's
    /// (they are equal as compiled; an upgrade of the callee may narrow it).
    pub access: AccessSpec,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Visibility {
    Private,
    Public,
    /// Callable from this module and from the modules its `friends` table names.
    Friend,
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct FunctionDef {
    /// Must be a handle whose module is 0 (this module).
    pub handle: FunctionHandleIdx,
    pub visibility: Visibility,
    /// Callable by a transaction.
    pub is_entry: bool,
    /// Local slots after the parameters.
    pub locals: Vec<Type>,
    pub code: Vec<Instr>,
}

/// The value of a constant. Only copyable primitive data can be a constant.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum ConstValue {
    Bool(bool),
    U8(u8),
    U64(u64),
    U128(u128),
    Address(AccountAddress),
    Vector(Vec<ConstValue>),
    U16(u16),
    U32(u32),
    U256(U256),
}

impl ConstValue {
    /// The bytes of a vector of `u8`s; `None` for anything else.
    pub fn bytes(&self) -> Option<Vec<u8>> {
        let ConstValue::Vector(items) = self else { return None };
        items.iter().map(|v| if let ConstValue::U8(b) = v { Some(*b) } else { None }).collect()
    }
}

#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Constant {
    pub ty: Type,
    pub value: ConstValue,
}

/// A compiled module.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Module {
    /// Index 0 is this module's own id; the others are its dependencies.
    pub module_handles: Vec<ModuleId>,
    pub struct_handles: Vec<StructHandle>,
    pub function_handles: Vec<FunctionHandle>,
    /// Types named by vector instructions.
    pub signatures: Vec<Type>,
    pub constants: Vec<Constant>,
    pub structs: Vec<StructDef>,
    pub functions: Vec<FunctionDef>,
    /// Named by the generic pack, unpack, field and global instructions.
    pub struct_instantiations: Vec<StructInstantiation>,
    /// Named by `call_generic`.
    pub function_instantiations: Vec<FunctionInstantiation>,
    /// Since format version 3: the modules that may call this one's
    /// `Friend` functions. Each must be at this module's address.
    pub friends: Vec<ModuleId>,
    /// Constant names and source maps, when the compiler kept them: never
    /// read by the verifier or the interpreter (see [`crate::debug`]).
    pub debug: Option<crate::debug::DebugInfo>,
}

impl Module {
    /// The module without its debug information: what it does, and all
    /// that a module's hash and a state root cover.
    pub fn without_debug(&self) -> Module {
        Module { debug: None, ..self.clone() }
    }

    /// This module's id, or `None` for a malformed module with no handles.
    pub fn self_id(&self) -> Option<&ModuleId> {
        self.module_handles.first()
    }

    pub fn struct_handle(&self, idx: StructHandleIdx) -> Option<&StructHandle> {
        self.struct_handles.get(idx.index())
    }

    pub fn function_handle(&self, idx: FunctionHandleIdx) -> Option<&FunctionHandle> {
        self.function_handles.get(idx.index())
    }

    /// The name of a function definition, through its handle.
    pub fn function_name(&self, def: &FunctionDef) -> Option<&str> {
        self.function_handle(def.handle).map(|h| h.name.as_str())
    }

    /// The name of a struct definition, through its handle.
    pub fn struct_name(&self, def: &StructDef) -> Option<&str> {
        self.struct_handle(def.handle).map(|h| h.name.as_str())
    }

    pub fn find_function(&self, name: &str) -> Option<(usize, &FunctionDef)> {
        self.functions.iter().enumerate().find(|(_, f)| self.function_name(f) == Some(name))
    }

    pub fn find_struct(&self, name: &str) -> Option<(usize, &StructDef)> {
        self.structs.iter().enumerate().find(|(_, s)| self.struct_name(s) == Some(name))
    }
}
