//! The command line, declared with clap's derive API. Every subcommand has
//! `--help`; clap's own usage errors exit with code 2.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "resin",
    version,
    about = "Compile, run, schedule and benchmark Resin contracts",
    long_about = "Compile, run, schedule and benchmark Resin contracts.\n\n\
                  Exit codes: 0 success, 1 user error (bad source, bytecode, script or state file, \
                  a failed `expect`), 2 bad usage.",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Type-check Resin sources and print their diagnostics.
    Check(CheckArgs),
    /// Compile Resin sources to `.rbc` bytecode modules, or print an intermediate form.
    Compile(CompileArgs),
    /// Print the disassembly of a `.rbc` bytecode module.
    Disasm(DisasmArgs),
    /// Run a transaction script (`.rsx`) and print its receipts.
    Run(RunArgs),
    /// Print the lane plan of every block of a script, without committing anything.
    Schedule(ScheduleArgs),
    /// Start an interactive session that speaks the script language.
    Repl(ReplArgs),
    /// Format Resin sources (`.rsn`) in place, or check that they are formatted.
    Fmt(FmtArgs),
    /// Benchmark blocks of transactions on the standard library: the parallel executor against the same engine on one thread.
    Bench(BenchArgs),
    /// Run a package's `#[test]` functions and scripts, in parallel.
    Test(TestArgs),
    /// Create a package: NAME/ with Resin.toml, sources/, tests/ and scripts/.
    New(NewArgs),
    /// Compile a package and its dependencies into its build/ folder.
    Build(BuildArgs),
    /// Call a public function against a state file and print its return values, committing nothing.
    View(ViewArgs),
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Resin source files (`.rsn`), checked together so they may use each
    /// other, and compiled modules (`.rbc`) they may use.
    #[arg(required = true, value_name = "FILES")]
    pub files: Vec<PathBuf>,
}

/// What `resin compile` produces.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Emit {
    /// Binary `.rbc` modules written to the output directory.
    #[default]
    Bytecode,
    /// The disassembly of every module, printed.
    Asm,
    /// Every function's access set, printed.
    Access,
    /// The parsed syntax tree, printed.
    Ast,
    /// The token stream, printed.
    Tokens,
}

#[derive(Args, Debug)]
pub struct CompileArgs {
    /// Resin source files (`.rsn`), compiled together, and compiled modules
    /// (`.rbc`) they may use (not written again).
    #[arg(required = true, value_name = "FILES")]
    pub files: Vec<PathBuf>,
    /// Directory for the `.rbc` files (created if missing).
    #[arg(short = 'o', long = "out-dir", value_name = "DIR", default_value = ".")]
    pub out_dir: PathBuf,
    /// The form to produce.
    #[arg(long, value_enum, default_value_t = Emit::Bytecode)]
    pub emit: Emit,
    /// Write `.rbc` files without their debug section (constant names and
    /// source maps): smaller, and failures then show code offsets.
    #[arg(long)]
    pub strip: bool,
}

#[derive(Args, Debug)]
pub struct FmtArgs {
    /// Resin source files, or directories to format every `.rsn` file under.
    #[arg(required = true, value_name = "FILES")]
    pub files: Vec<PathBuf>,
    /// Change nothing: print the files that are not formatted, and exit 1 if any.
    #[arg(long, conflicts_with = "stdout")]
    pub check: bool,
    /// Print the formatted text instead of rewriting the files.
    #[arg(long)]
    pub stdout: bool,
}

#[derive(Args, Debug)]
pub struct DisasmArgs {
    /// A bytecode module written by `resin compile`.
    #[arg(value_name = "FILE.rbc")]
    pub file: PathBuf,
}

#[derive(Args, Debug)]
pub struct StateArg {
    /// Keep modules, resources and account names in this database file
    /// (created if missing). Without it, state lives in memory.
    #[arg(long, value_name = "PATH")]
    pub state: Option<PathBuf>,
    /// Verify every module of the state file again, even those the file
    /// records as verified.
    #[arg(long, requires = "state")]
    pub verify_state: bool,
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// The script to run (`.rsx`).
    #[arg(value_name = "SCRIPT")]
    pub script: PathBuf,
    #[command(flatten)]
    pub state: StateArg,
    /// Worker threads of the parallel executor (default: one per core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Print each receipt, block and view as one JSON object per line, and
    /// nothing for other commands.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct ScheduleArgs {
    /// The script whose blocks are planned (`.rsx`).
    #[arg(value_name = "SCRIPT")]
    pub script: PathBuf,
    /// Print the plans as Graphviz DOT instead of text.
    #[arg(long)]
    pub dot: bool,
    /// Start from the state in this file (read only: nothing is written).
    #[arg(long, value_name = "PATH")]
    pub state: Option<PathBuf>,
    /// Verify every module of the state file again, even those the file
    /// records as verified.
    #[arg(long, requires = "state")]
    pub verify_state: bool,
    /// Lanes to plan for (default: one per core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
}

#[derive(Args, Debug)]
pub struct ReplArgs {
    #[command(flatten)]
    pub state: StateArg,
    /// Worker threads of the parallel executor (default: one per core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
}

