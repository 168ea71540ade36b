//! Generated blocks of declared keys, shared by the `plan` bench and the
//! `plan_timing` example: transfers between random accounts, swaps on one
//! hot pool, and a dependency chain. Deterministic: the same size gives the
//! same block.

use resin_scheduler::BlockKeys;
use resin_vm::{AccessKey, AccessMode, AccountAddress, DeclaredKeys, KeyAccess, ResourceKey, TypeId};

pub const BALANCE: TypeId = TypeId(0x0123_4567_89ab_cdef);
pub const POOL: TypeId = TypeId(0x0fed_cba9_8765_4321);

/// A small deterministic generator, so every run plans the same blocks.
pub struct SplitMix(pub u64);

impl SplitMix {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

fn write(ty: TypeId, addr: u64) -> KeyAccess {
    KeyAccess {
        mode: AccessMode::Write,
        key: AccessKey::Exact(ResourceKey { address: AccountAddress::from_u64(addr), ty }),
    }
}

/// Transfers between random accounts: `{W Balance@from, W Balance@to}`.
pub fn uniform(n: usize, accounts: u64) -> BlockKeys {
    let mut rng = SplitMix(42);
    BlockKeys::from_declared(
        (0..n)
            .map(|_| {
                let from = rng.next() % accounts;
                let to = rng.next() % accounts;
                let mut keys: DeclaredKeys =
                    DeclaredKeys([write(BALANCE, from), write(BALANCE, to)].into_iter().collect());
                keys.0.sort_unstable();
                keys.0.dedup();
                keys
            })
            .collect(),
    )
}

/// Every transaction swaps on one pool: `{W Pool@0x1, W Balance@sender}`.
pub fn hot_key(n: usize, accounts: u64) -> BlockKeys {
    let mut rng = SplitMix(7);
    BlockKeys::from_declared(
        (0..n)
            .map(|_| DeclaredKeys([write(POOL, 1), write(BALANCE, rng.next() % accounts)].into_iter().collect()))
            .collect(),
    )
}

/// A dependency chain: each transfer's receiver sends the next one.
pub fn chain(n: usize, accounts: u64) -> BlockKeys {
    let mut rng = SplitMix(3);
    let mut from = rng.next() % accounts;
    BlockKeys::from_declared(
        (0..n)
            .map(|_| {
                let to = (from + 1 + rng.next() % (accounts - 1)) % accounts;
                let mut keys = DeclaredKeys([write(BALANCE, from), write(BALANCE, to)].into_iter().collect());
                keys.0.sort_unstable();
                from = to;
                keys
            })
            .collect(),
    )
}

/// The workloads by name.
pub fn all(n: usize, accounts: u64) -> [(&'static str, BlockKeys); 3] {
    [("uniform", uniform(n, accounts)), ("hot_key", hot_key(n, accounts)), ("chain", chain(n, accounts))]
}
