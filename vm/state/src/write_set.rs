//! What a transaction changes in storage.

use serde::{Deserialize, Serialize};

use crate::keys::ResourceKey;
use crate::value::Value;

/// One change to storage: `None` deletes.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct WriteOp {
    pub key: ResourceKey,
    pub value: Option<Value>,
}

/// A transaction's writes, sorted by key, each key once. Empty unless the
/// transaction succeeded.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
pub struct WriteSet(pub Vec<WriteOp>);
