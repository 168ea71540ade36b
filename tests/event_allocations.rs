//! Emitting an event allocates nothing for its names: the loader interned
//! the module id and the struct's name (with its type arguments, for an
//! instantiation) once, and the event copies pointers (`resin_vm::Event`).
//! Owned strings cost two allocations an event, made by whichever lane ran
//! the transaction.
//!
//! Counted with the executable's allocator. This file holds one test, so
//! its binary runs one test thread and the count is that test's own.

use resin::alloc_count::{allocations, CountingMimalloc};
use resin_format::assembler::assemble;
use resin_vm::{AccountAddress, Event, ModuleId, Receipt, Status, Transaction, TypeTag, Value, World};

#[global_allocator]
static GLOBAL: CountingMimalloc = CountingMimalloc;

/// Each emitting function does what its twin does, plus one `emit`. The
/// events' values are a single `u64`, held inline.
const NOTES: &str = "module 0x1::notes
struct Note has drop, store { v: u64 }
struct GE<T0: drop + store> has drop, store { v: T0 }
struct W<T0: drop + store> has drop, store { v: u64 }
public entry fun emit_note() {
    ld_u64 3
    pack Note
    emit Note
    ret
}
public entry fun drop_note() {
    ld_u64 3
    pack Note
    pop
    ret
}
public entry fun emit_ge() {
    ld_u64 4
    pack_generic GE<u64>
    emit_generic GE<u64>
    ret
}
public entry fun drop_ge() {
    ld_u64 4
    pack_generic GE<u64>
    pop
    ret
}
public entry fun emit_t<T0: drop + store>(v: u64) {
    move_loc v
    pack_generic W<T0>
    emit_generic W<T0>
    ret
}
public entry fun drop_t<T0: drop + store>(v: u64) {
    move_loc v
    pack_generic W<T0>
    pop
    ret
}
";

const RUNS: u64 = 200;

fn notes() -> ModuleId {
    ModuleId::new(AccountAddress::from_u64(1), "notes")
}

fn tx(function: &str, type_args: Vec<TypeTag>, args: Vec<Value>) -> Transaction {
    Transaction {
        sender: AccountAddress::from_u64(0xA),
        module: notes(),
        function: function.into(),
        args,
        gas_limit: 1_000_000,
        type_args,
    }
}

/// The allocations of `RUNS` executions of `tx`, after one untimed run
/// (which makes the function's instance, when it is generic), and the
/// last run's receipt.
fn allocations_of(world: &mut World, tx: &Transaction) -> (u64, Receipt) {
    let mut receipt = world.execute(tx);
    assert_eq!(receipt.status, Status::Success, "{receipt:?}");
    // The store's commit runs on rayon's global pool, whose threads the
    // first commit spawned: each allocates as it starts, which on a slow
    // first run of this binary fell inside the count (404 allocations
    // against at most 400, once in seven runs). Every worker has started
    // once it has run a broadcast.
    rayon::broadcast(|_| ());
    let before = allocations();
    for _ in 0..RUNS {
        receipt = world.execute(tx);
    }
    (allocations() - before, receipt)
}

#[test]
fn an_event_allocates_its_list_and_nothing_for_its_names() {
    let mut world = World::new();
    world.publish_stdlib(assemble(NOTES).expect("assembles")).expect("publishes");
    let generic = |function: &str| tx(function, vec![TypeTag::U64], vec![Value::U64(5)]);
    let cases = [
        (tx("emit_note", vec![], vec![]), tx("drop_note", vec![], vec![]), "Note", 3),
        (tx("emit_ge", vec![], vec![]), tx("drop_ge", vec![], vec![]), "GE<u64>", 4),
        (generic("emit_t"), generic("drop_t"), "W<u64>", 5),
    ];
    for (emit, plain, name, v) in cases {
        let (with_event, receipt) = allocations_of(&mut world, &emit);
        let (without, plain_receipt) = allocations_of(&mut world, &plain);
        // The count is real: the emitting run's receipt holds the event.
        assert_eq!(receipt.events, vec![Event::new(&notes(), name, Value::structure(vec![Value::U64(v)]))]);
        assert!(plain_receipt.events.is_empty());
        // One allocation an event: the receipt's list of events. Names
        // allocated per event would add two.
        assert!(
            with_event <= without + RUNS,
            "{}: {with_event} allocations over {RUNS} runs with an event, {without} without",
            emit.function
        );
    }
}
