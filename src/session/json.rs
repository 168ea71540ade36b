//! `resin run --json`: receipts and blocks as one JSON object per line, for
//! tools and CI. Each object has a `type` (`receipt`, `block`, `view`) and
//! its keys in a fixed order (serde writes a struct's fields in order), as
//! docs/CLI.md lists them. Timings are left out: the output of a script is
//! the same on every run.

use std::io::Write;

use resin_vm::{Receipt, Status, Transaction};
use serde::Serialize;

use super::calls::describe_arg;
use super::commands::say;
use super::exec::BlockRun;
use super::expect::status_words;
use super::Session;
use crate::error::{CliError, CliResult};

/// One receipt, keys in this order.
#[derive(Serialize)]
struct ReceiptJson<'a> {
    r#type: &'static str,
    tx: u64,
    /// The sender's account name, when the session knows one.
    sender: Option<String>,
    sender_address: String,
    function: String,
    type_args: Vec<String>,
    args: Vec<String>,
    /// The words of `expect`: `success`, `abort 1`, `out-of-gas`, ...
    status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    abort_code: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<LocationJson>,
    /// The status as the text receipt writes it.
    message: &'a str,
    gas: u64,
    events: Vec<EventJson>,
}

#[derive(Serialize)]
struct LocationJson {
    module: String,
    function: String,
    offset: u16,
}

#[derive(Serialize)]
struct EventJson {
    r#type: String,
    value: String,
}

/// One block, after its receipts.
#[derive(Serialize)]
struct BlockJson {
    r#type: &'static str,
    first_tx: u64,
    txs: usize,
    succeeded: usize,
    failed: usize,
    gas: u64,
    keys_written: usize,
    lanes: usize,
    /// `None` (null) for a block run without a graph.
    dependencies: Option<usize>,
    cross_lane_dependencies: usize,
    /// For a block whose lanes took chunks without a graph: how
    /// (`resin_scheduler::frontier`); `None` (null) otherwise.
    frontier: Option<FrontierJson>,
    state_root: String,
}

/// [`resin_scheduler::FrontierStats`], less the lanes (the block's own field).
#[derive(Serialize)]
struct FrontierJson {
    chunk: usize,
    /// Transactions with a predecessor in the block...
    ordered: usize,
    /// ...those whose latest predecessor was within the lanes' reach...
    near: usize,
    /// ...and those run ahead of an earlier one of their chunk that waited.
    early: usize,
}

/// One view.
#[derive(Serialize)]
pub(super) struct ViewJson<'a> {
    pub r#type: &'static str,
    pub function: &'a str,
    pub returns: &'a [String],
    pub return_types: &'a [String],
    pub gas: u64,
}

/// Prints `object` as one line.
pub(super) fn print_line(object: &impl Serialize, out: &mut dyn Write) -> CliResult<()> {
    let line = serde_json::to_string(object).map_err(|e| CliError::Other(format!("cannot write JSON: {e}")))?;
    say!(out, "{line}")
}

impl Session {
    /// One receipt; `message` is the status as the text output writes it.
    pub(super) fn receipt_json(
        &self,
        number: u64,
        tx: &Transaction,
        receipt: &Receipt,
        message: &str,
        out: &mut dyn Write,
    ) -> CliResult<()> {
        let names = &self.state.accounts;
        let object = ReceiptJson {
            r#type: "receipt",
            tx: number,
            sender: names.name_of(&tx.sender),
            sender_address: tx.sender.to_string(),
            function: format!("{}::{}", tx.module, tx.function),
            type_args: tx.type_args.iter().map(ToString::to_string).collect(),
            args: tx.args.iter().map(|a| describe_arg(a, names)).collect(),
            status: status_words(&receipt.status),
            abort_code: match &receipt.status {
                Status::Aborted { code, .. } => Some(*code),
                _ => None,
            },
            location: location(&receipt.status),
            message,
            gas: receipt.gas_used,
            events: receipt
                .events
                .iter()
                .map(|e| EventJson { r#type: format!("{}::{}", e.module, e.name), value: self.format_event(e) })
                .collect(),
        };
        print_line(&object, out)
    }

    /// Every receipt of a block, then the block's own object.
    pub(super) fn block_json(
        &self,
        txs: &[Transaction],
        run: &BlockRun,
        first: u64,
        out: &mut dyn Write,
    ) -> CliResult<()> {
        for (i, (tx, receipt)) in txs.iter().zip(&run.output.receipts).enumerate() {
            self.print_receipt(first + i as u64, tx, receipt, out)?;
        }
        let stats = &run.output.stats;
        let summary = stats.summary;
        let object = BlockJson {
            r#type: "block",
            first_tx: first,
            txs: txs.len(),
            succeeded: summary.succeeded,
            failed: summary.transactions - summary.succeeded,
            gas: summary.gas_used,
            keys_written: summary.keys_written,
            lanes: stats.lanes(),
            // Counted only by a plan's graph.
            dependencies: stats.plan.as_ref().map(|p| p.dependencies),
            cross_lane_dependencies: stats.plan.as_ref().map_or(0, |p| p.cross_lane_dependencies),
            frontier: stats.frontier.map(|f| FrontierJson {
                chunk: f.chunk,
                ordered: f.ordered,
                near: f.near,
                early: f.early,
            }),
            state_root: hex::encode(run.output.state_root),
        };
        print_line(&object, out)
    }
}

/// Where a failed transaction stopped, when the status says.
fn location(status: &Status) -> Option<LocationJson> {
    let at = match status {
        Status::Aborted { location, .. }
        | Status::RuntimeError { location, .. }
        | Status::OutOfGas { location }
        | Status::AccessViolation { location, .. } => location,
        Status::Success | Status::InvalidArguments { .. } => return None,
    };
    Some(LocationJson { module: at.module.to_string(), function: at.function.clone(), offset: at.offset })
}
