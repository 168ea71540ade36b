//! The standard library's workloads of `resin bench`: what people deploy,
//! on the modules at `0x1`, set up (untimed) on one state:
//!
//! - `transfers`: uniform random transfers of `0x1::currency::Coin<USD>`
//!   between distinct accounts (`USD` is a currency the bench publishes
//!   at `0x2::assets` and initialises, every account registered and funded
//!   by the issuer's `mint`);
//! - `hot`: the same transfers with senders and recipients both drawn by
//!   Zipf's law of exponent `--zipf` (account 0 the hottest);
//! - `nft`: half mints of fresh ids into [`COLLECTIONS`] collections, half
//!   transfers of tokens minted in setup (one per account), each by its
//!   owner at that point of the run;
//! - `amm`: swaps over `--pools` constant-product pools, each of a pair of
//!   the bench's currencies, created and funded in setup; each account
//!   trades in one pool, in a random direction;
//! - `dao`: votes on [`PROPOSALS_PER_BLOCK`] proposals a block (opened in
//!   setup), each voter once per proposal;
//! - `mixed`: a quarter each of transfers, nft, amm and dao, interleaved.
//!
//! Every workload starts from the same funded state, so their blocks are
//! generated independently of each other; block `b` with seed `seed` is
//! the same on every machine.

use resin_lang::SourceFile;
use resin_scheduler::ParallelExecutor;
use resin_state::keys::object_address;
use resin_state::store::ResourceStore;
use resin_state::type_tag::{StructTag, TypeTag};
use resin_vm::{AccountAddress, CodeCache, ModuleId, Transaction, Value};

use super::{apply_setup, other, stdlib_code, FUNDING};
use crate::cli::BenchArgs;
use crate::error::{CliError, CliResult};
use crate::workload::{coin_call, in_currencies, pattern_block, zipf_block, Pattern, SplitMix64, ZipfIndex};

/// A workload of the standard library's modules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Transfers,
    Hot,
    Nft,
    Amm,
    Dao,
    Mixed,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Transfers => "transfers",
            Kind::Hot => "hot",
            Kind::Nft => "nft",
            Kind::Amm => "amm",
            Kind::Dao => "dao",
            Kind::Mixed => "mixed",
        }
    }

    /// The parts of the setup a workload needs.
    fn needs(self) -> Needs {
        let only = |f: fn(&mut Needs)| {
            let mut n = Needs::default();
            f(&mut n);
            n
        };
        match self {
            Kind::Transfers | Kind::Hot => only(|n| n.usd = true),
            Kind::Nft => only(|n| n.nft = true),
            Kind::Amm => only(|n| n.amm = true),
            Kind::Dao => only(|n| n.dao = true),
            Kind::Mixed => Needs { usd: true, nft: true, amm: true, dao: true },
        }
    }
}

/// Which parts of the state setup builds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Needs {
    usd: bool,
    nft: bool,
    amm: bool,
    dao: bool,
}

/// What the setup and the generators need from the command line.
pub struct Params {
    accounts: u64,
    txs: u64,
    blocks: u64,
    zipf: f64,
    pools: u64,
    needs: Needs,
}

impl Params {
    pub fn new(args: &BenchArgs, kinds: &[Kind]) -> Params {
        let mut needs = Needs::default();
        for k in kinds {
            let n = k.needs();
            needs.usd |= n.usd;
            needs.nft |= n.nft;
            needs.amm |= n.amm;
            needs.dao |= n.dao;
        }
        Params {
            accounts: args.accounts,
            txs: args.txs,
            blocks: super::run_blocks(args),
            zipf: args.zipf,
            pools: u64::from(args.pools),
            needs,
        }
    }
}

/// The collections of `nft`.
pub const COLLECTIONS: u64 = 16;

/// The proposals each block of `dao` votes on.
pub const PROPOSALS_PER_BLOCK: u64 = 4;

/// The address of the bench's currencies, and of their issuer.
const ASSETS: u64 = 2;

/// What each trader puts into a swap, and what each pool starts with of
/// either side: deep pools, so that no swap's output rounds to nothing.
const SWAP_IN: u64 = 1_000;
const POOL_DEPTH: u64 = 1 << 40;

/// The URI of every minted token: a few bytes, as a real one would be.
const URI: &[u8] = b"resin://bench";

/// The fewest currencies whose distinct pairs number at least `pools`.
fn currencies_for(pools: u64) -> u64 {
    let mut m = 2;
    while m * (m - 1) / 2 < pools {
        m += 1;
    }
    m
}

