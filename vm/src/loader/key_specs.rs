//! Finding a keyed entry's address among a transaction's declared keys,
//! without hashing, when the keys were instantiated from the very access
//! spec and arguments the transaction runs with.
//!
//! A keyed instruction names its entry by anchor and index, and the VM
//! derives the entry's address from them: a blake3 hash, about 600
//! instructions, paid once per entry and transaction (`Machine`'s memo
//! spares the second instruction on one entry). The key instantiation
//! before the run derived the same address from the same anchor and index,
//! as the entry function's spec names them in the transaction's arguments
//! ([`super::keys::instantiate_into`]). So where every keyed access of the
//! entry's type in the spec names exactly the anchor and index the
//! instruction gives, the one exact declared key of that type is at the
//! address the hash would give, and is taken from there. Anything else
//! (an anchor or index the spec builds or derives, a type-wide access, an
//! instruction on another entry) finds nothing here, and the VM hashes as
//! before: this only decides how the address is found, never which.

use super::keys::{named_address, param, Signers};
use super::ResolvedAccess;
use resin_format::file_format::{AccountAddress, IndexSource};
use resin_state::keys::{AccessKey, DeclaredKeys, TypeId};
use resin_state::value::Value;

/// An entry function's access spec (its instance's, when generic) and the
/// call it was instantiated for: who signs and the arguments after the
/// leading signers. Only an executor whose declared keys were instantiated
/// from exactly this (`crate::execute_resolved`'s contract) may give it to
/// the VM.
#[derive(Clone, Copy, Debug)]
pub(crate) struct KeySpecs<'a> {
    pub access: &'a [ResolvedAccess],
    pub signers: usize,
    pub who: Signers<'a>,
    pub args: &'a [Value],
}

