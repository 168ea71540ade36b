//! Access sets in source notation: `write Balance@from, read coin::Pool@*`.

use resin_format::file_format::{AccessMode, AddressSource, ConstValue};

use crate::resolve::env::{Env, FunId, SemAccess};
use crate::typeck::ty::Ty;

/// One access as an author would write it in an `acquires` clause of `fun`.
pub fn access(env: &Env, fun: FunId, access: &SemAccess) -> String {
    let mode = match access.mode {
        AccessMode::Read => "read",
        AccessMode::Write => "write",
    };
    let resource = env.struct_display(access.resource, Some(fun.module));
    format!("{mode} {resource}@{}", address(env, fun, access.address))
}

/// A whole set, comma separated; `(none)` when empty.
pub fn set(env: &Env, fun: FunId, accesses: &[SemAccess]) -> String {
    if accesses.is_empty() {
        return "(none)".to_string();
    }
    accesses.iter().map(|a| access(env, fun, a)).collect::<Vec<_>>().join(", ")
}

fn address(env: &Env, fun: FunId, source: AddressSource) -> String {
    let info = env.function(fun);
    let param =
        |i: u8| info.and_then(|f| f.param_names.get(usize::from(i))).cloned().unwrap_or_else(|| format!("arg{i}"));
    match source {
        AddressSource::Param(i) | AddressSource::SignerOf(i) => param(i),
        AddressSource::Const(a) => {
            let named = env.module(fun.module).and_then(|m| {
                m.constants
                    .iter()
                    .find(|c| c.ty == Ty::Address && c.value == ConstValue::Address(a))
                    .map(|c| c.name.clone())
            });
            named.unwrap_or_else(|| a.to_string())
        }
        AddressSource::Any => "*".to_string(),
    }
}
