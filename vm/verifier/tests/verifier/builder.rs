//! A small builder for hand-written modules, and the assertion every
//! rejection test uses.

use resin_format::file_format::*;
use resin_verifier::{verify_module, VerifyErrorKind};

pub struct Builder {
    pub module: Module,
}

/// One function definition to add.
pub struct Fun {
    pub name: &'static str,
    /// The constraints of each type parameter; empty for a function that is not generic.
    pub type_params: Vec<Abilities>,
    pub params: Vec<Type>,
    pub returns: Vec<Type>,
    pub locals: Vec<Type>,
    pub access: Vec<Access>,
    pub entry: bool,
    pub code: Vec<Instr>,
}

impl Fun {
    pub fn new(name: &'static str) -> Self {
        Fun {
            name,
            type_params: vec![],
            params: vec![],
            returns: vec![],
            locals: vec![],
            access: vec![],
            entry: false,
            code: vec![],
        }
    }
    pub fn type_params(mut self, type_params: Vec<Abilities>) -> Self {
        self.type_params = type_params;
        self
    }
    pub fn params(mut self, params: Vec<Type>) -> Self {
        self.params = params;
        self
    }
    pub fn returns(mut self, returns: Vec<Type>) -> Self {
        self.returns = returns;
        self
    }
    pub fn locals(mut self, locals: Vec<Type>) -> Self {
        self.locals = locals;
        self
    }
    pub fn access(mut self, access: Vec<Access>) -> Self {
        self.access = access;
        self
    }
    pub fn entry(mut self) -> Self {
        self.entry = true;
        self
    }
    pub fn code(mut self, code: Vec<Instr>) -> Self {
        self.code = code;
        self
    }
}

impl Builder {
    pub fn new(address: u64, name: &str) -> Self {
        Builder {
            module: Module {
                struct_instantiations: Vec::new(),
                function_instantiations: Vec::new(),
                friends: Vec::new(),
                debug: None,
                module_handles: vec![ModuleId::new(AccountAddress::from_u64(address), name)],
                struct_handles: vec![],
                function_handles: vec![],
                signatures: vec![],
                constants: vec![],
                structs: vec![],
                functions: vec![],
            },
        }
    }

    /// `0x1::m` with three structs: `Coin has store { value: u64 }` (def and
    /// handle 0), `Balance has key { coin: Coin }` (1), `Point has copy, drop { x: u64 }` (2).
    pub fn base() -> Self {
        let mut b = Builder::new(1, "m");
        b.structure("Coin", Abilities::STORE, vec![("value", Type::U64)]);
        let coin = b.ty("Coin");
        b.structure("Balance", Abilities::KEY, vec![("coin", coin)]);
        b.structure("Point", Abilities::COPY.union(Abilities::DROP), vec![("x", Type::U64)]);
        b
    }

    pub fn dep(&mut self, address: u64, name: &str) -> ModuleHandleIdx {
        self.module.module_handles.push(ModuleId::new(AccountAddress::from_u64(address), name));
        ModuleHandleIdx(self.module.module_handles.len() as u16 - 1)
    }

    pub fn structure(&mut self, name: &str, abilities: Abilities, fields: Vec<(&str, Type)>) -> StructDefIdx {
        let handle = self.struct_handle(ModuleHandleIdx(0), name, abilities);
        let fields = fields.into_iter().map(|(name, ty)| FieldDef { name: name.to_string(), ty }).collect();
        self.module.structs.push(StructDef { handle, fields });
        StructDefIdx(self.module.structs.len() as u16 - 1)
    }

    /// A generic struct: `params` are (constraints, is_phantom) per type parameter.
    pub fn generic_structure(
        &mut self,
        name: &str,
        abilities: Abilities,
        params: Vec<(Abilities, bool)>,
        fields: Vec<(&str, Type)>,
    ) -> StructDefIdx {
        let def = self.structure(name, abilities, fields);
        let handle = self.module.structs[def.0 as usize].handle;
        self.module.struct_handles[handle.index()].type_params =
            params.into_iter().map(|(constraints, is_phantom)| StructTypeParam { constraints, is_phantom }).collect();
        def
    }

    /// `name<args>`, the struct handle named `name` applied to `args`.
    pub fn inst_ty(&self, name: &str, args: Vec<Type>) -> Type {
        Type::StructInst(self.handle(name), args)
    }

