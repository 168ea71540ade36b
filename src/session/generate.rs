//! `transfers N between M accounts`: a generated block of coin transfers, so
//! a script can run a block big enough to measure.

use std::io::Write;

use resin_vm::{declared_keys, AccessKey, AccountAddress, ModuleId, Transaction, Value};

use super::commands::say;
use super::{derived_address, Origin, Session};
use crate::error::CliResult;
use crate::script::ast::{ModuleRef, Span, TransfersSpec};
use crate::workload::{coin_call, transfer_block, COIN_FUNCTIONS};
use resin_state::persist::Changes;

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
                Some(a) => addresses.push(a),
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
            let mut sink = std::io::sink();
            let out: &mut dyn Write = if self.json { &mut sink } else { out };
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
        let mut sink = std::io::sink();
        let header: &mut dyn Write = if self.json { &mut sink } else { out };
        say!(
            header,
            "{what}: {} random transfers of {} between {} accounts (seed {})",
            spec.txs,
            spec.amount,
            spec.accounts,
            spec.seed
        )?;
        // The header shows before a long block starts.
        out.flush().map_err(crate::output::stdout_error)?;
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
            Some(r) => Err(origin.error(span, format!("{what} failed: {}", self.status_sentence(&r.status)))),
            None => Ok(()),
        }
    }
}
