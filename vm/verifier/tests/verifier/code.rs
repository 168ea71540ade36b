//! Rejections found in function bodies: stack, types, resources, references.

use resin_format::file_format::*;
use resin_verifier::{VerifyErrorKind as K, MAX_STACK_HEIGHT};
use Instr::*;

use super::builder::*;

const COIN: StructDefIdx = StructDefIdx(0);

fn coin() -> Type {
    Type::Struct(StructHandleIdx(0))
}

fn point() -> Type {
    Type::Struct(StructHandleIdx(2))
}

fn l(i: u8) -> LocalIdx {
    LocalIdx(i)
}

// ---- stack ----

#[test]
fn ret_with_an_extra_value() {
    let m = one(Fun::new("f").code(vec![LdU64(1), Ret]));
    rejects(&m, Some("f"), Some(1), K::RetStackMismatch { expected: 0, found: 1 });
}

#[test]
fn ret_missing_its_value() {
    let m = one(Fun::new("f").returns(vec![Type::U64]).code(vec![Nop, Ret]));
    rejects(&m, Some("f"), Some(1), K::RetStackMismatch { expected: 1, found: 0 });
}

#[test]
fn stack_heights_differ_at_a_merge_point() {
    // if (c) { push 1 } ; ret  -- one path arrives with a value, the other without.
    let code = vec![MoveLoc(l(0)), BrFalse(CodeOffset(4)), LdU64(1), Branch(CodeOffset(4)), Ret];
    let m = one(Fun::new("f").params(vec![Type::Bool]).code(code));
    rejects(&m, Some("f"), Some(3), K::StackHeightMismatch { target: 4, expected: 0, found: 1 });
}

#[test]
fn values_may_stay_on_the_stack_across_blocks_when_every_path_agrees() {
    let code = vec![LdU64(7), MoveLoc(l(0)), BrFalse(CodeOffset(4)), Nop, Ret];
    accepts(&one(Fun::new("f").params(vec![Type::Bool]).returns(vec![Type::U64]).code(code)));
}

#[test]
fn pop_of_an_empty_stack() {
    let m = one(Fun::new("f").code(vec![Pop, Ret]));
    rejects(&m, Some("f"), Some(0), K::StackUnderflow { instruction: "pop", needed: 1, available: 0 });
}

#[test]
fn stack_deeper_than_the_limit() {
    let mut code = vec![LdU8(0); MAX_STACK_HEIGHT + 1];
    code.push(Ret);
    let m = one(Fun::new("f").code(code));
    let kind = K::StackTooDeep { height: MAX_STACK_HEIGHT + 1, max: MAX_STACK_HEIGHT };
    rejects(&m, Some("f"), Some(MAX_STACK_HEIGHT as u16), kind);
}

// ---- types ----

fn mismatch(instruction: &'static str, expected: &str, found: &str) -> K {
    K::TypeMismatch { instruction, expected: expected.into(), found: found.into() }
}

#[test]
fn arithmetic_on_different_integer_types() {
    let m = one(Fun::new("f").returns(vec![Type::U64]).code(vec![LdU64(1), LdU8(2), Add, Ret]));
    rejects(&m, Some("f"), Some(2), mismatch("add", "`u64`", "u8"));
}

#[test]
fn arithmetic_on_booleans() {
    let m = one(Fun::new("f").returns(vec![Type::Bool]).code(vec![LdTrue, LdTrue, Mul, Ret]));
    rejects(&m, Some("f"), Some(2), mismatch("mul", "an integer", "bool"));
}

#[test]
fn shift_amount_must_be_u8() {
    let m = one(Fun::new("f").returns(vec![Type::U64]).code(vec![LdU64(1), LdU64(2), Shl, Ret]));
    rejects(&m, Some("f"), Some(2), mismatch("shl", "`u8`", "u64"));
}

