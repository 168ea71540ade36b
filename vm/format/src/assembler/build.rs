//! Items to a [`Module`], in three passes so that names can be used before
//! they are declared:
//!
//! 1. declarations, in file order: module handles (`use`, and on demand for a
//!    qualified declaration), struct and function handles and definitions,
//!    constants and explicit signatures. Table order is declaration order.
//! 2. types: fields, constants, signatures, explicit instantiations
//!    (`struct_inst`, `fun_inst`), function signatures and access specs.
//! 3. function bodies (`body.rs`); signature-pool and instantiation entries
//!    named inline by instructions are appended on first use.
//!
//! `T0`, `T1`, ... are checked against the type parameters of the enclosing
//! struct or function ([`Builder::scope`]); at module level (`signature`,
//! `const`, `struct_inst`, `fun_inst`) there is nothing to check them against.

use std::collections::HashMap;
use std::hash::Hash;

use crate::encoding::limits::{MAX_INDEX_FIELDS, MAX_TABLE_LEN};
use crate::file_format::*;

use super::ast::*;
use super::body::build_body;
use super::lexer::Pos;
use super::AsmError;

type Result<T> = std::result::Result<T, AsmError>;

enum Alias {
    Module(u16),
    /// Two `use`s share a last name segment: the alias cannot be used.
    Ambiguous,
}

/// Appends to a table, failing once its `u16` indexes run out.
pub(crate) fn push<T>(table: &mut Vec<T>, item: T, what: &str, pos: Pos) -> Result<u16> {
    if table.len() >= MAX_TABLE_LEN {
        return Err(pos.error(format!("too many {what} (at most {MAX_TABLE_LEN})")));
    }
    let index = u16::try_from(table.len()).map_err(|_| pos.error(format!("too many {what}")))?;
    table.push(item);
    Ok(index)
}

/// Looks `item` up through `index` (each distinct entry's first position in
/// `table`), else appends it: a lookup by value that stays linear in the
/// number of uses, for tables of tens of thousands of entries.
pub(crate) fn intern<T: Clone + Hash + Eq>(
    table: &mut Vec<T>,
    index: &mut HashMap<T, u16>,
    item: T,
    what: &str,
    pos: Pos,
) -> Result<u16> {
    if let Some(&at) = index.get(&item) {
        return Ok(at);
    }
    let at = push(table, item.clone(), what, pos)?;
    index.insert(item, at);
    Ok(at)
}

/// The first position of each distinct entry of `table`.
fn first_positions<T: Clone + Hash + Eq>(table: &[T]) -> HashMap<T, u16> {
    let mut index = HashMap::new();
    for (at, item) in table.iter().enumerate() {
        if let Ok(at) = u16::try_from(at) {
            index.entry(item.clone()).or_insert(at);
        }
    }
    index
}

pub(crate) struct Builder {
    pub m: Module,
    modules: HashMap<ModuleId, u16>,
    aliases: HashMap<String, Alias>,
    structs: HashMap<(u16, String), u16>,
    pub struct_defs: HashMap<u16, u16>,
    functions: HashMap<(u16, String), u16>,
    function_defs: HashMap<u16, u16>,
    pub consts: HashMap<String, u16>,
    /// Where each function handle was first declared, for conflict messages.
    function_decl_pos: HashMap<u16, Pos>,
    /// The number of type parameters of the struct or function whose types
    /// are being resolved; `None` at module level, where `Tn` is unchecked.
    pub scope: Option<usize>,
    /// Lookups by value into the tables that bodies name inline, built once
    /// the explicit entries are known (after pass 2).
    pub signature_index: HashMap<Type, u16>,
    struct_inst_index: HashMap<StructInstantiation, u16>,
    function_inst_index: HashMap<FunctionInstantiation, u16>,
}

/// What pass 1 learned about a `fun` item, for passes 2 and 3.
struct FunDecl {
    handle: u16,
    /// True for the item that created the handle (it sets the signature; later ones must match it).
    creates: bool,
    def: Option<u16>,
}

