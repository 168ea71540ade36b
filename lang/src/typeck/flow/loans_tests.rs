//! The borrow state's algebra: overlap, normalization, derivation, joins
//! and canonical ids, against expectations worked out by hand.

use super::*;

fn local(i: u32, path: &[u16]) -> Place {
    Place { root: Root::Local(LocalId(i)), path: path.to_vec() }
}

fn loan(id: u32, places: Vec<Place>) -> Loan {
    Loan {
        id: LoanId::Fresh(id),
        mutable: true,
        places,
        ancestors: Vec::new(),
        siblings: Vec::new(),
        span: Span::default(),
        quiet: false,
    }
}

#[test]
fn places_overlap_when_one_contains_the_other() {
    let (x, xa, xab, xb) = (local(0, &[]), local(0, &[0]), local(0, &[0, 1]), local(0, &[1]));
    for (p, q, expected) in [
        (&x, &xa, true),
        (&xa, &x, true),
        (&xa, &xab, true),
        (&xab, &xa, true),
        (&xa, &xb, false),
        (&xab, &xb, false),
        (&x, &local(1, &[]), false),
    ] {
        assert_eq!(p.overlaps(q), expected, "{p:?} {q:?}");
    }
    let element = local(0, &[ELEMENT]);
    assert!(element.overlaps(&local(0, &[ELEMENT, 2])));
    assert!(!element.overlaps(&xa));
    let any = Place::new(Root::Any);
    assert!(any.overlaps(&xb) && xb.overlaps(&any));
    let global = Place::new(Root::Global(StructId { module: crate::resolve::env::ModId(0), index: 0 }));
    assert!(!global.overlaps(&x));
}

#[test]
fn normalized_places_drop_what_another_contains() {
    let places = vec![local(0, &[0, 1]), local(1, &[]), local(0, &[0]), local(0, &[0]), local(0, &[1])];
    assert_eq!(normalized(places), [local(0, &[0]), local(0, &[1]), local(1, &[])]);
    assert_eq!(normalized(vec![local(0, &[]), Place::new(Root::Any)]), [Place::new(Root::Any)]);
}

#[test]
fn a_derived_loan_keeps_its_source_as_an_ancestor() {
    let mut source = loan(1, vec![local(0, &[])]);
    source.ancestors = vec![LoanId::Fresh(0)];
    let field = source.derive(LoanId::Fresh(2), false, &[3], Span::default());
    assert_eq!(field.places, [local(0, &[3])]);
    assert_eq!(field.ancestors, [LoanId::Fresh(0), LoanId::Fresh(1)]);
    assert!(!field.mutable);
    assert!(field.may_ignore(&source) && !source.may_ignore(&field));
}

#[test]
fn siblings_and_what_derives_from_them_may_be_ignored() {
    let mut a = loan(1, vec![local(0, &[])]);
    let mut b = loan(2, vec![local(0, &[])]);
    a.siblings = vec![b.id];
    b.siblings = vec![a.id];
    let from_b = b.derive(LoanId::Fresh(3), true, &[], Span::default());
    assert!(a.may_ignore(&b) && b.may_ignore(&a));
    assert!(a.may_ignore(&from_b) && from_b.may_ignore(&a));
    assert!(!a.may_ignore(&loan(4, vec![local(0, &[])])));
}

#[test]
fn canonical_ids_follow_holders_and_drop_dead_ancestors() {
    let mut loans = Loans::default();
    let held = loan(7, vec![local(0, &[])]);
    let mut copy = held.derive(LoanId::Fresh(8), true, &[], Span::default());
    copy.ancestors.push(LoanId::Fresh(99)); // no longer held by anyone
    loans.locals.insert(LocalId(3), held);
    loans.operands.push(None);
    loans.operands.push(Some(copy));
    let mut results = vec![Some(loan(9, vec![local(1, &[])]))];
    loans.canonicalize(&mut results);
    let copy = loans.operands[1].as_ref().map(|l| (l.id, l.ancestors.clone()));
    assert_eq!(copy, Some((LoanId::Operand(1), vec![LoanId::Local(3)])));
    assert_eq!(loans.locals[&LocalId(3)].id, LoanId::Local(3));
    assert_eq!(results[0].as_ref().map(|l| l.id), Some(LoanId::Result(0)));
}

#[test]
fn a_join_unions_places_and_keeps_common_ancestors() {
    let mut a = loan(1, vec![local(0, &[])]);
    a.ancestors = vec![LoanId::Local(5), LoanId::Local(6)];
    let mut b = loan(1, vec![local(1, &[])]);
    b.ancestors = vec![LoanId::Local(6)];
    b.quiet = true;
    let (mut x, mut y) = (Loans::default(), Loans::default());
    x.locals.insert(LocalId(2), a);
    y.locals.insert(LocalId(2), b);
    y.locals.insert(LocalId(4), loan(3, vec![local(1, &[2])]));
    let joined = x.join(&y);
    let two = &joined.locals[&LocalId(2)];
    assert_eq!(two.places, [local(0, &[]), local(1, &[])]);
    assert_eq!(two.ancestors, [LoanId::Local(6)]);
    assert!(two.quiet);
    assert!(joined.locals.contains_key(&LocalId(4)), "held on one side is held");
}

#[test]
fn widening_points_everywhere() {
    let mut loans = Loans::default();
    let mut l = loan(1, vec![local(0, &[1])]);
    l.ancestors = vec![LoanId::Local(0)];
    loans.locals.insert(LocalId(1), l);
    loans.widen();
    let l = &loans.locals[&LocalId(1)];
    assert_eq!(l.places, [Place::new(Root::Any)]);
    assert!(l.ancestors.is_empty());
}
