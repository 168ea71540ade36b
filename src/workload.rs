//! Generated workloads: blocks of coin calls for `resin bench` and the
//! script command `transfers`. One generator, so a block a script runs and a
//! block the bench times are built the same way.

use resin_state::type_tag::TypeTag;
use resin_vm::{AccountAddress, ModuleId, Transaction, Value};

/// The gas limit of a transaction the CLI builds when the script names none.
pub const DEFAULT_GAS: u64 = 1_000_000;

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

/// So that `rand_distr`'s distributions can draw from it.
impl rand_core::TryRng for SplitMix64 {
    type Error = std::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok((self.next_u64() >> 32) as u32)
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(self.next_u64())
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for chunk in dst.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        Ok(())
    }
}

/// Indices `0..n` drawn with Zipf's law: index `k` (from 0) with weight
/// `1 / (k + 1)^s`, so index 0 is the hottest.
#[derive(Clone, Copy, Debug)]
pub struct ZipfIndex {
    zipf: rand_distr::Zipf<f64>,
    n: u64,
}

impl ZipfIndex {
    /// `n` at least 1, `s` finite and above 0.
    pub fn new(n: u64, s: f64) -> Result<ZipfIndex, String> {
        if !(s.is_finite() && s > 0.0) {
            return Err(format!("the Zipf exponent must be a finite number above 0, not {s}"));
        }
        let zipf = rand_distr::Zipf::new(n as f64, s).map_err(|e| e.to_string())?;
        Ok(ZipfIndex { zipf, n })
    }

    pub fn sample(&self, rng: &mut SplitMix64) -> u64 {
        use rand_distr::Distribution;
        // The distribution gives 1..=n as a float.
        (self.zipf.sample(rng) as u64).clamp(1, self.n) - 1
    }
}

/// `count` transfers of `amount` between `accounts` (at least two, and as
/// many as `zipf` was made for) whose senders and receivers are both drawn
/// with `zipf` (`accounts[0]` the hottest); a receiver that draws its own
/// sender draws again, then takes the next account. The same seed gives
/// the same block.
pub fn zipf_block(
    module: &ModuleId,
    accounts: &[AccountAddress],
    count: u64,
    amount: u64,
    seed: u64,
    zipf: &ZipfIndex,
) -> Vec<Transaction> {
    let n = accounts.len() as u64;
    let mut rng = SplitMix64::new(seed);
    (0..count)
        .map(|_| {
            let from = zipf.sample(&mut rng);
            let mut to = zipf.sample(&mut rng);
            for _ in 0..8 {
                if to != from {
                    break;
                }
                to = zipf.sample(&mut rng);
            }
            if to == from {
                to = (from + 1) % n;
            }
            let args = vec![Value::Address(accounts[to as usize]), Value::U64(amount)];
            coin_call(module, "transfer", accounts[from as usize], args)
        })
        .collect()
}

/// The coin-shaped entry functions the generator calls.
pub const COIN_FUNCTIONS: [&str; 3] = ["register", "mint", "transfer"];

/// Who pays whom in a generated block of transfers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pattern {
    /// A random sender pays a random other account.
    P2p,
    /// Random senders all pay `accounts[0]`: one hot key.
    Hot,
    /// A random walk: each transfer's receiver is the next one's sender, so
    /// every transaction depends on the one before.
    Chain,
}

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
    let pattern = if hot { Pattern::Hot } else { Pattern::P2p };
    pattern_block(module, accounts, count, amount, seed, pattern)
}

/// `count` transfers of `amount` between `accounts` (at least two), in the
/// given pattern; the same seed gives the same block.
pub fn pattern_block(
    module: &ModuleId,
    accounts: &[AccountAddress],
    count: u64,
    amount: u64,
    seed: u64,
    pattern: Pattern,
) -> Vec<Transaction> {
    let mut rng = SplitMix64::new(seed);
    let n = accounts.len() as u64;
    // A receiver other than `from`.
    let other = |rng: &mut SplitMix64, from: u64| (from + 1 + rng.below(n - 1)) % n;
    let mut walker = rng.below(n);
    (0..count)
        .map(|_| {
            let (from, to) = match pattern {
                Pattern::P2p => {
                    let from = rng.below(n);
                    (from, other(&mut rng, from))
                }
                Pattern::Hot => (1 + rng.below(n - 1), 0),
                Pattern::Chain => {
                    let from = walker;
                    walker = other(&mut rng, from);
                    (from, walker)
                }
            };
            Transaction {
                sender: accounts[from as usize],
                module: module.clone(),
                function: "transfer".into(),
                args: vec![Value::Address(accounts[to as usize]), Value::U64(amount)],
                gas_limit: DEFAULT_GAS,
                type_args: Vec::new(),
            }
        })
        .collect()
}

