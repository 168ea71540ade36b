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
//!
//! A resource is keyed with its type arguments: a declared `Balance<T0>`
//! covers a needed `Balance<T0>`, never `Balance<u64>` or `Balance<T1>`
//! (type arguments compare as written: bounds makes struct handles unique,
//! so equal types are equal trees). No declaration covers every
//! instantiation of a generic resource at once: bounds makes every access
//! name one type argument per type parameter of its resource, so a function touching `Balance<T>` for a
//! caller-chosen `T` declares it in terms of its own type parameters, and
//! each call instantiates the spec (the scheduler sees concrete keys).

use super::cfg::Cfg;
use super::error::{VerifyError, VerifyErrorKind};
use super::provenance::{self, Requirement};
use super::FunctionView;
use resin_format::file_format::{
    Access, AccessMode, AccessSpec, AddressSource, IndexSource, Module, ModuleId, StructHandleIdx, Type,
};

pub(crate) fn verify(view: &FunctionView<'_>, cfg: &Cfg) -> Result<(), VerifyError> {
    let module = view.module;
    let requirements = provenance::requirements(view, cfg)?;
    let needed: Vec<Access> = requirements.iter().map(|r| r.access.clone()).collect();
    let declared = Declared::new(module, &view.handle.access.0, &needed);
    for requirement in requirements {
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
    // Unstable is the same order here (equal accesses are identical) and
    // needs no scratch buffer: this runs for every inference of a recursive group.
    accesses.sort_unstable();
    accesses.dedup();
    Ok(AccessSpec(minimal(module, &accesses)))
}

/// The accesses no other one covers, in order. Equivalent to keeping each `a`
/// with no `b != a` such that `covers(b, a)`, but decided with lookups in
/// the accesses sorted by key instead of comparing every pair: O(n log n),
/// not O(n²) (recursive groups re-infer large sets). An access can only be
/// covered by one of at most eight keys: its mode or `write`, its address or
/// `*`, its index or `[*]`.
fn minimal(module: &Module, accesses: &[Access]) -> Vec<Access> {
    let resources = Resources::new(module, accesses.iter().map(|a| a.resource));
    let mut keys: Vec<(Key<'_>, usize)> = accesses.iter().enumerate().map(|(i, a)| (key(&resources, a), i)).collect();
    keys.sort_unstable();
    let covered_by_other = |i: usize, access: &Access| {
        coverers(&key(&resources, access)).any(|candidate| {
            let from = keys.partition_point(|(k, _)| *k < candidate);
            keys.get(from..).unwrap_or_default().iter().take_while(|(k, _)| *k == candidate).any(|&(_, j)| j != i)
        })
    };
    accesses.iter().enumerate().filter(|&(i, a)| !covered_by_other(i, a)).map(|(_, a)| a.clone()).collect()
}

/// An access with its resource numbered by [`Resources`] and its type
/// arguments, then its mode, address and index.
type Key<'a> = ((u32, &'a [Type]), AccessMode, AddressSource, Option<&'a IndexSource>);

fn key<'a>(resources: &Resources, access: &'a Access) -> Key<'a> {
    ((resources.id(access.resource), access.type_args.as_slice()), access.mode, access.address, access.index.as_ref())
}

/// `[*]`, for the keys of the accesses that cover any index.
static ANY_INDEX: IndexSource = IndexSource::Any;

/// The keys of the accesses that cover one with key `needed` (itself
/// included): the same resource, a mode covering its mode, its address or
/// `*`, and its index or `[*]` (a keyed access is covered only by keyed
/// ones, a plain one only by plain ones: they are different state keys).
fn coverers<'a>(needed: &Key<'a>) -> impl Iterator<Item = Key<'a>> {
    let &(resource, mode, address, index) = needed;
    let modes = [mode, AccessMode::Write];
    let addresses = [address, AddressSource::Any];
    let indexes = [index, index.map(|_| &ANY_INDEX)];
    modes.into_iter().enumerate().flat_map(move |(m, mode)| {
        addresses.into_iter().enumerate().flat_map(move |(a, address)| {
            indexes.into_iter().enumerate().filter_map(move |(i, index)| {
                // Skip the repeats when a dimension's two choices are equal.
                let repeat = (m == 1 && mode == modes[0])
                    || (a == 1 && address == addresses[0])
                    || (i == 1 && index == indexes[0]);
                (!repeat).then_some((resource, mode, address, index))
            })
        })
    })
}

/// A declared spec as a sorted table: whether it covers an access is at
/// most eight binary searches ([`coverers`]), where a scan would make
/// checking n requirements against n entries O(n²).
struct Declared<'a> {
    resources: Resources,
    keys: Vec<Key<'a>>,
}

impl<'a> Declared<'a> {
    fn new(module: &Module, declared: &'a [Access], needed: &[Access]) -> Self {
        let handles = declared.iter().chain(needed).map(|a| a.resource);
        let resources = Resources::new(module, handles);
        let mut keys: Vec<Key<'a>> = declared.iter().map(|d| key(&resources, d)).collect();
        keys.sort_unstable();
        Declared { resources, keys }
    }

    /// Same as `declared.iter().any(|d| covers(module, d, needed))`, for a
    /// `needed` among those given to [`Declared::new`].
    fn covers(&self, needed: &Access) -> bool {
        coverers(&key(&self.resources, needed)).any(|k| self.keys.binary_search(&k).is_ok())
    }
}

/// Resources as [`covers`] compares them, numbered: handles naming the same
/// module and struct get the same number. Built by sorting, not hashing, so
/// hostile names cannot force collisions.
struct Resources {
    /// Distinct handles, by index, with their numbers.
    ids: Vec<(StructHandleIdx, u32)>,
}

