//! The limits of the `resin` command itself: how much it reads, and the
//! counts a script may ask for. The VM's and the format's limits are
//! documented with these in docs/LIMITS.md.

/// Bytes of a script or a Resin source file (and of one REPL input that
/// spans lines).
pub const MAX_SOURCE_SIZE: usize = 8 * 1024 * 1024;
/// Transactions one `transfers` command generates.
pub const MAX_TRANSFERS: u64 = 1_000_000;
/// Accounts one `transfers` command moves coins between.
pub const MAX_TRANSFER_ACCOUNTS: u64 = 1_000_000;
/// Vector literals nested in one argument (`[[[1]]]` is 3): within the VM's
/// value depth, with room for the elements.
pub const MAX_LITERAL_NESTING: usize = 32;
/// Lines one REPL input may span (an open `module {` or `block {` keeps
/// reading): past it the input is run as it is, and reports what is missing.
pub const MAX_REPL_INPUT_LINES: usize = 1_000;
