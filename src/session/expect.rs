//! `expect`: assertions that make a script a test. A failed expectation is
//! an error at the `expect` line, so `resin run` exits 1.

use resin_vm::describe::abort_code_name;
use resin_vm::loader::ResolvedType;
use resin_vm::{RuntimeErrorKind, Status, StructTag, TypeId, TypeTag, Value};

use super::calls::describe_arg;
use super::keyed::ResourcePath;
use super::{Origin, Session};
use crate::error::CliResult;
use crate::script::ast::{Expectation, Literal, ModuleRef, Span, Spanned, TypeRef, ViewSpec};

/// A receipt's status in the words `expect` uses.
pub fn status_words(status: &Status) -> String {
    match status {
        Status::Success => "success".into(),
        Status::Aborted { code, .. } => format!("abort {code}"),
        Status::RuntimeError { kind: RuntimeErrorKind::CounterOverflow { .. }, .. } => "counter-overflow".into(),
        Status::RuntimeError { kind, .. } => format!("runtime error {kind:?}"),
        Status::OutOfGas { .. } => "out-of-gas".into(),
        Status::AccessViolation { .. } => "access-violation".into(),
        Status::InvalidArguments { .. } => "invalid arguments".into(),
    }
}

impl Session {
    pub(super) fn expect(&mut self, e: &Expectation, span: Span, origin: &Origin) -> CliResult<()> {
        match e {
            Expectation::Field { address, module, resource, type_args, index, path, value } => {
                let address = self.resolve_address(address, origin)?;
                let path_of = ResourcePath { module, resource, type_args, index: index.as_ref() };
                let named = self.named_resource(address, path_of, span, origin)?;
                let stored = self
                    .state
                    .resources
                    .get(&named.key)
                    .ok_or_else(|| origin.error(span, format!("expected {}, found none", named.name)))?;
                if path.is_empty() {
                    return Err(origin.error(span, "name a field to compare: Resource.field"));
                }
                let (found, found_ty) = self.follow_path(named.layout, stored, path, span, origin)?;
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
            Expectation::View { view, values } => self.expect_view(view, values, span, origin),
            Expectation::Missing { address, module, resource, type_args, index } => {
                let address = self.resolve_address(address, origin)?;
                let path_of = ResourcePath { module, resource, type_args, index: index.as_ref() };
                let named = self.named_resource(address, path_of, span, origin)?;
                if self.state.resources.get(&named.key).is_some() {
                    return Err(origin.error(span, format!("expected no {}, found one", named.name)));
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
            Expectation::AbortNamed(name) => format!("abort {name}"),
            Expectation::Failure => "failure".to_string(),
            Expectation::OutOfGas => "out-of-gas".to_string(),
            Expectation::CounterOverflow => "counter-overflow".to_string(),
            _ => "access-violation".to_string(),
        };
        let matches = |s: &Status| match status {
            Expectation::Success => s.is_success(),
            Expectation::Abort(code) => matches!(s, Status::Aborted { code: c, .. } if c == code),
            Expectation::AbortNamed(name) => match s {
                Status::Aborted { code, location } => {
                    abort_code_name(&self.state.code, location, *code).is_some_and(|n| n == *name)
                }
                _ => false,
            },
            Expectation::Failure => !s.is_success(),
            Expectation::OutOfGas => matches!(s, Status::OutOfGas { .. }),
            Expectation::CounterOverflow => {
                matches!(s, Status::RuntimeError { kind: RuntimeErrorKind::CounterOverflow { .. }, .. })
            }
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
                    self.status_sentence(s)
                ),
            ));
        }
        Ok(())
    }

