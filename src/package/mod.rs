//! Packages: a directory with a `Resin.toml` manifest, its sources in
//! `sources/`, tests in `tests/` and scripts in `scripts/`, and the packages
//! it depends on by path. [`load`] reads a package and, recursively, its
//! dependencies; [`Package::build_order`] lists them dependencies first.
//!
//! Layout:
//! ```text
//! NAME/
//!   Resin.toml          [package] name, version; [addresses]; [dependencies]
//!   sources/*.rsn       the modules the package publishes
//!   tests/*.rsn         test-only sources (for `resin test`)
//!   scripts/*.rsx       transaction scripts
//!   build/              what `resin build` writes
//! ```

pub mod addresses;
pub mod manifest;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use resin_lang::SourceFile;
use resin_vm::{AccountAddress, Module, ModuleId};

use crate::error::{read_to_string, CliError, CliResult};
use crate::limits::MAX_PACKAGES;
pub use manifest::{Dependency, Manifest, MANIFEST};

/// A loaded package and, recursively, the packages it depends on.
#[derive(Clone, Debug)]
pub struct Package {
    /// The directory, as it was reached (shown in messages and file names).
    pub dir: PathBuf,
    /// The directory, canonical: one package reached by two paths is one.
    pub canonical: PathBuf,
    pub manifest: Manifest,
    /// `sources/*.rsn`, sorted by path.
    pub sources: Vec<PathBuf>,
    /// `tests/*.rsn`, sorted by path.
    pub tests: Vec<PathBuf>,
    /// `scripts/*.rsx`, sorted by path.
    pub scripts: Vec<PathBuf>,
    /// The direct dependencies, in the manifest's order. Shared: a package
    /// two others depend on is loaded once.
    pub dependencies: Vec<Arc<Package>>,
}

/// Loads the package in `dir` and its dependencies. A missing or bad
/// manifest, a missing dependency, a dependency whose manifest names another
/// package, and a dependency cycle are errors naming the manifest line.
pub fn load(dir: &Path) -> CliResult<Package> {
    load_inner(dir, &mut Loading::default())
}

/// What loading has seen so far.
#[derive(Default)]
struct Loading {
    /// The packages being loaded, outermost first, for cycles.
    stack: Vec<(PathBuf, String)>,
    /// Every package loaded, by canonical folder: each is read once however
    /// many depend on it (so a lattice of shared dependencies stays linear).
    done: BTreeMap<PathBuf, Arc<Package>>,
}

fn load_inner(dir: &Path, loading: &mut Loading) -> CliResult<Package> {
    let manifest_path = join(dir, Path::new(MANIFEST));
    if !manifest_path.is_file() {
        return Err(CliError::Other(format!(
            "no {MANIFEST} in {} (is this a package? `resin new NAME` creates one)",
            dir.display()
        )));
    }
    let text = read_to_string(&manifest_path)?;
    let manifest = manifest::parse(&manifest_path, &text)?;
    let canonical = dir.canonicalize().map_err(|e| CliError::io(dir, e))?;
    loading.stack.push((canonical.clone(), manifest.name.clone()));
    let mut dependencies = Vec::new();
    for dep in &manifest.dependencies {
        let dep_dir = join(dir, &dep.path);
        let at = |message: String| CliError::script(dep.loc.clone(), message);
        if !dep_dir.join(MANIFEST).is_file() {
            return Err(at(format!("dependency `{}`: no {MANIFEST} in {}", dep.name, dep_dir.display())));
        }
        let dep_canonical = dep_dir.canonicalize().map_err(|e| CliError::io(&dep_dir, e))?;
        if let Some(first) = loading.stack.iter().position(|(p, _)| *p == dep_canonical) {
            let cycle: Vec<&str> =
                loading.stack[first..].iter().map(|(_, n)| n.as_str()).chain([dep.name.as_str()]).collect();
            return Err(at(format!("dependency cycle: {}", cycle.join(" -> "))));
        }
        let loaded = match loading.done.get(&dep_canonical) {
            Some(done) => Arc::clone(done),
            None => {
                if loading.done.len() + loading.stack.len() >= MAX_PACKAGES {
                    return Err(at(format!("dependency `{}`: more than {MAX_PACKAGES} packages", dep.name)));
                }
                let loaded = Arc::new(load_inner(&dep_dir, loading)?);
                loading.done.insert(dep_canonical, Arc::clone(&loaded));
                loaded
            }
        };
        if loaded.manifest.name != dep.name {
            return Err(at(format!(
                "dependency `{}` is the package `{}` ({})",
                dep.name,
                loaded.manifest.name,
                dep_dir.join(MANIFEST).display()
            )));
        }
        dependencies.push(loaded);
    }
    loading.stack.pop();
    Ok(Package {
        sources: files_in(&join(dir, Path::new("sources")), "rsn")?,
        tests: files_in(&join(dir, Path::new("tests")), "rsn")?,
        scripts: files_in(&join(dir, Path::new("scripts")), "rsx")?,
        dir: dir.to_path_buf(),
        canonical,
        manifest,
        dependencies,
    })
}

