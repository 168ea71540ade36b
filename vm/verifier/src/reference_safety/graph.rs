//! The borrow graph: which live references borrow from which, and along
//! which path.
//!
//! A node is a live reference (or the frame root, which owns the frame's
//! locals and the module's global storage). An edge `parent -> child` says
//! that `child` was derived from `parent` by following `path`:
//!
//! - a *strong* edge is exact: `child` points at exactly `parent.path`;
//! - a *weak* edge is a prefix: `child` points somewhere at or below
//!   `parent.path` (a vector element, a reference a call returned, a
//!   resource at an unknown address).
//!
//! Only borrows that are still live are nodes. Releasing a reference splices
//! it out: its parents become the parents of its children, with the paths
//! joined, so every constraint it carried survives it. The design follows
//! Move's borrow graph (`move-borrow-graph`).

pub(super) use super::path::{Label, Path};

/// A node: a live reference, or the frame root.
pub(super) type RefId = u32;

/// `child` borrows from `parent` at `path`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Edge {
    pub parent: RefId,
    pub child: RefId,
    pub strong: bool,
    pub path: Path,
    /// The code offset that made the borrow: reported in errors, ignored when
    /// edges are compared (two paths that borrow alike at different offsets
    /// are the same borrow).
    pub at: u16,
}

impl Edge {
    fn same(&self, other: &Edge) -> bool {
        self.parent == other.parent
            && self.child == other.child
            && self.strong == other.strong
            && self.path == other.path
    }

    /// Whether every borrow `other` describes is described by `self` too.
    fn covers(&self, other: &Edge) -> bool {
        self.same(other)
            || (self.parent == other.parent
                && self.child == other.child
                && !self.strong
                && other.path.starts_with(&self.path))
    }

    fn weight(&self) -> usize {
        4 + self.path.len()
    }
}

/// More edges than this between one parent and one child collapse into one
/// weak edge at the empty path ("borrows anything below"), as in Move: it
/// bounds the graph (and so the fixpoint) at a small loss of precision.
const MAX_EDGES_PER_PAIR: usize = 10;

#[derive(Clone, Debug, Default)]
pub(super) struct Graph {
    /// Live nodes and whether each is a `&mut`, sorted by id.
    nodes: Vec<(RefId, bool)>,
    edges: Vec<Edge>,
    /// Edges and nodes visited since the last [`Graph::take_work`]: what the
    /// analysis charges against its budget.
    work: usize,
}

impl Graph {
    pub fn add_node(&mut self, id: RefId, mutable: bool) {
        match self.nodes.binary_search_by_key(&id, |n| n.0) {
            Ok(at) => self.nodes[at].1 = mutable,
            Err(at) => self.nodes.insert(at, (id, mutable)),
        }
    }

    /// `None` when `id` is not a live node.
    pub fn is_mutable(&self, id: RefId) -> Option<bool> {
        self.nodes.binary_search_by_key(&id, |n| n.0).ok().and_then(|at| self.nodes.get(at)).map(|n| n.1)
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    pub fn nodes(&self) -> impl Iterator<Item = RefId> + '_ {
        self.nodes.iter().map(|n| n.0)
    }

    /// Nodes plus edges weighted by their path length: the state size the
    /// dataflow budget is charged for.
    pub fn size(&self) -> usize {
        self.nodes.len() + self.edges.iter().map(Edge::weight).sum::<usize>()
    }

    pub fn take_work(&mut self) -> usize {
        std::mem::take(&mut self.work)
    }

