//! The block engine both the parallel and the in-order executor run: each
//! transaction against one block overlay over the pre-block snapshot, then
//! the overlay's writes committed to the store in one batch (maps, leaves
//! and tree in parallel on the executor's pool). The executors differ only
//! in the order they feed it: lanes of a plan on many threads, or the
//! block in order on one.
//!
//! A run on several lanes is exact except where a counter add's verdict
//! (does the sum pass the type's maximum?) depends on which concurrent adds
//! its lane saw (see `overlay.rs` and `counters.rs`). When a transaction
//! aborted with `CounterOverflow` or a delta did not apply, the lanes stop
//! early, the run is discarded, and the parallel executor runs the block
//! again in order on one lane, whose result is final; so a block in which
//! a counter reaches its bound runs (up to) twice. Otherwise the adders'
//! verdicts are checked against the exact values after the run, and a
//! failed adder that saw too little runs again alone
//! ([`BlockRun::settle_adds`]).

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use crossbeam_utils::CachePadded;
use std::time::{Duration, Instant};

use resin_state::store::ResourceStore;
use resin_state::store::StateView;
use resin_vm::{
    AccessKey, AccessMode, BlockContext, CodeCache, DeclaredKeys, Receipt, ResolvedEntry, ResourceKey,
    RuntimeErrorKind, Status, Transaction,
};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::cost::CostModel;
use crate::counters::{check_adds, AddCheck, AddRead, Replayed};
use crate::graph::{BlockSlots, TxIndex};
use crate::keys::{missing_keys, rejected_receipt, BlockKeys, KeysOrigin};
use crate::output::BlockSummary;
use crate::overlay::{AddWatch, BlockOverlay, BlockWrites, TxView, WatchedView};
use crate::planner::Plan;
use resin_state::prefetch::prefetch;

/// Spins this many times on a predecessor's done flag before yielding the CPU.
const SPINS_BEFORE_YIELD: u32 = 256;

/// Cross-lane synchronisation: how far each lane has got, and the rule
/// that says what each transaction waits for in other lanes.
///
/// A lane publishes one counter on a cache line of its own. Per-transaction
/// flags would put neighbouring transactions of different lanes on one
/// cache line, which both cores then write for every transaction they
/// finish.
pub(crate) struct LaneSync<'a> {
    /// Indexed by lane: how far the lane has got, as `order` counts it.
    pub(crate) progress: &'a [CachePadded<AtomicU32>],
    /// Set when a lane unwinds, so the others stop waiting for it.
    pub(crate) abort: &'a AtomicBool,
    pub(crate) order: Order<'a>,
}

