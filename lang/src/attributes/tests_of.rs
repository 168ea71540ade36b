//! The tests of a program: each `#[test]` function checked to be callable by
//! the runner (signers only, each given an address; nothing returned), and
//! its `#[expected_failure]` resolved to what the run must end with.

use resin_format::file_format::{AccountAddress, ModuleId};

use super::check::invalid;
use super::{Expected, TestCase};
use resin_format::file_format::{ConstValue, Module};

use crate::ast::{self, Attribute, AttributeValue, ExprKind, FunDef, Literal, Path, Program, TypeKind, UseKind};
use crate::diagnostics::{Code, Diagnostic};

/// Every test of `program`, in source order.
pub(super) fn program(program: &Program, deps: &[Module], diags: &mut Vec<Diagnostic>) -> Vec<TestCase> {
    let mut tests = Vec::new();
    for module in &program.modules {
        let id = ModuleId::new(module.address.value, module.name.name.clone());
        for f in &module.functions {
            let Some(test) = f.doc.attr("test") else { continue };
            let signers = signers(f, test, diags);
            let expected = match f.doc.attr("expected_failure") {
                Some(attr) => expected(program, deps, module, attr, diags),
                None => Some(Expected::Success),
            };
            if let (Some(signers), Some(expected)) = (signers, expected) {
                tests.push(TestCase {
                    module: id.clone(),
                    function: f.name.name.clone(),
                    signers,
                    expected,
                    span: f.name.span,
                });
            }
        }
    }
    tests
}

fn bad_test(f: &FunDef, span: crate::source::Span, message: impl Into<String>) -> Diagnostic {
    Diagnostic::new(Code::InvalidTestFunction, span, message).with_secondary(f.name.span, "in this test")
}

/// The address of each parameter: `#[test(alice = @0xa)]` gives parameter
/// `alice` (a `signer` or `&signer`) the signer of `0xa`.
fn signers(f: &FunDef, test: &Attribute, diags: &mut Vec<Diagnostic>) -> Option<Vec<AccountAddress>> {
    let before = diags.len();
    let mut given: Vec<(&str, AccountAddress)> = Vec::new();
    for arg in test.args.iter().flatten() {
        match &arg.value {
            Some(AttributeValue::Address(a)) => {
                if given.iter().any(|(name, _)| *name == arg.name.name) {
                    diags.push(
                        invalid(test, format!("`{}` is given an address twice", arg.name.name))
                            .with_primary(arg.span, "again here"),
                    );
                }
                given.push((&arg.name.name, a.value));
                if !f.params.iter().any(|p| p.name.name == arg.name.name) {
                    diags.push(
                        bad_test(
                            f,
                            arg.name.span,
                            format!("`{}` is not a parameter of `{}`", arg.name.name, f.name.name),
                        )
                        .with_label_message("no such parameter")
                        .with_hint("`#[test(NAME = @0x...)]` gives the signer parameter NAME an address"),
                    );
                }
            }
            _ => diags.push(
                Diagnostic::new(Code::InvalidAttribute, arg.span, "`#[test]` takes signers: `name = @0x...`")
                    .with_label_message("not a parameter name and an address")
                    .with_hint(format!("write `#[test({} = @0xa)]`", arg.name.name)),
            ),
        }
    }
    if let Some(tp) = f.type_params.first() {
        diags.push(bad_test(f, tp.span, "a test function cannot be generic").with_label_message("type parameter"));
    }
    if let Some(ret) = f.returns.first() {
        diags.push(bad_test(f, ret.span, "a test function returns nothing").with_label_message("return type"));
    }
    let mut addresses = Vec::with_capacity(f.params.len());
    for p in &f.params {
        let is_signer = match &p.ty.kind {
            TypeKind::Signer => true,
            TypeKind::Ref(inner) => inner.kind == TypeKind::Signer,
            _ => false,
        };
        if !is_signer {
            diags.push(
                bad_test(f, p.ty.span, format!("test parameter `{}` is not a signer", p.name.name))
                    .with_label_message("not `signer` or `&signer`")
                    .with_note(
                        "a test's parameters are the signers `#[test(...)]` names; build other values in its body",
                    ),
            );
            continue;
        }
        match given.iter().find(|(name, _)| *name == p.name.name) {
            Some((_, address)) => addresses.push(*address),
            None => diags.push(
                bad_test(f, p.span, format!("signer `{}` has no address", p.name.name))
                    .with_label_message("not named in `#[test]`")
                    .with_hint(format!("write `#[test({} = @0xa)]`", p.name.name)),
            ),
        }
    }
    (diags.len() == before).then_some(addresses)
}

