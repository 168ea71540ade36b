//! Pass 5, types: abstract interpretation with a type for every stack slot.
//! Locals keep their declared types (parameters, then `locals`), so only the
//! stack flows; at a merge point every path must bring the same stack types.
//!
//! Mutability is not checked here: where an instruction needs a `&mut`, either
//! kind of reference to the right type passes, and the references pass rejects
//! the immutable one by name. Abilities are not checked here either: the
//! resources pass does that with the operand types this pass records.
//!
//! Generic code is typed in terms of the function's own type parameters
//! (`T0` equals only `T0`): a generic instruction's struct or callee types
//! are its declared ones with the instantiation's arguments substituted, and
//! every type built so is held to the type size limits (`TypeTooDeep`,
//! `TypeTooLarge`), so nesting cannot grow past them by substitution.

use std::rc::Rc;

use smallvec::SmallVec;

use super::cfg::{self, Cfg};
use super::error::{VerifyError, VerifyErrorKind};
use super::generics::{self, StructInst};
use super::{limits, stack, ty, FunctionView};
use resin_format::file_format::{Instr, LocalIdx, SignatureIdx, StructDef, StructDefIdx, Type};

fn name_of(instr: &Instr) -> &'static str {
    instr.info().mnemonic
}

/// A stack slot's type. Shared, so that copying a block's entry state is a
/// reference-count bump per slot, not a deep copy of every nested type.
type Slot = Rc<Type>;

/// The operands each reachable instruction pops, deepest first, recorded for
/// every instruction that pops at most three (all the later passes inspect).
pub(crate) struct TypeFacts {
    operands: Vec<Option<SmallVec<[Slot; 3]>>>,
}

impl TypeFacts {
    pub fn operands(&self, offset: usize) -> Option<&[Slot]> {
        self.operands.get(offset).and_then(|o| o.as_deref())
    }
}

pub(crate) fn verify(view: &FunctionView<'_>, cfg: &Cfg) -> Result<TypeFacts, VerifyError> {
    let code = &view.def.code;
    let mut facts = TypeFacts { operands: vec![None; code.len()] };
    let checker = Checker { view, locals: (0..view.local_count()).map(|i| local_slot(view, i)).collect() };
    cfg::solve(
        view,
        cfg,
        Vec::<Slot>::new(),
        Vec::len,
        |block, mut stack| {
            for offset in block.start..block.end {
                let instr = code.get(offset).ok_or_else(|| checker.invariant(offset, "block past the code"))?;
                let operands = checker.step(&mut stack, offset, instr)?;
                if let Some(slot) = facts.operands.get_mut(offset) {
                    *slot = operands;
                }
            }
            Ok(stack)
        },
        |current, incoming, edge| {
            if current == incoming {
                return Ok(false);
            }
            let kind = VerifyErrorKind::JoinTypeMismatch {
                target: cfg::offset16(edge.target),
                expected: ty::display_list(view.module, current).into(),
                found: ty::display_list(view.module, incoming).into(),
            };
            Err(view.error(Some(edge.from), kind))
        },
    )?;
    Ok(facts)
}

struct Checker<'v, 'm> {
    view: &'v FunctionView<'m>,
    /// Parameter and local types, ready to push.
    locals: Vec<Slot>,
}

fn local_slot(view: &FunctionView<'_>, index: usize) -> Slot {
    let local = LocalIdx(u8::try_from(index).unwrap_or(u8::MAX));
    // Out-of-range locals are rejected by bounds; `bool` keeps this total.
    Rc::new(view.local_type(local).cloned().unwrap_or(Type::Bool))
}

/// `&T` or `&mut T`: the referenced type.
fn referent(ty: &Type) -> Option<&Type> {
    match ty {
        Type::Ref(inner) | Type::MutRef(inner) => Some(inner),
        _ => None,
    }
}

fn boxed(ty: &Type) -> Box<Type> {
    Box::new(ty.clone())
}

