//! Calls: user functions (arity and argument types against the callee's
//! signature) and builtins (global storage, events, signer and vector
//! intrinsics), plus struct literals.

use resin_format::file_format::Abilities;

use crate::ast::{Expr, ExprKind, Path, Type};
use crate::diagnostics::{Code, Diagnostic};
use crate::resolve::lookup::{display_path, Callee};
use crate::resolve::scope::Builtin;
use crate::resolve::types::{resolve_type, TypeContext};
use crate::source::Span;

use super::func::FunChecker;
use super::generic::{known, unify, Slots};
use super::tir::{TExp, TExpKind};
use super::ty::Ty;

impl FunChecker<'_> {
    // Not inlined into the expression walk: its locals would enlarge every
    // level of a deeply nested expression's recursion.
    #[inline(never)]
    pub fn call(&mut self, func: &Path, type_args: &[Type], args: &[Expr], hint: Option<&Ty>, span: Span) -> TExp {
        let callee = match self.lookup.callee(func) {
            Ok(c) => c,
            Err(_) => {
                for arg in args {
                    self.infer(arg, None);
                }
                return self.mk(TExpKind::Unit, Ty::Error, span);
            }
        };
        match callee {
            Callee::Function(fun) => {
                let Some(info) = self.env.function(fun) else { return self.mk(TExpKind::Unit, Ty::Error, span) };
                let (params, returns, decl) = (info.params.clone(), info.returns.clone(), info.span);
                let type_params = info.type_params.clone();
                let ret = match returns.len() {
                    1 => returns.into_iter().next().unwrap_or(Ty::Error),
                    _ => Ty::Tuple(returns),
                };
                let shown = display_path(func);
                let what = format!("function `{shown}`");
                let mut slots = self.written_type_args(&what, &type_params, type_args, span, decl);
                if let Some(hint) = hint {
                    unify(&ret, hint, &mut slots);
                }
                let args = self.arguments(&func.name.name, &params, args, span, decl, &mut slots);
                let how = format!("`{shown}<>({})`", if args.is_empty() { "" } else { ".." });
                let type_args = self.finish_type_args(&what, &how, &type_params, slots, span);
                let args = args
                    .into_iter()
                    .enumerate()
                    .map(|(i, arg)| match params.get(i) {
                        Some(param) => self.coerce(arg, &param.subst(&type_args)),
                        None => arg,
                    })
                    .collect();
                let ty = ret.subst(&type_args);
                self.mk(TExpKind::Call { fun, type_args, args }, ty, span)
            }
            Callee::Builtin(builtin) => self.builtin(builtin, type_args, args, hint, span),
        }
    }

    /// Checks arguments against parameter types (whose type parameters
    /// `slots` are inferred on the way), reporting a count mismatch once.
    /// The caller fits each result to its parameter's final type.
    fn arguments(
        &mut self,
        name: &str,
        params: &[Ty],
        args: &[Expr],
        span: Span,
        decl: Option<Span>,
        slots: &mut Slots,
    ) -> Vec<TExp> {
        if params.len() != args.len() {
            let mut diag = Diagnostic::new(
                Code::ArgumentCount,
                span,
                format!("`{name}` takes {} argument{}, {} given", params.len(), plural(params.len()), args.len()),
            )
            .with_label_message(format!("expected {} argument{}", params.len(), plural(params.len())));
            if let Some(decl) = decl {
                diag = diag.with_secondary(decl, "declared here");
            }
            self.error(diag);
        }
        // Arguments whose type the expected type decides (a generic call, a
        // struct literal, a number, a vector literal) wait while their
        // parameter's type still has unknowns, so the other arguments can fix
        // them first: `deposit(zero(), c)` takes `T` from `c`.
        let waits = |i: usize, arg: &Expr, slots: &Slots| {
            params.get(i).is_some_and(|ty| known(ty, slots).is_none())
                && matches!(
                    arg.kind,
                    ExprKind::Call { .. } | ExprKind::Pack { .. } | ExprKind::Literal(_) | ExprKind::Vector { .. }
                )
        };
        let mut out: Vec<Option<TExp>> = (0..args.len()).map(|_| None).collect();
        for pass in 0..2 {
            for (i, arg) in args.iter().enumerate() {
                if out[i].is_some() || (pass == 0 && waits(i, arg, slots)) {
                    continue;
                }
                out[i] = Some(match params.get(i) {
                    Some(ty) => {
                        let hint = known(ty, slots);
                        let exp = self.infer(arg, hint.as_ref());
                        unify(ty, &exp.ty, slots);
                        exp
                    }
                    None => self.infer(arg, None),
                });
            }
        }
        out.into_iter().flatten().collect()
    }

    fn type_arg(&mut self, builtin: Builtin, type_args: &[Type], span: Span) -> Option<Ty> {
        if type_args.len() > builtin.type_params()
            || (type_args.is_empty() && !builtin.type_arg_optional() && builtin.type_params() == 1)
        {
            let expected = builtin.type_params();
            self.error(
                Diagnostic::new(
                    Code::InvalidTypeArgs,
                    span,
                    format!(
                        "`{}` takes {expected} type argument{}, {} given",
                        builtin.name(),
                        plural(expected),
                        type_args.len()
                    ),
                )
                .with_hint(match builtin {
                    Builtin::MoveFrom
                    | Builtin::BorrowGlobal
                    | Builtin::BorrowGlobalMut
                    | Builtin::Exists
                    | Builtin::MoveFromKeyed
                    | Builtin::BorrowGlobalKeyed
                    | Builtin::BorrowGlobalMutKeyed
                    | Builtin::ExistsKeyed => "name the resource type: `borrow_global<Balance>(addr)`",
                    Builtin::CounterAdd | Builtin::CounterAddKeyed => {
                        "name the counter type: `counter_add<Supply>(addr, amount)`"
                    }
                    Builtin::TypeName | Builtin::TypeIsStruct => "name one type: `type_info::type_name<T>()`",
                    _ => "remove the type arguments",
                }),
            );
        }
        let first = type_args.first()?;
        let mut diags = Vec::new();
        let ty = resolve_type(self.lookup, first, TypeContext::TypeArg, &mut diags);
        self.diags.extend(diags);
        Some(ty)
    }

    fn builtin(&mut self, builtin: Builtin, type_args: &[Type], args: &[Expr], hint: Option<&Ty>, span: Span) -> TExp {
        use Builtin::*;
        // An index argument makes a storage builtin its keyed form.
        let plain_count = match builtin {
            MoveTo | CounterAdd => Some(2),
            MoveFrom | BorrowGlobal | BorrowGlobalMut | Exists => Some(1),
            _ => None,
        };
        let builtin = match (plain_count, builtin.keyed()) {
            (Some(n), Some(keyed)) if args.len() == n + 1 => keyed,
            (Some(n), _) if args.len() != n => {
                let name = builtin.name();
                self.error(
                    Diagnostic::new(
                        Code::ArgumentCount,
                        span,
                        format!(
                            "`{name}` takes {n} argument{}, or {} with an index into keyed storage; {} given",
                            plural(n),
                            n + 1,
                            args.len()
                        ),
                    )
                    .with_label_message(format!("expected {n} or {} arguments", n + 1)),
                );
                for arg in args {
                    self.infer(arg, None);
                }
                return self.mk(TExpKind::Unit, Ty::Error, span);
            }
            _ => builtin,
        };
        let written = self.type_arg(builtin, type_args, span);
        let name = builtin.name();
        let signer_ref = Ty::Ref(Box::new(Ty::Signer));
        let bytes = Ty::Vector(Box::new(Ty::U8));
        let (arg_ty, args, ty) = match builtin {
            MoveTo => {
                let checked = self.args_with(name, args, span, &[Some(signer_ref), written.clone()]);
                let resource = checked.get(1).map_or(Ty::Error, |e| e.ty.clone());
                let resource = self.own_struct(&resource, Abilities::KEY, "key", name, span);
                (resource, checked, Ty::UNIT)
            }
            MoveToKeyed => {
                let checked = self.args_with(name, args, span, &[Some(Ty::Address), None, written.clone()]);
                self.check_index(checked.get(1));
                let resource = checked.get(2).map_or(Ty::Error, |e| e.ty.clone());
                let resource = self.own_struct(&resource, Abilities::KEY, "key", name, span);
                (resource, checked, Ty::UNIT)
            }
            MoveFrom | BorrowGlobal | BorrowGlobalMut | Exists | MoveFromKeyed | BorrowGlobalKeyed
            | BorrowGlobalMutKeyed | ExistsKeyed => {
                let resource = written.unwrap_or(Ty::Error);
                let resource = self.own_struct(&resource, Abilities::KEY, "key", name, span);
                // The keyed forms are the ones without a keyed form.
                let keyed = builtin.keyed().is_none();
                let checked = if keyed {
                    let checked = self.args_with(name, args, span, &[Some(Ty::Address), None]);
                    self.check_index(checked.get(1));
                    checked
                } else {
                    self.args_with(name, args, span, &[Some(Ty::Address)])
                };
                let ty = match builtin {
                    MoveFrom | MoveFromKeyed => resource.clone(),
                    BorrowGlobal | BorrowGlobalKeyed => Ty::Ref(Box::new(resource.clone())),
                    BorrowGlobalMut | BorrowGlobalMutKeyed => Ty::MutRef(Box::new(resource.clone())),
                    _ => Ty::Bool,
                };
                (resource, checked, ty)
            }
            CounterAdd | CounterAddKeyed => {
                let resource = written.unwrap_or(Ty::Error);
                let resource = self.own_struct(&resource, Abilities::KEY, "key", name, span);
                let amount = self.counter_field(&resource, span);
                let checked = if builtin == CounterAddKeyed {
                    let checked = self.args_with(name, args, span, &[Some(Ty::Address), None, Some(amount)]);
                    self.check_index(checked.get(1));
                    checked
                } else {
                    self.args_with(name, args, span, &[Some(Ty::Address), Some(amount)])
                };
                (resource, checked, Ty::UNIT)
            }
            Emit => {
                let checked = self.args_with(name, args, span, std::slice::from_ref(&written));
                let event = checked.first().map_or(Ty::Error, |e| e.ty.clone());
                let event =
                    self.own_struct(&event, Abilities::DROP.union(Abilities::STORE), "drop` and `store", name, span);
                (event, checked, Ty::UNIT)
            }
            SignerAddressOf => (Ty::Signer, self.args_with(name, args, span, &[Some(signer_ref)]), Ty::Address),
            HashSha3_256 | HashBlake3 => {
                (bytes.clone(), self.args_with(name, args, span, std::slice::from_ref(&Some(bytes.clone()))), bytes)
            }
            BlockTimestamp | BlockHeight => (Ty::U64, self.args_with(name, args, span, &[]), Ty::U64),
            BlockSetTimestampForTesting | BlockSetHeightForTesting => {
                (Ty::U64, self.args_with(name, args, span, &[Some(Ty::U64)]), Ty::UNIT)
            }
            TypeName | TypeIsStruct => {
                // `type_arg` has reported a missing type argument.
                let ty = written.unwrap_or(Ty::Error);
                let result = if builtin == TypeName { bytes.clone() } else { Ty::Bool };
                (ty, self.args_with(name, args, span, &[]), result)
            }
            ObjectAddress | ObjectSigner => {
                let checked = self.args_with(name, args, span, &[Some(Ty::Address), Some(bytes.clone())]);
                let result = if matches!(builtin, ObjectAddress) { Ty::Address } else { Ty::Signer };
                (result.clone(), checked, result)
            }
            VecEmpty => {
                self.args_with(name, args, span, &[]);
                let elem = written.or_else(|| match hint {
                    Some(Ty::Vector(inner)) => Some((**inner).clone()),
                    _ => None,
                });
                let elem = elem.unwrap_or_else(|| {
                    self.error(
                        Diagnostic::new(Code::CannotInfer, span, "cannot infer the element type of `vector::empty`")
                            .with_hint("write `vector::empty<T>()` or annotate the binding"),
                    );
                    Ty::Error
                });
                self.check_element_type(&elem, span);
                (elem.clone(), Vec::new(), Ty::Vector(Box::new(elem)))
            }
            VecSingleton => {
                let elem = written.or_else(|| match hint {
                    Some(Ty::Vector(inner)) => Some((**inner).clone()),
                    _ => None,
                });
                let checked = self.args_with(name, args, span, std::slice::from_ref(&elem));
                let elem = elem.or_else(|| checked.first().map(|e| e.ty.clone())).unwrap_or(Ty::Error);
                self.check_element_type(&elem, span);
                (elem.clone(), checked, Ty::Vector(Box::new(elem)))
            }
            VecDestroyEmpty => {
                let expected = written.clone().map(|e| Ty::Vector(Box::new(e)));
                let checked = self.args_with(name, args, span, std::slice::from_ref(&expected));
                let elem = match checked.first().map(|e| &e.ty) {
                    Some(Ty::Vector(inner)) => (**inner).clone(),
                    Some(other) if !other.is_absorbing() => {
                        let shown = self.show(other);
                        self.error(
                            Diagnostic::new(
                                Code::TypeMismatch,
                                checked.first().map_or(span, |e| e.span),
                                format!("mismatched types: expected a vector, found `{shown}`"),
                            )
                            .with_label_message("expected `vector<T>`"),
                        );
                        Ty::Error
                    }
                    _ => written.unwrap_or(Ty::Error),
                };
                (elem, checked, Ty::UNIT)
            }
            VecLength | VecBorrow | VecBorrowMut | VecPushBack | VecPopBack | VecSwap | VecRemove | VecInsert
            | VecContains | VecIndexOf | VecAppend | VecReverse | VecIsEmpty => {
                self.vector_op(builtin, written, args, span)
            }
        };
        self.mk(TExpKind::Builtin { builtin, arg_ty, args }, ty, span)
    }

    /// The index of a keyed storage operation: a single value that can be
    /// copied and dropped (the state keeps it in the entry's key).
    fn check_index(&mut self, index: Option<&TExp>) {
        let Some(index) = index else { return };
        if let Some(problem) = super::index_type_problem(self.env, &index.ty) {
            let shown = self.show(&index.ty);
            self.error(
                Diagnostic::new(
                    Code::InvalidStorageIndex,
                    index.span,
                    format!("`{shown}` cannot index keyed storage: {problem}"),
                )
                .with_label_message(format!("an index of type `{shown}`"))
                .with_note(
                    "an index is a value whose type has `copy` and `drop`, and is neither a reference nor a `signer`",
                ),
            );
        }
    }

    /// The type of a counter's one field, the type of the amounts added to
    /// it: a counter is a resource with exactly one field, an unsigned
    /// integer (the VM adds to it in place, and merges concurrent adds).
    /// `Ty::Error` after reporting that `resource` is not one.
    fn counter_field(&mut self, resource: &Ty, span: Span) -> Ty {
        let Ty::Struct(id, args) = resource else { return Ty::Error };
        let Some(info) = self.env.strukt(*id) else { return Ty::Error };
        let shown = self.show(resource);
        let problem = match info.fields.as_slice() {
            [field] => {
                let ty = field.ty.subst(args);
                // Not u256: the VM carries a counter's adds as a u128 delta.
                if (ty.is_integer() && ty != Ty::U256) || ty.is_absorbing() {
                    return ty;
                }
                let what = if ty == Ty::U256 { "too wide for a counter" } else { "not an unsigned integer" };
                format!("its field `{}` has type `{}`, {what}", field.name, self.show(&ty))
            }
            fields => format!("it has {} fields, not one", fields.len()),
        };
        let mut diag = Diagnostic::new(Code::NotACounter, span, format!("`{shown}` is not a counter: {problem}"))
            .with_label_message("`counter_add` needs a counter")
            .with_note(
                "a counter is a `key` struct with exactly one field, of type `u8`, `u16`, `u32`, `u64` or `u128`",
            );
        if let Some(decl) = info.span {
            diag = diag.with_secondary(decl, "declared here");
        }
        self.error(diag);
        Ty::Error
    }

    /// Arguments against optional expected types (`None`: inferred).
    fn args_with(&mut self, name: &str, args: &[Expr], span: Span, expected: &[Option<Ty>]) -> Vec<TExp> {
        if args.len() != expected.len() {
            self.error(
                Diagnostic::new(
                    Code::ArgumentCount,
                    span,
                    format!(
                        "`{name}` takes {} argument{}, {} given",
                        expected.len(),
                        plural(expected.len()),
                        args.len()
                    ),
                )
                .with_label_message(format!(
                    "expected {} argument{}",
                    expected.len(),
                    plural(expected.len())
                )),
            );
        }
        args.iter()
            .enumerate()
            .map(|(i, arg)| match expected.get(i).cloned().flatten() {
                Some(ty) => self.check(arg, &ty),
                None => self.infer(arg, None),
            })
            .collect()
    }

    /// A global-storage or event operation's struct: of this module, with the
    /// abilities the operation needs.
    fn own_struct(&mut self, ty: &Ty, needed: Abilities, needed_name: &str, op: &str, span: Span) -> Ty {
        let (id, args) = match ty {
            Ty::Struct(id, args) => (*id, args),
            Ty::Error | Ty::Never => return Ty::Error,
            other => {
                let shown = self.show(other);
                self.error(
                    Diagnostic::new(
                        Code::NotAStruct,
                        span,
                        format!("`{op}` needs a struct of this module, found `{shown}`"),
                    )
                    .with_label_message("not a struct"),
                );
                return Ty::Error;
            }
        };
        let display = self.show(ty);
        if id.module != self.module() {
            self.error(
                Diagnostic::new(
                    Code::ForeignStructOperation,
                    span,
                    format!("`{op}` on `{display}`, a struct of another module"),
                )
                .with_label_message("not declared in this module")
                .with_note("global storage and events are only accessible from the module that declares the struct")
                .with_hint("call a public function of the declaring module instead"),
            );
            return Ty::Error;
        }
        // An instance has what its arguments allow (`Box<T>` lacks `key`
        // unless `T: store`).
        if !ty.abilities(self.env).has(needed) {
            let mut diag = Diagnostic::new(
                Code::MissingAbility,
                span,
                format!("`{op}` needs `{needed_name}`, but `{display}` does not have it"),
            )
            .with_label_message(format!("`{display}` lacks `{needed_name}`"));
            if let Some(decl) = self.env.strukt(id).and_then(|s| s.span) {
                diag = diag.with_secondary(decl, "declared here");
            }
            self.error(diag);
            return Ty::Error;
        }
        Ty::Struct(id, args.clone())
    }
}

pub fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

pub fn quoted(names: &[&str]) -> String {
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}