impl Resources {
    fn new(module: &Module, handles: impl Iterator<Item = StructHandleIdx>) -> Self {
        let mut distinct: Vec<StructHandleIdx> = handles.collect();
        distinct.sort_unstable();
        distinct.dedup();
        let mut by_identity: Vec<(Resource<'_>, StructHandleIdx)> =
            distinct.iter().map(|&h| (Resource::of(module, h), h)).collect();
        by_identity.sort_unstable();
        let mut ids = Vec::with_capacity(by_identity.len());
        let mut number = 0u32;
        for (i, (resource, handle)) in by_identity.iter().enumerate() {
            if i > 0 && by_identity[i - 1].0 != *resource {
                number += 1;
            }
            ids.push((*handle, number));
        }
        ids.sort_unstable();
        Resources { ids }
    }

    /// The number of `handle` (one of those given to [`Resources::new`]).
    fn id(&self, handle: StructHandleIdx) -> u32 {
        match self.ids.binary_search_by_key(&handle, |&(h, _)| h) {
            Ok(i) => self.ids.get(i).map_or(u32::MAX, |&(_, id)| id),
            Err(_) => u32::MAX,
        }
    }
}

/// What [`covers`] compares resources by: their identity, or the handle
/// index when the handle is out of bounds (so it equals only itself).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
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
        && declared.type_args == needed.type_args
        && needed.mode.covered_by(declared.mode)
        && (declared.address == AddressSource::Any || declared.address == needed.address)
        && IndexSource::covers(declared.index.as_ref(), needed.index.as_ref())
}

fn describe(module: &Module, requirement: &Requirement) -> String {
    let access = &requirement.access;
    let mode = match access.mode {
        AccessMode::Read => "read",
        AccessMode::Write => "write",
        AccessMode::Add => "add",
    };
    let resource = match identity(module, access.resource) {
        Some((id, name)) if access.type_args.is_empty() => format!("{id}::{name}"),
        Some((id, name)) => {
            let args: Vec<String> = access.type_args.iter().map(|t| super::ty::display(module, t)).collect();
            format!("{id}::{name}<{}>", args.join(", "))
        }
        None => format!("<struct #{}>", access.resource.0),
    };
    let address = match access.address {
        AddressSource::Param(i) => format!("param {i}"),
        AddressSource::SignerOf(i) => format!("signer of param {i}"),
        AddressSource::Const(a) => a.to_string(),
        AddressSource::Any => "*".to_string(),
        AddressSource::Object(object) => {
            let owner = module.module_handles.get(object.module.index()).map(ToString::to_string).unwrap_or_default();
            let (creator, seed) = object.words(&|i| format!("param {i}"), &|i| format!("signer of param {i}"));
            format!("object of {owner} ({creator}, {seed})")
        }
    };
    let via = requirement.via.and_then(|f| module.function_handle(f)).map(|callee| {
        let owner = module.module_handles.get(callee.module.index()).map(ToString::to_string).unwrap_or_default();
        format!(" (via call to {owner}::{})", callee.name)
    });
    let index = access
        .index
        .as_ref()
        .map(|index| format!(" [{}]", index.words(&|i| format!("param {i}"), &|i| format!("signer of param {i}"))));
    let index = index.unwrap_or_default();
    format!("{mode} {resource} @ {address}{index}{}", via.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use resin_format::file_format::{Abilities, IndexConst, ModuleHandleIdx, StructHandle};

    /// Handles 0 and 1 name the same resource; 2 another; 9 is out of bounds.
    fn module() -> Module {
        let handle = |name: &str| StructHandle {
            type_params: Vec::new(),
            module: ModuleHandleIdx(0),
            name: name.into(),
            abilities: Abilities::EMPTY,
        };
        Module {
            module_handles: vec![ModuleId::new(Default::default(), "m")],
            struct_handles: vec![handle("R"), handle("R"), handle("S")],
            ..Module::default()
        }
    }

    fn access() -> impl Strategy<Value = Access> {
        let mode = prop_oneof![Just(AccessMode::Read), Just(AccessMode::Write), Just(AccessMode::Add)];
        let resource = prop_oneof![Just(0u16), Just(1), Just(2), Just(9)].prop_map(StructHandleIdx);
        let address = prop_oneof![
            Just(AddressSource::Any),
            (0u8..2).prop_map(AddressSource::Param),
            Just(AddressSource::SignerOf(0))
        ];
        // Type arguments from a small set, so equal and different ones both occur.
        let type_args = prop_oneof![Just(vec![]), Just(vec![Type::U64]), Just(vec![Type::TypeParam(0)])];
        let index = prop_oneof![
            Just(None),
            Just(Some(IndexSource::Any)),
            (0u8..2).prop_map(|i| Some(IndexSource::Param(i))),
            Just(Some(IndexSource::SignerOf(0))),
            // Equal and different values, and one value of two types.
            prop_oneof![Just(IndexConst::U64(3)), Just(IndexConst::U64(4)), Just(IndexConst::U8(3))]
                .prop_map(|c| Some(IndexSource::Const(c))),
        ];
        (mode, resource, address, type_args, index).prop_map(|(mode, resource, address, type_args, index)| Access {
            type_args,
            mode,
            resource,
            address,
            index,
        })
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
                .cloned()
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
            let indexed = Declared::new(&module, &declared, &needed);
            for n in &needed {
                prop_assert_eq!(indexed.covers(n), declared.iter().any(|d| covers(&module, d, n)));
            }
        }
    }
}
