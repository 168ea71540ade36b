//! Mutability: an instruction that writes through a reference, or borrows
//! mutably through one (`mut_borrow_field` and its generic form, `vec_mut_borrow`, `write_ref`,
//! `vec_push_back`, `vec_pop_back`, `vec_swap`, `vec_remove`, `vec_insert`,
//! `vec_reverse`, `vec_append`), must be given a `&mut`,
//! never a `&`. The types pass accepts either kind so that this check can
//! name the error; the borrow analysis relies on it (it never asks whether
//! an immutable reference is writable).

use crate::cfg::Cfg;
use crate::error::{VerifyError, VerifyErrorKind};
use crate::types::TypeFacts;
use crate::FunctionView;
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
        | Instr::MutBorrowFieldGeneric(_)
        | Instr::VecMutBorrow(_)
        | Instr::VecPushBack(_)
        | Instr::VecPopBack(_)
        | Instr::VecSwap(_)
        | Instr::VecRemove(_)
        | Instr::VecInsert(_)
        | Instr::VecReverse(_)
        | Instr::VecAppend(_) => Some(0),
        Instr::WriteRef => Some(1),
        _ => None,
    }
}