/// Pool `p`'s pair of currency indices `(x, y)`, `x < y`: the pairs of
/// `0..m` in order (0-1, 0-2, ..., 1-2, ...).
fn pair(p: u64, m: u64) -> (u64, u64) {
    let mut left = p;
    for x in 0..m {
        let row = m - 1 - x;
        if left < row {
            return (x, x + 1 + left);
        }
        left -= row;
    }
    (0, 1)
}

/// `0x2::assets`: `USD` and the pool currencies `A0..A{m-1}`, each a
/// witness type with an entry function that initialises it in
/// `0x1::currency` with the sender as issuer (capabilities kept).
fn assets_source(m: u64) -> String {
    let mut names = vec!["USD".to_string()];
    names.extend((0..m).map(|i| format!("A{i}")));
    let mut text = String::from(
        "/// The bench's currencies: witness types for `0x1::currency`.\nmodule 0x2::assets {\n    use 0x1::currency;\n",
    );
    for n in &names {
        text.push_str(&format!(
            "\n    struct {n} has drop {{}}\n\n    public entry fun init_{n}(issuer: &signer) {{\n        \
             currency::initialize_stored<{n}>(issuer, {n} {{}});\n    }}\n"
        ));
    }
    text.push_str("}\n");
    text
}

fn asset(name: &str) -> TypeTag {
    let module = ModuleId::new(AccountAddress::from_u64(ASSETS), "assets");
    TypeTag::Struct(Box::new(StructTag::new(module, name, Vec::new())))
}

/// The prepared state and what the generators need.
pub struct SuiteSetup {
    pub code: CodeCache,
    pub funded: ResourceStore,
    txs: u64,
    addresses: Vec<AccountAddress>,
    currency: ModuleId,
    nft: ModuleId,
    amm: ModuleId,
    dao: ModuleId,
    usd: TypeTag,
    zipf: Option<ZipfIndex>,
    /// The collections' creators and addresses. Setup minted token `t`
    /// (`t` below the number of accounts) to account `t`, in collection
    /// `t % COLLECTIONS`.
    collections: Vec<(AccountAddress, AccountAddress)>,
    /// Each pool's currencies and address.
    pools: Vec<(TypeTag, TypeTag, AccountAddress)>,
    /// Proposal `b * PROPOSALS_PER_BLOCK + i` is block `b`'s `i`th.
    proposals: Vec<AccountAddress>,
}

/// The proposer of every proposal, collections' creators at
/// `COLLECTION_BASE + i`, pools' creators at `POOL_BASE + i` (each pool at
/// the address `0x1::amm` derives from its creator and `POOL_SEED`): far
/// above the accounts (`0x1_0000 + i`, at most ten million of them).
const PROPOSER: u64 = 0xda0_0000_0000;
const POOL_SEED: &[u8] = b"bench pool";
const COLLECTION_SEED: &[u8] = b"bench collection";
const COLLECTION_BASE: u64 = 0x4f7_0000_0000;
const POOL_BASE: u64 = 0xa33_0000_0000;

/// A `vector<u8>` argument.
fn bytes(b: &[u8]) -> Value {
    Value::Bytes(b.to_vec())
}

/// A call with type arguments.
fn generic_call(
    module: &ModuleId,
    function: &str,
    sender: AccountAddress,
    type_args: Vec<TypeTag>,
    args: Vec<Value>,
) -> Transaction {
    Transaction { type_args, ..coin_call(module, function, sender, args) }
}