impl Builder {
    fn new() -> Self {
        Builder {
            m: Module {
                module_handles: Vec::new(),
                struct_handles: Vec::new(),
                function_handles: Vec::new(),
                signatures: Vec::new(),
                constants: Vec::new(),
                structs: Vec::new(),
                functions: Vec::new(),
                struct_instantiations: Vec::new(),
                function_instantiations: Vec::new(),
                friends: Vec::new(),
                debug: None,
            },
            modules: HashMap::new(),
            aliases: HashMap::new(),
            structs: HashMap::new(),
            struct_defs: HashMap::new(),
            functions: HashMap::new(),
            function_defs: HashMap::new(),
            consts: HashMap::new(),
            function_decl_pos: HashMap::new(),
            scope: None,
            signature_index: HashMap::new(),
            struct_inst_index: HashMap::new(),
            function_inst_index: HashMap::new(),
        }
    }

    fn module_handle(&mut self, path: &ModulePath, pos: Pos, create: bool) -> Result<u16> {
        match path {
            ModulePath::Alias(alias) => match self.aliases.get(alias) {
                Some(Alias::Module(index)) => Ok(*index),
                Some(Alias::Ambiguous) => {
                    Err(pos.error(format!("module alias `{alias}` is ambiguous: give one `use` an `as` name")))
                }
                None => Err(pos.error(format!("unknown module `{alias}`: add `use 0x..::{alias}`"))),
            },
            ModulePath::Full(address, name) => {
                let id = ModuleId::new(*address, name.clone());
                if let Some(index) = self.modules.get(&id) {
                    return Ok(*index);
                }
                if !create {
                    return Err(pos.error(format!("unknown module `{id}`")));
                }
                self.add_module(id, None, pos)
            }
        }
    }

    fn add_module(&mut self, id: ModuleId, alias: Option<String>, pos: Pos) -> Result<u16> {
        if self.modules.contains_key(&id) {
            return Err(pos.error(format!("module `{id}` is already declared")));
        }
        let explicit = alias.is_some();
        let alias = alias.unwrap_or_else(|| id.name.clone());
        let index = push(&mut self.m.module_handles, id.clone(), "module handles", pos)?;
        self.modules.insert(id, index);
        match self.aliases.get(&alias) {
            None => {
                self.aliases.insert(alias, Alias::Module(index));
            }
            Some(_) if explicit => return Err(pos.error(format!("alias `{alias}` is already taken"))),
            Some(_) => {
                self.aliases.insert(alias, Alias::Ambiguous);
            }
        }
        Ok(index)
    }

    /// The module and name a declaration names.
    fn declared_name(&mut self, name: &Located<NameRef>) -> Result<(u16, String)> {
        match &name.node {
            NameRef::Local(name) => Ok((0, name.clone())),
            NameRef::Qualified(path, name_part) => Ok((self.module_handle(path, name.pos, true)?, name_part.clone())),
            NameRef::Raw(_) => Err(name.pos.error("a declaration needs a name, not an index")),
        }
    }

    pub fn struct_handle(&mut self, name: &Located<NameRef>) -> Result<StructHandleIdx> {
        let key = match &name.node {
            NameRef::Raw(index) => return Ok(StructHandleIdx(*index)),
            NameRef::Local(n) => (0, n.clone()),
            NameRef::Qualified(path, n) => (self.module_handle(path, name.pos, false)?, n.clone()),
        };
        self.structs
            .get(&key)
            .map(|i| StructHandleIdx(*i))
            .ok_or_else(|| name.pos.error(format!("unknown struct `{}`: declare it with `struct ... has ...`", key.1)))
    }

