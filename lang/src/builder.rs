//! AST construction helpers called from the grammar's actions.
//!
//! Actions never fail: anything the grammar accepts but the language does not
//! (an unknown ability, `assert!` with one argument, `1 = x`) becomes a
//! diagnostic here plus a best-effort node, so parsing continues and several
//! problems are reported per file.

use std::convert::Infallible;

use lalrpop_util::{ErrorRecovery, ParseError};

use crate::ast::*;
use crate::diagnostics::{Code, Diagnostic};
use crate::lexer::Token;
use crate::literal;
use crate::parse_errors;

/// Parser state shared with the grammar actions.
pub struct Ctx {
    pub file: u32,
    pub diags: Vec<Diagnostic>,
    /// Spans of the tokens handed to the parser, in order (for error positions).
    pub spans: Vec<Span>,
    /// Token indexes right after a lexical error: a parse error there is a consequence.
    pub after_lex_error: Vec<usize>,
    /// Syntax errors with the index of the token they are at. Recovery actions run
    /// when their production is reduced, not in source order, so cascades are
    /// filtered once parsing is over (see [`Ctx::finish`]).
    /// `None` for an error known to be a cascade when it arrived (see `syntax_error`).
    syntax: Vec<(usize, Option<Diagnostic>)>,
}

/// A syntax error this many tokens after the previous one is most likely a
/// consequence of it (recovery resumed in the middle of a construct): not reported.
const CASCADE_WINDOW: usize = 3;

/// A module item before grouping by kind.
pub enum Item {
    Use(Box<UseDecl>),
    Friend(Box<FriendDecl>),
    Struct(Box<StructDef>),
    Const(Box<ConstDef>),
    Fun(Box<FunDef>),
    Error,
}

/// A sequence item: block-like expressions without `;` may become the block's value.
pub enum SeqItem {
    Stmt(Box<Stmt>),
    BlockLike(Box<Expr>),
}

/// A doc comment line or one `#[...]` (which may hold several attributes).
pub enum DocPart<'a> {
    Line(&'a str),
    Attrs(Vec<Attribute>),
}

pub enum Modifier {
    Public(Span),
    /// `public(friend)`.
    Friend(Span),
    Entry(Span),
}

impl Ctx {
    pub fn new(file: u32, spans: Vec<Span>, after_lex_error: Vec<usize>) -> Self {
        Ctx { file, diags: Vec::new(), spans, after_lex_error, syntax: Vec::new() }
    }

    pub fn sp(&self, l: usize, r: usize) -> Span {
        Span::from_range(self.file, l..r)
    }