/// What a transaction waits for.
#[derive(Clone, Copy)]
pub(crate) enum Order<'a> {
    /// Its predecessors in other lanes, as the plan lists them (the last
    /// of them in each); a lane's progress counts its transactions done.
    Plan(&'a Plan),
    /// Every transaction before one more than its latest predecessor, by
    /// transaction (`frontier.rs`); a lane's progress is the index below
    /// which all its transactions are done and it runs no more. The
    /// executor's frontier lanes walk their chunks with `FrontierLane`
    /// (`frontier_lane.rs`), which runs around a waiting transaction;
    /// [`LaneSync::wait_before`] serves a lane that runs strictly in order.
    Frontier(&'a [u32]),
}

/// What one lane last read of the others' progress, and last published.
/// Progress only grows, so a value read once stays a lower bound, and the
/// acquire of that read already ordered the writes before it: most
/// predecessors finished long ago, and re-reading a counter that another
/// core keeps writing would pull its cache line over for each of them.
pub(crate) struct Seen {
    lanes: Vec<u32>,
    /// [`Order::Frontier`]: the least progress of all lanes when last read.
    frontier: u32,
    published: u32,
}

impl Seen {
    pub(crate) fn new(lanes: usize) -> Seen {
        Seen { lanes: vec![0; lanes], frontier: 0, published: 0 }
    }

    /// [`Order::Frontier`]: the frontier when last read.
    pub(crate) fn frontier(&self) -> u32 {
        self.frontier
    }
}

impl LaneSync<'_> {
    /// Whether the transaction at `position` of `lane` is done.
    #[inline]
    fn is_done(&self, lane: u32, position: u32, seen: &mut Seen) -> bool {
        let Some(last) = seen.lanes.get_mut(lane as usize) else { return true };
        if *last > position {
            return true;
        }
        *last = self.progress.get(lane as usize).map_or(u32::MAX, |done| done.load(Ordering::Acquire));
        *last > position
    }

    /// Whether every transaction before `after` is done.
    #[inline]
    pub(crate) fn frontier_reached(&self, after: u32, seen: &mut Seen) -> bool {
        if seen.frontier >= after {
            return true;
        }
        seen.frontier = self.progress.iter().map(|p| p.load(Ordering::Acquire)).min().unwrap_or(u32::MAX);
        seen.frontier >= after
    }

    /// Waits until `done` holds; false when the block is being abandoned.
    pub(crate) fn wait_until(
        &self,
        seen: &mut Seen,
        waits: &mut Waits,
        mut done: impl FnMut(&Self, &mut Seen) -> bool,
    ) -> bool {
        if done(self, seen) {
            return true;
        }
        // The clock is read only here, where the lane stops anyway.
        let start = Instant::now();
        waits.count += 1;
        let mut spins = 0u32;
        loop {
            if done(self, seen) {
                waits.time += start.elapsed();
                return true;
            }
            if self.abort.load(Ordering::Relaxed) {
                return false;
            }
            if spins < SPINS_BEFORE_YIELD {
                spins += 1;
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
    }

    /// Waits for what `tx`, next on `lane`, waits for; false when abandoned.
    fn wait_before(&self, lane: u32, tx: TxIndex, waits: &mut Waits, seen: &mut Seen) -> bool {
        match self.order {
            Order::Plan(plan) => plan.waits.of(tx).iter().all(|&(other, position)| {
                self.wait_until(seen, waits, |sync, seen| sync.is_done(other, position, seen))
            }),
            Order::Frontier(after) => {
                // The lane has moved past everything below `tx`: a lane
                // that took a new chunk says so before it waits.
                self.publish(lane, tx, seen);
                let after = after.get(tx as usize).copied().unwrap_or(0);
                self.wait_until(seen, waits, |sync, seen| sync.frontier_reached(after, seen))
            }
        }
    }

    /// Publishes that `lane` has finished `tx`, its `done`th transaction.
    #[inline]
    fn finished(&self, lane: u32, tx: TxIndex, done: u32, seen: &mut Seen) {
        match self.order {
            Order::Plan(_) => self.store(lane, done),
            Order::Frontier(_) => self.publish(lane, tx.saturating_add(1), seen),
        }
    }

    /// Publishes that `lane` has no transaction left.
    pub(crate) fn lane_done(&self, lane: u32, seen: &mut Seen) {
        if let Order::Frontier(_) = self.order {
            // Every later transaction would otherwise wait for this lane.
            self.publish(lane, u32::MAX, seen);
        }
    }

    #[inline]
    pub(crate) fn publish(&self, lane: u32, next: u32, seen: &mut Seen) {
        if next != seen.published {
            seen.published = next;
            self.store(lane, next);
        }
    }

    #[inline]
    fn store(&self, lane: u32, value: u32) {
        if let Some(counter) = self.progress.get(lane as usize) {
            counter.store(value, Ordering::Release);
        }
    }
}

/// Raises the abort flag if a lane unwinds, so no other lane waits forever.
pub(crate) struct AbortOnUnwind<'a>(pub(crate) &'a AtomicBool);

impl Drop for AbortOnUnwind<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.store(true, Ordering::Relaxed);
        }
    }
}

/// How often and how long a lane waited for predecessors in other lanes.
#[derive(Clone, Copy, Default)]
pub(crate) struct Waits {
    pub(crate) count: u64,
    pub(crate) time: Duration,
}

