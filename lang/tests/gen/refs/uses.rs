//! The statements of the reference generator that use what it borrowed:
//! reads and writes through references, direct uses of the borrowed
//! locals, and global storage.

use super::{Gen, Target};

impl Gen {
    /// A read or a write through a reference.
    pub(super) fn use_ref(&mut self) {
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
    pub(super) fn touch_value(&mut self, entry: bool) {
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
    pub(super) fn storage(&mut self) {
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
