//! Emitting control flow: `if`, loop bodies, and stores into patterns; and
//! the last-read test that turns a final copy into a move.

use resin_format::file_format::Instr;

use super::func::{FunctionGen, Label, LoopLabels};
use super::CodegenError;
use crate::typeck::tir::{LocalId, TBlock, TExp, TExpKind, TPattern};

impl FunctionGen<'_, '_> {
    pub(super) fn if_exp(
        &mut self,
        cond: &TExp,
        then_branch: &TExp,
        else_branch: Option<&TExp>,
    ) -> Result<bool, CodegenError> {
        if !self.exp(cond)? {
            return Ok(false);
        }
        if let (TExpKind::Unit, Some(else_branch)) = (&then_branch.kind, else_branch) {
            // `assert!`: `if (c) () else abort e`.
            let end = self.new_label();
            self.jump(Instr::BrTrue, end);
            self.exp(else_branch)?;
            self.bind(end)?;
            return Ok(true);
        }
        if else_branch.is_none() {
            // `if (c) break;` / `if (c) continue;`: one conditional jump.
            if let (Some(labels), TExpKind::Break | TExpKind::Continue) = (self.loops.last(), &then_branch.kind) {
                let target = if matches!(then_branch.kind, TExpKind::Break) { labels.exit } else { labels.head };
                self.jump(Instr::BrTrue, target);
                return Ok(true);
            }
        }
        let else_label = self.new_label();
        self.jump(Instr::BrFalse, else_label);
        let then_completes = self.exp(then_branch)?;
        let Some(else_branch) = else_branch else {
            self.bind(else_label)?;
            return Ok(true);
        };
        let end = self.new_label();
        if then_completes {
            self.jump(Instr::Branch, end);
        }
        self.bind(else_label)?;
        let else_completes = self.exp(else_branch)?;
        self.bind(end)?;
        Ok(then_completes || else_completes)
    }

    pub(super) fn loop_body(&mut self, body: &TBlock, head: Label, exit: Label) -> Result<(), CodegenError> {
        self.loops.push(LoopLabels { head, exit });
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

    /// Stores the value(s) on the stack into a pattern.
    pub(super) fn store(&mut self, pattern: &TPattern) -> Result<(), CodegenError> {
        match pattern {
            TPattern::Bind(local, _) => {
                let slot = self.slot(*local)?;
                self.emit(Instr::StLoc(slot));
            }
            TPattern::Wildcard(ty, _) => {
                for _ in ty.values() {
                    self.emit(Instr::Pop);
                }
            }
            TPattern::Tuple(items, _) => {
                for item in items.iter().rev() {
                    self.store(item)?;
                }
            }
            TPattern::Unpack { strukt, fields, .. } => {
                let def = self.struct_def(*strukt)?;
                self.emit(Instr::Unpack(def));
                for field in fields.iter().rev() {
                    self.store(field)?;
                }
            }
        }
        Ok(())
    }
}
