//! `resin repl`: the script language, one input at a time.
//!
//! On a terminal it uses rustyline (history, line editing, tab completion,
//! and a validator that keeps reading while a `module { }`, `block { }` or
//! `[` is open). When stdin is not a terminal it reads lines the same way
//! without an editor, so tests and pipes can drive it. An error is printed
//! and the session goes on; a failing command leaves the state unchanged.

use std::borrow::Cow;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use rustyline::completion::{Completer, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Editor, Helper};

use crate::error::CliResult;
use crate::limits::{MAX_REPL_INPUT_LINES, MAX_SOURCE_SIZE};
use crate::script::{self, COMMANDS};
use crate::session::{CompletionWords, Origin, Session};

const PROMPT: &str = "resin> ";

/// What happened to one input.
enum Outcome {
    Continue,
    Quit,
}

/// Runs one complete input; errors are printed, never returned.
fn eval(session: &mut Session, text: &str, first_line: u32, out: &mut dyn Write) -> Outcome {
    let trimmed = text.trim();
    if matches!(trimmed, "quit" | "exit") {
        return Outcome::Quit;
    }
    let origin = Origin { file: "<repl>".into(), dir: PathBuf::from("."), first_line };
    if let Err(e) = session.run_text(text, &origin, out) {
        let _ = out.flush();
        crate::output::line_to_stderr(e.report());
    }
    let _ = out.flush();
    Outcome::Continue
}

/// Whether `text` needs more lines. Each new line re-parses the whole input,
/// so an input over [`MAX_REPL_INPUT_LINES`] lines (or the size limit) is
/// never incomplete: it is run, and fails, rather than grown without end.
fn is_incomplete(text: &str) -> bool {
    text.len() <= MAX_SOURCE_SIZE
        && text.lines().count() <= MAX_REPL_INPUT_LINES
        && matches!(script::parse_script(text), Err(e) if e.incomplete)
}

pub fn run(mut session: Session) -> CliResult<()> {
    if std::io::stdin().is_terminal() {
        interactive(&mut session)
    } else {
        piped(&mut session)
    }
}

/// Line by line from a pipe: lines accumulate while the input is incomplete.
fn piped(session: &mut Session) -> CliResult<()> {
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut buffer = String::new();
    let mut first_line = 1u32;
    let mut line_no = 0u32;
    for line in stdin.lock().lines() {
        let line = line.map_err(|e| crate::error::CliError::Other(format!("reading stdin: {e}")))?;
        line_no += 1;
        if buffer.is_empty() {
            first_line = line_no;
        }
        buffer.push_str(&line);
        buffer.push('\n');
        if is_incomplete(&buffer) {
            continue;
        }
        let text = std::mem::take(&mut buffer);
        if let Outcome::Quit = eval(session, &text, first_line, &mut out) {
            return Ok(());
        }
    }
    if !buffer.trim().is_empty() {
        // The input ended inside a construct: report it like any other error.
        eval(session, &buffer, first_line, &mut out);
    }
    Ok(())
}

fn history_path() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".resin_history"))
}

fn interactive(session: &mut Session) -> CliResult<()> {
    let rl_err = |e: rustyline::error::ReadlineError| crate::error::CliError::Other(format!("terminal: {e}"));
    let mut editor: Editor<ReplHelper, DefaultHistory> = Editor::new().map_err(rl_err)?;
    editor.set_helper(Some(ReplHelper { words: session.completion_words() }));
    let history = history_path();
    if let Some(path) = &history {
        // A missing history file is normal on first use.
        let _ = editor.load_history(path);
    }
    println!("resin repl: type `help` for the commands, `quit` to leave");
    let mut line_no = 1u32;
    loop {
        match editor.readline(PROMPT) {
            Ok(text) => {
                let _ = editor.add_history_entry(text.as_str());
                let lines = text.lines().count().max(1) as u32;
                let stdout = std::io::stdout();
                let mut out = stdout.lock();
                let outcome = eval(session, &text, line_no, &mut out);
                line_no += lines;
                if let Outcome::Quit = outcome {
                    break;
                }
                if let Some(helper) = editor.helper_mut() {
                    helper.words = session.completion_words();
                }
            }
            Err(rustyline::error::ReadlineError::Interrupted) => continue,
            Err(rustyline::error::ReadlineError::Eof) => break,
            Err(e) => return Err(rl_err(e)),
        }
    }
    if let Some(path) = &history {
        let _ = editor.save_history(path);
    }
    Ok(())
}

