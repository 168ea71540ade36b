//! The CLI's one door to the compiler and the bytecode format: compiling
//! sources (with the standard library as dependencies), assembling `.rasm`,
//! and reading and writing `.rbc`.

use std::path::Path;

use resin_format::encoding::limits::MAX_MODULE_SIZE;
use resin_format::encoding::{decode_module, encode_module, encode_module_code};
use resin_lang::SourceFile;
use resin_vm::{Module, ModuleId};

use crate::error::{read_bytes, CliError, CliResult};

/// What a successful compilation gives.
pub struct Compiled {
    /// In dependency order.
    pub modules: Vec<Module>,
    /// Rendered warnings (empty when there are none).
    pub warnings: String,
    /// Every function's access set in source notation.
    pub access: String,
}

/// Compiles `files` together against already-compiled `deps`. Errors come
/// back as rendered diagnostics with file:line:col.
pub fn compile(files: &[SourceFile], deps: &[Module]) -> CliResult<Compiled> {
    compile_in_context(files, files.len(), deps, false)
}

/// Compiles `sources` together against `deps`, as a test build (test-only
/// items and `#[test]` functions kept) when `tests`. The first `own` are the
/// files asked for, the rest context they may use (the other sources of
/// their package): diagnostics cover all, and only the modules the first
/// `own` define come back.
pub fn compile_in_context(sources: &[SourceFile], own: usize, deps: &[Module], tests: bool) -> CliResult<Compiled> {
    let result = if tests { resin_lang::compile_tests(sources, deps) } else { resin_lang::compile(sources, deps) };
    let rendered = result.diagnostics.render(sources);
    if result.diagnostics.has_errors() {
        return Err(CliError::Diagnostics { rendered, errors: result.diagnostics.error_count() });
    }
    let modules: Vec<_> = if own >= sources.len() {
        result.modules
    } else {
        let asked: Vec<ModuleId> = (result.program.modules.iter())
            .filter(|m| (m.span.file as usize) < own)
            .map(|m| ModuleId::new(m.address.value, m.name.name.as_str()))
            .collect();
        result.modules.into_iter().filter(|m| asked.contains(&m.id)).collect()
    };
    let access = modules.iter().map(resin_lang::CompiledModule::access_report).collect();
    Ok(Compiled { modules: modules.into_iter().map(|m| m.module).collect(), warnings: rendered, access })
}

/// The module's bytes, with its debug section unless that would take them
/// over the module size limit (the code alone is within it, or publishing
/// it fails anyway).
pub fn encode(module: &Module) -> Vec<u8> {
    let bytes = encode_module(module);
    if bytes.len() > MAX_MODULE_SIZE {
        return encode_module_code(module);
    }
    bytes
}

pub fn decode(bytes: &[u8]) -> Result<Module, String> {
    decode_module(bytes).map_err(|e| e.to_string())
}

/// Reads and decodes a `.rbc` file (verification happens when it is published).
pub fn read_rbc(path: &Path) -> CliResult<Module> {
    let bytes = read_bytes(path)?;
    decode_module(&bytes).map_err(|e| CliError::Bytecode { path: path.to_path_buf(), message: e.to_string() })
}

/// Assembles a `.rasm` file written in the disassembler's syntax.
pub fn read_rasm(path: &Path) -> CliResult<Module> {
    let text = crate::error::read_to_string(path)?;
    resin_format::assembler::assemble(&text).map_err(|e| {
        CliError::script(
            crate::error::SourceLoc { file: path.display().to_string(), line: e.line, col: e.col },
            e.message,
        )
    })
}
