//! Name resolution across the modules of one compile set and its already
//! compiled dependencies.
//!
//! Builds the [`Env`] (every visible module's structs, functions and
//! constants in semantic form) and one [`ModuleScope`] per source module, checks
//! every name in signatures, access clauses and bodies, and orders the source
//! modules so each comes after the modules it uses. A dependency cycle between
//! source modules is an error.

pub mod access_clause;
pub mod bodies;
pub mod consts;
pub mod decls;
pub mod deps;
pub mod env;
pub mod generics;
pub mod graph;
pub mod lookup;
pub mod scope;
pub mod types;

use std::collections::HashMap;

use resin_format::file_format::{Module, ModuleId};

use crate::ast;
use crate::attributes::BuildMode;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::typeck::ty::Ty;
use decls::ItemIds;
use env::{Env, ModId, ModuleEnv, Origin};
use lookup::Lookup;
use scope::ModuleScope;

/// A source module after resolution.
#[derive(Clone, Debug)]
pub struct SourceModule {
    pub id: ModId,
    pub scope: ModuleScope,
    pub items: ItemIds,
}

/// The result of name resolution.
#[derive(Clone, Debug)]
pub struct Resolved {
    pub env: Env,
    /// Per `program.modules` index; `None` for a duplicate module.
    pub modules: Vec<Option<SourceModule>>,
    /// `program.modules` indices in dependency order (used modules first);
    /// modules on a cycle are left out.
    pub order: Vec<usize>,
}

/// Resolves `program` against `deps`. A dependency with the same id as a
/// source module is replaced by the source module.
pub fn resolve(program: &ast::Program, deps: &[Module]) -> (Resolved, Vec<Diagnostic>) {
    resolve_for(program, deps, BuildMode::Normal)
}

/// [`resolve`] for a build of `mode`: only a test build resolves the
/// test-only builtins (`block::set_timestamp_for_testing`).
pub fn resolve_for(program: &ast::Program, deps: &[Module], mode: BuildMode) -> (Resolved, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut env = Env::default();
    env.test_build = mode == BuildMode::Test;
    let mut first_seen: HashMap<ModuleId, Span> = HashMap::new();
    let mut unique = Vec::with_capacity(program.modules.len());
    for module in &program.modules {
        let id = ModuleId::new(module.address.value, module.name.name.clone());
        let span = module.address.span.to(module.name.span);
        if let Some(first) = first_seen.get(&id) {
            diags.push(
                Diagnostic::new(Code::DuplicateModule, span, format!("module `{id}` is defined twice"))
                    .with_secondary(*first, "first defined here"),
            );
            unique.push(None);
        } else {
            first_seen.insert(id.clone(), span);
            unique.push(Some(id));
        }
    }
    let shadowed: Vec<ModuleId> = unique.iter().flatten().cloned().collect();
    deps::import(&mut env, deps, &shadowed);

    let mut ids = Vec::with_capacity(unique.len());
    for (index, id) in unique.into_iter().enumerate() {
        ids.push(id.map(|id| env.add_module(ModuleEnv::new(id, Origin::Source(index)))));
    }
    let mut items = Vec::with_capacity(ids.len());
    for (module, id) in program.modules.iter().zip(&ids) {
        items.push(id.map(|id| decls::declare_items(&mut env, id, module, &mut diags)));
    }
    let mut edges: HashMap<ModId, Vec<(ModId, Span)>> = HashMap::new();
    let mut scopes = Vec::with_capacity(ids.len());
    for (module, id) in program.modules.iter().zip(&ids) {
        scopes.push(id.map(|id| {
            let (scope, reached) = decls::build_scope(&env, id, module, &mut diags);
            edges.entry(id).or_default().extend(reached);
            scope
        }));
    }
    let mut modules: Vec<Option<SourceModule>> = Vec::with_capacity(ids.len());
    for ((module, scope), items) in program.modules.iter().zip(scopes).zip(items) {
        let (Some(scope), Some(items)) = (scope, items) else {
            modules.push(None);
            continue;
        };
        let reached = decls::resolve_signatures(&mut env, &scope, module, &items, &mut diags);
        edges.entry(scope.module).or_default().extend(reached);
        modules.push(Some(SourceModule { id: scope.module, scope, items }));
    }
    for (module, source) in program.modules.iter().zip(&modules) {
        let Some(source) = source else { continue };
        resolve_access_clauses(&mut env, source, module, &mut diags);
        check_recursive_structs(&env, source, module, &mut diags);
        check_phantoms(&env, source, module, &mut diags);
        let lookup = Lookup::new(&env, &source.scope);
        let mut walker = bodies::BodyWalker::new(&lookup, &mut diags);
        for (fun, index) in module.functions.iter().zip(&source.items.functions) {
            let info = index.and_then(|index| env.function(env::FunId { module: source.id, index }));
            lookup.set_generics(info.map(|f| f.type_params.as_slice()).unwrap_or_default());
            walker.function(fun);
        }
        edges.entry(source.id).or_default().extend(lookup.reached.into_inner());
        report_unused_imports(&source.scope, &mut diags);
    }
    let order = module_order(&env, &modules, &edges, &mut diags);
    (Resolved { env, modules, order }, diags)
}

