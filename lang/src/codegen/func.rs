//! Emitting one function: typed IR to instructions.
//!
//! References leave their locals where the borrow check expects them to die
//! ([`crate::typeck::liveness`]): the last read of a reference local is a
//! `move_loc`, a reference stored and never read is popped, and entering one
//! side of a split releases (`move_loc; pop`) the references dead there. So
//! the verifier sees no borrow the source had already ended.
//!
//! Every statement leaves the operand stack as it found it. Control flow
//! keeps values on the stack only where every path agrees on the height: an
//! operand sequence (call arguments, operator operands, ...) whose later
//! operand may `return`, `break` or `continue` is first stored in temporaries,
//! so no jump ever leaves stray values behind. After an operand that never
//! completes (type `!`), the rest of the sequence is not emitted.

use resin_format::file_format::{CodeOffset, FunctionDef, Instr, LocalIdx, StructDefIdx, Type, Visibility};

use super::tables::Tables;
use super::CodegenError;
use crate::ast::IntType;
use crate::resolve::env::StructId;
use crate::source::Span;
use crate::typeck::tir::{LocalId, TBlock, TExp, TExpKind, TFunction, TLValue, TStmt};
use crate::typeck::ty::Ty;

use crate::typeck::liveness::Edge;

/// The reference under a `freeze_ref`, for instructions that take either kind.
pub(super) fn unfrozen(exp: &TExp) -> &TExp {
    exp.unfrozen()
}

#[derive(Clone, Copy)]
pub(super) struct Label(pub(super) usize);

pub(super) struct LoopLabels {
    pub(super) head: Label,
    pub(super) exit: Label,
    /// How many spilled references were waiting when the loop started.
    pub(super) spilled: usize,
}

pub struct FunctionGen<'t, 'a> {
    pub(super) tables: &'t mut Tables<'a>,
    pub(super) uses: &'t crate::typeck::number::Uses,
    pub(super) live: &'t crate::typeck::liveness::RefLiveness,
    borrowed_reads: &'t std::collections::HashSet<u32>,
    code: Vec<Instr>,
    pub(super) labels: Vec<Option<u16>>,
    fixups: Vec<(usize, Label)>,
    pub(super) loops: Vec<LoopLabels>,
    /// Evaluation-position ranges of the loops being emitted, condition included.
    pub(super) loop_ranges: Vec<(u32, u32)>,
    /// Slot of each typed-IR local.
    slots: Vec<LocalIdx>,
    /// Types of the slots after the parameters.
    local_types: Vec<Type>,
    param_count: usize,
    /// Which parameters are references (the release pass needs every slot's).
    reference_params: Vec<bool>,
    /// Temporaries holding a reference operand while a later operand that
    /// may jump is evaluated (see [`Self::operands`]); a jump out of a loop
    /// releases those spilled inside it.
    pub(super) spilled: Vec<LocalIdx>,
    /// The span of the innermost expression being emitted: what each
    /// instruction's source map entry names.
    span: Span,
    /// Per instruction of `code`, the span it was emitted for.
    spans: Vec<Span>,
}

/// A function definition with, per instruction, the source span it came from.
pub struct GeneratedFunction {
    pub def: FunctionDef,
    pub spans: Vec<Span>,
}

/// Emits `fun` as a definition whose handle is `handle`.
pub fn generate(
    tables: &mut Tables<'_>,
    fun: &TFunction,
    handle: resin_format::file_format::FunctionHandleIdx,
    visibility: Visibility,
    is_entry: bool,
) -> Result<GeneratedFunction, CodegenError> {
    let mut gen = FunctionGen {
        tables,
        uses: &fun.uses,
        live: &fun.liveness,
        borrowed_reads: &fun.borrowed_reads,
        code: Vec::new(),
        labels: Vec::new(),
        fixups: Vec::new(),
        loops: Vec::new(),
        loop_ranges: Vec::new(),
        slots: Vec::with_capacity(fun.locals.len()),
        local_types: Vec::new(),
        param_count: fun.param_count,
        reference_params: fun
            .locals
            .iter()
            .take(fun.param_count)
            .map(|l| matches!(l.ty, Ty::Ref(_) | Ty::MutRef(_)))
            .collect(),
        spilled: Vec::new(),
        span: fun.span,
        spans: Vec::new(),
    };
    for (index, local) in fun.locals.iter().enumerate() {
        let slot = if index < fun.param_count {
            LocalIdx(u8::try_from(index).map_err(|_| CodegenError::TooManyLocals)?)
        } else {
            gen.new_slot(&local.ty)?
        };
        gen.slots.push(slot);
    }
    let completes = gen.block(&fun.body)?;
    if completes {
        gen.emit(Instr::Ret);
    }
    gen.finish(handle, visibility, is_entry)
}