/// What `#[expected_failure(...)]` asks of the run.
fn expected(
    program: &Program,
    deps: &[Module],
    module: &ast::Module,
    attr: &Attribute,
    diags: &mut Vec<Diagnostic>,
) -> Option<Expected> {
    let args = attr.args.as_deref().unwrap_or_default();
    let mut result = Expected::Failure;
    for arg in args {
        let value = match (&*arg.name.name, &arg.value) {
            ("abort_code", Some(value)) => value,
            _ => {
                diags.push(
                    Diagnostic::new(
                        Code::InvalidAttribute,
                        arg.span,
                        format!("unknown argument `{}` of `#[expected_failure]`", arg.name.name),
                    )
                    .with_label_message("not `abort_code = ...`")
                    .with_hint("write `#[expected_failure]` or `#[expected_failure(abort_code = NAME)]`"),
                );
                return None;
            }
        };
        result = match value {
            AttributeValue::Number(Some(n), span) => match u64::try_from(*n) {
                Ok(code) => Expected::Abort { code, name: None },
                Err(_) => {
                    diags.push(
                        Diagnostic::new(Code::InvalidAttribute, *span, "abort code out of range")
                            .with_label_message("abort codes are `u64`"),
                    );
                    return None;
                }
            },
            // Malformed: the parser reported it.
            AttributeValue::Number(None, _) => return None,
            AttributeValue::Address(a) => {
                diags.push(
                    Diagnostic::new(Code::InvalidAttribute, a.span, "an abort code is a number, not an address")
                        .with_label_message("an address")
                        .with_hint("write a constant of the module or a number"),
                );
                return None;
            }
            AttributeValue::Path(path) => match constant(program, deps, module, path) {
                Ok(code) => Expected::Abort { code, name: Some(path.name.name.clone()) },
                Err(diag) => {
                    diags.push(diag);
                    return None;
                }
            },
        };
    }
    Some(result)
}

/// The value of the `u64` constant `path` names, as written in `module`:
/// `E_X` of the module itself, `m::E_X` of a module it uses (or, without a
/// `use`, the one module of that name), `0x2::m::E_X`. The constant is a
/// source module's, or a compiled dependency's named in its debug section.
fn constant(program: &Program, deps: &[Module], module: &ast::Module, path: &Path) -> Result<u64, Diagnostic> {
    let id = match (&path.address, &path.module) {
        (Some(address), Some(m)) => Some(ModuleId::new(address.value, m.name.clone())),
        (None, Some(m)) => module_named(program, deps, module, &m.name),
        _ => Some(ModuleId::new(module.address.value, module.name.name.clone())),
    };
    let Some(id) = id else { return Err(no_module(path)) };
    let value = if let Some(source) =
        program.modules.iter().find(|o| o.address.value == id.address && o.name.name == id.name)
    {
        let Some(c) = source.constants.iter().find(|c| c.name.name == path.name.name) else {
            return Err(no_constant(path, &id));
        };
        match &c.value.kind {
            ExprKind::Literal(Literal::Int { value, .. }) => u64::try_from(*value).ok(),
            _ => return Err(not_an_integer(path).with_secondary(c.value.span, "its value")),
        }
    } else if let Some(dep) = deps.iter().find(|d| d.self_id() == Some(&id)) {
        let index = dep.debug.as_ref().and_then(|debug| debug.constant_index(&path.name.name));
        let Some(index) = index else { return Err(no_constant(path, &id)) };
        match dep.constants.get(usize::from(index)).map(|c| &c.value) {
            Some(ConstValue::U64(code)) => Some(*code),
            _ => return Err(not_an_integer(path)),
        }
    } else {
        return Err(no_module(path));
    };
    value.ok_or_else(|| {
        Diagnostic::new(Code::InvalidAttribute, path.span, "abort code out of range")
            .with_label_message("abort codes are `u64`")
    })
}

/// The module `name` means in `module`: one it uses under that name, else
/// the one module of the build or its dependencies with that name.
fn module_named(program: &Program, deps: &[Module], module: &ast::Module, name: &str) -> Option<ModuleId> {
    let used = module.uses.iter().find_map(|u| match &u.kind {
        UseKind::Module { alias } if alias.as_ref().unwrap_or(&u.module.name).name == name => Some(&u.module),
        _ => None,
    });
    if let Some(used) = used {
        return Some(ModuleId::new(used.address.value, used.name.name.clone()));
    }
    let sources = program.modules.iter().map(|m| ModuleId::new(m.address.value, m.name.name.clone()));
    let mut named = sources.chain(deps.iter().filter_map(|d| d.self_id().cloned())).filter(|id| id.name == name);
    match (named.next(), named.next()) {
        (Some(id), None) => Some(id),
        _ => None,
    }
}

fn no_module(path: &Path) -> Diagnostic {
    Diagnostic::new(Code::InvalidAttribute, path.span, "abort code names a module not in this build")
        .with_label_message("no such module")
        .with_hint("name a module the test's module uses, or write `0xADDRESS::module::NAME`")
}

fn no_constant(path: &Path, id: &ModuleId) -> Diagnostic {
    Diagnostic::new(Code::InvalidAttribute, path.span, format!("`{}` is not a constant of `{id}`", path.name.name))
        .with_label_message("no such constant")
}

fn not_an_integer(path: &Path) -> Diagnostic {
    Diagnostic::new(Code::InvalidAttribute, path.span, format!("constant `{}` is not a `u64`", path.name.name))
        .with_label_message("not an abort code")
}
