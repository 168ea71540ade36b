use proptest::prelude::*;
use resin_vm::{AccessKey, KeyAccess};

use super::*;
use crate::planner::{plan, plan_to_run, plan_with_delay, Plan};

/// The plan's invariants: every transaction once, lanes in block order,
/// every dependency finishes (estimated) before its dependant starts.
fn assert_valid(g: &ConflictGraph, p: &Plan) {
    let n = g.tx_count();
    let mut seen = vec![false; n];
    for (lane, txs) in p.lanes.iter().enumerate() {
        assert!(txs.windows(2).all(|w| w[0] < w[1]), "lane {lane} out of block order");
        for (pos, &t) in txs.iter().enumerate() {
            assert!(!seen[t as usize], "{t} placed twice");
            seen[t as usize] = true;
            let placed = p.placements[t as usize];
            assert_eq!((placed.lane as usize, placed.position as usize), (lane, pos));
        }
    }
    assert!(seen.iter().all(|s| *s), "a transaction is missing");
    for (from, to, _) in g.edges() {
        let (a, b) = (p.placements[from as usize], p.placements[to as usize]);
        assert!(a.finish <= b.start, "{from} -> {to} overlaps");
    }
    assert!(p.stats.makespan >= p.stats.critical_path_cost);
    assert_eq!(p.stats.lane_costs.iter().sum::<u64>(), p.stats.total_cost);
}

#[test]
fn independent_transactions_fill_every_lane_evenly() {
    let keys = block((0..64).map(|i| vec![w(exact(COIN, i))]).collect());
    let g = ConflictGraph::build(&keys);
    let p = plan(&g, &vec![10; 64], 4);
    assert_valid(&g, &p);
    assert_eq!(p.stats.lanes_used, 4);
    assert!(p.lanes.iter().all(|l| l.len() == 16));
    assert_eq!(p.stats.makespan, 160);
    assert_eq!(p.stats.cross_lane_dependencies, 0);
    assert!((p.stats.parallelism() - 4.0).abs() < 1e-9);
    assert_eq!(p.critical_path.len(), 1);
}

#[test]
fn costs_balance_the_lanes() {
    // One heavy transaction and many light ones: the light ones go around it.
    let keys = block((0..9).map(|i| vec![w(exact(COIN, i))]).collect());
    let g = ConflictGraph::build(&keys);
    let p = plan(&g, &[80, 10, 10, 10, 10, 10, 10, 10, 10], 2);
    assert_valid(&g, &p);
    assert_eq!(p.lanes[0], vec![0]);
    assert_eq!(p.lanes[1].len(), 8);
    assert_eq!(p.stats.makespan, 80);
}

#[test]
fn a_chain_stays_in_one_lane() {
    let keys = block((0..40).map(|i| vec![w(exact(COIN, i)), w(exact(COIN, i + 1))]).collect());
    let g = ConflictGraph::build(&keys);
    let p = plan(&g, &vec![5; 40], 8);
    assert_valid(&g, &p);
    assert_eq!(p.stats.lanes_used, 1);
    assert_eq!(p.critical_path, (0..40).collect::<Vec<u32>>());
    assert_eq!(p.stats.critical_path_cost, 200);
    assert_eq!(p.stats.cross_lane_dependencies, 0);
}

#[test]
fn a_hot_key_degrades_to_one_lane() {
    let hot = exact(POOL, 0);
    let keys = block((0..100).map(|i| vec![w(hot), w(exact(COIN, i))]).collect());
    let g = ConflictGraph::build(&keys);
    let p = plan(&g, &vec![3; 100], 4);
    assert_valid(&g, &p);
    assert_eq!(p.stats.lanes_used, 1);
    assert_eq!(p.stats.makespan, 300);
}

#[test]
fn a_hot_key_runs_beside_the_rest_of_the_block() {
    // Every other transaction swaps on one pool; the others are independent.
    let hot = exact(POOL, 0);
    let keys = block(
        (0..100).map(|i| if i % 2 == 0 { vec![w(hot), w(exact(COIN, i))] } else { vec![w(exact(COIN, i))] }).collect(),
    );
    let g = ConflictGraph::build(&keys);
    let p = plan(&g, &vec![1; 100], 2);
    assert_valid(&g, &p);
    assert_eq!(p.stats.makespan, 50);
    assert_eq!(p.stats.cross_lane_dependencies, 0, "the pool chain never changes lanes");
    assert_eq!(p.critical_path.len(), 50);
}

