//! Pass 1, bounds: every index in every table and instruction points at
//! something, names are well formed and unique, and every function body is a
//! non-empty instruction list ending in an unconditional terminator. Later
//! passes index tables freely after this one (and still never panic if they
//! are run without it: they look everything up with `get`).

use resin_format::escape::escaped;
use std::collections::BTreeSet;

use super::error::{VerifyError, VerifyErrorKind};
use super::ty;
use resin_format::file_format::{Instr, Module, ModuleHandleIdx, StructHandleIdx, Type};

pub(crate) fn verify(module: &Module) -> Result<(), VerifyError> {
    let err = |kind| VerifyError::module(module, kind);
    check_module_handles(module).map_err(err)?;
    check_no_generics(module).map_err(err)?;
    check_handles(module).map_err(err)?;
    for sig in &module.signatures {
        check_type(module, sig).map_err(err)?;
    }
    for constant in &module.constants {
        check_type(module, &constant.ty).map_err(err)?;
    }
    check_struct_defs(module).map_err(err)?;
    check_unique_names(module).map_err(err)?;
    for index in 0..module.functions.len() {
        check_function(module, index)?;
    }
    check_own_handles_defined(module).map_err(err)
}

/// `[A-Za-z_][A-Za-z0-9_]*`, as in Move.
pub(crate) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn identifier(name: &str) -> Result<(), VerifyErrorKind> {
    if is_identifier(name) {
        Ok(())
    } else {
        // The name is echoed in the message: control characters escaped.
        Err(VerifyErrorKind::InvalidIdentifier { name: escaped(name).into() })
    }
}

fn in_range(table: &'static str, index: usize, len: usize) -> Result<(), VerifyErrorKind> {
    if index < len {
        Ok(())
    } else {
        Err(VerifyErrorKind::IndexOutOfBounds { table, index, len })
    }
}

fn check_module_handle(module: &Module, idx: ModuleHandleIdx) -> Result<(), VerifyErrorKind> {
    in_range("module handle", idx.index(), module.module_handles.len())
}

fn check_struct_handle(module: &Module, idx: StructHandleIdx) -> Result<(), VerifyErrorKind> {
    in_range("struct handle", idx.index(), module.struct_handles.len())
}

/// Every struct a type names exists.
pub(crate) fn check_type(module: &Module, ty: &Type) -> Result<(), VerifyErrorKind> {
    match ty::base(ty) {
        Type::Struct(handle) => check_struct_handle(module, *handle),
        Type::TypeParam(_) | Type::StructInst(..) => {
            Err(VerifyErrorKind::GenericsUnsupported { what: format!("type `{}`", ty::display(module, ty)).into() })
        }
        _ => Ok(()),
    }
}

/// Generic handles and instantiation tables, which the later passes do not check yet.
fn check_no_generics(module: &Module) -> Result<(), VerifyErrorKind> {
    let unsupported = |what: String| Err(VerifyErrorKind::GenericsUnsupported { what: what.into() });
    if let Some(h) = module.struct_handles.iter().find(|h| !h.type_params.is_empty()) {
        return unsupported(format!("struct handle `{}`", escaped(&h.name)));
    }
    if let Some(h) = module.function_handles.iter().find(|h| !h.type_params.is_empty()) {
        return unsupported(format!("function handle `{}`", escaped(&h.name)));
    }
    if let Some(h) = module.function_handles.iter().find(|h| h.access.0.iter().any(|a| !a.type_args.is_empty())) {
        return unsupported(format!("an access of function handle `{}`", escaped(&h.name)));
    }
    if !module.struct_instantiations.is_empty() || !module.function_instantiations.is_empty() {
        return unsupported("the module's instantiation table".to_string());
    }
    Ok(())
}

fn check_module_handles(module: &Module) -> Result<(), VerifyErrorKind> {
    if module.module_handles.is_empty() {
        return Err(VerifyErrorKind::MissingSelfModuleHandle);
    }
    let mut seen = BTreeSet::new();
    for id in &module.module_handles {
        identifier(&id.name)?;
        if !seen.insert(id) {
            return Err(VerifyErrorKind::DuplicateModuleHandle { module: id.to_string().into() });
        }
    }
    Ok(())
}

