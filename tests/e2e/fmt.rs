//! `resin fmt`: in place, `--check`, `--stdout`, directories, and files it refuses.

use std::path::Path;

use crate::common::*;

const UNFORMATTED: &str = "module 0x2::m{\n// keep me\nfun f(x:u64):u64{x+1}   // and me\n}\n";

/// What `UNFORMATTED` must become, written out by hand.
const FORMATTED: &str =
    "module 0x2::m {\n    // keep me\n    fun f(x: u64): u64 {\n        x + 1\n    } // and me\n}\n";

fn fmt_in(dir: &Path, args: &[&str]) -> Out {
    run_with(resin().current_dir(dir).arg("fmt").args(args), None)
}

#[test]
fn check_lists_unformatted_files_and_fmt_rewrites_them() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good.rsn", FORMATTED);
    write(dir.path(), "bad.rsn", UNFORMATTED);
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    write(&dir.path().join("sub"), "also_bad.rsn", UNFORMATTED);
    write(&dir.path().join("sub"), "notes.txt", "not a source");

    let out = fmt_in(dir.path(), &["--check", "good.rsn", "bad.rsn", "sub"]);
    out.expect_code(1);
    insta::assert_snapshot!("fmt_check", format!("--- stdout\n{}--- stderr\n{}", out.stdout, out.stderr));
    assert_eq!(std::fs::read_to_string(dir.path().join("bad.rsn")).unwrap(), UNFORMATTED, "--check wrote");

    let out = fmt_in(dir.path(), &["bad.rsn", "sub"]);
    out.expect_code(0);
    assert_eq!(out.stdout, "");
    assert_eq!(std::fs::read_to_string(dir.path().join("bad.rsn")).unwrap(), FORMATTED);
    assert_eq!(std::fs::read_to_string(dir.path().join("sub/also_bad.rsn")).unwrap(), FORMATTED);
    assert_eq!(std::fs::read_to_string(dir.path().join("sub/notes.txt")).unwrap(), "not a source");

    let out = fmt_in(dir.path(), &["--check", "."]);
    out.expect_code(0);
    assert_eq!(out.stdout, "");
}

#[test]
fn stdout_prints_without_writing() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "bad.rsn", UNFORMATTED);
    let out = fmt_in(dir.path(), &["--stdout", "bad.rsn"]);
    out.expect_code(0);
    assert_eq!(out.stdout, FORMATTED);
    assert_eq!(std::fs::read_to_string(dir.path().join("bad.rsn")).unwrap(), UNFORMATTED);
}

#[test]
fn a_file_with_syntax_errors_is_reported_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let broken = "module 0x2::m {\n    fun f() { let x = ; }\n}\n";
    write(dir.path(), "broken.rsn", broken);
    write(dir.path(), "bad.rsn", UNFORMATTED);
    let out = fmt_in(dir.path(), &["broken.rsn", "bad.rsn"]);
    out.expect_code(1);
    insta::assert_snapshot!("fmt_syntax_error", out.stderr);
    assert_eq!(std::fs::read_to_string(dir.path().join("broken.rsn")).unwrap(), broken);
    // The other files are still formatted.
    assert_eq!(std::fs::read_to_string(dir.path().join("bad.rsn")).unwrap(), FORMATTED);
}

#[test]
fn the_repository_sources_are_formatted() {
    let out = resin_out(&["fmt", "--check", "examples", "stdlib/modules", "stdlib/tests"]);
    out.expect_code(0);
    assert_eq!(out.stdout, "");
}
