//! Access inference for generic code while the verifier's analysis refuses
//! it (`GenericsUnsupported`): the function is inferred on a copy of the
//! module with its generics erased, each resource *instance* standing as a
//! struct of its own.
//!
//! Provenance (which address reaches which global operation, and how a
//! call's arguments replace the callee's parameters) does not depend on
//! types, so the verifier's analysis gives the same addresses on the copy.
//! What types decide is which resource an access names: there every
//! instance (`Balance<T0>`, `Balance<USD>`) gets a struct handle of its own in
//! the copy, so two instances stay two resources; and a generic call becomes
//! a plain call of a handle whose spec is the callee's with the call's type
//! arguments substituted (`transfer<USD>` contributes `Balance<USD>`). The
//! result maps each such handle back to its resource and type arguments.
//!
//! Once the verifier accepts generic code, its own inference answers and
//! this path is not taken.

use std::collections::HashMap;

use resin_format::file_format::{
    Access, AccessSpec, FieldRef, FunctionHandleIdx, Instr, Module, StructDef, StructDefIdx, StructHandleIdx, Type,
};
use resin_verifier::{infer_function_access, VerifyError, VerifyErrorKind};

/// The spec of definition `def`, by the verifier's analysis, on an erased
/// copy of the module when the module has generic code.
pub(super) fn infer(module: &Module, def: usize) -> Result<AccessSpec, VerifyError> {
    match infer_function_access(module, def) {
        Err(e) if matches!(e.kind, VerifyErrorKind::GenericsUnsupported { .. }) => {
            let mut erased = Erased::new(module);
            let copy = erased.function(def);
            infer_function_access(&copy, def).map(|spec| erased.restore(spec))
        }
        other => other,
    }
}

struct Erased<'m> {
    module: &'m Module,
    copy: Module,
    /// Struct handles of the copy past the module's own: the instance each stands for.
    instances: Vec<(StructHandleIdx, Vec<Type>)>,
    instance_index: HashMap<(StructHandleIdx, Vec<Type>), StructHandleIdx>,
    /// For an instance used by a global operation: its struct definition in the copy.
    defs: HashMap<StructHandleIdx, StructDefIdx>,
}

impl<'m> Erased<'m> {
    fn new(module: &'m Module) -> Self {
        let mut copy = module.clone();
        for handle in &mut copy.struct_handles {
            handle.type_params.clear();
        }
        for def in &mut copy.structs {
            for field in &mut def.fields {
                field.ty = erase(&field.ty);
            }
        }
        for sig in &mut copy.signatures {
            *sig = erase(sig);
        }
        let mut erased =
            Erased { module, copy, instances: Vec::new(), instance_index: HashMap::new(), defs: HashMap::new() };
        for index in 0..erased.copy.function_handles.len() {
            let original = module.function_handles.get(index).map(|h| h.access.0.clone()).unwrap_or_default();
            let access = erased.accesses(&original, &[]);
            if let Some(handle) = erased.copy.function_handles.get_mut(index) {
                handle.type_params.clear();
                handle.params = handle.params.iter().map(erase).collect();
                handle.returns = handle.returns.iter().map(erase).collect();
                handle.access = access;
            }
        }
        erased
    }

    /// The copy's handle for `resource<type_args>` (the resource's own for no arguments).
    fn instance(&mut self, resource: StructHandleIdx, type_args: Vec<Type>) -> StructHandleIdx {
        if type_args.is_empty() {
            return resource;
        }
        let key = (resource, type_args);
        if let Some(idx) = self.instance_index.get(&key) {
            return *idx;
        }
        let mut handle = self.copy.struct_handles.get(resource.index()).cloned().unwrap_or_else(|| {
            // Out of bounds: the original analysis reports it; keep the index distinct.
            resin_format::file_format::StructHandle {
                module: resin_format::file_format::ModuleHandleIdx(0),
                name: String::new(),
                abilities: resin_format::file_format::Abilities::EMPTY,
                type_params: Vec::new(),
            }
        });
        // A distinct name makes a distinct resource for the analysis.
        handle.name = format!("{}<{}>#{}", handle.name, self.instances.len(), resource.index());
        let idx = StructHandleIdx(u16::try_from(self.copy.struct_handles.len()).unwrap_or(u16::MAX));
        self.copy.struct_handles.push(handle);
        self.instances.push(key.clone());
        self.instance_index.insert(key, idx);
        idx
    }

    /// `accesses` with type arguments substituted by `args` and each instance
    /// named by its own handle.
    fn accesses(&mut self, accesses: &[Access], args: &[Type]) -> AccessSpec {
        let out = accesses
            .iter()
            .map(|a| {
                let type_args = a.type_args.iter().map(|t| t.substitute(args)).collect();
                Access::plain(a.mode, self.instance(a.resource, type_args), a.address)
            })
            .collect();
        AccessSpec(out)
    }

