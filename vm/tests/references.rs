//! Functions that return references, on the interpreter: a returned
//! reference is a path rooted in the caller's locals (or in the
//! transaction's global working set), so it survives the callee's return,
//! and writes through it land where the caller expects.
// Helpers return a whole `Status` as their error so tests can compare it.
#![allow(clippy::result_large_err)]

use resin_format::assembler::assemble;
use resin_vm::{AccountAddress, ModuleId, ResourceKey, Status, Transaction, TypeId, Value, World};

fn id(name: &str) -> ModuleId {
    ModuleId::new(AccountAddress::from_u64(2), name)
}

fn publish(world: &mut World, text: &str) {
    world.publish(assemble(text).unwrap_or_else(|e| panic!("{e}\n{text}"))).unwrap_or_else(|e| panic!("{e}\n{text}"));
}

fn tx(module: &str, function: &str, args: Vec<Value>) -> Transaction {
    Transaction {
        sender: AccountAddress::from_u64(0xA),
        module: id(module),
        function: function.into(),
        args,
        gas_limit: 1_000_000,
        type_args: Vec::new(),
    }
}

fn call(world: &World, module: &str, function: &str, args: Vec<Value>) -> Result<Vec<Value>, Status> {
    let outcome = world.call(&tx(module, function, args));
    match outcome.receipt.status {
        Status::Success => Ok(outcome.returns),
        status => Err(status),
    }
}

/// A coin whose value is reached through returned `&mut` field references.
const WALLET: &str = "module 0x2::wallet
struct Coin has store, drop { value: u64 }
struct Pair has store, drop { left: Coin, right: Coin }

// The value field of a coin: a `&mut` derived from the parameter.
public fun value_mut(c: &mut Coin): &mut u64 {
    move_loc c
    mut_borrow_field Coin.value
    ret
}

// Both halves of a pair at once: disjoint fields.
public fun halves(p: &mut Pair): (&mut Coin, &mut Coin) {
    copy_loc p
    mut_borrow_field Pair.left
    move_loc p
    mut_borrow_field Pair.right
    ret
}

public fun value(c: &Coin): &u64 {
    move_loc c
    imm_borrow_field Coin.value
    ret
}

// Writes 42 through the returned reference, then reads the local coin.
public fun set_through_returned(): u64 {
    local c: Coin
    ld_u64 5
    pack Coin
    st_loc c
    ld_u64 42
    mut_borrow_loc c
    call value_mut
    write_ref
    move_loc c
    unpack Coin
    ret
}

public fun read_through_returned(): u64 {
    local c: Coin
    ld_u64 8
    pack Coin
    st_loc c
    imm_borrow_loc c
    call value
    read_ref
    ret
}

// Borrows through returned references two levels deep (halves, then
// value_mut of each), with a call in between whose frame reuses the slots
// the callees used: the references are rooted in this frame's `p`.
public fun through_two_levels(): (u64, u64) {
    local p: Pair
    local lv: &mut u64
    local rv: &mut u64
    local x: u64
    ld_u64 1
    pack Coin
    ld_u64 2
    pack Coin
    pack Pair
    st_loc p
    mut_borrow_loc p
    call halves
    call value_mut
    st_loc rv
    call value_mut
    st_loc lv
    call set_through_returned
    move_loc lv
    write_ref
    ld_u64 7
    move_loc rv
    write_ref
    move_loc p
    unpack Pair
    unpack Coin
    st_loc x
    unpack Coin
    move_loc x
    ret
}

// A reference return a transaction or a tool could never receive.
public fun me(s: &signer): &signer {
    move_loc s
    ret
}
";

/// References into global storage, handed down and returned back up.
const BANK: &str = "module 0x2::bank
struct Coin has store { value: u64 }
struct Vault has key { coin: Coin }
public entry fun open(s: &signer) acquires write Vault(signer s) {
    move_loc s
    ld_u64 100
    pack Coin
    pack Vault
    move_to Vault
    ret
}
fun coin_of(v: &mut Vault): &mut Coin {
    move_loc v
    mut_borrow_field Vault.coin
    ret
}
fun value_of(c: &mut Coin): &mut u64 {
    move_loc c
    mut_borrow_field Coin.value
    ret
}
public entry fun deposit(s: &signer, n: u64) acquires write Vault(signer s) {
    local r: &mut u64
    move_loc s
    signer_address
    mut_borrow_global Vault
    call coin_of
    call value_of
    st_loc r
    copy_loc r
    read_ref
    move_loc n
    add
    move_loc r
    write_ref
    ret
}
";

const PICK: &str = "module 0x2::pick
public fun pick(a: &mut u64, b: &mut u64, first: bool): &mut u64 {
    move_loc first
    br_false second
    move_loc a
    ret
second:
    move_loc b
    ret
}
";

const USER: &str = "module 0x2::user
use 0x2::pick
fun pick::pick(&mut u64, &mut u64, bool): &mut u64
public fun run(first: bool): (u64, u64) {
    local x: u64
    local y: u64
    ld_u64 1
    st_loc x
    ld_u64 2
    st_loc y
    ld_u64 9
    mut_borrow_loc x
    mut_borrow_loc y
    move_loc first
    call pick::pick
    write_ref
    move_loc x
    move_loc y
    ret
}
";

fn wallet() -> World {
    let mut world = World::new();
    publish(&mut world, WALLET);
    world
}

#[test]
fn a_write_through_a_returned_field_reference_reaches_the_callers_local() {
    let world = wallet();
    assert_eq!(call(&world, "wallet", "set_through_returned", vec![]), Ok(vec![Value::U64(42)]));
    assert_eq!(call(&world, "wallet", "read_through_returned", vec![]), Ok(vec![Value::U64(8)]));
}

#[test]
fn references_returned_through_two_levels_survive_other_calls() {
    assert_eq!(call(&wallet(), "wallet", "through_two_levels", vec![]), Ok(vec![Value::U64(42), Value::U64(7)]));
}

#[test]
fn a_returned_reference_into_global_storage_writes_the_resource() {
    let mut world = World::new();
    publish(&mut world, BANK);
    assert_eq!(world.execute(&tx("bank", "open", vec![])).status, Status::Success);
    let receipt = world.execute(&tx("bank", "deposit", vec![Value::U64(23)]));
    assert_eq!(receipt.status, Status::Success);
    let key = ResourceKey { address: AccountAddress::from_u64(0xA), ty: TypeId::of(&id("bank"), "Vault") };
    let writes: Vec<_> = receipt.write_set.0.iter().map(|w| (w.key, w.value().map(|v| (**v).clone()))).collect();
    assert_eq!(writes, vec![(key, Some(Value::Struct(vec![Value::Struct(vec![Value::U64(123)])])))]);
}

#[test]
fn a_reference_returned_across_modules_points_at_the_chosen_argument() {
    let mut world = World::new();
    publish(&mut world, PICK);
    publish(&mut world, USER);
    assert_eq!(call(&world, "user", "run", vec![Value::Bool(true)]), Ok(vec![Value::U64(9), Value::U64(2)]));
    assert_eq!(call(&world, "user", "run", vec![Value::Bool(false)]), Ok(vec![Value::U64(1), Value::U64(9)]));
}

#[test]
fn a_function_returning_a_reference_cannot_be_called_from_outside() {
    let world = wallet();
    match call(&world, "wallet", "me", vec![]) {
        Err(Status::InvalidArguments { reason }) => {
            assert!(reason.contains("returns a reference `&signer`"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
}
