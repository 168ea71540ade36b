//! The access specs of one module's functions, callees first, with a real
//! fixpoint for recursive groups.
//!
//! A function's spec is its own global operations plus its callees' specs
//! with their parameters replaced by the call's arguments. Both steps are
//! monotone: a larger callee spec (in the covering order: write covers read
//! and add, `*` covers every address, `[*]` every index) gives a larger
//! caller spec. So, starting from empty specs, re-inferring a function
//! whenever one of its callees grew reaches the least fixpoint, and stops:
//! every change adds at least one (mode, resource, address, index) to what a
//! spec covers, and there are finitely many (3 modes × the module's struct
//! handles × parameters, signers, constants and `*` × no index, parameters,
//! signers and `[*]`).
//!
//! A recursive group is solved in passes over its functions in callee-first
//! order (the reverse of the depth-first discovery order), each pass
//! re-inferring only the functions a change reached, so a ring of n functions
//! settles in about two passes (2n inferences, measured 2.25n on a ring whose
//! functions call both neighbours) rather than one step of progress per pass.
//!
//! A spec that names more than [`MAX_ACCESSES`] distinct resources is over the
//! limit for good, and so is every caller's: substitution changes addresses,
//! never resources, and no access covers one of another resource, so every
//! resource of a callee's spec keeps at least one entry in the caller's. Such
//! a function is marked [`Over`] and its spec is neither stored nor grown any
//! further, and its callers are marked without being inferred. Without that, a
//! ring of n functions each touching its own resource stored n specs of n
//! entries and re-inferred each from its callee's n entries: O(n²) time and
//! memory (6,666 functions, a 1 MB source, took 38 s and 5 GB) to report an
//! error that 256 resources already decide. (A spec over the limit through
//! its addresses alone is kept exact: a caller may merge its addresses into
//! one `*` entry, so that excess is not inherited.)

use std::collections::{BTreeSet, HashMap};

use resin_format::file_format::{AccessSpec, FunctionHandleIdx, Instr, Module, ModuleId};
use resin_verifier::{infer_function_access, VerifyError, MAX_ACCESSES};

use crate::resolve::graph;

/// Why a function's spec is known to be over [`MAX_ACCESSES`] entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Over {
    /// Its own inference already named this many (> the limit) distinct resources.
    Resources(usize),
    /// It calls this definition, whose spec is over the limit.
    Via(usize),
}

/// What [`infer_all`] found.
#[derive(Debug)]
pub(super) struct Solved {
    /// Inferences run (the tests bound it).
    #[cfg_attr(not(test), allow(dead_code))]
    pub work: usize,
    /// Per definition: `Some` when its spec is over the limit (its handle
    /// then holds an empty spec, not the partial one).
    pub over: Vec<Option<Over>>,
}

/// Infers and stores (on each definition's handle) the spec of every
/// definition not in `written`, visiting `edges` (definition to callee
/// definitions) callees first. Stops at the first function the verifier's
/// analysis rejects, returning its definition index and the error.
pub(super) fn infer_all(
    module: &mut Module,
    edges: &[Vec<usize>],
    written: &[bool],
) -> Result<Solved, (usize, VerifyError)> {
    let callers = reverse(edges);
    let mut solver =
        Solver { edges, written, resources: canonical_resources(module), over: vec![None; edges.len()], work: 0 };
    // rank[def]: its position in callee-first order within the component
    // being solved; usize::MAX outside it.
    let mut rank = vec![usize::MAX; edges.len()];
    for component in graph::sccs(edges) {
        if !graph::is_cycle(&component, edges) {
            for &def in &component {
                solver.update(module, def)?;
            }
            continue;
        }
        for (position, &def) in component.iter().rev().enumerate() {
            if let Some(slot) = rank.get_mut(def) {
                *slot = position;
            }
        }
        let solved = solver.solve(module, &component, &rank, &callers);
        for &def in &component {
            if let Some(slot) = rank.get_mut(def) {
                *slot = usize::MAX;
            }
        }
        solved?;
    }
    Ok(Solved { work: solver.work, over: solver.over })
}

/// Numbers the module's struct handles by the resource they name (module and
/// struct name), so handles naming the same resource count once. A handle out
/// of bounds gets a number of its own.
fn canonical_resources(module: &Module) -> Vec<usize> {
    let mut ids: HashMap<(&ModuleId, &str), usize> = HashMap::new();
    let count = module.struct_handles.len();
    module
        .struct_handles
        .iter()
        .enumerate()
        .map(|(index, handle)| match module.module_handles.get(handle.module.index()) {
            Some(owner) => {
                let next = ids.len();
                *ids.entry((owner, handle.name.as_str())).or_insert(next)
            }
            None => count + index,
        })
        .collect()
}

struct Solver<'a> {
    edges: &'a [Vec<usize>],
    written: &'a [bool],
    /// See [`canonical_resources`].
    resources: Vec<usize>,
    over: Vec<Option<Over>>,
    work: usize,
}

