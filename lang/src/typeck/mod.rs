//! Type checking: types, abilities, linearity and references.
//!
//! For each source module: struct declarations (field abilities), entry
//! function signatures, then every function body is checked into the typed
//! IR ([`tir`]) and numbered in evaluation order ([`number`]). Once every
//! module is checked (a call site needs to know which global types its
//! callee touches, [`effects`]), each function without type errors gets the
//! liveness of its references ([`liveness`]) and is run through the
//! linearity and borrow analysis ([`flow`]). An error in one function does
//! not stop the others from being checked.

pub mod block;
pub mod call;
pub mod effects;
pub mod expr;
pub mod flow;
pub mod func;
pub mod generic;
pub mod instantiation;
pub mod liveness;
pub mod number;
pub mod ops;
pub mod place;
pub mod structs;
pub mod tir;
pub mod ty;

use resin_format::file_format::{Abilities, AddressSource, IndexSource};

use crate::ast;
use crate::diagnostics::{Code, Diagnostic};
use crate::resolve::env::{FunId, ModId};
use crate::resolve::lookup::Lookup;
use crate::resolve::{Resolved, SourceModule};
use func::FunChecker;
use tir::{TFunction, TModule};
use ty::Ty;

/// Checks every source module; `modules[i]` is `program.modules[i]`'s typed
/// IR (`None` for a module resolution dropped).
pub fn check(program: &ast::Program, resolved: &Resolved) -> (Vec<Option<TModule>>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut modules = Vec::with_capacity(program.modules.len());
    let mut clean = Vec::new();
    for (module, source) in program.modules.iter().zip(&resolved.modules) {
        let mut ok = Vec::new();
        let tmodule = source.as_ref().map(|source| check_module(module, source, resolved, &mut diags, &mut ok));
        if let Some(tmodule) = &tmodule {
            instantiation::check(&resolved.env, tmodule, &mut diags);
        }
        modules.push(tmodule);
        clean.push(ok);
    }
    let effects = effects::summarize(&resolved.env, &modules);
    for (tmodule, ok) in modules.iter_mut().zip(&clean) {
        let Some(tmodule) = tmodule else { continue };
        for (tfun, ok) in tmodule.functions.iter_mut().zip(ok) {
            if *ok {
                tfun.liveness = liveness::analyze(tfun);
                let module = tfun.id.module;
                let (found, borrowed_reads) = flow::check(&resolved.env, module, tfun, &effects);
                diags.extend(found);
                tfun.borrowed_reads = borrowed_reads;
            }
        }
    }
    (modules, diags)
}

/// Why values of `ty` cannot index keyed storage (`None` when they can):
/// an index is kept in the state's key and compared by value, so it must
/// be a plain value that can be copied and dropped; a reference, a signer
/// or a tuple is none.
pub fn index_type_problem(env: &crate::resolve::env::Env, ty: &Ty) -> Option<String> {
    match ty {
        Ty::Ref(_) | Ty::MutRef(_) => return Some("it is a reference".to_string()),
        Ty::Tuple(_) => return Some("it is not a single value".to_string()),
        Ty::Signer => return Some("a `signer` lacks `copy`".to_string()),
        Ty::Never | Ty::Error => return None,
        _ => {}
    }
    let abilities = ty.abilities(env);
    let missing: Vec<&str> = [(Abilities::COPY, "`copy`"), (Abilities::DROP, "`drop`")]
        .into_iter()
        .filter(|(a, _)| !abilities.has(*a))
        .map(|(_, name)| name)
        .collect();
    if missing.is_empty() {
        None
    } else {
        Some(format!("it lacks {}", missing.join(" and ")))
    }
}

