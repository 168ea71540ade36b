//! The attack that motivated reference safety: a bank that is correct under
//! Move's rules, and an attacker module that passes two aliases of one coin
//! to it. Without the borrow analysis the attacker verifies and each call
//! credits without debiting (the VM's tests run it unverified and see 100
//! coins become 1,100); now it is rejected at the call.

use resin_format::assembler::assemble;
use resin_verifier::{verify_module, Borrower, Holder, VerifyErrorKind};

pub const BANK: &str = include_str!("../data/bank.rasm");
pub const ATTACKER: &str = include_str!("../data/attacker.rasm");

#[test]
fn the_bank_verifies_and_the_aliasing_attacker_does_not() {
    verify_module(&assemble(BANK).unwrap()).unwrap_or_else(|e| panic!("bank.rasm should verify: {e}"));
    let err = verify_module(&assemble(ATTACKER).unwrap()).expect_err("two aliases of one coin reach move_value");
    // The second `&mut c` (argument 1) is borrowed by the first (argument 0),
    // made at offset 9.
    let borrow = Borrower { offset: 9, holder: Holder::Operand(0) };
    assert_eq!(err.kind, VerifyErrorKind::CallWithBorrowedMutableReference { argument: 1, borrow });
    assert_eq!((err.function.as_deref(), err.offset), (Some("attack"), Some(12)));
    assert_eq!(
        err.to_string(),
        "0x2::attacker::attack at offset 12: argument 1 of the call is a `&mut` that is still borrowed \
         (borrowed at offset 9 by operand 0 of this instruction)"
    );
}
