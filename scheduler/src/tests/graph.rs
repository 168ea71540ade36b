use proptest::prelude::*;
use resin_vm::{AccessKey, AccessMode, KeyAccess};

use super::*;
use crate::graph::{DepKind, FAN_LIMIT};

#[test]
fn independent_transactions_have_no_edges() {
    let keys = block((0..50).map(|i| vec![w(exact(COIN, 2 * i)), w(exact(COIN, 2 * i + 1))]).collect());
    let g = ConflictGraph::build(&keys);
    assert_eq!(g.tx_count(), 50);
    assert_eq!(g.edge_count(), 0);
    assert_eq!(g.keys().len(), 100);
}

#[test]
fn a_chain_links_each_transaction_to_the_previous_one() {
    // Transfers 0->1, 1->2, 2->3, ...: each shares one account with the previous.
    let keys = block((0..20).map(|i| vec![w(exact(COIN, i)), w(exact(COIN, i + 1))]).collect());
    let g = ConflictGraph::build(&keys);
    let expected: Vec<(u32, u32)> = (0..19).map(|i| (i, i + 1)).collect();
    assert_eq!(edge_pairs(&g), expected);
    let dep = g.dependency(3, 4).unwrap();
    assert_eq!(g.key(dep), exact(COIN, 4));
    assert_eq!(dep.kind, DepKind::WriteAfterWrite);
}

#[test]
fn a_hot_key_star_is_a_total_order_of_writers() {
    let hot = exact(POOL, 1);
    let keys = block((0..30).map(|i| vec![w(hot), w(exact(COIN, i))]).collect());
    let g = ConflictGraph::build(&keys);
    // Only the last writer is remembered: a path, not a clique.
    assert_eq!(g.edge_count(), 29);
    assert_orders_all_conflicts(&keys, &g);
    assert!(g.edges().all(|(_, _, d)| g.key(d) == hot));
}

#[test]
fn shared_reads_do_not_conflict() {
    let oracle = exact(POOL, 0);
    let keys = block((0..10).map(|i| vec![r(oracle), w(exact(COIN, i))]).collect());
    assert_eq!(ConflictGraph::build(&keys).edge_count(), 0);
}

#[test]
fn read_after_write_and_write_after_read_are_ordered() {
    let k = exact(COIN, 5);
    // 0 writes, 1 and 2 read, 3 writes, 4 reads.
    let keys = block(vec![vec![w(k)], vec![r(k)], vec![r(k)], vec![w(k)], vec![r(k)]]);
    let g = ConflictGraph::build(&keys);
    assert_eq!(edge_pairs(&g), vec![(0, 1), (0, 2), (0, 3), (1, 3), (2, 3), (3, 4)]);
    assert_eq!(g.dependency(0, 1).unwrap().kind, DepKind::ReadAfterWrite);
    assert_eq!(g.dependency(1, 3).unwrap().kind, DepKind::WriteAfterRead);
    assert_eq!(g.dependency(0, 3).unwrap().kind, DepKind::WriteAfterWrite);
    assert_eq!(g.dependency(3, 4).unwrap().kind, DepKind::ReadAfterWrite);
    assert!(g.dependency(1, 2).is_none());
}

#[test]
fn a_widely_read_key_orders_every_reader_before_the_next_writer_once() {
    let k = exact(COIN, 1);
    let mut txs = vec![vec![w(k)]];
    // Each reader also reads the key type-wide, so the writer meets it twice.
    txs.extend((0..100).map(|_| vec![r(k), r(AccessKey::AnyOf(COIN))]));
    txs.push(vec![w(k)]);
    let keys = block(txs);
    let g = ConflictGraph::build(&keys);
    let into_last: Vec<u32> = g.predecessors(101).map(|(p, _)| p).collect();
    assert_eq!(into_last.len(), 101, "one edge per predecessor");
    assert_eq!(g.edge_count(), 100 + 101);
    assert_orders_all_conflicts(&keys, &g);
}

