//! What names mean inside one source module: its `use` aliases, the builtin
//! modules (`signer`, `vector`, `hash`, `block`, `object`, `type_info`) and
//! the builtin global functions.

use std::cell::Cell;
use std::collections::HashMap;

use resin_format::file_format::{AccountAddress, ModuleId};

use super::env::ModId;
use crate::source::Span;

/// The intrinsic modules: their functions compile to instructions, so they
/// need no dependency module. `0x1::signer`, `0x1::vector`, `0x1::hash`,
/// `0x1::block`, `0x1::object` and `0x1::type_info`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BuiltinModule {
    Signer,
    Vector,
    Hash,
    Block,
    Object,
    TypeInfo,
}

impl BuiltinModule {
    pub const ALL: [BuiltinModule; 6] = [
        BuiltinModule::Signer,
        BuiltinModule::Vector,
        BuiltinModule::Hash,
        BuiltinModule::Block,
        BuiltinModule::Object,
        BuiltinModule::TypeInfo,
    ];

    pub fn name(self) -> &'static str {
        match self {
            BuiltinModule::Signer => "signer",
            BuiltinModule::Vector => "vector",
            BuiltinModule::Hash => "hash",
            BuiltinModule::Block => "block",
            BuiltinModule::Object => "object",
            BuiltinModule::TypeInfo => "type_info",
        }
    }

    pub fn id(self) -> ModuleId {
        ModuleId::new(AccountAddress::from_u64(1), self.name())
    }

    pub fn from_id(id: &ModuleId) -> Option<BuiltinModule> {
        if id.address != AccountAddress::from_u64(1) {
            return None;
        }
        Self::from_name(&id.name)
    }

    pub fn from_name(name: &str) -> Option<BuiltinModule> {
        match name {
            "signer" => Some(BuiltinModule::Signer),
            "vector" => Some(BuiltinModule::Vector),
            "hash" => Some(BuiltinModule::Hash),
            "block" => Some(BuiltinModule::Block),
            "object" => Some(BuiltinModule::Object),
            "type_info" => Some(BuiltinModule::TypeInfo),
            _ => None,
        }
    }
}

/// The builtin functions, global (`move_to`) or in a builtin module (`vector::length`).
///
/// The `*Keyed` forms are never named by a path: the type checker turns a
/// storage builtin called with an index (`borrow_global<S>(addr, idx)`,
/// `move_to(addr, idx, s)`) into its keyed form, which later stages treat
/// as an operation of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Builtin {
    MoveTo,
    MoveFrom,
    BorrowGlobal,
    BorrowGlobalMut,
    Exists,
    Emit,
    MoveToKeyed,
    MoveFromKeyed,
    BorrowGlobalKeyed,
    BorrowGlobalMutKeyed,
    ExistsKeyed,
    CounterAdd,
    CounterAddKeyed,
    SignerAddressOf,
    VecEmpty,
    VecLength,
    VecBorrow,
    VecBorrowMut,
    VecPushBack,
    VecPopBack,
    VecSwap,
    VecDestroyEmpty,
    VecRemove,
    VecInsert,
    VecContains,
    VecIndexOf,
    VecAppend,
    VecReverse,
    VecIsEmpty,
    VecSingleton,
    HashSha3_256,
    HashBlake3,
    BlockTimestamp,
    BlockHeight,
    /// `block::set_timestamp_for_testing(t)`: test builds only.
    BlockSetTimestampForTesting,
    /// `block::set_height_for_testing(h)`: test builds only.
    BlockSetHeightForTesting,
    /// `object::address(creator, seed)`: the address this module derives.
    ObjectAddress,
    /// `object::signer(creator, seed)`: a signer for it.
    ObjectSigner,
    /// `type_info::type_name<T>()`: `T`'s canonical name as bytes.
    TypeName,
    /// `type_info::is_struct<T>()`: whether `T` is a struct type.
    TypeIsStruct,
}

