//! Liveness of reference locals, shared by the borrow check and codegen.
//!
//! A reference held in a local keeps what it points into borrowed for as long
//! as the local holds it: that is how the bytecode verifier sees it, so a
//! reference must leave its local as soon as it is dead, or the verifier would
//! see borrows the source no longer has. This analysis says where each
//! reference local dies, and both the borrow check ([`super::flow`]) and
//! codegen act on the same answer:
//!
//! - the last read of a reference (no later read on any path before the local
//!   is assigned again) moves it out (`move_loc`) instead of copying it;
//! - a reference stored and never read is discarded (`pop`, not `st_loc`);
//! - where control splits (`if`, `while`, `&&`, `||`), a reference that is
//!   live before the split but dead on one side is released at the start of
//!   that side (`move_loc; pop`), so both sides reach the join agreeing on
//!   which locals still hold references. A side that is only
//!   `abort <literal>` is left alone: it ends the transaction without looking
//!   at any borrow.
//!
//! It is a backward dataflow over a small control-flow graph built from the
//! typed IR, with a node only for reads and stores of reference locals and
//! for the splits. Functions without reference locals skip it entirely.

use std::collections::{HashMap, HashSet};

use super::tir::{LocalId, TBlock, TExp, TExpKind, TFunction, TLValue, TPattern, TStmt};
use crate::ast::BinOp;
use crate::source::Span;

/// One side of a split, named by the construct whose position keys it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Edge {
    /// `if`: the condition held.
    Then,
    /// `if`: the condition failed (the `else` branch, or straight past an `if` without one).
    Else,
    /// `while`: into the body.
    Body,
    /// `while`: the condition failed, out of the loop.
    Exit,
    /// `&&` / `||`: the right operand runs.
    Rhs,
    /// `&&` / `||`: the left operand decided.
    Short,
}

/// Where reference locals die, keyed by evaluation positions of the typed IR.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RefLiveness {
    /// Positions of reads (`Copy`/`Move` expressions) after which the local is dead.
    last_reads: HashSet<u32>,
    /// `(position of the stored value's statement, local)` for stores never read.
    dead_stores: HashSet<(u32, LocalId)>,
    /// Locals to release on entering each side of a split.
    releases: HashMap<(u32, Edge), Vec<LocalId>>,
    /// Reference parameters no path ever reads.
    dead_params: Vec<LocalId>,
    /// Every read of each reference local, in evaluation order (for diagnostics).
    reads: HashMap<LocalId, Vec<(u32, Span)>>,
}

impl RefLiveness {
    /// Whether the read at `pos` is the last use of its local's value.
    pub fn is_last_read(&self, pos: u32) -> bool {
        self.last_reads.contains(&pos)
    }

    /// Whether the value stored into `local` by the statement at `pos` is never read.
    pub fn is_dead_store(&self, pos: u32, local: LocalId) -> bool {
        self.dead_stores.contains(&(pos, local))
    }

    /// The reference locals to release on entering `edge` of the construct at `pos`.
    pub fn releases(&self, pos: u32, edge: Edge) -> &[LocalId] {
        self.releases.get(&(pos, edge)).map_or(&[], Vec::as_slice)
    }

    pub fn dead_params(&self) -> &[LocalId] {
        &self.dead_params
    }

    /// Every read of `local` as (position, span), in evaluation order.
    pub fn reads(&self, local: LocalId) -> &[(u32, Span)] {
        self.reads.get(&local).map_or(&[], Vec::as_slice)
    }
}

/// Analyzes `fun` (already numbered).
pub fn analyze(fun: &TFunction) -> RefLiveness {
    let mut dense = vec![None; fun.locals.len()];
    let mut count = 0usize;
    for (index, local) in fun.locals.iter().enumerate() {
        if local.ty.is_reference() {
            dense[index] = Some(count);
            count += 1;
        }
    }
    if count == 0 {
        return RefLiveness::default();
    }
    let mut b = Builder { dense, words: count.div_ceil(64), nodes: Vec::new(), loops: Vec::new() };
    let exit = b.node(Kind::Nop, &[]);
    let entry = b.block(&fun.body, exit);
    let live = b.solve();
    b.results(fun, entry, &live)
}

#[derive(Clone, Copy)]
enum Kind {
    Nop,
    Read {
        local: LocalId,
        dense: usize,
        pos: u32,
        span: Span,
    },
    Store {
        local: LocalId,
        dense: usize,
        key: u32,
    },
    /// The start of one side of a split; `split` is the node that branches.
    Mark {
        pos: u32,
        edge: Edge,
        split: usize,
    },
}

struct Node {
    kind: Kind,
    succ: Vec<usize>,
}

struct Builder {
    /// Dense index of each reference local (`None` for other locals).
    dense: Vec<Option<usize>>,
    words: usize,
    nodes: Vec<Node>,
    /// `(break target, continue target)` of the enclosing loops.
    loops: Vec<(usize, usize)>,
}

