//! Entry-point resolution and access-spec instantiation: from a transaction to
//! the function it calls (and an [`EntryHandle`] that finds it again) and the
//! concrete keys it declares.

use std::sync::Arc;

use super::args::check_args;
use super::runtime_types::Instance;
use super::type_args::check_type_args;
use super::{CodeCache, LoadedFunction, LoadedModule, ResolvedAccess};
use crate::gas::MAX_GAS_LIMIT;
use crate::transaction::{Status, Transaction};
use resin_format::file_format::{
    AccountAddress, AddressSource, IndexSource, ModuleId, ObjectCreator, ObjectSeed, ObjectSource, Visibility,
};
use resin_state::keys::{keyed_address, object_address, AccessKey, DeclaredKeys, KeyAccess, ResourceKey};
use resin_state::type_tag::TypeTag;
use resin_state::value::Value;
use rustc_hash::FxHashMap;

/// Where a transaction's entry function lies in the code cache that resolved
/// it: the module's number (its place in publishing order) and the
/// function's definition index. Key instantiation resolves each transaction
/// by name ([`resolve_keys`]); execution takes the handle and finds the same
/// function without the two hash lookups ([`crate::execute::execute_entry`]).
///
/// A handle is only a hint. Execution uses it when, in the cache at hand, it
/// names a function of `tx.module` called `tx.function` (ids are unique in a
/// cache and names in a module, so that is the function the lookups would
/// find), and resolves by name otherwise: a handle made for another
/// transaction or another cache changes the cost, never the receipt.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct EntryHandle {
    module: u32,
    function: u16,
}

impl EntryHandle {
    /// The module and function this handle names in `code`, if any.
    #[inline]
    fn find(self, code: &CodeCache) -> Option<(&LoadedModule, &LoadedFunction)> {
        let module = code.numbered(self.module as usize)?;
        Some((module, module.functions.get(usize::from(self.function))?))
    }
}

/// The concrete keys `tx` declares: its entry function's access spec with
/// `Param(i)` replaced by the address argument, `SignerOf(i)` by the sender,
/// `Any` by every address of the type; for an entry of keyed storage, the
/// key at the address derived from that address and the index (a
/// parameter's value, or the signer's address), every entry of the type
/// when either is `Any`. Sorted, deduplicated, and a key declared in two
/// modes appears once, in their join (a write unless they are equal).
///
/// Fails with [`Status::InvalidArguments`] when the transaction cannot start
/// (unknown module or function, not an entry function, wrong arguments).
// The error is a whole `Status` (large) because that is what the scheduler
// puts in the receipt of a transaction that cannot start; it is the cold path.
#[allow(clippy::result_large_err)]
pub fn declared_keys(code: &CodeCache, tx: &Transaction) -> Result<DeclaredKeys, Status> {
    resolve_keys(code, tx).map(|(_, keys)| keys)
}

/// [`declared_keys`], with the entry function they were instantiated from,
/// for executing `tx` against `code` without resolving it again.
#[allow(clippy::result_large_err)]
pub fn resolve_keys(code: &CodeCache, tx: &Transaction) -> Result<(ResolvedEntry, DeclaredKeys), Status> {
    let (handle, entry) = resolve(code, tx, true).map_err(invalid)?;
    let keys = instantiate(entry.function, entry.instance.as_deref(), tx.sender, &tx.args);
    Ok((ResolvedEntry { handle, instance: entry.instance }, keys))
}

fn invalid(reason: String) -> Status {
    Status::InvalidArguments { reason }
}

/// A transaction's entry function as [`resolve_keys`] found and checked it
/// against a code cache: its handle and, for a generic function, its
/// instance for the transaction's type arguments. Executing that
/// transaction against that cache through it
/// ([`crate::execute::execute_resolved`]) looks nothing up and checks
/// nothing again, so it does not read the transaction's names, type
/// arguments or argument types a second time: in a block of 100,000
/// transactions those were read long before and are out of the cache.
#[derive(Clone, Debug)]
pub struct ResolvedEntry {
    handle: EntryHandle,
    instance: Option<Arc<Instance>>,
}

