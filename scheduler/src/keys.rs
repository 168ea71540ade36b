//! Per-transaction instantiated access keys: what the conflict graph is built
//! from and what the VM enforces while the transaction runs.
//!
//! A transaction whose keys cannot be instantiated (unknown function, wrong
//! arguments) has no keys: it takes part in no conflict and only produces its
//! `InvalidArguments` receipt.
//!
//! Instantiating keys resolves each transaction's entry function; it is kept
//! beside the keys, so that executing the transaction does not resolve it a
//! second time.

use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;
use resin_vm::{
    AccessKey, CodeCache, DeclaredKeys, KeyAccess, Receipt, ResolvedEntry, Resolver, Status, Transaction, WriteSet,
};

/// The instantiated keys of every transaction of a block, in block order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlockKeys {
    /// A rejection is boxed: it is rare, and `Status` is large.
    per_tx: Vec<Result<TxKeys, Box<Status>>>,
    /// Whether some transaction accesses a type type-wide. Noted as the
    /// keys are made, while each transaction's are in cache: the paths
    /// that only handle exact keys ask before their first pass over the
    /// block, which would otherwise find out only at its end.
    typewide: bool,
}

/// One transaction's keys, and the entry function they were instantiated
/// from when they were (keys supplied by a caller come without).
#[derive(Clone, Debug, PartialEq, Eq)]
struct TxKeys {
    keys: DeclaredKeys,
    entry: Option<ResolvedEntry>,
}

impl TxKeys {
    fn supplied(keys: DeclaredKeys) -> TxKeys {
        TxKeys { keys, entry: None }
    }

    fn typewide(&self) -> bool {
        names_a_type(&self.keys)
    }
}

impl BlockKeys {
    /// Instantiates each transaction's entry-function access spec with its arguments.
    pub fn instantiate(code: &CodeCache, block: &[Transaction]) -> BlockKeys {
        let mut resolver = Resolver::new(code);
        let typewide = AtomicBool::new(false);
        let per_tx = block.iter().map(|tx| instantiate_one(&mut resolver, tx, &typewide)).collect();
        BlockKeys { per_tx, typewide: typewide.into_inner() }
    }

    /// [`BlockKeys::instantiate`] on the current rayon pool. The result does not
    /// depend on the thread count: each entry depends only on its transaction.
    pub fn instantiate_par(code: &CodeCache, block: &[Transaction]) -> BlockKeys {
        let typewide = AtomicBool::new(false);
        let per_tx = block
            .par_iter()
            .map_init(|| Resolver::new(code), |resolver, tx| instantiate_one(resolver, tx, &typewide))
            .collect();
        BlockKeys { per_tx, typewide: typewide.into_inner() }
    }

    /// Keys made elsewhere, the flag found by a pass over them.
    fn of(per_tx: Vec<Result<TxKeys, Box<Status>>>) -> BlockKeys {
        let typewide = per_tx.iter().any(|k| k.as_ref().is_ok_and(TxKeys::typewide));
        BlockKeys { per_tx, typewide }
    }

    /// Keys computed elsewhere: for tests, and for callers that cache keys
    /// across re-executions. The executors trust them exactly as they trust
    /// instantiated ones; keys narrower than the code's accesses make those
    /// transactions abort with `AccessViolation` in the VM. Execution
    /// resolves these transactions' entry functions itself.
    pub fn from_results(per_tx: Vec<Result<DeclaredKeys, Status>>) -> BlockKeys {
        BlockKeys::of(per_tx.into_iter().map(|r| r.map(TxKeys::supplied).map_err(Box::new)).collect())
    }

    /// Every transaction has the given keys.
    pub fn from_declared(per_tx: Vec<DeclaredKeys>) -> BlockKeys {
        BlockKeys::of(per_tx.into_iter().map(|keys| Ok(TxKeys::supplied(keys))).collect())
    }

    pub fn len(&self) -> usize {
        self.per_tx.len()
    }

    /// The keys of the transactions in `range` (clamped to the block), as a
    /// block of their own.
    pub(crate) fn window(&self, range: std::ops::Range<usize>) -> BlockKeys {
        let end = range.end.min(self.per_tx.len());
        BlockKeys::of(self.per_tx.get(range.start.min(end)..end).unwrap_or_default().to_vec())
    }

    pub fn is_empty(&self) -> bool {
        self.per_tx.is_empty()
    }

    /// Whether some transaction accesses a type type-wide (`AnyOf`).
    pub fn has_typewide(&self) -> bool {
        self.typewide
    }

    /// The keys of transaction `i`, or the status that prevented instantiating them.
    pub fn get(&self, i: usize) -> Option<Result<&DeclaredKeys, &Status>> {
        self.per_tx.get(i).map(|r| r.as_ref().map(|k| &k.keys).map_err(|s| &**s))
    }

    /// The accesses of transaction `i`; empty when it has no keys.
    pub fn accesses(&self, i: usize) -> &[KeyAccess] {
        match self.per_tx.get(i) {
            Some(Ok(k)) => &k.keys.0,
            _ => &[],
        }
    }