type Bits = Vec<u64>;

fn set(bits: &mut Bits, i: usize) {
    if let Some(w) = bits.get_mut(i / 64) {
        *w |= 1 << (i % 64);
    }
}

fn has(bits: &Bits, i: usize) -> bool {
    bits.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
}

impl Builder {
    fn node(&mut self, kind: Kind, succ: &[usize]) -> usize {
        self.nodes.push(Node { kind, succ: succ.to_vec() });
        self.nodes.len() - 1
    }

    fn dense(&self, local: LocalId) -> Option<usize> {
        self.dense.get(local.index()).copied().flatten()
    }

    /// A split at `pos`: marked sides, entered from a branching node. A side
    /// without a target (a silent abort) is left out: nothing is live there.
    fn split(&mut self, pos: u32, sides: [(Edge, Option<usize>); 2]) -> usize {
        let split = self.node(Kind::Nop, &[]);
        let marks: Vec<usize> = sides
            .iter()
            .filter_map(|&(edge, target)| Some(self.node(Kind::Mark { pos, edge, split }, &[target?])))
            .collect();
        if let Some(node) = self.nodes.get_mut(split) {
            node.succ = marks;
        }
        split
    }

    /// The entry node of `block`, whose end continues at `next`.
    fn block(&mut self, block: &TBlock, next: usize) -> usize {
        let mut cur = match &block.tail {
            Some(tail) => self.exp(tail, next),
            None => next,
        };
        for stmt in block.stmts.iter().rev() {
            cur = match stmt {
                TStmt::Let { pattern, init: Some(init), .. } => {
                    let stores = self.stores(pattern, init.pos, cur);
                    self.exp(init, stores)
                }
                TStmt::Let { init: None, .. } => cur,
                TStmt::Expr(e) => self.exp(e, cur),
            };
        }
        cur
    }

    fn stores(&mut self, pattern: &TPattern, key: u32, next: usize) -> usize {
        match pattern {
            TPattern::Bind(local, _) => match self.dense(*local) {
                Some(dense) => self.node(Kind::Store { local: *local, dense, key }, &[next]),
                None => next,
            },
            TPattern::Wildcard(..) => next,
            TPattern::Tuple(items, _) | TPattern::Unpack { fields: items, .. } => {
                items.iter().rev().fold(next, |cur, item| self.stores(item, key, cur))
            }
        }
    }