impl ResolvedEntry {
    /// The entry function's handle, a hint for [`crate::execute::execute_entry`].
    pub fn handle(&self) -> EntryHandle {
        self.handle
    }
}

/// Equal when they name the same function with the same type arguments
/// (instances are kept per thread, so equal ones need not be one object).
impl PartialEq for ResolvedEntry {
    fn eq(&self, other: &Self) -> bool {
        self.handle == other.handle
            && self.instance.as_ref().map(|i| i.type_args()) == other.instance.as_ref().map(|i| i.type_args())
    }
}

impl Eq for ResolvedEntry {}

/// The function, module and instance `entry` names in `code`, for
/// executing the transaction it was resolved for. `None` when it cannot be
/// that transaction's entry function there: the handle names nothing or a
/// function that is not an entry, the instance does not fit the function
/// (type parameters, struct and call slots), or the argument count does
/// not fit the signature. These checks read only the code, the entry and
/// the transaction's argument count; an entry resolved for another
/// transaction that passes them runs that transaction's function, which is
/// why only an executor that resolved the block itself calls this.
pub(crate) fn resolved_entry<'c>(
    code: &'c CodeCache,
    tx: &Transaction,
    entry: &'c ResolvedEntry,
) -> Option<(&'c LoadedModule, &'c LoadedFunction, Option<&'c Instance>)> {
    let (module, function) = entry.handle.find(code)?;
    if !function.is_entry {
        return None;
    }
    let instance = entry.instance.as_deref();
    let signature = match instance {
        None if !function.is_generic() => &function.signature,
        Some(instance) if instance.fits(function) => &instance.signature,
        _ => return None,
    };
    (tx.args.len() == signature.args.len()).then_some((module, function, instance))
}

/// Resolves transactions one after another as [`resolve_keys`] does,
/// remembering the calls it resolved. A block's transactions call a few
/// entry functions with a few type arguments (often interleaved: mints and
/// transfers, swaps both ways), and resolution depends only on the code and
/// the transaction: one whose module, function and type arguments equal a
/// remembered one's has its entry function and instance, so only what it
/// does not share is checked (gas limit, arguments, in [`resolve`]'s order)
/// before its keys are instantiated. The result is [`resolve_keys`]'s,
/// errors included.
///
/// The last [`RECENT`] calls are compared first, field by field: most
/// blocks call fewer functions than that, and a comparison costs less than
/// hashing the names. Past them, every call resolved so far is found by
/// hash ([`CallKey`]): swaps both ways over 64 pools, each of a pair of
/// currencies, are up to 128 distinct calls (`resin bench --workload amm`:
/// the keys of a 100,000-swap block took 44 ms on one thread, 34 after).
pub struct Resolver<'c, 't> {
    code: &'c CodeCache,
    /// Transactions that resolved, each standing for its call, with what
    /// they resolved to; at most [`RECENT`], the oldest replaced first.
    recent: Vec<(&'t Transaction, ResolvedEntry)>,
    /// The entry of `recent` the next new call replaces once it is full.
    next: usize,
    /// Every call resolved so far (up to [`KNOWN`]), by its names.
    known: FxHashMap<CallKey<'t>, ResolvedEntry>,
}

/// Distinct calls a [`Resolver`] compares one by one: more than a block's
/// usual mix, few enough that a transaction of a new call is compared with
/// all of them for less than resolving it costs.
const RECENT: usize = 8;

/// Distinct calls a [`Resolver`] finds by hash before it starts over: the
/// calls borrow the block's transactions, so this only bounds a block of
/// ever new type arguments.
const KNOWN: usize = 4096;

/// What makes two transactions the same call: module, function and type
/// arguments.
#[derive(PartialEq, Eq, Hash)]
struct CallKey<'t> {
    module: &'t ModuleId,
    function: &'t str,
    type_args: &'t [TypeTag],
}

impl<'t> CallKey<'t> {
    fn of(tx: &'t Transaction) -> Self {
        CallKey { module: &tx.module, function: &tx.function, type_args: &tx.type_args }
    }
}

