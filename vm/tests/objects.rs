//! Module-controlled addresses: `object_address` and `object_signer` derive
//! an address from the executing module, a creator and a seed; the module
//! can publish there with the signer, and no other module derives the same
//! address from the same creator and seed.

use resin_format::assembler::assemble;
use resin_state::store::StateView;
use resin_vm::{AccountAddress, ModuleId, Receipt, ResourceKey, Status, StructTag, Transaction, TypeId, Value, World};

/// `open` publishes a `Pool` at the object address of (sender, seed) and
/// returns it; `where_is` returns the address without publishing.
fn pools(name: &str) -> String {
    format!(
        "module 0x5::{name}

struct Pool has key {{
    reserve: u64,
}}

public entry fun open(creator: &signer, seed: vector<u8>, reserve: u64) acquires write Pool(*) {{
    local s: signer
    move_loc creator
    signer_address
    move_loc seed
    object_signer
    st_loc s
    imm_borrow_loc s
    move_loc reserve
    pack Pool
    move_to Pool
    ret
}}

public fun where_is(creator: address, seed: vector<u8>): address {{
    move_loc creator
    move_loc seed
    object_address
    ret
}}
"
    )
}

fn module(name: &str) -> ModuleId {
    ModuleId::new(AccountAddress::from_u64(5), name)
}

fn bytes(text: &str) -> Value {
    Value::Vector(text.bytes().map(Value::U8).collect())
}

fn tx(module: ModuleId, sender: u64, function: &str, args: Vec<Value>) -> Transaction {
    Transaction {
        sender: AccountAddress::from_u64(sender),
        module,
        function: function.into(),
        args,
        gas_limit: 100_000,
        type_args: Vec::new(),
    }
}

fn success(receipt: &Receipt) {
    assert_eq!(receipt.status, Status::Success, "{receipt:?}");
}

/// The documented derivation, written out here rather than called, so the
/// test checks the VM against the definition.
fn expected(module: &ModuleId, creator: u64, seed: &str) -> AccountAddress {
    let mut input = b"resin/object\0".to_vec();
    input.extend_from_slice(&module.address.0);
    input.extend_from_slice(module.name.as_bytes());
    input.push(0);
    input.extend_from_slice(&AccountAddress::from_u64(creator).0);
    input.extend_from_slice(seed.as_bytes());
    AccountAddress(*blake3::hash(&input).as_bytes())
}

fn where_is(world: &World, name: &str, creator: u64, seed: &str) -> AccountAddress {
    let args = vec![Value::Address(AccountAddress::from_u64(creator)), bytes(seed)];
    let outcome = world.call(&tx(module(name), 0, "where_is", args));
    success(&outcome.receipt);
    match outcome.returns.as_slice() {
        [Value::Address(a)] => *a,
        other => panic!("where_is returned {other:?}"),
    }
}

#[test]
fn a_module_publishes_at_the_address_it_derives_and_no_other_module_derives_it() {
    let mut world = World::new();
    for name in ["pools", "rival"] {
        world.publish(assemble(&pools(name)).unwrap()).unwrap();
    }
    let at = where_is(&world, "pools", 0xA, "usd/eur");
    assert_eq!(at, expected(&module("pools"), 0xA, "usd/eur"));
    // Another module, another creator or another seed: another address.
    assert_ne!(where_is(&world, "rival", 0xA, "usd/eur"), at);
    assert_ne!(where_is(&world, "pools", 0xB, "usd/eur"), at);
    assert_ne!(where_is(&world, "pools", 0xA, "usd/gbp"), at);

    success(&world.execute(&tx(module("pools"), 0xA, "open", vec![bytes("usd/eur"), Value::U64(7)])));
    let pool = StructTag { module: module("pools"), name: "Pool".into(), type_args: Vec::new() };
    let key = ResourceKey { address: at, ty: TypeId::of_struct(&pool) };
    let stored = world.resources.resource(&key).expect("the pool is at the object address");
    assert_eq!(stored.into_owned(), Value::Struct(vec![Value::U64(7)]));
    // The object address is taken: opening it again aborts, as `move_to` does.
    let again = world.execute(&tx(module("pools"), 0xA, "open", vec![bytes("usd/eur"), Value::U64(1)]));
    assert_ne!(again.status, Status::Success);
}
