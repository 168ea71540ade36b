//! Resolving the module-level names a path can denote: modules, structs,
//! functions (user or builtin) and constants. Shared by the resolver's walk
//! (which reports failures) and the type checker (which relies on the walk
//! having reported them).

use std::cell::RefCell;

use resin_format::file_format::ModuleId;

use super::env::{Env, FunId, ModId, StructId, TypeParamInfo, Visibility};
use super::scope::{Builtin, BuiltinModule, ModuleRef, ModuleScope};
use crate::ast::{AddressLit, Ident, Path};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;

/// What a call's path names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Callee {
    Function(FunId),
    Builtin(Builtin),
}

/// Name lookups inside one source module. Records every other module a
/// lookup reached, for the module dependency graph.
pub struct Lookup<'a> {
    pub env: &'a Env,
    pub scope: &'a ModuleScope,
    pub reached: RefCell<Vec<(ModId, Span)>>,
    /// The type parameters in scope: those of the struct or function whose
    /// types are being resolved (set by the caller around each item, as
    /// every type resolved meanwhile belongs to that item).
    generics: RefCell<Vec<TypeParamInfo>>,
}

impl<'a> Lookup<'a> {
    pub fn new(env: &'a Env, scope: &'a ModuleScope) -> Self {
        Lookup { env, scope, reached: RefCell::new(Vec::new()), generics: RefCell::new(Vec::new()) }
    }

    /// Puts `params` in scope (replacing the previous item's).
    pub fn set_generics(&self, params: &[TypeParamInfo]) {
        *self.generics.borrow_mut() = params.to_vec();
    }

    /// The type parameter named `name`, as a type.
    pub fn type_param(&self, name: &str) -> Option<crate::typeck::ty::Ty> {
        let generics = self.generics.borrow();
        let index = generics.iter().position(|p| p.name == name)?;
        Some(generics[index].ty(index))
    }

    pub fn current(&self) -> ModId {
        self.scope.module
    }

    fn reach(&self, module: ModId, span: Span) {
        if module != self.scope.module {
            self.reached.borrow_mut().push((module, span));
        }
    }

    /// `0x1::m` by address and name: a module of the environment or a builtin one.
    pub fn module_by_id(&self, address: &AddressLit, name: &Ident) -> Result<ModuleRef, Diagnostic> {
        let id = ModuleId::new(address.value, name.name.clone());
        if let Some(module) = self.env.lookup(&id) {
            self.reach(module, name.span);
            return Ok(ModuleRef::Env(module));
        }
        if let Some(builtin) = BuiltinModule::from_id(&id) {
            return Ok(ModuleRef::Builtin(builtin));
        }
        let known: Vec<String> = self.env.modules.iter().map(|m| m.id.to_string()).collect();
        Err(Diagnostic::new(Code::UnboundModule, address.span.to(name.span), format!("unbound module `{id}`"))
            .with_label_message("no such module in this compile set or its dependencies")
            .with_did_you_mean(&id.to_string(), known.iter().map(String::as_str)))
    }

    /// The module part of a qualified path (`m::x` or `0x1::m::x`).
    pub fn path_module(&self, path: &Path) -> Result<Option<ModuleRef>, Diagnostic> {
        let Some(module) = &path.module else { return Ok(None) };
        if let Some(address) = &path.address {
            return self.module_by_id(address, module).map(Some);
        }
        match self.scope.module_alias(&module.name) {
            Some(found) => {
                if let ModuleRef::Env(id) = found {
                    self.reach(id, module.span);
                }
                Ok(Some(found))
            }
            None => {
                let aliases = self.scope.module_aliases.keys().map(String::as_str);
                let diag =
                    Diagnostic::new(Code::UnboundModule, module.span, format!("unbound module `{}`", module.name))
                        .with_label_message("not imported")
                        .with_did_you_mean(&module.name, aliases);
                Err(if diag.hints.is_empty() {
                    diag.with_hint(format!("import it with `use <address>::{};`", module.name))
                } else {
                    diag
                })
            }
        }
    }

