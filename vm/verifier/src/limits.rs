//! Pass 2, limits: sizes that keep verification and execution bounded. A
//! module from bytes is attacker-controlled; every later pass is linear or
//! near-linear in these numbers, and the interpreter sizes its frames by them.

use super::error::{VerifyError, VerifyErrorKind};
use super::ty;
use resin_format::encoding::limits::type_nodes;
use resin_format::file_format::{Instr, Module, Type};

/// Most entries in any one table: every table is indexed by a `u16`.
pub const MAX_TABLE_ENTRIES: usize = u16::MAX as usize;
/// Longest identifier, in bytes.
pub const MAX_IDENTIFIER_LEN: usize = 255;
/// Most parameters of one function.
pub const MAX_PARAMS: usize = 128;
/// Most return values of one function.
pub const MAX_RETURNS: usize = 128;
/// Most local slots (parameters included): a `LocalIdx` is a `u8`.
pub const MAX_LOCALS: usize = 255;
/// Most instructions in one function: every offset fits the `u16` a branch names.
pub const MAX_CODE_LEN: usize = u16::MAX as usize;
/// Deepest type: `vector<vector<u8>>` is 3 deep, `Coin<vector<u8>>` too. Also
/// checked on every type the types pass builds by substituting an
/// instantiation's arguments (a field of `Box<vector<T0>>` at `T0 = ...`).
pub const MAX_TYPE_DEPTH: usize = 32;
/// Most nodes of one type (`vector<Coin<u64>>` is 3), declared or built by
/// substitution: keeps a type that doubles per level (`Pair<T, T>`) small.
pub const MAX_TYPE_NODES: usize = 256;
/// Most type parameters of one struct or function (and so type arguments of
/// one instantiation).
pub const MAX_TYPE_PARAMS: usize = 32;
/// Most fields of one struct.
pub const MAX_FIELDS: usize = 255;
/// Most values on one function's operand stack (checked by the stack pass).
pub const MAX_STACK_HEIGHT: usize = 1024;
/// Most elements one `vec_pack`/`vec_unpack` moves.
pub const MAX_VECTOR_COUNT: usize = MAX_STACK_HEIGHT;
/// Most work one dataflow pass may do on one function: instructions visited
/// plus state slots copied and joined (see `cfg::solve`). Real functions use a
/// small fraction; the meter bounds time and memory on hostile ones.
pub const MAX_DATAFLOW_UNITS: usize = 8_000_000;
/// Most entries in one access spec.
pub const MAX_ACCESSES: usize = 255;
/// Most dataflow work all passes over all functions of one module may do
/// together: the per-function meter alone would let a module of many
/// functions take minutes to verify.
pub const MAX_MODULE_DATAFLOW_UNITS: usize = 16_000_000;

pub(crate) fn verify(module: &Module) -> Result<(), VerifyError> {
    let err = |kind| VerifyError::module(module, kind);
    check_tables(module).map_err(err)?;
    check_names(module).map_err(err)?;
    for sig in &module.signatures {
        check_depth(sig).map_err(err)?;
    }
    let instantiations = module.struct_instantiations.iter().map(|i| &i.type_args);
    for args in instantiations.chain(module.function_instantiations.iter().map(|i| &i.type_args)) {
        check_type_params(args.len()).map_err(err)?;
        args.iter().try_for_each(check_depth).map_err(err)?;
    }
    for handle in &module.struct_handles {
        check_type_params(handle.type_params.len()).map_err(err)?;
    }
    for constant in &module.constants {
        check_depth(&constant.ty).map_err(err)?;
    }
    for def in &module.structs {
        if def.fields.len() > MAX_FIELDS {
            let struct_name = module.struct_name(def).unwrap_or_default();
            return Err(err(VerifyErrorKind::TooManyFields {
                struct_name: struct_name.into(),
                count: def.fields.len(),
                max: MAX_FIELDS,
            }));
        }
        for field in &def.fields {
            check_depth(&field.ty).map_err(err)?;
        }
    }
    for handle in &module.function_handles {
        check_signature(&handle.params, &handle.returns).map_err(err)?;
        check_type_params(handle.type_params.len()).map_err(err)?;
        if handle.access.0.len() > MAX_ACCESSES {
            let kind = VerifyErrorKind::AccessSpecTooLarge { count: handle.access.0.len(), max: MAX_ACCESSES };
            return Err(err(kind));
        }
        handle.access.0.iter().flat_map(|a| &a.type_args).try_for_each(check_depth).map_err(err)?;
    }
    for index in 0..module.functions.len() {
        check_function(module, index)?;
    }
    super::depth::verify(module)
}

