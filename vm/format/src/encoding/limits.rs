//! Size limits of a module. Indexes are `u16` (locals `u8`), so a table that
//! outgrows them cannot be addressed; the nesting limits keep every recursive
//! walk over a decoded type or constant (drop, clone, equality, the verifier)
//! far from the stack's end. The decoder enforces them on every input; the
//! assembler and the compiler can check a module before writing it.

use thiserror::Error;

use crate::file_format::{AccountAddress, ConstValue, IndexSource, Module, Type};

/// Entries in any one table (module, struct and function handles, signatures, constants, definitions).
pub const MAX_TABLE_LEN: usize = 65535;
/// Instructions in one function: branch targets are `u16`.
pub const MAX_CODE_LEN: usize = 65535;
/// Parameters plus locals of one function: local indexes are `u8`.
pub const MAX_LOCALS: usize = 256;
/// Fields of one struct: field indexes are `u16`.
pub const MAX_FIELDS: usize = 65535;
/// Parameters, or returns, of one function handle.
pub const MAX_SIGNATURE_LEN: usize = 255;
/// Accesses in one access spec.
pub const MAX_ACCESSES: usize = 65535;
/// Fields of one struct-built index of a keyed access
/// ([`crate::file_format::IndexSource::Pack`]): key instantiation encodes
/// them for every transaction before any gas is charged, so an index from
/// a larger struct is traced as `[*]`.
pub const MAX_INDEX_FIELDS: usize = 16;
/// Nested type constructors (`vector<..>`, `&`, `&mut`, a generic struct's
/// arguments) around a leaf type.
pub const MAX_TYPE_DEPTH: usize = 64;
/// Nodes of one type as written in a module (`vector<Coin<u64>>` is 3).
pub const MAX_TYPE_NODES: usize = 256;
/// Type parameters of one struct or function, and so type arguments of one
/// instantiation (its arity is the parameter count).
pub const MAX_TYPE_PARAMS: usize = 32;
/// Nested vectors in a constant value.
pub const MAX_CONST_DEPTH: usize = 64;
/// Bytes in a module, struct, function or field name.
pub const MAX_IDENTIFIER_LEN: usize = 255;
/// Bytes of an encoded module (`.rbc`), header included. The decoder refuses
/// longer input before reading it, the loader refuses to publish a module
/// whose encoding is longer, and the CLI reads no more than this from a file.
pub const MAX_MODULE_SIZE: usize = 256 * 1024;

// ---- values ----
//
// Values are trees (vectors and structs hold values), and every walk over one
// (drop, clone, equality, hashing, canonical encoding, printing) follows that
// tree. These limits keep every value shallow enough for any thread's stack
// and small enough to encode, store and print. The verifier and the loader
// bound the depth of every type a program can build a value of, the
// interpreter bounds vector lengths and the size of what it stores, and the
// state file's decoder refuses deeper values.

/// Deepest value: a primitive is 1 deep, a vector or struct one more than its
/// deepest element or field (`vector<vector<u8>>` is 3 deep, a struct whose
/// only field is a `u64` is 2).
pub const MAX_VALUE_DEPTH: usize = 64;
/// Most elements of one vector value (a transaction argument, or a vector a
/// program grows with `vec_push_back`).
pub const MAX_VECTOR_LEN: usize = 1 << 20;
/// Most bytes in the canonical encoding of one resource written to storage
/// or one event.
pub const MAX_VALUE_SIZE: usize = 1 << 20;

// ---- names ----

/// The standard library's address: only the standard library publishes
/// modules here (`0x1::coin`).
pub const RESERVED_ADDRESS: AccountAddress =
    AccountAddress([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
/// Module names of the builtin modules (`0x1::signer`, `0x1::vector`), whose
/// functions the compiler turns into instructions: no module may take them.
pub const RESERVED_MODULE_NAMES: &[&str] = &["signer", "vector"];

/// A module over one of the limits above.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("{location}: {what} is {found}, over the limit of {max}")]
pub struct LimitError {
    /// Where, e.g. `function definition 3`.
    pub location: String,
    pub what: &'static str,
    pub found: usize,
    pub max: usize,
}

fn check(location: impl FnOnce() -> String, what: &'static str, found: usize, max: usize) -> Result<(), LimitError> {
    if found > max {
        return Err(LimitError { location: location(), what, found, max });
    }
    Ok(())
}

/// The number of constructors around the type's deepest leaf (`u64` is 0,
/// `&vector<u64>` is 2, `Pair<u8, vector<u8>>` is 2), computed without recursion.
pub fn type_depth(ty: &Type) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(ty, 0usize)];
    while let Some((ty, depth)) = stack.pop() {
        deepest = deepest.max(depth);
        match ty {
            Type::Vector(inner) | Type::Ref(inner) | Type::MutRef(inner) => stack.push((inner, depth + 1)),
            Type::StructInst(_, args) => stack.extend(args.iter().map(|arg| (arg, depth + 1))),
            _ => {}
        }
    }
    deepest
}

