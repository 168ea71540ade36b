//! Instantiation loops, part of the signatures pass: a generic function that
//! calls itself, directly or through a cycle of this module's functions,
//! with a type argument that grows (`f<T>` calling `f<vector<T>>`) needs an
//! instantiation for every `vector<..<vector<T>>..>`: infinitely many, a type
//! bomb for any loader or runtime that instantiates eagerly. Move's
//! `instantiation_loops.rs` is the model.
//!
//! The graph's nodes are (function definition, type parameter). A
//! `call_generic` in `f` to `g` of this module adds, for each type argument
//! `i` of the call, an edge from every type parameter `j` of `f` that the
//! argument mentions to `(g, i)`: an identity edge when the argument is just
//! `Tj`, a growing edge when it is bigger. A growing edge inside a strongly
//! connected component is a loop. Calls to other modules cannot come back
//! (module dependencies are acyclic), so they add no edges.
//!
//! Tarjan's algorithm, iterative: a long chain of calls cannot overflow the
//! verifier's stack. (petgraph's `tarjan_scc` recurses once per node, so a
//! hostile module of 65,535 functions calling each other in a chain could
//! exhaust the stack through it.)
//!
//! Without loops, a module still reaches finitely many instantiations, but a
//! chain of calls can grow them fast: `f0<T>` calling `f1<P<T, T>>`, which
//! calls `f2<P<T, T>>`, ..., doubles a type per call, so `f0<u64>` would make
//! a type of 2^n nodes at run time. So the pass also bounds what the module's
//! own calls build: starting from a one-node type for every type parameter
//! (or from the concrete argument of a call), it follows the calls through
//! the components in topological order and holds every type argument so
//! reached to the type limits (`TypeTooDeep`, `TypeTooLarge`, at the call
//! that goes over). Inside a component every edge is an identity, so a
//! component has one bound.

use std::collections::BTreeMap;

use super::error::{VerifyError, VerifyErrorKind};
use super::generics;
use super::limits::{MAX_TYPE_DEPTH, MAX_TYPE_NODES};
use resin_format::file_format::{FunctionHandleIdx, Instr, Module, Type};

/// One edge: from node, to node, whether it grows, and where it is made
/// (function definition, code offset).
struct Edge {
    from: usize,
    to: usize,
    grows: bool,
    at: (usize, usize),
}

pub(crate) fn verify(module: &Module) -> Result<(), VerifyError> {
    // The first node of each definition's type parameters.
    let mut first = Vec::with_capacity(module.functions.len());
    let mut nodes = 0usize;
    for def in &module.functions {
        first.push(nodes);
        nodes += module.function_handle(def.handle).map_or(0, |h| h.type_params.len());
    }
    let def_of: BTreeMap<FunctionHandleIdx, usize> =
        module.functions.iter().enumerate().map(|(i, d)| (d.handle, i)).collect();
    let mut edges = Vec::new();
    let mut type_args = Vec::new();
    for (caller, def) in module.functions.iter().enumerate() {
        for (offset, instr) in def.code.iter().enumerate() {
            let Instr::CallGeneric(f) = instr else { continue };
            let Some((handle, _, args)) = generics::function_inst(module, *f) else { continue };
            let Some(&callee) = def_of.get(&handle) else { continue };
            for (i, arg) in args.iter().enumerate() {
                let to = first[callee] + i;
                type_args.push(TypeArg { arg, first: first[caller], to, at: (caller, offset) });
                for node in arg.preorder() {
                    if let Type::TypeParam(j) = node {
                        let grows = !matches!(arg, Type::TypeParam(_));
                        let from = first[caller] + usize::from(*j);
                        edges.push(Edge { from, to, grows, at: (caller, offset) });
                    }
                }
            }
        }
    }
    // Bounds keeps type parameters in scope; an edge that is not stays out of the graph.
    edges.retain(|e| e.from < nodes && e.to < nodes);
    let component = components(nodes, &edges);
    let at = |(function, offset): (usize, usize), kind| {
        VerifyError::function(module, function, Some(super::cfg::offset16(offset)), kind)
    };
    if let Some(edge) = edges.iter().find(|e| e.grows && component[e.from] == component[e.to]) {
        let name = module.functions.get(edge.at.0).and_then(|d| module.function_name(d)).unwrap_or_default();
        let kind = VerifyErrorKind::InstantiationLoop { function: resin_format::escape::escaped(name).into() };
        return Err(at(edge.at, kind));
    }
    check_growth(&component, &type_args).map_err(|(call, kind)| at(call, kind))
}

/// One type argument of a `call_generic` to a function of this module.
struct TypeArg<'m> {
    arg: &'m Type,
    /// The node of the caller's type parameter 0.
    first: usize,
    /// The callee's type parameter node it instantiates.
    to: usize,
    at: (usize, usize),
}

