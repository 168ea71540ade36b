//! Conflicts through type-wide (`*`) accesses. Only types that some
//! transaction of the block accesses type-wide are tracked: per type, the last
//! type-wide writer, the type-wide readers and adders since, and the exact
//! readers, writers and adders since the last type-wide write. (Exact-against-exact
//! conflicts of the same types are the [`super::exact`] pass's.) Each access
//! is linked to those of them its mode conflicts with
//! ([`AccessMode::conflicts_with`]).
//!
//! One deliberate approximation keeps this linear when, say, type-wide reads
//! and exact writes of one type interleave in bulk (`m` writers and `n`
//! type-wide readers would need `m * n` direct edges): once a fan would need
//! more than [`FAN_LIMIT`] edges, the new access is ordered after the
//! previous access that already fanned into that group (a [`DepKind::Gate`]
//! edge) plus the members that came since. That may serialise accesses that
//! could have run side by side, never the reverse.

use resin_vm::{AccessKey, AccessMode, TypeId};
use rustc_hash::FxHashMap;

use super::{DepKey, DepKind, RawEdge};
use crate::keys::BlockKeys;

/// How many direct edges one type-wide fan may add before it is gated.
pub const FAN_LIMIT: usize = 32;

/// Accesses of one kind to one type, and the access that last fanned into them.
#[derive(Default)]
struct Fan {
    members: Vec<u32>,
    /// A transaction ordered after `members[..cursor]`.
    gate: Option<(u32, usize)>,
}

#[derive(Default)]
struct TypeState {
    any_writer: Option<u32>,
    any_readers: Fan,
    any_adders: Fan,
    exact_readers: Fan,
    exact_writers: Fan,
    exact_adders: Fan,
}

struct Emitter<'a> {
    edges: &'a mut Vec<RawEdge>,
    tx: u32,
    key: DepKey,
}

impl Emitter<'_> {
    fn link(&mut self, from: u32, kind: DepKind) {
        if from < self.tx {
            self.edges.push(RawEdge { to: self.tx, from, kind, key: self.key });
        }
    }

    fn link_all(&mut self, from: &[u32], kind: DepKind) {
        for &p in from {
            self.link(p, kind);
        }
    }

    /// Links the members of `fan` (all before `tx`) directly when few,
    /// else through its gate, which is already after the first `cursor`
    /// of them; this transaction becomes the gate.
    fn link_fan(&mut self, fan: &mut Fan, kind: DepKind) {
        if fan.members.len() <= FAN_LIMIT {
            self.link_all(&fan.members, kind);
            return;
        }
        match fan.gate {
            Some((g, cursor)) => {
                // `g == tx` when this transaction already fanned in for another key.
                self.link(g, DepKind::Gate);
                self.link_all(fan.members.get(cursor..).unwrap_or(&[]), kind);
            }
            None => self.link_all(&fan.members, kind),
        }
        fan.gate = Some((self.tx, fan.members.len()));
    }
}

/// Candidate edges caused by type-wide accesses, in block order.
pub(super) fn edges(keys: &BlockKeys) -> Vec<RawEdge> {
    let n = keys.len();
    let mut types: FxHashMap<TypeId, TypeState> = FxHashMap::default();
    for i in 0..n {
        for a in keys.accesses(i) {
            if let AccessKey::AnyOf(ty) = a.key {
                types.entry(ty).or_default();
            }
        }
    }
    let mut edges = Vec::new();
    if types.is_empty() {
        return edges;
    }
    for i in 0..n {
        for a in keys.accesses(i) {
            let (ty, wide) = match a.key {
                AccessKey::Exact(k) => (k.ty, false),
                AccessKey::AnyOf(ty) => (ty, true),
            };
            let Some(ts) = types.get_mut(&ty) else { continue };
            let mut emit = Emitter { edges: &mut edges, tx: i as u32, key: DepKey::AnyOf(ty) };
            visit(&mut emit, ts, wide, a.mode);
        }
    }
    edges
}

/// Links an access of `mode` (type-wide when `wide`) to the earlier
/// accesses of its type it conflicts with, and records it.
fn visit(emit: &mut Emitter<'_>, ts: &mut TypeState, wide: bool, mode: AccessMode) {
    use AccessMode::{Add, Read, Write};
    if let Some(w) = ts.any_writer {
        emit.link(w, DepKind::between(Write, mode));
    }
    if wide && mode == Write {
        // Everything since the last type-wide write, once each: the state
        // then starts over from this writer, so no fan repeats.
        for (fan, earlier) in [
            (&ts.any_readers, Read),
            (&ts.any_adders, Add),
            (&ts.exact_readers, Read),
            (&ts.exact_writers, Write),
            (&ts.exact_adders, Add),
        ] {
            emit.link_all(&fan.members, DepKind::between(earlier, Write));
        }
        *ts = TypeState { any_writer: Some(emit.tx), ..TypeState::default() };
        return;
    }
    for (fan, earlier) in [(&mut ts.any_readers, Read), (&mut ts.any_adders, Add)] {
        if earlier.conflicts_with(mode) {
            emit.link_fan(fan, DepKind::between(earlier, mode));
        }
    }
    if wide {
        for (fan, earlier) in
            [(&mut ts.exact_readers, Read), (&mut ts.exact_writers, Write), (&mut ts.exact_adders, Add)]
        {
            if earlier.conflicts_with(mode) {
                emit.link_fan(fan, DepKind::between(earlier, mode));
            }
        }
    }
    let own = match (wide, mode) {
        (true, Read) => &mut ts.any_readers,
        (true, Add) => &mut ts.any_adders,
        (false, Read) => &mut ts.exact_readers,
        (false, Write) => &mut ts.exact_writers,
        (false, Add) => &mut ts.exact_adders,
        // Handled above.
        (true, Write) => return,
    };
    own.members.push(emit.tx);
}