#[test]
fn any_of_conflicts_with_every_key_of_its_type_and_no_other() {
    let keys = block(vec![
        vec![w(exact(COIN, 1))],
        vec![w(exact(POOL, 1))],
        vec![r(AccessKey::AnyOf(COIN))],
        vec![r(exact(COIN, 2))],
        vec![w(exact(COIN, 3))],
        vec![w(AccessKey::AnyOf(COIN))],
        vec![r(exact(COIN, 99))],
        vec![r(exact(POOL, 1))],
    ]);
    let g = ConflictGraph::build(&keys);
    let reach = reachability(&g);
    assert!(reach[0][2], "type-wide read after an exact write");
    assert!(!reach[1][2], "other types do not conflict");
    assert!(!reach[2][3], "two reads");
    assert!(reach[2][4], "exact write after a type-wide read");
    assert!(reach[3][5] && reach[4][5], "type-wide write after exact accesses");
    assert!(reach[5][6], "a key never named before is still covered");
    assert!(!reach[5][7] && reach[1][7]);
    assert_eq!(g.key(g.dependency(0, 2).unwrap()), AccessKey::AnyOf(COIN));
    assert_orders_all_conflicts(&keys, &g);
}

#[test]
fn wide_type_wide_fans_are_gated_but_stay_ordered_and_linear() {
    // Many exact writers then many type-wide readers, then many exact writers:
    // direct edges would be quadratic.
    let n = 20 * FAN_LIMIT as u64;
    let mut txs: Vec<Vec<KeyAccess>> = (0..n).map(|i| vec![w(exact(COIN, i))]).collect();
    txs.extend((0..n).map(|_| vec![r(AccessKey::AnyOf(COIN))]));
    txs.extend((0..n).map(|i| vec![w(exact(COIN, n + i))]));
    let keys = block(txs);
    let g = ConflictGraph::build(&keys);
    assert!(g.edge_count() < 8 * keys.len(), "{} edges", g.edge_count());
    assert!(g.edges().any(|(_, _, d)| d.kind == DepKind::Gate));
    assert_orders_all_conflicts(&keys, &g);
}

#[test]
fn invalid_transactions_take_part_in_nothing() {
    let k = exact(COIN, 1);
    let keys = BlockKeys::from_results(vec![
        Ok(DeclaredKeys([w(k)].into_iter().collect())),
        Err(resin_vm::Status::InvalidArguments { reason: "no such function".into() }),
        Ok(DeclaredKeys([w(k)].into_iter().collect())),
    ]);
    let g = ConflictGraph::build(&keys);
    assert_eq!(edge_pairs(&g), vec![(0, 2)]);
    assert!(g.slots_of(1).is_empty());
    assert_eq!(g.slots_of(0), g.slots_of(2));
}

#[test]
fn adds_to_one_counter_do_not_conflict() {
    let tally = exact(POOL, 1);
    // Each voter writes its own ballot and adds to the one tally.
    let keys = block((0..40).map(|i| vec![w(exact(COIN, i)), a(tally)]).collect());
    let g = ConflictGraph::build(&keys);
    assert_eq!(g.edge_count(), 0);
    // Type-wide adds do not conflict with exact ones either.
    let keys = block(vec![vec![a(tally)], vec![a(AccessKey::AnyOf(POOL))], vec![a(tally)], vec![a(exact(POOL, 2))]]);
    assert_eq!(ConflictGraph::build(&keys).edge_count(), 0);
}

