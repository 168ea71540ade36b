//! Diagnostics: the one registry of codes, the `Diagnostic` type every stage
//! reports with, and rendering through codespan-reporting ([`render_all`]).
//!
//! Codes by stage: parse E01xx, resolve E02xx, types/abilities/linearity E03xx,
//! references E04xx, access sets E05xx, codegen E06xx, warnings W01xx.
//! A code's number never changes once released: add new codes at the end of their range.

use std::fmt;

use crate::source::{SourceFile, Span};

pub mod move_hints;
mod render;
pub mod suggest;
pub use render::{render_all, LONG_LINE, MAX_SHOWN, WINDOW};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, $sev:ident, $title:literal; )*) => {
        /// Every diagnostic code the compiler can report.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $( $(#[$doc])* $variant, )*
        }

        impl Code {
            /// Every code, in registry order (for documentation and uniqueness tests).
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The stable code string, like `E0301`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// A short description of the whole class of problems.
            pub fn title(self) -> &'static str {
                match self { $(Code::$variant => $title,)* }
            }

            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$sev,)* }
            }
        }
    };
}

codes! {
    // ---- parse: E01xx ----
    InvalidCharacter = "E0101", Error, "invalid character";
    UnterminatedComment = "E0102", Error, "unterminated block comment";
    UnterminatedString = "E0103", Error, "unterminated string literal";
    InvalidEscape = "E0104", Error, "invalid escape in byte string";
    InvalidHexString = "E0105", Error, "invalid hex string";
    InvalidNumber = "E0106", Error, "invalid number literal";
    InvalidSuffix = "E0107", Error, "invalid integer literal suffix";
    LiteralOutOfRange = "E0108", Error, "integer literal out of range";
    InvalidAddress = "E0109", Error, "invalid address literal";
    UnexpectedToken = "E0110", Error, "unexpected token";
    UnexpectedEof = "E0111", Error, "unexpected end of file";
    ReservedName = "E0112", Error, "reserved word used as a name";
    MissingFunctionBody = "E0113", Error, "function without a body";
    InvalidAccessClause = "E0114", Error, "invalid access clause";
    InvalidAssignTarget = "E0115", Error, "invalid assignment target";
    UnknownMacro = "E0116", Error, "unknown macro";
    MacroArity = "E0117", Error, "wrong number of macro arguments";
    InvalidType = "E0118", Error, "invalid type";
    UnknownAbility = "E0119", Error, "unknown ability";
    TypeArgCount = "E0120", Error, "wrong number of type arguments";
    InvalidCast = "E0121", Error, "invalid cast target";
    InvalidVectorLiteral = "E0122", Error, "invalid vector literal";
    PlainString = "E0123", Error, "string literal without `b` or `x` prefix";
    SourceTooLarge = "E0124", Error, "source file too large";
    DuplicateModifier = "E0125", Error, "duplicate or misplaced modifier";
    InvalidPattern = "E0126", Error, "invalid pattern";
    NestingTooDeep = "E0127", Error, "nesting too deep";
    BareLineBreak = "E0128", Error, "line break other than LF or CRLF";
    TextDirectionControl = "E0129", Error, "text-direction control character";
    InvisibleCharacter = "E0130", Error, "invisible or control character";
    IdentifierTooLong = "E0131", Error, "identifier too long";
    InvalidTypeParam = "E0132", Error, "invalid type parameter";
    InvalidAttribute = "E0133", Error, "invalid attribute";
    InvalidTestFunction = "E0134", Error, "invalid test function";

    // ---- resolve: E02xx ----
    UnboundName = "E0201", Error, "unbound name";
    UnboundFunction = "E0202", Error, "unbound function";
    UnboundType = "E0203", Error, "unbound type";
    UnboundModule = "E0204", Error, "unbound module";
    DuplicateDefinition = "E0205", Error, "duplicate definition";
    DuplicateField = "E0206", Error, "duplicate field";
    DuplicateParameter = "E0207", Error, "duplicate parameter";
    DuplicateModule = "E0208", Error, "duplicate module";
    DuplicateAlias = "E0209", Error, "duplicate import alias";
    PrivateFunction = "E0210", Error, "function is not public";
    CyclicDependency = "E0211", Error, "cyclic module dependency";
    NonConstantExpression = "E0212", Error, "constant value is not a literal expression";
    RecursiveStruct = "E0213", Error, "recursive struct";
    ForeignStructOperation = "E0214", Error, "struct operation outside its defining module";
    UnknownField = "E0215", Error, "unknown field";
    UnknownBuiltin = "E0216", Error, "unknown builtin";
    DuplicateTypeParam = "E0217", Error, "duplicate type parameter";
    InvalidFriend = "E0218", Error, "invalid friend declaration";
    NotAFriend = "E0219", Error, "`public(friend)` function called from a module that is not a friend";

    // ---- types, abilities, linearity: E03xx ----
    TypeMismatch = "E0301", Error, "mismatched types";
    ArgumentCount = "E0302", Error, "wrong number of arguments";
    NotAStruct = "E0303", Error, "not a struct";
    MissingField = "E0304", Error, "missing field";
    InvalidOperand = "E0305", Error, "invalid operand type";
    MissingAbility = "E0306", Error, "missing ability";
    CopyWithoutAbility = "E0307", Error, "value copied without `copy`";
    DropWithoutAbility = "E0308", Error, "value dropped without `drop`";
    UseAfterMove = "E0309", Error, "use of moved value";
    UnassignedLocal = "E0310", Error, "use of unassigned local";
    ReturnMismatch = "E0311", Error, "wrong return values";
    LoopControlOutsideLoop = "E0312", Error, "`break` or `continue` outside a loop";
    InvalidEntry = "E0313", Error, "invalid entry function";
    CannotInfer = "E0314", Error, "cannot infer type";
    FieldAbility = "E0315", Error, "field lacks an ability its struct declares";
    InvalidTypeArgs = "E0316", Error, "invalid type arguments";
    TupleMisuse = "E0317", Error, "tuple used as a value";
    InvalidConstantType = "E0318", Error, "invalid constant type";
    PhantomMisuse = "E0319", Error, "invalid use of a phantom type parameter";
    ConstraintNotSatisfied = "E0320", Error, "type argument lacks a required ability";
    InstantiationLoop = "E0321", Error, "generic instantiation loop";
    InvalidStorageIndex = "E0322", Error, "invalid index type for keyed storage";
    NotACounter = "E0323", Error, "struct is not a counter";

    // ---- references: E04xx ----
    ReferenceEscape = "E0401", Error, "reference escapes its scope";
    BorrowConflict = "E0402", Error, "conflicting borrow";
    MoveWhileBorrowed = "E0403", Error, "value moved while borrowed";
    WriteThroughImmutable = "E0404", Error, "write through an immutable reference";
    ReferenceInStruct = "E0405", Error, "reference type in a struct or storage";
    InvalidBorrow = "E0406", Error, "invalid borrow";
    NestedReference = "E0407", Error, "reference to a reference";
    AliasedReference = "E0408", Error, "reference used while an overlapping reference is live";
    GlobalBorrowConflict = "E0409", Error, "global resource used while a reference into it is live";

    // ---- access sets: E05xx ----
    AccessNotCovered = "E0501", Error, "access not covered by the written access clause";
    InvalidAccessAddress = "E0502", Error, "invalid address in access clause";
    AccessOnNonKey = "E0503", Error, "access clause names a struct without `key`";
    UnknownAccessResource = "E0504", Error, "unknown resource in access clause";
    AccessSetTooLarge = "E0505", Error, "access set too large";
    InvalidAccessIndex = "E0506", Error, "invalid index in access clause";

    // ---- codegen: E06xx ----
    TooManyLocals = "E0601", Error, "too many locals";
    TableOverflow = "E0602", Error, "module table overflow";
    CodeTooLarge = "E0603", Error, "function code too large";
    VerifierRejected = "E0604", Error, "generated bytecode rejected by the verifier";
    LimitExceeded = "E0605", Error, "program exceeds a limit of the bytecode";
    InternalError = "E0699", Error, "internal compiler error";

    // ---- warnings: W01xx ----
    UnusedAccess = "W0101", Warning, "access entry is never used";
    UnusedVariable = "W0102", Warning, "unused variable";
    UnusedUse = "W0103", Warning, "unused import";
    UnusedConstant = "W0104", Warning, "unused constant";
    DanglingDocComment = "W0105", Warning, "doc comment not attached to an item";
    UnreachableCode = "W0106", Warning, "unreachable code";
    UnusedFunction = "W0107", Warning, "unused private function";
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A source location with a message; `primary` marks where the problem is
/// (rendered with `^^^`), secondary labels give context (`---`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
    pub primary: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    /// The specific message (`expected `;`, found `let``); the code's title is the class.
    pub message: String,
    pub labels: Vec<Label>,
    /// Extra facts (`note: ...`).
    pub notes: Vec<String>,
    /// Suggestions (`hint: ...`).
    pub hints: Vec<String>,
}

