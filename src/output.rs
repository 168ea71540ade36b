//! Writing to the terminal: every command prints through these, so a closed
//! pipe or a full disk is one clear error, never a panic.

use std::io;

use crate::error::CliError;

/// Writing to stdout failed (a closed pipe, a full disk).
pub fn stdout_error(e: io::Error) -> CliError {
    CliError::Other(format!("cannot write output: {e}"))
}

/// Writes `text` to stderr. A failure is ignored: stderr is where a
/// failure would be reported, and a closed one (`resin ... 2>&1 | head`)
/// must not turn an error message into a panic.
pub fn to_stderr(text: impl std::fmt::Display) {
    use std::io::Write;
    let _ = write!(io::stderr().lock(), "{text}");
}

/// [`to_stderr`], then a newline.
pub fn line_to_stderr(text: impl std::fmt::Display) {
    to_stderr(format_args!("{text}\n"));
}

/// `writeln!` whose failure is a [`CliError`].
macro_rules! say {
    ($out:expr, $($arg:tt)*) => {
        writeln!($out, $($arg)*).map_err($crate::output::stdout_error)
    };
}
pub(crate) use say;
