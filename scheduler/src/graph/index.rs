//! The block's keys numbered in the order it first names them, in one pass
//! in block order whose lookups are asked for ahead.
//!
//! A general hash map of a large block's keys (86,000 for 100,000
//! transfers among as many accounts) does not fit in a core's own caches,
//! and a pass in block order then waits for memory at many of its
//! accesses: ~40 ns an access, 7.9 ms for such a block in `resin bench`'s
//! in-order engine. But the pass knows which keys
//! come next. [`KeyIndex`] is open-addressed with linear probing, so the
//! bucket an access's probe starts in is known from its key's hash alone,
//! and [`number`] asks for it [`BUCKET_AHEAD`] accesses before the one
//! that probes; [`KEY_AHEAD`] accesses before, the bucket is in cache and
//! names the key's number, and the key it is compared with and whatever
//! the caller keeps per key are asked for in turn ([`Visit::ahead`]). The
//! keys' hashes, most of the arithmetic, are made first, on the pool
//! ([`hashed`]).

use rayon::prelude::*;
use resin_state::prefetch::prefetch;
use resin_state::store::bucket_order;
use resin_vm::{AccessKey, AccessMode, ResourceKey};

use crate::beside::{serial_beside, Beside};
use crate::keys::BlockKeys;

/// How many accesses ahead of the one numbered its key's bucket is asked
/// for...
const BUCKET_AHEAD: usize = 12;
/// ...and how many ahead the key that bucket names (and what the caller
/// keeps for it). Measured with `schedule_timing` (100,000 transfers, best
/// of 15): 3.6-4.0 ms at 12 and 4, 3.8 at 8 and 2, 3.9-4.6 at 16 and 4,
/// 4.0-4.7 at 12 and 6, 4.1-4.3 at 32 and 16, 4.2-5.2 without asking
/// ahead; a general hash map took 5.3-5.5 ms.
const KEY_AHEAD: usize = 4;

const EMPTY: u64 = 0;

/// Keys numbered 0, 1, 2, ... in the order first given to [`KeyIndex::number`].
pub(crate) struct KeyIndex {
    /// Per bucket, a key's hash (its [`bucket_order`], seeded per process,
    /// so that no block can be made of keys that all probe one run of
    /// buckets) in the high half, and its number + 1 in the low half
    /// ([`EMPTY`]: no key). At most half of the buckets are full.
    buckets: Vec<u64>,
    /// log2 of the bucket count: a key's probe starts at the bucket of its
    /// hash's leading `bits` bits.
    bits: u32,
    keys: Vec<ResourceKey>,
}

impl KeyIndex {
    /// An empty index with room for `keys` keys before it grows.
    pub(crate) fn with_capacity(keys: usize) -> KeyIndex {
        let bits = (2 * keys.max(8)).next_power_of_two().trailing_zeros().min(32);
        KeyIndex { buckets: vec![EMPTY; 1 << bits], bits, keys: Vec::with_capacity(keys) }
    }

    fn home(&self, hash: u32) -> usize {
        // `bits` is at least 4: the shift is at most 28.
        (hash >> (32 - self.bits)) as usize
    }

    /// Starts loading the bucket where the probe for a key of `hash` starts.
    #[inline]
    fn prefetch(&self, hash: u32) {
        if let Some(bucket) = self.buckets.get(self.home(hash)) {
            prefetch(bucket);
        }
    }

    /// The number in the bucket where the probe for a key of `hash` starts,
    /// when that bucket holds a key of the same hash: most likely the
    /// key's own number, known before the key is compared.
    #[inline]
    fn likely(&self, hash: u32) -> Option<u32> {
        let bucket = *self.buckets.get(self.home(hash))?;
        (bucket != EMPTY && (bucket >> 32) as u32 == hash).then(|| (bucket as u32).wrapping_sub(1))
    }

    /// The number of `key`, whose hash is `hash`: the one it was given
    /// before, or the next one.
    #[inline]
    pub(crate) fn number(&mut self, hash: u32, key: &ResourceKey) -> u32 {
        let mask = self.buckets.len() - 1;
        let mut at = self.home(hash);
        while let Some(&bucket) = self.buckets.get(at) {
            if bucket == EMPTY {
                break;
            }
            let number = (bucket as u32).wrapping_sub(1);
            if (bucket >> 32) as u32 == hash && self.keys.get(number as usize) == Some(key) {
                return number;
            }
            at = (at + 1) & mask;
        }
        let number = self.keys.len() as u32;
        self.keys.push(*key);
        if let Some(bucket) = self.buckets.get_mut(at) {
            *bucket = entry(hash, number);
        }
        if 2 * self.keys.len() > self.buckets.len() {
            self.grow();
        }
        number
    }

    /// Twice the buckets, every key placed again by the hash its bucket
    /// keeps.
    fn grow(&mut self) {
        self.bits += 1;
        let old = std::mem::replace(&mut self.buckets, vec![EMPTY; 1 << self.bits]);
        let mask = self.buckets.len() - 1;
        for bucket in old.into_iter().filter(|&b| b != EMPTY) {
            let mut at = self.home((bucket >> 32) as u32);
            while self.buckets.get(at).is_some_and(|&b| b != EMPTY) {
                at = (at + 1) & mask;
            }
            if let Some(place) = self.buckets.get_mut(at) {
                *place = bucket;
            }
        }
    }

