//! Ordering a batch of updates by path, keeping the last update of a path.
//!
//! Paths are uniform past the leading bits their keys' type decides (see
//! the store's `leaf::path_of`), so a counting sort on the bits after those
//! the batch shares spreads it into buckets of about one update each; only
//! the rare bucket with several is sorted further. That is two passes over
//! the batch instead of a comparison sort's `log n`. A batch of several
//! types is spread into one clump per type: a bucket holding many updates
//! is counted again on the bits after the ones they all share.
//!
//! A block's batch (86,000 updates, 5.5 MB, for 100,000 transfers) is first
//! split by [`SPLIT_BITS`] bits on the current rayon pool (those after the
//! bits a sample of the batch shares: a batch of one type's keys would
//! otherwise fall into one part), and the parts are sorted side by side:
//! sorted on one thread it took ~5 ms of a 2-thread block's commit while
//! the other thread had nothing to do.

use rayon::prelude::*;

use super::{Hash, LeafUpdate};

/// Below this a plain sort is cheaper than counting.
const COUNT_FROM: usize = 256;
/// From this many updates the batch is split and the parts sorted in parallel.
const SPLIT_FROM: usize = 32_768;
/// The parts are the batch split by this many leading bits of the path...
const SPLIT_BITS: u32 = 8;
/// ...by tasks of this many updates each.
const SPLIT_CHUNK: usize = 8192;

/// A bucket of more than this many updates is counted again rather than
/// compared: a clump of one type's paths in a batch of several.
const COUNT_AGAIN_FROM: usize = 64;

/// The leading 64 bits of a path.
fn lead(path: &Hash) -> u64 {
    u64::from_be_bytes([path[0], path[1], path[2], path[3], path[4], path[5], path[6], path[7]])
}

/// The `bits` bits of a path after its leading `skip` (`0 < bits`,
/// `skip + bits <= 64`).
fn top(path: &Hash, skip: u32, bits: u32) -> usize {
    ((lead(path) << skip) >> (64 - bits)) as usize
}

/// How many leading bits (of the first 64) all of `updates` share, given
/// that they share `known`: a batch of one type's keys shares its type's,
/// which counting on would put every update in one bucket. Stops reading
/// once two updates differ within the first `known` bits after all
/// (uniform paths differ at once).
fn shared_bits<'u>(updates: impl Iterator<Item = &'u LeafUpdate>, known: u32) -> u32 {
    shared_lead_bits(updates.map(|u| lead(&u.path)), known)
}

/// [`shared_bits`] of paths' leading 64 bits (64 for fewer than two).
fn shared_lead_bits(mut leads: impl Iterator<Item = u64>, known: u32) -> u32 {
    let Some(first) = leads.next() else { return 64 };
    let mut differ = 0u64;
    for lead in leads {
        differ |= lead ^ first;
        if differ.leading_zeros() <= known {
            return known;
        }
    }
    differ.leading_zeros()
}

/// Sorts `updates` by path; of updates to one path only the last given is kept.
pub(super) fn sorted_unique(updates: Vec<LeafUpdate>) -> Vec<LeafUpdate> {
    if updates.len() >= SPLIT_FROM && rayon::current_num_threads() > 1 {
        return split_sorted(&updates);
    }
    let mut sorted = if updates.len() < COUNT_FROM {
        let mut v = updates;
        // Stable: later updates of a path stay after earlier ones.
        v.sort_by_key(|a| a.path);
        v
    } else {
        counting_sort(&updates)
    };
    keep_last(&mut sorted);
    sorted
}

/// [`sorted_unique`] on the current rayon pool: each task splits a chunk of
/// the batch by the leading bits (past those a sample of it shares), then
/// each part is sorted on the bits that follow, reading its pieces in
/// batch order (so the last update of a path stays last). The parts, in
/// order, are the batch sorted.
fn split_sorted(updates: &[LeafUpdate]) -> Vec<LeafUpdate> {
    let step = (updates.len() / SAMPLES).max(1);
    let at = Head::guess(updates.iter().step_by(step).take(SAMPLES).map(|u| lead(&u.path)));
    sorted_from_pieces(
        updates.par_chunks(SPLIT_CHUNK).map(|chunk| split(chunk.iter().copied(), chunk.len(), at)).collect(),
        at.bits,
    )
}

