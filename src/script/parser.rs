//! The parser of the command language: one command per line (or per `;`),
//! `block { ... }` groups calls, `module ... { }` is taken raw, and
//! `for VAR in A..B { ... }` repeats its body: the body's tokens are kept
//! as written and parsed again for each value, with every `{EXPR}` in them
//! substituted as each token is read (see [`super::expand`]).

use std::rc::Rc;

use super::ast::*;
use super::expand::{eval, substitute};
use super::lexer::{Lexer, Tok, Token};
use super::types::split_type_args;
use super::words::{address_ref, check_name, describe, module_ref, parse_address, parse_int, split_item, word_literal};
use super::ScriptError;
use crate::limits::{MAX_LITERAL_NESTING, MAX_LOOP_EXPANSION, MAX_LOOP_NESTING, MAX_TRANSFERS, MAX_TRANSFER_ACCOUNTS};
use crate::render::thousands;
use resin_vm::gas::MAX_GAS_LIMIT;

pub struct Parser<'a> {
    lexer: Lexer<'a>,
    peeked: Option<Token>,
    /// Open `block {`: the end of input inside one means the input is
    /// incomplete (the REPL reads another line) rather than wrong.
    depth: usize,
    /// Open `[` of the argument being parsed: limited, so the recursion of
    /// [`Parser::literal`] stays shallow whatever the input.
    nesting: usize,
    /// The bodies of the `for` loops being expanded, innermost last: tokens
    /// are read from the innermost one before the lexer.
    frames: Vec<Frame>,
    /// The loop variables in scope and their values, outermost first.
    vars: Vec<(String, u64)>,
    /// Loop iterations run, and commands and calls that loops produced,
    /// each limited by [`MAX_LOOP_EXPANSION`].
    iterations: u64,
    produced: u64,
}

/// The body of a `for` being replayed: its tokens through the closing `}`.
struct Frame {
    tokens: Rc<[Token]>,
    at: usize,
}

/// A parsed `for VAR in START..END {` and its body, not yet expanded.
struct Loop {
    var: String,
    start: u64,
    end: u64,
    /// Where the range is written, for the expansion limit's error.
    range_span: Span,
    body: Rc<[Token]>,
}

/// Parses a whole script or REPL input.
pub fn parse_script(text: &str) -> Result<Vec<Command>, ScriptError> {
    let mut parser = Parser {
        lexer: Lexer::new(text),
        peeked: None,
        depth: 0,
        nesting: 0,
        frames: Vec::new(),
        vars: Vec::new(),
        iterations: 0,
        produced: 0,
    };
    let mut commands = Vec::new();
    loop {
        let tok = parser.next()?;
        match tok.tok {
            Tok::Eof => return Ok(commands),
            Tok::Newline => continue,
            _ => parser.command(tok, &mut commands)?,
        }
    }
}

const DEFAULT_TRANSFER_AMOUNT: u64 = 1;

