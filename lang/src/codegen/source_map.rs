//! A compiled module's debug information: its declared constants' names and,
//! per function, the source position of every instruction, from the spans
//! code generation recorded ([`super::func::GeneratedFunction`]).

use std::collections::HashMap;

use resin_format::debug::{DebugInfo, SourceMap, SourcePos};

use crate::source::{SourceFile, Span};

/// Turns byte spans into `file:line:col` positions, numbering only the
/// files a module uses (its debug section lists just those).
struct Positions<'s> {
    sources: &'s [SourceFile],
    /// Per source file used so far: its number in the module's file list
    /// and where its lines start.
    files: HashMap<u32, (u16, Vec<usize>)>,
    names: Vec<String>,
}

impl<'s> Positions<'s> {
    fn position(&mut self, span: Span) -> Option<SourcePos> {
        let source = self.sources.get(usize::try_from(span.file).ok()?)?;
        if !self.files.contains_key(&span.file) {
            let number = u16::try_from(self.names.len()).ok()?;
            let starts = std::iter::once(0).chain(source.text.match_indices('\n').map(|(i, _)| i + 1)).collect();
            self.names.push(source.name.clone());
            self.files.insert(span.file, (number, starts));
        }
        let (number, starts) = self.files.get(&span.file)?;
        let byte = usize::try_from(span.start).ok()?.min(source.text.len());
        let line = starts.partition_point(|&start| start <= byte).max(1);
        let line_start = starts.get(line - 1).copied().unwrap_or(0);
        // Columns count characters, as the diagnostics do.
        let col = source.text.get(line_start..byte).map_or(0, |s| s.chars().count()) + 1;
        Some(SourcePos { file: *number, line: u32::try_from(line).ok()?, col: u32::try_from(col).ok()? })
    }
}

/// The debug information of a module whose declared constants are
/// `constant_names` (constant `i` is the `i`-th) and whose function
/// definitions' instructions came from `spans`.
pub fn debug_info(sources: &[SourceFile], constant_names: &[String], spans: &[Vec<Span>]) -> DebugInfo {
    let mut positions = Positions { sources, files: HashMap::new(), names: Vec::new() };
    let functions = spans
        .iter()
        .map(|function| {
            // A span outside the sources (none in practice) maps as the
            // instruction before it does.
            let mut last = None;
            let each = function.iter().map(|span| {
                last = positions.position(*span).or(last);
                last
            });
            let known: Vec<Option<SourcePos>> = each.collect();
            // Instructions before the first known position take it; a
            // function with none known gets an empty map (never a position
            // naming a file the section does not list).
            match known.iter().flatten().next().copied() {
                Some(first) => SourceMap::from_positions(known.into_iter().map(|p| p.unwrap_or(first))),
                None => SourceMap::default(),
            }
        })
        .collect();
    let constant_names = constant_names
        .iter()
        .enumerate()
        .filter_map(|(i, name)| Some((u16::try_from(i).ok()?, name.clone())))
        .collect();
    DebugInfo { files: positions.names, constant_names, functions }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_become_lines_and_character_columns() {
        // Line 2 starts after "ab\n"; "é" is two bytes but one column.
        let sources = [SourceFile::new("a.rsn", "ab\né x\n")];
        let spans = vec![vec![Span::new(0, 0, 1), Span::new(0, 0, 1), Span::new(0, 6, 7)]];
        let debug = debug_info(&sources, &["E_X".to_string()], &spans);
        assert_eq!(debug.files, ["a.rsn"]);
        assert_eq!(debug.constant_name(0), Some("E_X"));
        assert_eq!(debug.location(0, 1).as_deref(), Some("a.rsn:1:1"));
        assert_eq!(debug.location(0, 2).as_deref(), Some("a.rsn:2:3"));
        // Two equal positions in a row are one entry.
        assert_eq!(debug.functions[0].0.len(), 2);
    }

    #[test]
    fn spans_outside_the_sources_name_no_file() {
        let sources = [SourceFile::new("a.rsn", "x")];
        let debug = debug_info(&sources, &[], &[vec![Span::new(7, 0, 1)]]);
        assert!(debug.files.is_empty());
        assert_eq!(debug.functions, [SourceMap::default()]);
    }
}
