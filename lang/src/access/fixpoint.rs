//! The access specs of one module's functions, callees first, with a real
//! fixpoint for recursive groups.
//!
//! A function's spec is its own global operations plus its callees' specs
//! with their parameters replaced by the call's arguments. Both steps are
//! monotone: a larger callee spec (in the covering order: write covers read,
//! `*` covers every address) gives a larger caller spec. So, starting from
//! empty specs, re-inferring a function whenever one of its callees grew
//! reaches the least fixpoint, and stops: every change adds at least one
//! (mode, resource, address) triple to what a spec covers, and there are
//! finitely many (2 modes × the module's struct handles × parameters, signers,
//! constants and `*`).
//!
//! A recursive group is solved in passes over its functions in callee-first
//! order (the reverse of the depth-first discovery order), each pass
//! re-inferring only the functions a change reached, so a ring of n functions
//! settles in about two passes (2n inferences, measured 2.25n on a ring whose
//! functions call both neighbours) rather than one step of progress per pass.

use std::collections::{BTreeSet, HashMap};

use resin_format::file_format::{AccessSpec, FunctionHandleIdx, Instr, Module};
use resin_verifier::{infer_function_access, VerifyError};

use crate::resolve::graph;

/// Infers and stores (on each definition's handle) the spec of every
/// definition not in `written`, visiting `edges` (definition to callee
/// definitions) callees first; returns how many inferences that took. Stops
/// at the first function the verifier's analysis rejects, returning its
/// definition index and the error.
pub(super) fn infer_all(
    module: &mut Module,
    edges: &[Vec<usize>],
    written: &[bool],
) -> Result<usize, (usize, VerifyError)> {
    let mut work = 0;
    let callers = reverse(edges);
    // rank[def]: its position in callee-first order within the component
    // being solved; usize::MAX outside it.
    let mut rank = vec![usize::MAX; edges.len()];
    for component in graph::sccs(edges) {
        if !graph::is_cycle(&component, edges) {
            for &def in &component {
                work += 1;
                update(module, def, written)?;
            }
            continue;
        }
        for (position, &def) in component.iter().rev().enumerate() {
            if let Some(slot) = rank.get_mut(def) {
                *slot = position;
            }
        }
        let solved = solve(module, &component, &rank, &callers, written, &mut work);
        for &def in &component {
            if let Some(slot) = rank.get_mut(def) {
                *slot = usize::MAX;
            }
        }
        solved?;
    }
    Ok(work)
}

/// Iterates one recursive component until no spec changes.
fn solve(
    module: &mut Module,
    component: &[usize],
    rank: &[usize],
    callers: &[Vec<usize>],
    written: &[bool],
    work: &mut usize,
) -> Result<(), (usize, VerifyError)> {
    let rank_of = |def: usize| rank.get(def).copied().filter(|&r| r != usize::MAX);
    // Passes in callee-first order: a caller after the current position
    // joins this pass, one before it waits for the next. (Always taking the
    // first pending function instead would bounce back up the order at every
    // change when calls go both ways: quadratic on a two-way ring.)
    let mut pass: BTreeSet<(usize, usize)> = component.iter().filter_map(|&d| Some((rank_of(d)?, d))).collect();
    let mut next = BTreeSet::new();
    while !pass.is_empty() {
        while let Some((position, def)) = pass.pop_first() {
            *work += 1;
            if !update(module, def, written)? {
                continue;
            }
            for &caller in callers.get(def).map(Vec::as_slice).unwrap_or(&[]) {
                match rank_of(caller) {
                    Some(r) if r > position => pass.insert((r, caller)),
                    Some(r) => next.insert((r, caller)),
                    None => false,
                };
            }
        }
        std::mem::swap(&mut pass, &mut next);
    }
    Ok(())
}

/// The call graph of `module`'s definitions: each one's callees among them.
pub(super) fn call_edges(module: &Module) -> Vec<Vec<usize>> {
    let def_of: HashMap<FunctionHandleIdx, usize> =
        module.functions.iter().enumerate().map(|(i, d)| (d.handle, i)).collect();
    module
        .functions
        .iter()
        .map(|def| {
            let callees: BTreeSet<usize> = def
                .code
                .iter()
                .filter_map(|i| if let Instr::Call(h) = i { def_of.get(h).copied() } else { None })
                .collect();
            callees.into_iter().collect()
        })
        .collect()
}

