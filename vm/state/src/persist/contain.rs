//! redb's panics on a damaged file, turned into errors.
//!
//! redb reports most damage as errors, but some reads of a damaged page
//! reach an `unreachable!` instead (seen on opening a file with 4 KiB of
//! random bytes written into it: `tree_store/btree.rs`, "entered
//! unreachable code"). A damaged state file is bad input, not a bug in
//! resin, so every call into redb runs inside [`contain`]: a panic there
//! unwinds to it and becomes [`StoreError::Corrupt`]. The file is left as
//! it was: a read changes nothing, and a write transaction that unwinds is
//! dropped uncommitted, which redb rolls back.
//!
//! A program that installs a panic hook which reports and exits (as the
//! `resin` binary does) asks [`panic_is_contained`] first and returns at
//! once when it is, so that the panic unwinds to [`contain`].

use std::any::Any;
use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use super::StoreError;

thread_local! {
    /// How many [`contain`] calls this thread is inside.
    static DEPTH: Cell<u32> = const { Cell::new(0) };
}

/// Whether a panic on this thread now would unwind to [`contain`].
pub fn panic_is_contained() -> bool {
    DEPTH.with(|d| d.get() > 0)
}

/// A panic's message, when its payload is one (`panic!` with a literal or
/// with formatting makes a `&str` or a `String`).
pub fn panic_message(payload: &(dyn Any + Send)) -> Option<String> {
    payload.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| payload.downcast_ref::<String>().cloned())
}

/// Runs `f`, which reads or writes the state file at `path` through redb;
/// a panic inside it is reported as the file being damaged.
pub(super) fn contain<T>(path: &Path, f: impl FnOnce() -> Result<T, StoreError>) -> Result<T, StoreError> {
    DEPTH.with(|d| d.set(d.get() + 1));
    let result = catch_unwind(AssertUnwindSafe(f));
    DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    result.unwrap_or_else(|payload| {
        let cause = panic_message(&*payload).unwrap_or_else(|| "no message".into());
        // `unreachable!()`'s message starts so; it is redb's, not resin's.
        let cause = cause.strip_prefix("internal error: ").unwrap_or(&cause);
        Err(StoreError::Corrupt {
            path: path.to_path_buf(),
            what: format!("the database library stopped on an inconsistency (\"{cause}\")"),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_inside_is_a_damaged_file_and_only_inside_is_contained() {
        assert!(!panic_is_contained());
        let path = Path::new("chain.redb");
        let result: Result<(), StoreError> = contain(path, || {
            assert!(panic_is_contained());
            unreachable!()
        });
        match result {
            Err(StoreError::Corrupt { what, .. }) => {
                assert_eq!(what, "the database library stopped on an inconsistency (\"entered unreachable code\")")
            }
            other => panic!("{other:?}"),
        }
        assert!(!panic_is_contained());
        // Errors and values pass through.
        assert!(matches!(
            contain(path, || Err::<(), _>(StoreError::Empty { path: path.into() })),
            Err(StoreError::Empty { .. })
        ));
        assert_eq!(contain(path, || Ok(7)).ok(), Some(7));
    }

    #[test]
    fn a_panics_message_is_its_literal_or_its_formatted_text() {
        let literal = std::panic::catch_unwind(|| panic!("plain")).unwrap_err();
        let formatted = std::panic::catch_unwind(|| panic!("page {}", 7)).unwrap_err();
        let other = std::panic::catch_unwind(|| std::panic::panic_any(7u8)).unwrap_err();
        assert_eq!(panic_message(&*literal).as_deref(), Some("plain"));
        assert_eq!(panic_message(&*formatted).as_deref(), Some("page 7"));
        assert_eq!(panic_message(&*other), None);
    }
}
