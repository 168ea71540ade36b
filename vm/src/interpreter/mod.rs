//! The interpreter: a plain `loop { match op }` over the instructions of
//! loaded functions.
//!
//! At load time each function's instructions are translated one for one into
//! compact [`ops`] (operands narrowed, names already resolved), and common
//! reference sequences are fused into single ops ([`fused`]) that keep gas
//! and fault locations exactly as the instructions would have them.
//!
//! State lives in flat vectors reused across frames and across transactions
//! (kept per thread): one operand stack, one vector of local slots (each
//! frame owns a window of it starting at its `base`), and the working set of
//! resources. Handlers are grouped by category, as in revm: [`arithmetic`],
//! [`control`], [`locals`], [`references`], [`structs`], [`vectors`],
//! [`globals`]. Every failure is a [`Fault`] that the loop locates at the
//! current module, function and code offset.
//!
//! Hot paths read and write primitives in place on the stack rather than
//! moving whole 48-byte slots: a slot written with narrow stores (a tag and
//! a `u64`) and then copied with wide loads stalls store-to-load forwarding,
//! which measured as the single largest cost of the first version.

mod arithmetic;
mod control;
mod fused;
mod fusion;
mod globals;
mod locals;
mod machine;
mod ops;
mod references;
mod slot;
mod structs;
mod type_info;
mod vectors;

#[cfg(test)]
mod tests;

use std::cell::Cell;

use crate::gas::{Metering, OutOfGas};
use crate::loader::{Entry, Instance, KeySpecs, LoadedFunction, LoadedModule, Signers};
use crate::transaction::{BlockContext, Receipt, RuntimeErrorKind, Status};
use resin_format::file_format::AccessMode;
use resin_state::keys::{DeclaredKeys, ResourceKey};
use resin_state::store::StateView;
use resin_state::value::Value;
use resin_state::WriteSet;

pub(crate) use ops::compile;
pub use ops::Compiled;
pub(crate) use slot::Slot;

/// The deepest call stack a transaction may build, the entry function included.
pub const MAX_CALL_DEPTH: usize = 256;

/// Why execution stopped early, before it is located.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Fault {
    Runtime(RuntimeErrorKind),
    Abort(u64),
    OutOfGas,
    /// Boxed: rare, and it would double the size of every handler's result.
    Access(Box<(AccessMode, ResourceKey)>),
    /// A runtime error about one resource (missing, already there), which
    /// the receipt names. Boxed for the same reason.
    Resource(Box<(RuntimeErrorKind, ResourceKey)>),
}

impl From<OutOfGas> for Fault {
    #[inline]
    fn from(_: OutOfGas) -> Self {
        Fault::OutOfGas
    }
}

/// A broken invariant that the verifier guarantees for published code.
#[cold]
pub(crate) fn invariant() -> Fault {
    Fault::Runtime(RuntimeErrorKind::InvariantViolation)
}

#[cold]
pub(crate) fn dangling() -> Fault {
    Fault::Runtime(RuntimeErrorKind::DanglingReference)
}

#[inline]
pub(crate) fn runtime(kind: RuntimeErrorKind) -> Fault {
    Fault::Runtime(kind)
}

/// A runtime error about the resource `key`.
#[cold]
pub(crate) fn resource_fault(kind: RuntimeErrorKind, key: ResourceKey) -> Fault {
    Fault::Resource(Box::new((kind, key)))
}

/// The flat vectors a transaction runs in, kept per thread so that a
/// transaction allocates nothing for them once a thread has warmed up.
#[derive(Default)]
pub(crate) struct Scratch {
    stack: Vec<Slot>,
    locals: Vec<Slot>,
    slots: Vec<globals::GlobalSlot>,
}

impl Scratch {
    fn never_allocated(&self) -> bool {
        self.stack.capacity() == 0 && self.locals.capacity() == 0 && self.slots.capacity() == 0
    }
}

thread_local! {
    static SCRATCH: Cell<Scratch> = Cell::new(Scratch::default());
}

