use proptest::prelude::*;
use resin_vm::{AccessMode, KeyAccess, ResourceKey};
use rustc_hash::FxHashMap;

use super::*;
use crate::frontier::{chunk_size, suits, FrontierStats, Latest};
use crate::graph::{latest_in_order, latest_predecessors, Numbered};
use crate::overlay::{ADDED, ADDED_AGAIN, CHANGED, READ, READ_AGAIN};
use crate::serial::SAMPLED_FROM;

/// Per transaction, one more than the latest earlier transaction it
/// conflicts with (0: none), by the definition: each access looks back
/// through its key's earlier accesses, by other transactions, for the
/// latest one whose mode conflicts with its own.
fn latest_by_definition(keys: &BlockKeys) -> Vec<u32> {
    let mut history: FxHashMap<ResourceKey, Vec<(u32, AccessMode)>> = FxHashMap::default();
    let mut out = Vec::with_capacity(keys.len());
    for j in 0..keys.len() {
        let mut after = 0;
        for y in keys.accesses(j) {
            let AccessKey::Exact(key) = y.key else { panic!("exact keys only") };
            let earlier = history.get(&key).map(Vec::as_slice).unwrap_or_default();
            if let Some(&(i, _)) = earlier.iter().rev().find(|(i, mode)| *i != j as u32 && mode.conflicts_with(y.mode))
            {
                after = after.max(i + 1);
            }
        }
        for y in keys.accesses(j) {
            if let AccessKey::Exact(key) = y.key {
                history.entry(key).or_default().push((j as u32, y.mode));
            }
        }
        out.push(after);
    }
    out
}

fn mode() -> impl Strategy<Value = AccessMode> {
    prop_oneof![Just(AccessMode::Read), Just(AccessMode::Write), Just(AccessMode::Add)]
}

/// Blocks over `keys` keys, some transactions naming a key twice (in one
/// mode or two), which declared keys never do but the pass must survive.
fn block_over(keys: u64, txs: std::ops::Range<usize>) -> impl Strategy<Value = BlockKeys> {
    let access = (0..keys, mode()).prop_map(|(key, mode)| KeyAccess { mode, key: exact(COIN, key) });
    prop::collection::vec(prop::collection::vec(access, 0..4), txs).prop_map(block)
}

fn on_two_threads<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new().num_threads(2).build().expect("a pool of two threads").install(f)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn each_transaction_waits_for_its_latest_conflicting_predecessor(keys in block_over(6, 1..150)) {
        for latest in both_numberings(&keys) {
            prop_assert_eq!(latest.after, latest_by_definition(&keys));
        }
    }

    #[test]
    fn the_keys_are_numbered_as_the_in_order_engine_numbers_them(keys in block_over(20, 1..150)) {
        let numbered = BlockSlots::number(&keys);
        for latest in both_numberings(&keys) {
            prop_assert_eq!(latest.slots.table().keys(), numbered.table().keys());
            for i in 0..keys.len() {
                prop_assert_eq!(latest.slots.slots_of(i), numbered.slots_of(i));
            }
            prop_assert_eq!(latest.uses, uses_by_definition(&keys, &numbered));
        }
    }
}

/// The partitioned pass (on the current pool) and the pass in order on
/// this thread: the frontier's two ways to number a block.
fn both_numberings(keys: &BlockKeys) -> [Numbered; 2] {
    [latest_predecessors(keys), latest_in_order(keys, None)].map(|n| n.expect("exact keys only"))
}