    pub fn function_handle(&mut self, name: &Located<NameRef>) -> Result<FunctionHandleIdx> {
        let key = match &name.node {
            NameRef::Raw(index) => return Ok(FunctionHandleIdx(*index)),
            NameRef::Local(n) => (0, n.clone()),
            NameRef::Qualified(path, n) => (self.module_handle(path, name.pos, false)?, n.clone()),
        };
        self.functions.get(&key).map(|i| FunctionHandleIdx(*i)).ok_or_else(|| {
            name.pos.error(format!("unknown function `{}`: another module's function needs a `fun` declaration", key.1))
        })
    }

    /// The definition index of a struct named in `pack`, `move_to`, a field
    /// operand, ... (`args`: `None`), or in a generic instruction or a
    /// `struct_inst` with `args` type arguments. A named struct must take
    /// that many type arguments; a raw `#N` is taken unchecked.
    pub fn struct_def(&mut self, name: &Located<NameRef>, args: Option<usize>) -> Result<u16> {
        if let NameRef::Raw(index) = name.node {
            return Ok(index);
        }
        let handle = self.struct_handle(name)?;
        let def = self.struct_defs.get(&handle.0).copied().ok_or_else(|| {
            name.pos.error("this instruction needs a struct defined in this module (with a `{ fields }` body)")
        })?;
        let params = self.struct_type_params(handle);
        match args {
            None if params > 0 => Err(name.pos.error(format!(
                "struct `{}` is generic: use the `_generic` instruction with its type arguments",
                self.struct_display(handle)
            ))),
            Some(n) if params == 0 && n > 0 => Err(name.pos.error(format!(
                "struct `{}` is not generic: use the instruction without `_generic`",
                self.struct_display(handle)
            ))),
            Some(n) => self.check_arity("struct", &self.struct_display(handle), params, n, name.pos).map(|()| def),
            None => Ok(def),
        }
    }

    fn struct_type_params(&self, handle: StructHandleIdx) -> usize {
        self.m.struct_handles.get(handle.index()).map_or(0, |h| h.type_params.len())
    }

    fn struct_display(&self, handle: StructHandleIdx) -> String {
        self.m.struct_handles.get(handle.index()).map_or_else(|| format!("#{}", handle.0), |h| h.name.clone())
    }

    fn check_arity(&self, what: &str, name: &str, params: usize, args: usize, pos: Pos) -> Result<()> {
        if params == args {
            return Ok(());
        }
        Err(pos.error(match (params, args) {
            (0, _) => format!("{what} `{name}` is not generic: it takes no type arguments"),
            (_, 0) => format!("{what} `{name}` is generic: write `{name}<..>` with {params} type argument(s)"),
            _ => format!("{what} `{name}` takes {params} type argument(s), found {args}"),
        }))
    }

    /// The function handle of a `call` (`args`: `None`), or of a
    /// `call_generic` or a `fun_inst` with `args` type arguments; named
    /// functions are checked like [`Builder::struct_def`].
    pub fn function_ref(&mut self, name: &Located<NameRef>, args: Option<usize>) -> Result<FunctionHandleIdx> {
        let handle = self.function_handle(name)?;
        if matches!(name.node, NameRef::Raw(_)) {
            return Ok(handle);
        }
        let (params, display) = self
            .m
            .function_handles
            .get(handle.index())
            .map_or((0, String::new()), |h| (h.type_params.len(), h.name.clone()));
        match args {
            None if params > 0 => {
                Err(name.pos.error(format!("function `{display}` is generic: use `call_generic {display}<..>`")))
            }
            None => Ok(handle),
            Some(n) => self.check_arity("function", &display, params, n, name.pos).map(|()| handle),
        }
    }

    /// The index of `Name<args>` in the struct instantiation table, appended on first use.
    pub fn struct_inst(&mut self, name: &Located<NameRef>, args: &[TypeAst]) -> Result<u16> {
        let def = self.struct_def(name, Some(args.len()))?;
        let inst = StructInstantiation { def: StructDefIdx(def), type_args: self.types(args)? };
        let table = &mut self.m.struct_instantiations;
        intern(table, &mut self.struct_inst_index, inst, "struct instantiations", name.pos)
    }

