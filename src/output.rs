//! Writing to the terminal: every command prints through these, so a closed
//! pipe or a full disk is one clear error, never a panic.

use std::io;

use crate::error::CliError;

/// Writing to stdout failed (a closed pipe, a full disk).
pub fn stdout_error(e: io::Error) -> CliError {
    CliError::Other(format!("cannot write output: {e}"))
}

/// `writeln!` whose failure is a [`CliError`].
macro_rules! say {
    ($out:expr, $($arg:tt)*) => {
        writeln!($out, $($arg)*).map_err($crate::output::stdout_error)
    };
}
pub(crate) use say;
