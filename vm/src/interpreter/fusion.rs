//! Recognising fusable sequences (see [`super::ops`] for what fusion
//! guarantees). Each matcher looks at the instructions from `start` and
//! returns the fused op that replaces the first of them, or `None`.

use super::ops::{BinOp, Binary, Fused, Op, Operand, Source, Update};
use resin_format::opcodes::Instr;

/// The fused op for a sequence starting at `start`, if one does.
/// `struct_slots` are the function's struct slots (`Compiled::struct_slots`),
/// already assigned: a generic borrow's fused op names its slot.
pub(super) fn fuse_path(code: &[Instr], start: usize, paths: &mut Vec<u16>, struct_slots: &[u16]) -> Option<Op> {
    let (source, mut at) = match code.get(start)? {
        Instr::CopyLoc(l) => (Source::Copy(l.0), start + 1),
        Instr::MoveLoc(l) => (Source::Move(l.0), start + 1),
        Instr::ImmBorrowLoc(l) | Instr::MutBorrowLoc(l) => (Source::Borrow(l.0), start + 1),
        _ => (Source::Stack, start),
    };
    let slot = |idx: u16| u16::try_from(struct_slots.iter().position(|&s| s == idx)?).ok();
    let global = match code.get(at)? {
        _ if matches!(source, Source::Borrow(_)) => None,
        Instr::ImmBorrowGlobal(d) => Some((d.0, false, false)),
        Instr::MutBorrowGlobal(d) => Some((d.0, true, false)),
        Instr::ImmBorrowGlobalGeneric(s) => Some((slot(s.0)?, false, true)),
        Instr::MutBorrowGlobalGeneric(s) => Some((slot(s.0)?, true, true)),
        _ => None,
    };
    if global.is_some() {
        at += 1;
    }
    // Field steps; a write needs every step (and the root) mutable.
    let mut fields = Vec::new();
    let mut all_mutable = match (global, code.get(start)?) {
        (Some((_, mutable, _)), _) => mutable,
        (None, Instr::ImmBorrowLoc(_)) => false,
        _ => true,
    };
    while let Some(Instr::ImmBorrowField(f) | Instr::MutBorrowField(f)) = code.get(at) {
        all_mutable &= matches!(code.get(at), Some(Instr::MutBorrowField(_)));
        fields.push(f.field);
        at += 1;
    }
    let write = match code.get(at)? {
        Instr::ReadRef => false,
        Instr::WriteRef if all_mutable => true,
        _ => return None,
    };
    // At least two instructions, or nothing is saved.
    if at == start {
        return None;
    }
    let path_len = u8::try_from(fields.len()).ok()?;
    let path_start = u16::try_from(paths.len()).ok()?;
    let (def, mutable, generic) = global.unwrap_or((0, false, false));
    paths.extend_from_slice(&fields);
    let fused = Fused { source, mutable, def, generic, path_start, path_len };
    Some(match (global.is_some(), write) {
        (true, false) => Op::GlobalRead(fused),
        (true, true) => Op::GlobalWrite(fused),
        (false, false) => Op::PathRead(fused),
        (false, true) => Op::PathWrite(fused),
    })
}

/// A [`Binary`] starting at `start`, if one does: both operands from the
/// code, or else the first from the stack.
pub(super) fn fuse_binary(code: &[Instr], start: usize, words: &mut Vec<u64>) -> Option<Op> {
    let is_operand = |at: usize| matches!(code.get(at), Some(Instr::CopyLoc(_) | Instr::MoveLoc(_) | Instr::LdU64(_)));
    let (a, b_at) = if is_operand(start) && is_operand(start + 1) {
        (Some(start), start + 1)
    } else if is_operand(start) {
        (None, start)
    } else {
        return None;
    };
    let op = bin_op(code.get(b_at + 1)?)?;
    // Check everything before recording a constant for either operand.
    let mut operand = |at: usize| -> Option<Operand> {
        Some(match code.get(at)? {
            Instr::CopyLoc(l) => Operand::Copy(l.0),
            Instr::MoveLoc(l) => Operand::Move(l.0),
            Instr::LdU64(v) => {
                words.push(*v);
                Operand::Const(u16::try_from(words.len() - 1).ok()?)
            }
            _ => return None,
        })
    };
    let a = match a {
        Some(at) => operand(at)?,
        None => Operand::Stack,
    };
    let b = operand(b_at)?;
    let branch = match code.get(b_at + 2) {
        Some(Instr::BrTrue(t)) if op.is_comparison() => Some((true, t.0)),
        Some(Instr::BrFalse(t)) if op.is_comparison() => Some((false, t.0)),
        _ => None,
    };
    Some(Op::Binary(Binary { a, b, op, branch }))
}

/// An [`Update`] starting at `start`, if one does.
pub(super) fn fuse_update(code: &[Instr], start: usize, paths: &mut Vec<u16>, words: &mut Vec<u64>) -> Option<Op> {
    let Instr::CopyLoc(r) = code.get(start)? else { return None };
    let mut at = start + 1;
    let mut fields = Vec::new();
    while let Some(Instr::ImmBorrowField(f) | Instr::MutBorrowField(f)) = code.get(at) {
        fields.push(f.field);
        at += 1;
    }
    if fields.is_empty() || !matches!(code.get(at)?, Instr::ReadRef) {
        return None;
    }
    let b = match code.get(at + 1)? {
        // Moving the reference's own local out would leave nothing to write through.
        Instr::CopyLoc(l) | Instr::MoveLoc(l) if l.0 == r.0 => return None,
        Instr::CopyLoc(l) => Operand::Copy(l.0),
        Instr::MoveLoc(l) => Operand::Move(l.0),
        Instr::LdU64(_) => Operand::Const(0),
        _ => return None,
    };
    let op = bin_op(code.get(at + 2)?).filter(|op| !op.is_comparison())?;
    let moves = match code.get(at + 3)? {
        Instr::CopyLoc(l) if l.0 == r.0 => false,
        Instr::MoveLoc(l) if l.0 == r.0 => true,
        _ => return None,
    };
    let mut write = at + 4;
    for field in &fields {
        match code.get(write)? {
            Instr::MutBorrowField(f) if f.field == *field => write += 1,
            _ => return None,
        }
    }
    if !matches!(code.get(write)?, Instr::WriteRef) {
        return None;
    }
    let b = match (b, code.get(at + 1)?) {
        (Operand::Const(_), Instr::LdU64(v)) => {
            words.push(*v);
            Operand::Const(u16::try_from(words.len() - 1).ok()?)
        }
        (b, _) => b,
    };
    let path_len = u8::try_from(fields.len()).ok()?;
    let path_start = u16::try_from(paths.len()).ok()?;
    paths.extend_from_slice(&fields);
    Some(Op::Update(Update { local: r.0, b, op, moves, path_start, path_len }))
}

/// The binary operation an instruction performs, if it is one a fused op can.
fn bin_op(instr: &Instr) -> Option<BinOp> {
    Some(match instr {
        Instr::Add => BinOp::Add,
        Instr::Sub => BinOp::Sub,
        Instr::Mul => BinOp::Mul,
        Instr::Div => BinOp::Div,
        Instr::Mod => BinOp::Mod,
        Instr::BitAnd => BinOp::BitAnd,
        Instr::BitOr => BinOp::BitOr,
        Instr::Xor => BinOp::Xor,
        Instr::Lt => BinOp::Lt,
        Instr::Gt => BinOp::Gt,
        Instr::Le => BinOp::Le,
        Instr::Ge => BinOp::Ge,
        _ => return None,
    })
}
