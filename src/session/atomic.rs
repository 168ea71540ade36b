//! Commands made of several steps (`transfers` creates accounts, registers
//! and funds them, then runs its block) still complete or leave everything
//! as it was: the steps change the session's state as they go, their state
//! file changes are gathered, and only a command that completes writes them,
//! in one redb transaction. A failure puts the state, the transaction
//! numbers, the event log and the last receipts back as they were.

use super::{Session, State};
use crate::error::CliResult;
use resin_state::persist::Changes;

/// Appends `later` to `batch`; applied in order, a later write of a key wins.
pub(super) fn merge(batch: &mut Changes, later: Changes) {
    batch.replace_all |= later.replace_all;
    batch.modules.extend(later.modules);
    batch.resources.extend(later.resources);
    batch.accounts.extend(later.accounts);
    batch.verified.extend(later.verified);
    batch.types.extend(later.types);
    batch.keyed.extend(later.keyed);
}

impl Session {
    /// Runs `steps` as one command (see the module documentation).
    pub(super) fn atomically<T>(&mut self, steps: impl FnOnce(&mut Session) -> CliResult<T>) -> CliResult<T> {
        let before: State = self.state.clone();
        let next_tx = self.next_tx;
        let context = self.context;
        let event_log = self.event_log.clone();
        let last = self.last.take();
        self.batch = Some(Changes::default());
        let mut result = steps(self);
        let batch = self.batch.take().unwrap_or_default();
        if result.is_ok() {
            if let Some(store) = &mut self.store {
                if let Err(e) = store.commit(&batch) {
                    result = Err(e.into());
                }
            }
        }
        match result {
            Ok(value) => {
                self.push_undo(before);
                Ok(value)
            }
            Err(e) => {
                self.state = before;
                self.next_tx = next_tx;
                self.context = context;
                self.event_log = event_log;
                self.last = last;
                Err(e)
            }
        }
    }
}
