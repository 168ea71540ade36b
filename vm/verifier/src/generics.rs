//! Generics, the rules every pass shares: looking up instantiations, the
//! well-formedness of a type (bounds: handles, arities, type parameters in
//! scope) and the constraints of every instantiation (signatures: each type
//! argument has the abilities its parameter demands, and is neither a
//! reference nor a signer). Move's bytecode verifier is the model.
//!
//! Type parameters are numbered per scope: a struct's field types use the
//! struct's parameters, everything of a function (its parameters, returns,
//! locals, access types, and the instantiations and vector signatures its
//! code names) the function's. The instantiation and signature tables are
//! shared by the module, so their type parameters are checked where they
//! are used, against the using function's scope.

use resin_format::escape::escaped;
use resin_format::file_format::{
    Abilities, FunctionHandle, FunctionHandleIdx, FunctionInstIdx, Instr, Module, StructDef, StructDefIdx,
    StructHandleIdx, StructInstIdx, Type,
};

use super::error::VerifyErrorKind;
use super::ty;

/// One entry of the struct instantiation table, resolved.
pub(crate) struct StructInst<'m> {
    pub def_idx: StructDefIdx,
    pub def: &'m StructDef,
    pub args: &'m [Type],
}

impl StructInst<'_> {
    /// The instantiated struct type, `S<args>`.
    pub fn ty(&self) -> Type {
        Type::StructInst(self.def.handle, self.args.to_vec())
    }

    /// The type of field `field`, with the instantiation's arguments substituted.
    pub fn field_type(&self, field: usize) -> Option<Type> {
        self.def.fields.get(field).map(|f| f.ty.substitute(self.args))
    }
}

/// Entry `idx` of the struct instantiation table, or `None` out of bounds.
pub(crate) fn struct_inst(module: &Module, idx: StructInstIdx) -> Option<StructInst<'_>> {
    let inst = module.struct_instantiations.get(idx.index())?;
    let def = module.structs.get(inst.def.index())?;
    Some(StructInst { def_idx: inst.def, def, args: &inst.type_args })
}

/// Entry `idx` of the function instantiation table: the callee's handle index,
/// the handle and the type arguments; `None` out of bounds.
pub(crate) fn function_inst(
    module: &Module,
    idx: FunctionInstIdx,
) -> Option<(FunctionHandleIdx, &FunctionHandle, &[Type])> {
    let inst = module.function_instantiations.get(idx.index())?;
    let handle = module.function_handle(inst.handle)?;
    Some((inst.handle, handle, &inst.type_args))
}

/// The struct definition and type arguments a storage or struct
/// instruction works on (plain forms have no arguments).
pub(crate) fn struct_operand<'m>(module: &'m Module, instr: &Instr) -> Option<(StructDefIdx, &'m [Type])> {
    use Instr::*;
    if let Some(d) = instr.struct_def() {
        return Some((d, &[]));
    }
    if let Some(i) = instr.struct_inst() {
        return struct_inst(module, i).map(|s| (s.def_idx, s.args));
    }
    match instr {
        ImmBorrowField(f) | MutBorrowField(f) => Some((f.owner, &[])),
        ImmBorrowFieldGeneric(f) | MutBorrowFieldGeneric(f) => {
            struct_inst(module, f.owner).map(|s| (s.def_idx, s.args))
        }
        _ => None,
    }
}

/// The types whose type parameters belong to the function using `instr`: the
/// arguments of the instantiation it names, or its vector element type.
pub(crate) fn instr_types<'m>(module: &'m Module, instr: &Instr) -> &'m [Type] {
    use Instr::*;
    if let Some(i) = instr.struct_inst() {
        return module.struct_instantiations.get(i.index()).map_or(&[], |i| &i.type_args);
    }
    if let Some(s) = instr.signature() {
        return module.signatures.get(s.index()).map_or(&[], std::slice::from_ref);
    }
    match instr {
        CallGeneric(f) => module.function_instantiations.get(f.index()).map_or(&[], |i| &i.type_args),
        ImmBorrowFieldGeneric(f) | MutBorrowFieldGeneric(f) => {
            module.struct_instantiations.get(f.owner.index()).map_or(&[], |i| &i.type_args)
        }
        _ => &[],
    }
}

