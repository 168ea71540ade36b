//! decode → verify → publish → call.
//!
//! The first input byte picks how the module is made: decoded from the rest
//! of the input (raw bytes), generated whole by `arbitrary`, or a seed module
//! with a few structure-aware [`edits`](super::edits). Then, for any module:
//!
//! - encoding round-trips (`decode(encode(m)) == m` within the limits), and
//!   the disassembler prints it;
//! - a module that verifies assembles back from its disassembly;
//! - publishing it fails only with a load error, never with a verifier error
//!   the verifier did not report;
//! - its entry functions, called with generated arguments as one block, give
//!   the same receipts and state root on the sequential and the parallel
//!   executor; no receipt reports an invariant violation (verified code never
//!   breaks the interpreter's invariants); no transaction uses more gas than
//!   its limit; every value written is within the value limits and survives
//!   the canonical encoding;
//! - each call, run alone on the starting state at its own gas limit and at
//!   limits around what it used, gets the same receipt with base gas metered
//!   per basic block (what the executors run) as metered per instruction.

use std::sync::{Mutex, OnceLock};

use arbitrary::{Arbitrary, Unstructured};
use resin_format::encoding::limits::{check_limits, MAX_MODULE_SIZE, MAX_VALUE_DEPTH, MAX_VALUE_SIZE};
use resin_format::encoding::{decode_module, encode_module, DecodeError};
use resin_format::Module;
use resin_scheduler::{BlockExecutor, ParallelExecutor, SequentialExecutor};
use resin_state::store::ResourceStore;
use resin_vm::loader::{Publisher, ResolvedType, Verification};
use resin_vm::{
    execute_metered, AccountAddress, BlockContext, CodeCache, LoadError, Metering, RuntimeErrorKind, Status,
    Transaction, Value,
};

use super::edits::{apply, Edit};

/// Senders and address arguments: a few fixed accounts, so calls meet each
/// other's resources.
const ACCOUNTS: [u64; 4] = [0xA, 0xB, 0xC, 0x1];

/// The code and state every run starts from: the standard library, and the
/// accounts registered and funded in its coin.
fn base() -> &'static (CodeCache, ResourceStore) {
    static BASE: OnceLock<(CodeCache, ResourceStore)> = OnceLock::new();
    BASE.get_or_init(|| {
        let mut world = resin_vm::World::new();
        for module in resin_stdlib::modules().unwrap_or_default() {
            let _ = world.publish_stdlib(module.clone());
        }
        let coin = resin_vm::ModuleId::new(AccountAddress::from_u64(1), "coin");
        for account in ACCOUNTS {
            for (function, args) in [("register", vec![]), ("mint", vec![Value::U64(1000)])] {
                let sender = AccountAddress::from_u64(account);
                let tx = crate::workload::coin_call(&coin, function, sender, args);
                world.execute(&tx);
            }
        }
        (world.code, world.resources)
    })
}

/// One parallel executor (and its two-thread pool) for every run.
fn parallel() -> &'static Mutex<ParallelExecutor> {
    static PARALLEL: OnceLock<Mutex<ParallelExecutor>> = OnceLock::new();
    PARALLEL.get_or_init(|| Mutex::new(ParallelExecutor::new(2).unwrap_or_else(|e| panic!("thread pool: {e}"))))
}

/// How far one input got: for judging a corpus (see fuzz/README.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reached {
    /// No module: the bytes did not decode, or generation ran out of input.
    Nothing,
    /// A module that does not verify.
    Module,
    /// A verified module that does not publish (a link error).
    Verified,
    /// Published, with no entry function to call.
    Published,
    /// Entry functions ran as a block on both executors.
    Executed,
}

/// Runs the harness on one input.
pub fn run(data: &[u8]) {
    reach(data);
}

