//! Reference safety, rule by rule, in the text assembler: each rejected
//! program names its error kind, its offset and the conflicting borrow
//! (where it was made, what holds it). The accepted programs are what Move
//! allows: disjoint fields, sequential borrows, references returned from
//! parameters and borrowed through.

use resin_format::assembler::assemble;
use resin_verifier::{verify_module, Borrower, Holder, VerifyErrorKind as K};

const HEADER: &str = "module 0x1::m
struct Coin has store { value: u64 }
struct Pair has store { a: Coin, b: Coin }
struct Point has copy, drop { x: u64, y: u64 }
struct Balance has key { coin: Coin }
fun take(a: &mut Coin, b: &mut Coin) {
    ret
}
fun read_x(p: &Point): u64 {
    move_loc p
    imm_borrow_field Point.x
    read_ref
    ret
}
fun x_mut(p: &mut Point): &mut u64 {
    move_loc p
    mut_borrow_field Point.x
    ret
}
fun credit(to: address) acquires write Balance(param to) {
    move_loc to
    mut_borrow_global Balance
    pop
    ret
}
fun peek(at: address) acquires read Balance(param at) {
    move_loc at
    imm_borrow_global Balance
    pop
    ret
}
";

fn by(offset: u16, holder: Holder) -> Borrower {
    Borrower { offset, holder }
}

fn module(function: &str) -> resin_format::file_format::Module {
    let text = format!("{HEADER}{function}\n");
    assemble(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// `function` (added to the header) is rejected at `offset` with `kind`.
fn rejects(function: &str, offset: u16, kind: K) {
    let err = verify_module(&module(function)).expect_err(function);
    assert_eq!(
        (err.function.as_deref(), err.offset, &err.kind),
        (Some("f"), Some(offset), &kind),
        "\n{function}\n{err}"
    );
}

fn accepts(function: &str) {
    if let Err(err) = verify_module(&module(function)) {
        panic!("{err}\n{function}");
    }
}

#[test]
fn a_copied_mut_and_its_original_cannot_both_be_used() {
    // `r` is a copy of `c`; writing through `c` while `r` lives is refused.
    let f = "fun f(c: &mut Coin) {
        local r: &mut Coin
        copy_loc c
        st_loc r
        ld_u64 1
        copy_loc r
        mut_borrow_field Coin.value
        write_ref
        move_loc c
        mut_borrow_field Coin.value
        pop
        ret
    }";
    rejects(f, 7, K::WriteWhileBorrowed { instruction: "mut_borrow_field", borrow: by(0, Holder::Local(1)) });
}

#[test]
fn a_reborrow_cannot_be_written_while_the_first_borrow_of_the_field_lives() {
    // `v = &mut r.value`, then `&mut (*r).value` again and a write through it.
    let f = "fun f(r: &mut Coin) {
        local v: &mut u64
        copy_loc r
        mut_borrow_field Coin.value
        st_loc v
        ld_u64 1
        copy_loc r
        mut_borrow_field Coin.value
        write_ref
        ret
    }";
    rejects(f, 6, K::WriteWhileBorrowed { instruction: "write_ref", borrow: by(1, Holder::Local(1)) });
}

#[test]
fn a_mut_cannot_be_frozen_or_read_while_a_mutable_borrow_of_it_lives() {
    let freeze = "fun f(c: &mut Point): u64 {
        local m: &mut u64
        copy_loc c
        mut_borrow_field Point.x
        st_loc m
        move_loc c
        freeze_ref
        call read_x
        ret
    }";
    rejects(freeze, 4, K::FreezeWhileMutablyBorrowed { borrow: by(1, Holder::Local(1)) });
    let read = "fun f(c: &mut Point): Point {
        local m: &mut u64
        copy_loc c
        mut_borrow_field Point.x
        st_loc m
        move_loc c
        read_ref
        ret
    }";
    rejects(read, 4, K::ReadWhileMutablyBorrowed { instruction: "read_ref", borrow: by(1, Holder::Local(1)) });
    // Reading the same field is refused; a disjoint one is fine (below).
    let field = "fun f(c: &mut Point): u64 {
        local m: &mut u64
        copy_loc c
        mut_borrow_field Point.x
        st_loc m
        move_loc c
        imm_borrow_field Point.x
        read_ref
        ret
    }";
    let kind = K::ReadWhileMutablyBorrowed { instruction: "imm_borrow_field", borrow: by(1, Holder::Local(1)) };
    rejects(field, 4, kind);
}

