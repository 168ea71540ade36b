//! Contracts, a genesis state and transaction builders shared by the
//! scheduler's integration tests.
#![allow(dead_code)] // each test file uses its own part

use resin_state::store::ResourceStore;
use resin_state::type_tag::{StructTag, TypeTag};
use resin_vm::{AccountAddress, CodeCache, ModuleId, Transaction, Value, World};

pub const COIN: &str = include_str!("../../../vm/format/tests/data/coin.rasm");
pub const LEDGER: &str = include_str!("../data/ledger.rasm");
/// `coin.rasm` generic over its currency (`0x3::gcoin`), and two currencies
/// for it (`0x4::cur::{USD, EUR}`).
pub const GCOIN: &str = include_str!("../data/gcoin.rasm");
pub const CURRENCIES: &str = include_str!("../data/currencies.rasm");
/// Shared objects (issue 13): a token with keyed allowances and a supply
/// counter (`0x5::fa`), votes with a tally counter (`0x6::dao`), an NFT
/// collection keyed by token id (`0x7::nft`), and counters that reach their
/// bounds (`0x8::meter`).
pub const FA: &str = include_str!("../data/fa.rasm");
pub const DAO: &str = include_str!("../data/dao.rasm");
pub const NFT: &str = include_str!("../data/nft.rasm");
pub const METER: &str = include_str!("../data/meter.rasm");

/// Plenty for any transaction here; tests that want out-of-gas pass less.
pub const GAS: u64 = 1_000_000;
/// What genesis mints into every registered coin balance and ledger account.
pub const FUNDS: u64 = 1_000;

pub fn coin() -> ModuleId {
    ModuleId::new(AccountAddress::from_u64(1), "coin")
}

pub fn ledger() -> ModuleId {
    ModuleId::new(AccountAddress::from_u64(2), "ledger")
}

pub fn gcoin() -> ModuleId {
    ModuleId::new(AccountAddress::from_u64(3), "gcoin")
}

/// `0x4::cur::{name}`: a currency when `name` is `USD` or `EUR`, an
/// unpublished type otherwise.
pub fn currency(name: &str) -> TypeTag {
    TypeTag::Struct(Box::new(StructTag::new(ModuleId::new(AccountAddress::from_u64(4), "cur"), name, Vec::new())))
}

pub fn usd() -> TypeTag {
    currency("USD")
}

pub fn eur() -> TypeTag {
    currency("EUR")
}

pub fn fa() -> ModuleId {
    ModuleId::new(AccountAddress::from_u64(5), "fa")
}

pub fn dao() -> ModuleId {
    ModuleId::new(AccountAddress::from_u64(6), "dao")
}

pub fn nft() -> ModuleId {
    ModuleId::new(AccountAddress::from_u64(7), "nft")
}

pub fn meter() -> ModuleId {
    ModuleId::new(AccountAddress::from_u64(8), "meter")
}

pub fn code() -> CodeCache {
    let mut code = CodeCache::new();
    for text in [COIN, LEDGER, CURRENCIES, GCOIN, FA, DAO, NFT, METER] {
        let module = resin_format::assembler::assemble(text).unwrap();
        code.publish_stdlib(module).unwrap();
    }
    code
}

pub fn addr(n: u64) -> AccountAddress {
    AccountAddress::from_u64(n)
}

pub fn call(module: ModuleId, function: &str, sender: u64, args: Vec<Value>, gas_limit: u64) -> Transaction {
    Transaction { sender: addr(sender), module, function: function.into(), args, gas_limit, type_args: Vec::new() }
}

/// A call of a generic function with `type_args`.
pub fn call_generic(
    module: ModuleId,
    function: &str,
    type_args: Vec<TypeTag>,
    sender: u64,
    args: Vec<Value>,
    gas_limit: u64,
) -> Transaction {
    Transaction { type_args, ..call(module, function, sender, args, gas_limit) }
}

/// `0x3::gcoin::transfer<currency>`.
pub fn gtransfer(currency: &TypeTag, from: u64, to: u64, amount: u64) -> Transaction {
    let args = vec![Value::Address(addr(to)), Value::U64(amount)];
    call_generic(gcoin(), "transfer", vec![currency.clone()], from, args, GAS)
}

pub fn transfer(from: u64, to: u64, amount: u64) -> Transaction {
    call(coin(), "transfer", from, vec![Value::Address(addr(to)), Value::U64(amount)], GAS)
}

/// Registered coin balances and ledger accounts holding [`FUNDS`] for every
/// address in `accounts`.
pub fn genesis(code: &CodeCache, accounts: impl IntoIterator<Item = u64>) -> ResourceStore {
    let mut world = World { code: code.clone(), resources: ResourceStore::new(), ..World::default() };
    for a in accounts {
        for tx in [
            call(coin(), "register", a, vec![], GAS),
            call(coin(), "mint", a, vec![Value::U64(FUNDS)], GAS),
            call(ledger(), "open", a, vec![Value::U64(FUNDS)], GAS),
        ] {
            let receipt = world.execute(&tx);
            assert!(receipt.status.is_success(), "genesis {tx:?}: {receipt:?}");
        }
    }
    world.resources
}

/// `state` with, for every address in `accounts`, a registered balance of
/// each currency (USD, EUR) of `0x3::gcoin` holding [`FUNDS`].
pub fn with_currencies(
    code: &CodeCache,
    state: ResourceStore,
    accounts: impl IntoIterator<Item = u64>,
) -> ResourceStore {
    let mut world = World { code: code.clone(), resources: state, ..World::default() };
    for a in accounts {
        for c in [usd(), eur()] {
            for tx in [
                call_generic(gcoin(), "register", vec![c.clone()], a, vec![], GAS),
                call_generic(gcoin(), "mint", vec![c.clone()], a, vec![Value::U64(FUNDS)], GAS),
            ] {
                let receipt = world.execute(&tx);
                assert!(receipt.status.is_success(), "genesis {tx:?}: {receipt:?}");
            }
        }
    }
    world.resources
}

/// `state` after `txs`, each of which must succeed: setting up a test's
/// state, not what it tests.
pub fn set_up(code: &CodeCache, state: ResourceStore, txs: impl IntoIterator<Item = Transaction>) -> ResourceStore {
    let mut world = World { code: code.clone(), resources: state, ..World::default() };
    for tx in txs {
        let receipt = world.execute(&tx);
        assert!(receipt.status.is_success(), "setup {tx:?}: {receipt:?}");
    }
    world.resources
}
