//! `view MODULE::FUNCTION ARGS`: calls a public function for its return
//! values and commits nothing (Aptos's `move view`, Foundry's `cast call`).
//! The call runs like a transaction against the current state and block
//! context, but its writes and events are dropped, it takes no transaction
//! number and it does not count as a block.

use std::io::Write;

use resin_state::type_tag::TypeTag;
use resin_vm::{AccountAddress, Status, Transaction, Value, Visibility};

use super::calls::describe_call;
use super::commands::say;
use super::{Origin, Session};
use crate::error::CliResult;
use crate::script::ast::ViewSpec;
use crate::workload::DEFAULT_GAS;

/// What a view returned, each value with its type.
pub struct ViewResult {
    /// `0x2::vault::amount(alice)`, as a receipt writes the call.
    pub call: String,
    /// The return values as the script language prints values.
    pub values: Vec<String>,
    /// The return types, as Resin writes them.
    pub types: Vec<String>,
    /// The return values themselves, and their types where they are concrete.
    pub returns: Vec<Value>,
    pub tags: Vec<Option<TypeTag>>,
    pub gas_used: u64,
}

impl Session {
    pub(super) fn view(&self, spec: &ViewSpec, origin: &Origin, out: &mut dyn Write) -> CliResult<()> {
        let result = self.run_view(spec, origin)?;
        if self.json {
            let object = super::json::ViewJson {
                r#type: "view",
                function: &result.call,
                returns: &result.values,
                return_types: &result.types,
                gas: result.gas_used,
            };
            return super::json::print_line(&object, out);
        }
        let values = match result.values.as_slice() {
            [one] => one.clone(),
            many => format!("({})", many.join(", ")),
        };
        say!(out, "{} -> {values}, gas {}", result.call, result.gas_used)
    }

    /// Runs the view and renders its values; a function that cannot be
    /// viewed, bad arguments, and a call that fails are errors at `spec`.
    pub(super) fn run_view(&self, spec: &ViewSpec, origin: &Origin) -> CliResult<ViewResult> {
        let span = spec.function.span;
        let (module, function) = self.resolve_function(&spec.function, origin)?;
        let type_args = self.resolve_type_args(&spec.function.node.type_args, span, origin)?;
        let loaded = self
            .state
            .code
            .function(&module, &function)
            .ok_or_else(|| origin.error(span, format!("{module} has no function `{function}`")))?;
        if loaded.visibility != Visibility::Public && !loaded.is_entry {
            return Err(origin
                .error(span, format!("`{module}::{function}` is not public: only public functions can be viewed")));
        }
        let signature = if loaded.type_params.is_empty() && type_args.is_empty() {
            loaded.signature.clone()
        } else {
            let instance =
                self.state.code.instantiate(&module, &function, &type_args).map_err(|e| origin.error(span, e))?;
            instance.signature().clone()
        };
        if let Some(reason) = &signature.unsupported {
            return Err(origin.error(span, format!("`{module}::{function}` cannot be viewed: {reason}")));
        }
        if !signature.signers.is_empty() {
            return Err(origin.error(span, format!("`{module}::{function}` takes a signer: a view has no sender")));
        }
        if signature.args.len() != spec.args.len() {
            let types: Vec<String> = signature.args.iter().map(|t| self.type_name(t)).collect();
            return Err(origin.error(
                span,
                format!(
                    "`{module}::{function}` takes {} argument{} ({}), {} given",
                    types.len(),
                    if types.len() == 1 { "" } else { "s" },
                    types.join(", "),
                    spec.args.len()
                ),
            ));
        }
        let mut args = Vec::with_capacity(spec.args.len());
        for (ty, lit) in signature.args.iter().zip(&spec.args) {
            args.push(self.literal_value(lit, ty, origin)?);
        }
        let tx = Transaction {
            sender: AccountAddress::ZERO,
            module,
            function,
            args,
            gas_limit: DEFAULT_GAS,
            type_args: type_args.clone(),
        };
        let call = describe_call(&tx, &self.state.accounts);
        let outcome = resin_vm::call_function(&self.state.code, &self.state.resources, &tx, self.context);
        if !outcome.receipt.status.is_success() {
            return Err(origin.error(span, format!("view {call} failed: {}", failure(&outcome.receipt.status))));
        }
        let returns = &loaded.returns;
        let tags: Vec<Option<TypeTag>> = returns.iter().map(|t| self.tag_of(t, &type_args)).collect();
        let values = outcome
            .returns
            .iter()
            .enumerate()
            // As `show` prints stored values: structs with field names.
            .map(|(i, v)| self.state.code.format_value(tags.get(i).and_then(Option::as_ref), v))
            .collect();
        let types = tags
            .iter()
            .zip(returns)
            .map(|(tag, ty)| tag.as_ref().map(ToString::to_string).unwrap_or_else(|| self.type_name(ty)))
            .collect();
        Ok(ViewResult { call, values, types, returns: outcome.returns, tags, gas_used: outcome.receipt.gas_used })
    }

    /// The address a view returns, for `account NAME = view ...`: the view
    /// must return exactly one `address`.
    pub(super) fn view_address(&self, spec: &ViewSpec, origin: &Origin) -> CliResult<AccountAddress> {
        let result = self.run_view(spec, origin)?;
        match (result.returns.as_slice(), result.tags.as_slice()) {
            ([Value::Address(address)], [Some(TypeTag::Address)]) => Ok(*address),
            _ => {
                let returned = match result.types.as_slice() {
                    [] => "nothing".to_string(),
                    [one] => format!("a `{one}`"),
                    many => format!("({})", many.join(", ")),
                };
                Err(origin
                    .error(spec.function.span, format!("{} returns {returned}, not one address to name", result.call)))
            }
        }
    }
}

/// Why a view failed, in a receipt's words.
fn failure(status: &Status) -> String {
    match status {
        Status::Success => "success".into(),
        Status::Aborted { code, location } => {
            format!(
                "ABORTED with code {code} in {}::{} at offset {}",
                location.module, location.function, location.offset
            )
        }
        Status::RuntimeError { kind, location, .. } => {
            format!(
                "RUNTIME ERROR {kind:?} in {}::{} at offset {}",
                location.module, location.function, location.offset
            )
        }
        Status::OutOfGas { location } => {
            format!("OUT OF GAS in {}::{} at offset {}", location.module, location.function, location.offset)
        }
        Status::AccessViolation { mode, location, .. } => {
            format!(
                "ACCESS VIOLATION ({mode:?}) in {}::{} at offset {}",
                location.module, location.function, location.offset
            )
        }
        Status::InvalidArguments { reason } => format!("NOT STARTED: {reason}"),
    }
}
