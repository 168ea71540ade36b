//! The abstract state at one program point: which reference each local and
//! each operand-stack slot holds, and the borrow graph over them.
//!
//! Between blocks a state is *canonical*: the reference in local `i` is node
//! `LOCAL_BASE + i`, the one in stack slot `k` is node `STACK_BASE + k`, and
//! the frame root is node [`ROOT`]. Two paths that reach a block with the
//! same borrows then have equal node names, so joining them is a union of
//! edges. Inside a block, new references get fresh names from `FRESH_BASE`.

use super::graph::{Edge, Graph, Label, Path, RefId};
use crate::error::{Borrower, Holder};
use crate::limits::{MAX_LOCALS, MAX_STACK_HEIGHT};
use crate::FunctionView;
use resin_format::file_format::Type;

/// The frame root: owns the frame's locals and (weakly) global storage.
pub(super) const ROOT: RefId = 0;
const LOCAL_BASE: RefId = 1;
const STACK_BASE: RefId = LOCAL_BASE + MAX_LOCALS as RefId;
const FRESH_BASE: RefId = STACK_BASE + MAX_STACK_HEIGHT as RefId + 1;

#[derive(Clone, Debug)]
pub(super) struct State {
    /// The reference each local holds (`None`: not a reference, or empty).
    pub locals: Vec<Option<RefId>>,
    /// The reference each stack slot holds (`None`: a value).
    pub stack: Vec<Option<RefId>>,
    pub graph: Graph,
    next: RefId,
}

impl State {
    /// The state at the function's entry: each reference parameter is a node
    /// of its own (it points into the caller, so nothing here owns it).
    pub fn entry(view: &FunctionView<'_>) -> State {
        let mut graph = Graph::default();
        graph.add_node(ROOT, true);
        let mut locals = vec![None; view.local_count()];
        for (index, param) in view.handle.params.iter().enumerate() {
            let id = LOCAL_BASE.saturating_add(RefId::try_from(index).unwrap_or(RefId::MAX));
            match param {
                Type::Ref(_) => graph.add_node(id, false),
                Type::MutRef(_) => graph.add_node(id, true),
                _ => continue,
            }
            if let Some(slot) = locals.get_mut(index) {
                *slot = Some(id);
            }
        }
        State { locals, stack: Vec::new(), graph, next: FRESH_BASE }
    }

    /// A new node for a reference made at this point.
    pub fn new_ref(&mut self, mutable: bool) -> RefId {
        let id = self.next;
        self.next = self.next.saturating_add(1);
        self.graph.add_node(id, mutable);
        id
    }

    /// Whether every node already has its canonical name: true after a
    /// block that made, moved and ended no reference, which is most blocks.
    fn is_canonical(&self) -> bool {
        let named = |base: RefId, slots: &[Option<RefId>]| {
            slots.iter().enumerate().all(|(index, held)| {
                held.is_none_or(|id| Some(id) == RefId::try_from(index).ok().and_then(|i| base.checked_add(i)))
            })
        };
        let held = self.locals.iter().chain(&self.stack).flatten().count();
        named(LOCAL_BASE, &self.locals) && named(STACK_BASE, &self.stack) && self.graph.node_count() == held + 1
    }

    /// Renames every node to its canonical name (see the module doc).
    pub fn canonicalize(&mut self) {
        self.next = FRESH_BASE;
        if self.is_canonical() {
            return;
        }
        let mut names: Vec<(RefId, RefId)> = Vec::new();
        let holders = self.locals.iter().enumerate().map(|(i, r)| (LOCAL_BASE, i, r));
        let holders = holders.chain(self.stack.iter().enumerate().map(|(k, r)| (STACK_BASE, k, r)));
        for (base, index, held) in holders {
            if let Some(id) = held {
                names.push((*id, base.saturating_add(RefId::try_from(index).unwrap_or(RefId::MAX))));
            }
        }
        names.sort_unstable();
        let rename = |id: RefId| {
            if id == ROOT {
                return Some(ROOT);
            }
            names.binary_search_by_key(&id, |n| n.0).ok().and_then(|at| names.get(at)).map(|n| n.1)
        };
        self.graph.rename(rename);
        for (base, slots) in [(LOCAL_BASE, &mut self.locals), (STACK_BASE, &mut self.stack)] {
            for (index, held) in slots.iter_mut().enumerate() {
                if held.is_some() {
                    *held = Some(base.saturating_add(RefId::try_from(index).unwrap_or(RefId::MAX)));
                }
            }
        }
    }