#[derive(Default)]
pub(crate) struct LaneResult {
    /// The lane's receipts, in the order it ran its transactions...
    pub(crate) receipts: Vec<Receipt>,
    /// ...and those transactions, kept apart so that a lone lane's
    /// receipts are the block's as they stand (pairing each with its index
    /// would cost a pass moving every receipt, tens of megabytes, to drop
    /// them). Only a lane beside others records them: a lone lane runs the
    /// whole block in order, and nothing asks.
    pub(crate) txs: Vec<TxIndex>,
    pub(crate) waits: Waits,
    /// On the frontier: transactions run ahead of an earlier one of their
    /// chunk that had to wait (`frontier_lane.rs`).
    pub(crate) early: usize,
    /// When the lane started and finished its transactions (`None` for a
    /// lane with none, or a lone lane, which nothing compares).
    pub(crate) span: Option<(Instant, Instant)>,
    /// What each failed transaction saw of the counters it declared `add`
    /// for (only those are checked), in the lane's order; recorded only on
    /// one of several lanes.
    pub(crate) add_reads: Vec<AddRead>,
}

/// A block to execute, as every path of the executors takes it (the state
/// aside, which they write).
#[derive(Clone, Copy)]
pub(crate) struct BlockInput<'a> {
    pub(crate) code: &'a CodeCache,
    pub(crate) block: &'a [Transaction],
    /// What every transaction of the block sees of the block itself.
    pub(crate) context: BlockContext,
    pub(crate) keys: &'a BlockKeys,
    /// Whether `keys` were instantiated from this block and code, so that
    /// their entry functions run unchecked.
    pub(crate) origin: KeysOrigin,
}

impl<'a> BlockInput<'a> {
    /// What the block's lanes share, its keys numbered as `slots`.
    pub(crate) fn with_slots<'s>(self, slots: &'s BlockSlots) -> BlockRun<'s>
    where
        'a: 's,
    {
        BlockRun { input: self, slots }
    }
}

/// One block's inputs, shared by every lane.
pub(crate) struct BlockRun<'a> {
    pub(crate) input: BlockInput<'a>,
    pub(crate) slots: &'a BlockSlots,
}