    pub fn struct_path(&self, path: &Path) -> Result<StructId, Diagnostic> {
        let (module, name) = match self.path_module(path)? {
            Some(module) => (module, path.name.name.as_str()),
            None => {
                if let Some(found) = self.env.find_struct(self.current(), &path.name.name) {
                    return Ok(found);
                }
                match self.scope.member_alias(&path.name.name) {
                    Some(alias) => (alias.module, alias.name.as_str()),
                    None => return Err(self.unbound_type(path, self.current(), true)),
                }
            }
        };
        match module {
            ModuleRef::Env(m) => {
                let found = self.env.find_struct(m, name).ok_or_else(|| self.unbound_type(path, m, false))?;
                self.reach(m, path.span);
                Ok(found)
            }
            ModuleRef::Builtin(b) => Err(Diagnostic::new(
                Code::UnboundType,
                path.span,
                format!("builtin module `{}` defines no types", b.name()),
            )),
        }
    }

    pub fn callee(&self, path: &Path) -> Result<Callee, Diagnostic> {
        let (module, name) = match self.path_module(path)? {
            Some(module) => (module, path.name.name.as_str()),
            None => {
                if let Some(builtin) = Builtin::global(&path.name.name) {
                    return Ok(Callee::Builtin(builtin));
                }
                if let Some(found) = self.env.find_function(self.current(), &path.name.name) {
                    return Ok(Callee::Function(found));
                }
                match self.scope.member_alias(&path.name.name) {
                    Some(alias) => (alias.module, alias.name.as_str()),
                    None => return Err(self.unbound_function(path, self.current(), true)),
                }
            }
        };
        match module {
            ModuleRef::Builtin(b) => match Builtin::in_module(b, name) {
                Some(builtin) => self.builtin_callee(builtin, path),
                None => Err(Diagnostic::new(
                    Code::UnknownBuiltin,
                    path.span,
                    format!("`{}` has no function `{name}`", b.name()),
                )
                .with_hint(builtin_hint(b))),
            },
            ModuleRef::Env(m) => {
                let id = self.env.module(m).map(|e| e.id.clone());
                if let Some(builtin) = id.as_ref().and_then(BuiltinModule::from_id) {
                    if let Some(found) = Builtin::in_module(builtin, name) {
                        return self.builtin_callee(found, path);
                    }
                }
                let found = self.env.find_function(m, name).ok_or_else(|| self.unbound_function(path, m, false))?;
                self.check_visible(found, path)?;
                self.reach(m, path.span);
                Ok(Callee::Function(found))
            }
        }
    }

    /// A builtin called at `path`; a test-only one outside a test build is an error.
    fn builtin_callee(&self, builtin: Builtin, path: &Path) -> Result<Callee, Diagnostic> {
        if builtin.test_only() && !self.env.test_build {
            return Err(Diagnostic::new(
                Code::UnknownBuiltin,
                path.span,
                format!("`{}` exists only in test builds", builtin.name()),
            )
            .with_label_message("only a unit test may move the block's time or height")
            .with_hint("call it from a `#[test]` or `#[test_only]` function, which `resin test` runs"));
        }
        Ok(Callee::Builtin(builtin))
    }

    fn check_visible(&self, fun: FunId, path: &Path) -> Result<(), Diagnostic> {
        if fun.module == self.current() {
            return Ok(());
        }
        let Some(info) = self.env.function(fun) else { return Ok(()) };
        let module = self.env.module(fun.module).map(|m| m.id.to_string()).unwrap_or_default();
        match info.visibility {
            Visibility::Public => return Ok(()),
            Visibility::Friend => {
                let callee = self.env.module(fun.module);
                let caller = self.env.module(self.current()).map(|m| &m.id);
                if caller.is_some_and(|c| callee.is_some_and(|m| m.friends.contains(c))) {
                    return Ok(());
                }
                let caller = caller.map(ToString::to_string).unwrap_or_default();
                let mut diag = Diagnostic::new(
                    Code::NotAFriend,
                    path.span,
                    format!(
                        "function `{module}::{}` is `public(friend)`, and `{caller}` is not a friend of `{module}`",
                        info.name
                    ),
                )
                .with_label_message("called from a module that is not a friend");
                if let Some(span) = info.span {
                    diag = diag.with_secondary(span, "declared `public(friend)` here");
                }
                return Err(
                    diag.with_hint(format!("declare `friend {caller};` in `{module}`, or make the function `public`"))
                );
            }
            Visibility::Private => {}
        }
        let mut diag = Diagnostic::new(
            Code::PrivateFunction,
            path.span,
            format!("function `{module}::{}` is not public", info.name),
        )
        .with_label_message("called from another module");
        if let Some(span) = info.span {
            diag = diag.with_secondary(span, "declared here without `public`");
        }
        Err(diag.with_hint("only `public` functions can be called from other modules"))
    }