pub fn setup(p: &Params, threads: usize) -> CliResult<SuiteSetup> {
    let mut code = stdlib_code()?;
    let stdlib = resin_stdlib::modules().map_err(other)?;
    let m = if p.needs.amm { currencies_for(p.pools) } else { 0 };
    let source = assets_source(m);
    let files = [SourceFile::new("<bench>/assets.rsn", source.as_str())];
    let compiled = resin_lang::compile(&files, stdlib);
    if compiled.diagnostics.has_errors() {
        return Err(CliError::Other(format!(
            "bench setup: the bench's currencies do not compile:\n{}",
            compiled.diagnostics.render(&files)
        )));
    }
    for module in compiled.modules {
        code.publish(module.module)
            .map_err(|e| CliError::Other(format!("bench setup: the bench's currencies do not load: {e}")))?;
    }
    let at_0x1 = |name: &str| ModuleId::new(AccountAddress::from_u64(1), name);
    let assets = ModuleId::new(AccountAddress::from_u64(ASSETS), "assets");
    let issuer = AccountAddress::from_u64(ASSETS);
    let mut s = SuiteSetup {
        code,
        funded: ResourceStore::new(),
        txs: p.txs,
        addresses: (0..p.accounts).map(|i| AccountAddress::from_u64(0x1_0000 + i)).collect(),
        currency: at_0x1("currency"),
        nft: at_0x1("nft"),
        amm: at_0x1("amm"),
        dao: at_0x1("dao"),
        usd: asset("USD"),
        zipf: None,
        collections: Vec::new(),
        pools: Vec::new(),
        proposals: Vec::new(),
    };
    let mut state = ResourceStore::new();
    let mut ex = ParallelExecutor::new(threads).map_err(other)?;
    let code = &s.code;
    // Initialise the currencies.
    let mut names = vec!["USD".to_string()];
    names.extend((0..m).map(|i| format!("A{i}")));
    let init = names.iter().map(|n| coin_call(&assets, &format!("init_{n}"), issuer, Vec::new())).collect();
    apply_setup(&mut ex, code, &mut state, "initialising the currencies", init)?;
    let register_and_fund = |ex: &mut ParallelExecutor,
                             state: &mut ResourceStore,
                             who: &[(AccountAddress, TypeTag, u64)]|
     -> CliResult<()> {
        let register = who
            .iter()
            .map(|(a, t, _)| generic_call(&s.currency, "register", *a, vec![t.clone()], Vec::new()))
            .collect();
        apply_setup(ex, code, state, "currency::register", register)?;
        let mint = who
            .iter()
            .map(|(a, t, amount)| {
                generic_call(
                    &s.currency,
                    "mint",
                    issuer,
                    vec![t.clone()],
                    vec![Value::Address(*a), Value::U64(*amount)],
                )
            })
            .collect();
        apply_setup(ex, code, state, "currency::mint", mint)
    };
    if p.needs.usd {
        let who: Vec<_> = s.addresses.iter().map(|a| (*a, s.usd.clone(), FUNDING)).collect();
        register_and_fund(&mut ex, &mut state, &who)?;
        s.zipf = Some(ZipfIndex::new(p.accounts, p.zipf).map_err(CliError::Other)?);
    }
    if p.needs.amm {
        // Pool `k`: its creator at POOL_BASE + k funds it with both sides;
        // trader `i` trades in pool `i % pools`, funded in both of its
        // currencies.
        let tags: Vec<TypeTag> = (0..m).map(|i| asset(&format!("A{i}"))).collect();
        let mut who = Vec::new();
        let mut pools = Vec::new();
        for k in 0..p.pools {
            let (x, y) = pair(k, m);
            let creator = AccountAddress::from_u64(POOL_BASE + k);
            who.push((creator, tags[x as usize].clone(), POOL_DEPTH));
            who.push((creator, tags[y as usize].clone(), POOL_DEPTH));
            pools.push((tags[x as usize].clone(), tags[y as usize].clone(), creator));
        }
        for (i, a) in s.addresses.iter().enumerate() {
            let (x, y, _) = &pools[i % pools.len()];
            who.push((*a, x.clone(), FUNDING));
            who.push((*a, y.clone(), FUNDING));
        }
        register_and_fund(&mut ex, &mut state, &who)?;
        let create = pools
            .iter()
            .map(|(x, y, creator)| {
                generic_call(
                    &s.amm,
                    "create_pool",
                    *creator,
                    vec![x.clone(), y.clone()],
                    vec![bytes(POOL_SEED), Value::U64(POOL_DEPTH), Value::U64(POOL_DEPTH)],
                )
            })
            .collect();
        apply_setup(&mut ex, code, &mut state, "amm::create_pool", create)?;
        s.pools =
            pools.into_iter().map(|(x, y, creator)| (x, y, object_address(&s.amm, &creator, POOL_SEED))).collect();
    }
    if p.needs.nft {
        let creators: Vec<AccountAddress> =
            (0..COLLECTIONS).map(|c| AccountAddress::from_u64(COLLECTION_BASE + c)).collect();
        let create = creators
            .iter()
            .map(|c| coin_call(&s.nft, "create_collection", *c, vec![bytes(COLLECTION_SEED), Value::U64(u64::MAX)]))
            .collect();
        apply_setup(&mut ex, code, &mut state, "nft::create_collection", create)?;
        s.collections = creators.iter().map(|c| (*c, object_address(&s.nft, c, COLLECTION_SEED))).collect();
        let mint = (0..p.accounts).map(|t| s.mint(t, s.addresses[t as usize])).collect();
        apply_setup(&mut ex, code, &mut state, "nft::mint", mint)?;
    }
    if p.needs.dao {
        // One creator, a proposal per name; voting never ends, and one
        // vote decides.
        let creator = AccountAddress::from_u64(PROPOSER);
        let names: Vec<Vec<u8>> =
            (0..p.blocks * PROPOSALS_PER_BLOCK).map(|i| format!("proposal {i}").into_bytes()).collect();
        let propose = names
            .iter()
            .map(|name| {
                let args = vec![bytes(name), bytes(b"bench"), Value::U64(u64::MAX), Value::U64(1)];
                coin_call(&s.dao, "propose", creator, args)
            })
            .collect();
        apply_setup(&mut ex, code, &mut state, "dao::propose", propose)?;
        s.proposals = names.iter().map(|name| object_address(&s.dao, &creator, name)).collect();
    }
    s.funded = state;
    Ok(s)
}

