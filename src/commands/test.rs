//! `resin test`: finds a package's sources, tests and scripts (or takes
//! files), runs them with [`crate::testing`] and reports; exit 1 when any
//! test failed.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use resin_lang::SourceFile;
use resin_vm::Module;

use crate::cli::{thread_count, TestArgs};
use crate::error::{read_to_string, CliError, CliResult};
use crate::output::stdout_error;
use crate::testing::{self, Plan};

/// What a test run reads: sources compiled together in test mode (with
/// the modules of the packages they depend on), and scripts.
struct Inputs {
    sources: Vec<SourceFile>,
    packages: Vec<Module>,
    scripts: Vec<PathBuf>,
}

pub fn test(args: &TestArgs) -> CliResult<()> {
    let inputs = if args.files.is_empty() {
        package_inputs(args.path.as_deref().unwrap_or(Path::new(".")))?
    } else {
        file_inputs(&args.files)?
    };
    let tests = testing::compile(inputs.sources, inputs.packages)?;
    // Warnings go to stderr: stdout is the report, JSON with `--json`.
    crate::output::to_stderr(&tests.warnings);
    let plan = Plan { tests, scripts: inputs.scripts };
    let outcomes = testing::run(&plan, args.filter.as_deref(), thread_count(args.threads)).map_err(CliError::Other)?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    if args.json {
        testing::print_json(&outcomes, &mut out)?;
    } else {
        testing::print_text(&outcomes, &mut out)?;
    }
    out.flush().map_err(stdout_error)?;
    match testing::summary(&outcomes) {
        (_, 0) => Ok(()),
        (_, 1) => Err(CliError::Other("1 test failed".into())),
        (_, failed) => Err(CliError::Other(format!("{failed} tests failed"))),
    }
}

/// Files named on the command line, sorted by kind.
fn file_inputs(files: &[PathBuf]) -> CliResult<Inputs> {
    let mut inputs = Inputs { sources: Vec::new(), packages: Vec::new(), scripts: Vec::new() };
    for file in files {
        match file.extension().and_then(|e| e.to_str()) {
            Some("rsn") => inputs.sources.push(SourceFile::new(file.display().to_string(), read_to_string(file)?)),
            Some("rsx") => inputs.scripts.push(file.clone()),
            _ => {
                return Err(CliError::Other(format!(
                    "{}: `resin test` takes sources (`.rsn`) and scripts (`.rsx`)",
                    file.display()
                )))
            }
        }
    }
    Ok(inputs)
}

/// The package in `dir`: its `sources/` and `tests/` compiled together
/// against its dependencies (built as `resin build` builds them), and its
/// `scripts/`.
fn package_inputs(dir: &Path) -> CliResult<Inputs> {
    let package = crate::package::load(dir)?;
    let mut sources = package.source_files()?;
    sources.extend(package.test_files()?);
    let packages = package.compile_dependencies()?;
    Ok(Inputs { sources, packages, scripts: package.scripts.clone() })
}
