//! Unit tests of the graph and the planner on hand-made key sets.

mod frontier;
mod frontier_lane;
mod graph;
mod index;
mod overlay;
mod planner;
mod serial;

use resin_vm::{AccessKey, AccessMode, AccountAddress, DeclaredKeys, KeyAccess, ResourceKey, TypeId};

use crate::graph::{BlockSlots, ConflictGraph};
use crate::keys::BlockKeys;

pub const COIN: TypeId = TypeId(7);
pub const POOL: TypeId = TypeId(9);

pub fn exact(ty: TypeId, addr: u64) -> AccessKey {
    AccessKey::Exact(ResourceKey { address: AccountAddress::from_u64(addr), ty })
}

pub fn r(key: AccessKey) -> KeyAccess {
    KeyAccess { mode: AccessMode::Read, key }
}

pub fn w(key: AccessKey) -> KeyAccess {
    KeyAccess { mode: AccessMode::Write, key }
}

pub fn a(key: AccessKey) -> KeyAccess {
    KeyAccess { mode: AccessMode::Add, key }
}

pub fn block(txs: Vec<Vec<KeyAccess>>) -> BlockKeys {
    BlockKeys::from_declared(txs.into_iter().map(|a| DeclaredKeys(a.into_iter().collect())).collect())
}

/// All edges as `(from, to)`, sorted.
pub fn edge_pairs(g: &ConflictGraph) -> Vec<(u32, u32)> {
    let mut e: Vec<(u32, u32)> = g.edges().map(|(a, b, _)| (a, b)).collect();
    e.sort_unstable();
    e
}

/// Whether two accesses conflict, by the definition (not the builder's
/// bookkeeping): reads with reads and adds with adds do not, all else does.
pub fn conflicts(a: &KeyAccess, b: &KeyAccess) -> bool {
    if !a.mode.conflicts_with(b.mode) {
        return false;
    }
    match (a.key, b.key) {
        (AccessKey::Exact(x), AccessKey::Exact(y)) => x == y,
        (AccessKey::Exact(x), AccessKey::AnyOf(t)) | (AccessKey::AnyOf(t), AccessKey::Exact(x)) => x.ty == t,
        (AccessKey::AnyOf(s), AccessKey::AnyOf(t)) => s == t,
    }
}

/// `reach[i][j]`: j is reachable from i through graph edges.
pub fn reachability(g: &ConflictGraph) -> Vec<Vec<bool>> {
    let n = g.tx_count();
    let mut reach = vec![vec![false; n]; n];
    // Edges go forward in block order, so one backward sweep closes them.
    for j in 0..n {
        for (p, _) in g.predecessors(j) {
            let p = p as usize;
            reach[p][j] = true;
            for row in reach.iter_mut().take(p) {
                if row[p] {
                    row[j] = true;
                }
            }
        }
    }
    reach
}

/// Every conflicting pair is ordered through some path; every edge goes forward.
pub fn assert_orders_all_conflicts(keys: &BlockKeys, g: &ConflictGraph) {
    for (a, b, _) in g.edges() {
        assert!(a < b, "edge {a} -> {b} goes backwards");
    }
    let reach = reachability(g);
    for j in 0..keys.len() {
        for (i, row) in reach.iter().enumerate().take(j) {
            let conflict = keys.accesses(i).iter().any(|x| keys.accesses(j).iter().any(|y| conflicts(x, y)));
            if conflict {
                assert!(row[j], "conflicting pair {i} -> {j} is not ordered");
            }
        }
    }
}
