//! What the verifier reports: one named kind per failure, located at a module,
//! a function and a code offset, the same way runtime errors are located.

use std::fmt;

use thiserror::Error;

use resin_format::file_format::{Abilities, Module};

/// A rejected module: why, and where.
#[derive(Clone, PartialEq, Eq, Debug, Error)]
pub struct VerifyError {
    pub kind: VerifyErrorKind,
    /// The module's id (`0x1::coin`), or `<unknown>` when it has no module handle.
    pub module: String,
    /// The function definition at fault, when the failure is inside one.
    pub function: Option<String>,
    /// The code offset of the offending instruction, when there is one.
    pub offset: Option<u16>,
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.module)?;
        if let Some(function) = &self.function {
            write!(f, "::{function}")?;
        }
        if let Some(offset) = self.offset {
            write!(f, " at offset {offset}")?;
        }
        write!(f, ": {}", self.kind)
    }
}

impl VerifyError {
    /// A failure in the module's tables, outside any function.
    pub(crate) fn module(module: &Module, kind: VerifyErrorKind) -> Self {
        VerifyError { kind, module: module_name(module), function: None, offset: None }
    }

    /// A failure in function definition `function` (an index into `module.functions`),
    /// at `offset` when an instruction is at fault.
    pub(crate) fn function(module: &Module, function: usize, offset: Option<u16>, kind: VerifyErrorKind) -> Self {
        VerifyError { kind, module: module_name(module), function: Some(function_name(module, function)), offset }
    }
}

fn module_name(module: &Module) -> String {
    module.self_id().map_or_else(|| "<unknown>".to_string(), ToString::to_string)
}

fn function_name(module: &Module, function: usize) -> String {
    module
        .functions
        .get(function)
        .and_then(|def| module.function_name(def))
        .map_or_else(|| format!("<function #{function}>"), |name| resin_format::escape::escaped(name).into_owned())
}

/// The live reference a reference-safety error conflicts with: where its
/// borrow was made and what holds it at the failing instruction.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Borrower {
    /// The code offset of the instruction that made the borrow (a borrow, a
    /// copy of a reference, or a call that returned a reference).
    pub offset: u16,
    pub holder: Holder,
}

/// What holds a live reference.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Holder {
    Local(u8),
    /// An operand of the failing instruction, deepest first (for a call, its
    /// argument; for `ret`, its return value).
    Operand(u8),
    /// Another operand-stack slot, counted from the bottom.
    Stack(u16),
}

impl fmt::Display for Borrower {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "borrowed at offset {} by ", self.offset)?;
        match self.holder {
            Holder::Local(local) => write!(f, "local {local}"),
            Holder::Operand(operand) => write!(f, "operand {operand} of this instruction"),
            Holder::Stack(slot) => write!(f, "stack slot {slot}"),
        }
    }
}

