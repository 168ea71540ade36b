//! The transfer function: what each instruction checks and does to the
//! abstract state.
//!
//! Every check runs while the instruction's operands are still on the
//! abstract stack, so an error can name an operand as the conflicting
//! borrower; the operands are consumed (their references released) after.

use smallvec::SmallVec;

use super::graph::{Edge, Label, Path, RefId};
use super::state::{State, ROOT};
use super::ModuleFacts;
use crate::error::{Borrower, VerifyError, VerifyErrorKind};
use crate::{generics, stack, ty, FunctionView};
use resin_format::file_format::{Instr, LocalIdx, Module, StructDefIdx, Type};

pub(super) struct Transfer<'a, 'm> {
    pub view: &'a FunctionView<'m>,
    pub facts: &'a ModuleFacts,
}

/// The instruction being run: where it is, and where its operands start on
/// the stack.
#[derive(Clone, Copy)]
pub(super) struct At {
    offset: usize,
    split: usize,
}

impl At {
    pub(super) fn offset16(self) -> u16 {
        crate::cfg::offset16(self.offset)
    }
}

pub(super) type Values = SmallVec<[Option<RefId>; 4]>;

fn one(value: Option<RefId>) -> Values {
    Values::from_elem(value, 1)
}

/// One label, as a path.
fn path(label: Label) -> Path {
    Path::one(label)
}

/// The limits pass keeps field indexes below 255, so the cast is exact. A
/// field of a generic struct is labelled by the struct's definition, whatever
/// the instantiation: two instantiations may be the same type at run time.
fn field_label(owner: StructDefIdx, field: u16) -> Label {
    Label::Field(owner.0, u8::try_from(field).unwrap_or(u8::MAX))
}

/// The struct definition a field borrow names, and the field.
fn field_of(module: &Module, instr: &Instr) -> Option<(StructDefIdx, u16)> {
    match instr {
        Instr::ImmBorrowField(f) | Instr::MutBorrowField(f) => Some((f.owner, f.field)),
        Instr::ImmBorrowFieldGeneric(f) | Instr::MutBorrowFieldGeneric(f) => {
            generics::struct_inst(module, f.owner).map(|s| (s.def_idx, f.field))
        }
        _ => None,
    }
}

impl Transfer<'_, '_> {
    pub(super) fn invariant(&self, at: At, detail: &'static str) -> VerifyError {
        self.view.error(Some(at.offset), VerifyErrorKind::VerifierInvariant { detail })
    }

    /// The error `kind` names, with `edge`'s borrower described.
    pub(super) fn conflict(
        &self,
        state: &State,
        at: At,
        edge: &Edge,
        kind: impl FnOnce(Borrower) -> VerifyErrorKind,
    ) -> VerifyError {
        self.view.error(Some(at.offset), kind(state.borrower(edge, at.split)))
    }

    pub(super) fn resource(&self, def: u16) -> Box<str> {
        let module = self.view.module;
        match module.structs.get(usize::from(def)) {
            Some(d) => ty::struct_display(module, d.handle).into(),
            None => format!("<struct #{def}>").into(),
        }
    }

    /// Whether local `l` is declared as a reference. Such a local is never
    /// borrowed itself (a reference cannot be borrowed), so only the others
    /// are checked for borrows.
    fn reference_local(&self, l: LocalIdx) -> bool {
        self.view.local_type(l).is_some_and(Type::is_reference)
    }

