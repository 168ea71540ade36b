//! Conflicts on exact keys: per key, the last writer and the group of
//! readers or adders since.
//!
//! A one-pass hash table over all of a large block's keys does not fit in
//! cache, and every access would then cost a miss. So accesses are first
//! split by key hash into up to [`MAX_PARTITIONS`] partitions (in block order within
//! each), and each partition, whose table does fit, is processed on its own,
//! in parallel. Keys are numbered partition by partition; the numbering, like
//! everything else here, depends only on the block.

use std::hash::BuildHasher;

use rayon::prelude::*;
use resin_vm::{AccessKey, AccessMode, ResourceKey};
use rustc_hash::{FxBuildHasher, FxHashMap};

use super::{DepKey, DepKind, KeyTable, RawEdge, FAN_LIMIT};
use crate::frontier::Latest;
use crate::keys::BlockKeys;
use crate::overlay::use_key;

/// The partition count depends on the block's size only, never on the
/// thread count: about [`TXS_PER_PARTITION`] transactions each, a power of two.
const MAX_PARTITIONS: usize = 64;
const TXS_PER_PARTITION: usize = 2048;
/// Transactions per chunk of the first pass.
const CHUNK: usize = 4096;
/// Below this many transactions everything runs on the calling thread.
const PARALLEL_FROM: usize = 2 * CHUNK;

const NONE: u32 = u32::MAX;

/// One exact access, carrying its key so a partition never reaches back into
/// the block (a cache miss per access).
#[derive(Clone, Copy)]
struct Record {
    key: ResourceKey,
    tx: u32,
    /// Index among the transaction's exact accesses.
    nth: u16,
    mode: AccessMode,
}

/// What the partitions find besides the keys' numbers.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Pass {
    /// The conflict graph's candidate edges.
    Edges,
    /// Each transaction's latest predecessor ([`crate::frontier`]).
    Latest,
}

/// What one partition found.
#[derive(Default)]
struct Partition {
    keys: Vec<ResourceKey>,
    /// `(tx, nth, local slot)` for every access.
    assigned: Vec<(u32, u16, u32)>,
    /// [`Pass::Edges`]: the candidate edges.
    edges: Vec<RawEdge>,
    /// [`Pass::Latest`]: beside each of `assigned`, what the access waits
    /// for ([`Latest::access`]).
    after: Vec<u32>,
    /// [`Pass::Latest`]: per key, how the block uses it (`overlay.rs`'s
    /// flags), so the overlay needs no pass of its own to find out.
    uses: Vec<u8>,
}

pub(super) struct Exact {
    /// The keys numbered partition by partition: each partition's local
    /// numbers shifted by the partition's offset. [`in_access_order`]
    /// renumbers them for the overlay.
    pub(super) keys: Vec<ResourceKey>,
    pub(super) slot_start: Vec<u32>,
    /// Every transaction's keys, by their numbers in `keys`.
    pub(super) slots: Vec<u32>,
    /// Candidate edges per partition, with partition-local slots...
    pub(super) edges: Vec<Vec<RawEdge>>,
    /// ...to be shifted by these.
    pub(super) partition_offsets: Vec<u32>,
    /// [`Pass::Latest`]: per transaction, one more than the latest earlier
    /// transaction it conflicts with on an exact key (0: none); empty for
    /// [`Pass::Edges`].
    pub(super) after: Vec<u32>,
    /// [`Pass::Latest`]: each key's uses, numbered as `keys`; empty for
    /// [`Pass::Edges`].
    pub(super) uses: Vec<u8>,
}

/// A hash of the key; its low bits pick the partition.
fn partition_hash(key: &ResourceKey) -> usize {
    // Middle bits: the partition tables use the low ones for buckets and the
    // top seven as tags, which must still vary within a partition.
    (FxBuildHasher.hash_one(key) >> 40) as usize
}

/// A range of transactions' exact accesses, split into partitions.
struct Chunk {
    parts: Vec<Vec<Record>>,
    /// Exact accesses per transaction.
    counts: Vec<u32>,
}

