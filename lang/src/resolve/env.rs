//! The program environment: every module the compile set can see (its own
//! source modules and the already compiled dependencies), with their structs,
//! functions and constants in semantic form. Built by the resolver, read by
//! every later stage.
//!
//! Everything is addressed by small ids (`ModId`, `StructId`, `FunId`) so the
//! typed IR can name things without lifetimes or string lookups.

use std::collections::HashMap;

use resin_format::file_format::{Abilities, AccessMode, AddressSource, ConstValue, IndexSource, ModuleId};

use crate::source::Span;
use crate::typeck::ty::{ParamTy, Ty};

/// A module of the environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModId(pub u32);

impl ModId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A struct: its module and its position in that module's `structs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StructId {
    pub module: ModId,
    pub index: u32,
}

/// A function: its module and its position in that module's `functions`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FunId {
    pub module: ModId,
    pub index: u32,
}

/// Where a module of the environment comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// `program.modules[i]`: compiled now.
    Source(usize),
    /// `deps[i]`: already compiled.
    Dependency(usize),
    /// Named by a dependency's struct handle but not supplied: only the
    /// structs those handles describe are known (no fields, no functions).
    Stub,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldInfo {
    pub name: String,
    pub ty: Ty,
    pub span: Option<Span>,
}

/// A declared type parameter of a struct or function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeParamInfo {
    pub name: String,
    /// The abilities each type argument must have.
    pub constraints: Abilities,
    /// `phantom T` (structs only): used only as a phantom argument, so it
    /// does not limit the abilities of an instance.
    pub phantom: bool,
    pub span: Option<Span>,
}

impl TypeParamInfo {
    /// The parameter as a type inside its struct or function.
    pub fn ty(&self, index: usize) -> Ty {
        Ty::Param(ParamTy {
            index: u16::try_from(index).unwrap_or(u16::MAX),
            name: self.name.as_str().into(),
            constraints: self.constraints,
        })
    }
}

/// The parameters of a generic item as types (`T0, T1, ...` in place).
pub fn param_tys(params: &[TypeParamInfo]) -> Vec<Ty> {
    params.iter().enumerate().map(|(i, p)| p.ty(i)).collect()
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StructInfo {
    pub name: String,
    pub type_params: Vec<TypeParamInfo>,
    pub abilities: Abilities,
    pub fields: Vec<FieldInfo>,
    /// False for a stub struct (fields unknown).
    pub fields_known: bool,
    pub span: Option<Span>,
}

impl StructInfo {
    pub fn field(&self, name: &str) -> Option<(usize, &FieldInfo)> {
        self.fields.iter().enumerate().find(|(_, f)| f.name == name)
    }
}

/// One symbolic access, with the resource named by its environment id and
/// its type arguments (in terms of the function's type parameters).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SemAccess {
    pub mode: AccessMode,
    pub resource: StructId,
    pub type_args: Vec<Ty>,
    /// An object's module by its environment id (the bytecode names it by
    /// a module handle of its own module).
    pub address: AddressSource<ModId>,
    /// `Some` for an entry of keyed storage: `Allowance@owner[spender]`.
    pub index: Option<IndexSource>,
}