#[test]
fn branch_on_an_integer_and_abort_with_a_u8() {
    let m = one(Fun::new("f").code(vec![LdU64(1), BrTrue(CodeOffset(2)), Ret]));
    rejects(&m, Some("f"), Some(1), mismatch("br_true", "`bool`", "u64"));
    let m = one(Fun::new("f").code(vec![LdU8(1), Abort]));
    rejects(&m, Some("f"), Some(1), mismatch("abort", "`u64`", "u8"));
}

#[test]
fn stack_types_differ_at_a_merge_point() {
    let code = vec![
        MoveLoc(l(0)),
        BrFalse(CodeOffset(4)),
        LdU64(1),
        Branch(CodeOffset(5)),
        LdU8(1),
        Pop, // 5
        Ret,
    ];
    let m = one(Fun::new("f").params(vec![Type::Bool]).code(code));
    rejects(&m, Some("f"), Some(4), K::JoinTypeMismatch { target: 5, expected: "u64".into(), found: "u8".into() });
}

#[test]
fn call_with_a_wrong_argument_and_return_of_a_wrong_type() {
    let mut b = Builder::base();
    let g = b.function(Fun::new("g").params(vec![Type::U64]).code(vec![Ret]));
    b.function(Fun::new("f").code(vec![LdU128(1), Call(g), Ret]));
    rejects(&b.module, Some("f"), Some(1), mismatch("call", "`u64`", "u128"));
    let m = one(Fun::new("f").returns(vec![Type::U64]).code(vec![LdTrue, Ret]));
    rejects(&m, Some("f"), Some(1), mismatch("ret", "`u64`", "bool"));
}

#[test]
fn field_borrow_through_a_reference_to_another_struct() {
    let code = vec![MoveLoc(l(0)), ImmBorrowField(field(2, 0)), Pop, Ret];
    let m = one(Fun::new("f").params(vec![r(coin())]).code(code));
    rejects(&m, Some("f"), Some(1), mismatch("imm_borrow_field", "a reference to `Point`", "&Coin"));
}

#[test]
fn move_to_and_signer_address_take_a_signer_reference() {
    let code = vec![MoveLoc(l(0)), SignerAddress, Pop, Ret];
    let m = one(Fun::new("f").params(vec![Type::Signer]).code(code));
    rejects(&m, Some("f"), Some(1), mismatch("signer_address", "`&signer`", "signer"));
    let code = vec![MoveLoc(l(0)), FreezeRef, Pop, Ret];
    let m = one(Fun::new("f").params(vec![r(Type::U64)]).code(code));
    rejects(&m, Some("f"), Some(1), mismatch("freeze_ref", "a `&mut` reference", "&u64"));
}

#[test]
fn vector_instructions_check_their_element_type() {
    let mut b = Builder::base();
    let u64s = b.signature(Type::U64);
    b.function(Fun::new("f").returns(vec![Type::U64]).locals(vec![vector(Type::U64)]).code(vec![
        LdU64(1),
        LdU64(2),
        VecPack(u64s, 2),
        StLoc(l(0)),
        MutBorrowLoc(l(0)),
        LdU64(3),
        VecPushBack(u64s),
        ImmBorrowLoc(l(0)),
        VecLen(u64s),
        Ret,
    ]));
    accepts(&b.module);
    b.module.functions[0].code[5] = LdU8(3);
    rejects(&b.module, Some("f"), Some(6), mismatch("vec_push_back", "`u64`", "u8"));
}

// ---- resources ----

#[test]
fn copy_of_a_struct_without_copy() {
    let m = one(Fun::new("f").params(vec![coin()]).returns(vec![coin(), coin()]).code(vec![
        CopyLoc(l(0)),
        MoveLoc(l(0)),
        Ret,
    ]));
    rejects(&m, Some("f"), Some(0), K::CopyWithoutAbility { ty: "Coin".into() });
}