impl Checker<'_, '_> {
    /// `ty`, when it is within the type size limits (it was built by substitution).
    fn sized(&self, offset: usize, ty: Type) -> Result<Type, VerifyError> {
        limits::check_depth(&ty).map_err(|kind| self.view.error(Some(offset), kind))?;
        Ok(ty)
    }

    fn invariant(&self, offset: usize, detail: &'static str) -> VerifyError {
        self.view.error(Some(offset), VerifyErrorKind::VerifierInvariant { detail })
    }

    fn display(&self, ty: &Type) -> String {
        ty::display(self.view.module, ty)
    }

    /// Pops `instr`'s operands, checks them, pushes its results; returns the
    /// operands when there are at most three of them.
    fn step(
        &self,
        stack: &mut Vec<Slot>,
        offset: usize,
        instr: &Instr,
    ) -> Result<Option<SmallVec<[Slot; 3]>>, VerifyError> {
        let module = self.view.module;
        let (pops, _) = stack::effect(module, self.view.handle.returns.len(), instr)
            .ok_or_else(|| self.invariant(offset, "operand out of bounds"))?;
        let split = stack.len().checked_sub(pops).ok_or_else(|| self.invariant(offset, "stack underflow"))?;
        let operands: SmallVec<[Slot; 3]> = stack.drain(split..).collect();
        let name = instr.info().mnemonic;
        let mismatch = |expected: String, found: &Type| {
            let kind = VerifyErrorKind::TypeMismatch {
                instruction: name,
                expected: expected.into(),
                found: self.display(found).into(),
            };
            self.view.error(Some(offset), kind)
        };
        let exact = |expected: &Type, found: &Type| {
            if expected == found {
                Ok(())
            } else {
                Err(mismatch(format!("`{}`", self.display(expected)), found))
            }
        };
        let integer =
            |found: &Type| if found.is_integer() { Ok(()) } else { Err(mismatch("an integer".into(), found)) };
        // A reference (either kind, see the module docs) to exactly `expected`.
        let reference_to = |expected: &Type, found: &Type| match referent(found) {
            Some(inner) if inner == expected => Ok(()),
            _ => Err(mismatch(format!("a reference to `{}`", self.display(expected)), found)),
        };
        let all_exact =
            |expected: &[Type], found: &[Slot]| expected.iter().zip(found).try_for_each(|(e, f)| exact(e, f));
        let local = |l: &LocalIdx| {
            self.locals.get(usize::from(l.0)).ok_or_else(|| self.invariant(offset, "local out of bounds"))
        };
        let struct_def = |d: &StructDefIdx| -> Result<(&StructDef, Type), VerifyError> {
            let def = module.structs.get(d.index()).ok_or_else(|| self.invariant(offset, "struct out of bounds"))?;
            Ok((def, Type::Struct(def.handle)))
        };
        let element = |s: &SignatureIdx| {
            module.signatures.get(s.index()).ok_or_else(|| self.invariant(offset, "signature out of bounds"))
        };
        let wrong_arity = || self.invariant(offset, "operand count differs from the stack effect");
        let inst = |i: &resin_format::file_format::StructInstIdx| -> Result<(StructInst<'_>, Type), VerifyError> {
            let inst = generics::struct_inst(module, *i)
                .ok_or_else(|| self.invariant(offset, "struct instantiation out of bounds"))?;
            let ty = self.sized(offset, inst.ty())?;
            Ok((inst, ty))
        };
        let field_type = |inst: &StructInst<'_>, field: usize| -> Result<Type, VerifyError> {
            let ty = inst.field_type(field).ok_or_else(|| self.invariant(offset, "field out of bounds"))?;
            self.sized(offset, ty)
        };
        // The resource a keyed or counter instruction names, plain or generic.
        let resource_of = |instr: &Instr| -> Result<Type, VerifyError> {
            match generics::struct_operand(module, instr) {
                Some((d, [])) => Ok(struct_def(&d)?.1),
                Some(_) => match instr {
                    ExistsKeyedGeneric(i)
                    | ImmBorrowGlobalKeyedGeneric(i)
                    | MutBorrowGlobalKeyedGeneric(i)
                    | MoveFromKeyedGeneric(i)
                    | MoveToKeyedGeneric(i)
                    | CounterAddGeneric(i)
                    | CounterAddKeyedGeneric(i) => Ok(inst(i)?.1),
                    _ => Err(self.invariant(offset, "not a keyed or counter instruction")),
                },
                None => Err(self.invariant(offset, "struct out of bounds")),
            }
        };
        // A counter's one field, an unsigned integer, as instantiated.
        let counter_field = |instr: &Instr| -> Result<Type, VerifyError> {
            let field = match instr {
                CounterAdd(d) | CounterAddKeyed(d) => match struct_def(d)?.0.fields.as_slice() {
                    [only] => Some(only.ty.clone()),
                    _ => None,
                },
                CounterAddGeneric(i) | CounterAddKeyedGeneric(i) => {
                    let (inst, _) = inst(i)?;
                    if inst.def.fields.len() == 1 {
                        Some(field_type(&inst, 0)?)
                    } else {
                        None
                    }
                }
                _ => None,
            };
            // Not `u256`: a transaction's adds to a counter travel as one
            // delta in its write set (`Change::Add`, a u128), which cannot
            // hold a u256 amount; a u256 total is kept with a plain resource
            // and `write` access instead.
            match field {
                Some(ty) if ty.is_integer() && ty != Type::U256 => Ok(ty),
                _ => {
                    let name = match generics::struct_operand(module, instr) {
                        Some((d, args)) => module
                            .structs
                            .get(d.index())
                            .map_or_else(|| "?".to_string(), |s| ty::resource_display(module, s.handle, args)),
                        None => "?".to_string(),
                    };
                    let kind = VerifyErrorKind::NotACounter { instruction: name_of(instr), name: name.into() };
                    Err(self.view.error(Some(offset), kind))
                }
            }
        };
        // An index is a value: never a reference (its abilities, `copy`
        // and `drop`, are the resources pass's to check).
        let index_value = |found: &Type| {
            if found.is_reference() {
                Err(mismatch("an index value (not a reference)".into(), found))
            } else {
                Ok(())
            }
        };

