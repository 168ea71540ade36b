//! The coin module, written out as bytecode: it must verify, and the access
//! specs inferred for it must be exactly the ones it declares.

use resin_format::file_format::AddressSource::{Any, Param, SignerOf};
use resin_format::file_format::*;
use resin_verifier::{infer_access_spec, verify_module, VerifyErrorKind};
use Instr::*;

use super::builder::*;

const COIN: StructDefIdx = StructDefIdx(0);
const BALANCE: StructDefIdx = StructDefIdx(1);
const MINTED: StructDefIdx = StructDefIdx(2);
const WITHDRAW: FunctionHandleIdx = FunctionHandleIdx(1);
const DEPOSIT: FunctionHandleIdx = FunctionHandleIdx(2);

fn coin_value() -> FieldRef {
    field(0, 0)
}
fn balance_coin() -> FieldRef {
    field(1, 0)
}

/// `0x1::coin`: register, withdraw, deposit, transfer, mint (admin only, emits
/// an event), balance_of, is_registered.
pub fn coin_builder() -> Builder {
    let mut b = Builder::new(1, "coin");
    b.structure("Coin", Abilities::STORE, vec![("value", Type::U64)]);
    let coin = b.ty("Coin");
    b.structure("Balance", Abilities::KEY, vec![("coin", coin.clone())]);
    b.structure("Minted", Abilities::DROP.union(Abilities::STORE), vec![("amount", Type::U64)]);
    let balance = b.handle("Balance");
    let admin = b.constant(Type::Address, ConstValue::Address(AccountAddress::from_u64(1)));
    let signer = r(Type::Signer);

    b.function(
        Fun::new("register").entry().params(vec![signer.clone()]).access(vec![write(balance, SignerOf(0))]).code(vec![
            MoveLoc(LocalIdx(0)),
            LdU64(0),
            Pack(COIN),
            Pack(BALANCE),
            MoveTo(BALANCE),
            Ret,
        ]),
    );
    b.function(
        Fun::new("withdraw")
            .params(vec![signer.clone(), Type::U64])
            .returns(vec![coin.clone()])
            .locals(vec![rm(b.ty("Balance"))])
            .access(vec![write(balance, SignerOf(0))])
            .code(vec![
                MoveLoc(LocalIdx(0)),
                SignerAddress,
                MutBorrowGlobal(BALANCE),
                StLoc(LocalIdx(2)),
                CopyLoc(LocalIdx(2)),
                ImmBorrowField(balance_coin()),
                ImmBorrowField(coin_value()),
                ReadRef,
                CopyLoc(LocalIdx(1)),
                Ge,
                BrTrue(CodeOffset(13)),
                LdU64(1),
                Abort,
                CopyLoc(LocalIdx(2)), // 13
                ImmBorrowField(balance_coin()),
                ImmBorrowField(coin_value()),
                ReadRef,
                CopyLoc(LocalIdx(1)),
                Sub,
                MoveLoc(LocalIdx(2)),
                MutBorrowField(balance_coin()),
                MutBorrowField(coin_value()),
                WriteRef,
                MoveLoc(LocalIdx(1)),
                Pack(COIN),
                Ret,
            ]),
    );
    b.function(
        Fun::new("deposit")
            .params(vec![Type::Address, coin.clone()])
            .locals(vec![Type::U64, rm(Type::U64)])
            .access(vec![write(balance, Param(0))])
            .code(vec![
                MoveLoc(LocalIdx(1)),
                Unpack(COIN),
                StLoc(LocalIdx(2)),
                CopyLoc(LocalIdx(0)),
                MutBorrowGlobal(BALANCE),
                MutBorrowField(balance_coin()),
                MutBorrowField(coin_value()),
                StLoc(LocalIdx(3)),
                CopyLoc(LocalIdx(3)),
                ReadRef,
                MoveLoc(LocalIdx(2)),
                Add,
                MoveLoc(LocalIdx(3)),
                WriteRef,
                Ret,
            ]),
    );
    b.function(
        Fun::new("transfer")
            .entry()
            .params(vec![signer.clone(), Type::Address, Type::U64])
            .access(vec![write(balance, SignerOf(0)), write(balance, Param(1))])
            .code(vec![
                MoveLoc(LocalIdx(1)),
                MoveLoc(LocalIdx(0)),
                MoveLoc(LocalIdx(2)),
                Call(WITHDRAW),
                Call(DEPOSIT),
                Ret,
            ]),
    );
    b.function(
        Fun::new("mint")
            .entry()
            .params(vec![signer, Type::Address, Type::U64])
            .access(vec![write(balance, Param(1))])
            .code(vec![
                CopyLoc(LocalIdx(0)),
                SignerAddress,
                LdConst(admin),
                Eq,
                BrTrue(CodeOffset(7)),
                LdU64(2),
                Abort,
                CopyLoc(LocalIdx(2)), // 7
                Pack(MINTED),
                Emit(MINTED),
                MoveLoc(LocalIdx(1)),
                MoveLoc(LocalIdx(2)),
                Pack(COIN),
                Call(DEPOSIT),
                Ret,
            ]),
    );
    b.function(
        Fun::new("balance_of")
            .params(vec![Type::Address])
            .returns(vec![Type::U64])
            .access(vec![read(balance, Param(0))])
            .code(vec![
                MoveLoc(LocalIdx(0)),
                ImmBorrowGlobal(BALANCE),
                ImmBorrowField(balance_coin()),
                ImmBorrowField(coin_value()),
                ReadRef,
                Ret,
            ]),
    );
    b.function(
        Fun::new("is_registered")
            .params(vec![Type::Address])
            .returns(vec![Type::Bool])
            .access(vec![read(balance, Param(0))])
            .code(vec![MoveLoc(LocalIdx(0)), Exists(BALANCE), Ret]),
    );
    b
}