    /// The index of `f<args>` in the function instantiation table, appended on first use.
    pub fn function_inst(&mut self, name: &Located<NameRef>, args: &[TypeAst]) -> Result<u16> {
        let handle = self.function_ref(name, Some(args.len()))?;
        let inst = FunctionInstantiation { handle, type_args: self.types(args)? };
        let table = &mut self.m.function_instantiations;
        intern(table, &mut self.function_inst_index, inst, "function instantiations", name.pos)
    }

    /// `Name` or `Name<args>` in a type or an access: a named struct must take
    /// exactly that many type arguments (`Name<>` is zero arguments, and a
    /// distinct type from `Name`); a raw `#N` is taken unchecked.
    fn struct_type(&mut self, name: &Located<NameRef>, args: usize) -> Result<StructHandleIdx> {
        let handle = self.struct_handle(name)?;
        if !matches!(name.node, NameRef::Raw(_)) {
            self.check_arity("struct", &self.struct_display(handle), self.struct_type_params(handle), args, name.pos)?;
        }
        Ok(handle)
    }

    pub fn ty(&mut self, ty: &TypeAst) -> Result<Type> {
        Ok(match ty {
            TypeAst::Bool => Type::Bool,
            TypeAst::U8 => Type::U8,
            TypeAst::U64 => Type::U64,
            TypeAst::U128 => Type::U128,
            TypeAst::U16 => Type::U16,
            TypeAst::U32 => Type::U32,
            TypeAst::U256 => Type::U256,
            TypeAst::Address => Type::Address,
            TypeAst::Signer => Type::Signer,
            TypeAst::Vector(inner) => Type::Vector(Box::new(self.ty(inner)?)),
            TypeAst::Ref(inner) => Type::Ref(Box::new(self.ty(inner)?)),
            TypeAst::MutRef(inner) => Type::MutRef(Box::new(self.ty(inner)?)),
            TypeAst::Struct(name, None) => Type::Struct(self.struct_type(name, 0)?),
            TypeAst::Struct(name, Some(args)) => {
                let handle = self.struct_type(name, args.len())?;
                Type::StructInst(handle, self.types(args)?)
            }
            TypeAst::Param { index, raw, pos } => match self.scope {
                Some(count) if !raw && usize::from(*index) >= count => {
                    let have = match count {
                        0 => "this declaration is not generic".to_string(),
                        1 => "this declaration has 1 type parameter, T0".to_string(),
                        n => format!("this declaration has {n} type parameters, T0 to T{}", n - 1),
                    };
                    return Err(pos.error(format!(
                        "unknown type parameter `T{index}`: {have} (write `#T{index}` for an unchecked one)"
                    )));
                }
                _ => Type::TypeParam(*index),
            },
        })
    }

    pub fn types(&mut self, types: &[TypeAst]) -> Result<Vec<Type>> {
        types.iter().map(|t| self.ty(t)).collect()
    }

    fn declare_struct(
        &mut self,
        name: &Located<NameRef>,
        type_params: &[StructTypeParam],
        abilities: Abilities,
        defines: bool,
    ) -> Result<Option<u16>> {
        let key = self.declared_name(name)?;
        let handle = match self.structs.get(&key) {
            Some(&handle) => {
                let declared = self.m.struct_handles.get(usize::from(handle));
                if declared.map(|h| h.abilities) != Some(abilities) {
                    return Err(name.pos.error(format!("struct `{}` was declared with other abilities", key.1)));
                }
                if declared.map(|h| h.type_params.as_slice()) != Some(type_params) {
                    return Err(name.pos.error(format!("struct `{}` was declared with other type parameters", key.1)));
                }
                handle
            }
            None => {
                let handle = StructHandle {
                    module: ModuleHandleIdx(key.0),
                    name: key.1.clone(),
                    abilities,
                    type_params: type_params.to_vec(),
                };
                let index = push(&mut self.m.struct_handles, handle, "struct handles", name.pos)?;
                self.structs.insert(key.clone(), index);
                index
            }
        };
        if !defines {
            return Ok(None);
        }
        if key.0 != 0 {
            return Err(name.pos.error("a struct of another module cannot be defined here"));
        }
        if self.struct_defs.contains_key(&handle) {
            return Err(name.pos.error(format!("struct `{}` is defined twice", key.1)));
        }
        let def = StructDef { handle: StructHandleIdx(handle), fields: Vec::new() };
        let index = push(&mut self.m.structs, def, "struct definitions", name.pos)?;
        self.struct_defs.insert(handle, index);
        Ok(Some(index))
    }

