//! The surface syntax tree produced by the parser.
//!
//! Every node carries a [`Span`] (file index + byte range). The tree is close to
//! the source: no name resolution, no desugaring beyond what the grammar forces
//! (parentheses leave no node; struct-literal shorthand `S { f }` is kept as a
//! flag so the printer can reproduce it). Builtins (`move_to`, `borrow_global`,
//! `vector::push_back`, `signer::address_of`, ...) are ordinary [`ExprKind::Call`]s;
//! the resolver recognises them by name.
//!
//! Invariants the parser guarantees (later stages may rely on them):
//! - integer literals are in range for their suffix; an unsuffixed literal fits in `u64`
//!   (larger values need the `u128` or `u256` suffix);
//! - assignment targets are [`LValue`]s (local, field, deref) -- nothing else parses;
//! - access entries always have a mode (`read`/`write`/`add`); entries without one are reported
//!   and dropped;
//! - `assert!` always has exactly two arguments;
//! - nesting depth is bounded: counting every expression, block, statement, type and
//!   pattern node as one level, no module is deeper than [`crate::depth::MAX_DEPTH`]
//!   (256). Deeper programs are rejected with E0127 and their modules dropped, so
//!   recursive passes over the tree need no guard of their own.
//!
//! When the parser recovers from an error it inserts [`ExprKind::Error`] /
//! [`StmtKind::Error`] nodes; a tree containing them always comes with an error diagnostic.

mod attr;
mod expr;

pub use crate::source::Span;
pub use attr::*;
pub use expr::*;
pub use resin_format::file_format::AccountAddress;
pub use resin_format::U256;

/// An identifier with its location.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// What is written before an item (or a struct field): doc comment lines
/// (`/// text` gives `" text"`: the text after the three slashes) and
/// attributes (`#[test]`), in any order. They share a node because both
/// precede every item in the same place and neither changes the item's
/// syntax; the attributes' meaning is checked after parsing
/// ([`crate::attributes`]).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Doc {
    pub lines: Vec<String>,
    pub attrs: Vec<Attribute>,
}

impl Doc {
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty() && self.attrs.is_empty()
    }

    /// The attribute named `name`, if written.
    pub fn attr(&self, name: &str) -> Option<&Attribute> {
        self.attrs.iter().find(|a| a.name.name == name)
    }
}

/// All modules parsed from all source files, in source order.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Program {
    pub modules: Vec<Module>,
}

/// An address written in source: `0x1` (in `module 0x1::m`, paths) or `@0x1` (expressions).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AddressLit {
    pub value: AccountAddress,
    pub span: Span,
}

/// `module 0x1::coin { ... }`. Items are grouped by kind; order within a kind is source order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Module {
    pub doc: Doc,
    pub address: AddressLit,
    pub name: Ident,
    pub uses: Vec<UseDecl>,
    /// `friend 0x1::other;`: the modules that may call this one's `public(friend)` functions.
    pub friends: Vec<FriendDecl>,
    pub structs: Vec<StructDef>,
    pub constants: Vec<ConstDef>,
    pub functions: Vec<FunDef>,
    pub span: Span,
}

/// `0x1::coin` as named by a `use`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ModuleIdent {
    pub address: AddressLit,
    pub name: Ident,
    pub span: Span,
}

/// `use 0x1::m;`, `use 0x1::m as x;`, `use 0x1::m::S;`, `use 0x1::m::{Self, S as T};`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UseDecl {
    pub doc: Doc,
    pub module: ModuleIdent,
    pub kind: UseKind,
    pub span: Span,
}

