//! Compiled code does what the source says: functions of one program are run
//! on the VM and their results compared with values worked out by hand.

mod support;

use resin_format::file_format::{AccountAddress, ModuleId};
use resin_lang::{compile, SourceFile};
use resin_vm::{RuntimeErrorKind, Status, Transaction, Value, World};

const PROGRAM: &str = r#"
module 0x1::run {
    struct P has copy, drop { a: u64, b: u64 }
    struct Outer has copy, drop { p: P, n: u64 }
    struct Counter has key { n: u64, log: vector<u64> }

    public fun arith(a: u64, b: u64): u64 { (a + b) * 3 - b / 2 % 5 }

    public fun sum_to(n: u64): u64 {
        let total = 0;
        let i = 0;
        while (i <= n) { total = total + i; i = i + 1; };
        total
    }

    public fun first_square_above(limit: u64): u64 {
        let i = 0;
        loop { if (i * i > limit) break; i = i + 1; };
        i
    }

    public fun sum_even_below(n: u64): u64 {
        let total = 0;
        let i = 0;
        while (i < n) {
            i = i + 1;
            if (i % 2 == 1) continue;
            total = total + i;
        };
        total
    }

    public fun and_guard(x: u64): bool { x != 0 && 10 / x > 2 }
    public fun or_guard(x: u64): bool { x == 0 || 10 / x > 2 }

    fun push(v: &mut vector<u64>, x: u64): u64 { vector::push_back(v, x); x }

    /// Fields are evaluated in source order, stored in declaration order.
    public fun pack_order(): (vector<u64>, u64, u64) {
        let v = vector::empty<u64>();
        let p = P { b: push(&mut v, 1), a: push(&mut v, 2) };
        (v, p.a, p.b)
    }

    fun add3(a: u64, b: u64, c: u64): u64 { a * 100 + b * 10 + c }

    public fun return_in_operand(x: u64): u64 { add3(x, if (x > 5) return 0 else x, 1) }

    public fun break_in_operand(n: u64): u64 {
        let total = 0;
        while (true) { total = total + (if (total >= n) break else 2); };
        total
    }

    fun divmod(a: u64, b: u64): (u64, u64) { (a / b, a % b) }

    public fun tuples(a: u64, b: u64): u64 {
        let (q, r) = divmod(a, b);
        let (_, r2) = divmod(q, 3);
        q * 1000 + r * 10 + r2
    }

    public fun vectors(): u64 {
        let v = vector[5, 6, 7];
        *vector::borrow_mut(&mut v, 0) = 50;
        vector::swap(&mut v, 1, 2);
        vector::push_back(&mut v, 9);
        let last = vector::pop_back(&mut v);
        *vector::borrow(&v, 0) + *vector::borrow(&v, 1) * 10 + last * 100 + vector::length(&v) * 1000
    }

    public fun narrow(x: u128): u8 { (x as u8) }

    public fun shifts(x: u64): u64 { (x << 4) + (x >> 1) }

    public fun bytes(): vector<u8> { b"hi" }

    public fun nested_writes(): u64 {
        let o = Outer { p: P { a: 1, b: 2 }, n: 3 };
        o.p.b = o.p.a + o.n;
        let r = &mut o.p;
        r.a = 10;
        let copy_of = o;
        o.n = 0;
        copy_of.p.a + copy_of.p.b * 100 + copy_of.n * 10000 + o.n
    }

    fun swap_vals(x: &mut u64, y: &mut u64) {
        let t = *x;
        *x = *y;
        *y = t;
    }

    public fun through_refs(a: u64, b: u64): u64 {
        swap_vals(&mut a, &mut b);
        a * 10 + b
    }

    /// A vector read in a loop and then returned: copies inside, a move at the end.
    public fun last_use(n: u64): vector<u64> {
        let v = vector[1, 2];
        let i = 0;
        let total = 0;
        while (i < n) { total = total + vector::length(&copy_of(v)); i = i + 1; };
        vector::push_back(&mut v, total);
        v
    }

    fun copy_of(v: vector<u64>): vector<u64> { v }

    public fun checked(x: u64): u64 { assert!(x < 10, 77); x }

    /// References returned from reference parameters, used by the caller.
    fun a_of(p: &mut P): &mut u64 { &mut p.a }
    fun larger(x: &mut P, y: &mut P): &mut P { if (x.a >= y.a) x else y }
    fun fields(p: &mut P): (&mut u64, &mut u64) { (&mut p.a, &mut p.b) }

    public fun through_returned(first: u64): u64 {
        let p = P { a: first, b: 2 };
        let q = P { a: 5, b: 6 };
        let big = larger(&mut p, &mut q);
        big.b = 100;
        let a = a_of(big);
        *a = *a + 1;
        let (x, y) = fields(&mut p);
        *x = *y * 3;
        p.a + p.b * 10 + q.a * 100 + q.b * 1000
    }

    /// `o`'s last direct read copies it (a move would leave `r` dangling).
    public fun copy_while_borrowed(): u64 {
        let o = Outer { p: P { a: 1, b: 2 }, n: 3 };
        let r = &o.p;
        let whole = o;
        whole.n + r.a * 10 + r.b * 100
    }

    fun count_of(c: &mut Counter): &mut u64 { &mut c.n }

    public entry fun count_by_ten(account: &signer) {
        let c = borrow_global_mut<Counter>(signer::address_of(account));
        let n = count_of(c);
        *n = *n + 10;
    }

    public entry fun count(account: &signer) {
        let me = signer::address_of(account);
        if (!exists<Counter>(me)) {
            move_to(account, Counter { n: 0, log: vector[] });
        };
        let c = borrow_global_mut<Counter>(me);
        c.n = c.n + 1;
        vector::push_back(&mut c.log, c.n);
    }

    public fun read_count(owner: address): u64 {
        if (exists<Counter>(owner)) borrow_global<Counter>(owner).n else 0
    }

    public fun remove(owner: address): u64 {
        let Counter { n, log } = move_from<Counter>(owner);
        n + vector::length(&log)
    }
}
"#;