/// One pass over a range of the block: the keys are large, so they are read once.
fn split(keys: &BlockKeys, range: std::ops::Range<usize>, partitions: usize) -> Chunk {
    // The count is a power of two: a mask, where `%` would divide per access.
    debug_assert!(partitions.is_power_of_two());
    let mask = partitions - 1;
    // Most transactions have two or three keys; a little slack avoids regrowing.
    let expected = range.len() * 3 / partitions + 8;
    let mut parts: Vec<Vec<Record>> = (0..partitions).map(|_| Vec::with_capacity(expected)).collect();
    let mut counts = Vec::with_capacity(range.len());
    for i in range {
        let mut nth = 0u16;
        for a in keys.accesses(i) {
            // A type-wide access is the type-wide pass's (`typewide.rs`),
            // which the block's keys say it needs (`BlockKeys::has_typewide`).
            if let AccessKey::Exact(key) = a.key {
                if let Some(part) = parts.get_mut(partition_hash(&key) & mask) {
                    part.push(Record { key, tx: i as u32, nth, mode: a.mode });
                }
                nth += 1;
            }
        }
        counts.push(u32::from(nth));
    }
    Chunk { parts, counts }
}

/// A key's accesses so far, as the edges into the next one need them.
///
/// The accesses to one key fall into phases: a write is a phase of its own,
/// and a run of reads, or of adds, with no other access between is one
/// phase (its members do not conflict with each other). Every access is
/// ordered after every member of the phase before its own, and so,
/// transitively, after everything earlier that it conflicts with.
#[derive(Clone, Copy)]
struct KeyState {
    slot: u32,
    last_writer: u32,
    /// Head, in [`Scratch::lists`], of the group of readers or adders since
    /// the last writer (or since the group before it); `NONE` when the
    /// last access wrote.
    group: u32,
    /// Read or Add: what the members of `group` do.
    group_mode: AccessMode,
    /// Head of the group before `group` when `group` follows a group of
    /// the other mode directly (no write between them); else `NONE`.
    before: u32,
    /// When `before` had more than [`FAN_LIMIT`] members: the first member
    /// of `group`, which links to all of them; later members link to it
    /// alone, so a block alternating large groups of readers and adders
    /// stays linear (at the price of ordering them after that first one).
    gate: u32,
}

/// Runs the per-key bookkeeping over one partition's accesses, in block order.
/// A partition's working memory, reused from one partition to the next:
/// fresh memory costs a page fault per page on first touch.
#[derive(Default)]
struct Scratch {
    states: FxHashMap<ResourceKey, KeyState>,
    /// Groups of readers or adders of every key, as linked lists in one
    /// arena: most keys are never read, and dropping a list is free.
    lists: Vec<(u32, u32)>,
    /// [`Pass::Latest`]'s state per key: its slot, and its accesses so far.
    latest: FxHashMap<ResourceKey, (u32, Latest)>,
}

/// [`Pass::Latest`] over one partition's accesses, in block order: the
/// keys numbered, and what each access waits for.
fn process_latest<'r>(scratch: &mut Scratch, records: impl Iterator<Item = &'r Record>, len: usize) -> Partition {
    let mut out = Partition {
        keys: Vec::with_capacity(len),
        assigned: Vec::with_capacity(len),
        edges: Vec::new(),
        after: Vec::with_capacity(len),
        uses: Vec::with_capacity(len),
    };
    let states = &mut scratch.latest;
    states.clear();
    states.reserve(len);
    for r in records {
        let next = out.keys.len() as u32;
        let (slot, latest) = states.entry(r.key).or_insert((next, Latest::default()));
        if *slot == next {
            out.keys.push(r.key);
            out.uses.push(0);
        }
        if let Some(flags) = out.uses.get_mut(*slot as usize) {
            use_key(flags, r.mode);
        }
        out.assigned.push((r.tx, r.nth, *slot));
        out.after.push(latest.access(r.tx, r.mode));
    }
    out
}