#[test]
fn a_reader_waits_for_a_writer_in_another_lane() {
    let k = exact(COIN, 0);
    let keys = block(vec![vec![w(k)], vec![w(exact(COIN, 1))], vec![w(exact(COIN, 2))], vec![r(k), r(exact(COIN, 1))]]);
    let g = ConflictGraph::build(&keys);
    let p = plan_with_delay(&g, &[10, 30, 10, 10], 2, 0);
    assert_valid(&g, &p);
    // Tx 3 needs 0 (finishes at 10) and 1 (finishes at 30): it starts at 30, in 1's lane.
    assert_eq!(p.placements[3].start, 30);
    assert_eq!(p.placements[3].lane, p.placements[1].lane);
    assert_eq!(p.critical_path, vec![1, 3]);
    // With slack, 0's result must be 15 old before it crosses: still 30 (10 + 15 < 30).
    let slack = plan_with_delay(&g, &[10, 30, 10, 10], 2, 15);
    assert_eq!(slack.placements[3].start, 30);
    // Tx 3 waits for tx 0 in the other lane, at its position there.
    assert_ne!(p.placements[0].lane, p.placements[3].lane);
    assert_eq!(p.waits.of(3), &[(p.placements[0].lane, p.placements[0].position)]);
    assert!(p.waits.of(1).is_empty() && p.waits.of(2).is_empty());
}

#[test]
fn slack_keeps_a_just_finished_predecessor_in_its_own_lane() {
    // 0 and 1 run side by side; 2 depends on 0 only and is cheap to place
    // anywhere, but the other lane would start it right when 0 finishes.
    let k = exact(COIN, 0);
    let keys = block(vec![vec![w(k)], vec![w(exact(COIN, 1))], vec![w(exact(COIN, 2))], vec![r(k)]]);
    let g = ConflictGraph::build(&keys);
    let costs = [10, 10, 10, 10];
    let tight = plan_with_delay(&g, &costs, 2, 0);
    let slack = plan_with_delay(&g, &costs, 2, 20);
    assert_valid(&g, &tight);
    assert_valid(&g, &slack);
    // Tx 2 took lane 0 after tx 0 (both lanes free at 10); tx 3 then either
    // crosses to lane 1 right at 10, or stays with 0's lane.
    assert_eq!(tight.placements[3].start, 10);
    assert_ne!(tight.placements[3].lane, tight.placements[0].lane);
    assert_eq!(slack.placements[3].lane, slack.placements[0].lane);
    assert_eq!(slack.stats.cross_lane_dependencies, 0);
}

#[test]
fn a_plan_whose_lanes_barely_shorten_the_block_runs_on_one_lane() {
    // A chain of `len` transactions and one independent transaction beside
    // it, each of cost 10: two lanes would hold 10 * len and 10, and finish
    // at 10 * len, against 10 * (len + 1) in one lane.
    let chain_and_one = |len: u64| {
        let mut txs: Vec<_> = (0..len).map(|i| vec![w(exact(COIN, i)), w(exact(COIN, i + 1))]).collect();
        txs.insert(1, vec![w(exact(POOL, 7))]);
        block(txs)
    };
    // Two lanes would take 190 of one lane's 200 (95%): one lane, in order.
    let keys = chain_and_one(19);
    let g = ConflictGraph::build(&keys);
    for p in [plan(&g, &[10; 20], 2), plan_to_run(&g, &[10; 20], 2), plan(&g, &[10; 20], 8)] {
        assert_eq!(p.stats.lanes_used, 1);
        assert_eq!(p.lanes[0], (0..20).collect::<Vec<u32>>());
        assert!(p.lanes[1..].iter().all(Vec::is_empty));
        assert_eq!(p.stats.cross_lane_dependencies, 0);
        assert_eq!(p.stats.lane_costs[0], 200);
        assert!(p.placements.iter().enumerate().all(|(i, pl)| pl.lane == 0 && pl.position == i as u32));
    }
    let p = plan(&g, &[10; 20], 2);
    assert_valid(&g, &p);
    assert_eq!(p.stats.makespan, 200);
    // 80 of 90 (89%): the second lane saves enough to keep it.
    let keys = chain_and_one(8);
    let g = ConflictGraph::build(&keys);
    let p = plan(&g, &[10; 9], 2);
    assert_valid(&g, &p);
    assert_eq!(p.stats.lanes_used, 2);
    assert_eq!(p.stats.makespan, 80);
    assert_eq!(p.stats.lane_costs.iter().copied().max(), Some(80));
}

#[test]
fn one_thread_is_block_order() {
    let keys = block((0..10).map(|i| vec![w(exact(COIN, i % 3))]).collect());
    let g = ConflictGraph::build(&keys);
    let p = plan(&g, &[], 1);
    assert_valid(&g, &p);
    assert_eq!(p.lanes, vec![(0..10).collect::<Vec<u32>>()]);
    let p0 = plan(&g, &[], 0);
    assert_eq!(p0.lanes, p.lanes, "zero threads means one");
}

#[test]
fn an_empty_block_has_an_empty_plan() {
    let g = ConflictGraph::build(&block(vec![]));
    let p = plan(&g, &[], 4);
    assert_eq!(p.stats.lanes_used, 0);
    assert!(p.critical_path.is_empty());
    assert_eq!(p.stats.makespan, 0);
}