fn world() -> World {
    support::vm::world_of("run.rsn", PROGRAM)
}

fn tx(function: &str, args: Vec<Value>) -> Transaction {
    Transaction {
        sender: AccountAddress::from_u64(0xA),
        module: ModuleId::new(AccountAddress::from_u64(1), "run"),
        function: function.into(),
        args,
        gas_limit: 1_000_000,
        type_args: Vec::new(),
    }
}

fn call(world: &World, function: &str, args: Vec<Value>) -> Vec<Value> {
    let outcome = world.call(&tx(function, args));
    assert_eq!(outcome.receipt.status, Status::Success, "{function}");
    outcome.returns
}

fn u64s(values: &[u64]) -> Value {
    Value::Vector(values.iter().map(|v| Value::U64(*v)).collect())
}

#[test]
fn arithmetic_loops_and_short_circuit() {
    let w = world();
    assert_eq!(call(&w, "arith", vec![Value::U64(7), Value::U64(9)]), [Value::U64(48 - 4)]);
    assert_eq!(call(&w, "sum_to", vec![Value::U64(10)]), [Value::U64(55)]);
    assert_eq!(call(&w, "first_square_above", vec![Value::U64(50)]), [Value::U64(8)]);
    assert_eq!(call(&w, "sum_even_below", vec![Value::U64(10)]), [Value::U64(2 + 4 + 6 + 8 + 10)]);
    assert_eq!(call(&w, "and_guard", vec![Value::U64(0)]), [Value::Bool(false)]);
    assert_eq!(call(&w, "and_guard", vec![Value::U64(3)]), [Value::Bool(true)]);
    assert_eq!(call(&w, "or_guard", vec![Value::U64(0)]), [Value::Bool(true)]);
    assert_eq!(call(&w, "or_guard", vec![Value::U64(5)]), [Value::Bool(false)]);
    assert_eq!(call(&w, "shifts", vec![Value::U64(3)]), [Value::U64(48 + 1)]);
}

#[test]
fn evaluation_order_and_jumps_inside_operands() {
    let w = world();
    assert_eq!(call(&w, "pack_order", vec![]), [u64s(&[1, 2]), Value::U64(2), Value::U64(1)]);
    assert_eq!(call(&w, "return_in_operand", vec![Value::U64(3)]), [Value::U64(331)]);
    assert_eq!(call(&w, "return_in_operand", vec![Value::U64(9)]), [Value::U64(0)]);
    assert_eq!(call(&w, "break_in_operand", vec![Value::U64(5)]), [Value::U64(6)]);
}

#[test]
fn tuples_vectors_structs_and_references() {
    let w = world();
    // 47 / 5 = 9 r 2; 9 / 3 = 3 r 0
    assert_eq!(call(&w, "tuples", vec![Value::U64(47), Value::U64(5)]), [Value::U64(9020)]);
    // [50, 7, 6] after the swap, push 9, pop 9: 50 + 70 + 900 + 3000
    assert_eq!(call(&w, "vectors", vec![]), [Value::U64(4020)]);
    assert_eq!(call(&w, "bytes", vec![]), [Value::Vector(vec![Value::U8(b'h'), Value::U8(b'i')])]);
    // o.p = {a: 10, b: 4}, n = 3 when copied; o.n = 0 afterwards
    assert_eq!(call(&w, "nested_writes", vec![]), [Value::U64(10 + 400 + 30000)]);
    assert_eq!(call(&w, "through_refs", vec![Value::U64(1), Value::U64(2)]), [Value::U64(21)]);
    assert_eq!(call(&w, "last_use", vec![Value::U64(3)]), [u64s(&[1, 2, 6])]);
}

