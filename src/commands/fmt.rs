//! `resin fmt`: formats `.rsn` files in place, or checks that they are.

use std::io::Write;
use std::path::{Path, PathBuf};

use resin_lang::printer::{format_source, FormatError};
use resin_lang::SourceFile;

use crate::cli::FmtArgs;
use crate::error::{read_to_string, CliError, CliResult};
use crate::output::stdout_error;

pub fn fmt(args: &FmtArgs) -> CliResult<()> {
    let files = expand(&args.files)?;
    let mut out = std::io::stdout().lock();
    let mut unformatted = 0usize;
    let mut failed = 0usize;
    for path in &files {
        let text = read_to_string(path)?;
        // A package's sources may name addresses (`module app::m`), which
        // the parser reads only as numbers: formatted through stand-ins.
        let formatted = match crate::package::addresses::format_keeping_names(&text, format_source) {
            Ok(formatted) => formatted,
            Err(FormatError::Syntax(diags)) => {
                let sources = [SourceFile::new(path.display().to_string(), text)];
                crate::output::to_stderr(diags.render(&sources));
                failed += 1;
                continue;
            }
            Err(e @ FormatError::Unfaithful(_)) => {
                crate::output::line_to_stderr(format_args!("error: {}: {e}", path.display()));
                failed += 1;
                continue;
            }
        };
        if args.stdout {
            write!(out, "{formatted}").map_err(stdout_error)?;
        } else if formatted != text {
            unformatted += 1;
            if args.check {
                writeln!(out, "{}", path.display()).map_err(stdout_error)?;
            } else {
                std::fs::write(path, &formatted).map_err(|e| CliError::io(path, e))?;
            }
        }
    }
    if failed > 0 {
        return Err(CliError::Other(format!("could not format {failed} file{}", plural(failed))));
    }
    if args.check && unformatted > 0 {
        let n = unformatted;
        return Err(CliError::Other(format!(
            "{n} file{} not formatted (listed above); `resin fmt` formats {}",
            plural(n),
            if n == 1 { "it" } else { "them" }
        )));
    }
    Ok(())
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The files named, with each directory replaced by the `.rsn` files under
/// it (sorted, so output is stable; hidden directories and `build/` skipped).
fn expand(paths: &[PathBuf]) -> CliResult<Vec<PathBuf>> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, &mut out)?;
        } else {
            out.push(path.clone());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> CliResult<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| CliError::io(dir, e))?;
    let mut paths: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if path.is_dir() {
            if !name.starts_with('.') && name != "build" && name != "target" {
                walk(&path, out)?;
            }
        } else if path.extension().is_some_and(|e| e == "rsn") {
            out.push(path);
        }
    }
    Ok(())
}
