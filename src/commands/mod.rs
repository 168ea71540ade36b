//! One module per subcommand; [`dispatch`] runs the parsed command line.

mod build;
mod run;

use std::io;

use crate::cli::{Cli, Command};
use crate::error::{CliError, CliResult};

pub fn dispatch(cli: Cli) -> CliResult<()> {
    match cli.command {
        Command::Check(args) => build::check(&args),
        Command::Compile(args) => build::compile(&args),
        Command::Disasm(args) => build::disasm(&args),
        Command::Run(args) => run::run(&args),
        Command::Schedule(args) => run::schedule(&args),
        Command::Repl(args) => run::repl(&args),
        Command::Bench(args) => crate::bench::run(&args),
    }
}

/// Writing to stdout failed (a closed pipe, a full disk).
pub fn stdout_error(e: io::Error) -> CliError {
    CliError::Other(format!("cannot write output: {e}"))
}

/// The parallel executor's thread count: as asked, or one per core.
pub fn thread_count(asked: Option<u16>) -> usize {
    match asked {
        Some(n) => usize::from(n).max(1),
        None => std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
    }
}
