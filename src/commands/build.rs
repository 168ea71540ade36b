//! `resin check`, `resin compile` and `resin disasm`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use resin_lang::SourceFile;
use resin_vm::Module;

use crate::cli::{CheckArgs, CompileArgs, DisasmArgs, Emit};
use crate::compiler;
use crate::error::{read_to_string, CliError, CliResult};
use crate::output::stdout_error;
use crate::package::{self, Package, MANIFEST};

/// The sources among `paths`, read. A `.rbc` file is a compiled dependency,
/// not a source: [`bytecode_deps`] reads those. Sources of a package have
/// its named addresses (and its dependencies') replaced by their numbers,
/// as `resin build` does.
fn load_sources(paths: &[PathBuf], package: Option<&Package>) -> CliResult<Vec<SourceFile>> {
    let sources: Vec<PathBuf> = paths.iter().filter(|p| !is_bytecode(p)).cloned().collect();
    match package {
        Some(package) => package.read_with_addresses(&sources),
        None => sources.iter().map(|p| Ok(SourceFile::new(p.display().to_string(), read_to_string(p)?))).collect(),
    }
}

/// The package the sources belong to: the nearest folder above the first
/// source that holds a `Resin.toml`, when every source is inside it. Its
/// named addresses and its dependencies then apply to a `check` or a
/// `compile` of some of its files.
fn enclosing_package(paths: &[PathBuf]) -> CliResult<Option<Package>> {
    let sources: Vec<PathBuf> =
        paths.iter().filter(|p| !is_bytecode(p)).filter_map(|p| std::path::absolute(p).ok()).collect();
    let Some(first) = sources.first() else { return Ok(None) };
    let Some(dir) = first.ancestors().skip(1).find(|dir| dir.join(MANIFEST).is_file()) else { return Ok(None) };
    if !sources.iter().all(|s| s.starts_with(dir)) {
        return Ok(None);
    }
    package::load(dir).map(Some)
}

/// The sources of `package` that `paths` do not name: compiled with them
/// (`compiler::compile_in_context`), so that a file using a sibling module
/// checks and compiles on its own, as it does in `resin build`.
fn siblings(package: Option<&Package>, paths: &[PathBuf]) -> CliResult<Vec<SourceFile>> {
    let Some(package) = package else { return Ok(Vec::new()) };
    let named: Vec<PathBuf> = paths.iter().filter_map(|p| std::fs::canonicalize(p).ok()).collect();
    // Named in diagnostics relative to where the command runs, as the
    // files given are.
    let here = std::env::current_dir().ok();
    let others: Vec<PathBuf> = package
        .sources
        .iter()
        .filter(|s| std::fs::canonicalize(s).map_or(true, |s| !named.contains(&s)))
        .map(|s| here.as_deref().and_then(|here| s.strip_prefix(here).ok()).unwrap_or(s).to_path_buf())
        .collect();
    package.read_with_addresses(&others)
}

/// Whether `paths` name any of `files` (compared as canonical paths).
fn names_any(paths: &[PathBuf], files: &[PathBuf]) -> bool {
    let files: Vec<PathBuf> = files.iter().filter_map(|f| std::fs::canonicalize(f).ok()).collect();
    paths.iter().filter_map(|p| std::fs::canonicalize(p).ok()).any(|p| files.contains(&p))
}

fn is_bytecode(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "rbc")
}

/// The `.rbc` files among `paths`, decoded: modules the sources may use
/// (a dependency built by `resin build` or `resin compile`). They are not
/// compiled, checked or written again.
fn bytecode_deps(paths: &[PathBuf]) -> CliResult<Vec<Module>> {
    paths.iter().filter(|p| is_bytecode(p)).map(|p| compiler::read_rbc(p)).collect()
}

