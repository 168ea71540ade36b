//! `resin bench`: consecutive generated blocks (the standard library's
//! workloads, see [`suite`]; transfers of the test coins; calls on the
//! example shared objects, see [`shared`]), each run by
//! the parallel executor and by the same engine on one thread in block order
//! (the in-order executor), on identical copies of each block's pre-state.
//!
//! What is timed is what a chain pays per block: the wall time of
//! `execute_block` as a black box (keys, graph and plan, execution, commit,
//! the state root, the cost-model update) plus dropping everything the block
//! leaves behind (receipts and write sets, the superseded state). Each block
//! is generated with its own seed and runs on the state the previous block
//! produced, so the cost model knows only earlier blocks and no block is
//! replayed. Setting up the funded accounts, generating blocks and comparing
//! the executors' results happen off the clock. The report is the median
//! with min and max over the blocks; the executors must agree on every
//! receipt and state root of every block.
//!
//! `p2p-generic` is `p2p`'s blocks (same seeds, same senders, receivers and
//! amounts) sent through `0x1::generic_coin::transfer<T>` instead of
//! `0x1::coin::transfer`, alternating between two currencies (`0x2::usd::USD`
//! and `0x3::eur::EUR`, published in setup), each account funded in both. It
//! prices generics: its report gives its median block time over `p2p`'s, in
//! order and in parallel. The two currencies never conflict, so the parallel
//! plan has fewer dependencies than `p2p`'s; the in-order ratio compares the
//! same work transaction for transaction.

mod ceiling;
mod heap;
mod machine;
mod measure;
mod memory;
mod report;
mod shared;
mod suite;

use std::io::Write;

use clap::ValueEnum;
use resin_scheduler::{BlockExecutor, InOrderExecutor, ParallelExecutor};
use resin_state::store::ResourceStore;
use resin_state::type_tag::{StructTag, TypeTag};
use resin_vm::{AccountAddress, BlockContext, CodeCache, ModuleId, Transaction, Value};

use crate::cli::{thread_count, BenchArgs, WorkloadArg};
use crate::error::{CliError, CliResult};
use crate::output::stdout_error;
use crate::workload::{coin_call, in_currencies, pattern_block, Pattern};
use ceiling::parallel_ceiling;
use machine::{core_round_trip, cpu_model, Progress};
use measure::Runner;
use report::{BenchResult, Collected, Context};
pub use suite::Kind;

/// Coins each account starts with: enough that no generated transfer fails.
const FUNDING: u64 = 1 << 40;

/// A workload: transfers of the test coins (who pays whom, and whether
/// they go through the generic coin in two currencies), calls on a shared
/// example object, or the standard library's workloads ([`suite`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workload {
    Coins {
        name: &'static str,
        pattern: Pattern,
        generic: bool,
    },
    /// The standard library's modules, set up by [`suite::setup`].
    Suite(Kind),
    /// `0x1::token`: owners approve spenders, spenders `transfer_from`.
    Approvals,
    /// `0x1::dao`: voters on one proposal a block.
    Votes,
    /// `0x1::nft`: minters into one collection.
    Mints,
}

impl Workload {
    pub fn name(self) -> &'static str {
        match self {
            Workload::Coins { name, .. } => name,
            Workload::Suite(kind) => kind.name(),
            Workload::Approvals => "approvals",
            Workload::Votes => "votes",
            Workload::Mints => "mints",
        }
    }

    fn is_coins(self) -> bool {
        matches!(self, Workload::Coins { .. })
    }

    fn is_suite(self) -> bool {
        matches!(self, Workload::Suite(_) | Workload::Coins { pattern: Pattern::Chain, .. })
    }

    fn is_shared(self) -> bool {
        matches!(self, Workload::Approvals | Workload::Votes | Workload::Mints)
    }
}

