//! Numbers every expression in evaluation order (the order codegen emits
//! them) and records where each local is used and bound. The borrow check
//! asks "is reference `r` used after this point?" with these numbers.

use super::tir::{LocalId, TBlock, TExp, TExpKind, TFunction, TLValue, TPattern, TStmt};

/// Where each local is read or borrowed (ascending) and where it is bound.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Uses {
    pub reads: Vec<Vec<u32>>,
    /// The position of the binding `let` (0 for parameters).
    pub bound_at: Vec<u32>,
}

impl Uses {
    /// True when `local` is read at a position in `(after, until]`.
    pub fn read_between(&self, local: LocalId, after: u32, until: u32) -> bool {
        let Some(reads) = self.reads.get(local.index()) else { return false };
        let start = reads.partition_point(|&p| p <= after);
        reads.get(start).is_some_and(|&p| p <= until)
    }

    /// Every read of `local` after `after`.
    pub fn reads_after(&self, local: LocalId, after: u32) -> &[u32] {
        let Some(reads) = self.reads.get(local.index()) else { return &[] };
        let start = reads.partition_point(|&p| p <= after);
        &reads[start..]
    }
}

struct Numberer {
    next: u32,
    uses: Uses,
}

/// Assigns `pos`/`first` to every expression of `fun` and collects its uses.
pub fn number(fun: &mut TFunction) -> Uses {
    let n = fun.locals.len();
    let mut numberer = Numberer { next: 1, uses: Uses { reads: vec![Vec::new(); n], bound_at: vec![0; n] } };
    numberer.block(&mut fun.body);
    numberer.uses
}

impl Numberer {
    fn tick(&mut self) -> u32 {
        let pos = self.next;
        self.next = self.next.saturating_add(1);
        pos
    }

    fn read(&mut self, local: LocalId, pos: u32) {
        if let Some(list) = self.uses.reads.get_mut(local.index()) {
            list.push(pos);
        }
    }

    fn block(&mut self, block: &mut TBlock) {
        for stmt in &mut block.stmts {
            match stmt {
                TStmt::Let { pattern, init, .. } => {
                    if let Some(init) = init {
                        self.exp(init);
                    }
                    let pos = self.tick();
                    self.bind(pattern, pos);
                }
                TStmt::Expr(e) => self.exp(e),
            }
        }
        if let Some(tail) = &mut block.tail {
            self.exp(tail);
        }
    }

    fn bind(&mut self, pattern: &TPattern, pos: u32) {
        match pattern {
            TPattern::Bind(local, _) => {
                if let Some(slot) = self.uses.bound_at.get_mut(local.index()) {
                    *slot = pos;
                }
            }
            TPattern::Wildcard(..) => {}
            TPattern::Tuple(items, _) | TPattern::Unpack { fields: items, .. } => {
                for item in items {
                    self.bind(item, pos);
                }
            }
        }
    }

    fn exp(&mut self, exp: &mut TExp) {
        let first = self.next;
        match &mut exp.kind {
            TExpKind::Unit | TExpKind::Value(_) | TExpKind::Constant(_) | TExpKind::Break | TExpKind::Continue => {}
            TExpKind::Copy(_) | TExpKind::Move(_) | TExpKind::BorrowLocal { .. } => {}
            TExpKind::BorrowField { base: inner, .. }
            | TExpKind::ReadRef(inner)
            | TExpKind::Freeze(inner)
            | TExpKind::Not(inner)
            | TExpKind::Cast { expr: inner, .. }
            | TExpKind::Return(inner)
            | TExpKind::Abort(inner) => self.exp(inner),
            TExpKind::Vector { elems: items, .. }
            | TExpKind::Call { args: items, .. }
            | TExpKind::Builtin { args: items, .. }
            | TExpKind::Tuple(items) => items.iter_mut().for_each(|e| self.exp(e)),
            TExpKind::Pack { fields, .. } => fields.iter_mut().for_each(|(_, e)| self.exp(e)),
            TExpKind::Binary { lhs, rhs, .. } => {
                self.exp(lhs);
                self.exp(rhs);
            }
            TExpKind::Block(block) => self.block(block),
            TExpKind::If { cond, then_branch, else_branch } => {
                self.exp(cond);
                self.exp(then_branch);
                if let Some(e) = else_branch {
                    self.exp(e);
                }
            }
            TExpKind::While { cond, body } => {
                self.exp(cond);
                self.block(body);
            }
            TExpKind::Loop { body } => self.block(body),
            TExpKind::Assign { target, value } => {
                self.exp(value);
                if let TLValue::Ref(reference) = target {
                    self.exp(reference);
                }
            }
        }
        exp.pos = self.tick();
        exp.first = first.min(exp.pos);
        if let TExpKind::Copy(local) | TExpKind::Move(local) | TExpKind::BorrowLocal { local, .. } = exp.kind {
            self.read(local, exp.pos);
        }
    }
}