impl BlockRun<'_> {
    /// Runs lane `lane_index` in order; `sync` is `None` when it is the only lane.
    pub(crate) fn run_lane(
        &self,
        overlay: &BlockOverlay<'_>,
        lane_index: u32,
        lane: impl ExactSizeIterator<Item = TxIndex>,
        sync: Option<&LaneSync<'_>>,
    ) -> LaneResult {
        let capacity = lane.len();
        self.run_taken(overlay, lane_index, lane, capacity, sync)
    }

    /// [`BlockRun::run_lane`] over transactions taken as the lane goes
    /// (about `capacity` of them), in increasing block order.
    pub(crate) fn run_taken(
        &self,
        overlay: &BlockOverlay<'_>,
        lane_index: u32,
        lane: impl Iterator<Item = TxIndex>,
        capacity: usize,
        sync: Option<&LaneSync<'_>>,
    ) -> LaneResult {
        let _guard = sync.map(|s| AbortOnUnwind(s.abort));
        let mut out = LaneResult {
            receipts: Vec::with_capacity(capacity),
            txs: if sync.is_some() { Vec::with_capacity(capacity) } else { Vec::new() },
            ..LaneResult::default()
        };
        // Alone, the lane runs the block in order and every read is exact.
        let mut record = sync.is_some().then_some(&mut out.add_reads);
        let mut seen = Seen::new(sync.map_or(0, |s| s.progress.len()));
        let started = sync.map(|_| Instant::now());
        // Two transactions ahead the transaction and its keys are asked
        // for, one ahead what they point to (by then they are in cache).
        let mut lane = lane.fuse();
        let mut next = lane.next();
        let mut after = lane.next();
        if let Some(first) = next {
            self.prefetch_far(first);
            self.prefetch_near(overlay, first);
        }
        if let Some(second) = after {
            self.prefetch_far(second);
        }
        let mut done = 0u32;
        while let Some(tx) = next {
            done += 1;
            next = after;
            after = lane.next();
            if let Some(far) = after {
                self.prefetch_far(far);
            }
            if let Some(near) = next {
                self.prefetch_near(overlay, near);
            }
            if let Some(sync) = sync {
                if !sync.wait_before(lane_index, tx, &mut out.waits, &mut seen) {
                    return out;
                }
            }
            // The receipt goes straight into the lane's vector: a
            // receipt (272 bytes) returned and then pushed was one more copy.
            self.run_tx(overlay, lane_index, tx, record.as_deref_mut(), &mut out.receipts);
            if let Some(sync) = sync {
                out.txs.push(tx);
                sync.finished(lane_index, tx, done, &mut seen);
                if overlay.overflowed() {
                    // The run will be discarded: stop, and stop the
                    // lanes waiting for this one.
                    sync.abort.store(true, Ordering::Relaxed);
                    return out;
                }
            }
        }
        if let Some(sync) = sync {
            sync.lane_done(lane_index, &mut seen);
        }
        out.span = started.map(|started| (started, Instant::now()));
        out
    }

    /// Starts loading transaction `index` and its keys, two transactions
    /// before it runs (see `resin_state::prefetch`).
    #[inline]
    pub(crate) fn prefetch_far(&self, index: TxIndex) {
        let i = index as usize;
        if let Some(tx) = self.input.block.get(i) {
            // Only the fields' addresses are taken: nothing is read yet.
            prefetch(&tx.sender);
            prefetch(&tx.args);
            prefetch(&tx.type_args);
        }
        self.input.keys.prefetch(i);
    }

    /// Starts loading what transaction `index` reaches through its
    /// transaction and keys (arguments, accesses, overlay slots), one
    /// transaction before it runs.
    #[inline]
    pub(crate) fn prefetch_near(&self, overlay: &BlockOverlay<'_>, index: TxIndex) {
        let i = index as usize;
        if let Some(tx) = self.input.block.get(i) {
            tx.args.iter().for_each(prefetch);
            tx.type_args.iter().for_each(prefetch);
        }
        self.input.keys.prefetch_accesses(i);
        overlay.prefetch(self.slots.slots_of(i));
    }

    /// Runs transaction `index` and pushes its receipt onto `receipts`.
    pub(crate) fn run_tx(
        &self,
        overlay: &BlockOverlay<'_>,
        lane: u32,
        index: TxIndex,
        record: Option<&mut Vec<AddRead>>,
        receipts: &mut Vec<Receipt>,
    ) {
        let i = index as usize;
        let Some(tx) = self.input.block.get(i) else { return receipts.push(rejected_receipt(&missing_keys())) };
        let (keys, entry) = match self.input.keys.resolved(i) {
            Some(Ok(resolved)) => resolved,
            Some(Err(status)) => return receipts.push(rejected_receipt(status)),
            None => return receipts.push(rejected_receipt(&missing_keys())),
        };
        let own = self.slots.slots_of(i);
        let view = TxView { overlay, lane, own };
        // One look at the few declared keys on several lanes: a
        // transaction without adds (a transfer) runs on the plain view,
        // whose reads do nothing more.
        match record {
            Some(record) if keys.0.iter().any(|a| a.mode == AccessMode::Add) => {
                let watched = WatchedView { view, watch: AddWatch::new(keys) };
                receipts.push(self.execute(&watched, tx, entry, keys));
                // Only a failed adder's reads are ever checked
                // (`check_adds`): a successful one's verdict is the
                // overlay's folds'. Most adders succeed, and then nothing
                // is kept or merged.
                if receipts.last().is_some_and(|receipt| !receipt.status.is_success()) {
                    let seen = watched.watch.seen.into_inner();
                    record.extend(seen.into_iter().map(|(key, seen)| AddRead { tx: index, key, seen }));
                }
            }
            _ => receipts.push(self.execute(&view, tx, entry, keys)),
        }
        let Some(receipt) = receipts.last() else { return };
        for op in &receipt.write_set.0 {
            overlay.write(lane, own, op);
        }
        if matches!(receipt.status, Status::RuntimeError { kind: RuntimeErrorKind::CounterOverflow { .. }, .. }) {
            // Run concurrently with other adds, the transaction may have
            // seen some that come after it in the block.
            overlay.mark_overflowed();
        }
    }
}

