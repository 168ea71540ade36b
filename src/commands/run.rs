//! `resin run`, `resin schedule` and `resin repl`: the script language
//! against a session.

use std::io::{BufWriter, Write};
use std::path::Path;

use crate::cli::thread_count;
use crate::cli::{ReplArgs, RunArgs, ScheduleArgs};
use crate::error::{read_to_string, CliResult};
use crate::output::stdout_error;
use crate::session::{Mode, Origin, Session, StateOptions};

fn run_script(script: &Path, state: StateOptions<'_>, threads: usize, mode: Mode) -> CliResult<()> {
    let text = read_to_string(script)?;
    let mut session = Session::open(state, threads, mode)?;
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
    run_script(&args.script, state, thread_count(args.threads), Mode::Run)
}

pub fn schedule(args: &ScheduleArgs) -> CliResult<()> {
    let state = StateOptions { path: args.state.as_deref(), verify: args.verify_state };
    run_script(&args.script, state, thread_count(args.threads), Mode::Schedule { dot: args.dot })
}

pub fn repl(args: &ReplArgs) -> CliResult<()> {
    let state = StateOptions { path: args.state.state.as_deref(), verify: args.state.verify_state };
    let session = Session::open(state, thread_count(args.threads), Mode::Run)?;
    crate::repl::run(session)
}
