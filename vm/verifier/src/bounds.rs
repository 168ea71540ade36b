//! Pass 1, bounds: every index in every table and instruction points at
//! something, names are well formed and unique, and every function body is a
//! non-empty instruction list ending in an unconditional terminator. Later
//! passes index tables freely after this one (and still never panic if they
//! are run without it: they look everything up with `get`).
//!
//! For generic code it also checks that every type is well formed (each
//! struct with as many type arguments as it has type parameters, each type
//! parameter in the scope of its struct or function, see [`generics`]), that
//! the instantiation tables point at what exists, and that generic
//! instructions name generic structs and functions and plain ones plain
//! ones (Move's rule: `pack_generic` only for a generic struct, `pack` only
//! for one that is not).

use resin_format::escape::escaped;
use std::collections::BTreeSet;

use super::error::{VerifyError, VerifyErrorKind};
use super::generics::{self, check_type_bounds};
use resin_format::file_format::{
    Abilities, AddressSource, Instr, Module, ModuleHandleIdx, StructDefIdx, StructHandleIdx,
};

pub(crate) fn verify(module: &Module) -> Result<(), VerifyError> {
    let err = |kind| VerifyError::module(module, kind);
    check_module_handles(module).map_err(err)?;
    check_handles(module).map_err(err)?;
    // Signatures take the type parameters of the function using them, which
    // `check_instr` checks; a constant may have none (signatures rejects it).
    for ty in module.signatures.iter().chain(module.constants.iter().map(|c| &c.ty)) {
        check_type_bounds(module, ty, None).map_err(err)?;
    }
    check_instantiation_tables(module).map_err(err)?;
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

/// The instantiation tables point at what exists, with one type argument
/// per type parameter; their type parameters are checked where they are used.
fn check_instantiation_tables(module: &Module) -> Result<(), VerifyErrorKind> {
    for inst in &module.struct_instantiations {
        let def = module.structs.get(inst.def.index()).ok_or(VerifyErrorKind::IndexOutOfBounds {
            table: "struct definition",
            index: inst.def.index(),
            len: module.structs.len(),
        })?;
        generics::check_arity(module, def.handle, inst.type_args.len())?;
        inst.type_args.iter().try_for_each(|ty| check_type_bounds(module, ty, None))?;
    }
    for inst in &module.function_instantiations {
        in_range("function handle", inst.handle.index(), module.function_handles.len())?;
        let handle = module
            .function_handle(inst.handle)
            .ok_or(VerifyErrorKind::VerifierInvariant { detail: "function handle vanished after its bounds check" })?;
        generics::arity(&handle.name, handle.type_params.len(), inst.type_args.len())?;
        inst.type_args.iter().try_for_each(|ty| check_type_bounds(module, ty, None))?;
    }
    Ok(())
}

fn valid_abilities(name: &str, abilities: Abilities) -> Result<(), VerifyErrorKind> {
    if abilities.is_valid() {
        Ok(())
    } else {
        Err(VerifyErrorKind::InvalidAbilities { name: escaped(name).into(), bits: abilities.0 })
    }
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
    check_friends(module)
}

/// Friends are other modules at this module's address (a package shares
/// an address, so friendship cannot reach into another account's code),
/// each listed once.
fn check_friends(module: &Module) -> Result<(), VerifyErrorKind> {
    let Some(this) = module.self_id() else { return Ok(()) };
    let mut seen = BTreeSet::new();
    for friend in &module.friends {
        identifier(&friend.name)?;
        if friend == this {
            return Err(VerifyErrorKind::FriendIsSelf);
        }
        if friend.address != this.address {
            return Err(VerifyErrorKind::FriendAtOtherAddress { friend: friend.to_string().into() });
        }
        if !seen.insert(friend) {
            return Err(VerifyErrorKind::DuplicateFriend { friend: friend.to_string().into() });
        }
    }
    Ok(())
}

fn check_handles(module: &Module) -> Result<(), VerifyErrorKind> {
    for handle in &module.struct_handles {
        check_module_handle(module, handle.module)?;
        identifier(&handle.name)?;
        valid_abilities(&handle.name, handle.abilities)?;
        for param in &handle.type_params {
            valid_abilities(&handle.name, param.constraints)?;
        }
    }
    for handle in &module.function_handles {
        check_module_handle(module, handle.module)?;
        identifier(&handle.name)?;
        for constraints in &handle.type_params {
            valid_abilities(&handle.name, *constraints)?;
        }
        let scope = Some(handle.type_params.len());
        for ty in handle.params.iter().chain(&handle.returns) {
            check_type_bounds(module, ty, scope)?;
        }
        for access in &handle.access.0 {
            check_struct_handle(module, access.resource)?;
            if let AddressSource::Object(object) = access.address {
                check_module_handle(module, object.module)?;
            }
            generics::check_arity(module, access.resource, access.type_args.len())?;
            access.type_args.iter().try_for_each(|ty| check_type_bounds(module, ty, scope))?;
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
        let scope = Some(handle.type_params.len());
        for field in &def.fields {
            identifier(&field.name)?;
            check_type_bounds(module, &field.ty, scope)?;
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

/// No instruction only a test may run (`test_set_block_timestamp`): a
/// published module that held one could move the time its own transactions
/// see, and so pass any deadline. Only a test build's modules skip this
/// (`verify_test_module`).
pub(crate) fn no_test_only(module: &Module) -> Result<(), VerifyError> {
    for (index, def) in module.functions.iter().enumerate() {
        if let Some((offset, instr)) = def.code.iter().enumerate().find(|(_, i)| i.is_test_only()) {
            let kind = VerifyErrorKind::TestOnlyInstruction { instr: instr.info().mnemonic };
            return Err(VerifyError::function(module, index, Some(super::cfg::offset16(offset)), kind));
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
    let scope = handle.type_params.len();
    for ty in &def.locals {
        check_type_bounds(module, ty, Some(scope)).map_err(|kind| fn_err(None, kind))?;
    }
    let Some(last) = def.code.last() else { return Err(fn_err(None, VerifyErrorKind::EmptyFunctionBody)) };
    let local_count = handle.params.len() + def.locals.len();
    for (offset, instr) in def.code.iter().enumerate() {
        check_instr(module, instr, local_count, def.code.len()).map_err(|kind| fn_err(Some(offset), kind))?;
        check_genericity(module, instr).map_err(|kind| fn_err(Some(offset), kind))?;
        generics::check_scope(generics::instr_types(module, instr), scope)
            .map_err(|kind| fn_err(Some(offset), kind))?;
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
        Pack(d)
        | Unpack(d)
        | Exists(d)
        | ImmBorrowGlobal(d)
        | MutBorrowGlobal(d)
        | MoveFrom(d)
        | MoveTo(d)
        | Emit(d)
        | ExistsKeyed(d)
        | ImmBorrowGlobalKeyed(d)
        | MutBorrowGlobalKeyed(d)
        | MoveFromKeyed(d)
        | MoveToKeyed(d)
        | CounterAdd(d)
        | CounterAddKeyed(d) => in_range("struct definition", d.index(), module.structs.len())?,
        VecPack(s, _)
        | VecUnpack(s, _)
        | VecLen(s)
        | VecImmBorrow(s)
        | VecMutBorrow(s)
        | VecPushBack(s)
        | VecPopBack(s)
        | VecSwap(s)
        | VecDestroyEmpty(s)
        | VecRemove(s)
        | VecInsert(s)
        | VecReverse(s)
        | VecAppend(s)
        | VecContains(s)
        | VecIndexOf(s)
        | TypeName(s)
        | TypeIsStruct(s) => in_range("signature", s.index(), module.signatures.len())?,
        CallGeneric(f) => in_range("function instantiation", f.index(), module.function_instantiations.len())?,
        PackGeneric(i)
        | UnpackGeneric(i)
        | ExistsGeneric(i)
        | ImmBorrowGlobalGeneric(i)
        | MutBorrowGlobalGeneric(i)
        | MoveFromGeneric(i)
        | MoveToGeneric(i)
        | EmitGeneric(i)
        | ExistsKeyedGeneric(i)
        | ImmBorrowGlobalKeyedGeneric(i)
        | MutBorrowGlobalKeyedGeneric(i)
        | MoveFromKeyedGeneric(i)
        | MoveToKeyedGeneric(i)
        | CounterAddGeneric(i)
        | CounterAddKeyedGeneric(i) => in_range("struct instantiation", i.index(), module.struct_instantiations.len())?,
        ImmBorrowFieldGeneric(field) | MutBorrowFieldGeneric(field) => {
            let len = module.struct_instantiations.len();
            in_range("struct instantiation", field.owner.index(), len)?;
            let fields = generics::struct_inst(module, field.owner).map_or(0, |s| s.def.fields.len());
            in_range("field", usize::from(field.field), fields)?;
        }
        Pop
        | Ret
        | LdU8(_)
        | LdU16(_)
        | LdU32(_)
        | LdU64(_)
        | LdU128(_)
        | LdU256(_)
        | LdTrue
        | LdFalse
        | ReadRef
        | WriteRef
        | FreezeRef
        | Add
        | Sub
        | Mul
        | Div
        | Mod
        | BitAnd
        | BitOr
        | Xor
        | Shl
        | Shr
        | And
        | Or
        | Not
        | Eq
        | Neq
        | Lt
        | Gt
        | Le
        | Ge
        | CastU8
        | CastU16
        | CastU32
        | CastU64
        | CastU128
        | CastU256
        | Abort
        | Nop
        | SignerAddress
        | Sha3_256
        | Blake3
        | BlockTimestamp
        | BlockHeight
        | ObjectAddress
        | ObjectSigner
        | TestSetBlockTimestamp
        | TestSetBlockHeight => {}
    }
    Ok(())
}

/// A generic instruction names a generic struct or function, a plain one a
/// plain one (run after `check_instr`: the operands are in range).
fn check_genericity(module: &Module, instr: &Instr) -> Result<(), VerifyErrorKind> {
    let target = match instr {
        Instr::Call(f) => module.function_handle(*f).map(|h| (h.name.as_str(), !h.type_params.is_empty())),
        Instr::CallGeneric(f) => {
            generics::function_inst(module, *f).map(|(_, h, _)| (h.name.as_str(), !h.type_params.is_empty()))
        }
        _ => generics::struct_operand(module, instr)
            .and_then(|(def, _)| struct_handle_of(module, def))
            .map(|h| (h.name.as_str(), !h.type_params.is_empty())),
    };
    let Some((name, target_is_generic)) = target else { return Ok(()) };
    let generic_form = instr_is_generic(instr);
    if target_is_generic == generic_form {
        return Ok(());
    }
    let instruction = instr.info().mnemonic;
    let name = escaped(name).into();
    Err(if generic_form {
        VerifyErrorKind::GenericInstructionOnNonGeneric { instruction, name }
    } else {
        VerifyErrorKind::PlainInstructionOnGeneric { instruction, name }
    })
}

fn struct_handle_of(module: &Module, def: StructDefIdx) -> Option<&resin_format::file_format::StructHandle> {
    module.structs.get(def.index()).and_then(|d| module.struct_handle(d.handle))
}

/// The generic opcodes: 0x40-0x4A, and the generic forms of the keyed and
/// counter instructions.
fn instr_is_generic(instr: &Instr) -> bool {
    use Instr::*;
    matches!(
        instr,
        CallGeneric(_)
            | ExistsKeyedGeneric(_)
            | ImmBorrowGlobalKeyedGeneric(_)
            | MutBorrowGlobalKeyedGeneric(_)
            | MoveFromKeyedGeneric(_)
            | MoveToKeyedGeneric(_)
            | CounterAddGeneric(_)
            | CounterAddKeyedGeneric(_)
            | PackGeneric(_)
            | UnpackGeneric(_)
            | ImmBorrowFieldGeneric(_)
            | MutBorrowFieldGeneric(_)
            | ExistsGeneric(_)
            | ImmBorrowGlobalGeneric(_)
            | MutBorrowGlobalGeneric(_)
            | MoveFromGeneric(_)
            | MoveToGeneric(_)
            | EmitGeneric(_)
    )
}
