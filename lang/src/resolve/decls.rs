//! Declarations of the source modules: registering their structs, functions
//! and constants (reporting duplicates), building each module's scope from
//! its `use` declarations, and resolving signatures and field types.

use std::cell::Cell;
use std::collections::HashMap;

use resin_format::file_format::{Abilities, ConstValue, ModuleId};

use super::env::{ConstInfo, Env, FieldInfo, FunId, FunInfo, ModId, StructId, StructInfo, Visibility};
use super::generics;
use super::lookup::Lookup;
use super::scope::{Builtin, MemberAlias, ModuleAlias, ModuleRef, ModuleScope};
use super::types::{resolve_type, TypeContext};
use crate::ast::{self, Ability, UseKind, UseMember};
use crate::diagnostics::{Code, Diagnostic};
use crate::limits;
use crate::source::Span;
use crate::typeck::ty::Ty;

pub fn abilities_of(refs: &[ast::AbilityRef]) -> Abilities {
    refs.iter().fold(Abilities::EMPTY, |acc, r| {
        acc.union(match r.ability {
            Ability::Copy => Abilities::COPY,
            Ability::Drop => Abilities::DROP,
            Ability::Store => Abilities::STORE,
            Ability::Key => Abilities::KEY,
        })
    })
}

fn duplicate(what: &str, name: &ast::Ident, first: Option<Span>) -> Diagnostic {
    let diag = Diagnostic::new(Code::DuplicateDefinition, name.span, format!("duplicate {what} `{}`", name.name))
        .with_label_message("defined again here");
    match first {
        Some(span) => diag.with_secondary(span, "first defined here"),
        None => diag,
    }
}

/// For each item of a source module (in AST order), its index in the
/// module's environment tables; `None` for a duplicate that was not registered.
#[derive(Clone, Debug, Default)]
pub struct ItemIds {
    pub structs: Vec<Option<u32>>,
    pub functions: Vec<Option<u32>>,
    pub constants: Vec<Option<u32>>,
}

/// Registers the names of a module's structs, functions and constants.
/// Types are filled in later by [`resolve_signatures`].
pub fn declare_items(env: &mut Env, id: ModId, module: &ast::Module, diags: &mut Vec<Diagnostic>) -> ItemIds {
    let mut ids = ItemIds::default();
    let Some(menv) = env.module_mut(id) else { return ids };
    for def in &module.structs {
        let info = StructInfo {
            name: def.name.name.clone(),
            type_params: generics::declare(&def.type_params, diags),
            abilities: abilities_of(&def.abilities),
            fields: Vec::new(),
            fields_known: true,
            span: Some(def.name.span),
        };
        let added = menv.add_struct(info);
        ids.structs.push(added);
        if added.is_none() {
            let first = menv.struct_named(&def.name.name).and_then(|i| menv.structs.get(i as usize)?.span);
            diags.push(duplicate("struct", &def.name, first));
        }
    }
    for def in &module.functions {
        if let Some(builtin) = Builtin::global(&def.name.name) {
            ids.functions.push(None);
            diags.push(
                Diagnostic::new(
                    Code::DuplicateDefinition,
                    def.name.span,
                    format!("`{}` is a builtin function", builtin.name()),
                )
                .with_label_message("cannot be redefined"),
            );
            continue;
        }
        let info = FunInfo {
            name: def.name.name.clone(),
            visibility: match def.visibility {
                ast::Visibility::Public(_) => Visibility::Public,
                ast::Visibility::Friend(_) => Visibility::Friend,
                ast::Visibility::Private => Visibility::Private,
            },
            is_entry: def.entry.is_some(),
            type_params: generics::declare(&def.type_params, diags),
            params: Vec::new(),
            param_names: def.params.iter().map(|p| p.name.name.clone()).collect(),
            returns: Vec::new(),
            access: None,
            written_access: None,
            span: Some(def.name.span),
        };
        let added = menv.add_function(info);
        ids.functions.push(added);
        if added.is_none() {
            let first = menv.function_named(&def.name.name).and_then(|i| menv.functions.get(i as usize)?.span);
            diags.push(duplicate("function", &def.name, first));
        }
    }
    for def in &module.constants {
        let info = ConstInfo {
            name: def.name.name.clone(),
            ty: Ty::Error,
            value: ConstValue::Bool(false),
            span: def.name.span,
        };
        let added = menv.add_constant(info);
        ids.constants.push(added);
        if added.is_none() {
            let first = menv.constant_named(&def.name.name).and_then(|i| Some(menv.constants.get(i as usize)?.span));
            diags.push(duplicate("constant", &def.name, first));
        }
    }
    menv.friends = friends(&menv.id, module, diags);
    ids
}

