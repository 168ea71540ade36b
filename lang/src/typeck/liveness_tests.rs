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
    fn exp<'a>(e: &'a TExp, out: &mut Vec<&'a TExp>) {
        match &e.kind {
            TExpKind::BorrowField { base: inner, .. }
            | TExpKind::ReadRef(inner)
            | TExpKind::Freeze(inner)
            | TExpKind::Not(inner)
            | TExpKind::Cast { expr: inner, .. }
            | TExpKind::Return(inner)
            | TExpKind::Abort(inner) => exp(inner, out),
            TExpKind::Vector { elems: items, .. }
            | TExpKind::Call { args: items, .. }
            | TExpKind::Builtin { args: items, .. }
            | TExpKind::Tuple(items) => items.iter().for_each(|i| exp(i, out)),
            TExpKind::Pack { fields, .. } => fields.iter().for_each(|(_, i)| exp(i, out)),
            TExpKind::Binary { lhs, rhs, .. } => {
                exp(lhs, out);
                exp(rhs, out);
            }
            TExpKind::Block(b) => block(b, out),
            TExpKind::If { cond, then_branch, else_branch } => {
                exp(cond, out);
                exp(then_branch, out);
                if let Some(e) = else_branch {
                    exp(e, out);
                }
            }
            TExpKind::While { cond, body } => {
                exp(cond, out);
                block(body, out);
            }
            TExpKind::Loop { body } => block(body, out),
            TExpKind::Assign { target, value } => {
                exp(value, out);
                if let TLValue::Ref(r) = target {
                    exp(r, out);
                }
            }
            _ => {}
        }
        out.push(e);
    }
    fn block<'a>(b: &'a TBlock, out: &mut Vec<&'a TExp>) {
        for s in &b.stmts {
            match s {
                TStmt::Let { init: Some(e), .. } | TStmt::Expr(e) => exp(e, out),
                TStmt::Let { init: None, .. } => {}
            }
        }
        if let Some(t) = &b.tail {
            exp(t, out);
        }
    }
    let mut out = Vec::new();
    block(&fun.body, &mut out);
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
