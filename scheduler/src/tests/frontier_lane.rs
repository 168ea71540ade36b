//! A lane's walk over its chunks on the frontier (`frontier_lane.rs`),
//! with the other lanes' progress set by hand, and the model of its waits
//! (`frontier::expected_wait`).

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use crossbeam_utils::CachePadded;

use crate::engine::{LaneSync, Order};
use crate::frontier::expected_wait;
use crate::frontier_lane::{sort_into_block_order, FrontierLane};
use crate::graph::TxIndex;

fn lanes(count: usize) -> Vec<CachePadded<AtomicU32>> {
    (0..count).map(|_| CachePadded::default()).collect()
}

/// What a lane ran, each transaction with what was still to come.
type Ran = Vec<(TxIndex, Vec<TxIndex>)>;

#[test]
fn a_lane_runs_what_need_not_wait_ahead_of_a_waiting_transaction() {
    // Transaction 4 comes after 3, which lane 0 has not finished; 5 and 6
    // after nothing in the block; 7 after 5, which lane 1 itself runs.
    let after = [0, 0, 0, 0, 4, 0, 0, 6];
    let (progress, abort) = (lanes(2), AtomicBool::new(false));
    progress[0].store(3, Ordering::Release);
    let sync = LaneSync { progress: &progress, abort: &abort, order: Order::Frontier(&after) };
    let mut lane = FrontierLane::new(&sync, 1, &after);
    let mut ran: Ran = Vec::new();
    let whole = lane.run_chunk(4..8, |tx, upcoming| {
        ran.push((tx, upcoming.to_vec()));
        // The lane stays at 4 until 4 has run, whatever runs before it...
        let published = progress[1].load(Ordering::Relaxed);
        assert_eq!(published, if tx == 7 { 7 } else { 4 }, "published at {tx}");
        // ...and lane 0 finishes 3 once 5 and 6 have run.
        if tx == 6 {
            progress[0].store(u32::MAX, Ordering::Release);
        }
        true
    });
    assert!(whole);
    // 7 waits for 5 although it ran, since the frontier is the lane's
    // earliest transaction not run (4) until 4 has run.
    assert_eq!(ran, vec![(5, vec![4, 6, 7]), (6, vec![4, 7]), (4, vec![7]), (7, vec![])]);
    assert_eq!(lane.early, 2);
    assert_eq!(lane.waits.count, 0, "something could always run");
    assert_eq!(progress[1].load(Ordering::Relaxed), 8, "past the chunk");
}

#[test]
fn a_lane_with_nothing_ready_waits_and_an_abort_ends_the_wait() {
    // 4 after lane 0's 3, and 5 after 4: nothing in the chunk can run.
    let after = [0, 0, 0, 0, 4, 5];
    let (progress, abort) = (lanes(2), AtomicBool::new(false));
    progress[0].store(3, Ordering::Release);
    let sync = LaneSync { progress: &progress, abort: &abort, order: Order::Frontier(&after) };
    let mut lane = FrontierLane::new(&sync, 1, &after);
    let mut ran = Vec::new();
    std::thread::scope(|s| {
        s.spawn(|| {
            std::thread::sleep(Duration::from_millis(20));
            progress[0].store(u32::MAX, Ordering::Release);
        });
        assert!(lane.run_chunk(4..6, |tx, _| {
            ran.push(tx);
            true
        }));
    });
    assert_eq!(ran, vec![4, 5]);
    assert_eq!((lane.early, lane.waits.count), (0, 1));
    assert!(lane.waits.time >= Duration::from_millis(1));

    progress[0].store(5, Ordering::Release);
    let after = [0, 0, 0, 0, 0, 0, 6, 7];
    let mut lane = FrontierLane::new(&sync, 1, &after);
    std::thread::scope(|s| {
        s.spawn(|| {
            std::thread::sleep(Duration::from_millis(20));
            abort.store(true, Ordering::Relaxed);
        });
        assert!(!lane.run_chunk(6..8, |_, _| panic!("nothing may run")), "abandoned");
    });
    // A closure that says stop stops the chunk too.
    abort.store(false, Ordering::Relaxed);
    let mut lane = FrontierLane::new(&sync, 1, &[0; 8]);
    let mut ran = Vec::new();
    assert!(!lane.run_chunk(0..8, |tx, _| {
        ran.push(tx);
        tx < 2
    }));
    assert_eq!(ran, vec![0, 1, 2]);
}

#[test]
fn a_lanes_results_are_put_back_in_block_order() {
    let mut txs: Vec<TxIndex> = vec![1, 3, 2, 0, 6, 7, 5, 4];
    let mut items: Vec<String> = txs.iter().map(|t| format!("r{t}")).collect();
    sort_into_block_order(&mut txs, &mut items);
    assert_eq!(txs, (0..8).collect::<Vec<TxIndex>>());
    assert_eq!(items, (0..8).map(|t| format!("r{t}")).collect::<Vec<_>>());
}

/// [`expected_wait`] by its definition: the average over the offsets of
/// the waiting transaction in its chunk of how far the predecessor's lane
/// is from having run it, the chunk `k` back being `k * size / lanes`
/// transactions' time further on.
fn wait_by_definition(distance: usize, size: usize, lanes: usize) -> f64 {
    let total: f64 = (0..size)
        .map(|offset| {
            if distance <= offset {
                return 0.0; // in the transaction's own chunk
            }
            let back = (distance - offset).div_ceil(size);
            if back >= lanes {
                return 0.0; // the lane's own earlier chunk, or older
            }
            let predecessor_at = offset as f64 - distance as f64 + (back * size) as f64;
            let lane_at = offset as f64 + (back * size) as f64 / lanes as f64;
            (predecessor_at - lane_at).max(0.0)
        })
        .sum();
    total / size as f64
}

#[test]
fn the_expected_wait_is_its_definitions_average() {
    for lanes in [1, 2, 3, 4, 16] {
        for size in [1, 2, 7, 8, 16, 256] {
            for distance in 0..size * lanes + 3 {
                let (model, defined) =
                    (expected_wait(distance, size, lanes), wait_by_definition(distance, size, lanes));
                assert!(
                    (model - defined).abs() < 1e-9,
                    "{distance} back, chunks of {size}, {lanes} lanes: {model} against {defined}"
                );
            }
        }
    }
    // On 2 lanes, the chunk before is half done when a transaction's own
    // starts: 3 back on chunks of 8 waits at offsets 0-2, for 1 each.
    assert!((expected_wait(3, 8, 2) - 3.0 / 8.0).abs() < 1e-9);
    assert_eq!(expected_wait(4, 8, 2), 0.0);
    assert_eq!(expected_wait(5, 8, 1), 0.0, "one lane never waits");
}