/// How many updates [`Head::guess`] looks at: about one per shard of the
/// store, whose shards each hold a random share of a block's writes.
const SAMPLES: usize = 16;

/// The leading bits a batch is expected to share, and their value: a
/// block's writes are mostly of one type or a few, whose paths share
/// their type's leading bits, and splitting on those would put the whole
/// batch in one part (see [`sorted_from_pieces`]).
#[derive(Clone, Copy)]
struct Head {
    bits: u32,
    value: u64,
}

impl Head {
    /// The bits `samples` share (none for fewer than two), at most as many
    /// as leave room to split on the ones after.
    fn guess(mut samples: impl Iterator<Item = u64>) -> Head {
        let (Some(first), Some(second)) = (samples.next(), samples.next()) else { return Head { bits: 0, value: 0 } };
        let bits = shared_lead_bits([first, second].into_iter().chain(samples), 0).min(64 - SPLIT_BITS);
        Head { bits, value: Head::of(first, bits) }
    }

    /// The leading `bits` of `lead`.
    fn of(lead: u64, bits: u32) -> u64 {
        lead.checked_shr(64 - bits).unwrap_or(0)
    }
}

/// Batches of updates, in order, sorted by path as one batch (of updates
/// to one path only the last given is kept): each batch is produced and
/// split by the leading bits as [`split_sorted`] splits its chunks, on the
/// current rayon pool, so that a block's leaves, hashed shard by shard, go
/// straight into the parts instead of first being gathered into one
/// vector (a serial copy of the whole batch). Batches too few to split
/// are produced on the pool and sorted as one; on one thread they are
/// produced straight into one vector. Whether a batch is worth the pool
/// at all is the caller's to judge (the store's `PARALLEL_FROM`).
pub(super) fn sorted_batches<I>(batches: Vec<I>) -> Vec<LeafUpdate>
where
    I: Iterator<Item = LeafUpdate> + Send,
{
    let upper: usize = batches.iter().map(|b| b.size_hint().1.unwrap_or(usize::MAX)).fold(0, usize::saturating_add);
    let threads = rayon::current_num_threads();
    if upper >= SPLIT_FROM && threads > 1 {
        // Each batch's first update (a shard's first leaf) is a sample.
        let mut batches: Vec<std::iter::Peekable<I>> = batches.into_iter().map(Iterator::peekable).collect();
        let at = Head::guess(batches.iter_mut().filter_map(|b| b.peek().map(|u| lead(&u.path))));
        let pieces = batches
            .into_par_iter()
            .map(|batch| {
                // The most it may yield: a shard's leaves are its writes,
                // less the deletes of absent keys.
                let (least, most) = batch.size_hint();
                split(batch, most.unwrap_or(least), at)
            })
            .collect();
        return sorted_from_pieces(pieces, at.bits);
    }
    if threads > 1 {
        let produced: Vec<Vec<LeafUpdate>> = batches.into_par_iter().map(Iterator::collect).collect();
        return sorted_unique(produced.concat());
    }
    // Sized up front: a flattened iterator's lower bound is nothing, and
    // growing the vector would copy the batch at every doubling.
    let mut all = Vec::with_capacity(if upper == usize::MAX { 0 } else { upper });
    all.extend(batches.into_iter().flatten());
    sorted_unique(all)
}

/// A batch split on the [`SPLIT_BITS`] bits after a [`Head`]: the parts
/// of the updates that have it, in order within each part, and the
/// updates whose leading bits are below or above it (none when the head
/// is known, or guessed right).
struct Split {
    parts: Vec<Vec<LeafUpdate>>,
    below: Vec<LeafUpdate>,
    above: Vec<LeafUpdate>,
}