    /// The edges out of `id`: who borrows from it.
    #[cfg(test)]
    pub fn borrows_of(&self, id: RefId) -> impl Iterator<Item = &Edge> + '_ {
        self.edges.iter().filter(move |e| e.parent == id)
    }

    /// The first borrow of `id` that overlaps `label`: a borrow of the whole
    /// of `id` (empty path), or one whose path starts at `label`; any borrow
    /// when `label` is `None`. With `mutable_only`, only `&mut` borrowers count.
    pub fn conflicting(&mut self, id: RefId, label: Option<Label>, mutable_only: bool) -> Option<Edge> {
        self.work = self.work.saturating_add(self.edges.len());
        self.edges
            .iter()
            .filter(|e| e.parent == id)
            .filter(|e| match (e.path.first(), label) {
                (None, _) | (Some(_), None) => true,
                (Some(first), Some(label)) => *first == label,
            })
            .find(|e| !mutable_only || self.is_mutable(e.child) != Some(false))
            .copied()
    }

    /// The first borrow of the whole of `id` (an edge with an empty path).
    pub fn full_borrow(&mut self, id: RefId) -> Option<Edge> {
        self.work = self.work.saturating_add(self.edges.len());
        self.edges.iter().find(|e| e.parent == id && e.path.is_empty()).copied()
    }

    /// `child` borrows exactly `path` of `parent`. Borrows of `parent` at or
    /// below `path` that already exist are moved under `child` (with the
    /// rest of their path): they now go through it, so `child` cannot be
    /// written while they live, and they outlive it through the splice when
    /// it is released. This "factoring" is what makes a second `&mut` to
    /// the same place unusable while the first one lives.
    pub fn borrow_strong(&mut self, parent: RefId, path: Path, child: RefId, at: u16) {
        self.work = self.work.saturating_add(self.edges.len());
        let mut moved: Vec<Edge> = Vec::new();
        self.edges.retain(|e| {
            let below = e.parent == parent && e.path.starts_with(&path);
            if below {
                moved.push(*e);
            }
            !below
        });
        for edge in moved {
            let suffix = edge.path.suffix(path.len());
            self.insert(Edge { parent: child, child: edge.child, strong: edge.strong, path: suffix, at: edge.at });
        }
        self.insert(Edge { parent, child, strong: true, path, at });
    }

    /// `child` borrows something at or below `path` of `parent`.
    pub fn borrow_weak(&mut self, parent: RefId, path: Path, child: RefId, at: u16) {
        self.insert(Edge { parent, child, strong: false, path, at });
    }

    /// Adds `edge` unless an existing one covers it; drops existing edges it
    /// covers; collapses the pair's edges when there are too many.
    fn insert(&mut self, edge: Edge) {
        self.work = self.work.saturating_add(self.edges.len() + edge.weight());
        if edge.parent == edge.child {
            return;
        }
        let pair = |e: &Edge| e.parent == edge.parent && e.child == edge.child;
        if self.edges.iter().any(|e| pair(e) && e.covers(&edge)) {
            return;
        }
        self.edges.retain(|e| !(pair(e) && edge.covers(e)));
        if self.edges.iter().filter(|e| pair(e)).count() >= MAX_EDGES_PER_PAIR {
            self.edges.retain(|e| !pair(e));
            self.edges.push(Edge { strong: false, path: Path::EMPTY, ..edge });
        } else {
            self.edges.push(edge);
        }
    }

    /// Removes `id`, splicing every `parent -> id -> child` into
    /// `parent -> child`. A strong parent edge keeps the child's exact place
    /// (the paths are joined); a weak one keeps only its own prefix.
    pub fn release(&mut self, id: RefId) {
        if let Ok(at) = self.nodes.binary_search_by_key(&id, |n| n.0) {
            self.nodes.remove(at);
        }
        self.work = self.work.saturating_add(self.edges.len());
        let (touching, rest): (Vec<Edge>, Vec<Edge>) =
            std::mem::take(&mut self.edges).into_iter().partition(|e| e.parent == id || e.child == id);
        self.edges = rest;
        let (parents, children): (Vec<Edge>, Vec<Edge>) = touching.into_iter().partition(|e| e.child == id);
        for up in &parents {
            for down in &children {
                let (path, cut) = if up.strong { up.path.join(&down.path) } else { (up.path, false) };
                let strong = up.strong && down.strong && !cut;
                self.insert(Edge { parent: up.parent, child: down.child, strong, path, at: down.at });
            }
        }
    }

    /// Renames every node through `rename`; a node it maps to `None` is
    /// released first. `rename` must be injective on the nodes it keeps.
    pub fn rename(&mut self, rename: impl Fn(RefId) -> Option<RefId>) {
        let gone: Vec<RefId> = self.nodes().filter(|id| rename(*id).is_none()).collect();
        for id in gone {
            self.release(id);
        }
        self.work = self.work.saturating_add(self.size());
        for node in &mut self.nodes {
            node.0 = rename(node.0).unwrap_or(node.0);
        }
        self.nodes.sort_unstable_by_key(|n| n.0);
        for edge in &mut self.edges {
            edge.parent = rename(edge.parent).unwrap_or(edge.parent);
            edge.child = rename(edge.child).unwrap_or(edge.child);
        }
    }

    /// Adds every edge of `other` that no edge of `self` covers; returns
    /// whether `self` changed. Both graphs must have the same nodes (the
    /// caller joins canonical states).
    pub fn join(&mut self, other: &Graph) -> bool {
        let mut changed = false;
        for edge in &other.edges {
            self.work = self.work.saturating_add(self.edges.len());
            if !self.edges.iter().any(|e| e.covers(edge)) {
                self.insert(*edge);
                changed = true;
            }
        }
        changed
    }

    /// Whether both graphs have the same nodes, with the same mutability.
    pub fn same_nodes(&self, other: &Graph) -> bool {
        self.nodes == other.nodes
    }
}

#[cfg(test)]
mod tests {
    use super::super::path::MAX_PATH;
    use super::*;

    const ROOT: RefId = 0;

    fn graph(nodes: &[(RefId, bool)]) -> Graph {
        let mut g = Graph::default();
        for &(id, mutable) in nodes {
            g.add_node(id, mutable);
        }
        g
    }

    #[test]
    fn a_second_strong_borrow_of_a_place_takes_the_first_under_it() {
        let mut g = graph(&[(ROOT, true), (1, true), (2, true)]);
        g.borrow_strong(ROOT, Path::one(Label::Local(0)), 1, 3);
        g.borrow_strong(ROOT, Path::one(Label::Local(0)), 2, 5);
        // 1 now goes through 2: 2 is borrowed (not writable), 1 is not.
        assert_eq!(g.conflicting(2, None, false).map(|e| (e.child, e.at)), Some((1, 3)));
        assert!(g.conflicting(1, None, false).is_none());
    }

