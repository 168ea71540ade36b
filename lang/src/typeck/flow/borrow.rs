//! The borrow rules, as Move states them, over the live loans of
//! [`super::loans`]:
//!
//! - a local holding a value may not be moved or assigned while any live
//!   reference points into it, nor borrowed mutably while one overlaps the
//!   borrowed part; it may not be read or borrowed immutably while a live
//!   `&mut` points anywhere into it (the bytecode borrows the whole local to
//!   read a field);
//! - a reference may not be used to write (`*r = v`, `r.f = v`, mutating
//!   vector operations), be passed or returned as `&mut`, or be reborrowed
//!   mutably while another live reference overlaps what it points to, unless
//!   that other reference is one it derives from (a reborrow may be used
//!   while its source lives on); it may not be read, frozen or reborrowed
//!   immutably while an overlapping live `&mut` exists, with the same
//!   exception;
//! - global storage is borrowed per resource type: `borrow_global_mut<T>`
//!   and `move_from<T>` need no live reference into global `T`,
//!   `borrow_global<T>` no live `&mut` into it, and a call needs the same for
//!   every type its access set writes (no reference) or reads (no `&mut`).
//!
//! A reference is live while a local holding it will be read again (see
//! [`crate::typeck::liveness`]) or while it waits on the operand stack.

use super::loans::{Holder, Loan, Loans, Place};
use resin_format::file_format::AccessMode;

/// What an operation needs from the other live references.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// No live `&mut` may overlap (reads).
    Shared,
    /// No live reference may overlap (writes, moves, mutable borrows).
    Exclusive,
}

/// The first live loan that conflicts with using `targets` as `need`.
/// Loans `used` may ignore (see [`Loan::may_ignore`]), the holder `skip`
/// (the operand being used) and quiet loans do not count.
pub fn find_conflict<'a>(
    loans: &'a Loans,
    targets: &[Place],
    need: Need,
    used: Option<&Loan>,
    skip: Option<Holder>,
) -> Option<(Holder, &'a Loan, Place)> {
    loans.held().find_map(|(holder, loan)| {
        if loan.quiet || Some(holder) == skip || used.is_some_and(|u| u.may_ignore(loan)) {
            return None;
        }
        if need == Need::Shared && !loan.mutable {
            return None;
        }
        loan.overlaps(targets).map(|place| (holder, loan, place.clone()))
    })
}

/// What is done to a local that holds a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlaceOp {
    Move,
    Assign,
    Read,
    Borrow { mutable: bool },
}

impl PlaceOp {
    pub fn need(self) -> Need {
        match self {
            PlaceOp::Move | PlaceOp::Assign | PlaceOp::Borrow { mutable: true } => Need::Exclusive,
            PlaceOp::Read | PlaceOp::Borrow { mutable: false } => Need::Shared,
        }
    }
}

/// How a reference is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefUse {
    Write,
    Read,
    Freeze,
    Borrow { mutable: bool },
    Arg { mutable: bool },
    Return,
    VecWrite,
    VecRead,
}

impl RefUse {
    pub fn need(self) -> Need {
        match self {
            RefUse::Write
            | RefUse::Borrow { mutable: true }
            | RefUse::Arg { mutable: true }
            | RefUse::Return
            | RefUse::VecWrite => Need::Exclusive,
            RefUse::Read | RefUse::Freeze | RefUse::Borrow { mutable: false } | RefUse::Arg { mutable: false } => {
                Need::Shared
            }
            RefUse::VecRead => Need::Shared,
        }
    }
}

/// An operation on global storage of one resource type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GlobalOp {
    BorrowMut,
    Borrow,
    MoveFrom,
    /// `counter_add`: changes the counter in place.
    CounterAdd,
    /// A call whose access set touches the type in this (strongest) mode.
    Call {
        mode: AccessMode,
    },
}

impl GlobalOp {
    pub fn need(self) -> Need {
        match self {
            // An add changes the counter in place: like a write, it needs
            // no live reference into the type.
            GlobalOp::BorrowMut
            | GlobalOp::MoveFrom
            | GlobalOp::CounterAdd
            | GlobalOp::Call { mode: AccessMode::Write | AccessMode::Add } => Need::Exclusive,
            GlobalOp::Borrow | GlobalOp::Call { mode: AccessMode::Read } => Need::Shared,
        }
    }
}