#[test]
fn read_ref_of_a_struct_without_copy() {
    let m = one(Fun::new("f").params(vec![r(coin())]).returns(vec![coin()]).code(vec![MoveLoc(l(0)), ReadRef, Ret]));
    rejects(&m, Some("f"), Some(1), K::CopyWithoutAbility { ty: "Coin".into() });
}

#[test]
fn copyable_values_copy_and_drop_freely() {
    let code = vec![CopyLoc(l(0)), CopyLoc(l(0)), Eq, Pop, ImmBorrowLoc(l(0)), ReadRef, Pop, Ret];
    accepts(&one(Fun::new("f").params(vec![point()]).code(code)));
}

#[test]
fn pop_of_a_value_without_drop() {
    let m = one(Fun::new("f").params(vec![coin()]).code(vec![MoveLoc(l(0)), Pop, Ret]));
    rejects(&m, Some("f"), Some(1), K::DropWithoutAbility { instruction: "pop", ty: "Coin".into() });
}

#[test]
fn st_loc_over_a_live_value_without_drop() {
    let code = vec![MoveLoc(l(1)), StLoc(l(0)), MoveLoc(l(0)), Ret];
    let m = one(Fun::new("f").params(vec![coin(), coin()]).returns(vec![coin()]).code(code));
    rejects(&m, Some("f"), Some(1), K::DropWithoutAbility { instruction: "st_loc", ty: "Coin".into() });
}

#[test]
fn write_ref_over_a_value_without_drop() {
    let code = vec![MoveLoc(l(1)), MoveLoc(l(0)), WriteRef, Ret];
    let m = one(Fun::new("f").params(vec![rm(coin()), coin()]).code(code));
    rejects(&m, Some("f"), Some(2), K::DropWithoutAbility { instruction: "write_ref", ty: "Coin".into() });
}

#[test]
fn equality_of_values_without_drop() {
    let code = vec![MoveLoc(l(0)), MoveLoc(l(1)), Eq, Ret];
    let m = one(Fun::new("f").params(vec![coin(), coin()]).returns(vec![Type::Bool]).code(code));
    rejects(&m, Some("f"), Some(2), K::DropWithoutAbility { instruction: "eq", ty: "Coin".into() });
}

#[test]
fn resource_left_in_a_local_at_return() {
    let m = one(Fun::new("f").params(vec![coin()]).code(vec![Ret]));
    rejects(&m, Some("f"), Some(0), K::UnusedResourceAtReturn { local: 0, ty: "Coin".into() });
}

/// `if (b) { let Coin { value: _ } = c }; return` -- `c` survives one path.
fn destroy_on_one_path(tail: Vec<Instr>) -> Vec<Instr> {
    let mut code = vec![MoveLoc(l(1)), BrFalse(CodeOffset(5)), MoveLoc(l(0)), Unpack(COIN), Pop];
    code.extend(tail);
    code
}

#[test]
fn resource_left_on_one_path_at_return() {
    let m = one(Fun::new("f").params(vec![coin(), Type::Bool]).code(destroy_on_one_path(vec![Ret])));
    rejects(&m, Some("f"), Some(5), K::UnusedResourceAtReturn { local: 0, ty: "Coin".into() });
}

#[test]
fn use_of_a_local_that_may_have_been_moved() {
    let code = destroy_on_one_path(vec![MoveLoc(l(0)), Ret]);
    let m = one(Fun::new("f").params(vec![coin(), Type::Bool]).returns(vec![coin()]).code(code));
    rejects(&m, Some("f"), Some(5), K::UseOfUnavailableLocal { local: 0, maybe: true });
}

#[test]
fn use_of_a_moved_or_unassigned_local() {
    let code = vec![MoveLoc(l(0)), MoveLoc(l(0)), Ret];
    let m = one(Fun::new("f").params(vec![coin()]).returns(vec![coin(), coin()]).code(code));
    rejects(&m, Some("f"), Some(1), K::UseOfUnavailableLocal { local: 0, maybe: false });
    let m = one(Fun::new("f").locals(vec![Type::U64]).returns(vec![Type::U64]).code(vec![CopyLoc(l(0)), Ret]));
    rejects(&m, Some("f"), Some(0), K::UseOfUnavailableLocal { local: 0, maybe: false });
}

