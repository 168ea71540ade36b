//! From a written `call` to a [`Transaction`]: account names to addresses,
//! `coin::transfer` to the published module, literals to values of the entry
//! function's parameter types.

use std::borrow::Cow;

use resin_state::type_tag::{StructTag, TypeTag};
use resin_vm::loader::{CallSignature, ResolvedType};
use resin_vm::{AccountAddress, ModuleId, Transaction, Value};

use super::{Accounts, Origin, Session};
use crate::error::CliResult;
use crate::render::thousands;
use crate::script::ast::{AddressRef, CallSpec, FunctionRef, IntSuffix, Literal, ModuleRef, Span, Spanned, TypeRef};
use crate::workload::DEFAULT_GAS;

impl Session {
    pub(super) fn resolve_address(&self, r: &Spanned<AddressRef>, origin: &Origin) -> CliResult<AccountAddress> {
        match &r.node {
            AddressRef::Literal(a) => Ok(*a),
            AddressRef::Name(name) => self.state.accounts.get(name).ok_or_else(|| {
                origin.error(r.span, format!("unknown account `{name}` (create it with `account {name}`)"))
            }),
        }
    }

    pub(super) fn resolve_module(&self, m: &ModuleRef, span: Span, origin: &Origin) -> CliResult<ModuleId> {
        match m {
            ModuleRef::Qualified(id) => {
                if self.state.code.is_published(id) {
                    Ok(id.clone())
                } else {
                    Err(origin.error(span, format!("module {id} is not published")))
                }
            }
            ModuleRef::Short(name) => {
                let matches: Vec<ModuleId> = self
                    .state
                    .code
                    .modules()
                    .filter_map(|m| m.self_id())
                    .filter(|id| &id.name == name)
                    .cloned()
                    .collect();
                match matches.as_slice() {
                    [one] => Ok(one.clone()),
                    [] => Err(origin.error(span, format!("no published module is named `{name}`"))),
                    many => {
                        let ids: Vec<String> = many.iter().map(ToString::to_string).collect();
                        Err(origin.error(span, format!("`{name}` is ambiguous: write one of {}", ids.join(", "))))
                    }
                }
            }
        }
    }

    pub(super) fn resolve_function(&self, f: &Spanned<FunctionRef>, origin: &Origin) -> CliResult<(ModuleId, String)> {
        let module = self.resolve_module(&f.node.module, f.span, origin)?;
        if self.state.code.function(&module, &f.node.name).is_none() {
            return Err(origin.error(f.span, format!("{module} has no function `{}`", f.node.name)));
        }
        Ok((module, f.node.name.clone()))
    }

    /// A written type as a tag: struct modules resolved like a call's
    /// (`usd::USD` is the only published module named `usd`), and the struct
    /// checked to exist. Whether it fits where it is used (count,
    /// constraints, arity) is the VM's check.
    pub(super) fn resolve_type(&self, t: &TypeRef, span: Span, origin: &Origin) -> CliResult<TypeTag> {
        Ok(match t {
            TypeRef::Bool => TypeTag::Bool,
            TypeRef::U8 => TypeTag::U8,
            TypeRef::U64 => TypeTag::U64,
            TypeRef::U128 => TypeTag::U128,
            TypeRef::U16 => TypeTag::U16,
            TypeRef::U32 => TypeTag::U32,
            TypeRef::U256 => TypeTag::U256,
            TypeRef::Address => TypeTag::Address,
            TypeRef::Signer => TypeTag::Signer,
            TypeRef::Vector(elem) => TypeTag::Vector(Box::new(self.resolve_type(elem, span, origin)?)),
            TypeRef::Struct { module, name, args } => {
                let module = self.resolve_module(module, span, origin)?;
                let declared = self.state.code.module(&module).is_some_and(|m| m.find_struct(name).is_some());
                if !declared {
                    return Err(origin.error(span, format!("{module} has no struct `{name}`")));
                }
                let args = args.iter().map(|a| self.resolve_type(a, span, origin)).collect::<CliResult<_>>()?;
                TypeTag::Struct(Box::new(StructTag::new(module, name.clone(), args)))
            }
        })
    }

    /// The type arguments written after a function or resource name.
    pub(super) fn resolve_type_args(&self, args: &[TypeRef], span: Span, origin: &Origin) -> CliResult<Vec<TypeTag>> {
        args.iter().map(|a| self.resolve_type(a, span, origin)).collect()
    }