#[test]
fn reads_and_writes_of_a_counter_are_ordered_with_every_add() {
    let k = exact(POOL, 1);
    // 0 writes, 1 and 2 add, 3 and 4 read, 5 adds, 6 writes, 7 adds.
    let keys =
        block(vec![vec![w(k)], vec![a(k)], vec![a(k)], vec![r(k)], vec![r(k)], vec![a(k)], vec![w(k)], vec![a(k)]]);
    let g = ConflictGraph::build(&keys);
    // A writer also links the writer before it (implied, as with readers).
    let expected = vec![(0, 1), (0, 2), (0, 6), (1, 3), (1, 4), (2, 3), (2, 4), (3, 5), (4, 5), (5, 6), (6, 7)];
    assert_eq!(edge_pairs(&g), expected);
    let kind = |from, to| g.dependency(from, to).unwrap().kind;
    assert_eq!(kind(0, 1), DepKind::AddAfterWrite);
    assert_eq!(kind(2, 3), DepKind::ReadAfterAdd);
    assert_eq!(kind(4, 5), DepKind::AddAfterRead);
    assert_eq!(kind(5, 6), DepKind::WriteAfterAdd);
    assert_eq!(kind(6, 7), DepKind::AddAfterWrite);
    assert_eq!(DepKind::ReadAfterAdd.short(), "RAA");
    assert!(g.dependency(1, 2).is_none() && g.dependency(3, 4).is_none());
    assert_orders_all_conflicts(&keys, &g);
}

#[test]
fn alternating_large_groups_of_readers_and_adders_are_gated_and_linear() {
    // Groups of readers and adders of one counter, each larger than a fan:
    // every member after every member of the group before is quadratic.
    let k = exact(POOL, 3);
    let n = 4 * FAN_LIMIT;
    let mut txs: Vec<Vec<KeyAccess>> = Vec::new();
    for group in 0..6 {
        txs.extend((0..n).map(|_| vec![if group % 2 == 0 { a(k) } else { r(k) }]));
    }
    let keys = block(txs);
    let g = ConflictGraph::build(&keys);
    assert!(g.edge_count() < 3 * keys.len(), "{} edges", g.edge_count());
    assert!(g.edges().any(|(_, _, d)| d.kind == DepKind::Gate));
    // The first group (adders after nothing) has no edges at all.
    assert!((0..n).all(|t| g.predecessors(t).next().is_none()));
    assert_orders_all_conflicts(&keys, &g);
    // Small groups are linked member to member, without gates.
    let small: Vec<Vec<KeyAccess>> =
        (0..6).flat_map(|group| (0..3).map(move |_| vec![if group % 2 == 0 { a(k) } else { r(k) }])).collect();
    let keys = block(small);
    let g = ConflictGraph::build(&keys);
    assert_eq!(g.edge_count(), 5 * 9);
    assert!(g.edges().all(|(_, _, d)| d.kind != DepKind::Gate));
    assert_orders_all_conflicts(&keys, &g);
}

#[test]
fn type_wide_adds_and_reads_meet_exact_ones_of_their_type() {
    let keys = block(vec![
        vec![a(exact(COIN, 1))],
        vec![r(AccessKey::AnyOf(COIN))],
        vec![a(AccessKey::AnyOf(COIN))],
        vec![a(exact(COIN, 2))],
        vec![r(exact(COIN, 2))],
        vec![w(AccessKey::AnyOf(COIN))],
        vec![a(exact(POOL, 1))],
    ]);
    let g = ConflictGraph::build(&keys);
    let reach = reachability(&g);
    assert!(reach[0][1], "a type-wide read after an exact add");
    assert!(reach[1][2] && reach[1][3], "adds after a type-wide read");
    assert!(g.dependency(0, 2).is_none(), "a type-wide add after an exact add");
    assert!(g.dependency(2, 3).is_none(), "an exact add after a type-wide add");
    assert!(reach[2][4] && reach[3][4], "a read after the adds");
    assert!(reach[4][5]);
    assert!(!reach[5][6], "another type");
    assert_eq!(g.dependency(2, 4).unwrap().kind, DepKind::ReadAfterAdd);
    assert_orders_all_conflicts(&keys, &g);
}

