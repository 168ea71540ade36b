//! The shared-object workloads of `resin bench`: many users calling into
//! one object, built from the examples `token.rsn`, `dao.rsn` and `nft.rsn`
//! (compiled into the binary, so the bench runs from any directory).
//!
//! - `approvals`: the first half of each block is approvals, owner `i`
//!   letting a distinct spender take its tokens (`Allowance@owner[spender]`,
//!   a keyed entry); the second half is each spender's `transfer_from` of
//!   one token from its owner, in the same order. Pairs never share a key,
//!   so the only dependencies are each `transfer_from` on its own approval.
//!   The pairing rotates with the block's seed, so every block approves
//!   other spenders.
//! - `votes`: every transaction of a block is a different voter's vote on
//!   the block's proposal (one proposal per block, opened in setup): a
//!   ballot `Ballot@proposal[voter]` each, and the tallies are counters
//!   whose adds commute, so votes have no dependencies at all.
//! - `mints`: minters into one collection, each a distinct id (distinct
//!   across blocks too), `Token@collection[id]`, counted by a counter: no
//!   dependencies either.
//!
//! With more transactions than accounts, accounts repeat within a block:
//! a repeated voter's second vote aborts (`E_VOTED`) and approvals of a
//! repeated pair overwrite each other; give `--accounts` at least `--txs`
//! (the defaults are equal).

use resin_lang::SourceFile;
use resin_scheduler::ParallelExecutor;
use resin_state::store::ResourceStore;
use resin_vm::{AccountAddress, CodeCache, ModuleId, Transaction, Value};

use super::{apply_setup, other, FUNDING};
use crate::error::{CliError, CliResult};
use crate::workload::{coin_call, SplitMix64};

/// The example modules, as the bench compiles them.
const SOURCES: [(&str, &str); 3] = [
    ("examples/token.rsn", include_str!("../../examples/token.rsn")),
    ("examples/dao.rsn", include_str!("../../examples/dao.rsn")),
    ("examples/nft.rsn", include_str!("../../examples/nft.rsn")),
];

/// What an approval allows: more than any block takes, so a pair that
/// repeats in a block (more transactions than accounts) still succeeds.
const ALLOWANCE: u64 = 1 << 30;

/// The URI of every minted token: a few bytes, as a real one would be.
const URI: &[u8] = b"resin://nft";

/// Proposal `b` lives at `PROPOSALS + b`, the collection at `COLLECTION`:
/// far above the accounts (`0x1_0000 + i`, at most ten million of them).
const PROPOSALS: u64 = 0xda0_0000_0000;
const COLLECTION: u64 = 0x4f7_0000_0000;

/// The shared objects, opened, and the accounts that call them.
pub struct SharedSetup {
    pub code: CodeCache,
    pub funded: ResourceStore,
    token: ModuleId,
    dao: ModuleId,
    nft: ModuleId,
    addresses: Vec<AccountAddress>,
    proposals: Vec<AccountAddress>,
    collection: AccountAddress,
}

/// Compiles the example modules and publishes them (found by name, so the
/// bench follows them to whatever address they are written at).
fn publish_examples(code: &mut CodeCache) -> CliResult<(ModuleId, ModuleId, ModuleId)> {
    let files: Vec<_> = SOURCES.iter().map(|(name, text)| SourceFile::new(*name, *text)).collect();
    let result = resin_lang::compile(&files, &[]);
    if result.diagnostics.has_errors() {
        return Err(CliError::Other(format!(
            "bench setup: the shared-object examples do not compile:\n{}",
            result.diagnostics.render(&files)
        )));
    }
    let mut ids = Vec::new();
    for m in result.modules {
        if let Some(id) = m.module.self_id() {
            ids.push(id.clone());
        }
        code.publish(m.module)
            .map_err(|e| CliError::Other(format!("bench setup: an example module does not load: {e}")))?;
    }
    let find = |name: &str| {
        ids.iter()
            .find(|id| id.name == name)
            .cloned()
            .ok_or_else(|| CliError::Other(format!("bench setup: the examples have no module `{name}`")))
    };
    Ok((find("token")?, find("dao")?, find("nft")?))
}

/// Publishes the examples and opens their objects: the token's supply
/// counter, one proposal per block, the collection; with `approvals`, every
/// account registered and funded in the token.
pub fn setup(accounts: u64, blocks: u64, approvals: bool, threads: usize) -> CliResult<SharedSetup> {
    let mut code = CodeCache::new();
    let (token, dao, nft) = publish_examples(&mut code)?;
    let addresses: Vec<AccountAddress> = (0..accounts).map(|i| AccountAddress::from_u64(0x1_0000 + i)).collect();
    let proposals: Vec<AccountAddress> = (0..blocks).map(|b| AccountAddress::from_u64(PROPOSALS + b)).collect();
    let collection = AccountAddress::from_u64(COLLECTION);
    // The token's supply counter lives at its issuer, the module's address.
    let issuer = token.address;
    let mut steps: Vec<(&str, Vec<Transaction>)> = vec![
        ("token::init", vec![coin_call(&token, "init", issuer, Vec::new())]),
        (
            "dao::propose",
            proposals.iter().map(|p| coin_call(&dao, "propose", *p, vec![Value::U64(u64::MAX)])).collect(),
        ),
        ("nft::create", vec![coin_call(&nft, "create", collection, vec![Value::U64(u64::MAX)])]),
    ];
    if approvals {
        steps.push(("token::register", addresses.iter().map(|a| coin_call(&token, "register", *a, vec![])).collect()));
        let mint = addresses.iter().map(|a| coin_call(&token, "mint", *a, vec![Value::U64(FUNDING)])).collect();
        steps.push(("token::mint", mint));
    }
    let mut state = ResourceStore::new();
    let mut executor = ParallelExecutor::new(threads).map_err(other)?;
    for (what, block) in steps {
        apply_setup(&mut executor, &code, &mut state, what, block)?;
    }
    Ok(SharedSetup { code, funded: state, token, dao, nft, addresses, proposals, collection })
}

