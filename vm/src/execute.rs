//! Transaction execution: the entry point executors and tools call.
//!
//! A transaction names an entry function. Its leading `signer`/`&signer`
//! parameters receive the sender; `args` must match the rest in count and
//! type, or the transaction does not start ([`Status::InvalidArguments`], no
//! gas charged). It then runs against a [`StateView`] under its declared keys
//! and returns a [`Receipt`]: on success the events and the write set, on any
//! failure neither, and always the gas used (the whole limit when it ran out).

use crate::gas::Metering;
use crate::interpreter::{self, Invocation};
use crate::loader::{self, CodeCache, EntryHandle, LoadError, ResolvedEntry, Signers};
use crate::transaction::{BlockContext, Receipt, Status, Transaction};
use resin_format::file_format::{AccountAddress, Module};
use resin_state::keys::DeclaredKeys;
use resin_state::store::{ResourceStore, StateView};
use resin_state::value::Value;
use resin_state::WriteSet;

/// Executes `tx` in `block` under the keys its entry function's access
/// spec declares.
pub fn execute_transaction<V: StateView + ?Sized>(
    code: &CodeCache,
    view: &V,
    tx: &Transaction,
    block: BlockContext,
) -> Receipt {
    execute_metered(code, view, tx, block, Metering::PerBlock)
}

/// [`execute_transaction`] with base gas charged as `metering` says: the
/// receipt is the same either way, which tests and fuzzers check by
/// running both.
pub fn execute_metered<V: StateView + ?Sized>(
    code: &CodeCache,
    view: &V,
    tx: &Transaction,
    block: BlockContext,
    metering: Metering,
) -> Receipt {
    match loader::resolve_entry(code, tx) {
        Ok(entry) => {
            let mut keys = DeclaredKeys::default();
            loader::instantiate_into(
                entry.function,
                entry.instance.as_deref(),
                Signers::sender(tx.sender),
                &tx.args,
                &mut keys,
            );
            interpreter::receipt_of(Invocation::of(&entry, view, &keys, tx, block), metering, &mut Vec::new())
        }
        Err(reason) => not_started(Status::InvalidArguments { reason }),
    }
}

/// Executes `tx` under `keys`, which a scheduler computed with
/// [`loader::declared_keys`] (a narrower set makes accesses outside it fail
/// with [`Status::AccessViolation`]).
pub fn execute_with_keys<V: StateView + ?Sized>(
    code: &CodeCache,
    view: &V,
    tx: &Transaction,
    block: BlockContext,
    keys: &DeclaredKeys,
) -> Receipt {
    execute_entry(code, view, tx, block, None, keys)
}

/// [`execute_with_keys`] through `entry`, the handle [`loader::resolve_keys`]
/// returned with `keys` for `tx`: the entry function is found without looking
/// its names up again. The receipt is [`execute_with_keys`]'s whatever the
/// handle: one that does not name `tx`'s function in `code` is passed over
/// for a lookup by name ([`loader::EntryHandle`]), as is `None`.
pub fn execute_entry<V: StateView + ?Sized>(
    code: &CodeCache,
    view: &V,
    tx: &Transaction,
    block: BlockContext,
    entry: Option<EntryHandle>,
    keys: &DeclaredKeys,
) -> Receipt {
    match loader::resolve_entry_at(code, tx, entry) {
        Ok(entry) => {
            interpreter::receipt_of(Invocation::of(&entry, view, keys, tx, block), Metering::PerBlock, &mut Vec::new())
        }
        Err(reason) => not_started(Status::InvalidArguments { reason }),
    }
}

/// [`execute_with_keys`] through `entry`, which [`loader::resolve_keys`] (or
/// a [`loader::Resolver`]) returned with `keys` for this very `tx` against
/// this `code`: the function is not looked up and the transaction's type
/// arguments and arguments are not checked again, as they passed then.
/// This is for an executor that resolved the block it runs itself; keys
/// from anywhere else go through [`execute_entry`], which takes the handle
/// as a hint only. An entry that cannot be this transaction's in `code`
/// (see `loader::resolved_entry`) is passed over for a lookup by name.
pub fn execute_resolved<V: StateView + ?Sized>(
    code: &CodeCache,
    view: &V,
    tx: &Transaction,
    block: BlockContext,
    entry: &ResolvedEntry,
    keys: &DeclaredKeys,
) -> Receipt {
    let Some((module, function, instance)) = loader::resolved_entry(code, tx, entry) else {
        return execute_entry(code, view, tx, block, Some(entry.handle()), keys);
    };
    // The keys came with `entry` for this very transaction (the contract
    // above): keyed entries are found among them without a hash.
    let call = Invocation::of_function(module, function, instance, view, keys, tx, block).with_instantiated_keys();
    interpreter::receipt_of(call, Metering::PerBlock, &mut Vec::new())
}

