//! The errors the `resin` command reports, and the exit code of each.
//!
//! Every user-facing failure is a value of [`CliError`]; `main` prints it as
//! `error: LOCATION: message` and exits 1 (a user error) or 2 (bad usage).
//! Panics are a bug: the panic hook turns one into exit code 101.

use std::fmt;
use std::path::{Path, PathBuf};

use resin_state::persist::StoreError;

/// A place in a script or source file, 1-based.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceLoc {
    pub file: String,
    pub line: u32,
    pub col: u32,
}

impl fmt::Display for SourceLoc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.col)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Compiler diagnostics, already rendered with their locations.
    #[error("{rendered}")]
    Diagnostics { rendered: String, errors: usize },
    /// A bytecode file that does not decode or verify.
    #[error("{}: {message}", path.display())]
    Bytecode { path: PathBuf, message: String },
    /// A script command failed at a location.
    #[error("{loc}: {message}")]
    Script { loc: SourceLoc, message: String },
    /// The state file could not be used.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Any other user error.
    #[error("{0}")]
    Other(String),
}

impl CliError {
    /// Every error reported here is the user's (exit 1); bad usage (exit 2)
    /// is reported by clap before a command runs.
    pub fn exit_code(&self) -> u8 {
        1
    }

    pub fn io(path: &Path, source: std::io::Error) -> Self {
        CliError::Io { path: path.to_path_buf(), source }
    }

    pub fn script(loc: SourceLoc, message: impl Into<String>) -> Self {
        CliError::Script { loc, message: message.into() }
    }

    /// How `main` prints the error. Diagnostics render themselves (each with
    /// its own `error[E..]` header), everything else gets an `error:` prefix.
    pub fn report(&self) -> String {
        match self {
            CliError::Diagnostics { rendered, errors } => {
                let plural = if *errors == 1 { "" } else { "s" };
                format!("{}\nerror: could not compile: {errors} error{plural}", rendered.trim_end())
            }
            other => format!("error: {other}"),
        }
    }
}

pub type CliResult<T> = Result<T, CliError>;

/// Reads a file, mapping the failure to a [`CliError::Io`] that names it.
pub fn read_to_string(path: &Path) -> CliResult<String> {
    std::fs::read_to_string(path).map_err(|e| CliError::io(path, e))
}

pub fn read_bytes(path: &Path) -> CliResult<Vec<u8>> {
    std::fs::read(path).map_err(|e| CliError::io(path, e))
}