/// The modules a source module names in `friend` declarations. A friend is
/// at the module's own address (the format's rule: one publisher decides
/// who may call its `public(friend)` functions), not the module itself,
/// and named once. It need not be known yet: friends usually use the
/// module, so they are compiled after it.
fn friends(own: &ModuleId, module: &ast::Module, diags: &mut Vec<Diagnostic>) -> Vec<ModuleId> {
    let mut out: Vec<(ModuleId, Span)> = Vec::new();
    for decl in &module.friends {
        let id = ModuleId::new(decl.module.address.value, decl.module.name.name.clone());
        let span = decl.module.span;
        let problem = if id == *own {
            Some(
                Diagnostic::new(Code::InvalidFriend, span, format!("module `{own}` cannot be its own friend"))
                    .with_label_message("this module")
                    .with_note("a module can always call its own functions"),
            )
        } else if id.address != own.address {
            Some(
                Diagnostic::new(Code::InvalidFriend, span, format!("friend `{id}` is not at the address of `{own}`"))
                    .with_label_message(format!("at `{}`, not `{}`", id.address, own.address))
                    .with_note("friends must be published at the module's own address"),
            )
        } else if let Some((_, first)) = out.iter().find(|(f, _)| *f == id) {
            Some(
                Diagnostic::new(Code::InvalidFriend, span, format!("`{id}` is declared a friend twice"))
                    .with_label_message("declared again here")
                    .with_secondary(*first, "first declared here"),
            )
        } else {
            None
        };
        match problem {
            Some(diag) => diags.push(diag),
            None => out.push((id, span)),
        }
    }
    out.into_iter().map(|(id, _)| id).collect()
}

/// Builds the scope of one source module from its `use` declarations.
pub fn build_scope(
    env: &Env,
    id: ModId,
    module: &ast::Module,
    diags: &mut Vec<Diagnostic>,
) -> (ModuleScope, Vec<(ModId, Span)>) {
    let mut scope = ModuleScope::new(id, &module.name.name);
    let mut reached = Vec::new();
    for decl in &module.uses {
        let lookup = Lookup::new(env, &scope);
        let target = lookup.module_by_id(&decl.module.address, &decl.module.name);
        reached.extend(lookup.reached.into_inner());
        let target = match target {
            Ok(target) => target,
            Err(diag) => {
                diags.push(diag);
                continue;
            }
        };
        match &decl.kind {
            UseKind::Module { alias } => {
                let name = alias.as_ref().unwrap_or(&decl.module.name);
                add_module_alias(&mut scope, name, target, diags);
            }
            UseKind::Members(members) => {
                for member in members {
                    match member {
                        UseMember::SelfModule { alias, .. } => {
                            let name = alias.as_ref().unwrap_or(&decl.module.name);
                            add_module_alias(&mut scope, name, target, diags);
                        }
                        UseMember::Item { name, alias, span } => {
                            if let Err(diag) = check_member(env, target, name, &decl.module) {
                                diags.push(diag);
                                continue;
                            }
                            let local = alias.as_ref().unwrap_or(name);
                            let entry = MemberAlias {
                                module: target,
                                name: name.name.clone(),
                                span: *span,
                                used: Cell::new(false),
                            };
                            if let Some(prev) = scope.member_aliases.get(&local.name) {
                                diags.push(duplicate_alias(local, prev.span));
                                continue;
                            }
                            scope.member_aliases.insert(local.name.clone(), entry);
                        }
                    }
                }
            }
        }
    }
    (scope, reached)
}

fn duplicate_alias(name: &ast::Ident, first: Span) -> Diagnostic {
    Diagnostic::new(Code::DuplicateAlias, name.span, format!("`{}` is imported twice", name.name))
        .with_label_message("imported again here")
        .with_secondary(first, "first imported here")
}

fn add_module_alias(scope: &mut ModuleScope, name: &ast::Ident, target: ModuleRef, diags: &mut Vec<Diagnostic>) {
    if let Some(prev) = scope.module_aliases.get(&name.name) {
        if let Some(first) = prev.span {
            diags.push(duplicate_alias(name, first));
            return;
        }
    }
    scope
        .module_aliases
        .insert(name.name.clone(), ModuleAlias { module: target, span: Some(name.span), used: Cell::new(false) });
}

