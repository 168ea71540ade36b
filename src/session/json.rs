//! `resin run --json`: receipts and blocks as one JSON object per line, for
//! tools and CI. Each object has a `type` (`receipt`, `block`, `view`);
//! the keys are listed in docs/CLI.md. Timings are left out: the output of
//! a script is the same on every run.

use std::io::Write;

use resin_vm::{Receipt, Status, Transaction};
use serde_json::{json, Map, Value as Json};

use super::calls::{describe_arg, name_of};
use super::commands::say;
use super::exec::BlockRun;
use super::expect::status_words;
use super::Session;
use crate::error::CliResult;

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
        let mut object = Map::new();
        object.insert("type".into(), json!("receipt"));
        object.insert("tx".into(), json!(number));
        object.insert("sender".into(), json!(name_of(&tx.sender, names)));
        object.insert("sender_address".into(), json!(tx.sender.to_string()));
        object.insert("function".into(), json!(format!("{}::{}", tx.module, tx.function)));
        let type_args: Vec<String> = tx.type_args.iter().map(ToString::to_string).collect();
        object.insert("type_args".into(), json!(type_args));
        let args: Vec<String> = tx.args.iter().map(|a| describe_arg(a, names)).collect();
        object.insert("args".into(), json!(args));
        object.insert("status".into(), json!(status_words(&receipt.status)));
        if let Status::Aborted { code, .. } = &receipt.status {
            object.insert("abort_code".into(), json!(code));
        }
        if let Some(location) = location(&receipt.status) {
            object.insert("location".into(), location);
        }
        object.insert("message".into(), json!(message));
        object.insert("gas".into(), json!(receipt.gas_used));
        let events: Vec<Json> = receipt
            .events
            .iter()
            .map(|e| json!({ "type": format!("{}::{}", e.module, e.name), "value": self.format_event(e) }))
            .collect();
        object.insert("events".into(), json!(events));
        say!(out, "{}", Json::Object(object))
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
        let plan = run.output.stats.plan.clone().unwrap_or_default();
        let summary = run.output.stats.summary;
        let object = json!({
            "type": "block",
            "first_tx": first,
            "txs": txs.len(),
            "succeeded": summary.succeeded,
            "failed": summary.transactions - summary.succeeded,
            "gas": summary.gas_used,
            "keys_written": summary.keys_written,
            "lanes": plan.lanes_used,
            "dependencies": plan.dependencies,
            "cross_lane_dependencies": plan.cross_lane_dependencies,
            "state_root": hex::encode(run.output.state_root),
        });
        say!(out, "{object}")
    }
}

/// Where a failed transaction stopped, when the status says.
fn location(status: &Status) -> Option<Json> {
    let at = match status {
        Status::Aborted { location, .. }
        | Status::RuntimeError { location, .. }
        | Status::OutOfGas { location }
        | Status::AccessViolation { location, .. } => location,
        Status::Success | Status::InvalidArguments { .. } => return None,
    };
    Some(json!({ "module": at.module.to_string(), "function": at.function, "offset": at.offset }))
}
