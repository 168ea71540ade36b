//! script → run.
//!
//! The input is a script (lossily UTF-8). It is parsed, and its commands run
//! one by one on an in-memory session, in `run` or `schedule` mode. Whatever
//! it is, every command completes or fails with an error, never a panic; and
//! a command that fails leaves the session's resources, code and account
//! names exactly as they were.
//!
//! To keep each run short the harness skips scripts that ask for much work
//! (many transfers, large gas limits) and runs no `publish PATH` but the
//! seed files it writes itself: a path could name a device that never ends.

use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use resin_scheduler::ParallelExecutor;

use crate::script::ast::{CommandKind, PublishSource};
use crate::session::{Mode, Origin, Session};

/// Most transactions or accounts one `transfers` may ask for here.
const MAX_FUZZ_TRANSFERS: u64 = 200;
/// Most commands one input may expand to here (its `for` loops can make a
/// short input long).
const MAX_FUZZ_COMMANDS: usize = 10_000;
/// Most gas one call may ask for here.
const MAX_FUZZ_GAS: u64 = 200_000;

/// The seed files `publish` may name, and their text.
fn seed_files() -> [(&'static str, &'static str); 7] {
    [
        ("coin.rsn", super::seeds::SOURCES[0]),
        ("counter.rsn", super::seeds::SOURCES[1]),
        ("store.rasm", super::seeds::ASSEMBLY[2]),
        ("token.rsn", super::seeds::SOURCES[3]),
        ("dao.rsn", super::seeds::SOURCES[4]),
        ("nft.rsn", super::seeds::SOURCES[5]),
        ("book.rsn", super::seeds::SOURCES[6]),
    ]
}

/// The folder `publish` paths resolve in, holding the seed files. It is
/// named by their contents, not by the process: every test run and every
/// fuzzer worker shares one folder rather than leaving one behind each.
/// Each file is written under a name of this process's own and renamed into
/// place, so a process reading it never sees another one half-written.
fn seed_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let mut hasher = std::hash::DefaultHasher::new();
        seed_files().hash(&mut hasher);
        let dir = std::env::temp_dir().join(format!("resin-fuzz-seeds-{:016x}", hasher.finish()));
        let _ = std::fs::create_dir_all(&dir);
        for (name, text) in seed_files() {
            let path = dir.join(name);
            if std::fs::read_to_string(&path).is_ok_and(|on_disk| on_disk == text) {
                continue;
            }
            let partial = dir.join(format!("{name}.{}", std::process::id()));
            if std::fs::write(&partial, text).is_ok() {
                let _ = std::fs::rename(&partial, &path);
            }
        }
        dir
    })
}

fn executor() -> &'static Mutex<Option<ParallelExecutor>> {
    static EXECUTOR: OnceLock<Mutex<Option<ParallelExecutor>>> = OnceLock::new();
    EXECUTOR.get_or_init(|| Mutex::new(ParallelExecutor::new(2).ok()))
}

/// Whether the harness runs `kind` (see the module documentation).
fn allowed(kind: &CommandKind) -> bool {
    match kind {
        CommandKind::Transfers(spec) => spec.txs <= MAX_FUZZ_TRANSFERS && spec.accounts <= MAX_FUZZ_TRANSFERS,
        CommandKind::Call(call) => call.gas.is_none_or(|g| g <= MAX_FUZZ_GAS),
        // A `for` in a block can make it as large as a `transfers`.
        CommandKind::Block(calls) => {
            calls.len() as u64 <= MAX_FUZZ_TRANSFERS && calls.iter().all(|c| c.gas.is_none_or(|g| g <= MAX_FUZZ_GAS))
        }
        CommandKind::Publish(PublishSource::Path(path)) => seed_files().iter().any(|(name, _)| name == path),
        _ => true,
    }
}

/// Runs the harness on one input.
pub fn run(data: &[u8]) {
    let Some((&mode, script)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(script);
    let Ok(commands) = crate::script::parse_script(&text) else { return };
    if commands.len() > MAX_FUZZ_COMMANDS || !commands.iter().all(|c| allowed(&c.kind)) {
        return;
    }
    let mode = if mode % 4 == 0 { Mode::Schedule { dot: mode % 8 == 0 } } else { Mode::Run };
    let mut slot = match executor().lock() {
        Ok(slot) => slot,
        Err(poisoned) => poisoned.into_inner(),
    };
    let Some(pool) = slot.take() else { return };
    let mut session = Session::in_memory(pool, mode);
    let origin = Origin { file: "fuzz.rsx".into(), dir: seed_dir().clone(), first_line: 1 };
    let mut out = std::io::sink();
    for command in &commands {
        let before = session.fingerprint();
        if session.run_parsed(command, &origin, &mut out).is_err() {
            assert!(session.fingerprint() == before, "a failing command changed the state: {:?}", command.kind);
        }
        let _ = out.flush();
    }
    *slot = Some(session.into_executor());
}