/// `block` with every call moved to `module`'s function of the same name,
/// generic over a currency: call `i` is instantiated with
/// `currencies[i % currencies.len()]`. Senders, arguments and gas limits are
/// kept, so a block of `0x1::coin` transfers becomes the same transfers
/// through `0x1::generic_coin::transfer<T>`. `currencies` must not be empty.
pub fn in_currencies(block: Vec<Transaction>, module: &ModuleId, currencies: &[TypeTag]) -> Vec<Transaction> {
    block
        .into_iter()
        .zip(currencies.iter().cycle())
        .map(|(tx, currency)| Transaction { module: module.clone(), type_args: vec![currency.clone()], ..tx })
        .collect()
}

/// A transaction calling `module::function` as `sender`.
pub fn coin_call(module: &ModuleId, function: &str, sender: AccountAddress, args: Vec<Value>) -> Transaction {
    Transaction {
        sender,
        module: module.clone(),
        function: function.into(),
        args,
        gas_limit: DEFAULT_GAS,
        type_args: Vec::new(),
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
    fn a_chain_passes_each_receiver_on_as_the_next_sender() {
        let accounts: Vec<AccountAddress> = (0..50).map(AccountAddress::from_u64).collect();
        let module = ModuleId::new(AccountAddress::from_u64(1), "coin");
        let chain = pattern_block(&module, &accounts, 500, 1, 3, Pattern::Chain);
        assert_eq!(chain.len(), 500);
        for pair in chain.windows(2) {
            assert_eq!(pair[0].args[0], Value::Address(pair[1].sender));
            assert_ne!(Value::Address(pair[0].sender), pair[0].args[0]);
        }
        let senders: std::collections::BTreeSet<_> = chain.iter().map(|tx| tx.sender).collect();
        assert!(senders.len() > 40, "the walk visits most accounts: {}", senders.len());
    }

    #[test]
    fn currencies_keep_the_transfers_and_alternate() {
        use resin_state::type_tag::StructTag;
        let accounts: Vec<AccountAddress> = (0..20).map(AccountAddress::from_u64).collect();
        let coin = ModuleId::new(AccountAddress::from_u64(1), "coin");
        let generic = ModuleId::new(AccountAddress::from_u64(1), "generic_coin");
        let tag = |a: u64, name: &str| {
            TypeTag::Struct(Box::new(StructTag::new(ModuleId::new(AccountAddress::from_u64(a), "m"), name, vec![])))
        };
        let (usd, eur) = (tag(2, "USD"), tag(3, "EUR"));
        let block = pattern_block(&coin, &accounts, 9, 4, 11, Pattern::P2p);
        let moved = in_currencies(block.clone(), &generic, &[usd.clone(), eur.clone()]);
        assert_eq!(moved.len(), 9);
        for (i, (a, b)) in block.iter().zip(&moved).enumerate() {
            assert_eq!((a.sender, &a.function, &a.args, a.gas_limit), (b.sender, &b.function, &b.args, b.gas_limit));
            assert_eq!(b.module, generic);
            assert_eq!(b.type_args, vec![if i % 2 == 0 { usd.clone() } else { eur.clone() }]);
        }
    }

    #[test]
    fn zipf_senders_and_receivers_are_skewed_and_distinct() {
        let accounts: Vec<AccountAddress> = (0..1000).map(AccountAddress::from_u64).collect();
        let module = ModuleId::new(AccountAddress::from_u64(1), "coin");
        let zipf = |n: usize, s: f64| ZipfIndex::new(n as u64, s).unwrap();
        let block = zipf_block(&module, &accounts, 20_000, 1, 5, &zipf(1000, 1.0));
        assert_eq!(block, zipf_block(&module, &accounts, 20_000, 1, 5, &zipf(1000, 1.0)));
        let hottest = Value::Address(accounts[0]);
        let (sent, received) = (
            block.iter().filter(|tx| tx.sender == accounts[0]).count(),
            block.iter().filter(|tx| tx.args[0] == hottest).count(),
        );
        // 1/H(1000) is about 13%; a uniform draw would give 0.1%.
        for share in [sent, received] {
            assert!((1500..3500).contains(&share), "{sent} {received}");
        }
        assert!(block.iter().all(|tx| Value::Address(tx.sender) != tx.args[0]));
        // A steeper law is hotter.
        let steep = zipf_block(&module, &accounts, 20_000, 1, 5, &zipf(1000, 2.0));
        assert!(steep.iter().filter(|tx| tx.sender == accounts[0]).count() > 2 * sent);
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(ZipfIndex::new(10, bad).is_err(), "{bad}");
        }
        // Two accounts: every transfer is between them.
        let two = zipf_block(&module, &accounts[..2], 100, 1, 1, &zipf(2, 1.0));
        assert!(two.iter().all(|tx| Value::Address(tx.sender) != tx.args[0]));
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