impl BlockRun<'_> {
    /// Runs `tx` through its resolved entry function: unchecked when the
    /// keys were instantiated here, else as a hint ([`KeysOrigin`]).
    #[inline]
    fn execute<V: StateView + ?Sized>(
        &self,
        view: &V,
        tx: &Transaction,
        entry: Option<&ResolvedEntry>,
        keys: &DeclaredKeys,
    ) -> Receipt {
        match entry {
            Some(entry) if self.input.origin.instantiated() => {
                resin_vm::execute_resolved(self.input.code, view, tx, self.input.context, entry, keys)
            }
            _ => resin_vm::execute_entry(
                self.input.code,
                view,
                tx,
                self.input.context,
                entry.map(ResolvedEntry::handle),
                keys,
            ),
        }
    }

    /// Whether a run on several lanes stands as far as counter adds are
    /// concerned ([`check_adds`]), given its receipts in block order and
    /// what its adders saw; `snapshot` is the pre-block state. Suspects
    /// (failed adders that saw less of a counter than block order shows)
    /// run again against the exact pre-transaction values, replayed from
    /// the receipts: they fail either way and write nothing, so their
    /// block-order receipt simply replaces the lane's, and only a suspect
    /// that would succeed (impossible unless the VM misjudged) or one with
    /// type-wide keys (whose values are not replayed) makes the run fail.
    /// Returns how many suspects ran again, or `None` when the run does not stand.
    pub(crate) fn settle_adds(
        &self,
        snapshot: &ResourceStore,
        receipts: &mut [Receipt],
        reads: Vec<AddRead>,
    ) -> Option<usize> {
        let suspects = match check_adds(snapshot, receipts, reads) {
            AddCheck::Holds => return Some(0),
            AddCheck::Fails => return None,
            AddCheck::Suspects(suspects) => suspects,
        };
        let count = suspects.len();
        let mut tracked: FxHashSet<ResourceKey> = FxHashSet::default();
        for &t in &suspects {
            let Some(Ok((keys, _))) = self.input.keys.resolved(t as usize) else { return None };
            for access in &keys.0 {
                match access.key {
                    AccessKey::Exact(key) => tracked.insert(key),
                    AccessKey::AnyOf(_) => return None,
                };
            }
        }
        let mut current = FxHashMap::default();
        let mut suspects = suspects.into_iter().peekable();
        for i in 0..receipts.len() {
            if suspects.next_if(|&t| t as usize == i).is_some() {
                let (Some(tx), Some(Ok((keys, entry)))) = (self.input.block.get(i), self.input.keys.resolved(i)) else {
                    return None;
                };
                let view = Replayed { snapshot, current: &current };
                let receipt = self.execute(&view, tx, entry, keys);
                let slot = receipts.get_mut(i)?;
                if receipt.status.is_success() {
                    return None;
                }
                *slot = receipt;
                if suspects.peek().is_none() {
                    return Some(count);
                }
                continue;
            }
            let receipt = receipts.get(i)?;
            for op in &receipt.write_set.0 {
                if tracked.contains(&op.key) {
                    let before = || match current.get(&op.key) {
                        Some(value) => value.clone(),
                        None => snapshot.resource(&op.key),
                    };
                    match op.resolve(before) {
                        Ok(value) => current.insert(op.key, value),
                        Err(_) => return None,
                    };
                }
            }
        }
        Some(count)
    }
}

/// What committing a block did; the caller times the commit as a whole,
/// since the parallel executor overlaps other work with it.
pub(crate) struct Committed {
    pub(crate) keys_written: usize,
    /// The leaves and the tree.
    pub(crate) root: Duration,
}

