//! Failures in source words. A receipt's location is a module, a function
//! and a code offset, and an abort's code is a number; a module compiled
//! with debug information (`resin_format::debug`) turns them back into
//! `E_INSUFFICIENT_BALANCE (1) at coin.rsn:24:9`. Without it the words
//! fall back to the offset and the bare number, so every status reads
//! sensibly either way.

use std::path::Path;

use resin_format::escape::escaped;
use resin_format::file_format::{ConstValue, Instr};
use resin_state::keys::ResourceKey;

use crate::loader::{CodeCache, LoadedModule};
use crate::transaction::{Location, RuntimeErrorKind, Status};

/// `aborted with E_INSUFFICIENT_BALANCE (1) at coin.rsn:24:9 in
/// 0x1::coin::withdraw`, or as much of it as the module's debug
/// information knows (`aborted with code 1 in 0x1::coin::withdraw at
/// offset 12` without any).
pub fn describe_abort(code: &CodeCache, location: &Location, abort_code: u64) -> String {
    format!("aborted with {} {}", abort_code_words(code, location, abort_code), where_words(code, location))
}

/// `E_INSUFFICIENT_BALANCE (1)` when the aborting module names the code, else `code 1`.
pub fn abort_code_words(code: &CodeCache, location: &Location, abort_code: u64) -> String {
    match abort_code_name(code, location, abort_code) {
        Some(name) => format!("{} ({abort_code})", escaped(&name)),
        None => format!("code {abort_code}"),
    }
}

/// `at coin.rsn:24:9 in 0x1::coin::withdraw` when the source map knows the
/// instruction, else `in 0x1::coin::withdraw at offset 12`.
pub fn where_words(code: &CodeCache, location: &Location) -> String {
    let function = format!("{}::{}", location.module, escaped(&location.function));
    match source_position(code, location) {
        Some(position) => format!("at {position} in {function}"),
        None => format!("in {function} at offset {}", location.offset),
    }
}

/// `coin.rsn:24:9`: the source position of the instruction at `location`,
/// with the file's last path component (the directory a module was
/// compiled in says nothing about the failure, and would make receipts
/// differ between machines).
pub fn source_position(code: &CodeCache, location: &Location) -> Option<String> {
    let module = code.loaded(&location.module)?;
    let debug = module.debug()?;
    let function = module.function_def_index(&location.function)?;
    let pos = debug.functions.get(usize::from(function))?.position(location.offset)?;
    let file = debug.files.get(usize::from(pos.file))?;
    let short = Path::new(file).file_name().and_then(|n| n.to_str()).unwrap_or(file);
    Some(format!("{}:{}:{}", escaped(short), pos.line, pos.col))
}

/// The name of the constant an abort at `location` with `abort_code` raised.
/// Exact when the instruction before the `abort` loads a named constant of
/// that value (what `abort E` and `assert!(c, E)` compile to); otherwise the
/// one error constant (a name starting with `E`) of the module with that
/// value, if exactly one has it.
pub fn abort_code_name(code: &CodeCache, location: &Location, abort_code: u64) -> Option<String> {
    let module = code.loaded(&location.module)?;
    let debug = module.debug()?;
    let holds_code = |index: u16| {
        module.module().constants.get(usize::from(index)).is_some_and(|c| c.value == ConstValue::U64(abort_code))
    };
    if let Some(Instr::LdConst(index)) = loaded_code_before(module, location) {
        if holds_code(index.0) {
            if let Some(name) = debug.constant_name(index.0) {
                return Some(name.to_string());
            }
        }
    }
    let mut errors = debug.constant_names.iter().filter(|(i, name)| name.starts_with('E') && holds_code(*i));
    match (errors.next(), errors.next()) {
        (Some((_, name)), None) => Some(name.clone()),
        _ => None,
    }
}

/// The instruction just before the one at `location`.
fn loaded_code_before(module: &LoadedModule, location: &Location) -> Option<Instr> {
    let function = module.function(&location.function)?;
    let before = usize::from(location.offset).checked_sub(1)?;
    function.code.get(before).copied()
}

/// `0x1::coin::Balance at 0xa`: the resource a runtime error is about, its
/// address named by `address` (a tool that knows account names passes them).
pub fn resource_words(code: &CodeCache, key: &ResourceKey, address: impl Fn(&ResourceKey) -> String) -> String {
    let ty = code
        .type_name(key.ty)
        .or_else(|| key.ty.keyed_resource().map(|tag| tag.to_string()))
        .unwrap_or_else(|| format!("{:?}", key.ty));
    format!("{ty} at {}", address(key))
}

/// `ResourceMissing: 0x1::coin::Balance at 0xa` (the kind alone when the
/// error is about no one resource).
pub fn runtime_error_words(
    code: &CodeCache,
    kind: RuntimeErrorKind,
    resource: Option<&ResourceKey>,
    address: impl Fn(&ResourceKey) -> String,
) -> String {
    let name = match kind {
        RuntimeErrorKind::CounterOverflow { .. } => "CounterOverflow".to_string(),
        other => format!("{other:?}"),
    };
    match resource {
        Some(key) => format!("{name}: {}", resource_words(code, key, address)),
        None => name,
    }
}

/// A status in words, addresses in hex: what a tool without account names
/// prints.
pub fn describe_status(code: &CodeCache, status: &Status) -> String {
    let hex = |key: &ResourceKey| key.address.to_string();
    match status {
        Status::Success => "success".into(),
        Status::Aborted { code: abort_code, location } => describe_abort(code, location, *abort_code),
        Status::RuntimeError { kind, location, resource } => {
            format!(
                "runtime error {} {}",
                runtime_error_words(code, *kind, resource.as_deref(), hex),
                where_words(code, location)
            )
        }
        Status::OutOfGas { location } => format!("out of gas {}", where_words(code, location)),
        Status::AccessViolation { mode, key, location } => {
            let words = resource_words(code, key, hex);
            format!("access violation: {mode:?} of {words} {}", where_words(code, location))
        }
        Status::InvalidArguments { reason } => format!("not started: {reason}"),
    }
}
