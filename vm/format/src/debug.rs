//! A module's debug information: what turns a bytecode location back into
//! source words. Constant names (so an abort code reads
//! `E_INSUFFICIENT_BALANCE`), the source files the module came from, and per
//! function a source map from code offsets to `file:line:col`.
//!
//! It is optional and never changes what a module does: the verifier and
//! the interpreter ignore it, and the loader hashes a module without it, so
//! stripping it changes neither a module's behaviour nor any state root.
//! On the wire it is a trailing section after the body (see
//! [`crate::encoding`]); a module without one encodes exactly as before.

use serde::{Deserialize, Serialize};

/// Where an instruction came from: a file (an index into
/// [`DebugInfo::files`]), a 1-based line and a 1-based column in characters.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SourcePos {
    pub file: u16,
    pub line: u32,
    pub col: u32,
}

/// One function's source map: `(offset, position)` pairs sorted by offset,
/// each position holding from its offset up to the next pair's. Consecutive
/// instructions of one expression share a pair, so the map stays a fraction
/// of the code's size.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SourceMap(pub Vec<(u16, SourcePos)>);

impl SourceMap {
    /// A map from one position per instruction, merging runs of equal positions.
    pub fn from_positions(positions: impl IntoIterator<Item = SourcePos>) -> SourceMap {
        let mut pairs: Vec<(u16, SourcePos)> = Vec::new();
        for (offset, pos) in positions.into_iter().enumerate() {
            let Ok(offset) = u16::try_from(offset) else { break };
            if pairs.last().is_none_or(|(_, last)| *last != pos) {
                pairs.push((offset, pos));
            }
        }
        SourceMap(pairs)
    }

    /// The position of the instruction at `offset`: that of the last pair at
    /// or before it (`None` before the first pair, or in an empty map).
    pub fn position(&self, offset: u16) -> Option<SourcePos> {
        let after = self.0.partition_point(|(at, _)| *at <= offset);
        after.checked_sub(1).and_then(|i| self.0.get(i)).map(|(_, pos)| *pos)
    }
}

/// The debug section of a module.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct DebugInfo {
    /// Source file names as the compiler was given them (a path, usually).
    pub files: Vec<String>,
    /// `(constant index, name)` for the constants the source declared by
    /// name, sorted by index; literals the compiler pooled have none.
    pub constant_names: Vec<(u16, String)>,
    /// Per function definition, in definition order (a module compiled
    /// without maps has none, so this may be shorter than the functions).
    pub functions: Vec<SourceMap>,
}

impl DebugInfo {
    /// The name the source gave constant `index`.
    pub fn constant_name(&self, index: u16) -> Option<&str> {
        let at = self.constant_names.binary_search_by_key(&index, |(i, _)| *i).ok()?;
        self.constant_names.get(at).map(|(_, name)| name.as_str())
    }

    /// The index of the constant the source named `name`.
    pub fn constant_index(&self, name: &str) -> Option<u16> {
        self.constant_names.iter().find(|(_, n)| n == name).map(|(i, _)| *i)
    }

    /// `file:line:col` of the instruction at `offset` of function definition
    /// `function`, when the map knows it.
    pub fn location(&self, function: usize, offset: u16) -> Option<String> {
        let pos = self.functions.get(function)?.position(offset)?;
        let file = self.files.get(usize::from(pos.file))?;
        Some(format!("{}:{}:{}", crate::escape::escaped(file), pos.line, pos.col))
    }
}
