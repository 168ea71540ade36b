//! Hostile files and reserved names: empty and tampered state files,
//! `schedule` that must not write, modules at the standard library's address,
//! oversized modules, and `transfers` that fails half-way.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use redb::{Database, ReadableTable, TableDefinition};

use crate::common::*;

fn run_on(script: &Path, state: &Path, extra: &[&str]) -> Out {
    let mut cmd = resin();
    cmd.arg("run").arg(script).arg("--state").arg(state).args(extra);
    run_with(&mut cmd, None)
}

fn table(name: &str) -> TableDefinition<'_, &'static str, &'static [u8]> {
    TableDefinition::new(name)
}

/// A state file with the coin, alice registered, and 0x2::m (a module with
/// one public function) published.
fn populated(dir: &Path) -> PathBuf {
    let db = dir.join("chain.redb");
    let setup = write(
        dir,
        "setup.rsx",
        "publish stdlib coin\naccount alice\ncall alice coin::register\n\
         module 0x2::m {\n    public fun one(): u64 { 1 }\n}\n",
    );
    run_on(&setup, &db, &[]).expect_code(0);
    db
}

#[test]
fn an_empty_state_file_is_an_error_with_a_hint_and_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let db = write(dir.path(), "emptied.redb", "");
    let script = write(dir.path(), "s.rsx", "account alice\n");
    let out = run_on(&script, &db, &[]);
    out.expect_code(1);
    assert_has(&out.stderr, "emptied.redb is empty (0 bytes)");
    assert_has(&out.stderr, "\n  hint: if it was meant to be new, delete it");
    assert_eq!(std::fs::metadata(&db).unwrap().len(), 0, "the file was rewritten");
    // The REPL refuses it too, before reading a command.
    let out = run_with(resin().arg("repl").arg("--state").arg(&db), Some("accounts\n"));
    out.expect_code(1);
    assert_eq!(std::fs::metadata(&db).unwrap().len(), 0);
}

#[test]
fn a_state_file_whose_pages_redb_cannot_read_is_an_error_and_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let db = populated(dir.path());
    let mut bytes = std::fs::read(&db).unwrap();
    // Every page after the header overwritten: redb stops on such pages
    // with a panic of its own (an `unreachable!`), which must come out as
    // the file being damaged, not as an internal error of resin.
    bytes.iter_mut().skip(4096).for_each(|b| *b = 0xff);
    std::fs::write(&db, &bytes).unwrap();
    let script = write(dir.path(), "s.rsx", "call alice coin::register\n");
    let view = ["view", "--state", db.to_str().unwrap(), "m::one"];
    for out in [
        run_on(&script, &db, &[]),
        resin_out(&["schedule", script.to_str().unwrap(), "--state", db.to_str().unwrap()]),
        resin_out(&view),
    ] {
        out.expect_code(1);
        assert_has(&out.stderr, "chain.redb is damaged: the database library stopped on an inconsistency");
        assert!(!out.stderr.contains("internal error in resin"), "{}", out.stderr);
        assert_eq!(std::fs::read(&db).unwrap(), bytes, "the damaged file was written");
    }
}

#[test]
fn schedule_never_creates_nor_writes_the_state_file() {
    let dir = tempfile::tempdir().unwrap();
    let script = write(
        dir.path(),
        "plan.rsx",
        "publish stdlib coin\ntransfers 20 between 4 accounts\naccount zed\ncall zed coin::register\n",
    );
    let missing = dir.path().join("missing.redb");
    let out = resin_path_out(&["schedule", "--state"], &[&missing, &script]);
    out.expect_code(1);
    assert_has(&out.stderr, "does not exist, and a read-only open never creates one");
    assert!(!missing.exists());

    let db = populated(dir.path());
    let before = std::fs::read(&db).unwrap();
    let out = resin_path_out(&["schedule", "--state"], &[&db, &script]);
    out.expect_code(0);
    assert_has(&out.stdout, "# transfers at");
    assert!(std::fs::read(&db).unwrap() == before, "schedule changed the state file");
    // A read-only file can be planned from.
    let mut permissions = std::fs::metadata(&db).unwrap().permissions();
    permissions.set_readonly(true);
    std::fs::set_permissions(&db, permissions).unwrap();
    let out = resin_path_out(&["schedule", "--state"], &[&db, &script]);
    out.expect_code(0);
    assert!(std::fs::read(&db).unwrap() == before);
}

