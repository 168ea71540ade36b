//! The borrow state of the reference check: every live reference (a *loan*),
//! what it may point into, and which other live references it derives from.
//!
//! A reference lives in a local or waits on the operand stack (an earlier
//! operand of an operation still being evaluated); one being computed is
//! "in flight" and belongs to the expression that produced it. Each loan has
//! an id. Copying, reborrowing, freezing or passing a reference through a call
//! makes a new loan whose *ancestors* include the source: using the new one
//! while the source is live is fine (a reborrow), using the source while the
//! new one is live is not.
//!
//! Ids are fresh when a loan is made. Where control joins, both states are
//! first made canonical (a loan's id becomes the place that holds it, dead ids
//! leave the ancestor sets), so equal states compare equal and loops reach
//! their fixpoint.

use std::collections::{BTreeMap, HashMap};

use crate::resolve::env::StructId;
use crate::source::Span;
use crate::typeck::tir::LocalId;

/// A field path element meaning "some element of a vector".
pub const ELEMENT: u16 = u16::MAX;

/// What a chain of field and element steps starts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Root {
    /// A local of this function that holds a value.
    Local(LocalId),
    /// Whatever a reference parameter points to. The caller made sure two
    /// `&mut` parameters never overlap, so each parameter is its own root.
    Param(LocalId),
    /// Global storage of one resource type, at every address: Move's rule
    /// tracks global borrows per type, since two addresses may be equal.
    Global(StructId),
    /// Anywhere: what a loop's references are widened to when their places
    /// keep growing (see the flow analysis's loops).
    Any,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Place {
    pub root: Root,
    pub path: Vec<u16>,
}

impl Place {
    pub fn new(root: Root) -> Place {
        Place { root, path: Vec::new() }
    }

    /// Two places overlap when one contains the other.
    pub fn overlaps(&self, other: &Place) -> bool {
        if self.root == Root::Any || other.root == Root::Any {
            return true;
        }
        self.root == other.root && (self.contains(other) || other.contains(self))
    }

    /// Whether `self` is `other` or a prefix of it (same root assumed).
    fn contains(&self, other: &Place) -> bool {
        self.path.len() <= other.path.len() && self.path.iter().zip(&other.path).all(|(a, b)| a == b)
    }

    pub fn extended(&self, steps: &[u16]) -> Place {
        let mut path = self.path.clone();
        path.extend_from_slice(steps);
        Place { root: self.root, path }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LoanId {
    /// Canonical: held by this local.
    Local(u32),
    /// Canonical: the n-th pending operand.
    Operand(u32),
    /// Canonical: the n-th value of an expression whose branches are joined.
    Result(u32),
    Fresh(u32),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loan {
    pub id: LoanId,
    pub mutable: bool,
    /// Where it may point (sorted, no duplicates; several after a join or a call).
    pub places: Vec<Place>,
    /// The loans it derives from (sorted).
    pub ancestors: Vec<LoanId>,
    /// Other references returned by the same call (sorted): the callee's
    /// own check made them disjoint, so they, and what derives from them,
    /// never conflict with this one.
    pub siblings: Vec<LoanId>,
    /// Where the reference was taken.
    pub span: Span,
    /// A conflict involving it was already reported: further ones would
    /// only repeat that error, so it conflicts with nothing more.
    pub quiet: bool,
}

impl Loan {
    pub fn new(id: LoanId, mutable: bool, place: Place, span: Span) -> Loan {
        Loan { id, mutable, places: vec![place], ancestors: Vec::new(), siblings: Vec::new(), span, quiet: false }
    }

    /// A loan derived from `self` (a copy, a field, a freeze): it keeps
    /// `self` and `self`'s ancestors as ancestors.
    pub fn derive(&self, id: LoanId, mutable: bool, steps: &[u16], span: Span) -> Loan {
        let mut ancestors = self.ancestors.clone();
        insert_sorted(&mut ancestors, self.id);
        let places = normalized(self.places.iter().map(|p| p.extended(steps)).collect());
        Loan { id, mutable, places, ancestors, siblings: self.siblings.clone(), span, quiet: self.quiet }
    }

    pub fn derives_from(&self, id: LoanId) -> bool {
        self.ancestors.binary_search(&id).is_ok()
    }

    /// Whether using `self` may ignore the live loan `other`: it is what
    /// `self` derives from, or a disjoint sibling (or derived from one).
    pub fn may_ignore(&self, other: &Loan) -> bool {
        let sibling = |id: &LoanId| self.siblings.binary_search(id).is_ok();
        self.derives_from(other.id) || sibling(&other.id) || other.ancestors.iter().any(sibling)
    }

    pub fn overlaps(&self, targets: &[Place]) -> Option<&Place> {
        self.places.iter().find(|p| targets.iter().any(|t| t.overlaps(p)))
    }
}

pub fn insert_sorted(ids: &mut Vec<LoanId>, id: LoanId) {
    if let Err(at) = ids.binary_search(&id) {
        ids.insert(at, id);
    }
}

/// Sorted, without duplicates and without places another one contains (they
/// overlap nothing more), so a set of places stops growing once it covers
/// everything it can.
pub fn normalized(mut places: Vec<Place>) -> Vec<Place> {
    if places.iter().any(|p| p.root == Root::Any) {
        return vec![Place::new(Root::Any)];
    }
    places.sort();
    places.dedup();
    let all = places.clone();
    places.retain(|p| !all.iter().any(|q| q != p && q.root == p.root && q.contains(p)));
    places
}

/// Who holds a live loan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holder {
    Local(LocalId),
    Operand(usize),
}

/// Every live loan at one program point.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Loans {
    pub locals: BTreeMap<LocalId, Loan>,
    /// One entry per pending operand (`None` when it is not a reference).
    pub operands: Vec<Option<Loan>>,
}

impl Loans {
    pub fn get_mut(&mut self, holder: Holder) -> Option<&mut Loan> {
        match holder {
            Holder::Local(local) => self.locals.get_mut(&local),
            Holder::Operand(k) => self.operands.get_mut(k).and_then(Option::as_mut),
        }
    }