/// Every way a module can fail verification, grouped by the pass that finds it.
#[derive(Clone, PartialEq, Eq, Debug, Error)]
pub enum VerifyErrorKind {
    // ---- bounds ----
    #[error("the module handle table is empty: handle 0 must be the module's own id")]
    MissingSelfModuleHandle,
    #[error("module `{module}` appears twice in the module handle table")]
    DuplicateModuleHandle { module: Box<str> },
    #[error("{table} index {index} out of bounds ({len} entries)")]
    IndexOutOfBounds { table: &'static str, index: usize, len: usize },
    #[error("branch target {target} out of range (the code has {code_len} instructions)")]
    BranchTargetOutOfRange { target: u16, code_len: usize },
    #[error("empty function body")]
    EmptyFunctionBody,
    #[error("code must end in `ret`, `abort` or `branch`, found `{last}`")]
    MissingTerminator { last: &'static str },
    #[error("`{instr}` may only run in a unit test: only a test build's modules may hold it")]
    TestOnlyInstruction { instr: &'static str },
    #[error("struct `{name}` is defined twice")]
    DuplicateStructName { name: Box<str> },
    #[error("function `{name}` is defined twice")]
    DuplicateFunctionName { name: Box<str> },
    #[error("two struct handles name `{name}`")]
    DuplicateStructHandle { name: Box<str> },
    #[error("two function handles name `{name}`")]
    DuplicateFunctionHandle { name: Box<str> },
    #[error("struct `{struct_name}` has two fields named `{field}`")]
    DuplicateFieldName { struct_name: Box<str>, field: Box<str> },
    #[error("struct handle `{name}` has invalid ability bits {bits:#04x}")]
    InvalidAbilities { name: Box<str>, bits: u8 },
    #[error("`{name}` is not a valid identifier")]
    InvalidIdentifier { name: Box<str> },
    #[error("struct definition `{name}` points at a handle of another module")]
    StructDefForeignHandle { name: Box<str> },
    #[error("function definition `{name}` points at a handle of another module")]
    FunctionDefForeignHandle { name: Box<str> },
    #[error("struct handle `{name}` names this module, which does not define it")]
    OwnStructHandleWithoutDefinition { name: Box<str> },
    #[error("function handle `{name}` names this module, which does not define it")]
    OwnFunctionHandleWithoutDefinition { name: Box<str> },

    // ---- limits ----
    #[error("the {table} table has {len} entries (at most {max})")]
    TableTooLarge { table: &'static str, len: usize, max: usize },
    #[error("identifier of {len} bytes (at most {max})")]
    IdentifierTooLong { len: usize, max: usize },
    #[error("{count} parameters (at most {max})")]
    TooManyParameters { count: usize, max: usize },
    #[error("{count} return values (at most {max})")]
    TooManyReturns { count: usize, max: usize },
    #[error("{count} local slots including parameters (at most {max})")]
    TooManyLocals { count: usize, max: usize },
    #[error("code of {len} instructions (at most {max})")]
    CodeTooLong { len: usize, max: usize },
    #[error("type nested {depth} deep (at most {max})")]
    TypeTooDeep { depth: usize, max: usize },
    #[error("type of {nodes} nodes (at most {max})")]
    TypeTooLarge { nodes: usize, max: usize },
    #[error("{count} type parameters (at most {max})")]
    TooManyTypeParameters { count: usize, max: usize },
    #[error("struct `{struct_name}` has {count} fields (at most {max})")]
    TooManyFields { struct_name: Box<str>, count: usize, max: usize },
    #[error("vector instruction with {count} elements (at most {max})")]
    VectorCountTooLarge { count: u64, max: usize },
    #[error("verifying this function needs more than {max} units of dataflow work")]
    TooComplex { max: usize },
    #[error("access spec with {count} entries (at most {max})")]
    AccessSpecTooLarge { count: usize, max: usize },
    #[error("{what} holds values nested {depth} deep (at most {max})")]
    ValueTooDeep { what: Box<str>, depth: usize, max: usize },
    #[error("verifying this module needs more than {max} units of dataflow work")]
    ModuleTooComplex { max: usize },

    // ---- signatures ----
    #[error("field `{field}` of `{struct_name}` holds a reference")]
    ReferenceInStructField { struct_name: Box<str>, field: Box<str> },
    #[error("field `{field}` of `{struct_name}` holds a signer")]
    SignerInStructField { struct_name: Box<str>, field: Box<str> },
    #[error("reference inside a vector type `{ty}`")]
    ReferenceInVector { ty: Box<str> },
    #[error("reference to a reference `{ty}`")]
    NestedReference { ty: Box<str> },
    #[error("entry function returns a reference `{ty}`, which a transaction cannot receive")]
    ReturnsReference { ty: Box<str> },
    #[error("constant {index} has type `{ty}`, which a constant cannot have")]
    InvalidConstantType { index: usize, ty: Box<str> },
    #[error("constant {index}'s value does not have its declared type `{ty}`")]
    ConstantValueMismatch { index: usize, ty: Box<str> },
    #[error("field `{field}` of `{struct_name}` lacks `{ability}`, which `{struct_name}` has{}", if *required_by_key { " (`key` needs `store` fields)" } else { "" })]
    FieldMissingAbility { struct_name: Box<str>, field: Box<str>, ability: &'static str, required_by_key: bool },
    #[error("struct `{name}` contains itself")]
    RecursiveStruct { name: Box<str> },
    #[error("entry function parameter {index} has type `{ty}`, which a transaction cannot supply")]
    InvalidEntryParameter { index: usize, ty: Box<str> },
    #[error("entry function returns `{ty}`, which lacks `drop`")]
    EntryReturnWithoutDrop { ty: Box<str> },
    #[error("access spec of `{function}` names `{resource}`, which lacks `key`")]
    AccessOnNonKeyType { function: Box<str>, resource: Box<str> },
    #[error("access spec of `{function}` names parameter {param}, which is not {expected}")]
    AccessParamInvalid { function: Box<str>, param: u8, expected: &'static str },
    #[error("access spec of `{function}` names an object seed that is not in canonical form (at most 32 bytes, zero past its length)")]
    AccessSeedInvalid { function: Box<str> },

    // ---- stack ----
    #[error("`{instruction}` needs {needed} values on the stack, found {available}")]
    StackUnderflow { instruction: &'static str, needed: usize, available: usize },
    #[error("stack height {found} on the edge to offset {target}, but {expected} on another path")]
    StackHeightMismatch { target: u16, expected: usize, found: usize },
    #[error("`ret` with {found} values on the stack, but the function returns {expected}")]
    RetStackMismatch { expected: usize, found: usize },
    #[error("stack height {height} (at most {max})")]
    StackTooDeep { height: usize, max: usize },

    // ---- types ----
    #[error("`{instruction}` expects {expected}, found `{found}`")]
    TypeMismatch { instruction: &'static str, expected: Box<str>, found: Box<str> },
    #[error("stack types [{found}] on the edge to offset {target}, but [{expected}] on another path")]
    JoinTypeMismatch { target: u16, expected: Box<str>, found: Box<str> },

    // ---- resources ----
    #[error("copy of a value without the `copy` ability (type {ty})")]
    CopyWithoutAbility { ty: Box<str> },
    #[error("`{instruction}` drops a value without the `drop` ability (type {ty})")]
    DropWithoutAbility { instruction: &'static str, ty: Box<str> },
    #[error("local {local} still holds a value without the `drop` ability at return (type {ty})")]
    UnusedResourceAtReturn { local: u8, ty: Box<str> },
    #[error("use of local {local}, which {} unavailable (moved or never assigned)", if *maybe { "may be" } else { "is" })]
    UseOfUnavailableLocal { local: u8, maybe: bool },

    // ---- references: mutability and reference safety ----
    #[error("`{instruction}` needs a `&mut` reference, found an immutable `&` reference")]
    MutationThroughImmutableReference { instruction: &'static str },
    #[error("`{instruction}` writes through a `&mut` that is still borrowed ({borrow})")]
    WriteWhileBorrowed { instruction: &'static str, borrow: Borrower },
    #[error("`{instruction}` reads through a `&mut` while a mutable borrow of it is live ({borrow})")]
    ReadWhileMutablyBorrowed { instruction: &'static str, borrow: Borrower },
    #[error("`freeze_ref` of a `&mut` while a mutable borrow of it is live ({borrow})")]
    FreezeWhileMutablyBorrowed { borrow: Borrower },
    #[error("argument {argument} of the call is a `&mut` that is still borrowed ({borrow})")]
    CallWithBorrowedMutableReference { argument: u8, borrow: Borrower },
    #[error("return value {value} is a `&mut` that is still borrowed ({borrow})")]
    ReturnOfBorrowedMutableReference { value: u8, borrow: Borrower },
    #[error("`copy_loc` of local {local} while it is mutably borrowed ({borrow})")]
    CopyOfMutablyBorrowedLocal { local: u8, borrow: Borrower },
    #[error("`move_loc` of local {local} while it is borrowed ({borrow})")]
    MoveOfBorrowedLocal { local: u8, borrow: Borrower },
    #[error("`st_loc` to local {local} while it is borrowed ({borrow})")]
    StoreToBorrowedLocal { local: u8, borrow: Borrower },
    #[error("`imm_borrow_loc` of local {local} while it is mutably borrowed ({borrow})")]
    BorrowOfMutablyBorrowedLocal { local: u8, borrow: Borrower },
    #[error("`ret` while local {local} is still borrowed ({borrow}): a returned reference must come from a reference parameter")]
    LocalBorrowedAtReturn { local: u8, borrow: Borrower },
    #[error("`ret` while global `{resource}` is still borrowed ({borrow}): a returned reference must come from a reference parameter")]
    GlobalBorrowedAtReturn { resource: Box<str>, borrow: Borrower },
    #[error("`mut_borrow_global` of `{resource}` while a reference into global `{resource}` is live ({borrow})")]
    MutBorrowGlobalWhileBorrowed { resource: Box<str>, borrow: Borrower },
    #[error("`imm_borrow_global` of `{resource}` while a `&mut` into global `{resource}` is live ({borrow})")]
    BorrowGlobalWhileMutablyBorrowed { resource: Box<str>, borrow: Borrower },
    #[error("`move_from` of `{resource}` while a reference into global `{resource}` is live ({borrow})")]
    MoveFromWhileBorrowed { resource: Box<str>, borrow: Borrower },
    #[error("`counter_add` to `{resource}` while a reference into global `{resource}` is live ({borrow})")]
    CounterAddWhileBorrowed { resource: Box<str>, borrow: Borrower },
    #[error("call to `{callee}`, which may {} global `{resource}`, while a {} into it is live ({borrow})", if *writes { "write" } else { "read" }, if *writes { "reference" } else { "`&mut`" })]
    CallWhileGlobalBorrowed { callee: Box<str>, resource: Box<str>, writes: bool, borrow: Borrower },

    // ---- globals ----
    #[error("`{instruction}` on `{name}`, which lacks the `key` ability")]
    GlobalOnNonKeyType { instruction: &'static str, name: Box<str> },
    #[error("`{instruction}` on `{name}`, a type of another module")]
    GlobalOnForeignType { instruction: &'static str, name: Box<str> },
    #[error("`emit` of `{name}`, which lacks `drop` and `store`")]
    EventMissingAbilities { name: Box<str> },
    #[error("`{instruction}` on `{name}`, which is not a counter (a counter has exactly one field, of type u8, u16, u32, u64 or u128)")]
    NotACounter { instruction: &'static str, name: Box<str> },
    #[error(
        "`{instruction}` with an index of type `{ty}`, which lacks `{missing}` (an index needs `copy` and `drop`)"
    )]
    IndexMissingAbilities { instruction: &'static str, ty: Box<str>, missing: Abilities },

    // ---- friends ----
    #[error("friend `{friend}` is not at this module's address (friends share an address)")]
    FriendAtOtherAddress { friend: Box<str> },
    #[error("module names itself as a friend")]
    FriendIsSelf,
    #[error("friend `{friend}` is declared twice")]
    DuplicateFriend { friend: Box<str> },

    // ---- generics (bounds, signatures) ----
    #[error("type parameter T{index} out of range ({count} type parameters in scope)")]
    TypeParamOutOfRange { index: u16, count: usize },
    #[error("wrong number of type arguments for `{name}`: expected {expected}, found {found}")]
    TypeArgumentCountMismatch { name: Box<str>, expected: usize, found: usize },
    #[error("`{name}` is not generic, but a type gives it a type argument list")]
    TypeArgumentsOnNonGeneric { name: Box<str> },
    #[error("`{instruction}` on `{name}`, which is not generic (use the plain form)")]
    GenericInstructionOnNonGeneric { instruction: &'static str, name: Box<str> },
    #[error("`{instruction}` on `{name}`, which is generic (use the `_generic` form)")]
    PlainInstructionOnGeneric { instruction: &'static str, name: Box<str> },
    #[error("type argument `{ty}` for type parameter {param} of `{of}` lacks `{missing}`")]
    ConstraintNotSatisfied { of: Box<str>, param: u16, ty: Box<str>, missing: Abilities },
    #[error("reference `{ty}` used as a type argument")]
    ReferenceAsTypeArgument { ty: Box<str> },
    #[error("`{ty}` used as a type argument: a signer may not end up in a struct field")]
    SignerAsTypeArgument { ty: Box<str> },
    #[error("field `{field}` of `{struct_name}` uses phantom type parameter T{param} outside a phantom position")]
    PhantomParameterInField { struct_name: Box<str>, field: Box<str>, param: u16 },
    #[error("generic function `{function}` calls itself (directly or through a cycle) with a type argument that grows, which would need infinitely many instantiations")]
    InstantiationLoop { function: Box<str> },

    // ---- access ----
    #[error("global access `{access}` is not covered by the function's access spec")]
    AccessNotCovered { access: Box<str> },

    /// A pass found the result of an earlier one missing: a verifier bug,
    /// reported instead of a panic so the module is still rejected.
    #[error("verifier invariant broken: {detail}")]
    VerifierInvariant { detail: &'static str },
}

impl VerifyErrorKind {
    /// Whether this is a size or complexity limit (see the limits pass):
    /// a module over one is valid code that is too big or too deep, which a
    /// compiler reports as the author's problem, not its own bug.
    pub fn is_limit(&self) -> bool {
        matches!(
            self,
            VerifyErrorKind::TableTooLarge { .. }
                | VerifyErrorKind::IdentifierTooLong { .. }
                | VerifyErrorKind::TooManyParameters { .. }
                | VerifyErrorKind::TooManyReturns { .. }
                | VerifyErrorKind::TooManyLocals { .. }
                | VerifyErrorKind::CodeTooLong { .. }
                | VerifyErrorKind::TypeTooDeep { .. }
                | VerifyErrorKind::TypeTooLarge { .. }
                | VerifyErrorKind::TooManyTypeParameters { .. }
                | VerifyErrorKind::TooManyFields { .. }
                | VerifyErrorKind::VectorCountTooLarge { .. }
                | VerifyErrorKind::TooComplex { .. }
                | VerifyErrorKind::AccessSpecTooLarge { .. }
                | VerifyErrorKind::ValueTooDeep { .. }
                | VerifyErrorKind::ModuleTooComplex { .. }
                | VerifyErrorKind::StackTooDeep { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Errors travel inside `Result`s through every pass and inside the
    /// loader's error: keep them well under clippy's `result_large_err` limit
    /// (128 bytes), which is why the kinds hold `Box<str>`, not `String`.
    #[test]
    fn error_stays_small() {
        assert!(std::mem::size_of::<VerifyErrorKind>() <= 56, "{}", std::mem::size_of::<VerifyErrorKind>());
        assert!(std::mem::size_of::<VerifyError>() <= 112, "{}", std::mem::size_of::<VerifyError>());
    }

    #[test]
    fn borrowers_name_the_borrow_and_its_holder() {
        let borrow = Borrower { offset: 7, holder: Holder::Local(2) };
        let kind = VerifyErrorKind::WriteWhileBorrowed { instruction: "write_ref", borrow };
        assert_eq!(
            kind.to_string(),
            "`write_ref` writes through a `&mut` that is still borrowed (borrowed at offset 7 by local 2)"
        );
        let borrow = Borrower { offset: 1, holder: Holder::Operand(0) };
        assert_eq!(borrow.to_string(), "borrowed at offset 1 by operand 0 of this instruction");
        assert_eq!(
            Borrower { offset: 3, holder: Holder::Stack(4) }.to_string(),
            "borrowed at offset 3 by stack slot 4"
        );
    }

    #[test]
    fn display_names_the_location_it_has() {
        let kind = VerifyErrorKind::EmptyFunctionBody;
        let mut err = VerifyError { kind, module: "0x1::m".into(), function: None, offset: None };
        assert_eq!(err.to_string(), "0x1::m: empty function body");
        err.function = Some("f".into());
        assert_eq!(err.to_string(), "0x1::m::f: empty function body");
        err.offset = Some(3);
        assert_eq!(err.to_string(), "0x1::m::f at offset 3: empty function body");
    }
}
