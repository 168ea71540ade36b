//! A session: the chain state a script or the REPL works on, and the
//! commands that change it.
//!
//! The state (published code, resources, account names) is made of
//! persistent maps, so `snapshot`, `undo` and the rollback of a failed
//! command are O(1) clones. Every command either completes or leaves the
//! state as it was; with `--state`, each completed command is committed to
//! the state file in one transaction.

mod accounts;
mod atomic;
mod block;
mod calls;
mod commands;
mod describe;
mod embed;
mod exec;
mod expect;
pub mod generate;
mod json;
mod keyed;
mod prove;
mod publish;
mod view;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use resin_scheduler::ParallelExecutor;
use resin_state::store::ResourceStore;
use resin_vm::loader::CodeCache;
use resin_vm::{AccountAddress, BlockContext, Event, Receipt};

use crate::error::{CliError, CliResult, SourceLoc};
use crate::script::ast::Span;
pub use accounts::Accounts;
use resin_state::persist::{Access, Changes, Store};

/// Where the text being run comes from: for error locations and for
/// resolving relative paths.
#[derive(Clone, Debug)]
pub struct Origin {
    /// Shown in locations: a script path or `<repl>`.
    pub file: String,
    /// Relative `publish` paths start here.
    pub dir: PathBuf,
    /// The line of the text's first line within `file`.
    pub first_line: u32,
}

impl Origin {
    pub fn loc(&self, span: Span) -> SourceLoc {
        SourceLoc { file: self.file.clone(), line: span.line + self.first_line.saturating_sub(1), col: span.col }
    }

    pub fn error(&self, span: Span, message: impl Into<String>) -> CliError {
        CliError::script(self.loc(span), message)
    }
}

/// Everything `undo` and `restore` bring back. Every part clones in O(1).
#[derive(Clone, Default)]
pub struct State {
    pub code: CodeCache,
    pub resources: ResourceStore,
    pub accounts: Accounts,
}

/// How block commands behave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Execute and print receipts (`run`, `repl`).
    Run,
    /// Print each block's lane plan, as text or DOT (`schedule`); other
    /// commands run silently so later blocks see their effects.
    Schedule { dot: bool },
}

/// The receipts of the last `call`, `block` or `transfers`, for `expect` and `events`.
pub struct LastRun {
    pub what: String,
    pub receipts: Vec<Receipt>,
    /// The number of the first transaction, as printed.
    pub first_number: u64,
}

/// An event kept for `events all`.
#[derive(Clone)]
pub struct LoggedEvent {
    pub tx_number: u64,
    pub event: Event,
}

use crate::limits::{EVENT_LOG_LIMIT, UNDO_DEPTH};

/// The names a session knows, for the REPL's completer.
#[derive(Default, Clone, Debug)]
pub struct CompletionWords {
    pub accounts: Vec<String>,
    /// `0x1::coin` and `coin`.
    pub modules: Vec<String>,
    /// `0x1::coin::transfer` and `coin::transfer`.
    pub functions: Vec<String>,
}

pub struct Session {
    state: State,
    undo: Vec<State>,
    snapshots: BTreeMap<String, State>,
    store: Option<Store>,
    mode: Mode,
    last: Option<LastRun>,
    event_log: Vec<LoggedEvent>,
    next_tx: u64,
    /// The context of the next block the session runs (a `call` is a block
    /// of one): its timestamp stays until a `time` command changes it, its
    /// height grows by one with every block.
    context: BlockContext,
    /// Kept across blocks: its thread pool, and the cost model it learns.
    executor: ParallelExecutor,
    /// Where the running command is, for the headers of `resin schedule`.
    current: Option<SourceLoc>,
    /// Inside a command made of several steps ([`Session::atomically`]):
    /// their changes, written to the state file together when it completes.
    batch: Option<Changes>,
    /// `resin run --json`: receipts, blocks and views print as one JSON
    /// object per line, and other commands print nothing.
    json: bool,
}

/// The height where heights run out: the next height after a block at the
/// one below it, at which no block runs and which `height H` refuses (the
/// height after it would not fit in a `u64`).
pub(super) const NO_HEIGHT_LEFT: u64 = u64::MAX;

/// The context of a session's first block: time 0 (until a `time` command
/// sets it), height 1.
pub const FIRST_BLOCK: BlockContext = BlockContext { timestamp: 0, height: 1 };

/// The address `account NAME` binds when none is given: the first eight
/// bytes of blake3 over the name, so the same name is the same address in
/// every session and script.
pub fn derived_address(name: &str) -> AccountAddress {
    let hash = blake3::hash(format!("resin-account:{name}").as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&hash.as_bytes()[..8]);
    AccountAddress::from_u64(u64::from_be_bytes(first))
}

/// Which state file a session opens, if any, and how.
#[derive(Clone, Copy, Debug, Default)]
pub struct StateOptions<'a> {
    pub path: Option<&'a std::path::Path>,
    /// Verify every stored module again, even those recorded as verified.
    pub verify: bool,
}

