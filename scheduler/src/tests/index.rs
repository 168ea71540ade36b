//! The key index and the numbering pass against the definition: keys
//! numbered 0, 1, 2, ... in the order of their first access.

use std::sync::atomic::{AtomicBool, Ordering};

use proptest::prelude::*;
use resin_vm::{AccessMode, KeyAccess, ResourceKey, TypeId};
use rustc_hash::FxHashMap;

use super::*;
use crate::beside::Beside;
use crate::graph::index::{number, KeyIndex, Visit};

/// The number of each key in `sequence`, by the definition.
fn first_seen(sequence: impl IntoIterator<Item = ResourceKey>) -> Vec<u32> {
    let mut seen: FxHashMap<ResourceKey, u32> = FxHashMap::default();
    sequence
        .into_iter()
        .map(|key| {
            let next = seen.len() as u32;
            *seen.entry(key).or_insert(next)
        })
        .collect()
}

fn key(addr: u64) -> ResourceKey {
    ResourceKey { address: AccountAddress::from_u64(addr), ty: COIN }
}

/// Records every access and every key announced ahead.
#[derive(Default)]
struct Record {
    accesses: Vec<(usize, u32, AccessMode)>,
}

impl Visit for Record {
    fn access(&mut self, tx: usize, number: u32, mode: AccessMode) {
        self.accesses.push((tx, number, mode));
    }
}

/// Blocks whose transactions name up to six keys out of `keys`, some of
/// them type-wide (which are not numbered).
fn block_over(keys: u64, txs: std::ops::Range<usize>) -> impl Strategy<Value = BlockKeys> {
    let mode = prop_oneof![Just(AccessMode::Read), Just(AccessMode::Write), Just(AccessMode::Add)];
    let access = (0..keys, mode, 0..16u8).prop_map(|(addr, mode, kind)| KeyAccess {
        mode,
        key: if kind == 0 { AccessKey::AnyOf(POOL) } else { exact(TypeId(u64::from(kind % 3)), addr) },
    });
    prop::collection::vec(prop::collection::vec(access, 0..6), txs).prop_map(block)
}

/// Work beside the pass that would never end by itself: it must be told
/// when the pass is done. Returns whether it was.
fn until_told(done: &AtomicBool) -> bool {
    for _ in 0..100_000_000u64 {
        if done.load(Ordering::Relaxed) {
            return true;
        }
        std::hint::spin_loop();
    }
    false
}

/// Checks the pass's output for `keys` against the definition; `beside`,
/// with work beside the serial pass that stops only when told.
fn check_pass(keys: &BlockKeys, beside: bool) -> Result<(), TestCaseError> {
    let mut record = Record::default();
    let mut told = None;
    let mut work = |done: &AtomicBool| told = Some(until_told(done));
    let work: Beside<'_> = if beside { Some(&mut work) } else { None };
    let (index, slot_start, slots) = number(keys, &mut record, work);
    if beside {
        // On one thread the work runs after the pass, which told it already.
        prop_assert_eq!(told, Some(true), "the work beside the pass ran and was told it was done");
    }
    let exact: Vec<(usize, ResourceKey, AccessMode)> = (0..keys.len())
        .flat_map(|tx| {
            keys.accesses(tx).iter().filter_map(move |a| match a.key {
                AccessKey::Exact(key) => Some((tx, key, a.mode)),
                AccessKey::AnyOf(_) => None,
            })
        })
        .collect();
    let expected = first_seen(exact.iter().map(|&(_, key, _)| key));
    prop_assert_eq!(&slots, &expected);
    let visited: Vec<_> = exact.iter().zip(&expected).map(|(&(tx, _, mode), &n)| (tx, n, mode)).collect();
    prop_assert_eq!(record.accesses, visited);
    // Each transaction's numbers are its own exact accesses'.
    prop_assert_eq!(slot_start.len(), keys.len() + 1);
    for tx in 0..keys.len() {
        let (start, end) = (slot_start[tx] as usize, slot_start[tx + 1] as usize);
        let own: Vec<u32> = exact.iter().zip(&expected).filter(|((t, _, _), _)| *t == tx).map(|(_, &n)| n).collect();
        prop_assert_eq!(&slots[start..end], own.as_slice());
    }
    // The keys by number, in the order of their first access.
    let mut by_number: Vec<ResourceKey> = Vec::new();
    for (&(_, key, _), &n) in exact.iter().zip(&expected) {
        if n as usize == by_number.len() {
            by_number.push(key);
        }
    }
    prop_assert_eq!(index.into_keys(), by_number);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Hashes chosen by the test, a few values for many keys: probes run
    /// past buckets of other keys, some with the same hash, and the index
    /// grows from its smallest size while they do.
    #[test]
    fn keys_are_numbered_in_first_seen_order_whatever_their_hashes(
        hashes in prop::collection::vec(any::<u32>(), 1..6),
        sequence in prop::collection::vec(0..300u64, 0..2_000),
    ) {
        let hash = |addr: u64| hashes[addr as usize % hashes.len()];
        let mut index = KeyIndex::with_capacity(0);
        let numbers: Vec<u32> = sequence.iter().map(|&addr| index.number(hash(addr), &key(addr))).collect();
        prop_assert_eq!(&numbers, &first_seen(sequence.iter().map(|&addr| key(addr))));
        // Asked again, after every growth, each key keeps its number.
        for (&addr, &n) in sequence.iter().zip(&numbers) {
            prop_assert_eq!(index.number(hash(addr), &key(addr)), n);
        }
    }

    #[test]
    fn the_pass_numbers_exact_keys_in_block_order(keys in block_over(40, 0..200)) {
        check_pass(&keys, false)?;
    }

    /// With work beside the pass on a second thread, the numbers are the
    /// same, and the work stops when the pass is done.
    #[test]
    fn work_beside_the_pass_changes_nothing_and_stops_when_it_is_done(keys in block_over(40, 0..200)) {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().expect("a pool of two threads");
        pool.install(|| check_pass(&keys, true))?;
        check_pass(&keys, true)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3, ..ProptestConfig::default() })]

    /// Blocks whose hashes are made in several tasks, with more keys than
    /// the index was sized for (it grows mid-pass).
    #[test]
    fn large_blocks_are_numbered_in_block_order(keys in block_over(1_000_000, 20_000..20_500)) {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().expect("a pool of two threads");
        pool.install(|| check_pass(&keys, false))?;
        pool.install(|| check_pass(&keys, true))?;
    }
}