fn arb_block() -> impl Strategy<Value = (Vec<Vec<KeyAccess>>, Vec<u64>)> {
    let access = (any::<bool>(), 0u64..12, prop::bool::weighted(0.03)).prop_map(|(write, a, wide)| {
        let key = if wide { AccessKey::AnyOf(COIN) } else { exact(COIN, a) };
        if write {
            w(key)
        } else {
            r(key)
        }
    });
    prop::collection::vec(prop::collection::vec(access, 0..4), 0..80).prop_flat_map(|txs| {
        let n = txs.len();
        (Just(txs), prop::collection::vec(1u64..50, n))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn plans_are_valid_and_deterministic((txs, costs) in arb_block(), threads in 1usize..9) {
        let keys = block(txs);
        let g = ConflictGraph::build(&keys);
        let p = plan(&g, &costs, threads);
        assert_valid(&g, &p);
        assert_orders_all_conflicts_in(&g, &p);
        let tight = plan_with_delay(&g, &costs, threads, 0);
        assert_valid(&g, &tight);
        assert_orders_all_conflicts_in(&g, &tight);
        prop_assert_eq!(p.lanes.len(), threads);
        // Rebuilding from scratch gives the same plan.
        let again = plan(&ConflictGraph::build(&keys), &costs, threads);
        prop_assert_eq!(&p, &again);
        // Never worse than one lane.
        prop_assert!(p.stats.makespan <= p.stats.total_cost);
    }
}

/// A block of several planning chunks: valid, ordered, independent of the
/// threads that planned it, collapsed to one lane when everything conflicts,
/// and spread when nothing does.
#[test]
fn a_block_of_many_chunks_is_planned_in_parallel_and_stays_valid() {
    use crate::planner::CHUNK;
    let n = 2 * CHUNK + 1_000;
    // Random transfers over a few thousand accounts, a hot spot every 97th.
    let mut seed = 0x9e37_79b9_u64;
    let mut next = move |m: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % m
    };
    let keys = block(
        (0..n)
            .map(|i| {
                let to = if i % 97 == 0 { 0 } else { next(5_000) };
                vec![w(exact(COIN, next(5_000))), w(exact(COIN, to))]
            })
            .collect(),
    );
    let g = ConflictGraph::build(&keys);
    let costs: Vec<u64> = (0..n).map(|_| 1 + next(50)).collect();
    let on = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| plan(&g, &costs, 4))
    };
    let p = on(4);
    assert_valid(&g, &p);
    assert_eq!(p, on(1), "the plan does not depend on the planning threads");
    assert_eq!(p.stats.lanes_used, 4);
    assert_orders_all_conflicts_in(&g, &p);

    // The executor's plan runs the same lanes, and counts the dependencies
    // that cross them as a walk over the lanes' members does.
    let pool = rayon::ThreadPoolBuilder::new().num_threads(4).build().unwrap();
    let run = pool.install(|| plan_to_run(&g, &costs, 4));
    assert_eq!(run.lanes, p.lanes);
    let mut lane_of = vec![usize::MAX; n];
    for (lane, txs) in run.lanes.iter().enumerate() {
        for &t in txs {
            lane_of[t as usize] = lane;
        }
    }
    let crossing = g.edges().filter(|(from, to, _)| lane_of[*from as usize] != lane_of[*to as usize]).count();
    assert!(crossing > 0);
    assert_eq!(run.stats.cross_lane_dependencies, crossing);
    assert_eq!(p.stats.cross_lane_dependencies, crossing);
    assert_orders_all_conflicts_in(&g, &run);
    assert!(run.critical_path.is_empty() && run.stats.makespan == 0, "left to `plan`");

    let hot = block((0..n).map(|_| vec![w(exact(COIN, 7))]).collect());
    let g = ConflictGraph::build(&hot);
    let p = plan(&g, &vec![3; n], 4);
    assert_valid(&g, &p);
    assert_eq!(p.stats.lanes_used, 1, "a hot key stays in one lane across chunks");
}

/// Every edge either stays in its lane, later, or crosses lanes and is
/// waited for: the lanes run in block order, and a transaction waits until
/// each other lane has passed the last of its predecessors there, so both
/// keep the pair ordered. A wait names another lane once, at the position
/// of one of the transaction's predecessors there.
fn assert_orders_all_conflicts_in(g: &ConflictGraph, p: &Plan) {
    for (from, to, _) in g.edges() {
        let (a, b) = (p.placements[from as usize], p.placements[to as usize]);
        assert!(a.lane != b.lane || a.position < b.position, "{from} -> {to}");
        if a.lane != b.lane {
            assert!(
                p.waits.of(to).iter().any(|&(lane, position)| lane == a.lane && position >= a.position),
                "{to} does not wait for {from}"
            );
        }
    }
    for tx in 0..g.tx_count() as u32 {
        let waits = p.waits.of(tx);
        let own = p.placements[tx as usize].lane;
        for (i, &(lane, position)) in waits.iter().enumerate() {
            assert_ne!(lane, own, "{tx} waits for its own lane");
            assert!(waits[..i].iter().all(|w| w.0 != lane), "{tx} names lane {lane} twice");
            assert!(
                g.predecessors(tx as usize).any(|(pred, _)| {
                    let at = p.placements[pred as usize];
                    (at.lane, at.position) == (lane, position)
                }),
                "{tx} waits for ({lane}, {position}), no predecessor of it"
            );
        }
    }
}
