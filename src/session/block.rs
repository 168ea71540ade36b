//! Executing a block on the parallel executor over a snapshot of the
//! session's resources; the session commits the result.

use resin_scheduler::{BlockExecutor, Schedule};
use resin_vm::Transaction;

use super::exec::BlockRun;
use super::{Mode, Session};
use crate::error::CliResult;

/// Blocks larger than this list only a summary in `resin schedule`.
const EXPLAIN_LIMIT: usize = 200;
/// Blocks up to this size print their lanes in `resin run`.
pub(super) const LANES_SHOWN: usize = 64;

impl Session {
    pub(super) fn execute_block(&mut self, txs: &[Transaction], verbose: bool) -> CliResult<BlockRun> {
        // The plan to print is computed before the run, from the same cost
        // model, so it is the plan the executor runs.
        let schedule: Option<Schedule> = match self.mode {
            Mode::Schedule { .. } => Some(self.executor.schedule(&self.state.code, txs)),
            Mode::Run if verbose && txs.len() <= LANES_SHOWN => Some(self.executor.schedule(&self.state.code, txs)),
            Mode::Run => None,
        };
        let plan_text = match (self.mode, &schedule) {
            (Mode::Schedule { dot }, Some(s)) => {
                let explain = s.explain(txs, &self.state.code).with_limit(EXPLAIN_LIMIT);
                if dot {
                    explain.dot()
                } else {
                    explain.text()
                }
            }
            _ => String::new(),
        };
        let mut resources = self.state.resources.clone();
        let context = self.take_block_context()?;
        let output = self.executor.execute_block(&self.state.code, &mut resources, txs, context);
        Ok(BlockRun { output, resources, schedule, plan_text })
    }
}
