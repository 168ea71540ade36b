//! The executable form of a function: its instructions translated at load
//! time into compact [`Op`]s, with common sequences fused.
//!
//! Translation keeps one op per instruction, at the same index, so code
//! offsets (branch targets, fault locations) mean the same in both forms.
//! A *fused* op replaces only the first instruction of a sequence such as
//! `copy_loc a; imm_borrow_global T; imm_borrow_field f; read_ref` and, when
//! executed, performs the whole sequence and continues after it; the
//! instructions it covers stay in place, so a branch into the middle of the
//! sequence still runs them one by one. A fused op charges each covered
//! instruction's gas and reports each failure at that instruction's offset,
//! so fusion changes neither gas nor locations, only speed: the reference the
//! sequence would build, push, extend and pop never exists.

use super::fusion;
use resin_format::file_format::{FieldRef, Module, StructInstIdx};
use resin_format::opcodes::Instr;

/// Where a fused op gets its first operand.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Source {
    /// Already on the operand stack (the sequence starts with the borrow).
    Stack,
    /// `copy_loc l`.
    Copy(u8),
    /// `move_loc l`.
    Move(u8),
    /// `imm_borrow_loc l` / `mut_borrow_loc l`: the local itself is the root.
    Borrow(u8),
}

/// A fused `borrow_global` (or local reference), field steps, and a final
/// `read_ref` or `write_ref`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Fused {
    pub source: Source,
    /// For global sequences: `mut_borrow_global` rather than `imm_borrow_global`.
    pub mutable: bool,
    /// The struct definition of a global sequence; for a generic one, the
    /// instantiation's slot in [`Compiled::struct_slots`].
    pub def: u16,
    /// Whether the global sequence starts with a generic borrow.
    pub generic: bool,
    /// Field steps: `paths[path_start..path_start + path_len]`.
    pub path_start: u16,
    pub path_len: u8,
}

impl Fused {
    /// How many instructions the sequence covers.
    pub fn len(&self, global: bool) -> usize {
        usize::from(self.source != Source::Stack) + usize::from(global) + usize::from(self.path_len) + 1
    }
}

/// An operand of a fused binary operation.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Operand {
    /// `copy_loc l`.
    Copy(u8),
    /// `move_loc l`.
    Move(u8),
    /// `ld_u64` of [`Compiled::words`]`[i]`.
    Const(u16),
    /// Already on the operand stack (only ever a [`Binary`]'s first operand).
    Stack,
}

/// The integer operations a [`Binary`] can fuse.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    BitAnd,
    BitOr,
    Xor,
    Lt,
    Gt,
    Le,
    Ge,
}

impl BinOp {
    pub fn is_comparison(self) -> bool {
        matches!(self, BinOp::Lt | BinOp::Gt | BinOp::Le | BinOp::Ge)
    }
}

/// `a; b; op` with both operands from locals or `ld_u64` (or `b; op` with
/// the first already on the stack, as after a read through a reference),
/// and for a comparison optionally the `br_true`/`br_false` that consumes
/// it: `copy_loc x; copy_loc y; ge; br_true L` is one op.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Binary {
    pub a: Operand,
    pub b: Operand,
    pub op: BinOp,
    /// `(jump when the result is this, target)`.
    pub branch: Option<(bool, u16)>,
}

/// `copy_loc r; imm_borrow_field*; read_ref; b; op; (copy_loc|move_loc) r;
/// mut_borrow_field* (the same fields); write_ref`: `r.f = r.f op b`, the
/// update of a field through a reference (a balance, a counter), as one op
/// that walks the path once.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Update {
    /// The local holding the reference.
    pub local: u8,
    pub b: Operand,
    /// An arithmetic operation (never a comparison).
    pub op: BinOp,
    /// Whether the write side moves the reference out of its local.
    pub moves: bool,
    /// Field steps: `paths[path_start..path_start + path_len]`.
    pub path_start: u16,
    pub path_len: u8,
}

