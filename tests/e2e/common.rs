use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The repository root: scripts and examples are addressed from here.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn resin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_resin"));
    cmd.current_dir(repo());
    // Two lanes everywhere, so plans do not depend on the machine.
    cmd
}

#[derive(Debug)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    /// Asserts a clean exit with code `code`, never the panic hook's 101.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, code, "exit code\n--- stdout\n{}\n--- stderr\n{}", self.stdout, self.stderr);
        assert!(!self.stderr.contains("internal error"), "reached the panic hook: {}", self.stderr);
        self
    }
}

/// Asserts that `text` (a command's stdout or stderr) contains `part`,
/// showing the whole text when it does not.
#[track_caller]
pub fn assert_has(text: &str, part: &str) {
    assert!(text.contains(part), "missing {part:?} in:\n{text}");
}

pub fn run_with(cmd: &mut Command, stdin: Option<&str>) -> Out {
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn resin");
    if let Some(input) = stdin {
        // The child may exit without reading its input (a REPL refusing its
        // state file): if it is gone first, the write finds the pipe closed,
        // and what the child printed and returned is still the answer.
        match child.stdin.take().unwrap().write_all(input.as_bytes()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            written => written.unwrap(),
        }
    }
    let output = child.wait_with_output().unwrap();
    Out {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

pub fn resin_out(args: &[&str]) -> Out {
    run_with(resin().args(args), None)
}

pub fn resin_path_out(args: &[&str], paths: &[&Path]) -> Out {
    let mut cmd = resin();
    cmd.args(args).args(paths);
    run_with(&mut cmd, None)
}

/// The output without the `  timing:` lines, the only ones that change
/// from run to run.
pub fn without_timings(text: &str) -> String {
    text.lines().filter(|l| !l.starts_with("  timing:")).map(|l| format!("{l}\n")).collect()
}

pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}
