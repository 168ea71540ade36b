//! The bytecode verifier: run on every module before it is loaded, whether it
//! came from bytes or from the compiler. It checks one module in isolation and
//! trusts the handles it declares for foreign structs and functions; the
//! loader checks those handles against the real definitions at link time.
//!
//! The passes run in a fixed, named sequence ([`PASSES`]), each in its own
//! file, each relying on the ones before it:
//!
//! 1. [`Pass::Bounds`]: every index in range, names unique, bodies terminated,
//!    and no test-only instruction outside a test build ([`verify_test_module`]).
//! 2. [`Pass::Limits`]: sizes that keep verification and execution bounded.
//! 3. [`Pass::Signatures`]: references, constants, abilities of fields, entry signatures.
//! 4. [`Pass::Stack`]: operand-stack heights agree on every path.
//! 5. [`Pass::Types`]: every instruction gets operands of the types it needs.
//! 6. [`Pass::Resources`]: no value is copied or dropped without the ability.
//! 7. [`Pass::References`]: no mutation through an immutable reference, and
//!    reference safety: no aliasing `&mut`, no reference outliving its target.
//! 8. [`Pass::Globals`]: storage operations only on own `key` types.
//! 9. [`Pass::Access`]: every global access is covered by the function's access spec.
//!
//! Generic code is checked the way Move's bytecode verifier checks it, once
//! for every instantiation (the rules shared by the passes are in
//! `generics.rs`):
//!
//! - bounds: every type is well formed (a generic struct always with one type
//!   argument per type parameter, a plain one never with an argument list:
//!   `TypeArgumentCountMismatch`, `TypeArgumentsOnNonGeneric`), every type parameter is in the scope of
//!   its struct or function (`TypeParamOutOfRange`), and the generic
//!   instructions name generic structs and functions, the plain ones plain
//!   ones (`GenericInstructionOnNonGeneric`, `PlainInstructionOnGeneric`);
//! - limits: type parameter counts, and the depth and size of every type,
//!   declared or built by substituting an instantiation's arguments
//!   (`TooManyTypeParameters`, `TypeTooDeep`, `TypeTooLarge`);
//! - signatures: every instantiation satisfies its parameters' constraints,
//!   a type parameter having the abilities it is declared with
//!   (`ConstraintNotSatisfied`); no type argument is or holds a reference or
//!   a signer (`ReferenceAsTypeArgument`, `SignerAsTypeArgument`: a generic
//!   function may pack its `T` into a struct, and no struct holds either);
//!   phantom parameters appear in fields only as phantom arguments
//!   (`PhantomParameterInField`); a generic function never calls itself,
//!   directly or through a cycle, with a growing type argument
//!   (`InstantiationLoop`), so a module needs finitely many instantiations,
//!   and the type arguments a chain of its own calls builds stay within the
//!   type limits (`TypeTooDeep`, `TypeTooLarge` at the call that goes over:
//!   `f0<T>` calling `f1<P<T, T>>` calling `f2<P<T, T>>`... doubles a type
//!   per call);
//! - types, resources, references, globals: generic instructions are typed
//!   by substitution; a type parameter has exactly its constraints'
//!   abilities and an instantiation those of Move's rule (its declared
//!   abilities that every non-phantom argument allows, `key` needing
//!   `store`); storage of a generic struct needs `key` on the instantiation;
//! - access: accesses carry type arguments (`Balance<T0>`), a generic
//!   callee's spec is instantiated with the call's, and coverage compares
//!   resource and type arguments: no declaration covers every
//!   instantiation of a generic resource at once.

mod access;
mod bounds;
mod cfg;
mod depth;
mod error;
mod generics;
mod globals;
mod instantiation_loops;
mod limits;
mod provenance;
mod reference_safety;
mod resources;
mod signatures;
mod stack;
mod ty;
mod types;

use std::fmt;