/// The limits on one function definition: locals, code length, vector counts.
pub(crate) fn check_function(module: &Module, index: usize) -> Result<(), VerifyError> {
    let Some(def) = module.functions.get(index) else { return Ok(()) };
    let fn_err =
        |offset: Option<usize>, kind| VerifyError::function(module, index, offset.map(super::cfg::offset16), kind);
    let params = module.function_handle(def.handle).map_or(0, |h| h.params.len());
    let count = params + def.locals.len();
    if count > MAX_LOCALS {
        return Err(fn_err(None, VerifyErrorKind::TooManyLocals { count, max: MAX_LOCALS }));
    }
    for local in &def.locals {
        check_depth(local).map_err(|kind| fn_err(None, kind))?;
    }
    if def.code.len() > MAX_CODE_LEN {
        return Err(fn_err(None, VerifyErrorKind::CodeTooLong { len: def.code.len(), max: MAX_CODE_LEN }));
    }
    for (offset, instr) in def.code.iter().enumerate() {
        if let Instr::VecPack(_, count) | Instr::VecUnpack(_, count) = instr {
            if usize::try_from(*count).map_or(true, |c| c > MAX_VECTOR_COUNT) {
                let kind = VerifyErrorKind::VectorCountTooLarge { count: *count, max: MAX_VECTOR_COUNT };
                return Err(fn_err(Some(offset), kind));
            }
        }
    }
    Ok(())
}

fn check_tables(module: &Module) -> Result<(), VerifyErrorKind> {
    let tables = [
        ("module handle", module.module_handles.len()),
        ("struct handle", module.struct_handles.len()),
        ("function handle", module.function_handles.len()),
        ("signature", module.signatures.len()),
        ("constant", module.constants.len()),
        ("struct definition", module.structs.len()),
        ("function definition", module.functions.len()),
        ("struct instantiation", module.struct_instantiations.len()),
        ("function instantiation", module.function_instantiations.len()),
    ];
    for (table, len) in tables {
        if len > MAX_TABLE_ENTRIES {
            return Err(VerifyErrorKind::TableTooLarge { table, len, max: MAX_TABLE_ENTRIES });
        }
    }
    Ok(())
}

fn check_names(module: &Module) -> Result<(), VerifyErrorKind> {
    let names = module
        .module_handles
        .iter()
        .map(|m| m.name.as_str())
        .chain(module.struct_handles.iter().map(|h| h.name.as_str()))
        .chain(module.function_handles.iter().map(|h| h.name.as_str()))
        .chain(module.structs.iter().flat_map(|s| s.fields.iter().map(|f| f.name.as_str())));
    for name in names {
        if name.len() > MAX_IDENTIFIER_LEN {
            return Err(VerifyErrorKind::IdentifierTooLong { len: name.len(), max: MAX_IDENTIFIER_LEN });
        }
    }
    Ok(())
}

fn check_signature(params: &[Type], returns: &[Type]) -> Result<(), VerifyErrorKind> {
    if params.len() > MAX_PARAMS {
        return Err(VerifyErrorKind::TooManyParameters { count: params.len(), max: MAX_PARAMS });
    }
    if returns.len() > MAX_RETURNS {
        return Err(VerifyErrorKind::TooManyReturns { count: returns.len(), max: MAX_RETURNS });
    }
    params.iter().chain(returns).try_for_each(check_depth)
}

fn check_type_params(count: usize) -> Result<(), VerifyErrorKind> {
    if count > MAX_TYPE_PARAMS {
        return Err(VerifyErrorKind::TooManyTypeParameters { count, max: MAX_TYPE_PARAMS });
    }
    Ok(())
}

/// The depth and node count of one type, declared or built by substitution.
pub(crate) fn check_depth(ty: &Type) -> Result<(), VerifyErrorKind> {
    let depth = ty::depth(ty);
    if depth > MAX_TYPE_DEPTH {
        return Err(VerifyErrorKind::TypeTooDeep { depth, max: MAX_TYPE_DEPTH });
    }
    let nodes = type_nodes(ty);
    if nodes > MAX_TYPE_NODES {
        return Err(VerifyErrorKind::TypeTooLarge { nodes, max: MAX_TYPE_NODES });
    }
    Ok(())
}
