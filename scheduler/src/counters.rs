//! Whether a run on several lanes stands where counters are concerned.
//!
//! Adds to one counter run side by side (they do not conflict), so the
//! value an adder's add is checked against may hold adds of later
//! transactions or miss some of earlier ones: its verdict (does the sum
//! pass the counter type's maximum?) is not necessarily block order's.
//! Adders record what they saw ([`AddRead`]); after the run the receipts'
//! writes, replayed in block order, give each adder the exact value, and
//! [`check_adds`] compares verdicts.

use resin_state::store::{ResourceStore, StateView};
use resin_state::write_set::counter_field;
use resin_state::{Change, Shared, Value};
use resin_vm::{Receipt, ResourceKey};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::overlay::Written;

/// A counter value a transaction saw on one of several lanes: the value
/// its add was checked against. Adds run side by side, so it may hold adds
/// of later transactions or miss some of earlier ones.
pub(crate) struct AddRead {
    pub(crate) tx: u32,
    pub(crate) key: ResourceKey,
    pub(crate) seen: Option<Shared>,
}

/// What [`check_adds`] found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum AddCheck {
    /// Every add had its block-order verdict.
    Holds,
    /// Some did not: the run does not stand.
    Fails,
    /// Every add holds but those of these failed transactions (in block
    /// order), which saw less of a counter than block order shows.
    Suspects(Vec<u32>),
}

/// Whether every add of a run on several lanes had the verdict it has in
/// block order, given the run's receipts in block order and what each adder
/// saw ([`AddRead`]); `snapshot` is the pre-block state.
///
/// - A successful adder's delta fits the exact value before it: the
///   overlay checked every fold of the lanes' adds against the counter's
///   maximum (a failed fold discards the run before this check), and adds
///   are never negative, so every partial sum in block order is at most
///   the fold's total. Its reads are not replayed.
/// - A failed adder (other than by `CounterOverflow`, which the engine
///   handles before) that saw at least the exact value would have passed
///   its add in block order too, and so failed the same way. One that saw
///   less may have passed its add only because of that, and failed later,
///   where block order fails it at the add: a suspect. Its delta is not in
///   its receipt, so only running it again against the exact values tells
///   (`BlockRun::settle_adds`); either way it fails and writes nothing.
///   The receipts' writes to the counters are replayed in block order to
///   give each failed adder its exact value.
///
/// When every add holds, each transaction ran exactly as in block order,
/// by induction over the block. Reads are few: only failed adders' count.
pub(crate) fn check_adds(snapshot: &ResourceStore, receipts: &[Receipt], mut reads: Vec<AddRead>) -> AddCheck {
    reads.retain(|r| receipts.get(r.tx as usize).is_none_or(|receipt| !receipt.status.is_success()));
    if reads.is_empty() {
        return AddCheck::Holds;
    }
    reads.sort_by_key(|r| r.tx);
    let tracked: FxHashSet<ResourceKey> = reads.iter().map(|r| r.key).collect();
    let mut current: FxHashMap<ResourceKey, Option<Shared>> = FxHashMap::default();
    let exact = |current: &FxHashMap<ResourceKey, Option<Shared>>, key: &ResourceKey| match current.get(key) {
        Some(value) => value.clone(),
        None => snapshot.resource(key),
    };
    let mut suspects: Vec<u32> = Vec::new();
    let mut reads = reads.into_iter().peekable();
    for (i, receipt) in receipts.iter().enumerate() {
        while let Some(read) = reads.next_if(|r| r.tx as usize == i) {
            match holds(receipt, &read, exact(&current, &read.key)) {
                Verdict::Holds => {}
                Verdict::Fails => return AddCheck::Fails,
                Verdict::Suspect => {
                    if suspects.last() != Some(&read.tx) {
                        suspects.push(read.tx);
                    }
                }
            }
        }
        if reads.peek().is_none() {
            break;
        }
        for op in &receipt.write_set.0 {
            if tracked.contains(&op.key) {
                match op.resolve(|| exact(&current, &op.key)) {
                    Ok(value) => current.insert(op.key, value),
                    Err(_) => return AddCheck::Fails,
                };
            }
        }
    }
    if suspects.is_empty() {
        AddCheck::Holds
    } else {
        AddCheck::Suspects(suspects)
    }
}

enum Verdict {
    Holds,
    Fails,
    Suspect,
}

/// Whether an adder's verdict on `read.key`, checked against what it saw,
/// is the one it has against the exact value.
fn holds(receipt: &Receipt, read: &AddRead, exact: Option<Shared>) -> Verdict {
    if receipt.status.is_success() {
        // Only the lanes' folds can misjudge a success, and they are
        // checked (see `check_adds`); kept for a caller that asks anyway.
        return match receipt.write_set.0.iter().find(|op| op.key == read.key) {
            Some(op) if matches!(op.change, Change::Add(_)) => match op.apply_to(exact.as_deref()) {
                Ok(_) => Verdict::Holds,
                Err(_) => Verdict::Fails,
            },
            // It did not add to the key after all: the value did not matter.
            _ => Verdict::Holds,
        };
    }
    let amount = |value: &Option<Shared>| value.as_deref().map(|v| counter_field(v).ok().and_then(|f| integer(&f)));
    match (amount(&read.seen), amount(&exact)) {
        (Some(Some(seen)), Some(Some(exact))) if exact <= seen => Verdict::Holds,
        (None, None) => Verdict::Holds,
        _ => Verdict::Suspect,
    }
}

/// The pre-block state under the writes of the receipts replayed so far:
/// what a suspect sees when it runs again.
pub(crate) struct Replayed<'a> {
    pub(crate) snapshot: &'a ResourceStore,
    pub(crate) current: &'a FxHashMap<ResourceKey, Written>,
}

impl StateView for Replayed<'_> {
    fn resource(&self, key: &ResourceKey) -> Option<Shared> {
        match self.current.get(key) {
            Some(value) => value.clone(),
            None => self.snapshot.resource(key),
        }
    }
}

fn integer(field: &Value) -> Option<u128> {
    match field {
        Value::U8(v) => Some(u128::from(*v)),
        Value::U64(v) => Some(u128::from(*v)),
        Value::U128(v) => Some(*v),
        Value::U16(v) => Some(u128::from(*v)),
        Value::U32(v) => Some(u128::from(*v)),
        _ => None,
    }
}