        use Instr::*;
        let mut push = |slot: Slot| stack.push(slot);
        match (instr, operands.as_slice()) {
            (Pop, [_]) | (Branch(_), []) | (Nop, []) => {}
            (Ret, found) => all_exact(&self.view.handle.returns, found)?,
            (BrTrue(_) | BrFalse(_), [cond]) => exact(&Type::Bool, cond)?,
            (LdU8(_), []) => push(Type::U8.into()),
            (LdU64(_), []) => push(Type::U64.into()),
            (LdU128(_), []) => push(Type::U128.into()),
            (LdU16(_), []) => push(Type::U16.into()),
            (LdU32(_), []) => push(Type::U32.into()),
            (LdU256(_), []) => push(Type::U256.into()),
            (LdTrue | LdFalse, []) => push(Type::Bool.into()),
            (LdConst(c), []) => {
                let constant =
                    module.constants.get(c.index()).ok_or_else(|| self.invariant(offset, "constant out of bounds"))?;
                push(constant.ty.clone().into());
            }
            (CopyLoc(l) | MoveLoc(l), []) => push(Rc::clone(local(l)?)),
            (StLoc(l), [value]) => exact(local(l)?, value)?,
            (ImmBorrowLoc(l) | MutBorrowLoc(l), []) => {
                let local_ty = local(l)?;
                if local_ty.is_reference() {
                    return Err(mismatch("a local that is not a reference".into(), local_ty));
                }
                push(Slot::new(if matches!(instr, ImmBorrowLoc(_)) {
                    Type::Ref(boxed(local_ty))
                } else {
                    Type::MutRef(boxed(local_ty))
                }));
            }
            (ImmBorrowField(field) | MutBorrowField(field), [reference]) => {
                let (def, owner) = struct_def(&field.owner)?;
                reference_to(&owner, reference)?;
                let field_def = def
                    .fields
                    .get(usize::from(field.field))
                    .ok_or_else(|| self.invariant(offset, "field out of bounds"))?;
                let field_ty = boxed(&field_def.ty);
                push(
                    if matches!(instr, ImmBorrowField(_)) { Type::Ref(field_ty) } else { Type::MutRef(field_ty) }
                        .into(),
                );
            }
            (ReadRef, [reference]) => match referent(reference) {
                Some(inner) => push(inner.clone().into()),
                None => return Err(mismatch("a reference".into(), reference)),
            },
            (WriteRef, [value, reference]) => reference_to(value, reference)?,
            (FreezeRef, [reference]) => match &**reference {
                Type::MutRef(inner) => push(Type::Ref(inner.clone()).into()),
                _ => return Err(mismatch("a `&mut` reference".into(), reference)),
            },
            (Call(f), args) => {
                let callee = module.function_handle(*f).ok_or_else(|| self.invariant(offset, "call out of bounds"))?;
                all_exact(&callee.params, args)?;
                callee.returns.iter().cloned().map(Slot::new).for_each(&mut push);
            }
            (Pack(d), fields) => {
                let (def, packed) = struct_def(d)?;
                let field_types: Vec<Type> = def.fields.iter().map(|f| f.ty.clone()).collect();
                all_exact(&field_types, fields)?;
                push(packed.into());
            }
            (Unpack(d), [value]) => {
                let (def, packed) = struct_def(d)?;
                exact(&packed, value)?;
                def.fields.iter().map(|f| Slot::new(f.ty.clone())).for_each(&mut push);
            }
            (Add | Sub | Mul | Div | Mod | BitAnd | BitOr | Xor, [a, b]) => {
                integer(a)?;
                exact(a, b)?;
                push(a.clone());
            }
            (Shl | Shr, [a, amount]) => {
                integer(a)?;
                exact(&Type::U8, amount)?;
                push(a.clone());
            }
            (And | Or, [a, b]) => {
                exact(&Type::Bool, a)?;
                exact(&Type::Bool, b)?;
                push(Type::Bool.into());
            }
            (Not, [a]) => {
                exact(&Type::Bool, a)?;
                push(Type::Bool.into());
            }
            (Eq | Neq, [a, b]) => {
                exact(a, b)?;
                push(Type::Bool.into());
            }
            (Lt | Gt | Le | Ge, [a, b]) => {
                integer(a)?;
                exact(a, b)?;
                push(Type::Bool.into());
            }
            (CastU8 | CastU16 | CastU32 | CastU64 | CastU128 | CastU256, [a]) => {
                integer(a)?;
                push(
                    match instr {
                        CastU8 => Type::U8,
                        CastU16 => Type::U16,
                        CastU32 => Type::U32,
                        CastU64 => Type::U64,
                        CastU256 => Type::U256,
                        _ => Type::U128,
                    }
                    .into(),
                );
            }
            (Abort, [code]) => exact(&Type::U64, code)?,
            (Exists(d) | ImmBorrowGlobal(d) | MutBorrowGlobal(d) | MoveFrom(d), [address]) => {
                let (_, resource) = struct_def(d)?;
                exact(&Type::Address, address)?;
                push(
                    match instr {
                        Exists(_) => Type::Bool,
                        ImmBorrowGlobal(_) => Type::Ref(Box::new(resource)),
                        MutBorrowGlobal(_) => Type::MutRef(Box::new(resource)),
                        _ => resource,
                    }
                    .into(),
                );
            }
            (MoveTo(d), [signer, value]) => {
                let (_, resource) = struct_def(d)?;
                exact(&Type::Ref(Box::new(Type::Signer)), signer)?;
                exact(&resource, value)?;
            }
            (SignerAddress, [signer]) => {
                exact(&Type::Ref(Box::new(Type::Signer)), signer)?;
                push(Type::Address.into());
            }
            (Emit(d), [value]) => exact(&struct_def(d)?.1, value)?,
            (CallGeneric(f), args) => {
                let (_, callee, type_args) =
                    generics::function_inst(module, *f).ok_or_else(|| self.invariant(offset, "call out of bounds"))?;
                let instantiate = |t: &Type| self.sized(offset, t.substitute(type_args));
                let params = callee.params.iter().map(instantiate).collect::<Result<Vec<_>, _>>()?;
                all_exact(&params, args)?;
                for ret in &callee.returns {
                    push(Slot::new(instantiate(ret)?));
                }
            }
            (PackGeneric(i), fields) => {
                let (inst, packed) = inst(i)?;
                let field_types =
                    (0..inst.def.fields.len()).map(|f| field_type(&inst, f)).collect::<Result<Vec<_>, _>>()?;
                all_exact(&field_types, fields)?;
                push(packed.into());
            }
            (UnpackGeneric(i), [value]) => {
                let (inst, packed) = inst(i)?;
                exact(&packed, value)?;
                for f in 0..inst.def.fields.len() {
                    push(Slot::new(field_type(&inst, f)?));
                }
            }
            (ImmBorrowFieldGeneric(field) | MutBorrowFieldGeneric(field), [reference]) => {
                let (inst, owner) = inst(&field.owner)?;
                reference_to(&owner, reference)?;
                let field_ty = Box::new(field_type(&inst, usize::from(field.field))?);
                push(
                    if matches!(instr, ImmBorrowFieldGeneric(_)) {
                        Type::Ref(field_ty)
                    } else {
                        Type::MutRef(field_ty)
                    }
                    .into(),
                );
            }
            (
                ExistsGeneric(i) | ImmBorrowGlobalGeneric(i) | MutBorrowGlobalGeneric(i) | MoveFromGeneric(i),
                [address],
            ) => {
                let (_, resource) = inst(i)?;
                exact(&Type::Address, address)?;
                push(
                    match instr {
                        ExistsGeneric(_) => Type::Bool,
                        ImmBorrowGlobalGeneric(_) => Type::Ref(Box::new(resource)),
                        MutBorrowGlobalGeneric(_) => Type::MutRef(Box::new(resource)),
                        _ => resource,
                    }
                    .into(),
                );
            }
            (MoveToGeneric(i), [signer, value]) => {
                let (_, resource) = inst(i)?;
                exact(&Type::Ref(Box::new(Type::Signer)), signer)?;
                exact(&resource, value)?;
            }
            (EmitGeneric(i), [value]) => exact(&inst(i)?.1, value)?,
            (
                ExistsKeyed(_)
                | ImmBorrowGlobalKeyed(_)
                | MutBorrowGlobalKeyed(_)
                | MoveFromKeyed(_)
                | ExistsKeyedGeneric(_)
                | ImmBorrowGlobalKeyedGeneric(_)
                | MutBorrowGlobalKeyedGeneric(_)
                | MoveFromKeyedGeneric(_),
                [address, index],
            ) => {
                let resource = resource_of(instr)?;
                exact(&Type::Address, address)?;
                index_value(index)?;
                push(
                    match instr {
                        ExistsKeyed(_) | ExistsKeyedGeneric(_) => Type::Bool,
                        ImmBorrowGlobalKeyed(_) | ImmBorrowGlobalKeyedGeneric(_) => Type::Ref(Box::new(resource)),
                        MutBorrowGlobalKeyed(_) | MutBorrowGlobalKeyedGeneric(_) => Type::MutRef(Box::new(resource)),
                        _ => resource,
                    }
                    .into(),
                );
            }
            (MoveToKeyed(_) | MoveToKeyedGeneric(_), [address, index, value]) => {
                let resource = resource_of(instr)?;
                exact(&Type::Address, address)?;
                index_value(index)?;
                exact(&resource, value)?;
            }
            (CounterAdd(_) | CounterAddGeneric(_), [address, amount]) => {
                let field = counter_field(instr)?;
                exact(&Type::Address, address)?;
                exact(&field, amount)?;
            }
            (CounterAddKeyed(_) | CounterAddKeyedGeneric(_), [address, index, amount]) => {
                let field = counter_field(instr)?;
                exact(&Type::Address, address)?;
                index_value(index)?;
                exact(&field, amount)?;
            }
            (VecDestroyEmpty(s), [vector]) => exact(&Type::Vector(boxed(element(s)?)), vector)?,
            (VecReverse(s), [vector]) => reference_to(&Type::Vector(boxed(element(s)?)), vector)?,
            (VecRemove(s), [vector, index]) => {
                let elem = element(s)?;
                reference_to(&Type::Vector(boxed(elem)), vector)?;
                exact(&Type::U64, index)?;
                push(elem.clone().into());
            }
            (VecInsert(s), [vector, value, index]) => {
                let elem = element(s)?;
                reference_to(&Type::Vector(boxed(elem)), vector)?;
                exact(elem, value)?;
                exact(&Type::U64, index)?;
            }
            (VecAppend(s), [vector, other]) => {
                let vector_ty = Type::Vector(boxed(element(s)?));
                reference_to(&vector_ty, vector)?;
                exact(&vector_ty, other)?;
            }
            (VecContains(s) | VecIndexOf(s), [vector, value]) => {
                let elem = element(s)?;
                reference_to(&Type::Vector(boxed(elem)), vector)?;
                reference_to(elem, value)?;
                push(Type::Bool.into());
                if matches!(instr, VecIndexOf(_)) {
                    push(Type::U64.into());
                }
            }
            (Sha3_256 | Blake3, [bytes]) => {
                let bytes_ty = Type::Vector(Box::new(Type::U8));
                exact(&bytes_ty, bytes)?;
                push(bytes_ty.into());
            }
            (BlockTimestamp | BlockHeight, []) => push(Type::U64.into()),
            (TestSetBlockTimestamp | TestSetBlockHeight, [value]) => exact(&Type::U64, value)?,
            (TypeName(s), []) => {
                element(s)?;
                push(Type::Vector(Box::new(Type::U8)).into());
            }
            (TypeIsStruct(s), []) => {
                element(s)?;
                push(Type::Bool.into());
            }
            (ObjectAddress | ObjectSigner, [creator, seed]) => {
                exact(&Type::Address, creator)?;
                exact(&Type::Vector(Box::new(Type::U8)), seed)?;
                push(if matches!(instr, ObjectAddress) { Type::Address } else { Type::Signer }.into());
            }
            (VecPack(s, _), elems) => {
                let elem = element(s)?;
                elems.iter().try_for_each(|e| exact(elem, e))?;
                push(Type::Vector(boxed(elem)).into());
            }
            (VecUnpack(s, n), [vector]) => {
                let elem = element(s)?;
                exact(&Type::Vector(boxed(elem)), vector)?;
                let count = usize::try_from(*n).map_err(|_| wrong_arity())?;
                let slot = Slot::new(elem.clone());
                (0..count).for_each(|_| push(Rc::clone(&slot)));
            }
            (VecLen(s) | VecPopBack(s), [vector]) => {
                let elem = element(s)?;
                reference_to(&Type::Vector(boxed(elem)), vector)?;
                push(if matches!(instr, VecLen(_)) { Type::U64 } else { elem.clone() }.into());
            }
            (VecImmBorrow(s) | VecMutBorrow(s), [vector, index]) => {
                let elem = element(s)?;
                reference_to(&Type::Vector(boxed(elem)), vector)?;
                exact(&Type::U64, index)?;
                push(
                    if matches!(instr, VecImmBorrow(_)) { Type::Ref(boxed(elem)) } else { Type::MutRef(boxed(elem)) }
                        .into(),
                );
            }
            (VecPushBack(s), [vector, value]) => {
                let elem = element(s)?;
                reference_to(&Type::Vector(boxed(elem)), vector)?;
                exact(elem, value)?;
            }
            (VecSwap(s), [vector, i, j]) => {
                reference_to(&Type::Vector(boxed(element(s)?)), vector)?;
                exact(&Type::U64, i)?;
                exact(&Type::U64, j)?;
            }
            _ => return Err(wrong_arity()),
        }
        Ok((operands.len() <= 3).then_some(operands))
    }
}