/// One executable operation: an instruction with its operands narrowed, or
/// a fused sequence. Sixteen bytes, `Copy`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Op {
    Pop,
    Ret,
    BrTrue(u16),
    BrFalse(u16),
    Branch(u16),
    LdU8(u8),
    LdU64(u64),
    /// An index into [`Compiled::wide`].
    LdU128(u32),
    LdU16(u16),
    LdU32(u32),
    /// An index into [`Compiled::wide`]: the low 128 bits there, the high
    /// ones at the next index (so a `u256` needs no table of its own and
    /// the op stays sixteen bytes).
    LdU256(u32),
    LdTrue,
    LdFalse,
    LdConst(u16),
    CopyLoc(u8),
    MoveLoc(u8),
    StLoc(u8),
    ImmBorrowLoc(u8),
    MutBorrowLoc(u8),
    ImmBorrowField(u16),
    MutBorrowField(u16),
    ReadRef,
    WriteRef,
    FreezeRef,
    Call(u16),
    Pack(u16),
    Unpack(u16),
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    BitAnd,
    BitOr,
    Xor,
    Shl,
    Shr,
    And,
    Or,
    Not,
    Eq,
    Neq,
    Lt,
    Gt,
    Le,
    Ge,
    CastU8,
    CastU64,
    CastU128,
    CastU16,
    CastU32,
    CastU256,
    Abort,
    Nop,
    Exists(u16),
    ImmBorrowGlobal(u16),
    MutBorrowGlobal(u16),
    MoveFrom(u16),
    MoveTo(u16),
    SignerAddress,
    Emit(u16),
    VecPack(u64),
    VecUnpack(u64),
    VecLen,
    VecImmBorrow,
    VecMutBorrow,
    VecPushBack,
    VecPopBack,
    VecSwap,
    /// `[copy_loc|move_loc a]; (imm|mut)_borrow_global T; borrow_field*; read_ref`.
    GlobalRead(Fused),
    /// `[copy_loc|move_loc a]; mut_borrow_global T; mut_borrow_field*; write_ref`.
    GlobalWrite(Fused),
    /// `[copy_loc r|move_loc r|borrow_loc l]; borrow_field*; read_ref`.
    PathRead(Fused),
    /// `[copy_loc r|move_loc r|mut_borrow_loc l]; mut_borrow_field*; write_ref`.
    PathWrite(Fused),
    /// See [`Binary`].
    Binary(Binary),
    /// See [`Update`].
    Update(Update),
    /// `call_generic` of a function instantiation, by its slot in
    /// [`Compiled::call_slots`]: the callee runs with its instance for the
    /// caller's type arguments.
    CallGeneric(u16),
    // The global and event instructions on a struct instantiation, by its
    // slot in [`Compiled::struct_slots`]: only they need the instantiation's
    // type id. Generic pack, unpack and field borrows become their plain
    // forms, since values carry no types.
    ExistsGeneric(u16),
    ImmBorrowGlobalGeneric(u16),
    MutBorrowGlobalGeneric(u16),
    MoveFromGeneric(u16),
    MoveToGeneric(u16),
    EmitGeneric(u16),
    // Keyed storage: the plain forms by struct definition, the generic ones
    // by struct slot, as for the plain global instructions.
    ExistsKeyed(u16),
    ImmBorrowGlobalKeyed(u16),
    MutBorrowGlobalKeyed(u16),
    MoveFromKeyed(u16),
    MoveToKeyed(u16),
    ExistsKeyedGeneric(u16),
    ImmBorrowGlobalKeyedGeneric(u16),
    MutBorrowGlobalKeyedGeneric(u16),
    MoveFromKeyedGeneric(u16),
    MoveToKeyedGeneric(u16),
    CounterAdd(u16),
    CounterAddGeneric(u16),
    CounterAddKeyed(u16),
    CounterAddKeyedGeneric(u16),
    VecDestroyEmpty,
    VecRemove,
    VecInsert,
    VecReverse,
    VecAppend,
    VecContains,
    VecIndexOf,
    Sha3_256,
    Blake3,
    BlockTimestamp,
    BlockHeight,
    /// Test builds only (the verifier rejects them elsewhere).
    TestSetBlockTimestamp,
    TestSetBlockHeight,
    ObjectAddress,
    ObjectSigner,
    /// By signature index: the type, whose type parameters are the running
    /// instance's.
    TypeName(u16),
    TypeIsStruct(u16),
    /// A generic struct instruction whose instantiation index is out of the
    /// module's table (only in unverified code): faults.
    Malformed,
}

/// A function's executable form.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Compiled {
    pub(crate) ops: Vec<Op>,
    /// Base gas per instruction, from the opcode table.
    pub(crate) gas: Vec<u64>,
    /// The base gas of the instructions from each offset through the next
    /// control transfer ([`ends_block`]): what the loop charges on entering
    /// code at that offset when it meters per basic block.
    pub(crate) block: Vec<u64>,
    /// Field steps of fused ops.
    pub(crate) paths: Vec<u16>,
    /// `ld_u128` literals, kept out of line so an op stays sixteen bytes.
    pub(crate) wide: Vec<u128>,
    /// The struct instantiations (indexes into the module's table) that the
    /// generic global and event ops of this function name, each once: an
    /// instance keeps one cell per slot, so its size follows this
    /// function's code, not the module's table.
    pub(crate) struct_slots: Vec<u16>,
    /// Likewise the function instantiations its `call_generic`s name.
    pub(crate) call_slots: Vec<u16>,
    /// `ld_u64` operands of [`Binary`] ops.
    pub(crate) words: Vec<u64>,
}

