//! The block's exact keys, numbered: the slots of the block overlay, and each
//! transaction's keys as slot numbers. The conflict graph numbers keys as it
//! builds (`exact.rs`); [`BlockSlots::number`] numbers them alone, for the
//! in-order executor, which runs the same engine without a graph.

use std::sync::OnceLock;

use resin_vm::{AccessKey, AccessMode};
use rustc_hash::FxHashMap;

use super::KeyTable;
use crate::keys::BlockKeys;

#[derive(Clone, Debug, Default)]
pub struct BlockSlots {
    table: KeyTable,
    /// Transaction `i`'s exact keys as slots, in declaration order:
    /// `slots[slot_start[i]..slot_start[i + 1]]`.
    slot_start: Vec<u32>,
    slots: Vec<u32>,
}

impl BlockSlots {
    pub(super) fn from_parts(table: KeyTable, slot_start: Vec<u32>, slots: Vec<u32>) -> BlockSlots {
        BlockSlots { table, slot_start, slots }
    }

    /// Numbers the block's exact keys in order of first access, on this
    /// thread: one hash-table lookup per access.
    pub fn number(keys: &BlockKeys) -> BlockSlots {
        Self::number_with(keys, |_, _, _| {})
    }

    /// [`BlockSlots::number`], telling `each` of every exact access in
    /// block order: its transaction, its key's slot (a new one is the
    /// table's length before it) and its mode.
    pub(super) fn number_with(keys: &BlockKeys, mut each: impl FnMut(usize, u32, AccessMode)) -> BlockSlots {
        let n = keys.len();
        // Sized for a key per transaction, near what blocks of independent
        // users name (86,000 keys for 100,000 transfers among as many
        // accounts): grown from empty, the index was rehashed and the keys
        // moved at every doubling, 1.7% of an in-order transfer block's
        // instructions. A block of few keys leaves most of it untouched.
        let mut index: FxHashMap<_, u32> = FxHashMap::with_capacity_and_hasher(n, Default::default());
        let mut table = KeyTable { keys: Vec::with_capacity(n), ..KeyTable::default() };
        let mut slot_start = Vec::with_capacity(n + 1);
        let mut slots = Vec::with_capacity(n * 2);
        for i in 0..n {
            slot_start.push(slots.len() as u32);
            for access in keys.accesses(i) {
                if let AccessKey::Exact(key) = access.key {
                    let next = table.keys.len() as u32;
                    let slot = *index.entry(key).or_insert(next);
                    if slot == next {
                        table.keys.push(key);
                    }
                    each(i, slot, access.mode);
                    slots.push(slot);
                }
            }
        }
        slot_start.push(slots.len() as u32);
        table.index = OnceLock::from(index);
        BlockSlots { table, slot_start, slots }
    }

    pub fn table(&self) -> &KeyTable {
        &self.table
    }

    /// Transaction `tx`'s exact keys as key-table slots, in declaration order.
    pub fn slots_of(&self, tx: usize) -> &[u32] {
        let start = self.slot_start.get(tx).copied().unwrap_or(0) as usize;
        let end = self.slot_start.get(tx + 1).copied().unwrap_or(0) as usize;
        self.slots.get(start..end).unwrap_or(&[])
    }
}