#[test]
fn one_local_borrowed_twice_cannot_go_to_one_call() {
    let f = "fun f() {
        local c: Coin
        ld_u64 1
        pack Coin
        st_loc c
        mut_borrow_loc c
        mut_borrow_loc c
        call take
        move_loc c
        unpack Coin
        pop
        ret
    }";
    rejects(f, 5, K::CallWithBorrowedMutableReference { argument: 1, borrow: by(3, Holder::Operand(0)) });
}

/// `p` is borrowed (`r = &p.x`) when each of these runs.
fn while_p_is_borrowed(then: &str, mutable: bool) -> String {
    let borrow = if mutable {
        "mut_borrow_loc p\n mut_borrow_field Point.x"
    } else {
        "imm_borrow_loc p\n imm_borrow_field Point.x"
    };
    let r = if mutable { "&mut u64" } else { "&u64" };
    format!(
        "fun f(): u64 {{
        local p: Point
        local r: {r}
        ld_u64 1
        ld_u64 2
        pack Point
        st_loc p
        {borrow}
        st_loc r
        {then}
        move_loc r
        read_ref
        ret
    }}"
    )
}

#[test]
fn a_borrowed_local_cannot_be_written_moved_assigned_or_read_in_conflict() {
    let r = by(5, Holder::Local(1));
    let write = while_p_is_borrowed("ld_u64 9\n mut_borrow_loc p\n mut_borrow_field Point.x\n write_ref", false);
    rejects(&write, 10, K::WriteWhileBorrowed { instruction: "write_ref", borrow: r });
    let moved = while_p_is_borrowed("move_loc p\n pop", false);
    rejects(&moved, 7, K::MoveOfBorrowedLocal { local: 0, borrow: r });
    let assigned = while_p_is_borrowed("ld_u64 3\n ld_u64 4\n pack Point\n st_loc p", false);
    rejects(&assigned, 10, K::StoreToBorrowedLocal { local: 0, borrow: r });
    let copied = while_p_is_borrowed("copy_loc p\n pop", true);
    rejects(&copied, 7, K::CopyOfMutablyBorrowedLocal { local: 0, borrow: r });
    let borrowed = while_p_is_borrowed("imm_borrow_loc p\n call read_x\n pop", true);
    rejects(&borrowed, 7, K::BorrowOfMutablyBorrowedLocal { local: 0, borrow: r });
}

/// A reference into global `Balance` (at `a`) lives in local 2 when `then` runs.
fn while_balance_is_borrowed(then: &str, mutable: bool) -> String {
    let (borrow, r) =
        if mutable { ("mut_borrow_global Balance", "&mut Balance") } else { ("imm_borrow_global Balance", "&Balance") };
    format!(
        "fun f(a: address, b: address) acquires write Balance(*) {{
        local r: {r}
        copy_loc a
        {borrow}
        st_loc r
        {then}
        move_loc r
        pop
        ret
    }}"
    )
}

#[test]
fn global_storage_is_borrowed_per_type() {
    let r = by(1, Holder::Local(2));
    let balance = || "Balance".into();
    let two_mut = while_balance_is_borrowed("copy_loc b\n mut_borrow_global Balance\n pop", true);
    rejects(&two_mut, 4, K::MutBorrowGlobalWhileBorrowed { resource: balance(), borrow: r });
    let mut_then_read = while_balance_is_borrowed("copy_loc b\n imm_borrow_global Balance\n pop", true);
    rejects(&mut_then_read, 4, K::BorrowGlobalWhileMutablyBorrowed { resource: balance(), borrow: r });
    let moved = while_balance_is_borrowed("copy_loc a\n move_from Balance\n unpack Balance\n unpack Coin\n pop", false);
    rejects(&moved, 4, K::MoveFromWhileBorrowed { resource: balance(), borrow: r });
    let writer = while_balance_is_borrowed("copy_loc b\n call credit", false);
    let kind = K::CallWhileGlobalBorrowed { callee: "credit".into(), resource: balance(), writes: true, borrow: r };
    rejects(&writer, 4, kind);
    let reader = while_balance_is_borrowed("copy_loc b\n call peek", true);
    let kind = K::CallWhileGlobalBorrowed { callee: "peek".into(), resource: balance(), writes: false, borrow: r };
    rejects(&reader, 4, kind);
    // Two readers, and a reader calling a reader, are fine.
    accepts(&while_balance_is_borrowed("copy_loc b\n imm_borrow_global Balance\n pop\n copy_loc b\n call peek", false));
}

