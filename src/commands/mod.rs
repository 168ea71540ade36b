//! One module per subcommand; [`dispatch`] runs the parsed command line.

mod build;
mod build_pkg;
mod fmt;
mod new;
mod run;
mod test;

use crate::cli::{Cli, Command};
use crate::error::CliResult;

pub fn dispatch(cli: Cli) -> CliResult<()> {
    match cli.command {
        Command::Check(args) => build::check(&args),
        Command::Compile(args) => build::compile(&args),
        Command::Disasm(args) => build::disasm(&args),
        Command::Run(args) => run::run(&args),
        Command::Schedule(args) => run::schedule(&args),
        Command::Repl(args) => run::repl(&args),
        Command::Fmt(args) => fmt::fmt(&args),
        Command::Bench(args) => crate::bench::run(&args),
        Command::Test(args) => test::test(&args),
        Command::New(args) => new::new(&args),
        Command::Build(args) => build_pkg::build(&args),
        Command::View(args) => run::view(&args),
    }
}
