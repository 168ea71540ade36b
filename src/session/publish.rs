//! `publish`: modules from Resin source (a file or inline text), from `.rbc`
//! bytecode, or from the standard library; and loading a state file.

use std::io::Write;
use std::path::Path;

use resin_lang::SourceFile;
use resin_vm::loader::CodeCache;
use resin_vm::{AccountAddress, Module, ModuleId, ResourceKey, TypeId, TypeTag};

use super::{Origin, Session, State};
use crate::compiler;
use crate::error::{CliError, CliResult};
use crate::script::ast::{PublishSource, Span};
use resin_format::encoding::encode_module_code;
use resin_format::encoding::limits::RESERVED_ADDRESS;
use resin_format::escape::{escaped, quoted};
use resin_state::persist::{module_hash, Changes, KeyedOrigin, Persisted, StoreError};
use resin_state::store::ResourceStore;
use resin_state::{derive_keyed_address, keyed_origin, register_keyed_address};
use resin_vm::loader::{Publisher, Verification};
use resin_vm::LoadError;
use resin_vm::Value;

impl Session {
    pub(super) fn publish(
        &mut self,
        source: &PublishSource,
        span: Span,
        origin: &Origin,
        out: &mut dyn Write,
    ) -> CliResult<()> {
        let deps: Vec<Module> = self.state.code.modules().cloned().collect();
        let modules = match source {
            PublishSource::Path(path) => {
                let full = origin.dir.join(path);
                let at = |e: CliError| origin.error(span, e.report().trim_start_matches("error: ").to_string());
                if full.join(crate::package::MANIFEST).is_file() {
                    // A package folder: its dependencies' modules, then its own.
                    let compiled = crate::package::load(&full).and_then(|p| p.compile_all());
                    // Diagnostics carry their own locations.
                    compiled.map_err(|e| if matches!(e, CliError::Diagnostics { .. }) { e } else { at(e) })?
                } else if full.is_dir() {
                    return Err(origin.error(
                        span,
                        format!(
                            "{} is a folder without a {}: `publish` takes a package folder, or a .rsn, .rbc or .rasm \
                             file",
                            full.display(),
                            crate::package::MANIFEST
                        ),
                    ));
                } else if full.extension().is_some_and(|e| e == "rbc") {
                    vec![compiler::read_rbc(&full).map_err(at)?]
                } else if full.extension().is_some_and(|e| e == "rasm") {
                    vec![compiler::read_rasm(&full)?]
                } else {
                    let text = crate::error::read_to_string(&full).map_err(at)?;
                    let file = SourceFile::new(full.display().to_string(), text);
                    compile_for_publish(vec![file], &deps, out)?
                }
            }
            PublishSource::Inline { text } => {
                // Pad the module so the compiler's line:col are the script's.
                let line = origin.loc(span).line;
                let padded = format!(
                    "{}{}{}",
                    "\n".repeat(line.saturating_sub(1) as usize),
                    " ".repeat(span.col.saturating_sub(1) as usize),
                    text
                );
                compile_for_publish(vec![SourceFile::new(origin.file.clone(), padded)], &deps, out)?
            }
            PublishSource::Stdlib(name) => {
                let all = resin_stdlib::modules().map_err(|e| origin.error(span, e.to_string()))?;
                let picked: Vec<Module> = all
                    .iter()
                    .filter(|m| name.as_ref().is_none_or(|n| m.self_id().is_some_and(|id| &id.name == n)))
                    .cloned()
                    .collect();
                if picked.is_empty() {
                    let names: Vec<String> = all.iter().filter_map(|m| m.self_id().map(|id| id.name.clone())).collect();
                    return Err(origin.error(
                        span,
                        format!(
                            "the standard library has no module `{}` (it has: {})",
                            name.as_deref().unwrap_or(""),
                            names.join(", ")
                        ),
                    ));
                }
                picked
            }
        };
        let mut code = self.state.code.clone();
        let mut changes = Changes::default();
        let mut report = Vec::new();
        for module in modules {
            let id = module
                .self_id()
                .cloned()
                .ok_or_else(|| origin.error(span, "a module without an id cannot be published"))?;
            // Debug information aside (the same code compiled from
            // another place), equal code is already there.
            let existing = code.module(&id).map(encode_module_code);
            if existing.as_ref().is_some_and(|old| *old == encode_module_code(&module)) {
                report.push(format!("unchanged {id} (already published)"));
                continue;
            }
            let bytes = compiler::encode(&module);
            let summary = summarize(&module);
            let publisher = match source {
                PublishSource::Stdlib(_) => Publisher::StandardLibrary,
                _ => Publisher::Anyone,
            };
            // Publishing a module that is there is an upgrade (`CodeCache::upgrade_with`).
            let verb = if existing.is_some() { "upgraded" } else { "published" };
            code.upgrade_with(module, publisher, Verification::Verify).map_err(|e| match e {
                LoadError::IncompatibleUpgrade { .. } => origin.error(span, e.to_string()),
                // The standard library is published only on request: say how.
                LoadError::MissingDependency { ref dependency, .. } if dependency.address == RESERVED_ADDRESS => origin
                    .error(span, format!("cannot publish {id}: {e} (`publish stdlib` publishes the standard library)")),
                e => origin.error(span, format!("cannot publish {id}: {e}")),
            })?;
            changes.modules.push((id.to_string(), bytes));
            report.push(format!("{verb} {id} ({summary})"));
        }
        if !changes.modules.is_empty() {
            let next = State { code, ..self.state.clone() };
            self.commit(next, changes)?;
        }
        for line in report {
            writeln!(out, "{line}").map_err(crate::output::stdout_error)?;
        }
        Ok(())
    }
}