fn check_member(env: &Env, target: ModuleRef, name: &ast::Ident, module: &ast::ModuleIdent) -> Result<(), Diagnostic> {
    let found = match target {
        ModuleRef::Builtin(b) => Builtin::in_module(b, &name.name).is_some(),
        ModuleRef::Env(m) => {
            let Some(menv) = env.module(m) else { return Ok(()) };
            if menv.constant_named(&name.name).is_some() {
                return Err(Diagnostic::new(
                    Code::UnboundName,
                    name.span,
                    format!("constant `{}` cannot be imported", name.name),
                )
                .with_note("constants are private to the module that declares them"));
            }
            menv.struct_named(&name.name).is_some() || menv.function_named(&name.name).is_some()
        }
    };
    if found {
        Ok(())
    } else {
        Err(Diagnostic::new(
            Code::UnboundName,
            name.span,
            format!("module `{}::{}` has no member `{}`", module.address.value, module.name.name, name.name),
        ))
    }
}

/// Resolves field types, function signatures and constants of one module.
pub fn resolve_signatures(
    env: &mut Env,
    scope: &ModuleScope,
    module: &ast::Module,
    ids: &ItemIds,
    diags: &mut Vec<Diagnostic>,
) -> Vec<(ModId, Span)> {
    let lookup = Lookup::new(env, scope);
    let mut struct_fields = Vec::new();
    for (def, index) in module.structs.iter().zip(&ids.structs) {
        let params = index.and_then(|i| env.strukt(StructId { module: scope.module, index: i }));
        lookup.set_generics(params.map(|s| s.type_params.as_slice()).unwrap_or_default());
        let field_spans: Vec<Span> = def.fields.iter().map(|f| f.name.span).collect();
        diags.extend(limits::too_many("fields", &def.name.name, &field_spans));
        let mut seen: HashMap<&str, Span> = HashMap::new();
        let mut fields = Vec::new();
        for field in &def.fields {
            if let Some(first) = seen.insert(&field.name.name, field.name.span) {
                diags.push(
                    Diagnostic::new(
                        Code::DuplicateField,
                        field.name.span,
                        format!("duplicate field `{}`", field.name.name),
                    )
                    .with_secondary(first, "first declared here"),
                );
                continue;
            }
            let ty = resolve_type(&lookup, &field.ty, TypeContext::Field, diags);
            fields.push(FieldInfo { name: field.name.name.clone(), ty, span: Some(field.name.span) });
        }
        struct_fields.push(fields);
    }
    let mut signatures = Vec::new();
    for (def, index) in module.functions.iter().zip(&ids.functions) {
        let params = index.and_then(|i| env.function(FunId { module: scope.module, index: i }));
        lookup.set_generics(params.map(|f| f.type_params.as_slice()).unwrap_or_default());
        let param_spans: Vec<Span> = def.params.iter().map(|p| p.name.span.to(p.ty.span)).collect();
        diags.extend(limits::too_many("parameters", &def.name.name, &param_spans));
        let return_spans: Vec<Span> = def.returns.iter().map(|t| t.span).collect();
        diags.extend(limits::too_many("return values", &def.name.name, &return_spans));
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for param in &def.params {
            if let Some(first) = seen.insert(&param.name.name, param.name.span) {
                diags.push(
                    Diagnostic::new(
                        Code::DuplicateParameter,
                        param.name.span,
                        format!("duplicate parameter `{}`", param.name.name),
                    )
                    .with_secondary(first, "first declared here"),
                );
            }
        }
        let params: Vec<Ty> =
            def.params.iter().map(|p| resolve_type(&lookup, &p.ty, TypeContext::Param, diags)).collect();
        let returns: Vec<Ty> =
            def.returns.iter().map(|t| resolve_type(&lookup, t, TypeContext::Return, diags)).collect();
        signatures.push((params, returns));
    }
    lookup.set_generics(&[]);
    let mut constants = Vec::new();
    for def in &module.constants {
        let ty = resolve_type(&lookup, &def.ty, TypeContext::Constant, diags);
        let value = super::consts::evaluate(&def.value, &ty, def.ty.span, diags);
        constants.push((ty, value));
    }
    let reached = lookup.reached.into_inner();
    let Some(menv) = env.module_mut(scope.module) else { return reached };
    for (index, fields) in ids.structs.iter().zip(struct_fields) {
        if let Some(info) = index.and_then(|i| menv.structs.get_mut(i as usize)) {
            info.fields = fields;
        }
    }
    for (index, (params, returns)) in ids.functions.iter().zip(signatures) {
        if let Some(info) = index.and_then(|i| menv.functions.get_mut(i as usize)) {
            info.params = params;
            info.returns = returns;
        }
    }
    for (index, (ty, value)) in ids.constants.iter().zip(constants) {
        if let Some(info) = index.and_then(|i| menv.constants.get_mut(i as usize)) {
            info.ty = ty;
            info.value = value.unwrap_or(ConstValue::Bool(false));
        }
    }
    reached
}
