//! Pass 4, stack: operand-stack heights by dataflow over the control-flow
//! graph. Block boundaries are not assumed to be empty-stack points: every path
//! into a block must arrive with the same height, no instruction may pop more
//! than is there, the stack stays under [`MAX_STACK_HEIGHT`], and `ret` finds
//! exactly the function's return values.

use super::cfg::{self, Cfg};
use super::error::{VerifyError, VerifyErrorKind};
use super::generics;
use super::limits::MAX_STACK_HEIGHT;
use super::FunctionView;
use resin_format::file_format::{Instr, Module};

/// How many values `instr` pops and pushes, or `None` when it names something
/// that does not exist (bounds rejects that first).
pub(crate) fn effect(module: &Module, returns: usize, instr: &Instr) -> Option<(usize, usize)> {
    use Instr::*;
    let struct_fields =
        |d: &resin_format::file_format::StructDefIdx| module.structs.get(d.index()).map(|s| s.fields.len());
    Some(match instr {
        Ret => (returns, 0),
        Pop | BrTrue(_) | BrFalse(_) | StLoc(_) | Abort | Emit(_) | TestSetBlockTimestamp | TestSetBlockHeight => {
            (1, 0)
        }
        Branch(_) | Nop => (0, 0),
        LdU8(_) | LdU16(_) | LdU32(_) | LdU64(_) | LdU128(_) | LdU256(_) | LdTrue | LdFalse | LdConst(_)
        | CopyLoc(_) | MoveLoc(_) | ImmBorrowLoc(_) | MutBorrowLoc(_) => (0, 1),
        ImmBorrowField(_) | MutBorrowField(_) | ReadRef | FreezeRef | Not | CastU8 | CastU16 | CastU32 | CastU64
        | CastU128 | CastU256 | Exists(_) | ImmBorrowGlobal(_) | MutBorrowGlobal(_) | MoveFrom(_) | SignerAddress
        | VecLen(_) | VecPopBack(_) => (1, 1),
        WriteRef | MoveTo(_) | VecPushBack(_) => (2, 0),
        Add | Sub | Mul | Div | Mod | BitAnd | BitOr | Xor | Shl | Shr | And | Or | Eq | Neq | Lt | Gt | Le | Ge
        | VecImmBorrow(_) | VecMutBorrow(_) => (2, 1),
        VecSwap(_) => (3, 0),
        EmitGeneric(_) => (1, 0),
        ImmBorrowFieldGeneric(_)
        | MutBorrowFieldGeneric(_)
        | ExistsGeneric(_)
        | ImmBorrowGlobalGeneric(_)
        | MutBorrowGlobalGeneric(_)
        | MoveFromGeneric(_) => (1, 1),
        MoveToGeneric(_) => (2, 0),
        ExistsKeyed(_)
        | ImmBorrowGlobalKeyed(_)
        | MutBorrowGlobalKeyed(_)
        | MoveFromKeyed(_)
        | ExistsKeyedGeneric(_)
        | ImmBorrowGlobalKeyedGeneric(_)
        | MutBorrowGlobalKeyedGeneric(_)
        | MoveFromKeyedGeneric(_) => (2, 1),
        MoveToKeyed(_) | MoveToKeyedGeneric(_) => (3, 0),
        CounterAdd(_) | CounterAddGeneric(_) => (2, 0),
        CounterAddKeyed(_) | CounterAddKeyedGeneric(_) => (3, 0),
        VecDestroyEmpty(_) | VecReverse(_) => (1, 0),
        VecRemove(_) | VecContains(_) => (2, 1),
        VecInsert(_) => (3, 0),
        VecAppend(_) => (2, 0),
        VecIndexOf(_) => (2, 2),
        Sha3_256 | Blake3 => (1, 1),
        ObjectAddress | ObjectSigner => (2, 1),
        BlockTimestamp | BlockHeight | TypeName(_) | TypeIsStruct(_) => (0, 1),
        CallGeneric(f) => {
            let (_, handle, _) = generics::function_inst(module, *f)?;
            (handle.params.len(), handle.returns.len())
        }
        PackGeneric(i) => (generics::struct_inst(module, *i)?.def.fields.len(), 1),
        UnpackGeneric(i) => (1, generics::struct_inst(module, *i)?.def.fields.len()),
        Call(f) => {
            let handle = module.function_handle(*f)?;
            (handle.params.len(), handle.returns.len())
        }
        Pack(d) => (struct_fields(d)?, 1),
        Unpack(d) => (1, struct_fields(d)?),
        VecPack(_, n) => (usize::try_from(*n).ok()?, 1),
        VecUnpack(_, n) => (1, usize::try_from(*n).ok()?),
    })
}

/// Checks one function and returns its control-flow graph for the later passes.
pub(crate) fn verify(view: &FunctionView<'_>) -> Result<Cfg, VerifyError> {
    let code = &view.def.code;
    let cfg = Cfg::build(code).ok_or_else(|| {
        view.error(None, VerifyErrorKind::VerifierInvariant { detail: "control-flow graph of unchecked code" })
    })?;
    let returns = view.handle.returns.len();
    cfg::solve(
        view,
        &cfg,
        0usize,
        |_| 1,
        |block, mut height| {
            for offset in block.start..block.end {
                let instr = code.get(offset).ok_or_else(|| {
                    view.error(Some(offset), VerifyErrorKind::VerifierInvariant { detail: "block past the code" })
                })?;
                let (pops, pushes) = effect(view.module, returns, instr).ok_or_else(|| {
                    view.error(Some(offset), VerifyErrorKind::VerifierInvariant { detail: "operand out of bounds" })
                })?;
                if matches!(instr, Instr::Ret) && height != returns {
                    let kind = VerifyErrorKind::RetStackMismatch { expected: returns, found: height };
                    return Err(view.error(Some(offset), kind));
                }
                if height < pops {
                    let instruction = instr.info().mnemonic;
                    let kind = VerifyErrorKind::StackUnderflow { instruction, needed: pops, available: height };
                    return Err(view.error(Some(offset), kind));
                }
                height = height - pops + pushes;
                if height > MAX_STACK_HEIGHT {
                    let kind = VerifyErrorKind::StackTooDeep { height, max: MAX_STACK_HEIGHT };
                    return Err(view.error(Some(offset), kind));
                }
            }
            Ok(height)
        },
        |current, incoming, edge| {
            if current == incoming {
                return Ok(false);
            }
            let target = cfg::offset16(edge.target);
            let kind = VerifyErrorKind::StackHeightMismatch { target, expected: *current, found: *incoming };
            Err(view.error(Some(edge.from), kind))
        },
    )?;
    Ok(cfg)
}