fn resolve_access_clauses(env: &mut Env, source: &SourceModule, module: &ast::Module, diags: &mut Vec<Diagnostic>) {
    let mut written = Vec::new();
    {
        let lookup = Lookup::new(env, &source.scope);
        for (fun, index) in module.functions.iter().zip(&source.items.functions) {
            let (Some(clause), Some(index)) = (&fun.access, index) else { continue };
            let Some(info) = env.function(env::FunId { module: source.id, index: *index }) else { continue };
            lookup.set_generics(&info.type_params);
            written.push((*index, access_clause::resolve_clause(&lookup, fun, info, clause, diags)));
        }
    }
    for (index, entries) in written {
        if let Some(info) = env.function_mut(env::FunId { module: source.id, index }) {
            info.written_access = Some(entries);
        }
    }
}

fn check_phantoms(env: &Env, source: &SourceModule, module: &ast::Module, diags: &mut Vec<Diagnostic>) {
    for (def, index) in module.structs.iter().zip(&source.items.structs) {
        let Some(info) = index.and_then(|index| env.strukt(env::StructId { module: source.id, index })) else {
            continue;
        };
        generics::check_phantoms(env, info, def, diags);
    }
}

/// A struct may not contain itself, directly or through other structs or vectors.
fn check_recursive_structs(env: &Env, source: &SourceModule, module: &ast::Module, diags: &mut Vec<Diagnostic>) {
    let Some(menv) = env.module(source.id) else { return };
    let edges: Vec<Vec<usize>> = menv
        .structs
        .iter()
        .map(|s| {
            let mut out = Vec::new();
            for f in &s.fields {
                contained_structs(&f.ty, source.id, &mut out);
            }
            out
        })
        .collect();
    for component in graph::sccs(&edges) {
        if !graph::is_cycle(&component, &edges) {
            continue;
        }
        let names: Vec<String> = graph::cycle_path(&component, &edges)
            .iter()
            .filter_map(|&i| menv.structs.get(i).map(|s| s.name.clone()))
            .collect();
        let Some(first) = component.first().and_then(|&i| menv.structs.get(i)) else { continue };
        let span = module.structs.iter().find(|s| s.name.name == first.name).map_or(Span::default(), |s| s.name.span);
        diags.push(
            Diagnostic::new(Code::RecursiveStruct, span, format!("recursive struct `{}`", first.name))
                .with_label_message("contains itself")
                .with_note(format!("containment cycle: {}", names.join(" -> "))),
        );
    }
}

/// The structs of `module` a value of `ty` contains, through vectors and
/// type arguments (`S<R>` may hold an `R`).
fn contained_structs(ty: &Ty, module: ModId, out: &mut Vec<usize>) {
    match ty {
        Ty::Vector(inner) => contained_structs(inner, module, out),
        Ty::Struct(id, args) => {
            if id.module == module {
                out.push(id.index as usize);
            }
            args.iter().for_each(|a| contained_structs(a, module, out));
        }
        _ => {}
    }
}

fn report_unused_imports(scope: &ModuleScope, diags: &mut Vec<Diagnostic>) {
    let mut unused: Vec<(Span, &str)> = Vec::new();
    for (name, alias) in &scope.module_aliases {
        if let (Some(span), false) = (alias.span, alias.used.get()) {
            unused.push((span, name));
        }
    }
    for (name, alias) in &scope.member_aliases {
        if !alias.used.get() {
            unused.push((alias.span, name));
        }
    }
    unused.sort();
    for (span, name) in unused {
        diags.push(
            Diagnostic::new(Code::UnusedUse, span, format!("unused import `{name}`")).with_label_message("never used"),
        );
    }
}

/// Source modules in dependency order; reports every cycle.
fn module_order(
    env: &Env,
    modules: &[Option<SourceModule>],
    edges: &HashMap<ModId, Vec<(ModId, Span)>>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<usize> {
    let node_of: HashMap<ModId, usize> =
        modules.iter().enumerate().filter_map(|(i, m)| Some((m.as_ref()?.id, i))).collect();
    let mut graph: Vec<Vec<usize>> = vec![Vec::new(); modules.len()];
    let mut edge_span: HashMap<(usize, usize), Span> = HashMap::new();
    for (from, list) in edges {
        let Some(&from) = node_of.get(from) else { continue };
        for (to, span) in list {
            let Some(&to) = node_of.get(to) else { continue };
            if !graph[from].contains(&to) {
                graph[from].push(to);
                edge_span.insert((from, to), *span);
            }
        }
    }
    for list in &mut graph {
        list.sort_unstable();
    }
    let name = |i: usize| {
        modules
            .get(i)
            .and_then(|m| m.as_ref())
            .and_then(|m| env.module(m.id))
            .map_or_else(String::new, |m| m.id.to_string())
    };
    let mut order = Vec::new();
    for component in graph::sccs(&graph) {
        if graph::is_cycle(&component, &graph) {
            let path = graph::cycle_path(&component, &graph);
            let names: Vec<String> = path.iter().map(|&i| name(i)).collect();
            let mut diag =
                Diagnostic::global(Code::CyclicDependency, format!("cyclic module dependency: {}", names.join(" -> ")));
            for pair in path.windows(2) {
                if let Some(span) = edge_span.get(&(pair[0], pair[1])) {
                    let label = format!("`{}` uses `{}` here", name(pair[0]), name(pair[1]));
                    diag = if diag.labels.is_empty() {
                        diag.with_primary(*span, label)
                    } else {
                        diag.with_secondary(*span, label)
                    };
                }
            }
            diags.push(diag.with_note("modules are compiled and published in dependency order, so they cannot depend on each other in a cycle"));
            continue;
        }
        order.extend(component.into_iter().filter(|&i| modules.get(i).is_some_and(Option::is_some)));
    }
    order
}