/// Each slot's uses (`overlay.rs`'s flags) by counting its accesses by mode.
fn uses_by_definition(keys: &BlockKeys, slots: &BlockSlots) -> Vec<u8> {
    let mut counts = vec![[0usize; 3]; slots.table().len()];
    for i in 0..keys.len() {
        for (access, &slot) in keys.accesses(i).iter().zip(slots.slots_of(i)) {
            let kind = match access.mode {
                AccessMode::Read => 0,
                AccessMode::Write => 1,
                AccessMode::Add => 2,
            };
            counts[slot as usize][kind] += 1;
        }
    }
    let flag = |on: bool, bit: u8| if on { bit } else { 0 };
    counts
        .into_iter()
        .map(|[reads, writes, adds]| {
            flag(writes + adds > 0, CHANGED)
                | flag(adds > 0, ADDED)
                | flag(adds > 1, ADDED_AGAIN)
                | flag(reads > 0, READ)
                | flag(reads > 1, READ_AGAIN)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4, ..ProptestConfig::default() })]

    /// Past the size from which the pass splits the block into partitions
    /// processed side by side.
    #[test]
    fn large_blocks_in_partitions_wait_for_the_same(keys in block_over(3_000, 9_000..9_500)) {
        let partitioned = on_two_threads(|| latest_predecessors(&keys)).expect("exact keys only");
        let in_order = latest_in_order(&keys, None).expect("exact keys only");
        let uses = uses_by_definition(&keys, &BlockSlots::number(&keys));
        for latest in [partitioned, in_order] {
            prop_assert_eq!(latest.after, latest_by_definition(&keys));
            prop_assert_eq!(&latest.uses, &uses);
        }
    }
}

#[test]
fn a_transaction_naming_a_key_in_two_modes_orders_everything_around_it() {
    let k = || exact(COIN, 1);
    // 0 reads, 1 reads, 2 reads and writes, 3 reads, 4 adds, 5 adds and reads.
    let keys =
        block(vec![vec![r(k())], vec![r(k())], vec![r(k()), w(k())], vec![r(k())], vec![a(k())], vec![a(k()), r(k())]]);
    for latest in both_numberings(&keys) {
        assert_eq!(latest.after, vec![0, 0, 2, 3, 4, 5]);
    }
    let mut latest = Latest::default();
    assert_eq!(latest.access(0, AccessMode::Add), 0);
    assert_eq!(latest.access(0, AccessMode::Add), 0, "the same again changes nothing");
    assert_eq!(latest.access(1, AccessMode::Add), 0, "adds commute");
}

#[test]
fn a_type_wide_access_leaves_the_block_to_the_graph() {
    let keys = block(vec![vec![w(exact(COIN, 1))], vec![r(AccessKey::AnyOf(COIN))]]);
    assert!(latest_predecessors(&keys).is_none());
    assert!(latest_in_order(&keys, None).is_none());
}

/// `n` transactions, each writing two keys of its own, except that every
/// `near_every`-th (if any) also writes the key of the transaction `gap`
/// before it.
fn spread(n: usize, near_every: Option<usize>, gap: usize) -> BlockKeys {
    block(
        (0..n)
            .map(|i| {
                let mut t = vec![w(exact(COIN, 2 * i as u64)), w(exact(COIN, 2 * i as u64 + 1))];
                if near_every.is_some_and(|e| i % e == 0 && i >= gap) {
                    t.push(w(exact(COIN, 2 * (i - gap) as u64)));
                }
                t
            })
            .collect(),
    )
}