    fn seq<'e>(&mut self, items: impl DoubleEndedIterator<Item = &'e TExp>, next: usize) -> usize {
        items.rev().fold(next, |cur, item| self.exp(item, cur))
    }

    /// The entry node of `exp`, continuing at `next` when it completes.
    fn exp(&mut self, exp: &TExp, next: usize) -> usize {
        match &exp.kind {
            TExpKind::Unit | TExpKind::Value(_) | TExpKind::Constant(_) | TExpKind::BorrowLocal { .. } => next,
            TExpKind::Copy(local) | TExpKind::Move(local) => match self.dense(*local) {
                Some(dense) => self.node(Kind::Read { local: *local, dense, pos: exp.pos, span: exp.span }, &[next]),
                None => next,
            },
            TExpKind::BorrowField { base: inner, .. }
            | TExpKind::ReadRef(inner)
            | TExpKind::Freeze(inner)
            | TExpKind::Not(inner)
            | TExpKind::Cast { expr: inner, .. } => self.exp(inner, next),
            TExpKind::Vector { elems: items, .. }
            | TExpKind::Call { args: items, .. }
            | TExpKind::Builtin { args: items, .. }
            | TExpKind::Tuple(items) => self.seq(items.iter(), next),
            TExpKind::Pack { fields, .. } => self.seq(fields.iter().map(|(_, e)| e), next),
            TExpKind::Binary { op: BinOp::And | BinOp::Or, lhs, rhs } => {
                let rhs_entry = self.exp(rhs, next);
                let split = self.split(exp.pos, [(Edge::Rhs, Some(rhs_entry)), (Edge::Short, Some(next))]);
                self.exp(lhs, split)
            }
            TExpKind::Binary { lhs, rhs, .. } => self.seq([&**lhs, &**rhs].into_iter(), next),
            TExpKind::Block(block) => self.block(block, next),
            TExpKind::If { cond, then_branch, else_branch } => {
                let then_entry = self.branch(then_branch, next);
                let else_entry = match else_branch {
                    Some(e) => self.branch(e, next),
                    None => Some(next),
                };
                let split = self.split(exp.pos, [(Edge::Then, then_entry), (Edge::Else, else_entry)]);
                self.exp(cond, split)
            }
            TExpKind::While { cond, body } => {
                let head = self.node(Kind::Nop, &[]);
                self.loops.push((next, head));
                let body_entry = self.block(body, head);
                self.loops.pop();
                let split = self.split(exp.pos, [(Edge::Body, Some(body_entry)), (Edge::Exit, Some(next))]);
                let cond_entry = self.exp(cond, split);
                if let Some(node) = self.nodes.get_mut(head) {
                    node.succ = vec![cond_entry];
                }
                head
            }
            TExpKind::Loop { body } => {
                let head = self.node(Kind::Nop, &[]);
                self.loops.push((next, head));
                let body_entry = self.block(body, head);
                self.loops.pop();
                if let Some(node) = self.nodes.get_mut(head) {
                    node.succ = vec![body_entry];
                }
                head
            }
            // Outside a loop (already an error) a jump ends the function.
            TExpKind::Break => self.loops.last().map_or(0, |l| l.0),
            TExpKind::Continue => self.loops.last().map_or(0, |l| l.1),
            // Node 0 is the function's exit: nothing is live there.
            TExpKind::Return(inner) | TExpKind::Abort(inner) => self.exp(inner, 0),
            TExpKind::Assign { target: TLValue::Local(local), value } => {
                let store = match self.dense(*local) {
                    Some(dense) => self.node(Kind::Store { local: *local, dense, key: exp.pos }, &[next]),
                    None => next,
                };
                self.exp(value, store)
            }
            TExpKind::Assign { target: TLValue::Ref(reference), value } => {
                let after_value = self.exp(reference, next);
                self.exp(value, after_value)
            }
        }
    }

    /// The entry of a branch; `None` for a silent abort (`abort` of a literal
    /// or constant), which needs no releases.
    fn branch(&mut self, branch: &TExp, next: usize) -> Option<usize> {
        if let TExpKind::Abort(code) = &branch.kind {
            if matches!(code.kind, TExpKind::Value(_) | TExpKind::Constant(_)) {
                return None;
            }
        }
        Some(self.exp(branch, next))
    }

    /// Live-in sets of every node, to the fixpoint.
    fn solve(&self) -> Vec<Bits> {
        let mut live: Vec<Bits> = vec![vec![0; self.words]; self.nodes.len()];
        // Nodes are created after their successors (except loop heads), so
        // one pass in creation order is nearly a full backward pass.
        loop {
            let mut changed = false;
            for (index, node) in self.nodes.iter().enumerate() {
                let mut bits = self.live_out(&live, node);
                match node.kind {
                    Kind::Read { dense, .. } => set(&mut bits, dense),
                    Kind::Store { dense, .. } => {
                        if let Some(w) = bits.get_mut(dense / 64) {
                            *w &= !(1 << (dense % 64));
                        }
                    }
                    Kind::Nop | Kind::Mark { .. } => {}
                }
                if let Some(slot) = live.get_mut(index) {
                    if *slot != bits {
                        *slot = bits;
                        changed = true;
                    }
                }
            }
            if !changed {
                return live;
            }
        }
    }

    fn live_out(&self, live: &[Bits], node: &Node) -> Bits {
        let mut bits = vec![0; self.words];
        for &s in &node.succ {
            if let Some(other) = live.get(s) {
                bits.iter_mut().zip(other).for_each(|(a, b)| *a |= b);
            }
        }
        bits
    }

    fn results(&self, fun: &TFunction, entry: usize, live: &[Bits]) -> RefLiveness {
        let mut out = RefLiveness::default();
        let locals_of = |bits: &Bits| -> Vec<LocalId> {
            (0..self.dense.len())
                .filter(|&i| self.dense[i].is_some_and(|d| has(bits, d)))
                .map(|i| LocalId(i as u32))
                .collect()
        };
        for node in &self.nodes {
            let after = self.live_out(live, node);
            match node.kind {
                Kind::Read { local, dense, pos, span } => {
                    if !has(&after, dense) {
                        out.last_reads.insert(pos);
                    }
                    out.reads.entry(local).or_default().push((pos, span));
                }
                Kind::Store { local, dense, key } => {
                    if !has(&after, dense) {
                        out.dead_stores.insert((key, local));
                    }
                }
                Kind::Mark { pos, edge, split } => {
                    let before = self.nodes.get(split).map(|n| self.live_out(live, n)).unwrap_or_default();
                    let here = node.succ.first().and_then(|&s| live.get(s)).cloned().unwrap_or_default();
                    let dying: Bits = before.iter().zip(&here).map(|(b, h)| b & !h).collect();
                    let locals = locals_of(&dying);
                    if !locals.is_empty() {
                        out.releases.insert((pos, edge), locals);
                    }
                }
                Kind::Nop => {}
            }
        }
        for reads in out.reads.values_mut() {
            reads.sort_by_key(|(pos, _)| *pos);
        }
        let at_entry = live.get(entry).cloned().unwrap_or_default();
        out.dead_params = (0..fun.param_count)
            .filter(|&i| self.dense.get(i).copied().flatten().is_some_and(|d| !has(&at_entry, d)))
            .map(|i| LocalId(i as u32))
            .collect();
        out
    }
}

#[cfg(test)]
#[path = "liveness_tests.rs"]
mod tests;