pub use depth::{check_value_depth, value_depths};
pub use error::{Borrower, Holder, VerifyError, VerifyErrorKind};
pub use limits::{
    MAX_ACCESSES, MAX_CODE_LEN, MAX_DATAFLOW_UNITS, MAX_FIELDS, MAX_IDENTIFIER_LEN, MAX_LOCALS,
    MAX_MODULE_DATAFLOW_UNITS, MAX_PARAMS, MAX_RETURNS, MAX_STACK_HEIGHT, MAX_TABLE_ENTRIES, MAX_TYPE_DEPTH,
    MAX_TYPE_NODES, MAX_TYPE_PARAMS, MAX_VECTOR_COUNT,
};

use resin_format::file_format::{AccessSpec, FunctionDef, FunctionHandle, LocalIdx, Module, Type};

/// One verifier pass.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Pass {
    Bounds,
    Limits,
    Signatures,
    Stack,
    Types,
    Resources,
    References,
    Globals,
    Access,
}

/// The passes, in the order they run.
pub const PASSES: [Pass; 9] = [
    Pass::Bounds,
    Pass::Limits,
    Pass::Signatures,
    Pass::Stack,
    Pass::Types,
    Pass::Resources,
    Pass::References,
    Pass::Globals,
    Pass::Access,
];

impl Pass {
    pub fn name(self) -> &'static str {
        match self {
            Pass::Bounds => "bounds",
            Pass::Limits => "limits",
            Pass::Signatures => "signatures",
            Pass::Stack => "stack",
            Pass::Types => "types",
            Pass::Resources => "resources",
            Pass::References => "references",
            Pass::Globals => "globals",
            Pass::Access => "access",
        }
    }
}

impl fmt::Display for Pass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Runs every pass on `module`; the first failure is returned.
pub fn verify_module(module: &Module) -> Result<(), VerifyError> {
    verify_through(module, Pass::Access)
}

/// [`verify_module`] for a module of a test build (`resin test`), which may
/// also hold the test-only instructions ([`Instr::is_test_only`]: moving
/// the block's time on). Nothing but a test build's world publishes with
/// it: anywhere else such an instruction is `TestOnlyInstruction`.
///
/// [`Instr::is_test_only`]: resin_format::opcodes::Instr::is_test_only
pub fn verify_test_module(module: &Module) -> Result<(), VerifyError> {
    run_passes(module, Pass::Access, true)
}

/// Runs the passes in order up to and including `last` (a driver that wants to
/// stop early, or a tool that shows how far a module gets).
pub fn verify_through(module: &Module, last: Pass) -> Result<(), VerifyError> {
    run_passes(module, last, false)
}

fn run_passes(module: &Module, last: Pass, test_build: bool) -> Result<(), VerifyError> {
    let mut pipeline = Pipeline { module, functions: Vec::new(), budget: cfg::Budget::module(), test_build };
    for pass in PASSES {
        pipeline.run(pass)?;
        if pass == last {
            break;
        }
    }
    Ok(())
}

/// The minimal access spec the code of `module.functions[function_index]`
/// needs: its own global operations plus its callees' specs (from their
/// handles) with their parameters replaced by the provenance of the call's
/// arguments; deduplicated, sorted, with an access dropped when another covers
/// it (a write covers a read of the same resource and address; `*` covers
/// every address). The compiler infers specs with it; the verifier's access
/// pass checks declared specs with the same analysis.
///
/// The module must pass the bounds and limits passes and the function the
/// stack pass; those are run first and their errors returned.
pub fn infer_access_spec(module: &Module, function_index: usize) -> Result<AccessSpec, VerifyError> {
    bounds::verify(module)?;
    limits::verify(module)?;
    let view = FunctionView::new(module, function_index)?;
    let cfg = stack::verify(&view)?;
    access::infer(&view, &cfg)
}

/// [`infer_access_spec`] for a caller that verifies the whole module anyway
/// (the compiler, which infers every function and then runs
/// [`verify_module`]): only the function's own bounds, limits and stack are
/// checked first, so inferring all n functions of a module costs
/// O(module size), not O(n * module size). Like every pass, it looks tables
/// up with `get`, so a module that would fail the module-wide checks gets an
/// error or a spec, never a panic.
pub fn infer_function_access(module: &Module, function_index: usize) -> Result<AccessSpec, VerifyError> {
    bounds::check_function(module, function_index)?;
    limits::check_function(module, function_index)?;
    let view = FunctionView::new(module, function_index)?;
    let cfg = stack::verify(&view)?;
    access::infer(&view, &cfg)
}