/// `dir/path`, without a leading `./` when `dir` is `.`: paths in messages
/// read as the user would type them.
pub fn join(dir: &Path, path: &Path) -> PathBuf {
    if dir == Path::new(".") {
        path.to_path_buf()
    } else {
        dir.join(path)
    }
}

/// The files of `dir` with extension `ext`, sorted; none when `dir` is
/// missing. Something else in its place (a file named `sources`) is an
/// error, not a package without sources.
fn files_in(dir: &Path, ext: &str) -> CliResult<Vec<PathBuf>> {
    match std::fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => {
            let message = "not a directory (a package keeps its files in sources/, tests/ and scripts/)";
            return Err(CliError::io(dir, std::io::Error::other(message)));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(CliError::io(dir, e)),
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| CliError::io(dir, e))? {
        let path = entry.map_err(|e| CliError::io(dir, e))?.path();
        if path.is_file() && path.extension().is_some_and(|e| e == ext) {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

impl Package {
    pub fn name(&self) -> &str {
        &self.manifest.name
    }

    /// This package and every package it depends on, each once,
    /// dependencies before the packages that use them.
    pub fn build_order(&self) -> Vec<&Package> {
        fn visit<'a>(p: &'a Package, seen: &mut BTreeSet<PathBuf>, order: &mut Vec<&'a Package>) {
            if !seen.insert(p.canonical.clone()) {
                return;
            }
            for dep in &p.dependencies {
                visit(dep, seen, order);
            }
            order.push(p);
        }
        let mut order = Vec::new();
        visit(self, &mut BTreeSet::new(), &mut order);
        order
    }

    /// The named addresses this package's sources may use: its own and its
    /// dependencies'. One name bound to two addresses is an error.
    pub fn addresses(&self) -> CliResult<BTreeMap<String, AccountAddress>> {
        let mut all: BTreeMap<String, (AccountAddress, &str)> = BTreeMap::new();
        for p in self.build_order() {
            for (name, address) in &p.manifest.addresses {
                match all.get(name) {
                    Some((other, by)) if other != address => {
                        return Err(CliError::Other(format!(
                            "{}: the address `{name}` is {address} here but {other} in package `{by}`",
                            p.dir.join(MANIFEST).display()
                        )));
                    }
                    _ => {
                        all.insert(name.clone(), (*address, p.name()));
                    }
                }
            }
        }
        Ok(all.into_iter().map(|(name, (address, _))| (name, address)).collect())
    }

    /// `sources/*.rsn` read, with named addresses replaced by their numbers
    /// (see [`addresses`]), ready for the compiler.
    pub fn source_files(&self) -> CliResult<Vec<SourceFile>> {
        self.read_with_addresses(&self.sources)
    }

    /// `tests/*.rsn` read the same way.
    pub fn test_files(&self) -> CliResult<Vec<SourceFile>> {
        self.read_with_addresses(&self.tests)
    }

    /// Reads `paths` (this package's sources, or some of them) with its
    /// named addresses replaced by their numbers.
    pub fn read_with_addresses(&self, paths: &[PathBuf]) -> CliResult<Vec<SourceFile>> {
        let named = self.addresses()?;
        paths
            .iter()
            .map(|p| {
                let text = read_to_string(p)?;
                let rewritten = addresses::substitute(&text, &named);
                Ok(SourceFile::rewritten(p.display().to_string(), text, rewritten))
            })
            .collect()
    }

    /// Compiles every package this one depends on, in order, each against
    /// the standard library and the packages before it, and returns what
    /// this package's own sources compile against: the standard library
    /// modules and every dependency's modules.
    pub fn compile_dependencies(&self) -> CliResult<Vec<Module>> {
        let mut deps = Vec::new();
        for p in self.build_order() {
            if p.canonical == self.canonical {
                break;
            }
            let compiled = p.compile_against(&deps)?;
            deps.extend(compiled.modules);
        }
        Ok(deps)
    }

    /// Compiles this package's sources against `deps` (other packages'
    /// modules) and the standard library.
    pub fn compile_against(&self, deps: &[Module]) -> CliResult<crate::compiler::Compiled> {
        let files = self.source_files()?;
        let mut all = stdlib_except(&files, deps)?;
        all.extend(deps.iter().cloned());
        crate::compiler::compile(&files, &all)
    }

    /// Every module of this package and its dependencies, dependencies
    /// first: what a script's `publish PACKAGE_DIR` publishes.
    pub fn compile_all(&self) -> CliResult<Vec<Module>> {
        let mut modules = self.compile_dependencies()?;
        let own = self.compile_against(&modules)?;
        modules.extend(own.modules);
        Ok(modules)
    }

    /// Compiles this package and its dependencies: the result's modules are
    /// this package's own.
    pub fn compile(&self) -> CliResult<crate::compiler::Compiled> {
        let deps = self.compile_dependencies()?;
        self.compile_against(&deps)
    }
}

/// The standard library modules that neither `files` nor `deps` define
/// (a package may carry its own edited copy of one).
pub fn stdlib_except(files: &[SourceFile], deps: &[Module]) -> CliResult<Vec<Module>> {
    let (program, _) = resin_lang::parse(files);
    let mut defined: BTreeSet<ModuleId> =
        program.modules.iter().map(|m| ModuleId::new(m.address.value, m.name.name.clone())).collect();
    defined.extend(deps.iter().filter_map(|m| m.self_id().cloned()));
    let stdlib = resin_stdlib::modules().map_err(|e| CliError::Other(e.to_string()))?;
    Ok(stdlib.iter().filter(|m| m.self_id().is_some_and(|id| !defined.contains(id))).cloned().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes package `name` under `root`, depending on `deps` (siblings).
    fn package(root: &Path, name: &str, deps: &[&str]) {
        let dir = root.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let mut toml = format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\n[dependencies]\n");
        for d in deps {
            toml.push_str(&format!("{d} = {{ path = \"../{d}\" }}\n"));
        }
        std::fs::write(dir.join(MANIFEST), toml).unwrap();
    }

    #[test]
    fn a_shared_dependency_is_loaded_once_and_ordered_before_its_users() {
        let tmp = tempfile::tempdir().unwrap();
        package(tmp.path(), "base", &[]);
        package(tmp.path(), "left", &["base"]);
        package(tmp.path(), "right", &["base"]);
        package(tmp.path(), "top", &["left", "right"]);
        let top = load(&tmp.path().join("top")).unwrap();
        assert!(Arc::ptr_eq(&top.dependencies[0].dependencies[0], &top.dependencies[1].dependencies[0]));
        let order: Vec<&str> = top.build_order().iter().map(|p| p.name()).collect();
        assert_eq!(order, ["base", "left", "right", "top"]);
    }

    #[test]
    fn a_name_bound_to_two_addresses_is_an_error_and_one_bound_once_is_shared() {
        let tmp = tempfile::tempdir().unwrap();
        package(tmp.path(), "base", &[]);
        package(tmp.path(), "top", &["base"]);
        let add = |name: &str, line: &str| {
            let path = tmp.path().join(name).join(MANIFEST);
            let text = std::fs::read_to_string(&path).unwrap();
            std::fs::write(&path, format!("{text}[addresses]\n{line}\n")).unwrap();
        };
        add("base", "shared = \"0x5\"");
        let top = load(&tmp.path().join("top")).unwrap();
        assert_eq!(top.addresses().unwrap().get("shared"), Some(&AccountAddress::from_u64(5)));
        add("top", "shared = \"0x6\"");
        let err = load(&tmp.path().join("top")).unwrap().addresses().unwrap_err().to_string();
        assert!(err.ends_with("the address `shared` is 0x6 here but 0x5 in package `base`"), "{err}");
    }

    #[test]
    fn a_lattice_of_shared_dependencies_loads_in_linear_time() {
        // Each level depends on both packages of the level below: 2^40
        // paths, 80 packages.
        let tmp = tempfile::tempdir().unwrap();
        package(tmp.path(), "a0", &[]);
        package(tmp.path(), "b0", &[]);
        for i in 1..40 {
            let below = [format!("a{}", i - 1), format!("b{}", i - 1)];
            let below: Vec<&str> = below.iter().map(String::as_str).collect();
            package(tmp.path(), &format!("a{i}"), &below);
            package(tmp.path(), &format!("b{i}"), &below);
        }
        package(tmp.path(), "top", &["a39", "b39"]);
        let top = load(&tmp.path().join("top")).unwrap();
        assert_eq!(top.build_order().len(), 81);
    }

    #[test]
    fn more_packages_than_the_limit_is_an_error_not_a_deep_recursion() {
        let tmp = tempfile::tempdir().unwrap();
        package(tmp.path(), "p0", &[]);
        for i in 1..=MAX_PACKAGES {
            package(tmp.path(), &format!("p{i}"), &[&format!("p{}", i - 1)]);
        }
        let err = load(&tmp.path().join(format!("p{MAX_PACKAGES}"))).unwrap_err().to_string();
        assert!(err.ends_with(&format!("dependency `p0`: more than {MAX_PACKAGES} packages")), "{err}");
    }
}