/// What one invocation produced.
pub(crate) struct Outcome {
    pub receipt: Receipt,
    /// The function's return values, when it succeeded.
    pub returns: Vec<Value>,
}

/// Runs `call`, enforcing its keys on every global access.
///
/// With [`Metering::PerBlock`], base gas is charged per basic block. A
/// transaction that runs out of gas is run again charging each instruction
/// as it starts, so that its receipt names the instruction where the gas
/// ran out, not the start of the block it could not pay for: every receipt
/// is the per-instruction one, and only such a transaction (which pays its
/// whole limit) runs twice.
pub(crate) fn invoke<V: StateView + ?Sized>(call: Invocation<'_, V>, metering: Metering) -> Outcome {
    let mut returns = Vec::new();
    let receipt = receipt_of(call, metering, &mut returns);
    Outcome { receipt, returns }
}

/// [`invoke`]'s receipt alone, the function's return values (if it
/// succeeded) left in `returns`: a transaction's caller wants only the
/// receipt, and a receipt (~300 bytes) wrapped in an [`Outcome`] was
/// copied once more on its way to the lane's receipts.
pub(crate) fn receipt_of<V: StateView + ?Sized>(
    call: Invocation<'_, V>,
    metering: Metering,
    returns: &mut Vec<Value>,
) -> Receipt {
    // Taking the scratch leaves empty vectors behind, so a nested or
    // re-entrant call on this thread still works (it just allocates).
    let mut scratch = SCRATCH.with(Cell::take);
    let blocks = metering == Metering::PerBlock;
    let mut receipt =
        if blocks { call.run::<true>(&mut scratch, returns) } else { call.run::<false>(&mut scratch, returns) };
    if blocks && matches!(receipt.status, Status::OutOfGas { .. }) {
        receipt = call.run::<false>(&mut scratch, returns);
    }
    let left = SCRATCH.with(|cell| cell.replace(scratch));
    // What `take` left never allocated, so forgetting it frees nothing;
    // dropping it was three calls into `Vec`'s drop glue per transaction.
    // What a nested call put back is dropped as usual.
    if left.never_allocated() {
        std::mem::forget(left);
    }
    receipt
}

/// What [`invoke`] runs: `function` of `module` for `sender` with `args`
/// (the arguments after the leading signers, already checked against the
/// signature) against `view`, under `keys`.
pub(crate) struct Invocation<'a, V: StateView + ?Sized> {
    pub module: &'a LoadedModule,
    pub function: &'a LoadedFunction,
    /// The instance of a generic `function`.
    pub instance: Option<&'a Instance>,
    pub view: &'a V,
    pub keys: &'a DeclaredKeys,
    pub signers: Signers<'a>,
    pub args: &'a [Value],
    pub gas_limit: u64,
    pub block: BlockContext,
    /// Whether `keys` were instantiated from this very call
    /// ([`Invocation::with_instantiated_keys`]): keyed entries are then
    /// found among them without a hash.
    pub keys_instantiated: bool,
}

impl<'a, V: StateView + ?Sized> Invocation<'a, V> {
    /// `tx`'s call of `function` of `module`.
    pub fn of(
        entry: &'a Entry<'a>,
        view: &'a V,
        keys: &'a DeclaredKeys,
        tx: &'a crate::transaction::Transaction,
        block: BlockContext,
    ) -> Self {
        Self::of_function(entry.module, entry.function, entry.instance.as_deref(), view, keys, tx, block)
    }

    /// `tx`'s call of `function` of `module` (as `instance`, when generic),
    /// resolved by the caller.
    pub fn of_function(
        module: &'a LoadedModule,
        function: &'a LoadedFunction,
        instance: Option<&'a Instance>,
        view: &'a V,
        keys: &'a DeclaredKeys,
        tx: &'a crate::transaction::Transaction,
        block: BlockContext,
    ) -> Self {
        Invocation {
            module,
            function,
            instance,
            view,
            keys,
            signers: Signers::sender(tx.sender),
            args: &tx.args,
            gas_limit: tx.gas_limit,
            block,
            keys_instantiated: false,
        }
    }

