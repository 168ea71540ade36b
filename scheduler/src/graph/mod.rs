//! The conflict graph: a node per transaction, an edge from the earlier to the
//! later transaction of every conflicting pair, labelled with the key that
//! caused it.
//!
//! Two accesses conflict when they touch the same key and their modes
//! conflict ([`AccessMode::conflicts_with`](resin_vm::AccessMode)): reads
//! never conflict with reads, counter adds never with adds (they commute),
//! every other pair does. `AnyOf(T)` touches every key of type `T`. The build
//! is linear in the number of accesses and never compares all pairs:
//!
//! - Exact keys (`exact.rs`): per key, the last writer and the group of
//!   readers or of adders since (and the group before it, when a group of
//!   adders follows one of readers or the reverse). Accesses are first split
//!   by key hash into a fixed number of partitions, each small enough to keep
//!   its key table in cache, and the partitions are processed on the current
//!   rayon pool. The partition count is fixed, so the graph does not depend
//!   on the number of threads.
//! - Types some transaction accesses type-wide (`typewide.rs`): per type, the
//!   last type-wide writer, the type-wide readers and adders since, and the
//!   exact accessors since the last type-wide write.
//!
//! Both passes emit candidate edges; they are grouped by their later end,
//! deduplicated (one edge per ordered pair, labelled with the first key
//! found: exact keys before type-wide ones) and held in petgraph's
//! compressed sparse row form ([`petgraph::csr::Csr`]), one row per
//! transaction listing its predecessors: the executors and the planner only
//! ever ask for a transaction's predecessors, and a row is one contiguous
//! slice, where a linked-list graph would chase a pointer per edge and keep
//! two links per edge and node besides. Edges implied by others may be kept
//! or left out: what always holds is that every conflicting pair is ordered
//! through some path.

mod exact;
pub(crate) mod index;
mod rows;
mod slots;
mod typewide;

use std::sync::OnceLock;

use petgraph::csr::Csr;
use petgraph::Directed;
use resin_vm::{AccessKey, AccessMode, ResourceKey, TypeId};
use rustc_hash::FxHashMap;

use crate::keys::BlockKeys;

pub use slots::BlockSlots;
pub use typewide::FAN_LIMIT;

/// A transaction's position in its block.
pub type TxIndex = u32;

/// Why a later transaction must wait for an earlier one.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum DepKind {
    /// The later one reads what the earlier one writes.
    ReadAfterWrite,
    /// The later one writes what the earlier one reads.
    WriteAfterRead,
    /// Both write.
    WriteAfterWrite,
    /// The later one adds to a counter the earlier one writes.
    AddAfterWrite,
    /// The later one writes a counter the earlier one adds to.
    WriteAfterAdd,
    /// The later one reads a counter the earlier one adds to: it must see
    /// the sum including that add.
    ReadAfterAdd,
    /// The later one adds to a counter the earlier one reads.
    AddAfterRead,
    /// Not a conflict of the pair itself: the earlier transaction stands in for
    /// a large group of accesses it is ordered after (see `graph/typewide.rs`
    /// and, for a group of readers after a group of adders or the reverse,
    /// `graph/exact.rs`).
    Gate,
}

impl DepKind {
    /// Three letters, the later access's mode first: `RAW` is a read after
    /// a write, `RAA` a read after an add.
    pub fn short(self) -> &'static str {
        match self {
            DepKind::ReadAfterWrite => "RAW",
            DepKind::WriteAfterRead => "WAR",
            DepKind::WriteAfterWrite => "WAW",
            DepKind::AddAfterWrite => "AAW",
            DepKind::WriteAfterAdd => "WAA",
            DepKind::ReadAfterAdd => "RAA",
            DepKind::AddAfterRead => "AAR",
            DepKind::Gate => "gate",
        }
    }

    /// The kind of an edge into an access of mode `later` from a
    /// conflicting access of mode `earlier`; `Gate` for a pair that does
    /// not conflict (never asked for by the builders).
    pub fn between(earlier: AccessMode, later: AccessMode) -> DepKind {
        use AccessMode::{Add, Read, Write};
        match (later, earlier) {
            (Read, Write) => DepKind::ReadAfterWrite,
            (Write, Read) => DepKind::WriteAfterRead,
            (Write, Write) => DepKind::WriteAfterWrite,
            (Add, Write) => DepKind::AddAfterWrite,
            (Write, Add) => DepKind::WriteAfterAdd,
            (Read, Add) => DepKind::ReadAfterAdd,
            (Add, Read) => DepKind::AddAfterRead,
            (Read, Read) | (Add, Add) => DepKind::Gate,
        }
    }
}