    fn declare_function(&mut self, fun: &FunAst, pos: Pos) -> Result<FunDecl> {
        if fun.body.is_none() && (fun.public || fun.entry) {
            return Err(pos.error("`public` and `entry` belong on a function definition (one with a body)"));
        }
        let key = self.declared_name(&fun.name)?;
        let (handle, creates) = match self.functions.get(&key) {
            Some(&handle) => (handle, false),
            None => {
                let handle = FunctionHandle {
                    module: ModuleHandleIdx(key.0),
                    name: key.1.clone(),
                    type_params: fun.type_params.clone(),
                    params: Vec::new(),
                    returns: Vec::new(),
                    access: AccessSpec::default(),
                };
                let index = push(&mut self.m.function_handles, handle, "function handles", fun.name.pos)?;
                self.functions.insert(key.clone(), index);
                self.function_decl_pos.insert(index, fun.name.pos);
                (index, true)
            }
        };
        let def = match &fun.body {
            None => None,
            Some(_) if key.0 != 0 => {
                return Err(fun.name.pos.error("a function of another module cannot be defined here"))
            }
            Some(_) if self.function_defs.contains_key(&handle) => {
                return Err(fun.name.pos.error(format!("function `{}` is defined twice", key.1)))
            }
            Some(_) => {
                let def = FunctionDef {
                    handle: FunctionHandleIdx(handle),
                    visibility: match (fun.public, fun.friend) {
                        (_, true) => Visibility::Friend,
                        (true, false) => Visibility::Public,
                        (false, false) => Visibility::Private,
                    },
                    is_entry: fun.entry,
                    locals: Vec::new(),
                    code: Vec::new(),
                };
                let index = push(&mut self.m.functions, def, "function definitions", fun.name.pos)?;
                self.function_defs.insert(handle, index);
                Some(index)
            }
        };
        Ok(FunDecl { handle, creates, def })
    }

