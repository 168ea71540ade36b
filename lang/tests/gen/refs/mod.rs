//! A generator of programs that use references, for the reference-safety
//! properties.
//!
//! Deterministic from a seed: a module whose entry function `run` and random
//! helper functions take `&`/`&mut` to locals, fields, vector elements and
//! global resources, derive more (copies, rebinds, reborrows, freezes, tuple
//! destructuring, calls that pass and return references), use them (reads,
//! writes, calls, vector operations) and, meanwhile, move, assign, pop,
//! `move_from` and call storage writers, in branches and loops. Programs are
//! well typed but not necessarily safe: many are rejected by the borrow check,
//! which is the point. The accepted ones are run, and a hole in the check
//! shows up as a reference to a moved local, a removed resource, a popped
//! element or a finished call's local (`DanglingReference` or
//! `InvariantViolation`).
//!
//! Every construct that was generated is recorded in `features`, so tests can
//! tell that both the accepted and the rejected programs reach them.

use std::collections::BTreeSet;
use std::fmt::Write;

use super::Rng;

mod borrows;
mod uses;

/// The referenced type of a reference local.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Target {
    P,
    U64,
    Vec,
    R,
}

#[derive(Clone, Debug)]
struct RefLocal {
    name: String,
    target: Target,
    mutable: bool,
}

/// A generated program and the constructs it contains.
pub struct Program {
    pub text: String,
    pub features: BTreeSet<&'static str>,
}

struct Gen {
    rng: Rng,
    out: String,
    indent: usize,
    features: BTreeSet<&'static str>,
    /// Reference locals in scope, innermost block last.
    refs: Vec<Vec<RefLocal>>,
    /// `P` value locals in scope, innermost block last.
    values: Vec<Vec<String>>,
    /// `u64` locals in scope.
    numbers: Vec<Vec<String>>,
    next: usize,
    helpers: usize,
    /// Generating a helper: it calls no helper (no recursion).
    in_helper: bool,
}

const PRELUDE: &str = "    struct P has copy, drop { a: u64, b: u64 }
    struct B has drop { p: P, v: vector<u64>, n: u64 }
    struct R has key { n: u64, v: vector<u64> }

    fun get(r: &P): u64 { r.a + r.b }
    fun set(r: &mut P, x: u64) { r.a = x; r.b = x + 1; }
    fun add_into(from: &P, to: &mut P) { to.a = (to.a + from.a) % 1000; }
    fun a_mut(r: &mut P): &mut u64 { &mut r.a }
    fun a_ref(r: &P): &u64 { &r.a }
    fun pick(x: &mut P, y: &mut P, c: bool): &mut P { if (c) x else y }
    fun halves(r: &mut P): (&mut u64, &mut u64) { (&mut r.a, &mut r.b) }
    fun elem(v: &mut vector<u64>, i: u64): &mut u64 { vector::borrow_mut(v, i) }
    fun bump(a: address) { let g = borrow_global_mut<R>(a); g.n = (g.n + 1) % 1000; }
    fun peek(a: address): u64 { borrow_global<R>(a).n }
";

/// A module `0x2::refs` with an entry function `run(account: &signer, seed: u64)`.
pub fn program(seed: u64) -> Program {
    let mut g = Gen {
        rng: Rng::new(seed),
        out: String::new(),
        indent: 1,
        features: BTreeSet::new(),
        refs: Vec::new(),
        values: Vec::new(),
        numbers: Vec::new(),
        next: 0,
        helpers: 0,
        in_helper: false,
    };
    g.out.push_str("module 0x2::refs {\n");
    g.out.push_str(PRELUDE);
    g.helpers = g.rng.below(3);
    for index in 0..g.helpers {
        g.helper(index);
    }
    g.run();
    g.out.push_str("}\n");
    Program { text: g.out, features: g.features }
}

