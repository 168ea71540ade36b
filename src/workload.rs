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