    /// A struct instantiation table entry.
    pub fn struct_inst(&mut self, def: StructDefIdx, type_args: Vec<Type>) -> StructInstIdx {
        self.module.struct_instantiations.push(StructInstantiation { def, type_args });
        StructInstIdx(self.module.struct_instantiations.len() as u16 - 1)
    }

    /// A function instantiation table entry.
    pub fn function_inst(&mut self, handle: FunctionHandleIdx, type_args: Vec<Type>) -> FunctionInstIdx {
        self.module.function_instantiations.push(FunctionInstantiation { handle, type_args });
        FunctionInstIdx(self.module.function_instantiations.len() as u16 - 1)
    }

    pub fn struct_handle(&mut self, module: ModuleHandleIdx, name: &str, abilities: Abilities) -> StructHandleIdx {
        self.module.struct_handles.push(StructHandle {
            type_params: Vec::new(),
            module,
            name: name.to_string(),
            abilities,
        });
        StructHandleIdx(self.module.struct_handles.len() as u16 - 1)
    }

    /// The struct handle named `name` (the first one).
    pub fn handle(&self, name: &str) -> StructHandleIdx {
        let index = self.module.struct_handles.iter().position(|h| h.name == name).expect("no such struct");
        StructHandleIdx(index as u16)
    }

    pub fn ty(&self, name: &str) -> Type {
        Type::Struct(self.handle(name))
    }

    /// Adds a definition and its handle; returns the handle.
    pub fn function(&mut self, fun: Fun) -> FunctionHandleIdx {
        let handle = self.function_handle(ModuleHandleIdx(0), fun.name, fun.params, fun.returns, fun.access);
        self.module.function_handles[handle.index()].type_params = fun.type_params;
        self.module.functions.push(FunctionDef {
            handle,
            visibility: Visibility::Public,
            is_entry: fun.entry,
            locals: fun.locals,
            code: fun.code,
        });
        handle
    }

    pub fn function_handle(
        &mut self,
        module: ModuleHandleIdx,
        name: &str,
        params: Vec<Type>,
        returns: Vec<Type>,
        access: Vec<Access>,
    ) -> FunctionHandleIdx {
        self.module.function_handles.push(FunctionHandle {
            type_params: Vec::new(),
            module,
            name: name.to_string(),
            params,
            returns,
            access: AccessSpec(access),
        });
        FunctionHandleIdx(self.module.function_handles.len() as u16 - 1)
    }

    pub fn constant(&mut self, ty: Type, value: ConstValue) -> ConstIdx {
        self.module.constants.push(Constant { ty, value });
        ConstIdx(self.module.constants.len() as u16 - 1)
    }

    pub fn signature(&mut self, ty: Type) -> SignatureIdx {
        self.module.signatures.push(ty);
        SignatureIdx(self.module.signatures.len() as u16 - 1)
    }

    pub fn build(self) -> Module {
        self.module
    }
}

/// A module with the base structs and one function.
pub fn one(fun: Fun) -> Module {
    let mut b = Builder::base();
    b.function(fun);
    b.build()
}

pub fn read(resource: StructHandleIdx, address: AddressSource) -> Access {
    Access { type_args: Vec::new(), mode: AccessMode::Read, resource, address, index: None }
}

pub fn write(resource: StructHandleIdx, address: AddressSource) -> Access {
    Access { type_args: Vec::new(), mode: AccessMode::Write, resource, address, index: None }
}

pub fn field(owner: u16, field: u16) -> FieldRef {
    FieldRef { owner: StructDefIdx(owner), field }
}

pub fn r(ty: Type) -> Type {
    Type::Ref(Box::new(ty))
}

pub fn rm(ty: Type) -> Type {
    Type::MutRef(Box::new(ty))
}

pub fn vector(ty: Type) -> Type {
    Type::Vector(Box::new(ty))
}

/// Asserts that verification fails with exactly `kind`, in `function` (or at
/// module level for `None`), at `offset`.
#[track_caller]
pub fn rejects(module: &Module, function: Option<&str>, offset: Option<u16>, kind: VerifyErrorKind) {
    let err = verify_module(module).expect_err("the module should be rejected");
    assert_eq!(err.kind, kind, "wrong error: {err}");
    assert_eq!(err.function.as_deref(), function, "wrong function: {err}");
    assert_eq!(err.offset, offset, "wrong offset: {err}");
}

#[track_caller]
pub fn accepts(module: &Module) {
    if let Err(err) = verify_module(module) {
        panic!("the module should verify: {err}");
    }
}
