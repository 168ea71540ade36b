//! The standard library's own unit tests: every `stdlib/tests/*.rsn` file
//! is a test build (`#[test_only]` modules with `#[test]` functions) run
//! through `resin test`'s runner against the standard library, and every
//! one of its tests must pass.

use std::path::PathBuf;

use resin::testing;
use resin_lang::SourceFile;

use crate::common::repo;

/// Every `stdlib/tests/*.rsn` file, sorted by name.
fn test_files() -> Vec<PathBuf> {
    let dir = repo().join("stdlib/tests");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "rsn"))
        .collect();
    files.sort();
    files
}

/// The file's name relative to the repository, as the runner reports it.
fn name(path: &std::path::Path) -> String {
    path.strip_prefix(repo()).unwrap_or(path).display().to_string()
}

#[test]
fn every_stdlib_test_file_passes() {
    let files = test_files();
    for module in ["currency", "fungible", "nft", "dao", "amm", "escrow", "multisig"] {
        let expected = repo().join(format!("stdlib/tests/{module}_tests.rsn"));
        assert!(files.contains(&expected), "no tests for 0x1::{module}: {} is missing", expected.display());
    }
    let mut failures = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        // The standard library's sources compile in test mode with the
        // file, so its modules' `#[test_only]` helpers are there.
        let mut sources = resin_stdlib::source_files();
        sources.push(SourceFile::new(name(path), text));
        let tests = testing::compile(sources, Vec::new())
            .unwrap_or_else(|e| panic!("{}: the test build failed: {e}", name(path)));
        assert!(tests.warnings.is_empty(), "{}: warnings in the test build:\n{}", name(path), tests.warnings);
        assert!(!tests.cases.is_empty(), "{}: holds no #[test] function", name(path));
        let plan = testing::Plan { tests, scripts: Vec::new() };
        let outcomes = testing::run(&plan, None, 2).unwrap();
        assert_eq!(outcomes.len(), plan.tests.cases.len(), "{}: every test ran", name(path));
        for outcome in outcomes.iter().filter(|o| !o.passed) {
            failures.push(format!("{}: FAIL {}\n    {}", name(path), outcome.name, outcome.detail.join("\n    ")));
        }
    }
    assert!(failures.is_empty(), "{} failing stdlib tests:\n{}", failures.len(), failures.join("\n"));
}

/// A module with a test file has a test expecting each of its abort codes:
/// for every `const E_X` of `stdlib/modules/M.rsn`, some test file names
/// `abort_code = M::E_X`.
#[test]
fn every_abort_code_of_a_tested_module_has_an_expected_failure_test() {
    let tests: String = test_files().iter().map(|p| std::fs::read_to_string(p).unwrap()).collect();
    let mut missing = Vec::new();
    for source in resin_stdlib::SOURCES {
        if !repo().join(format!("stdlib/tests/{}_tests.rsn", source.name)).exists() {
            continue;
        }
        for line in source.text.lines() {
            let Some(rest) = line.trim_start().strip_prefix("const E_") else { continue };
            let constant = format!("E_{}", rest.split(':').next().unwrap().trim());
            if !tests.contains(&format!("abort_code = {}::{constant}", source.name)) {
                missing.push(format!("{}::{constant}", source.name));
            }
        }
    }
    assert!(missing.is_empty(), "abort codes no #[expected_failure] test expects: {missing:?}");
}

/// The runner this file relies on does fail a test: a build whose test
/// aborts with another code than it expects, and one whose test aborts
/// unexpectedly, are reported as failures.
#[test]
fn the_runner_fails_wrong_abort_codes() {
    let text = "#[test_only]\nmodule 0x2::wrong {\n    use 0x1::currency;\n    struct C has drop {}\n\
        #[test]\n    #[expected_failure(abort_code = currency::E_NOT_ZERO)]\n    fun wrong_code() { currency::balance<C>(@0xb); }\n\
        #[test]\n    fun unexpected() { currency::balance<C>(@0xb); }\n}\n";
    let tests = testing::compile(vec![SourceFile::new("wrong.rsn", text)], Vec::new()).unwrap();
    let plan = testing::Plan { tests, scripts: Vec::new() };
    let outcomes = testing::run(&plan, None, 1).unwrap();
    assert_eq!(outcomes.len(), 2);
    assert!(outcomes.iter().all(|o| !o.passed), "{outcomes:?}");
}