    /// What a transaction calling `module::function` with `type_args` must
    /// supply: the entry signature (borrowed: most calls are not generic),
    /// instantiated when the function is generic.
    fn call_signature(
        &self,
        module: &ModuleId,
        function: &str,
        type_args: &[TypeTag],
        span: Span,
        origin: &Origin,
    ) -> CliResult<Cow<'_, CallSignature>> {
        let not_entry = || origin.error(span, format!("`{module}::{function}` is not an entry function"));
        let loaded = self.state.code.function(module, function).filter(|f| f.is_entry).ok_or_else(not_entry)?;
        if loaded.type_params.is_empty() && type_args.is_empty() {
            return Ok(Cow::Borrowed(&loaded.signature));
        }
        if loaded.type_params.is_empty() {
            return Err(
                origin.error(span, format!("`{module}::{function}` is not generic: it takes no type arguments"))
            );
        }
        let instance = self.state.code.instantiate(module, function, type_args).map_err(|reason| {
            let params: Vec<String> = (0..loaded.type_params.len()).map(|i| format!("T{i}")).collect();
            origin.error(span, format!("{reason} (write `{module}::{function}<{}>`)", params.join(", ")))
        })?;
        Ok(Cow::Owned(instance.signature().clone()))
    }
    /// The transaction a `call` stands for, with its arguments checked
    /// against the entry function's parameters.
    pub(super) fn build_transaction(&self, call: &CallSpec, origin: &Origin) -> CliResult<Transaction> {
        let sender = self.resolve_address(&call.sender, origin)?;
        let (module, function) = self.resolve_function(&call.function, origin)?;
        let type_args = self.resolve_type_args(&call.function.node.type_args, call.function.span, origin)?;
        let signature = self.call_signature(&module, &function, &type_args, call.function.span, origin)?;
        if let Some(reason) = &signature.unsupported {
            return Err(origin.error(call.function.span, format!("`{module}::{function}` cannot be called: {reason}")));
        }
        if signature.args.len() != call.args.len() {
            let types: Vec<String> = signature.args.iter().map(|t| self.type_name(t)).collect();
            return Err(origin.error(
                call.span,
                format!(
                    "`{module}::{function}` takes {} argument{} ({}), {} given",
                    types.len(),
                    if types.len() == 1 { "" } else { "s" },
                    types.join(", "),
                    call.args.len()
                ),
            ));
        }
        let mut args = Vec::with_capacity(call.args.len());
        for (ty, lit) in signature.args.iter().zip(&call.args) {
            args.push(self.literal_value(lit, ty, origin)?);
        }
        Ok(Transaction { sender, module, function, args, gas_limit: call.gas.unwrap_or(DEFAULT_GAS), type_args })
    }

    /// A literal as a value of type `ty`.
    pub(super) fn literal_value(&self, lit: &Spanned<Literal>, ty: &ResolvedType, origin: &Origin) -> CliResult<Value> {
        let mismatch =
            |what: &str| origin.error(lit.span, format!("expected a `{}` argument, found {what}", self.type_name(ty)));
        match (&lit.node, ty) {
            (
                Literal::Int { value, suffix },
                ResolvedType::U8
                | ResolvedType::U16
                | ResolvedType::U32
                | ResolvedType::U64
                | ResolvedType::U128
                | ResolvedType::U256,
            ) => {
                let wanted = match ty {
                    ResolvedType::U8 => IntSuffix::U8,
                    ResolvedType::U16 => IntSuffix::U16,
                    ResolvedType::U32 => IntSuffix::U32,
                    ResolvedType::U64 => IntSuffix::U64,
                    ResolvedType::U256 => IntSuffix::U256,
                    _ => IntSuffix::U128,
                };
                if suffix.is_some_and(|s| s != wanted) {
                    return Err(mismatch("an integer with another suffix"));
                }
                let too_big = || origin.error(lit.span, format!("{value} does not fit in `{}`", self.type_name(ty)));
                // Every type but u256 takes what fits a u128 first.
                let narrow = || u128::try_from(*value).map_err(|_| too_big());
                Ok(match wanted {
                    IntSuffix::U8 => Value::U8(u8::try_from(narrow()?).map_err(|_| too_big())?),
                    IntSuffix::U16 => Value::U16(u16::try_from(narrow()?).map_err(|_| too_big())?),
                    IntSuffix::U32 => Value::U32(u32::try_from(narrow()?).map_err(|_| too_big())?),
                    IntSuffix::U64 => Value::U64(u64::try_from(narrow()?).map_err(|_| too_big())?),
                    IntSuffix::U128 => Value::U128(narrow()?),
                    IntSuffix::U256 => Value::U256(*value),
                })
            }
            (Literal::Bool(b), ResolvedType::Bool) => Ok(Value::Bool(*b)),
            (Literal::Address(r), ResolvedType::Address) => {
                Ok(Value::Address(self.resolve_address(&Spanned::new(r.clone(), lit.span), origin)?))
            }
            (Literal::Vector(items), ResolvedType::Vector(elem)) => {
                let values = items.iter().map(|i| self.literal_value(i, elem, origin)).collect::<CliResult<_>>()?;
                Ok(Value::vector(values))
            }
            (Literal::Bytes(bytes), ResolvedType::Vector(elem)) if **elem == ResolvedType::U8 => {
                Ok(Value::Bytes(bytes.clone()))
            }
            (Literal::Int { .. }, _) => Err(mismatch("an integer")),
            (Literal::Bool(_), _) => Err(mismatch("a boolean")),
            (Literal::Address(AddressRef::Name(n)), _) => Err(mismatch(&format!("the account `{n}`"))),
            (Literal::Address(_), _) => Err(mismatch("an address")),
            (Literal::Vector(_), _) => Err(mismatch("a vector")),
            (Literal::Bytes(_), _) => Err(mismatch("a byte string")),
            (Literal::Fields(_), _) => Err(mismatch("a struct's fields")),
        }
    }
}

