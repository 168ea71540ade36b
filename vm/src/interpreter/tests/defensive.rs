//! The interpreter's own defences on code the verifier would reject: the
//! reference-safety pass makes `DanglingReference` unreachable for verified
//! code, but an unverified module (a test, or a verifier bug) still gets a
//! deterministic fault, never a panic or a read of the wrong slot.

use super::super::{invoke, Invocation};
use crate::gas::Metering;
use crate::loader::CodeCache;
use crate::transaction::{RuntimeErrorKind, Status};
use resin_format::assembler::assemble;
use resin_format::file_format::{AccountAddress, ModuleId};
use resin_state::keys::DeclaredKeys;
use resin_state::store::ResourceStore;
use resin_state::value::Value;

/// Runs `0x1::raw::f` of `text`, published without the verifier; the
/// module must also pass no verifier check to be interesting.
fn run_unverified(text: &str) -> (Status, Vec<Value>) {
    let module = assemble(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert!(resin_verifier::verify_module(&module).is_err(), "the verifier should reject this program:\n{text}");
    let mut cache = CodeCache::new();
    cache.publish_unverified(module).unwrap();
    let id = ModuleId::new(AccountAddress::from_u64(1), "raw");
    let loaded = cache.loaded(&id).unwrap();
    let function = loaded.function("f").unwrap();
    let run = |metering| {
        let call = Invocation {
            module: loaded,
            function,
            instance: None,
            view: &ResourceStore::new(),
            keys: &DeclaredKeys::default(),
            signers: crate::loader::Signers::sender(AccountAddress::from_u64(2)),
            args: &[],
            gas_limit: 100_000,
            block: Default::default(),
            keys_instantiated: false,
        };
        invoke(call, metering)
    };
    let outcome = run(Metering::PerBlock);
    // Code no verifier saw (falling off its end, a branch out of range)
    // is charged the same per block as per instruction.
    assert_eq!(outcome.receipt, run(Metering::PerInstruction).receipt);
    (outcome.receipt.status, outcome.returns)
}

fn dangling_at(status: &Status) -> Option<(&str, u16)> {
    match status {
        Status::RuntimeError { kind: RuntimeErrorKind::DanglingReference, location, .. } => {
            Some((location.function.as_str(), location.offset))
        }
        _ => None,
    }
}

#[test]
fn a_reference_to_a_moved_local_is_dangling() {
    let text = "module 0x1::raw
public fun f(): u64 {
    local x: u64
    local r: &u64
    ld_u64 1
    st_loc x
    imm_borrow_loc x
    st_loc r
    move_loc x
    pop
    move_loc r
    read_ref
    ret
}";
    assert_eq!(dangling_at(&run_unverified(text).0), Some(("f", 7)));
}

#[test]
fn a_reference_to_a_popped_element_is_dangling() {
    let text = "module 0x1::raw
public fun f(): u64 {
    local r: &u64
    local v: vector<u64>
    ld_u64 10
    ld_u64 20
    vec_pack u64, 2
    st_loc v
    imm_borrow_loc v
    ld_u64 1
    vec_imm_borrow u64
    st_loc r
    mut_borrow_loc v
    vec_pop_back u64
    pop
    move_loc r
    read_ref
    ret
}";
    assert_eq!(dangling_at(&run_unverified(text).0), Some(("f", 12)));
}

/// Without the verifier two `&mut` to one local can coexist; they are two
/// paths to one slot, so memory stays sound and both see every write.
#[test]
fn aliasing_mutable_references_stay_memory_safe() {
    let text = "module 0x1::raw
public fun f(): (u64, u64, u64) {
    local x: u64
    local a: &mut u64
    local b: &mut u64
    ld_u64 1
    st_loc x
    mut_borrow_loc x
    st_loc a
    mut_borrow_loc x
    st_loc b
    ld_u64 5
    copy_loc a
    write_ref
    ld_u64 7
    copy_loc b
    write_ref
    move_loc a
    read_ref
    move_loc b
    read_ref
    move_loc x
    ret
}";
    let (status, returns) = run_unverified(text);
    assert_eq!(status, Status::Success);
    assert_eq!(returns, vec![Value::U64(7), Value::U64(7), Value::U64(7)]);
}

/// A returned reference into the callee's own frame would point at whatever
/// the next call puts in that slot: `ret` refuses it.
#[test]
fn a_returned_reference_into_the_callee_frame_is_dangling() {
    let text = "module 0x1::raw
fun leak(): &u64 {
    local x: u64
    ld_u64 3
    st_loc x
    imm_borrow_loc x
    ret
}
fun other(): u64 {
    local y: u64
    ld_u64 99
    st_loc y
    move_loc y
    ret
}
public fun f(): u64 {
    local r: &u64
    call leak
    st_loc r
    call other
    pop
    move_loc r
    read_ref
    ret
}";
    assert_eq!(dangling_at(&run_unverified(text).0), Some(("leak", 3)));
}

/// Why the verifier must prove reference safety: the path-based references
/// keep memory sound, but two aliases of one coin passed to a bank that
/// reads both, checks, then writes both credit without debiting. Published
/// without the verifier, the attacker turns 100 coins into 1,100 (the
/// verifier's tests show the attacker rejected).
#[test]
fn unverified_aliases_would_mint_money() {
    let bank = assemble(include_str!("../../../verifier/tests/data/bank.rasm")).unwrap();
    let attacker = assemble(include_str!("../../../verifier/tests/data/attacker.rasm")).unwrap();
    assert!(resin_verifier::verify_module(&attacker).is_err());
    let mut cache = CodeCache::new();
    cache.publish_stdlib(bank).unwrap();
    cache.publish_unverified(attacker).unwrap();
    let loaded = cache.loaded(&ModuleId::new(AccountAddress::from_u64(2), "attacker")).unwrap();
    let function = loaded.function("attack").unwrap();
    let store = ResourceStore::new();
    let call = Invocation {
        module: loaded,
        function,
        instance: None,
        view: &store,
        keys: &DeclaredKeys::default(),
        signers: crate::loader::Signers::sender(AccountAddress::from_u64(2)),
        args: &[],
        gas_limit: 100_000,
        block: Default::default(),
        keys_instantiated: false,
    };
    let outcome = invoke(call, Metering::PerBlock);
    assert_eq!(outcome.receipt.status, Status::Success);
    assert_eq!(outcome.returns, vec![Value::U64(1_100)]);
}
