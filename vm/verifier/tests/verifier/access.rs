//! Rejections of storage operations: the globals pass (abilities, own types)
//! and the access pass (declared specs cover direct and called accesses).

use resin_format::file_format::AddressSource::{Any, Const, Param, SignerOf};
use resin_format::file_format::*;
use resin_verifier::VerifyErrorKind as K;
use Instr::*;

use super::builder::*;

const COIN: StructDefIdx = StructDefIdx(0);
const BALANCE: StructDefIdx = StructDefIdx(1);
const POINT: StructDefIdx = StructDefIdx(2);
const BALANCE_H: StructHandleIdx = StructHandleIdx(1);

fn l(i: u8) -> LocalIdx {
    LocalIdx(i)
}

fn not_covered(access: &str) -> K {
    K::AccessNotCovered { access: access.into() }
}

// ---- globals ----

#[test]
fn storage_operation_on_a_type_without_key() {
    let code = vec![MoveLoc(l(0)), Exists(COIN), Ret];
    let m = one(Fun::new("f").params(vec![Type::Address]).returns(vec![Type::Bool]).code(code));
    rejects(&m, Some("f"), Some(1), K::GlobalOnNonKeyType { instruction: "exists", name: "Coin".into() });
    let code = vec![MoveLoc(l(0)), MoveLoc(l(1)), MoveTo(POINT), Ret];
    let point = Type::Struct(StructHandleIdx(2));
    let m = one(Fun::new("f").params(vec![r(Type::Signer), point]).code(code));
    rejects(&m, Some("f"), Some(2), K::GlobalOnNonKeyType { instruction: "move_to", name: "Point".into() });
}

#[test]
fn event_without_drop_and_store() {
    let coin = Type::Struct(StructHandleIdx(0));
    let m = one(Fun::new("f").params(vec![coin]).code(vec![MoveLoc(l(0)), Emit(COIN), Ret]));
    rejects(&m, Some("f"), Some(1), K::EventMissingAbilities { name: "Coin".into() });
}

#[test]
fn storage_operation_on_a_foreign_type() {
    // The only way to name a foreign type in a storage instruction is a struct
    // definition on a foreign handle, which bounds rejects.
    let mut b = Builder::base();
    let bank = b.dep(2, "bank");
    let vault = b.struct_handle(bank, "Vault", Abilities::KEY);
    b.module.structs.push(StructDef { handle: vault, fields: vec![] });
    let code = vec![MoveLoc(l(0)), Exists(StructDefIdx(3)), Ret];
    b.function(Fun::new("f").params(vec![Type::Address]).returns(vec![Type::Bool]).code(code));
    rejects(&b.module, None, None, K::StructDefForeignHandle { name: "Vault".into() });
}

// ---- access ----

fn borrow_mut_at_param_0(access: Vec<Access>) -> Module {
    let code = vec![MoveLoc(l(0)), MutBorrowGlobal(BALANCE), Pop, Ret];
    one(Fun::new("f").params(vec![Type::Address]).access(access).code(code))
}

#[test]
fn direct_access_not_declared() {
    let m = borrow_mut_at_param_0(vec![]);
    rejects(&m, Some("f"), Some(1), not_covered("write 0x1::m::Balance @ param 0"));
}

#[test]
fn direct_write_declared_as_read() {
    let m = borrow_mut_at_param_0(vec![read(BALANCE_H, Param(0))]);
    rejects(&m, Some("f"), Some(1), not_covered("write 0x1::m::Balance @ param 0"));
    accepts(&borrow_mut_at_param_0(vec![write(BALANCE_H, Param(0))]));
    accepts(&borrow_mut_at_param_0(vec![write(BALANCE_H, Any)]));
    let m = borrow_mut_at_param_0(vec![read(BALANCE_H, Any)]);
    rejects(&m, Some("f"), Some(1), not_covered("write 0x1::m::Balance @ param 0"));
}

#[test]
fn direct_access_at_another_address() {
    let code = vec![MoveLoc(l(1)), MoveFrom(BALANCE), Unpack(BALANCE), Unpack(COIN), Pop, Ret];
    let spec = vec![write(BALANCE_H, Param(0))];
    let m = one(Fun::new("f").params(vec![Type::Address, Type::Address]).access(spec).code(code));
    rejects(&m, Some("f"), Some(1), not_covered("write 0x1::m::Balance @ param 1"));
}

#[test]
fn move_to_needs_the_signers_address() {
    let code = vec![MoveLoc(l(0)), LdU64(0), Pack(COIN), Pack(BALANCE), MoveTo(BALANCE), Ret];
    let fun = |spec| Fun::new("f").params(vec![r(Type::Signer)]).access(spec).code(code.clone());
    rejects(&one(fun(vec![])), Some("f"), Some(4), not_covered("write 0x1::m::Balance @ signer of param 0"));
    accepts(&one(fun(vec![write(BALANCE_H, SignerOf(0))])));
}