/// The largest type (depth, nodes) that can reach each component, from
/// one-node types at every parameter; the first type argument over a limit
/// is the error. Tarjan numbers components in reverse topological order (a
/// component's successors have smaller numbers), so visiting them from the
/// highest number down sees every incoming argument's sources final.
fn check_growth(component: &[usize], type_args: &[TypeArg<'_>]) -> Result<(), ((usize, usize), VerifyErrorKind)> {
    let count = component.iter().max().map_or(0, |&c| c + 1);
    let mut bound = vec![(1usize, 1usize); count];
    let mut incoming: Vec<Vec<&TypeArg<'_>>> = vec![Vec::new(); count];
    for type_arg in type_args {
        if let Some(&c) = component.get(type_arg.to) {
            incoming[c].push(type_arg);
        }
    }
    for target in (0..count).rev() {
        for type_arg in &incoming[target] {
            let param_bound = |k: u16| {
                let node = type_arg.first + usize::from(k);
                component.get(node).and_then(|&c| bound.get(c)).copied().unwrap_or((1, 1))
            };
            // An identity inside the component changes nothing.
            if let Type::TypeParam(k) = type_arg.arg {
                if component.get(type_arg.first + usize::from(*k)) == Some(&target) {
                    continue;
                }
            }
            let (depth, nodes) = substituted_size(type_arg.arg, param_bound);
            if depth > MAX_TYPE_DEPTH {
                return Err((type_arg.at, VerifyErrorKind::TypeTooDeep { depth, max: MAX_TYPE_DEPTH }));
            }
            if nodes > MAX_TYPE_NODES {
                return Err((type_arg.at, VerifyErrorKind::TypeTooLarge { nodes, max: MAX_TYPE_NODES }));
            }
            let current = &mut bound[target];
            *current = (current.0.max(depth), current.1.max(nodes));
        }
    }
    Ok(())
}

/// The depth (a leaf is 1) and node count of `ty` with each `Tk` replaced by
/// a type of `param(k)`'s depth and nodes, without building it. Iterative.
fn substituted_size(ty: &Type, param: impl Fn(u16) -> (usize, usize)) -> (usize, usize) {
    let (mut depth, mut nodes) = (0usize, 0usize);
    let mut stack = vec![(ty, 1usize)];
    while let Some((current, level)) = stack.pop() {
        let (node_depth, node_count) = match current {
            Type::TypeParam(k) => param(*k),
            _ => (1, 1),
        };
        depth = depth.max(level.saturating_add(node_depth.saturating_sub(1)));
        nodes = nodes.saturating_add(node_count);
        match current {
            Type::Vector(inner) | Type::Ref(inner) | Type::MutRef(inner) => stack.push((inner, level + 1)),
            Type::StructInst(_, args) => stack.extend(args.iter().map(|arg| (arg, level + 1))),
            _ => {}
        }
    }
    (depth, nodes)
}

/// The strongly connected component of each node (Tarjan's algorithm, with
/// an explicit stack of (node, next successor to visit)).
fn components(nodes: usize, edges: &[Edge]) -> Vec<usize> {
    let mut successors: Vec<Vec<usize>> = vec![Vec::new(); nodes];
    for edge in edges {
        successors[edge.from].push(edge.to);
    }
    const UNVISITED: usize = usize::MAX;
    let mut index = vec![UNVISITED; nodes];
    let mut low = vec![0usize; nodes];
    let mut on_stack = vec![false; nodes];
    let mut component = vec![UNVISITED; nodes];
    let mut stack = Vec::new();
    let mut next_index = 0;
    let mut next_component = 0;
    for root in 0..nodes {
        if index[root] != UNVISITED {
            continue;
        }
        let mut work = vec![(root, 0usize)];
        index[root] = next_index;
        low[root] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (node, ref mut next)) = work.last_mut() {
            if let Some(&succ) = successors[node].get(*next) {
                *next += 1;
                if index[succ] == UNVISITED {
                    index[succ] = next_index;
                    low[succ] = next_index;
                    next_index += 1;
                    stack.push(succ);
                    on_stack[succ] = true;
                    work.push((succ, 0));
                } else if on_stack[succ] {
                    low[node] = low[node].min(index[succ]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[node]);
            }
            if low[node] == index[node] {
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component[member] = next_component;
                    if member == node {
                        break;
                    }
                }
                next_component += 1;
            }
        }
    }
    component
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edge(from: usize, to: usize) -> Edge {
        Edge { from, to, grows: false, at: (0, 0) }
    }

    #[test]
    fn substituted_size_counts_replaced_parameters() {
        let pair = Type::StructInst(
            resin_format::file_format::StructHandleIdx(0),
            vec![Type::TypeParam(0), Type::TypeParam(0)],
        );
        // `P<T0, T0>` with `T0` of depth 3 and 7 nodes: depth 4, 1 + 7 + 7 nodes.
        assert_eq!(substituted_size(&pair, |_| (3, 7)), (4, 15));
        assert_eq!(substituted_size(&Type::Vector(Box::new(Type::U64)), |_| (9, 9)), (2, 2));
    }

    #[test]
    fn components_find_cycles_and_leave_chains_apart() {
        // 0 -> 1 -> 2 -> 0 is a cycle; 3 -> 4 is a chain; 5 loops on itself.
        let edges = [edge(0, 1), edge(1, 2), edge(2, 0), edge(2, 3), edge(3, 4), edge(5, 5)];
        let c = components(6, &edges);
        assert!(c[0] == c[1] && c[1] == c[2]);
        assert!(c[3] != c[4] && c[3] != c[0] && c[4] != c[0]);
        assert!(c[5] != c[0]);
    }
}
