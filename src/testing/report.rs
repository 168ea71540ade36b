//! The report: one line per test (`PASS 0x2::vault::deposit_works (gas
//! 1234)`), a failing test's reasons indented under it, and the summary
//! `N passed, N failed`; or, with `--json`, one JSON object a line per test
//! and one for the summary.

use std::io::Write;

use serde_json::json;

use super::Outcome;
use crate::error::CliResult;
use crate::output::say;
use crate::render::thousands;

/// `3 passed, 1 failed`.
pub fn summary(outcomes: &[Outcome]) -> (usize, usize) {
    let passed = outcomes.iter().filter(|o| o.passed).count();
    (passed, outcomes.len() - passed)
}

pub fn print_text(outcomes: &[Outcome], out: &mut dyn Write) -> CliResult<()> {
    for o in outcomes {
        let verdict = if o.passed { "PASS" } else { "FAIL" };
        match o.gas {
            Some(gas) => say!(out, "{verdict} {} (gas {})", o.name, thousands(gas))?,
            None => say!(out, "{verdict} {}", o.name)?,
        }
        for line in &o.detail {
            for part in line.lines() {
                say!(out, "    {part}")?;
            }
        }
    }
    let (passed, failed) = summary(outcomes);
    say!(out, "{passed} passed, {failed} failed")
}

pub fn print_json(outcomes: &[Outcome], out: &mut dyn Write) -> CliResult<()> {
    for o in outcomes {
        let line = json!({
            "test": o.name,
            "passed": o.passed,
            "gas": o.gas,
            "detail": o.detail,
        });
        say!(out, "{line}")?;
    }
    let (passed, failed) = summary(outcomes);
    say!(out, "{}", json!({ "summary": { "passed": passed, "failed": failed } }))
}
