//! The static borrow check. A reference value remembers which locals (and
//! field paths inside them) it may point into: its *roots*. A local may not be
//! moved, assigned or borrowed mutably while a live reference points into an
//! overlapping path, nor read or borrowed while a live `&mut` does. A
//! reference is live while it sits on the operand stack (an earlier argument
//! of the same call) or while a reference local holding it is read later.
//!
//! "Read later" is judged on evaluation positions: a read after this point,
//! not in the `else` branch when we are in the `then` branch, or anywhere in
//! an enclosing loop the reference was bound outside of. That is
//! conservative for a read in a later sibling branch of an `if` without
//! overlap in time; such programs are rare and can be rewritten. What this
//! check does not catch (references into global storage) the VM's
//! path-based references still keep safe: a dangling use aborts.

use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::typeck::tir::LocalId;

/// A field path element meaning "some element of a vector".
pub const ELEMENT: u16 = u16::MAX;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Root {
    pub local: LocalId,
    pub path: Vec<u16>,
    pub mutable: bool,
}

/// What an operation does to a local place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlaceOp {
    Move,
    Assign,
    Read,
    Borrow { mutable: bool },
}

fn overlaps(a: &[u16], b: &[u16]) -> bool {
    a.iter().zip(b).all(|(x, y)| x == y)
}

/// Whether `op` on `path` conflicts with a live reference rooted at `root`.
pub fn conflicts(op: PlaceOp, path: &[u16], root: &Root) -> bool {
    if !overlaps(path, &root.path) {
        return false;
    }
    match op {
        PlaceOp::Move | PlaceOp::Assign | PlaceOp::Borrow { mutable: true } => true,
        PlaceOp::Read | PlaceOp::Borrow { mutable: false } => root.mutable,
    }
}

/// The live borrower that conflicts: a reference local (with where it was
/// bound) or a reference still on the stack.
pub enum Borrower {
    Local { name: String, span: Span },
    Pending,
}

pub fn conflict_diagnostic(op: PlaceOp, name: &str, span: Span, borrower: &Borrower, root: &Root) -> Diagnostic {
    let (code, message) = match op {
        PlaceOp::Move => (Code::MoveWhileBorrowed, format!("cannot move `{name}` while it is borrowed")),
        PlaceOp::Assign => (Code::MoveWhileBorrowed, format!("cannot assign to `{name}` while it is borrowed")),
        PlaceOp::Read => (Code::BorrowConflict, format!("cannot read `{name}` while it is mutably borrowed")),
        PlaceOp::Borrow { mutable: true } => {
            (Code::BorrowConflict, format!("cannot borrow `{name}` mutably while it is already borrowed"))
        }
        PlaceOp::Borrow { mutable: false } => {
            (Code::BorrowConflict, format!("cannot borrow `{name}` while it is mutably borrowed"))
        }
    };
    let kind = if root.mutable { "mutable" } else { "immutable" };
    let diag = Diagnostic::new(code, span, message);
    match borrower {
        Borrower::Local { name: r, span: r_span } => diag
            .with_label_message(format!("`{r}` is used later"))
            .with_secondary(*r_span, format!("{kind} reference `{r}` bound here")),
        Borrower::Pending => diag
            .with_label_message(format!("a {kind} reference to `{name}` is an earlier operand of the same operation"))
            .with_note("two references to overlapping places cannot be passed together when one is `&mut`"),
    }
}
