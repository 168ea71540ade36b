//! A session driven by a program rather than a script file: the fuzzing
//! harness runs commands one at a time on an in-memory session, reusing one
//! executor (and its thread pool) across sessions, and checks after each
//! failing command that nothing changed.

use std::collections::BTreeMap;
use std::io::Write;

use resin_scheduler::ParallelExecutor;
use resin_vm::AccountAddress;

use super::{Mode, Origin, Session, State};
use crate::error::CliResult;
use crate::script::ast::Command;

/// What a command may change, summarized: equal fingerprints mean equal
/// resources, code and account names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fingerprint {
    pub resources: [u8; 32],
    pub code: [u8; 32],
    pub accounts: Vec<(String, AccountAddress)>,
}

impl Session {
    /// An empty session in memory that runs blocks on `executor`.
    pub fn in_memory(executor: ParallelExecutor, mode: Mode) -> Session {
        // A session prints keyed entries by name (`show`, receipts, plans).
        resin_vm::record_keyed_origins();
        Session {
            state: State::default(),
            undo: Vec::new(),
            snapshots: BTreeMap::new(),
            store: None,
            mode,
            last: None,
            event_log: Vec::new(),
            next_tx: 1,
            context: super::FIRST_BLOCK,
            executor,
            current: None,
            batch: None,
            json: false,
        }
    }

    /// The executor, to run the next session on.
    pub fn into_executor(self) -> ParallelExecutor {
        self.executor
    }

    /// Runs one parsed command; a failing one leaves the state as it was.
    pub fn run_parsed(&mut self, command: &Command, origin: &Origin, out: &mut dyn Write) -> CliResult<()> {
        self.current = Some(origin.loc(command.span));
        self.run_command(command, origin, out)
    }

    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint {
            resources: self.state.resources.root(),
            code: self.state.code.root(),
            accounts: self.state.accounts.iter().map(|(n, a)| (n.clone(), *a)).collect(),
        }
    }
}
