//! Conflicts through type-wide (`*`) accesses. Only types that some
//! transaction of the block accesses type-wide are tracked: per type, the last
//! type-wide writer, the type-wide readers since, and the exact readers and
//! writers since the last type-wide write. (Exact-against-exact conflicts of
//! the same types are the [`super::exact`] pass's.)
//!
//! One deliberate approximation keeps this linear when type-wide reads and
//! exact writes of one type interleave in bulk (`m` writers and `n` type-wide
//! readers would need `m * n` direct edges): once a fan would need more than
//! [`FAN_LIMIT`] edges, the new access is ordered after the previous access of
//! its kind that already carries them (a [`DepKind::Gate`] edge) plus those
//! that came since. That may serialise accesses that could have run side by
//! side, never the reverse.

use resin_vm::{AccessKey, AccessMode, TypeId};
use rustc_hash::FxHashMap;

use super::{DepKey, DepKind, RawEdge};
use crate::keys::BlockKeys;

/// How many direct edges one type-wide fan may add before it is gated.
pub const FAN_LIMIT: usize = 32;

#[derive(Default)]
struct TypeState {
    any_writer: Option<u32>,
    any_readers: Vec<u32>,
    exact_readers: Vec<u32>,
    exact_writers: Vec<u32>,
    /// A type-wide reader ordered after `exact_writers[..cursor]`.
    reader_gate: Option<(u32, usize)>,
    /// An exact writer ordered after `any_readers[..cursor]`.
    writer_gate: Option<(u32, usize)>,
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

    /// Links `members` (all before `tx`) directly when few, else through
    /// `gate`, which is already after `members[..cursor]`. Returns the new gate.
    fn link_fan(&mut self, members: &[u32], gate: Option<(u32, usize)>, kind: DepKind) -> Option<(u32, usize)> {
        if members.len() <= FAN_LIMIT {
            self.link_all(members, kind);
            return gate;
        }
        match gate {
            Some((g, cursor)) => {
                // `g == tx` when this transaction already fanned in for another key.
                self.link(g, DepKind::Gate);
                self.link_all(members.get(cursor..).unwrap_or(&[]), kind);
            }
            None => self.link_all(members, kind),
        }
        Some((self.tx, members.len()))
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
            match (wide, a.mode) {
                (false, mode) => visit_exact(&mut emit, ts, mode),
                (true, mode) => visit_any(&mut emit, ts, mode),
            }
        }
    }
    edges
}

fn visit_exact(emit: &mut Emitter<'_>, ts: &mut TypeState, mode: AccessMode) {
    if let Some(w) = ts.any_writer {
        let kind = if mode == AccessMode::Read { DepKind::ReadAfterWrite } else { DepKind::WriteAfterWrite };
        emit.link(w, kind);
    }
    match mode {
        AccessMode::Read => ts.exact_readers.push(emit.tx),
        AccessMode::Write => {
            ts.writer_gate = emit.link_fan(&ts.any_readers, ts.writer_gate, DepKind::WriteAfterRead);
            ts.exact_writers.push(emit.tx);
        }
    }
}

fn visit_any(emit: &mut Emitter<'_>, ts: &mut TypeState, mode: AccessMode) {
    match mode {
        AccessMode::Read => {
            if let Some(w) = ts.any_writer {
                emit.link(w, DepKind::ReadAfterWrite);
            }
            ts.reader_gate = emit.link_fan(&ts.exact_writers, ts.reader_gate, DepKind::ReadAfterWrite);
            ts.any_readers.push(emit.tx);
        }
        AccessMode::Write => {
            if let Some(w) = ts.any_writer {
                emit.link(w, DepKind::WriteAfterWrite);
            }
            emit.link_all(&ts.any_readers, DepKind::WriteAfterRead);
            emit.link_all(&ts.exact_readers, DepKind::WriteAfterRead);
            emit.link_all(&ts.exact_writers, DepKind::WriteAfterWrite);
            *ts = TypeState { any_writer: Some(emit.tx), ..TypeState::default() };
        }
    }
}