#[test]
fn blocks_whose_lanes_would_seldom_wait_suit_the_frontier() {
    let n = SAMPLED_FROM + 500;
    assert!(suits(&spread(n, None, 0), 2), "no dependency at all");
    assert!(suits(&spread(n, Some(500), 3), 2), "a near one every 500 transactions");
    assert!(suits(&spread(n, Some(5), 300), 2), "dependencies far apart");
    // On chunks of 8, a predecessor 3 back waits 3/8 of a transaction on
    // average (`expected_wait`): every 10th, 0.0375 a transaction, and
    // every 2nd, 0.19, past `FRONTIER_WAITS_UP_TO`.
    assert!(suits(&spread(n, Some(10), 3), 2), "a near one every 10 transactions");
    assert!(!suits(&spread(n, Some(2), 3), 2), "a near one every 2 transactions");
    // The reach grows with the lanes: on 2, the chunk before a
    // transaction's own is half a chunk further on, and 10 back is done
    // on chunks of 8; on 4, each chunk back is only a quarter of a chunk
    // further on than the one after it, and 10 back waits at every size.
    assert!(suits(&spread(n, Some(2), 10), 2));
    assert!(!suits(&spread(n, Some(2), 10), 4));
    assert!(!suits(&spread(n, None, 0), 1), "one lane");
    assert!(!suits(&spread(SAMPLED_FROM - 1, None, 0), 2), "a small block is planned");
    let mut typewide: Vec<Vec<KeyAccess>> = (0..n).map(|i| vec![w(exact(COIN, i as u64))]).collect();
    typewide[3].push(r(AccessKey::AnyOf(POOL)));
    assert!(!suits(&block(typewide), 2), "a type-wide access in a window");
    // Outside every window, which the walk never sees: the keys say so.
    let mut outside: Vec<Vec<KeyAccess>> = (0..n).map(|i| vec![w(exact(COIN, i as u64))]).collect();
    let unsampled = (0..n).find(|i| !crate::serial::windows(n).any(|w| w.contains(i))).expect("a gap");
    outside[unsampled].push(r(AccessKey::AnyOf(POOL)));
    let outside = block(outside);
    assert!(outside.has_typewide());
    assert!(!suits(&outside, 2), "a type-wide access outside the windows");
}

#[test]
fn the_keys_note_a_type_wide_access_however_they_are_made() {
    let exact_only = vec![vec![w(exact(COIN, 1))], vec![r(exact(COIN, 2))]];
    let mut one_typewide = exact_only.clone();
    one_typewide[1].push(r(AccessKey::AnyOf(COIN)));
    assert!(!block(exact_only.clone()).has_typewide());
    assert!(block(one_typewide.clone()).has_typewide());
    // Taken apart again: each window of the block has its own.
    assert!(block(one_typewide.clone()).window(1..2).has_typewide());
    assert!(!block(one_typewide.clone()).window(0..1).has_typewide());
    // Fitted to a shorter block, the type-wide transaction is cut off.
    assert!(!block(one_typewide.clone()).fitted(1).has_typewide());
    assert!(block(one_typewide).fitted(3).has_typewide());
    let supplied = BlockKeys::from_results(vec![Ok(DeclaredKeys([r(AccessKey::AnyOf(COIN))].into_iter().collect()))]);
    assert!(supplied.has_typewide());
}

#[test]
fn chunks_shrink_as_dependencies_come_near() {
    let n = 100_000;
    let after_at = |distance: Option<usize>, every: usize| -> Vec<u32> {
        (0..n)
            .map(|i| match distance {
                Some(d) if i % every == 0 && i >= d => (i - d + 1) as u32,
                _ => 0,
            })
            .collect()
    };
    assert_eq!(chunk_size(&after_at(None, 1), 2), 256, "independent: as large as chunks go");
    assert_eq!(chunk_size(&after_at(Some(50_000), 1), 2), 256, "every predecessor far behind");
    // Every 500th transaction 5 behind its predecessor: takes cost more
    // than those few waits at any size up to 256...
    let sparse = chunk_size(&after_at(Some(5), 500), 2);
    // ...and every 20th makes waits cost more than takes.
    let dense = chunk_size(&after_at(Some(5), 20), 2);
    assert!(dense < sparse, "{dense} against {sparse}");
    assert!((8..=256).contains(&dense));
    // A small block keeps the lanes' ends close: at most 1/64 of a lane.
    assert_eq!(chunk_size(&vec![0; 1_000], 2), 7);
}

#[test]
fn the_stats_count_ordered_and_near_transactions() {
    // 0: none; 1: after 0 (distance 1); 2: none; 3: after 0 (distance 3);
    // 4: after 3 (distance 1); 40: after 1 (distance 39).
    let mut after = vec![0u32; 41];
    after[1] = 1;
    after[3] = 1;
    after[4] = 4;
    after[40] = 2;
    let stats = FrontierStats::of(&after, 2, 2);
    assert_eq!(stats, FrontierStats { lanes: 2, chunk: 2, ordered: 4, near: 3, early: 0 });
}
