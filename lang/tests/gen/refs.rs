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

/// A module `0x1::refs` with an entry function `run(account: &signer, seed: u64)`.
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
    g.out.push_str("module 0x1::refs {\n");
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

    /// A new reference to a local, a field, an element or a resource.
    fn borrow_local(&mut self, entry: bool) {
        let choice = self.rng.below(if entry { 12 } else { 4 });
        let Some(x) = self.value() else { return };
        let (text, target, mutable) = match choice {
            10 | 11 if self.helpers > 0 => {
                self.features.insert("returned");
                self.features.insert("helper");
                let Some(y) = self.value() else { return };
                let (h, c) = (self.rng.below(self.helpers), self.cond());
                (format!("h{h}(&mut {x}, &{y}, {c})"), Target::U64, true)
            }
            0 => (format!("&mut {x}"), Target::P, true),
            1 => (format!("&{x}"), Target::P, false),
            2 => (format!("&mut {x}.a"), Target::U64, true),
            3 => (format!("&{x}.b"), Target::U64, false),
            4 => ("&mut b0.p".to_string(), Target::P, true),
            5 => ("&mut b0.v".to_string(), Target::Vec, true),
            6 => {
                self.features.insert("element");
                let i = self.rng.below(4);
                (format!("vector::borrow_mut(&mut b0.v, {i})"), Target::U64, true)
            }
            7 => {
                self.features.insert("global");
                ("borrow_global_mut<R>(me)".to_string(), Target::R, true)
            }
            8 => {
                self.features.insert("global");
                ("borrow_global<R>(me)".to_string(), Target::R, false)
            }
            _ => {
                self.features.insert("tuple");
                let name = self.declare_ref(Target::P, true);
                self.line(&format!("let ({name}, _) = (&mut {x}, 0);"));
                return;
            }
        };
        let name = self.declare_ref(target, mutable);
        self.line(&format!("let {name} = {text};"));
    }

    /// A reference made from another one.
    fn derive(&mut self) {
        let Some(src) = self.some_ref(|_| true) else { return };
        let s = src.name.clone();
        let choice = if src.target == Target::P && src.mutable && self.rng.chance(25) { 4 } else { self.rng.below(8) };
        let (text, target, mutable) = match (choice, src.target, src.mutable) {
            (0, t, m) => {
                self.features.insert("copy");
                (format!("copy {s}"), t, m)
            }
            (1, t, m) => {
                self.features.insert("rebind");
                (s.clone(), t, m)
            }
            (2, t, true) if t != Target::R => {
                self.features.insert("reborrow");
                (format!("&mut *{s}"), t, true)
            }
            (3, t, true) => {
                self.features.insert("freeze");
                let name = self.declare_ref(t, false);
                let ty = match t {
                    Target::P => "&P",
                    Target::U64 => "&u64",
                    Target::Vec => "&vector<u64>",
                    Target::R => "&R",
                };
                self.line(&format!("let {name}: {ty} = {s};"));
                return;
            }
            (4, Target::P, true) => {
                self.features.insert("returned");
                match self.rng.below(5) {
                    0 | 4 if self.helpers > 0 && !self.in_helper => {
                        let Some(other) = self.some_ref(|r| r.target == Target::P && r.name != s) else { return };
                        let h = self.rng.below(self.helpers);
                        let c = self.cond();
                        self.features.insert("helper");
                        (format!("h{h}({s}, {}, {c})", other.name), Target::U64, true)
                    }
                    1 => {
                        let Some(other) = self.some_ref(|r| r.target == Target::P && r.mutable) else { return };
                        let c = self.cond();
                        (format!("pick({s}, {}, {c})", other.name), Target::P, true)
                    }
                    2 => {
                        let (a, b) = (self.declare_ref(Target::U64, true), self.declare_ref(Target::U64, true));
                        self.line(&format!("let ({a}, {b}) = halves({s});"));
                        return;
                    }
                    _ => (format!("a_mut({s})"), Target::U64, true),
                }
            }
            (5, Target::P, _) => {
                self.features.insert("returned");
                (format!("a_ref({s})"), Target::U64, false)
            }
            (6, Target::P, m) => (format!("&{}{s}.b", if m { "mut " } else { "" }), Target::U64, m),
            (6, Target::R, m) => (format!("&{}{s}.v", if m { "mut " } else { "" }), Target::Vec, m),
            (7, Target::R, true) => (format!("&mut {s}.n"), Target::U64, true),
            (_, Target::Vec, true) => {
                self.features.insert("element");
                let i = self.rng.below(4);
                (format!("elem({s}, {i})"), Target::U64, true)
            }
            (_, Target::Vec, false) => {
                self.features.insert("element");
                let i = self.rng.below(4);
                (format!("vector::borrow({s}, {i})"), Target::U64, false)
            }
            _ => return,
        };
        let name = self.declare_ref(target, mutable);
        self.line(&format!("let {name} = {text};"));
    }

    /// A read or a write through a reference.
    fn use_ref(&mut self) {
        let Some(r) = self.some_ref(|_| true) else { return };
        let n = r.name.clone();
        let text = match (r.target, r.mutable, self.rng.below(3)) {
            (Target::U64, true, 0) => format!("*{n} = {};", self.number()),
            (Target::U64, _, _) => {
                let v = self.fresh("v");
                self.remember(&v);
                format!("let {v} = *{n};")
            }
            (Target::P, true, 0) => format!("set({n}, {});", self.number()),
            (Target::P, true, 1) => match self.some_ref(|r| r.target == Target::P && r.name != n) {
                Some(from) => format!("add_into({}, {n});", from.name),
                None => format!("{n}.a = {};", self.number()),
            },
            (Target::P, _, _) => {
                let v = self.fresh("v");
                self.remember(&v);
                format!("let {v} = get({n});")
            }
            (Target::Vec, true, 0) => format!("vector::push_back({n}, {});", self.number()),
            (Target::Vec, true, 1) => {
                self.features.insert("pop");
                format!("if (vector::length({n}) > 0) {{ vector::pop_back({n}); }};")
            }
            (Target::Vec, _, _) => {
                let v = self.fresh("v");
                self.remember(&v);
                format!("let {v} = vector::length({n});")
            }
            (Target::R, true, 0) => format!("{n}.n = {};", self.number()),
            (Target::R, _, _) => {
                let v = self.fresh("v");
                self.remember(&v);
                format!("let {v} = {n}.n;")
            }
        };
        self.line(&text);
    }

    /// Moves, assigns, writes or reads a value local directly.
    fn touch_value(&mut self, entry: bool) {
        let Some(x) = self.value() else { return };
        let text = match self.rng.below(if entry { 7 } else { 5 }) {
            0 => {
                self.features.insert("assign");
                format!("{x} = P {{ a: {}, b: 1 }};", self.number())
            }
            1 => {
                self.features.insert("move");
                let m = self.fresh("m");
                // Moved into a new local and back (the old one holds a value
                // again), maybe with a reference used in between.
                self.line(&format!("let {m} = move {x};"));
                if self.rng.chance(50) {
                    self.use_ref();
                }
                format!("{x} = {m};")
            }
            2 => format!("{x}.b = {};", self.number()),
            4 => {
                let v = self.fresh("v");
                self.remember(&v);
                format!("let {v} = {x}.a;")
            }
            3 => {
                // A copy of the whole value: a read of the local itself,
                // often while a reference into it waits to be read.
                self.features.insert("copy while borrowed");
                let (c, v) = (self.fresh("c"), self.fresh("v"));
                self.remember(&v);
                if self.rng.chance(50) {
                    // Half the time of a fresh local, whose copy is its last
                    // direct read.
                    let x = if self.rng.chance(50) {
                        let y = self.fresh("y");
                        self.line(&format!("let {y} = P {{ a: 4, b: 5 }};"));
                        y
                    } else {
                        x
                    };
                    let mutable = self.rng.chance(30);
                    let r = self.declare_ref(Target::P, mutable);
                    let amp = if mutable { "&mut " } else { "&" };
                    format!("let {r} = {amp}{x}; let {c} = {x}; let {v} = {c}.b + {r}.a;")
                } else {
                    format!("let {c} = {x}; let {v} = {c}.b;")
                }
            }
            5 => {
                self.features.insert("pop");
                "if (vector::length(&b0.v) > 0) { vector::pop_back(&mut b0.v); };".to_string()
            }
            _ => {
                self.features.insert("move");
                let m = self.fresh("m");
                format!("let {m} = move b0; b0 = {m};")
            }
        };
        self.line(&text);
    }

    /// Global storage: a writer or reader call, or the resource moved out and back.
    fn storage(&mut self) {
        self.features.insert("global");
        match self.rng.below(3) {
            0 => {
                self.features.insert("call writer");
                self.line("bump(me);");
            }
            1 => {
                let v = self.fresh("v");
                self.remember(&v);
                self.line(&format!("let {v} = peek(me);"));
            }
            _ => {
                self.features.insert("move_from");
                let (n, v) = (self.fresh("n"), self.fresh("w"));
                self.line(&format!("let R {{ n: {n}, v: {v} }} = move_from<R>(me);"));
                if self.rng.chance(50) {
                    self.use_ref();
                }
                self.line(&format!("move_to(account, R {{ n: {n}, v: {v} }});"));
            }
        }
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