/// Checks one module's declarations and bodies; `ok` gets, per function,
/// whether its body type-checked (only those are run through the flow analysis).
fn check_module(
    module: &ast::Module,
    source: &SourceModule,
    resolved: &Resolved,
    diags: &mut Vec<Diagnostic>,
    ok: &mut Vec<bool>,
) -> TModule {
    let env = &resolved.env;
    check_structs(resolved, source.id, module, diags);
    let lookup = Lookup::new(env, &source.scope);
    let mut functions = Vec::new();
    for (fun, index) in module.functions.iter().zip(&source.items.functions) {
        let Some(index) = index else { continue };
        let id = FunId { module: source.id, index: *index };
        let Some(info) = env.function(id) else { continue };
        lookup.set_generics(&info.type_params);
        if info.is_entry {
            check_entry(resolved, source.id, fun, &info.params, &info.returns, diags);
        }
        let return_ty = match info.returns.len() {
            1 => info.returns[0].clone(),
            _ => Ty::Tuple(info.returns.clone()),
        };
        let mut checker = FunChecker::new(env, &lookup, return_ty.clone());
        for (param, ty) in fun.params.iter().zip(&info.params) {
            checker.declare(&param.name.name, ty.clone(), param.name.span, true);
        }
        // A parameter named in the written access clause is used by it.
        for written in info.written_access.iter().flatten() {
            if let AddressSource::Param(i) | AddressSource::SignerOf(i) = written.access.address {
                checker.mark_used(tir::LocalId(u32::from(i)));
            }
            for part in written.access.index.iter().flat_map(IndexSource::parts) {
                if let IndexSource::Param(i) | IndexSource::SignerOf(i) = part {
                    checker.mark_used(tir::LocalId(u32::from(i)));
                }
            }
        }
        let (mut body, body_ty) = checker.block(&fun.body, Some(&return_ty));
        check_body_type(&mut checker, &body, &body_ty, &return_ty, fun);
        // The body's value is returned: a `&mut` where a `&` is declared is frozen.
        if let Some(tail) = body.tail.take() {
            let tail = if FunChecker::fits(&tail.ty, &return_ty) { checker.coerce(*tail, &return_ty) } else { *tail };
            body.tail = Some(Box::new(tail));
        }
        let mut tfun = TFunction {
            id,
            name: info.name.clone(),
            param_count: fun.params.len(),
            locals: std::mem::take(&mut checker.locals),
            returns: info.returns.clone(),
            body,
            written_access: info.written_access.clone(),
            span: fun.name.span,
            end_span: fun.body.span.end_point(),
            uses: number::Uses::default(),
            liveness: liveness::RefLiveness::default(),
            borrowed_reads: Default::default(),
        };
        unused_locals(&tfun, &checker.uses, &mut checker.diags);
        let had_errors = checker.diags.iter().any(Diagnostic::is_error);
        diags.append(&mut checker.diags);
        if !had_errors {
            tfun.uses = number::number(&mut tfun);
        }
        ok.push(!had_errors);
        functions.push(tfun);
    }
    TModule { functions }
}

/// The body's value must be the declared return value.
fn check_body_type(checker: &mut FunChecker<'_>, body: &tir::TBlock, body_ty: &Ty, return_ty: &Ty, fun: &ast::FunDef) {
    if FunChecker::fits(body_ty, return_ty) {
        return;
    }
    let span = body.tail.as_ref().map_or(fun.body.span.end_point(), |t| t.span);
    if body_ty.is_unit() && body.tail.is_none() {
        let shown = checker.show(return_ty);
        checker.error(
            Diagnostic::new(
                Code::ReturnMismatch,
                fun.body.span.end_point(),
                format!("missing return value of type `{shown}`"),
            )
            .with_label_message("the body ends without a value")
            .with_secondary(fun.name.span, format!("`{}` declares a result of type `{shown}`", fun.name.name))
            .with_hint("end the body with an expression (no `;`) or `return` a value"),
        );
    } else {
        checker.mismatch(span, return_ty, body_ty);
    }
}

fn unused_locals(fun: &TFunction, uses: &[u32], diags: &mut Vec<Diagnostic>) {
    for (local, count) in fun.locals.iter().zip(uses) {
        if *count == 0 && !local.is_temp && !local.name.starts_with('_') {
            diags.push(
                Diagnostic::new(Code::UnusedVariable, local.span, format!("unused variable `{}`", local.name))
                    .with_label_message("never read")
                    .with_hint(format!("prefix it with an underscore (`_{}`) if this is intended", local.name)),
            );
        }
    }
}

