//! Struct operations on instances: a non-generic struct keeps the plain
//! instructions (`pack`, `borrow_global`, ...) naming its definition; an
//! instance of a generic struct uses the `_generic` form naming an entry of
//! the struct-instantiation table. Likewise for calls.

use resin_format::file_format::{FieldInstRef, FieldRef, Instr, StructDefIdx, StructInstIdx};

use super::func::FunctionGen;
use super::CodegenError;
use crate::resolve::env::FunId;
use crate::resolve::scope::Builtin;
use crate::typeck::ty::Ty;

/// How an instruction names a struct of this module.
#[derive(Clone, Copy, Debug)]
pub enum Target {
    Plain(StructDefIdx),
    Inst(StructInstIdx),
}

impl FunctionGen<'_, '_> {
    /// The struct of type `ty` (a struct type of this module).
    pub(super) fn target(&mut self, ty: &Ty) -> Result<Target, CodegenError> {
        let Ty::Struct(id, args) = ty else { return Err(CodegenError::Internal("struct operation on a non-struct")) };
        let def = self.struct_def(*id)?;
        if args.is_empty() {
            Ok(Target::Plain(def))
        } else {
            Ok(Target::Inst(self.tables.struct_inst(def, args)?))
        }
    }

    pub(super) fn pack_instr(&mut self, ty: &Ty) -> Result<Instr, CodegenError> {
        Ok(match self.target(ty)? {
            Target::Plain(def) => Instr::Pack(def),
            Target::Inst(inst) => Instr::PackGeneric(inst),
        })
    }

    pub(super) fn unpack_instr(&mut self, ty: &Ty) -> Result<Instr, CodegenError> {
        Ok(match self.target(ty)? {
            Target::Plain(def) => Instr::Unpack(def),
            Target::Inst(inst) => Instr::UnpackGeneric(inst),
        })
    }

    /// Borrowing field `field` of a struct of type `ty`.
    pub(super) fn borrow_field_instr(&mut self, ty: &Ty, field: u16, mutable: bool) -> Result<Instr, CodegenError> {
        Ok(match (self.target(ty)?, mutable) {
            (Target::Plain(owner), false) => Instr::ImmBorrowField(FieldRef { owner, field }),
            (Target::Plain(owner), true) => Instr::MutBorrowField(FieldRef { owner, field }),
            (Target::Inst(owner), false) => Instr::ImmBorrowFieldGeneric(FieldInstRef { owner, field }),
            (Target::Inst(owner), true) => Instr::MutBorrowFieldGeneric(FieldInstRef { owner, field }),
        })
    }

    pub(super) fn call_instr(&mut self, fun: FunId, type_args: &[Ty]) -> Result<Instr, CodegenError> {
        if type_args.is_empty() {
            Ok(Instr::Call(self.tables.function_handle(fun)?))
        } else {
            Ok(Instr::CallGeneric(self.tables.function_inst(fun, type_args)?))
        }
    }

    /// A global-storage, counter or event builtin on a resource of type `ty`.
    pub(super) fn global_instr(&mut self, builtin: Builtin, ty: &Ty) -> Result<Instr, CodegenError> {
        Ok(match (builtin, self.target(ty)?) {
            (Builtin::MoveTo, Target::Plain(d)) => Instr::MoveTo(d),
            (Builtin::MoveFrom, Target::Plain(d)) => Instr::MoveFrom(d),
            (Builtin::BorrowGlobal, Target::Plain(d)) => Instr::ImmBorrowGlobal(d),
            (Builtin::BorrowGlobalMut, Target::Plain(d)) => Instr::MutBorrowGlobal(d),
            (Builtin::Exists, Target::Plain(d)) => Instr::Exists(d),
            (Builtin::Emit, Target::Plain(d)) => Instr::Emit(d),
            (Builtin::MoveTo, Target::Inst(i)) => Instr::MoveToGeneric(i),
            (Builtin::MoveFrom, Target::Inst(i)) => Instr::MoveFromGeneric(i),
            (Builtin::BorrowGlobal, Target::Inst(i)) => Instr::ImmBorrowGlobalGeneric(i),
            (Builtin::BorrowGlobalMut, Target::Inst(i)) => Instr::MutBorrowGlobalGeneric(i),
            (Builtin::Exists, Target::Inst(i)) => Instr::ExistsGeneric(i),
            (Builtin::Emit, Target::Inst(i)) => Instr::EmitGeneric(i),
            (Builtin::MoveToKeyed, Target::Plain(d)) => Instr::MoveToKeyed(d),
            (Builtin::MoveFromKeyed, Target::Plain(d)) => Instr::MoveFromKeyed(d),
            (Builtin::BorrowGlobalKeyed, Target::Plain(d)) => Instr::ImmBorrowGlobalKeyed(d),
            (Builtin::BorrowGlobalMutKeyed, Target::Plain(d)) => Instr::MutBorrowGlobalKeyed(d),
            (Builtin::ExistsKeyed, Target::Plain(d)) => Instr::ExistsKeyed(d),
            (Builtin::MoveToKeyed, Target::Inst(i)) => Instr::MoveToKeyedGeneric(i),
            (Builtin::MoveFromKeyed, Target::Inst(i)) => Instr::MoveFromKeyedGeneric(i),
            (Builtin::BorrowGlobalKeyed, Target::Inst(i)) => Instr::ImmBorrowGlobalKeyedGeneric(i),
            (Builtin::BorrowGlobalMutKeyed, Target::Inst(i)) => Instr::MutBorrowGlobalKeyedGeneric(i),
            (Builtin::ExistsKeyed, Target::Inst(i)) => Instr::ExistsKeyedGeneric(i),
            (Builtin::CounterAdd, Target::Plain(d)) => Instr::CounterAdd(d),
            (Builtin::CounterAddKeyed, Target::Plain(d)) => Instr::CounterAddKeyed(d),
            (Builtin::CounterAdd, Target::Inst(i)) => Instr::CounterAddGeneric(i),
            (Builtin::CounterAddKeyed, Target::Inst(i)) => Instr::CounterAddKeyedGeneric(i),
            _ => return Err(CodegenError::Internal("not a global-storage builtin")),
        })
    }
}
