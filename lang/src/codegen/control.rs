//! Emitting control flow: `if`, loop bodies, and stores into patterns; and
//! the last-read test that turns a final copy into a move.

use resin_format::file_format::Instr;

use super::func::{FunctionGen, Label, LoopLabels};
use super::CodegenError;
use crate::typeck::liveness::Edge;
use crate::typeck::tir::{LocalId, TBlock, TExp, TExpKind, TPattern};
use crate::typeck::ty::Ty;

impl FunctionGen<'_, '_> {
    /// `exp` is the `if` itself; each side first releases the references
    /// that die on it.
    pub(super) fn if_exp(
        &mut self,
        exp: &TExp,
        cond: &TExp,
        then_branch: &TExp,
        else_branch: Option<&TExp>,
    ) -> Result<bool, CodegenError> {
        if !self.exp(cond)? {
            return Ok(false);
        }
        let live = self.live;
        let (then_releases, else_releases) = (live.releases(exp.pos, Edge::Then), live.releases(exp.pos, Edge::Else));
        if let (TExpKind::Unit, Some(else_branch), []) = (&then_branch.kind, else_branch, then_releases) {
            // `assert!`: `if (c) () else abort e`.
            let end = self.new_label();
            self.jump(Instr::BrTrue, end);
            self.release(else_releases)?;
            self.exp(else_branch)?;
            self.bind(end)?;
            return Ok(true);
        }
        if let (None, [], []) = (else_branch, then_releases, else_releases) {
            // `if (c) break;` / `if (c) continue;`: one conditional jump.
            if let (Some(labels), TExpKind::Break | TExpKind::Continue) = (self.loops.last(), &then_branch.kind) {
                if self.spilled.len() == labels.spilled {
                    let target = if matches!(then_branch.kind, TExpKind::Break) { labels.exit } else { labels.head };
                    self.jump(Instr::BrTrue, target);
                    return Ok(true);
                }
            }
        }
        let else_label = self.new_label();
        self.jump(Instr::BrFalse, else_label);
        self.release(then_releases)?;
        let then_completes = self.exp(then_branch)?;
        if else_branch.is_none() && else_releases.is_empty() {
            self.bind(else_label)?;
            return Ok(true);
        }
        let end = self.new_label();
        if then_completes {
            self.jump(Instr::Branch, end);
        }
        self.bind(else_label)?;
        self.release(else_releases)?;
        let else_completes = match else_branch {
            Some(e) => self.exp(e)?,
            None => true,
        };
        self.bind(end)?;
        Ok(then_completes || else_completes)
    }

    pub(super) fn loop_body(&mut self, body: &TBlock, head: Label, exit: Label) -> Result<(), CodegenError> {
        let spilled = self.spilled.len();
        self.loops.push(LoopLabels { head, exit, spilled });
        let completes = self.block(body)?;
        self.loops.pop();
        if completes {
            self.jump(Instr::Branch, head);
        }
        Ok(())
    }

    /// True when `local` is not read after position `pos` on any path: no
    /// later read, and no read in an enclosing loop it lives across.
    pub(super) fn is_last_read(&self, local: LocalId, pos: u32) -> bool {
        if !self.uses.reads_after(local, pos).is_empty() {
            return false;
        }
        let bound = self.uses.bound_at.get(local.index()).copied().unwrap_or(0);
        !self
            .loop_ranges
            .iter()
            .any(|&(first, last)| bound < first && self.uses.read_between(local, first.saturating_sub(1), last))
    }

    /// Stores the value on the stack into `local`, for the statement at
    /// `key`; a reference never read afterwards is dropped instead.
    pub(super) fn store_local(&mut self, local: LocalId, key: u32) -> Result<(), CodegenError> {
        if self.live.is_dead_store(key, local) {
            self.emit(Instr::Pop);
        } else {
            let slot = self.slot(local)?;
            self.emit(Instr::StLoc(slot));
        }
        Ok(())
    }

    /// Stores the value(s) on the stack into a pattern, for the `let` at `key`.
    pub(super) fn store(&mut self, pattern: &TPattern, key: u32) -> Result<(), CodegenError> {
        match pattern {
            TPattern::Bind(local, _) => self.store_local(*local, key)?,
            TPattern::Wildcard(ty, _) => {
                for _ in ty.values() {
                    self.emit(Instr::Pop);
                }
            }
            TPattern::Tuple(items, _) => {
                for item in items.iter().rev() {
                    self.store(item, key)?;
                }
            }
            TPattern::Unpack { strukt, type_args, fields, .. } => {
                let instr = self.unpack_instr(&Ty::Struct(*strukt, type_args.clone()))?;
                self.emit(instr);
                for field in fields.iter().rev() {
                    self.store(field, key)?;
                }
            }
        }
        Ok(())
    }
}