pub fn coin_module() -> Module {
    coin_builder().build()
}

fn infer(module: &Module, name: &str) -> AccessSpec {
    let (index, _) = module.find_function(name).expect("no such function");
    infer_access_spec(module, index).expect("inference failed")
}

fn sorted(mut accesses: Vec<Access>) -> AccessSpec {
    accesses.sort();
    AccessSpec(accesses)
}

#[test]
fn coin_module_verifies() {
    accepts(&coin_module());
}

#[test]
fn transfer_infers_both_balances_as_writes() {
    let module = coin_module();
    let balance = StructHandleIdx(1);
    assert_eq!(infer(&module, "transfer"), sorted(vec![write(balance, SignerOf(0)), write(balance, Param(1))]));
}

#[test]
fn every_coin_function_declares_exactly_what_it_needs() {
    let module = coin_module();
    for (index, def) in module.functions.iter().enumerate() {
        let declared = &module.function_handles[def.handle.index()].access;
        let inferred = infer_access_spec(&module, index).unwrap();
        assert_eq!(&inferred, &sorted(declared.0.clone()), "{}", module.function_name(def).unwrap());
    }
}

#[test]
fn read_only_function_infers_reads() {
    let mut b = Builder::base();
    let balance = b.handle("Balance");
    b.function(Fun::new("peek").params(vec![Type::Address]).returns(vec![Type::Bool, Type::U64]).code(vec![
        CopyLoc(LocalIdx(0)),
        Exists(BALANCE),
        MoveLoc(LocalIdx(0)),
        ImmBorrowGlobal(BALANCE),
        ImmBorrowField(balance_coin()),
        ImmBorrowField(coin_value()),
        ReadRef,
        Ret,
    ]));
    assert_eq!(infer(&b.build(), "peek"), AccessSpec(vec![read(balance, Param(0))]));
}

#[test]
fn write_subsumes_read_of_the_same_key_and_any_subsumes_addresses() {
    let mut b = Builder::base();
    let balance = b.handle("Balance");
    // exists<Balance>(a); borrow_global_mut<Balance>(a); exists<Balance>(b); borrow_global_mut<Balance>(*)
    let code = vec![
        CopyLoc(LocalIdx(0)),
        Exists(BALANCE),
        Pop,
        CopyLoc(LocalIdx(0)),
        MutBorrowGlobal(BALANCE),
        Pop,
        CopyLoc(LocalIdx(1)),
        Exists(BALANCE),
        Pop,
        Ret,
    ];
    b.function(Fun::new("f").params(vec![Type::Address, Type::Address]).code(code));
    let mut code = vec![MutBorrowLoc(LocalIdx(1)), Pop, CopyLoc(LocalIdx(1)), MutBorrowGlobal(BALANCE), Pop];
    code.extend([CopyLoc(LocalIdx(0)), ImmBorrowGlobal(BALANCE), Pop, Ret]);
    b.function(Fun::new("g").params(vec![Type::Address, Type::Address]).code(code));
    let module = b.build();
    assert_eq!(infer(&module, "f"), sorted(vec![write(balance, Param(0)), read(balance, Param(1))]));
    // Local 1 is borrowed mutably, so its address is unknown: a write to `*`
    // covers the read at param 0 too.
    assert_eq!(infer(&module, "g"), AccessSpec(vec![write(balance, Any)]));
}

/// `a = p0; i = 0; while (i < 3) { a = p1; i = i + 1 }; exists<Balance>(a)`
fn loop_code() -> Vec<Instr> {
    vec![
        CopyLoc(LocalIdx(0)),
        StLoc(LocalIdx(2)),
        LdU64(0),
        StLoc(LocalIdx(3)),
        CopyLoc(LocalIdx(3)), // 4: loop head
        LdU64(3),
        Lt,
        BrFalse(CodeOffset(15)),
        CopyLoc(LocalIdx(1)),
        StLoc(LocalIdx(2)),
        CopyLoc(LocalIdx(3)),
        LdU64(1),
        Add,
        StLoc(LocalIdx(3)),
        Branch(CodeOffset(4)),
        CopyLoc(LocalIdx(2)), // 15
        Exists(BALANCE),
        Ret,
    ]
}

