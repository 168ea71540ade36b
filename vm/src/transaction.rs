//! Transactions and their receipts.

use internment::Intern;
use serde::{Deserialize, Serialize};

use resin_format::file_format::{AccessMode, AccountAddress, ModuleId};
use resin_state::keys::{AccessKey, ResourceKey, TypeId};
use resin_state::type_tag::TypeTag;
use resin_state::value::Value;
use resin_state::WriteSet;

/// A call of an entry function. Leading `signer`/`&signer` parameters are
/// filled with the sender; `args` supply the rest; `type_args` instantiate
/// a generic entry function (`coin::transfer<0x2::usd::USD>`).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Transaction {
    pub sender: AccountAddress,
    pub module: ModuleId,
    pub function: String,
    pub args: Vec<Value>,
    pub gas_limit: u64,
    /// Empty for a function that is not generic. Last and defaulted, so
    /// transactions serialized before generics still decode (self-describing
    /// formats; postcard reads fields in order and needs the field present).
    #[serde(default)]
    pub type_args: Vec<TypeTag>,
}

/// The block a transaction runs in, as its code sees it
/// (`block_timestamp`, `block_height`): the same for every transaction of a
/// block, given to the VM by whoever runs the block, so reading it never
/// conflicts with anything. Tools and tests that run outside a block use
/// the default (zero, zero).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
pub struct BlockContext {
    /// Seconds, as the block's producer set it.
    pub timestamp: u64,
    pub height: u64,
}

/// Where execution stopped: module, function and code offset.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct Location {
    pub module: ModuleId,
    pub function: String,
    pub offset: u16,
}

/// A runtime failure that is not an explicit `abort`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub enum RuntimeErrorKind {
    ArithmeticOverflow,
    DivisionByZero,
    CastOutOfRange,
    ShiftTooLarge,
    IndexOutOfBounds,
    PopEmptyVector,
    /// `vec_unpack` of a vector of another length than the instruction's,
    /// or `vec_destroy_empty` of a vector that is not empty.
    VectorLengthMismatch,
    ResourceMissing,
    ResourceAlreadyExists,
    /// A reference whose target was moved away, or an empty local read.
    /// Unreachable for verified code (the verifier proves reference
    /// safety); kept as a defensive fault.
    DanglingReference,
    CallDepthExceeded,
    /// `vec_push_back` onto a vector that already holds the most elements a
    /// vector may hold (`MAX_VECTOR_LEN`).
    VectorTooLong,
    /// A resource written to storage, or an event, whose canonical encoding
    /// is over `MAX_VALUE_SIZE` bytes.
    ValueTooLarge,
    /// The code broke an invariant the bytecode verifier guarantees (a value
    /// of the wrong type on the stack, an index out of its table). Published
    /// code is verified, so this reports an engine bug instead of a panic.
    InvariantViolation,
    /// A generic function instantiated at run time with a type over the
    /// format's limits on types (a generic function calling itself with an
    /// ever larger type argument).
    TypeTooLarge,
    /// A `counter_add` whose sum would exceed the counter field's type's
    /// maximum; `resource` names the counter's type (the location names the
    /// instruction, whose operands name the address). As with every
    /// failure, nothing the transaction wrote survives. The type, not the
    /// whole key: the kind rides in every handler's result, which stays two
    /// words.
    CounterOverflow {
        resource: TypeId,
    },
}

#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
///
/// Where and about what a transaction failed is boxed: a block's receipts
/// are mostly successes, and each is moved several times on its way to the
/// block's output, so the rare failure's details should not widen them all
/// (a status is 32 bytes instead of 152).
pub enum Status {
    Success,
    /// `abort code` or a failed `assert!`.
    Aborted {
        code: u64,
        location: Box<Location>,
    },
    RuntimeError {
        kind: RuntimeErrorKind,
        location: Box<Location>,
        /// The resource the error is about, for `ResourceMissing` and
        /// `ResourceAlreadyExists` (the type and the address, so a message
        /// can name both); `None` for the other kinds.
        #[serde(default)]
        resource: Option<Box<ResourceKey>>,
    },
    /// The gas limit was reached; the whole limit is charged.
    OutOfGas {
        location: Box<Location>,
    },
    /// A global access outside the transaction's declared keys.
    AccessViolation {
        mode: AccessMode,
        key: Box<ResourceKey>,
        location: Box<Location>,
    },
    /// The transaction could not start: unknown function, not an entry
    /// function, wrong argument count or types, a vector argument over the
    /// length limit, or a gas limit over `MAX_GAS_LIMIT`.
    InvalidArguments {
        reason: String,
    },
}

// Every receipt carries a status; keep the rare variants' details boxed.
const _: () = assert!(std::mem::size_of::<Status>() <= 32);

impl Status {
    pub fn is_success(&self) -> bool {
        matches!(self, Status::Success)
    }
}

/// An event emitted by a transaction.
///
/// Its module and name are interned ([`Intern`]): the loader interns them
/// once per struct and instantiation, and an event copies two pointers. As
/// owned strings they were two allocations per event (of an NFT mint's
/// ~8.5), and blocks of mints or swaps ran 1-5% slower. A reference count
/// would not do instead: every lane's events would update the same count on
/// one cache line. What is interned is never freed: one copy of each module
/// id and struct name (with its type arguments, for an instantiation) the
/// loaded code has, however many events name it.
///
/// Interned values compare and hash by pointer, which within a process is
/// the same as by value; they serialize as the values they hold.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct Event {
    pub module: Intern<ModuleId>,
    pub name: Intern<String>,
    pub value: Value,
}

impl Event {
    /// An event of struct `name` of `module` (interning both: for callers
    /// outside the VM, such as tests; the VM interns at load time).
    pub fn new(module: &ModuleId, name: &str, value: Value) -> Event {
        Event { module: Intern::new(module.clone()), name: Intern::from_ref(name), value }
    }
}

#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct Receipt {
    pub status: Status,
    pub gas_used: u64,
    /// Empty unless the transaction succeeded.
    pub events: Vec<Event>,
    pub write_set: WriteSet,
}

/// An instantiated key that the VM or scheduler may print: an entry of
/// keyed storage whose address this process derived as `ty@anchor[index]`.
pub fn describe_key(key: &AccessKey) -> String {
    match key {
        AccessKey::Exact(k) => match resin_state::keys::keyed_origin(&k.address) {
            Some((anchor, index)) => format!("{:?}@{anchor}[{index:?}]", k.ty),
            None => format!("{:?}@{}", k.ty, k.address),
        },
        AccessKey::AnyOf(ty) => format!("{ty:?}@*"),
    }
}