/// Commits the block's writes to `state` in one batch. Call it on the
/// executor's pool: the store merges on the current rayon pool.
pub(crate) fn commit(state: &mut ResourceStore, writes: BlockWrites) -> Committed {
    let stats = state.apply_sharded(writes.into_sharded());
    Committed { keys_written: stats.keys_written, root: stats.root }
}

/// Feeds a block's receipts to the cost model and totals them (the keys
/// written are the commit's to say).
pub(crate) fn take_in(
    costs: &mut CostModel,
    block: &[Transaction],
    keys: &BlockKeys,
    receipts: &[Receipt],
) -> BlockSummary {
    costs.observe_and_total(block, receipts, keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lanes(count: usize) -> Vec<CachePadded<AtomicU32>> {
        (0..count).map(|_| CachePadded::default()).collect()
    }

    #[test]
    fn a_transaction_on_the_frontier_waits_until_every_lane_is_past_its_predecessor() {
        // Transaction 5 comes after transaction 3; lane 1 is at 2.
        let after = [0, 0, 0, 0, 0, 4];
        let (progress, abort) = (lanes(2), AtomicBool::new(false));
        let sync = LaneSync { progress: &progress, abort: &abort, order: Order::Frontier(&after) };
        sync.store(1, 2);
        let moved = AtomicBool::new(false);
        std::thread::scope(|s| {
            s.spawn(|| {
                std::thread::sleep(Duration::from_millis(20));
                moved.store(true, Ordering::Relaxed);
                // Lane 1 has done 3 and runs nothing below 4 any more.
                sync.store(1, 4);
            });
            let (mut waits, mut seen) = (Waits::default(), Seen::new(2));
            assert!(sync.wait_before(0, 5, &mut waits, &mut seen));
            // The release of lane 1's store, acquired by the wait, orders
            // the flag before this load.
            assert!(moved.load(Ordering::Relaxed), "ran before lane 1 was past transaction 3");
        });
        // Lane 0 said where it was before it waited.
        assert_eq!(progress[0].load(Ordering::Relaxed), 5);
    }

    #[test]
    fn a_lane_with_nothing_left_holds_no_one_up_and_an_abort_ends_a_wait() {
        let after = [0, 0, 0, 0, 0, 4];
        let (progress, abort) = (lanes(3), AtomicBool::new(false));
        let sync = LaneSync { progress: &progress, abort: &abort, order: Order::Frontier(&after) };
        // Lanes 1 and 2 never ran a transaction; lane 1 is done.
        let (mut waits, mut seen) = (Waits::default(), Seen::new(3));
        sync.lane_done(1, &mut Seen::new(3));
        assert_eq!(progress[1].load(Ordering::Relaxed), u32::MAX);
        std::thread::scope(|s| {
            s.spawn(|| {
                std::thread::sleep(Duration::from_millis(20));
                abort.store(true, Ordering::Relaxed);
            });
            // Lane 2 never moves: only the abort ends the wait.
            assert!(!sync.wait_before(0, 5, &mut waits, &mut seen));
        });
        assert_eq!(waits.count, 1);
        // A transaction with no predecessor never waits, even now.
        assert!(sync.wait_before(0, 4, &mut waits, &mut seen));
        assert_eq!(waits.count, 1);
    }

    #[test]
    fn a_lane_publishes_where_it_is_before_and_after_each_transaction() {
        let after = [0u32; 8];
        let (progress, abort) = (lanes(1), AtomicBool::new(false));
        let sync = LaneSync { progress: &progress, abort: &abort, order: Order::Frontier(&after) };
        let (mut waits, mut seen) = (Waits::default(), Seen::new(1));
        // A chunk of 2 and 3, then one of 6.
        for tx in [2, 3, 6] {
            assert!(sync.wait_before(0, tx, &mut waits, &mut seen));
            assert_eq!(progress[0].load(Ordering::Relaxed), tx);
            sync.finished(0, tx, 1, &mut seen);
            assert_eq!(progress[0].load(Ordering::Relaxed), tx + 1);
        }
    }
}
