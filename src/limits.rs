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
/// Iterations the `for` loops of one script (or REPL input) run, and
/// commands and calls they produce: each count is limited.
pub const MAX_LOOP_EXPANSION: u64 = 1_000_000;
/// `for` loops nested in one another: the parser recurses once per level,
/// so the stack stays shallow whatever the input.
pub const MAX_LOOP_NESTING: usize = 32;
/// Vector literals nested in one argument (`[[[1]]]` is 3): within the VM's
/// value depth, with room for the elements.
pub const MAX_LITERAL_NESTING: usize = 32;
/// Lines one REPL input may span (an open `module {`, `block {` or `for {` keeps
/// reading): past it the input is run as it is, and reports what is missing.
pub const MAX_REPL_INPUT_LINES: usize = 1_000;
/// Undo points a session keeps; each is O(1) to take but pins old data.
pub const UNDO_DEPTH: usize = 64;
/// Events `events all` keeps.
pub const EVENT_LOG_LIMIT: usize = 10_000;
/// Packages one build loads: the package and every package it depends on,
/// directly or not, each counted once.
pub const MAX_PACKAGES: usize = 256;

#[cfg(test)]
mod tests {
    /// docs/LIMITS.md lists every limit with its value: keep it true.
    #[test]
    fn every_limit_is_documented_with_its_value() {
        let doc = include_str!("../docs/LIMITS.md");
        let documented = |name: &str, value: u64| {
            assert!(doc.contains(&format!("| `{name}` | {value} |")), "docs/LIMITS.md lacks `{name}` = {value}");
        };
        use resin_format::encoding::limits as format;
        documented("MAX_MODULE_SIZE", format::MAX_MODULE_SIZE as u64);
        let debug_file_name = resin_format::encoding::debug_section::MAX_FILE_NAME_LEN;
        documented("MAX_FILE_NAME_LEN", debug_file_name as u64);
        documented("MAX_TABLE_LEN", format::MAX_TABLE_LEN as u64);
        documented("MAX_CODE_LEN", format::MAX_CODE_LEN as u64);
        documented("MAX_LOCALS", format::MAX_LOCALS as u64);
        documented("MAX_FIELDS", format::MAX_FIELDS as u64);
        documented("MAX_SIGNATURE_LEN", format::MAX_SIGNATURE_LEN as u64);
        documented("MAX_ACCESSES", format::MAX_ACCESSES as u64);
        documented("SeedBytes::MAX", resin_format::file_format::SeedBytes::MAX as u64);
        documented("MAX_TYPE_DEPTH", format::MAX_TYPE_DEPTH as u64);
        documented("MAX_CONST_DEPTH", format::MAX_CONST_DEPTH as u64);
        documented("MAX_IDENTIFIER_LEN", format::MAX_IDENTIFIER_LEN as u64);
        use resin_verifier as verifier;
        documented("MAX_TABLE_ENTRIES", verifier::MAX_TABLE_ENTRIES as u64);
        documented("MAX_IDENTIFIER_LEN", verifier::MAX_IDENTIFIER_LEN as u64);
        documented("MAX_PARAMS", verifier::MAX_PARAMS as u64);
        documented("MAX_RETURNS", verifier::MAX_RETURNS as u64);
        documented("MAX_LOCALS", verifier::MAX_LOCALS as u64);
        documented("MAX_CODE_LEN", verifier::MAX_CODE_LEN as u64);
        documented("MAX_TYPE_DEPTH", verifier::MAX_TYPE_DEPTH as u64);
        documented("MAX_FIELDS", verifier::MAX_FIELDS as u64);
        documented("MAX_STACK_HEIGHT", verifier::MAX_STACK_HEIGHT as u64);
        documented("MAX_VECTOR_COUNT", verifier::MAX_VECTOR_COUNT as u64);
        documented("MAX_ACCESSES", verifier::MAX_ACCESSES as u64);
        documented("MAX_VALUE_DEPTH", format::MAX_VALUE_DEPTH as u64);
        documented("MAX_DATAFLOW_UNITS", verifier::MAX_DATAFLOW_UNITS as u64);
        documented("MAX_MODULE_DATAFLOW_UNITS", verifier::MAX_MODULE_DATAFLOW_UNITS as u64);
        documented("MAX_GAS_LIMIT", resin_vm::gas::MAX_GAS_LIMIT);
        documented("ARGUMENT_PER_BYTE", resin_vm::gas::ARGUMENT_PER_BYTE);
        documented("MAX_VECTOR_LEN", format::MAX_VECTOR_LEN as u64);
        documented("MAX_VALUE_SIZE", format::MAX_VALUE_SIZE as u64);
        documented("MAX_CALL_DEPTH", resin_vm::interpreter::MAX_CALL_DEPTH as u64);
        documented("MAX_SOURCE_SIZE", super::MAX_SOURCE_SIZE as u64);
        documented("MAX_TRANSFERS", super::MAX_TRANSFERS);
        documented("MAX_TRANSFER_ACCOUNTS", super::MAX_TRANSFER_ACCOUNTS);
        documented("MAX_LOOP_EXPANSION", super::MAX_LOOP_EXPANSION);
        documented("MAX_LOOP_NESTING", super::MAX_LOOP_NESTING as u64);
        documented("MAX_LITERAL_NESTING", super::MAX_LITERAL_NESTING as u64);
        documented("MAX_REPL_INPUT_LINES", super::MAX_REPL_INPUT_LINES as u64);
        documented("UNDO_DEPTH", super::UNDO_DEPTH as u64);
        documented("EVENT_LOG_LIMIT", super::EVENT_LOG_LIMIT as u64);
        documented("MAX_PACKAGES", super::MAX_PACKAGES as u64);
        assert!(doc.contains(&format!("(`{}`)", format::RESERVED_ADDRESS)), "the reserved address");
        for name in format::RESERVED_MODULE_NAMES {
            assert!(doc.contains(&format!("`{name}`")), "reserved name {name}");
        }
    }
}