    /// A struct definition of the copy for a global operation on an instance.
    fn instance_def(&mut self, def: StructDefIdx, type_args: &[Type]) -> StructDefIdx {
        let Some(original) = self.copy.structs.get(def.index()).cloned() else { return def };
        let handle = self.instance(original.handle, type_args.to_vec());
        if let Some(idx) = self.defs.get(&handle) {
            return *idx;
        }
        let idx = StructDefIdx(u16::try_from(self.copy.structs.len()).unwrap_or(u16::MAX));
        self.copy.structs.push(StructDef { handle, fields: original.fields });
        self.defs.insert(handle, idx);
        idx
    }

    /// The copy with definition `def`'s code and locals erased.
    fn function(&mut self, def: usize) -> Module {
        let Some(fun) = self.module.functions.get(def) else { return self.copy.clone() };
        let code: Vec<Instr> = fun.code.iter().map(|instr| self.instr(instr)).collect();
        if let Some(target) = self.copy.functions.get_mut(def) {
            target.locals = target.locals.iter().map(erase).collect();
            target.code = code;
        }
        self.copy.struct_instantiations.clear();
        self.copy.function_instantiations.clear();
        self.copy.clone()
    }

    fn instr(&mut self, instr: &Instr) -> Instr {
        let struct_inst = |m: &Module, i: resin_format::file_format::StructInstIdx| {
            m.struct_instantiations.get(i.index()).map(|s| (s.def, s.type_args.clone()))
        };
        let module = self.module;
        match instr {
            Instr::CallGeneric(inst) => {
                let Some(inst) = module.function_instantiations.get(inst.index()) else { return *instr };
                let Some(callee) = module.function_handles.get(inst.handle.index()) else { return *instr };
                let access = self.accesses(&callee.access.0, &inst.type_args);
                let mut handle =
                    self.copy.function_handles.get(inst.handle.index()).cloned().unwrap_or_else(|| callee.clone());
                handle.access = access;
                let idx = FunctionHandleIdx(u16::try_from(self.copy.function_handles.len()).unwrap_or(u16::MAX));
                self.copy.function_handles.push(handle);
                Instr::Call(idx)
            }
            Instr::PackGeneric(i) | Instr::UnpackGeneric(i) => {
                let Some((def, _)) = struct_inst(module, *i) else { return *instr };
                if matches!(instr, Instr::PackGeneric(_)) {
                    Instr::Pack(def)
                } else {
                    Instr::Unpack(def)
                }
            }
            Instr::ImmBorrowFieldGeneric(f) | Instr::MutBorrowFieldGeneric(f) => {
                let Some((owner, _)) = struct_inst(module, f.owner) else { return *instr };
                let field = FieldRef { owner, field: f.field };
                if matches!(instr, Instr::ImmBorrowFieldGeneric(_)) {
                    Instr::ImmBorrowField(field)
                } else {
                    Instr::MutBorrowField(field)
                }
            }
            Instr::ExistsGeneric(i)
            | Instr::ImmBorrowGlobalGeneric(i)
            | Instr::MutBorrowGlobalGeneric(i)
            | Instr::MoveFromGeneric(i)
            | Instr::MoveToGeneric(i)
            | Instr::EmitGeneric(i) => {
                let Some((def, args)) = struct_inst(module, *i) else { return *instr };
                let def = self.instance_def(def, &args);
                match instr {
                    Instr::ExistsGeneric(_) => Instr::Exists(def),
                    Instr::ImmBorrowGlobalGeneric(_) => Instr::ImmBorrowGlobal(def),
                    Instr::MutBorrowGlobalGeneric(_) => Instr::MutBorrowGlobal(def),
                    Instr::MoveFromGeneric(_) => Instr::MoveFrom(def),
                    Instr::MoveToGeneric(_) => Instr::MoveTo(def),
                    _ => Instr::Emit(def),
                }
            }
            other => *other,
        }
    }

    /// `spec` of the copy in terms of the module: instances get their
    /// resource and type arguments back.
    fn restore(&self, spec: AccessSpec) -> AccessSpec {
        let base = self.module.struct_handles.len();
        let out = spec
            .0
            .into_iter()
            .map(|a| match a.resource.index().checked_sub(base).and_then(|i| self.instances.get(i)) {
                Some((resource, type_args)) => {
                    Access { mode: a.mode, resource: *resource, type_args: type_args.clone(), address: a.address }
                }
                None => a,
            })
            .collect();
        AccessSpec(out)
    }
}

/// A type without generics, for the analysis: a type parameter stands as
/// `u64` and an instance as its struct (only the stack's shape matters there).
fn erase(ty: &Type) -> Type {
    match ty {
        Type::TypeParam(_) => Type::U64,
        Type::StructInst(handle, _) => Type::Struct(*handle),
        Type::Vector(inner) => Type::Vector(Box::new(erase(inner))),
        Type::Ref(inner) => Type::Ref(Box::new(erase(inner))),
        Type::MutRef(inner) => Type::MutRef(Box::new(erase(inner))),
        other => other.clone(),
    }
}