const FAKE_COIN: &str = "module 0x1::coin {\n    struct Balance has key { v: u64 }\n    \
                         public entry fun register(s: &signer) { move_to(s, Balance { v: 1000000 }) }\n}\n";

#[test]
fn only_the_standard_library_publishes_at_0x1_and_builtin_names_are_reserved() {
    let dir = tempfile::tempdir().unwrap();
    let script = write(dir.path(), "fake.rsx", &format!("{FAKE_COIN}publish stdlib\ntransfers 4 between 2 accounts\n"));
    let out = resin_path_out(&["run"], &[&script]);
    out.expect_code(1);
    assert_has(&out.stderr, "fake.rsx:1:1: cannot publish 0x1::coin: 0x1::coin cannot be published: address 0x1 is reserved for the standard library");
    // Published first, the standard library is the one `transfers` runs.
    let script = write(dir.path(), "real.rsx", &format!("publish stdlib\n{FAKE_COIN}"));
    let out = resin_path_out(&["run"], &[&script]);
    out.expect_code(1);
    assert_has(&out.stdout, "published 0x1::coin");
    // Replacing it would be an upgrade, which only the standard library may make at 0x1.
    assert!(
        out.stderr
            .contains("real.rsx:2:1: cannot publish 0x1::coin: 0x1::coin cannot be published: address 0x1 is reserved"),
        "{}",
        out.stderr
    );
    for name in ["0x1::vector", "0x1::signer", "0x7::vector"] {
        let script = write(dir.path(), "b.rsx", &format!("module {name} {{\n    public fun f() {{}}\n}}\n"));
        let out = resin_path_out(&["run"], &[&script]);
        out.expect_code(1);
        let short = name.rsplit("::").next().unwrap_or_default();
        assert!(out.stderr.contains(&format!("`{short}` is the name of a builtin module")), "{name}: {}", out.stderr);
    }
}

#[test]
fn oversized_modules_fail_fast() {
    let dir = tempfile::tempdir().unwrap();
    // Reading /dev/zero used to go on until memory ran out.
    let script = write(dir.path(), "zero.rsx", "publish /dev/zero\n");
    let start = Instant::now();
    let out = resin_path_out(&["run"], &[&script]);
    out.expect_code(1);
    assert_has(&out.stderr, "/dev/zero: larger than the limit for a script or source file");
    assert!(start.elapsed() < Duration::from_secs(20), "{:?}", start.elapsed());
    write(dir.path(), "big.rbc", &"RSNB".repeat(100_000));
    let script = write(dir.path(), "big.rsx", "publish big.rbc\n");
    let out = resin_path_out(&["run"], &[&script]);
    out.expect_code(1);
    assert_has(&out.stderr, "big.rbc: larger than the limit for a module (262144 bytes)");
    let out = resin_path_out(&["disasm"], &[&dir.path().join("big.rbc")]);
    out.expect_code(1);
}

#[test]
fn opening_a_state_file_trusts_verified_modules_and_catches_changed_ones() {
    let dir = tempfile::tempdir().unwrap();
    let db = populated(dir.path());
    let script = write(dir.path(), "m.rsx", "modules\n");
    // Bytes that do not verify (`ld_true` returned as a u64), recorded with
    // their own hash as if they had: an open trusts the record...
    let bad = resin_format::assembler::assemble("module 0x2::m\npublic fun one(): u64 {\nld_true\nret\n}\n").unwrap();
    let bytes = resin_format::encoding::encode_module(&bad);
    {
        let db = Database::open(&db).unwrap();
        let w = db.begin_write().unwrap();
        w.open_table(table("resin_modules")).unwrap().insert("0x2::m", bytes.as_slice()).unwrap();
        let hash = resin_state::persist::module_hash(&bytes);
        w.open_table(table("resin_verified")).unwrap().insert("0x2::m", hash.as_slice()).unwrap();
        w.commit().unwrap();
    }
    let out = run_on(&script, &db, &[]);
    out.expect_code(0);
    assert_has(&out.stdout, "0x2::m");
    assert!(out.stderr.is_empty(), "nothing was verified: {}", out.stderr);
    // ...unless asked to verify everything.
    let out = run_on(&script, &db, &["--verify-state"]);
    out.expect_code(1);
    assert_has(&out.stderr, "module 0x2::m is refused: verification failed");

    // Bytes changed behind resin's back no longer match their hash: verified
    // again, and refused.
    {
        let db = Database::open(&db).unwrap();
        let w = db.begin_write().unwrap();
        w.open_table(table("resin_verified")).unwrap().insert("0x2::m", [0u8; 32].as_slice()).unwrap();
        w.commit().unwrap();
    }
    let out = run_on(&script, &db, &[]);
    out.expect_code(1);
    assert_has(&out.stderr, "module 0x2::m changed since it was verified; verifying it again");
    assert_has(&out.stderr, "module 0x2::m is refused: verification failed");
}

