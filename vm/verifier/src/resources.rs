//! Pass 6, resources: linearity. A value whose type lacks `copy` is never
//! duplicated (`copy_loc`, `read_ref`); one that lacks `drop` is never
//! discarded (`pop`, `st_loc` over a live value, `write_ref`, `eq`/`neq`) and is
//! never left in a local when the function returns. Which locals hold a value
//! is a dataflow fact: available, unavailable, or maybe (available on some
//! paths only), joined at merge points.
//!
//! Values on the operand stack need no tracking here: every instruction
//! consumes what it pops, the stack pass makes `ret` find exactly the return
//! values, and the instructions that discard are checked by type. `abort`
//! exits are exempt, as in Move: an aborted transaction keeps no state.
//!
//! A type parameter has the abilities its function declares as its
//! constraints, and an instantiation what Move's rule gives it
//! ([`ty::instantiated`]): a `T0` without `drop` cannot be popped, overwritten
//! or left in a local at `ret`, and one without `copy` cannot be copied.

use super::cfg::{self, Cfg};
use super::error::{VerifyError, VerifyErrorKind};
use super::types::TypeFacts;
use super::{ty, FunctionView};
use resin_format::file_format::{Abilities, Instr, LocalIdx, Type};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Slot {
    Available,
    Unavailable,
    /// Available on some paths into this point, not on others.
    Maybe,
}

impl Slot {
    fn join(self, other: Slot) -> Slot {
        if self == other {
            self
        } else {
            Slot::Maybe
        }
    }
}

pub(crate) fn verify(view: &FunctionView<'_>, cfg: &Cfg, facts: &TypeFacts) -> Result<(), VerifyError> {
    let params = view.handle.params.len();
    let entry: Vec<Slot> =
        (0..view.local_count()).map(|i| if i < params { Slot::Available } else { Slot::Unavailable }).collect();
    let checker = Checker { view, facts };
    cfg::solve(
        view,
        cfg,
        entry,
        Vec::len,
        |block, mut locals| {
            for offset in block.start..block.end {
                checker.step(&mut locals, offset)?;
            }
            Ok(locals)
        },
        |current, incoming, _| {
            let mut changed = false;
            for (slot, other) in current.iter_mut().zip(incoming) {
                let joined = slot.join(*other);
                changed |= joined != *slot;
                *slot = joined;
            }
            Ok(changed)
        },
    )?;
    Ok(())
}

struct Checker<'v, 'm> {
    view: &'v FunctionView<'m>,
    facts: &'v TypeFacts,
}

impl Checker<'_, '_> {
    fn error(&self, offset: usize, kind: VerifyErrorKind) -> VerifyError {
        self.view.error(Some(offset), kind)
    }

    fn has(&self, ty: &Type, ability: Abilities) -> bool {
        ty::abilities(self.view.module, &self.view.handle.type_params, ty).has(ability)
    }

    fn local_type(&self, offset: usize, local: LocalIdx) -> Result<&Type, VerifyError> {
        self.view
            .local_type(local)
            .ok_or_else(|| self.error(offset, VerifyErrorKind::VerifierInvariant { detail: "local out of bounds" }))
    }

    /// The operand `index` (deepest first) the types pass recorded.
    fn operand(&self, offset: usize, index: usize) -> Result<&Type, VerifyError> {
        self.facts.operands(offset).and_then(|ops| ops.get(index)).map(|slot| &**slot).ok_or_else(|| {
            self.error(offset, VerifyErrorKind::VerifierInvariant { detail: "operand types not recorded" })
        })
    }

    fn require_available(&self, locals: &[Slot], offset: usize, local: LocalIdx) -> Result<(), VerifyError> {
        match locals.get(usize::from(local.0)) {
            Some(Slot::Available) => Ok(()),
            Some(slot) => {
                let kind = VerifyErrorKind::UseOfUnavailableLocal { local: local.0, maybe: *slot == Slot::Maybe };
                Err(self.error(offset, kind))
            }
            None => Err(self.error(offset, VerifyErrorKind::VerifierInvariant { detail: "local out of bounds" })),
        }
    }

