//! Cases for the stages after parsing: every `tests/cases/<stage>/*.rsn` file is
//! a case, snapshotted with its source next to the output.
//!
//! - `resolve/`, `typecheck/`: compiled up to that stage; the output is the
//!   rendered diagnostics.
//! - `access/`: compiled fully; the output is every function's access set.
//! - `codegen/`: compiled fully; the output is the disassembly and access sets.
//!
//! Naming convention, checked here: `err_*` files must be rejected, all others
//! must compile without errors (only `warn_*` may have warnings). A file with a
//! line `//# dependency-split` is compiled in two steps: the text above it
//! alone, then the text below against the modules the first step produced
//! (as already compiled dependencies). Every case that compiles has each of
//! its modules checked by the bytecode verifier.

mod support;

use resin_lang::{compile, compile_until, CompileResult, SourceFile, Stage};
use resin_verifier::verify_module;

const SPLIT: &str = "//# dependency-split\n";

struct Outcome {
    sources: Vec<SourceFile>,
    result: CompileResult,
    deps: Vec<resin_vm::Module>,
}

fn run(name: &str, text: &str, stage: Stage) -> Outcome {
    let (dep_text, main_text) = match text.split_once(SPLIT) {
        Some((dep, main)) => (Some(dep), main),
        None => (None, text),
    };
    let mut deps = Vec::new();
    if let Some(dep_text) = dep_text {
        let dep_sources = [SourceFile::new(format!("{name} (dependency part)"), dep_text)];
        let dep = compile(&dep_sources, &[]);
        assert!(!dep.has_errors(), "{name}: dependency part failed:\n{}", dep.diagnostics.render(&dep_sources));
        deps = dep.modules.into_iter().map(|m| m.module).collect();
    }
    let sources = vec![SourceFile::new(name, main_text)];
    let result = compile_until(&sources, &deps, stage);
    Outcome { sources, result, deps }
}

/// Checks the naming convention and, for accepted cases, verifies the bytecode
/// of a full compile.
fn check_convention(name: &str, text: &str, outcome: &Outcome) {
    let rendered = outcome.result.diagnostics.render(&outcome.sources);
    let rejected = name.starts_with("err_");
    assert_eq!(outcome.result.has_errors(), rejected, "{name}: errors expected: {rejected}\n{rendered}");
    if !rejected && !name.starts_with("warn_") {
        assert!(outcome.result.diagnostics.is_empty(), "{name}: unexpected warnings\n{rendered}");
    }
    if !rejected {
        let full = run(name, text, Stage::Codegen);
        let rendered = full.result.diagnostics.render(&full.sources);
        assert!(!full.result.has_errors(), "{name}: full compile failed\n{rendered}");
        assert!(!full.result.modules.is_empty(), "{name}: no module compiled");
        for module in full.result.modules.iter().map(|m| &m.module).chain(&full.deps) {
            verify_module(module).unwrap_or_else(|e| panic!("{name}: verifier rejected: {e}"));
        }
    }
}

fn snapshot(text: &str, output: &str) -> String {
    format!("----- SOURCE\n{text}----- OUTPUT\n{output}")
}

/// Runs every case of `tests/cases/<dir>`; `output` renders one compiled case.
/// Snapshots go to `tests/snapshots/<dir>/case@<file>.snap`.
fn each_case(dir: &str, stage: Stage, output: fn(&Outcome) -> String) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(format!("snapshots/{dir}"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        insta::glob!(&format!("cases/{dir}/*.rsn"), |path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let text = support::read_case(path);
            let outcome = run(&name, &text, stage);
            check_convention(&name, &text, &outcome);
            insta::assert_snapshot!("case", snapshot(&text, &output(&outcome)));
        });
    });
}

fn diagnostics(outcome: &Outcome) -> String {
    let output = outcome.result.diagnostics.render(&outcome.sources);
    if output.is_empty() {
        "(no diagnostics)\n".to_string()
    } else {
        output
    }
}

#[test]
fn resolve_cases() {
    each_case("resolve", Stage::Resolve, diagnostics);
}

#[test]
fn typecheck_cases() {
    each_case("typecheck", Stage::Typecheck, diagnostics);
}

#[test]
fn access_cases() {
    each_case("access", Stage::Codegen, |outcome| {
        let mut output = outcome.result.access_report();
        output.push_str(&outcome.result.diagnostics.render(&outcome.sources));
        output
    });
}

#[test]
fn codegen_cases() {
    each_case("codegen", Stage::Codegen, |outcome| {
        let mut output = String::new();
        for module in &outcome.result.modules {
            output.push_str(&resin_format::disasm::disassemble(&module.module));
            output.push('\n');
        }
        output.push_str(&outcome.result.access_report());
        output.push_str(&outcome.result.diagnostics.render(&outcome.sources));
        output
    });
}

/// The later-stage case folders hold enough cases, and enough rejected ones.
#[test]
fn case_counts() {
    let stages = ["resolve", "typecheck", "access", "codegen"];
    let all: Vec<String> = stages.iter().flat_map(|s| support::cases(s)).map(|(name, _)| name).collect();
    let rejected = all.iter().filter(|n| n.starts_with("err_")).count();
    assert!(all.len() >= 45, "only {} cases", all.len());
    assert!(rejected >= 20, "only {rejected} rejected cases");
}