impl KeySpecs<'_> {
    /// The address of the entry `ty@anchor[index]` as `keys` (instantiated
    /// from these specs) hold it; `None` when that cannot be told without
    /// building or hashing something, and the caller derives it.
    pub(crate) fn declared_entry(
        &self,
        ty: TypeId,
        anchor: &AccountAddress,
        index: &Value,
        keys: &DeclaredKeys,
    ) -> Option<AccountAddress> {
        let mut named = false;
        for access in self.access.iter().filter(|a| a.ty == ty) {
            let source = access.index.as_ref()?;
            if named_address(&access.address, self.signers, self.who, self.args)? != *anchor
                || !self.names_index(source, index)?
            {
                return None;
            }
            named = true;
        }
        if !named {
            return None;
        }
        // Every keyed access of `ty` named this one entry, so the keys hold
        // exactly one exact key of `ty`, at its derived address.
        let mut exact = keys.0.iter().filter_map(|k| match &k.key {
            AccessKey::Exact(key) if key.ty == ty => Some(key.address),
            _ => None,
        });
        let address = exact.next()?;
        exact.next().is_none().then_some(address)
    }

    /// Whether `index` is the index `source` names, when that can be told
    /// without building it: a parameter's value (equal values have equal
    /// canonical bytes, which is what the address is derived from) or a
    /// signer's address. `None` for a constant or a struct of fields.
    fn names_index(&self, source: &IndexSource, index: &Value) -> Option<bool> {
        match source {
            IndexSource::Param(i) => param(self.args, self.signers, *i).map(|arg| arg == index),
            IndexSource::SignerOf(i) if usize::from(*i) < self.signers => {
                Some(matches!(index, Value::Address(a) if *a == self.who.address(usize::from(*i))))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use resin_format::file_format::{AccessMode, AddressSource, ModuleId};
    use resin_state::keys::{derive_keyed_address, KeyAccess, ResourceKey};

    const ENTRY: TypeId = TypeId(7);
    const OTHER: TypeId = TypeId(8);

    fn addr(n: u64) -> AccountAddress {
        AccountAddress::from_u64(n)
    }

    fn keyed(address: AddressSource<ModuleId>, index: IndexSource) -> ResolvedAccess {
        ResolvedAccess { mode: AccessMode::Write, ty: ENTRY, address, index: Some(index) }
    }

    /// Exact keys at the given addresses, of `ENTRY`.
    fn keys(addresses: &[AccountAddress]) -> DeclaredKeys {
        DeclaredKeys(
            addresses
                .iter()
                .map(|&address| KeyAccess {
                    mode: AccessMode::Write,
                    key: AccessKey::Exact(ResourceKey { address, ty: ENTRY }),
                })
                .collect(),
        )
    }

    /// A call signed by 0xA with `args` after its one signer.
    fn specs<'a>(access: &'a [ResolvedAccess], args: &'a [Value]) -> KeySpecs<'a> {
        KeySpecs { access, signers: 1, who: Signers::sender(addr(0xA)), args }
    }

    #[test]
    fn an_entry_the_spec_names_is_taken_from_the_keys() {
        let args = [Value::Address(addr(0xB)), Value::U64(3)];
        let at = derive_keyed_address(&addr(0xB), &Value::U64(3));
        let declared = keys(&[at]);
        // `Entry@b[i]`, twice (a read and a write of one entry are one key).
        let named = || keyed(AddressSource::Param(1), IndexSource::Param(2));
        let access = [named(), named()];
        assert_eq!(specs(&access, &args).declared_entry(ENTRY, &addr(0xB), &Value::U64(3), &declared), Some(at));
        // Another index, another anchor, another type: not this entry.
        assert_eq!(specs(&access, &args).declared_entry(ENTRY, &addr(0xB), &Value::U64(4), &declared), None);
        assert_eq!(specs(&access, &args).declared_entry(ENTRY, &addr(0xC), &Value::U64(3), &declared), None);
        assert_eq!(specs(&access, &args).declared_entry(OTHER, &addr(0xB), &Value::U64(3), &declared), None);
        // The signer's address as the anchor and as the index.
        let signer = derive_keyed_address(&addr(0xA), &Value::Address(addr(0xA)));
        let access = [keyed(AddressSource::SignerOf(0), IndexSource::SignerOf(0))];
        let found =
            specs(&access, &args).declared_entry(ENTRY, &addr(0xA), &Value::Address(addr(0xA)), &keys(&[signer]));
        assert_eq!(found, Some(signer));
        // A constant anchor.
        let access = [keyed(AddressSource::Const(addr(0xB)), IndexSource::Param(2))];
        assert_eq!(specs(&access, &args).declared_entry(ENTRY, &addr(0xB), &Value::U64(3), &declared), Some(at));
    }

    #[test]
    fn anything_the_spec_does_not_name_alone_is_left_to_the_hash() {
        let args = [Value::U64(3), Value::U64(4)];
        let (three, four) = (Value::U64(3), Value::U64(4));
        let declared = keys(&[derive_keyed_address(&addr(0xA), &three), derive_keyed_address(&addr(0xA), &four)]);
        // Two entries of the type (`Entry@s[i]`, `Entry@s[j]`): which key is
        // which would take the hash.
        let two = [
            keyed(AddressSource::SignerOf(0), IndexSource::Param(1)),
            keyed(AddressSource::SignerOf(0), IndexSource::Param(2)),
        ];
        for index in [&three, &four] {
            assert_eq!(specs(&two, &args).declared_entry(ENTRY, &addr(0xA), index, &declared), None);
        }
        // Every entry of the type, or at every address.
        let one = keys(&[derive_keyed_address(&addr(0xA), &three)]);
        for access in
            [keyed(AddressSource::SignerOf(0), IndexSource::Any), keyed(AddressSource::Any, IndexSource::Param(1))]
        {
            assert_eq!(specs(&[access], &args).declared_entry(ENTRY, &addr(0xA), &three, &one), None);
        }
        // One spec, but keys holding two exact entries of the type (keys not
        // instantiated from it): no guess.
        let access = [keyed(AddressSource::SignerOf(0), IndexSource::Param(1))];
        assert_eq!(specs(&access, &args).declared_entry(ENTRY, &addr(0xA), &three, &declared), None);
        // A parameter that is not there (an unverified spec).
        let access = [keyed(AddressSource::SignerOf(0), IndexSource::Param(9))];
        assert_eq!(specs(&access, &args).declared_entry(ENTRY, &addr(0xA), &three, &one), None);
        // No keyed spec of the type at all.
        assert_eq!(specs(&[], &args).declared_entry(ENTRY, &addr(0xA), &three, &one), None);
    }
}
