//! The block's exact keys, numbered: the slots of the block overlay, and each
//! transaction's keys as slot numbers. The conflict graph numbers keys as it
//! builds (`exact.rs`); [`BlockSlots::number`] numbers them alone, for the
//! in-order executor, which runs the same engine without a graph.

use resin_vm::AccessMode;

use super::index::{self, Visit};
use super::KeyTable;
use crate::beside::Beside;
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

    /// Numbers the block's exact keys in order of first access: their
    /// hashes on the current rayon pool, then one lookup per access on this
    /// thread, asked for ahead (`index.rs`). The table's index by key is
    /// built on first use ([`KeyTable::slot_of`]): only a type-wide access
    /// asks for it.
    pub fn number(keys: &BlockKeys) -> BlockSlots {
        struct Nothing;
        impl Visit for Nothing {
            fn access(&mut self, _: usize, _: u32, _: AccessMode) {}
        }
        Self::number_with(keys, &mut Nothing, None)
    }

    /// [`BlockSlots::number`], telling `visit` of every exact access in
    /// block order.
    pub(super) fn number_with(keys: &BlockKeys, visit: &mut (impl Visit + Send), beside: Beside<'_>) -> BlockSlots {
        let (index, slot_start, slots) = index::number(keys, visit, beside);
        let table = KeyTable { keys: index.into_keys(), ..KeyTable::default() };
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