impl Compiled {
    /// The field steps of a fused op.
    #[inline(always)]
    pub(crate) fn path(&self, fused: &Fused) -> &[u16] {
        self.steps(fused.path_start, fused.path_len)
    }

    /// The base gas still prepaid after the instruction at `pc` ran: the
    /// rest of its block, which a transaction that stops at `pc` never ran.
    #[inline]
    pub(crate) fn unspent(&self, pc: usize) -> u64 {
        match (self.block.get(pc), self.gas.get(pc)) {
            (Some(block), Some(own)) => block.saturating_sub(*own),
            _ => 0,
        }
    }

    /// The field steps `paths[start..start + len]`.
    #[inline(always)]
    pub(crate) fn steps(&self, start: u16, len: u8) -> &[u16] {
        let start = usize::from(start);
        self.paths.get(start..start + usize::from(len)).unwrap_or(&[])
    }
}

/// Translates `code` of `module`, fusing what can be fused.
pub(crate) fn compile(code: &[Instr], module: &Module) -> Compiled {
    let gas: Vec<u64> = code.iter().map(|i| i.info().gas).collect();
    // Generic pack, unpack and field borrows as their plain forms (same gas,
    // same effect on untyped values), so they run and fuse exactly as in
    // code that is not generic.
    let code: &[Instr] = &code.iter().map(|i| plain_struct_instr(i, module)).collect::<Vec<_>>();
    let mut compiled = Compiled {
        ops: Vec::with_capacity(code.len()),
        block: block_gas(code, &gas),
        gas,
        paths: Vec::new(),
        wide: Vec::new(),
        words: Vec::new(),
        struct_slots: Vec::new(),
        call_slots: Vec::new(),
    };
    for instr in code {
        let op = plain(instr, &mut compiled.wide, &mut compiled.struct_slots, &mut compiled.call_slots);
        compiled.ops.push(op);
    }
    for start in (0..code.len()).filter(|_| fusion_enabled()) {
        let fused = fusion::fuse_update(code, start, &mut compiled.paths, &mut compiled.words)
            .or_else(|| fusion::fuse_path(code, start, &mut compiled.paths, &compiled.struct_slots))
            .or_else(|| fusion::fuse_binary(code, start, &mut compiled.words));
        if let Some(op) = fused {
            compiled.ops[start] = op;
        }
    }
    compiled
}

/// Whether control may leave `instr` other than to the next instruction:
/// the last instruction of a basic block. A branch target needs no mark of
/// its own: code entered there is charged from there, and code that falls
/// into it has already paid for it.
fn ends_block(instr: &Instr) -> bool {
    matches!(
        instr,
        Instr::Branch(_)
            | Instr::BrTrue(_)
            | Instr::BrFalse(_)
            | Instr::Call(_)
            | Instr::CallGeneric(_)
            | Instr::Ret
            | Instr::Abort
    )
}

/// [`Compiled::block`]: summed from the end, each offset's own gas plus, unless
/// it ends a block, everything after it up to the block's end.
fn block_gas(code: &[Instr], gas: &[u64]) -> Vec<u64> {
    let mut block = vec![0u64; code.len()];
    let mut after = 0u64;
    for ((instr, own), slot) in code.iter().zip(gas).zip(block.iter_mut()).rev() {
        if ends_block(instr) {
            after = 0;
        }
        after = after.saturating_add(*own);
        *slot = after;
    }
    block
}

#[cfg(test)]
thread_local! {
    /// Tests turn fusion off on their thread to compare fused and plain runs.
    pub(crate) static FUSION: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
}

#[cfg(test)]
fn fusion_enabled() -> bool {
    FUSION.with(std::cell::Cell::get)
}

#[cfg(not(test))]
#[inline(always)]
fn fusion_enabled() -> bool {
    true
}

/// The slot of `idx` in `slots`, added when new.
fn slot(slots: &mut Vec<u16>, idx: u16) -> u16 {
    let at = slots.iter().position(|&s| s == idx).unwrap_or_else(|| {
        slots.push(idx);
        slots.len() - 1
    });
    // At most one slot per instruction, and code is at most 65535 long.
    u16::try_from(at).unwrap_or(u16::MAX)
}

