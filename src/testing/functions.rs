//! Test functions: the package compiled in test mode, published once into a
//! world with the standard library, and each `#[test]` run as a
//! transaction on its own copy of that world (a clone is O(1): persistent
//! maps), so no test sees another's writes.

use resin_format::encoding::limits::RESERVED_ADDRESS;
use resin_format::escape::escaped;
use resin_lang::{Expected, SourceFile, TestCase};
use resin_vm::loader::Publisher;
use resin_vm::{
    execute_as_signers, AccountAddress, BlockContext, CodeCache, Module, Receipt, Status, Transaction, World,
};

use super::Outcome;
use crate::error::{CliError, CliResult};

/// Each test's gas limit: the most a transaction may have, so that a test
/// fails on its own logic rather than on a budget it never chose.
pub const TEST_GAS_LIMIT: u64 = resin_vm::gas::MAX_GAS_LIMIT;

/// A test build, ready to run.
pub struct CompiledTests {
    pub cases: Vec<TestCase>,
    /// The standard library and the package, published.
    world: World,
    sources: Vec<SourceFile>,
    /// Rendered warnings of the test build (empty when none).
    pub warnings: String,
}

impl CompiledTests {
    /// `file:line:col` of `span` in the sources.
    fn location(&self, span: resin_lang::Span) -> String {
        let Some(file) = self.sources.get(span.file as usize) else { return "?".into() };
        let before = file.text.get(..span.start as usize).unwrap_or_default();
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        format!("{}:{line}:{col}", file.name)
    }
}

impl CompiledTests {
    /// The source line a failure stopped at (`11 |         assert!(by < 10, E_TOO_BIG);`),
    /// when the module's source map places it in a source of this build.
    fn failing_line(&self, code: &CodeCache, status: &Status) -> Option<String> {
        let location = match status {
            Status::Aborted { location, .. }
            | Status::RuntimeError { location, .. }
            | Status::OutOfGas { location }
            | Status::AccessViolation { location, .. } => location,
            Status::Success | Status::InvalidArguments { .. } => return None,
        };
        let module = code.module(&location.module)?;
        let debug = module.debug.as_ref()?;
        let (index, _) = module.find_function(&location.function)?;
        let pos = debug.functions.get(index)?.position(location.offset)?;
        let file = debug.files.get(usize::from(pos.file))?;
        let source = self.sources.iter().find(|s| s.name == *file)?;
        let text = source.text.lines().nth(usize::try_from(pos.line).ok()?.checked_sub(1)?)?;
        Some(format!("{} | {}", pos.line, escaped(text.trim_end())))
    }
}

/// Compiles `sources` in test mode against `packages` (modules of the
/// packages they depend on, already compiled) and the standard library
/// (less any module either defines), and publishes it all. Sources may
/// define standard-library modules (at `0x1`): the standard library's own
/// tests compile its sources in test mode, `#[test_only]` helpers
/// included, and they are published in the test world as the standard
/// library.
pub fn compile(sources: Vec<SourceFile>, packages: Vec<Module>) -> CliResult<CompiledTests> {
    let stdlib = crate::package::stdlib_except(&sources, &packages)?;
    let deps: Vec<Module> = stdlib.iter().chain(&packages).cloned().collect();
    let result = resin_lang::compile_tests(&sources, &deps);
    let rendered = result.diagnostics.render(&sources);
    if result.has_errors() {
        return Err(CliError::Diagnostics { rendered, errors: result.diagnostics.error_count() });
    }
    let mut world = World::new();
    for module in stdlib {
        world.publish_stdlib(module).map_err(|e| CliError::Other(format!("standard library: {e}")))?;
    }
    let built = result.modules.into_iter().map(|m| m.module);
    for module in packages.into_iter().chain(built) {
        let id = module.self_id().map_or_else(|| "a module".to_string(), ToString::to_string);
        let stdlib = module.self_id().is_some_and(|id| id.address == RESERVED_ADDRESS);
        let publisher = if stdlib { Publisher::StandardLibrary } else { Publisher::Anyone };
        // A test build's modules may move the block's time on.
        let published = world.publish_test_build(module, publisher);
        published.map_err(|e| CliError::Other(format!("cannot publish {id}: {e}")))?;
    }
    Ok(CompiledTests { cases: result.tests, world, sources, warnings: rendered })
}

/// Runs `test` on a copy of the published world.
pub(super) fn run_one(tests: &CompiledTests, test: &TestCase) -> Outcome {
    let tx = Transaction {
        // No test signs as the sender: every signer parameter has its own
        // address, and a test without signers has no sender to speak of.
        sender: test.signers.first().copied().unwrap_or(AccountAddress::ZERO),
        module: test.module.clone(),
        function: test.function.clone(),
        args: Vec::new(),
        gas_limit: TEST_GAS_LIMIT,
        type_args: Vec::new(),
    };
    let world = tests.world.clone();
    let receipt = execute_as_signers(&world.code, &world.resources, &tx, BlockContext::default(), &test.signers);
    let verdict = judge(&test.expected, &receipt);
    let mut detail = Vec::new();
    if let Err(why) = verdict {
        if !why.is_empty() {
            detail.push(why);
        }
        if !receipt.status.is_success() {
            detail.push(resin_vm::describe::describe_status(&world.code, &receipt.status));
            detail.extend(tests.failing_line(&world.code, &receipt.status));
        }
        detail.push(format!("test at {}", tests.location(test.span)));
    }
    Outcome { name: test.name(), passed: detail.is_empty(), gas: Some(receipt.gas_used), detail }
}

/// Whether `receipt` is what `expected` asks for; else why not.
fn judge(expected: &Expected, receipt: &Receipt) -> Result<(), String> {
    match (expected, &receipt.status) {
        (_, Status::InvalidArguments { reason }) => Err(format!("the test did not start: {reason}")),
        (Expected::Success, Status::Success) => Ok(()),
        // The status says it all.
        (Expected::Success, _) => Err(String::new()),
        (Expected::Failure, Status::Success) => Err("expected a failure, but the test succeeded".into()),
        (Expected::Failure, _) => Ok(()),
        (Expected::Abort { code, .. }, Status::Aborted { code: got, .. }) if got == code => Ok(()),
        (Expected::Abort { code, name }, status) => {
            let wanted = match name {
                Some(name) => format!("{name} ({code})"),
                None => code.to_string(),
            };
            // A failure other than the expected one is shown on the next line.
            let but = if status.is_success() { ", but the test succeeded" } else { "" };
            Err(format!("expected an abort with code {wanted}{but}"))
        }
    }
}