/// `updates` (about `len` of them) split past `head`.
fn split(updates: impl Iterator<Item = LeafUpdate>, len: usize, head: Head) -> Split {
    let parts = 1usize << SPLIT_BITS;
    // A part's expected share, and some slack so few have to grow.
    let room = len / parts + len / parts / 2 + 4;
    let mut split =
        Split { parts: (0..parts).map(|_| Vec::with_capacity(room)).collect(), below: Vec::new(), above: Vec::new() };
    for u in updates {
        match Head::of(lead(&u.path), head.bits).cmp(&head.value) {
            std::cmp::Ordering::Less => split.below.push(u),
            std::cmp::Ordering::Greater => split.above.push(u),
            std::cmp::Ordering::Equal => {
                if let Some(part) = split.parts.get_mut(top(&u.path, head.bits, SPLIT_BITS)) {
                    part.push(u);
                }
            }
        }
    }
    split
}

/// The pieces of split batches (each [`split`] past a head of `skip` bits,
/// the batches in order) sorted and laid end to end: the updates below the
/// head, each part sorted on the bits after those it was split on, reading
/// its pieces in batch order, then the updates above, on the current rayon
/// pool. A part holding a large share of the batch (the paths of one
/// type, which share their leading bits) is split again past the bits its
/// paths share, its pieces side by side, so that one thread does not sort
/// it alone.
fn sorted_from_pieces(pieces: Vec<Split>, skip: u32) -> Vec<LeafUpdate> {
    let parts = 1usize << SPLIT_BITS;
    let below = skip + SPLIT_BITS;
    // Updates outside the head are rare (a head guessed wrong) and sorted
    // as a batch of their own each side, on the pool when they are many.
    let outside = |side: fn(&Split) -> &Vec<LeafUpdate>| -> Vec<LeafUpdate> {
        sorted_unique(pieces.iter().flat_map(|p| side(p).iter().copied()).collect())
    };
    let (low, high) = (outside(|p| &p.below), outside(|p| &p.above));
    let sorted: Vec<Vec<LeafUpdate>> = (0..parts).into_par_iter().map(|part| sort_part(&pieces, part, below)).collect();
    let mut all = low;
    all.reserve(sorted.iter().map(Vec::len).sum::<usize>() + high.len());
    for part in sorted {
        all.extend(part);
    }
    all.extend(high);
    all
}

/// Part `part` of the split `pieces`, whose updates share their leading
/// `below` bits, sorted: see [`sorted_from_pieces`].
fn sort_part(pieces: &[Split], part: usize, below: u32) -> Vec<LeafUpdate> {
    let of_part = pieces.iter().filter_map(|p| p.parts.get(part));
    let len = of_part.clone().map(Vec::len).sum();
    if len >= SPLIT_FROM {
        // Past the bits the part's paths share: at least those it
        // was split on, so each split goes deeper.
        let shared = shared_bits(of_part.clone().flatten(), below);
        if shared + SPLIT_BITS <= 64 {
            let of_part: Vec<&Vec<LeafUpdate>> = of_part.collect();
            let value = of_part.iter().find_map(|p| p.first()).map_or(0, |u| Head::of(lead(&u.path), shared));
            let head = Head { bits: shared, value };
            let again = of_part.par_iter().map(|piece| split(piece.iter().copied(), piece.len(), head)).collect();
            return sorted_from_pieces(again, shared);
        }
    }
    let mut sorted = scatter_sort(of_part.flatten(), len, below);
    keep_last(&mut sorted);
    sorted
}

/// Keeps the last of each run of equal paths, in place.
fn keep_last(sorted: &mut Vec<LeafUpdate>) {
    sorted.dedup_by(|later, kept| {
        let same = later.path == kept.path;
        if same {
            *kept = *later;
        }
        same
    });
}

/// The bits to count on for `len` updates: about one bucket per update.
fn count_bits(len: usize) -> u32 {
    (usize::BITS - len.leading_zeros()).clamp(8, 16)
}

