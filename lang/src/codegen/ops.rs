//! Emitting operators, literals, struct literals and builtins.

use resin_format::file_format::{AccountAddress, ConstValue, Instr, Type};

use super::func::{unfrozen, FunctionGen};
use super::CodegenError;
use crate::ast::{BinOp, IntType};
use crate::resolve::scope::Builtin;
use crate::typeck::liveness::Edge;
use crate::typeck::tir::{TExp, TExpKind, Value};
use crate::typeck::ty::Ty;

impl FunctionGen<'_, '_> {
    pub(super) fn value(&mut self, value: &Value) -> Result<(), CodegenError> {
        // The type checker keeps every literal in its type's range.
        let narrow = |n: &crate::ast::U256, what| u128::try_from(*n).ok().ok_or(CodegenError::Internal(what));
        let instr = match value {
            Value::Bool(true) => Instr::LdTrue,
            Value::Bool(false) => Instr::LdFalse,
            Value::Int(n, IntType::U8) => Instr::LdU8(
                u8::try_from(narrow(n, "u8 literal out of range")?)
                    .map_err(|_| CodegenError::Internal("u8 literal out of range"))?,
            ),
            Value::Int(n, IntType::U16) => Instr::LdU16(
                u16::try_from(narrow(n, "u16 literal out of range")?)
                    .map_err(|_| CodegenError::Internal("u16 literal out of range"))?,
            ),
            Value::Int(n, IntType::U32) => Instr::LdU32(
                u32::try_from(narrow(n, "u32 literal out of range")?)
                    .map_err(|_| CodegenError::Internal("u32 literal out of range"))?,
            ),
            Value::Int(n, IntType::U64) => Instr::LdU64(
                u64::try_from(narrow(n, "u64 literal out of range")?)
                    .map_err(|_| CodegenError::Internal("u64 literal out of range"))?,
            ),
            Value::Int(n, IntType::U128) => Instr::LdU128(narrow(n, "u128 literal out of range")?),
            Value::Int(n, IntType::U256) => Instr::LdU256(*n),
            Value::Address(a) => Instr::LdConst(self.address_constant(*a)?),
            Value::Bytes(bytes) => {
                let value = ConstValue::Vector(bytes.iter().map(|b| ConstValue::U8(*b)).collect());
                Instr::LdConst(self.tables.constant(Type::Vector(Box::new(Type::U8)), value)?)
            }
        };
        self.emit(instr);
        Ok(())
    }

    fn address_constant(
        &mut self,
        address: AccountAddress,
    ) -> Result<resin_format::file_format::ConstIdx, CodegenError> {
        self.tables.constant(Type::Address, ConstValue::Address(address))
    }

    pub(super) fn binary(&mut self, exp: &TExp, op: BinOp, lhs: &TExp, rhs: &TExp) -> Result<bool, CodegenError> {
        if matches!(op, BinOp::And | BinOp::Or) {
            // Short-circuit: `a && b` is `if (a) b else false`.
            if !self.exp(lhs)? {
                return Ok(false);
            }
            let (short, end) = (self.new_label(), self.new_label());
            self.jump(if op == BinOp::And { Instr::BrFalse } else { Instr::BrTrue }, short);
            let live = self.live;
            self.release(live.releases(exp.pos, Edge::Rhs))?;
            let rhs_completes = self.exp(rhs)?;
            if rhs_completes {
                self.jump(Instr::Branch, end);
            }
            self.bind(short)?;
            self.release(live.releases(exp.pos, Edge::Short))?;
            self.emit(if op == BinOp::And { Instr::LdFalse } else { Instr::LdTrue });
            self.bind(end)?;
            return Ok(true);
        }
        if !self.operands(&[lhs, rhs])? {
            return Ok(false);
        }
        self.emit(match op {
            BinOp::Add => Instr::Add,
            BinOp::Sub => Instr::Sub,
            BinOp::Mul => Instr::Mul,
            BinOp::Div => Instr::Div,
            BinOp::Mod => Instr::Mod,
            BinOp::BitAnd => Instr::BitAnd,
            BinOp::BitOr => Instr::BitOr,
            BinOp::BitXor => Instr::Xor,
            BinOp::Shl => Instr::Shl,
            BinOp::Shr => Instr::Shr,
            BinOp::Eq => Instr::Eq,
            BinOp::Neq => Instr::Neq,
            BinOp::Lt => Instr::Lt,
            BinOp::Gt => Instr::Gt,
            BinOp::Le => Instr::Le,
            BinOp::Ge => Instr::Ge,
            BinOp::And | BinOp::Or => return Err(CodegenError::Internal("short-circuit operator")),
        });
        Ok(true)
    }

