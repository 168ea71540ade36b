//! `resin bench`: consecutive generated blocks of coin transfers, each run by
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

mod machine;
mod measure;
mod report;

use std::io::Write;

use resin_scheduler::{BlockExecutor, InOrderExecutor, ParallelExecutor};
use resin_state::store::ResourceStore;
use resin_vm::{AccountAddress, CodeCache, ModuleId, Value};

use crate::cli::{thread_count, BenchArgs};
use crate::error::{CliError, CliResult};
use crate::output::stdout_error;
use crate::workload::{coin_call, pattern_block, Pattern};
use machine::{core_round_trip, cpu_model, Progress};
use measure::Runner;
use report::{BenchResult, Collected, Context};

/// Coins each account starts with: enough that no generated transfer fails.
const FUNDING: u64 = 1 << 40;

const WORKLOADS: [(&str, Pattern); 3] = [("p2p", Pattern::P2p), ("hot", Pattern::Hot), ("chain", Pattern::Chain)];

fn other(e: impl std::fmt::Display) -> CliError {
    CliError::Other(e.to_string())
}

/// The coin module, published, and `accounts` registered and funded accounts.
fn setup(accounts: u64, threads: usize) -> CliResult<(CodeCache, ModuleId, Vec<AccountAddress>, ResourceStore)> {
    let stdlib = resin_stdlib::modules().map_err(other)?;
    let mut code = CodeCache::new();
    for m in stdlib {
        code.publish_stdlib(m.clone())
            .map_err(|e| CliError::Other(format!("the standard library does not load: {e}")))?;
    }
    let coin = ModuleId::new(AccountAddress::from_u64(1), "coin");
    let addresses: Vec<AccountAddress> = (0..accounts).map(|i| AccountAddress::from_u64(0x1_0000 + i)).collect();
    let mut state = ResourceStore::new();
    let mut executor = ParallelExecutor::new(threads).map_err(other)?;
    for function in ["register", "mint"] {
        let args = if function == "mint" { vec![Value::U64(FUNDING)] } else { Vec::new() };
        let block: Vec<_> = addresses.iter().map(|a| coin_call(&coin, function, *a, args.clone())).collect();
        let out = executor.execute_block(&code, &mut state, &block);
        if let Some(r) = out.receipts.iter().find(|r| !r.status.is_success()) {
            return Err(CliError::Other(format!("bench setup: {function} failed: {:?}", r.status)));
        }
    }
    Ok((code, coin, addresses, state))
}

/// A copy of `state` that shares no node with it, so that neither executor's
/// chain of states frees or copies nodes the other holds.
fn unshared(state: &ResourceStore) -> ResourceStore {
    ResourceStore::from_entries(state.sorted_entries().into_iter().map(|(k, v)| (k, v.clone())).collect())
}

struct Workload<'a> {
    code: &'a CodeCache,
    coin: &'a ModuleId,
    addresses: &'a [AccountAddress],
    funded: &'a ResourceStore,
}

impl Workload<'_> {
    fn run(
        &self,
        name: &str,
        pattern: Pattern,
        args: &BenchArgs,
        threads: usize,
        progress: &mut Progress,
    ) -> CliResult<Collected> {
        let mut par = Runner { executor: ParallelExecutor::new(threads).map_err(other)?, state: unshared(self.funded) };
        let mut seq = Runner { executor: InOrderExecutor::new().map_err(other)?, state: unshared(self.funded) };
        let before = core_round_trip();
        let mut c = Collected {
            par: Vec::new(),
            seq: Vec::new(),
            roots_equal: true,
            receipts_equal: true,
            round_trip_ns: [before, None],
        };
        for b in 0..u64::from(args.blocks) {
            let seed = args.seed.wrapping_add(b);
            let block = pattern_block(self.coin, self.addresses, args.txs, 1, seed, pattern);
            c.roots_equal &= par.state.root() == seq.state.root();
            let label = format!("{name} block {}/{}", b + 1, args.blocks);
            // Alternate which executor runs first, so that a noisy
            // neighbour or a warm cache favours neither.
            let (p, s) = if b % 2 == 0 {
                progress.doing(format!("{label}, in order"));
                let s = seq.run(self.code, &block);
                progress.step();
                progress.doing(format!("{label}, parallel"));
                let p = par.run(self.code, &block);
                (p, s)
            } else {
                progress.doing(format!("{label}, parallel"));
                let p = par.run(self.code, &block);
                progress.step();
                progress.doing(format!("{label}, in order"));
                let s = seq.run(self.code, &block);
                (p, s)
            };
            progress.step();
            c.roots_equal &= p.output.state_root == s.output.state_root;
            c.receipts_equal &= p.output.receipts == s.output.receipts;
            c.par.push(par.finish(p));
            c.seq.push(seq.finish(s));
        }
        c.round_trip_ns[1] = core_round_trip();
        Ok(c)
    }
}

pub fn run(args: &BenchArgs) -> CliResult<()> {
    let threads = thread_count(args.threads);
    let ctx = Context {
        txs: args.txs as usize,
        accounts: args.accounts,
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
        writeln!(out, "machine: {} cores{cpu}; {build}; {threads} executor thread{s}", ctx.cores)
            .map_err(stdout_error)?;
        writeln!(
            out,
            "{} blocks of {} transfers per workload over {} accounts, each block with its own seed on the state the one before left;\n\
             times are the wall time of the whole block, including dropping what it leaves behind: median [min-max]",
            args.blocks,
            crate::render::thousands(args.txs),
            crate::render::thousands(args.accounts),
        )
        .map_err(stdout_error)?;
        out.flush().map_err(stdout_error)?;
    }
    let mut progress = Progress::new(1 + 2 * WORKLOADS.len() as u64 * u64::from(args.blocks));
    progress.doing("funding the accounts".into());
    let (code, coin, addresses, funded) = setup(args.accounts, threads)?;
    progress.step();
    let workload = Workload { code: &code, coin: &coin, addresses: &addresses, funded: &funded };
    let mut all_agree = true;
    let mut results = Vec::new();
    for (name, pattern) in WORKLOADS {
        let collected = workload.run(name, pattern, args, threads, &mut progress)?;
        let result = BenchResult::new(name, &ctx, &collected);
        all_agree &= result.roots_equal && result.receipts_equal;
        results.push(result);
    }
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