/// Each bucket's start, for buckets of `bits` bits after the leading `skip`
/// (one more entry than buckets: the last is the total).
fn bucket_starts<'u>(updates: impl Iterator<Item = &'u LeafUpdate>, skip: u32, bits: u32) -> Vec<u32> {
    let mut starts = vec![0u32; (1usize << bits) + 1];
    for u in updates {
        if let Some(count) = starts.get_mut(top(&u.path, skip, bits) + 1) {
            *count += 1;
        }
    }
    for i in 1..starts.len() {
        starts[i] += starts[i - 1];
    }
    starts
}

/// Sorts each bucket of several (whose updates share their leading `skip`
/// bits) by whole path, stably: a large one counted again on the bits that
/// follow, a small one compared.
fn sort_buckets(out: &mut [LeafUpdate], starts: &[u32], skip: u32) {
    for w in starts.windows(2) {
        let (start, end) = (w[0] as usize, w[1] as usize);
        let Some(bucket) = out.get_mut(start..end) else { continue };
        if bucket.len() > COUNT_AGAIN_FROM && skip < 64 {
            let sorted = scatter_sort(bucket.iter(), bucket.len(), skip);
            bucket.copy_from_slice(&sorted);
        } else if bucket.len() > 1 {
            bucket.sort_by_key(|a| a.path);
        }
    }
}

/// The bits to count `len` updates on after their leading `skip` and the
/// bits past it they all share: where counting starts, and how many bits
/// (none when they share the first 64, which only the whole path orders).
fn count_on<'u>(updates: impl Iterator<Item = &'u LeafUpdate>, len: usize, skip: u32) -> (u32, u32) {
    let skip = shared_bits(updates, skip);
    (skip, count_bits(len).min(64 - skip))
}

/// A stable sort by path: counting on the leading bits past those every
/// update shares (about one bucket per update, at most 2^16), then each
/// bucket of several sorted ([`sort_buckets`]). The updates are gathered in
/// their new order, so the output is written front to back: a batch this
/// size does not fit in cache.
fn counting_sort(updates: &[LeafUpdate]) -> Vec<LeafUpdate> {
    let (skip, bits) = count_on(updates.iter(), updates.len(), 0);
    if bits == 0 {
        let mut out = updates.to_vec();
        out.sort_by_key(|a| a.path);
        return out;
    }
    let starts = bucket_starts(updates.iter(), skip, bits);
    // Where each update goes, then the updates gathered in that order.
    let mut next = starts.clone();
    let mut order = vec![0u32; updates.len()];
    for (i, u) in (0u32..).zip(updates) {
        if let Some(slot) = next.get_mut(top(&u.path, skip, bits)) {
            if let Some(o) = order.get_mut(*slot as usize) {
                *o = i;
            }
            *slot += 1;
        }
    }
    let mut out: Vec<LeafUpdate> = Vec::with_capacity(updates.len());
    out.extend(order.iter().filter_map(|&i| updates.get(i as usize).copied()));
    sort_buckets(&mut out, &starts, skip + bits);
    out
}

/// [`counting_sort`] for `len` updates that agree on their leading `skip`
/// bits and are few enough to stay in cache (a part of [`split_sorted`]'s,
/// a clump in a bucket): each update is written straight to its place.
fn scatter_sort<'u>(updates: impl Iterator<Item = &'u LeafUpdate> + Clone, len: usize, skip: u32) -> Vec<LeafUpdate> {
    let (skip, bits) = count_on(updates.clone(), len, skip);
    if bits == 0 {
        let mut out: Vec<LeafUpdate> = updates.copied().collect();
        out.sort_by_key(|a| a.path);
        return out;
    }
    let starts = bucket_starts(updates.clone(), skip, bits);
    let mut next = starts.clone();
    let mut out = vec![LeafUpdate { path: [0; 32], leaf: None }; len];
    for u in updates {
        if let Some(slot) = next.get_mut(top(&u.path, skip, bits)) {
            if let Some(place) = out.get_mut(*slot as usize) {
                *place = *u;
            }
            *slot += 1;
        }
    }
    sort_buckets(&mut out, &starts, skip + bits);
    out
}