/// [`run`], saying how far the input got.
pub fn reach(data: &[u8]) -> Reached {
    let mut u = Unstructured::new(data);
    let Ok(mode) = u.arbitrary::<u8>() else { return Reached::Nothing };
    let module = match mode % 4 {
        0 => match u.bytes(u.len()).map(decode_module) {
            Ok(Ok(module)) => module,
            _ => return Reached::Nothing,
        },
        1 => match Module::arbitrary(&mut u) {
            Ok(module) => module,
            Err(_) => return Reached::Nothing,
        },
        _ => match mutated_seed(&mut u) {
            Some(module) => module,
            None => return Reached::Nothing,
        },
    };
    check_encoding(&module);
    let text = resin_format::disasm::disassemble(&module);
    if resin_verifier::verify_module(&module).is_err() {
        return Reached::Module;
    }
    match resin_format::assembler::assemble(&text) {
        // Assembly has no debug section: the code must come back.
        Ok(back) => assert!(back == module.without_debug(), "a verified module does not assemble back from:\n{text}"),
        Err(e) => panic!("the disassembly of a verified module does not assemble: {e}\n{text}"),
    }
    let (base_code, genesis) = base();
    let mut code = base_code.clone();
    let Some(id) = module.self_id().cloned() else { return Reached::Module };
    match code.publish_with(module, Publisher::StandardLibrary, Verification::Verify) {
        Ok(()) => {}
        Err(LoadError::Verify(e)) => panic!("publishing found a verifier error the verifier did not: {e}"),
        Err(_) => return Reached::Verified,
    }
    let Some(loaded) = code.loaded(&id) else { return Reached::Verified };
    let entries: Vec<(String, Vec<ResolvedType>)> = loaded
        .functions()
        .iter()
        .filter(|f| f.is_entry && f.signature.unsupported.is_none())
        .map(|f| (f.name.clone(), f.signature.args.clone()))
        .collect();
    if entries.is_empty() {
        return Reached::Published;
    }
    let mut block = Vec::new();
    while block.len() < 6 && !u.is_empty() {
        let Ok(pick) = u.choose(&entries) else { break };
        let Some(tx) = transaction(&mut u, &id, pick) else { break };
        block.push(tx);
    }
    if block.is_empty() {
        // No input left to choose calls with: each entry once, with zeros.
        let mut zeros = Unstructured::new(&[]);
        block.extend(entries.iter().filter_map(|entry| transaction(&mut zeros, &id, entry)));
    }
    run_block(&code, genesis, &block);
    Reached::Executed
}

/// A seed module with up to eight edits.
fn mutated_seed(u: &mut Unstructured<'_>) -> Option<Module> {
    let mut module = u.choose(super::seeds::modules()).ok()?.clone();
    let edits = u.int_in_range(1..=8u8).ok()?;
    for _ in 0..edits {
        apply(&mut module, Edit::arbitrary(u).ok()?);
    }
    Some(module)
}

/// Within the limits, a module's code decodes to itself after encoding; with
/// its debug section (arbitrary, or a seed's that edits left naming code no
/// longer there) it decodes to itself or fails on the section alone.
fn check_encoding(module: &Module) {
    if check_limits(module).is_err() {
        return;
    }
    let code = module.without_debug();
    let bytes = encode_module(&code);
    if bytes.len() <= MAX_MODULE_SIZE {
        match decode_module(&bytes) {
            Ok(back) => assert!(back == code, "decode(encode(m)) differs from m"),
            Err(e) => panic!("a module within the limits does not decode after encoding: {e}"),
        }
    }
    let bytes = encode_module(module);
    if module.debug.is_some() && bytes.len() <= MAX_MODULE_SIZE {
        match decode_module(&bytes) {
            Ok(back) => assert!(back == *module, "decode(encode(m)) differs from m with its debug section"),
            Err(DecodeError::BadDebugInfo { .. }) => {}
            Err(e) => panic!("a module within the limits fails to decode outside its debug section: {e}"),
        }
    }
}

fn transaction(
    u: &mut Unstructured<'_>,
    id: &resin_vm::ModuleId,
    entry: &(String, Vec<ResolvedType>),
) -> Option<Transaction> {
    let sender = AccountAddress::from_u64(*u.choose(&ACCOUNTS).ok()?);
    let args = entry.1.iter().map(|ty| argument(u, ty, 0)).collect::<Option<Vec<_>>>()?;
    let gas_limit = if u.is_empty() { 100_000 } else { u.int_in_range(0..=200_000u64).ok()? };
    Some(Transaction { sender, module: id.clone(), function: entry.0.clone(), args, gas_limit, type_args: Vec::new() })
}