/// The key behind an edge, compactly: edges are many.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum DepKey {
    /// An exact key, by its number partition by partition (see
    /// `exact.rs`); [`ConflictGraph::key`] finds its slot.
    Slot(u32),
    AnyOf(TypeId),
}

/// An edge label; [`ConflictGraph::key`] gives its key.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Dependency {
    pub kind: DepKind,
    key: DepKey,
}

/// The conflict graph with its edges reversed: row `i` lists transaction
/// `i`'s predecessors in increasing block order, each with the label of the
/// edge from it.
pub type TxGraph = Csr<(), Dependency, Directed, u32>;

/// A candidate edge, before deduplication.
#[derive(Clone, Copy, Debug)]
struct RawEdge {
    to: u32,
    from: u32,
    kind: DepKind,
    key: DepKey,
}

/// Every exact key the block names, numbered. The numbers are the slots of the
/// parallel executor's block overlay.
#[derive(Clone, Debug, Default)]
pub struct KeyTable {
    keys: Vec<ResourceKey>,
    /// Built on first use: only type-wide accesses look keys up by value.
    index: OnceLock<FxHashMap<ResourceKey, u32>>,
}

impl KeyTable {
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn key(&self, slot: u32) -> Option<&ResourceKey> {
        self.keys.get(slot as usize)
    }

    /// Every key, by slot.
    pub fn keys(&self) -> &[ResourceKey] {
        &self.keys
    }

    pub fn slot_of(&self, key: &ResourceKey) -> Option<u32> {
        let index = self.index.get_or_init(|| self.keys.iter().enumerate().map(|(s, k)| (*k, s as u32)).collect());
        index.get(key).copied()
    }
}

/// The block's keys numbered, with what the frontier needs of a block
/// instead of its graph.
pub(crate) struct Numbered {
    /// The block's exact keys, numbered as the graph numbers them.
    pub(crate) slots: BlockSlots,
    /// Per transaction, one more than the latest earlier transaction it
    /// conflicts with (0: none; see `frontier.rs`).
    pub(crate) after: Vec<u32>,
    /// Per slot, how the block uses the key (`overlay.rs`'s flags).
    pub(crate) uses: Vec<u8>,
}

/// [`Numbered`] for `keys`' block, on the current rayon pool. `None` when
/// some transaction accesses a type type-wide: those conflicts need the
/// graph's type-wide pass.
pub(crate) fn latest_predecessors(keys: &BlockKeys) -> Option<Numbered> {
    if keys.has_typewide() {
        return None;
    }
    let exact::Exact { keys: numbered, slot_start, mut slots, after, uses: by_partition, .. } =
        exact::build(keys, exact::Pass::Latest);
    let (table, renumbered) = exact::in_access_order(numbered, &mut slots);
    let mut uses = vec![0u8; by_partition.len()];
    for (flags, &new) in by_partition.into_iter().zip(&renumbered) {
        if let Some(at) = uses.get_mut(new as usize) {
            *at = flags;
        }
    }
    Some(Numbered { slots: BlockSlots::from_parts(table, slot_start, slots), after, uses })
}

/// [`latest_predecessors`] in one pass over the block in order with one
/// table of every key ([`BlockSlots::number`]'s, plus each key's
/// [`Latest`](crate::frontier::Latest) and uses), the keys' hashes made
/// first on the current rayon pool. The partitioned pass pays for
/// splitting the accesses and renumbering the keys, which two threads do
/// not win back (see [`crate::frontier::IN_ORDER_UP_TO_THREADS`]).
/// `beside` runs on another thread meanwhile ([`index::number`]).
pub(crate) fn latest_in_order(keys: &BlockKeys, beside: crate::beside::Beside<'_>) -> Option<Numbered> {
    if keys.has_typewide() {
        return None;
    }
    /// Per key its accesses so far and its uses, and per transaction
    /// what it waits for.
    struct Following {
        states: Vec<crate::frontier::Latest>,
        uses: Vec<u8>,
        after: Vec<u32>,
    }
    impl index::Visit for Following {
        #[inline]
        fn ahead(&self, number: u32) {
            if let Some(state) = self.states.get(number as usize) {
                resin_state::prefetch::prefetch(state);
            }
        }

        fn access(&mut self, tx: usize, slot: u32, mode: AccessMode) {
            let slot = slot as usize;
            if slot == self.states.len() {
                self.states.push(Default::default());
                self.uses.push(0);
            }
            if let (Some(state), Some(flags), Some(at)) =
                (self.states.get_mut(slot), self.uses.get_mut(slot), self.after.get_mut(tx))
            {
                *at = (*at).max(state.access(tx as u32, mode));
                crate::overlay::use_key(flags, mode);
            }
        }
    }
    let n = keys.len();
    let mut following = Following { states: Vec::with_capacity(n), uses: Vec::with_capacity(n), after: vec![0; n] };
    let slots = BlockSlots::number_with(keys, &mut following, beside);
    let Following { after, uses, .. } = following;
    Some(Numbered { slots, after, uses })
}

