//! source → compile → publish.
//!
//! The input is Resin source (lossily UTF-8), compiled with the standard
//! library as dependencies. Whatever it is, the compiler answers with
//! diagnostics, never a panic; and when it reports no error, every module it
//! produced verifies, encodes and decodes back to itself, and publishes
//! (in the order it was returned) without a verifier error.

use std::sync::OnceLock;

use resin_format::encoding::limits::MAX_MODULE_SIZE;
use resin_format::encoding::{decode_module, encode_module};
use resin_format::Module;
use resin_lang::SourceFile;
use resin_vm::loader::{Publisher, Verification};
use resin_vm::{CodeCache, LoadError};

fn stdlib() -> &'static (Vec<Module>, CodeCache) {
    static STDLIB: OnceLock<(Vec<Module>, CodeCache)> = OnceLock::new();
    STDLIB.get_or_init(|| {
        let modules = resin_stdlib::modules().map(<[Module]>::to_vec).unwrap_or_default();
        let mut code = CodeCache::new();
        for module in &modules {
            let _ = code.publish_stdlib(module.clone());
        }
        (modules, code)
    })
}

/// Runs the harness on one input.
pub fn run(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let files = [SourceFile::new("fuzz.rsn", text.as_ref())];
    let (deps, base) = stdlib();
    let result = resin_lang::compile(&files, deps);
    // Rendering diagnostics walks the source: it must not panic either.
    let _ = result.diagnostics.render(&files);
    if result.diagnostics.has_errors() {
        return;
    }
    let mut code = base.clone();
    for compiled in result.modules {
        let module = compiled.module;
        if let Err(e) = resin_verifier::verify_module(&module) {
            panic!("the compiler produced a module that does not verify: {e}");
        }
        let bytes = encode_module(&module);
        if bytes.len() > MAX_MODULE_SIZE {
            continue;
        }
        match decode_module(&bytes) {
            Ok(back) => assert!(back == module, "a compiled module does not decode to itself"),
            Err(e) => panic!("a compiled module does not decode: {e}"),
        }
        let published = code.publish_with(module, Publisher::StandardLibrary, Verification::Verify);
        if let Err(LoadError::Verify(e)) = published {
            panic!("a compiled module fails verification when published: {e}");
        }
    }
}
