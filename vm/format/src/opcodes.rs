//! The opcode table. One macro invocation defines every instruction: its wire
//! byte, its mnemonic, its operands, its stack transition and its base gas
//! cost. The enum, the encoder, the decoder, the disassembler's mnemonics and
//! the gas schedule are all generated from it, and a test checks that every
//! opcode round-trips and has an interpreter handler.

use serde::{Deserialize, Serialize};

use crate::file_format::{
    CodeOffset, ConstIdx, FieldInstRef, FieldRef, FunctionHandleIdx, FunctionInstIdx, LocalIdx, SignatureIdx,
    StructDefIdx, StructInstIdx,
};
use crate::u256::U256;

/// Static facts about one opcode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpInfo {
    pub byte: u8,
    pub mnemonic: &'static str,
    /// The stack transition, in Move's notation: `..., a, b -> ..., c`.
    pub stack: &'static str,
    /// Base gas charged before the instruction runs.
    pub gas: u64,
}

/// An operand of an instruction: how it is written as bytes.
pub trait Operand: Sized + Default {
    fn encode(&self, out: &mut Vec<u8>);
    fn decode(bytes: &[u8], pos: &mut usize) -> Option<Self>;
}

fn take<const N: usize>(bytes: &[u8], pos: &mut usize) -> Option<[u8; N]> {
    let end = pos.checked_add(N)?;
    let chunk: [u8; N] = bytes.get(*pos..end)?.try_into().ok()?;
    *pos = end;
    Some(chunk)
}