/// A transaction as the script would write it: `0x1::coin::transfer(@0xb0b, 10)`.
pub fn describe_call(tx: &Transaction, names: &Accounts) -> String {
    let args: Vec<String> = tx.args.iter().map(|a| describe_arg(a, names)).collect();
    let type_args = if tx.type_args.is_empty() {
        String::new()
    } else {
        let tags: Vec<String> = tx.type_args.iter().map(ToString::to_string).collect();
        format!("<{}>", tags.join(", "))
    };
    format!("{}::{}{type_args}({})", tx.module, tx.function, args.join(", "))
}

/// Bytes of a byte string, and items of another vector, that an argument
/// shows before it is cut short: a receipt echoes a call, never megabytes.
const SHOWN_BYTES: usize = 32;
const SHOWN_ITEMS: usize = 16;

pub(super) fn describe_arg(v: &Value, names: &Accounts) -> String {
    match v {
        Value::Address(a) => names.name_of(a).unwrap_or_else(|| format!("@{a}")),
        Value::Vector(_) | Value::Bytes(_) => {
            let more = |total: usize, shown: usize, unit: &str| {
                if total > shown {
                    format!("... ({} {unit})", thousands(total as u64))
                } else {
                    String::new()
                }
            };
            match v.bytes() {
                // Byte vectors as the script writes them.
                Some(b) if !b.is_empty() => {
                    let shown = &b[..b.len().min(SHOWN_BYTES)];
                    let rest = more(b.len(), shown.len(), "bytes");
                    format!("{}{rest}", resin_vm::byte_literal(shown))
                }
                _ => {
                    let items = v.vector_items().unwrap_or_default();
                    let parts: Vec<String> = items.iter().take(SHOWN_ITEMS).map(|i| describe_arg(i, names)).collect();
                    let rest = more(items.len(), parts.len(), "elements");
                    let sep = if rest.is_empty() { "" } else { ", " };
                    format!("[{}{sep}{rest}]", parts.join(", "))
                }
            }
        }
        Value::U8(n) => format!("{n}u8"),
        Value::U128(n) => format!("{n}u128"),
        Value::U16(n) => format!("{n}u16"),
        Value::U32(n) => format!("{n}u32"),
        Value::U256(n) => format!("{n}u256"),
        Value::U64(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Signer(a) => format!("signer @{a}"),
        Value::Struct(_) | Value::Flat(_) => {
            let fields = v.struct_fields().unwrap_or_default();
            let parts: Vec<String> = fields.iter().map(|i| describe_arg(i, names)).collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}