fn process<'r>(scratch: &mut Scratch, records: impl Iterator<Item = &'r Record>, len: usize) -> Partition {
    let mut out = Partition {
        keys: Vec::with_capacity(len),
        assigned: Vec::with_capacity(len),
        edges: Vec::with_capacity(len),
        after: Vec::new(),
        uses: Vec::new(),
    };
    let Scratch { states, lists, .. } = scratch;
    states.clear();
    states.reserve(len);
    lists.clear();
    for r in records {
        let next = out.keys.len() as u32;
        let state = states.entry(r.key).or_insert(KeyState {
            slot: next,
            last_writer: NONE,
            group: NONE,
            group_mode: AccessMode::Read,
            before: NONE,
            gate: NONE,
        });
        if state.slot == next {
            out.keys.push(r.key);
        }
        out.assigned.push((r.tx, r.nth, state.slot));
        let key = DepKey::Slot(state.slot);
        let mut edge = |from: u32, kind: DepKind| {
            if from < r.tx {
                out.edges.push(RawEdge { to: r.tx, from, kind, key });
            }
        };
        // Calls `edge` for each member of the list at `head`; returns how many.
        let each = |head: u32, edge: &mut dyn FnMut(u32)| {
            let (mut cur, mut count) = (head, 0usize);
            while let Some(&(member, rest)) = lists.get(cur as usize) {
                edge(member);
                count += 1;
                cur = rest;
            }
            count
        };
        if r.mode == AccessMode::Write {
            // The plain path: a write follows the last writer and the group since.
            if state.last_writer != NONE {
                edge(state.last_writer, DepKind::WriteAfterWrite);
            }
            if state.group != NONE {
                let kind = DepKind::between(state.group_mode, AccessMode::Write);
                each(state.group, &mut |member| edge(member, kind));
            }
            *state = KeyState { last_writer: r.tx, group: NONE, before: NONE, gate: NONE, ..*state };
            continue;
        }
        if state.group != NONE && state.group_mode != r.mode {
            // The first of a group after a group of the other mode: after
            // all of that group (which is after everything before it).
            let kind = DepKind::between(state.group_mode, r.mode);
            let count = each(state.group, &mut |member| edge(member, kind));
            state.before = state.group;
            state.group = NONE;
            state.gate = if count > FAN_LIMIT { r.tx } else { NONE };
        } else if state.before != NONE {
            // Joins a group that follows a group of the other mode.
            if state.gate != NONE {
                edge(state.gate, DepKind::Gate);
            } else {
                let kind = DepKind::between(other_group(state.group_mode), r.mode);
                each(state.before, &mut |member| edge(member, kind));
            }
        } else if state.last_writer != NONE {
            // A group after a write.
            edge(state.last_writer, DepKind::between(AccessMode::Write, r.mode));
        }
        lists.push((r.tx, state.group));
        state.group = (lists.len() - 1) as u32;
        state.group_mode = r.mode;
    }
    out
}

/// The mode of the group before a group of `mode` (reads and adds alternate).
fn other_group(mode: AccessMode) -> AccessMode {
    if mode == AccessMode::Add {
        AccessMode::Read
    } else {
        AccessMode::Add
    }
}

