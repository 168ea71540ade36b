//! A plan, explained: lanes, each transaction's place, the critical path and
//! the key behind every dependency, as text or as Graphviz DOT.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use resin_state::keyed_origin;
use resin_vm::{AccessKey, Transaction, TypeId, Value};

use crate::graph::{ConflictGraph, Dependency, TxIndex};
use crate::planner::Plan;

/// Resolves type ids to names such as `0x1::coin::Balance`.
pub trait TypeNames {
    fn type_name(&self, ty: TypeId) -> Option<String>;
}

/// No names known: types print as their ids.
pub struct NoTypeNames;

impl TypeNames for NoTypeNames {
    fn type_name(&self, _ty: TypeId) -> Option<String> {
        None
    }
}

impl TypeNames for resin_vm::CodeCache {
    fn type_name(&self, ty: TypeId) -> Option<String> {
        resin_vm::CodeCache::type_name(self, ty)
    }
}

impl<F: Fn(TypeId) -> Option<String>> TypeNames for F {
    fn type_name(&self, ty: TypeId) -> Option<String> {
        self(ty)
    }
}

/// A plan with what it needs to be explained.
pub struct Explain<'a> {
    graph: &'a ConflictGraph,
    plan: &'a Plan,
    block: &'a [Transaction],
    names: &'a dyn TypeNames,
    limit: usize,
    cache: RefCell<BTreeMap<TypeId, String>>,
}

impl<'a> Explain<'a> {
    /// `block` may be empty; transactions then print by position only.
    pub fn new(graph: &'a ConflictGraph, plan: &'a Plan, block: &'a [Transaction], names: &'a dyn TypeNames) -> Self {
        Explain { graph, plan, block, names, limit: usize::MAX, cache: RefCell::new(BTreeMap::new()) }
    }

    /// Lists at most `limit` transactions and dependencies in the text form
    /// (and nodes in DOT); the rest are counted.
    pub fn with_limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    fn type_name(&self, ty: TypeId) -> String {
        self.cache
            .borrow_mut()
            .entry(ty)
            .or_insert_with(|| {
                // The entries of a keyed type are named after their struct.
                let keyed = || ty.keyed_resource().map(|tag| tag.to_string());
                self.names.type_name(ty).or_else(keyed).unwrap_or_else(|| format!("{ty:?}"))
            })
            .clone()
    }

    /// `0x1::coin::Balance@0xa`, or `0x1::coin::Balance@*` for a type-wide
    /// key; an entry of keyed storage as `0x5::fa::Allowance@0xa[0xb]` (its
    /// anchor and index, when this process derived its address), and every
    /// entry of a keyed type as `0x7::nft::Token@*[*]`.
    pub fn key(&self, key: &AccessKey) -> String {
        match key {
            AccessKey::Exact(k) if k.ty.keyed_resource().is_some() => match keyed_origin(&k.address) {
                Some((anchor, index)) => format!("{}@{anchor}[{}]", self.type_name(k.ty), index_text(&index)),
                None => format!("{}@{}[?]", self.type_name(k.ty), k.address),
            },
            AccessKey::Exact(k) => format!("{}@{}", self.type_name(k.ty), k.address),
            AccessKey::AnyOf(ty) if ty.keyed_resource().is_some() => format!("{}@*[*]", self.type_name(*ty)),
            AccessKey::AnyOf(ty) => format!("{}@*", self.type_name(*ty)),
        }
    }

    fn dependency(&self, dep: &Dependency) -> String {
        format!("{} {}", dep.kind.short(), self.key(&self.graph.key(dep)))
    }

    /// `0x1::coin::transfer`, with its type arguments when it has some
    /// (`<0x2::usd::USD>`): transfers of two currencies read apart.
    fn call(&self, tx: TxIndex) -> String {
        self.block.get(tx as usize).map_or_else(String::new, |t| {
            let mut call = format!("{}::{}", t.module, t.function);
            if !t.type_args.is_empty() {
                let args: Vec<String> = t.type_args.iter().map(ToString::to_string).collect();
                call.push_str(&format!("<{}>", args.join(", ")));
            }
            call
        })
    }

