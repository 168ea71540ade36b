//! What a transaction changes in storage.

use serde::{Deserialize, Serialize};
use smallvec::SmallVec;

use crate::keys::ResourceKey;
use crate::shared::Shared;

/// One change to storage: `None` deletes.
///
/// The value is [`Shared`]: the block engine keeps the very value the
/// receipt reports as the key's latest write and then commits it to the
/// store, so a large write is allocated once and never copied, and a small
/// one (a balance) is never allocated at all.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct WriteOp {
    pub key: ResourceKey,
    pub value: Option<Shared>,
}

/// A transaction's writes, sorted by key, each key once. Empty unless the
/// transaction succeeded.
///
/// Two writes are kept inline: a transfer writes two balances, and a block
/// of them would otherwise allocate a vector per receipt.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
pub struct WriteSet(pub SmallVec<[WriteOp; 2]>);