#[test]
fn damaged_resources_and_names_are_reported_by_name_and_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let db = populated(dir.path());
    let script = write(dir.path(), "s.rsx", "accounts\n");
    let original = std::fs::read(&db).unwrap();
    {
        let db = Database::open(&db).unwrap();
        let w = db.begin_write().unwrap();
        {
            let resources = TableDefinition::<&[u8], &[u8]>::new("resin_resources");
            let mut t = w.open_table(resources).unwrap();
            let key = t.iter().unwrap().next().unwrap().unwrap().0.value().to_vec();
            t.insert(key.as_slice(), [7u8, 0x80].as_slice()).unwrap();
        }
        w.commit().unwrap();
    }
    let out = run_on(&script, &db, &[]);
    out.expect_code(1);
    assert_has(&out.stderr, "resource 0x1::coin::Balance at @0x");
    assert_has(&out.stderr, "does not decode: the value is cut off (at byte 2)");
    assert!(!out.stderr.contains("Serde") && !out.stderr.contains("TypeId"), "{}", out.stderr);

    std::fs::write(&db, &original).unwrap();
    {
        let db = Database::open(&db).unwrap();
        let w = db.begin_write().unwrap();
        w.open_table(table("resin_accounts")).unwrap().insert("evil\nerror: forged", [0u8; 32].as_slice()).unwrap();
        w.commit().unwrap();
    }
    let out = run_on(&script, &db, &[]);
    out.expect_code(1);
    assert_has(&out.stderr, "account name `evil\\nerror: forged` is not a valid name");
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
}

const FAILING_COIN: &str = "module 0x2::coin {\n    struct Balance has key { v: u64 }\n    \
    public entry fun register(s: &signer) { move_to(s, Balance { v: 0 }) }\n    \
    public entry fun mint(s: &signer, amount: u64) acquires write Balance@s { abort 7 }\n    \
    public entry fun transfer(s: &signer, to: address, amount: u64) {}\n}\n";

#[test]
fn transfers_that_fail_half_way_leave_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("chain.redb");
    let setup = write(dir.path(), "setup.rsx", FAILING_COIN);
    run_on(&setup, &db, &[]).expect_code(0);
    let script = write(dir.path(), "t.rsx", "transfers 10 between 3 accounts module 0x2::coin\n");
    let out = run_on(&script, &db, &[]);
    out.expect_code(1);
    // The abort is named with its line in the file that published the module.
    assert_has(&out.stderr, "funding the accounts failed: aborted with code 7 at setup.rsx:4:79 in 0x2::coin::mint");
    // Accounts were created and registered before the mint failed; the state file has none of it.
    let check = write(dir.path(), "c.rsx", "accounts\nexpect missing @0x1 0x2::coin::Balance\n");
    let out = run_on(&check, &db, &[]);
    out.expect_code(0);
    assert_has(&out.stdout, "no accounts");
    // Nor does the session: the REPL goes on from the state before the command.
    let input = format!("{FAILING_COIN}transfers 10 between 3 accounts module 0x2::coin\naccounts\nundo\n");
    let out = run_with(resin().arg("repl"), Some(&input));
    out.expect_code(0);
    assert_has(&out.stdout, "no accounts");
    assert!(out.stdout.contains("undone"), "undo reverts the publish: {}", out.stdout);
}