impl Parser<'_> {
    /// The next token as written: from the loop body being replayed, or
    /// from the lexer.
    fn next_raw(&mut self) -> Result<Token, ScriptError> {
        let Some(frame) = self.frames.last_mut() else { return self.lexer.next_token() };
        let tok = frame.tokens.get(frame.at).cloned();
        frame.at += 1;
        tok.ok_or_else(|| ScriptError::at(Span::default(), "internal: read past the end of a loop body"))
    }

    /// The next token with its substitutions made.
    fn fetch(&mut self) -> Result<Token, ScriptError> {
        let mut tok = self.next_raw()?;
        match &tok.tok {
            Tok::Word(w) if w.contains('{') => tok.tok = Tok::Word(substitute(w, tok.span, 0, false, &self.vars)?),
            Tok::ByteTemplate(text) => {
                let bytes = substitute(text, tok.span, 2, true, &self.vars)?;
                tok.tok = Tok::Bytes(bytes.into_bytes());
            }
            _ => {}
        }
        Ok(tok)
    }

    fn next(&mut self) -> Result<Token, ScriptError> {
        match self.peeked.take() {
            Some(t) => Ok(t),
            None => self.fetch(),
        }
    }

    fn peek(&mut self) -> Result<&Token, ScriptError> {
        if self.peeked.is_none() {
            self.peeked = Some(self.fetch()?);
        }
        match &self.peeked {
            Some(t) => Ok(t),
            None => Err(ScriptError::at(Span::default(), "internal: lost a token")),
        }
    }

    fn at_end_of_command(&mut self) -> Result<bool, ScriptError> {
        Ok(matches!(self.peek()?.tok, Tok::Newline | Tok::Eof | Tok::RBrace))
    }

    /// Requires the end of the command (line break, `;`, end of input, or a
    /// block's closing `}` which is left for the block to take).
    fn end_command(&mut self, what: &str) -> Result<(), ScriptError> {
        let tok = self.peek()?.clone();
        match tok.tok {
            Tok::Newline => {
                self.next()?;
                Ok(())
            }
            Tok::Eof | Tok::RBrace => Ok(()),
            other => Err(ScriptError::at(tok.span, format!("unexpected {} after `{what}`", describe(&other)))),
        }
    }

    fn word(&mut self, expected: &str) -> Result<(String, Span), ScriptError> {
        let tok = self.next()?;
        match tok.tok {
            Tok::Word(w) => Ok((w, tok.span)),
            Tok::Eof if self.depth > 0 => {
                Err(ScriptError::incomplete(tok.span, format!("expected {expected}, found end of input")))
            }
            other => Err(ScriptError::at(tok.span, format!("expected {expected}, found {}", describe(&other)))),
        }
    }

    fn keyword(&mut self, kw: &str) -> Result<(), ScriptError> {
        let (w, span) = self.word(&format!("`{kw}`"))?;
        if w == kw {
            Ok(())
        } else {
            Err(ScriptError::at(span, format!("expected `{kw}`, found `{w}`")))
        }
    }

    /// An integer of at most `max`; `what` names it in errors.
    fn bounded(&mut self, what: &str, max: u64) -> Result<u64, ScriptError> {
        let span = self.peek()?.span;
        let value = self.integer(what)?;
        if value > max {
            return Err(ScriptError::at(span, format!("{what} {value} is over the limit of {}", thousands(max))));
        }
        Ok(value)
    }

    fn integer(&mut self, what: &str) -> Result<u64, ScriptError> {
        let (w, span) = self.word(what)?;
        match parse_int(&w) {
            Some((v, None | Some(IntSuffix::U64))) => {
                u64::try_from(v).map_err(|_| ScriptError::at(span, format!("{what} `{w}` does not fit in u64")))
            }
            _ => Err(ScriptError::at(span, format!("expected {what}, found `{w}`"))),
        }
    }

    /// Parses the command that starts with `first` into `out`: one command,
    /// or for a `for` all that it expands to.
    fn command(&mut self, first: Token, out: &mut Vec<Command>) -> Result<(), ScriptError> {
        let span = first.span;
        let Tok::Word(word) = &first.tok else {
            return Err(ScriptError::at(span, format!("expected a command, found {}", describe(&first.tok))));
        };
        let kind = match word.as_str() {
            "for" => {
                let lp = self.for_header()?;
                return self.expand(lp, out, |parser, tok, out| parser.command(tok, out));
            }
            "module" if !self.frames.is_empty() => {
                // The body's tokens are script tokens; a module's text is not.
                return Err(ScriptError::at(
                    span,
                    "an inline `module` cannot be inside a `for`: publish it before the loop",
                ));
            }
            "module" => {
                let text = self.lexer.raw_module(&first)?;
                CommandKind::Publish(PublishSource::Inline { text })
            }
            "publish" => self.publish()?,
            "account" => {
                let (name, name_span) = self.word("an account name")?;
                check_name(&name, name_span)?;
                if self.at_end_of_command()? {
                    CommandKind::Account { name, address: None }
                } else {
                    let (w, s) = self.word("an address or `= view ...`")?;
                    if w == "=" {
                        self.keyword("view")?;
                        CommandKind::AccountOf { name, view: self.view()? }
                    } else {
                        let address = parse_address(&w).ok_or_else(|| {
                            ScriptError::at(
                                s,
                                format!("expected @0x... or `= view MODULE::FUNCTION ARGS`, found `{w}`"),
                            )
                        })?;
                        CommandKind::Account { name, address: Some(address) }
                    }
                }
            }
            "accounts" => CommandKind::Accounts,
            "call" => CommandKind::Call(self.call(span)?),
            "block" => {
                let block = self.block(span)?;
                return self.produce(block, span, out);
            }
            "transfers" => CommandKind::Transfers(self.transfers()?),
            "show" => CommandKind::Show(self.show_target()?),
            "access" => CommandKind::Access(self.function_ref()?),
            "view" => CommandKind::View(self.view()?),
            "modules" => CommandKind::Modules,
            "events" => {
                let all = if self.at_end_of_command()? {
                    false
                } else {
                    self.keyword("all")?;
                    true
                };
                CommandKind::Events { all }
            }
            "root" => CommandKind::Root,
            "prove" => CommandKind::Prove(self.resource_ref()?),
            "snapshot" => CommandKind::Snapshot(self.word("a snapshot name")?.0),
            "restore" => CommandKind::Restore(self.word("a snapshot name")?.0),
            "undo" => CommandKind::Undo,
            "expect" => CommandKind::Expect(self.expectation()?),
            "time" => {
                let change = if self.at_end_of_command()? { None } else { Some(self.time_change()?) };
                CommandKind::Time(change)
            }
            "height" => {
                let height = if self.at_end_of_command()? { None } else { Some(self.integer("a block height")?) };
                CommandKind::Height(height)
            }
            "help" => {
                let topic = if self.at_end_of_command()? { None } else { Some(self.word("a command name")?.0) };
                CommandKind::Help(topic)
            }
            other => {
                return Err(ScriptError::at(span, format!("unknown command `{other}` (try `help`)")));
            }
        };
        self.end_command(word)?;
        self.produce(Command { kind, span }, span, out)
    }

    /// Adds a command or call to `out`, counting it against the expansion
    /// limit when a loop produced it.
    fn produce<T>(&mut self, item: T, span: Span, out: &mut Vec<T>) -> Result<(), ScriptError> {
        if !self.frames.is_empty() {
            self.produced += 1;
            if self.produced > MAX_LOOP_EXPANSION {
                return Err(ScriptError::at(
                    span,
                    format!("the `for` loops produce more than {} commands and calls", thousands(MAX_LOOP_EXPANSION)),
                ));
            }
        }
        out.push(item);
        Ok(())
    }

    /// `for VAR in START..END {` and the body through its `}`, as written.
    /// START and END may be substitutions of outer loops' variables.
    fn for_header(&mut self) -> Result<Loop, ScriptError> {
        let (var, var_span) = self.word("a loop variable")?;
        if self.vars.len() >= MAX_LOOP_NESTING {
            return Err(ScriptError::at(var_span, format!("loops nested more than {MAX_LOOP_NESTING} deep")));
        }
        let is_ident = var.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !is_ident {
            return Err(ScriptError::at(
                var_span,
                format!("`{var}` is not a loop variable name (letters, digits, `_`)"),
            ));
        }
        if self.vars.iter().any(|(v, _)| *v == var) {
            return Err(ScriptError::at(
                var_span,
                format!("`{var}` is already a loop variable here: choose another name"),
            ));
        }
        self.keyword("in")?;
        let (range, range_span) = self.word("a range START..END")?;
        let bound = |text: &str| -> Result<u64, ScriptError> {
            // A bound is a number, or a substitution already made by `fetch`.
            eval(text, &[]).map_err(|_| {
                ScriptError::at(range_span, format!("expected a range START..END of u64 numbers, found `{range}`"))
            })
        };
        let Some((start, end)) = range.split_once("..") else {
            return Err(ScriptError::at(range_span, format!("expected a range START..END, found `{range}`")));
        };
        let (start, end) = (bound(start)?, bound(end)?);
        if start > end {
            return Err(ScriptError::at(range_span, format!("the range {start}..{end} runs backwards")));
        }
        let open = self.next()?;
        match open.tok {
            Tok::LBrace => {}
            Tok::Eof => return Err(ScriptError::incomplete(open.span, "expected `{` after the range")),
            other => {
                return Err(ScriptError::at(
                    open.span,
                    format!("expected `{{` after the range, found {}", describe(&other)),
                ))
            }
        }
        if self.peeked.is_some() {
            return Err(ScriptError::at(open.span, "internal: a token was read ahead of a loop body"));
        }
        // The body through its matching `}`; the braces of blocks and loops
        // inside it pair up (a substitution's braces are inside its word).
        let mut body = Vec::new();
        let mut depth = 1usize;
        loop {
            let tok = self.next_raw()?;
            match tok.tok {
                Tok::LBrace => depth += 1,
                Tok::RBrace => depth -= 1,
                Tok::Eof => return Err(ScriptError::incomplete(open.span, "unclosed `for`: missing `}`")),
                _ => {}
            }
            body.push(tok);
            if depth == 0 {
                break;
            }
        }
        Ok(Loop { var, start, end, range_span, body: body.into() })
    }

    /// Parses the body of `lp` once for each value of its variable, each
    /// command (or call, in a block) with `item` into `out`.
    fn expand<T>(
        &mut self,
        lp: Loop,
        out: &mut Vec<T>,
        mut item: impl FnMut(&mut Self, Token, &mut Vec<T>) -> Result<(), ScriptError>,
    ) -> Result<(), ScriptError> {
        let runs = lp.end - lp.start;
        if runs > MAX_LOOP_EXPANSION - self.iterations {
            return Err(ScriptError::at(
                lp.range_span,
                format!("the `for` loops run more than {} iterations", thousands(MAX_LOOP_EXPANSION)),
            ));
        }
        self.iterations += runs;
        for value in lp.start..lp.end {
            self.vars.push((lp.var.clone(), value));
            self.frames.push(Frame { tokens: lp.body.clone(), at: 0 });
            let result = self.body(out, &mut item);
            self.frames.pop();
            self.vars.pop();
            result?;
        }
        Ok(())
    }

    /// The commands of one pass over the innermost loop body, through its `}`.
    fn body<T>(
        &mut self,
        out: &mut Vec<T>,
        item: &mut impl FnMut(&mut Self, Token, &mut Vec<T>) -> Result<(), ScriptError>,
    ) -> Result<(), ScriptError> {
        loop {
            let tok = self.next()?;
            match tok.tok {
                Tok::Newline => continue,
                // Braces inside the body pair up, so this is its own `}`.
                Tok::RBrace => return Ok(()),
                _ => item(self, tok, out)?,
            }
        }
    }

    fn publish(&mut self) -> Result<CommandKind, ScriptError> {
        let tok = self.next()?;
        let path = match tok.tok {
            Tok::Word(w) if w == "stdlib" => {
                let name = if self.at_end_of_command()? { None } else { Some(self.word("a module name")?.0) };
                return Ok(CommandKind::Publish(PublishSource::Stdlib(name)));
            }
            Tok::Word(w) | Tok::Str(w) => w,
            other => {
                return Err(ScriptError::at(tok.span, format!("expected a file path, found {}", describe(&other))));
            }
        };
        Ok(CommandKind::Publish(PublishSource::Path(path)))
    }

    fn address_ref(&mut self) -> Result<Spanned<AddressRef>, ScriptError> {
        let (w, span) = self.word("an account name or @address")?;
        address_ref(&w, span).map(|r| Spanned::new(r, span))
    }

    /// `ACCOUNT MODULE::Resource`, `ACCOUNT MODULE::Resource<TYPES>`, and
    /// either with `[INDEX]` after it (a keyed entry).
    fn resource_ref(&mut self) -> Result<ResourceRef, ScriptError> {
        let address = self.address_ref()?;
        let (w, span) = self.generic_word("MODULE::Resource")?;
        let (path, type_args) = split_type_args(&w, span)?;
        let (module, resource) = split_item(path, span, "MODULE::Resource")?;
        let index = self.index()?;
        Ok(ResourceRef { address, module, resource, type_args, index, span })
    }

    /// `show ACCOUNT`, or `show MODULE::Resource@ACCOUNT` with an optional
    /// `[INDEX]` (the notation of access sets: `Allowance@alice[bob]`).
    fn show_target(&mut self) -> Result<ShowTarget, ScriptError> {
        let is_type = matches!(&self.peek()?.tok, Tok::Word(w) if w.contains("::"));
        if !is_type {
            return Ok(ShowTarget::Account(self.address_ref()?));
        }
        let (w, span) = self.generic_word("MODULE::Resource@ACCOUNT")?;
        // A type never holds `@`: the last one separates the account.
        let Some((ty, account)) = w.rsplit_once('@') else {
            return Err(ScriptError::at(
                span,
                format!("expected MODULE::Resource@ACCOUNT[INDEX], found `{w}` (or `show ACCOUNT` for all of them)"),
            ));
        };
        let (path, type_args) = split_type_args(ty, span)?;
        let (module, resource) = split_item(path, span, "MODULE::Resource")?;
        let at = Span { line: span.line, col: span.col + ty.chars().count() as u32 + 1 };
        let address = Spanned::new(address_ref(account, at)?, at);
        let index = self.index()?;
        Ok(ShowTarget::Resource(ResourceRef { address, module, resource, type_args, index, span }))
    }

    /// An optional `[INDEX]` right after a resource type: one argument literal.
    fn index(&mut self) -> Result<Option<Spanned<Literal>>, ScriptError> {
        if !matches!(self.peek()?.tok, Tok::LBracket) {
            return Ok(None);
        }
        let open = self.next()?;
        if matches!(self.peek()?.tok, Tok::RBracket | Tok::Newline | Tok::Eof) {
            return Err(ScriptError::at(open.span, "expected an index between `[` and `]`"));
        }
        let index = if matches!(self.peek()?.tok, Tok::LParen) { self.index_fields()? } else { self.literal()? };
        let close = self.next()?;
        if close.tok != Tok::RBracket {
            return Err(ScriptError::at(
                close.span,
                format!("expected `]` after the index, found {}", describe(&close.tok)),
            ));
        }
        Ok(Some(index))
    }

    /// `(alice, 7)` inside an index's brackets: the fields of a struct the
    /// code builds as the index, each a plain argument.
    fn index_fields(&mut self) -> Result<Spanned<Literal>, ScriptError> {
        let open = self.next()?;
        let mut fields = vec![self.literal()?];
        loop {
            let next = self.next()?;
            match next.tok {
                Tok::Comma => fields.push(self.literal()?),
                Tok::RParen => return Ok(Spanned::new(Literal::Fields(fields), open.span)),
                other => {
                    let found = describe(&other);
                    return Err(ScriptError::at(
                        next.span,
                        format!("expected `,` or `)` in the index's fields, found {found}"),
                    ));
                }
            }
        }
    }

    /// `T` (seconds) or `+N` (seconds from now).
    fn time_change(&mut self) -> Result<TimeChange, ScriptError> {
        let (w, span) = self.word("a block time (seconds) or +SECONDS")?;
        let (advance, digits) = match w.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, w.as_str()),
        };
        let value = match parse_int(digits) {
            Some((v, None | Some(IntSuffix::U64))) => u64::try_from(v)
                .map_err(|_| ScriptError::at(span, format!("the block time `{w}` does not fit in u64")))?,
            _ => {
                return Err(ScriptError::at(span, format!("expected a block time (seconds) or +SECONDS, found `{w}`")))
            }
        };
        Ok(if advance { TimeChange::Advance(value) } else { TimeChange::Set(value) })
    }

    fn function_ref(&mut self) -> Result<Spanned<FunctionRef>, ScriptError> {
        let (w, span) = self.generic_word("MODULE::FUNCTION")?;
        let (path, type_args) = split_type_args(&w, span)?;
        let (module, name) = split_item(path, span, "MODULE::FUNCTION")?;
        Ok(Spanned::new(FunctionRef { module, name, type_args }, span))
    }

    /// A word, and when it opens more `<` than it closes, the words and
    /// commas that follow up to the matching `>` (the lexer splits
    /// `f<u8, u64>` at the comma and the space): joined, the whole name.
    fn generic_word(&mut self, what: &str) -> Result<(String, Span), ScriptError> {
        let (mut w, span) = self.word(what)?;
        let open = |w: &str| w.matches('<').count() > w.matches('>').count();
        while open(&w) && !self.at_end_of_command()? {
            match self.next()?.tok {
                Tok::Comma => w.push_str(", "),
                Tok::Word(more) => {
                    if !w.ends_with(' ') {
                        w.push(' ');
                    }
                    w.push_str(&more);
                }
                other => {
                    return Err(ScriptError::at(span, format!("expected a type argument, found {}", describe(&other))))
                }
            }
        }
        Ok((w, span))
    }

    fn call(&mut self, span: Span) -> Result<CallSpec, ScriptError> {
        let sender = self.address_ref()?;
        let function = self.function_ref()?;
        let mut args = Vec::new();
        let mut gas = None;
        while !self.at_end_of_command()? {
            if matches!(&self.peek()?.tok, Tok::Word(w) if w == "gas") {
                let gas_tok = self.next()?;
                // `gas N` only at the very end; otherwise `gas` is an account name.
                if !self.at_end_of_command()? {
                    let limit = self.bounded("the gas limit", MAX_GAS_LIMIT)?;
                    if self.at_end_of_command()? {
                        gas = Some(limit);
                        break;
                    }
                    return Err(ScriptError::at(gas_tok.span, "`gas N` must come last in a call"));
                }
                args.push(Spanned::new(Literal::Address(AddressRef::Name("gas".into())), gas_tok.span));
                continue;
            }
            args.push(self.literal()?);
        }
        Ok(CallSpec { sender, function, args, gas, span })
    }

    fn view(&mut self) -> Result<ViewSpec, ScriptError> {
        let function = self.function_ref()?;
        let mut args = Vec::new();
        while !self.at_end_of_command()? {
            args.push(self.literal()?);
        }
        Ok(ViewSpec { function, args })
    }

    fn literal(&mut self) -> Result<Spanned<Literal>, ScriptError> {
        let tok = self.next()?;
        let span = tok.span;
        let lit = match tok.tok {
            Tok::Word(w) => word_literal(&w, span)?,
            Tok::Bytes(b) => Literal::Bytes(b),
            Tok::LBracket => {
                if self.nesting >= MAX_LITERAL_NESTING {
                    return Err(ScriptError::at(
                        span,
                        format!("vectors nested more than {MAX_LITERAL_NESTING} deep in one argument"),
                    ));
                }
                self.nesting += 1;
                let items = self.vector_items(span);
                self.nesting -= 1;
                Literal::Vector(items?)
            }
            Tok::Str(_) => return Err(ScriptError::at(span, "strings are not values: write bytes as b\"...\"")),
            other => return Err(ScriptError::at(span, format!("expected an argument, found {}", describe(&other)))),
        };
        Ok(Spanned::new(lit, span))
    }

    /// The items of a vector literal after its `[` (at `span`), through its `]`.
    fn vector_items(&mut self, span: Span) -> Result<Vec<Spanned<Literal>>, ScriptError> {
        let mut items = Vec::new();
        loop {
            if matches!(self.peek()?.tok, Tok::RBracket) {
                self.next()?;
                break;
            }
            if matches!(self.peek()?.tok, Tok::Newline | Tok::Eof) {
                return Err(ScriptError::at(span, "unclosed `[`: a vector ends on the line it starts"));
            }
            items.push(self.literal()?);
            let sep = self.next()?;
            match sep.tok {
                Tok::Comma => {}
                Tok::RBracket => break,
                Tok::Newline | Tok::Eof => {
                    return Err(ScriptError::at(span, "unclosed `[`: a vector ends on the line it starts"))
                }
                other => {
                    return Err(ScriptError::at(sep.span, format!("expected `,` or `]`, found {}", describe(&other))))
                }
            }
        }
        Ok(items)
    }

    fn block(&mut self, span: Span) -> Result<Command, ScriptError> {
        let open = self.next()?;
        match open.tok {
            Tok::LBrace => {}
            Tok::Eof => return Err(ScriptError::incomplete(open.span, "expected `{` after `block`")),
            other => {
                return Err(ScriptError::at(
                    open.span,
                    format!("expected `{{` after `block`, found {}", describe(&other)),
                ))
            }
        }
        let mut calls = Vec::new();
        self.depth += 1;
        loop {
            let tok = self.next()?;
            match &tok.tok {
                Tok::Newline => continue,
                Tok::RBrace => break,
                Tok::Eof => return Err(ScriptError::incomplete(open.span, "unclosed block: missing `}`")),
                _ => self.block_item(tok, &mut calls)?,
            }
        }
        self.depth -= 1;
        self.end_command("block")?;
        Ok(Command { kind: CommandKind::Block(calls), span })
    }

    /// A `call` in a block, or a `for` whose body holds calls (and loops).
    fn block_item(&mut self, tok: Token, calls: &mut Vec<CallSpec>) -> Result<(), ScriptError> {
        match &tok.tok {
            Tok::Word(w) if w == "call" => {
                let call = self.call(tok.span)?;
                self.end_command("call")?;
                self.produce(call, tok.span, calls)
            }
            Tok::Word(w) if w == "for" => {
                let lp = self.for_header()?;
                self.expand(lp, calls, |parser, tok, calls| parser.block_item(tok, calls))
            }
            other => Err(ScriptError::at(
                tok.span,
                format!("a block holds only `call`s and `for` loops of them, found {}", describe(other)),
            )),
        }
    }

    fn transfers(&mut self) -> Result<TransfersSpec, ScriptError> {
        let txs = self.bounded("the number of transfers", MAX_TRANSFERS)?;
        self.keyword("between")?;
        let accounts_span = self.peek()?.span;
        let accounts = self.bounded("the number of accounts", MAX_TRANSFER_ACCOUNTS)?;
        self.keyword("accounts")?;
        let mut spec =
            TransfersSpec { txs, accounts, amount: DEFAULT_TRANSFER_AMOUNT, seed: 0, hot: false, module: None };
        while !self.at_end_of_command()? {
            let (opt, span) = self.word("an option")?;
            match opt.as_str() {
                "amount" => spec.amount = self.integer("an amount")?,
                "seed" => spec.seed = self.integer("a seed")?,
                "hot" => spec.hot = true,
                "module" => {
                    let (w, s) = self.word("a module")?;
                    spec.module = Some(Spanned::new(module_ref(&w, s)?, s));
                }
                other => {
                    return Err(ScriptError::at(
                        span,
                        format!("unknown option `{other}` (expected amount, seed, hot or module)"),
                    ))
                }
            }
        }
        if spec.accounts < 2 {
            return Err(ScriptError::at(accounts_span, "transfers need at least 2 accounts"));
        }
        Ok(spec)
    }

    fn expectation(&mut self) -> Result<Expectation, ScriptError> {
        let (w, span) = self.word(
            "success, abort CODE|NAME, failure, out-of-gas, access-violation, counter-overflow, field, missing or view",
        )?;
        Ok(match w.as_str() {
            "success" => Expectation::Success,
            "abort" => {
                // A constant's name starts with a letter or `_`, a code with a digit.
                let named =
                    matches!(&self.peek()?.tok, Tok::Word(w) if w.starts_with(|c: char| c.is_alphabetic() || c == '_'));
                if named {
                    Expectation::AbortNamed(self.word("an abort code or its constant's name")?.0)
                } else {
                    Expectation::Abort(self.integer("an abort code")?)
                }
            }
            "failure" => Expectation::Failure,
            "out-of-gas" => Expectation::OutOfGas,
            "access-violation" => Expectation::AccessViolation,
            "counter-overflow" => Expectation::CounterOverflow,
            "field" | "missing" => {
                let address = self.address_ref()?;
                let (mut path_word, path_span) = self.generic_word("MODULE::Resource.field")?;
                // A keyed entry: `Allowance[bob].amount` lexes as the type,
                // the bracketed index, and `.amount`.
                let index = self.index()?;
                if index.is_some() {
                    if let Tok::Word(fields) = &self.peek()?.tok {
                        if fields.starts_with('.') {
                            path_word.push_str(fields);
                            self.next()?;
                        }
                    }
                }
                // Fields start at the first `.` after the type arguments' closing `>`.
                let after_args = path_word.rfind('>').map_or(0, |i| i + 1);
                let dot = path_word[after_args..].find('.').map_or(path_word.len(), |i| i + after_args);
                let (item, fields) = path_word.split_at(dot);
                let (item, type_args) = split_type_args(item, path_span)?;
                let (module, resource) = split_item(item, path_span, "MODULE::Resource")?;
                let path: Vec<String> = fields.split('.').skip(1).map(str::to_string).collect();
                if w == "missing" {
                    if !path.is_empty() {
                        return Err(ScriptError::at(path_span, "`expect missing` takes a resource, not a field"));
                    }
                    return Ok(Expectation::Missing { address, module, resource, type_args, index });
                }
                let (eq, eq_span) = self.word("`==`")?;
                if eq != "==" {
                    return Err(ScriptError::at(eq_span, format!("expected `==`, found `{eq}`")));
                }
                let value = self.literal()?;
                Expectation::Field { address, module, resource, type_args, index, path, value }
            }
            "view" => {
                let function = self.function_ref()?;
                let mut args = Vec::new();
                while !matches!(&self.peek()?.tok, Tok::Word(w) if w == "==") {
                    if self.at_end_of_command()? {
                        let at = self.peek()?.span;
                        return Err(ScriptError::at(at, "expected `==` and the values the view returns"));
                    }
                    args.push(self.literal()?);
                }
                self.next()?;
                // One value per return value, separated by commas.
                let mut values = vec![self.literal()?];
                while matches!(self.peek()?.tok, Tok::Comma) {
                    self.next()?;
                    values.push(self.literal()?);
                }
                Expectation::View { view: ViewSpec { function, args }, values }
            }
            other => return Err(ScriptError::at(span, format!("unknown expectation `{other}`"))),
        })
    }
}