impl Builtin {
    /// The names [`Builtin::global`] knows, for "did you mean".
    pub const GLOBAL_NAMES: &'static [&'static str] =
        &["move_to", "move_from", "borrow_global", "borrow_global_mut", "exists", "emit", "counter_add"];

    /// A global builtin by its unqualified name.
    pub fn global(name: &str) -> Option<Builtin> {
        Some(match name {
            "move_to" => Builtin::MoveTo,
            "move_from" => Builtin::MoveFrom,
            "borrow_global" => Builtin::BorrowGlobal,
            "borrow_global_mut" => Builtin::BorrowGlobalMut,
            "exists" => Builtin::Exists,
            "emit" => Builtin::Emit,
            "counter_add" => Builtin::CounterAdd,
            _ => return None,
        })
    }

    /// A function of a builtin module.
    pub fn in_module(module: BuiltinModule, name: &str) -> Option<Builtin> {
        Some(match (module, name) {
            (BuiltinModule::Signer, "address_of") => Builtin::SignerAddressOf,
            (BuiltinModule::Vector, "empty") => Builtin::VecEmpty,
            (BuiltinModule::Vector, "length") => Builtin::VecLength,
            (BuiltinModule::Vector, "borrow") => Builtin::VecBorrow,
            (BuiltinModule::Vector, "borrow_mut") => Builtin::VecBorrowMut,
            (BuiltinModule::Vector, "push_back") => Builtin::VecPushBack,
            (BuiltinModule::Vector, "pop_back") => Builtin::VecPopBack,
            (BuiltinModule::Vector, "swap") => Builtin::VecSwap,
            (BuiltinModule::Vector, "destroy_empty") => Builtin::VecDestroyEmpty,
            (BuiltinModule::Vector, "remove") => Builtin::VecRemove,
            (BuiltinModule::Vector, "insert") => Builtin::VecInsert,
            (BuiltinModule::Vector, "contains") => Builtin::VecContains,
            (BuiltinModule::Vector, "index_of") => Builtin::VecIndexOf,
            (BuiltinModule::Vector, "append") => Builtin::VecAppend,
            (BuiltinModule::Vector, "reverse") => Builtin::VecReverse,
            (BuiltinModule::Vector, "is_empty") => Builtin::VecIsEmpty,
            (BuiltinModule::Vector, "singleton") => Builtin::VecSingleton,
            (BuiltinModule::Hash, "sha3_256") => Builtin::HashSha3_256,
            (BuiltinModule::Hash, "blake3") => Builtin::HashBlake3,
            (BuiltinModule::Block, "timestamp") => Builtin::BlockTimestamp,
            (BuiltinModule::Block, "height") => Builtin::BlockHeight,
            (BuiltinModule::Block, "set_timestamp_for_testing") => Builtin::BlockSetTimestampForTesting,
            (BuiltinModule::Block, "set_height_for_testing") => Builtin::BlockSetHeightForTesting,
            (BuiltinModule::Object, "address") => Builtin::ObjectAddress,
            (BuiltinModule::Object, "signer") => Builtin::ObjectSigner,
            (BuiltinModule::TypeInfo, "type_name") => Builtin::TypeName,
            (BuiltinModule::TypeInfo, "is_struct") => Builtin::TypeIsStruct,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Builtin::MoveTo | Builtin::MoveToKeyed => "move_to",
            Builtin::MoveFrom | Builtin::MoveFromKeyed => "move_from",
            Builtin::BorrowGlobal | Builtin::BorrowGlobalKeyed => "borrow_global",
            Builtin::BorrowGlobalMut | Builtin::BorrowGlobalMutKeyed => "borrow_global_mut",
            Builtin::Exists | Builtin::ExistsKeyed => "exists",
            Builtin::Emit => "emit",
            Builtin::CounterAdd | Builtin::CounterAddKeyed => "counter_add",
            Builtin::SignerAddressOf => "signer::address_of",
            Builtin::VecEmpty => "vector::empty",
            Builtin::VecLength => "vector::length",
            Builtin::VecBorrow => "vector::borrow",
            Builtin::VecBorrowMut => "vector::borrow_mut",
            Builtin::VecPushBack => "vector::push_back",
            Builtin::VecPopBack => "vector::pop_back",
            Builtin::VecSwap => "vector::swap",
            Builtin::VecDestroyEmpty => "vector::destroy_empty",
            Builtin::VecRemove => "vector::remove",
            Builtin::VecInsert => "vector::insert",
            Builtin::VecContains => "vector::contains",
            Builtin::VecIndexOf => "vector::index_of",
            Builtin::VecAppend => "vector::append",
            Builtin::VecReverse => "vector::reverse",
            Builtin::VecIsEmpty => "vector::is_empty",
            Builtin::VecSingleton => "vector::singleton",
            Builtin::HashSha3_256 => "hash::sha3_256",
            Builtin::HashBlake3 => "hash::blake3",
            Builtin::BlockTimestamp => "block::timestamp",
            Builtin::BlockHeight => "block::height",
            Builtin::BlockSetTimestampForTesting => "block::set_timestamp_for_testing",
            Builtin::BlockSetHeightForTesting => "block::set_height_for_testing",
            Builtin::ObjectAddress => "object::address",
            Builtin::ObjectSigner => "object::signer",
            Builtin::TypeName => "type_info::type_name",
            Builtin::TypeIsStruct => "type_info::is_struct",
        }
    }

    /// Whether only a test build may call it (`resin test`): it changes what
    /// the transaction sees of its block, which no published code may do.
    pub fn test_only(self) -> bool {
        matches!(self, Builtin::BlockSetTimestampForTesting | Builtin::BlockSetHeightForTesting)
    }

    /// The keyed form of a storage builtin (called with an index).
    pub fn keyed(self) -> Option<Builtin> {
        Some(match self {
            Builtin::MoveTo => Builtin::MoveToKeyed,
            Builtin::MoveFrom => Builtin::MoveFromKeyed,
            Builtin::BorrowGlobal => Builtin::BorrowGlobalKeyed,
            Builtin::BorrowGlobalMut => Builtin::BorrowGlobalMutKeyed,
            Builtin::Exists => Builtin::ExistsKeyed,
            Builtin::CounterAdd => Builtin::CounterAddKeyed,
            _ => return None,
        })
    }

    /// How many type arguments the builtin takes (0 or 1; for the vector
    /// functions the argument may also be inferred, see `type_arg_optional`).
    pub fn type_params(self) -> usize {
        match self {
            Builtin::MoveTo
            | Builtin::MoveToKeyed
            | Builtin::Emit
            | Builtin::SignerAddressOf
            | Builtin::HashSha3_256
            | Builtin::HashBlake3
            | Builtin::BlockTimestamp
            | Builtin::BlockHeight
            | Builtin::BlockSetTimestampForTesting
            | Builtin::BlockSetHeightForTesting
            | Builtin::ObjectAddress
            | Builtin::ObjectSigner => 0,
            _ => 1,
        }
    }

    /// True when the type argument may be left out and inferred from the arguments.
    pub fn type_arg_optional(self) -> bool {
        matches!(
            self,
            Builtin::MoveTo
                | Builtin::Emit
                | Builtin::VecLength
                | Builtin::VecBorrow
                | Builtin::VecBorrowMut
                | Builtin::VecPushBack
                | Builtin::VecPopBack
                | Builtin::VecSwap
                | Builtin::VecEmpty
                | Builtin::VecDestroyEmpty
                | Builtin::VecRemove
                | Builtin::VecInsert
                | Builtin::VecContains
                | Builtin::VecIndexOf
                | Builtin::VecAppend
                | Builtin::VecReverse
                | Builtin::VecIsEmpty
                | Builtin::VecSingleton
        )
    }
}

