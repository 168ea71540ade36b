//! The diagnostics of the reference check. Each shows both places: where
//! the conflicting reference was taken and where it is used again (or the
//! earlier operand that still holds it), with a hint.

use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use resin_format::file_format::AccessMode;

use super::borrow::{GlobalOp, PlaceOp, RefUse};

/// The live reference an operation conflicts with.
pub struct Other {
    /// The local holding it, when one does.
    pub name: Option<String>,
    pub mutable: bool,
    /// Where it was taken.
    pub taken: Span,
    /// Where it is used again: the local's next read, or the pending operand.
    pub again: Option<Span>,
    /// It waits on the stack as an earlier operand of the same operation.
    pub operand: bool,
    /// It is another value returned together with the one being checked.
    pub returned: bool,
    /// It was made from the reference being used (a copy, reborrow, freeze or call result).
    pub derived: bool,
    /// What it points into, in source terms (`` `x.f` ``, `` global `T` ``).
    pub place: String,
}

impl Other {
    fn kind(&self) -> &'static str {
        if self.mutable {
            "mutable"
        } else {
            "immutable"
        }
    }

    /// Adds the two places: where it was taken and where it is used again
    /// (for an earlier operand: where it waits).
    fn label(&self, diag: Diagnostic) -> Diagnostic {
        let taken = match (&self.name, self.operand) {
            (Some(name), _) if self.derived => format!("`{name}` is made from it here"),
            (None, _) if self.derived => "made from it here".to_string(),
            (Some(name), false) => format!("{} reference `{name}` taken here", self.kind()),
            (None, false) => format!("{} reference taken here", self.kind()),
            (_, true) => "that reference was taken here".to_string(),
        };
        match (self.again, self.operand) {
            (Some(again), true) if self.returned => {
                diag.with_secondary(again, format!("this returned reference also points into {}", self.place))
            }
            (Some(again), true) => {
                let waiting = match &self.name {
                    Some(name) => format!("earlier operand `{name}` still borrows {}", self.place),
                    None => format!("an earlier operand still borrows {}", self.place),
                };
                let diag = diag.with_secondary(again, waiting);
                if self.taken == again {
                    diag
                } else {
                    diag.with_secondary(self.taken, taken)
                }
            }
            (Some(again), false) => {
                let name = self.name.as_deref().unwrap_or("it");
                diag.with_secondary(self.taken, taken).with_secondary(again, format!("`{name}` is used again here"))
            }
            (None, _) => diag.with_secondary(self.taken, taken),
        }
    }

    fn who(&self) -> String {
        if self.returned {
            return "another returned reference".to_string();
        }
        match (&self.name, self.operand) {
            (Some(name), false) => format!("`{name}`"),
            (Some(name), true) => format!("`{name}`, an earlier operand,"),
            (None, true) => "an earlier operand".to_string(),
            (None, false) => format!("another {} reference", self.kind()),
        }
    }

    fn hint(&self) -> String {
        match &self.name {
                _ if self.returned => "return references to disjoint places".to_string(),
            Some(name) if !self.operand => format!(
                "a borrow lasts until the last use of the reference: use `{name}` for the last time before this point, or take it again afterwards"
            ),
            _ => "the operands of one operation are all live when it runs: pass references to disjoint places".to_string(),
        }
    }
}

/// An operation on a local that holds a value conflicts with a live reference.
pub fn local_conflict(op: PlaceOp, name: &str, span: Span, other: &Other) -> Diagnostic {
    let (code, message, label) = match op {
        PlaceOp::Move => (Code::MoveWhileBorrowed, format!("cannot move `{name}` while it is borrowed"), "moved here"),
        PlaceOp::Assign => {
            (Code::MoveWhileBorrowed, format!("cannot assign to `{name}` while it is borrowed"), "assigned here")
        }
        PlaceOp::Read => {
            (Code::BorrowConflict, format!("cannot read `{name}` while it is mutably borrowed"), "read here")
        }
        PlaceOp::Borrow { mutable: true } => (
            Code::BorrowConflict,
            format!("cannot borrow `{name}` mutably while it is already borrowed"),
            "borrowed mutably here",
        ),
        PlaceOp::Borrow { mutable: false } => {
            (Code::BorrowConflict, format!("cannot borrow `{name}` while it is mutably borrowed"), "borrowed here")
        }
    };
    let diag = Diagnostic::new(code, span, message).with_label_message(label);
    let diag = other.label(diag);
    let diag = if matches!(op, PlaceOp::Read | PlaceOp::Borrow { mutable: false }) && other.place != format!("`{name}`")
    {
        diag.with_note(format!(
            "{} points into {}; reading any part of `{name}` borrows all of it",
            other.who(),
            other.place
        ))
    } else {
        diag
    };
    diag.with_hint(other.hint())
}