impl SuiteSetup {
    /// Block `b` of workload `kind`, generated with `seed`.
    pub fn block(&self, kind: Kind, b: u64, seed: u64) -> Vec<Transaction> {
        let txs = self.txs;
        match kind {
            Kind::Transfers => self.transfers(txs, seed),
            Kind::Hot => self.hot(txs, seed),
            Kind::Nft => self.nfts(txs, b, seed),
            Kind::Amm => self.swaps(txs, seed),
            Kind::Dao => self.votes(txs, b, seed),
            Kind::Mixed => {
                // A quarter each (the first parts one longer where `txs`
                // does not divide), interleaved round-robin.
                let quarter = |i: u64| txs / 4 + u64::from(i < txs % 4);
                let mut parts = [
                    self.transfers(quarter(0), seed).into_iter(),
                    self.nfts(quarter(1), b, seed ^ 1).into_iter(),
                    self.swaps(quarter(2), seed ^ 2).into_iter(),
                    self.votes(quarter(3), b, seed ^ 3).into_iter(),
                ];
                let mut block = Vec::with_capacity(txs as usize);
                while block.len() < txs as usize {
                    for part in &mut parts {
                        block.extend(part.next());
                    }
                }
                block
            }
        }
    }

    fn transfers(&self, count: u64, seed: u64) -> Vec<Transaction> {
        let block = pattern_block(&self.currency, &self.addresses, count, 1, seed, Pattern::P2p);
        in_currencies(block, &self.currency, std::slice::from_ref(&self.usd))
    }

    fn hot(&self, count: u64, seed: u64) -> Vec<Transaction> {
        match &self.zipf {
            Some(zipf) => {
                let block = zipf_block(&self.currency, &self.addresses, count, 1, seed, zipf);
                in_currencies(block, &self.currency, std::slice::from_ref(&self.usd))
            }
            None => Vec::new(),
        }
    }

    /// The creator's mint of token `t` of collection `t % COLLECTIONS` to `to`.
    fn mint(&self, t: u64, to: AccountAddress) -> Transaction {
        let (creator, collection) = self.collections[(t % COLLECTIONS) as usize];
        coin_call(
            &self.nft,
            "mint",
            creator,
            vec![Value::Address(collection), Value::U64(t), Value::Address(to), bytes(URI)],
        )
    }

    /// The owner of setup's token `t` after it has been transferred `k`
    /// times: each transfer passes it a third of the accounts along.
    fn owner(&self, t: u64, k: u64) -> AccountAddress {
        let n = self.addresses.len() as u64;
        let step = (n / 3).max(1);
        let at = (t % n + (k % n) * step % n) % n;
        self.addresses[at as usize]
    }

    /// Half mints of fresh ids (`accounts + b * count + i`, never minted
    /// before; the id picks the collection) to random accounts; half transfers
    /// of setup's tokens, taken in turn across blocks: the `j`th transfer
    /// of the run moves token `j % accounts`, for the `(j / accounts)`th
    /// time, so its owner is known without running the blocks before.
    fn nfts(&self, count: u64, b: u64, seed: u64) -> Vec<Transaction> {
        let n = self.addresses.len() as u64;
        let mut rng = SplitMix64::new(seed);
        let mints = count / 2;
        let transfers = count - mints;
        let mut mint = (0..mints).map(|i| {
            let id = n + b.saturating_mul(count) + i;
            self.mint(id, self.addresses[rng.below(n) as usize])
        });
        let mut transfer = (0..transfers).map(|i| {
            let j = b.saturating_mul(transfers) + i;
            let (t, k) = (j % n, j / n);
            let (_, collection) = self.collections[(t % COLLECTIONS) as usize];
            let args = vec![Value::Address(collection), Value::U64(t), Value::Address(self.owner(t, k + 1))];
            coin_call(&self.nft, "transfer", self.owner(t, k), args)
        });
        // Interleaved, as a chain's mempool would have them.
        let mut block = Vec::with_capacity(count as usize);
        while block.len() < count as usize {
            block.extend(transfer.next());
            block.extend(mint.next());
        }
        block
    }

