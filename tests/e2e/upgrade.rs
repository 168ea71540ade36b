//! Module upgrades through scripts: `publish` of a published module is an
//! upgrade, accepted when compatible (the stored resources are read by the
//! new code, the state root moves, a state file keeps the new code) and
//! refused with what broke otherwise.

use crate::common::*;

const DATA: &str = "tests/e2e/data/upgrade";

#[test]
fn a_compatible_upgrade_is_accepted() {
    let out = resin_out(&["run", &format!("{DATA}/upgrade.rsx")]);
    out.expect_code(0);
    insta::assert_snapshot!("accepted", without_timings(&out.stdout));
}

#[test]
fn incompatible_upgrades_are_refused_by_name() {
    let mut report = String::new();
    for bad in ["vault_fields", "vault_signature", "vault_access"] {
        let dir = tempfile::tempdir().unwrap();
        for file in ["vault_v1.rsn", &format!("{bad}.rsn")] {
            let text = std::fs::read_to_string(repo().join(DATA).join(file)).unwrap();
            write(dir.path(), file, &text);
        }
        let script = format!("account alice\npublish vault_v1.rsn\ncall alice vault::open 5\npublish {bad}.rsn\n");
        let path = write(dir.path(), "s.rsx", &script);
        let out = resin_path_out(&["run"], &[&path]);
        out.expect_code(1);
        // The temporary directory's path is the only part that varies.
        report.push_str(&format!("{bad}: {}", out.stderr.replace(&path.display().to_string(), "s.rsx")));
    }
    insta::assert_snapshot!("refused", report);
}

#[test]
fn a_state_file_keeps_the_upgraded_code() {
    let dir = tempfile::tempdir().unwrap();
    for file in ["vault_v1.rsn", "vault_v2.rsn"] {
        let text = std::fs::read_to_string(repo().join(DATA).join(file)).unwrap();
        write(dir.path(), file, &text);
    }
    let db = dir.path().join("chain.redb");
    let run = |script: &str| {
        let path = write(dir.path(), "s.rsx", script);
        let out = run_with(resin().arg("run").arg(&path).arg("--state").arg(&db), None);
        out.expect_code(0);
        out.stdout
    };
    run("account alice\npublish vault_v1.rsn\ncall alice vault::open 5\n");
    let upgraded = run("publish vault_v2.rsn\n");
    assert!(upgraded.contains("upgraded 0x2::vault (1 struct, 3 functions (2 entry))"), "{upgraded}");
    // A new process finds version 2 in the file, with the vault as it was.
    let after = run("call alice vault::bump\nexpect success\nshow alice\n");
    assert!(after.contains("0x2::vault::Vault { amount: 6 }"), "{after}");
    // Publishing version 2 again changes nothing.
    assert!(run("publish vault_v2.rsn\n").contains("unchanged 0x2::vault (already published)"));
}