    pub fn text(&self) -> String {
        let (plan, stats) = (self.plan, &self.plan.stats);
        let mut out = String::new();
        let _ = writeln!(
            out,
            "block: {} transactions, {} dependencies ({} across lanes), {} of {} lanes used",
            stats.transactions,
            stats.dependencies,
            stats.cross_lane_dependencies,
            stats.lanes_used,
            plan.lanes.len()
        );
        let _ = writeln!(
            out,
            "estimated gas: total {}, makespan {}, critical path {}, parallelism {:.2}x",
            stats.total_cost,
            stats.makespan,
            stats.critical_path_cost,
            stats.parallelism()
        );
        out.push_str("\nlanes:\n");
        for (lane, txs) in plan.lanes.iter().enumerate() {
            let cost = stats.lane_costs.get(lane).copied().unwrap_or(0);
            let _ = write!(out, "  lane {lane} ({} txs, est. {cost} gas):", txs.len());
            for t in txs.iter().take(self.limit) {
                let _ = write!(out, " #{t}");
            }
            more(&mut out, txs.len(), self.limit);
            out.push('\n');
        }
        out.push_str("\ntransactions:\n");
        for (t, p) in plan.placements.iter().enumerate().take(self.limit) {
            let _ = writeln!(
                out,
                "  #{t:<6} lane {:<3} pos {:<6} est [{}, {}) {}",
                p.lane,
                p.position,
                p.start,
                p.finish,
                self.call(t as TxIndex)
            );
        }
        more_line(&mut out, plan.placements.len(), self.limit);
        out.push_str("\ndependencies:\n");
        for (from, to, dep) in self.graph.edges().take(self.limit) {
            let across = match (plan.placement(from), plan.placement(to)) {
                (Some(a), Some(b)) if a.lane != b.lane => "  (across lanes)",
                _ => "",
            };
            let _ = writeln!(out, "  #{from} -> #{to}  {}{across}", self.dependency(dep));
        }
        more_line(&mut out, self.graph.edge_count(), self.limit);
        let _ = write!(out, "\ncritical path ({} gas):", stats.critical_path_cost);
        for (i, t) in plan.critical_path.iter().enumerate() {
            let _ = write!(out, "{} #{t}", if i == 0 { "" } else { " ->" });
        }
        out.push('\n');
        for pair in plan.critical_path.windows(2) {
            if let [from, to] = pair {
                if let Some(dep) = self.graph.dependency(*from, *to) {
                    let _ = writeln!(out, "  #{from} -> #{to}  {}", self.dependency(dep));
                }
            }
        }
        out
    }

    /// Graphviz: one cluster per lane, edges labelled by key, the critical
    /// path in bold red. Render with `dot -Tsvg`.
    pub fn dot(&self) -> String {
        let mut out = String::from("digraph plan {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n");
        let shown = |t: TxIndex| (t as usize) < self.limit;
        for (lane, txs) in self.plan.non_empty_lanes() {
            let cost = self.plan.stats.lane_costs.get(lane).copied().unwrap_or(0);
            let _ = writeln!(out, "  subgraph cluster_lane{lane} {{\n    label=\"lane {lane} (est. {cost} gas)\";");
            for &t in txs.iter().filter(|t| shown(**t)) {
                let call = self.call(t);
                let label = if call.is_empty() { format!("#{t}") } else { format!("#{t}\\n{}", escape(&call)) };
                let _ = writeln!(out, "    t{t} [label=\"{label}\"];");
            }
            out.push_str("  }\n");
        }
        let critical: std::collections::HashSet<(TxIndex, TxIndex)> =
            self.plan.critical_path.windows(2).filter_map(|w| Some((*w.first()?, *w.get(1)?))).collect();
        for (from, to, dep) in self.graph.edges().filter(|(a, b, _)| shown(*a) && shown(*b)) {
            let style = if critical.contains(&(from, to)) { ", color=red, penwidth=2" } else { "" };
            let _ = writeln!(out, "  t{from} -> t{to} [label=\"{}\"{style}];", escape(&self.dependency(dep)));
        }
        out.push_str("}\n");
        out
    }
}

fn more(out: &mut String, len: usize, limit: usize) {
    if len > limit {
        let _ = write!(out, " ... and {} more", len - limit);
    }
}

fn more_line(out: &mut String, len: usize, limit: usize) {
    if len > limit {
        let _ = writeln!(out, "  ... and {} more", len - limit);
    }
}

/// A keyed entry's index as source would write it: an address or a number.
fn index_text(index: &Value) -> String {
    match index {
        Value::Address(a) => a.to_string(),
        Value::U8(n) => format!("{n}u8"),
        Value::U64(n) => n.to_string(),
        Value::U128(n) => format!("{n}u128"),
        Value::U16(n) => format!("{n}u16"),
        Value::U32(n) => format!("{n}u32"),
        Value::U256(n) => format!("{n}u256"),
        Value::Bool(b) => b.to_string(),
        // A struct-built index, as access sets write it: its fields.
        Value::Struct(_) | Value::Flat(_) => {
            let fields: Vec<String> = index.struct_fields().unwrap_or_default().iter().map(index_text).collect();
            format!("({})", fields.join(", "))
        }
        other => format!("{other:?}"),
    }
}

fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}