/// Re-infers definition `def` (unless its spec is written); true when its spec changed.
fn update(module: &mut Module, def: usize, written: &[bool]) -> Result<bool, (usize, VerifyError)> {
    if written.get(def).copied().unwrap_or(false) {
        return Ok(false);
    }
    let spec = infer_function_access(module, def).map_err(|e| (def, e))?;
    Ok(set_spec(module, def, spec))
}

/// Stores `spec` on the handle of definition `def`; true when it changed.
fn set_spec(module: &mut Module, def: usize, spec: AccessSpec) -> bool {
    let Some(handle) = module.functions.get(def).map(|d| d.handle) else { return false };
    match module.function_handles.get_mut(handle.index()) {
        Some(h) if h.access != spec => {
            h.access = spec;
            true
        }
        _ => false,
    }
}

fn reverse(edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let mut callers = vec![Vec::new(); edges.len()];
    for (caller, callees) in edges.iter().enumerate() {
        for &callee in callees {
            if let Some(list) = callers.get_mut(callee) {
                list.push(caller);
            }
        }
    }
    callers
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;
    use resin_format::file_format::{AccessMode, AddressSource};

    /// A module whose `n` functions form one recursive group: `f{i}` reads
    /// `R{i % k}` and calls `f{i+1}` (and `f{i-1}` when `both`), around a ring.
    fn ring(n: usize, k: usize, both: bool) -> Module {
        let mut text = String::from("module 0x1::m {\n");
        for i in 0..k {
            text.push_str(&format!("    struct R{i} has key {{ v: u64 }}\n"));
        }
        for i in 0..n {
            let back = if both { format!(" + f{}(a, n - 2)", (i + n - 1) % n) } else { String::new() };
            text.push_str(&format!(
                "    fun f{i}(a: address, n: u64): u64 {{\n        if (n == 0) {{ return borrow_global<R{}>(a).v }};\n        f{}(a, n - 1){back}\n    }}\n",
                i % k,
                (i + 1) % n
            ));
        }
        text.push_str("}\n");
        let sources = [SourceFile::new("ring.rsn", text)];
        let result = crate::compile(&sources, &[]);
        assert!(!result.has_errors(), "{}", result.diagnostics.render(&sources));
        result.modules.into_iter().next().unwrap().module
    }

    /// Clears every spec, infers them again and returns the work it took.
    fn reinfer(module: &mut Module) -> usize {
        for h in &mut module.function_handles {
            h.access = AccessSpec::default();
        }
        let edges = call_edges(module);
        infer_all(module, &edges, &vec![false; module.functions.len()]).unwrap()
    }

    #[test]
    fn a_ring_longer_than_any_round_limit_reaches_the_fixpoint() {
        // Every function of the ring reaches every resource through its callees,
        // always at the address passed along as parameter 0.
        for (n, k, both) in [(100, 100, false), (150, 40, true)] {
            let mut module = ring(n, k, both);
            reinfer(&mut module);
            for h in &module.function_handles {
                let mut resources: Vec<u16> = h.access.0.iter().map(|a| a.resource.0).collect();
                resources.sort_unstable();
                resources.dedup();
                assert_eq!(resources.len(), k, "{}: {:?}", h.name, h.access);
                assert_eq!(h.access.0.len(), k);
                assert!(h.access.0.iter().all(|a| a.mode == AccessMode::Read && a.address == AddressSource::Param(0)));
            }
        }
    }

    #[test]
    fn a_ring_settles_in_a_few_passes() {
        // Inferences per function stay constant as the ring grows: linear work.
        for both in [false, true] {
            let (small, large) = (ring(100, 30, both), ring(400, 30, both));
            let per_function = |mut m: Module| reinfer(&mut m) as f64 / m.functions.len() as f64;
            let (a, b) = (per_function(small), per_function(large));
            assert!(a <= 3.0 && b <= 3.0, "both ways: {both}: {a} and {b} inferences per function");
        }
    }
}
