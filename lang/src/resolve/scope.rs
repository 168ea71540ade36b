//! What names mean inside one source module: its `use` aliases, the builtin
//! modules (`signer`, `vector`) and the builtin global functions.

use std::cell::Cell;
use std::collections::HashMap;

use resin_format::file_format::{AccountAddress, ModuleId};

use super::env::ModId;
use crate::source::Span;

/// The intrinsic modules: their functions compile to instructions, so they
/// need no dependency module. `0x1::signer` and `0x1::vector`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BuiltinModule {
    Signer,
    Vector,
}

impl BuiltinModule {
    pub fn name(self) -> &'static str {
        match self {
            BuiltinModule::Signer => "signer",
            BuiltinModule::Vector => "vector",
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
            _ => None,
        }
    }
}

/// The builtin functions, global (`move_to`) or in a builtin module (`vector::length`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Builtin {
    MoveTo,
    MoveFrom,
    BorrowGlobal,
    BorrowGlobalMut,
    Exists,
    Emit,
    SignerAddressOf,
    VecEmpty,
    VecLength,
    VecBorrow,
    VecBorrowMut,
    VecPushBack,
    VecPopBack,
    VecSwap,
}

impl Builtin {
    /// A global builtin by its unqualified name.
    pub fn global(name: &str) -> Option<Builtin> {
        Some(match name {
            "move_to" => Builtin::MoveTo,
            "move_from" => Builtin::MoveFrom,
            "borrow_global" => Builtin::BorrowGlobal,
            "borrow_global_mut" => Builtin::BorrowGlobalMut,
            "exists" => Builtin::Exists,
            "emit" => Builtin::Emit,
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
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Builtin::MoveTo => "move_to",
            Builtin::MoveFrom => "move_from",
            Builtin::BorrowGlobal => "borrow_global",
            Builtin::BorrowGlobalMut => "borrow_global_mut",
            Builtin::Exists => "exists",
            Builtin::Emit => "emit",
            Builtin::SignerAddressOf => "signer::address_of",
            Builtin::VecEmpty => "vector::empty",
            Builtin::VecLength => "vector::length",
            Builtin::VecBorrow => "vector::borrow",
            Builtin::VecBorrowMut => "vector::borrow_mut",
            Builtin::VecPushBack => "vector::push_back",
            Builtin::VecPopBack => "vector::pop_back",
            Builtin::VecSwap => "vector::swap",
        }
    }

    /// How many type arguments the builtin takes (0 or 1; for the vector
    /// functions the argument may also be inferred, see `type_arg_optional`).
    pub fn type_params(self) -> usize {
        match self {
            Builtin::MoveTo | Builtin::Emit | Builtin::SignerAddressOf => 0,
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
        for builtin in [BuiltinModule::Signer, BuiltinModule::Vector] {
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