/// The conflict graph of a block, with the indexes the planner and the
/// executors need.
#[derive(Clone, Debug, Default)]
pub struct ConflictGraph {
    graph: TxGraph,
    slots: BlockSlots,
    /// The slot of each key by its number in the edges' labels.
    slot_of_label: Vec<u32>,
}

impl ConflictGraph {
    /// Builds the graph on the current rayon pool (call it inside
    /// `pool.install` to choose the threads). The result does not depend on
    /// the number of threads.
    pub fn build(keys: &BlockKeys) -> ConflictGraph {
        Self::build_beside(keys, || ()).0
    }

    /// [`ConflictGraph::build`], with `beside` (work that needs nothing
    /// from the graph) run beside its serial tail: renumbering the keys and
    /// assembling the rows, side by side, rarely take equally long (for a
    /// 100,000-transfer block at 2 threads ~1.5 ms against ~3.4; for votes
    /// on a few proposals the other way round), and whichever thread is
    /// free first takes `beside`.
    pub fn build_beside<T: Send>(keys: &BlockKeys, beside: impl FnOnce() -> T + Send) -> (ConflictGraph, T) {
        let n = keys.len();
        let exact::Exact { keys: numbered, slot_start, mut slots, edges, partition_offsets, .. } =
            exact::build(keys, exact::Pass::Edges);
        let typewide = if keys.has_typewide() { typewide::edges(keys) } else { Vec::new() };
        // Two serial steps, independent of each other, side by side: the
        // overlay's numbering and the graph's rows (whose labels keep the
        // partitions' numbering).
        let (((table, slot_of_label), side), graph) = rayon::join(
            || rayon::join(|| exact::in_access_order(numbered, &mut slots), beside),
            || rows::assemble(n, &edges, &partition_offsets, &typewide),
        );
        let slots = BlockSlots::from_parts(table, slot_start, slots);
        (ConflictGraph { graph, slots, slot_of_label }, side)
    }

    /// The graph, reversed (see [`TxGraph`]).
    pub fn graph(&self) -> &TxGraph {
        &self.graph
    }

    pub fn tx_count(&self) -> usize {
        self.graph.node_count()
    }

    pub fn edge_count(&self) -> usize {
        self.graph.edge_count()
    }

    /// The key that caused a dependency.
    pub fn key(&self, dep: &Dependency) -> AccessKey {
        match dep.key {
            DepKey::Slot(s) => {
                match self.slot_of_label.get(s as usize).and_then(|&slot| self.slots.table().key(slot)) {
                    Some(k) => AccessKey::Exact(*k),
                    None => AccessKey::AnyOf(TypeId(0)),
                }
            }
            DepKey::AnyOf(ty) => AccessKey::AnyOf(ty),
        }
    }

    /// Transaction `tx`'s incoming edges, `(predecessor, label)`, each
    /// predecessor once, in increasing block order.
    pub fn predecessors(&self, tx: usize) -> impl Iterator<Item = (TxIndex, &Dependency)> + '_ {
        // The slices' accessors panic on a node that does not exist.
        let (preds, labels): (&[u32], &[Dependency]) = if tx < self.graph.node_count() {
            (self.graph.neighbors_slice(tx as u32), self.graph.edges_slice(tx as u32))
        } else {
            (&[], &[])
        };
        preds.iter().copied().zip(labels)
    }

    /// Every edge, `(from, to, label)`, grouped by `to` in block order.
    pub fn edges(&self) -> impl Iterator<Item = (TxIndex, TxIndex, &Dependency)> + '_ {
        (0..self.tx_count()).flat_map(move |to| self.predecessors(to).map(move |(from, d)| (from, to as u32, d)))
    }

    /// The label of the edge `from -> to`, if there is one.
    pub fn dependency(&self, from: TxIndex, to: TxIndex) -> Option<&Dependency> {
        self.predecessors(to as usize).find(|(p, _)| *p == from).map(|(_, d)| d)
    }

    pub fn keys(&self) -> &KeyTable {
        self.slots.table()
    }

    /// The block's keys numbered, and each transaction's keys as numbers.
    pub fn slots(&self) -> &BlockSlots {
        &self.slots
    }

    /// Transaction `tx`'s exact keys as key-table slots, in declaration order.
    pub fn slots_of(&self, tx: usize) -> &[u32] {
        self.slots.slots_of(tx)
    }
}