/// `friend 0x1::other;`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FriendDecl {
    pub doc: Doc,
    pub module: ModuleIdent,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UseKind {
    /// `use 0x1::m;` / `use 0x1::m as alias;`
    Module { alias: Option<Ident> },
    /// `use 0x1::m::S;` (one member) or `use 0x1::m::{Self, S, f as g};`
    Members(Vec<UseMember>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UseMember {
    /// `Self` (imports the module name itself), optionally `Self as alias`.
    SelfModule { alias: Option<Ident>, span: Span },
    /// A struct, function or constant of the module.
    Item { name: Ident, alias: Option<Ident>, span: Span },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ability {
    Copy,
    Drop,
    Store,
    Key,
}

impl Ability {
    pub fn as_str(self) -> &'static str {
        match self {
            Ability::Copy => "copy",
            Ability::Drop => "drop",
            Ability::Store => "store",
            Ability::Key => "key",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AbilityRef {
    pub ability: Ability,
    pub span: Span,
}

/// A type parameter: `T`, `T: copy + drop`, and on structs `phantom T`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeParam {
    /// `Some(span of the word)` for `phantom T` (structs only; the parser
    /// reports it on a function).
    pub phantom: Option<Span>,
    pub name: Ident,
    /// The abilities every type argument must have.
    pub constraints: Vec<AbilityRef>,
    pub span: Span,
}

/// `struct Coin<phantom T> has store { value: u64 }`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StructDef {
    pub doc: Doc,
    pub name: Ident,
    pub type_params: Vec<TypeParam>,
    pub abilities: Vec<AbilityRef>,
    pub fields: Vec<FieldDecl>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldDecl {
    pub doc: Doc,
    pub name: Ident,
    pub ty: Type,
    pub span: Span,
}

/// `const E_INSUFFICIENT: u64 = 1;` (the value is an expression; the checker decides
/// which expressions are constant).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConstDef {
    pub doc: Doc,
    pub name: Ident,
    pub ty: Type,
    pub value: Expr,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Visibility {
    Private,
    /// `public`, with the keyword's span.
    Public(Span),
    /// `public(friend)`, with its span: callable from this module's friends.
    Friend(Span),
}

/// `[public] [entry] fun name(params)[: ret] [acquires ...] { body }`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunDef {
    pub doc: Doc,
    pub visibility: Visibility,
    /// `Some(span of the keyword)` for `entry` functions.
    pub entry: Option<Span>,
    pub name: Ident,
    pub type_params: Vec<TypeParam>,
    pub params: Vec<Param>,
    /// Return types: empty for none or `()`, one for `: T`, several for `: (T1, T2)`.
    pub returns: Vec<Type>,
    /// The written access clause; `None` means "infer".
    pub access: Option<AccessClause>,
    pub body: Block,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    pub name: Ident,
    pub ty: Type,
    pub span: Span,
}

/// `acquires read Balance@owner, write coin::Balance@*`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessClause {
    pub entries: Vec<AccessEntry>,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AccessMode {
    Read,
    Write,
    /// Only counter adds (`counter_add`).
    Add,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessEntry {
    pub mode: AccessMode,
    pub mode_span: Span,
    /// The resource struct: `Balance`, `coin::Balance` or `0x1::coin::Balance`.
    pub resource: Path,
    /// `Balance<T>`: the resource's type arguments.
    pub type_args: Vec<Type>,
    pub address: AccessAddress,
    /// `[spender]`, `[7]`, `[(market, id)]` or `[*]` after the address: an
    /// entry of keyed storage.
    pub index: Option<AccessIndex>,
    pub span: Span,
}

/// The index of a keyed access: `Allowance@owner[spender]`, `Token@c[*]`,
/// `Slot@pool[7]`, `Order@market[(market, id)]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccessIndex {
    /// A parameter (of a type with `copy` and `drop`, or a signer) or a
    /// scalar constant: resolved later.
    Name(Ident),
    /// A literal: an integer (`u64` without a suffix), `true`, `false` or an
    /// address.
    Literal { value: Literal, span: Span },
    /// `*`: every index.
    Wildcard(Span),
    /// `(market, id)`: a struct the function builds from these fields (a
    /// name or a literal each), such as `OrderId { market, id }`.
    Tuple { fields: Vec<AccessIndex>, span: Span },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccessAddress {
    /// A parameter (address, signer or &signer) or a constant: resolved later.
    Name(Ident),
    /// `@0x1` or `0x1`.
    Literal(AddressLit),
    /// `*`: every address.
    Wildcard(Span),
    /// `object(creator, seed)`: the address `path`'s module derives
    /// (`object` alone: this module; `amm::object`: module `amm`). The
    /// creator is a name or an address literal, the seed a name or a byte
    /// string.
    Object { path: Path, creator: Box<AccessIndex>, seed: Box<AccessIndex>, span: Span },
}

/// A possibly qualified name: `x`, `m::f`, `0x1::m::f`.
/// Invariant: `address.is_some()` implies `module.is_some()`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Path {
    pub address: Option<AddressLit>,
    pub module: Option<Ident>,
    pub name: Ident,
    pub span: Span,
}

impl Path {
    /// The single identifier, when the path is unqualified.
    pub fn as_single(&self) -> Option<&Ident> {
        if self.module.is_none() {
            Some(&self.name)
        } else {
            None
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Type {
    pub kind: TypeKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeKind {
    Bool,
    U8,
    U64,
    U128,
    U16,
    U32,
    U256,
    Address,
    Signer,
    Vector(Box<Type>),
    /// A struct type (local, `m::S`, `0x1::m::S` or imported) or a type
    /// parameter, with its type arguments (`Coin<T>`).
    Named(Path, Vec<Type>),
    Ref(Box<Type>),
    MutRef(Box<Type>),
    /// Only produced by error recovery.
    Error,
}

/// The integer types a literal suffix or a cast can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IntType {
    U8,
    U64,
    U128,
    U16,
    U32,
    U256,
}

impl IntType {
    pub fn as_str(self) -> &'static str {
        match self {
            IntType::U8 => "u8",
            IntType::U64 => "u64",
            IntType::U128 => "u128",
            IntType::U16 => "u16",
            IntType::U32 => "u32",
            IntType::U256 => "u256",
        }
    }

    pub fn max(self) -> U256 {
        match self {
            IntType::U8 => U256::from(u8::MAX),
            IntType::U16 => U256::from(u16::MAX),
            IntType::U32 => U256::from(u32::MAX),
            IntType::U64 => U256::from(u64::MAX),
            IntType::U128 => U256::from(u128::MAX),
            IntType::U256 => U256::MAX,
        }
    }
}
