//! Code generation: a type-checked source module to a `resin_format::Module`.
//!
//! The module's own structs and functions take the first struct and function
//! handles, in definition order, so definition `i` has handle `i`; foreign
//! structs and functions get handles as they are first used, each function
//! handle carrying the callee's signature and access spec. Own function
//! handles carry the written access clause, if any; access inference
//! ([`crate::access`]) fills in the others afterwards.

mod control;
pub mod func;
mod generic;
pub mod jumps;
mod ops;
mod release;
pub mod source_map;
pub mod tables;

use resin_format::file_format::{
    FieldDef, FunctionHandleIdx, Module, StructDef, StructHandleIdx, Visibility as VmVisibility,
};

use crate::diagnostics::{Code, Diagnostic};
use crate::resolve::env::{Env, FunId, ModId, StructId, Visibility};
use crate::source::Span;
use crate::typeck::tir::TModule;
use tables::Tables;

/// Why a module could not be emitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CodegenError {
    #[error("a function needs more than 255 local slots")]
    TooManyLocals,
    #[error("the {0} table has more than 65535 entries")]
    TableOverflow(&'static str),
    #[error("a function has more than 65535 instructions")]
    CodeTooLarge,
    /// A module this one uses failed to compile (already reported).
    #[error("a dependency failed to compile")]
    DependencyFailed,
    #[error("internal compiler error: {0}")]
    Internal(&'static str),
}

impl CodegenError {
    /// The diagnostic for this error at `span`; `None` when already reported.
    pub fn diagnostic(self, span: Span, function: &str) -> Option<Diagnostic> {
        let (code, hint) = match self {
            CodegenError::TooManyLocals => (Code::TooManyLocals, Some("split the function into smaller ones")),
            CodegenError::TableOverflow(_) => (Code::TableOverflow, Some("split the module")),
            CodegenError::CodeTooLarge => (Code::CodeTooLarge, Some("split the function into smaller ones")),
            CodegenError::DependencyFailed => return None,
            CodegenError::Internal(_) => (Code::InternalError, None),
        };
        let diag = Diagnostic::new(code, span, format!("cannot compile `{function}`: {self}"));
        Some(match hint {
            Some(hint) => diag.with_hint(hint),
            None => diag,
        })
    }
}

/// Emits `tmodule`, the typed form of source module `own`. Function handles
/// of own functions without a written clause carry an empty access spec.
pub fn generate(env: &Env, own: ModId, tmodule: &TModule) -> Result<Module, Vec<Diagnostic>> {
    generate_with_spans(env, own, tmodule).map(|(module, _)| module)
}

/// [`generate`], and per function definition the span of each instruction
/// (for the module's source maps).
pub fn generate_with_spans(
    env: &Env,
    own: ModId,
    tmodule: &TModule,
) -> Result<(Module, Vec<Vec<Span>>), Vec<Diagnostic>> {
    let Some(menv) = env.module(own) else {
        return Err(vec![Diagnostic::global(Code::InternalError, "codegen of an unknown module")]);
    };
    let mut tables = Tables::new(env, own, menv.id.clone());
    let module_span = tmodule.functions.first().map_or(Span::default(), |f| f.span);
    let header = |e: CodegenError| e.diagnostic(module_span, &menv.id.to_string()).into_iter().collect::<Vec<_>>();
    for index in 0..menv.structs.len() {
        let handle = tables.struct_handle(StructId { module: own, index: index as u32 }).map_err(header)?;
        if handle != StructHandleIdx(index as u16) {
            return Err(header(CodegenError::Internal("own struct handles out of order")));
        }
    }
    for index in 0..menv.functions.len() {
        let handle = tables.function_handle(FunId { module: own, index: index as u32 }).map_err(header)?;
        if handle != FunctionHandleIdx(index as u16) {
            return Err(header(CodegenError::Internal("own function handles out of order")));
        }
    }
    for (index, info) in menv.structs.iter().enumerate() {
        let mut fields = Vec::with_capacity(info.fields.len());
        for field in &info.fields {
            fields.push(FieldDef { name: field.name.clone(), ty: tables.ty(&field.ty).map_err(header)? });
        }
        tables.module.structs.push(StructDef { handle: StructHandleIdx(index as u16), fields });
    }
    for constant in &menv.constants {
        let ty = tables.ty(&constant.ty).map_err(header)?;
        tables.declared_constant(ty, constant.value.clone()).map_err(header)?;
    }
    let mut diags = Vec::new();
    let mut defs = Vec::with_capacity(tmodule.functions.len());
    for fun in &tmodule.functions {
        let Some(info) = env.function(fun.id) else { continue };
        let visibility = match info.visibility {
            Visibility::Public => VmVisibility::Public,
            Visibility::Friend => VmVisibility::Friend,
            Visibility::Private => VmVisibility::Private,
        };
        let handle = FunctionHandleIdx(fun.id.index as u16);
        match func::generate(&mut tables, fun, handle, visibility, info.is_entry) {
            Ok(generated) => defs.push(generated),
            Err(e) => diags.extend(e.diagnostic(fun.span, &fun.name)),
        }
    }
    if !diags.is_empty() || defs.len() != tmodule.functions.len() {
        return Err(diags);
    }
    let (functions, spans) = defs.into_iter().map(|g| (g.def, g.spans)).unzip();
    tables.module.functions = functions;
    tables.module.friends = menv.friends.clone();
    Ok((tables.module, spans))
}