    fn access(&mut self, access: &Located<AccessAst>, params: &[Param]) -> Result<Access> {
        let param_index = |slot: &Located<Slot>| -> Result<u8> {
            let index = match &slot.node {
                Slot::Index(i) => *i,
                Slot::Name(name) => params
                    .iter()
                    .position(|p| p.name.as_deref() == Some(name))
                    .map(|i| i as u128)
                    .ok_or_else(|| slot.pos.error(format!("no parameter named `{name}`")))?,
            };
            u8::try_from(index).map_err(|_| slot.pos.error("parameter index over 255"))
        };
        let address = match &access.node.address {
            AddressAst::Param(slot) => AddressSource::Param(param_index(slot)?),
            AddressAst::SignerOf(slot) => AddressSource::SignerOf(param_index(slot)?),
            AddressAst::Const(address) => AddressSource::Const(*address),
            AddressAst::Any => AddressSource::Any,
            AddressAst::Object { module, creator, seed } => {
                let module = match module {
                    Some(path) => ModuleHandleIdx(self.module_handle(&path.node, path.pos, false)?),
                    None => ModuleHandleIdx(0),
                };
                let creator = match creator {
                    CreatorAst::Param(slot) => ObjectCreator::Param(param_index(slot)?),
                    CreatorAst::SignerOf(slot) => ObjectCreator::SignerOf(param_index(slot)?),
                    CreatorAst::Const(address) => ObjectCreator::Const(*address),
                };
                let seed = match seed {
                    SeedAst::Param(slot) => ObjectSeed::Param(param_index(slot)?),
                    SeedAst::Bytes(bytes) => ObjectSeed::Const(SeedBytes::new(&bytes.node).ok_or_else(|| {
                        bytes.pos.error(format!("an object's fixed seed has at most {} bytes", SeedBytes::MAX))
                    })?),
                };
                AddressSource::Object(ObjectSource { module, creator, seed })
            }
        };
        let index_field = |index: &IndexAst| -> Result<IndexSource> {
            Ok(match index {
                IndexAst::Param(slot) => IndexSource::Param(param_index(slot)?),
                IndexAst::SignerOf(slot) => IndexSource::SignerOf(param_index(slot)?),
                IndexAst::Any => IndexSource::Any,
                IndexAst::Const(value) => match IndexConst::of_value(&value.node) {
                    Some(index) => IndexSource::Const(index),
                    None => return Err(value.pos.error("a fixed index is a scalar: a bool, an integer or an address")),
                },
                // The parser reads no `*` or struct inside a struct.
                IndexAst::Pack(fields) => return Err(fields.pos.error("a struct-built index inside another")),
            })
        };
        let index = match &access.node.index {
            None => None,
            Some(IndexAst::Pack(fields)) => {
                if fields.node.len() > MAX_INDEX_FIELDS {
                    return Err(fields
                        .pos
                        .error(format!("a struct-built index has at most {MAX_INDEX_FIELDS} fields")));
                }
                let sources = fields.node.iter().map(index_field).collect::<Result<Vec<_>>>()?;
                Some(IndexSource::pack(sources))
            }
            Some(index) => Some(index_field(index)?),
        };
        let args = access.node.type_args.as_deref().unwrap_or_default();
        let resource = self.struct_type(&access.node.resource, args.len())?;
        let type_args = self.types(args)?;
        Ok(Access { mode: access.node.mode, resource, type_args, address, index })
    }

    fn signature(&mut self, fun: &FunAst, decl: &FunDecl) -> Result<()> {
        self.scope = Some(fun.type_params.len());
        let params: Vec<Type> = fun.params.iter().map(|p| self.ty(&p.ty)).collect::<Result<_>>()?;
        let returns = self.types(&fun.returns)?;
        let access = fun.access.iter().map(|a| self.access(a, &fun.params)).collect::<Result<Vec<_>>>()?;
        self.scope = None;
        let first_pos = self.function_decl_pos.get(&decl.handle).copied().unwrap_or_default();
        let Some(handle) = self.m.function_handles.get_mut(usize::from(decl.handle)) else {
            return Err(fun.name.pos.error("internal: function handle missing"));
        };
        if decl.creates {
            handle.params = params;
            handle.returns = returns;
            handle.access = AccessSpec(access);
        } else if handle.type_params != fun.type_params
            || handle.params != params
            || handle.returns != returns
            || handle.access.0 != access
        {
            return Err(fun.name.pos.error(format!(
                "`{}` was declared at line {} with another signature, type parameters or access spec",
                handle.name, first_pos.line
            )));
        }
        Ok(())
    }
}

