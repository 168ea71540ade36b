//! `call` and `block`: executing transactions, printing receipts, and
//! committing the writes of each call or block in one step.

use std::collections::BTreeMap;
use std::io::Write;
use std::time::{Duration, Instant};

use resin_state::store::ResourceStore;
use resin_vm::{Receipt, ResourceKey, Transaction, Value};

use super::calls::describe_call;
use super::commands::say;
use super::expect::status_words;
use super::{LastRun, Mode, Origin, Session, State};
use crate::error::CliResult;
use crate::output::stdout_error;
use crate::render::{rate, short_root};
use crate::script::ast::{CallSpec, Span};
use resin_state::persist::Changes;

/// Failed receipts listed for a large block.
const FAILURES_SHOWN: usize = 3;

/// A block, executed but not yet committed.
pub(super) struct BlockRun {
    pub output: resin_scheduler::BlockOutput,
    /// The resources after the block.
    pub resources: ResourceStore,
    /// The plan, for small blocks and `resin schedule`.
    pub schedule: Option<resin_scheduler::Schedule>,
    pub plan_text: String,
}

impl Session {
    pub(super) fn call(&mut self, call: &CallSpec, origin: &Origin, out: &mut dyn Write) -> CliResult<()> {
        let tx = self.build_transaction(call, origin)?;
        let context = self.take_block_context()?;
        let receipt = resin_vm::execute_transaction(&self.state.code, &self.state.resources, &tx, context);
        let number = self.next_tx;
        self.next_tx += 1;
        self.print_receipt(number, &tx, &receipt, out)?;
        if receipt.status.is_success() && !receipt.write_set.0.is_empty() {
            let mut resources = self.state.resources.clone();
            resources.apply(&receipt.write_set);
            self.commit_receipts(State { resources, ..self.state.clone() }, std::slice::from_ref(&receipt))?;
        }
        self.log_events(number, std::slice::from_ref(&receipt));
        self.last = Some(LastRun { what: "the call".into(), receipts: vec![receipt], first_number: number });
        Ok(())
    }

    pub(super) fn block(
        &mut self,
        calls: &[CallSpec],
        _span: Span,
        origin: &Origin,
        out: &mut dyn Write,
    ) -> CliResult<()> {
        // Every call resolves before anything runs: a bad call fails the
        // whole block with the state untouched.
        let txs = calls.iter().map(|c| self.build_transaction(c, origin)).collect::<CliResult<Vec<_>>>()?;
        self.run_block(txs, "the block", true, out)
    }

    /// Plans, executes, prints and commits a block. `verbose` blocks print
    /// their lanes and receipts when small enough.
    pub(super) fn run_block(
        &mut self,
        txs: Vec<Transaction>,
        what: &str,
        verbose: bool,
        out: &mut dyn Write,
    ) -> CliResult<()> {
        let first = self.next_tx;
        let run = self.execute_block(&txs, verbose)?;
        if let Mode::Schedule { dot } = self.mode {
            let at = self.current.as_ref().map(ToString::to_string).unwrap_or_default();
            say!(out, "{} {what} at {at}", if dot { "//" } else { "#" })?;
            write!(out, "{}", run.plan_text).map_err(stdout_error)?;
        } else {
            self.print_block(&txs, &run, first, verbose, out)?;
        }
        let commit_start = Instant::now();
        if run.output.receipts.iter().any(|r| !r.write_set.0.is_empty()) {
            let next = State { resources: run.resources, ..self.state.clone() };
            self.commit_receipts(next, &run.output.receipts)?;
        }
        let file_commit = commit_start.elapsed();
        if self.mode == Mode::Run && !self.json {
            let t = run.output.stats.timings;
            let total = t.total() + file_commit;
            let tps = txs.len() as f64 / total.as_secs_f64().max(1e-9);
            let file =
                if self.store.is_some() { format!(", state file {:.2} ms", ms(file_commit)) } else { String::new() };
            say!(
                out,
                "  timing: keys {:.2} ms, plan {:.2} ms, execute {:.2} ms, commit {:.2} ms{file}: {} tx/s on {} thread{}",
                ms(t.keys),
                ms(t.schedule),
                ms(t.execute),
                ms(t.commit),
                rate(tps),
                run.output.stats.threads_used,
                if run.output.stats.threads_used == 1 { "" } else { "s" }
            )?;
        }
        self.next_tx += txs.len() as u64;
        let receipts = run.output.receipts;
        self.log_events(first, &receipts);
        self.last = Some(LastRun { what: what.to_string(), receipts, first_number: first });
        Ok(())
    }

