//! The optional debug section after a module's body: the magic bytes
//! `RDBG`, then [`DebugInfo`] as postcard writes it (flat: strings, and
//! sequences of fixed-size pairs, nothing recursive). A module without
//! debug information ends with its body, exactly as before the section
//! existed, so older files decode unchanged and the format version stays.
//!
//! The section comes from the same hostile bytes as the body: reading it
//! never panics, reserves no more than the input could fill (postcard's
//! sequences go through serde's cautious size hint) and checks that
//! everything it names exists in the module, so a reader of a decoded
//! module's debug information can index without fear.

use super::DecodeError;
use crate::debug::DebugInfo;
use crate::encoding::limits::MAX_IDENTIFIER_LEN;
use crate::file_format::Module;

/// What starts a debug section.
pub const DEBUG_MAGIC: [u8; 4] = *b"RDBG";
/// Bytes in one source file name of a debug section.
pub const MAX_FILE_NAME_LEN: usize = 4096;

/// Appends the debug section of `debug` to `out`.
pub(super) fn encode(debug: &DebugInfo, out: Vec<u8>) -> Vec<u8> {
    let mut with_magic = out.clone();
    with_magic.extend_from_slice(&DEBUG_MAGIC);
    // As for the body: serializing plain structs into a Vec cannot fail;
    // should it, the module is written without its debug information.
    postcard::to_extend(debug, with_magic).unwrap_or(out)
}

/// Reads what follows the body, starting at byte `at` of `input`: nothing,
/// or one debug section that fits `module`.
pub(super) fn decode(input: &[u8], at: usize, module: &Module) -> Result<Option<DebugInfo>, DecodeError> {
    let rest = input.get(at..).unwrap_or_default();
    if rest.is_empty() {
        return Ok(None);
    }
    let Some(body) = rest.strip_prefix(&DEBUG_MAGIC) else {
        return Err(DecodeError::TrailingBytes { offset: at, count: rest.len() });
    };
    let start = at + DEBUG_MAGIC.len();
    let bad = |reason: String| DecodeError::BadDebugInfo { offset: start, reason };
    let (debug, left) = postcard::take_from_bytes::<DebugInfo>(body)
        .map_err(|e| bad(format!("not a well-formed debug section ({e})")))?;
    if !left.is_empty() {
        return Err(DecodeError::TrailingBytes { offset: input.len() - left.len(), count: left.len() });
    }
    check(&debug, module).map_err(bad)?;
    Ok(Some(debug))
}

/// Whether everything `debug` names exists in `module`, in order.
fn check(debug: &DebugInfo, module: &Module) -> Result<(), String> {
    if debug.files.len() > usize::from(u16::MAX) {
        return Err(format!("{} source files, more than {}", debug.files.len(), u16::MAX));
    }
    if let Some(long) = debug.files.iter().find(|f| f.len() > MAX_FILE_NAME_LEN) {
        return Err(format!("a file name of {} bytes, more than {MAX_FILE_NAME_LEN}", long.len()));
    }
    let mut previous = None;
    for (index, name) in &debug.constant_names {
        if usize::from(*index) >= module.constants.len() {
            return Err(format!("a name for constant {index}, which the module does not have"));
        }
        if previous.is_some_and(|p| p >= *index) {
            return Err("constant names out of order".into());
        }
        if name.is_empty() || name.len() > MAX_IDENTIFIER_LEN {
            return Err(format!("constant {index} has a name of {} bytes", name.len()));
        }
        previous = Some(*index);
    }
    if debug.functions.len() > module.functions.len() {
        return Err(format!(
            "source maps for {} functions, but the module defines {}",
            debug.functions.len(),
            module.functions.len()
        ));
    }
    for (function, (map, def)) in debug.functions.iter().zip(&module.functions).enumerate() {
        let mut previous = None;
        for (offset, pos) in &map.0 {
            if usize::from(*offset) >= def.code.len() {
                return Err(format!("function {function}'s source map names offset {offset}, past its code"));
            }
            if previous.is_some_and(|p| p >= *offset) {
                return Err(format!("function {function}'s source map is out of order"));
            }
            if usize::from(pos.file) >= debug.files.len() {
                return Err(format!(
                    "function {function}'s source map names file {}, which it does not list",
                    pos.file
                ));
            }
            previous = Some(*offset);
        }
    }
    Ok(())
}
