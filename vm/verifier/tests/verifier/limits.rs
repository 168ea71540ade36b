//! The limits that keep values shallow and verification bounded: struct
//! nesting (value depth) and the dataflow budget of a whole module.

use resin_format::encoding::limits::MAX_VALUE_DEPTH;
use resin_format::file_format::*;
use resin_verifier::{VerifyErrorKind as K, MAX_MODULE_DATAFLOW_UNITS};
use Instr::*;

use super::builder::*;

/// `S0 { f: S1 }`, ..., `S(n-1) { f: u64 }`: `S0` is `n + 1` deep.
fn chain(n: usize) -> Module {
    let mut b = Builder::new(2, "deep");
    let handles: Vec<StructHandleIdx> =
        (0..n).map(|i| b.struct_handle(ModuleHandleIdx(0), &format!("S{i}"), Abilities::STORE)).collect();
    for i in 0..n {
        let ty = if i + 1 < n { Type::Struct(handles[i + 1]) } else { Type::U64 };
        b.module.structs.push(StructDef { handle: handles[i], fields: vec![FieldDef { name: "f".into(), ty }] });
    }
    b.build()
}

fn too_deep(what: &str, depth: usize) -> K {
    K::ValueTooDeep { what: what.into(), depth, max: MAX_VALUE_DEPTH }
}

#[test]
fn struct_chains_are_limited_by_value_depth() {
    accepts(&chain(MAX_VALUE_DEPTH - 1));
    rejects(&chain(MAX_VALUE_DEPTH), None, None, too_deep("struct `S0`", MAX_VALUE_DEPTH + 1));
    // The chain from the report: forty thousand structs, checked without
    // recursion (a recursive walk would overflow the test thread's stack).
    rejects(&chain(40_000), None, None, too_deep("struct `S0`", 40_001));
}

#[test]
fn the_order_of_definitions_does_not_matter() {
    let mut m = chain(MAX_VALUE_DEPTH);
    m.structs.reverse();
    let err = resin_verifier::verify_module(&m).unwrap_err();
    assert_eq!(err.kind, too_deep("struct `S0`", MAX_VALUE_DEPTH + 1));
}

/// Adds `C0 { c: C1 }`, ..., `C(n-1) { c: leaf }` to `b`; returns `C0`'s type.
fn add_chain(b: &mut Builder, n: usize, leaf: Type) -> Type {
    let mut ty = leaf;
    for i in (0..n).rev() {
        let name = format!("C{i}");
        b.structure(&name, Abilities::STORE, vec![("c", ty)]);
        ty = b.ty(&name);
    }
    ty
}

#[test]
fn vectors_of_structs_count_both() {
    // C0 is 41 deep; Outer { v: vector^k<C0> } is k + 42 deep.
    let build = |k: usize| {
        let mut b = Builder::new(2, "m");
        let c0 = add_chain(&mut b, 40, Type::U64);
        b.structure("Outer", Abilities::STORE, vec![("v", (0..k).fold(c0, |t, _| vector(t)))]);
        b.build()
    };
    accepts(&build(MAX_VALUE_DEPTH - 42));
    rejects(&build(MAX_VALUE_DEPTH - 41), None, None, too_deep("struct `Outer`", MAX_VALUE_DEPTH + 1));
}

#[test]
fn locals_and_signatures_are_checked() {
    let mut b = Builder::new(2, "m");
    let deepest = add_chain(&mut b, MAX_VALUE_DEPTH - 1, Type::U64);
    b.function(Fun::new("f").locals(vec![deepest.clone()]).code(vec![Ret]));
    accepts(&b.module);
    let mut local = b.module.clone();
    local.functions[0].locals = vec![vector(deepest.clone())];
    rejects(&local, Some("f"), None, too_deep("local 0", MAX_VALUE_DEPTH + 1));
    let mut param = b.module.clone();
    param.function_handles[0].params = vec![vector(deepest.clone())];
    rejects(&param, None, None, too_deep("parameter 0 of `f`", MAX_VALUE_DEPTH + 1));
    // A vector instruction builds a vector of its signature's type.
    let mut sig = b.module.clone();
    sig.signatures.push(deepest);
    rejects(&sig, None, None, too_deep("the vector of signature 0", MAX_VALUE_DEPTH + 1));
}

#[test]
fn a_foreign_struct_counts_at_least_one_level() {
    // The loader checks the real depth at link time; here `Far` is 1 deep.
    let build = |n: usize| {
        let mut b = Builder::new(2, "user");
        let dep = b.dep(3, "other");
        let far = b.struct_handle(dep, "Far", Abilities::STORE);
        add_chain(&mut b, n, vector(Type::Struct(far)));
        b.build()
    };
    accepts(&build(MAX_VALUE_DEPTH - 2));
    rejects(&build(MAX_VALUE_DEPTH - 1), None, None, too_deep("struct `C0`", MAX_VALUE_DEPTH + 1));
}

/// A function whose types pass alone costs about `blocks * 2001` units (see
/// `dataflow_work_is_metered`): under the per-function limit.
fn heavy(name: &'static str, blocks: u16) -> Fun {
    let mut code = vec![LdU8(0); 1000];
    code.extend((1001..1001 + blocks).map(|next| Branch(CodeOffset(next))));
    code.extend(vec![Pop; 1000]);
    code.push(Ret);
    Fun::new(name).code(code)
}

#[test]
fn a_module_has_one_dataflow_budget_for_all_its_functions() {
    let mut one_heavy = Builder::base();
    one_heavy.function(heavy("f0", 2400));
    accepts(&one_heavy.module);
    let mut many = Builder::base();
    for name in ["f0", "f1", "f2", "f3"] {
        many.function(heavy(name, 2400));
    }
    let err = resin_verifier::verify_module(&many.module).unwrap_err();
    assert_eq!(err.kind, K::ModuleTooComplex { max: MAX_MODULE_DATAFLOW_UNITS });
    assert_eq!(err.function.as_deref(), Some("f3"), "{err}");
}

#[test]
fn names_echoed_in_errors_are_escaped() {
    let mut m = Builder::base().build();
    m.struct_handles[2].name = "Po\nint\u{1b}[2J".into();
    let err = resin_verifier::verify_module(&m).unwrap_err();
    assert_eq!(err.kind, K::InvalidIdentifier { name: "Po\\nint\\u{1b}[2J".into() });
    assert!(!err.to_string().contains('\n') && !err.to_string().contains('\u{1b}'), "{err}");
    let mut m = Builder::base().build();
    m.module_handles[0].name = "m\r".into();
    let err = resin_verifier::verify_module(&m).unwrap_err();
    assert_eq!(err.to_string(), "0x1::m\\r: `m\\r` is not a valid identifier");
}