    /// Runs one instruction on `state`.
    pub fn step(&self, state: &mut State, offset: usize) -> Result<(), VerifyError> {
        let view = self.view;
        let split = 0;
        let at = At { offset, split };
        let instr = view.def.code.get(offset).ok_or_else(|| self.invariant(at, "block past the code"))?;
        let (pops, pushes) = stack::effect(view.module, view.handle.returns.len(), instr)
            .ok_or_else(|| self.invariant(at, "operand out of bounds"))?;
        let split = state.stack.len().checked_sub(pops).ok_or_else(|| self.invariant(at, "stack underflow"))?;
        let at = At { offset, split };
        let operands: Values = state.stack.get(split..).unwrap_or_default().into();
        let reference = |index: usize| {
            operands.get(index).copied().flatten().ok_or_else(|| self.invariant(at, "operand is not a reference"))
        };
        let name = instr.info().mnemonic;
        let pushed: Values = match instr {
            Instr::CopyLoc(l) => one(self.copy_loc(state, at, *l)?),
            Instr::MoveLoc(l) => one(self.move_loc(state, at, *l)?),
            Instr::StLoc(l) => {
                self.st_loc(state, at, *l, operands.first().copied().flatten())?;
                Values::new()
            }
            Instr::ImmBorrowLoc(l) | Instr::MutBorrowLoc(l) => {
                let mutable = matches!(instr, Instr::MutBorrowLoc(_));
                // A `&mut` needs no check here: the borrows of the local it
                // overlaps move under it, so it is unusable while they live.
                if !mutable {
                    if let Some(edge) = state.local_borrow(l.0, true) {
                        let local = l.0;
                        return Err(self.conflict(state, at, &edge, |borrow| {
                            VerifyErrorKind::BorrowOfMutablyBorrowedLocal { local, borrow }
                        }));
                    }
                }
                one(Some(state.borrow(ROOT, path(Label::Local(l.0)), mutable, true, at.offset16())))
            }
            Instr::ImmBorrowField(_)
            | Instr::MutBorrowField(_)
            | Instr::ImmBorrowFieldGeneric(_)
            | Instr::MutBorrowFieldGeneric(_) => {
                let id = reference(0)?;
                let (owner, field) =
                    field_of(view.module, instr).ok_or_else(|| self.invariant(at, "field out of bounds"))?;
                let label = field_label(owner, field);
                let mutable = matches!(instr, Instr::MutBorrowField(_) | Instr::MutBorrowFieldGeneric(_));
                if mutable {
                    // Field borrows below are factored out under the new
                    // one; only a borrow of the whole reference blocks it.
                    if let Some(edge) = state.graph.full_borrow(id) {
                        return Err(self.conflict(state, at, &edge, |borrow| VerifyErrorKind::WriteWhileBorrowed {
                            instruction: name,
                            borrow,
                        }));
                    }
                } else {
                    self.require_readable(state, at, id, Some(label), name)?;
                }
                let child = state.borrow(id, path(label), mutable, true, at.offset16());
                state.graph.release(id);
                one(Some(child))
            }
            Instr::ReadRef | Instr::VecLen(_) | Instr::SignerAddress => {
                let id = reference(0)?;
                self.require_readable(state, at, id, None, name)?;
                state.graph.release(id);
                one(None)
            }
            Instr::FreezeRef => {
                let id = reference(0)?;
                if let Some(edge) = state.read_conflict(id, None) {
                    return Err(self
                        .conflict(state, at, &edge, |borrow| VerifyErrorKind::FreezeWhileMutablyBorrowed { borrow }));
                }
                let frozen = state.new_ref(false);
                state.graph.borrow_strong(id, Path::EMPTY, frozen, at.offset16());
                state.graph.release(id);
                one(Some(frozen))
            }
            Instr::WriteRef
            | Instr::VecPushBack(_)
            | Instr::VecPopBack(_)
            | Instr::VecSwap(_)
            | Instr::VecRemove(_)
            | Instr::VecInsert(_)
            | Instr::VecReverse(_)
            | Instr::VecAppend(_) => {
                let id = reference(usize::from(matches!(instr, Instr::WriteRef)))?;
                self.require_writable(state, at, id, name)?;
                state.graph.release(id);
                std::iter::repeat_n(None, pushes).collect()
            }
            Instr::VecImmBorrow(_) | Instr::VecMutBorrow(_) => {
                let id = reference(0)?;
                let mutable = matches!(instr, Instr::VecMutBorrow(_));
                if mutable {
                    self.require_writable(state, at, id, name)?;
                } else {
                    self.require_readable(state, at, id, None, name)?;
                }
                // Which element is not known statically: a weak borrow of all.
                let child = state.borrow(id, Path::EMPTY, mutable, false, at.offset16());
                state.graph.release(id);
                one(Some(child))
            }
            Instr::Eq | Instr::Neq | Instr::VecContains(_) | Instr::VecIndexOf(_) => {
                for id in operands.iter().flatten() {
                    self.require_readable(state, at, *id, None, name)?;
                }
                state.release_all(&operands);
                std::iter::repeat_n(None, pushes).collect()
            }
            Instr::ImmBorrowGlobal(_)
            | Instr::MutBorrowGlobal(_)
            | Instr::MoveFrom(_)
            | Instr::ImmBorrowGlobalGeneric(_)
            | Instr::MutBorrowGlobalGeneric(_)
            | Instr::MoveFromGeneric(_)
            | Instr::ImmBorrowGlobalKeyed(_)
            | Instr::MutBorrowGlobalKeyed(_)
            | Instr::MoveFromKeyed(_)
            | Instr::ImmBorrowGlobalKeyedGeneric(_)
            | Instr::MutBorrowGlobalKeyedGeneric(_)
            | Instr::MoveFromKeyedGeneric(_) => {
                // Per definition, as in Move: `Balance<T0>` and `Balance<u64>`
                // may be one type at run time. Keyed entries share the label
                // of their type's plain resources: which entry (and whether
                // two indexes are equal) is not known statically.
                let (d, _) = generics::struct_operand(view.module, instr)
                    .ok_or_else(|| self.invariant(at, "struct out of bounds"))?;
                let reading = matches!(
                    instr,
                    Instr::ImmBorrowGlobal(_)
                        | Instr::ImmBorrowGlobalGeneric(_)
                        | Instr::ImmBorrowGlobalKeyed(_)
                        | Instr::ImmBorrowGlobalKeyedGeneric(_)
                );
                let moving = matches!(
                    instr,
                    Instr::MoveFrom(_)
                        | Instr::MoveFromGeneric(_)
                        | Instr::MoveFromKeyed(_)
                        | Instr::MoveFromKeyedGeneric(_)
                );
                if let Some(edge) = state.global_borrow(d.0, reading) {
                    let resource = self.resource(d.0);
                    return Err(self.conflict(state, at, &edge, |borrow| {
                        if reading {
                            VerifyErrorKind::BorrowGlobalWhileMutablyBorrowed { resource, borrow }
                        } else if moving {
                            VerifyErrorKind::MoveFromWhileBorrowed { resource, borrow }
                        } else {
                            VerifyErrorKind::MutBorrowGlobalWhileBorrowed { resource, borrow }
                        }
                    }));
                }
                if moving {
                    one(None)
                } else {
                    // The address is not known statically: a weak borrow of
                    // every resource of the type.
                    one(Some(state.borrow(ROOT, path(Label::Global(d.0)), !reading, false, at.offset16())))
                }
            }
            Instr::CounterAdd(_)
            | Instr::CounterAddGeneric(_)
            | Instr::CounterAddKeyed(_)
            | Instr::CounterAddKeyedGeneric(_) => {
                // An add changes the stored value: no reference to a resource
                // of the type may be live, or it would see the value change
                // under it (what `mut_borrow_global` requires too).
                let (d, _) = generics::struct_operand(view.module, instr)
                    .ok_or_else(|| self.invariant(at, "struct out of bounds"))?;
                if let Some(edge) = state.global_borrow(d.0, false) {
                    let resource = self.resource(d.0);
                    return Err(self.conflict(state, at, &edge, |borrow| VerifyErrorKind::CounterAddWhileBorrowed {
                        resource,
                        borrow,
                    }));
                }
                Values::new()
            }
            Instr::Call(f) => self.call(state, at, *f, &operands)?,
            Instr::CallGeneric(f) => {
                let (handle, _, _) =
                    generics::function_inst(view.module, *f).ok_or_else(|| self.invariant(at, "call out of bounds"))?;
                self.call(state, at, handle, &operands)?
            }
            Instr::Ret => {
                self.ret(state, at, &operands)?;
                Values::new()
            }
            // Everything else consumes values (or the `&signer` of
            // `move_to`) and makes values.
            _ => {
                state.release_all(&operands);
                std::iter::repeat_n(None, pushes).collect()
            }
        };
        state.stack.truncate(split);
        state.stack.extend(pushed);
        Ok(())
    }