/// Bounds for one type: every struct it names exists; a non-generic struct
/// is `Struct` and a generic one `StructInst` with one argument per type
/// parameter; with a `scope`, every type parameter is below it. Iterative,
/// so it is safe on types no limit has checked yet.
pub(crate) fn check_type_bounds(module: &Module, ty: &Type, scope: Option<usize>) -> Result<(), VerifyErrorKind> {
    for node in ty.preorder() {
        match node {
            Type::Struct(handle) => check_arity(module, *handle, 0)?,
            Type::StructInst(handle, args) => {
                // Even `S<>`: `S` and an instantiation of it would be two types.
                if module.struct_handle(*handle).is_some_and(|h| h.type_params.is_empty()) {
                    let name = ty::struct_display(module, *handle);
                    return Err(VerifyErrorKind::TypeArgumentsOnNonGeneric { name: escaped(&name).into() });
                }
                check_arity(module, *handle, args.len())?
            }
            Type::TypeParam(index) => check_in_scope(*index, scope)?,
            _ => {}
        }
    }
    Ok(())
}

fn check_in_scope(index: u16, scope: Option<usize>) -> Result<(), VerifyErrorKind> {
    match scope {
        Some(count) if usize::from(index) >= count => Err(VerifyErrorKind::TypeParamOutOfRange { index, count }),
        _ => Ok(()),
    }
}

/// Type parameters of `types` are below `count`.
pub(crate) fn check_scope(types: &[Type], count: usize) -> Result<(), VerifyErrorKind> {
    for node in types.iter().flat_map(Type::preorder) {
        if let Type::TypeParam(index) = node {
            check_in_scope(*index, Some(count))?;
        }
    }
    Ok(())
}

/// `handle` exists and takes `found` type arguments.
pub(crate) fn check_arity(module: &Module, handle: StructHandleIdx, found: usize) -> Result<(), VerifyErrorKind> {
    let len = module.struct_handles.len();
    let h = module.struct_handle(handle).ok_or(VerifyErrorKind::IndexOutOfBounds {
        table: "struct handle",
        index: handle.index(),
        len,
    })?;
    arity(&h.name, h.type_params.len(), found)
}

/// `expected` type arguments, for the struct or function named `name`.
pub(crate) fn arity(name: &str, expected: usize, found: usize) -> Result<(), VerifyErrorKind> {
    if expected == found {
        Ok(())
    } else {
        Err(VerifyErrorKind::TypeArgumentCountMismatch { name: escaped(name).into(), expected, found })
    }
}

/// Signatures for one type: every instantiation inside it satisfies the
/// constraints of its struct's parameters, where type parameter `i` of the
/// scope has abilities `params[i]`.
pub(crate) fn check_type_constraints(module: &Module, params: &[Abilities], ty: &Type) -> Result<(), VerifyErrorKind> {
    for node in ty.preorder() {
        if let Type::StructInst(handle, args) = node {
            let Some(h) = module.struct_handle(*handle) else { continue };
            let constraints = h.type_params.iter().map(|p| p.constraints);
            check_args(module, params, &ty::struct_display(module, *handle), constraints, args)?;
        }
    }
    Ok(())
}

/// Signatures for one instantiation (a table entry, or the type arguments of
/// an access): each argument is well formed itself (see
/// [`check_type_constraints`]) and has the abilities its parameter demands.
pub(crate) fn check_instantiation(
    module: &Module,
    params: &[Abilities],
    of: &str,
    constraints: impl IntoIterator<Item = Abilities>,
    args: &[Type],
) -> Result<(), VerifyErrorKind> {
    for arg in args {
        check_type_constraints(module, params, arg)?;
    }
    check_args(module, params, of, constraints, args)
}

fn check_args(
    module: &Module,
    params: &[Abilities],
    of: &str,
    constraints: impl IntoIterator<Item = Abilities>,
    args: &[Type],
) -> Result<(), VerifyErrorKind> {
    for (index, (constraint, arg)) in constraints.into_iter().zip(args).enumerate() {
        // No reference may be stored in a struct or escape a frame through a
        // generic function, and a signer may not sit in a struct field.
        if arg.preorder().any(Type::is_reference) {
            return Err(VerifyErrorKind::ReferenceAsTypeArgument { ty: ty::display(module, arg).into() });
        }
        if arg.preorder().any(|t| *t == Type::Signer) {
            return Err(VerifyErrorKind::SignerAsTypeArgument { ty: ty::display(module, arg).into() });
        }
        let has = ty::abilities(module, params, arg);
        if !has.has(constraint) {
            return Err(VerifyErrorKind::ConstraintNotSatisfied {
                of: escaped(of).into(),
                param: u16::try_from(index).unwrap_or(u16::MAX),
                ty: ty::display(module, arg).into(),
                missing: Abilities(constraint.0 & !has.0),
            });
        }
    }
    Ok(())
}
