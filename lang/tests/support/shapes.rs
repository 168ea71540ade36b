//! Generators of the input shapes that once made a stage quadratic or answered
//! a user's program with an internal error. The tests build them small; the
//! `shapes` example (`cargo run --release -p resin-lang --example shapes`)
//! writes them at any size, for timing `resin check`.
#![allow(dead_code)]

use std::fmt::Write;

/// Repeats `item(i)` for i = 0, 1, ... inside `module 0x1::m { .. }` until the
/// text reaches `bytes` (at least one item).
fn module_of(bytes: usize, header: &str, mut item: impl FnMut(usize) -> String) -> String {
    let mut text = format!("module 0x1::m {{\n{header}");
    let mut i = 0;
    while i == 0 || text.len() < bytes {
        text.push_str(&item(i));
        i += 1;
    }
    text.push_str("}\n");
    text
}

/// One line holding `n` statements with an invalid character (`$`) each,
/// so `n` errors and nothing else.
pub fn errors_on_one_line(n: usize) -> String {
    format!("module 0x1::m {{\n    fun f(x: u64): u64 {{\n       {} x\n    }}\n}}\n", " $ x + 1;".repeat(n))
}

/// Ordinary functions, about `bytes` long: many tokens, many lines.
pub fn many_functions(bytes: usize) -> String {
    module_of(bytes, "", |i| {
        format!(
            "    fun f{i}(a: u64, b: u64): u64 {{\n        let c = a + b * 2;\n        if (c > 10) {{ c - 1 }} else {{ c + 1 }}\n    }}\n"
        )
    })
}

/// Functions holding an `if .. else if ..` chain `depth` long, about `bytes` in all.
pub fn else_if_chains(depth: usize, bytes: usize) -> String {
    module_of(bytes, "", |i| {
        let mut body = format!("    fun f{i}(x: u64): u64 {{\n        if (x == 0) {{ 0 }}");
        for k in 1..depth {
            let _ = write!(body, " else if (x == {k}) {{ {k} }}");
        }
        body.push_str(" else { 1 }\n    }\n");
        body
    })
}

/// `n` functions in one recursive group: `f{i}` reads `R{i % k}` at its
/// address parameter and calls `f{i+1}` (and `f{i-1}` when `both`), around a ring.
pub fn ring(n: usize, k: usize, both: bool) -> String {
    let mut text = String::from("module 0x1::m {\n");
    for i in 0..k {
        let _ = writeln!(text, "    struct R{i} has key {{ v: u64 }}");
    }
    for i in 0..n {
        let back = if both { format!(" + f{}(a, n - 2)", (i + n - 1) % n) } else { String::new() };
        let _ = write!(
            text,
            "    fun f{i}(a: address, n: u64): u64 {{\n        if (n == 0) {{ return borrow_global<R{}>(a).v }};\n        f{}(a, n - 1){back}\n    }}\n",
            i % k,
            (i + 1) % n
        );
    }
    text.push_str("}\n");
    text
}

/// A ring of about `bytes`, its functions reading `k` resources.
pub fn ring_of_size(bytes: usize, k: usize, both: bool) -> String {
    let per_function = if both { 130 } else { 115 };
    ring((bytes / per_function).max(1), k, both)
}

/// A function named with `len` letters.
pub fn long_identifier(len: usize) -> String {
    format!("module 0x1::m {{\n    fun {}() {{}}\n}}\n", "f".repeat(len))
}

/// A vector literal nested `depth` deep: its type is `depth + 1` levels deep.
pub fn deep_vector_literal(depth: usize) -> String {
    format!(
        "module 0x1::m {{\n    fun f() {{\n        let _v = {}1{};\n    }}\n}}\n",
        "vector[".repeat(depth),
        "]".repeat(depth)
    )
}

/// A vector literal of `n` elements.
pub fn long_vector_literal(n: usize) -> String {
    format!("module 0x1::m {{\n    fun f(): vector<u64> {{\n        vector[{}]\n    }}\n}}\n", vec!["1"; n].join(", "))
}

/// One function testing `n` resources at one address: its access set has `n` entries.
pub fn many_resources(n: usize) -> String {
    let mut text = String::from("module 0x1::m {\n");
    for i in 0..n {
        let _ = writeln!(text, "    struct R{i} has key {{ v: u64 }}");
    }
    text.push_str("    fun f(a: address): bool {\n        let b = false;\n");
    for i in 0..n {
        let _ = writeln!(text, "        b = b || exists<R{i}>(a);");
    }
    text.push_str("        b\n    }\n}\n");
    text
}

/// One function with a written access clause of `n` entries (all used).
pub fn written_clause(n: usize) -> String {
    let entries: Vec<String> = (1..=n).map(|i| format!("read R@0x{i:x}")).collect();
    let mut text = format!(
        "module 0x1::m {{\n    struct R has key {{ v: u64 }}\n    fun f(): bool acquires {} {{\n        let b = false;\n",
        entries.join(", ")
    );
    for i in 1..=n {
        let _ = writeln!(text, "        b = b || exists<R>(@0x{i:x});");
    }
    text.push_str("        b\n    }\n}\n");
    text
}

/// A function with `n` parameters.
pub fn many_parameters(n: usize) -> String {
    let params: Vec<String> = (0..n).map(|i| format!("_p{i}: u64")).collect();
    format!("module 0x1::m {{\n    fun f({}) {{}}\n}}\n", params.join(", "))
}

/// A function with `n` return values.
pub fn many_returns(n: usize) -> String {
    format!("module 0x1::m {{\n    fun f(): ({}) {{ ({}) }}\n}}\n", vec!["u64"; n].join(", "), vec!["0"; n].join(", "))
}

/// A struct with `n` fields.
pub fn many_fields(n: usize) -> String {
    let fields: Vec<String> = (0..n).map(|i| format!("f{i}: u64")).collect();
    format!("module 0x1::m {{\n    struct S has drop {{ {} }}\n}}\n", fields.join(", "))
}

/// Calls nested `depth` deep, each leaving 99 arguments on the operand stack.
pub fn nested_calls(depth: usize) -> String {
    let params: Vec<String> = (0..100).map(|i| format!("_p{i}: u64")).collect();
    let mut e = String::from("1");
    for _ in 0..depth {
        e = format!("g({}, {e})", vec!["1"; 99].join(", "));
    }
    format!(
        "module 0x1::m {{\n    fun g({}): u64 {{ 0 }}\n    fun f(): u64 {{\n        {e}\n    }}\n}}\n",
        params.join(", ")
    )
}

/// About `bytes` of address constants, each read by one function: every
/// function's analysis once scanned every constant.
pub fn constants_and_functions(bytes: usize) -> String {
    let n = (bytes / 80).max(1);
    let mut text = String::from("module 0x1::m {\n    struct R has key { v: u64 }\n");
    for i in 0..n {
        let _ = writeln!(text, "    const A{i}: address = @0x{:x};", i + 1);
    }
    for i in 0..n {
        let _ = writeln!(text, "    fun f{i}(): bool {{ exists<R>(A{i}) }}");
    }
    text.push_str("}\n");
    text
}

/// A function body of about `bytes` of numbers with no operators: one
/// syntax error per token for the parser to recover from.
pub fn stray_tokens(bytes: usize) -> String {
    format!("module 0x1::m {{ fun f() {{{} }} }}\n", " 1".repeat(bytes / 2))
}