#[test]
fn nothing_returned_may_point_into_the_frame() {
    let local = "fun f(): &u64 {
        local x: u64
        ld_u64 1
        st_loc x
        imm_borrow_loc x
        ret
    }";
    rejects(local, 3, K::LocalBorrowedAtReturn { local: 0, borrow: by(2, Holder::Operand(0)) });
    let global = "fun f(a: address): &Balance acquires read Balance(param a) {
        move_loc a
        imm_borrow_global Balance
        ret
    }";
    rejects(global, 2, K::GlobalBorrowedAtReturn { resource: "Balance".into(), borrow: by(1, Holder::Operand(0)) });
    // Still borrowed through a call's result: the local outlives nothing.
    let through_call = "fun f(): &mut u64 {
        local p: Point
        ld_u64 1
        ld_u64 2
        pack Point
        st_loc p
        mut_borrow_loc p
        call x_mut
        ret
    }";
    rejects(through_call, 6, K::LocalBorrowedAtReturn { local: 0, borrow: by(5, Holder::Operand(0)) });
    // Two `&mut` returned that alias: the caller would get both.
    let aliases = "fun f(c: &mut Coin): (&mut Coin, &mut Coin) {
        copy_loc c
        move_loc c
        ret
    }";
    rejects(aliases, 2, K::ReturnOfBorrowedMutableReference { value: 1, borrow: by(0, Holder::Operand(0)) });
}

#[test]
fn what_move_allows_is_accepted() {
    // Disjoint fields of one struct, borrowed mutably at once.
    accepts(
        "fun f(p: &mut Pair) {
        copy_loc p
        mut_borrow_field Pair.a
        move_loc p
        mut_borrow_field Pair.b
        call take
        ret
    }",
    );
    // Sequential borrows of one local, and shared reads of it.
    accepts(
        "fun f(): u64 {
        local p: Point
        ld_u64 1
        ld_u64 2
        pack Point
        st_loc p
        ld_u64 5
        mut_borrow_loc p
        mut_borrow_field Point.x
        write_ref
        imm_borrow_loc p
        imm_borrow_loc p
        call read_x
        pop
        call read_x
        ret
    }",
    );
    // A returned reference derived from a parameter, and borrowing through one.
    accepts(
        "fun f(p: &mut Point): &mut u64 {
        move_loc p
        call x_mut
        ret
    }",
    );
    // A reference held on one path only is ended where the paths meet.
    accepts(
        "fun f(c: bool): u64 {
        local p: Point
        local r: &mut u64
        ld_u64 1
        ld_u64 2
        pack Point
        st_loc p
        mut_borrow_loc p
        call x_mut
        st_loc r
        move_loc c
        br_false skip
        ld_u64 7
        move_loc r
        write_ref
    skip:
        move_loc p
        unpack Point
        add
        ret
    }",
    );
}

/// Hostile code cannot make the borrow analysis slow: 254 `&mut` locals,
/// each overwritten with a fresh copy of the parameter again and again,
/// passes every earlier pass cheaply but exhausts the references pass's
/// budget for graph work.
#[test]
fn borrow_graph_work_is_metered() {
    use resin_format::file_format::*;
    let mut code = Vec::new();
    for _ in 0..128 {
        for local in 1..=254u8 {
            code.extend([Instr::CopyLoc(LocalIdx(0)), Instr::StLoc(LocalIdx(local))]);
        }
    }
    code.push(Instr::Ret);
    let mut module = module("");
    let handle = FunctionHandleIdx(module.function_handles.len() as u16);
    let u64_mut = Type::MutRef(Box::new(Type::U64));
    module.function_handles.push(FunctionHandle {
        type_params: Vec::new(),
        module: ModuleHandleIdx(0),
        name: "f".into(),
        params: vec![u64_mut.clone()],
        returns: vec![],
        access: AccessSpec::default(),
    });
    let locals = vec![u64_mut; 254];
    module.functions.push(FunctionDef { handle, visibility: Visibility::Private, is_entry: false, locals, code });
    assert!(resin_verifier::verify_through(&module, resin_verifier::Pass::Resources).is_ok());
    let err = verify_module(&module).expect_err("the graph work exceeds the budget");
    assert_eq!(err.kind, K::TooComplex { max: resin_verifier::MAX_DATAFLOW_UNITS });
    assert_eq!(err.function.as_deref(), Some("f"));
}
