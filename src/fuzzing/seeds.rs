//! Known-good inputs the harnesses start from: the standard library, the
//! examples and the assembly modules of the test suites. `fuzz/seeds/` holds
//! the same as files, for cargo-fuzz's corpora.

use std::sync::OnceLock;

use resin_format::assembler::assemble;
use resin_format::Module;

/// Resin sources: the examples and the standard library.
pub const SOURCES: &[&str] = &[
    include_str!("../../examples/coin.rsn"),
    include_str!("../../examples/counter.rsn"),
    include_str!("../../stdlib/modules/coin.rsn"),
    include_str!("../../examples/token.rsn"),
    include_str!("../../examples/dao.rsn"),
    include_str!("../../examples/nft.rsn"),
    include_str!("../../examples/book.rsn"),
];

/// Assembly modules of the VM and scheduler tests.
pub const ASSEMBLY: &[&str] = &[
    include_str!("../../vm/format/tests/data/coin.rasm"),
    include_str!("../../vm/tests/data/tour.rasm"),
    include_str!("../../vm/tests/data/store.rasm"),
    include_str!("../../vm/tests/data/recurse.rasm"),
    include_str!("../../scheduler/tests/data/ledger.rasm"),
    // Counters, fixed and struct-built indexes, and vaults at addresses the
    // module derives, called with generated addresses, slots and seeds.
    include_str!("../../scheduler/tests/data/meter.rasm"),
];

/// Scripts: the examples.
pub const SCRIPTS: &[&str] = &[
    include_str!("../../examples/quickstart.rsx"),
    include_str!("../../examples/tour.rsx"),
    include_str!("../../examples/shared_objects.rsx"),
];

/// Every seed module, verified: the compiled standard library and examples,
/// and the assembled test modules.
pub fn modules() -> &'static [Module] {
    static MODULES: OnceLock<Vec<Module>> = OnceLock::new();
    MODULES.get_or_init(|| {
        let mut modules: Vec<Module> = resin_stdlib::modules().map(<[Module]>::to_vec).unwrap_or_default();
        let deps = modules.clone();
        for text in SOURCES {
            let files = [resin_lang::SourceFile::new("seed.rsn", *text)];
            let result = resin_lang::compile(&files, &deps);
            modules.extend(result.modules.into_iter().map(|m| m.module));
        }
        modules.extend(ASSEMBLY.iter().filter_map(|text| assemble(text).ok()));
        modules.retain(|m| resin_verifier::verify_module(m).is_ok());
        modules
    })
}

/// Files under `dir` (relative to the repository) ending in `extension`, recursively.
fn files(dir: &str, extension: &str) -> Vec<std::path::PathBuf> {
    let mut pending = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)];
    let mut found = Vec::new();
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for path in entries.filter_map(|e| e.ok()).map(|e| e.path()) {
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == extension) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// The starting corpus of a fuzz target (`bytecode`, `compile` or
/// `script`), as named inputs: the seeds above, the compiler's test cases,
/// and the hand-written inputs in `fuzz/seeds/<target>/`. The bytecode
/// inputs start with the byte that selects their mode (see
/// [`super::bytecode`]).
pub fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    match target {
        "bytecode" => {
            for (i, module) in modules().iter().enumerate() {
                let encoded = resin_format::encoding::encode_module(module);
                out.push((format!("decode-{i}"), [vec![0u8], encoded].concat()));
                out.push((format!("edit-{i}"), vec![2u8, i as u8, 1, 0, 0, 0, 0, 0, 0, 0]));
            }
        }
        "compile" => {
            out.extend(SOURCES.iter().enumerate().map(|(i, s)| (format!("source-{i}"), s.as_bytes().to_vec())));
            for path in files("lang/tests/cases", "rsn") {
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                if let Ok(bytes) = std::fs::read(&path) {
                    out.push((format!("case-{name}"), bytes));
                }
            }
        }
        _ => {
            let run = |s: &str| [b"\x01".as_slice(), s.as_bytes()].concat();
            out.extend(SCRIPTS.iter().enumerate().map(|(i, s)| (format!("script-{i}"), run(s))));
        }
    }
    for path in
        files(&format!("fuzz/seeds/{target}"), "rsx").into_iter().chain(files(&format!("fuzz/seeds/{target}"), "rsn"))
    {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if let Ok(bytes) = std::fs::read(&path) {
            let bytes = if target == "script" { [b"\x01".as_slice(), &bytes].concat() } else { bytes };
            out.push((format!("seed-{name}"), bytes));
        }
    }
    out
}