impl Gen {
    fn line(&mut self, text: &str) {
        for _ in 0..self.indent {
            self.out.push_str("    ");
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn fresh(&mut self, prefix: &str) -> String {
        self.next += 1;
        format!("{prefix}{}", self.next)
    }

    fn pick<T: Clone>(&mut self, items: &[T]) -> Option<T> {
        (!items.is_empty()).then(|| items[self.rng.below(items.len())].clone())
    }

    fn refs_where(&self, keep: impl Fn(&RefLocal) -> bool) -> Vec<RefLocal> {
        self.refs.iter().flatten().filter(|r| keep(r)).cloned().collect()
    }

    /// A reference local to use: mostly the newest ones, sometimes any.
    fn some_ref(&mut self, keep: impl Fn(&RefLocal) -> bool) -> Option<RefLocal> {
        let found = self.refs_where(keep);
        if found.is_empty() {
            return None;
        }
        let index = if self.rng.chance(60) { found.len() - 1 } else { self.rng.below(found.len()) };
        found.get(index).cloned()
    }

    fn declare_ref(&mut self, target: Target, mutable: bool) -> String {
        let name = self.fresh("r");
        if let Some(scope) = self.refs.last_mut() {
            scope.push(RefLocal { name: name.clone(), target, mutable });
        }
        name
    }

    fn value(&mut self) -> Option<String> {
        let all: Vec<String> = self.values.iter().flatten().cloned().collect();
        self.pick(&all)
    }

    fn number(&mut self) -> String {
        let all: Vec<String> = self.numbers.iter().flatten().cloned().collect();
        match self.rng.below(4) {
            0 if !all.is_empty() => {
                let n = self.pick(&all).unwrap_or_default();
                format!("({n} % 100)")
            }
            1 if !self.in_helper => "seed".to_string(),
            _ => format!("{}", self.rng.below(9)),
        }
    }

    fn remember(&mut self, number: &str) {
        if let Some(scope) = self.numbers.last_mut() {
            scope.push(number.to_string());
        }
    }

    fn cond(&mut self) -> String {
        let n = self.number();
        format!("{n} % 2 == 0")
    }

    fn push_scope(&mut self) {
        self.refs.push(Vec::new());
        self.values.push(Vec::new());
        self.numbers.push(Vec::new());
    }

    fn pop_scope(&mut self) {
        self.refs.pop();
        self.values.pop();
        self.numbers.pop();
    }

    /// `fun hK(x: &mut P, y: &P, c: bool): &mut u64`: a few statements, then
    /// a returned reference, usually derived from `x`, sometimes not.
    fn helper(&mut self, index: usize) {
        self.line(&format!("fun h{index}(x: &mut P, y: &P, c: bool): &mut u64 {{"));
        self.indent += 1;
        self.in_helper = true;
        self.push_scope();
        if let Some(scope) = self.refs.last_mut() {
            scope.push(RefLocal { name: "x".into(), target: Target::P, mutable: true });
            scope.push(RefLocal { name: "y".into(), target: Target::P, mutable: false });
        }
        let local = self.fresh("t");
        self.line(&format!("let {local} = P {{ a: 1, b: 2 }};"));
        if let Some(scope) = self.values.last_mut() {
            scope.push(local.clone());
        }
        for _ in 0..self.rng.below(3) {
            self.statement(0, false);
        }
        let returned = match self.rng.below(8) {
            0 => {
                self.features.insert("return local");
                if self.rng.chance(50) {
                    format!("&mut {local}.a")
                } else {
                    format!("if (c) &mut x.a else &mut {local}.b")
                }
            }
            1 => "if (c) &mut x.a else &mut x.b".to_string(),
            2 | 3 => "a_mut(x)".to_string(),
            _ => "&mut x.b".to_string(),
        };
        self.line(&returned);
        self.in_helper = false;
        self.pop_scope();
        self.indent -= 1;
        self.line("}");
    }

    fn run(&mut self) {
        self.line("public entry fun run(account: &signer, seed: u64) {");
        self.indent += 1;
        self.push_scope();
        self.line("let me = signer::address_of(account);");
        self.line("if (!exists<R>(me)) move_to(account, R { n: 1, v: vector[1, 2, 3] });");
        self.line("let x0 = P { a: seed, b: 2 };");
        self.line("let x1 = P { a: 3, b: seed };");
        self.line("let b0 = B { p: P { a: 1, b: 1 }, v: vector[1, 2, 3, 4], n: 0 };");
        if let Some(scope) = self.values.last_mut() {
            scope.extend(["x0".to_string(), "x1".to_string()]);
        }
        let count = 4 + self.rng.below(10);
        for _ in 0..count {
            self.statement(2, true);
        }
        // Reading the locals at the end keeps them borrowed to the end; a
        // program that does not leaves room for moves after their last use.
        if self.rng.chance(50) {
            self.line("b0.n = b0.n + get(&x0) + get(&x1);");
        }
        self.pop_scope();
        self.indent -= 1;
        self.line("}");
    }

    /// One statement; `depth` bounds nested blocks, `entry` allows the
    /// storage and `b0` statements (the entry function's locals).
    fn statement(&mut self, depth: usize, entry: bool) {
        match self.rng.below(if depth > 0 { 12 } else { 10 }) {
            0 | 1 => self.borrow_local(entry),
            2 | 3 => self.derive(),
            4..=6 => self.use_ref(),
            7 => self.touch_value(entry),
            8 if entry => self.storage(),
            8 | 9 => self.use_ref(),
            10 => {
                self.features.insert("if");
                let cond = self.cond();
                self.line(&format!("if ({cond}) {{"));
                self.block(depth - 1, entry);
                self.line("} else {");
                self.block(depth - 1, entry);
                self.line("};");
            }
            _ => {
                self.features.insert("loop");
                let counter = self.fresh("i");
                self.line(&format!("let {counter} = 0;"));
                self.line(&format!("while ({counter} < 2) {{"));
                self.block(depth - 1, entry);
                self.indent += 1;
                self.line(&format!("{counter} = {counter} + 1;"));
                self.indent -= 1;
                self.line("};");
            }
        }
    }

    fn block(&mut self, depth: usize, entry: bool) {
        self.indent += 1;
        self.push_scope();
        for _ in 0..1 + self.rng.below(3) {
            self.statement(depth, entry);
        }
        self.pop_scope();
        self.indent -= 1;
    }
}

/// Writes `text` with line numbers (for failure messages).
pub fn numbered(text: &str) -> String {
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        let _ = writeln!(out, "{:3} {line}", i + 1);
    }
    out
}