impl<'c, 't> Resolver<'c, 't> {
    pub fn new(code: &'c CodeCache) -> Self {
        Resolver { code, recent: Vec::with_capacity(RECENT), next: 0, known: FxHashMap::default() }
    }

    /// [`resolve_keys`] of `tx`.
    #[allow(clippy::result_large_err)]
    pub fn resolve_keys(&mut self, tx: &'t Transaction) -> Result<(ResolvedEntry, DeclaredKeys), Status> {
        let mut keys = DeclaredKeys::default();
        let entry = self.resolve_keys_into(tx, &mut keys)?;
        Ok((entry, keys))
    }

    /// [`Resolver::resolve_keys`], the keys instantiated into `keys`
    /// (which must be empty, and stays so on an error). The inline
    /// key vector is some 200 bytes, and returned through the resolver's
    /// layers it was copied three times per transaction.
    #[allow(clippy::result_large_err)]
    pub fn resolve_keys_into(&mut self, tx: &'t Transaction, keys: &mut DeclaredKeys) -> Result<ResolvedEntry, Status> {
        let same_call = |seen: &&(&Transaction, ResolvedEntry)| {
            let (seen, _) = **seen;
            seen.function == tx.function && seen.module == tx.module && seen.type_args == tx.type_args
        };
        if let Some((_, entry)) = self.recent.iter().find(same_call) {
            let entry = entry.clone();
            if let Some(resolved) = self.as_resolved(tx, entry, keys) {
                return resolved;
            }
        }
        if let Some(entry) = self.known.get(&CallKey::of(tx)).cloned() {
            self.remember(tx, entry.clone());
            if let Some(resolved) = self.as_resolved(tx, entry, keys) {
                return resolved;
            }
        }
        let (entry, resolved) = resolve_keys(self.code, tx)?;
        *keys = resolved;
        if self.known.len() >= KNOWN {
            self.known.clear();
        }
        self.known.insert(CallKey::of(tx), entry.clone());
        self.remember(tx, entry.clone());
        Ok(entry)
    }

    /// `tx` resolved through `entry`, resolved for another transaction of
    /// the same call, its keys instantiated into `keys`: `None` (and `keys`
    /// untouched) when `entry` names nothing in the code.
    #[allow(clippy::result_large_err)]
    fn as_resolved(
        &self,
        tx: &Transaction,
        entry: ResolvedEntry,
        keys: &mut DeclaredKeys,
    ) -> Option<Result<ResolvedEntry, Status>> {
        let (_, function) = entry.handle.find(self.code)?;
        let checked = check_gas_limit(tx).and_then(|()| check_args_of(function, entry.instance.as_deref(), &tx.args));
        Some(match checked {
            Ok(()) => {
                instantiate_into(function, entry.instance.as_deref(), Signers::sender(tx.sender), &tx.args, keys);
                Ok(entry)
            }
            Err(reason) => Err(invalid(reason)),
        })
    }

    /// Puts `tx`'s call among the last few compared first.
    fn remember(&mut self, tx: &'t Transaction, entry: ResolvedEntry) {
        match self.recent.get_mut(self.next) {
            Some(oldest) => *oldest = (tx, entry),
            None => self.recent.push((tx, entry)),
        }
        self.next = (self.next + 1) % RECENT;
    }
}

/// A resolved call: the function, its module, and for a generic function
/// its instance for the transaction's type arguments.
pub(crate) struct Entry<'c> {
    pub module: &'c LoadedModule,
    pub function: &'c LoadedFunction,
    pub instance: Option<Arc<Instance>>,
}

/// The entry function `tx` calls, with its arguments checked; the error is
/// the reason for [`Status::InvalidArguments`].
pub(crate) fn resolve_entry<'c>(code: &'c CodeCache, tx: &Transaction) -> Result<Entry<'c>, String> {
    resolve(code, tx, true).map(|(_, entry)| entry)
}