    /// Each transaction a random trader's swap of `SWAP_IN` in its pool, in
    /// a random direction, with a minimum output of 1.
    fn swaps(&self, count: u64, seed: u64) -> Vec<Transaction> {
        let n = self.addresses.len() as u64;
        let mut rng = SplitMix64::new(seed);
        (0..count)
            .map(|_| {
                let i = rng.below(n);
                let (x, y, pool) = &self.pools[(i as usize) % self.pools.len()];
                let function = if rng.next_u64() & 1 == 0 { "swap_x_to_y" } else { "swap_y_to_x" };
                generic_call(
                    &self.amm,
                    function,
                    self.addresses[i as usize],
                    vec![x.clone(), y.clone()],
                    vec![Value::Address(*pool), Value::U64(SWAP_IN), Value::U64(1)],
                )
            })
            .collect()
    }

    /// Votes of distinct voters on block `b`'s proposals: transaction `i`
    /// is voter `i % accounts` on proposal `(i % accounts + i / accounts)
    /// % PROPOSALS_PER_BLOCK`, so a voter who comes round again (more
    /// transactions than accounts) votes on another proposal. For or
    /// against by the seed.
    fn votes(&self, count: u64, b: u64, seed: u64) -> Vec<Transaction> {
        let n = self.addresses.len() as u64;
        let mut rng = SplitMix64::new(seed);
        let first = (b % (self.proposals.len() as u64 / PROPOSALS_PER_BLOCK).max(1)) * PROPOSALS_PER_BLOCK;
        (0..count)
            .map(|i| {
                let (voter, round) = (i % n, i / n);
                let proposal = self.proposals[(first + (voter + round) % PROPOSALS_PER_BLOCK) as usize];
                let yes = rng.next_u64() & 1 == 1;
                coin_call(
                    &self.dao,
                    "vote",
                    self.addresses[voter as usize],
                    vec![Value::Address(proposal), Value::Bool(yes)],
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use resin_scheduler::BlockExecutor;
    use resin_vm::BlockContext;

    #[test]
    fn pools_take_distinct_pairs_of_the_fewest_currencies() {
        assert_eq!(currencies_for(1), 2);
        assert_eq!(currencies_for(64), 12);
        for pools in [1, 3, 64, 100] {
            let m = currencies_for(pools);
            let pairs: std::collections::BTreeSet<_> = (0..pools).map(|p| pair(p, m)).collect();
            assert_eq!(pairs.len() as u64, pools);
            assert!(pairs.iter().all(|(x, y)| x < y && *y < m));
        }
    }

    /// Every block of every workload succeeds in full on the state the
    /// blocks before left, with few accounts, so that tokens move several
    /// times, pools see many swaps and voters come round again (at most
    /// `PROPOSALS_PER_BLOCK` times: 30 votes of 8 voters).
    #[test]
    fn consecutive_blocks_succeed_with_few_accounts() {
        let all = Needs { usd: true, nft: true, amm: true, dao: true };
        let p = Params { accounts: 8, txs: 30, blocks: 3, zipf: 1.0, pools: 3, needs: all };
        let s = setup(&p, 2).unwrap();
        for kind in [Kind::Transfers, Kind::Hot, Kind::Nft, Kind::Amm, Kind::Dao, Kind::Mixed] {
            let mut state = s.funded.clone();
            let mut ex = ParallelExecutor::new(2).unwrap();
            for b in 0..p.blocks {
                let block = s.block(kind, b, 100 + b);
                assert_eq!(block.len() as u64, p.txs, "{kind:?}");
                let out =
                    ex.execute_block(&s.code, &mut state, &block, BlockContext { timestamp: 10 + b, height: b + 1 });
                for (tx, r) in block.iter().zip(&out.receipts) {
                    assert!(r.status.is_success(), "{kind:?} block {b}: {}::{} {:?}", tx.module, tx.function, r.status);
                }
            }
        }
    }

    #[test]
    fn the_assets_module_names_every_currency() {
        let text = assets_source(3);
        for n in ["USD", "A0", "A1", "A2"] {
            assert!(text.contains(&format!("struct {n} has drop")), "{text}");
            assert!(text.contains(&format!("fun init_{n}(")), "{text}");
        }
    }
}
