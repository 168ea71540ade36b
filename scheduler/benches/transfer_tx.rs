//! The coin transfer that the scheduler's benches and examples generate,
//! built in one place: `coin::transfer(to, 1)` sent by `from`.

use resin_vm::{AccountAddress, ModuleId, Transaction, Value};

pub fn coin_transfer(coin: &ModuleId, from: u64, to: u64) -> Transaction {
    Transaction {
        sender: AccountAddress::from_u64(from),
        module: coin.clone(),
        function: "transfer".into(),
        args: vec![Value::Address(AccountAddress::from_u64(to)), Value::U64(1)],
        gas_limit: 10_000,
        type_args: Vec::new(),
    }
}