    fn copy_loc(&self, state: &mut State, at: At, l: LocalIdx) -> Result<Option<RefId>, VerifyError> {
        match state.locals.get(usize::from(l.0)).copied().flatten() {
            Some(id) => {
                // A copy borrows all of the original: the original cannot be
                // written (or, if the copy is a `&mut`, read) while it lives.
                let mutable = state.graph.is_mutable(id).unwrap_or(true);
                Ok(Some(state.borrow(id, Path::EMPTY, mutable, true, at.offset16())))
            }
            None if self.reference_local(l) => Err(self.invariant(at, "copy of an empty reference local")),
            None => match state.local_borrow(l.0, true) {
                Some(edge) => Err(self.conflict(state, at, &edge, |borrow| {
                    VerifyErrorKind::CopyOfMutablyBorrowedLocal { local: l.0, borrow }
                })),
                None => Ok(None),
            },
        }
    }

    fn move_loc(&self, state: &mut State, at: At, l: LocalIdx) -> Result<Option<RefId>, VerifyError> {
        if self.reference_local(l) {
            let held = state.locals.get_mut(usize::from(l.0)).and_then(Option::take);
            return held.map(Some).ok_or_else(|| self.invariant(at, "move of an empty reference local"));
        }
        match state.local_borrow(l.0, false) {
            Some(edge) => {
                Err(self
                    .conflict(state, at, &edge, |borrow| VerifyErrorKind::MoveOfBorrowedLocal { local: l.0, borrow }))
            }
            None => Ok(None),
        }
    }

