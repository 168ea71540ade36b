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
            // A message may echo names from hostile input (a file path, a
            // module or account name): control characters are shown escaped,
            // except the line breaks of multi-line messages (hints), which
            // resin writes itself; names with line breaks are escaped where
            // they are quoted.
            // Words as long as a whole input (a megabyte of name or
            // address) are clipped: the location says where the rest is.
            other => format!("error: {}", clip_long_words(&resin_format::escape::escaped_message(&other.to_string()))),
        }
    }
}

/// Longer words (runs without whitespace) than this are clipped in messages.
const MAX_WORD_SHOWN: usize = 256;

/// `text` with every word longer than [`MAX_WORD_SHOWN`] bytes cut to its
/// first half of that and the count of the bytes left out.
fn clip_long_words(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.split_whitespace().any(|w| w.len() > MAX_WORD_SHOWN) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len().min(4096));
    // Each piece is a word and the whitespace character after it.
    for piece in text.split_inclusive(char::is_whitespace) {
        let word = piece.trim_end_matches(char::is_whitespace);
        if word.len() > MAX_WORD_SHOWN {
            let cut = (0..=MAX_WORD_SHOWN / 2).rev().find(|&i| word.is_char_boundary(i)).unwrap_or(0);
            out.push_str(word.get(..cut).unwrap_or_default());
            out.push_str(&format!("... ({} more bytes)", word.len() - cut));
            out.push_str(piece.get(word.len()..).unwrap_or_default());
        } else {
            out.push_str(piece);
        }
    }
    out.into()
}

pub type CliResult<T> = Result<T, CliError>;

/// Reads a text file (a script or a source) of at most
/// [`MAX_SOURCE_SIZE`](crate::limits::MAX_SOURCE_SIZE) bytes, mapping a
/// failure to an error that names it.
pub fn read_to_string(path: &Path) -> CliResult<String> {
    let bytes = read_at_most(path, crate::limits::MAX_SOURCE_SIZE, "a script or source file")?;
    String::from_utf8(bytes).map_err(|e| {
        let message = format!("not valid UTF-8 text (a bad byte at offset {})", e.utf8_error().valid_up_to());
        CliError::io(path, std::io::Error::new(std::io::ErrorKind::InvalidData, message))
    })
}

/// Reads a bytecode file of at most the format's module size limit.
pub fn read_bytes(path: &Path) -> CliResult<Vec<u8>> {
    read_at_most(path, resin_format::encoding::limits::MAX_MODULE_SIZE, "a module")
}

/// Reads at most `max` bytes of `path`, and fails (having read no more than
/// one byte past the limit) when it holds more: so `/dev/zero` or a huge file
/// is an error at once, not an allocation that grows until it fails.
fn read_at_most(path: &Path, max: usize, what: &str) -> CliResult<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| CliError::io(path, e))?;
    let too_large = || {
        let message = format!("larger than the limit for {what} ({max} bytes)");
        CliError::io(path, std::io::Error::new(std::io::ErrorKind::FileTooLarge, message))
    };
    if file.metadata().is_ok_and(|m| m.is_file() && m.len() > max as u64) {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    file.take(max as u64 + 1).read_to_end(&mut bytes).map_err(|e| CliError::io(path, e))?;
    if bytes.len() > max {
        return Err(too_large());
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_words_longer_than_the_limit_are_clipped_and_spacing_is_kept() {
        assert_eq!(clip_long_words("a  short\nmessage "), "a  short\nmessage ");
        let long = "f".repeat(1000);
        let message = format!("x `@{long}` is not\tan address");
        // The word is the backquotes, the `@` and the digits: 1,003 bytes.
        assert_eq!(
            clip_long_words(&message),
            format!("x `@{}... (875 more bytes) is not\tan address", "f".repeat(126))
        );
        // Never inside a character: 'é' is two bytes, and 128 falls between them.
        let accents = format!("a{}", "é".repeat(200));
        assert_eq!(clip_long_words(&accents), format!("a{}... (274 more bytes)", "é".repeat(63)));
        let exactly = "g".repeat(MAX_WORD_SHOWN);
        assert_eq!(clip_long_words(&exactly), exactly);
    }
}
