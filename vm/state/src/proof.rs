//! Inclusion and non-inclusion proofs for resources against a state root.
//!
//! A proof is the walk down the tree along the key's path: at each branch
//! the split bit and the hash of the side not taken. It ends at the key's own
//! leaf (the resource exists: the verifier hashes the key and the claimed
//! value into that leaf), at another key's leaf (the resource does not
//! exist: a present path is always reached by following its own bits, so
//! ending elsewhere shows absence; the proof carries that other leaf's key
//! and value bytes so the verifier can hash it), or nowhere (an empty state).

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::keys::ResourceKey;
use crate::leaf;
use crate::merkle::{self, empty_root, Hash, Step};
use crate::store::ResourceStore;
use crate::value::Value;

/// A proof about one resource key; see the module docs.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Proof {
    /// `(split bit, sibling hash)` of every branch on the way, root first.
    pub steps: Vec<(u8, Hash)>,
    pub end: ProofEnd,
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum ProofEnd {
    /// The walk reached the key's own leaf: the resource exists.
    Found,
    /// The walk reached the leaf of `key`, holding a value with these
    /// canonical bytes: the proved key is absent.
    Other { key: ResourceKey, value: Vec<u8> },
    /// The state is empty.
    Empty,
}

#[derive(Clone, PartialEq, Eq, Debug, Error)]
pub enum ProofError {
    #[error("the proof shows the resource exists, but no value was given to check")]
    PresentButNoValue,
    #[error("the proof shows the resource does not exist, but a value was given")]
    AbsentButValue,
    #[error("the proof ends at a leaf of the very key it claims is absent")]
    EndsAtSameKey,
    #[error("the proof's branches do not split at increasing bits")]
    BadOrder,
    #[error("an empty-state proof has branches")]
    EmptyWithSteps,
    #[error("the proof does not lead to the state root")]
    RootMismatch,
}

/// Checks that `proof` shows `key` holding `value` (`Some`) or holding
/// nothing (`None`) in the state whose root is `root`.
pub fn verify_proof(root: &Hash, key: &ResourceKey, value: Option<&Value>, proof: &Proof) -> Result<(), ProofError> {
    let bottom = match (&proof.end, value) {
        (ProofEnd::Found, Some(v)) => leaf::leaf_of(key, v),
        (ProofEnd::Found, None) => return Err(ProofError::PresentButNoValue),
        (ProofEnd::Other { .. } | ProofEnd::Empty, Some(_)) => return Err(ProofError::AbsentButValue),
        (ProofEnd::Other { key: other, .. }, None) if other == key => return Err(ProofError::EndsAtSameKey),
        (ProofEnd::Other { key: other, value: bytes }, None) => leaf::leaf_of_bytes(other, bytes),
        (ProofEnd::Empty, None) => {
            if !proof.steps.is_empty() {
                return Err(ProofError::EmptyWithSteps);
            }
            return if *root == empty_root() { Ok(()) } else { Err(ProofError::RootMismatch) };
        }
    };
    let steps: Vec<Step> = proof.steps.iter().map(|&(bit, sibling)| Step { bit, sibling }).collect();
    let folded = merkle::fold(&leaf::path_of(key), bottom, &steps).ok_or(ProofError::BadOrder)?;
    if folded == *root {
        Ok(())
    } else {
        Err(ProofError::RootMismatch)
    }
}

/// The path of `key`'s leaf in the tree: which way a walk for it turns.
pub fn key_path(key: &ResourceKey) -> Hash {
    leaf::path_of(key)
}

impl ResourceStore {
    /// A proof that `key` holds its current value, or that it is absent,
    /// against [`ResourceStore::root`]. Proving absence scans the store for
    /// the leaf the walk ended at (the tree keeps paths, not keys).
    pub fn prove(&self, key: &ResourceKey) -> Proof {
        let path = leaf::path_of(key);
        let walk = self.tree().walk(&path);
        let steps = walk.steps.iter().map(|s| (s.bit, s.sibling)).collect();
        let end = match walk.end {
            None => ProofEnd::Empty,
            Some((leaf_path, _)) if leaf_path == path => ProofEnd::Found,
            Some((leaf_path, _)) => match self.key_at(&leaf_path) {
                Some((other, value)) => ProofEnd::Other { key: other, value: value.canonical_bytes() },
                // Unreachable while the tree and the maps agree; a proof that
                // fails to verify is the honest answer if they ever do not.
                None => ProofEnd::Empty,
            },
        };
        Proof { steps, end }
    }
}
