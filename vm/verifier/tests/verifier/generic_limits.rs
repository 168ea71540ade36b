//! Type bombs: instantiation loops, chains of growing calls, substitution
//! past the type limits, and the type parameter limit.

use resin_format::file_format::*;
use resin_verifier::VerifyErrorKind;
use Instr::*;

use super::builder::{accepts, rejects, vector, Builder, Fun};
use super::generics::{base, next_handle, one, t, DROP, NONE};

#[test]
fn instantiation_loops_are_rejected() {
    // `f<T0>` calls `f<vector<T0>>`: infinitely many instantiations.
    let mut b = base();
    let f = next_handle(&b);
    let f_vec = b.function_inst(f, vec![vector(t(0))]);
    b.function(Fun::new("f").type_params(vec![NONE]).code(vec![CallGeneric(f_vec), Ret]));
    rejects(&b.build(), Some("f"), Some(0), VerifyErrorKind::InstantiationLoop { function: "f".into() });
    // Through a cycle: `f<T0>` calls `g<T0>`, which calls `f<Box<T0>>`.
    let mut b = base();
    let (f, g) = (next_handle(&b), FunctionHandleIdx(next_handle(&b).0 + 1));
    let g_t = b.function_inst(g, vec![t(0)]);
    let f_box = b.function_inst(f, vec![b.inst_ty("Box", vec![t(0)])]);
    b.function(Fun::new("f").type_params(vec![NONE]).code(vec![CallGeneric(g_t), Ret]));
    b.function(Fun::new("g").type_params(vec![NONE]).code(vec![CallGeneric(f_box), Ret]));
    rejects(&b.build(), Some("g"), Some(0), VerifyErrorKind::InstantiationLoop { function: "g".into() });
    // Recursion with the same arguments, and growth without a cycle, are fine.
    let mut b = base();
    let (f, g) = (next_handle(&b), FunctionHandleIdx(next_handle(&b).0 + 1));
    let f_t = b.function_inst(f, vec![t(0)]);
    let g_vec = b.function_inst(g, vec![vector(t(0))]);
    b.function(Fun::new("f").type_params(vec![NONE]).code(vec![CallGeneric(f_t), CallGeneric(g_vec), Ret]));
    b.function(Fun::new("g").type_params(vec![NONE]).code(vec![Ret]));
    accepts(&b.build());
}

#[test]
fn substitution_is_held_to_the_type_depth_limit() {
    let deep = |mut ty: Type, levels: usize| {
        for _ in 0..levels {
            ty = vector(ty);
        }
        ty
    };
    let mut b = base();
    let make =
        b.function(Fun::new("make").type_params(vec![DROP]).returns(vec![deep(t(0), 20)]).code(vec![LdU64(0), Abort]));
    let inst = b.function_inst(make, vec![deep(Type::U64, 20)]);
    b.function(Fun::new("f").code(vec![CallGeneric(inst), Pop, Ret]));
    rejects(&b.build(), Some("f"), Some(0), VerifyErrorKind::TypeTooDeep { depth: 41, max: 32 });
}

/// Without a loop, a chain of calls can still double a type per call: the
/// module's own calls are held to the type limits all along the chain.
#[test]
fn chains_of_growing_calls_are_held_to_the_type_limits() {
    let chain = |levels: u16, arg: &dyn Fn(&Builder) -> Type| {
        let mut b = base();
        b.generic_structure("P", DROP, vec![(NONE, false), (NONE, false)], vec![("a", t(0)), ("b", t(1))]);
        let first = next_handle(&b).0;
        for level in 0..levels {
            let next = b.function_inst(FunctionHandleIdx(first + level + 1), vec![arg(&b)]);
            let name: &'static str = Box::leak(format!("f{level}").into_boxed_str());
            b.function(Fun::new(name).type_params(vec![NONE]).code(vec![CallGeneric(next), Ret]));
        }
        let last: &'static str = Box::leak(format!("f{levels}").into_boxed_str());
        b.function(Fun::new(last).type_params(vec![NONE]).code(vec![Ret]));
        b.build()
    };
    let pair = |b: &Builder| b.inst_ty("P", vec![t(0), t(0)]);
    // 3, 7, 15, ..., 255 nodes fit; the eighth call would make 511.
    accepts(&chain(7, &pair));
    rejects(&chain(8, &pair), Some("f7"), Some(0), VerifyErrorKind::TypeTooLarge { nodes: 511, max: 256 });
    let deep = |_: &Builder| (0..16).fold(t(0), |ty, _| vector(ty));
    accepts(&chain(1, &deep));
    rejects(&chain(2, &deep), Some("f1"), Some(0), VerifyErrorKind::TypeTooDeep { depth: 33, max: 32 });
}

#[test]
fn type_parameter_counts_are_limited() {
    let module = one(Fun::new("f").type_params(vec![NONE; 33]).code(vec![Ret]));
    rejects(&module, None, None, VerifyErrorKind::TooManyTypeParameters { count: 33, max: 32 });
}