#[test]
fn abort_exits_may_leave_resources_behind() {
    accepts(&one(Fun::new("f").params(vec![coin()]).code(vec![LdU64(7), Abort])));
}

// ---- references ----

#[test]
fn mut_borrow_field_through_an_immutable_reference() {
    let code = vec![MoveLoc(l(0)), MutBorrowField(field(0, 0)), Pop, Ret];
    let m = one(Fun::new("f").params(vec![r(coin())]).code(code));
    rejects(&m, Some("f"), Some(1), K::MutationThroughImmutableReference { instruction: "mut_borrow_field" });
}

#[test]
fn write_through_an_immutable_reference() {
    let m = one(Fun::new("f").params(vec![r(Type::U64)]).code(vec![LdU64(1), MoveLoc(l(0)), WriteRef, Ret]));
    rejects(&m, Some("f"), Some(2), K::MutationThroughImmutableReference { instruction: "write_ref" });
    let mut b = Builder::base();
    let u64s = b.signature(Type::U64);
    let code = vec![MoveLoc(l(0)), LdU64(1), VecPushBack(u64s), Ret];
    b.function(Fun::new("f").params(vec![r(vector(Type::U64))]).code(code));
    rejects(&b.module, Some("f"), Some(2), K::MutationThroughImmutableReference { instruction: "vec_push_back" });
}

#[test]
fn returned_reference() {
    let m = one(Fun::new("f").params(vec![r(coin())]).returns(vec![r(coin())]).code(vec![MoveLoc(l(0)), Ret]));
    accepts(&m);
    let m = one(Fun::new("f")
        .entry()
        .params(vec![r(Type::Signer)])
        .returns(vec![r(Type::Signer)])
        .code(vec![MoveLoc(l(0)), Ret]));
    rejects(&m, Some("f"), None, K::ReturnsReference { ty: "&signer".into() });
}

#[test]
fn borrow_of_a_reference_local() {
    let m = one(Fun::new("f").params(vec![r(Type::U64)]).code(vec![ImmBorrowLoc(l(0)), Pop, Ret]));
    rejects(&m, Some("f"), Some(0), mismatch("imm_borrow_loc", "a local that is not a reference", "&u64"));
}

#[test]
fn dataflow_work_is_metered() {
    // A full-ish stack carried through thousands of one-instruction blocks:
    // every block entry would hold its own copy of the 1000-slot state.
    let mut code = vec![LdU8(0); 1000];
    code.extend((1001..5501).map(|next| Branch(CodeOffset(next))));
    code.extend(vec![Pop; 1000]);
    code.push(Ret);
    let m = one(Fun::new("f").code(code));
    // The types pass is the first to store stacks: 1001 units for the first
    // block, then 2001 (an instruction plus the state copied and joined) per block.
    let kind = K::TooComplex { max: resin_verifier::MAX_DATAFLOW_UNITS };
    rejects(&m, Some("f"), Some(4998), kind);
}

#[test]
fn verification_can_stop_after_any_pass() {
    use resin_verifier::{verify_through, Pass, PASSES};
    // Well typed, but the access spec is missing: only the last pass objects.
    let code = vec![MoveLoc(l(0)), MutBorrowGlobal(StructDefIdx(1)), Pop, Ret];
    let m = one(Fun::new("f").params(vec![Type::Address]).code(code));
    for pass in PASSES {
        assert_eq!(verify_through(&m, pass).is_ok(), pass != Pass::Access, "{pass}");
    }
    let names: Vec<&str> = PASSES.iter().map(|p| p.name()).collect();
    assert_eq!(
        names,
        ["bounds", "limits", "signatures", "stack", "types", "resources", "references", "globals", "access"]
    );
}