    /// Fields are evaluated in source order but packed in declaration order:
    /// when the two differ, the values wait in temporaries.
    pub(super) fn pack(&mut self, ty: &Ty, fields: &[(u16, TExp)]) -> Result<bool, CodegenError> {
        let pack = self.pack_instr(ty)?;
        let in_order = fields.iter().enumerate().all(|(i, (f, _))| usize::from(*f) == i);
        // Without side effects, evaluation order is unobservable.
        let pure = fields.iter().all(|(_, e)| is_pure(e));
        if in_order || pure {
            let mut sorted: Vec<&(u16, TExp)> = fields.iter().collect();
            sorted.sort_by_key(|(index, _)| *index);
            let refs: Vec<&TExp> = sorted.into_iter().map(|(_, e)| e).collect();
            if !self.operands(&refs)? {
                return Ok(false);
            }
        } else {
            let mut temps = Vec::with_capacity(fields.len());
            for (index, value) in fields {
                if !self.exp(value)? {
                    return Ok(false);
                }
                let slot = self.new_slot(&value.ty)?;
                self.emit(Instr::StLoc(slot));
                temps.push((*index, slot));
            }
            temps.sort_by_key(|(index, _)| *index);
            for (_, slot) in temps {
                self.emit(Instr::MoveLoc(slot));
            }
        }
        self.emit(pack);
        Ok(true)
    }

    pub(super) fn builtin(&mut self, builtin: Builtin, arg_ty: &Ty, args: &[TExp]) -> Result<bool, CodegenError> {
        let reads = matches!(builtin, Builtin::VecLength | Builtin::VecBorrow | Builtin::VecIsEmpty);
        let refs: Vec<&TExp> =
            args.iter().enumerate().map(|(i, e)| if reads && i == 0 { unfrozen(e) } else { e }).collect();
        if !self.operands(&refs)? {
            return Ok(false);
        }
        let instr = match builtin {
            Builtin::MoveTo
            | Builtin::MoveFrom
            | Builtin::BorrowGlobal
            | Builtin::BorrowGlobalMut
            | Builtin::Exists
            | Builtin::Emit
            | Builtin::MoveToKeyed
            | Builtin::MoveFromKeyed
            | Builtin::BorrowGlobalKeyed
            | Builtin::BorrowGlobalMutKeyed
            | Builtin::ExistsKeyed
            | Builtin::CounterAdd
            | Builtin::CounterAddKeyed => self.global_instr(builtin, arg_ty)?,
            Builtin::SignerAddressOf => Instr::SignerAddress,
            Builtin::VecEmpty => Instr::VecPack(self.tables.signature(arg_ty)?, 0),
            Builtin::VecLength => Instr::VecLen(self.tables.signature(arg_ty)?),
            Builtin::VecBorrow => Instr::VecImmBorrow(self.tables.signature(arg_ty)?),
            Builtin::VecBorrowMut => Instr::VecMutBorrow(self.tables.signature(arg_ty)?),
            Builtin::VecPushBack => Instr::VecPushBack(self.tables.signature(arg_ty)?),
            Builtin::VecPopBack => Instr::VecPopBack(self.tables.signature(arg_ty)?),
            Builtin::VecSwap => Instr::VecSwap(self.tables.signature(arg_ty)?),
            Builtin::VecDestroyEmpty => Instr::VecDestroyEmpty(self.tables.signature(arg_ty)?),
            Builtin::VecRemove => Instr::VecRemove(self.tables.signature(arg_ty)?),
            Builtin::VecInsert => Instr::VecInsert(self.tables.signature(arg_ty)?),
            Builtin::VecContains => Instr::VecContains(self.tables.signature(arg_ty)?),
            Builtin::VecIndexOf => Instr::VecIndexOf(self.tables.signature(arg_ty)?),
            Builtin::VecAppend => Instr::VecAppend(self.tables.signature(arg_ty)?),
            Builtin::VecReverse => Instr::VecReverse(self.tables.signature(arg_ty)?),
            Builtin::VecSingleton => Instr::VecPack(self.tables.signature(arg_ty)?, 1),
            Builtin::VecIsEmpty => {
                // No instruction of its own: the length compared with 0.
                let sig = self.tables.signature(arg_ty)?;
                self.emit(Instr::VecLen(sig));
                self.emit(Instr::LdU64(0));
                Instr::Eq
            }
            Builtin::HashSha3_256 => Instr::Sha3_256,
            Builtin::HashBlake3 => Instr::Blake3,
            Builtin::BlockTimestamp => Instr::BlockTimestamp,
            Builtin::BlockHeight => Instr::BlockHeight,
            Builtin::BlockSetTimestampForTesting => Instr::TestSetBlockTimestamp,
            Builtin::BlockSetHeightForTesting => Instr::TestSetBlockHeight,
            Builtin::ObjectAddress => Instr::ObjectAddress,
            Builtin::ObjectSigner => Instr::ObjectSigner,
            Builtin::TypeName => Instr::TypeName(self.tables.signature(arg_ty)?),
            Builtin::TypeIsStruct => Instr::TypeIsStruct(self.tables.signature(arg_ty)?),
        };
        self.emit(instr);
        Ok(true)
    }
}

/// An expression whose evaluation has no effect another one could observe.
fn is_pure(exp: &TExp) -> bool {
    matches!(
        exp.kind,
        TExpKind::Unit | TExpKind::Value(_) | TExpKind::Constant(_) | TExpKind::Copy(_) | TExpKind::Move(_)
    )
}