/// [`resolve_entry`] through `handle` when it names `tx`'s entry function in
/// `code` ([`EntryHandle`]); by name when it does not or there is none. The
/// checks that do not depend on the code (gas limit, arguments) run either
/// way, so the result is [`resolve_entry`]'s.
pub(crate) fn resolve_entry_at<'c>(
    code: &'c CodeCache,
    tx: &Transaction,
    handle: Option<EntryHandle>,
) -> Result<Entry<'c>, String> {
    let found = handle.and_then(|handle| {
        let (module, function) = handle.find(code)?;
        (*module.id == tx.module && function.name == tx.function).then_some((module, function))
    });
    let Some((module, function)) = found else { return resolve_entry(code, tx) };
    // `resolve`'s checks in its order, less the lookups that cannot fail here.
    check_gas_limit(tx)?;
    let instance = check_callable(code, tx, module, function, true)?;
    Ok(Entry { module, function, instance })
}

/// Like [`resolve_entry`] but any public function may be called: for read-only
/// calls from tools (the REPL, tests) that want return values.
pub(crate) fn resolve_call<'c>(code: &'c CodeCache, tx: &Transaction) -> Result<Entry<'c>, String> {
    resolve(code, tx, false).map(|(_, entry)| entry)
}

fn resolve<'c>(code: &'c CodeCache, tx: &Transaction, entry_only: bool) -> Result<(EntryHandle, Entry<'c>), String> {
    check_gas_limit(tx)?;
    let (number, module) =
        code.numbered_by_id(&tx.module).ok_or_else(|| format!("module {} is not published", tx.module))?;
    let (index, function) = module
        .function_def_index(&tx.function)
        .and_then(|index| Some((index, module.functions.get(usize::from(index))?)))
        .ok_or_else(|| format!("{} has no function `{}`", tx.module, tx.function))?;
    let instance = check_callable(code, tx, module, function, entry_only)?;
    // A cache of over 2^32 modules cannot fit in memory; were it to, the
    // saturated number would fail the handle's check and cost a lookup.
    let handle = EntryHandle { module: u32::try_from(number).unwrap_or(u32::MAX), function: index };
    Ok((handle, Entry { module, function, instance }))
}

/// The instance `tx`'s type arguments make of `function`: `None` for a
/// function that is not generic called without any (the common case, two
/// loads), else checked ([`check_type_args`]) and taken from the function's
/// cache. The check runs on every transaction, cached instance or not: the
/// structs it names must be published in `code`, which another cache
/// sharing the function's module may not be.
#[inline]
fn instance_for(
    code: &CodeCache,
    tx: &Transaction,
    module: &LoadedModule,
    function: &LoadedFunction,
) -> Result<Option<Arc<Instance>>, String> {
    if !function.is_generic() && tx.type_args.is_empty() {
        return Ok(None);
    }
    generic_instance(code, tx, module, function).map(Some)
}

#[inline(never)]
fn generic_instance(
    code: &CodeCache,
    tx: &Transaction,
    module: &LoadedModule,
    function: &LoadedFunction,
) -> Result<Arc<Instance>, String> {
    check_type_args(code, &tx.module, function, &tx.type_args)?;
    function.instances.get(module, function, &tx.type_args).ok_or_else(|| {
        let name = format!("{}::{}", tx.module, tx.function);
        format!("`{name}` instantiated with these type arguments names a type over the limits on types")
    })
}

// The checks run on every transaction, twice; refusals are put into words out
// of line (`#[cold]`), which keeps the checks small enough to inline.
#[inline]
fn check_gas_limit(tx: &Transaction) -> Result<(), String> {
    if tx.gas_limit > MAX_GAS_LIMIT {
        return Err(over_gas_limit(tx.gas_limit));
    }
    Ok(())
}

#[cold]
#[inline(never)]
fn over_gas_limit(gas_limit: u64) -> String {
    format!("gas limit {gas_limit} is over the maximum of {MAX_GAS_LIMIT}")
}