    /// The keys, by number.
    pub(crate) fn into_keys(self) -> Vec<ResourceKey> {
        self.keys
    }
}

fn entry(hash: u32, number: u32) -> u64 {
    (u64::from(hash) << 32) | u64::from(number.wrapping_add(1))
}

/// What [`number`] tells its caller.
pub(crate) trait Visit {
    /// Key `number` is likely to be accessed soon: a chance to ask for
    /// what is kept for it.
    #[inline]
    fn ahead(&self, _number: u32) {}

    /// Transaction `tx` accesses key `number` (a new key's number is the
    /// count of keys before it) in `mode`. Called for every exact access,
    /// in block order.
    fn access(&mut self, tx: usize, number: u32, mode: AccessMode);
}

/// Transactions hashed per task in [`hashed`].
const HASHED_PER_TASK: usize = 8192;

/// Per transaction, where its exact accesses begin in the block's list of
/// them (one more entry for the end); and in that list's order, each one's
/// key's hash ([`bucket_order`]). On the current rayon pool: the hashes are
/// most of the numbering's arithmetic, and each depends on its key alone.
fn hashed(keys: &BlockKeys) -> (Vec<u32>, Vec<u32>) {
    let n = keys.len();
    let part = |txs: std::ops::Range<usize>| {
        let mut counts = Vec::with_capacity(txs.len());
        let mut hashes = Vec::with_capacity(2 * txs.len());
        for tx in txs {
            let before = hashes.len();
            hashes.extend(exact(keys, tx).map(|(key, _)| bucket_order(key)));
            counts.push((hashes.len() - before) as u32);
        }
        (counts, hashes)
    };
    let parts: Vec<(Vec<u32>, Vec<u32>)> = if n <= HASHED_PER_TASK {
        vec![part(0..n)]
    } else {
        let ranges: Vec<_> = (0..n).step_by(HASHED_PER_TASK).map(|s| s..(s + HASHED_PER_TASK).min(n)).collect();
        ranges.into_par_iter().map(part).collect()
    };
    let mut slot_start = Vec::with_capacity(n + 1);
    let mut hashes = Vec::with_capacity(parts.iter().map(|(_, h)| h.len()).sum());
    let mut total = 0u32;
    for (counts, part) in &parts {
        for count in counts {
            slot_start.push(total);
            total += count;
        }
        hashes.extend_from_slice(part);
    }
    slot_start.push(total);
    (slot_start, hashes)
}

fn exact(keys: &BlockKeys, tx: usize) -> impl Iterator<Item = (&ResourceKey, AccessMode)> + '_ {
    keys.accesses(tx).iter().filter_map(|a| match &a.key {
        AccessKey::Exact(key) => Some((key, a.mode)),
        AccessKey::AnyOf(_) => None,
    })
}

/// Numbers `keys`' exact keys in the order the block first accesses them,
/// telling `visit` of each access; returns the index and, per
/// transaction, where its accesses' numbers begin in the third vector,
/// which holds them in block order. The hashes are made on the current
/// rayon pool, the numbers on this thread, with `beside` on another of the
/// pool's threads meanwhile ([`serial_beside`]).
pub(crate) fn number<V: Visit + Send>(
    keys: &BlockKeys,
    visit: &mut V,
    beside: Beside<'_>,
) -> (KeyIndex, Vec<u32>, Vec<u32>) {
    let (slot_start, hashes) = hashed(keys);
    let (index, slots) = serial_beside(|| number_hashed(keys, &hashes, visit), beside);
    (index, slot_start, slots)
}

/// [`number`]'s serial pass, given the accesses' hashes in block order.
fn number_hashed<V: Visit>(keys: &BlockKeys, hashes: &[u32], visit: &mut V) -> (KeyIndex, Vec<u32>) {
    let n = keys.len();
    // Sized for a key per transaction, near what blocks of independent
    // users name (clearing it is ~0.1 ms for 100,000 transactions, which
    // a block of few keys pays too); a block of more keys grows it.
    let mut index = KeyIndex::with_capacity(n);
    let mut slots = Vec::with_capacity(hashes.len());
    for tx in 0..n {
        for (key, mode) in exact(keys, tx) {
            let at = slots.len();
            if let Some(&ahead) = hashes.get(at + BUCKET_AHEAD) {
                index.prefetch(ahead);
            }
            if let Some(number) = hashes.get(at + KEY_AHEAD).and_then(|&ahead| index.likely(ahead)) {
                if let Some(key) = index.keys.get(number as usize) {
                    prefetch(key);
                }
                visit.ahead(number);
            }
            let hash = hashes.get(at).copied().unwrap_or_else(|| bucket_order(key));
            let number = index.number(hash, key);
            visit.access(tx, number, mode);
            slots.push(number);
        }
    }
    (index, slots)
}
