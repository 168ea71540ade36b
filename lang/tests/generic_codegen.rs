//! Code generation of generic modules, snapshotted as disassembly: every
//! `tests/cases/generic_codegen/*.rsn` file type-checks and is emitted by
//! `codegen::generate` directly.
//!
//! The full pipeline (`compile`) cannot show these yet: access inference and
//! verification run the bytecode verifier, which does not accept generic
//! code yet (the compiler reports E0606). Here each emitted module is
//! instead checked to be well formed: it encodes and decodes to itself, so
//! every table, type and instruction fits the generics format. A file with a
//! line `//# dependency-split` is emitted in two steps, the text below it
//! using the modules of the text above as compiled dependencies (so generic
//! dependencies are read back from bytecode).

mod support;

use resin_format::disasm::{disassemble, type_name};
use resin_format::encoding::{decode_module, encode_module};
use resin_lang::{codegen, parse, resolve, typeck, Diagnostics, SourceFile};
use resin_vm::Module;

const SPLIT: &str = "//# dependency-split\n";

/// Emits every module of `text` against `deps`, in dependency order.
fn emit(name: &str, text: &str, deps: &[Module]) -> Vec<Module> {
    let sources = [SourceFile::new(name, text)];
    let (program, diags) = parse(&sources);
    assert!(!diags.has_errors(), "{name}: parse failed\n{}", diags.render(&sources));
    let (resolved, diags) = resolve::resolve(&program, deps);
    assert!(diags.is_empty(), "{name}: resolve diagnostics\n{}", Diagnostics::from(diags).render(&sources));
    let (typed, diags) = typeck::check(&program, &resolved);
    assert!(diags.is_empty(), "{name}: type check diagnostics\n{}", Diagnostics::from(diags).render(&sources));
    let mut out = Vec::new();
    for &index in &resolved.order {
        let (Some(Some(source)), Some(Some(tmodule))) = (resolved.modules.get(index), typed.get(index)) else {
            panic!("{name}: module {index} missing");
        };
        let module = codegen::generate(&resolved.env, source.id, tmodule)
            .unwrap_or_else(|e| panic!("{name}: codegen failed: {e:?}"));
        let decoded = decode_module(&encode_module(&module)).unwrap_or_else(|e| panic!("{name}: decode: {e}"));
        assert_eq!(decoded, module, "{name}: the module does not survive encoding");
        out.push(module);
    }
    out
}

/// What the disassembly leaves out: the handles' type parameters, the
/// access specs' type arguments and the instantiation tables.
fn generics(m: &Module) -> String {
    let mut out = String::new();
    let types = |args: &[resin_vm::Type]| args.iter().map(|t| type_name(m, t)).collect::<Vec<_>>().join(", ");
    for h in m.struct_handles.iter().filter(|h| !h.type_params.is_empty()) {
        let params: Vec<String> = h
            .type_params
            .iter()
            .enumerate()
            .map(|(i, p)| format!("{}T{i}{}", if p.is_phantom { "phantom " } else { "" }, constraints(p.constraints)))
            .collect();
        out.push_str(&format!("struct handle {}<{}>\n", h.name, params.join(", ")));
    }
    for h in &m.function_handles {
        let params: Vec<String> =
            h.type_params.iter().enumerate().map(|(i, c)| format!("T{i}{}", constraints(*c))).collect();
        let access: Vec<String> = h
            .access
            .0
            .iter()
            .filter(|a| !a.type_args.is_empty())
            .map(|a| format!("{}<{}>", type_name(m, &resin_vm::Type::Struct(a.resource)), types(&a.type_args)))
            .collect();
        if !params.is_empty() || !access.is_empty() {
            out.push_str(&format!("function handle {}<{}>", h.name, params.join(", ")));
            if !access.is_empty() {
                out.push_str(&format!(" access {}", access.join(", ")));
            }
            out.push('\n');
        }
    }
    for (i, inst) in m.struct_instantiations.iter().enumerate() {
        let name = m.structs.get(inst.def.index()).map(|d| type_name(m, &resin_vm::Type::Struct(d.handle)));
        out.push_str(&format!("struct instantiation #{i}: {}<{}>\n", name.unwrap_or_default(), types(&inst.type_args)));
    }
    for (i, inst) in m.function_instantiations.iter().enumerate() {
        let name = m.function_handles.get(inst.handle.index()).map(|h| h.name.clone());
        out.push_str(&format!(
            "function instantiation #{i}: {}<{}>\n",
            name.unwrap_or_default(),
            types(&inst.type_args)
        ));
    }
    out
}

fn constraints(c: resin_vm::Abilities) -> String {
    if c == resin_vm::Abilities::EMPTY {
        String::new()
    } else {
        format!(": {c}")
    }
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
                Some((dep, main)) => (emit(&name, dep, &[]), main),
                None => (Vec::new(), text.as_str()),
            };
            let mut output = String::new();
            for module in emit(&name, main, &deps) {
                output.push_str(&disassemble(&module));
                output.push_str(&generics(&module));
                output.push('\n');
            }
            insta::assert_snapshot!("case", format!("----- SOURCE\n{text}----- OUTPUT\n{output}"));
        });
    });
}
