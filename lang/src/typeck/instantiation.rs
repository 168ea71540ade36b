//! Move's instantiation-loop rule: a generic function may not reach itself
//! through calls whose type arguments grow (`f<T>` calling `f<vector<T>>`),
//! or the set of instances to generate (and for the VM, to load) would be
//! infinite. Plain recursion (`f<T>` calling `f<T>`) and calls that only pass
//! parameters along are fine.
//!
//! The graph has a node per (function, type parameter) of the module. A call
//! `g<A0, ..>` in `f` adds, for each parameter `T` of `f` occurring in `Ai`,
//! an edge from `(f, T)` to `(g, i)`: plain when `Ai` is `T` itself, growing
//! otherwise. A growing edge inside a strongly connected component is a loop.
//! Only calls within the module matter: modules cannot depend on each other
//! in a cycle.

use std::collections::HashMap;

use crate::diagnostics::{Code, Diagnostic};
use crate::resolve::env::{Env, FunId};
use crate::resolve::graph;
use crate::source::Span;

use super::tir::{TExpKind, TModule};
use super::ty::Ty;

struct Edge {
    to: usize,
    growing: bool,
    span: Span,
    callee: FunId,
}

pub fn check(env: &Env, module: &TModule, diags: &mut Vec<Diagnostic>) {
    // Node numbering: the type parameters of each function, one after another.
    let mut first: HashMap<FunId, usize> = HashMap::new();
    let mut count = 0;
    for fun in &module.functions {
        first.insert(fun.id, count);
        count += env.function(fun.id).map_or(0, |f| f.type_params.len());
    }
    if count == 0 {
        return;
    }
    let mut edges: Vec<Vec<Edge>> = (0..count).map(|_| Vec::new()).collect();
    for fun in &module.functions {
        let Some(&base) = first.get(&fun.id) else { continue };
        fun.body.for_each_exp(&mut |exp| {
            let TExpKind::Call { fun: callee, type_args, .. } = &exp.kind else { return };
            let Some(&callee_base) = first.get(callee) else { return };
            for (i, arg) in type_args.iter().enumerate() {
                let mut params = Vec::new();
                params_in(arg, &mut params);
                for param in params {
                    let growing = !matches!(arg, Ty::Param(p) if usize::from(p.index) == param);
                    if let Some(list) = edges.get_mut(base + param) {
                        list.push(Edge { to: callee_base + i, growing, span: exp.span, callee: *callee });
                    }
                }
            }
        });
    }
    let plain: Vec<Vec<usize>> = edges.iter().map(|list| list.iter().map(|e| e.to).collect()).collect();
    let mut component = vec![usize::MAX; count];
    for (index, members) in graph::sccs(&plain).into_iter().enumerate() {
        for member in members {
            component[member] = index;
        }
    }
    let mut reported = Vec::new();
    for (from, list) in edges.iter().enumerate() {
        for edge in list.iter().filter(|e| e.growing && component[from] == component[e.to]) {
            if reported.contains(&edge.span) {
                continue;
            }
            reported.push(edge.span);
            let name = env.function(edge.callee).map_or("", |f| f.name.as_str());
            diags.push(
                Diagnostic::new(
                    Code::InstantiationLoop,
                    edge.span,
                    format!("generic instantiation loop: `{name}` is instantiated with ever larger types"),
                )
                .with_label_message("a type argument here contains a type parameter that leads back to this call")
                .with_note("each instance would need another, larger one: no finite set of instances exists")
                .with_hint("pass the type parameters along unchanged (`f<T>`), or split the recursion"),
            );
        }
    }
}

fn params_in(ty: &Ty, out: &mut Vec<usize>) {
    match ty {
        Ty::Param(p) if !out.contains(&usize::from(p.index)) => out.push(usize::from(p.index)),
        Ty::Vector(inner) | Ty::Ref(inner) | Ty::MutRef(inner) => params_in(inner, out),
        Ty::Struct(_, items) | Ty::Tuple(items) => items.iter().for_each(|t| params_in(t, out)),
        _ => {}
    }
}