#[test]
fn address_reassigned_in_a_loop_is_any() {
    let mut b = Builder::base();
    let balance = b.handle("Balance");
    b.function(
        Fun::new("walk")
            .params(vec![Type::Address, Type::Address])
            .returns(vec![Type::Bool])
            .locals(vec![Type::Address, Type::U64])
            .code(loop_code()),
    );
    // Straight-line reassignment keeps track of the address.
    b.function(
        Fun::new("straight")
            .params(vec![Type::Address, Type::Address])
            .returns(vec![Type::Bool])
            .locals(vec![Type::Address])
            .code(vec![
                CopyLoc(LocalIdx(0)),
                StLoc(LocalIdx(2)),
                CopyLoc(LocalIdx(1)),
                StLoc(LocalIdx(2)),
                CopyLoc(LocalIdx(2)),
                Exists(BALANCE),
                Ret,
            ]),
    );
    let module = b.build();
    assert_eq!(infer(&module, "walk"), AccessSpec(vec![read(balance, Any)]));
    assert_eq!(infer(&module, "straight"), AccessSpec(vec![read(balance, Param(1))]));
}

#[test]
fn unknown_address_needs_any_in_the_declared_spec() {
    let mut b = Builder::base();
    let balance = b.handle("Balance");
    let fun = Fun::new("walk")
        .params(vec![Type::Address, Type::Address])
        .returns(vec![Type::Bool])
        .locals(vec![Type::Address, Type::U64])
        .code(loop_code());
    b.function(fun.access(vec![read(balance, Param(0)), read(balance, Param(1))]));
    let kind = VerifyErrorKind::AccessNotCovered { access: "read 0x1::m::Balance @ *".into() };
    rejects(&b.module, Some("walk"), Some(16), kind);
    b.module.function_handles[0].access = AccessSpec(vec![read(balance, Any)]);
    accepts(&b.module);
}

#[test]
fn signer_provenance_follows_locals_borrows_and_constants() {
    let mut b = Builder::base();
    let balance = b.handle("Balance");
    let home = b.constant(Type::Address, ConstValue::Address(AccountAddress::from_u64(0xcafe)));
    // A `signer` by value, borrowed, its address stored in a local; a `&signer`
    // copied into another local; a constant address.
    b.function(
        Fun::new("f").params(vec![Type::Signer, r(Type::Signer)]).locals(vec![Type::Address, r(Type::Signer)]).code(
            vec![
                ImmBorrowLoc(LocalIdx(0)),
                SignerAddress,
                StLoc(LocalIdx(2)),
                CopyLoc(LocalIdx(2)),
                Exists(BALANCE),
                Pop,
                CopyLoc(LocalIdx(1)),
                StLoc(LocalIdx(3)),
                MoveLoc(LocalIdx(3)),
                LdU64(0),
                Pack(COIN),
                Pack(BALANCE),
                MoveTo(BALANCE),
                LdConst(home),
                MutBorrowGlobal(BALANCE),
                Pop,
                Ret,
            ],
        ),
    );
    let expected = vec![
        read(balance, SignerOf(0)),
        write(balance, SignerOf(1)),
        write(balance, AddressSource::Const(AccountAddress::from_u64(0xcafe))),
    ];
    assert_eq!(infer(&b.build(), "f"), sorted(expected));
}

#[test]
fn callee_signer_spec_is_substituted_with_the_callers_signer() {
    let mut b = coin_builder();
    let balance = b.handle("Balance");
    // withdraw(&signer 1 borrowed from a `signer` param, ..) declares signer of param 0 of the callee.
    b.function(
        Fun::new("pay")
            .params(vec![Type::Address, Type::Signer])
            .access(vec![write(balance, SignerOf(1)), write(balance, Param(0))])
            .code(vec![MoveLoc(LocalIdx(0)), ImmBorrowLoc(LocalIdx(1)), LdU64(5), Call(WITHDRAW), Call(DEPOSIT), Ret]),
    );
    let with_pay = b.build();
    assert_eq!(infer(&with_pay, "pay"), sorted(vec![write(balance, SignerOf(1)), write(balance, Param(0))]));
    accepts(&with_pay);
}

#[test]
fn error_display_names_module_function_and_offset() {
    let mut b = coin_builder();
    let coin = b.ty("Coin");
    let transfer = b.module.find_function("transfer").unwrap().0;
    // withdraw into a local, then deposit a *copy* of it: minting money.
    let def = &mut b.module.functions[transfer];
    def.locals = vec![coin];
    def.code = vec![
        MoveLoc(LocalIdx(0)),
        CopyLoc(LocalIdx(2)),
        Call(WITHDRAW),
        StLoc(LocalIdx(3)),
        CopyLoc(LocalIdx(1)),
        LdU64(0),
        Pop,
        CopyLoc(LocalIdx(3)),
        Call(DEPOSIT),
        CopyLoc(LocalIdx(1)),
        MoveLoc(LocalIdx(3)),
        Call(DEPOSIT),
        Ret,
    ];
    let err = verify_module(&b.module).unwrap_err();
    assert_eq!(
        err.to_string(),
        "0x1::coin::transfer at offset 7: copy of a value without the `copy` ability (type Coin)"
    );
}