#[derive(Args, Debug)]
pub struct TestArgs {
    /// Sources (`.rsn`) and scripts (`.rsx`) to test, instead of a package.
    #[arg(value_name = "FILES")]
    pub files: Vec<PathBuf>,
    /// The package's directory (default: the current one).
    #[arg(long, value_name = "DIR", conflicts_with = "files")]
    pub path: Option<PathBuf>,
    /// Run only the tests whose name contains this text.
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,
    /// Print one JSON object per test and one for the summary.
    #[arg(long)]
    pub json: bool,
    /// Tests run at once (default: one per core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
}

#[derive(Args, Debug, Clone)]
pub struct BenchArgs {
    /// Number of accounts the transactions come from.
    #[arg(long, value_name = "N", default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(2..=10_000_000))]
    pub accounts: u64,
    /// Transactions per block.
    #[arg(long, value_name = "N", default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub txs: u64,
    /// Consecutive blocks per workload, each with its own seed on the state
    /// the one before left; the report is their median, min and max.
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub blocks: u32,
    /// Blocks each executor runs first, untimed (results still compared):
    /// a new process pays the operating system for every page it touches
    /// the first time, a node that has run for a while does not.
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u32).range(0..=100))]
    pub warmup: u32,
    /// Worker threads of the parallel executor (default: one per core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Seed of the first block, warm-up included (block i uses seed + i).
    #[arg(long, value_name = "S", default_value_t = 42)]
    pub seed: u64,
    /// Print one JSON object per workload instead of text.
    #[arg(long)]
    pub json: bool,
    /// The workloads to run (comma-separated or repeated): one by name, or
    /// `suite` (transfers, hot, nft, amm, dao, mixed, chain), `coins` (p2p,
    /// p2p-generic, hot-key, chain), `shared` (approvals, votes, mints) or
    /// `all` (every workload, the default).
    #[arg(long = "workload", value_name = "NAME", value_enum, value_delimiter = ',')]
    pub workloads: Vec<WorkloadArg>,
    /// The Zipf exponent of `hot`'s senders and recipients: account k (from
    /// 1) is picked with weight 1/k^S. Must be above 0.
    #[arg(long, value_name = "S", default_value_t = 1.0, value_parser = zipf_exponent, allow_negative_numbers = true)]
    pub zipf: f64,
    /// The pools `amm`'s swaps spread over (created and funded in setup).
    #[arg(long, value_name = "K", default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=4096), allow_negative_numbers = true)]
    pub pools: u32,
}

/// `--zipf`: a finite number above 0.
fn zipf_exponent(text: &str) -> Result<f64, String> {
    let s: f64 = text.trim().parse().map_err(|_| format!("`{text}` is not a number"))?;
    if s.is_finite() && s > 0.0 {
        Ok(s)
    } else {
        Err(format!("the Zipf exponent must be a finite number above 0 (1.0 is the usual skew), not {text}"))
    }
}

/// What `resin bench --workload` names.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkloadArg {
    /// Uniform random transfers of the standard library's currency coin `0x1::currency::Coin<T>`.
    Transfers,
    /// Transfers of the currency coin with Zipf-skewed senders and recipients (`--zipf`).
    Hot,
    /// Mints and transfers of NFTs across several collections (`0x1::nft`).
    Nft,
    /// Swaps over `--pools` constant-product pools (`0x1::amm`).
    Amm,
    /// Votes on a few proposals per block (`0x1::dao`).
    Dao,
    /// transfers, nft, amm and dao interleaved in one block.
    Mixed,
    /// Each transfer's receiver sends the next.
    Chain,
    /// Random transfers of the test coin `0x1::coin` between distinct accounts.
    P2p,
    /// p2p's transfers through the generic coin, alternating two currencies.
    P2pGeneric,
    /// Every transfer pays one account.
    HotKey,
    /// Token approvals of distinct spenders, then each spender's transfer_from.
    Approvals,
    /// Many voters on one proposal; tallies by counters.
    Votes,
    /// Many minters into one collection, distinct ids.
    Mints,
    /// transfers, hot, nft, amm, dao, mixed and chain: the standard library's workloads.
    Suite,
    /// p2p, p2p-generic, hot-key and chain: the test coins.
    Coins,
    /// approvals, votes and mints (the example modules).
    Shared,
    /// Every workload (the default).
    All,
}

#[derive(Args, Debug)]
pub struct NewArgs {
    /// The package's name: also its module's name and its named address.
    #[arg(value_name = "NAME")]
    pub name: String,
    /// Create NAME/ in this folder.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub path: PathBuf,
}

#[derive(Args, Debug)]
pub struct BuildArgs {
    /// The package folder (the one holding Resin.toml).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub path: PathBuf,
}

#[derive(Args, Debug)]
pub struct ViewArgs {
    /// The state file to read (never written).
    #[arg(long, value_name = "PATH")]
    pub state: PathBuf,
    /// Verify every module of the state file again.
    #[arg(long)]
    pub verify_state: bool,
    /// Print the result as a JSON object.
    #[arg(long)]
    pub json: bool,
    /// The function, `MODULE::FUNCTION` or `MODULE::FUNCTION<TYPES>`.
    #[arg(value_name = "MODULE::FUNCTION")]
    pub function: String,
    /// Its arguments, written as in a script's `call`.
    #[arg(value_name = "ARGS", allow_hyphen_values = true)]
    pub args: Vec<String>,
}

/// The parallel executor's thread count: as asked, or one per core.
pub fn thread_count(asked: Option<u16>) -> usize {
    match asked {
        Some(n) => usize::from(n).max(1),
        None => std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
    }
}