    /// The type `module::resource<type_args>`, which must be published and
    /// given as many type arguments as it has type parameters.
    pub(super) fn resource_tag(
        &self,
        module: &ModuleRef,
        resource: &str,
        type_args: &[TypeRef],
        span: Span,
        origin: &Origin,
    ) -> CliResult<StructTag> {
        let id = self.resolve_module(module, span, origin)?;
        let Some((_, layout)) = self.state.code.struct_layout(TypeId::of(&id, resource)) else {
            return Err(origin.error(span, format!("{id} has no struct `{resource}`")));
        };
        let wanted = layout.type_params.len();
        if type_args.len() != wanted {
            let params: Vec<String> = (0..wanted).map(|i| format!("T{i}")).collect();
            let how = if wanted == 0 { String::new() } else { format!(" (write {resource}<{}>)", params.join(", ")) };
            return Err(origin.error(
                span,
                format!(
                    "`{id}::{resource}` takes {wanted} type argument{}, {} given{how}",
                    if wanted == 1 { "" } else { "s" },
                    type_args.len()
                ),
            ));
        }
        let args = self.resolve_type_args(type_args, span, origin)?;
        Ok(StructTag::new(id, resource, args))
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
            // An instance's fields are its definition's, with its type arguments put in.
            let args = self.state.code.type_tag(*id).map(|tag| tag.type_args).unwrap_or_default();
            let (_, layout) = self.state.code.struct_layout(*id).ok_or_else(disagree)?;
            let index = layout.field_names.iter().position(|n| n == field).ok_or_else(|| {
                origin.error(
                    span,
                    format!("{} has no field `{field}` (it has {})", layout.name, layout.field_names.join(", ")),
                )
            })?;
            let Some(fields) = current.struct_fields() else { return Err(disagree()) };
            let next = fields.get(index).cloned().ok_or_else(disagree)?;
            let field_ty = layout.field_types.get(index).ok_or_else(disagree)?;
            ty = self.instantiate_field(field_ty, &args).ok_or_else(disagree)?;
            current = next;
        }
        Ok((current, ty))
    }

    /// A field's declared type with the instance's type arguments put in,
    /// every struct in it named by its (instantiated) type id.
    fn instantiate_field(&self, ty: &ResolvedType, args: &[TypeTag]) -> Option<ResolvedType> {
        Some(match ty {
            ResolvedType::TypeParam(i) => resolved_of_tag(args.get(usize::from(*i))?),
            ResolvedType::StructInst(def, inner) => {
                let generic = self.state.code.type_tag(*def)?;
                let inner = inner.iter().map(|t| self.tag_of(t, args)).collect::<Option<Vec<_>>>()?;
                ResolvedType::Struct(TypeId::of_struct(&StructTag::new(generic.module, generic.name, inner)))
            }
            ResolvedType::Vector(elem) => ResolvedType::Vector(Box::new(self.instantiate_field(elem, args)?)),
            other => other.clone(),
        })
    }

    /// `expect view F ARGS == V1, V2`: the view's return values, each
    /// against its literal read as the return's type.
    fn expect_view(&self, spec: &ViewSpec, values: &[Spanned<Literal>], span: Span, origin: &Origin) -> CliResult<()> {
        let result = self.run_view(spec, origin)?;
        let count = |n: usize| format!("{n} value{}", if n == 1 { "" } else { "s" });
        if result.returns.len() != values.len() {
            return Err(origin.error(
                span,
                format!(
                    "{} returns {}, and the expectation lists {}",
                    result.call,
                    count(result.returns.len()),
                    values.len()
                ),
            ));
        }
        let mut wanted = Vec::with_capacity(values.len());
        for (i, (lit, tag)) in values.iter().zip(&result.tags).enumerate() {
            let ty =
                tag.as_ref().map(ResolvedType::of_tag).filter(ResolvedType::is_argument_type).ok_or_else(|| {
                    let ty = result.types.get(i).map_or("?", String::as_str);
                    origin.error(
                        lit.span,
                        format!(
                            "return value {} of {} is a `{ty}`, which a script cannot write: `expect view` compares \
                         integers, bools, addresses and vectors of them (`view` prints the rest)",
                            i + 1,
                            result.call
                        ),
                    )
                })?;
            wanted.push(self.literal_value(lit, &ty, origin)?);
        }
        if wanted != result.returns {
            let wanted: Vec<String> = wanted.iter().map(|v| describe_arg(v, &self.state.accounts)).collect();
            return Err(origin.error(
                span,
                format!("expected {} == {}, found {}", result.call, wanted.join(", "), result.values.join(", ")),
            ));
        }
        Ok(())
    }

    /// The tag of a field type under `args`.
    pub(super) fn tag_of(&self, ty: &ResolvedType, args: &[TypeTag]) -> Option<TypeTag> {
        Some(match ty {
            ResolvedType::Bool => TypeTag::Bool,
            ResolvedType::U8 => TypeTag::U8,
            ResolvedType::U64 => TypeTag::U64,
            ResolvedType::U128 => TypeTag::U128,
            ResolvedType::U16 => TypeTag::U16,
            ResolvedType::U32 => TypeTag::U32,
            ResolvedType::U256 => TypeTag::U256,
            ResolvedType::Address => TypeTag::Address,
            ResolvedType::Signer => TypeTag::Signer,
            ResolvedType::Vector(elem) => TypeTag::Vector(Box::new(self.tag_of(elem, args)?)),
            ResolvedType::TypeParam(i) => args.get(usize::from(*i))?.clone(),
            ResolvedType::Struct(id) => TypeTag::Struct(Box::new(self.state.code.type_tag(*id)?)),
            ResolvedType::StructInst(def, inner) => {
                let generic = self.state.code.type_tag(*def)?;
                let inner = inner.iter().map(|t| self.tag_of(t, args)).collect::<Option<Vec<_>>>()?;
                TypeTag::Struct(Box::new(StructTag::new(generic.module, generic.name, inner)))
            }
            ResolvedType::Ref(_) | ResolvedType::MutRef(_) => return None,
        })
    }
}

/// The resolved type of a concrete type, every struct by its own type id:
/// an instance as `Struct(id of Balance<USD>)`, which `struct_layout` can
/// follow, where `ResolvedType::of_tag` keeps `StructInst(definition, args)`.
fn resolved_of_tag(tag: &TypeTag) -> ResolvedType {
    match tag {
        TypeTag::Bool => ResolvedType::Bool,
        TypeTag::U8 => ResolvedType::U8,
        TypeTag::U64 => ResolvedType::U64,
        TypeTag::U128 => ResolvedType::U128,
        TypeTag::U16 => ResolvedType::U16,
        TypeTag::U32 => ResolvedType::U32,
        TypeTag::U256 => ResolvedType::U256,
        TypeTag::Address => ResolvedType::Address,
        TypeTag::Signer => ResolvedType::Signer,
        TypeTag::Vector(elem) => ResolvedType::Vector(Box::new(resolved_of_tag(elem))),
        TypeTag::Struct(tag) => ResolvedType::Struct(TypeId::of_struct(tag)),
    }
}