#[test]
fn constant_addresses_must_match() {
    let mut b = Builder::base();
    let cafe = AccountAddress::from_u64(0xcafe);
    let home = b.constant(Type::Address, ConstValue::Address(cafe));
    let code = vec![LdConst(home), Exists(BALANCE), Ret];
    let spec = vec![read(BALANCE_H, Const(AccountAddress::from_u64(0xbeef)))];
    b.function(Fun::new("f").returns(vec![Type::Bool]).access(spec).code(code));
    rejects(&b.module, Some("f"), Some(1), not_covered("read 0x1::m::Balance @ 0xcafe"));
    b.module.function_handles[0].access = AccessSpec(vec![read(BALANCE_H, Const(cafe))]);
    accepts(&b.module);
}

/// `credit(to: address)` writes `Balance` at `to`; `pay(a, b)` calls `credit(b)`.
fn pay_module(pay_spec: Vec<Access>) -> Module {
    let mut b = Builder::base();
    let credit =
        b.function(Fun::new("credit").params(vec![Type::Address]).access(vec![write(BALANCE_H, Param(0))]).code(vec![
            MoveLoc(l(0)),
            MutBorrowGlobal(BALANCE),
            Pop,
            Ret,
        ]));
    b.function(Fun::new("pay").params(vec![Type::Address, Type::Address]).access(pay_spec).code(vec![
        MoveLoc(l(1)),
        Call(credit),
        Ret,
    ]));
    b.build()
}

#[test]
fn callee_access_substituted_with_the_arguments() {
    let m = pay_module(vec![write(BALANCE_H, Param(0))]);
    let access = "write 0x1::m::Balance @ param 1 (via call to 0x1::m::credit)";
    rejects(&m, Some("pay"), Some(1), not_covered(access));
    accepts(&pay_module(vec![write(BALANCE_H, Param(1))]));
}

#[test]
fn recursive_call_checks_against_its_own_spec() {
    // f(a, b) = f(b, a): needs its spec at both parameters.
    let mut b = Builder::base();
    let code = vec![MoveLoc(l(1)), MoveLoc(l(0)), Call(FunctionHandleIdx(0)), Ret];
    let spec = vec![write(BALANCE_H, Param(0))];
    b.function(Fun::new("f").params(vec![Type::Address, Type::Address]).access(spec).code(code));
    let access = "write 0x1::m::Balance @ param 1 (via call to 0x1::m::f)";
    rejects(&b.module, Some("f"), Some(2), not_covered(access));
    b.module.function_handles[0].access = AccessSpec(vec![write(BALANCE_H, Param(0)), write(BALANCE_H, Param(1))]);
    accepts(&b.module);
}

/// Calls into `0x2::bank`, whose `Vault` and functions are declared by handles.
fn bank_caller(spec: impl Fn(StructHandleIdx) -> Vec<Access>) -> Module {
    let mut b = Builder::base();
    let bank = b.dep(2, "bank");
    let vault = b.struct_handle(bank, "Vault", Abilities::KEY);
    let touch = b.function_handle(bank, "touch", vec![Type::Address], vec![], vec![write(vault, Param(0))]);
    let open = b.function_handle(
        bank,
        "open",
        vec![r(Type::Signer)],
        vec![],
        vec![write(vault, SignerOf(0)), read(vault, Any)],
    );
    b.function(Fun::new("f").params(vec![r(Type::Signer), Type::Address]).access(spec(vault)).code(vec![
        MoveLoc(l(1)),
        Call(touch),
        MoveLoc(l(0)),
        Call(open),
        Ret,
    ]));
    b.build()
}

#[test]
fn foreign_callee_accesses_are_mapped_through_handles() {
    let m = bank_caller(|_| vec![]);
    rejects(&m, Some("f"), Some(1), not_covered("write 0x2::bank::Vault @ param 1 (via call to 0x2::bank::touch)"));
    // Accesses needed at one offset are reported in spec order: reads first.
    let m = bank_caller(|vault| vec![write(vault, Param(1))]);
    rejects(&m, Some("f"), Some(3), not_covered("read 0x2::bank::Vault @ * (via call to 0x2::bank::open)"));
    let m = bank_caller(|vault| vec![write(vault, Param(1)), read(vault, Any)]);
    let access = "write 0x2::bank::Vault @ signer of param 0 (via call to 0x2::bank::open)";
    rejects(&m, Some("f"), Some(3), not_covered(access));
    accepts(&bank_caller(|vault| vec![write(vault, Param(1)), write(vault, SignerOf(0)), read(vault, Any)]));
    accepts(&bank_caller(|vault| vec![write(vault, Any)]));
    let m = bank_caller(|vault| vec![write(vault, Param(1)), write(vault, SignerOf(0)), read(vault, Any)]);
    let inferred = resin_verifier::infer_access_spec(&m, 0).unwrap();
    let vault = StructHandleIdx(3);
    assert_eq!(inferred.0, vec![read(vault, Any), write(vault, Param(1)), write(vault, SignerOf(0))]);
}