fn arb_access() -> impl Strategy<Value = KeyAccess> {
    let ty = prop_oneof![Just(COIN), Just(POOL)];
    let key = prop_oneof![
        20 => (ty.clone(), 0u64..6).prop_map(|(t, a)| exact(t, a)),
        1 => ty.prop_map(AccessKey::AnyOf),
    ];
    let mode = prop_oneof![Just(AccessMode::Read), Just(AccessMode::Write), Just(AccessMode::Add)];
    (mode, key).prop_map(|(mode, key)| KeyAccess { mode, key })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn every_conflicting_pair_is_ordered(txs in prop::collection::vec(prop::collection::vec(arb_access(), 0..4), 0..60)) {
        let keys = block(txs);
        let g = ConflictGraph::build(&keys);
        assert_orders_all_conflicts(&keys, &g);
        let pairs = edge_pairs(&g);
        prop_assert!(pairs.windows(2).all(|w| w[0] != w[1]), "duplicate edge");
        // Every edge is a real conflict, except gates.
        for (a, b, d) in g.edges() {
            let real = keys.accesses(a as usize).iter().any(|x| keys.accesses(b as usize).iter().any(|y| conflicts(x, y)));
            prop_assert!(real || d.kind == DepKind::Gate, "{a} -> {b}: {d:?}");
        }
    }
}

/// A large block (past the parallel threshold) against a naive per-key
/// reference, on one and on four threads.
#[test]
fn large_blocks_match_a_per_key_reference_at_any_thread_count() {
    let mut seed = 0x9e37_79b9_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let n = 20_000;
    let txs: Vec<Vec<KeyAccess>> = (0..n)
        .map(|_| {
            let mut accesses: Vec<KeyAccess> = Vec::new();
            for _ in 0..1 + next() % 3 {
                let key = exact(if next() % 4 == 0 { POOL } else { COIN }, next() % 3_000);
                if accesses.iter().all(|a| a.key != key) {
                    accesses.push(if next() % 3 == 0 { r(key) } else { w(key) });
                }
            }
            accesses
        })
        .collect();
    // Reference: per key, each access against the last writer and the readers since.
    let mut expected = std::collections::BTreeSet::new();
    let mut per_key: std::collections::HashMap<AccessKey, (Option<u32>, Vec<u32>)> = Default::default();
    for (i, accesses) in txs.iter().enumerate() {
        let i = i as u32;
        for a in accesses {
            let (writer, readers) = per_key.entry(a.key).or_default();
            if let Some(wr) = *writer {
                expected.insert((wr, i));
            }
            if a.mode == resin_vm::AccessMode::Write {
                expected.extend(readers.drain(..).map(|rd| (rd, i)));
                *writer = Some(i);
            } else {
                readers.push(i);
            }
        }
    }
    let keys = block(txs.clone());
    let on = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| ConflictGraph::build(&keys))
    };
    let (one, four) = (on(1), on(4));
    let got: std::collections::BTreeSet<(u32, u32)> = one.edges().map(|(a, b, _)| (a, b)).collect();
    assert_eq!(got.len(), one.edge_count(), "no duplicate edges");
    assert_eq!(got, expected);
    let labels = |g: &ConflictGraph| g.edges().map(|(a, b, d)| (a, b, d.kind, g.key(d))).collect::<Vec<_>>();
    assert_eq!(labels(&one), labels(&four));
    for (i, accesses) in txs.iter().enumerate() {
        let slots = one.slots_of(i);
        assert_eq!(slots, four.slots_of(i));
        let named: Vec<AccessKey> = slots.iter().map(|s| AccessKey::Exact(*one.keys().key(*s).unwrap())).collect();
        assert_eq!(named, accesses.iter().map(|a| a.key).collect::<Vec<_>>());
    }
    for s in 0..one.keys().len() as u32 {
        assert_eq!(one.keys().slot_of(one.keys().key(s).unwrap()), Some(s));
    }
}