    /// The keys of transaction `i` with the entry function instantiating
    /// them resolved (none for keys supplied by a caller); or the status
    /// that prevented instantiating them.
    pub(crate) fn resolved(&self, i: usize) -> Option<Result<(&DeclaredKeys, Option<&ResolvedEntry>), &Status>> {
        self.per_tx.get(i).map(|r| r.as_ref().map(|k| (&k.keys, k.entry.as_ref())).map_err(|s| &**s))
    }

    /// The handle of the entry function transaction `i`'s keys were
    /// instantiated from (none for supplied keys or a rejection).
    pub(crate) fn entry_handle(&self, i: usize) -> Option<resin_vm::EntryHandle> {
        match self.per_tx.get(i) {
            Some(Ok(TxKeys { entry: Some(entry), .. })) => Some(entry.handle()),
            _ => None,
        }
    }

    /// Starts loading transaction `i`'s keys into the cache (see `resin_state::prefetch`).
    #[inline]
    pub(crate) fn prefetch(&self, i: usize) {
        if let Some(keys) = self.per_tx.get(i) {
            resin_state::prefetch::prefetch(keys);
        }
    }

    /// Starts loading each of transaction `i`'s accesses (its keys are
    /// read to find them: call it after [`BlockKeys::prefetch`]).
    #[inline]
    pub(crate) fn prefetch_accesses(&self, i: usize) {
        if let Some(Ok(keys)) = self.per_tx.get(i) {
            keys.keys.0.iter().for_each(resin_state::prefetch::prefetch);
        }
    }

    /// These keys for a block of `n` transactions: extra entries are dropped,
    /// missing ones become "no keys supplied" rejections.
    pub fn fitted(&self, n: usize) -> std::borrow::Cow<'_, BlockKeys> {
        if self.per_tx.len() == n {
            return std::borrow::Cow::Borrowed(self);
        }
        let mut per_tx: Vec<_> = self.per_tx.iter().take(n).cloned().collect();
        per_tx.resize_with(n, || Err(Box::new(missing_keys())));
        std::borrow::Cow::Owned(BlockKeys::of(per_tx))
    }

    /// Drops the keys spread over the current rayon pool.
    pub(crate) fn drop_in_parallel(self) {
        self.per_tx.into_par_iter().with_min_len(DROP_CHUNK).for_each(drop);
    }

    /// Total number of accesses in the block: the size the graph build is linear in.
    pub fn access_count(&self) -> usize {
        self.per_tx.iter().map(|k| k.as_ref().map_or(0, |k| k.keys.0.len())).sum()
    }
}

/// Transactions' keys freed per task: fewer are not worth a fork.
const DROP_CHUNK: usize = 8192;

/// Where the keys a block runs under come from, which decides how far
/// executing it trusts the entry functions they resolved.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct KeysOrigin(Origin);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Origin {
    Supplied,
    Instantiated,
}

impl KeysOrigin {
    /// Keys a caller supplied, which may have been made for another block
    /// or code: each transaction's entry function is checked against it
    /// again (found through the resolved handle when it names the
    /// transaction's function, by name when not).
    pub const SUPPLIED: KeysOrigin = KeysOrigin(Origin::Supplied);

    /// Keys the executor instantiated from this very block and code a
    /// moment before running it ([`crate::BlockExecutor::execute_block`]):
    /// each transaction runs its resolved entry function unchecked
    /// ([`resin_vm::execute_resolved`]). Only the crate can say this.
    pub(crate) const INSTANTIATED: KeysOrigin = KeysOrigin(Origin::Instantiated);

    pub(crate) fn instantiated(self) -> bool {
        self.0 == Origin::Instantiated
    }
}

/// `tx`'s keys, raising `typewide` if they access a type type-wide. The
/// flag is looked at before the keys move into their result: bound to a
/// local first, that result (hundreds of bytes) would be copied into the
/// block's vector instead of built there.
#[inline]
fn instantiate_one<'t>(
    resolver: &mut Resolver<'_, 't>,
    tx: &'t Transaction,
    typewide: &AtomicBool,
) -> Result<TxKeys, Box<Status>> {
    let mut keys = DeclaredKeys::default();
    match resolver.resolve_keys_into(tx, &mut keys) {
        Ok(entry) => {
            if names_a_type(&keys) {
                typewide.store(true, Ordering::Relaxed);
            }
            Ok(TxKeys { keys, entry: Some(entry) })
        }
        Err(status) => Err(Box::new(status)),
    }
}

fn names_a_type(keys: &DeclaredKeys) -> bool {
    keys.0.iter().any(|a| matches!(a.key, AccessKey::AnyOf(_)))
}

/// The receipt of a transaction that could not start: nothing ran, so no gas.
pub fn rejected_receipt(status: &Status) -> Receipt {
    Receipt { status: status.clone(), gas_used: 0, events: Vec::new(), write_set: WriteSet::default() }
}

/// The status of a transaction the caller supplied no keys for.
pub fn missing_keys() -> Status {
    Status::InvalidArguments { reason: "no access keys were supplied for this transaction".into() }
}
