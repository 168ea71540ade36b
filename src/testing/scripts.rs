//! Scripts as tests: each runs in a fresh in-memory session, as `resin run`
//! would run it; it passes when every command (its `expect`s included)
//! succeeds. Its output is kept only to show where a failing one stopped.

use std::path::Path;

use super::Outcome;
use crate::error::read_to_string;
use crate::session::{Mode, Origin, Session, StateOptions};

/// Lines of a failing script's output shown before its error.
const OUTPUT_SHOWN: usize = 5;

pub(super) fn run_one(path: &Path) -> Outcome {
    let name = path.display().to_string();
    let result = run(path);
    let detail = match result {
        Ok(()) => Vec::new(),
        Err((output, error)) => {
            let lines: Vec<&str> = output.lines().collect();
            let shown = &lines[lines.len().saturating_sub(OUTPUT_SHOWN)..];
            shown.iter().map(|l| format!("| {l}")).chain([error]).collect()
        }
    };
    Outcome { name, passed: detail.is_empty(), gas: None, detail }
}

/// Runs the script; on failure, its output so far and the error.
fn run(path: &Path) -> Result<(), (String, String)> {
    let text = read_to_string(path).map_err(|e| (String::new(), e.to_string()))?;
    let state = StateOptions { path: None, verify: false };
    let mut session = Session::open(state, 1, Mode::Run).map_err(|e| (String::new(), e.to_string()))?;
    let origin = Origin {
        file: path.display().to_string(),
        dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
        first_line: 1,
    };
    let mut out = Vec::new();
    let result = session.run_text(&text, &origin, &mut out);
    result.map_err(|e| (String::from_utf8_lossy(&out).into_owned(), e.to_string()))
}