/// What the sources compile against: the `.rbc` files among `paths`, and
/// the standard library modules that neither those nor the sources define
/// (an edited copy of `0x1::coin`).
fn deps_of(files: &[SourceFile], paths: &[PathBuf], package: Option<&Package>) -> CliResult<Vec<Module>> {
    let mut bytecode = bytecode_deps(paths)?;
    if files.is_empty() {
        return Err(CliError::Other("no source files given (only `.rbc` dependencies)".into()));
    }
    // The packages the sources' package depends on, compiled first.
    if let Some(package) = package {
        bytecode.extend(package.compile_dependencies()?);
    }
    let mut deps = crate::package::stdlib_except(files, &bytecode)?;
    deps.extend(bytecode);
    Ok(deps)
}

fn stdout() -> std::io::StdoutLock<'static> {
    std::io::stdout().lock()
}

pub fn check(args: &CheckArgs) -> CliResult<()> {
    let package = enclosing_package(&args.files)?;
    let mut sources = load_sources(&args.files, package.as_ref())?;
    let own = sources.len();
    sources.extend(siblings(package.as_ref(), &args.files)?);
    let deps = deps_of(&sources, &args.files, package.as_ref())?;
    // A package's test file is checked as `resin test` builds it: its
    // `#[test_only]` module is left out of any other build.
    let tests = package.as_ref().is_some_and(|p| names_any(&args.files, &p.tests));
    let compiled = compiler::compile_in_context(&sources, own, &deps, tests)?;
    let mut out = stdout();
    write!(out, "{}", compiled.warnings).map_err(stdout_error)?;
    let n = compiled.modules.len();
    writeln!(out, "ok: {n} module{} checked", if n == 1 { "" } else { "s" }).map_err(stdout_error)
}

pub fn compile(args: &CompileArgs) -> CliResult<()> {
    let package = enclosing_package(&args.files)?;
    let files = load_sources(&args.files, package.as_ref())?;
    let mut out = stdout();
    match args.emit {
        Emit::Tokens => return emit_tokens(&files, &mut out),
        Emit::Ast => return emit_ast(&files, &mut out),
        _ => {}
    }
    let own = files.len();
    let mut sources = files;
    sources.extend(siblings(package.as_ref(), &args.files)?);
    let deps = deps_of(&sources, &args.files, package.as_ref())?;
    let compiled = compiler::compile_in_context(&sources, own, &deps, false)?;
    write!(out, "{}", compiled.warnings).map_err(stdout_error)?;
    match args.emit {
        Emit::Bytecode if args.strip => {
            let stripped: Vec<Module> = compiled.modules.iter().map(Module::without_debug).collect();
            write_rbc(&stripped, &args.out_dir, &mut out)
        }
        Emit::Bytecode => write_rbc(&compiled.modules, &args.out_dir, &mut out),
        Emit::Asm => {
            for m in &compiled.modules {
                writeln!(out, "{}", resin_format::disasm::disassemble(m)).map_err(stdout_error)?;
            }
            Ok(())
        }
        Emit::Access => write!(out, "{}", compiled.access).map_err(stdout_error),
        Emit::Tokens | Emit::Ast => Ok(()),
    }
}

/// `coin.rbc`, or `0x2_coin.rbc` when two modules share a name.
pub(super) fn rbc_names(modules: &[Module]) -> Vec<String> {
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for id in modules.iter().filter_map(Module::self_id) {
        *count.entry(id.name.as_str()).or_default() += 1;
    }
    modules
        .iter()
        .map(|m| match m.self_id() {
            Some(id) if count.get(id.name.as_str()) == Some(&1) => format!("{}.rbc", id.name),
            Some(id) => format!("{}_{}.rbc", id.address, id.name),
            None => "module.rbc".to_string(),
        })
        .collect()
}

fn write_rbc(modules: &[Module], dir: &Path, out: &mut dyn Write) -> CliResult<()> {
    std::fs::create_dir_all(dir).map_err(|e| CliError::io(dir, e))?;
    for (m, name) in modules.iter().zip(rbc_names(modules)) {
        let path = dir.join(name);
        std::fs::write(&path, compiler::encode(m)).map_err(|e| CliError::io(&path, e))?;
        let id = m.self_id().map(ToString::to_string).unwrap_or_default();
        writeln!(out, "wrote {} ({id})", path.display()).map_err(stdout_error)?;
    }
    Ok(())
}