/// Compiles sources against the published modules, printing warnings.
fn compile_for_publish(files: Vec<SourceFile>, deps: &[Module], out: &mut dyn Write) -> CliResult<Vec<Module>> {
    let compiled = compiler::compile(&files, deps)?;
    if !compiled.warnings.is_empty() {
        write!(out, "{}", compiled.warnings).map_err(crate::output::stdout_error)?;
    }
    Ok(compiled.modules)
}

/// `2 structs, 5 functions (3 entry)`.
fn summarize(module: &Module) -> String {
    let entries = module.functions.iter().filter(|f| f.is_entry).count();
    format!(
        "{} struct{}, {} function{} ({entries} entry)",
        module.structs.len(),
        if module.structs.len() == 1 { "" } else { "s" },
        module.functions.len(),
        if module.functions.len() == 1 { "" } else { "s" },
    )
}

/// A state file's contents, loaded: the state, and the verified-hash records
/// to write back for modules that had to be verified again.
pub(super) struct Loaded {
    pub state: State,
    pub verified: Changes,
}

/// Rebuilds a session's state from a state file. Modules are linked in
/// dependency order; one whose bytes match the hash recorded when it was
/// verified is not verified again (unless `verify_all`), any other is, so a
/// changed module is caught. Resources are decoded once their types can be
/// named.
pub(super) fn load_persisted(path: &Path, persisted: Persisted, verify_all: bool) -> CliResult<Loaded> {
    let corrupt = |what: String| CliError::Store(StoreError::Corrupt { path: path.to_path_buf(), what });
    let mut pending = Vec::new();
    let mut verified = Changes::default();
    for stored in persisted.modules {
        let id = escaped(&stored.id).into_owned();
        let module =
            compiler::decode(&stored.bytes).map_err(|e| corrupt(format!("module {id} does not decode: {e}")))?;
        if module.self_id().map(ToString::to_string).as_deref() != Some(stored.id.as_str()) {
            return Err(corrupt(format!("module stored as {id} has another id")));
        }
        let trusted = stored.is_verified() && !verify_all;
        if !trusted {
            if stored.verified_hash.is_some() && !stored.is_verified() {
                crate::output::line_to_stderr(format_args!(
                    "warning: {}: module {id} changed since it was verified; verifying it again",
                    path.display()
                ));
            }
            verified.verified.push((stored.id.clone(), module_hash(&stored.bytes)));
        }
        pending.push((module, trusted));
    }
    let mut code = CodeCache::new();
    // Publish whatever has its dependencies, until nothing is left; the
    // file's order is by name, not by dependency.
    while !pending.is_empty() {
        let (ready, waiting): (Vec<_>, Vec<_>) =
            pending.into_iter().partition(|(m, _)| m.module_handles.iter().skip(1).all(|dep| code.is_published(dep)));
        if ready.is_empty() {
            let ids: Vec<String> = waiting.iter().filter_map(|(m, _)| m.self_id().map(ToString::to_string)).collect();
            return Err(corrupt(format!("modules with missing dependencies: {}", ids.join(", "))));
        }
        for (module, trusted) in ready {
            let id = module.self_id().cloned().unwrap_or_else(|| ModuleId::new(Default::default(), "?"));
            // Modules at the reserved address got there through the
            // standard library's publish; the file replays it.
            let publisher = if id.address == RESERVED_ADDRESS { Publisher::StandardLibrary } else { Publisher::Anyone };
            let verification = if trusted { Verification::AlreadyVerified } else { Verification::Verify };
            code.publish_with(module, publisher, verification)
                .map_err(|e| corrupt(format!("module {id} is refused: {e}")))?;
        }
        pending = waiting;
    }
    // Names of instantiated types first, so that errors below and every
    // later printer can name `Balance<USD>`: each must hash to its id.
    // The ids of keyed entries' types are named by the text they hash
    // (`0x1::token::Allowance[]`); hashing it again names the id for printers.
    for (id, text) in persisted.types {
        let (tag_text, keyed) = match text.strip_suffix(KEYED_SUFFIX) {
            Some(tag_text) => (tag_text, true),
            None => (text.as_str(), false),
        };
        let tag = match TypeTag::parse(tag_text) {
            Ok(TypeTag::Struct(tag)) => tag,
            Ok(_) => return Err(corrupt(format!("type entry {} is not a struct type", quoted(&text)))),
            Err(e) => return Err(corrupt(format!("type entry: {e}"))),
        };
        let hashed = if keyed { TypeId::keyed(&tag) } else { TypeId::of_struct(&tag) };
        if hashed != id {
            return Err(corrupt(format!("type entry {} does not hash to its id {id:?}", quoted(&text))));
        }
    }
    // Every keyed entry's origin must derive its address, as the VM would.
    for origin in persisted.keyed {
        let index = Value::from_canonical_bytes(&origin.index).map_err(|e| {
            corrupt(format!("the index of the keyed entry at @{} does not decode: {e}", origin.address))
        })?;
        if derive_keyed_address(&origin.anchor, &index) != origin.address {
            return Err(corrupt(format!(
                "the keyed entry at @{} is recorded as anchored at @{} with index {}, which derives another address",
                origin.address,
                origin.anchor,
                super::keyed::index_text(&index)
            )));
        }
        register_keyed_address(origin.address, &origin.anchor, &index);
    }
    let mut state = State { code, ..State::default() };
    let mut resources = Vec::with_capacity(persisted.resources.len());
    for (key, bytes) in persisted.resources {
        let value = Value::from_canonical_bytes(&bytes).map_err(|e| {
            let what = match state.code.type_name(key.ty) {
                Some(name) => format!("resource {name} at @{}", key.address),
                None => format!("a resource at @{} of a type no published module defines", key.address),
            };
            corrupt(format!("{what} does not decode: {e}"))
        })?;
        resources.push((key, value));
    }
    // One batch: the state file holds resources, not the tree, so the root
    // is rebuilt here, in parallel.
    state.resources = ResourceStore::from_entries(resources);
    for (name, address) in persisted.accounts {
        if !crate::script::words::is_account_name(&name) {
            return Err(corrupt(format!("account name {} is not a valid name", quoted(&name))));
        }
        state.accounts.insert(name, address);
    }
    Ok(Loaded { state, verified })
}