    /// This call, its keys known to be instantiated from its entry
    /// function's access spec (its `instance`'s) and its own arguments, by
    /// a caller that did so itself (`crate::execute_resolved`'s contract).
    pub fn with_instantiated_keys(self) -> Self {
        Invocation { keys_instantiated: true, ..self }
    }

    /// What the keys were instantiated from, when they were from this call.
    /// Made when a keyed instruction asks, not with every run: a transfer
    /// has no keyed entry to find.
    fn key_specs(&self) -> Option<KeySpecs<'a>> {
        if !self.keys_instantiated {
            return None;
        }
        let access = match self.instance {
            Some(instance) => &instance.access[..],
            None => &self.function.access[..],
        };
        let signers = self.function.signature.signers.len();
        Some(KeySpecs { access, signers, who: self.signers, args: self.args })
    }

    /// One run on a fresh machine built from `scratch`, which it leaves
    /// emptied. `BLOCKS`: see `Machine::run`.
    #[inline(always)]
    fn run<const BLOCKS: bool>(&self, scratch: &mut Scratch, returns: &mut Vec<Value>) -> Receipt {
        let gas_limit = self.gas_limit;
        let mut machine =
            machine::Machine::new(self.view, self.keys, self, gas_limit, self.block, std::mem::take(scratch));
        machine.globals.prefetch();
        let receipt =
            match machine.run_entry::<BLOCKS>(self.module, self.function, self.instance, self.signers, self.args) {
                Ok((values, last)) => match machine.globals.finish(&mut machine.gas) {
                    Ok(write_set) => {
                        *returns = values;
                        Receipt {
                            status: Status::Success,
                            gas_used: machine.gas.used(),
                            events: std::mem::take(&mut machine.events),
                            write_set,
                        }
                    }
                    Err(Fault::Runtime(kind)) => failed(
                        Status::RuntimeError { kind, location: Box::new(last.location()), resource: None },
                        machine.gas.used(),
                    ),
                    Err(_) => failed(Status::OutOfGas { location: Box::new(last.location()) }, gas_limit),
                },
                Err((fault, location)) => {
                    let location = Box::new(location);
                    let status = match fault {
                        Fault::Runtime(kind) => Status::RuntimeError { kind, location, resource: None },
                        Fault::Resource(fault) => {
                            let (kind, key) = *fault;
                            Status::RuntimeError { kind, location, resource: Some(Box::new(key)) }
                        }
                        Fault::Abort(code) => Status::Aborted { code, location },
                        Fault::OutOfGas => Status::OutOfGas { location },
                        Fault::Access(access) => {
                            Status::AccessViolation { mode: access.0, key: Box::new(access.1), location }
                        }
                    };
                    let gas_used =
                        if matches!(status, Status::OutOfGas { .. }) { gas_limit } else { machine.gas.used() };
                    failed(status, gas_used)
                }
            };
        // The vectors go back, emptied, in place of the empty ones `take`
        // left in `scratch`; the rest of the machine is dropped here.
        let machine::Machine { stack, mut locals, globals, .. } = machine;
        let mut stack = stack.0;
        slot::truncate(&mut stack, 0);
        slot::truncate(&mut locals, 0);
        put_back(&mut scratch.stack, stack);
        put_back(&mut scratch.locals, locals);
        put_back(&mut scratch.slots, globals.into_slots());
        receipt
    }
}

/// Puts `vector` in `place`. What was there is forgotten when it never
/// allocated (the empty vector `take` left), which frees nothing: dropping
/// it was a call into `Vec`'s drop glue, three per transaction.
#[inline(always)]
fn put_back<T>(place: &mut Vec<T>, vector: Vec<T>) {
    let old = std::mem::replace(place, vector);
    if old.capacity() == 0 {
        std::mem::forget(old);
    }
}

fn failed(status: Status, gas_used: u64) -> Receipt {
    Receipt { status, gas_used, events: Vec::new(), write_set: WriteSet::default() }
}
