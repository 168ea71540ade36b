//! The parsed, not yet resolved, form of an assembly file. Names stay names
//! here; `build.rs` turns them into table indexes.

use crate::file_format::{Abilities, AccessMode, AccountAddress, ConstValue, StructTypeParam};
use crate::opcodes::OpInfo;

use super::lexer::Pos;

/// A module written as `alias` (from a `use`) or `0x1::name`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ModulePath {
    Alias(String),
    Full(AccountAddress, String),
}

/// A reference to a struct or function handle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum NameRef {
    /// `Name`: this module's.
    Local(String),
    /// `alias::Name` or `0x1::m::Name`.
    Qualified(ModulePath, String),
    /// `#7`: a raw index, taken as is (for modules that are wrong on purpose).
    Raw(u16),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Located<T> {
    pub node: T,
    pub pos: Pos,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TypeAst {
    Bool,
    U8,
    U64,
    U128,
    U16,
    U32,
    U256,
    Address,
    Signer,
    Vector(Box<TypeAst>),
    Ref(Box<TypeAst>),
    MutRef(Box<TypeAst>),
    /// `Name` (`None`) or `Name<A, B>` (`Some`; `Name<>` is `Some(vec![])`, a
    /// distinct type on the wire).
    Struct(Located<NameRef>, Option<Vec<TypeAst>>),
    /// `T3` (checked against the enclosing declaration's type parameters) or
    /// `#T3` (`raw`: taken unchecked).
    Param {
        index: u16,
        raw: bool,
        pos: Pos,
    },
}

/// What a generic instruction names: an instantiation written inline
/// (`Coin<u64>`, `coin::merge<T0>`, `#2<u8>` for definition or handle 2), or a
/// raw index into the instantiation table (`#5`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum InstRef {
    Raw(u16),
    Inline(Located<NameRef>, Vec<TypeAst>),
}

/// A local slot, a constant or a field, named or numbered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Slot {
    Name(String),
    Index(u128),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum AddressAst {
    Param(Located<Slot>),
    SignerOf(Located<Slot>),
    Const(AccountAddress),
    Any,
    /// `object(signer 0, param 1)`: derived in this module;
    /// `object 0x1::amm(param 0, b"pool")`: in that one.
    Object {
        module: Option<Located<ModulePath>>,
        creator: CreatorAst,
        seed: SeedAst,
    },
}

/// An object's creator: `signer N`, `param N` or an address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum CreatorAst {
    Param(Located<Slot>),
    SignerOf(Located<Slot>),
    Const(AccountAddress),
}

/// An object's seed: `param N` or a byte string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SeedAst {
    Param(Located<Slot>),
    Bytes(Located<Vec<u8>>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AccessAst {
    pub mode: AccessMode,
    pub resource: Located<NameRef>,
    /// `Balance<T0>(..)`; `None` for `Balance(..)`.
    pub type_args: Option<Vec<TypeAst>>,
    pub address: AddressAst,
    /// `[param 1]`, `[signer 0]`, `[*]`, `[7u64]` or `[(param 1, 7u64)]` after the address: a keyed access.
    pub index: Option<IndexAst>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum IndexAst {
    Param(Located<Slot>),
    SignerOf(Located<Slot>),
    Any,
    /// `[7u64]`, `[@0x5]`, `[true]`: a fixed index, written as a constant
    /// with its type (a suffix) or its kind (`@`, `true`) shown.
    Const(Located<ConstValue>),
    /// `[(param 0, 7u64)]`: a struct built from these fields, none of
    /// them `*` or itself struct-built.
    Pack(Located<Vec<IndexAst>>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Param {
    pub name: Option<String>,
    pub ty: TypeAst,
    pub pos: Pos,
}

/// An instruction operand, parsed according to its kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum OperandAst {
    /// A label name or, for raw offsets, a number.
    Offset(Slot),
    Local(Slot),
    Const(Slot),
    Function(NameRef),
    StructDef(NameRef),
    Field(NameRef, Slot),
    Signature(TypeAst),
    RawSignature(u16),
    Immediate(u128),
    /// `ld_u256`'s immediate, wider than `Immediate`.
    Wide(crate::U256),
    StructInst(InstRef),
    FunctionInst(InstRef),
    FieldInst(InstRef, Slot),
}

#[derive(Clone, Debug)]
pub(crate) enum BodyLine {
    Label(String),
    Local(Param),
    Instr { op: &'static OpInfo, operands: Vec<Located<OperandAst>> },
}

#[derive(Clone, Debug)]
pub(crate) struct FunAst {
    pub public: bool,
    /// `public(friend)`: callable by this module's friends.
    pub friend: bool,
    pub entry: bool,
    pub name: Located<NameRef>,
    /// The constraints of `<T0: store, T1>`, in order.
    pub type_params: Vec<Abilities>,
    pub params: Vec<Param>,
    pub returns: Vec<TypeAst>,
    pub access: Vec<Located<AccessAst>>,
    pub body: Option<Vec<Located<BodyLine>>>,
}

#[derive(Clone, Debug)]
pub(crate) struct FieldAst {
    pub name: String,
    pub ty: TypeAst,
}

#[derive(Clone, Debug)]
pub(crate) enum Item {
    Module(AccountAddress, String),
    /// `friend 0x1::other`: a module that may call `public(friend)` functions.
    Friend(AccountAddress, String),
    Use {
        address: AccountAddress,
        name: String,
        alias: Option<String>,
    },
    Struct {
        name: Located<NameRef>,
        type_params: Vec<StructTypeParam>,
        abilities: Abilities,
        fields: Option<Vec<FieldAst>>,
    },
    Const {
        name: String,
        ty: TypeAst,
        value: ConstValue,
    },
    Signature(TypeAst),
    /// `struct_inst Coin<u64>`: an explicit struct instantiation table entry.
    StructInst(Located<NameRef>, Vec<TypeAst>),
    /// `fun_inst f<u64>`: an explicit function instantiation table entry.
    FunInst(Located<NameRef>, Vec<TypeAst>),
    Fun(FunAst),
}
