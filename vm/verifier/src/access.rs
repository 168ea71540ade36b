//! Pass 9, access: the function's own access spec (on its handle) covers every
//! global access its code makes, directly or through the specs of the
//! functions it calls, with their parameters replaced by the provenance of the
//! call's arguments. The VM enforces the instantiated keys at run time; this
//! pass makes a spec that would abort honest executions a load-time error, and
//! lets the scheduler trust what a spec leaves out.
//!
//! Resource handles in every access spec of a module (its own and those
//! copied onto the handles of functions it calls) index this module's struct
//! handle table; two resources are the same when their handles name the same
//! module id and struct name.

use super::cfg::Cfg;
use super::error::{VerifyError, VerifyErrorKind};
use super::provenance::{self, Requirement};
use super::FunctionView;
use resin_format::file_format::{Access, AccessSpec, AddressSource, Module, ModuleId, StructHandleIdx};

pub(crate) fn verify(view: &FunctionView<'_>, cfg: &Cfg) -> Result<(), VerifyError> {
    let module = view.module;
    let declared = &view.handle.access.0;
    for requirement in provenance::requirements(view, cfg)? {
        if !declared.iter().any(|d| covers(module, d, &requirement.access)) {
            let kind = VerifyErrorKind::AccessNotCovered { access: describe(module, &requirement).into() };
            return Err(view.error(Some(requirement.offset), kind));
        }
    }
    Ok(())
}

/// The minimal spec covering everything the function needs (see
/// [`super::infer_access_spec`]).
pub(crate) fn infer(view: &FunctionView<'_>, cfg: &Cfg) -> Result<AccessSpec, VerifyError> {
    let module = view.module;
    let mut accesses: Vec<Access> = provenance::requirements(view, cfg)?.into_iter().map(|r| r.access).collect();
    accesses.sort();
    accesses.dedup();
    let minimal: Vec<Access> =
        accesses.iter().filter(|a| !accesses.iter().any(|b| b != *a && covers(module, b, a))).copied().collect();
    Ok(AccessSpec(minimal))
}

/// A resource's identity: the module that defines it and its name.
fn identity(module: &Module, resource: StructHandleIdx) -> Option<(&ModuleId, &str)> {
    let handle = module.struct_handle(resource)?;
    Some((module.module_handles.get(handle.module.index())?, handle.name.as_str()))
}

/// Whether `declared` allows `needed`: same resource, a mode at least as
/// strong, and the same address or `*`.
fn covers(module: &Module, declared: &Access, needed: &Access) -> bool {
    let same_resource = declared.resource == needed.resource
        || identity(module, declared.resource).is_some_and(|d| identity(module, needed.resource) == Some(d));
    same_resource
        && needed.mode.covered_by(declared.mode)
        && (declared.address == AddressSource::Any || declared.address == needed.address)
}

fn describe(module: &Module, requirement: &Requirement) -> String {
    let access = &requirement.access;
    let mode = match access.mode {
        resin_format::file_format::AccessMode::Read => "read",
        resin_format::file_format::AccessMode::Write => "write",
    };
    let resource = match identity(module, access.resource) {
        Some((id, name)) => format!("{id}::{name}"),
        None => format!("<struct #{}>", access.resource.0),
    };
    let address = match access.address {
        AddressSource::Param(i) => format!("param {i}"),
        AddressSource::SignerOf(i) => format!("signer of param {i}"),
        AddressSource::Const(a) => a.to_string(),
        AddressSource::Any => "*".to_string(),
    };
    let via = requirement.via.and_then(|f| module.function_handle(f)).map(|callee| {
        let owner = module.module_handles.get(callee.module.index()).map(ToString::to_string).unwrap_or_default();
        format!(" (via call to {owner}::{})", callee.name)
    });
    format!("{mode} {resource} @ {address}{}", via.unwrap_or_default())
}
