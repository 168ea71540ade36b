//! A module using keyed storage, counters, a friend, the new vector
//! functions, hashing and the block context, compiled from source and run
//! on the VM. Expected values are worked out by hand from the source (and,
//! for the hashes, the published test vectors of SHA3-256 and BLAKE3).

use resin_format::file_format::{AccountAddress, ModuleId};
use resin_lang::{compile, SourceFile};
use resin_vm::{BlockContext, Receipt, RuntimeErrorKind, Status, Transaction, Value, World};

const SOURCE: &str = r#"
module 0x7::ledger {
    friend 0x7::desk;

    struct Allowance has key { amount: u64 }
    struct Supply has key { total: u128 }
    struct Tally has key { votes: u64 }
    struct Small has key { n: u8 }

    const HOME: address = @0x7;

    public entry fun init(admin: &signer) {
        move_to(admin, Supply { total: 0 });
        move_to(admin, Small { n: 0 });
    }

    public entry fun approve(owner: &signer, spender: address, amount: u64) {
        let o = signer::address_of(owner);
        if (exists<Allowance>(o, spender)) {
            borrow_global_mut<Allowance>(o, spender).amount = amount;
        } else {
            move_to(o, spender, Allowance { amount });
        }
    }

    public fun allowance(owner: address, spender: address): u64 {
        if (exists<Allowance>(owner, spender)) borrow_global<Allowance>(owner, spender).amount else 0
    }

    public entry fun revoke(owner: &signer, spender: address) {
        let Allowance { amount: _ } = move_from<Allowance>(signer::address_of(owner), spender);
    }

    public(friend) fun mint(amount: u128) { counter_add<Supply>(HOME, amount) }

    public fun supply(): u128 { borrow_global<Supply>(HOME).total }

    public entry fun open(proposal: u64) { move_to(HOME, proposal, Tally { votes: 0 }) }

    public entry fun vote(proposal: u64) { counter_add<Tally>(HOME, proposal, 1) }

    public fun votes(proposal: u64): u64 { borrow_global<Tally>(HOME, proposal).votes }

    public entry fun bump_small(by: u8) { counter_add<Small>(HOME, by) }

    struct Pool has key { reserve: u64 }

    public entry fun open_pool(creator: &signer, seed: vector<u8>, reserve: u64) {
        let s = object::signer(signer::address_of(creator), seed);
        move_to(&s, Pool { reserve });
    }

    public fun pool_at(creator: address, seed: vector<u8>): address { object::address(creator, seed) }

    public fun reserve(pool: address): u64 { borrow_global<Pool>(pool).reserve }

    public fun small(): u8 { borrow_global<Small>(HOME).n }

    public fun vectors(): (u64, u64, bool, u64, bool) {
        let v = vector[10, 20, 30];
        vector::insert(&mut v, 15, 1);                 // 10 15 20 30
        let removed = vector::remove(&mut v, 2);       // 20; 10 15 30
        vector::append(&mut v, vector::singleton(40)); // 10 15 30 40
        vector::reverse(&mut v);                       // 40 30 15 10
        let (found, at) = vector::index_of(&v, &15);   // (true, 2)
        let empty = vector::empty<u64>();
        let is_empty = vector::is_empty(&empty);
        vector::destroy_empty(empty);
        let has_20 = vector::contains(&v, &20);
        assert!(found, 1);
        (removed, at, has_20, *vector::borrow(&v, 0), is_empty)
    }

    public fun hashes(): (vector<u8>, vector<u8>) {
        (hash::sha3_256(b"abc"), hash::blake3(b"abc"))
    }

    public fun now(): (u64, u64) { (block::timestamp(), block::height()) }
}
module 0x7::desk {
    public entry fun mint(amount: u128) { 0x7::ledger::mint(amount) }
}
"#;

fn addr(n: u64) -> AccountAddress {
    AccountAddress::from_u64(n)
}

fn tx(sender: u64, module: &str, function: &str, args: Vec<Value>) -> Transaction {
    Transaction {
        sender: addr(sender),
        module: ModuleId::new(addr(7), module),
        function: function.into(),
        args,
        gas_limit: 1_000_000,
        type_args: Vec::new(),
    }
}

fn success(receipt: &Receipt) {
    assert_eq!(receipt.status, Status::Success, "{receipt:?}");
}

fn world() -> World {
    let sources = [SourceFile::new("ledger.rsn", SOURCE)];
    let result = compile(&sources, &[]);
    assert!(result.diagnostics.is_empty(), "{}", result.diagnostics.render(&sources));
    let mut world = World::new();
    for module in result.modules {
        world.publish(module.module).unwrap();
    }
    success(&world.execute(&tx(7, "ledger", "init", vec![])));
    world
}

/// The values a view function returns.
fn view(world: &World, function: &str, args: Vec<Value>) -> Vec<Value> {
    let outcome = world.call(&tx(0, "ledger", function, args));
    success(&outcome.receipt);
    outcome.returns
}

fn allowance(world: &World, owner: u64, spender: u64) -> Vec<Value> {
    view(world, "allowance", vec![Value::Address(addr(owner)), Value::Address(addr(spender))])
}

fn hex(bytes: &str) -> Value {
    Value::Vector(
        (0..bytes.len()).step_by(2).map(|i| Value::U8(u8::from_str_radix(&bytes[i..i + 2], 16).unwrap())).collect(),
    )
}

