//! What each opcode's operands *mean*, on top of the opcode table's bytes.
//!
//! The opcode table (`crate::opcodes`) knows each operand's Rust type, but the
//! assembler and disassembler need to know which table an index points into
//! (a local, a constant, a struct definition, ...). This module adds exactly
//! that, and builds instructions by writing their wire bytes and decoding them
//! through the table, so the table stays the one source of truth for layout.

use std::sync::OnceLock;

use crate::opcodes::Instr;

/// The meaning of one instruction operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OperandKind {
    /// A branch target: an index into the function's code.
    CodeOffset,
    /// A local slot (parameters first).
    Local,
    /// An index into the module's constants.
    Const,
    /// An index into the module's function handles.
    Function,
    /// An index into the module's own struct definitions.
    StructDef,
    /// A struct definition and one of its fields; the raw value packs them as `owner << 16 | field`.
    Field,
    /// An index into the module's signature (type) pool.
    Signature,
    /// An index into the module's struct instantiations.
    StructInst,
    /// An index into the module's function instantiations.
    FunctionInst,
    /// A struct instantiation and one of its fields; packed like [`OperandKind::Field`].
    FieldInst,
    /// Immediate integers.
    U8,
    U64,
    U128,
    U16,
    U32,
    /// `ld_u256`'s immediate. Wider than the raw operand number, so the
    /// assembler builds `ld_u256` from its parsed value and the disassembler
    /// prints it from the instruction; the raw path (`instr_from_operands`)
    /// covers only values up to `u128::MAX`.
    U256,
}

impl OperandKind {
    /// The largest raw value this operand can hold.
    pub fn max_value(self) -> u128 {
        match self {
            OperandKind::Local | OperandKind::U8 => u128::from(u8::MAX),
            OperandKind::CodeOffset
            | OperandKind::Const
            | OperandKind::Function
            | OperandKind::StructDef
            | OperandKind::Signature
            | OperandKind::StructInst
            | OperandKind::FunctionInst => u128::from(u16::MAX),
            OperandKind::Field | OperandKind::FieldInst => u128::from(u32::MAX),
            OperandKind::U64 => u128::from(u64::MAX),
            OperandKind::U16 => u128::from(u16::MAX),
            OperandKind::U32 => u128::from(u32::MAX),
            OperandKind::U128 | OperandKind::U256 => u128::MAX,
        }
    }

    /// Appends the operand's wire bytes, mirroring the `Operand` impls in `opcodes.rs`.
    fn encode(self, value: u128, out: &mut Vec<u8>) {
        let bytes = value.to_le_bytes();
        match self {
            OperandKind::Local | OperandKind::U8 => out.push(bytes[0]),
            OperandKind::CodeOffset
            | OperandKind::Const
            | OperandKind::Function
            | OperandKind::StructDef
            | OperandKind::Signature
            | OperandKind::StructInst
            | OperandKind::FunctionInst
            | OperandKind::U16 => out.extend_from_slice(&bytes[..2]),
            OperandKind::U32 => out.extend_from_slice(&bytes[..4]),
            OperandKind::U256 => {
                out.extend_from_slice(&bytes);
                out.extend_from_slice(&[0; 16]);
            }
            // A field reference is the owner's u16, then the field's u16.
            OperandKind::Field | OperandKind::FieldInst => {
                out.extend_from_slice(&bytes[2..4]);
                out.extend_from_slice(&bytes[..2]);
            }
            OperandKind::U64 => out.extend_from_slice(&bytes[..8]),
            OperandKind::U128 => out.extend_from_slice(&bytes),
        }
    }
}

