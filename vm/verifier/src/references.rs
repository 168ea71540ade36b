//! Pass 7, references: what the type system leaves to reference safety.
//!
//! Escape is already impossible: the signatures pass keeps references out of
//! return types, struct fields, vectors, constants and storage, so a reference
//! can only live in its own frame's locals and stack. What remains statically
//! is mutability: an instruction that writes through a reference, or borrows
//! mutably through one (`mut_borrow_field`, `vec_mut_borrow`, `write_ref`,
//! `vec_push_back`, `vec_pop_back`, `vec_swap`), must be given a `&mut`, never
//! a `&` (the types pass accepts either kind so this pass can name the error).
//!
//! Aliasing is a deliberate runtime matter, unlike Move's static borrow graph:
//! the interpreter's references are paths (a root local or global plus field
//! and element steps) resolved on each use, so two `&mut` to one place cannot
//! corrupt memory; a reference into a local that is overwritten sees the
//! new value, and one whose root was moved away or removed from storage is
//! dangling and aborts the transaction deterministically (`RuntimeErrorKind::DanglingReference`). That keeps the
//! verifier linear and accepts every program the compiler's source-level
//! checks accept, at the cost of a check per dereference.

use super::cfg::Cfg;
use super::error::{VerifyError, VerifyErrorKind};
use super::types::TypeFacts;
use super::FunctionView;
use resin_format::file_format::{Instr, Type};

pub(crate) fn verify(view: &FunctionView<'_>, cfg: &Cfg, facts: &TypeFacts) -> Result<(), VerifyError> {
    for &block in &cfg.rpo {
        let Some(block) = cfg.blocks.get(block) else { continue };
        for offset in block.start..block.end {
            let Some(instr) = view.def.code.get(offset) else { continue };
            let Some(position) = mutable_operand(instr) else { continue };
            let operand = facts.operands(offset).and_then(|ops| ops.get(position)).ok_or_else(|| {
                view.error(Some(offset), VerifyErrorKind::VerifierInvariant { detail: "operand types not recorded" })
            })?;
            if !matches!(**operand, Type::MutRef(_)) {
                let kind = VerifyErrorKind::MutationThroughImmutableReference { instruction: instr.info().mnemonic };
                return Err(view.error(Some(offset), kind));
            }
        }
    }
    Ok(())
}

/// Which operand (deepest first) of `instr` must be a `&mut`.
fn mutable_operand(instr: &Instr) -> Option<usize> {
    match instr {
        Instr::MutBorrowField(_)
        | Instr::VecMutBorrow(_)
        | Instr::VecPushBack(_)
        | Instr::VecPopBack(_)
        | Instr::VecSwap(_) => Some(0),
        Instr::WriteRef => Some(1),
        _ => None,
    }
}
