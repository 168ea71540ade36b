//! `resin`: compile, run, schedule and benchmark Resin contracts. The
//! commands live in the library (`src/lib.rs`); this is the executable.
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

use std::process::ExitCode;

use clap::Parser;
use resin::{cli, commands};

// Executing a block allocates and frees many small values (resources, write
// sets, receipts) across threads; glibc's malloc spent a fifth of `resin
// bench` consolidating chunks, mimalloc's thread-local pages do not. It is
// wrapped to count allocations for `resin bench`, and to skip mimalloc's
// aligned path where a plain block is aligned already (`alloc_count.rs`).
#[global_allocator]
static GLOBAL: resin::alloc_count::CountingMimalloc = resin::alloc_count::CountingMimalloc;

fn main() -> ExitCode {
    resin::alloc_count::retain_freed_memory();
    install_panic_hook();
    let cli = cli::Cli::parse();
    match commands::dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            resin::output::line_to_stderr(e.report());
            ExitCode::from(e.exit_code())
        }
    }
}

/// A panic is a bug in resin, never the user's fault: print one clean line
/// instead of a backtrace dump and exit 101, the code Rust uses for panics.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        // redb's panics on a damaged state file unwind to the store, which
        // reports the file as damaged (`resin_state::persist`).
        if resin_state::persist::panic_is_contained() {
            return;
        }
        let location = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        let payload = resin_state::persist::panic_message(info.payload()).unwrap_or_else(|| "unknown cause".into());
        // Written without `eprintln!`, which would panic again (and abort)
        // on a closed stderr.
        resin::output::line_to_stderr(format_args!("error: internal error in resin{location}: {payload}"));
        resin::output::line_to_stderr("note: this is a bug; please report it with the command that triggered it");
        std::process::exit(101);
    }));
}