/// The number of nodes of the type (`u64` is 1, `vector<Coin<u64>>` is 3).
pub fn type_nodes(ty: &Type) -> usize {
    ty.preorder().count()
}

/// The deepest nesting of vectors in a constant (a scalar is 0), computed without recursion.
pub fn const_depth(value: &ConstValue) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(value, 0usize)];
    while let Some((value, depth)) = stack.pop() {
        if let ConstValue::Vector(items) = value {
            deepest = deepest.max(depth + 1);
            stack.extend(items.iter().map(|item| (item, depth + 1)));
        }
    }
    deepest
}

fn check_type(location: &dyn Fn() -> String, ty: &Type) -> Result<(), LimitError> {
    check(location, "type nesting depth", type_depth(ty), MAX_TYPE_DEPTH)?;
    check(location, "type size in nodes", type_nodes(ty), MAX_TYPE_NODES)?;
    for node in ty.preorder() {
        if let Type::StructInst(_, args) = node {
            // The wire holds the count in a byte.
            check(location, "type argument count", args.len(), MAX_TYPE_PARAMS)?;
        }
    }
    Ok(())
}

fn check_types(location: &dyn Fn() -> String, types: &[Type]) -> Result<(), LimitError> {
    check(location, "type argument count", types.len(), MAX_TYPE_PARAMS)?;
    types.iter().try_for_each(|ty| check_type(location, ty))
}

fn check_name(location: &dyn Fn() -> String, name: &str) -> Result<(), LimitError> {
    check(location, "name length", name.len(), MAX_IDENTIFIER_LEN)
}

/// Checks every limit of this module.
pub fn check_limits(m: &Module) -> Result<(), LimitError> {
    let tables = [
        ("module handles", m.module_handles.len()),
        ("struct handles", m.struct_handles.len()),
        ("function handles", m.function_handles.len()),
        ("signatures", m.signatures.len()),
        ("constants", m.constants.len()),
        ("struct definitions", m.structs.len()),
        ("function definitions", m.functions.len()),
        ("struct instantiations", m.struct_instantiations.len()),
        ("function instantiations", m.function_instantiations.len()),
    ];
    for (what, len) in tables {
        check(|| "module".to_string(), what, len, MAX_TABLE_LEN)?;
    }
    for (i, id) in m.module_handles.iter().enumerate() {
        check_name(&|| format!("module handle {i}"), &id.name)?;
    }
    for (i, handle) in m.struct_handles.iter().enumerate() {
        let location = || format!("struct handle {i}");
        check_name(&location, &handle.name)?;
        check(location, "type parameter count", handle.type_params.len(), MAX_TYPE_PARAMS)?;
    }
    for (i, inst) in m.struct_instantiations.iter().enumerate() {
        check_types(&|| format!("struct instantiation {i}"), &inst.type_args)?;
    }
    for (i, inst) in m.function_instantiations.iter().enumerate() {
        check_types(&|| format!("function instantiation {i}"), &inst.type_args)?;
    }
    for (i, handle) in m.function_handles.iter().enumerate() {
        let location = || format!("function handle {i}");
        check_name(&location, &handle.name)?;
        check(location, "parameter count", handle.params.len(), MAX_SIGNATURE_LEN)?;
        check(location, "return count", handle.returns.len(), MAX_SIGNATURE_LEN)?;
        check(location, "type parameter count", handle.type_params.len(), MAX_TYPE_PARAMS)?;
        check(location, "access count", handle.access.0.len(), MAX_ACCESSES)?;
        for ty in handle.params.iter().chain(&handle.returns) {
            check_type(&location, ty)?;
        }
        for access in &handle.access.0 {
            check_types(&location, &access.type_args)?;
            if let Some(IndexSource::Pack(fields)) = &access.index {
                check(location, "struct-built index field count", fields.len(), MAX_INDEX_FIELDS)?;
            }
        }
    }
    for (i, ty) in m.signatures.iter().enumerate() {
        check_type(&|| format!("signature {i}"), ty)?;
    }
    for (i, constant) in m.constants.iter().enumerate() {
        let location = || format!("constant {i}");
        check_type(&location, &constant.ty)?;
        check(location, "value nesting depth", const_depth(&constant.value), MAX_CONST_DEPTH)?;
    }
    for (i, def) in m.structs.iter().enumerate() {
        let location = || format!("struct definition {i}");
        check(location, "field count", def.fields.len(), MAX_FIELDS)?;
        for field in &def.fields {
            check_name(&location, &field.name)?;
            check_type(&location, &field.ty)?;
        }
    }
    for (i, def) in m.functions.iter().enumerate() {
        let location = || format!("function definition {i}");
        check(location, "code length", def.code.len(), MAX_CODE_LEN)?;
        let params = m.function_handle(def.handle).map_or(0, |h| h.params.len());
        check(location, "parameter and local count", params.saturating_add(def.locals.len()), MAX_LOCALS)?;
        for ty in &def.locals {
            check_type(&location, ty)?;
        }
    }
    Ok(())
}