/// Field types must have the abilities their struct declares (`key` needs
/// `store` fields), and a signer can never be kept in a struct.
fn check_structs(resolved: &Resolved, module_id: ModId, module: &ast::Module, diags: &mut Vec<Diagnostic>) {
    let env = &resolved.env;
    let Some(menv) = env.module(module_id) else { return };
    for def in &module.structs {
        let Some(info) = menv.struct_named(&def.name.name).and_then(|i| menv.structs.get(i as usize)) else { continue };
        if info.span != Some(def.name.span) {
            continue; // a duplicate, already reported
        }
        for (field, decl) in info.fields.iter().zip(&def.fields) {
            if contains_signer(&field.ty) {
                diags.push(
                    Diagnostic::new(Code::ReferenceInStruct, decl.ty.span, "struct fields cannot hold a `signer`")
                        .with_label_message("signer in a field type")
                        .with_note("a signer proves who sent the transaction; it cannot be kept beyond it"),
                );
                continue;
            }
            let assumed = crate::resolve::generics::assumed_for_fields(&info.type_params);
            let has = field.ty.subst(&assumed).abilities(env);
            let required = [
                (Abilities::COPY, Abilities::COPY, "copy", "copy"),
                (Abilities::DROP, Abilities::DROP, "drop", "drop"),
                (Abilities::STORE, Abilities::STORE, "store", "store"),
                (Abilities::KEY, Abilities::STORE, "key", "store"),
            ];
            for (declared, needed, declared_name, needed_name) in required {
                if info.abilities.has(declared) && !has.has(needed) && field.ty != Ty::Error {
                    let shown = field.ty.display(env, Some(module_id));
                    let mut diag = Diagnostic::new(
                        Code::FieldAbility,
                        decl.ty.span,
                        format!("field `{}` of type `{shown}` lacks `{needed_name}`", field.name),
                    )
                    .with_label_message(format!("does not have `{needed_name}`"));
                    if let Some(ability) = def.abilities.iter().find(|a| a.ability.as_str() == declared_name) {
                        diag = diag.with_secondary(
                            ability.span,
                            format!("`{}` declared `{declared_name}` here", def.name.name),
                        );
                    }
                    diags.push(diag);
                    break;
                }
            }
        }
    }
}

fn contains_signer(ty: &Ty) -> bool {
    match ty {
        Ty::Signer => true,
        Ty::Vector(inner) => contains_signer(inner),
        _ => false,
    }
}

/// Entry functions are called by transactions: leading `signer`/`&signer`
/// parameters get the sender, the rest are plain data (a struct argument
/// would let anyone forge one), and results are discarded (they need `drop`).
fn check_entry(
    resolved: &Resolved,
    module: ModId,
    fun: &ast::FunDef,
    params: &[Ty],
    returns: &[Ty],
    diags: &mut Vec<Diagnostic>,
) {
    let env = &resolved.env;
    let is_signer = |t: &Ty| matches!(t, Ty::Signer) || matches!(t, Ty::Ref(inner) if **inner == Ty::Signer);
    let signers = params.iter().take_while(|t| is_signer(t)).count();
    for (param, ty) in fun.params.iter().zip(params).skip(signers) {
        if !is_plain_data(ty) && *ty != Ty::Error {
            let shown = ty.display(env, Some(module));
            let mut diag = Diagnostic::new(
                Code::InvalidEntry,
                param.ty.span,
                format!("entry function parameter of type `{shown}`"),
            )
            .with_label_message("a transaction cannot supply this");
            diag = if is_signer(ty) {
                diag.with_note("signer parameters must come first")
            } else {
                diag.with_note("entry parameters are primitives or vectors of primitives, after any leading signers")
            };
            diags.push(diag);
        }
    }
    for (ret, ty) in fun.returns.iter().zip(returns) {
        if ty.is_reference() {
            diags.push(
                Diagnostic::new(Code::InvalidEntry, ret.span, "entry function returns a reference")
                    .with_label_message("a transaction cannot receive a reference")
                    .with_note("the results of a transaction's call are discarded; return a value"),
            );
        } else if !ty.has_drop(env) {
            let shown = ty.display(env, Some(module));
            diags.push(
                Diagnostic::new(
                    Code::InvalidEntry,
                    ret.span,
                    format!("entry function returns `{shown}`, which lacks `drop`"),
                )
                .with_note("the results of a transaction's call are discarded"),
            );
        }
    }
}

fn is_plain_data(ty: &Ty) -> bool {
    match ty {
        Ty::Bool | Ty::U8 | Ty::U16 | Ty::U32 | Ty::U64 | Ty::U128 | Ty::U256 | Ty::Address => true,
        Ty::Vector(inner) => is_plain_data(inner),
        _ => false,
    }
}
