//! Fusion and metering per basic block are invisible: the same programs,
//! fused and not, metered per block and per instruction, produce the same
//! receipts (status, location, gas, writes) at every gas limit.

use super::super::ops::{Op, FUSION};
use crate::execute::{execute_metered, execute_with_keys, World};
use crate::gas::Metering;
use crate::transaction::{Receipt, Status, Transaction};
use resin_format::assembler::assemble;
use resin_format::file_format::{AccessMode, AccountAddress, ModuleId};
use resin_state::keys::{AccessKey, KeyAccess, ResourceKey, TypeId};
use resin_state::value::Value;

const COIN: &str = include_str!("../../../format/tests/data/coin.rasm");

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
    imm_borrow_global R
    imm_borrow_field R.n
    read_ref
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
fun inner_of(r: &mut R): &mut Inner {
    move_loc r
    mut_borrow_field R.inner
    ret
}
public entry fun through_returned(s: &signer) acquires write R(signer s) {
    ld_u64 11
    move_loc s
    signer_address
    mut_borrow_global R
    call inner_of
    mut_borrow_field Inner.a
    write_ref
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
public entry fun bump(s: &signer, x: u64) acquires write R(signer s) {
    local r: &mut R
    local k: u64
    move_loc s
    signer_address
    mut_borrow_global R
    st_loc r
    ld_u64 2
    st_loc k
    copy_loc r
    imm_borrow_field R.inner
    imm_borrow_field Inner.a
    read_ref
    copy_loc x
    add
    copy_loc r
    mut_borrow_field R.inner
    mut_borrow_field Inner.a
    write_ref
    copy_loc r
    imm_borrow_field R.inner
    imm_borrow_field Inner.b
    read_ref
    move_loc k
    mul
    copy_loc r
    mut_borrow_field R.inner
    mut_borrow_field Inner.b
    write_ref
    copy_loc r
    imm_borrow_field R.n
    read_ref
    ld_u64 7
    xor
    copy_loc r
    mut_borrow_field R.n
    write_ref
    copy_loc r
    imm_borrow_field R.n
    read_ref
    copy_loc x
    sub
    move_loc r
    mut_borrow_field R.n
    write_ref
    ret
}
public entry fun guard(s: &signer, x: u64) acquires read R(signer s) {
    local r: &R
    move_loc s
    signer_address
    imm_borrow_global R
    st_loc r
    copy_loc r
    imm_borrow_field R.n
    read_ref
    copy_loc x
    mul
    pop
    copy_loc r
    imm_borrow_field R.n
    read_ref
    copy_loc x
    lt
    br_false fail
    ret
fail:
    ld_u64 77
    abort
}
public entry fun count(n: u64) {
    local i: u64
    ld_u64 0
    st_loc i
top:
    copy_loc i
    copy_loc n
    lt
    br_false done
    copy_loc i
    ld_u64 1
    add
    st_loc i
    branch top
done:
    copy_loc i
    ld_u64 13
    sub
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

/// Code the verifier now rejects (a reference into a resource kept
/// across its `move_from`), published without it: the interpreter's
/// defensive `DanglingReference` fault must behave the same fused or not.
const UNSAFE: &str = "module 0x1::unsafe_paths
struct R has key { n: u64 }
public entry fun setup(s: &signer) acquires write R(signer s) {
    move_loc s
    ld_u64 3
    pack R
    move_to R
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
    move_loc r
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
    world.code.publish_unverified(assemble(UNSAFE).unwrap()).unwrap();
    FUSION.with(|f| f.set(true));
    world
}

/// Every op of every loaded function.
fn all_ops(world: &World) -> impl Iterator<Item = &Op> + '_ {
    world
        .code
        .modules()
        .filter_map(|m| world.code.loaded(m.self_id()?))
        .flat_map(|m| m.functions().iter())
        .flat_map(|f| f.compiled.ops.iter())
}

fn fused_ops(world: &World) -> usize {
    all_ops(world)
        .filter(|op| {
            matches!(
                op,
                Op::GlobalRead(_)
                    | Op::GlobalWrite(_)
                    | Op::PathRead(_)
                    | Op::PathWrite(_)
                    | Op::Binary(_)
                    | Op::Update(_)
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
        type_args: Vec::new(),
    }
}

/// `tx` in `world`, its base gas metered per basic block or per instruction.
fn run(world: &World, tx: &Transaction, per_block: bool) -> Receipt {
    let metering = if per_block { Metering::PerBlock } else { Metering::PerInstruction };
    execute_metered(&world.code, &world.resources, tx, crate::BlockContext::default(), metering)
}

/// Runs `tx` at every gas limit up to what it needs and well past it (a
/// block paid ahead can cost more than what a failing transaction uses),
/// and at its own limit, in both worlds, metered both ways, and requires
/// the receipts of the plain world metered per instruction (one
/// instruction at a time, as the gas schedule reads) from the other three.
fn same_at_every_limit(fused: &World, plain: &World, tx: &Transaction) -> Receipt {
    let full = run(plain, tx, false);
    for limit in (0..=full.gas_used + 64).chain([tx.gas_limit]) {
        let t = Transaction { gas_limit: limit, ..tx.clone() };
        let expected = run(plain, &t, false);
        for (world, per_block, what) in
            [(fused, true, "fused, per block"), (plain, true, "per block"), (fused, false, "fused")]
        {
            let got = run(world, &t, per_block);
            assert_eq!(got, expected, "{}::{} at gas limit {limit}, {what}", t.module, t.function);
        }
    }
    full
}

#[test]
fn fusion_and_block_metering_change_neither_gas_nor_locations() {
    let (mut fused, mut plain) = (world(true), world(false));
    assert_eq!(fused_ops(&plain), 0);
    assert!(fused_ops(&fused) >= 10, "the test programs must exercise fusion");
    let setup = [
        tx("coin", "register", vec![]),
        tx("coin", "mint", vec![Value::U64(50)]),
        tx("paths", "setup", vec![]),
        tx("unsafe_paths", "setup", vec![]),
    ];
    for t in &setup {
        assert_eq!(fused.execute(t), plain.execute(t));
    }
    let b = Value::Address(AccountAddress::from_u64(0xB));
    let cases = [
        tx("coin", "transfer", vec![Value::Address(AccountAddress::from_u64(0xA)), Value::U64(20)]),
        tx("coin", "transfer", vec![Value::Address(AccountAddress::from_u64(0xA)), Value::U64(99)]),
        tx("coin", "transfer", vec![b.clone(), Value::U64(1)]),
        tx("paths", "shapes", vec![]),
        tx("unsafe_paths", "dangling", vec![]),
        tx("paths", "missing", vec![b]),
        tx("paths", "arith", vec![Value::U64(5), Value::U64(10)]),
        tx("paths", "arith", vec![Value::U64(5), Value::U64(3)]),
        tx("paths", "arith", vec![Value::U64(u64::MAX), Value::U64(3)]),
        tx("paths", "through_returned", vec![]),
        tx("paths", "bump", vec![Value::U64(1)]),
        tx("paths", "bump", vec![Value::U64(1_000)]),
        tx("paths", "bump", vec![Value::U64(u64::MAX)]),
        tx("paths", "bump", vec![Value::U64(2)]),
        tx("paths", "guard", vec![Value::U64(10)]),
        tx("paths", "guard", vec![Value::U64(1)]),
        tx("paths", "guard", vec![Value::U64(u64::MAX)]),
        tx("paths", "count", vec![Value::U64(20)]),
        tx("paths", "count", vec![Value::U64(5)]),
    ];
    let statuses: Vec<Status> = cases.iter().map(|t| same_at_every_limit(&fused, &plain, t).status).collect();
    assert!(statuses[3].is_success(), "{:?}", statuses[3]);
    use crate::transaction::RuntimeErrorKind::DanglingReference;
    assert!(matches!(statuses[4], Status::RuntimeError { kind: DanglingReference, .. }), "{:?}", statuses[4]);
    assert!(matches!(statuses[5], Status::RuntimeError { .. }), "{:?}", statuses[5]);
    assert!(statuses[6].is_success(), "{:?}", statuses[6]);
    assert!(statuses[9].is_success(), "{:?}", statuses[9]);
    let kinds: Vec<_> = statuses[7..9]
        .iter()
        .map(|s| match s {
            Status::RuntimeError { kind, .. } => Some(*kind),
            _ => None,
        })
        .collect();
    use crate::transaction::RuntimeErrorKind::{ArithmeticOverflow, DivisionByZero};
    assert_eq!(kinds, [Some(DivisionByZero), Some(ArithmeticOverflow)]);
    // Field updates through a reference: success, underflow, overflow.
    assert!(all_ops(&fused).filter(|op| matches!(op, Op::Update(_))).count() >= 4, "bump's four updates are fused");
    assert!(statuses[10].is_success() && statuses[13].is_success(), "{:?}", &statuses[10..]);
    for failed in &statuses[11..13] {
        assert!(matches!(failed, Status::RuntimeError { kind: ArithmeticOverflow, .. }), "{failed:?}");
    }
    // A binary operation on a value just read (its first operand on the
    // stack): through, the guard failing, and the multiplication overflowing.
    assert!(statuses[14].is_success(), "{:?}", statuses[14]);
    assert!(matches!(statuses[15], Status::Aborted { code: 77, .. }), "{:?}", statuses[15]);
    assert!(matches!(statuses[16], Status::RuntimeError { kind: ArithmeticOverflow, .. }), "{:?}", statuses[16]);
    let stack_binaries =
        all_ops(&fused).filter(|op| matches!(op, Op::Binary(b) if b.a == super::super::ops::Operand::Stack)).count();
    assert!(stack_binaries >= 2, "guard's operations on a read value are fused");
    // A loop (a fused comparison ending in its branch, a branch back), and
    // a fault in the middle of the block after it.
    assert!(statuses[17].is_success(), "{:?}", statuses[17]);
    assert!(matches!(statuses[18], Status::RuntimeError { kind: ArithmeticOverflow, .. }), "{:?}", statuses[18]);

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
    let a = execute_with_keys(&fused.code, &fused.resources, &t, crate::BlockContext::default(), &read_only);
    assert!(matches!(a.status, Status::AccessViolation { .. }), "{a:?}");
    assert_eq!(a, execute_with_keys(&plain.code, &plain.resources, &t, crate::BlockContext::default(), &read_only));
}

#[test]
fn a_block_is_charged_through_its_control_transfer() {
    use resin_format::file_format::{CodeOffset, FunctionHandleIdx};
    use resin_format::opcodes::Instr;
    // 0: ld_u64; 1: ld_u64; 2: lt; 3: br_true 6; 4: call; 5: abort; 6: ld_true; 7: pop; 8: ret
    let code = [
        Instr::LdU64(1),
        Instr::LdU64(2),
        Instr::Lt,
        Instr::BrTrue(CodeOffset(6)),
        Instr::Call(FunctionHandleIdx(0)),
        Instr::Abort,
        Instr::LdTrue,
        Instr::Pop,
        Instr::Ret,
    ];
    let compiled = super::super::compile(&code, &resin_format::file_format::Module::default());
    let gas: Vec<u64> = code.iter().map(|i| i.info().gas).collect();
    let through = |from: usize, to: usize| gas[from..=to].iter().sum::<u64>();
    let expected =
        [through(0, 3), through(1, 3), through(2, 3), gas[3], gas[4], gas[5], through(6, 8), through(7, 8), gas[8]];
    assert_eq!(compiled.block, expected);
    // A fault at the comparison leaves the branch unrun: its gas comes back.
    assert_eq!(compiled.unspent(2), gas[3]);
    assert_eq!(compiled.unspent(3), 0);
    assert_eq!(compiled.unspent(6), through(7, 8));
}

#[test]
fn generic_code_fuses_without_changing_gas_or_locations() {
    let generic_world = |fused: bool| {
        FUSION.with(|f| f.set(fused));
        let mut world = World::new();
        world.publish(assemble("module 0x2::usd\nstruct USD has drop { dummy: bool }\n").unwrap()).unwrap();
        world.publish(assemble(include_str!("../../../tests/data/generic_coin.rasm")).unwrap()).unwrap();
        FUSION.with(|f| f.set(true));
        world
    };
    let (mut fused, mut plain) = (generic_world(true), generic_world(false));
    let generic_globals =
        all_ops(&fused).filter(|op| matches!(op, Op::GlobalRead(f) | Op::GlobalWrite(f) if f.generic));
    assert!(generic_globals.count() >= 4, "transfer's and credit's generic global sequences are fused");
    let usd = resin_state::type_tag::TypeTag::parse("0x2::usd::USD").unwrap();
    let coin_tx = |sender: u64, function: &str, args: Vec<Value>| Transaction {
        sender: AccountAddress::from_u64(sender),
        module: ModuleId::new(AccountAddress::from_u64(4), "coin"),
        function: function.into(),
        args,
        gas_limit: 10_000,
        type_args: vec![usd.clone()],
    };
    for t in
        [coin_tx(0xA, "register", vec![]), coin_tx(0xB, "register", vec![]), coin_tx(0xA, "mint", vec![Value::U64(50)])]
    {
        assert_eq!(fused.execute(&t), plain.execute(&t));
    }
    let to = |n: u64| Value::Address(AccountAddress::from_u64(n));
    for (args, succeeds) in [(vec![to(0xB), Value::U64(20)], true), (vec![to(0xB), Value::U64(99)], false)] {
        let receipt = same_at_every_limit(&fused, &plain, &coin_tx(0xA, "transfer", args));
        assert_eq!(receipt.status.is_success(), succeeds, "{receipt:?}");
    }
}
