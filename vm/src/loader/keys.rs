//! Entry-point resolution and access-spec instantiation: from a transaction to
//! the function it calls and the concrete keys it declares.

use super::{CodeCache, LoadedFunction, LoadedModule};
use crate::gas::MAX_GAS_LIMIT;
use crate::transaction::{Status, Transaction};
use resin_format::encoding::limits::MAX_VECTOR_LEN;
use resin_format::file_format::{AccountAddress, AddressSource, Visibility};
use resin_state::keys::{AccessKey, DeclaredKeys, KeyAccess, ResourceKey};
use resin_state::value::Value;

/// The concrete keys `tx` declares: its entry function's access spec with
/// `Param(i)` replaced by the address argument, `SignerOf(i)` by the sender,
/// `Any` by every address of the type. Sorted, deduplicated, and a key both
/// read and written appears once, as a write.
///
/// Fails with [`Status::InvalidArguments`] when the transaction cannot start
/// (unknown module or function, not an entry function, wrong arguments).
// The error is a whole `Status` (large) because that is what the scheduler
// puts in the receipt of a transaction that cannot start; it is the cold path.
#[allow(clippy::result_large_err)]
pub fn declared_keys(code: &CodeCache, tx: &Transaction) -> Result<DeclaredKeys, Status> {
    let (_, function) = resolve_entry(code, tx).map_err(|reason| Status::InvalidArguments { reason })?;
    Ok(instantiate(function, tx.sender, &tx.args))
}

/// The entry function `tx` calls, with its arguments checked; the error is
/// the reason for [`Status::InvalidArguments`].
pub(crate) fn resolve_entry<'c>(
    code: &'c CodeCache,
    tx: &Transaction,
) -> Result<(&'c LoadedModule, &'c LoadedFunction), String> {
    resolve(code, tx, true)
}

/// Like [`resolve_entry`] but any public function may be called: for read-only
/// calls from tools (the REPL, tests) that want return values.
pub(crate) fn resolve_call<'c>(
    code: &'c CodeCache,
    tx: &Transaction,
) -> Result<(&'c LoadedModule, &'c LoadedFunction), String> {
    resolve(code, tx, false)
}

fn resolve<'c>(
    code: &'c CodeCache,
    tx: &Transaction,
    entry_only: bool,
) -> Result<(&'c LoadedModule, &'c LoadedFunction), String> {
    if tx.gas_limit > MAX_GAS_LIMIT {
        return Err(format!("gas limit {} is over the maximum of {MAX_GAS_LIMIT}", tx.gas_limit));
    }
    let module = code.loaded(&tx.module).ok_or_else(|| format!("module {} is not published", tx.module))?;
    let function =
        module.function(&tx.function).ok_or_else(|| format!("{} has no function `{}`", tx.module, tx.function))?;
    if entry_only && !function.is_entry {
        return Err(format!("`{}::{}` is not an entry function", tx.module, tx.function));
    }
    if !entry_only && !function.is_entry && function.visibility != Visibility::Public {
        return Err(format!("`{}::{}` is private", tx.module, tx.function));
    }
    check_args(function, &tx.args)?;
    Ok((module, function))
}

fn check_args(function: &LoadedFunction, args: &[Value]) -> Result<(), String> {
    let sig = &function.signature;
    if let Some(reason) = &sig.unsupported {
        return Err(format!("`{}`: {reason}", function.name));
    }
    if args.len() != sig.args.len() {
        return Err(format!("`{}` takes {} arguments, {} given", function.name, sig.args.len(), args.len()));
    }
    for (i, (ty, arg)) in sig.args.iter().zip(args).enumerate() {
        if !ty.accepts(arg) {
            return Err(format!("argument {i} of `{}` must be a `{ty}`", function.name));
        }
        if let Some(len) = longest_vector(arg).filter(|len| *len > MAX_VECTOR_LEN) {
            return Err(format!(
                "argument {i} of `{}` holds a vector of {len} elements (at most {MAX_VECTOR_LEN})",
                function.name
            ));
        }
    }
    Ok(())
}

/// The length of the longest vector in `value`, walked without recursion.
fn longest_vector(value: &Value) -> Option<usize> {
    // Most arguments are primitives (an address, an amount): answering them
    // before the walk's stack spares every transaction a heap allocation per
    // argument, twice (keys are instantiated before execution resolves again).
    if !matches!(value, Value::Vector(_) | Value::Struct(_)) {
        return None;
    }
    let mut longest = None;
    let mut pending = vec![value];
    while let Some(value) = pending.pop() {
        if let Value::Vector(items) | Value::Struct(items) = value {
            if matches!(value, Value::Vector(_)) {
                longest = longest.max(Some(items.len()));
            }
            pending.extend(items.iter().filter(|v| matches!(v, Value::Vector(_) | Value::Struct(_))));
        }
    }
    longest
}

/// Instantiates `function`'s access spec for a call by `sender` with `args`
/// (the arguments after the leading signers, already checked).
pub(crate) fn instantiate(function: &LoadedFunction, sender: AccountAddress, args: &[Value]) -> DeclaredKeys {
    let mut keys = DeclaredKeys::default();
    instantiate_into(function, sender, args, &mut keys);
    keys
}

/// [`instantiate`] into `keys` (which must be empty): spares the caller a
/// move of the inline key vector.
#[inline]
pub(crate) fn instantiate_into(
    function: &LoadedFunction,
    sender: AccountAddress,
    args: &[Value],
    keys: &mut DeclaredKeys,
) {
    let signers = function.signature.signers.len();
    for access in &function.access {
        let address = match access.address {
            AddressSource::Const(address) => Some(address),
            AddressSource::SignerOf(i) if usize::from(i) < signers => Some(sender),
            AddressSource::Param(i) => match usize::from(i).checked_sub(signers).and_then(|j| args.get(j)) {
                Some(Value::Address(address)) => Some(*address),
                _ => None,
            },
            // `Any`, and (only in unverified specs) a parameter that is not
            // an address: every address of the type, which over-approximates.
            _ => None,
        };
        let key = match address {
            Some(address) => AccessKey::Exact(ResourceKey { address, ty: access.ty }),
            None => AccessKey::AnyOf(access.ty),
        };
        // A key already present keeps the stronger mode (a write covers a read).
        match keys.0.iter_mut().find(|k| k.key == key) {
            Some(existing) => existing.mode = existing.mode.max(access.mode),
            None => keys.0.push(KeyAccess { mode: access.mode, key }),
        }
    }
    if !keys.0.is_sorted() {
        keys.0.sort_unstable();
    }
}