impl SharedSetup {
    /// `(owner, spender)` of approval `i` in the block with `seed`: owners
    /// from the first half of the accounts, spenders from the second,
    /// paired by a rotation the seed picks.
    fn pair(&self, i: u64, seed: u64) -> (AccountAddress, AccountAddress) {
        let half = (self.addresses.len() as u64 / 2).max(1);
        let owner = self.addresses[(i % half) as usize];
        let spender = self.addresses[(half + i.wrapping_add(seed) % half) as usize % self.addresses.len()];
        (owner, spender)
    }

    /// Approvals, then the approved spenders' `transfer_from`s.
    pub fn approvals(&self, txs: u64, seed: u64) -> Vec<Transaction> {
        let approving = txs.div_ceil(2);
        let mut block = Vec::with_capacity(txs as usize);
        for i in 0..approving {
            let (owner, spender) = self.pair(i, seed);
            block.push(coin_call(&self.token, "approve", owner, vec![Value::Address(spender), Value::U64(ALLOWANCE)]));
        }
        for i in 0..txs - approving {
            let (owner, spender) = self.pair(i, seed);
            let args = vec![Value::Address(owner), Value::Address(spender), Value::U64(1)];
            block.push(coin_call(&self.token, "transfer_from", spender, args));
        }
        block
    }

    /// Block `b`'s votes on proposal `b`, for or against by the seed.
    pub fn votes(&self, txs: u64, b: u64, seed: u64) -> Vec<Transaction> {
        let proposal = self.proposals[b as usize % self.proposals.len()];
        let mut rng = SplitMix64::new(seed);
        let n = self.addresses.len() as u64;
        (0..txs)
            .map(|i| {
                let yes = rng.next_u64() & 1 == 1;
                let voter = self.addresses[(i % n) as usize];
                coin_call(&self.dao, "vote", voter, vec![Value::Address(proposal), Value::Bool(yes)])
            })
            .collect()
    }

    /// Block `b`'s mints: ids `b * txs ..`, so no id is minted twice.
    pub fn mints(&self, txs: u64, b: u64) -> Vec<Transaction> {
        let n = self.addresses.len() as u64;
        let uri = Value::Bytes(URI.to_vec());
        (0..txs)
            .map(|i| {
                let minter = self.addresses[(i % n) as usize];
                let id = b.saturating_mul(txs).saturating_add(i);
                coin_call(&self.nft, "mint", minter, vec![Value::Address(self.collection), Value::U64(id), uri.clone()])
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup_for_tests(accounts: u64) -> SharedSetup {
        setup(accounts, 2, true, 2).unwrap()
    }

    #[test]
    fn approval_pairs_are_distinct_and_each_transfer_from_follows_its_approval() {
        let s = setup_for_tests(20);
        let block = s.approvals(20, 3);
        assert_eq!(block.len(), 20);
        let (approvals, transfers) = block.split_at(10);
        let pairs: std::collections::HashSet<_> = approvals
            .iter()
            .map(|tx| {
                assert_eq!(tx.function, "approve");
                (tx.sender, tx.args[0].clone())
            })
            .collect();
        assert_eq!(pairs.len(), 10, "distinct owners and spenders");
        for (a, t) in approvals.iter().zip(transfers) {
            assert_eq!(t.function, "transfer_from");
            assert_eq!(Value::Address(t.sender), a.args[0], "the approved spender sends it");
            assert_eq!(t.args[0], Value::Address(a.sender), "from its owner");
        }
        assert_ne!(s.approvals(20, 4)[0].args[0], block[0].args[0], "the seed rotates the spenders");
    }

    #[test]
    fn votes_and_mints_use_distinct_voters_and_ids() {
        let s = setup_for_tests(8);
        let votes = s.votes(8, 1, 9);
        let voters: std::collections::BTreeSet<_> = votes.iter().map(|tx| tx.sender).collect();
        assert_eq!(voters.len(), 8);
        assert!(votes.iter().all(|tx| tx.args[0] == Value::Address(s.proposals[1])));
        let ids: std::collections::HashSet<_> =
            (0..3).flat_map(|b| s.mints(8, b)).map(|tx| tx.args[1].clone()).collect();
        assert_eq!(ids.len(), 24, "no id minted twice across blocks");
    }
}
