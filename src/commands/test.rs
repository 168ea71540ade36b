//! `resin test`: finds a package's sources, tests and scripts (or takes
//! files), runs them with [`crate::testing`] and reports; exit 1 when any
//! test failed.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use resin_lang::SourceFile;

use crate::cli::{thread_count, TestArgs};
use crate::error::{read_to_string, CliError, CliResult};
use crate::output::stdout_error;
use crate::testing::{self, Plan};

/// What a test run reads: sources compiled together in test mode, and scripts.
struct Inputs {
    sources: Vec<PathBuf>,
    scripts: Vec<PathBuf>,
}

pub fn test(args: &TestArgs) -> CliResult<()> {
    let inputs = if args.files.is_empty() {
        package_inputs(args.path.as_deref().unwrap_or(Path::new(".")))?
    } else {
        file_inputs(&args.files)?
    };
    let sources = inputs
        .sources
        .iter()
        .map(|p| Ok(SourceFile::new(p.display().to_string(), read_to_string(p)?)))
        .collect::<CliResult<Vec<_>>>()?;
    let tests = testing::compile(sources)?;
    // Warnings go to stderr: stdout is the report, JSON with `--json`.
    eprint!("{}", tests.warnings);
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
    let mut inputs = Inputs { sources: Vec::new(), scripts: Vec::new() };
    for file in files {
        match file.extension().and_then(|e| e.to_str()) {
            Some("rsn") => inputs.sources.push(file.clone()),
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

/// A package's `sources/*.rsn` and `tests/*.rsn` (compiled together), and
/// its `scripts/*.rsx`.
fn package_inputs(dir: &Path) -> CliResult<Inputs> {
    if !dir.join("Resin.toml").is_file() {
        return Err(CliError::Other(format!(
            "{}: no Resin.toml here; give the package with `--path DIR`, or the files to test",
            dir.display()
        )));
    }
    let mut sources = files_in(&dir.join("sources"), "rsn")?;
    sources.extend(files_in(&dir.join("tests"), "rsn")?);
    Ok(Inputs { sources, scripts: files_in(&dir.join("scripts"), "rsx")? })
}

/// The files of `dir` ending in `.ext`, sorted; none when `dir` is missing.
fn files_in(dir: &Path, ext: &str) -> CliResult<Vec<PathBuf>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(CliError::io(dir, e)),
    };
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| CliError::io(dir, e))?.path();
        if path.is_file() && path.extension().is_some_and(|e| e == ext) {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}
