//! `expect`: assertions that make a script a test. A failed expectation is
//! an error at the `expect` line, so `resin run` exits 1.

use resin_vm::loader::ResolvedType;
use resin_vm::{ResourceKey, Status, TypeId, Value};

use super::calls::describe_arg;
use super::{Origin, Session};
use crate::error::CliResult;
use crate::script::ast::{Expectation, ModuleRef, Span};

/// A receipt's status in the words `expect` uses.
pub fn status_words(status: &Status) -> String {
    match status {
        Status::Success => "success".into(),
        Status::Aborted { code, .. } => format!("abort {code}"),
        Status::RuntimeError { kind, .. } => format!("runtime error {kind:?}"),
        Status::OutOfGas { .. } => "out-of-gas".into(),
        Status::AccessViolation { .. } => "access-violation".into(),
        Status::InvalidArguments { .. } => "invalid arguments".into(),
    }
}

impl Session {
    pub(super) fn expect(&mut self, e: &Expectation, span: Span, origin: &Origin) -> CliResult<()> {
        match e {
            Expectation::Field { address, module, resource, path, value } => {
                let address = self.resolve_address(address, origin)?;
                let ty = self.resource_type(module, resource, span, origin)?;
                let stored =
                    self.state.resources.get(&ResourceKey { address, ty }).ok_or_else(|| {
                        origin.error(span, format!("expected a {resource} at @{address}, found none"))
                    })?;
                if path.is_empty() {
                    return Err(origin.error(span, "name a field to compare: Resource.field"));
                }
                let (found, found_ty) = self.follow_path(ty, stored, path, span, origin)?;
                let wanted = self.literal_value(value, &found_ty, origin)?;
                if found != wanted {
                    let show = |v: &Value| describe_arg(v, &self.state.accounts);
                    return Err(origin.error(
                        span,
                        format!("expected {resource}.{} == {}, found {}", path.join("."), show(&wanted), show(&found)),
                    ));
                }
                Ok(())
            }
            Expectation::Missing { address, module, resource } => {
                let address = self.resolve_address(address, origin)?;
                let ty = self.resource_type(module, resource, span, origin)?;
                if self.state.resources.get(&ResourceKey { address, ty }).is_some() {
                    return Err(origin.error(span, format!("expected no {resource} at @{address}, found one")));
                }
                Ok(())
            }
            status => self.expect_status(status, span, origin),
        }
    }

    fn expect_status(&self, status: &Expectation, span: Span, origin: &Origin) -> CliResult<()> {
        let last = self
            .last
            .as_ref()
            .ok_or_else(|| origin.error(span, "`expect` needs a previous call, block or transfers"))?;
        let wanted = match status {
            Expectation::Success => "success".to_string(),
            Expectation::Abort(code) => format!("abort {code}"),
            Expectation::Failure => "failure".to_string(),
            Expectation::OutOfGas => "out-of-gas".to_string(),
            _ => "access-violation".to_string(),
        };
        let matches = |s: &Status| match status {
            Expectation::Success => s.is_success(),
            Expectation::Abort(code) => matches!(s, Status::Aborted { code: c, .. } if c == code),
            Expectation::Failure => !s.is_success(),
            Expectation::OutOfGas => matches!(s, Status::OutOfGas { .. }),
            _ => matches!(s, Status::AccessViolation { .. }),
        };
        let bad: Vec<(usize, &Status)> =
            last.receipts.iter().map(|r| &r.status).enumerate().filter(|(_, s)| !matches(s)).collect();
        if let Some((i, s)) = bad.first() {
            let others = if bad.len() > 1 { format!(" (and {} more)", bad.len() - 1) } else { String::new() };
            return Err(origin.error(
                span,
                format!(
                    "expected {wanted} from {}, but transaction [{}] ended in {}{others}",
                    last.what,
                    last.first_number + *i as u64,
                    status_words(s)
                ),
            ));
        }
        Ok(())
    }

    /// The type id of `module::resource`, which must be published.
    pub(super) fn resource_type(
        &self,
        module: &ModuleRef,
        resource: &str,
        span: Span,
        origin: &Origin,
    ) -> CliResult<TypeId> {
        let id = self.resolve_module(module, span, origin)?;
        let ty = TypeId::of(&id, resource);
        match self.state.code.struct_layout(ty) {
            Some(_) => Ok(ty),
            None => Err(origin.error(span, format!("{id} has no struct `{resource}`"))),
        }
    }

    /// The value at `path` (field names) inside a resource, and its type.
    fn follow_path(
        &self,
        root: TypeId,
        value: &Value,
        path: &[String],
        span: Span,
        origin: &Origin,
    ) -> CliResult<(Value, ResolvedType)> {
        let disagree = || origin.error(span, "the stored value does not match its type's layout");
        let mut ty = ResolvedType::Struct(root);
        let mut current = value.clone();
        for (depth, field) in path.iter().enumerate() {
            let ResolvedType::Struct(id) = &ty else {
                return Err(origin.error(span, format!("`{}` is not a struct", path[..depth].join("."))));
            };
            let (_, layout) = self.state.code.struct_layout(*id).ok_or_else(disagree)?;
            let index = layout.field_names.iter().position(|n| n == field).ok_or_else(|| {
                origin.error(
                    span,
                    format!("{} has no field `{field}` (it has {})", layout.name, layout.field_names.join(", ")),
                )
            })?;
            let Some(fields) = current.struct_fields() else { return Err(disagree()) };
            let next = fields.get(index).cloned().ok_or_else(disagree)?;
            ty = layout.field_types.get(index).cloned().ok_or_else(disagree)?;
            current = next;
        }
        Ok((current, ty))
    }
}