/// The whole of `state` as one replacing write of the state file.
pub(super) fn full_changes(state: &State) -> CliResult<Changes> {
    let mut changes = Changes { replace_all: true, ..Changes::default() };
    for module in state.code.modules() {
        if let Some(id) = module.self_id() {
            changes.modules.push((id.to_string(), compiler::encode(module)));
        }
    }
    for (key, value) in state.resources.sorted_entries() {
        changes.resources.push((key, Some(value.canonical_bytes())));
    }
    changes.types = instantiated_types(changes.resources.iter().map(|(key, _)| key));
    changes.keyed = keyed_origins(changes.resources.iter().map(|(key, _)| key));
    for (name, address) in state.accounts.iter() {
        changes.accounts.push((name.clone(), *address));
    }
    Ok(changes)
}

/// The names of the hashed type ids among `keys`, for the state file's type
/// table: the canonical tags of instantiated struct types, and for the ids
/// of keyed entries the text they hash (`0x1::token::Allowance[]`).
pub(super) fn instantiated_types<'a>(keys: impl Iterator<Item = &'a ResourceKey>) -> Vec<(TypeId, String)> {
    let types: std::collections::BTreeSet<TypeId> = keys.map(|key| key.ty).collect();
    types
        .into_iter()
        .filter_map(|ty| match ty.keyed_resource() {
            Some(tag) => Some((ty, format!("{}{KEYED_SUFFIX}", tag.canonical()))),
            None => ty.instantiation().map(|tag| (ty, tag.canonical())),
        })
        .collect()
}

/// What a keyed type's name ends in, in the type table: the text
/// `TypeId::keyed` hashes is the struct's canonical tag and this.
const KEYED_SUFFIX: &str = "[]";

/// Where the keyed entries among `keys` come from (anchor and index), for
/// the state file's table of keyed entries.
pub(super) fn keyed_origins<'a>(keys: impl Iterator<Item = &'a ResourceKey>) -> Vec<KeyedOrigin> {
    let addresses: std::collections::BTreeSet<AccountAddress> =
        keys.filter(|key| key.ty.keyed_resource().is_some()).map(|key| key.address).collect();
    addresses
        .into_iter()
        .filter_map(|address| {
            let (anchor, index) = keyed_origin(&address)?;
            Some(KeyedOrigin { address, anchor, index: index.canonical_bytes() })
        })
        .collect()
}
