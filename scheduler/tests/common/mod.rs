//! Contracts, a genesis state and transaction builders shared by the
//! scheduler's integration tests.
#![allow(dead_code)] // each test file uses its own part

use resin_state::store::ResourceStore;
use resin_vm::{AccountAddress, CodeCache, ModuleId, Transaction, Value, World};

pub const COIN: &str = include_str!("../../../vm/format/tests/data/coin.rasm");
pub const LEDGER: &str = include_str!("../data/ledger.rasm");

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

pub fn code() -> CodeCache {
    let mut code = CodeCache::new();
    for text in [COIN, LEDGER] {
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

pub fn transfer(from: u64, to: u64, amount: u64) -> Transaction {
    call(coin(), "transfer", from, vec![Value::Address(addr(to)), Value::U64(amount)], GAS)
}

/// Registered coin balances and ledger accounts holding [`FUNDS`] for every
/// address in `accounts`.
pub fn genesis(code: &CodeCache, accounts: impl IntoIterator<Item = u64>) -> ResourceStore {
    let mut world = World { code: code.clone(), resources: ResourceStore::new() };
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