fn plain(instr: &Instr, wide: &mut Vec<u128>, structs: &mut Vec<u16>, calls: &mut Vec<u16>) -> Op {
    match *instr {
        Instr::Pop => Op::Pop,
        Instr::Ret => Op::Ret,
        Instr::BrTrue(t) => Op::BrTrue(t.0),
        Instr::BrFalse(t) => Op::BrFalse(t.0),
        Instr::Branch(t) => Op::Branch(t.0),
        Instr::LdU8(v) => Op::LdU8(v),
        Instr::LdU64(v) => Op::LdU64(v),
        Instr::LdU128(v) => {
            wide.push(v);
            Op::LdU128(u32::try_from(wide.len() - 1).unwrap_or(u32::MAX))
        }
        Instr::LdTrue => Op::LdTrue,
        Instr::LdFalse => Op::LdFalse,
        Instr::LdConst(c) => Op::LdConst(c.0),
        Instr::CopyLoc(l) => Op::CopyLoc(l.0),
        Instr::MoveLoc(l) => Op::MoveLoc(l.0),
        Instr::StLoc(l) => Op::StLoc(l.0),
        Instr::ImmBorrowLoc(l) => Op::ImmBorrowLoc(l.0),
        Instr::MutBorrowLoc(l) => Op::MutBorrowLoc(l.0),
        Instr::ImmBorrowField(f) => Op::ImmBorrowField(f.field),
        Instr::MutBorrowField(f) => Op::MutBorrowField(f.field),
        Instr::ReadRef => Op::ReadRef,
        Instr::WriteRef => Op::WriteRef,
        Instr::FreezeRef => Op::FreezeRef,
        Instr::Call(h) => Op::Call(h.0),
        Instr::Pack(d) => Op::Pack(d.0),
        Instr::Unpack(d) => Op::Unpack(d.0),
        Instr::Add => Op::Add,
        Instr::Sub => Op::Sub,
        Instr::Mul => Op::Mul,
        Instr::Div => Op::Div,
        Instr::Mod => Op::Mod,
        Instr::BitAnd => Op::BitAnd,
        Instr::BitOr => Op::BitOr,
        Instr::Xor => Op::Xor,
        Instr::Shl => Op::Shl,
        Instr::Shr => Op::Shr,
        Instr::And => Op::And,
        Instr::Or => Op::Or,
        Instr::Not => Op::Not,
        Instr::Eq => Op::Eq,
        Instr::Neq => Op::Neq,
        Instr::Lt => Op::Lt,
        Instr::Gt => Op::Gt,
        Instr::Le => Op::Le,
        Instr::Ge => Op::Ge,
        Instr::CastU8 => Op::CastU8,
        Instr::CastU64 => Op::CastU64,
        Instr::CastU128 => Op::CastU128,
        Instr::LdU16(v) => Op::LdU16(v),
        Instr::LdU32(v) => Op::LdU32(v),
        Instr::LdU256(v) => {
            let (low, high) = v.halves();
            wide.extend([low, high]);
            Op::LdU256(u32::try_from(wide.len() - 2).unwrap_or(u32::MAX))
        }
        Instr::CastU16 => Op::CastU16,
        Instr::CastU32 => Op::CastU32,
        Instr::CastU256 => Op::CastU256,
        Instr::Abort => Op::Abort,
        Instr::Nop => Op::Nop,
        Instr::CallGeneric(f) => Op::CallGeneric(slot(calls, f.0)),
        Instr::ExistsGeneric(s) => Op::ExistsGeneric(slot(structs, s.0)),
        Instr::ImmBorrowGlobalGeneric(s) => Op::ImmBorrowGlobalGeneric(slot(structs, s.0)),
        Instr::MutBorrowGlobalGeneric(s) => Op::MutBorrowGlobalGeneric(slot(structs, s.0)),
        Instr::MoveFromGeneric(s) => Op::MoveFromGeneric(slot(structs, s.0)),
        Instr::MoveToGeneric(s) => Op::MoveToGeneric(slot(structs, s.0)),
        Instr::EmitGeneric(s) => Op::EmitGeneric(slot(structs, s.0)),
        // Left generic by `plain_struct_instr` only when the index is bad.
        Instr::PackGeneric(_)
        | Instr::UnpackGeneric(_)
        | Instr::ImmBorrowFieldGeneric(_)
        | Instr::MutBorrowFieldGeneric(_) => Op::Malformed,
        Instr::Exists(d) => Op::Exists(d.0),
        Instr::ImmBorrowGlobal(d) => Op::ImmBorrowGlobal(d.0),
        Instr::MutBorrowGlobal(d) => Op::MutBorrowGlobal(d.0),
        Instr::MoveFrom(d) => Op::MoveFrom(d.0),
        Instr::MoveTo(d) => Op::MoveTo(d.0),
        Instr::SignerAddress => Op::SignerAddress,
        Instr::Emit(d) => Op::Emit(d.0),
        Instr::VecPack(_, n) => Op::VecPack(n),
        Instr::VecUnpack(_, n) => Op::VecUnpack(n),
        Instr::VecLen(_) => Op::VecLen,
        Instr::VecImmBorrow(_) => Op::VecImmBorrow,
        Instr::VecMutBorrow(_) => Op::VecMutBorrow,
        Instr::VecPushBack(_) => Op::VecPushBack,
        Instr::VecPopBack(_) => Op::VecPopBack,
        Instr::VecSwap(_) => Op::VecSwap,
        Instr::ExistsKeyed(d) => Op::ExistsKeyed(d.0),
        Instr::ImmBorrowGlobalKeyed(d) => Op::ImmBorrowGlobalKeyed(d.0),
        Instr::MutBorrowGlobalKeyed(d) => Op::MutBorrowGlobalKeyed(d.0),
        Instr::MoveFromKeyed(d) => Op::MoveFromKeyed(d.0),
        Instr::MoveToKeyed(d) => Op::MoveToKeyed(d.0),
        Instr::ExistsKeyedGeneric(s) => Op::ExistsKeyedGeneric(slot(structs, s.0)),
        Instr::ImmBorrowGlobalKeyedGeneric(s) => Op::ImmBorrowGlobalKeyedGeneric(slot(structs, s.0)),
        Instr::MutBorrowGlobalKeyedGeneric(s) => Op::MutBorrowGlobalKeyedGeneric(slot(structs, s.0)),
        Instr::MoveFromKeyedGeneric(s) => Op::MoveFromKeyedGeneric(slot(structs, s.0)),
        Instr::MoveToKeyedGeneric(s) => Op::MoveToKeyedGeneric(slot(structs, s.0)),
        Instr::CounterAdd(d) => Op::CounterAdd(d.0),
        Instr::CounterAddGeneric(s) => Op::CounterAddGeneric(slot(structs, s.0)),
        Instr::CounterAddKeyed(d) => Op::CounterAddKeyed(d.0),
        Instr::CounterAddKeyedGeneric(s) => Op::CounterAddKeyedGeneric(slot(structs, s.0)),
        Instr::VecDestroyEmpty(_) => Op::VecDestroyEmpty,
        Instr::VecRemove(_) => Op::VecRemove,
        Instr::VecInsert(_) => Op::VecInsert,
        Instr::VecReverse(_) => Op::VecReverse,
        Instr::VecAppend(_) => Op::VecAppend,
        Instr::VecContains(_) => Op::VecContains,
        Instr::VecIndexOf(_) => Op::VecIndexOf,
        Instr::Sha3_256 => Op::Sha3_256,
        Instr::Blake3 => Op::Blake3,
        Instr::BlockTimestamp => Op::BlockTimestamp,
        Instr::BlockHeight => Op::BlockHeight,
        Instr::TestSetBlockTimestamp => Op::TestSetBlockTimestamp,
        Instr::TestSetBlockHeight => Op::TestSetBlockHeight,
        Instr::ObjectAddress => Op::ObjectAddress,
        Instr::ObjectSigner => Op::ObjectSigner,
        Instr::TypeName(s) => Op::TypeName(s.0),
        Instr::TypeIsStruct(s) => Op::TypeIsStruct(s.0),
    }
}

/// `instr` with a generic pack, unpack or field borrow replaced by the plain
/// instruction on the instantiated struct's definition; anything else (and
/// an index out of `module`'s table) as it is.
fn plain_struct_instr(instr: &Instr, module: &Module) -> Instr {
    let def = |idx: StructInstIdx| module.struct_instantiations.get(idx.index()).map(|inst| inst.def);
    let field =
        |f: resin_format::file_format::FieldInstRef| def(f.owner).map(|owner| FieldRef { owner, field: f.field });
    match *instr {
        Instr::PackGeneric(idx) => def(idx).map_or(*instr, Instr::Pack),
        Instr::UnpackGeneric(idx) => def(idx).map_or(*instr, Instr::Unpack),
        Instr::ImmBorrowFieldGeneric(f) => field(f).map_or(*instr, Instr::ImmBorrowField),
        Instr::MutBorrowFieldGeneric(f) => field(f).map_or(*instr, Instr::MutBorrowField),
        _ => *instr,
    }
}
