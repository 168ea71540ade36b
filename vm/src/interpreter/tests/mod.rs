//! Unit tests that need the interpreter's internals: hot type sizes, and
//! running code that never went through the verifier.

use std::mem::size_of;

use super::slot::{Ref, Slot};
use super::{invoke, Fault, Invocation};
use crate::loader::CodeCache;
use crate::transaction::{RuntimeErrorKind, Status};
use resin_format::file_format::{
    AccountAddress, FunctionDef, FunctionHandle, FunctionHandleIdx, Module, ModuleHandleIdx, ModuleId, Visibility,
};
use resin_format::opcodes::Instr;
use resin_state::keys::DeclaredKeys;
use resin_state::store::ResourceStore;
use resin_state::value::Value;

#[test]
fn hot_type_sizes_are_pinned() {
    // An instruction is 48 bytes because `ld_u256` carries a 32-byte,
    // 16-aligned u256 (32 before it, for `ld_u128`'s u128). Only a module's
    // decoded code holds instructions: the interpreter runs 16-byte ops.
    assert_eq!(size_of::<Instr>(), 48);
    assert_eq!(size_of::<Value>(), 48);
    // A reference is a root, a flag and an inline path of four steps.
    assert_eq!(size_of::<Ref>(), 40);
    // A slot is a value or a reference: no bigger than a value.
    assert_eq!(size_of::<Slot>(), 48);
    // The executable form: an op is two words, `Copy`.
    assert_eq!(size_of::<super::ops::Op>(), 16);
    // Faults are returned by every handler; keep them two words.
    assert_eq!(size_of::<Fault>(), 16);
    assert_eq!(size_of::<Result<(), Fault>>(), 16);
}

/// A module with one public function `f` whose body is `code`, linked without
/// verification so that the interpreter's own defences are what is tested.
fn unverified(code: Vec<Instr>, locals: usize) -> CodeCache {
    let id = ModuleId::new(AccountAddress::from_u64(1), "raw");
    let module = Module {
        struct_instantiations: Vec::new(),
        function_instantiations: Vec::new(),
        friends: Vec::new(),
        debug: None,
        module_handles: vec![id],
        struct_handles: Vec::new(),
        function_handles: vec![FunctionHandle {
            type_params: Vec::new(),
            module: ModuleHandleIdx(0),
            name: "f".into(),
            params: Vec::new(),
            returns: Vec::new(),
            access: Default::default(),
        }],
        signatures: Vec::new(),
        constants: Vec::new(),
        structs: Vec::new(),
        functions: vec![FunctionDef {
            handle: FunctionHandleIdx(0),
            visibility: Visibility::Public,
            is_entry: true,
            locals: vec![resin_format::file_format::Type::U64; locals],
            code,
        }],
    };
    let mut cache = CodeCache::new();
    cache.publish_unverified(module).unwrap();
    cache
}

fn run_raw(cache: &CodeCache) -> Status {
    let id = ModuleId::new(AccountAddress::from_u64(1), "raw");
    let module = cache.loaded(&id).unwrap();
    let function = module.function("f").unwrap();
    let store = ResourceStore::new();
    let keys = DeclaredKeys::default();
    let call = Invocation {
        module,
        function,
        instance: None,
        view: &store,
        keys: &keys,
        signers: crate::loader::Signers::sender(AccountAddress::from_u64(2)),
        args: &[],
        gas_limit: 10_000,
        block: Default::default(),
        keys_instantiated: false,
    };
    invoke(call, crate::gas::Metering::PerBlock).receipt.status
}

#[test]
fn every_opcode_has_an_interpreter_handler() {
    let id = ModuleId::new(AccountAddress::from_u64(1), "raw");
    for sample in Instr::samples() {
        let cache = unverified(vec![sample, Instr::Ret], 1);
        let ops = &cache.loaded(&id).unwrap().function("f").unwrap().compiled.ops;
        // A generic pack, unpack or field borrow runs as its plain form on
        // the instantiated struct; the samples' index 0 is out of the empty
        // instantiation table, which only such an instruction cannot run.
        let translated_to_plain = matches!(
            sample,
            Instr::PackGeneric(_)
                | Instr::UnpackGeneric(_)
                | Instr::ImmBorrowFieldGeneric(_)
                | Instr::MutBorrowFieldGeneric(_)
        );
        assert_eq!(ops.len(), 2);
        assert_eq!(ops[0] == super::ops::Op::Malformed, translated_to_plain, "{sample:?} -> {:?}", ops[0]);
    }
}

#[test]
fn every_opcode_on_an_empty_stack_fails_cleanly() {
    for sample in Instr::samples() {
        let status = run_raw(&unverified(vec![sample, Instr::Ret], 1));
        // No panic, and a located status; only instructions that need no
        // operands may succeed, and `branch 0` / `call 0` loop until gas or
        // depth runs out.
        match status {
            Status::Success | Status::OutOfGas { .. } => {}
            Status::RuntimeError { kind, location, .. } => {
                assert!(
                    matches!(
                        kind,
                        RuntimeErrorKind::InvariantViolation
                            | RuntimeErrorKind::DanglingReference
                            | RuntimeErrorKind::VectorLengthMismatch
                            | RuntimeErrorKind::CallDepthExceeded
                    ),
                    "{sample:?}: {kind:?}"
                );
                assert_eq!(location.function, "f");
            }
            other => panic!("{sample:?}: unexpected {other:?}"),
        }
    }
}

#[test]
fn falling_off_the_end_of_the_code_is_an_invariant_violation() {
    let status = run_raw(&unverified(vec![Instr::Nop], 0));
    assert!(
        matches!(&status, Status::RuntimeError { kind: RuntimeErrorKind::InvariantViolation, location, .. } if location.offset == 1),
        "{status:?}"
    );
}

#[test]
fn a_mistyped_operand_is_an_invariant_violation_not_a_panic() {
    let code = vec![Instr::LdTrue, Instr::LdU64(1), Instr::Add, Instr::Pop, Instr::Ret];
    let status = run_raw(&unverified(code, 0));
    assert!(
        matches!(&status, Status::RuntimeError { kind: RuntimeErrorKind::InvariantViolation, location, .. } if location.offset == 2),
        "{status:?}"
    );
}

#[test]
fn writing_through_a_frozen_reference_is_refused() {
    let code = vec![
        Instr::LdU64(1),
        Instr::StLoc(resin_format::file_format::LocalIdx(0)),
        Instr::LdU64(2),
        Instr::MutBorrowLoc(resin_format::file_format::LocalIdx(0)),
        Instr::FreezeRef,
        Instr::WriteRef,
        Instr::Ret,
    ];
    let status = run_raw(&unverified(code, 1));
    assert!(
        matches!(&status, Status::RuntimeError { kind: RuntimeErrorKind::InvariantViolation, location, .. } if location.offset == 5),
        "{status:?}"
    );
}

mod defensive;
mod fusion;
