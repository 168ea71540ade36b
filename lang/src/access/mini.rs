//! A one-function view of a module for access inference.
//!
//! The verifier's inference re-checks the bounds of the module it is given,
//! which reads every function handle and body: on the whole module, inferring
//! all n functions would cost O(n * module size). This builds, per function,
//! a module holding only that function, stubs for the module's own functions
//! it calls, and the handles it names, so the whole inference stays linear.
//! Struct handles, signatures and constants are kept as they are, so indices
//! into them (and thus the resources of the inferred spec) are unchanged.

use std::collections::HashMap;

use resin_vm::file_format::{FunctionDef, FunctionHandleIdx, Instr, Module, ModuleHandleIdx, Visibility};

/// The view of definition `def` of `module`: the view's definition 0 is it.
/// `None` when `def` is out of range.
pub fn view(module: &Module, def: usize) -> Option<Module> {
    let function = module.functions.get(def)?;
    let mut handles: Vec<FunctionHandleIdx> = vec![function.handle];
    let mut remap: HashMap<FunctionHandleIdx, FunctionHandleIdx> = HashMap::new();
    remap.insert(function.handle, FunctionHandleIdx(0));
    let code: Vec<Instr> = function
        .code
        .iter()
        .map(|instr| match instr {
            Instr::Call(h) => {
                let next = FunctionHandleIdx(u16::try_from(handles.len()).unwrap_or(u16::MAX));
                let mapped = *remap.entry(*h).or_insert_with(|| {
                    handles.push(*h);
                    next
                });
                Instr::Call(mapped)
            }
            other => *other,
        })
        .collect();
    let function_handles = handles.iter().filter_map(|h| module.function_handle(*h).cloned()).collect::<Vec<_>>();
    if function_handles.len() != handles.len() {
        // A dangling handle: let the verifier report it on the real module.
        return None;
    }
    let mut functions = vec![FunctionDef { code, ..function.clone() }];
    functions[0].handle = FunctionHandleIdx(0);
    // Own callees need definitions to pass the bounds check; their bodies are
    // never analysed (only their handles' specs are).
    for (index, handle) in function_handles.iter().enumerate().skip(1) {
        if handle.module == ModuleHandleIdx(0) {
            functions.push(FunctionDef {
                handle: FunctionHandleIdx(u16::try_from(index).unwrap_or(u16::MAX)),
                visibility: Visibility::Private,
                is_entry: false,
                locals: Vec::new(),
                code: vec![Instr::Abort],
            });
        }
    }
    Some(Module {
        module_handles: module.module_handles.clone(),
        struct_handles: module.struct_handles.clone(),
        function_handles,
        signatures: module.signatures.clone(),
        constants: module.constants.clone(),
        structs: module.structs.clone(),
        functions,
    })
}