    fn print_block(
        &mut self,
        txs: &[Transaction],
        run: &BlockRun,
        first: u64,
        verbose: bool,
        out: &mut dyn Write,
    ) -> CliResult<()> {
        if self.json {
            return self.block_json(txs, run, first, out);
        }
        let receipts = &run.output.receipts;
        let plural = |n: usize, one: &str, many: &str| if n == 1 { one.to_string() } else { many.to_string() };
        let stats = &run.output.stats;
        let plan = match (&stats.plan, stats.chain_sample, stats.frontier) {
            (_, Some(sample), _) => format!(
                "1 lane, no graph (a sampled dependency chain held {} of {} transactions)",
                sample.chain, sample.sampled
            ),
            (_, None, Some(frontier)) => format!(
                "{} {} taking chunks of {}, no graph ({} {} after an earlier one, {} of them near, {} run early)",
                frontier.lanes,
                plural(frontier.lanes, "lane", "lanes"),
                frontier.chunk,
                frontier.ordered,
                plural(frontier.ordered, "transaction", "transactions"),
                frontier.near,
                frontier.early,
            ),
            (stats, None, None) => {
                let stats = stats.clone().unwrap_or_default();
                format!(
                    "{} {}, {} {} ({} across lanes)",
                    stats.lanes_used,
                    plural(stats.lanes_used, "lane", "lanes"),
                    stats.dependencies,
                    plural(stats.dependencies, "dependency", "dependencies"),
                    stats.cross_lane_dependencies,
                )
            }
        };
        say!(out, "block of {} {}: {plan}", txs.len(), plural(txs.len(), "tx", "txs"))?;
        let small = verbose && txs.len() <= super::block::LANES_SHOWN;
        if let (true, Some(schedule)) = (small, &run.schedule) {
            for (lane, members) in schedule.plan.non_empty_lanes() {
                let list: Vec<String> = members.iter().map(|i| format!("[{}]", first + u64::from(*i))).collect();
                say!(out, "  lane {lane}: {}", list.join(" "))?;
            }
        }
        if small {
            for (i, (tx, receipt)) in txs.iter().zip(receipts).enumerate() {
                self.print_receipt(first + i as u64, tx, receipt, out)?;
            }
        }
        let summary = run.output.stats.summary;
        say!(
            out,
            "  {} succeeded, {} failed, gas {}, {} {} written, state root {}",
            summary.succeeded,
            summary.transactions - summary.succeeded,
            summary.gas_used,
            summary.keys_written,
            plural(summary.keys_written, "key", "keys"),
            short_root(&run.output.state_root)
        )?;
        if !small {
            let mut by_status: BTreeMap<String, usize> = BTreeMap::new();
            for r in receipts.iter().filter(|r| !r.status.is_success()) {
                *by_status.entry(status_words(&r.status)).or_default() += 1;
            }
            for (status, count) in &by_status {
                say!(out, "  {count} x {status}")?;
            }
            let failures = txs.iter().zip(receipts).enumerate().filter(|(_, (_, r))| !r.status.is_success());
            for (i, (tx, receipt)) in failures.take(FAILURES_SHOWN) {
                self.print_receipt(first + i as u64, tx, receipt, out)?;
            }
        }
        Ok(())
    }

    pub(super) fn print_receipt(
        &self,
        number: u64,
        tx: &Transaction,
        receipt: &Receipt,
        out: &mut dyn Write,
    ) -> CliResult<()> {
        let sender = self.state.accounts.name_of(&tx.sender).unwrap_or_else(|| format!("@{}", tx.sender));
        let call = describe_call(tx, &self.state.accounts);
        let status = self.status_line(&receipt.status);
        if self.json {
            return self.receipt_json(number, tx, receipt, &status, out);
        }
        say!(out, "[{number}] {sender}: {call} -> {status}, gas {}", receipt.gas_used)?;
        for event in &receipt.events {
            say!(out, "      event {}", self.format_event(event))?;
        }
        Ok(())
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

impl Session {
    /// Commits the resources after `receipts`; the state file gets their
    /// writes (computed only when there is a file).
    fn commit_receipts(&mut self, next: State, receipts: &[Receipt]) -> CliResult<()> {
        let changes =
            if self.store.is_some() { resource_changes(&next.resources, receipts) } else { Changes::default() };
        self.commit(next, changes)
    }
}

/// The state-file changes of a run of receipts: each key they write, with
/// its value in `after`, the resources after the run (a counter's delta
/// has no value of its own).
fn resource_changes(after: &ResourceStore, receipts: &[Receipt]) -> Changes {
    let mut last: BTreeMap<ResourceKey, Option<&Value>> = BTreeMap::new();
    for receipt in receipts {
        for op in &receipt.write_set.0 {
            last.insert(op.key, after.get(&op.key));
        }
    }
    let types = super::publish::instantiated_types(last.keys());
    let keyed = super::publish::keyed_origins(last.keys());
    Changes {
        resources: last.into_iter().map(|(k, v)| (k, v.map(Value::canonical_bytes))).collect(),
        types,
        keyed,
        ..Changes::default()
    }
}