    /// Joins the canonical `incoming` into the canonical `self`. A local that
    /// holds a reference on one path only is released (its reference may be
    /// gone); `None` when the stacks disagree on which slots are references
    /// (the types pass rules that out).
    pub fn join(&mut self, incoming: &State) -> Option<bool> {
        if self.stack != incoming.stack || self.locals.len() != incoming.locals.len() {
            return None;
        }
        let mut changed = false;
        let mut other: Option<State> = None;
        for index in 0..self.locals.len() {
            match (self.locals.get(index).copied().flatten(), incoming.locals.get(index).copied().flatten()) {
                (Some(id), None) => {
                    self.graph.release(id);
                    if let Some(slot) = self.locals.get_mut(index) {
                        *slot = None;
                    }
                    changed = true;
                }
                (None, Some(id)) => other.get_or_insert_with(|| incoming.clone()).graph.release(id),
                _ => {}
            }
        }
        let other_graph = other.as_ref().map_or(&incoming.graph, |o| &o.graph);
        if !self.graph.same_nodes(other_graph) {
            return None;
        }
        changed |= self.graph.join(other_graph);
        Some(changed)
    }

    pub fn size(&self) -> usize {
        self.locals.len() + self.stack.len() + self.graph.size()
    }

    /// The first live borrow of local `local` (only `&mut` ones with `mutable_only`).
    pub fn local_borrow(&mut self, local: u8, mutable_only: bool) -> Option<Edge> {
        self.graph.conflicting(ROOT, Some(Label::Local(local)), mutable_only)
    }

    /// The first live reference into global storage of struct definition `def`.
    pub fn global_borrow(&mut self, def: u16, mutable_only: bool) -> Option<Edge> {
        self.graph.conflicting(ROOT, Some(Label::Global(def)), mutable_only)
    }

    /// What stops writing through `id` (Move's "writable"): any live borrow of it.
    pub fn write_conflict(&mut self, id: RefId) -> Option<Edge> {
        self.graph.conflicting(id, None, false)
    }

    /// What stops reading through `id` (at `label`, or all of it): a live
    /// `&mut` borrowed from it there. An immutable reference is always readable.
    pub fn read_conflict(&mut self, id: RefId, label: Option<Label>) -> Option<Edge> {
        match self.graph.is_mutable(id) {
            Some(false) => None,
            _ => self.graph.conflicting(id, label, true),
        }
    }

    /// A node for a new borrow of `parent` at `path` (strong: an exact place).
    pub fn borrow(&mut self, parent: RefId, path: Path, mutable: bool, strong: bool, at: u16) -> RefId {
        let child = self.new_ref(mutable);
        if strong {
            self.graph.borrow_strong(parent, path, child, at);
        } else {
            self.graph.borrow_weak(parent, path, child, at);
        }
        child
    }

    /// Releases every reference in `values` (consumed operands).
    pub fn release_all(&mut self, values: &[Option<RefId>]) {
        for id in values.iter().flatten() {
            self.graph.release(*id);
        }
    }

    /// Describes the borrower of `edge` for an error: where the borrow was
    /// made and what holds it. `operands` is where the failing instruction's
    /// operands start on the stack (they are still there when it fails).
    pub fn borrower(&self, edge: &Edge, operands: usize) -> Borrower {
        let child = Some(edge.child);
        let holder = match self.locals.iter().position(|held| *held == child) {
            Some(local) => Holder::Local(u8::try_from(local).unwrap_or(u8::MAX)),
            None => match self.stack.iter().position(|held| *held == child) {
                Some(slot) if slot >= operands => Holder::Operand(u8::try_from(slot - operands).unwrap_or(u8::MAX)),
                Some(slot) => Holder::Stack(u16::try_from(slot).unwrap_or(u16::MAX)),
                // Every node but the root and the parameters (which borrow
                // from nothing here) is held somewhere; keep a total answer.
                None => Holder::Stack(u16::MAX),
            },
        };
        Borrower { offset: edge.at, holder }
    }
}