struct ReplHelper {
    words: CompletionWords,
}

impl ReplHelper {
    /// The candidates for the word being typed: commands first on a line,
    /// then whatever fits where the cursor is.
    fn candidates(&self, line: &str, start: usize, prefix: &str) -> Vec<String> {
        let before: Vec<&str> = line[..start].split_whitespace().collect();
        let pool: Vec<&String> = match before.as_slice() {
            [] | [.., "block", "{"] | [.., "{"] => {
                return COMMANDS.iter().filter(|c| c.starts_with(prefix)).map(|c| c.to_string()).collect()
            }
            ["call", _] | ["access"] => self.words.functions.iter().collect(),
            ["call"] | ["show"] | ["account"] => self.words.accounts.iter().collect(),
            ["transfers", .., "module"] | ["publish"] => self.words.modules.iter().collect(),
            _ => self.words.accounts.iter().chain(&self.words.functions).collect(),
        };
        let mut out: Vec<String> = pool.into_iter().filter(|w| w.starts_with(prefix)).cloned().collect();
        out.sort();
        out.dedup();
        out
    }
}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(&self, line: &str, pos: usize, _ctx: &Context<'_>) -> rustyline::Result<(usize, Vec<Pair>)> {
        let line = &line[..pos];
        let start = line.rfind(|c: char| c.is_whitespace() || c == '[' || c == ',').map_or(0, |i| i + 1);
        let prefix = &line[start..];
        let current_line_start = line.rfind('\n').map_or(0, |i| i + 1);
        let this_line = &line[current_line_start..];
        let start_in_line = start.saturating_sub(current_line_start);
        let found = self.candidates(this_line, start_in_line, prefix);
        Ok((start, found.into_iter().map(|w| Pair { display: w.clone(), replacement: w }).collect()))
    }
}

impl Hinter for ReplHelper {
    type Hint = String;
}

impl Highlighter for ReplHelper {
    fn highlight_prompt<'b, 's: 'b, 'p: 'b>(&'s self, prompt: &'p str, _default: bool) -> Cow<'b, str> {
        Cow::Borrowed(prompt)
    }
}

impl Validator for ReplHelper {
    fn validate(&self, ctx: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        Ok(if is_incomplete(ctx.input()) { ValidationResult::Incomplete } else { ValidationResult::Valid(None) })
    }
}

impl Helper for ReplHelper {}

#[cfg(test)]
mod tests {
    use super::*;

    fn helper() -> ReplHelper {
        ReplHelper {
            words: CompletionWords {
                accounts: vec!["alice".into(), "bob".into()],
                modules: vec!["0x1::coin".into(), "coin".into()],
                functions: vec!["0x1::coin::transfer".into(), "coin::mint".into(), "coin::transfer".into()],
            },
        }
    }

    #[test]
    fn completes_commands_accounts_and_functions() {
        let h = helper();
        assert_eq!(h.candidates("", 0, "sh"), vec!["show".to_string()]);
        assert_eq!(h.candidates("call ", 5, "a"), vec!["alice".to_string()]);
        assert_eq!(
            h.candidates("call alice ", 11, "coin::"),
            vec!["coin::mint".to_string(), "coin::transfer".to_string()]
        );
        assert_eq!(h.candidates("call alice coin::mint ", 22, "b"), vec!["bob".to_string()]);
        assert_eq!(h.candidates("access ", 7, "0x"), vec!["0x1::coin::transfer".to_string()]);
    }

    #[test]
    fn open_constructs_are_incomplete() {
        assert!(is_incomplete("module 0x1::m {\n"));
        assert!(is_incomplete("block {\n call a m::f\n"));
        assert!(!is_incomplete("block {\n call a m::f\n}\n"));
        assert!(is_incomplete("for i in 0..3 {\n account u{i}\n"));
        assert!(!is_incomplete("for i in 0..3 {\n account u{i}\n}\n"));
        assert!(!is_incomplete("bogus {"));
    }
}