impl FunctionGen<'_, '_> {
    pub(super) fn new_slot(&mut self, ty: &Ty) -> Result<LocalIdx, CodegenError> {
        // A local only bound in unreachable code has no value type; any slot type does.
        let ty = match ty {
            Ty::Never | Ty::Error => Type::Bool,
            other => self.tables.ty(other)?,
        };
        let index = self.param_count + self.local_types.len();
        let slot = u8::try_from(index).ok().filter(|&i| i < u8::MAX).ok_or(CodegenError::TooManyLocals)?;
        self.local_types.push(ty);
        Ok(LocalIdx(slot))
    }

    pub(super) fn slot(&self, local: LocalId) -> Result<LocalIdx, CodegenError> {
        self.slots.get(local.index()).copied().ok_or(CodegenError::Internal("local without a slot"))
    }

    pub(super) fn emit(&mut self, instr: Instr) {
        self.code.push(instr);
        self.spans.push(self.span);
    }

    pub(super) fn new_label(&mut self) -> Label {
        self.labels.push(None);
        Label(self.labels.len() - 1)
    }

    pub(super) fn bind(&mut self, label: Label) -> Result<(), CodegenError> {
        let offset = u16::try_from(self.code.len()).map_err(|_| CodegenError::CodeTooLarge)?;
        if let Some(slot) = self.labels.get_mut(label.0) {
            *slot = Some(offset);
        }
        Ok(())
    }

    /// Emits a jump to `label` (patched in `finish`).
    pub(super) fn jump(&mut self, make: fn(CodeOffset) -> Instr, label: Label) {
        self.fixups.push((self.code.len(), label));
        self.emit(make(CodeOffset(0)));
    }

    fn finish(
        self,
        handle: resin_format::file_format::FunctionHandleIdx,
        visibility: Visibility,
        is_entry: bool,
    ) -> Result<GeneratedFunction, CodegenError> {
        let mut code = self.code;
        if code.len() >= usize::from(u16::MAX) {
            return Err(CodegenError::CodeTooLarge);
        }
        for (at, label) in self.fixups {
            let target = self.labels.get(label.0).copied().flatten().ok_or(CodegenError::Internal("unbound label"))?;
            if usize::from(target) >= code.len() {
                return Err(CodegenError::Internal("jump past the end of the code"));
            }
            let target = CodeOffset(target);
            code[at] = match code[at] {
                Instr::Branch(_) => Instr::Branch(target),
                Instr::BrTrue(_) => Instr::BrTrue(target),
                Instr::BrFalse(_) => Instr::BrFalse(target),
                other => other,
            };
        }
        let mut is_reference = self.reference_params;
        is_reference.extend(self.local_types.iter().map(Type::is_reference));
        let (code, origins) = super::release::release_dead_references(code, &is_reference)?;
        // An instruction the release pass inserted reports the span of the
        // instruction it was inserted before.
        let spans = origins.iter().map(|&o| self.spans.get(o).copied().unwrap_or(self.span)).collect();
        let def = FunctionDef { handle, visibility, is_entry, locals: self.local_types, code };
        Ok(GeneratedFunction { def, spans })
    }