    fn st_loc(&self, state: &mut State, at: At, l: LocalIdx, value: Option<RefId>) -> Result<(), VerifyError> {
        let index = usize::from(l.0);
        if self.reference_local(l) {
            // Overwriting a reference ends it.
            if let Some(old) = state.locals.get_mut(index).and_then(Option::take) {
                state.graph.release(old);
            }
        } else if let Some(edge) = state.local_borrow(l.0, false) {
            return Err(
                self.conflict(state, at, &edge, |borrow| VerifyErrorKind::StoreToBorrowedLocal { local: l.0, borrow })
            );
        }
        match state.locals.get_mut(index) {
            Some(slot) => {
                *slot = value;
                Ok(())
            }
            None => Err(self.invariant(at, "local out of bounds")),
        }
    }

    /// Move's "writable": no live borrow of `id` at all.
    fn require_writable(&self, state: &mut State, at: At, id: RefId, name: &'static str) -> Result<(), VerifyError> {
        match state.write_conflict(id) {
            Some(edge) => Err(self.conflict(state, at, &edge, |borrow| VerifyErrorKind::WriteWhileBorrowed {
                instruction: name,
                borrow,
            })),
            None => Ok(()),
        }
    }

    /// Move's "readable": an immutable reference, or a `&mut` with no live
    /// `&mut` borrowed from it (at `label`, when only a field is read).
    fn require_readable(
        &self,
        state: &mut State,
        at: At,
        id: RefId,
        label: Option<Label>,
        name: &'static str,
    ) -> Result<(), VerifyError> {
        match state.read_conflict(id, label) {
            Some(edge) => Err(self.conflict(state, at, &edge, |borrow| VerifyErrorKind::ReadWhileMutablyBorrowed {
                instruction: name,
                borrow,
            })),
            None => Ok(()),
        }
    }
}