/// 1-based lines and columns (in characters) of increasing byte offsets of
/// one text: each call counts only the text since the previous one, so a
/// whole token stream costs one pass over the file.
struct Positions<'a> {
    text: &'a str,
    offset: usize,
    line: usize,
    col: usize,
}

impl<'a> Positions<'a> {
    fn new(text: &'a str) -> Self {
        Positions { text, offset: 0, line: 1, col: 1 }
    }

    fn at(&mut self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        if offset < self.offset {
            // Not expected (tokens come in order); start over rather than go wrong.
            *self = Positions::new(self.text);
        }
        let skipped = self.text.get(self.offset..offset).unwrap_or_default();
        match skipped.rfind('\n') {
            Some(last) => {
                self.line += skipped.bytes().filter(|&b| b == b'\n').count();
                self.col = skipped[last + 1..].chars().count() + 1;
            }
            None => self.col += skipped.chars().count(),
        }
        self.offset = offset;
        (self.line, self.col)
    }
}

fn emit_tokens(files: &[SourceFile], out: &mut dyn Write) -> CliResult<()> {
    let mut out = std::io::BufWriter::new(out);
    let mut errors = resin_lang::Diagnostics::new();
    for (index, file) in files.iter().enumerate() {
        let (tokens, diags) = resin_lang::lex(index as u32, &file.text);
        errors.extend(diags);
        let mut positions = Positions::new(&file.text);
        for (token, span) in tokens {
            let (line, col) = positions.at(span.start as usize);
            writeln!(out, "{}:{line}:{col} {}", file.name, token.describe()).map_err(stdout_error)?;
        }
    }
    out.flush().map_err(stdout_error)?;
    diagnostics_result(errors, files)
}

/// The syntax tree, one line per module header and per item, each in Rust's
/// compact `Debug` form. (The indented `{:#?}` form grows with the square of
/// the nesting depth: a 250-deep `else if` chain printed 17.8 MB.)
fn emit_ast(files: &[SourceFile], out: &mut dyn Write) -> CliResult<()> {
    let (program, diags) = resin_lang::parse(files);
    let mut out = std::io::BufWriter::new(out);
    for m in &program.modules {
        writeln!(
            out,
            "Module {{ doc: {:?}, address: {:?}, name: {:?}, span: {:?} }}",
            m.doc, m.address, m.name, m.span
        )
        .map_err(stdout_error)?;
        let items = m.uses.iter().map(|u| format!("{u:?}"));
        let items = items.chain(m.structs.iter().map(|s| format!("{s:?}")));
        let items = items.chain(m.constants.iter().map(|c| format!("{c:?}")));
        for item in items.chain(m.functions.iter().map(|f| format!("{f:?}"))) {
            writeln!(out, "    {item}").map_err(stdout_error)?;
        }
    }
    out.flush().map_err(stdout_error)?;
    diagnostics_result(diags, files)
}

fn diagnostics_result(diags: resin_lang::Diagnostics, files: &[SourceFile]) -> CliResult<()> {
    if diags.has_errors() {
        return Err(CliError::Diagnostics { rendered: diags.render(files), errors: diags.error_count() });
    }
    if !diags.is_empty() {
        crate::output::to_stderr(diags.render(files));
    }
    Ok(())
}

pub fn disasm(args: &DisasmArgs) -> CliResult<()> {
    let module = compiler::read_rbc(&args.file)?;
    let mut out = stdout();
    write!(out, "{}", resin_format::disasm::disassemble(&module)).map_err(stdout_error)?;
    if let Err(e) = resin_verifier::verify_module(&module) {
        crate::output::line_to_stderr(format_args!(
            "warning: {}: the module does not verify: {e}",
            args.file.display()
        ));
    }
    Ok(())
}