    pub fn error(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// Records an error the parser recovered from (the grammar's `!`).
    pub fn recover(&mut self, e: ErrorRecovery<usize, Token<'_>, Infallible>) {
        self.syntax_error(e.error);
    }

    /// Reports a syntax error unless it is a likely consequence of an earlier
    /// error (lexical, or a syntax error a few tokens before).
    pub fn syntax_error(&mut self, error: ParseError<usize, Token<'_>, Infallible>) {
        let location = match &error {
            ParseError::UnrecognizedToken { token: (l, _, _), .. } | ParseError::ExtraToken { token: (l, _, _) } => *l,
            ParseError::InvalidToken { location } | ParseError::UnrecognizedEof { location, .. } => *location,
            ParseError::User { error } => match *error {},
        };
        let index = self.spans.partition_point(|s| (s.start as usize) < location);
        // Errors arrive in token order, so one within the window after the
        // last is a cascade however they sort: skip building its message.
        // (A megabyte of stray tokens is half a million errors, each with a
        // list of expected tokens.)
        let last = self.syntax.last().map(|(i, _)| *i);
        if last.is_some_and(|p| p <= index && index <= p + CASCADE_WINDOW) {
            self.syntax.push((index, None));
            return;
        }
        let d = parse_errors::convert(self.file, error, &self.spans);
        self.syntax.push((index, Some(d)));
    }

    /// All diagnostics, minus syntax errors that are likely consequences of an
    /// earlier error: one right after a lexical error, or one within a few
    /// tokens after another syntax error.
    pub fn finish(mut self) -> Vec<Diagnostic> {
        self.syntax.sort_by_key(|(index, _)| *index);
        let mut previous: Option<usize> = None;
        for (index, d) in self.syntax {
            let cascade = previous.is_some_and(|p| index <= p + CASCADE_WINDOW);
            previous = Some(index);
            match d {
                Some(d) if !cascade && self.after_lex_error.binary_search(&index).is_err() => self.diags.push(d),
                _ => {}
            }
        }
        self.diags
    }

    pub fn ident(&self, name: &str, l: usize, r: usize) -> Ident {
        Ident { name: name.to_string(), span: self.sp(l, r) }
    }

    pub fn address(&mut self, text: &str, span: Span) -> AddressLit {
        match literal::parse_address(text) {
            Some(value) => AddressLit { value, span },
            None => {
                self.error(literal::invalid_address(text, span));
                AddressLit { value: AccountAddress::ZERO, span }
            }
        }
    }

    /// A number in an attribute (`abort_code = 3`); `None` after reporting why
    /// it is not one.
    pub fn attribute_number(&mut self, text: &str, span: Span) -> AttributeValue {
        match literal::parse_int(text, span) {
            Ok((value, _)) => AttributeValue::Number(Some(value), span),
            Err(d) => {
                // The lexer already reported malformed suffixes; only range errors are new here.
                if d.code == Code::LiteralOutOfRange {
                    self.error(d);
                }
                AttributeValue::Number(None, span)
            }
        }
    }

    /// `@0x1` in an expression. The lexer already reported a malformed one.
    pub fn address_literal(&self, text: &str, span: Span) -> Box<Expr> {
        let value = literal::parse_address(text).unwrap_or(AccountAddress::ZERO);
        expr(ExprKind::Literal(Literal::Address(value)), span)
    }

    pub fn int_literal(&mut self, text: &str, span: Span) -> Box<Expr> {
        let kind = match literal::parse_int(text, span) {
            Ok((value, suffix)) => ExprKind::Literal(Literal::Int { value, suffix }),
            Err(d) => {
                // The lexer already reported malformed suffixes; only range errors are new here.
                if d.code == Code::LiteralOutOfRange {
                    self.error(d);
                }
                ExprKind::Error
            }
        };
        expr(kind, span)
    }

    /// An integer index in an access clause (`Slot@pool[7]`); `[*]` after
    /// reporting a number out of range, so the clause still resolves.
    pub fn index_literal(&mut self, text: &str, span: Span) -> AccessIndex {
        match literal::parse_int(text, span) {
            Ok((value, suffix)) => AccessIndex::Literal { value: Literal::Int { value, suffix }, span },
            Err(d) => {
                if d.code == Code::LiteralOutOfRange {
                    self.error(d);
                }
                AccessIndex::Wildcard(span)
            }
        }
    }

    /// Byte and hex strings: errors in their contents were reported by the lexer.
    pub fn bytes_literal(&self, raw: &str, hex: bool, span: Span) -> Box<Expr> {
        let inner = Span { start: span.start + 2, end: span.end.saturating_sub(1), ..span };
        let bytes =
            if hex { literal::decode_hex_string(raw, inner).0 } else { literal::decode_byte_string(raw, inner).0 };
        expr(ExprKind::Literal(Literal::Bytes { bytes, hex }), span)
    }

    pub fn ability(&mut self, name: &str, span: Span) -> Option<AbilityRef> {
        let ability = match name {
            "copy" => Ability::Copy,
            "drop" => Ability::Drop,
            "store" => Ability::Store,
            "key" => Ability::Key,
            other => {
                self.error(
                    Diagnostic::new(Code::UnknownAbility, span, format!("unknown ability `{other}`"))
                        .with_label_message("not an ability")
                        .with_hint("the abilities are `copy`, `drop`, `store` and `key`"),
                );
                return None;
            }
        };
        Some(AbilityRef { ability, span })
    }

    /// Maps a named type to a builtin (`u64`, `vector<T>`) or a struct type.
    pub fn named_type(&mut self, path: Path, args: Vec<Type>, span: Span) -> Type {
        let builtin = match path.as_single().map(|i| i.name.as_str()) {
            Some("bool") => Some(TypeKind::Bool),
            Some("u8") => Some(TypeKind::U8),
            Some("u64") => Some(TypeKind::U64),
            Some("u128") => Some(TypeKind::U128),
            Some("u16") => Some(TypeKind::U16),
            Some("u32") => Some(TypeKind::U32),
            Some("u256") => Some(TypeKind::U256),
            Some("address") => Some(TypeKind::Address),
            Some("signer") => Some(TypeKind::Signer),
            Some("vector") => {
                let mut args = args;
                if args.len() == 1 {
                    if let Some(arg) = args.pop() {
                        return Type { kind: TypeKind::Vector(Box::new(arg)), span };
                    }
                }
                self.error(
                    Diagnostic::new(Code::InvalidType, span, "`vector` takes exactly one type argument")
                        .with_label_message(format!("found {} type arguments", args.len()))
                        .with_hint("write `vector<u8>`"),
                );
                return Type { kind: TypeKind::Error, span };
            }
            _ => None,
        };
        match builtin {
            Some(kind) => {
                if !args.is_empty() {
                    let name = path.name.name.as_str();
                    self.error(
                        Diagnostic::new(Code::TypeArgCount, span, format!("`{name}` takes no type arguments"))
                            .with_label_message(format!("found {} type argument{}", args.len(), plural(args.len())))
                            .with_hint(format!("write `{name}`")),
                    );
                }
                Type { kind, span }
            }
            // A struct's or type parameter's argument count is checked by the
            // resolver, which knows how many parameters it declares.
            None => Type { kind: TypeKind::Named(path, args), span },
        }
    }

    /// A type parameter; `phantom` (lexed as a reserved word) is the only word
    /// allowed before its name, and only on structs.
    pub fn type_param(
        &mut self,
        word: Option<(&str, Span)>,
        name: Ident,
        constraints: Vec<AbilityRef>,
        on_struct: bool,
        span: Span,
    ) -> TypeParam {
        let phantom = match word {
            None => None,
            Some(("phantom", at)) if on_struct => Some(at),
            Some(("phantom", at)) => {
                self.error(
                    Diagnostic::new(Code::InvalidTypeParam, at, "functions have no phantom type parameters")
                        .with_label_message("only struct type parameters can be `phantom`")
                        .with_hint(format!("write `{}`", name.name)),
                );
                None
            }
            Some((other, at)) => {
                self.error(
                    Diagnostic::new(Code::ReservedName, at, format!("unexpected reserved word `{other}`"))
                        .with_label_message("expected a type parameter name or `phantom`"),
                );
                None
            }
        };
        TypeParam { phantom, name, constraints, span }
    }

    pub fn cast_type(&mut self, name: &str, span: Span) -> IntType {
        match name {
            "u8" => IntType::U8,
            "u64" => IntType::U64,
            "u128" => IntType::U128,
            "u16" => IntType::U16,
            "u32" => IntType::U32,
            "u256" => IntType::U256,
            other => {
                self.error(
                    Diagnostic::new(Code::InvalidCast, span, format!("cannot cast to `{other}`"))
                        .with_label_message("not an integer type")
                        .with_hint("casts convert between `u8`, `u16`, `u32`, `u64`, `u128` and `u256`"),
                );
                IntType::U64
            }
        }
    }

    /// `public` (or `public(friend)`) and `entry` in any order, each at most
    /// once; Move's order is `public entry`.
    pub fn modifiers(&mut self, mods: Vec<Modifier>) -> (Visibility, Option<Span>) {
        let mut vis = Visibility::Private;
        let mut entry = None;
        for m in mods {
            let visibility = !matches!(m, Modifier::Entry(_));
            let (dup, span, word) = match m {
                Modifier::Public(s) => (vis != Visibility::Private, s, "public"),
                Modifier::Friend(s) => (vis != Visibility::Private, s, "public(friend)"),
                Modifier::Entry(s) => (entry.is_some(), s, "entry"),
            };
            if dup {
                let message = match vis {
                    Visibility::Public(_) if word == "public" => "duplicate `public`".to_string(),
                    Visibility::Friend(_) if word == "public(friend)" => "duplicate `public(friend)`".to_string(),
                    _ if visibility => format!("a second visibility, `{word}`"),
                    _ => format!("duplicate `{word}`"),
                };
                self.error(Diagnostic::new(Code::DuplicateModifier, span, message).with_label_message("written twice"));
            } else if visibility && entry.is_some() {
                self.error(
                    Diagnostic::new(Code::DuplicateModifier, span, format!("`{word}` must come before `entry`"))
                        .with_label_message(format!("misplaced `{word}`"))
                        .with_hint(format!("write `{word} entry fun`")),
                );
            }
            match m {
                Modifier::Public(s) => vis = Visibility::Public(s),
                Modifier::Friend(s) => vis = Visibility::Friend(s),
                Modifier::Entry(s) => entry = Some(s),
            }
        }
        (vis, entry)
    }

    pub fn missing_body(&mut self, name: &Ident, span: Span) -> Block {
        self.error(
            Diagnostic::new(Code::MissingFunctionBody, span, format!("function `{}` has no body", name.name))
                .with_label_message("expected `{` here")
                .with_secondary(name.span, "declared here")
                .with_note("native functions are not supported"),
        );
        Block { stmts: Vec::new(), tail: None, span }
    }

    /// `@path(creator, seed)` in an access clause: `path` must end in `object`.
    pub fn object_address(&mut self, path: Path, creator: AccessIndex, seed: AccessIndex, span: Span) -> AccessAddress {
        if path.name.name != "object" {
            self.error(
                Diagnostic::new(
                    Code::InvalidAccessClause,
                    path.span,
                    format!("`{}(..)` is not an address", path.name.name),
                )
                .with_label_message("expected `object`")
                .with_hint("a derived address is written `object(creator, seed)`, or `module::object(creator, seed)`"),
            );
        }
        AccessAddress::Object { path, creator: Box::new(creator), seed: Box::new(seed), span }
    }

    /// A byte string as an object's seed in an access clause.
    pub fn seed_literal(&mut self, raw: &str, hex: bool, span: Span) -> AccessIndex {
        let inner = Span { start: span.start + 2, end: span.end.saturating_sub(1), ..span };
        let (bytes, diags) =
            if hex { literal::decode_hex_string(raw, inner) } else { literal::decode_byte_string(raw, inner) };
        for diag in diags {
            self.error(diag);
        }
        AccessIndex::Literal { value: Literal::Bytes { bytes, hex }, span }
    }

    /// A `read`/`write`/`add` entry; entries without a valid mode are reported and dropped.
    pub fn access_entry(
        &mut self,
        mode: Option<Ident>,
        resource: Path,
        type_args: Vec<Type>,
        address: AccessAddress,
        index: Option<AccessIndex>,
        span: Span,
    ) -> Option<AccessEntry> {
        let Some(mode_word) = mode else {
            self.error(
                Diagnostic::new(Code::InvalidAccessClause, resource.span, "access entry without a mode")
                    .with_label_message("expected `read`, `write` or `add` before this")
                    .with_hint(format!(
                        "write `write {}@...` or `read {}@...`",
                        resource.name.name, resource.name.name
                    )),
            );
            return None;
        };
        let mode = match mode_word.name.as_str() {
            "read" => AccessMode::Read,
            "write" => AccessMode::Write,
            "add" => AccessMode::Add,
            other => {
                self.error(
                    Diagnostic::new(
                        Code::InvalidAccessClause,
                        mode_word.span,
                        format!("unknown access mode `{other}`"),
                    )
                    .with_label_message("expected `read`, `write` or `add`"),
                );
                return None;
            }
        };
        Some(AccessEntry { mode, mode_span: mode_word.span, resource, type_args, address, index, span })
    }

    pub fn macro_call(&mut self, name: Ident, args: Vec<Expr>, span: Span) -> Box<Expr> {
        if name.name != "assert" {
            self.error(
                Diagnostic::new(Code::UnknownMacro, name.span, format!("unknown macro `{}!`", name.name))
                    .with_label_message("the only macro is `assert!`"),
            );
            return expr(ExprKind::Error, span);
        }
        let count = args.len();
        let mut it = args.into_iter();
        match (it.next(), it.next(), count) {
            (Some(cond), Some(code), 2) => expr(ExprKind::Assert { cond: Box::new(cond), code: Box::new(code) }, span),
            _ => {
                self.error(
                    Diagnostic::new(Code::MacroArity, span, format!("`assert!` takes 2 arguments, found {count}"))
                        .with_label_message("expected `assert!(condition, abort_code)`"),
                );
                expr(ExprKind::Error, span)
            }
        }
    }

    /// `vector[...]` / `vector<T>[...]`: the path must be the plain name `vector`.
    pub fn vector_literal(&mut self, path: Path, mut tys: Vec<Type>, elems: Vec<Expr>, span: Span) -> Box<Expr> {
        if path.as_single().map(|i| i.name.as_str()) != Some("vector") || tys.len() > 1 {
            self.error(
                Diagnostic::new(Code::InvalidVectorLiteral, path.span, "invalid vector literal")
                    .with_label_message("expected `vector` or `vector<T>` before `[`"),
            );
            return expr(ExprKind::Error, span);
        }
        expr(ExprKind::Vector { elem_ty: tys.pop(), elems }, span)
    }

    pub fn assign(&mut self, lhs: Box<Expr>, rhs: Box<Expr>, span: Span) -> Box<Expr> {
        let lspan = lhs.span;
        let kind = match lhs.kind {
            ExprKind::Name(path) if path.module.is_none() => LValueKind::Local(path.name),
            ExprKind::Field { base, field } => LValueKind::Field { base, field },
            ExprKind::Deref(inner) => LValueKind::Deref(inner),
            ExprKind::Error => return expr(ExprKind::Error, span),
            _ => {
                self.error(
                    Diagnostic::new(Code::InvalidAssignTarget, lspan, "invalid left-hand side of assignment")
                        .with_label_message("cannot assign to this")
                        .with_hint("assign to a local (`x = e`), a field (`s.f = e`) or a dereference (`*r = e`)"),
                );
                return expr(ExprKind::Error, span);
            }
        };
        expr(ExprKind::Assign { lhs: LValue { kind, span: lspan }, rhs }, span)
    }

    pub fn block(&self, items: Vec<SeqItem>, tail: Option<Box<Expr>>, span: Span) -> Block {
        let mut stmts: Vec<Stmt> = Vec::with_capacity(items.len());
        let mut last_block_like = None;
        let n = items.len();
        for (i, item) in items.into_iter().enumerate() {
            match item {
                SeqItem::Stmt(s) => stmts.push(*s),
                // A block-like expression without `;` at the very end is the block's value.
                SeqItem::BlockLike(e) if i + 1 == n && tail.is_none() => last_block_like = Some(e),
                SeqItem::BlockLike(e) => stmts.push(Stmt { span: e.span, kind: StmtKind::Expr(*e) }),
            }
        }
        let tail = tail.or(last_block_like);
        Block { stmts, tail, span }
    }

    pub fn module(&self, doc: Doc, address: AddressLit, name: Ident, items: Vec<Item>, span: Span) -> Module {
        let mut m = Module {
            doc,
            address,
            name,
            uses: Vec::new(),
            friends: Vec::new(),
            structs: Vec::new(),
            constants: Vec::new(),
            functions: Vec::new(),
            span,
        };
        for item in items {
            match item {
                Item::Use(u) => m.uses.push(*u),
                Item::Friend(f) => m.friends.push(*f),
                Item::Struct(s) => m.structs.push(*s),
                Item::Const(c) => m.constants.push(*c),
                Item::Fun(f) => m.functions.push(*f),
                Item::Error => {}
            }
        }
        m
    }
}

pub fn expr(kind: ExprKind, span: Span) -> Box<Expr> {
    Box::new(Expr { kind, span })
}

pub fn binary(op: BinOp, op_span: Span, lhs: Box<Expr>, rhs: Box<Expr>) -> Box<Expr> {
    let span = lhs.span.to(rhs.span);
    expr(ExprKind::Binary { op, op_span, lhs, rhs }, span)
}

/// Groups `first op1 e1 op2 e2 ...` by [`BinOp::precedence`], all operators
/// left-associative (operator precedence parsing with two stacks).
pub fn climb(first: Box<Expr>, rest: Vec<((BinOp, Span), Box<Expr>)>) -> Box<Expr> {
    if rest.is_empty() {
        return first;
    }
    let mut operands = Vec::with_capacity(rest.len() + 1);
    let mut ops: Vec<(BinOp, Span)> = Vec::with_capacity(rest.len());
    operands.push(first);
    for (op, operand) in rest {
        while ops.last().is_some_and(|top| top.0.precedence() >= op.0.precedence()) {
            reduce_top(&mut operands, &mut ops);
        }
        ops.push(op);
        operands.push(operand);
    }
    while !ops.is_empty() {
        reduce_top(&mut operands, &mut ops);
    }
    operands.pop().unwrap_or_else(|| expr(ExprKind::Error, Span::default()))
}

// The operands are boxes because they go into the tree as `Box<Expr>` children unchanged.
#[allow(clippy::vec_box)]
fn reduce_top(operands: &mut Vec<Box<Expr>>, ops: &mut Vec<(BinOp, Span)>) {
    // Two operands per operator always exist: `climb` pushes an operand with each operator.
    if let (Some((op, op_span)), Some(rhs), Some(lhs)) = (ops.pop(), operands.pop(), operands.pop()) {
        operands.push(binary(op, op_span, lhs, rhs));
    }
}

/// Moves boxed nodes (as the grammar produces them) into a vector of values.
pub fn unbox<T>(items: Vec<Box<T>>) -> Vec<T> {
    items.into_iter().map(|b| *b).collect()
}

pub fn if_expr(cond: Box<Expr>, then_branch: Box<Expr>, else_branch: Option<Box<Expr>>, span: Span) -> Box<Expr> {
    expr(ExprKind::If { cond, then_branch, else_branch }, span)
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
