//! The compile driver: parse, apply attributes (a normal build drops
//! test-only items, see [`crate::attributes`]), resolve, type check, then per module (in
//! dependency order) generate code, infer access sets and verify. It can stop
//! after any stage; it stops early anyway after a stage that reported errors,
//! so later stages never see a broken program (each stage still reports
//! every error it finds, across all functions and modules).

use resin_format::file_format::{Module, ModuleId};
use resin_verifier::{verify_module, verify_test_module};

use crate::access::{self, FunctionAccess};
use crate::ast::Program;
use crate::attributes::{self, BuildMode, TestCase};
use crate::codegen;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::limits;
use crate::parser::parse;
use crate::resolve::{self, Resolved};
use crate::source::{SourceFile, Span};
use crate::typeck::{self, tir::TModule};

/// The stages, in order; `compile_until` stops after the one it is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    Parse,
    Resolve,
    Typecheck,
    /// Code generation, access inference and verification.
    Codegen,
}

/// One compiled module with its functions' access sets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompiledModule {
    pub id: ModuleId,
    pub module: Module,
    /// Per function definition, in definition order.
    pub functions: Vec<FunctionAccess>,
}

impl CompiledModule {
    /// The access sets in source notation, one function a line:
    /// `transfer: write Balance@to, write Balance@from`.
    pub fn access_report(&self) -> String {
        let mut out = format!("module {}\n", self.id);
        for f in &self.functions {
            let origin = if f.written { " (written)" } else { "" };
            out.push_str(&format!("  {}{origin}: {}\n", f.name, f.display));
        }
        out
    }
}

#[derive(Clone, Debug, Default)]
pub struct CompileResult {
    /// The program as parsed, less what the build mode leaves out (empty
    /// when parsing failed outright).
    pub program: Program,
    /// The `#[test]` functions of a test build ([`compile_tests`]); empty otherwise.
    pub tests: Vec<TestCase>,
    /// Compiled modules in dependency order (a module comes after those it uses).
    pub modules: Vec<CompiledModule>,
    /// Errors and warnings, sorted by location.
    pub diagnostics: Diagnostics,
}

impl CompileResult {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.has_errors()
    }

    pub fn access_report(&self) -> String {
        self.modules.iter().map(CompiledModule::access_report).collect()
    }

    pub fn module(&self, id: &ModuleId) -> Option<&CompiledModule> {
        self.modules.iter().find(|m| m.id == *id)
    }
}

/// Compiles `sources` against already compiled `deps`.
pub fn compile(sources: &[SourceFile], deps: &[Module]) -> CompileResult {
    compile_until(sources, deps, Stage::Codegen)
}

/// Compiles `sources` with their test-only items and `#[test]` functions,
/// which become entry functions; `tests` lists them.
pub fn compile_tests(sources: &[SourceFile], deps: &[Module]) -> CompileResult {
    compile_with(sources, deps, Stage::Codegen, BuildMode::Test)
}

/// Compiles up to and including `stop_after`.
pub fn compile_until(sources: &[SourceFile], deps: &[Module], stop_after: Stage) -> CompileResult {
    compile_with(sources, deps, stop_after, BuildMode::Normal)
}

/// Compiles up to and including `stop_after`, for `mode`.
pub fn compile_with(sources: &[SourceFile], deps: &[Module], stop_after: Stage, mode: BuildMode) -> CompileResult {
    let (program, parse_diags) = parse(sources);
    let mut result = CompileResult { program, diagnostics: parse_diags, ..CompileResult::default() };
    if stop_after == Stage::Parse || result.has_errors() {
        result.diagnostics.sort();
        return result;
    }
    let (tests, diags) = attributes::apply(&mut result.program, mode, deps);
    result.tests = tests;
    result.diagnostics.extend(diags);
    if result.has_errors() {
        result.diagnostics.sort();
        return result;
    }
    let (mut resolved, diags) = resolve::resolve_for(&result.program, deps, mode);
    result.diagnostics.extend(diags);
    if stop_after == Stage::Resolve || result.has_errors() {
        result.diagnostics.sort();
        return result;
    }
    let (typed, diags) = typeck::check(&result.program, &resolved);
    result.diagnostics.extend(diags);
    if stop_after == Stage::Typecheck || result.has_errors() {
        result.diagnostics.sort();
        return result;
    }
    let (modules, diags) = generate_all(sources, &mut resolved, &typed);
    result.modules = modules;
    result.diagnostics.extend(diags);
    result.diagnostics.sort();
    result
}

/// The struct a value-depth rejection names, when the source declares it;
/// other rejections point at their function ([`limits::span_of_error`]).
fn deep_struct_span(module: Option<&crate::resolve::env::ModuleEnv>, e: &resin_verifier::VerifyError) -> Option<Span> {
    let resin_verifier::VerifyErrorKind::ValueTooDeep { what, .. } = &e.kind else { return None };
    let name = what.strip_prefix("struct `").and_then(|w| w.strip_suffix('`'))?;
    module?.structs.iter().find(|s| s.name == name).and_then(|s| s.span)
}

/// Codegen, access inference and verification of each source module, in
/// dependency order (a module's callers need its access specs). Each module
/// carries its debug information (constant names, source maps into `sources`).
pub fn generate_all(
    sources: &[SourceFile],
    resolved: &mut Resolved,
    typed: &[Option<TModule>],
) -> (Vec<CompiledModule>, Vec<Diagnostic>) {
    let mut modules = Vec::new();
    let mut diags = Vec::new();
    for index in resolved.order.clone() {
        let (Some(Some(source)), Some(Some(tmodule))) = (resolved.modules.get(index), typed.get(index)) else {
            continue;
        };
        let own = source.id;
        let (mut module, spans) = match codegen::generate_with_spans(&resolved.env, own, tmodule) {
            Ok(generated) => generated,
            Err(errors) => {
                diags.extend(errors);
                continue;
            }
        };
        let (functions, access_diags) = access::infer_module(&mut resolved.env, &mut module, tmodule);
        let failed = access_diags.iter().any(Diagnostic::is_error);
        diags.extend(access_diags);
        if failed {
            continue;
        }
        // A test build's modules may hold the test-only instructions.
        let verified = if resolved.env.test_build { verify_test_module(&module) } else { verify_module(&module) };
        if let Err(e) = verified {
            let first = tmodule.functions.first().map_or(Span::default(), |f| f.span);
            let names: Vec<(String, Span)> = tmodule.functions.iter().map(|f| (f.name.clone(), f.span)).collect();
            let span = deep_struct_span(resolved.env.module(own), &e)
                .unwrap_or_else(|| limits::span_of_error(&e, &names, first));
            diags.push(limits::verifier_rejected(span, &e));
            continue;
        }
        let constant_names: Vec<String> =
            resolved.env.module(own).map(|m| m.constants.iter().map(|c| c.name.clone()).collect()).unwrap_or_default();
        module.debug = Some(codegen::source_map::debug_info(sources, &constant_names, &spans));
        let id = module.self_id().cloned().unwrap_or_else(|| ModuleId::new(Default::default(), ""));
        modules.push(CompiledModule { id, module, functions });
    }
    (modules, diags)
}
