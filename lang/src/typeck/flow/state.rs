//! The abstract state of the linearity analysis: for each local, whether it
//! holds a value on every path, on no path, or only on some.

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
}

impl State {
    pub fn entry(count: usize, params: usize) -> State {
        let locals = (0..count)
            .map(|i| if i < params { Avail::Available } else { Avail::Unavailable(Why::Unassigned) })
            .collect();
        State { locals: Some(locals) }
    }

    pub fn unreachable() -> State {
        State { locals: None }
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

    pub fn join(&self, other: &State) -> State {
        match (&self.locals, &other.locals) {
            (None, _) => other.clone(),
            (_, None) => self.clone(),
            (Some(a), Some(b)) => State { locals: Some(a.iter().zip(b).map(|(x, y)| x.join(*y)).collect()) },
        }
    }
}