/// A value of an argument type (primitives and vectors of them).
fn argument(u: &mut Unstructured<'_>, ty: &ResolvedType, depth: usize) -> Option<Value> {
    Some(match ty {
        ResolvedType::Bool => Value::Bool(u.arbitrary().ok()?),
        ResolvedType::U8 => Value::U8(u.arbitrary().ok()?),
        ResolvedType::U64 => Value::U64(u.arbitrary().ok()?),
        ResolvedType::U128 => Value::U128(u.arbitrary().ok()?),
        ResolvedType::U16 => Value::U16(u.arbitrary().ok()?),
        ResolvedType::U32 => Value::U32(u.arbitrary().ok()?),
        ResolvedType::U256 => Value::U256(resin_vm::U256::from_le_bytes(u.arbitrary().ok()?)),
        ResolvedType::Address => Value::Address(AccountAddress::from_u64(*u.choose(&ACCOUNTS).ok()?)),
        ResolvedType::Vector(elem) if depth < 8 => {
            let len = u.int_in_range(0..=8usize).ok()?;
            let items = (0..len).map(|_| argument(u, elem, depth + 1)).collect::<Option<_>>()?;
            // Both forms a byte vector can take: the bytes the CLI builds,
            // or a list of `U8`s built by hand.
            if u.arbitrary().ok()? {
                Value::vector(items)
            } else {
                Value::Vector(items)
            }
        }
        _ => return None,
    })
}

fn run_block(code: &CodeCache, genesis: &ResourceStore, block: &[Transaction]) {
    let mut sequential_state = genesis.clone();
    let sequential =
        SequentialExecutor::new().execute_block(code, &mut sequential_state, block, BlockContext::default());
    let mut parallel_state = genesis.clone();
    let parallel = match parallel().lock() {
        Ok(mut executor) => executor.execute_block(code, &mut parallel_state, block, BlockContext::default()),
        Err(poisoned) => poisoned.into_inner().execute_block(code, &mut parallel_state, block, BlockContext::default()),
    };
    assert!(sequential.receipts == parallel.receipts, "the executors disagree on receipts");
    for tx in block {
        same_receipt_metered_both_ways(code, genesis, tx);
    }
    assert_eq!(sequential.state_root, parallel.state_root, "the executors disagree on the state root");
    for (tx, receipt) in block.iter().zip(&sequential.receipts) {
        let broken = matches!(receipt.status, Status::RuntimeError { kind: RuntimeErrorKind::InvariantViolation, .. });
        assert!(!broken, "verified code broke an interpreter invariant: {:?}", receipt.status);
        assert!(receipt.gas_used <= tx.gas_limit, "gas {} over the limit {}", receipt.gas_used, tx.gas_limit);
        for op in &receipt.write_set.0 {
            let Some(value) = op.value() else { continue };
            assert!(value.depth() <= MAX_VALUE_DEPTH, "a value {} deep was written", value.depth());
            assert!(value.storage_size() <= MAX_VALUE_SIZE as u64, "a value over the size limit was written");
            let bytes = value.canonical_bytes();
            assert!(Value::from_canonical_bytes(&bytes).ok().as_ref() == Some(&**value), "a value does not round-trip");
            let _ = code.format_resource(op.key.ty, value);
        }
    }
}

/// [`Metering::PerBlock`] gives `tx` the receipt [`Metering::PerInstruction`]
/// does, at its own limit and at limits around what it used: just short of
/// it (running out inside a block), at it, and a little over (where a block
/// paid ahead can cost more than the transaction ends up using).
fn same_receipt_metered_both_ways(code: &CodeCache, state: &ResourceStore, tx: &Transaction) {
    let reference = execute_metered(code, state, tx, BlockContext::default(), Metering::PerInstruction);
    let used = reference.gas_used;
    let own = (tx.gas_limit, reference);
    let around = [used.saturating_sub(1), used, used.saturating_add(3)].into_iter().map(|limit| {
        let at = Transaction { gas_limit: limit, ..tx.clone() };
        (limit, execute_metered(code, state, &at, BlockContext::default(), Metering::PerInstruction))
    });
    for (limit, per_instruction) in std::iter::once(own).chain(around) {
        let at = Transaction { gas_limit: limit, ..tx.clone() };
        let per_block = execute_metered(code, state, &at, BlockContext::default(), Metering::PerBlock);
        assert!(
            per_block == per_instruction,
            "metering per block differs at gas limit {limit}: {per_block:?} against {per_instruction:?}"
        );
    }
}