macro_rules! int_operand {
    ($($ty:ty),*) => {$(
        impl Operand for $ty {
            fn encode(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn decode(bytes: &[u8], pos: &mut usize) -> Option<Self> {
                take(bytes, pos).map(<$ty>::from_le_bytes)
            }
        }
    )*};
}
int_operand!(u8, u16, u32, u64, u128);

/// `ld_u256`'s immediate: 32 bytes, little-endian, like the other integers.
impl Operand for U256 {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    fn decode(bytes: &[u8], pos: &mut usize) -> Option<Self> {
        take(bytes, pos).map(U256::from_le_bytes)
    }
}

macro_rules! newtype_operand {
    ($($ty:ident($inner:ty)),*) => {$(
        impl Operand for $ty {
            fn encode(&self, out: &mut Vec<u8>) {
                self.0.encode(out)
            }
            fn decode(bytes: &[u8], pos: &mut usize) -> Option<Self> {
                <$inner>::decode(bytes, pos).map($ty)
            }
        }
    )*};
}
newtype_operand!(
    CodeOffset(u16),
    ConstIdx(u16),
    FunctionHandleIdx(u16),
    LocalIdx(u8),
    SignatureIdx(u16),
    StructDefIdx(u16),
    StructInstIdx(u16),
    FunctionInstIdx(u16)
);

impl Operand for FieldRef {
    fn encode(&self, out: &mut Vec<u8>) {
        self.owner.encode(out);
        self.field.encode(out);
    }
    fn decode(bytes: &[u8], pos: &mut usize) -> Option<Self> {
        Some(FieldRef { owner: StructDefIdx::decode(bytes, pos)?, field: u16::decode(bytes, pos)? })
    }
}

impl Operand for FieldInstRef {
    fn encode(&self, out: &mut Vec<u8>) {
        self.owner.encode(out);
        self.field.encode(out);
    }
    fn decode(bytes: &[u8], pos: &mut usize) -> Option<Self> {
        Some(FieldInstRef { owner: StructInstIdx::decode(bytes, pos)?, field: u16::decode(bytes, pos)? })
    }
}

macro_rules! opcodes {
    ($(
        $(#[doc = $doc:literal])*
        $byte:literal $name:ident $(($($arg:ident: $ty:ty),+))? => $mnemonic:literal, $stack:literal, gas $gas:literal;
    )*) => {
        /// One bytecode instruction.
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
        #[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
        pub enum Instr {
            $(
                $(#[doc = $doc])*
                #[doc = ""]
                #[doc = concat!("Stack transition: `", $stack, "`")]
                $name $(($($ty),+))?,
            )*
        }

        /// Every opcode, in wire-byte order.
        pub const OPCODES: &[OpInfo] = &[
            $(OpInfo { byte: $byte, mnemonic: $mnemonic, stack: $stack, gas: $gas },)*
        ];

        impl Instr {
    /// Whether only a test build's modules may hold the instruction.
    pub fn is_test_only(&self) -> bool {
        matches!(self, Instr::TestSetBlockTimestamp | Instr::TestSetBlockHeight)
    }

            /// The static facts of this instruction's opcode.
            pub fn info(&self) -> &'static OpInfo {
                match self {
                    $(Instr::$name $(($($arg),+))? => {
                        $($(let _ = $arg;)+)?
                        const INFO: OpInfo = OpInfo { byte: $byte, mnemonic: $mnemonic, stack: $stack, gas: $gas };
                        &INFO
                    })*
                }
            }

            /// Appends the wire form: the opcode byte, then each operand little-endian.
            pub fn encode(&self, out: &mut Vec<u8>) {
                match self {
                    $(Instr::$name $(($($arg),+))? => {
                        out.push($byte);
                        $($($arg.encode(out);)+)?
                    })*
                }
            }

            /// Reads one instruction at `*pos`, advancing it. `None` on an
            /// unknown opcode or truncated operands.
            pub fn decode(bytes: &[u8], pos: &mut usize) -> Option<Instr> {
                let byte = *bytes.get(*pos)?;
                *pos += 1;
                match byte {
                    $($byte => Some(Instr::$name $(($(<$ty as Operand>::decode(bytes, pos)?),+))?),)*
                    _ => None,
                }
            }

            /// One instance of every opcode, with default operands: lets tests
            /// check that each opcode encodes, decodes, disassembles and runs.
            pub fn samples() -> Vec<Instr> {
                vec![$(Instr::$name $(($(<$ty as Default>::default()),+))?,)*]
            }

            /// The operands, for the disassembler: raw numbers in table order.
            pub fn operands(&self) -> Vec<u128> {
                match self {
                    $(Instr::$name $(($($arg),+))? => {
                        vec![$($(OperandValue::value($arg)),+)?]
                    })*
                }
            }
        }
    };
}

/// The raw number an operand holds, for uniform printing.
pub trait OperandValue {
    fn value(&self) -> u128;
}
macro_rules! operand_value {
    ($($ty:ty => |$v:ident| $e:expr),* $(,)?) => {$(
        impl OperandValue for $ty {
            fn value(&self) -> u128 {
                let $v = self;
                $e
            }
        }
    )*};
}
operand_value!(
    u8 => |v| u128::from(*v),
    u16 => |v| u128::from(*v),
    u32 => |v| u128::from(*v),
    // The one operand wider than the raw number: its low 128 bits. The
    // assembler and disassembler take `ld_u256`'s value from the
    // instruction itself (`Instr::LdU256`), never from this number.
    U256 => |v| u128::from_le_bytes(v.to_le_bytes()[..16].try_into().unwrap_or_default()),
    u64 => |v| u128::from(*v),
    u128 => |v| *v,
    CodeOffset => |v| u128::from(v.0),
    ConstIdx => |v| u128::from(v.0),
    FunctionHandleIdx => |v| u128::from(v.0),
    LocalIdx => |v| u128::from(v.0),
    SignatureIdx => |v| u128::from(v.0),
    StructDefIdx => |v| u128::from(v.0),
    StructInstIdx => |v| u128::from(v.0),
    FunctionInstIdx => |v| u128::from(v.0),
    FieldInstRef => |v| (u128::from(v.owner.0) << 16) | u128::from(v.field),
    FieldRef => |v| (u128::from(v.owner.0) << 16) | u128::from(v.field),
);

opcodes! {
    /// Discard the top value; its type must have `drop`.
    0x01 Pop => "pop", "..., v -> ...", gas 1;
    /// Return from the function with its declared return values on top.
    0x02 Ret => "ret", "..., r1, .., rn -> (caller) ..., r1, .., rn", gas 2;
    /// Jump to the offset when the value is true.
    0x03 BrTrue(target: CodeOffset) => "br_true", "..., bool -> ...", gas 1;
    /// Jump to the offset when the value is false.
    0x04 BrFalse(target: CodeOffset) => "br_false", "..., bool -> ...", gas 1;
    /// Jump to the offset.
    0x05 Branch(target: CodeOffset) => "branch", "... -> ...", gas 1;
    0x06 LdU8(value: u8) => "ld_u8", "... -> ..., u8", gas 1;
    0x07 LdU64(value: u64) => "ld_u64", "... -> ..., u64", gas 1;
    0x08 LdU128(value: u128) => "ld_u128", "... -> ..., u128", gas 1;
    0x09 LdTrue => "ld_true", "... -> ..., true", gas 1;
    0x0A LdFalse => "ld_false", "... -> ..., false", gas 1;
    /// Push a copy of a constant.
    0x0B LdConst(idx: ConstIdx) => "ld_const", "... -> ..., value", gas 2;
    /// Push a copy of a local; its type must have `copy`.
    0x0C CopyLoc(local: LocalIdx) => "copy_loc", "... -> ..., value", gas 1;
    /// Move a local's value to the stack, leaving the local empty.
    0x0D MoveLoc(local: LocalIdx) => "move_loc", "... -> ..., value", gas 1;
    /// Store into a local; an old value there must have `drop`.
    0x0E StLoc(local: LocalIdx) => "st_loc", "..., value -> ...", gas 1;
    0x0F ImmBorrowLoc(local: LocalIdx) => "imm_borrow_loc", "... -> ..., &T", gas 1;
    0x10 MutBorrowLoc(local: LocalIdx) => "mut_borrow_loc", "... -> ..., &mut T", gas 1;
    0x11 ImmBorrowField(field: FieldRef) => "imm_borrow_field", "..., &S -> ..., &F", gas 1;
    0x12 MutBorrowField(field: FieldRef) => "mut_borrow_field", "..., &mut S -> ..., &mut F", gas 1;
    /// Copy the referenced value; its type must have `copy`.
    0x13 ReadRef => "read_ref", "..., &T -> ..., T", gas 1;
    /// Overwrite the referenced value; the old one must have `drop`.
    0x14 WriteRef => "write_ref", "..., T, &mut T -> ...", gas 1;
    0x15 FreezeRef => "freeze_ref", "..., &mut T -> ..., &T", gas 1;
    /// Call a function through its handle; arguments are popped, results pushed.
    0x16 Call(func: FunctionHandleIdx) => "call", "..., a1, .., an -> ..., r1, .., rm", gas 4;
    /// Build a struct from its fields, first field deepest.
    0x17 Pack(def: StructDefIdx) => "pack", "..., f1, .., fn -> ..., S", gas 2;
    /// Destroy a struct into its fields.
    0x18 Unpack(def: StructDefIdx) => "unpack", "..., S -> ..., f1, .., fn", gas 2;
    /// Checked addition: overflow aborts.
    0x19 Add => "add", "..., a, b -> ..., a + b", gas 1;
    0x1A Sub => "sub", "..., a, b -> ..., a - b", gas 1;
    0x1B Mul => "mul", "..., a, b -> ..., a * b", gas 1;
    /// Division by zero aborts.
    0x1C Div => "div", "..., a, b -> ..., a / b", gas 1;
    0x1D Mod => "mod", "..., a, b -> ..., a % b", gas 1;
    0x1E BitAnd => "bit_and", "..., a, b -> ..., a & b", gas 1;
    0x1F BitOr => "bit_or", "..., a, b -> ..., a | b", gas 1;
    0x20 Xor => "xor", "..., a, b -> ..., a ^ b", gas 1;
    /// Shift by a `u8`; shifting by the bit width or more aborts.
    0x21 Shl => "shl", "..., a, u8 -> ..., a << n", gas 1;
    0x22 Shr => "shr", "..., a, u8 -> ..., a >> n", gas 1;
    0x23 And => "and", "..., bool, bool -> ..., bool", gas 1;
    0x24 Or => "or", "..., bool, bool -> ..., bool", gas 1;
    0x25 Not => "not", "..., bool -> ..., bool", gas 1;
    /// Equality of two values of one type with `drop`.
    0x26 Eq => "eq", "..., a, b -> ..., bool", gas 1;
    0x27 Neq => "neq", "..., a, b -> ..., bool", gas 1;
    0x28 Lt => "lt", "..., a, b -> ..., bool", gas 1;
    0x29 Gt => "gt", "..., a, b -> ..., bool", gas 1;
    0x2A Le => "le", "..., a, b -> ..., bool", gas 1;
    0x2B Ge => "ge", "..., a, b -> ..., bool", gas 1;
    /// A value out of range aborts.
    0x2C CastU8 => "cast_u8", "..., int -> ..., u8", gas 1;
    0x2D CastU64 => "cast_u64", "..., int -> ..., u64", gas 1;
    0x2E CastU128 => "cast_u128", "..., int -> ..., u128", gas 1;
    /// Abort the transaction with a code; nothing it wrote survives.
    0x2F Abort => "abort", "..., u64 -> (aborted)", gas 1;
    0x30 Nop => "nop", "... -> ...", gas 1;
    /// Whether a resource of this module's type exists at the address (a read).
    0x31 Exists(def: StructDefIdx) => "exists", "..., address -> ..., bool", gas 4;
    /// Borrow a resource (a read); a missing one aborts.
    0x32 ImmBorrowGlobal(def: StructDefIdx) => "imm_borrow_global", "..., address -> ..., &T", gas 4;
    /// Borrow a resource mutably (a write); a missing one aborts.
    0x33 MutBorrowGlobal(def: StructDefIdx) => "mut_borrow_global", "..., address -> ..., &mut T", gas 4;
    /// Remove a resource from storage (a write); a missing one aborts.
    0x34 MoveFrom(def: StructDefIdx) => "move_from", "..., address -> ..., T", gas 4;
    /// Publish a resource under the signer's address (a write); an existing one aborts.
    0x35 MoveTo(def: StructDefIdx) => "move_to", "..., &signer, T -> ...", gas 4;
    /// The address of a signer.
    0x36 SignerAddress => "signer_address", "..., &signer -> ..., address", gas 1;
    /// Record an event; the struct must have `drop` and `store`.
    0x37 Emit(def: StructDefIdx) => "emit", "..., S -> ...", gas 4;
    /// Build a vector of `count` elements, first element deepest.
    0x38 VecPack(elem: SignatureIdx, count: u64) => "vec_pack", "..., e1, .., en -> ..., vector<T>", gas 2;
    /// Destroy a vector that must hold exactly `count` elements.
    0x39 VecUnpack(elem: SignatureIdx, count: u64) => "vec_unpack", "..., vector<T> -> ..., e1, .., en", gas 2;
    0x3A VecLen(elem: SignatureIdx) => "vec_len", "..., &vector<T> -> ..., u64", gas 1;
    /// An index out of range aborts.
    0x3B VecImmBorrow(elem: SignatureIdx) => "vec_imm_borrow", "..., &vector<T>, u64 -> ..., &T", gas 1;
    0x3C VecMutBorrow(elem: SignatureIdx) => "vec_mut_borrow", "..., &mut vector<T>, u64 -> ..., &mut T", gas 1;
    0x3D VecPushBack(elem: SignatureIdx) => "vec_push_back", "..., &mut vector<T>, T -> ...", gas 2;
    /// Popping an empty vector aborts.
    0x3E VecPopBack(elem: SignatureIdx) => "vec_pop_back", "..., &mut vector<T> -> ..., T", gas 2;
    0x3F VecSwap(elem: SignatureIdx) => "vec_swap", "..., &mut vector<T>, u64, u64 -> ...", gas 1;
    // The generic variants: the same operations on an instantiation of a
    // generic function or of one of this module's generic structs. The plain
    // forms stay for everything that is not generic, so code without
    // generics neither grows nor pays for them.
    /// `call` of a generic function, instantiated.
    0x40 CallGeneric(func: FunctionInstIdx) => "call_generic", "..., a1, .., an -> ..., r1, .., rm", gas 4;
    0x41 PackGeneric(inst: StructInstIdx) => "pack_generic", "..., f1, .., fn -> ..., S<..>", gas 2;
    0x42 UnpackGeneric(inst: StructInstIdx) => "unpack_generic", "..., S<..> -> ..., f1, .., fn", gas 2;
    0x43 ImmBorrowFieldGeneric(field: FieldInstRef) => "imm_borrow_field_generic", "..., &S<..> -> ..., &F", gas 1;
    0x44 MutBorrowFieldGeneric(field: FieldInstRef) => "mut_borrow_field_generic", "..., &mut S<..> -> ..., &mut F", gas 1;
    0x45 ExistsGeneric(inst: StructInstIdx) => "exists_generic", "..., address -> ..., bool", gas 4;
    0x46 ImmBorrowGlobalGeneric(inst: StructInstIdx) => "imm_borrow_global_generic", "..., address -> ..., &T", gas 4;
    0x47 MutBorrowGlobalGeneric(inst: StructInstIdx) => "mut_borrow_global_generic", "..., address -> ..., &mut T", gas 4;
    0x48 MoveFromGeneric(inst: StructInstIdx) => "move_from_generic", "..., address -> ..., T", gas 4;
    0x49 MoveToGeneric(inst: StructInstIdx) => "move_to_generic", "..., &signer, T -> ...", gas 4;
    0x4A EmitGeneric(inst: StructInstIdx) => "emit_generic", "..., S<..> -> ...", gas 4;
    // Keyed storage: an entry of this module's resource type at
    // `address[index]`, where the index is any value with `copy` and
    // `drop`. Keyed entries are keys of their own (the state derives one
    // from the address and the index), so entries with different indexes
    // never conflict. `move_to_keyed` needs no signer: the module owns its
    // keyed storage, and the address only names whose entries they are.
    /// Whether an entry exists at `address[index]` (a read).
    0x50 ExistsKeyed(def: StructDefIdx) => "exists_keyed", "..., address, K -> ..., bool", gas 4;
    /// Borrow an entry (a read); a missing one aborts.
    0x51 ImmBorrowGlobalKeyed(def: StructDefIdx) => "imm_borrow_global_keyed", "..., address, K -> ..., &T", gas 4;
    /// Borrow an entry mutably (a write); a missing one aborts.
    0x52 MutBorrowGlobalKeyed(def: StructDefIdx) => "mut_borrow_global_keyed", "..., address, K -> ..., &mut T", gas 4;
    /// Remove an entry (a write); a missing one aborts.
    0x53 MoveFromKeyed(def: StructDefIdx) => "move_from_keyed", "..., address, K -> ..., T", gas 4;
    /// Publish an entry at `address[index]` (a write); an existing one aborts.
    0x54 MoveToKeyed(def: StructDefIdx) => "move_to_keyed", "..., address, K, T -> ...", gas 4;
    0x55 ExistsKeyedGeneric(inst: StructInstIdx) => "exists_keyed_generic", "..., address, K -> ..., bool", gas 4;
    0x56 ImmBorrowGlobalKeyedGeneric(inst: StructInstIdx) => "imm_borrow_global_keyed_generic", "..., address, K -> ..., &T", gas 4;
    0x57 MutBorrowGlobalKeyedGeneric(inst: StructInstIdx) => "mut_borrow_global_keyed_generic", "..., address, K -> ..., &mut T", gas 4;
    0x58 MoveFromKeyedGeneric(inst: StructInstIdx) => "move_from_keyed_generic", "..., address, K -> ..., T", gas 4;
    0x59 MoveToKeyedGeneric(inst: StructInstIdx) => "move_to_keyed_generic", "..., address, K, T -> ...", gas 4;
    // Counters: a resource of this module with exactly one field, an
    // unsigned integer, to which transactions add (access mode `add`).
    // Adds commute, so add-only transactions do not conflict; the total
    // exceeding the field type's maximum aborts the adding transaction,
    // exactly as in sequential execution.
    /// Add to the counter at `address`; a missing counter aborts.
    0x5A CounterAdd(def: StructDefIdx) => "counter_add", "..., address, int -> ...", gas 4;
    0x5B CounterAddGeneric(inst: StructInstIdx) => "counter_add_generic", "..., address, int -> ...", gas 4;
    /// Add to the keyed counter at `address[index]`; a missing one aborts.
    0x5C CounterAddKeyed(def: StructDefIdx) => "counter_add_keyed", "..., address, K, int -> ...", gas 4;
    0x5D CounterAddKeyedGeneric(inst: StructInstIdx) => "counter_add_keyed_generic", "..., address, K, int -> ...", gas 4;
    // More vector operations (Move's `vector` module).
    /// Destroy a vector that must be empty; a non-empty one aborts.
    0x60 VecDestroyEmpty(elem: SignatureIdx) => "vec_destroy_empty", "..., vector<T> -> ...", gas 1;
    /// Remove the element at an index, shifting the rest down; out of range aborts.
    0x61 VecRemove(elem: SignatureIdx) => "vec_remove", "..., &mut vector<T>, u64 -> ..., T", gas 2;
    /// Insert an element at an index (at most the length), shifting the rest up; past the end aborts.
    0x62 VecInsert(elem: SignatureIdx) => "vec_insert", "..., &mut vector<T>, T, u64 -> ...", gas 2;
    0x63 VecReverse(elem: SignatureIdx) => "vec_reverse", "..., &mut vector<T> -> ...", gas 2;
    /// Move every element of the second vector onto the end of the first.
    0x64 VecAppend(elem: SignatureIdx) => "vec_append", "..., &mut vector<T>, vector<T> -> ...", gas 2;
    /// Whether an element equal to the referenced value is in the vector.
    0x65 VecContains(elem: SignatureIdx) => "vec_contains", "..., &vector<T>, &T -> ..., bool", gas 2;
    /// `(true, i)` for the first element equal to the referenced value, else `(false, 0)`.
    0x66 VecIndexOf(elem: SignatureIdx) => "vec_index_of", "..., &vector<T>, &T -> ..., bool, u64", gas 2;
    // Types as values (Move's `type_info`), for checks a type parameter
    // alone cannot express: that a witness is a struct only its own module
    // can make, that two type arguments differ.
    /// The type's canonical name as bytes (`0x1::coin::Coin<u64>`), with
    /// the running instance's type arguments substituted; charged per byte.
    0x67 TypeName(ty: SignatureIdx) => "type_name", "... -> ..., vector<u8>", gas 4;
    // Hashing, and the block the transaction runs in.
    /// SHA3-256 of the bytes.
    0x68 Sha3_256 => "sha3_256", "..., vector<u8> -> ..., vector<u8>", gas 8;
    /// BLAKE3 (32 bytes of output) of the bytes.
    0x69 Blake3 => "blake3", "..., vector<u8> -> ..., vector<u8>", gas 8;
    /// The block's timestamp, in seconds; the same for every transaction of a block.
    0x6A BlockTimestamp => "block_timestamp", "... -> ..., u64", gas 1;
    /// The block's height.
    0x6B BlockHeight => "block_height", "... -> ..., u64", gas 1;
    // Module-controlled addresses: an address derived from this module's
    // id, a creator address and a seed (blake3 over the three), where
    // nobody holds a key. Only this module's code can make its signer, so
    // the module itself is the capability to `move_to` there: a pool, a
    // collection or a DAO lives at an address of its own.
    /// The object address this module derives from a creator and a seed.
    0x6C ObjectAddress => "object_address", "..., address, vector<u8> -> ..., address", gas 8;
    /// A signer for that address.
    0x6D ObjectSigner => "object_signer", "..., address, vector<u8> -> ..., signer", gas 8;
    /// Whether the type (type arguments substituted) is a struct: a value of
    /// one can only be made by the module that declares it.
    0x6E TypeIsStruct(ty: SignatureIdx) => "type_is_struct", "... -> ..., bool", gas 2;
    // The integers Move has beside u8, u64 and u128. Arithmetic, comparison
    // and shifts are the same instructions for every integer width.
    0x70 LdU16(value: u16) => "ld_u16", "... -> ..., u16", gas 1;
    0x71 LdU32(value: u32) => "ld_u32", "... -> ..., u32", gas 1;
    /// The immediate is 32 bytes, little-endian.
    0x72 LdU256(value: U256) => "ld_u256", "... -> ..., u256", gas 1;
    /// A value out of range aborts.
    0x73 CastU16 => "cast_u16", "..., int -> ..., u16", gas 1;
    0x74 CastU32 => "cast_u32", "..., int -> ..., u32", gas 1;
    0x75 CastU256 => "cast_u256", "..., int -> ..., u256", gas 1;
    // Tests only: a unit test moves its block's time and height on, to
    // reach a deadline. The verifier accepts them only in the modules of a
    // test build (`verify_test_module`), so published code can never
    // fake the time.
    /// Sets the block time `block_timestamp` reads for the rest of the transaction.
    0x76 TestSetBlockTimestamp => "test_set_block_timestamp", "..., u64 -> ...", gas 1;
    /// Sets the block height `block_height` reads for the rest of the transaction.
    0x77 TestSetBlockHeight => "test_set_block_height", "..., u64 -> ...", gas 1;
}

impl Instr {
    /// The struct definition a plain struct, storage or event instruction
    /// names (`pack`, `move_to_keyed`, `counter_add`, ...; a field borrow's
    /// owner is its own operand kind and not included).
    pub fn struct_def(&self) -> Option<StructDefIdx> {
        use Instr::*;
        match *self {
            Pack(d)
            | Unpack(d)
            | Exists(d)
            | ImmBorrowGlobal(d)
            | MutBorrowGlobal(d)
            | MoveFrom(d)
            | MoveTo(d)
            | Emit(d)
            | ExistsKeyed(d)
            | ImmBorrowGlobalKeyed(d)
            | MutBorrowGlobalKeyed(d)
            | MoveFromKeyed(d)
            | MoveToKeyed(d)
            | CounterAdd(d)
            | CounterAddKeyed(d) => Some(d),
            _ => None,
        }
    }

    /// The struct instantiation a generic struct, storage or event
    /// instruction names (a field borrow's owner not included).
    pub fn struct_inst(&self) -> Option<StructInstIdx> {
        use Instr::*;
        match *self {
            PackGeneric(i)
            | UnpackGeneric(i)
            | ExistsGeneric(i)
            | ImmBorrowGlobalGeneric(i)
            | MutBorrowGlobalGeneric(i)
            | MoveFromGeneric(i)
            | MoveToGeneric(i)
            | EmitGeneric(i)
            | ExistsKeyedGeneric(i)
            | ImmBorrowGlobalKeyedGeneric(i)
            | MutBorrowGlobalKeyedGeneric(i)
            | MoveFromKeyedGeneric(i)
            | MoveToKeyedGeneric(i)
            | CounterAddGeneric(i)
            | CounterAddKeyedGeneric(i) => Some(i),
            _ => None,
        }
    }

    /// The type a vector instruction (its element type) or a type-info
    /// instruction names.
    pub fn signature(&self) -> Option<SignatureIdx> {
        use Instr::*;
        match *self {
            VecPack(s, _)
            | VecUnpack(s, _)
            | VecLen(s)
            | VecImmBorrow(s)
            | VecMutBorrow(s)
            | VecPushBack(s)
            | VecPopBack(s)
            | VecSwap(s)
            | VecDestroyEmpty(s)
            | VecRemove(s)
            | VecInsert(s)
            | VecReverse(s)
            | VecAppend(s)
            | VecContains(s)
            | VecIndexOf(s)
            | TypeName(s)
            | TypeIsStruct(s) => Some(s),
            _ => None,
        }
    }

    /// A keyed storage instruction (its index sits above the address).
    pub fn is_keyed(&self) -> bool {
        use Instr::*;
        matches!(
            self,
            ExistsKeyed(_)
                | ImmBorrowGlobalKeyed(_)
                | MutBorrowGlobalKeyed(_)
                | MoveFromKeyed(_)
                | MoveToKeyed(_)
                | CounterAddKeyed(_)
                | ExistsKeyedGeneric(_)
                | ImmBorrowGlobalKeyedGeneric(_)
                | MutBorrowGlobalKeyedGeneric(_)
                | MoveFromKeyedGeneric(_)
                | MoveToKeyedGeneric(_)
                | CounterAddKeyedGeneric(_)
        )
    }
}

/// The opcode with a given mnemonic, for the assembler.
pub fn by_mnemonic(mnemonic: &str) -> Option<&'static OpInfo> {
    OPCODES.iter().find(|op| op.mnemonic == mnemonic)
}
