//! Code generation of generic modules, snapshotted as disassembly: every
//! `tests/cases/generic_codegen/*.rsn` file type-checks and is emitted by
//! `codegen::generate` directly, then its access sets are inferred
//! (`access::infer_module`, shown after the code; `err_*` cases must be
//! rejected there, by a written clause that does not cover them).
//!
//! The full pipeline (`compile`) cannot show these yet: access inference and
//! verification run the bytecode verifier, which does not accept generic
//! code yet (the compiler reports E0606). Here each emitted module is
//! instead checked to be well formed: it encodes and decodes to itself, so
//! every table, type and instruction fits the generics format. A file with a
//! line `//# dependency-split` is emitted in two steps, the text below it
//! using the modules of the text above as compiled dependencies (so generic
//! dependencies are read back from bytecode). After each module come its
//! instantiation tables.

mod support;

use resin_format::disasm::{disassemble, type_name};
use resin_format::encoding::{decode_module, encode_module};
use resin_lang::{access, codegen, parse, resolve, typeck, Diagnostics, SourceFile};
use resin_vm::Module;

const SPLIT: &str = "//# dependency-split\n";

/// Emits every module of `text` against `deps`, in dependency order, with
/// access sets inferred; returns the modules and the rendered access sets
/// and inference diagnostics.
fn emit(name: &str, text: &str, deps: &[Module]) -> (Vec<Module>, String) {
    let sources = [SourceFile::new(name, text)];
    let (program, diags) = parse(&sources);
    assert!(!diags.has_errors(), "{name}: parse failed\n{}", diags.render(&sources));
    let (mut resolved, diags) = resolve::resolve(&program, deps);
    assert!(diags.is_empty(), "{name}: resolve diagnostics\n{}", Diagnostics::from(diags).render(&sources));
    let (typed, diags) = typeck::check(&program, &resolved);
    assert!(diags.is_empty(), "{name}: type check diagnostics\n{}", Diagnostics::from(diags).render(&sources));
    let mut out = Vec::new();
    let mut report = String::new();
    let mut found = Vec::new();
    for index in resolved.order.clone() {
        let (Some(Some(source)), Some(Some(tmodule))) = (resolved.modules.get(index), typed.get(index)) else {
            panic!("{name}: module {index} missing");
        };
        let own = source.id;
        let mut module =
            codegen::generate(&resolved.env, own, tmodule).unwrap_or_else(|e| panic!("{name}: codegen failed: {e:?}"));
        let (functions, diags) = access::infer_module(&mut resolved.env, &mut module, tmodule);
        found.extend(diags);
        report.push_str(&format!("module {}\n", module.self_id().map(|id| id.to_string()).unwrap_or_default()));
        for f in functions {
            let origin = if f.written { " (written)" } else { "" };
            report.push_str(&format!("  {}{origin}: {}\n", f.name, f.display));
        }
        let decoded = decode_module(&encode_module(&module)).unwrap_or_else(|e| panic!("{name}: decode: {e}"));
        assert_eq!(decoded, module, "{name}: the module does not survive encoding");
        out.push(module);
    }
    let mut found = Diagnostics::from(found);
    found.sort();
    report.push_str(&found.render(&sources));
    let rejected = name.starts_with("err_");
    assert_eq!(found.has_errors(), rejected, "{name}: errors expected: {rejected}\n{report}");
    (out, report)
}

/// The instantiation tables, which the disassembly shows only where used:
/// each instance is listed once, however often the code names it.
fn instantiations(m: &Module) -> String {
    let mut out = String::new();
    let types = |args: &[resin_vm::Type]| args.iter().map(|t| type_name(m, t)).collect::<Vec<_>>().join(", ");
    for (i, inst) in m.struct_instantiations.iter().enumerate() {
        let handle = m.structs.get(inst.def.index()).and_then(|d| m.struct_handles.get(d.handle.index()));
        let name = handle.map_or("?", |h| h.name.as_str());
        out.push_str(&format!("struct instantiation #{i}: {name}<{}>\n", types(&inst.type_args)));
    }
    for (i, inst) in m.function_instantiations.iter().enumerate() {
        let name = m.function_handles.get(inst.handle.index()).map_or("?", |h| h.name.as_str());
        out.push_str(&format!("function instantiation #{i}: {name}<{}>\n", types(&inst.type_args)));
    }
    out
}

#[test]
fn generic_codegen_cases() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots/generic_codegen");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        insta::glob!("cases/generic_codegen/*.rsn", |path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let text = support::read_case(path);
            let (deps, main) = match text.split_once(SPLIT) {
                Some((dep, main)) => (emit(&name, dep, &[]).0, main),
                None => (Vec::new(), text.as_str()),
            };
            let mut output = String::new();
            let (modules, report) = emit(&name, main, &deps);
            for module in modules {
                output.push_str(&disassemble(&module));
                output.push_str(&instantiations(&module));
                output.push('\n');
            }
            output.push_str(&report);
            insta::assert_snapshot!("case", format!("----- SOURCE\n{text}----- OUTPUT\n{output}"));
        });
    });
}