/// Builds the module from parsed items.
pub(crate) fn build(items: &[Located<Item>]) -> Result<Module> {
    let mut b = Builder::new();
    let mut items_iter = items.iter();
    match items_iter.next() {
        Some(Located { node: Item::Module(address, name), pos }) => {
            b.add_module(ModuleId::new(*address, name.clone()), None, *pos)?;
        }
        Some(other) => return Err(other.pos.error("a module starts with `module 0x..::name`")),
        None => return Err(Pos { line: 1, col: 1 }.error("empty input: a module starts with `module 0x..::name`")),
    }

    // Pass 1: declarations.
    let mut struct_defs = Vec::new();
    let mut consts = Vec::new();
    let mut signatures = Vec::new();
    let mut struct_insts = Vec::new();
    let mut fun_insts = Vec::new();
    let mut funs = Vec::new();
    for item in items_iter {
        let pos = item.pos;
        match &item.node {
            Item::Module(..) => return Err(pos.error("only one `module` header is allowed")),
            Item::Friend(address, name) => b.m.friends.push(ModuleId::new(*address, name.clone())),
            Item::Use { address, name, alias } => {
                b.add_module(ModuleId::new(*address, name.clone()), alias.clone(), pos)?;
            }
            Item::Struct { name, type_params, abilities, fields } => {
                if let Some(def) = b.declare_struct(name, type_params, *abilities, fields.is_some())? {
                    struct_defs.push((def, fields.as_deref().unwrap_or_default(), type_params.len()));
                }
            }
            Item::Const { name, ty, value } => {
                if b.consts.contains_key(name) {
                    return Err(pos.error(format!("constant `{name}` is declared twice")));
                }
                let constant = Constant { ty: Type::Bool, value: value.clone() };
                let index = push(&mut b.m.constants, constant, "constants", pos)?;
                b.consts.insert(name.clone(), index);
                consts.push((index, ty));
            }
            Item::Signature(ty) => {
                signatures.push((push(&mut b.m.signatures, Type::Bool, "signatures", pos)?, ty));
            }
            Item::StructInst(name, args) => {
                let placeholder = StructInstantiation { def: StructDefIdx(0), type_args: Vec::new() };
                let index = push(&mut b.m.struct_instantiations, placeholder, "struct instantiations", pos)?;
                struct_insts.push((index, name, args));
            }
            Item::FunInst(name, args) => {
                let placeholder = FunctionInstantiation { handle: FunctionHandleIdx(0), type_args: Vec::new() };
                let index = push(&mut b.m.function_instantiations, placeholder, "function instantiations", pos)?;
                fun_insts.push((index, name, args));
            }
            Item::Fun(fun) => funs.push((b.declare_function(fun, pos)?, fun)),
        }
    }

    // Pass 2: types.
    for (def, fields, type_params) in struct_defs {
        b.scope = Some(type_params);
        let fields = fields
            .iter()
            .map(|f| Ok(FieldDef { name: f.name.clone(), ty: b.ty(&f.ty)? }))
            .collect::<Result<Vec<_>>>()?;
        b.scope = None;
        if let Some(def) = b.m.structs.get_mut(usize::from(def)) {
            def.fields = fields;
        }
    }
    for (index, ty) in consts {
        let ty = b.ty(ty)?;
        if let Some(constant) = b.m.constants.get_mut(usize::from(index)) {
            constant.ty = ty;
        }
    }
    for (index, ty) in signatures {
        let ty = b.ty(ty)?;
        if let Some(slot) = b.m.signatures.get_mut(usize::from(index)) {
            *slot = ty;
        }
    }
    // Explicit instantiations keep their table slots (taken in pass 1), so
    // that inline uses in bodies find them instead of appending.
    for (index, name, args) in struct_insts {
        let def = b.struct_def(name, Some(args.len()))?;
        let inst = StructInstantiation { def: StructDefIdx(def), type_args: b.types(args)? };
        if let Some(slot) = b.m.struct_instantiations.get_mut(usize::from(index)) {
            *slot = inst;
        }
    }
    for (index, name, args) in fun_insts {
        let handle = b.function_ref(name, Some(args.len()))?;
        let inst = FunctionInstantiation { handle, type_args: b.types(args)? };
        if let Some(slot) = b.m.function_instantiations.get_mut(usize::from(index)) {
            *slot = inst;
        }
    }
    for (decl, fun) in &funs {
        b.signature(fun, decl)?;
    }

    // Pass 3: bodies.
    b.signature_index = first_positions(&b.m.signatures);
    b.struct_inst_index = first_positions(&b.m.struct_instantiations);
    b.function_inst_index = first_positions(&b.m.function_instantiations);
    for (decl, fun) in &funs {
        if let (Some(def), Some(body)) = (decl.def, &fun.body) {
            build_body(&mut b, def, fun, body)?;
        }
    }
    Ok(b.m)
}