    fn require_copy(&self, offset: usize, ty: &Type) -> Result<(), VerifyError> {
        if self.has(ty, Abilities::COPY) {
            return Ok(());
        }
        Err(self.error(offset, VerifyErrorKind::CopyWithoutAbility { ty: ty::display(self.view.module, ty).into() }))
    }

    fn require_drop(&self, offset: usize, instruction: &'static str, ty: &Type) -> Result<(), VerifyError> {
        if self.has(ty, Abilities::DROP) {
            return Ok(());
        }
        let kind = VerifyErrorKind::DropWithoutAbility { instruction, ty: ty::display(self.view.module, ty).into() };
        Err(self.error(offset, kind))
    }

    fn step(&self, locals: &mut [Slot], offset: usize) -> Result<(), VerifyError> {
        let Some(instr) = self.view.def.code.get(offset) else {
            return Err(self.error(offset, VerifyErrorKind::VerifierInvariant { detail: "block past the code" }));
        };
        let name = instr.info().mnemonic;
        match instr {
            Instr::CopyLoc(l) => {
                self.require_available(locals, offset, *l)?;
                self.require_copy(offset, self.local_type(offset, *l)?)?;
            }
            Instr::MoveLoc(l) => {
                self.require_available(locals, offset, *l)?;
                set(locals, *l, Slot::Unavailable);
            }
            Instr::ImmBorrowLoc(l) | Instr::MutBorrowLoc(l) => self.require_available(locals, offset, *l)?,
            Instr::StLoc(l) => {
                let live = locals.get(usize::from(l.0)).is_some_and(|s| *s != Slot::Unavailable);
                if live {
                    self.require_drop(offset, name, self.local_type(offset, *l)?)?;
                }
                set(locals, *l, Slot::Available);
            }
            Instr::Pop | Instr::Eq | Instr::Neq => self.require_drop(offset, name, self.operand(offset, 0)?)?,
            Instr::ReadRef => match self.operand(offset, 0)? {
                Type::Ref(inner) | Type::MutRef(inner) => self.require_copy(offset, inner)?,
                other => self.require_copy(offset, other)?,
            },
            // The old value behind the reference has the new value's type.
            Instr::WriteRef => self.require_drop(offset, name, self.operand(offset, 0)?)?,
            // An index names an entry: it is copied into the entry's key and
            // dropped after, so it must be plain data (a coin as an index
            // would be duplicated or lost).
            keyed if keyed.is_keyed() => {
                let index = self.operand(offset, 1)?;
                let has = ty::abilities(self.view.module, &self.view.handle.type_params, index);
                let needed = Abilities::COPY.union(Abilities::DROP);
                if !has.has(needed) {
                    let missing = Abilities(needed.0 & !has.0);
                    let kind = VerifyErrorKind::IndexMissingAbilities {
                        instruction: name,
                        ty: ty::display(self.view.module, index).into(),
                        missing,
                    };
                    return Err(self.error(offset, kind));
                }
            }
            Instr::Ret => {
                for (index, slot) in locals.iter().enumerate() {
                    let local = LocalIdx(u8::try_from(index).unwrap_or(u8::MAX));
                    let ty = self.local_type(offset, local)?;
                    if *slot != Slot::Unavailable && !self.has(ty, Abilities::DROP) {
                        let kind = VerifyErrorKind::UnusedResourceAtReturn {
                            local: local.0,
                            ty: ty::display(self.view.module, ty).into(),
                        };
                        return Err(self.error(offset, kind));
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }
}

fn set(locals: &mut [Slot], local: LocalIdx, slot: Slot) {
    if let Some(s) = locals.get_mut(usize::from(local.0)) {
        *s = slot;
    }
}
