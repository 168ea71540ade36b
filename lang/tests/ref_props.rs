//! Reference safety, by property: random programs that use references
//! (`gen::refs`: `&`/`&mut` parameters, field and element borrows, copies,
//! reborrows, freezes, tuples, global borrows, calls that pass and return
//! references, in branches and loops) are compiled. The compiler never
//! answers one with an internal error (E0604: a module the verifier
//! rejects); and every program it accepts runs on the VM without a dangling
//! reference or a broken invariant, which is what a hole in the borrow check
//! would produce (a reference into a moved local, a removed resource, a
//! popped element or a finished call's frame).

mod gen;
mod support;

use gen::refs::{self, Program};
use proptest::prelude::*;
use resin_lang::diagnostics::Code;
use resin_lang::{compile, CompileResult, SourceFile};
use resin_verifier::verify_module;

fn compile_program(program: &Program) -> CompileResult {
    let sources = [SourceFile::new("refs.rsn", program.text.as_str())];
    let result = compile(&sources, &[]);
    let internal = result.diagnostics.iter().any(|d| matches!(d.code, Code::VerifierRejected | Code::InternalError));
    assert!(
        !internal,
        "internal compiler error:\n{}\n{}",
        refs::numbered(&program.text),
        result.diagnostics.render(&sources)
    );
    result
}

/// Runs an accepted program: it verifies, and no call of it faults with a
/// dangling reference or a broken invariant.
fn run_accepted(program: &Program, result: CompileResult) {
    let modules: Vec<_> = result.modules.into_iter().map(|m| m.module).collect();
    for module in &modules {
        verify_module(module).unwrap_or_else(|e| panic!("{e}\n{}", refs::numbered(&program.text)));
    }
    match support::vm::reference_fault(modules) {
        Ok(None) => {}
        Ok(Some(fault)) => panic!("accepted program fails with {fault}:\n{}", refs::numbered(&program.text)),
        Err(e) => panic!("{e}\n{}", refs::numbered(&program.text)),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn accepted_reference_programs_never_dangle(seed in any::<u64>()) {
        let program = refs::program(seed);
        let result = compile_program(&program);
        if !result.has_errors() {
            run_accepted(&program, result);
        }
    }
}

/// The generator reaches the cases that matter: a good share of its programs
/// is accepted and a good share rejected, every construct appears on both
/// sides, and the rejections cover every kind of borrow error.
#[test]
fn generated_programs_reach_both_sides_of_every_rule() {
    let (mut accepted, mut rejected) = (0, 0);
    let mut accepted_features = std::collections::BTreeSet::new();
    let mut rejected_features = std::collections::BTreeSet::new();
    let mut codes = std::collections::BTreeSet::new();
    for seed in 0..400 {
        let program = refs::program(seed);
        let result = compile_program(&program);
        if result.has_errors() {
            rejected += 1;
            rejected_features.extend(program.features.iter().copied());
            codes.extend(result.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.code.as_str()));
        } else {
            accepted += 1;
            accepted_features.extend(program.features.iter().copied());
            run_accepted(&program, result);
        }
    }
    assert!(accepted >= 100 && rejected >= 100, "accepted {accepted}, rejected {rejected}");
    let every = [
        "copy",
        "rebind",
        "reborrow",
        "freeze",
        "tuple",
        "returned",
        "helper",
        "element",
        "global",
        "move_from",
        "call writer",
        "pop",
        "move",
        "assign",
        "if",
        "loop",
    ];
    for feature in every {
        assert!(
            accepted_features.contains(feature),
            "no accepted program with {feature}: {accepted} accepted {accepted_features:?}, {rejected} rejected"
        );
        assert!(rejected_features.contains(feature), "no rejected program with {feature}");
    }
    assert!(rejected_features.contains("return local"), "no program returning a local's reference");
    for code in ["E0401", "E0402", "E0403", "E0408", "E0409"] {
        assert!(codes.contains(code), "no program rejected with {code}: {codes:?}");
    }
}

/// A loop that passes references along a long chain of locals would need a
/// round of the fixpoint per link; the check widens instead, so it ends (and
/// still rejects the program, which really does make two `&mut` to `x`).
#[test]
fn long_reference_chains_in_loops_terminate() {
    let links = 40;
    let mut text = String::from("module 0x1::chain {\n    public fun f(n: u64): u64 {\n        let x = 0;\n");
    for i in 0..links {
        text.push_str(&format!("        let y{i} = 0;\n        let r{i} = &mut y{i};\n"));
    }
    text.push_str("        let i = 0;\n        while (i < n) {\n            *r0 = 1;\n");
    for i in 0..links - 1 {
        text.push_str(&format!("            r{i} = r{};\n", i + 1));
    }
    text.push_str(&format!(
        "            r{} = &mut x;\n            i = i + 1;\n        }};\n        *r0 + x\n    }}\n}}\n",
        links - 1
    ));
    let sources = [SourceFile::new("chain.rsn", text.as_str())];
    let result = compile(&sources, &[]);
    assert!(result.has_errors(), "{text}");
}
