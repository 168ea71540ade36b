//! `prove ACCOUNT MODULE::Resource`: a Merkle proof of a resource, or of its
//! absence, printed step by step and verified against the state root.

use std::io::Write;

use resin_state::merkle::bit;
use resin_state::proof::key_path;
use resin_state::{verify_proof, ProofEnd};

use super::commands::say;
use super::{Origin, Session};
use crate::error::CliResult;
use crate::script::ast::ResourceRef;

impl Session {
    pub(super) fn prove(&self, r: &ResourceRef, origin: &Origin, out: &mut dyn Write) -> CliResult<()> {
        let address = self.resolve_address(&r.address, origin)?;
        let named = self.named_resource(address, super::keyed::ResourcePath::of(r), r.span, origin)?;
        let key = named.key;
        let resources = &self.state.resources;
        let (root, proof, value) = (resources.root(), resources.prove(&key), resources.get(&key));
        let who = match self.state.accounts.name_of(&address) {
            Some(name) => format!("{name} @{address}"),
            None => format!("@{address}"),
        };
        let keyed = r.index.is_some();
        match (value, keyed) {
            (Some(v), false) => say!(out, "proof that {who} holds {}", self.state.code.format_resource(key.ty, v))?,
            (None, false) => say!(out, "proof that {who} holds no {}", self.type_label(key.ty))?,
            (Some(v), true) => say!(out, "proof that {who} anchors {}", self.format_entry(&key, v))?,
            (None, true) => say!(out, "proof that {who} anchors no {}", self.key_name(&key))?,
        }
        let path = key_path(&key);
        say!(out, "  key path {}", hex::encode(path))?;
        for &(at, sibling) in &proof.steps {
            let side = if bit(&path, u16::from(at)) == 0 { "right" } else { "left" };
            say!(out, "  branch at bit {at:>3}: {side:>5} sibling {}", hex::encode(sibling))?;
        }
        match &proof.end {
            ProofEnd::Found => say!(out, "  leaf: this resource, hashed from its key and value")?,
            ProofEnd::Other { key: other, value } => {
                let name = match super::keyed::keyed_entry_name(other) {
                    Some(entry) => entry,
                    None => format!("{} at @{}", self.type_label(other.ty), other.address),
                };
                say!(
                    out,
                    "  leaf: {name} ({} value bytes): the walk for this key ends at another key, so it is absent",
                    value.len()
                )?;
            }
            ProofEnd::Empty => say!(out, "  the state is empty")?,
        }
        match verify_proof(&root, &key, value, &proof) {
            Ok(()) => say!(out, "  verified against the state root {}", hex::encode(root)),
            Err(e) => Err(origin.error(r.span, format!("the proof does not verify (this is a bug): {e}"))),
        }
    }
}