/// Every workload, in the order they run and print.
pub const WORKLOADS: [Workload; 13] = [
    Workload::Suite(Kind::Transfers),
    Workload::Suite(Kind::Hot),
    Workload::Suite(Kind::Nft),
    Workload::Suite(Kind::Amm),
    Workload::Suite(Kind::Dao),
    Workload::Suite(Kind::Mixed),
    Workload::Coins { name: "p2p", pattern: Pattern::P2p, generic: false },
    Workload::Coins { name: "p2p-generic", pattern: Pattern::P2p, generic: true },
    Workload::Coins { name: "hot-key", pattern: Pattern::Hot, generic: false },
    Workload::Coins { name: "chain", pattern: Pattern::Chain, generic: false },
    Workload::Approvals,
    Workload::Votes,
    Workload::Mints,
];

impl WorkloadArg {
    /// Whether `--workload self` runs `w`.
    fn includes(self, w: Workload) -> bool {
        match self {
            WorkloadArg::All => true,
            WorkloadArg::Suite => w.is_suite(),
            WorkloadArg::Coins => w.is_coins(),
            WorkloadArg::Shared => w.is_shared(),
            one => one.to_possible_value().is_some_and(|v| v.get_name() == w.name()),
        }
    }
}

/// The generic workload's median over this one's.
const GENERIC_BASELINE: &str = "p2p";

/// The currencies of the generic workload: marker types, published by the
/// bench (they are not the standard library's business).
const CURRENCY_SOURCES: [(&str, &str); 2] = [
    ("<bench>/usd.rsn", "/// A currency for `0x1::generic_coin`: only a name.\nmodule 0x2::usd {\n    struct USD has copy, drop, store {}\n}\n"),
    ("<bench>/eur.rsn", "/// A currency for `0x1::generic_coin`: only a name.\nmodule 0x3::eur {\n    struct EUR has copy, drop, store {}\n}\n"),
];

/// `0x2::usd::USD` and `0x3::eur::EUR`.
fn currencies() -> Vec<TypeTag> {
    [(2, "usd", "USD"), (3, "eur", "EUR")]
        .into_iter()
        .map(|(a, module, name)| {
            let module = ModuleId::new(AccountAddress::from_u64(a), module);
            TypeTag::Struct(Box::new(StructTag::new(module, name, Vec::new())))
        })
        .collect()
}

/// Compiles and publishes [`CURRENCY_SOURCES`].
fn publish_currencies(code: &mut CodeCache) -> CliResult<()> {
    let files: Vec<_> = CURRENCY_SOURCES.iter().map(|(name, text)| resin_lang::SourceFile::new(*name, *text)).collect();
    let result = resin_lang::compile(&files, &[]);
    if result.diagnostics.has_errors() {
        return Err(CliError::Other(format!(
            "bench setup: the currencies do not compile:\n{}",
            result.diagnostics.render(&files)
        )));
    }
    for m in result.modules {
        code.publish(m.module).map_err(|e| CliError::Other(format!("bench setup: a currency does not load: {e}")))?;
    }
    Ok(())
}

/// What setup leaves: the code, the coins, the accounts and their funds.
struct Setup {
    code: CodeCache,
    coin: ModuleId,
    generic_coin: ModuleId,
    currencies: Vec<TypeTag>,
    addresses: Vec<AccountAddress>,
    funded: ResourceStore,
}

fn other(e: impl std::fmt::Display) -> CliError {
    CliError::Other(e.to_string())
}

/// A code cache holding the standard library, as every workload's setup
/// starts.
fn stdlib_code() -> CliResult<CodeCache> {
    let mut code = CodeCache::new();
    for m in resin_stdlib::modules().map_err(other)? {
        code.publish_stdlib(m.clone())
            .map_err(|e| CliError::Other(format!("the standard library does not load: {e}")))?;
    }
    Ok(code)
}

/// Executes one untimed setup block on `state`; any failed transaction is
/// an error naming `what` and the call (setup must leave every account as
/// the workload expects it).
fn apply_setup(
    executor: &mut ParallelExecutor,
    code: &CodeCache,
    state: &mut ResourceStore,
    what: &str,
    block: Vec<Transaction>,
) -> CliResult<()> {
    let out = executor.execute_block(code, state, &block, BlockContext::default());
    if let Some((tx, r)) = block.iter().zip(&out.receipts).find(|(_, r)| !r.status.is_success()) {
        return Err(CliError::Other(format!(
            "bench setup: {what} failed ({}::{}): {:?}",
            tx.module, tx.function, r.status
        )));
    }
    Ok(())
}