    /// Emits a block; returns whether control can reach its end.
    pub(super) fn block(&mut self, block: &TBlock) -> Result<bool, CodegenError> {
        for stmt in &block.stmts {
            let completes = match stmt {
                TStmt::Let { pattern, init, .. } => match init {
                    Some(init) => {
                        if !self.exp(init)? {
                            false
                        } else {
                            self.store(pattern, init.pos)?;
                            true
                        }
                    }
                    None => true,
                },
                TStmt::Expr(e) => {
                    let completes = self.exp(e)?;
                    if completes {
                        for _ in e.ty.values() {
                            self.emit(Instr::Pop);
                        }
                    }
                    completes
                }
            };
            if !completes {
                return Ok(false);
            }
        }
        match &block.tail {
            Some(tail) => self.exp(tail),
            None => Ok(true),
        }
    }

    pub(super) fn struct_def(&self, id: StructId) -> Result<StructDefIdx, CodegenError> {
        if id.module != self.tables.own {
            return Err(CodegenError::Internal("struct operation on a foreign struct"));
        }
        Ok(StructDefIdx(u16::try_from(id.index).map_err(|_| CodegenError::TableOverflow("structs"))?))
    }

    /// Emits an expression, leaving its value(s) on the stack; returns whether
    /// control continues after it. Its instructions map to its span, those
    /// of the expressions inside it to theirs.
    pub(super) fn exp(&mut self, exp: &TExp) -> Result<bool, CodegenError> {
        let outer = std::mem::replace(&mut self.span, exp.span);
        let completes = self.exp_here(exp);
        self.span = outer;
        completes
    }