/// [`execute_transaction`] with the entry function's leading signer
/// parameters signed by `signers`, in order (the sender signs any past
/// the list), each access at a signer's address keyed by that signer: for
/// test runners, whose tests sign as several accounts. A chain's
/// transactions have one signer and never come here.
pub fn execute_as_signers<V: StateView + ?Sized>(
    code: &CodeCache,
    view: &V,
    tx: &Transaction,
    block: BlockContext,
    signers: &[AccountAddress],
) -> Receipt {
    match loader::resolve_entry(code, tx) {
        Ok(entry) => {
            let who = Signers { sender: tx.sender, each: signers };
            let mut keys = DeclaredKeys::default();
            loader::instantiate_into(entry.function, entry.instance.as_deref(), who, &tx.args, &mut keys);
            let mut call = Invocation::of(&entry, view, &keys, tx, block);
            call.signers = who;
            interpreter::receipt_of(call, Metering::PerBlock, &mut Vec::new())
        }
        Err(reason) => not_started(Status::InvalidArguments { reason }),
    }
}

/// The result of [`call_function`]: the receipt (whose write set the caller
/// may apply or drop) and the function's return values on success.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CallOutcome {
    pub receipt: Receipt,
    pub returns: Vec<Value>,
}

/// Calls any public or entry function, like a transaction, and also returns
/// its results: for read-only queries from tools, tests and the REPL
/// (`coin::balance(@0xA)`). Keys are instantiated from its access spec.
pub fn call_function<V: StateView + ?Sized>(
    code: &CodeCache,
    view: &V,
    tx: &Transaction,
    block: BlockContext,
) -> CallOutcome {
    let entry = match loader::resolve_call(code, tx) {
        Ok(found) => found,
        Err(reason) => {
            return CallOutcome { receipt: not_started(Status::InvalidArguments { reason }), returns: Vec::new() }
        }
    };
    let keys = loader::instantiate(entry.function, entry.instance.as_deref(), tx.sender, &tx.args);
    let outcome = interpreter::invoke(Invocation::of(&entry, view, &keys, tx, block), Metering::PerBlock);
    CallOutcome { receipt: outcome.receipt, returns: outcome.returns }
}

fn not_started(status: Status) -> Receipt {
    Receipt { status, gas_used: 0, events: Vec::new(), write_set: WriteSet::default() }
}

/// Code and resources together, applying each transaction's writes as it
/// goes: the sequential reference semantics, and a convenience for tests,
/// the CLI and the REPL. Cloning is cheap (both halves are persistent maps).
#[derive(Clone, Default)]
pub struct World {
    pub code: CodeCache,
    pub resources: ResourceStore,
    /// The block every transaction and call runs in (scripts and the REPL
    /// set it; zero, zero by default).
    pub block: BlockContext,
}

impl World {
    pub fn new() -> Self {
        Self::default()
    }

    /// Publishes a module of anyone's ([`CodeCache::publish`]).
    pub fn publish(&mut self, module: Module) -> Result<(), LoadError> {
        self.code.publish(module)
    }

    /// Replaces a published module by a compatible one, or publishes it
    /// ([`CodeCache::upgrade_with`]).
    pub fn upgrade(&mut self, module: Module) -> Result<(), LoadError> {
        self.code.upgrade_with(module, loader::Publisher::Anyone, loader::Verification::Verify)
    }

    /// Publishes a standard library module, which may go to the reserved
    /// address ([`CodeCache::publish_stdlib`]).
    pub fn publish_stdlib(&mut self, module: Module) -> Result<(), LoadError> {
        self.code.publish_stdlib(module)
    }

    /// Publishes a module of a test build, which may hold the test-only
    /// instructions ([`loader::Verification::VerifyTestBuild`]): only for
    /// the world a unit test runs in.
    pub fn publish_test_build(&mut self, module: Module, publisher: loader::Publisher) -> Result<(), LoadError> {
        self.code.publish_with(module, publisher, loader::Verification::VerifyTestBuild)
    }

    /// Executes `tx` and applies its write set (empty unless it succeeded).
    pub fn execute(&mut self, tx: &Transaction) -> Receipt {
        let receipt = execute_transaction(&self.code, &self.resources, tx, self.block);
        self.resources.apply(&receipt.write_set);
        receipt
    }

    /// Runs a function for its return values without applying its writes.
    pub fn call(&self, tx: &Transaction) -> CallOutcome {
        call_function(&self.code, &self.resources, tx, self.block)
    }

    /// blake3 over the resource root and the code root
    /// ([`CodeCache::root`]: every published module's id and content hash),
    /// so two worlds agree only when both their state and their code agree.
    pub fn root(&mut self) -> [u8; 32] {
        let mut hasher = blake3::Hasher::new();
        hasher.update(&self.resources.root());
        hasher.update(&self.code.root());
        *hasher.finalize().as_bytes()
    }
}