    /// Every held reference may point anywhere and derives from nothing:
    /// the top of the lattice, as far as places and derivations go.
    pub fn widen(&mut self) {
        let widen = |loan: &mut Loan| {
            loan.places = vec![Place::new(Root::Any)];
            loan.ancestors.clear();
            loan.siblings.clear();
        };
        self.locals.values_mut().for_each(widen);
        self.operands.iter_mut().flatten().for_each(widen);
    }

    pub fn held(&self) -> impl Iterator<Item = (Holder, &Loan)> {
        let locals = self.locals.iter().map(|(l, loan)| (Holder::Local(*l), loan));
        let operands = self.operands.iter().enumerate().filter_map(|(k, o)| Some((Holder::Operand(k), o.as_ref()?)));
        locals.chain(operands)
    }

    /// Renames every held loan (and `results`) after its holder and drops
    /// ancestors that are no longer held.
    pub fn canonicalize(&mut self, results: &mut [Option<Loan>]) {
        let mut map = HashMap::new();
        for (local, loan) in &self.locals {
            map.insert(loan.id, LoanId::Local(local.0));
        }
        for (k, loan) in self.operands.iter().enumerate() {
            if let Some(loan) = loan {
                map.insert(loan.id, LoanId::Operand(k as u32));
            }
        }
        for (j, loan) in results.iter().enumerate() {
            if let Some(loan) = loan {
                map.insert(loan.id, LoanId::Result(j as u32));
            }
        }
        let renamed = |ids: &[LoanId]| {
            let mut ids: Vec<LoanId> = ids.iter().filter_map(|a| map.get(a).copied()).collect();
            ids.sort();
            ids.dedup();
            ids
        };
        let rename = |loan: &mut Loan| {
            loan.id = map.get(&loan.id).copied().unwrap_or(loan.id);
            loan.ancestors = renamed(&loan.ancestors);
            loan.siblings = renamed(&loan.siblings);
        };
        self.locals.values_mut().for_each(rename);
        self.operands.iter_mut().flatten().for_each(rename);
        results.iter_mut().flatten().for_each(rename);
    }

    /// The join of two canonical states: a loan held on either side is held
    /// (pointing anywhere it may on either side, derived only from what it is
    /// derived from on both).
    pub fn join(&self, other: &Loans) -> Loans {
        let mut locals = self.locals.clone();
        for (local, loan) in &other.locals {
            let joined = match locals.get(local) {
                Some(mine) => join_loan(mine, loan),
                None => loan.clone(),
            };
            locals.insert(*local, joined);
        }
        let len = self.operands.len().max(other.operands.len());
        let operands = (0..len)
            .map(|k| {
                join_opt(self.operands.get(k).and_then(Option::as_ref), other.operands.get(k).and_then(Option::as_ref))
            })
            .collect();
        Loans { locals, operands }
    }
}

pub fn join_opt(a: Option<&Loan>, b: Option<&Loan>) -> Option<Loan> {
    match (a, b) {
        (Some(a), Some(b)) => Some(join_loan(a, b)),
        (Some(x), None) | (None, Some(x)) => Some(x.clone()),
        (None, None) => None,
    }
}

fn join_loan(a: &Loan, b: &Loan) -> Loan {
    let mut places = a.places.clone();
    places.extend(b.places.iter().cloned());
    let ancestors = a.ancestors.iter().copied().filter(|x| b.derives_from(*x)).collect();
    let siblings = a.siblings.iter().copied().filter(|x| b.siblings.binary_search(x).is_ok()).collect();
    Loan {
        id: a.id,
        mutable: a.mutable || b.mutable,
        places: normalized(places),
        ancestors,
        siblings,
        span: a.span,
        quiet: a.quiet || b.quiet,
    }
}

#[cfg(test)]
#[path = "loans_tests.rs"]
mod tests;