impl Solver<'_> {
    /// Iterates one recursive component until no spec changes.
    fn solve(
        &mut self,
        module: &mut Module,
        component: &[usize],
        rank: &[usize],
        callers: &[Vec<usize>],
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
                if !self.update(module, def)? {
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

    /// Re-infers definition `def` (unless its spec is written or already over
    /// the limit); true when its spec changed, or it was just found over.
    fn update(&mut self, module: &mut Module, def: usize) -> Result<bool, (usize, VerifyError)> {
        if self.written.get(def).copied().unwrap_or(false) || self.over.get(def).is_some_and(Option::is_some) {
            return Ok(false);
        }
        // A callee over the limit makes this one over: no need to infer
        // (which would read the callee's spec, no longer kept).
        let callees = self.edges.get(def).map(Vec::as_slice).unwrap_or(&[]);
        let over_callee = callees.iter().copied().find(|&c| self.over.get(c).is_some_and(Option::is_some));
        if let Some(callee) = over_callee {
            return Ok(self.mark_over(module, def, Over::Via(callee)));
        }
        self.work += 1;
        let spec = infer_function_access(module, def).map_err(|e| (def, e))?;
        let distinct = self.distinct_resources(&spec);
        if distinct > MAX_ACCESSES {
            return Ok(self.mark_over(module, def, Over::Resources(distinct)));
        }
        Ok(set_spec(module, def, spec))
    }

    /// How many different resources `spec` names.
    fn distinct_resources(&self, spec: &AccessSpec) -> usize {
        let mut ids: Vec<usize> = spec
            .0
            .iter()
            .map(|a| {
                let handle = usize::from(a.resource.0);
                self.resources.get(handle).copied().unwrap_or(usize::MAX - handle)
            })
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len()
    }

    /// Records `def` as over the limit and empties its stored spec (the
    /// partial one would only cost memory: no one reads it). Always true.
    fn mark_over(&mut self, module: &mut Module, def: usize, why: Over) -> bool {
        if let Some(slot) = self.over.get_mut(def) {
            *slot = Some(why);
        }
        set_spec(module, def, AccessSpec::default());
        true
    }
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
                .filter_map(|i| match i {
                    Instr::Call(h) => def_of.get(h).copied(),
                    // A generic call's callee is the handle of its instantiation.
                    Instr::CallGeneric(inst) => {
                        module.function_instantiations.get(inst.index()).and_then(|f| def_of.get(&f.handle).copied())
                    }
                    _ => None,
                })
                .collect();
            callees.into_iter().collect()
        })
        .collect()
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
        let sources = [SourceFile::new("ring.rsn", ring_text(n, k, both))];
        let result = crate::compile(&sources, &[]);
        assert!(!result.has_errors(), "{}", result.diagnostics.render(&sources));
        result.modules.into_iter().next().unwrap().module
    }

    /// The source of [`ring`].
    fn ring_text(n: usize, k: usize, both: bool) -> String {
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
        text
    }

    /// `text`'s one module as code generation leaves it, before inference
    /// (for a ring whose sets are over the limit, which does not compile).
    fn generated(text: String) -> Module {
        let sources = [SourceFile::new("ring.rsn", text)];
        let (program, diags) = crate::parser::parse(&sources);
        assert!(!diags.has_errors());
        let (resolved, _) = crate::resolve::resolve(&program, &[]);
        let (typed, _) = crate::typeck::check(&program, &resolved);
        let index = resolved.order[0];
        let own = resolved.modules[index].as_ref().unwrap().id;
        crate::codegen::generate(&resolved.env, own, typed[index].as_ref().unwrap()).unwrap()
    }

    #[test]
    fn generic_calls_are_call_edges() {
        // Callee-first order must see `call_generic` too.
        let module = generated(
            "module 0x1::g {
                fun id<T>(x: T): T { x }
                fun a(): u64 { id(1) }
                fun b<T: drop>(x: T, n: u64) { if (n > 0) b<T>(x, n - 1) }
            }"
            .to_string(),
        );
        assert_eq!(call_edges(&module), vec![vec![], vec![0], vec![2]]);
    }

    /// Clears every spec, infers them again and returns the work it took.
    fn reinfer(module: &mut Module) -> usize {
        for h in &mut module.function_handles {
            h.access = AccessSpec::default();
        }
        let edges = call_edges(module);
        infer_all(module, &edges, &vec![false; module.functions.len()]).unwrap().work
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
    fn a_ring_over_the_limit_stops_growing_at_the_limit() {
        // Each of n functions reaches all n resources. Once a set names more
        // than the limit it is marked and emptied, and its callers are marked
        // without inference: no stored set (what every inference reads)
        // exceeds the limit, and inferences stay a few per function, so the
        // work is O(n × limit), not the O(n²) of growing every set to n.
        let n = 700;
        let mut module = generated(ring_text(n, n, false));
        let edges = call_edges(&module);
        let solved = infer_all(&mut module, &edges, &vec![false; n]).unwrap();
        assert!(solved.over.iter().all(Option::is_some));
        assert!(solved.work <= MAX_ACCESSES + 2, "{} inferences", solved.work);
        assert!(module.function_handles.iter().all(|h| h.access.0.is_empty()));
        // Just over the limit by resources, counted when it was found.
        let found: Vec<usize> =
            solved.over.iter().filter_map(|o| if let Some(Over::Resources(r)) = o { Some(*r) } else { None }).collect();
        assert_eq!(found, [MAX_ACCESSES + 1]);
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