    #[test]
    fn disjoint_fields_do_not_conflict() {
        let mut g = graph(&[(ROOT, true), (1, true), (2, true), (3, true)]);
        g.borrow_strong(ROOT, Path::one(Label::Local(0)), 1, 0);
        g.borrow_strong(1, Path::one(Label::Field(0, 0)), 2, 1);
        g.borrow_strong(1, Path::one(Label::Field(0, 1)), 3, 2);
        assert!(g.full_borrow(1).is_none());
        assert_eq!(g.conflicting(1, Some(Label::Field(0, 1)), true).map(|e| e.child), Some(3));
        g.release(1);
        let paths: Vec<Vec<Label>> = g.borrows_of(ROOT).map(|e| e.path.as_slice().to_vec()).collect();
        assert_eq!(paths, vec![vec![Label::Local(0), Label::Field(0, 0)], vec![Label::Local(0), Label::Field(0, 1)]]);
    }

    #[test]
    fn release_through_a_weak_edge_keeps_only_its_prefix() {
        let mut g = graph(&[(ROOT, true), (1, true), (2, false)]);
        g.borrow_weak(ROOT, Path::one(Label::Global(4)), 1, 0);
        g.borrow_strong(1, Path::one(Label::Field(4, 0)), 2, 1);
        g.release(1);
        let edge = g.borrows_of(ROOT).next().copied().unwrap();
        assert_eq!((edge.child, edge.strong, edge.path.as_slice()), (2, false, &[Label::Global(4)][..]));
        // Only `&mut` borrowers count for a mutable-only question.
        assert!(g.conflicting(ROOT, Some(Label::Global(4)), true).is_none());
        assert!(g.conflicting(ROOT, Some(Label::Global(4)), false).is_some());
    }

    #[test]
    fn joins_add_only_what_is_not_covered_and_pairs_collapse() {
        let mut a = graph(&[(ROOT, true), (1, true)]);
        let mut b = a.clone();
        a.borrow_weak(ROOT, Path::one(Label::Local(0)), 1, 0);
        b.borrow_strong(ROOT, Path::from_labels(&[Label::Local(0), Label::Field(0, 0)]).0, 1, 9);
        assert!(!a.join(&b), "a weak prefix covers the strong edge below it");
        assert!(b.join(&a));
        assert!(!b.join(&a), "joining twice changes nothing");
        let mut c = graph(&[(ROOT, true), (1, true)]);
        for field in 0..=MAX_EDGES_PER_PAIR as u8 {
            c.borrow_weak(ROOT, Path::from_labels(&[Label::Local(0), Label::Field(0, field)]).0, 1, u16::from(field));
        }
        let edges: Vec<&Edge> = c.borrows_of(ROOT).collect();
        assert_eq!(edges.len(), 1);
        assert!(!edges[0].strong && edges[0].path.is_empty());
    }

    /// Every state holds its edges: keep them small (and `Copy`).
    #[test]
    fn edges_stay_small() {
        assert_eq!(std::mem::size_of::<Label>(), 4);
        assert!(std::mem::size_of::<Edge>() <= 36, "{}", std::mem::size_of::<Edge>());
    }

    #[test]
    fn a_path_too_long_to_keep_becomes_a_weak_prefix() {
        let mut g = graph(&[(ROOT, true), (1, true), (2, true)]);
        let deep = Path::from_labels(&[Label::Local(0), Label::Field(0, 0), Label::Field(1, 0), Label::Field(2, 0)]).0;
        g.borrow_strong(ROOT, deep, 1, 0);
        g.borrow_strong(1, Path::from_labels(&[Label::Field(3, 0), Label::Field(4, 0)]).0, 2, 1);
        g.release(1);
        let edge = g.borrows_of(ROOT).next().copied().unwrap();
        assert!(!edge.strong);
        assert_eq!(edge.path.len(), MAX_PATH);
        assert_eq!(edge.path.as_slice()[MAX_PATH - 1], Label::Field(3, 0));
    }

    #[test]
    fn rename_moves_nodes_and_edges_and_drops_the_unmapped() {
        let mut g = graph(&[(ROOT, true), (7, true), (9, false)]);
        g.borrow_strong(ROOT, Path::one(Label::Local(1)), 7, 0);
        g.borrow_strong(7, Path::EMPTY, 9, 1);
        g.rename(|id| match id {
            0 => Some(0),
            9 => Some(3),
            _ => None,
        });
        assert_eq!(g.nodes().collect::<Vec<_>>(), vec![0, 3]);
        let edge = g.borrows_of(ROOT).next().copied().unwrap();
        assert_eq!((edge.child, edge.path.as_slice()), (3, &[Label::Local(1)][..]));
        assert_eq!(g.is_mutable(3), Some(false));
    }
}