/// The operand kinds of an instruction, in the order of [`Instr::operands`].
///
/// The match has no wildcard on purpose: a new opcode does not compile until
/// it is classified here, and a test checks the count against the table.
pub fn operand_kinds(instr: &Instr) -> &'static [OperandKind] {
    use OperandKind as K;
    match instr {
        Instr::BrTrue(_) | Instr::BrFalse(_) | Instr::Branch(_) => &[K::CodeOffset],
        Instr::LdU8(_) => &[K::U8],
        Instr::LdU64(_) => &[K::U64],
        Instr::LdU128(_) => &[K::U128],
        Instr::LdU16(_) => &[K::U16],
        Instr::LdU32(_) => &[K::U32],
        Instr::LdU256(_) => &[K::U256],
        Instr::LdConst(_) => &[K::Const],
        Instr::CopyLoc(_) | Instr::MoveLoc(_) | Instr::StLoc(_) | Instr::ImmBorrowLoc(_) | Instr::MutBorrowLoc(_) => {
            &[K::Local]
        }
        Instr::ImmBorrowField(_) | Instr::MutBorrowField(_) => &[K::Field],
        Instr::Call(_) => &[K::Function],
        Instr::Pack(_)
        | Instr::Unpack(_)
        | Instr::Exists(_)
        | Instr::ImmBorrowGlobal(_)
        | Instr::MutBorrowGlobal(_)
        | Instr::MoveFrom(_)
        | Instr::MoveTo(_)
        | Instr::Emit(_)
        | Instr::ExistsKeyed(_)
        | Instr::ImmBorrowGlobalKeyed(_)
        | Instr::MutBorrowGlobalKeyed(_)
        | Instr::MoveFromKeyed(_)
        | Instr::MoveToKeyed(_)
        | Instr::CounterAdd(_)
        | Instr::CounterAddKeyed(_) => &[K::StructDef],
        Instr::CallGeneric(_) => &[K::FunctionInst],
        Instr::ImmBorrowFieldGeneric(_) | Instr::MutBorrowFieldGeneric(_) => &[K::FieldInst],
        Instr::PackGeneric(_)
        | Instr::UnpackGeneric(_)
        | Instr::ExistsGeneric(_)
        | Instr::ImmBorrowGlobalGeneric(_)
        | Instr::MutBorrowGlobalGeneric(_)
        | Instr::MoveFromGeneric(_)
        | Instr::MoveToGeneric(_)
        | Instr::EmitGeneric(_)
        | Instr::ExistsKeyedGeneric(_)
        | Instr::ImmBorrowGlobalKeyedGeneric(_)
        | Instr::MutBorrowGlobalKeyedGeneric(_)
        | Instr::MoveFromKeyedGeneric(_)
        | Instr::MoveToKeyedGeneric(_)
        | Instr::CounterAddGeneric(_)
        | Instr::CounterAddKeyedGeneric(_) => &[K::StructInst],
        Instr::VecPack(..) | Instr::VecUnpack(..) => &[K::Signature, K::U64],
        Instr::VecLen(_)
        | Instr::VecImmBorrow(_)
        | Instr::VecMutBorrow(_)
        | Instr::VecPushBack(_)
        | Instr::VecPopBack(_)
        | Instr::VecSwap(_)
        | Instr::VecDestroyEmpty(_)
        | Instr::VecRemove(_)
        | Instr::VecInsert(_)
        | Instr::VecReverse(_)
        | Instr::VecAppend(_)
        | Instr::VecContains(_)
        | Instr::VecIndexOf(_)
        | Instr::TypeName(_)
        | Instr::TypeIsStruct(_) => &[K::Signature],
        Instr::Pop
        | Instr::Ret
        | Instr::LdTrue
        | Instr::LdFalse
        | Instr::ReadRef
        | Instr::WriteRef
        | Instr::FreezeRef
        | Instr::Add
        | Instr::Sub
        | Instr::Mul
        | Instr::Div
        | Instr::Mod
        | Instr::BitAnd
        | Instr::BitOr
        | Instr::Xor
        | Instr::Shl
        | Instr::Shr
        | Instr::And
        | Instr::Or
        | Instr::Not
        | Instr::Eq
        | Instr::Neq
        | Instr::Lt
        | Instr::Gt
        | Instr::Le
        | Instr::Ge
        | Instr::CastU8
        | Instr::CastU64
        | Instr::CastU128
        | Instr::CastU16
        | Instr::CastU32
        | Instr::CastU256
        | Instr::Abort
        | Instr::Nop
        | Instr::SignerAddress
        | Instr::Sha3_256
        | Instr::Blake3
        | Instr::BlockTimestamp
        | Instr::BlockHeight
        | Instr::TestSetBlockTimestamp
        | Instr::TestSetBlockHeight
        | Instr::ObjectAddress
        | Instr::ObjectSigner => &[],
    }
}

/// One instance of each opcode, indexed by its wire byte.
fn samples_by_byte() -> &'static [Option<Instr>; 256] {
    static TABLE: OnceLock<[Option<Instr>; 256]> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = [None; 256];
        for instr in Instr::samples() {
            table[usize::from(instr.info().byte)] = Some(instr);
        }
        table
    })
}

/// The operand kinds of the opcode with wire byte `byte`, or `None` for an unknown byte.
pub fn operand_kinds_of_byte(byte: u8) -> Option<&'static [OperandKind]> {
    samples_by_byte()[usize::from(byte)].as_ref().map(operand_kinds)
}

/// Builds the instruction with opcode `byte` from raw operand values (as
/// [`Instr::operands`] reports them), by writing its wire bytes and decoding
/// them through the opcode table. `None` for an unknown opcode, a wrong
/// operand count, or a value that does not fit its operand.
pub fn instr_from_operands(byte: u8, operands: &[u128]) -> Option<Instr> {
    let kinds = operand_kinds_of_byte(byte)?;
    if kinds.len() != operands.len() {
        return None;
    }
    let mut bytes = vec![byte];
    for (kind, &value) in kinds.iter().zip(operands) {
        if value > kind.max_value() {
            return None;
        }
        kind.encode(value, &mut bytes);
    }
    let mut pos = 0;
    let instr = Instr::decode(&bytes, &mut pos)?;
    (pos == bytes.len()).then_some(instr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_opcode_has_kinds_matching_its_operands() {
        for sample in Instr::samples() {
            assert_eq!(operand_kinds(&sample).len(), sample.operands().len(), "{}", sample.info().mnemonic);
        }
    }

    #[test]
    fn building_from_operands_inverts_operands() {
        let nonzero = [
            Instr::BrFalse(crate::CodeOffset(513)),
            Instr::ImmBorrowField(crate::FieldRef { owner: crate::StructDefIdx(3), field: 0x102 }),
            Instr::VecPack(crate::SignatureIdx(7), u64::MAX - 1),
            Instr::LdU128(u128::MAX / 3),
            Instr::LdU16(u16::MAX - 2),
            Instr::LdU32(u32::MAX - 2),
            Instr::LdU256(crate::U256::from(u128::MAX)),
            Instr::StLoc(crate::LocalIdx(255)),
        ];
        for instr in Instr::samples().into_iter().chain(nonzero) {
            let rebuilt = instr_from_operands(instr.info().byte, &instr.operands());
            assert_eq!(rebuilt, Some(instr));
        }
    }

    #[test]
    fn rejects_bad_operands() {
        assert_eq!(instr_from_operands(0x06, &[256]), None, "ld_u8 300 does not fit");
        assert_eq!(instr_from_operands(0x06, &[]), None, "missing operand");
        assert_eq!(instr_from_operands(0x01, &[1]), None, "pop takes no operand");
        assert_eq!(instr_from_operands(0xFF, &[]), None, "unknown opcode");
    }
}