impl Diagnostic {
    /// A diagnostic with the code's own severity and a primary label at `span`.
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.severity(),
            message: message.into(),
            labels: vec![Label { span, message: String::new(), primary: true }],
            notes: Vec::new(),
            hints: Vec::new(),
        }
    }

    /// A diagnostic without labels (for whole-program problems).
    pub fn global(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.severity(),
            message: message.into(),
            labels: Vec::new(),
            notes: Vec::new(),
            hints: Vec::new(),
        }
    }

    /// Sets the message of the first primary label.
    pub fn with_label_message(mut self, message: impl Into<String>) -> Self {
        if let Some(label) = self.labels.iter_mut().find(|l| l.primary) {
            label.message = message.into();
        }
        self
    }

    pub fn with_primary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label { span, message: message.into(), primary: true });
        self
    }

    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label { span, message: message.into(), primary: false });
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The span of the first primary label, if any (for sorting and tests).
    pub fn primary_span(&self) -> Option<Span> {
        self.labels.iter().find(|l| l.primary).map(|l| l.span)
    }
}

/// An ordered collection of diagnostics.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics {
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new() -> Self {
        Diagnostics::default()
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(other);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.items.iter()
    }

    /// Sorts by primary location (file, start), keeping report order for ties:
    /// rendered output then reads top to bottom.
    pub fn sort(&mut self) {
        self.items.sort_by_key(|d| d.primary_span().map(|s| (s.file, s.start)));
    }

    /// Renders the diagnostics as plain text (no colour), in order: at most
    /// [`MAX_SHOWN`] errors and as many warnings (see [`render_all`]).
    pub fn render(&self, sources: &[SourceFile]) -> String {
        render_all(&self.items, sources)
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl From<Vec<Diagnostic>> for Diagnostics {
    fn from(items: Vec<Diagnostic>) -> Self {
        Diagnostics { items }
    }
}
