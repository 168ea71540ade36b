//! A generator of well-typed Resin programs, for properties and benchmarks.
//!
//! Deterministic from a seed: a module with copyable structs, a `key`
//! resource, constants and functions whose bodies mix locals, arithmetic,
//! comparisons, `if`/`else`, bounded `while` loops, struct literals and field
//! access, vector operations, calls of earlier functions and global storage
//! operations at parameter, signer and constant addresses. Every program it
//! produces must compile without errors: the generator tracks the names in
//! scope and their types, and keeps every value copyable and droppable except
//! the resource, which is only ever created by `move_to`.
#![allow(dead_code)]

pub mod refs;

use std::fmt::Write;

/// xorshift64*: small, deterministic, good enough for shapes of programs.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    U64,
    Bool,
}

struct Fun {
    name: String,
    /// After the leading `account: &signer`.
    params: Vec<Kind>,
}

pub struct Generator {
    rng: Rng,
    out: String,
    structs: usize,
    funs: Vec<Fun>,
    /// Locals in scope, innermost block last: (name, kind).
    scopes: Vec<Vec<(String, Kind)>>,
    next_local: usize,
    indent: usize,
    /// Statements per block and expression depth budget.
    stmts: usize,
    depth: usize,
}

/// A module named `0x1::<name>` with `functions` functions.
pub fn module(seed: u64, name: &str, functions: usize, stmts: usize) -> String {
    let mut g = Generator {
        rng: Rng::new(seed),
        out: String::new(),
        structs: 0,
        funs: Vec::new(),
        scopes: Vec::new(),
        next_local: 0,
        indent: 1,
        stmts,
        depth: 3,
    };
    g.module(name, functions);
    g.out
}

impl Generator {
    fn line(&mut self, text: &str) {
        for _ in 0..self.indent {
            self.out.push_str("    ");
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn module(&mut self, name: &str, functions: usize) {
        let _ = writeln!(self.out, "module 0x1::{name} {{");
        self.line("struct Store has key { total: u64, flag: bool }");
        self.structs = 1 + self.rng.below(3);
        for i in 0..self.structs {
            self.line(&format!("struct S{i} has copy, drop {{ a: u64, b: bool, c: u64 }}"));
        }
        self.line("const HOME: address = @0x4f4d;");
        self.line("const LIMIT: u64 = 1000;");
        for i in 0..functions {
            self.function(i);
        }
        self.out.push_str("}\n");
    }

    fn function(&mut self, index: usize) {
        let count = self.rng.below(3);
        let params: Vec<Kind> = (0..count).map(|_| if self.rng.chance(70) { Kind::U64 } else { Kind::Bool }).collect();
        let name = format!("f{index}");
        let mut sig = format!("public fun {name}(account: &signer, who: address");
        let mut scope = Vec::new();
        for (i, kind) in params.iter().enumerate() {
            let p = format!("p{i}");
            let _ = write!(sig, ", {p}: {}", ty(*kind));
            scope.push((p, *kind));
        }
        sig.push_str("): u64 {");
        self.line("");
        self.line(&sig);
        self.indent += 1;
        self.scopes = vec![scope];
        self.next_local = 0;
        self.line("let _me = signer::address_of(account);");
        self.block_body(self.stmts);
        let tail = self.expr(Kind::U64, self.depth);
        self.line(&tail);
        self.indent -= 1;
        self.line("}");
        self.funs.push(Fun { name, params });
    }

    fn block_body(&mut self, count: usize) {
        for _ in 0..count {
            self.statement();
        }
    }

    fn fresh(&mut self, prefix: &str) -> String {
        self.next_local += 1;
        format!("{prefix}{}", self.next_local)
    }

    fn locals(&self, kind: Kind) -> Vec<String> {
        self.scopes.iter().flatten().filter(|(_, k)| *k == kind).map(|(n, _)| n.clone()).collect()
    }

    fn declare(&mut self, name: String, kind: Kind) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.push((name, kind));
        }
    }