pub(super) fn build(keys: &BlockKeys, pass: Pass) -> Exact {
    let n = keys.len();
    let partition_count = (n / TXS_PER_PARTITION).next_power_of_two().min(MAX_PARTITIONS);
    let chunks: Vec<Chunk> = if n < PARALLEL_FROM {
        vec![split(keys, 0..n, partition_count)]
    } else {
        let ranges: Vec<_> = (0..n).step_by(CHUNK).map(|s| s..(s + CHUNK).min(n)).collect();
        ranges.into_par_iter().map(|r| split(keys, r, partition_count)).collect()
    };
    let mut slot_start = Vec::with_capacity(n + 1);
    let mut total = 0u32;
    for count in chunks.iter().flat_map(|c| &c.counts) {
        slot_start.push(total);
        total += count;
    }
    slot_start.push(total);

    let partition = |scratch: &mut Scratch, p: usize| {
        let len = chunks.iter().filter_map(|c| c.parts.get(p)).map(Vec::len).sum();
        let records = chunks.iter().filter_map(|c| c.parts.get(p)).flatten();
        match pass {
            Pass::Edges => process(scratch, records, len),
            Pass::Latest => process_latest(scratch, records, len),
        }
    };
    let partitions: Vec<Partition> = if n < PARALLEL_FROM {
        let mut scratch = Scratch::default();
        (0..partition_count).map(|p| partition(&mut scratch, p)).collect()
    } else {
        (0..partition_count).into_par_iter().map_init(Scratch::default, partition).collect()
    };

    let mut partition_offsets = Vec::with_capacity(partition_count);
    let mut key_count = 0u32;
    for part in &partitions {
        partition_offsets.push(key_count);
        key_count += part.keys.len() as u32;
    }
    let gather_keys = || {
        let mut keys = Vec::with_capacity(key_count as usize);
        let mut uses = Vec::with_capacity(if pass == Pass::Latest { key_count as usize } else { 0 });
        for part in &partitions {
            keys.extend_from_slice(&part.keys);
            uses.extend_from_slice(&part.uses);
        }
        (keys, uses)
    };
    // Each transaction's keys as numbers: a range of transactions fills its
    // own stretch of `slots` (and of `after`), from the same range of every
    // partition's accesses (each partition's are in block order).
    let mut slots = vec![0u32; total as usize];
    let mut after = match pass {
        Pass::Edges => Vec::new(),
        Pass::Latest => vec![0u32; n],
    };
    let assign = |stretch: &mut [u32], after: &mut [u32], txs: std::ops::Range<usize>| {
        let base = slot_start.get(txs.start).map_or(0, |&s| s as usize);
        for (part, &offset) in partitions.iter().zip(&partition_offsets) {
            let from = part.assigned.partition_point(|a| (a.0 as usize) < txs.start);
            let to = part.assigned.partition_point(|a| (a.0 as usize) < txs.end);
            for &(tx, nth, local) in part.assigned.get(from..to).unwrap_or_default() {
                let at = slot_start
                    .get(tx as usize)
                    .and_then(|s| (*s as usize + usize::from(nth)).checked_sub(base))
                    .unwrap_or(usize::MAX);
                if let Some(slot) = stretch.get_mut(at) {
                    *slot = offset + local;
                }
            }
            // A transaction waits for the latest of its accesses' predecessors.
            let accesses = part.after.get(from..to).unwrap_or_default();
            for (&(tx, _, _), &wait) in part.assigned.get(from..to).unwrap_or_default().iter().zip(accesses) {
                if let Some(at) = (tx as usize).checked_sub(txs.start).and_then(|i| after.get_mut(i)) {
                    *at = (*at).max(wait);
                }
            }
        }
    };
    let (keys_by_partition, uses) = if n < PARALLEL_FROM {
        assign(&mut slots, &mut after, 0..n);
        gather_keys()
    } else {
        let mut stretches = Vec::with_capacity(n.div_ceil(CHUNK));
        let mut rest = slots.as_mut_slice();
        let mut rest_after = after.as_mut_slice();
        for start in (0..n).step_by(CHUNK) {
            let end = (start + CHUNK).min(n);
            let len = slot_start.get(end).zip(slot_start.get(start)).map_or(0, |(e, s)| (e - s) as usize);
            let len = len.min(rest.len());
            let (stretch, tail) = std::mem::take(&mut rest).split_at_mut(len);
            // Empty for the edges' pass.
            let after_len = CHUNK.min(rest_after.len());
            let (after_stretch, after_tail) = std::mem::take(&mut rest_after).split_at_mut(after_len);
            stretches.push((stretch, after_stretch, start..end));
            rest = tail;
            rest_after = after_tail;
        }
        let ((), keys) = rayon::join(
            || stretches.into_par_iter().for_each(|(stretch, after, txs)| assign(stretch, after, txs)),
            gather_keys,
        );
        keys
    };
    let edges = partitions.into_iter().map(|part| part.edges).collect();
    Exact { keys: keys_by_partition, slot_start, slots, edges, partition_offsets, after, uses }
}

/// Renumbers the keys, numbered partition by partition, in the order the
/// block first accesses them, as the in-order executor numbers them. The
/// numbers are the block overlay's slots: in access order, consecutive
/// transactions touch nearby slots, where the partitions' order would
/// scatter every access over the whole overlay (a cache miss each, which
/// cost the parallel executor more than a third of its execution time).
/// Returns the table and the new number of each partition-order number.
pub(super) fn in_access_order(keys: Vec<ResourceKey>, slots: &mut [u32]) -> (KeyTable, Vec<u32>) {
    const UNSEEN: u32 = u32::MAX;
    let mut renumbered = vec![UNSEEN; keys.len()];
    let mut next = 0u32;
    for slot in slots.iter_mut() {
        if let Some(new) = renumbered.get_mut(*slot as usize) {
            if *new == UNSEEN {
                *new = next;
                next += 1;
            }
            *slot = *new;
        }
    }
    // Every key was accessed, so every one is numbered; any other would go last.
    for new in renumbered.iter_mut().filter(|n| **n == UNSEEN) {
        *new = next;
        next += 1;
    }
    // Filled with the first key, then every place overwritten.
    let mut ordered = match keys.first() {
        Some(&first) => vec![first; keys.len()],
        None => Vec::new(),
    };
    for (key, &new) in keys.into_iter().zip(&renumbered) {
        if let Some(place) = ordered.get_mut(new as usize) {
            *place = key;
        }
    }
    let table = KeyTable { keys: ordered, ..KeyTable::default() };
    (table, renumbered)
}