impl Session {
    /// A session in memory, or on the state file `state.path`: read and
    /// written by `resin run` and the REPL, only read (never created, never
    /// changed) by `resin schedule`.
    pub fn open(state: StateOptions<'_>, threads: usize, mode: Mode) -> CliResult<Session> {
        let executor = ParallelExecutor::new(threads).map_err(|e| CliError::Other(e.to_string()))?;
        let mut session = Session::in_memory(executor, mode);
        if let Some(path) = state.path {
            // Planning reads the state file but never writes it.
            let access = if mode == Mode::Run { Access::ReadWrite } else { Access::ReadOnly };
            let (mut store, persisted) = Store::open(path, access)?;
            let loaded = publish::load_persisted(path, persisted, state.verify)?;
            session.state = loaded.state;
            if store.is_writable() {
                // Record what was verified anew, so the next open need not
                // (this also upgrades a file of an older format).
                store.commit(&loaded.verified)?;
                session.store = Some(store);
            }
        }
        Ok(session)
    }

    /// Parses and runs `text`. Stops at the first failing command; that
    /// command leaves the state unchanged.
    pub fn run_text(&mut self, text: &str, origin: &Origin, out: &mut dyn Write) -> CliResult<()> {
        let commands = crate::script::parse_script(text).map_err(|e| origin.error(e.span, e.message))?;
        for command in &commands {
            self.current = Some(origin.loc(command.span));
            self.run_command(command, origin, out)?;
            // Show each command's output before a long one runs.
            out.flush().map_err(crate::output::stdout_error)?;
        }
        Ok(())
    }

    /// Remembers `state` (the state before a command) for `undo`.
    fn push_undo(&mut self, state: State) {
        if self.undo.len() == UNDO_DEPTH {
            self.undo.remove(0);
        }
        self.undo.push(state);
    }

    /// Installs `next` as the state after committing `changes` to the state
    /// file. The file is written first: if that fails, nothing changes.
    /// Inside [`Session::atomically`], the changes wait for the end of the
    /// command instead.
    fn commit(&mut self, next: State, changes: Changes) -> CliResult<()> {
        if let Some(batch) = &mut self.batch {
            atomic::merge(batch, changes);
            self.state = next;
            return Ok(());
        }
        if let Some(store) = &mut self.store {
            store.commit(&changes)?;
        }
        let previous = std::mem::replace(&mut self.state, next);
        self.push_undo(previous);
        Ok(())
    }

    /// Replaces the whole state (restore, undo), rewriting the state file.
    fn replace_state(&mut self, next: State, remember: bool) -> CliResult<()> {
        if self.store.is_some() {
            let changes = publish::full_changes(&next)?;
            if let Some(store) = &mut self.store {
                store.commit(&changes)?;
            }
        }
        let previous = std::mem::replace(&mut self.state, next);
        if remember {
            self.push_undo(previous);
        }
        Ok(())
    }

    fn log_events(&mut self, first_number: u64, receipts: &[Receipt]) {
        for (i, r) in receipts.iter().enumerate() {
            for e in &r.events {
                self.event_log.push(LoggedEvent { tx_number: first_number + i as u64, event: e.clone() });
            }
        }
        if self.event_log.len() > EVENT_LOG_LIMIT {
            let excess = self.event_log.len() - EVENT_LOG_LIMIT;
            self.event_log.drain(..excess);
        }
    }

    /// The context of the block about to run; the next one is one higher.
    /// No block runs at [`NO_HEIGHT_LEFT`], so no two blocks ever share a
    /// height.
    fn take_block_context(&mut self) -> CliResult<BlockContext> {
        let context = self.context;
        if context.height == NO_HEIGHT_LEFT {
            let message = format!("no block height is left: the last one, {}, is taken", NO_HEIGHT_LEFT - 1);
            return Err(match &self.current {
                Some(loc) => CliError::script(loc.clone(), message),
                None => CliError::Other(message),
            });
        }
        self.context.height = context.height + 1;
        Ok(context)
    }

    /// Prints receipts, blocks and views as JSON lines, and nothing else.
    pub fn set_json(&mut self, on: bool) {
        self.json = on;
    }

    /// Runs script commands from now on (a session opened to plan, whose
    /// state file is read only, can then run views: they commit nothing).
    pub fn set_run_mode(&mut self) {
        self.mode = Mode::Run;
    }

    /// The names the REPL completes.
    pub fn completion_words(&self) -> CompletionWords {
        let mut words =
            CompletionWords { accounts: self.state.accounts.names().cloned().collect(), ..Default::default() };
        for loaded in self.state.code.modules() {
            let Some(id) = loaded.self_id() else { continue };
            words.modules.push(id.to_string());
            words.modules.push(id.name.clone());
            for def in &loaded.functions {
                if let Some(name) = loaded.function_name(def) {
                    words.functions.push(format!("{id}::{name}"));
                    words.functions.push(format!("{}::{name}", id.name));
                }
            }
        }
        words
    }
}