/// The coin modules and currencies, published, and `accounts` accounts
/// registered and funded in the coin and in each currency of the generic coin.
fn setup(accounts: u64, threads: usize) -> CliResult<Setup> {
    let mut code = stdlib_code()?;
    publish_currencies(&mut code)?;
    let coin = ModuleId::new(AccountAddress::from_u64(1), "coin");
    let generic_coin = ModuleId::new(AccountAddress::from_u64(1), "generic_coin");
    let currencies = currencies();
    let addresses: Vec<AccountAddress> = (0..accounts).map(|i| AccountAddress::from_u64(0x1_0000 + i)).collect();
    let mut state = ResourceStore::new();
    let mut executor = ParallelExecutor::new(threads).map_err(other)?;
    for function in ["register", "mint"] {
        let args = if function == "mint" { vec![Value::U64(FUNDING)] } else { Vec::new() };
        let block: Vec<_> = addresses.iter().map(|a| coin_call(&coin, function, *a, args.clone())).collect();
        let mut blocks = vec![block.clone()];
        for currency in &currencies {
            blocks.push(in_currencies(block.clone(), &generic_coin, std::slice::from_ref(currency)));
        }
        for block in blocks {
            apply_setup(&mut executor, &code, &mut state, function, block)?;
        }
    }
    Ok(Setup { code, coin, generic_coin, currencies, addresses, funded: state })
}

/// A copy of `state` that shares no node with it, so that neither executor's
/// chain of states frees or copies nodes the other holds.
fn unshared(state: &ResourceStore) -> ResourceStore {
    ResourceStore::from_entries(state.sorted_entries().into_iter().map(|(k, v)| (k, v.clone())).collect())
}

/// Block `seed` of a transfer workload.
fn transfer_workload_block(
    s: &Setup,
    args: &BenchArgs,
    seed: u64,
    pattern: Pattern,
    generic: bool,
) -> Vec<Transaction> {
    let block = pattern_block(&s.coin, &s.addresses, args.txs, 1, seed, pattern);
    if generic {
        in_currencies(block, &s.generic_coin, &s.currencies)
    } else {
        block
    }
}

/// A workload's blocks: block `b` (from 0) of a run with seed `seed`.
type Blocks<'a> = Box<dyn Fn(u64, u64) -> Vec<Transaction> + 'a>;

/// Blocks each executor runs per workload: the untimed warm-up, then the
/// timed ones.
fn run_blocks(args: &BenchArgs) -> u64 {
    u64::from(args.warmup) + u64::from(args.blocks)
}

/// The context of block `b` of a workload: every block one higher, one
/// second later (what a chain's blocks look like; no workload's outcome
/// depends on it).
fn block_context(b: u64) -> BlockContext {
    BlockContext { timestamp: BENCH_TIME.saturating_add(b), height: b.saturating_add(1) }
}

/// The block time of a workload's first block.
const BENCH_TIME: u64 = 1_700_000_000;

