//! Calls and returns: the references that cross a frame boundary.

use smallvec::SmallVec;

use super::graph::{Label, Path, RefId};
use super::state::{State, ROOT};
use super::transfer::{At, Transfer, Values};
use crate::error::VerifyErrorKind;
use crate::VerifyError;
use resin_format::file_format::{AccessMode, FunctionHandleIdx, Type};

impl Transfer<'_, '_> {
    /// A call: the callee's access spec must not touch global storage that
    /// is borrowed here in a conflicting way (a write conflicts with any
    /// reference into the type, a read with a `&mut`); every `&mut` argument
    /// must be writable. A returned `&mut` borrows from every `&mut`
    /// argument, a returned `&` from every reference argument: the callee's
    /// own `ret` check proves it derives from nothing else.
    pub(super) fn call(
        &self,
        state: &mut State,
        at: At,
        f: FunctionHandleIdx,
        args: &[Option<RefId>],
    ) -> Result<Values, VerifyError> {
        let module = self.view.module;
        let callee = module.function_handle(f).ok_or_else(|| self.invariant(at, "call out of bounds"))?;
        for access in &callee.access.0 {
            let Some(def) = self.facts.own_def(access.resource) else { continue };
            let writes = access.mode == AccessMode::Write;
            if let Some(edge) = state.global_borrow(def, !writes) {
                let callee_name = callee.name.as_str().into();
                let resource = self.resource(def);
                return Err(self.conflict(state, at, &edge, |borrow| VerifyErrorKind::CallWhileGlobalBorrowed {
                    callee: callee_name,
                    resource,
                    writes,
                    borrow,
                }));
            }
        }
        let mut mutable_args: SmallVec<[RefId; 4]> = SmallVec::new();
        for (index, id) in args.iter().enumerate() {
            let Some(id) = *id else { continue };
            if state.graph.is_mutable(id) != Some(false) {
                if let Some(edge) = state.write_conflict(id) {
                    let argument = u8::try_from(index).unwrap_or(u8::MAX);
                    return Err(self.conflict(state, at, &edge, |borrow| {
                        VerifyErrorKind::CallWithBorrowedMutableReference { argument, borrow }
                    }));
                }
                mutable_args.push(id);
            }
        }
        let mut returned = Values::new();
        for ty in &callee.returns {
            let value = match ty {
                Type::MutRef(_) => {
                    let id = state.new_ref(true);
                    for parent in &mutable_args {
                        state.graph.borrow_weak(*parent, Path::EMPTY, id, at.offset16());
                    }
                    Some(id)
                }
                Type::Ref(_) => {
                    let id = state.new_ref(false);
                    for parent in args.iter().flatten() {
                        state.graph.borrow_weak(*parent, Path::EMPTY, id, at.offset16());
                    }
                    Some(id)
                }
                _ => None,
            };
            returned.push(value);
        }
        state.release_all(args);
        Ok(returned)
    }

    /// `ret`: the references in locals end here. What is left borrowing from
    /// the frame (its locals or global storage) can only be a returned
    /// reference, which would outlive what it points into. A returned `&mut`
    /// must be writable: the caller gets it as an exclusive reference.
    pub(super) fn ret(&self, state: &mut State, at: At, values: &[Option<RefId>]) -> Result<(), VerifyError> {
        let held: Vec<RefId> = state.locals.iter_mut().filter_map(Option::take).collect();
        for id in held {
            state.graph.release(id);
        }
        if let Some(edge) = state.graph.conflicting(ROOT, None, false) {
            return Err(match edge.path.first() {
                Some(Label::Global(def)) => {
                    let resource = self.resource(*def);
                    self.conflict(state, at, &edge, |borrow| VerifyErrorKind::GlobalBorrowedAtReturn {
                        resource,
                        borrow,
                    })
                }
                Some(Label::Local(local)) => {
                    let local = *local;
                    self.conflict(state, at, &edge, |borrow| VerifyErrorKind::LocalBorrowedAtReturn { local, borrow })
                }
                _ => self.invariant(at, "a borrow of the frame that is neither a local nor a global"),
            });
        }
        for (index, id) in values.iter().enumerate() {
            let Some(id) = *id else { continue };
            if state.graph.is_mutable(id) == Some(false) {
                continue;
            }
            if let Some(edge) = state.write_conflict(id) {
                let value = u8::try_from(index).unwrap_or(u8::MAX);
                return Err(self.conflict(state, at, &edge, |borrow| {
                    VerifyErrorKind::ReturnOfBorrowedMutableReference { value, borrow }
                }));
            }
        }
        Ok(())
    }
}
