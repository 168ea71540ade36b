//! Which global resource types each function may read or write, for the
//! borrow check at call sites: calling a function that writes `T` while a
//! reference into global `T` is live (or one that reads `T` while a `&mut`
//! into `T` is live) is a conflict, as Move's `acquires` rule.
//!
//! Access inference proper runs later, on the bytecode (it needs addresses,
//! which this does not). Here only the types and modes matter: a function's
//! written `acquires` clause, a dependency's access spec from its bytecode,
//! or, for a source function without a clause, the storage builtins in its
//! body plus what its callees touch, propagated over the call graph (each
//! function's set only grows, so a worklist reaches the fixpoint in time
//! proportional to the call edges times the resource types).

use std::collections::{BTreeMap, HashMap};

use resin_format::file_format::AccessMode;

use crate::resolve::env::{Env, FunId, SemAccess, StructId};
use crate::resolve::scope::Builtin;

use super::tir::{TBlock, TExp, TExpKind, TLValue, TModule, TStmt};
use super::ty::Ty;

type Set = BTreeMap<StructId, AccessMode>;

/// The resource types (with the strongest mode) every function may touch.
#[derive(Debug, Default)]
pub struct Effects {
    of: HashMap<FunId, Set>,
}

impl Effects {
    /// What calling `fun` may do to global storage, by resource type.
    pub fn of(&self, fun: FunId) -> impl Iterator<Item = (StructId, AccessMode)> + '_ {
        self.of.get(&fun).into_iter().flat_map(|set| set.iter().map(|(s, m)| (*s, *m)))
    }
}

/// Adds an access; true when the set grew (a write covers a read).
fn add(set: &mut Set, resource: StructId, mode: AccessMode) -> bool {
    match set.get_mut(&resource) {
        Some(existing) if *existing == AccessMode::Write || *existing == mode => false,
        Some(existing) => {
            *existing = AccessMode::Write;
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
    let mut effects = Effects::default();
    // Functions whose set comes from their body, and who calls them.
    let mut callers: HashMap<FunId, Vec<FunId>> = HashMap::new();
    for fun in modules.iter().flatten().flat_map(|m| &m.functions) {
        let written = env.function(fun.id).and_then(|info| info.written_access.as_ref());
        if let Some(written) = written {
            effects.of.insert(fun.id, from_spec(written.iter().map(|w| w.access)));
            continue;
        }
        let mut walk = Walk { set: Set::new(), calls: Vec::new() };
        walk.block(&fun.body);
        for callee in &walk.calls {
            callers.entry(*callee).or_default().push(fun.id);
        }
        effects.of.insert(fun.id, walk.set);
    }
    // Callees with a fixed set that no body defines: dependencies.
    for callee in callers.keys() {
        if !effects.of.contains_key(callee) {
            let spec = env.function(*callee).and_then(|info| info.access.clone()).unwrap_or_default();
            effects.of.insert(*callee, from_spec(spec.iter().cloned()));
        }
    }
    // Propagate callee sets to callers until nothing grows.
    let mut work: Vec<FunId> = callers.keys().copied().collect();
    while let Some(callee) = work.pop() {
        let Some(set) = effects.of.get(&callee).cloned() else { continue };
        for caller in callers.get(&callee).into_iter().flatten() {
            let Some(target) = effects.of.get_mut(caller) else { continue };
            let mut grew = false;
            for (resource, mode) in &set {
                grew |= add(target, *resource, *mode);
            }
            if grew && callers.contains_key(caller) {
                work.push(*caller);
            }
        }
    }
    effects
}

/// Collects the storage builtins and the calls of one body.
struct Walk {
    set: Set,
    calls: Vec<FunId>,
}

impl Walk {
    fn block(&mut self, block: &TBlock) {
        for stmt in &block.stmts {
            match stmt {
                TStmt::Let { init: Some(e), .. } | TStmt::Expr(e) => self.exp(e),
                TStmt::Let { init: None, .. } => {}
            }
        }
        if let Some(tail) = &block.tail {
            self.exp(tail);
        }
    }

    fn exp(&mut self, exp: &TExp) {
        match &exp.kind {
            TExpKind::Builtin { builtin, arg_ty, args } => {
                let mode = match builtin {
                    Builtin::MoveTo | Builtin::MoveFrom | Builtin::BorrowGlobalMut => Some(AccessMode::Write),
                    Builtin::BorrowGlobal | Builtin::Exists => Some(AccessMode::Read),
                    _ => None,
                };
                if let (Some(mode), Ty::Struct(resource)) = (mode, arg_ty) {
                    add(&mut self.set, *resource, mode);
                }
                args.iter().for_each(|a| self.exp(a));
            }
            TExpKind::Call { fun, args } => {
                if !self.calls.contains(fun) {
                    self.calls.push(*fun);
                }
                args.iter().for_each(|a| self.exp(a));
            }
            TExpKind::Unit
            | TExpKind::Value(_)
            | TExpKind::Constant(_)
            | TExpKind::Copy(_)
            | TExpKind::Move(_)
            | TExpKind::BorrowLocal { .. }
            | TExpKind::Break
            | TExpKind::Continue => {}
            TExpKind::BorrowField { base: inner, .. }
            | TExpKind::ReadRef(inner)
            | TExpKind::Freeze(inner)
            | TExpKind::Not(inner)
            | TExpKind::Cast { expr: inner, .. }
            | TExpKind::Return(inner)
            | TExpKind::Abort(inner) => self.exp(inner),
            TExpKind::Vector { elems: items, .. } | TExpKind::Tuple(items) => items.iter().for_each(|e| self.exp(e)),
            TExpKind::Pack { fields, .. } => fields.iter().for_each(|(_, e)| self.exp(e)),
            TExpKind::Binary { lhs, rhs, .. } => {
                self.exp(lhs);
                self.exp(rhs);
            }
            TExpKind::Block(block) => self.block(block),
            TExpKind::If { cond, then_branch, else_branch } => {
                self.exp(cond);
                self.exp(then_branch);
                if let Some(e) = else_branch {
                    self.exp(e);
                }
            }
            TExpKind::While { cond, body } => {
                self.exp(cond);
                self.block(body);
            }
            TExpKind::Loop { body } => self.block(body),
            TExpKind::Assign { target, value } => {
                self.exp(value);
                if let TLValue::Ref(r) = target {
                    self.exp(r);
                }
            }
        }
    }
}