/// Runs a workload's blocks on both executors from `funded` (see the module
/// documentation).
fn run_workload(
    name: &str,
    code: &CodeCache,
    funded: &ResourceStore,
    blocks: &Blocks<'_>,
    args: &BenchArgs,
    threads: usize,
    progress: &mut Progress,
) -> CliResult<Collected> {
    let reserve = heap::reserve_for(args.txs as usize);
    let mut par = Runner { executor: ParallelExecutor::new(threads).map_err(other)?, state: unshared(funded), reserve };
    let mut seq = Runner { executor: InOrderExecutor::new().map_err(other)?, state: unshared(funded), reserve };
    let before = core_round_trip();
    let ceiling_before = parallel_ceiling(threads);
    let mut c = Collected {
        par: Vec::new(),
        seq: Vec::new(),
        roots_equal: true,
        receipts_equal: true,
        round_trip_ns: [before, None],
        ceiling: [ceiling_before, None],
    };
    let warmup = u64::from(args.warmup);
    for b in 0..run_blocks(args) {
        let seed = args.seed.wrapping_add(b);
        let block = blocks(b, seed);
        let context = block_context(b);
        c.roots_equal &= par.state.root() == seq.state.root();
        let label = match b.checked_sub(warmup) {
            None => format!("{name} warm-up block {}/{}", b + 1, args.warmup),
            Some(m) => format!("{name} block {}/{}", m + 1, args.blocks),
        };
        // Alternate which executor runs first, so that a noisy
        // neighbour or a warm cache favours neither.
        let (p, s) = if b % 2 == 0 {
            progress.doing(format!("{label}, in order"));
            let s = seq.run(code, &block, context);
            progress.step();
            progress.doing(format!("{label}, parallel"));
            let p = par.run(code, &block, context);
            (p, s)
        } else {
            progress.doing(format!("{label}, parallel"));
            let p = par.run(code, &block, context);
            progress.step();
            progress.doing(format!("{label}, in order"));
            let s = seq.run(code, &block, context);
            (p, s)
        };
        progress.step();
        c.roots_equal &= p.output.state_root == s.output.state_root;
        c.receipts_equal &= p.output.receipts == s.output.receipts;
        let (p, s) = (par.finish(p), seq.finish(s));
        if b >= warmup {
            c.par.push(p);
            c.seq.push(s);
        }
    }
    // An executor may keep what a block left behind and free it during the
    // next one (the parallel executor does), so each timed block pays for
    // the one before: the first for the warm-up's. Without a warm-up, the
    // last timed block pays for its own too.
    let left = [par.flush(), seq.flush()];
    if warmup == 0 {
        for (samples, left) in [&mut c.par, &mut c.seq].into_iter().zip(left) {
            if let Some(last) = samples.last_mut() {
                last.wall += left;
                last.dropped += left;
            }
        }
    }
    c.round_trip_ns[1] = core_round_trip();
    c.ceiling[1] = parallel_ceiling(threads);
    Ok(c)
}

/// The workloads `--workload` selects, in the order they are listed in
/// [`WORKLOADS`] (each once).
pub fn selected(asked: &[WorkloadArg]) -> Vec<Workload> {
    let asked: &[WorkloadArg] = if asked.is_empty() { &[WorkloadArg::All] } else { asked };
    WORKLOADS.into_iter().filter(|w| asked.iter().any(|a| a.includes(*w))).collect()
}