fn check_handles(module: &Module) -> Result<(), VerifyErrorKind> {
    for handle in &module.struct_handles {
        check_module_handle(module, handle.module)?;
        identifier(&handle.name)?;
        if !handle.abilities.is_valid() {
            return Err(VerifyErrorKind::InvalidAbilities {
                name: handle.name.as_str().into(),
                bits: handle.abilities.0,
            });
        }
    }
    for handle in &module.function_handles {
        check_module_handle(module, handle.module)?;
        identifier(&handle.name)?;
        for ty in handle.params.iter().chain(&handle.returns) {
            check_type(module, ty)?;
        }
        for access in &handle.access.0 {
            check_struct_handle(module, access.resource)?;
        }
    }
    Ok(())
}

fn check_struct_defs(module: &Module) -> Result<(), VerifyErrorKind> {
    for def in &module.structs {
        check_struct_handle(module, def.handle)?;
        let handle = module
            .struct_handle(def.handle)
            .ok_or(VerifyErrorKind::VerifierInvariant { detail: "struct handle vanished after its bounds check" })?;
        if handle.module.0 != 0 {
            return Err(VerifyErrorKind::StructDefForeignHandle { name: escaped(&handle.name).into() });
        }
        let mut names = BTreeSet::new();
        for field in &def.fields {
            identifier(&field.name)?;
            check_type(module, &field.ty)?;
            if !names.insert(field.name.as_str()) {
                return Err(VerifyErrorKind::DuplicateFieldName {
                    struct_name: handle.name.as_str().into(),
                    field: field.name.as_str().into(),
                });
            }
        }
    }
    Ok(())
}

/// Definitions first (two definitions of one name is the author's mistake),
/// then handles (two handles for one name would let types that should be equal
/// compare unequal by index).
fn check_unique_names(module: &Module) -> Result<(), VerifyErrorKind> {
    let mut structs = BTreeSet::new();
    for def in &module.structs {
        let name = module.struct_name(def).unwrap_or_default();
        if !structs.insert(name) {
            return Err(VerifyErrorKind::DuplicateStructName { name: escaped(name).into() });
        }
    }
    let mut functions = BTreeSet::new();
    for def in &module.functions {
        if let Some(name) = module.function_name(def) {
            if !functions.insert(name) {
                return Err(VerifyErrorKind::DuplicateFunctionName { name: escaped(name).into() });
            }
        }
    }
    let mut struct_handles = BTreeSet::new();
    for handle in &module.struct_handles {
        if !struct_handles.insert((handle.module, handle.name.as_str())) {
            return Err(VerifyErrorKind::DuplicateStructHandle { name: escaped(&handle.name).into() });
        }
    }
    let mut function_handles = BTreeSet::new();
    for handle in &module.function_handles {
        if !function_handles.insert((handle.module, handle.name.as_str())) {
            return Err(VerifyErrorKind::DuplicateFunctionHandle { name: escaped(&handle.name).into() });
        }
    }
    Ok(())
}

/// A handle naming this module must be backed by a definition here: the loader
/// only links foreign handles, so an own handle without a definition could
/// never be resolved (and a call through it would bypass its access spec).
fn check_own_handles_defined(module: &Module) -> Result<(), VerifyErrorKind> {
    let defined_structs: BTreeSet<usize> = module.structs.iter().map(|d| d.handle.index()).collect();
    for (index, handle) in module.struct_handles.iter().enumerate() {
        if handle.module.0 == 0 && !defined_structs.contains(&index) {
            return Err(VerifyErrorKind::OwnStructHandleWithoutDefinition { name: escaped(&handle.name).into() });
        }
    }
    let defined_functions: BTreeSet<usize> = module.functions.iter().map(|d| d.handle.index()).collect();
    for (index, handle) in module.function_handles.iter().enumerate() {
        if handle.module.0 == 0 && !defined_functions.contains(&index) {
            return Err(VerifyErrorKind::OwnFunctionHandleWithoutDefinition { name: escaped(&handle.name).into() });
        }
    }
    Ok(())
}