    fn statement(&mut self) {
        match self.rng.below(11) {
            0 | 1 => {
                let e = self.expr(Kind::U64, self.depth);
                let name = self.fresh("x");
                self.line(&format!("let {name}: u64 = {e};"));
                self.declare(name, Kind::U64);
            }
            2 => {
                let e = self.expr(Kind::Bool, self.depth);
                let name = self.fresh("b");
                self.line(&format!("let {name} = {e};"));
                self.declare(name, Kind::Bool);
            }
            3 => {
                let targets = self.locals(Kind::U64);
                if let Some(target) = targets.get(self.rng.below(targets.len())).cloned() {
                    let e = self.expr(Kind::U64, self.depth);
                    self.line(&format!("{target} = {e};"));
                }
            }
            4 => {
                let cond = self.expr(Kind::Bool, 2);
                self.line(&format!("if ({cond}) {{"));
                self.nested(2);
                self.line("} else {");
                self.nested(1);
                self.line("};");
            }
            5 => {
                let counter = self.fresh("i");
                let bound = 1 + self.rng.below(4);
                self.line(&format!("let {counter} = 0;"));
                self.line(&format!("while ({counter} < {bound}) {{"));
                self.indent += 1;
                self.scopes.push(vec![]);
                let count = 1 + self.rng.below(2);
                self.block_body(count);
                if self.rng.chance(30) {
                    self.line(&format!("if ({counter} == 2) break;"));
                }
                self.line(&format!("{counter} = {counter} + 1;"));
                self.scopes.pop();
                self.indent -= 1;
                self.line("};");
                self.declare(counter, Kind::U64);
            }
            6 => {
                let s = self.rng.below(self.structs);
                let (a, b, c) = (self.expr(Kind::U64, 1), self.expr(Kind::Bool, 1), self.expr(Kind::U64, 1));
                let name = self.fresh("s");
                self.line(&format!("let {name} = S{s} {{ c: {c}, a: {a}, b: {b} }};"));
                let x = self.fresh("x");
                self.line(&format!("let {x} = if ({name}.b) {name}.a else {name}.c;"));
                self.declare(x, Kind::U64);
            }
            7 => {
                let addr = self.address();
                let e = self.expr(Kind::U64, 1);
                // The amount is computed before the borrow: a call in it may
                // touch `Store`, which it may not while `st` is live.
                let amount = self.fresh("amount");
                self.line(&format!("let {amount} = {e};"));
                self.line(&format!("if (exists<Store>({addr})) {{"));
                self.indent += 1;
                self.line(&format!("let st = borrow_global_mut<Store>({addr});"));
                self.line(&format!("st.total = st.total + {amount};"));
                self.indent -= 1;
                self.line("} else {");
                self.indent += 1;
                self.line(&format!(
                    "if ({addr} == signer::address_of(account)) move_to(account, Store {{ total: 0, flag: false }});"
                ));
                self.indent -= 1;
                self.line("};");
            }
            8 => {
                let name = self.fresh("v");
                let (a, b) = (self.expr(Kind::U64, 1), self.expr(Kind::U64, 1));
                self.line(&format!("let {name} = vector[{a}, {b}];"));
                let n = self.fresh("n");
                self.line(&format!("let {n} = vector::length(&{name});"));
                self.line(&format!("vector::push_back(&mut {name}, {n});"));
                let x = self.fresh("x");
                self.line(&format!("let {x} = *vector::borrow(&{name}, 1) + vector::pop_back(&mut {name});"));
                self.declare(x, Kind::U64);
            }
            9 => {
                let addr = self.address();
                let x = self.fresh("x");
                self.line(&format!(
                    "let {x} = if (exists<Store>({addr})) borrow_global<Store>({addr}).total else LIMIT;"
                ));
                self.declare(x, Kind::U64);
            }
            _ => {
                let e = self.expr(Kind::Bool, 2);
                let code = self.rng.below(100);
                self.line(&format!("assert!({e} || true, {code});"));
            }
        }
    }

    fn nested(&mut self, max: usize) {
        self.indent += 1;
        self.scopes.push(vec![]);
        let count = 1 + self.rng.below(max);
        self.block_body(count);
        self.scopes.pop();
        self.indent -= 1;
    }

    fn address(&mut self) -> String {
        match self.rng.below(4) {
            0 => "who".to_string(),
            1 => "HOME".to_string(),
            2 => "signer::address_of(account)".to_string(),
            _ => "@0xCAFE".to_string(),
        }
    }

    fn expr(&mut self, kind: Kind, depth: usize) -> String {
        let leaf = depth == 0 || self.rng.chance(35);
        match (kind, leaf) {
            (Kind::U64, true) => {
                let vars = self.locals(Kind::U64);
                if !vars.is_empty() && self.rng.chance(60) {
                    vars[self.rng.below(vars.len())].clone()
                } else {
                    match self.rng.below(3) {
                        0 => "LIMIT".to_string(),
                        _ => format!("{}", self.rng.below(50)),
                    }
                }
            }
            (Kind::Bool, true) => {
                let vars = self.locals(Kind::Bool);
                if !vars.is_empty() && self.rng.chance(60) {
                    vars[self.rng.below(vars.len())].clone()
                } else if self.rng.chance(50) {
                    "true".to_string()
                } else {
                    "false".to_string()
                }
            }
            (Kind::U64, false) => match self.rng.below(7) {
                0 => format!("({} + {})", self.expr(Kind::U64, depth - 1), self.expr(Kind::U64, depth - 1)),
                1 => format!("({} * {})", self.expr(Kind::U64, depth - 1), self.expr(Kind::U64, depth - 1)),
                2 => format!("({} % ({} + 1))", self.expr(Kind::U64, depth - 1), self.expr(Kind::U64, depth - 1)),
                3 => format!(
                    "(if ({}) {} else {})",
                    self.expr(Kind::Bool, depth - 1),
                    self.expr(Kind::U64, depth - 1),
                    self.expr(Kind::U64, depth - 1)
                ),
                4 => format!("((({} as u8) as u128) as u64)", self.expr(Kind::U64, depth - 1)),
                5 if !self.funs.is_empty() => {
                    let f = self.rng.below(self.funs.len());
                    let (name, params) = (self.funs[f].name.clone(), self.funs[f].params.clone());
                    let mut call = format!("{name}(account, {}", self.address());
                    for p in params {
                        let _ = write!(call, ", {}", self.expr(p, depth - 1));
                    }
                    call.push(')');
                    call
                }
                _ => format!("({} - {})", self.expr(Kind::U64, depth - 1), self.expr(Kind::U64, 0)),
            },
            (Kind::Bool, false) => match self.rng.below(5) {
                0 => format!("({} < {})", self.expr(Kind::U64, depth - 1), self.expr(Kind::U64, depth - 1)),
                1 => format!("({} == {})", self.expr(Kind::U64, depth - 1), self.expr(Kind::U64, depth - 1)),
                2 => format!("({} && {})", self.expr(Kind::Bool, depth - 1), self.expr(Kind::Bool, depth - 1)),
                3 => format!("!{}", self.expr(Kind::Bool, depth - 1)),
                _ => format!("({} || {})", self.expr(Kind::Bool, depth - 1), self.expr(Kind::Bool, depth - 1)),
            },
        }
    }
}

fn ty(kind: Kind) -> &'static str {
    match kind {
        Kind::U64 => "u64",
        Kind::Bool => "bool",
    }
}
