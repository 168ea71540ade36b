//! Unit tests that need the interpreter's internals: hot type sizes, and
//! running code that never went through the verifier.

use std::mem::size_of;

use super::slot::{Ref, Slot};
use super::{invoke, Fault};
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
    // An instruction is 32 bytes because `ld_u128` carries a 16-aligned u128.
    assert_eq!(size_of::<Instr>(), 32);
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
        module_handles: vec![id],
        struct_handles: Vec::new(),
        function_handles: vec![FunctionHandle {
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
    invoke(module, function, &store, &keys, AccountAddress::from_u64(2), &[], 10_000).receipt.status
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
            Status::RuntimeError { kind, location } => {
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
        matches!(&status, Status::RuntimeError { kind: RuntimeErrorKind::InvariantViolation, location } if location.offset == 1),
        "{status:?}"
    );
}

#[test]
fn a_mistyped_operand_is_an_invariant_violation_not_a_panic() {
    let code = vec![Instr::LdTrue, Instr::LdU64(1), Instr::Add, Instr::Pop, Instr::Ret];
    let status = run_raw(&unverified(code, 0));
    assert!(
        matches!(&status, Status::RuntimeError { kind: RuntimeErrorKind::InvariantViolation, location } if location.offset == 2),
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
        matches!(&status, Status::RuntimeError { kind: RuntimeErrorKind::InvariantViolation, location } if location.offset == 5),
        "{status:?}"
    );
}

mod fusion {
    use super::super::ops::{Op, FUSION};
    use crate::execute::{execute_transaction, execute_with_keys, World};
    use crate::transaction::{Receipt, Status, Transaction};
    use resin_format::assembler::assemble;
    use resin_format::file_format::{AccessMode, AccountAddress, ModuleId};
    use resin_state::keys::{AccessKey, KeyAccess, ResourceKey, TypeId};
    use resin_state::value::Value;

    const COIN: &str = include_str!("../../format/tests/data/coin.rasm");

    /// Every fused shape: global reads and writes from the stack and from
    /// locals, reference paths from copied, moved and borrowed locals and
    /// from the stack, and failures inside fused sequences.
    const PATHS: &str = "module 0x1::paths
struct Inner has copy, drop, store { a: u64, b: u64 }
struct R has key { inner: Inner, n: u64 }
public entry fun setup(s: &signer) acquires write R(signer s) {
    move_loc s
    ld_u64 1
    ld_u64 2
    pack Inner
    ld_u64 3
    pack R
    move_to R
    ret
}
public entry fun shapes(s: &signer) acquires write R(signer s) {
    local a: address
    local r: &mut R
    local i: Inner
    local v: vector<Inner>
    move_loc s
    signer_address
    st_loc a
    copy_loc a
    mut_borrow_global R
    st_loc r
    copy_loc r
    imm_borrow_field R.inner
    imm_borrow_field Inner.a
    read_ref
    copy_loc r
    mut_borrow_field R.inner
    mut_borrow_field Inner.b
    write_ref
    copy_loc r
    imm_borrow_field R.inner
    read_ref
    st_loc i
    ld_u64 9
    mut_borrow_loc i
    mut_borrow_field Inner.a
    write_ref
    imm_borrow_loc i
    imm_borrow_field Inner.a
    read_ref
    copy_loc a
    imm_borrow_global R
    imm_borrow_field R.n
    read_ref
    add
    move_loc r
    mut_borrow_field R.n
    write_ref
    move_loc i
    vec_pack Inner, 1
    st_loc v
    imm_borrow_loc v
    ld_u64 0
    vec_imm_borrow Inner
    imm_borrow_field Inner.b
    read_ref
    copy_loc a
    mut_borrow_global R
    mut_borrow_field R.inner
    mut_borrow_field Inner.a
    write_ref
    ld_u64 4
    copy_loc a
    ld_true
    pop
    mut_borrow_global R
    mut_borrow_field R.n
    write_ref
    ret
}
public entry fun dangling(s: &signer) acquires write R(signer s) {
    local a: address
    local r: &R
    move_loc s
    signer_address
    st_loc a
    copy_loc a
    imm_borrow_global R
    st_loc r
    copy_loc a
    move_from R
    unpack R
    pop
    pop
    move_loc r
    imm_borrow_field R.n
    read_ref
    pop
    ret
}
public entry fun arith(x: u64, y: u64) {
    local z: u64
    copy_loc x
    ld_u64 1
    add
    st_loc z
    copy_loc z
    copy_loc y
    lt
    br_false skip
    move_loc x
    move_loc y
    div
    pop
    ret
skip:
    move_loc z
    ld_u64 0
    mod
    pop
    ret
}
public entry fun missing(x: address) acquires read R(param x) {
    move_loc x
    ld_true
    pop
    imm_borrow_global R
    imm_borrow_field R.n
    read_ref
    pop
    ret
}
";

    fn world(fused: bool) -> World {
        FUSION.with(|f| f.set(fused));
        let mut world = World::new();
        world.publish_stdlib(assemble(COIN).unwrap()).unwrap();
        world.publish_stdlib(assemble(PATHS).unwrap()).unwrap();
        FUSION.with(|f| f.set(true));
        world
    }

    fn fused_ops(world: &World) -> usize {
        world
            .code
            .modules()
            .filter_map(|m| world.code.loaded(m.self_id()?))
            .flat_map(|m| m.functions().iter())
            .flat_map(|f| f.compiled.ops.iter())
            .filter(|op| {
                matches!(
                    op,
                    Op::GlobalRead(_) | Op::GlobalWrite(_) | Op::PathRead(_) | Op::PathWrite(_) | Op::Binary(_)
                )
            })
            .count()
    }

    fn tx(module: &str, function: &str, args: Vec<Value>) -> Transaction {
        Transaction {
            sender: AccountAddress::from_u64(0xA),
            module: ModuleId::new(AccountAddress::from_u64(1), module),
            function: function.into(),
            args,
            gas_limit: 10_000,
        }
    }

    /// Runs `tx` at every gas limit up to what it needs (and one more) in
    /// both worlds and requires identical receipts.
    fn same_at_every_limit(fused: &World, plain: &World, tx: &Transaction) -> Receipt {
        let full = execute_transaction(&plain.code, &plain.resources, tx);
        for limit in 0..=full.gas_used + 1 {
            let t = Transaction { gas_limit: limit, ..tx.clone() };
            let a = execute_transaction(&fused.code, &fused.resources, &t);
            let b = execute_transaction(&plain.code, &plain.resources, &t);
            assert_eq!(a, b, "{}::{} at gas limit {limit}", t.module, t.function);
        }
        full
    }

    #[test]
    fn fusion_changes_neither_gas_nor_locations() {
        let (mut fused, mut plain) = (world(true), world(false));
        assert_eq!(fused_ops(&plain), 0);
        assert!(fused_ops(&fused) >= 10, "the test programs must exercise fusion");
        let setup =
            [tx("coin", "register", vec![]), tx("coin", "mint", vec![Value::U64(50)]), tx("paths", "setup", vec![])];
        for t in &setup {
            assert_eq!(fused.execute(t), plain.execute(t));
        }
        let b = Value::Address(AccountAddress::from_u64(0xB));
        let cases = [
            tx("coin", "transfer", vec![Value::Address(AccountAddress::from_u64(0xA)), Value::U64(20)]),
            tx("coin", "transfer", vec![Value::Address(AccountAddress::from_u64(0xA)), Value::U64(99)]),
            tx("coin", "transfer", vec![b.clone(), Value::U64(1)]),
            tx("paths", "shapes", vec![]),
            tx("paths", "dangling", vec![]),
            tx("paths", "missing", vec![b]),
            tx("paths", "arith", vec![Value::U64(5), Value::U64(10)]),
            tx("paths", "arith", vec![Value::U64(5), Value::U64(3)]),
            tx("paths", "arith", vec![Value::U64(u64::MAX), Value::U64(3)]),
        ];
        let statuses: Vec<Status> = cases.iter().map(|t| same_at_every_limit(&fused, &plain, t).status).collect();
        assert!(statuses[3].is_success(), "{:?}", statuses[3]);
        assert!(matches!(statuses[4], Status::RuntimeError { .. }), "{:?}", statuses[4]);
        assert!(matches!(statuses[5], Status::RuntimeError { .. }), "{:?}", statuses[5]);
        assert!(statuses[6].is_success(), "{:?}", statuses[6]);
        let kinds: Vec<_> = statuses[7..]
            .iter()
            .map(|s| match s {
                Status::RuntimeError { kind, .. } => Some(*kind),
                _ => None,
            })
            .collect();
        use crate::transaction::RuntimeErrorKind::{ArithmeticOverflow, DivisionByZero};
        assert_eq!(kinds, [Some(DivisionByZero), Some(ArithmeticOverflow)]);

        // An access violation inside a fused sequence is located the same way.
        let key = ResourceKey {
            address: AccountAddress::from_u64(0xA),
            ty: TypeId::of(&ModuleId::new(AccountAddress::from_u64(1), "paths"), "R"),
        };
        let read_only = resin_state::keys::DeclaredKeys(smallvec::smallvec![KeyAccess {
            mode: AccessMode::Read,
            key: AccessKey::Exact(key)
        }]);
        let t = tx("paths", "shapes", vec![]);
        let a = execute_with_keys(&fused.code, &fused.resources, &t, &read_only);
        assert!(matches!(a.status, Status::AccessViolation { .. }), "{a:?}");
        assert_eq!(a, execute_with_keys(&plain.code, &plain.resources, &t, &read_only));
    }
}