    /// A constant named by a path (the caller has ruled out locals).
    pub fn constant(&self, path: &Path) -> Result<u32, Diagnostic> {
        let module = self.path_module(path)?;
        if module.is_some_and(|m| m != ModuleRef::Env(self.current())) {
            return Err(Diagnostic::new(
                Code::UnboundName,
                path.span,
                format!("constant `{}` of another module is not accessible", path.name.name),
            )
            .with_note("constants are private to the module that declares them"));
        }
        if let Some(index) = self.env.module(self.current()).and_then(|m| m.constant_named(&path.name.name)) {
            return Ok(index);
        }
        if module.is_none() {
            if let Some(alias) = self.scope.member_alias(&path.name.name) {
                return Err(Diagnostic::new(
                    Code::UnboundName,
                    path.span,
                    format!("`{}` is not a value here", path.name.name),
                )
                .with_label_message("imported names are structs or functions")
                .with_secondary(alias.span, "imported here")
                .with_note("constants are private to the module that declares them"));
            }
        }
        Err(Diagnostic::new(Code::UnboundName, path.span, format!("unbound name `{}`", path.name.name))
            .with_label_message("not a local variable or constant in scope"))
    }

    /// The names of the constants of the module being resolved, for "did you mean".
    pub fn constant_names(&self) -> Vec<&str> {
        self.env
            .module(self.current())
            .map(|m| m.constants.iter().map(|c| c.name.as_str()).collect())
            .unwrap_or_default()
    }

    /// An unbound type, with the closest struct of `module` (and, for an
    /// unqualified name, the imported names and type parameters) as a suggestion.
    fn unbound_type(&self, path: &Path, module: ModId, unqualified: bool) -> Diagnostic {
        let mut names: Vec<String> =
            self.env.module(module).map(|m| m.structs.iter().map(|s| s.name.clone()).collect()).unwrap_or_default();
        if unqualified {
            names.extend(self.scope.member_aliases.keys().cloned());
            names.extend(self.generics.borrow().iter().map(|p| p.name.clone()));
        }
        Diagnostic::new(Code::UnboundType, path.span, format!("unbound type `{}`", display_path(path)))
            .with_label_message("no struct of this name in scope")
            .with_did_you_mean(&path.name.name, names.iter().map(String::as_str))
    }

    /// An unbound function, with the closest function of `module` (and, for
    /// an unqualified name, the imported names and the builtins) as a suggestion.
    fn unbound_function(&self, path: &Path, module: ModId, unqualified: bool) -> Diagnostic {
        let mut names: Vec<&str> =
            self.env.module(module).map(|m| m.functions.iter().map(|f| f.name.as_str()).collect()).unwrap_or_default();
        if unqualified {
            names.extend(self.scope.member_aliases.keys().map(String::as_str));
            names.extend(Builtin::GLOBAL_NAMES.iter().copied());
        }
        Diagnostic::new(Code::UnboundFunction, path.span, format!("unbound function `{}`", display_path(path)))
            .with_label_message("no function of this name in scope")
            .with_did_you_mean(&path.name.name, names)
    }
}

fn builtin_hint(module: BuiltinModule) -> &'static str {
    match module {
        BuiltinModule::Signer => "`signer` has `address_of`",
        BuiltinModule::Vector => {
            "`vector` has `empty`, `singleton`, `length`, `is_empty`, `borrow`, `borrow_mut`, `push_back`, `pop_back`, `swap`, `remove`, `insert`, `append`, `reverse`, `contains`, `index_of`, `destroy_empty`"
        }
        BuiltinModule::Hash => "`hash` has `sha3_256` and `blake3`",
        BuiltinModule::Block => {
            "`block` has `timestamp` and `height`, and in test builds `set_timestamp_for_testing` and \
             `set_height_for_testing`"
        }
        BuiltinModule::Object => "`object` has `address` and `signer`",
        BuiltinModule::TypeInfo => "`type_info` has `type_name` and `is_struct`",
    }
}

/// A path as written: `x`, `m::x`, `0x1::m::x`.
pub fn display_path(path: &Path) -> String {
    let mut out = String::new();
    if let Some(address) = &path.address {
        out.push_str(&format!("{}::", address.value));
    }
    if let Some(module) = &path.module {
        out.push_str(&module.name);
        out.push_str("::");
    }
    out.push_str(&path.name.name);
    out
}