/// A reference returned by a call points into the caller's frame (or
/// storage) and stays valid there.
#[test]
fn returned_references_point_into_the_callers_values() {
    let mut w = world();
    // first = 1: `larger` picks q (5 > 1): q = {6, 100}; then p.a = p.b * 3 = 6.
    assert_eq!(call(&w, "through_returned", vec![Value::U64(1)]), [Value::U64(6 + 20 + 600 + 100_000)]);
    // first = 9: `larger` picks p: p = {10, 100}, then p.a = 300; q stays {5, 6}.
    assert_eq!(call(&w, "through_returned", vec![Value::U64(9)]), [Value::U64(300 + 1000 + 500 + 6000)]);
    assert_eq!(call(&w, "copy_while_borrowed", vec![]), [Value::U64(3 + 10 + 200)]);
    let me = Value::Address(AccountAddress::from_u64(0xA));
    assert_eq!(w.execute(&tx("count", vec![])).status, Status::Success);
    assert_eq!(w.execute(&tx("count_by_ten", vec![])).status, Status::Success);
    assert_eq!(call(&w, "read_count", vec![me]), [Value::U64(11)]);
}

#[test]
fn aborts_and_runtime_errors_are_reported() {
    let w = world();
    let failed = w.call(&tx("checked", vec![Value::U64(12)]));
    assert!(matches!(failed.receipt.status, Status::Aborted { code: 77, .. }), "{:?}", failed.receipt.status);
    let narrow = w.call(&tx("narrow", vec![Value::U128(256)]));
    assert!(
        matches!(narrow.receipt.status, Status::RuntimeError { kind: RuntimeErrorKind::CastOutOfRange, .. }),
        "{:?}",
        narrow.receipt.status
    );
    assert_eq!(call(&w, "narrow", vec![Value::U128(255)]), [Value::U8(255)]);
}

#[test]
fn global_storage_round_trip() {
    let mut w = world();
    let me = Value::Address(AccountAddress::from_u64(0xA));
    assert_eq!(call(&w, "read_count", vec![me.clone()]), [Value::U64(0)]);
    for _ in 0..3 {
        assert_eq!(w.execute(&tx("count", vec![])).status, Status::Success);
    }
    assert_eq!(call(&w, "read_count", vec![me.clone()]), [Value::U64(3)]);
    assert_eq!(call(&w, "remove", vec![me]), [Value::U64(6)]);
}

/// Modules compiled together link (function handles carry the callee's exact
/// signature and access spec) and call each other.
#[test]
fn modules_compiled_together_link_and_run() {
    let text = include_str!("cases/codegen/cross_module_calls.rsn");
    let sources = [SourceFile::new("cross.rsn", text)];
    let result = compile(&sources, &[]);
    assert!(!result.has_errors(), "{}", result.diagnostics.render(&sources));
    let mut world = World::new();
    for module in result.modules {
        world.publish_stdlib(module.module).unwrap();
    }
    let app = ModuleId::new(AccountAddress::from_u64(1), "app");
    let counter = ModuleId::new(AccountAddress::from_u64(1), "counter");
    let sender = AccountAddress::from_u64(0xA);
    let call = |module: &ModuleId, function: &str, args: Vec<Value>| Transaction {
        sender,
        module: module.clone(),
        function: function.into(),
        args,
        gas_limit: 1_000_000,
        type_args: Vec::new(),
    };
    assert_eq!(world.execute(&call(&counter, "init", vec![])).status, Status::Success);
    assert_eq!(world.execute(&call(&app, "tick", vec![])).status, Status::Success);
    // A second tick would `move_to` a second Wallet: it aborts and writes nothing.
    let again = world.execute(&call(&app, "tick", vec![]));
    assert!(matches!(again.status, Status::RuntimeError { .. }), "{:?}", again.status);
    let outcome = world.call(&call(&app, "cash_out", vec![Value::Address(sender)]));
    assert_eq!(outcome.receipt.status, Status::Success);
    assert_eq!(outcome.returns, [Value::U64(1)]);
}

/// A module compiled against an already compiled dependency links against it.
#[test]
fn module_compiled_against_a_dependency_links_and_runs() {
    let text = include_str!("cases/codegen/dependency_call.rsn");
    let (dep_text, main_text) = text.split_once("//# dependency-split\n").unwrap();
    let dep_sources = [SourceFile::new("scores.rsn", dep_text)];
    let dep = compile(&dep_sources, &[]);
    assert!(!dep.has_errors(), "{}", dep.diagnostics.render(&dep_sources));
    let scores = dep.modules[0].module.clone();
    let sources = [SourceFile::new("arena.rsn", main_text)];
    let main = compile(&sources, std::slice::from_ref(&scores));
    assert!(!main.has_errors(), "{}", main.diagnostics.render(&sources));
    let mut world = World::new();
    world.publish_stdlib(scores).unwrap();
    world.publish_stdlib(main.modules[0].module.clone()).unwrap();
    let tx = |module: &str, function: &str, sender: u64, args: Vec<Value>| Transaction {
        sender: AccountAddress::from_u64(sender),
        module: ModuleId::new(AccountAddress::from_u64(if module == "scores" { 1 } else { 2 }), module),
        function: function.into(),
        args,
        gas_limit: 1_000_000,
        type_args: Vec::new(),
    };
    for player in [0xA, 0xB] {
        assert_eq!(world.execute(&tx("scores", "join", player, vec![])).status, Status::Success);
    }
    let win = world.execute(&tx("arena", "win", 0xA, vec![Value::Address(AccountAddress::from_u64(0xB))]));
    assert_eq!(win.status, Status::Success);
    assert_eq!(win.write_set.0.len(), 2);
}
