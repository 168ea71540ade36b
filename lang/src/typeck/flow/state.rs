//! The abstract state of the flow analysis: for each local, whether it
//! holds a value on every path, on no path, or only on some; and the live
//! references ([`Loans`]).

use super::loans::{Loan, Loans};
use crate::source::Span;

/// Why a local holds no value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    Moved(Span),
    Unassigned,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Avail {
    Available,
    Unavailable(Why),
    /// Available on some paths into this point only.
    Maybe(Why),
}

impl Avail {
    pub fn join(self, other: Avail) -> Avail {
        use Avail::*;
        match (self, other) {
            (a, b) if a == b => a,
            (Maybe(w), _) | (_, Maybe(w)) => Maybe(w),
            (Available, Unavailable(w)) | (Unavailable(w), Available) => Maybe(w),
            (Unavailable(w), Unavailable(_)) => Unavailable(w),
            (Available, Available) => Available,
        }
    }

    /// True when the local may still hold a value (it must be dropped or consumed).
    pub fn may_hold(self) -> bool {
        matches!(self, Avail::Available | Avail::Maybe(_))
    }
}

/// The state at one program point; `None` locals means unreachable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct State {
    pub locals: Option<Vec<Avail>>,
    pub loans: Loans,
}

impl State {
    pub fn entry(count: usize, params: usize) -> State {
        let locals = (0..count)
            .map(|i| if i < params { Avail::Available } else { Avail::Unavailable(Why::Unassigned) })
            .collect();
        State { locals: Some(locals), loans: Loans::default() }
    }

    pub fn unreachable() -> State {
        State { locals: None, loans: Loans::default() }
    }

    pub fn is_reachable(&self) -> bool {
        self.locals.is_some()
    }

    pub fn get(&self, index: usize) -> Avail {
        self.locals.as_ref().and_then(|l| l.get(index).copied()).unwrap_or(Avail::Available)
    }

    pub fn set(&mut self, index: usize, value: Avail) {
        if let Some(slot) = self.locals.as_mut().and_then(|l| l.get_mut(index)) {
            *slot = value;
        }
    }

    /// The join of two states (each made canonical first).
    pub fn join(&self, other: &State) -> State {
        self.join_with(&mut [], other, &mut [])
    }

    /// The join of two states together with the values their paths produce
    /// (`mine` with `self`, `theirs` with `other`); the joined values are left
    /// in `mine`.
    pub fn join_with(&self, mine: &mut [Option<Loan>], other: &State, theirs: &mut [Option<Loan>]) -> State {
        let mut a = self.clone();
        let mut b = other.clone();
        a.loans.canonicalize(mine);
        b.loans.canonicalize(theirs);
        match (&a.locals, &b.locals) {
            (None, _) => {
                mine.iter_mut().zip(theirs.iter()).for_each(|(m, t)| *m = t.clone());
                b
            }
            (_, None) => a,
            (Some(x), Some(y)) => {
                for (m, t) in mine.iter_mut().zip(theirs.iter()) {
                    *m = super::loans::join_opt(m.as_ref(), t.as_ref());
                }
                let locals = x.iter().zip(y).map(|(p, q)| p.join(*q)).collect();
                State { locals: Some(locals), loans: a.loans.join(&b.loans) }
            }
        }
    }

    /// This state, canonical.
    pub fn canonical(mut self) -> State {
        self.loans.canonicalize(&mut []);
        self
    }
}
