//! `--state`: persistence across runs, atomicity under SIGKILL, bad files.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use crate::common::*;

fn run_state(script: &Path, state: &Path) -> Out {
    let mut cmd = resin();
    cmd.arg("run").arg(script).arg("--state").arg(state).args(["--threads", "2"]);
    run_with(&mut cmd, None)
}

#[test]
fn state_is_kept_across_two_runs() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("chain.redb");
    let first = write(
        dir.path(),
        "first.rsx",
        "publish stdlib coin\naccount alice\naccount bob @0xB0B\ncall alice coin::register\ncall bob coin::register\n\
         call alice coin::mint 100\nblock {\n  call alice coin::transfer bob 30\n}\n",
    );
    run_state(&first, &db).expect_code(0);
    // A second process sees the modules, the names and the balances, and adds to them.
    let second = write(
        dir.path(),
        "second.rsx",
        "expect field alice coin::Balance.coin.value == 70\nexpect field @0xB0B coin::Balance.coin.value == 30\n\
         call bob coin::transfer alice 10\nexpect success\naccounts\n",
    );
    let out = run_state(&second, &db);
    out.expect_code(0);
    assert_has(&out.stdout, "bob = @0xb0b");
    let third = write(dir.path(), "third.rsx", "expect field alice coin::Balance.coin.value == 80\nshow bob\n");
    let out = run_state(&third, &db);
    out.expect_code(0);
    assert_has(&out.stdout, "value: 20");
    // Without --state nothing is remembered.
    let out = resin_path_out(&["run"], &[&third]);
    out.expect_code(1);
    assert_has(&out.stderr, "third.rsx:1:14: unknown account `alice`");
}

#[test]
fn a_process_killed_during_a_block_leaves_the_previous_state_intact() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("chain.redb");
    let setup = write(dir.path(), "setup.rsx", "publish stdlib coin\ntransfers 10 between 50 accounts seed 1\nroot\n");
    let before = run_state(&setup, &db);
    before.expect_code(0);
    let root_before = before.stdout.lines().find(|l| l.starts_with("state root:")).unwrap().to_string();

    // A block long enough (seconds even in a release build) to be killed mid-way.
    let long = write(dir.path(), "long.rsx", "transfers 200000 between 50 accounts seed 2\n");
    let mut child = resin()
        .arg("run")
        .arg(&long)
        .arg("--state")
        .arg(&db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The header line is flushed just before the block starts executing.
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut header = String::new();
    stdout.read_line(&mut header).unwrap();
    assert!(header.starts_with("transfers: 200000 random transfers"), "{header}");
    std::thread::sleep(Duration::from_millis(300));
    assert!(child.try_wait().unwrap().is_none(), "the block finished before the kill: make it longer");
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();

    let check = write(dir.path(), "check.rsx", "root\nshow user0\n");
    let after = run_state(&check, &db);
    after.expect_code(0);
    let root_after = after.stdout.lines().find(|l| l.starts_with("state root:")).unwrap();
    assert_eq!(root_after, root_before, "the state file holds the last committed state");
    assert_has(&after.stdout, "0x1::coin::Balance");
}

#[test]
fn corrupt_and_foreign_state_files_exit_1_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let script = write(dir.path(), "s.rsx", "accounts\n");

    let garbage = write(dir.path(), "garbage.redb", &"not a database ".repeat(500));
    let out = run_state(&script, &garbage);
    out.expect_code(1);
    assert_has(&out.stderr, "garbage.redb");

    // A real state file, cut short.
    let db = dir.path().join("real.redb");
    let setup = write(dir.path(), "setup.rsx", "publish stdlib coin\naccount alice\n");
    run_state(&setup, &db).expect_code(0);
    let bytes = std::fs::read(&db).unwrap();
    let truncated = dir.path().join("truncated.redb");
    std::fs::write(&truncated, &bytes[..bytes.len() / 3]).unwrap();
    let out = run_state(&script, &truncated);
    out.expect_code(1);
    assert_has(&out.stderr, "truncated.redb");

    // Every single flipped byte region must give a clean answer: ok or exit 1.
    for offset in (0..bytes.len()).step_by(bytes.len() / 16 + 1) {
        let mut damaged = bytes.clone();
        for b in damaged.iter_mut().skip(offset).take(64) {
            *b ^= 0xA5;
        }
        let path = dir.path().join(format!("damaged{offset}.redb"));
        std::fs::write(&path, damaged).unwrap();
        let out = run_state(&script, &path);
        assert!(out.code == 0 || out.code == 1, "offset {offset}: {out:?}");
        assert!(!out.stderr.contains("internal error"), "offset {offset}: {}", out.stderr);
    }
}