pub(crate) fn check_function(module: &Module, index: usize) -> Result<(), VerifyError> {
    let fn_err =
        |offset: Option<usize>, kind| VerifyError::function(module, index, offset.map(super::cfg::offset16), kind);
    let Some(def) = module.functions.get(index) else { return Ok(()) };
    let handle = module.function_handle(def.handle).ok_or_else(|| {
        fn_err(
            None,
            VerifyErrorKind::IndexOutOfBounds {
                table: "function handle",
                index: def.handle.index(),
                len: module.function_handles.len(),
            },
        )
    })?;
    if handle.module.0 != 0 {
        return Err(fn_err(None, VerifyErrorKind::FunctionDefForeignHandle { name: escaped(&handle.name).into() }));
    }
    for ty in &def.locals {
        check_type(module, ty).map_err(|kind| fn_err(None, kind))?;
    }
    let Some(last) = def.code.last() else { return Err(fn_err(None, VerifyErrorKind::EmptyFunctionBody)) };
    let local_count = handle.params.len() + def.locals.len();
    for (offset, instr) in def.code.iter().enumerate() {
        check_instr(module, instr, local_count, def.code.len()).map_err(|kind| fn_err(Some(offset), kind))?;
    }
    if !matches!(last, Instr::Ret | Instr::Abort | Instr::Branch(_)) {
        let kind = VerifyErrorKind::MissingTerminator { last: last.info().mnemonic };
        return Err(fn_err(Some(def.code.len() - 1), kind));
    }
    Ok(())
}

fn check_instr(module: &Module, instr: &Instr, local_count: usize, code_len: usize) -> Result<(), VerifyErrorKind> {
    use Instr::*;
    match instr {
        Branch(target) | BrTrue(target) | BrFalse(target) => {
            if target.index() >= code_len {
                return Err(VerifyErrorKind::BranchTargetOutOfRange { target: target.0, code_len });
            }
        }
        LdConst(c) => in_range("constant", c.index(), module.constants.len())?,
        CopyLoc(l) | MoveLoc(l) | StLoc(l) | ImmBorrowLoc(l) | MutBorrowLoc(l) => {
            in_range("local", usize::from(l.0), local_count)?
        }
        ImmBorrowField(field) | MutBorrowField(field) => {
            in_range("struct definition", field.owner.index(), module.structs.len())?;
            let fields = module.structs.get(field.owner.index()).map_or(0, |s| s.fields.len());
            in_range("field", usize::from(field.field), fields)?;
        }
        Call(f) => in_range("function handle", f.index(), module.function_handles.len())?,
        Pack(d) | Unpack(d) | Exists(d) | ImmBorrowGlobal(d) | MutBorrowGlobal(d) | MoveFrom(d) | MoveTo(d)
        | Emit(d) => in_range("struct definition", d.index(), module.structs.len())?,
        VecPack(s, _)
        | VecUnpack(s, _)
        | VecLen(s)
        | VecImmBorrow(s)
        | VecMutBorrow(s)
        | VecPushBack(s)
        | VecPopBack(s)
        | VecSwap(s) => in_range("signature", s.index(), module.signatures.len())?,
        CallGeneric(_)
        | PackGeneric(_)
        | UnpackGeneric(_)
        | ImmBorrowFieldGeneric(_)
        | MutBorrowFieldGeneric(_)
        | ExistsGeneric(_)
        | ImmBorrowGlobalGeneric(_)
        | MutBorrowGlobalGeneric(_)
        | MoveFromGeneric(_)
        | MoveToGeneric(_)
        | EmitGeneric(_) => {
            return Err(VerifyErrorKind::GenericsUnsupported { what: format!("`{}`", instr.info().mnemonic).into() })
        }
        Pop | Ret | LdU8(_) | LdU64(_) | LdU128(_) | LdTrue | LdFalse | ReadRef | WriteRef | FreezeRef | Add | Sub
        | Mul | Div | Mod | BitAnd | BitOr | Xor | Shl | Shr | And | Or | Not | Eq | Neq | Lt | Gt | Le | Ge
        | CastU8 | CastU64 | CastU128 | Abort | Nop | SignerAddress => {}
    }
    Ok(())
}
