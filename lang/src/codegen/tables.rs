//! The tables of the module being emitted: module, struct and function
//! handles, signatures and constants, each interned so a name or type used
//! many times takes one entry.
//!
//! Layout: module handle 0 is the module itself; struct handles `0..n` are
//! the module's own structs in definition order (so `StructDefIdx(i)` has
//! handle `i`); function handles `0..m` its own functions likewise; foreign
//! handles follow, in first-use order.

use std::collections::HashMap;

use resin_format::file_format::{
    Access, AccessSpec, AddressSource, ConstIdx, ConstValue, Constant, FunctionHandle, FunctionHandleIdx,
    FunctionInstIdx, FunctionInstantiation, Module, ModuleHandleIdx, ModuleId, SignatureIdx, StructDefIdx,
    StructHandle, StructHandleIdx, StructInstIdx, StructInstantiation, StructTypeParam, Type,
};

use super::CodegenError;
use crate::resolve::env::{Env, FunId, ModId, SemAccess, StructId};
use crate::typeck::ty::Ty;

pub struct Tables<'a> {
    pub env: &'a Env,
    pub own: ModId,
    pub module: Module,
    module_index: HashMap<ModId, ModuleHandleIdx>,
    struct_index: HashMap<StructId, StructHandleIdx>,
    fun_index: HashMap<FunId, FunctionHandleIdx>,
    sig_index: HashMap<Type, SignatureIdx>,
    const_index: HashMap<(Type, ConstValue), ConstIdx>,
    struct_inst_index: HashMap<(StructDefIdx, Vec<Type>), StructInstIdx>,
    fun_inst_index: HashMap<(FunctionHandleIdx, Vec<Type>), FunctionInstIdx>,
}

fn index16(len: usize, table: &'static str) -> Result<u16, CodegenError> {
    u16::try_from(len).ok().filter(|&i| i < u16::MAX).ok_or(CodegenError::TableOverflow(table))
}

impl<'a> Tables<'a> {
    pub fn new(env: &'a Env, own: ModId, id: ModuleId) -> Self {
        let module = Module {
            module_handles: vec![id],
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
        };
        let mut module_index = HashMap::new();
        module_index.insert(own, ModuleHandleIdx(0));
        Tables {
            env,
            own,
            module,
            module_index,
            struct_index: HashMap::new(),
            fun_index: HashMap::new(),
            sig_index: HashMap::new(),
            const_index: HashMap::new(),
            struct_inst_index: HashMap::new(),
            fun_inst_index: HashMap::new(),
        }
    }

    pub fn module_handle(&mut self, id: ModId) -> Result<ModuleHandleIdx, CodegenError> {
        if let Some(idx) = self.module_index.get(&id) {
            return Ok(*idx);
        }
        let menv = self.env.module(id).ok_or(CodegenError::Internal("unknown module"))?;
        let idx = ModuleHandleIdx(index16(self.module.module_handles.len(), "module handles")?);
        self.module.module_handles.push(menv.id.clone());
        self.module_index.insert(id, idx);
        Ok(idx)
    }

    pub fn struct_handle(&mut self, id: StructId) -> Result<StructHandleIdx, CodegenError> {
        if let Some(idx) = self.struct_index.get(&id) {
            return Ok(*idx);
        }
        let info = self.env.strukt(id).ok_or(CodegenError::Internal("unknown struct"))?;
        let (name, abilities) = (info.name.clone(), info.abilities);
        let type_params = info
            .type_params
            .iter()
            .map(|p| StructTypeParam { constraints: p.constraints, is_phantom: p.phantom })
            .collect();
        let module = self.module_handle(id.module)?;
        let idx = StructHandleIdx(index16(self.module.struct_handles.len(), "struct handles")?);
        self.module.struct_handles.push(StructHandle { module, name, abilities, type_params });
        self.struct_index.insert(id, idx);
        Ok(idx)
    }

    /// A function's handle, carrying its signature and its access spec as
    /// currently known (own functions get their inferred spec later).
    pub fn function_handle(&mut self, id: FunId) -> Result<FunctionHandleIdx, CodegenError> {
        if let Some(idx) = self.fun_index.get(&id) {
            return Ok(*idx);
        }
        let info = self.env.function(id).ok_or(CodegenError::Internal("unknown function"))?;
        let name = info.name.clone();
        let type_params = info.type_params.iter().map(|p| p.constraints).collect();
        let params = info.params.clone();
        let returns = info.returns.clone();
        let access = if id.module == self.own {
            info.written_access
                .as_ref()
                .map(|w| w.iter().map(|a| a.access.clone()).collect::<Vec<_>>())
                .unwrap_or_default()
        } else {
            info.access.as_deref().map(<[SemAccess]>::to_vec).ok_or(CodegenError::DependencyFailed)?
        };
        let module = self.module_handle(id.module)?;
        let params = params.iter().map(|t| self.ty(t)).collect::<Result<Vec<_>, _>>()?;
        let returns = returns.iter().map(|t| self.ty(t)).collect::<Result<Vec<_>, _>>()?;
        let access = self.access_spec(&access)?;
        let idx = FunctionHandleIdx(index16(self.module.function_handles.len(), "function handles")?);
        self.module.function_handles.push(FunctionHandle { module, name, type_params, params, returns, access });
        self.fun_index.insert(id, idx);
        Ok(idx)
    }