#[test]
fn allowances_are_entries_per_owner_and_spender() {
    let mut world = world();
    let approve = |spender: u64, amount: u64| {
        tx(0xA, "ledger", "approve", vec![Value::Address(addr(spender)), Value::U64(amount)])
    };
    success(&world.execute(&approve(0xB, 10)));
    success(&world.execute(&approve(0xC, 20)));
    success(&world.execute(&approve(0xB, 11)));
    assert_eq!(allowance(&world, 0xA, 0xB), [Value::U64(11)]);
    assert_eq!(allowance(&world, 0xA, 0xC), [Value::U64(20)]);
    // Keyed by (owner, spender): the reverse pair is another entry.
    assert_eq!(allowance(&world, 0xB, 0xA), [Value::U64(0)]);
    success(&world.execute(&tx(0xA, "ledger", "revoke", vec![Value::Address(addr(0xB))])));
    assert_eq!(allowance(&world, 0xA, 0xB), [Value::U64(0)]);
    assert_eq!(allowance(&world, 0xA, 0xC), [Value::U64(20)]);
}

#[test]
fn counters_add_through_a_friend_and_per_index() {
    let mut world = world();
    for amount in [5u128, 7] {
        success(&world.execute(&tx(0xA, "desk", "mint", vec![Value::U128(amount)])));
    }
    assert_eq!(view(&world, "supply", vec![]), [Value::U128(12)]);
    for proposal in [1u64, 2] {
        success(&world.execute(&tx(0xA, "ledger", "open", vec![Value::U64(proposal)])));
    }
    for (voter, proposal) in [(0xA, 1u64), (0xB, 1), (0xC, 2)] {
        success(&world.execute(&tx(voter, "ledger", "vote", vec![Value::U64(proposal)])));
    }
    assert_eq!(view(&world, "votes", vec![Value::U64(1)]), [Value::U64(2)]);
    assert_eq!(view(&world, "votes", vec![Value::U64(2)]), [Value::U64(1)]);
    // A vote on a proposal never opened finds no counter.
    let missing = world.execute(&tx(0xA, "ledger", "vote", vec![Value::U64(3)]));
    assert!(
        matches!(missing.status, Status::RuntimeError { kind: RuntimeErrorKind::ResourceMissing, .. }),
        "{missing:?}"
    );
}

#[test]
fn a_counter_past_its_type_aborts_and_keeps_the_old_total() {
    let mut world = world();
    success(&world.execute(&tx(0xA, "ledger", "bump_small", vec![Value::U8(200)])));
    let over = world.execute(&tx(0xB, "ledger", "bump_small", vec![Value::U8(56)]));
    assert!(
        matches!(over.status, Status::RuntimeError { kind: RuntimeErrorKind::CounterOverflow { .. }, .. }),
        "{over:?}"
    );
    assert!(over.write_set.0.is_empty(), "{over:?}");
    assert_eq!(view(&world, "small", vec![]), [Value::U8(200)]);
    success(&world.execute(&tx(0xB, "ledger", "bump_small", vec![Value::U8(55)])));
    assert_eq!(view(&world, "small", vec![]), [Value::U8(255)]);
}

#[test]
fn vector_functions_hashes_and_the_block_context() {
    let mut world = world();
    assert_eq!(
        view(&world, "vectors", vec![]),
        [Value::U64(20), Value::U64(2), Value::Bool(false), Value::U64(40), Value::Bool(true)]
    );
    assert_eq!(
        view(&world, "hashes", vec![]),
        [
            hex("3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532"),
            hex("6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85"),
        ]
    );
    world.block = BlockContext { timestamp: 1_700_000_000, height: 42 };
    assert_eq!(view(&world, "now", vec![]), [Value::U64(1_700_000_000), Value::U64(42)]);
}

/// The object address as documented (blake3 over a domain tag, the module's
/// address and name, a zero byte, the creator and the seed), written out.
fn object_address(creator: u64, seed: &[u8]) -> AccountAddress {
    let mut input = b"resin/object\0".to_vec();
    input.extend_from_slice(&addr(7).0);
    input.extend_from_slice(b"ledger\0");
    input.extend_from_slice(&addr(creator).0);
    input.extend_from_slice(seed);
    AccountAddress(*blake3::hash(&input).as_bytes())
}

#[test]
fn a_pool_lives_at_the_address_its_module_derives() {
    let mut world = world();
    let seed = || Value::Vector(b"usd/eur".iter().map(|b| Value::U8(*b)).collect());
    success(&world.execute(&tx(0xA, "ledger", "open_pool", vec![seed(), Value::U64(5)])));
    let at = object_address(0xA, b"usd/eur");
    assert_eq!(view(&world, "pool_at", vec![Value::Address(addr(0xA)), seed()]), [Value::Address(at)]);
    assert_eq!(view(&world, "reserve", vec![Value::Address(at)]), [Value::U64(5)]);
    // The address is taken now: a second pool there aborts, as `move_to` does.
    let again = world.execute(&tx(0xA, "ledger", "open_pool", vec![seed(), Value::U64(1)]));
    assert_ne!(again.status, Status::Success);
    // Another creator's pool is another address.
    success(&world.execute(&tx(0xB, "ledger", "open_pool", vec![seed(), Value::U64(9)])));
    assert_eq!(view(&world, "reserve", vec![Value::Address(object_address(0xB, b"usd/eur"))]), [Value::U64(9)]);
}