/// Whether `tx` may call `function` (of `module`, found by its names) with
/// its type arguments and arguments; the instance they make of a generic
/// function, whose signature (type arguments substituted) the arguments
/// are checked against.
// Always inlined: both resolutions call it on every transaction, and out of
// line its prologue costs a third of what it checks.
#[inline(always)]
fn check_callable(
    code: &CodeCache,
    tx: &Transaction,
    module: &LoadedModule,
    function: &LoadedFunction,
    entry_only: bool,
) -> Result<Option<Arc<Instance>>, String> {
    if entry_only && !function.is_entry {
        return Err(refusal(tx, "is not an entry function"));
    }
    if !entry_only && !function.is_entry && function.visibility != Visibility::Public {
        // A friend function is as closed to tools as a private one.
        return Err(refusal(tx, "is not public"));
    }
    let instance = instance_for(code, tx, module, function)?;
    check_args_of(function, instance.as_deref(), &tx.args)?;
    Ok(instance)
}

/// [`check_args`] against `function`'s signature, or its `instance`'s
/// (type arguments substituted) when generic.
#[inline(always)]
fn check_args_of(function: &LoadedFunction, instance: Option<&Instance>, args: &[Value]) -> Result<(), String> {
    check_args(function, instance.map_or(&function.signature, |i| &i.signature), args)
}

#[cold]
#[inline(never)]
fn refusal(tx: &Transaction, what: &str) -> String {
    format!("`{}::{}` {what}", tx.module, tx.function)
}

/// Who signs a call: `sender`, in every leading signer parameter, except
/// those `each` gives an address of their own (in parameter order). Only a
/// test runner gives any: its tests sign as several accounts
/// (`#[test(alice = @0xa, bob = @0xb)]`); a transaction has one signer.
#[derive(Clone, Copy, Debug)]
pub struct Signers<'a> {
    pub sender: AccountAddress,
    pub each: &'a [AccountAddress],
}

impl<'a> Signers<'a> {
    /// The sender in every signer parameter.
    #[inline]
    pub fn sender(sender: AccountAddress) -> Self {
        Signers { sender, each: &[] }
    }

    /// The address of the signer parameter `i`.
    #[inline]
    pub fn address(&self, i: usize) -> AccountAddress {
        self.each.get(i).copied().unwrap_or(self.sender)
    }
}

/// The index a keyed access names for a call signed by `who` with `args`
/// (the arguments after `signers` leading signers): a parameter's value,
/// the signer's address as an address value, the fixed value, or the
/// struct of such fields, built as the VM's `pack` builds it. `None` for
/// `Any`, and (only in unverified specs) a parameter that is not there.
#[inline]
fn index_value(index: &IndexSource, signers: usize, who: Signers<'_>, args: &[Value]) -> Option<Value> {
    match index {
        IndexSource::Param(i) => param(args, signers, *i).cloned(),
        IndexSource::SignerOf(i) if usize::from(*i) < signers => Some(Value::Address(who.address(usize::from(*i)))),
        IndexSource::Const(value) => Some(super::link::const_value(&value.value())),
        IndexSource::Pack(fields) => {
            let fields = fields.iter().map(|f| index_value(&f.source(), signers, who, args));
            Some(Value::structure(fields.collect::<Option<Vec<Value>>>()?))
        }
        IndexSource::SignerOf(_) | IndexSource::Any => None,
    }
}

/// Parameter `i`'s argument, `args` being the arguments after `signers`
/// leading signers; `None` for a signer or a parameter that is not there.
#[inline]
pub(super) fn param(args: &[Value], signers: usize, i: u8) -> Option<&Value> {
    usize::from(i).checked_sub(signers).and_then(|j| args.get(j))
}

/// The address `source` names for a call signed by `who` with `args` (the
/// arguments after `signers` leading signers) when it is named rather than
/// derived: a constant, a signer's or an address parameter's. `None` for
/// an object's address, for `Any`, and (only in unverified specs) for a
/// signer or parameter that is not there or not an address.
#[inline]
pub(super) fn named_address(
    source: &AddressSource<ModuleId>,
    signers: usize,
    who: Signers<'_>,
    args: &[Value],
) -> Option<AccountAddress> {
    match source {
        AddressSource::Const(address) => Some(*address),
        AddressSource::SignerOf(i) if usize::from(*i) < signers => Some(who.address(usize::from(*i))),
        AddressSource::Param(i) => match param(args, signers, *i) {
            Some(Value::Address(address)) => Some(*address),
            _ => None,
        },
        _ => None,
    }
}

