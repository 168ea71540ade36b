//! `resin bench`: a generated block of coin transfers, run by the sequential
//! and by the parallel executor in the same process, from the same state.
//!
//! Honest by construction: compiling the coin, creating and funding the
//! accounts, and generating the block happen before the clock starts; each
//! timed run starts from the same O(1) snapshot of the funded state and
//! covers exactly what the executor does for a block (keys, plan, execution,
//! merge and state root). The best of `--repeat` runs is reported, and the
//! two executors must agree on every receipt and on the state root.

use std::io::Write;
use std::time::Duration;

use resin_scheduler::{BlockExecutor, BlockOutput, ParallelExecutor, SequentialExecutor};
use resin_state::store::ResourceStore;
use resin_vm::{AccountAddress, CodeCache, ModuleId, Transaction, Value};

use crate::cli::thread_count;
use crate::cli::BenchArgs;
use crate::error::{CliError, CliResult};
use crate::output::stdout_error;
use crate::render::rate;
use crate::workload::{coin_call, transfer_block};

/// Coins each account starts with: enough that no generated transfer fails.
const FUNDING: u64 = 1 << 40;

/// One workload's numbers.
#[derive(Clone, Debug, serde::Serialize)]
pub struct BenchResult {
    pub workload: &'static str,
    pub txs: usize,
    pub accounts: u64,
    pub threads: usize,
    pub cores: usize,
    pub seq_tps: f64,
    pub par_tps: f64,
    pub speedup: f64,
    pub roots_equal: bool,
    pub receipts_equal: bool,
    pub succeeded: usize,
    pub lanes: usize,
    pub dependencies: usize,
    pub seq_ms: f64,
    pub seq_execute_ms: f64,
    pub seq_commit_ms: f64,
    pub par_ms: f64,
    pub par_keys_ms: f64,
    pub par_schedule_ms: f64,
    pub par_execute_ms: f64,
    pub par_commit_ms: f64,
    pub build: &'static str,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The coin module, published, and `n` funded accounts.
fn setup(accounts: u64) -> CliResult<(CodeCache, ModuleId, Vec<AccountAddress>, ResourceStore)> {
    let stdlib = resin_stdlib::modules().map_err(|e| CliError::Other(e.to_string()))?;
    let mut code = CodeCache::new();
    for m in stdlib {
        code.publish_stdlib(m.clone())
            .map_err(|e| CliError::Other(format!("the standard library does not load: {e}")))?;
    }
    let coin = ModuleId::new(AccountAddress::from_u64(1), "coin");
    let addresses: Vec<AccountAddress> = (0..accounts).map(|i| AccountAddress::from_u64(0x1_0000 + i)).collect();
    let mut state = ResourceStore::new();
    let mut executor = SequentialExecutor::new();
    for function in ["register", "mint"] {
        let block: Vec<Transaction> = addresses
            .iter()
            .map(|a| {
                let args = if function == "mint" { vec![Value::U64(FUNDING)] } else { Vec::new() };
                coin_call(&coin, function, *a, args)
            })
            .collect();
        let out = executor.execute_block(&code, &mut state, &block);
        if let Some(r) = out.receipts.iter().find(|r| !r.status.is_success()) {
            return Err(CliError::Other(format!("bench setup: {function} failed: {:?}", r.status)));
        }
    }
    Ok((code, coin, addresses, state))
}

/// Runs `block` once from a fresh O(1) snapshot of `state`.
fn timed(
    executor: &mut dyn BlockExecutor,
    code: &CodeCache,
    state: &ResourceStore,
    block: &[Transaction],
) -> BlockOutput {
    let mut fresh = state.clone();
    executor.execute_block(code, &mut fresh, block)
}

/// Keeps the faster of two runs.
fn faster(best: Option<BlockOutput>, run: BlockOutput) -> BlockOutput {
    match best {
        Some(b) if b.stats.timings.total() <= run.stats.timings.total() => b,
        _ => run,
    }
}

fn workload(
    name: &'static str,
    args: &BenchArgs,
    threads: usize,
    code: &CodeCache,
    state: &ResourceStore,
    block: &[Transaction],
) -> CliResult<BenchResult> {
    let mut sequential = SequentialExecutor::new();
    let mut parallel = ParallelExecutor::new(threads).map_err(|e| CliError::Other(e.to_string()))?;
    // One untimed run each warms caches, thread pools and the cost models.
    let mut seq = timed(&mut sequential, code, state, block);
    let mut par = timed(&mut parallel, code, state, block);
    // Alternate the executors so that a noisy neighbour hurts both alike.
    let (mut best_seq, mut best_par) = (None, None);
    for _ in 0..args.repeat.max(1) {
        best_seq = Some(faster(best_seq, timed(&mut sequential, code, state, block)));
        best_par = Some(faster(best_par, timed(&mut parallel, code, state, block)));
    }
    seq = best_seq.unwrap_or(seq);
    par = best_par.unwrap_or(par);
    let seq_time = seq.stats.timings.total();
    let par_time = par.stats.timings.total();
    let tps = |d: Duration| block.len() as f64 / d.as_secs_f64().max(1e-9);
    let plan = par.stats.plan.clone().unwrap_or_default();
    let t = par.stats.timings;
    let st = seq.stats.timings;
    Ok(BenchResult {
        workload: name,
        txs: block.len(),
        accounts: args.accounts,
        threads,
        cores: thread_count(None),
        seq_tps: tps(seq_time),
        par_tps: tps(par_time),
        speedup: seq_time.as_secs_f64() / par_time.as_secs_f64().max(1e-9),
        roots_equal: seq.state_root == par.state_root,
        receipts_equal: seq.receipts == par.receipts,
        succeeded: par.stats.summary.succeeded,
        lanes: plan.lanes_used,
        dependencies: plan.dependencies,
        seq_ms: ms(seq_time),
        seq_execute_ms: ms(st.keys + st.execute),
        seq_commit_ms: ms(st.commit),
        par_ms: ms(par_time),
        par_keys_ms: ms(t.keys),
        par_schedule_ms: ms(t.schedule),
        par_execute_ms: ms(t.execute),
        par_commit_ms: ms(t.commit),
        build: if cfg!(debug_assertions) { "debug" } else { "release" },
    })
}

pub fn run(args: &BenchArgs) -> CliResult<()> {
    let threads = thread_count(args.threads);
    let (code, coin, addresses, state) = setup(args.accounts)?;
    let p2p = transfer_block(&coin, &addresses, args.txs, 1, args.seed, false);
    let hot = transfer_block(&coin, &addresses, args.txs, 1, args.seed, true);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if !args.json {
        writeln!(
            out,
            "machine: {} cores available; {} build; {} executor thread{}",
            thread_count(None),
            if cfg!(debug_assertions) { "debug (numbers are not representative: use --release)" } else { "release" },
            threads,
            if threads == 1 { "" } else { "s" }
        )
        .map_err(stdout_error)?;
    }
    let mut all_agree = true;
    for (name, block) in [("p2p", &p2p), ("hot", &hot)] {
        let r = workload(name, args, threads, &code, &state, block)?;
        all_agree &= r.roots_equal && r.receipts_equal;
        if args.json {
            let line = serde_json::to_string(&r).map_err(|e| CliError::Other(e.to_string()))?;
            writeln!(out, "{line}").map_err(stdout_error)?;
        } else {
            print_text(&mut out, &r)?;
        }
    }
    if all_agree {
        Ok(())
    } else {
        Err(CliError::Other("the sequential and parallel executors disagree: this is a bug".into()))
    }
}

fn print_text(out: &mut dyn Write, r: &BenchResult) -> CliResult<()> {
    let what = match r.workload {
        "hot" => "every transfer pays one account (one hot key)",
        _ => "random transfers",
    };
    let text = format!(
        "{}: {} txs, {} accounts, {what}\n  sequential: {:>12} tx/s  ({:.1} ms: execute {:.1}, commit {:.1})\n  parallel:   {:>12} tx/s  ({:.1} ms: keys {:.1}, plan {:.1}, execute {:.1}, commit {:.1}), {} lane{}, {} dependencies\n  speedup {:.2}x; {} of {} succeeded; state roots {}, receipts {}\n",
        r.workload,
        r.txs,
        r.accounts,
        rate(r.seq_tps),
        r.seq_ms,
        r.seq_execute_ms,
        r.seq_commit_ms,
        rate(r.par_tps),
        r.par_ms,
        r.par_keys_ms,
        r.par_schedule_ms,
        r.par_execute_ms,
        r.par_commit_ms,
        r.lanes,
        if r.lanes == 1 { "" } else { "s" },
        r.dependencies,
        r.speedup,
        r.succeeded,
        r.txs,
        if r.roots_equal { "equal" } else { "DIFFER" },
        if r.receipts_equal { "equal" } else { "DIFFER" },
    );
    out.write_all(text.as_bytes()).map_err(stdout_error)
}
