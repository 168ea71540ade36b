//! `resin test`'s runner: a package's `#[test]` functions, each run as its
//! own transaction on a fresh state holding the standard library and the
//! package (compiled in test mode), and its scripts, each run as `resin run`
//! would run it (a script passes when every command, its `expect`s
//! included, succeeds). Everything runs in parallel; results come back in
//! the order the tests were found, so the report does not depend on timing.

mod functions;
mod report;
mod scripts;

use std::path::PathBuf;

use rayon::prelude::*;

pub use functions::{compile, CompiledTests, TEST_GAS_LIMIT};
pub use report::{print_json, print_text, summary};

/// One test's result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// `0x2::vault::deposit_works`, or a script's path.
    pub name: String,
    pub passed: bool,
    /// Gas the test's transaction used; `None` for a script.
    pub gas: Option<u64>,
    /// Why it failed, one line each (empty when it passed).
    pub detail: Vec<String>,
}

/// What `resin test` runs: test functions of one compiled build, and scripts.
pub struct Plan {
    pub tests: CompiledTests,
    pub scripts: Vec<PathBuf>,
}

/// A test the runner will run.
enum Job<'a> {
    Function(&'a resin_lang::TestCase),
    Script(&'a PathBuf),
}

impl Job<'_> {
    fn name(&self) -> String {
        match self {
            Job::Function(test) => test.name(),
            Job::Script(path) => path.display().to_string(),
        }
    }
}

/// Runs every test of `plan` whose name contains `filter`, on `threads`
/// threads; the outcomes are in plan order (functions, then scripts).
pub fn run(plan: &Plan, filter: Option<&str>, threads: usize) -> Result<Vec<Outcome>, String> {
    let jobs: Vec<Job<'_>> = plan
        .tests
        .cases
        .iter()
        .map(Job::Function)
        .chain(plan.scripts.iter().map(Job::Script))
        .filter(|job| filter.is_none_or(|f| job.name().contains(f)))
        .collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| format!("cannot start {threads} test threads: {e}"))?;
    Ok(pool.install(|| {
        jobs.par_iter()
            .map(|job| match job {
                Job::Function(test) => functions::run_one(&plan.tests, test),
                // A script's blocks run on one lane: the tests already fill the cores.
                Job::Script(path) => scripts::run_one(path),
            })
            .collect()
    }))
}
