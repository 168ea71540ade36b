//! `resin run`, `resin schedule` and `resin repl`: the script language
//! against a session.

use std::io::{BufWriter, Write};
use std::path::Path;

use crate::cli::thread_count;
use crate::cli::{ReplArgs, RunArgs, ScheduleArgs, ViewArgs};
use crate::error::{read_to_string, CliError, CliResult};
use crate::output::stdout_error;
use crate::session::{Mode, Origin, Session, StateOptions};

fn run_script(script: &Path, state: StateOptions<'_>, threads: usize, mode: Mode, json: bool) -> CliResult<()> {
    let text = read_to_string(script)?;
    let mut session = Session::open(state, threads, mode)?;
    session.set_json(json);
    let origin = Origin {
        file: script.display().to_string(),
        dir: script.parent().map(Path::to_path_buf).unwrap_or_default(),
        first_line: 1,
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let result = session.run_text(&text, &origin, &mut out);
    // Print everything that ran before an error is reported.
    out.flush().map_err(stdout_error)?;
    result
}

pub fn run(args: &RunArgs) -> CliResult<()> {
    let state = StateOptions { path: args.state.state.as_deref(), verify: args.state.verify_state };
    run_script(&args.script, state, thread_count(args.threads), Mode::Run, args.json)
}

pub fn schedule(args: &ScheduleArgs) -> CliResult<()> {
    let state = StateOptions { path: args.state.as_deref(), verify: args.verify_state };
    run_script(&args.script, state, thread_count(args.threads), Mode::Schedule { dot: args.dot }, false)
}

pub fn repl(args: &ReplArgs) -> CliResult<()> {
    let state = StateOptions { path: args.state.state.as_deref(), verify: args.state.verify_state };
    let session = Session::open(state, thread_count(args.threads), Mode::Run)?;
    crate::repl::run(session)
}

/// `resin view --state FILE MODULE::FUNCTION ARGS`: the state file is
/// opened read only (as `resin schedule` opens it), and the view runs as the
/// script command `view` would, so its arguments are written the same way.
pub fn view(args: &ViewArgs) -> CliResult<()> {
    let state = StateOptions { path: Some(&args.state), verify: args.verify_state };
    let mut session = Session::open(state, 1, Mode::Schedule { dot: false })?;
    session.set_run_mode();
    session.set_json(args.json);
    let mut text = format!("view {}", args.function);
    for arg in &args.args {
        text.push(' ');
        text.push_str(arg);
    }
    let origin = Origin { file: "<command line>".into(), dir: std::path::PathBuf::new(), first_line: 1 };
    // The arguments must make one `view` and nothing more (a `;` or a line
    // break in them would start another command).
    let commands = crate::script::parse_script(&text).map_err(|e| origin.error(e.span, e.message))?;
    if commands.len() != 1 {
        return Err(CliError::Other("the arguments of `resin view` must make one view: no `;` or line breaks".into()));
    }
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let result = session.run_text(&text, &origin, &mut out);
    out.flush().map_err(stdout_error)?;
    result
}
