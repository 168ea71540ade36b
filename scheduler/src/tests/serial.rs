use proptest::prelude::*;
use resin_vm::{AccessMode, KeyAccess};

use super::*;
use crate::serial::{serial_sample, ChainSample, Depths, SAMPLED_FROM};

/// [`serial_sample`] with a pool of two threads for the planner's look.
fn sample_of(keys: &BlockKeys, lanes: usize) -> Option<ChainSample> {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().expect("a pool of two threads");
    serial_sample(keys, lanes, &pool)
}

/// The longest chain by its definition: a transaction is one deeper than
/// the deepest earlier one it conflicts with, every pair compared.
fn longest_chain_by_pairs(keys: &BlockKeys) -> usize {
    let n = keys.len();
    let mut depth = vec![1usize; n];
    for j in 0..n {
        for i in 0..j {
            let conflict = keys.accesses(i).iter().any(|x| keys.accesses(j).iter().any(|y| conflicts(x, y)));
            if conflict {
                depth[j] = depth[j].max(depth[i] + 1);
            }
        }
    }
    depth.into_iter().max().unwrap_or(0)
}

fn access() -> impl Strategy<Value = KeyAccess> {
    // Few keys, so that chains, groups of readers and of adders form.
    (0u64..6, prop_oneof![Just(AccessMode::Read), Just(AccessMode::Write), Just(AccessMode::Add)])
        .prop_map(|(key, mode)| KeyAccess { mode, key: exact(COIN, key) })
}

fn small_block() -> impl Strategy<Value = BlockKeys> {
    prop::collection::vec(prop::collection::vec(access(), 0..4), 1..120).prop_map(|txs| {
        // One access per key and transaction, as declared keys have.
        block(
            txs.into_iter()
                .map(|mut t| {
                    t.sort_by_key(|a| a.key);
                    t.dedup_by_key(|a| a.key);
                    t
                })
                .collect(),
        )
    })
}

proptest! {
    #[test]
    fn the_longest_chain_is_the_one_every_pair_gives(keys in small_block()) {
        let expected = longest_chain_by_pairs(&keys);
        prop_assert_eq!(Depths::default().longest_chain(&keys, 0..keys.len(), 0), Some(expected));
    }

    #[test]
    fn a_chain_that_cannot_reach_what_is_needed_is_none(keys in small_block(), needed in 1usize..130) {
        let expected = longest_chain_by_pairs(&keys);
        let got = Depths::default().longest_chain(&keys, 0..keys.len(), needed);
        prop_assert_eq!(got, (expected >= needed).then_some(expected));
    }
}

#[test]
fn a_type_wide_access_is_not_judged() {
    let keys = block(vec![vec![w(exact(COIN, 1))], vec![r(AccessKey::AnyOf(COIN))], vec![w(exact(COIN, 1))]]);
    assert_eq!(Depths::default().longest_chain(&keys, 0..3, 0), None);
    // Before the type-wide access, the window is judged.
    assert_eq!(Depths::default().longest_chain(&keys, 0..1, 0), Some(1));
}

/// `n` transactions, each writing key 0 unless `own(i)`: then its own key.
fn hot_block(n: usize, own: impl Fn(usize) -> bool) -> BlockKeys {
    block((0..n).map(|i| vec![w(exact(COIN, if own(i) { 1 + i as u64 } else { 0 }))]).collect())
}

#[test]
fn a_block_through_one_key_is_serial() {
    let sample = sample_of(&hot_block(SAMPLED_FROM, |_| false), 2);
    assert_eq!(sample, Some(ChainSample { sampled: 4096, chain: 4096 }));
    // 92% of the transactions on the chain is enough; 80% is not.
    let sample = sample_of(&hot_block(20_000, |i| i % 25 < 2), 2);
    assert!(sample.is_some_and(|s| s.chain * 100 >= s.sampled * 90 && s.chain < s.sampled), "{sample:?}");
    assert_eq!(sample_of(&hot_block(20_000, |i| i % 10 < 2), 2), None);
}

#[test]
fn shorter_chains_are_serial_when_the_planner_keeps_the_windows_in_one_lane() {
    // Every 7th transaction reads what the one before wrote to a key of its
    // own and writes a key of its own: off the chain through key 0 (a
    // chain of 6/7 of the block), but waiting for it, so the planner keeps
    // it in the chain's lane.
    let waiting = |n: usize| {
        block(
            (0..n)
                .map(|i| match i % 7 {
                    0 => vec![r(exact(COIN, 1_000_000 + i as u64 - 1)), w(exact(COIN, 2_000_000 + i as u64))],
                    _ => vec![w(exact(COIN, 0)), w(exact(COIN, 1_000_000 + i as u64))],
                })
                .collect(),
        )
    };
    let sample = sample_of(&waiting(20_000), 2).expect("one lane, as the planner would place it");
    assert!(sample.chain * 100 < sample.sampled * 90 && sample.chain * 100 >= sample.sampled * 80, "{sample:?}");
    // The same block with those transactions free of the chain: the planner
    // gives them the other lane.
    assert_eq!(sample_of(&hot_block(20_000, |i| i % 7 == 0), 2), None);
    // One lane is all one thread has.
    assert!(sample_of(&hot_block(20_000, |i| i % 7 == 0), 1).is_some());
}

#[test]
fn a_small_block_is_always_planned() {
    assert_eq!(sample_of(&hot_block(SAMPLED_FROM - 1, |_| false), 2), None);
    assert_eq!(sample_of(&block(Vec::new()), 2), None);
}

#[test]
fn every_window_must_be_serial() {
    let n = 20_000;
    // Hot at the start and independent at the end, and the other way round.
    assert_eq!(sample_of(&hot_block(n, |i| i >= n - 1500), 2), None);
    assert_eq!(sample_of(&hot_block(n, |i| i < 1500), 2), None);
    // Independent in the middle of the first window only: that window
    // falls short, the others make up for it.
    assert!(sample_of(&hot_block(n, |i| (500..550).contains(&i)), 2).is_some());
}

#[test]
fn adds_commute_and_reads_share() {
    let n = SAMPLED_FROM;
    let adds = block((0..n).map(|_| vec![a(exact(COIN, 0))]).collect());
    assert_eq!(sample_of(&adds, 2), None);
    let reads = block((0..n).map(|i| vec![if i % 50 == 0 { w(exact(COIN, 0)) } else { r(exact(COIN, 0)) }]).collect());
    assert_eq!(sample_of(&reads, 2), None);
    // Reads and adds taking turns on one key conflict every time.
    let turns = block((0..n).map(|i| vec![if i % 2 == 0 { a(exact(COIN, 0)) } else { r(exact(COIN, 0)) }]).collect());
    assert_eq!(sample_of(&turns, 2), Some(ChainSample { sampled: 4096, chain: 4096 }));
}