fn action(use_: RefUse, subject: &str) -> String {
    match use_ {
        RefUse::Write => format!("write through {subject}"),
        RefUse::Read => format!("read through {subject}"),
        RefUse::Freeze => format!("use {subject} as `&`"),
        RefUse::Borrow { mutable: true } => format!("borrow mutably through {subject}"),
        RefUse::Borrow { mutable: false } => format!("borrow through {subject}"),
        RefUse::Arg { mutable: true } => format!("pass {subject} as a `&mut` argument"),
        RefUse::Arg { mutable: false } => format!("pass {subject} as a `&` argument"),
        RefUse::Return => format!("return {subject}"),
        RefUse::VecWrite => format!("modify the vector through {subject}"),
        RefUse::VecRead => format!("read the vector through {subject}"),
    }
}

/// Using a reference conflicts with another live reference.
pub fn ref_conflict(use_: RefUse, subject: &str, span: Span, other: &Other) -> Diagnostic {
    let same = other.operand && other.name.as_ref().is_some_and(|n| format!("`{n}`") == subject);
    let reason = if same {
        format!("{subject} is also passed as an earlier operand, and that copy is still live")
    } else if other.derived {
        format!("{} was made from it and is still live", other.who())
    } else if other.mutable && !other.operand {
        format!("{} also points into {} and may change it", other.who(), other.place)
    } else {
        format!("{} also points into {}", other.who(), other.place)
    };
    let diag = Diagnostic::new(Code::AliasedReference, span, format!("cannot {}: {reason}", action(use_, subject)))
        .with_label_message(match use_ {
            RefUse::Write | RefUse::VecWrite => "written here",
            RefUse::Read | RefUse::VecRead => "read here",
            RefUse::Freeze => "frozen here",
            RefUse::Borrow { .. } => "borrowed here",
            RefUse::Arg { .. } => "passed here",
            RefUse::Return => "returned here",
        });
    let diag = other.label(diag);
    let diag = if other.derived {
        diag.with_note(
            "a reference copied, reborrowed (`&mut *r`), frozen or returned by a call points where its source does: \
             the source cannot be used while it is live",
        )
    } else {
        diag.with_note("a `&mut` must be the only live reference to what it points to when it is used")
    };
    diag.with_hint(other.hint())
}

/// A global storage operation (or a call that accesses storage) conflicts
/// with a live reference into the same resource type.
pub fn global_conflict(op: GlobalOp, resource: &str, callee: Option<&str>, span: Span, other: &Other) -> Diagnostic {
    let message = match op {
        GlobalOp::BorrowMut => format!("cannot borrow global `{resource}` mutably while a reference into it is live"),
        GlobalOp::Borrow => format!("cannot borrow global `{resource}` while a mutable reference into it is live"),
        GlobalOp::MoveFrom => {
            format!("cannot move `{resource}` out of global storage while a reference into it is live")
        }
        GlobalOp::CounterAdd => format!("cannot add to counter `{resource}` while a reference into it is live"),
        GlobalOp::Call { mode } => format!(
            "cannot call `{}`, which {} global `{resource}`, while a {}reference into it is live",
            callee.unwrap_or("this function"),
            match mode {
                AccessMode::Read => "reads",
                AccessMode::Write => "writes",
                AccessMode::Add => "adds to",
            },
            if mode == AccessMode::Read { "mutable " } else { "" },
        ),
    };
    let label = match op {
        GlobalOp::Call { .. } => "called here",
        GlobalOp::MoveFrom => "moved out here",
        GlobalOp::CounterAdd => "added to here",
        _ => "borrowed here",
    };
    let diag = Diagnostic::new(Code::GlobalBorrowConflict, span, message).with_label_message(label);
    let diag = other.label(diag).with_note(
        "references into global storage are tracked per resource type: two addresses may name the same account",
    );
    diag.with_hint(match (&other.name, other.operand) {
        (Some(name), false) => format!(
            "use `{name}` for the last time before this point (copy the values you need into locals), and borrow again afterwards"
        ),
        (_, true) => format!(
            "a reference into global `{resource}` cannot be passed to a function that accesses `{resource}`: pass the values it needs, or let it borrow the resource itself"
        ),
        (None, false) => other.hint(),
    })
}

/// What a returned reference may not point into.
pub enum Escape {
    Local(String),
    Global(String),
    /// A reference a loop passes around too much to tell where it points.
    Unknown,
}

pub fn escape(what: &Escape, span: Span, taken: Span) -> Diagnostic {
    let (message, note) = match what {
        Escape::Local(name) => (
            format!("cannot return a reference to local `{name}`"),
            format!("`{name}` belongs to this call and is gone once it returns"),
        ),
        Escape::Global(resource) => (
            format!("cannot return a reference into global `{resource}`"),
            "the caller could keep it across a call that moves the resource out of storage".to_string(),
        ),
        Escape::Unknown => (
            "cannot tell where this returned reference points".to_string(),
            "a loop passes references from one local to another too many times to follow".to_string(),
        ),
    };
    let diag = Diagnostic::new(Code::ReferenceEscape, span, message).with_label_message("returned here");
    let diag = if taken == span { diag } else { diag.with_secondary(taken, "borrowed here") };
    diag.with_note(note)
        .with_hint("a function may return a reference derived from its reference parameters, or the value itself")
}
