//! The session's account names, both ways: a name's address, and the name
//! an address is shown by. Receipts name their senders and the addresses
//! they pass, so the second way is asked for every receipt printed; a scan
//! of every name made `resin run --json` quadratic in a session's accounts
//! (minutes for a block of 8,200 transfers among 40,000 accounts).

use resin_vm::AccountAddress;

/// Every clone is O(1), as `undo` needs.
#[derive(Clone, Default)]
pub struct Accounts {
    by_name: imbl::OrdMap<String, AccountAddress>,
    /// The first name in name order bound to each address. Names are never
    /// unbound (`undo` restores a whole earlier value), so the first one
    /// only ever moves to a name inserted later.
    first_name: imbl::HashMap<AccountAddress, String>,
}

impl Accounts {
    /// Binds `name` to `address` (a name already bound is rebound).
    pub fn insert(&mut self, name: String, address: AccountAddress) {
        if let Some(old) = self.by_name.insert(name.clone(), address) {
            if old != address {
                // Never done by the commands, which refuse a rebinding; kept
                // exact anyway by finding the old address's first name again.
                let first = self.by_name.iter().find(|(_, a)| **a == old).map(|(n, _)| n.clone());
                match first {
                    Some(first) => self.first_name.insert(old, first),
                    None => self.first_name.remove(&old),
                };
            }
        }
        match self.first_name.get(&address) {
            Some(first) if *first <= name => {}
            _ => {
                self.first_name.insert(address, name);
            }
        }
    }

    pub fn get(&self, name: &str) -> Option<AccountAddress> {
        self.by_name.get(name).copied()
    }

    /// The name `address` is shown by: the first in name order bound to it.
    pub fn name_of(&self, address: &AccountAddress) -> Option<String> {
        self.first_name.get(address).cloned()
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// Every name with its address, in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &AccountAddress)> {
        self.by_name.iter()
    }

    pub fn names(&self) -> impl Iterator<Item = &String> {
        self.by_name.keys()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_shown_by_its_first_name_in_name_order() {
        let (a, b) = (AccountAddress::from_u64(1), AccountAddress::from_u64(2));
        let mut accounts = Accounts::default();
        accounts.insert("mallory".into(), a);
        accounts.insert("bob".into(), b);
        accounts.insert("alice".into(), a);
        accounts.insert("zed".into(), a);
        assert_eq!(accounts.name_of(&a).as_deref(), Some("alice"));
        assert_eq!(accounts.name_of(&b).as_deref(), Some("bob"));
        assert_eq!(accounts.name_of(&AccountAddress::from_u64(3)), None);
        // Rebinding the first name moves it on to the next one.
        accounts.insert("alice".into(), b);
        assert_eq!(accounts.name_of(&a).as_deref(), Some("mallory"));
        assert_eq!(accounts.name_of(&b).as_deref(), Some("alice"));
        let names: Vec<&String> = accounts.names().collect();
        assert_eq!(names, ["alice", "bob", "mallory", "zed"]);
        // As a scan of every name in order would find them.
        for address in [a, b] {
            let scanned = accounts.iter().find(|(_, x)| **x == address).map(|(n, _)| n.clone());
            assert_eq!(accounts.name_of(&address), scanned);
        }
    }
}
