//! Where references die, on small functions worked out by hand.

use super::*;
use crate::source::SourceFile;
use crate::typeck::tir::TFunction;

/// The checked functions of one module.
fn functions(text: &str) -> Vec<TFunction> {
    let sources = [SourceFile::new("t.rsn", text)];
    let (program, diags) = crate::parse(&sources);
    assert!(!diags.has_errors(), "{}", diags.render(&sources));
    let (resolved, diags) = crate::resolve::resolve(&program, &[]);
    assert!(diags.iter().all(|d| !d.is_error()));
    let (modules, diags) = crate::typeck::check(&program, &resolved);
    assert!(diags.iter().all(|d| !d.is_error()), "{diags:?}");
    modules.into_iter().flatten().flat_map(|m| m.functions).collect()
}

/// Every expression of a function, in evaluation order.
fn all(fun: &TFunction) -> Vec<&TExp> {
    let mut out = Vec::new();
    fun.body.for_each_exp(&mut |e| out.push(e));
    out
}

fn local(fun: &TFunction, name: &str) -> LocalId {
    let index = fun.locals.iter().position(|l| l.name == name).unwrap_or(usize::MAX);
    LocalId(index as u32)
}

/// For each read of `name`, in order: whether it is the last.
fn last_reads(fun: &TFunction, name: &str) -> Vec<bool> {
    let target = local(fun, name);
    all(fun)
        .into_iter()
        .filter(|e| matches!(e.kind, TExpKind::Copy(l) | TExpKind::Move(l) if l == target))
        .map(|e| fun.liveness.is_last_read(e.pos))
        .collect()
}

/// The position of the first expression matching `is`.
fn pos_of(fun: &TFunction, is: fn(&TExpKind) -> bool) -> u32 {
    all(fun).into_iter().find(|e| is(&e.kind)).map_or(0, |e| e.pos)
}

fn names(fun: &TFunction, locals: &[LocalId]) -> Vec<String> {
    locals.iter().map(|l| fun.locals[l.index()].name.clone()).collect()
}

#[test]
fn a_branch_that_no_longer_uses_a_reference_releases_it() {
    let funs =
        functions("module 0x1::m { fun f(c: bool): u64 { let x = 1; let r = &mut x; *r = 2; if (c) { *r = 3; }; x } }");
    let f = &funs[0];
    assert_eq!(last_reads(f, "r"), [false, true]);
    let at = pos_of(f, |k| matches!(k, TExpKind::If { .. }));
    assert!(f.liveness.releases(at, Edge::Then).is_empty());
    assert_eq!(names(f, f.liveness.releases(at, Edge::Else)), ["r"]);
}

#[test]
fn a_reference_used_in_a_loop_lives_until_the_loop_is_left() {
    let funs = functions(
        "module 0x1::m { fun g(n: u64): u64 { let x = 0; let r = &mut x; let i = 0; \
         while (i < n) { *r = i; i = i + 1; }; x } }",
    );
    let g = &funs[0];
    assert_eq!(last_reads(g, "r"), [false]);
    let at = pos_of(g, |k| matches!(k, TExpKind::While { .. }));
    assert!(g.liveness.releases(at, Edge::Body).is_empty());
    assert_eq!(names(g, g.liveness.releases(at, Edge::Exit)), ["r"]);
}

#[test]
fn a_reference_reassigned_in_a_loop_dies_at_its_last_read_each_round() {
    let funs = functions(
        "module 0x1::m { fun h(n: u64): u64 { let a = 0; let b = 0; let r = &mut a; let i = 0; \
         while (i < n) { *r = i; r = &mut b; i = i + 1; }; a + b } }",
    );
    let h = &funs[0];
    assert_eq!(last_reads(h, "r"), [true]);
    let at = pos_of(h, |k| matches!(k, TExpKind::While { .. }));
    assert_eq!(names(h, h.liveness.releases(at, Edge::Exit)), ["r"]);
}

#[test]
fn stores_never_read_and_parameters_never_read_are_dead() {
    let funs = functions(
        "module 0x1::m { fun k(p: &u64, q: &u64): u64 { let x = 1; let r = &x; let s = &x; \
         s = &x; let t = *s; t + *p } }",
    );
    let k = &funs[0];
    assert_eq!(names(k, k.liveness.dead_params()), ["q"]);
    let (r, s) = (local(k, "r"), local(k, "s"));
    let dead: Vec<bool> = all(k)
        .into_iter()
        .filter(|e| matches!(e.kind, TExpKind::BorrowLocal { .. }))
        .map(|e| k.liveness.is_dead_store(e.pos, r) || k.liveness.is_dead_store(e.pos, s))
        .collect();
    // `let r = &x` (never read), `let s = &x` (overwritten before any read);
    // the third borrow is the value of `s = &x`, a store keyed by the assignment.
    assert_eq!(dead, [true, true, false]);
    let assign = pos_of(k, |e| matches!(e, TExpKind::Assign { .. }));
    assert!(!k.liveness.is_dead_store(assign, s));
}

#[test]
fn short_circuits_release_on_the_side_that_skips_the_read() {
    let funs =
        functions("module 0x1::m { fun s(c: bool): bool { let x = 1; let r = &x; let b = c && *r > 0; x = 2; b } }");
    let s = &funs[0];
    let at = pos_of(s, |k| matches!(k, TExpKind::Binary { op: BinOp::And, .. }));
    assert!(s.liveness.releases(at, Edge::Rhs).is_empty());
    assert_eq!(names(s, s.liveness.releases(at, Edge::Short)), ["r"]);
    assert_eq!(last_reads(s, "r"), [true]);
}

#[test]
fn an_abort_of_a_constant_releases_nothing() {
    let funs = functions("module 0x1::m { fun a(c: bool): u64 { let x = 1; let r = &x; assert!(c, 7); *r } }");
    let a = &funs[0];
    let at = pos_of(a, |k| matches!(k, TExpKind::If { .. }));
    assert!(a.liveness.releases(at, Edge::Then).is_empty());
    assert!(a.liveness.releases(at, Edge::Else).is_empty());
}