    pub fn access_spec(&mut self, accesses: &[SemAccess]) -> Result<AccessSpec, CodegenError> {
        let mut out = Vec::with_capacity(accesses.len());
        for a in accesses {
            let type_args = a.type_args.iter().map(|t| self.ty(t)).collect::<Result<Vec<_>, _>>()?;
            // An object's module as a handle of this module.
            let object_module = match a.address {
                AddressSource::Object(object) => Some(self.module_handle(object.module)?),
                _ => None,
            };
            out.push(Access {
                mode: a.mode,
                resource: self.struct_handle(a.resource)?,
                type_args,
                address: a.address.map_module(|_| object_module).unwrap_or(AddressSource::Any),
                index: a.index.clone(),
            });
        }
        Ok(AccessSpec(out))
    }

    pub fn ty(&mut self, ty: &Ty) -> Result<Type, CodegenError> {
        Ok(match ty {
            Ty::Bool => Type::Bool,
            Ty::U8 => Type::U8,
            Ty::U64 => Type::U64,
            Ty::U128 => Type::U128,
            Ty::U16 => Type::U16,
            Ty::U32 => Type::U32,
            Ty::U256 => Type::U256,
            Ty::Address => Type::Address,
            Ty::Signer => Type::Signer,
            Ty::Vector(inner) => Type::Vector(Box::new(self.ty(inner)?)),
            Ty::Struct(id, args) if args.is_empty() => Type::Struct(self.struct_handle(*id)?),
            Ty::Struct(id, args) => {
                let handle = self.struct_handle(*id)?;
                Type::StructInst(handle, args.iter().map(|t| self.ty(t)).collect::<Result<_, _>>()?)
            }
            Ty::Param(p) => Type::TypeParam(p.index),
            Ty::Ref(inner) => Type::Ref(Box::new(self.ty(inner)?)),
            Ty::MutRef(inner) => Type::MutRef(Box::new(self.ty(inner)?)),
            Ty::Tuple(_) | Ty::Never | Ty::Error => return Err(CodegenError::Internal("not a value type")),
        })
    }

    pub fn signature(&mut self, ty: &Ty) -> Result<SignatureIdx, CodegenError> {
        let ty = self.ty(ty)?;
        if let Some(idx) = self.sig_index.get(&ty) {
            return Ok(*idx);
        }
        let idx = SignatureIdx(index16(self.module.signatures.len(), "signatures")?);
        self.module.signatures.push(ty.clone());
        self.sig_index.insert(ty, idx);
        Ok(idx)
    }

    /// The entry of the struct-instantiation table for own struct `def`
    /// applied to `args`, shared by equal instances.
    pub fn struct_inst(&mut self, def: StructDefIdx, args: &[Ty]) -> Result<StructInstIdx, CodegenError> {
        let type_args = args.iter().map(|t| self.ty(t)).collect::<Result<Vec<_>, _>>()?;
        let key = (def, type_args);
        if let Some(idx) = self.struct_inst_index.get(&key) {
            return Ok(*idx);
        }
        let idx = StructInstIdx(index16(self.module.struct_instantiations.len(), "struct instantiations")?);
        self.module.struct_instantiations.push(StructInstantiation { def, type_args: key.1.clone() });
        self.struct_inst_index.insert(key, idx);
        Ok(idx)
    }

    /// The entry of the function-instantiation table for `fun` applied to
    /// `args`, shared by equal instances.
    pub fn function_inst(&mut self, fun: FunId, args: &[Ty]) -> Result<FunctionInstIdx, CodegenError> {
        let handle = self.function_handle(fun)?;
        let type_args = args.iter().map(|t| self.ty(t)).collect::<Result<Vec<_>, _>>()?;
        let key = (handle, type_args);
        if let Some(idx) = self.fun_inst_index.get(&key) {
            return Ok(*idx);
        }
        let idx = FunctionInstIdx(index16(self.module.function_instantiations.len(), "function instantiations")?);
        self.module.function_instantiations.push(FunctionInstantiation { handle, type_args: key.1.clone() });
        self.fun_inst_index.insert(key, idx);
        Ok(idx)
    }

    /// A constant of the pool, shared by equal values (the module's own
    /// constants are added first, in declaration order).
    pub fn constant(&mut self, ty: Type, value: ConstValue) -> Result<ConstIdx, CodegenError> {
        let key = (ty, value);
        if let Some(idx) = self.const_index.get(&key) {
            return Ok(*idx);
        }
        let idx = ConstIdx(index16(self.module.constants.len(), "constants")?);
        self.module.constants.push(Constant { ty: key.0.clone(), value: key.1.clone() });
        self.const_index.insert(key, idx);
        Ok(idx)
    }

    /// Adds a declared constant at the next index even when an equal one exists,
    /// so declared constant `i` is pool entry `i`.
    pub fn declared_constant(&mut self, ty: Type, value: ConstValue) -> Result<ConstIdx, CodegenError> {
        let idx = ConstIdx(index16(self.module.constants.len(), "constants")?);
        self.module.constants.push(Constant { ty: ty.clone(), value: value.clone() });
        self.const_index.entry((ty, value)).or_insert(idx);
        Ok(idx)
    }
}
