//! The syntax tree of the command language shared by scripts and the REPL.

use resin_vm::{AccountAddress, ModuleId};

/// A 1-based line and column in the script text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Span {
    pub line: u32,
    pub col: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spanned<T> {
    pub node: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(node: T, span: Span) -> Self {
        Spanned { node, span }
    }
}

/// One command and where it starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    pub kind: CommandKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CommandKind {
    Publish(PublishSource),
    Account {
        name: String,
        address: Option<AccountAddress>,
    },
    /// `account NAME = view MODULE::FUNCTION ARGS`: binds the name to the
    /// address a view returns (a pool's, a collection's object address).
    AccountOf {
        name: String,
        view: ViewSpec,
    },
    Accounts,
    Call(CallSpec),
    Block(Vec<CallSpec>),
    Transfers(TransfersSpec),
    Show(ShowTarget),
    Access(Spanned<FunctionRef>),
    Modules,
    Events {
        all: bool,
    },
    Root,
    /// `prove alice 0x1::coin::Balance`: a Merkle proof of the resource (or
    /// of its absence) against the state root.
    Prove(ResourceRef),
    Snapshot(String),
    Restore(String),
    Undo,
    Expect(Expectation),
    Help(Option<String>),
    /// `time`, `time T`, `time +N`: the block time of the following blocks.
    Time(Option<TimeChange>),
    /// `height`, `height H`: the height of the next block.
    Height(Option<u64>),
    /// `view MODULE::FUNCTION ARGS`: a public function's return values,
    /// committing nothing.
    View(ViewSpec),
}

/// `view MODULE::FUNCTION[<TYPES>] ARGS...`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ViewSpec {
    pub function: Spanned<FunctionRef>,
    pub args: Vec<Spanned<Literal>>,
}

/// How `time` changes the block time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeChange {
    /// `time T`: seconds since the epoch.
    Set(u64),
    /// `time +N`: N seconds later than now.
    Advance(u64),
}

/// What `show` prints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShowTarget {
    /// `show alice`: every resource at the account and every keyed entry
    /// anchored there.
    Account(Spanned<AddressRef>),
    /// `show token::Allowance@alice[bob]`: one keyed entry, or with no
    /// `[INDEX]` one plain resource.
    Resource(ResourceRef),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublishSource {
    /// A `.rsn` source or `.rbc` bytecode file, relative to the script's folder.
    Path(String),
    /// The standard library, or one module of it by name.
    Stdlib(Option<String>),
    /// A `module ... { }` written in the script; `span` is where `module` starts.
    Inline { text: String },
}

/// An account written as a name bound by `account`, or as an address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddressRef {
    Name(String),
    Literal(AccountAddress),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModuleRef {
    /// `0x1::coin`
    Qualified(ModuleId),
    /// `coin`: the only published module of that name.
    Short(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionRef {
    pub module: ModuleRef,
    pub name: String,
    /// `<..>` after the name: the type arguments of a generic function.
    pub type_args: Vec<TypeRef>,
}

/// A type as a script writes it; struct modules are resolved by the session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeRef {
    Bool,
    U8,
    U64,
    U128,
    U16,
    U32,
    U256,
    Address,
    Signer,
    Vector(Box<TypeRef>),
    Struct { module: ModuleRef, name: String, args: Vec<TypeRef> },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntSuffix {
    U8,
    U64,
    U128,
    U16,
    U32,
    U256,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Literal {
    Int {
        value: resin_vm::U256,
        suffix: Option<IntSuffix>,
    },
    Bool(bool),
    Address(AddressRef),
    Vector(Vec<Spanned<Literal>>),
    Bytes(Vec<u8>),
    /// `(alice, 7)`: the fields of a struct-built index, in order; only
    /// inside an index's brackets (a transaction's arguments are plain
    /// data, never a struct).
    Fields(Vec<Spanned<Literal>>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallSpec {
    pub sender: Spanned<AddressRef>,
    pub function: Spanned<FunctionRef>,
    pub args: Vec<Spanned<Literal>>,
    pub gas: Option<u64>,
    pub span: Span,
}

/// `transfers N between M accounts [amount A] [seed S] [hot] [module M]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransfersSpec {
    pub txs: u64,
    pub accounts: u64,
    pub amount: u64,
    pub seed: u64,
    /// Every transfer pays the first account: one hot key.
    pub hot: bool,
    pub module: Option<Spanned<ModuleRef>>,
}

/// A resource named by account and type: `alice 0x1::coin::Balance`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceRef {
    pub address: Spanned<AddressRef>,
    pub module: ModuleRef,
    pub resource: String,
    /// The type arguments of a generic resource (`Balance<usd::USD>`).
    pub type_args: Vec<TypeRef>,
    /// `[INDEX]` after the type: the keyed entry `Resource@account[INDEX]`
    /// rather than the plain resource at the account.
    pub index: Option<Spanned<Literal>>,
    /// Where the type is written.
    pub span: Span,
}

/// A check on the receipts of the previous `call`, `block` or `transfers`,
/// or on a stored value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expectation {
    Success,
    Abort(u64),
    /// `expect abort E_INSUFFICIENT`: an abort whose code the aborting
    /// module's debug information names so.
    AbortNamed(String),
    Failure,
    OutOfGas,
    AccessViolation,
    /// A counter add past the counter's bound.
    CounterOverflow,
    /// `expect field alice 0x1::coin::Balance.coin.value == 990`
    Field {
        address: Spanned<AddressRef>,
        module: ModuleRef,
        resource: String,
        type_args: Vec<TypeRef>,
        /// `[INDEX]`: a keyed entry anchored at the account.
        index: Option<Spanned<Literal>>,
        path: Vec<String>,
        value: Spanned<Literal>,
    },
    /// `expect view amm::reserves<usd::USD, eur::EUR> pool == 1000, 2000`:
    /// what a view returns, one value per return, compared as `==` does.
    View {
        view: ViewSpec,
        values: Vec<Spanned<Literal>>,
    },
    /// `expect missing alice 0x1::coin::Balance`
    Missing {
        address: Spanned<AddressRef>,
        module: ModuleRef,
        resource: String,
        type_args: Vec<TypeRef>,
        index: Option<Spanned<Literal>>,
    },
}