pub fn run(args: &BenchArgs) -> CliResult<()> {
    let workloads = selected(&args.workloads);
    let transfers = workloads.iter().any(|w| w.is_coins());
    let shared = workloads.iter().any(|w| w.is_shared());
    let kinds: Vec<Kind> = workloads
        .iter()
        .filter_map(|w| match w {
            Workload::Suite(kind) => Some(*kind),
            _ => None,
        })
        .collect();
    // Each of the three kinds of workload has its own setup, all kept alive.
    let setups = u64::from(transfers) + u64::from(shared) + u64::from(!kinds.is_empty());
    memory::check(args.txs, args.accounts, setups, memory::available())?;
    let threads = thread_count(args.threads);
    let ctx = Context {
        txs: args.txs as usize,
        accounts: args.accounts,
        warmup: args.warmup,
        threads,
        cores: thread_count(None),
        cpu: cpu_model(),
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if !args.json {
        let cpu = ctx.cpu.as_deref().map(|c| format!(", {c}")).unwrap_or_default();
        let build = if cfg!(debug_assertions) {
            "debug build (numbers are not representative: use --release)"
        } else {
            "release build"
        };
        let s = if threads == 1 { "" } else { "s" };
        let pinned = match resin_scheduler::pinning::pins(threads) {
            Some(cores) if cores < threads => {
                format!(", pinned to the {cores} cores in turn (more threads than cores)")
            }
            Some(_) => ", each pinned to a core of its own".to_string(),
            None => String::new(),
        };
        writeln!(out, "machine: {} cores{cpu}; {build}; {threads} executor thread{s}{pinned}", ctx.cores)
            .map_err(stdout_error)?;
        writeln!(
            out,
            "{} blocks of {} {} per workload over {} accounts, each block with its own seed on the state the one before left,\n\
             after {} untimed warm-up block{}; times are the wall time of the whole block, including dropping what it leaves behind: median [min-max]",
            args.blocks,
            crate::render::thousands(args.txs),
            if selected(&args.workloads).iter().all(|w| w.is_coins() || *w == Workload::Suite(Kind::Transfers) || *w == Workload::Suite(Kind::Hot)) { "transfers" } else { "transactions" },
            crate::render::thousands(args.accounts),
            args.warmup,
            if args.warmup == 1 { "" } else { "s" },
        )
        .map_err(stdout_error)?;
        out.flush().map_err(stdout_error)?;
    }
    let mut progress = Progress::new(setups + 2 * workloads.len() as u64 * run_blocks(args));
    let transfer_setup = match transfers {
        true => {
            progress.doing("funding the accounts".into());
            let s = setup(args.accounts, threads)?;
            progress.step();
            Some(s)
        }
        false => None,
    };
    let shared_setup = match shared {
        true => {
            progress.doing("opening the shared objects".into());
            let s = shared::setup(args.accounts, run_blocks(args), workloads.contains(&Workload::Approvals), threads)?;
            progress.step();
            Some(s)
        }
        false => None,
    };
    let suite_setup = match kinds.is_empty() {
        false => {
            progress.doing("setting up the standard library's workloads".into());
            let s = suite::setup(&suite::Params::new(args, &kinds), threads)?;
            progress.step();
            Some(s)
        }
        true => None,
    };
    let mut all_agree = true;
    let mut results = Vec::new();
    for workload in workloads {
        let name = workload.name();
        let (code, funded, blocks): (&CodeCache, &ResourceStore, Blocks<'_>) =
            match (workload, &transfer_setup, &shared_setup) {
                (Workload::Suite(kind), _, _) => match &suite_setup {
                    Some(s) => (&s.code, &s.funded, Box::new(move |b, seed| s.block(kind, b, seed))),
                    None => {
                        return Err(CliError::Other(format!("bench: no setup for the workload {name} (this is a bug)")))
                    }
                },
                (Workload::Coins { pattern, generic, .. }, Some(s), _) => (
                    &s.code,
                    &s.funded,
                    Box::new(move |_, seed| transfer_workload_block(s, args, seed, pattern, generic)),
                ),
                (Workload::Approvals, _, Some(s)) => {
                    (&s.code, &s.funded, Box::new(move |_, seed| s.approvals(args.txs, seed)))
                }
                (Workload::Votes, _, Some(s)) => {
                    (&s.code, &s.funded, Box::new(move |b, seed| s.votes(args.txs, b, seed)))
                }
                (Workload::Mints, _, Some(s)) => (&s.code, &s.funded, Box::new(move |b, _| s.mints(args.txs, b))),
                _ => return Err(CliError::Other(format!("bench: no setup for the workload {name} (this is a bug)"))),
            };
        let collected = run_workload(name, code, funded, &blocks, args, threads, &mut progress)?;
        let mut result = BenchResult::new(name, &ctx, &collected);
        match workload {
            Workload::Suite(Kind::Hot) => result.zipf = Some(args.zipf),
            Workload::Suite(Kind::Amm | Kind::Mixed) => result.pools = Some(args.pools),
            _ => {}
        }
        all_agree &= result.roots_equal && result.receipts_equal;
        results.push(result);
    }
    report::compare_generic(&mut results, GENERIC_BASELINE);
    progress.finish();
    for r in &results {
        if args.json {
            let line = serde_json::to_string(r).map_err(other)?;
            writeln!(out, "{line}").map_err(stdout_error)?;
        } else {
            r.print_text(&mut out)?;
        }
    }
    if all_agree {
        Ok(())
    } else {
        Err(CliError::Other("the in-order and parallel executors disagree: this is a bug".into()))
    }
}