/// A written `acquires` entry after resolution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WrittenAccess {
    pub access: SemAccess,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Visibility {
    Private,
    Public,
    /// `public(friend)`: callable from the module's friends.
    Friend,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunInfo {
    pub name: String,
    pub visibility: Visibility,
    pub is_entry: bool,
    pub type_params: Vec<TypeParamInfo>,
    pub params: Vec<Ty>,
    pub param_names: Vec<String>,
    pub returns: Vec<Ty>,
    /// The access spec callers see: a dependency's from its bytecode; a source
    /// function's once access inference has run (the written clause when there
    /// is one). `None` until known. Shared with the compiled module's
    /// [`crate::access::FunctionAccess`]: a set may hold 255 entries.
    pub access: Option<std::sync::Arc<[SemAccess]>>,
    /// The written clause of a source function, resolved.
    pub written_access: Option<Vec<WrittenAccess>>,
    pub span: Option<Span>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConstInfo {
    pub name: String,
    pub ty: Ty,
    pub value: ConstValue,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct ModuleEnv {
    pub id: ModuleId,
    pub origin: Origin,
    pub structs: Vec<StructInfo>,
    pub functions: Vec<FunInfo>,
    pub constants: Vec<ConstInfo>,
    /// The modules that may call this one's `public(friend)` functions.
    pub friends: Vec<ModuleId>,
    struct_index: HashMap<String, u32>,
    fun_index: HashMap<String, u32>,
    const_index: HashMap<String, u32>,
}

impl ModuleEnv {
    pub fn new(id: ModuleId, origin: Origin) -> Self {
        ModuleEnv {
            id,
            origin,
            structs: Vec::new(),
            functions: Vec::new(),
            constants: Vec::new(),
            friends: Vec::new(),
            struct_index: HashMap::new(),
            fun_index: HashMap::new(),
            const_index: HashMap::new(),
        }
    }

    /// Adds a struct; `None` when the name is taken (the caller reports it).
    pub fn add_struct(&mut self, info: StructInfo) -> Option<u32> {
        add_named(&mut self.structs, &mut self.struct_index, info.name.clone(), info)
    }

    pub fn add_function(&mut self, info: FunInfo) -> Option<u32> {
        add_named(&mut self.functions, &mut self.fun_index, info.name.clone(), info)
    }

    pub fn add_constant(&mut self, info: ConstInfo) -> Option<u32> {
        add_named(&mut self.constants, &mut self.const_index, info.name.clone(), info)
    }

    pub fn struct_named(&self, name: &str) -> Option<u32> {
        self.struct_index.get(name).copied()
    }

    pub fn function_named(&self, name: &str) -> Option<u32> {
        self.fun_index.get(name).copied()
    }

    pub fn constant_named(&self, name: &str) -> Option<u32> {
        self.const_index.get(name).copied()
    }
}

fn add_named<T>(items: &mut Vec<T>, index: &mut HashMap<String, u32>, name: String, item: T) -> Option<u32> {
    if index.contains_key(&name) {
        return None;
    }
    let id = u32::try_from(items.len()).ok()?;
    index.insert(name, id);
    items.push(item);
    Some(id)
}

/// Every module visible to the compile set.
#[derive(Clone, Debug, Default)]
pub struct Env {
    pub modules: Vec<ModuleEnv>,
    by_id: HashMap<ModuleId, ModId>,
    /// A test build (`resin test`): the test-only builtins resolve.
    pub test_build: bool,
}

impl Env {
    pub fn add_module(&mut self, module: ModuleEnv) -> ModId {
        let id = ModId(u32::try_from(self.modules.len()).unwrap_or(u32::MAX));
        self.by_id.insert(module.id.clone(), id);
        self.modules.push(module);
        id
    }

    pub fn lookup(&self, id: &ModuleId) -> Option<ModId> {
        self.by_id.get(id).copied()
    }

    pub fn module(&self, id: ModId) -> Option<&ModuleEnv> {
        self.modules.get(id.index())
    }

    pub fn module_mut(&mut self, id: ModId) -> Option<&mut ModuleEnv> {
        self.modules.get_mut(id.index())
    }

    pub fn strukt(&self, id: StructId) -> Option<&StructInfo> {
        self.module(id.module)?.structs.get(id.index as usize)
    }

    pub fn function(&self, id: FunId) -> Option<&FunInfo> {
        self.module(id.module)?.functions.get(id.index as usize)
    }

    pub fn function_mut(&mut self, id: FunId) -> Option<&mut FunInfo> {
        self.module_mut(id.module)?.functions.get_mut(id.index as usize)
    }

    pub fn find_struct(&self, module: ModId, name: &str) -> Option<StructId> {
        let index = self.module(module)?.struct_named(name)?;
        Some(StructId { module, index })
    }

    pub fn find_function(&self, module: ModId, name: &str) -> Option<FunId> {
        let index = self.module(module)?.function_named(name)?;
        Some(FunId { module, index })
    }

    /// `Name` inside `current`, `module::Name` elsewhere.
    pub fn struct_display(&self, id: StructId, current: Option<ModId>) -> String {
        let name = self.strukt(id).map_or("<unknown>", |s| s.name.as_str());
        match self.module(id.module) {
            Some(m) if Some(id.module) != current => format!("{}::{}", m.id.name, name),
            _ => name.to_string(),
        }
    }

    /// The abilities of a struct (empty for an unknown id).
    pub fn struct_abilities(&self, id: StructId) -> Abilities {
        self.strukt(id).map_or(Abilities::EMPTY, |s| s.abilities)
    }
}
