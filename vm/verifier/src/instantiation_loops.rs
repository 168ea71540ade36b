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
//! verifier's stack.

use std::collections::BTreeMap;

use super::error::{VerifyError, VerifyErrorKind};
use super::generics;
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
    for (caller, def) in module.functions.iter().enumerate() {
        for (offset, instr) in def.code.iter().enumerate() {
            let Instr::CallGeneric(f) = instr else { continue };
            let Some((handle, _, args)) = generics::function_inst(module, *f) else { continue };
            let Some(&callee) = def_of.get(&handle) else { continue };
            for (i, arg) in args.iter().enumerate() {
                let to = first[callee] + i;
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
    match edges.iter().find(|e| e.grows && component[e.from] == component[e.to]) {
        None => Ok(()),
        Some(edge) => {
            let (function, offset) = edge.at;
            let name = module.functions.get(function).and_then(|d| module.function_name(d)).unwrap_or_default();
            let kind = VerifyErrorKind::InstantiationLoop { function: resin_format::escape::escaped(name).into() };
            Err(VerifyError::function(module, function, Some(super::cfg::offset16(offset)), kind))
        }
    }
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
    fn components_find_cycles_and_leave_chains_apart() {
        // 0 -> 1 -> 2 -> 0 is a cycle; 3 -> 4 is a chain; 5 loops on itself.
        let edges = [edge(0, 1), edge(1, 2), edge(2, 0), edge(2, 3), edge(3, 4), edge(5, 5)];
        let c = components(6, &edges);
        assert!(c[0] == c[1] && c[1] == c[2]);
        assert!(c[3] != c[4] && c[3] != c[0] && c[4] != c[0]);
        assert!(c[5] != c[0]);
    }
}
