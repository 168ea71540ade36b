//! `transfers N between M accounts`: a generated block of coin transfers, so
//! a script can run a block big enough to measure.

use std::io::Write;

use resin_vm::{declared_keys, AccessKey, AccountAddress, ModuleId, Transaction, Value};

use super::calls::DEFAULT_GAS;
use super::commands::say;
use super::{derived_address, Origin, Session};
use crate::error::CliResult;
use crate::script::ast::{ModuleRef, Span, TransfersSpec};
use crate::store::Changes;

/// SplitMix64: a tiny, fast, well-distributed generator. The same seed gives
/// the same block on every machine.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0), by Lemire's multiply-shift.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }
}

/// The coin-shaped entry functions the generator calls.
pub const COIN_FUNCTIONS: [&str; 3] = ["register", "mint", "transfer"];

/// `count` transfers between `accounts`: random distinct sender and
/// receiver, or every transfer to `accounts[0]` when `hot`.
pub fn transfer_block(
    module: &ModuleId,
    accounts: &[AccountAddress],
    count: u64,
    amount: u64,
    seed: u64,
    hot: bool,
) -> Vec<Transaction> {
    let mut rng = SplitMix64::new(seed);
    let n = accounts.len() as u64;
    (0..count)
        .map(|_| {
            let (from, to) = if hot {
                (1 + rng.below(n - 1), 0)
            } else {
                let from = rng.below(n);
                // A receiver other than the sender.
                let to = (from + 1 + rng.below(n - 1)) % n;
                (from, to)
            };
            Transaction {
                sender: accounts[from as usize],
                module: module.clone(),
                function: "transfer".into(),
                args: vec![Value::Address(accounts[to as usize]), Value::U64(amount)],
                gas_limit: DEFAULT_GAS,
            }
        })
        .collect()
}

/// A transaction calling `module::function` as `sender`.
pub fn coin_call(module: &ModuleId, function: &str, sender: AccountAddress, args: Vec<Value>) -> Transaction {
    Transaction { sender, module: module.clone(), function: function.into(), args, gas_limit: DEFAULT_GAS }
}

impl Session {
    pub(super) fn transfers(
        &mut self,
        spec: &TransfersSpec,
        span: Span,
        origin: &Origin,
        out: &mut dyn Write,
    ) -> CliResult<()> {
        let (module_ref, module_span) = match &spec.module {
            Some(m) => (m.node.clone(), m.span),
            None => (ModuleRef::Qualified(ModuleId::new(AccountAddress::from_u64(1), "coin")), span),
        };
        let module = self.resolve_module(&module_ref, module_span, origin).map_err(|_| {
            origin.error(module_span, "`transfers` needs a coin module: publish one first (`publish stdlib coin`)")
        })?;
        for function in COIN_FUNCTIONS {
            if self.state.code.entry_signature(&module, function).is_none() {
                return Err(origin.error(module_span, format!("{module} has no entry function `{function}`")));
            }
        }
        let names: Vec<String> = (0..spec.accounts).map(|i| format!("user{i}")).collect();
        let mut addresses = Vec::with_capacity(names.len());
        let mut new_accounts = Vec::new();
        for name in &names {
            match self.state.accounts.get(name) {
                Some(a) => addresses.push(*a),
                None => {
                    let a = derived_address(name);
                    new_accounts.push((name.clone(), a));
                    addresses.push(a);
                }
            }
        }
        if !new_accounts.is_empty() {
            let mut next = self.state.clone();
            for (name, address) in &new_accounts {
                next.accounts.insert(name.clone(), *address);
            }
            self.commit(next, Changes { accounts: new_accounts.clone(), ..Changes::default() })?;
        }
        // Register and fund the accounts that have no balance yet: the
        // resource `register` writes is whatever its access set names.
        let unregistered: Vec<AccountAddress> =
            addresses.iter().copied().filter(|a| !self.is_registered(&module, *a)).collect();
        if !unregistered.is_empty() {
            let funding = spec.amount.saturating_mul(spec.txs).max(1);
            let register: Vec<Transaction> =
                unregistered.iter().map(|a| coin_call(&module, "register", *a, Vec::new())).collect();
            let mint: Vec<Transaction> =
                unregistered.iter().map(|a| coin_call(&module, "mint", *a, vec![Value::U64(funding)])).collect();
            let mut sink = std::io::sink();
            self.run_block(register, "registering", false, &mut sink)?;
            self.expect_all_succeeded(span, origin, "registering the accounts")?;
            self.run_block(mint, "funding", false, &mut sink)?;
            self.expect_all_succeeded(span, origin, "funding the accounts")?;
            say!(
                out,
                "setup: {} new account{} user0..user{}, registered and funded with {funding} each",
                unregistered.len(),
                if unregistered.len() == 1 { "" } else { "s" },
                spec.accounts - 1
            )?;
        }
        let block = transfer_block(&module, &addresses, spec.txs, spec.amount, spec.seed, spec.hot);
        let what = if spec.hot { "hot-key transfers" } else { "transfers" };
        say!(
            out,
            "{what}: {} random transfers of {} between {} accounts (seed {})",
            spec.txs,
            spec.amount,
            spec.accounts,
            spec.seed
        )?;
        // The header shows before a long block starts.
        out.flush().map_err(crate::commands::stdout_error)?;
        self.run_block(block, what, false, out)
    }

    fn is_registered(&self, module: &ModuleId, address: AccountAddress) -> bool {
        let tx = coin_call(module, "register", address, Vec::new());
        let Ok(keys) = declared_keys(&self.state.code, &tx) else { return false };
        keys.0.iter().any(|k| match k.key {
            AccessKey::Exact(key) => self.state.resources.get(&key).is_some(),
            AccessKey::AnyOf(_) => false,
        })
    }

    fn expect_all_succeeded(&self, span: Span, origin: &Origin, what: &str) -> CliResult<()> {
        let Some(last) = &self.last else { return Ok(()) };
        match last.receipts.iter().find(|r| !r.status.is_success()) {
            Some(r) => Err(origin.error(span, format!("{what} failed: {}", super::expect::status_words(&r.status)))),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generator_is_deterministic_and_never_self_transfers() {
        let accounts: Vec<AccountAddress> = (0..5).map(AccountAddress::from_u64).collect();
        let module = ModuleId::new(AccountAddress::from_u64(1), "coin");
        let a = transfer_block(&module, &accounts, 1000, 3, 7, false);
        let b = transfer_block(&module, &accounts, 1000, 3, 7, false);
        assert_eq!(a, b);
        assert_ne!(a, transfer_block(&module, &accounts, 1000, 3, 8, false));
        for tx in &a {
            assert_ne!(Value::Address(tx.sender), tx.args[0]);
        }
        let hot = transfer_block(&module, &accounts, 100, 1, 1, true);
        assert!(hot.iter().all(|tx| tx.args[0] == Value::Address(accounts[0]) && tx.sender != accounts[0]));
    }

    #[test]
    fn below_stays_in_range() {
        let mut rng = SplitMix64::new(1);
        let mut seen = [false; 7];
        for _ in 0..1000 {
            let v = rng.below(7);
            seen[v as usize] = true;
        }
        assert!(seen.iter().all(|s| *s));
    }
}
