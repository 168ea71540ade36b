//! Attributes after parsing: which are meaningful where, and what a build
//! keeps of the items they mark.
//!
//! Resin knows three attributes, as in Move: `#[test]` (with signers,
//! `#[test(alice = @0xa)]`) and `#[expected_failure]` on functions, and
//! `#[test_only]` on modules, uses, friends, structs, constants and
//! functions. A normal build drops every test-only item and every test
//! function before name resolution, so they never reach bytecode (and
//! nothing else may use them); a test build keeps them and lists the tests
//! ([`TestCase`]). Anything else written as an attribute is an error (E0133)
//! with its location, as is a test function the runner could not call
//! (E0134).

mod check;
mod tests_of;

use resin_format::file_format::{AccountAddress, Module, ModuleId};

use crate::ast::{Doc, Program};
use crate::diagnostics::Diagnostic;
use crate::source::Span;

/// What a compile is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum BuildMode {
    /// Publishable code: test-only items and tests are left out.
    #[default]
    Normal,
    /// Everything, with each `#[test]` function made an entry function so a
    /// test runner can call it as a transaction.
    Test,
}

/// One `#[test]` function of a test build.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestCase {
    pub module: ModuleId,
    pub function: String,
    /// The address of each parameter, in order (every parameter is a signer).
    pub signers: Vec<AccountAddress>,
    pub expected: Expected,
    /// The function's name in the source.
    pub span: Span,
}

impl TestCase {
    /// `0x2::vault::deposit_works`: how runners name the test.
    pub fn name(&self) -> String {
        format!("{}::{}", self.module, self.function)
    }
}

/// How a test must end to pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expected {
    Success,
    /// `#[expected_failure]`: any failure (abort, runtime error, out of gas).
    Failure,
    /// `#[expected_failure(abort_code = NAME)]`: an abort with this code;
    /// `name` is the constant it was written as, if any.
    Abort {
        code: u64,
        name: Option<String>,
    },
}

/// The known attributes of one item, once checked.
#[derive(Default)]
struct Marks {
    test: bool,
    test_only: bool,
}

impl Marks {
    fn of(doc: &Doc) -> Self {
        Marks { test: doc.attr("test").is_some(), test_only: doc.attr("test_only").is_some() }
    }

    /// Left out of a normal build.
    fn test_code(&self) -> bool {
        self.test || self.test_only
    }
}

/// Checks every attribute of `program`, then strips it for `mode` (test-only
/// items and tests leave a normal build) and lists its tests (a test build).
/// With errors, the program is left as parsed and no test is listed.
/// `deps` are the compiled modules the program uses, whose named constants
/// an `abort_code` may name.
pub fn apply(program: &mut Program, mode: BuildMode, deps: &[Module]) -> (Vec<TestCase>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    for module in &program.modules {
        check::module(module, &mut diags);
    }
    let tests = tests_of::program(program, deps, &mut diags);
    if diags.iter().any(Diagnostic::is_error) {
        return (Vec::new(), diags);
    }
    match mode {
        BuildMode::Normal => {
            strip(program);
            (Vec::new(), diags)
        }
        BuildMode::Test => {
            mark_entries(program);
            (tests, diags)
        }
    }
}

/// Drops test-only modules and items and test functions.
fn strip(program: &mut Program) {
    program.modules.retain(|m| !Marks::of(&m.doc).test_code());
    for m in &mut program.modules {
        m.uses.retain(|u| !Marks::of(&u.doc).test_code());
        m.friends.retain(|f| !Marks::of(&f.doc).test_code());
        m.structs.retain(|s| !Marks::of(&s.doc).test_code());
        m.constants.retain(|c| !Marks::of(&c.doc).test_code());
        m.functions.retain(|f| !Marks::of(&f.doc).test_code());
    }
}

/// Makes every test function an entry function: a transaction may only call
/// those, and the runner runs each test as one. Its span stands in for the
/// `entry` keyword's (diagnostics about entry functions point at the test).
fn mark_entries(program: &mut Program) {
    for f in program.modules.iter_mut().flat_map(|m| &mut m.functions) {
        if f.entry.is_none() && Marks::of(&f.doc).test {
            f.entry = Some(f.name.span);
        }
    }
}