/// A module as a name in source can denote it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModuleRef {
    Env(ModId),
    Builtin(BuiltinModule),
}

/// A `use`d member: `use 0x1::m::{S, f as g}`.
#[derive(Clone, Debug)]
pub struct MemberAlias {
    pub module: ModuleRef,
    pub name: String,
    pub span: Span,
    pub used: Cell<bool>,
}

#[derive(Clone, Debug)]
pub struct ModuleAlias {
    pub module: ModuleRef,
    /// `None` for the implicit aliases (the module's own name, `signer`, `vector`).
    pub span: Option<Span>,
    pub used: Cell<bool>,
}

/// The names in scope at the top level of one source module.
#[derive(Clone, Debug)]
pub struct ModuleScope {
    pub module: ModId,
    pub module_aliases: HashMap<String, ModuleAlias>,
    pub member_aliases: HashMap<String, MemberAlias>,
}

impl ModuleScope {
    pub fn new(module: ModId, own_name: &str) -> Self {
        let mut module_aliases = HashMap::new();
        for builtin in BuiltinModule::ALL {
            let alias = ModuleAlias { module: ModuleRef::Builtin(builtin), span: None, used: Cell::new(false) };
            module_aliases.insert(builtin.name().to_string(), alias);
        }
        let own = ModuleAlias { module: ModuleRef::Env(module), span: None, used: Cell::new(false) };
        module_aliases.insert(own_name.to_string(), own);
        module_aliases.insert(
            "Self".to_string(),
            ModuleAlias { module: ModuleRef::Env(module), span: None, used: Cell::new(false) },
        );
        ModuleScope { module, module_aliases, member_aliases: HashMap::new() }
    }

    pub fn module_alias(&self, name: &str) -> Option<ModuleRef> {
        let alias = self.module_aliases.get(name)?;
        alias.used.set(true);
        Some(alias.module)
    }

    pub fn member_alias(&self, name: &str) -> Option<&MemberAlias> {
        let alias = self.member_aliases.get(name)?;
        alias.used.set(true);
        Some(alias)
    }
}