    fn exp_here(&mut self, exp: &TExp) -> Result<bool, CodegenError> {
        match &exp.kind {
            TExpKind::Unit => {}
            TExpKind::Value(value) => self.value(value)?,
            TExpKind::Constant(index) => {
                let idx = u16::try_from(*index).map_err(|_| CodegenError::TableOverflow("constants"))?;
                self.emit(Instr::LdConst(resin_format::file_format::ConstIdx(idx)));
            }
            TExpKind::Copy(local) => {
                let slot = self.slot(*local)?;
                // Copying a vector or struct costs; its last read can move it instead.
                let costly = matches!(exp.ty, Ty::Vector(_) | Ty::Struct(..));
                // A reference's last read must move it: its borrow ends there.
                // Not while a reference into the local lives: it would dangle.
                let moves = if exp.ty.is_reference() {
                    self.live.is_last_read(exp.pos)
                } else {
                    costly && !self.borrowed_reads.contains(&exp.pos) && self.is_last_read(*local, exp.pos)
                };
                self.emit(if moves { Instr::MoveLoc(slot) } else { Instr::CopyLoc(slot) });
            }
            TExpKind::Move(local) => {
                let slot = self.slot(*local)?;
                self.emit(Instr::MoveLoc(slot));
            }
            TExpKind::BorrowLocal { mutable, local } => {
                let slot = self.slot(*local)?;
                self.emit(if *mutable { Instr::MutBorrowLoc(slot) } else { Instr::ImmBorrowLoc(slot) });
            }
            TExpKind::BorrowField { mutable, base, field } => {
                // Reading through a `&mut` needs no freeze: the instruction takes either kind.
                let base = if *mutable { base } else { unfrozen(base) };
                if !self.exp(base)? {
                    return Ok(false);
                }
                let owner = base.ty.deref().cloned().unwrap_or(Ty::Error);
                let instr = self.borrow_field_instr(&owner, field.index, *mutable)?;
                self.emit(instr);
            }
            TExpKind::ReadRef(inner) => return self.unary(unfrozen(inner), Instr::ReadRef),
            TExpKind::Freeze(inner) => return self.unary(inner, Instr::FreezeRef),
            TExpKind::Not(inner) => return self.unary(inner, Instr::Not),
            TExpKind::Cast { to, expr } => {
                let instr = match to {
                    IntType::U8 => Instr::CastU8,
                    IntType::U64 => Instr::CastU64,
                    IntType::U128 => Instr::CastU128,
                    IntType::U16 => Instr::CastU16,
                    IntType::U32 => Instr::CastU32,
                    IntType::U256 => Instr::CastU256,
                };
                return self.unary(expr, instr);
            }
            TExpKind::Vector { elem, elems } => {
                let refs: Vec<&TExp> = elems.iter().collect();
                if !self.operands(&refs)? {
                    return Ok(false);
                }
                let sig = self.tables.signature(elem)?;
                self.emit(Instr::VecPack(sig, elems.len() as u64));
            }
            TExpKind::Pack { fields, .. } => return self.pack(&exp.ty, fields),
            TExpKind::Call { fun, type_args, args } => {
                let refs: Vec<&TExp> = args.iter().collect();
                if !self.operands(&refs)? {
                    return Ok(false);
                }
                let instr = self.call_instr(*fun, type_args)?;
                self.emit(instr);
            }
            TExpKind::Builtin { builtin, arg_ty, args } => return self.builtin(*builtin, arg_ty, args),
            TExpKind::Binary { op, lhs, rhs } => return self.binary(exp, *op, lhs, rhs),
            TExpKind::Tuple(items) => {
                let refs: Vec<&TExp> = items.iter().collect();
                return self.operands(&refs);
            }
            TExpKind::Block(block) => return self.block(block),
            TExpKind::If { cond, then_branch, else_branch } => {
                return self.if_exp(exp, cond, then_branch, else_branch.as_deref())
            }
            TExpKind::While { cond, body } => {
                let (head, exit) = (self.new_label(), self.new_label());
                self.bind(head)?;
                self.loop_ranges.push((exp.first, exp.pos));
                let cond_completes = self.exp(cond)?;
                if cond_completes {
                    // Leaving through the condition releases what dies after the loop.
                    let live = self.live;
                    let leave = live.releases(exp.pos, Edge::Exit);
                    let out = if leave.is_empty() { exit } else { self.new_label() };
                    self.jump(Instr::BrFalse, out);
                    self.release(live.releases(exp.pos, Edge::Body))?;
                    self.loop_body(body, head, exit)?;
                    if !leave.is_empty() {
                        self.bind(out)?;
                        self.release(leave)?;
                    }
                }
                self.loop_ranges.pop();
                self.bind(exit)?;
                return Ok(cond_completes);
            }
            TExpKind::Loop { body } => {
                let (head, exit) = (self.new_label(), self.new_label());
                self.bind(head)?;
                self.loop_ranges.push((exp.first, exp.pos));
                self.loop_body(body, head, exit)?;
                self.loop_ranges.pop();
                self.bind(exit)?;
                return Ok(exp.ty != Ty::Never);
            }
            TExpKind::Break | TExpKind::Continue => {
                let labels = self.loops.last().ok_or(CodegenError::Internal("break outside a loop"))?;
                let target = if matches!(exp.kind, TExpKind::Break) { labels.exit } else { labels.head };
                // References spilled by operands inside the loop are dropped by the jump.
                let spilled: Vec<LocalIdx> = self.spilled.get(labels.spilled..).unwrap_or_default().to_vec();
                for slot in spilled {
                    self.emit(Instr::MoveLoc(slot));
                    self.emit(Instr::Pop);
                }
                self.jump(Instr::Branch, target);
                return Ok(false);
            }
            TExpKind::Return(value) => {
                if self.exp(value)? {
                    self.emit(Instr::Ret);
                }
                return Ok(false);
            }
            TExpKind::Abort(code) => {
                if self.exp(code)? {
                    self.emit(Instr::Abort);
                }
                return Ok(false);
            }
            TExpKind::Assign { target, value } => match target {
                TLValue::Local(local) => {
                    if !self.exp(value)? {
                        return Ok(false);
                    }
                    self.store_local(*local, exp.pos)?;
                }
                TLValue::Ref(reference) => {
                    if !self.operands(&[&**value, &**reference])? {
                        return Ok(false);
                    }
                    self.emit(Instr::WriteRef);
                }
            },
        }
        Ok(exp.ty != Ty::Never)
    }

    fn unary(&mut self, inner: &TExp, instr: Instr) -> Result<bool, CodegenError> {
        if !self.exp(inner)? {
            return Ok(false);
        }
        self.emit(instr);
        Ok(true)
    }
}
