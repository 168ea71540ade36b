//! The statements of the reference generator that make references: borrows
//! of locals, fields, elements and resources, and references made from
//! other references (copies, rebinds, reborrows, freezes, calls).

use super::{Gen, Target};

impl Gen {
    /// A new reference to a local, a field, an element or a resource.
    pub(super) fn borrow_local(&mut self, entry: bool) {
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
    pub(super) fn derive(&mut self) {
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
}
