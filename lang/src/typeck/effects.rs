//! Which global resource types each function may read or write, for the
//! borrow check at call sites: calling a function that writes `T` while a
//! reference into global `T` is live (or one that reads `T` while a `&mut`
//! into `T` is live) is a conflict, as Move's `acquires` rule.
//!
//! Access inference proper runs later, on the bytecode (it needs addresses,
//! which this does not). Here only the types and modes matter: a function's
//! written `acquires` clause, a dependency's access spec from its bytecode,
//! or, for a source function without a clause, the storage builtins in its
//! body plus what its callees touch. That is the same set for every function
//! of a recursive group, so it is computed once per strongly connected
//! component of the call graph, callees first, and shared (`Arc`).
//!
//! A set of more than [`MAX_ACCESSES`] resource types is not kept: it is
//! [`Summary::Over`]. Its function's bytecode spec needs an entry per resource
//! at least, so the function fails with E0505 whatever its callers do, and
//! its callers' sets contain it, so they are over too. Keeping such sets made
//! a ring of n functions, each touching its own resource, build n sets of n
//! entries: O(n²) time and memory for a module already in error. A call to a
//! function over the limit is checked against no access here (the error is
//! E0505 on the callee; the verifier's reference-safety pass still checks
//! whatever bytecode gets emitted).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use resin_format::file_format::AccessMode;
use resin_verifier::MAX_ACCESSES;

use crate::resolve::env::{Env, FunId, SemAccess, StructId};
use crate::resolve::graph;
use crate::resolve::scope::Builtin;

use super::tir::{TBlock, TExpKind, TModule};
use super::ty::Ty;

type Set = BTreeMap<StructId, AccessMode>;

/// One function's set: shared by its recursive group, or over the limit.
#[derive(Clone, Debug)]
enum Summary {
    Exact(Arc<Set>),
    Over,
}

/// The resource types (with the strongest mode) every function may touch.
#[derive(Debug, Default)]
pub struct Effects {
    of: HashMap<FunId, Summary>,
}

impl Effects {
    /// What calling `fun` may do to global storage, by resource type
    /// (nothing for a function whose set is over the limit: see the module
    /// documentation).
    pub fn of(&self, fun: FunId) -> impl Iterator<Item = (StructId, AccessMode)> + '_ {
        let set = match self.of.get(&fun) {
            Some(Summary::Exact(set)) => Some(set),
            Some(Summary::Over) | None => None,
        };
        set.into_iter().flat_map(|set| set.iter().map(|(s, m)| (*s, *m)))
    }
}

/// Adds an access; true when the set grew (a write covers a read and an
/// add; a read and an add of one type together need a write).
fn add(set: &mut Set, resource: StructId, mode: AccessMode) -> bool {
    match set.get_mut(&resource) {
        Some(existing) if mode.covered_by(*existing) => false,
        Some(existing) => {
            *existing = existing.join(mode);
            true
        }
        None => {
            set.insert(resource, mode);
            true
        }
    }
}

fn from_spec(accesses: impl Iterator<Item = SemAccess>) -> Set {
    let mut set = Set::new();
    for access in accesses {
        add(&mut set, access.resource, access.mode);
    }
    set
}

/// Summarizes every function of the typed modules and every function they call.
pub fn summarize(env: &Env, modules: &[Option<TModule>]) -> Effects {
    // Nodes: functions with a body or a written clause first, then the
    // callees that have neither (dependencies, with a fixed set). `own[i]`
    // is node i's set before its callees; `edges[i]` its callees.
    let mut funs: Vec<FunId> = Vec::new();
    let mut own: Vec<Set> = Vec::new();
    let mut calls: Vec<Vec<FunId>> = Vec::new();
    for fun in modules.iter().flatten().flat_map(|m| &m.functions) {
        funs.push(fun.id);
        let written = env.function(fun.id).and_then(|info| info.written_access.as_ref());
        if let Some(written) = written {
            own.push(from_spec(written.iter().map(|w| w.access.clone())));
            calls.push(Vec::new());
            continue;
        }
        let (set, callees) = own_effects(&fun.body);
        own.push(set);
        calls.push(callees);
    }
    let mut node: HashMap<FunId, usize> = funs.iter().enumerate().map(|(i, f)| (*f, i)).collect();
    let mut edges: Vec<Vec<usize>> = Vec::with_capacity(calls.len());
    for callees in &calls {
        let mut targets = Vec::with_capacity(callees.len());
        for callee in callees {
            let index = *node.entry(*callee).or_insert_with(|| {
                funs.push(*callee);
                let spec = env.function(*callee).and_then(|info| info.access.clone()).unwrap_or_default();
                own.push(from_spec(spec.iter().cloned()));
                funs.len() - 1
            });
            targets.push(index);
        }
        edges.push(targets);
    }
    edges.resize(funs.len(), Vec::new());
    // Callees first: each component's set is its members' own sets and the
    // (final) sets of the components it calls.
    let mut summary: Vec<Option<Summary>> = vec![None; funs.len()];
    for component in graph::sccs(&edges) {
        let mut set = Set::new();
        let mut over = false;
        'members: for &member in &component {
            let sets = own.get(member).into_iter().map(Some);
            let callee_sets = edges.get(member).into_iter().flatten().filter_map(|&c| match summary.get(c)? {
                Some(Summary::Exact(s)) => Some(Some(s.as_ref())),
                Some(Summary::Over) => Some(None),
                None => None, // in this component: its own set is added as a member
            });
            for callee in sets.chain(callee_sets) {
                let Some(callee) = callee else {
                    over = true;
                    break 'members;
                };
                for (resource, mode) in callee {
                    add(&mut set, *resource, *mode);
                }
                if set.len() > MAX_ACCESSES {
                    over = true;
                    break 'members;
                }
            }
        }
        let shared = if over { Summary::Over } else { Summary::Exact(Arc::new(set)) };
        for &member in &component {
            if let Some(slot) = summary.get_mut(member) {
                *slot = Some(shared.clone());
            }
        }
    }
    let of = funs.into_iter().zip(summary).filter_map(|(fun, s)| Some((fun, s?))).collect();
    Effects { of }
}

/// The storage builtins and the calls of one body: its own set and its
/// callees (deduplicated once at the end: a `contains` per call made a body
/// of n distinct calls O(n²)).
fn own_effects(body: &TBlock) -> (Set, Vec<FunId>) {
    let (mut set, mut calls) = (Set::new(), Vec::new());
    body.for_each_exp(&mut |exp| match &exp.kind {
        TExpKind::Builtin { builtin, arg_ty, .. } => {
            let mode = match builtin {
                Builtin::MoveTo
                | Builtin::MoveFrom
                | Builtin::BorrowGlobalMut
                | Builtin::MoveToKeyed
                | Builtin::MoveFromKeyed
                | Builtin::BorrowGlobalMutKeyed => Some(AccessMode::Write),
                Builtin::BorrowGlobal | Builtin::Exists | Builtin::BorrowGlobalKeyed | Builtin::ExistsKeyed => {
                    Some(AccessMode::Read)
                }
                Builtin::CounterAdd | Builtin::CounterAddKeyed => Some(AccessMode::Add),
                _ => None,
            };
            if let (Some(mode), Ty::Struct(resource, _)) = (mode, arg_ty) {
                add(&mut set, *resource, mode);
            }
        }
        TExpKind::Call { fun, .. } => calls.push(*fun),
        _ => {}
    });
    calls.sort_unstable();
    calls.dedup();
    (set, calls)
}