/// The address an object access names for a call signed by `who` with
/// `args`: derived from its creator and seed as its module's code derives
/// it (`object_address`). `None` (every address) only for an unverified
/// spec whose parameter is not there or not of its type.
fn object_address_of(
    object: &ObjectSource<ModuleId>,
    signers: usize,
    who: Signers<'_>,
    args: &[Value],
) -> Option<AccountAddress> {
    let arg = |i: u8| param(args, signers, i);
    let creator = match object.creator {
        ObjectCreator::Param(i) => match arg(i) {
            Some(Value::Address(address)) => *address,
            _ => return None,
        },
        ObjectCreator::SignerOf(i) if usize::from(i) < signers => who.address(usize::from(i)),
        ObjectCreator::SignerOf(_) => return None,
        ObjectCreator::Const(address) => address,
    };
    let derive = |seed: &[u8]| object_address(&object.module, &creator, seed);
    match object.seed {
        ObjectSeed::Param(i) => arg(i)?.bytes().map(|bytes| derive(&bytes)),
        ObjectSeed::Const(bytes) => bytes.get().map(derive),
    }
}

/// Instantiates `function`'s access spec (its `instance`'s, when generic)
/// for a call by `sender` with `args` (the arguments after the leading
/// signers, already checked).
pub(crate) fn instantiate(
    function: &LoadedFunction,
    instance: Option<&Instance>,
    sender: AccountAddress,
    args: &[Value],
) -> DeclaredKeys {
    let mut keys = DeclaredKeys::default();
    instantiate_into(function, instance, Signers::sender(sender), args, &mut keys);
    keys
}

/// [`instantiate`] into `keys` (which must be empty), signed by `who`:
/// spares the caller a move of the inline key vector.
#[inline]
pub(crate) fn instantiate_into(
    function: &LoadedFunction,
    instance: Option<&Instance>,
    who: Signers<'_>,
    args: &[Value],
    keys: &mut DeclaredKeys,
) {
    let signers = function.signature.signers.len();
    // An instance's spec has its type parameters substituted, so
    // `Balance<USD>` and `Balance<EUR>` are different keys.
    let access: &[ResolvedAccess] = match instance {
        Some(instance) => &instance.access,
        None => &function.access,
    };
    for access in access {
        let address = match &access.address {
            AddressSource::Object(object) => object_address_of(object, signers, who, args),
            // `Any`, and (only in unverified specs) a parameter that is not
            // an address: every address of the type, which over-approximates.
            named => named_address(named, signers, who, args),
        };
        let key = match (address, &access.index) {
            (Some(address), None) => AccessKey::Exact(ResourceKey { address, ty: access.ty }),
            // An entry of keyed storage: at the address derived from the
            // anchor and the index, exactly as the VM derives it.
            (Some(anchor), Some(index)) => match index_value(index, signers, who, args) {
                Some(index) => AccessKey::Exact(ResourceKey { address: keyed_address(&anchor, &index), ty: access.ty }),
                None => AccessKey::AnyOf(access.ty),
            },
            // `*` in either place: every entry (or resource) of the type;
            // a keyed access's type is the keyed id, so this is every entry,
            // apart from the type's plain resources.
            (None, _) => AccessKey::AnyOf(access.ty),
        };
        // A key declared twice gets the weakest mode covering both (a read
        // and an add of one key need a write).
        match keys.0.iter_mut().find(|k| k.key == key) {
            Some(existing) => existing.mode = existing.mode.join(access.mode),
            None => keys.0.push(KeyAccess { mode: access.mode, key }),
        }
    }
    if !keys.0.is_sorted() {
        keys.0.sort_unstable();
    }
}
