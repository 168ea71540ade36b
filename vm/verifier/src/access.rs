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
use std::collections::{HashMap, HashSet};

use resin_format::file_format::{Access, AccessMode, AccessSpec, AddressSource, Module, ModuleId, StructHandleIdx};

pub(crate) fn verify(view: &FunctionView<'_>, cfg: &Cfg) -> Result<(), VerifyError> {
    let module = view.module;
    let mut declared = Declared::new(module, &view.handle.access.0);
    for requirement in provenance::requirements(view, cfg)? {
        if !declared.covers(&requirement.access) {
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
    Ok(AccessSpec(minimal(module, &accesses)))
}

/// The accesses no other one covers, in order. Equivalent to keeping each `a`
/// with no `b != a` such that `covers(b, a)`, but with a hash lookup of the few
/// accesses that could cover `a` instead of a scan of all of them, so a set of
/// n accesses costs O(n), not O(n²) (recursive groups re-infer large sets).
fn minimal(module: &Module, accesses: &[Access]) -> Vec<Access> {
    let mut resources = Resources::new(module);
    let ids: Vec<u32> = accesses.iter().map(|a| resources.id(a.resource)).collect();
    let mut count: HashMap<(u32, AccessMode, AddressSource), usize> = HashMap::new();
    for (a, &id) in accesses.iter().zip(&ids) {
        *count.entry((id, a.mode, a.address)).or_default() += 1;
    }
    let present = |id: u32, mode: AccessMode, address: AddressSource, at_least: usize| {
        count.get(&(id, mode, address)).is_some_and(|&n| n >= at_least)
    };
    let covered = |a: &Access, id: u32| {
        // Another handle of the same resource, same mode and address.
        present(id, a.mode, a.address, 2)
            // A write of the same key covers a read.
            || (a.mode == AccessMode::Read && present(id, AccessMode::Write, a.address, 1))
            // `*` covers every other address, with a mode at least as strong.
            || (a.address != AddressSource::Any
                && (present(id, AccessMode::Write, AddressSource::Any, 1)
                    || (a.mode == AccessMode::Read && present(id, AccessMode::Read, AddressSource::Any, 1))))
    };
    accesses.iter().zip(&ids).filter(|&(a, &id)| !covered(a, id)).map(|(a, _)| *a).collect()
}

/// A declared spec indexed by resource, mode and address: whether it covers
/// an access is four lookups (same address or `*`, read or write), where a
/// scan would make checking n requirements against n entries O(n²).
struct Declared<'m> {
    resources: Resources<'m>,
    keys: HashSet<(u32, AccessMode, AddressSource)>,
}

impl<'m> Declared<'m> {
    fn new(module: &'m Module, declared: &[Access]) -> Self {
        let mut resources = Resources::new(module);
        let keys = declared.iter().map(|d| (resources.id(d.resource), d.mode, d.address)).collect();
        Declared { resources, keys }
    }

    /// Same as `declared.iter().any(|d| covers(module, d, needed))`.
    fn covers(&mut self, needed: &Access) -> bool {
        let id = self.resources.id(needed.resource);
        let modes: &[AccessMode] = match needed.mode {
            AccessMode::Read => &[AccessMode::Read, AccessMode::Write],
            AccessMode::Write => &[AccessMode::Write],
        };
        modes.iter().any(|&mode| {
            self.keys.contains(&(id, mode, needed.address)) || self.keys.contains(&(id, mode, AddressSource::Any))
        })
    }
}

/// Resources as [`covers`] compares them, numbered: each handle's identity
/// (module id and name) is hashed once, then compared as a number.
struct Resources<'m> {
    module: &'m Module,
    by_identity: HashMap<Resource<'m>, u32>,
    by_handle: HashMap<StructHandleIdx, u32>,
}

impl<'m> Resources<'m> {
    fn new(module: &'m Module) -> Self {
        Resources { module, by_identity: HashMap::new(), by_handle: HashMap::new() }
    }

    fn id(&mut self, handle: StructHandleIdx) -> u32 {
        if let Some(&id) = self.by_handle.get(&handle) {
            return id;
        }
        let next = u32::try_from(self.by_identity.len()).unwrap_or(u32::MAX);
        let id = *self.by_identity.entry(Resource::of(self.module, handle)).or_insert(next);
        self.by_handle.insert(handle, id);
        id
    }
}

/// What [`covers`] compares resources by: their identity, or the handle
/// index when the handle is out of bounds (so it equals only itself).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Resource<'m> {
    Named(&'m ModuleId, &'m str),
    Handle(StructHandleIdx),
}

impl<'m> Resource<'m> {
    fn of(module: &'m Module, handle: StructHandleIdx) -> Self {
        identity(module, handle).map_or(Resource::Handle(handle), |(id, name)| Resource::Named(id, name))
    }
}

/// A resource's identity: the module that defines it and its name.
fn identity(module: &Module, resource: StructHandleIdx) -> Option<(&ModuleId, &str)> {
    let handle = module.struct_handle(resource)?;
    Some((module.module_handles.get(handle.module.index())?, handle.name.as_str()))
}

/// Whether `declared` allows `needed`: same resource, a mode at least as
/// strong, and the same address or `*`. The definition that [`minimal`] and
/// [`Declared`] implement with lookups (their tests compare them with it).
#[cfg(test)]
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use resin_format::file_format::{Abilities, ModuleHandleIdx, StructHandle};

    /// Handles 0 and 1 name the same resource; 2 another; 9 is out of bounds.
    fn module() -> Module {
        let handle =
            |name: &str| StructHandle { module: ModuleHandleIdx(0), name: name.into(), abilities: Abilities::EMPTY };
        Module {
            module_handles: vec![ModuleId::new(Default::default(), "m")],
            struct_handles: vec![handle("R"), handle("R"), handle("S")],
            function_handles: Vec::new(),
            signatures: Vec::new(),
            constants: Vec::new(),
            structs: Vec::new(),
            functions: Vec::new(),
        }
    }

    fn access() -> impl Strategy<Value = Access> {
        let mode = prop_oneof![Just(AccessMode::Read), Just(AccessMode::Write)];
        let resource = prop_oneof![Just(0u16), Just(1), Just(2), Just(9)].prop_map(StructHandleIdx);
        let address = prop_oneof![
            Just(AddressSource::Any),
            (0u8..2).prop_map(AddressSource::Param),
            Just(AddressSource::SignerOf(0))
        ];
        (mode, resource, address).prop_map(|(mode, resource, address)| Access { mode, resource, address })
    }

    proptest! {
        /// The hashed filter keeps exactly what the definition keeps.
        #[test]
        fn minimal_is_the_quadratic_definition(mut accesses in proptest::collection::vec(access(), 0..24)) {
            let module = module();
            accesses.sort();
            accesses.dedup();
            let naive: Vec<Access> = accesses
                .iter()
                .filter(|a| !accesses.iter().any(|b| b != *a && covers(&module, b, a)))
                .copied()
                .collect();
            prop_assert_eq!(minimal(&module, &accesses), naive);
        }

        /// The indexed check answers exactly as a scan of the declared spec.
        #[test]
        fn declared_covers_as_the_scan_does(
            declared in proptest::collection::vec(access(), 0..12),
            needed in proptest::collection::vec(access(), 0..12),
        ) {
            let module = module();
            let mut indexed = Declared::new(&module, &declared);
            for n in &needed {
                prop_assert_eq!(indexed.covers(n), declared.iter().any(|d| covers(&module, d, n)));
            }
        }
    }
}