/// What the function passes share: the view and the results of earlier passes.
struct FunctionState<'m> {
    view: FunctionView<'m>,
    cfg: cfg::Cfg,
    types: Option<types::TypeFacts>,
}

struct Pipeline<'m> {
    module: &'m Module,
    functions: Vec<FunctionState<'m>>,
    /// Dataflow work left for the whole module, shared by every function's view.
    budget: cfg::Budget,
    /// Whether test-only instructions are allowed (a test build's module).
    test_build: bool,
}

impl<'m> Pipeline<'m> {
    fn run(&mut self, pass: Pass) -> Result<(), VerifyError> {
        match pass {
            Pass::Bounds => {
                bounds::verify(self.module)?;
                if self.test_build {
                    Ok(())
                } else {
                    bounds::no_test_only(self.module)
                }
            }
            Pass::Limits => limits::verify(self.module),
            Pass::Signatures => signatures::verify(self.module),
            Pass::Stack => {
                for index in 0..self.module.functions.len() {
                    let mut view = FunctionView::new(self.module, index)?;
                    view.budget = self.budget.clone();
                    let cfg = stack::verify(&view)?;
                    self.functions.push(FunctionState { view, cfg, types: None });
                }
                Ok(())
            }
            Pass::Types => self.functions.iter_mut().try_for_each(|f| {
                f.types = Some(types::verify(&f.view, &f.cfg)?);
                Ok(())
            }),
            Pass::Resources => self.with_types(resources::verify),
            Pass::References => {
                let facts = reference_safety::ModuleFacts::new(self.module);
                self.with_types(|view, cfg, types| reference_safety::verify(&facts, view, cfg, types))
            }
            Pass::Globals => self.functions.iter().try_for_each(|f| globals::verify(&f.view)),
            Pass::Access => self.functions.iter().try_for_each(|f| access::verify(&f.view, &f.cfg)),
        }
    }

    fn with_types(
        &self,
        pass: impl Fn(&FunctionView<'m>, &cfg::Cfg, &types::TypeFacts) -> Result<(), VerifyError>,
    ) -> Result<(), VerifyError> {
        self.functions.iter().try_for_each(|f| match &f.types {
            Some(types) => pass(&f.view, &f.cfg, types),
            None => Err(f.view.error(None, VerifyErrorKind::VerifierInvariant { detail: "types pass not run" })),
        })
    }
}

/// One function definition with its handle resolved: what every function pass reads.
pub(crate) struct FunctionView<'m> {
    pub module: &'m Module,
    pub index: usize,
    pub def: &'m FunctionDef,
    pub handle: &'m FunctionHandle,
    /// The dataflow work the module may still do; a view made alone (access
    /// inference of one function) has a budget of its own.
    pub budget: cfg::Budget,
}

impl<'m> FunctionView<'m> {
    fn new(module: &'m Module, index: usize) -> Result<Self, VerifyError> {
        let out_of_bounds =
            |table, index, len| VerifyError::module(module, VerifyErrorKind::IndexOutOfBounds { table, index, len });
        let def = module
            .functions
            .get(index)
            .ok_or_else(|| out_of_bounds("function definition", index, module.functions.len()))?;
        let handle = module
            .function_handle(def.handle)
            .ok_or_else(|| out_of_bounds("function handle", def.handle.index(), module.function_handles.len()))?;
        Ok(FunctionView { module, index, def, handle, budget: cfg::Budget::module() })
    }

    /// Parameters first, then the declared locals.
    pub fn local_type(&self, local: LocalIdx) -> Option<&'m Type> {
        let index = usize::from(local.0);
        match index.checked_sub(self.handle.params.len()) {
            None => self.handle.params.get(index),
            Some(declared) => self.def.locals.get(declared),
        }
    }

    pub fn local_count(&self) -> usize {
        self.handle.params.len() + self.def.locals.len()
    }

    /// An error in this function, at `offset` when an instruction is at fault.
    pub fn error(&self, offset: Option<usize>, kind: VerifyErrorKind) -> VerifyError {
        VerifyError::function(self.module, self.index, offset.map(cfg::offset16), kind)
    }
}
