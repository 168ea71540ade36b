//! Tokens to items. Recursion is bounded (types and constant values nest at
//! most 64 deep), so no input can exhaust the stack.

use crate::encoding::limits::{MAX_CONST_DEPTH, MAX_IDENTIFIER_LEN, MAX_TYPE_DEPTH, MAX_TYPE_PARAMS};
use crate::file_format::{Abilities, AccountAddress, ConstValue, StructTypeParam, U256};

use super::ast::*;
use super::lexer::{Pos, Tok, Token};
use super::{type_param_index, AsmError};

type Result<T> = std::result::Result<T, AsmError>;

pub(crate) struct Parser {
    tokens: Vec<Token>,
    next: usize,
    /// False inside a function body, where a newline ends an instruction.
    pub(super) skip_newlines: bool,
    eof: Token,
}

/// Splits a number literal into its value text and its type suffix, if any.
fn split_suffix(text: &str) -> (&str, Option<&str>) {
    // `u256` and `u128` before the shorter suffixes they do not end with
    // anyway; the order only has to try each once.
    for suffix in ["u128", "u256", "u64", "u32", "u16", "u8"] {
        if let Some(body) = text.strip_suffix(suffix) {
            return (body, Some(suffix));
        }
    }
    (text, None)
}

/// Whether the text is decimal or `0x` hex digits (`_` allowed), of any size:
/// such a literal that does not parse is out of range, not malformed.
fn is_number(body: &str) -> bool {
    let (digits, radix) = match body.strip_prefix("0x") {
        Some(hex) => (hex, 16),
        None => (body, 10),
    };
    digits.chars().any(|c| c != '_') && digits.chars().all(|c| c == '_' || c.is_digit(radix))
}

/// Parses decimal or `0x` hex digits, `_` separators allowed, up to `U256::MAX`.
fn parse_u256(body: &str) -> Option<U256> {
    let (digits, radix) = match body.strip_prefix("0x") {
        Some(hex) => (hex, 16),
        None => (body, 10),
    };
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    U256::from_str_radix(&clean, radix)
}

/// Parses decimal or `0x` hex digits, `_` separators allowed.
fn parse_u128(body: &str) -> Option<u128> {
    let (digits, radix) = match body.strip_prefix("0x") {
        Some(hex) => (hex, 16),
        None => (body, 10),
    };
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    if clean.is_empty() || !clean.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u128::from_str_radix(&clean, radix).ok()
}

const ITEMS: &str =
    "an item (`module`, `use`, `friend`, `struct`, `const`, `signature`, `struct_inst`, `fun_inst` or `fun`)";

impl Parser {
    pub fn new(tokens: Vec<Token>) -> Self {
        let end = tokens.last().map(|t| t.pos).unwrap_or_default();
        Parser { tokens, next: 0, skip_newlines: true, eof: Token { tok: Tok::Eof, pos: end } }
    }

    /// The `n`th token ahead, skipping newlines outside bodies.
    pub(super) fn peek_nth(&self, n: usize) -> &Token {
        let mut seen = 0;
        let mut i = self.next;
        while let Some(token) = self.tokens.get(i) {
            if !(self.skip_newlines && token.tok == Tok::Newline) {
                if seen == n {
                    return token;
                }
                seen += 1;
            }
            i += 1;
        }
        &self.eof
    }

    pub(super) fn peek(&self) -> &Token {
        self.peek_nth(0)
    }

    pub(super) fn bump(&mut self) -> Token {
        if self.skip_newlines {
            while self.tokens.get(self.next).is_some_and(|t| t.tok == Tok::Newline) {
                self.next += 1;
            }
        }
        let token = self.tokens.get(self.next).cloned().unwrap_or_else(|| self.eof.clone());
        self.next += 1;
        token
    }

    pub(super) fn unexpected<T>(&self, expected: &str) -> Result<T> {
        let token = self.peek();
        Err(token.pos.error(format!("expected {expected}, found {}", token.tok.describe())))
    }

    pub(super) fn at_punct(&self, c: char) -> bool {
        self.peek().tok == Tok::Punct(c)
    }

    pub(super) fn at_ident(&self, word: &str) -> bool {
        matches!(&self.peek().tok, Tok::Ident(w) if w == word)
    }

    pub(super) fn eat_punct(&mut self, c: char) -> bool {
        let found = self.at_punct(c);
        if found {
            self.bump();
        }
        found
    }

    pub(super) fn eat_ident(&mut self, word: &str) -> bool {
        let found = self.at_ident(word);
        if found {
            self.bump();
        }
        found
    }

    pub(super) fn expect_punct(&mut self, c: char) -> Result<Pos> {
        if self.at_punct(c) {
            return Ok(self.bump().pos);
        }
        self.unexpected(&format!("`{c}`"))
    }

    pub(super) fn expect_path_sep(&mut self) -> Result<()> {
        if self.peek().tok == Tok::PathSep {
            self.bump();
            return Ok(());
        }
        self.unexpected("`::`")
    }

    pub(super) fn ident(&mut self, what: &str) -> Result<(String, Pos)> {
        if let Tok::Ident(name) = &self.peek().tok {
            let name = name.clone();
            let pos = self.bump().pos;
            if name.len() > MAX_IDENTIFIER_LEN {
                return Err(pos.error(format!("name longer than {MAX_IDENTIFIER_LEN} bytes")));
            }
            return Ok((name, pos));
        }
        self.unexpected(what)
    }

    pub(super) fn number(&mut self, what: &str) -> Result<(String, Pos)> {
        if let Tok::Number(text) = &self.peek().tok {
            let text = text.clone();
            return Ok((text, self.bump().pos));
        }
        self.unexpected(what)
    }

    pub(super) fn address(&mut self) -> Result<AccountAddress> {
        let (text, pos) = self.number("an address like `0x1`")?;
        AccountAddress::parse(&text)
            .ok_or_else(|| pos.error(format!("`{text}` is not an address: write 0x and 1 to 64 hex digits")))
    }

    /// An unsigned integer operand or index; `what` names it in errors. Only
    /// an immediate of that integer type may carry a suffix (`ld_u8 7u8`).
    pub(super) fn integer(&mut self, max: u128, what: &str) -> Result<u128> {
        let (text, pos) = self.number(what)?;
        let (body, suffix) = split_suffix(&text);
        if let Some(suffix) = suffix.filter(|s| !what.ends_with(s)) {
            return Err(pos.error(format!("`{text}`: a {suffix} suffix does not fit {what}")));
        }
        match parse_u128(body) {
            Some(value) if value <= max => Ok(value),
            Some(_) => Err(pos.error(format!("{text} is too large for {what} (at most {max})"))),
            None => Err(pos.error(format!("`{text}` is not a number"))),
        }
    }

    /// `ld_u256`'s immediate: any value up to `U256::MAX`, optionally with a
    /// `u256` suffix.
    pub(super) fn wide_integer(&mut self, what: &str) -> Result<U256> {
        let (text, pos) = self.number(what)?;
        let (body, suffix) = split_suffix(&text);
        if let Some(suffix) = suffix.filter(|s| !what.ends_with(s)) {
            return Err(pos.error(format!("`{text}`: a {suffix} suffix does not fit {what}")));
        }
        match parse_u256(body) {
            Some(value) => Ok(value),
            None if is_number(body) => {
                Err(pos.error(format!("{text} is too large for {what} (at most {})", U256::MAX)))
            }
            None => Err(pos.error(format!("`{text}` is not a number"))),
        }
    }

    /// `#7` or `#7?` (the disassembler's mark for an index out of range).
    pub(super) fn raw_index(&mut self, max: u128, what: &str) -> Result<u128> {
        self.expect_punct('#')?;
        let value = self.integer(max, what)?;
        self.eat_punct('?');
        Ok(value)
    }

    /// A newline, the end of input or (in a body) a closing brace must follow.
    pub(super) fn end_of_line(&mut self) -> Result<()> {
        match self.tokens.get(self.next).map(|t| &t.tok) {
            None | Some(Tok::Newline | Tok::Eof) => Ok(()),
            Some(Tok::Punct('}')) if !self.skip_newlines => Ok(()),
            Some(_) => self.unexpected("end of line"),
        }
    }

    pub fn items(&mut self) -> Result<Vec<Located<Item>>> {
        let mut items = Vec::new();
        while self.peek().tok != Tok::Eof {
            let pos = self.peek().pos;
            let item = self.item()?;
            self.end_of_line()?;
            items.push(Located { node: item, pos });
        }
        Ok(items)
    }

    fn item(&mut self) -> Result<Item> {
        let keyword = match &self.peek().tok {
            Tok::Ident(word) => word.clone(),
            _ => return self.unexpected(ITEMS),
        };
        match keyword.as_str() {
            "module" => {
                self.bump();
                let address = self.address()?;
                self.expect_path_sep()?;
                Ok(Item::Module(address, self.ident("a module name")?.0))
            }
            "friend" => {
                self.bump();
                let address = self.address()?;
                self.expect_path_sep()?;
                Ok(Item::Friend(address, self.ident("a module name")?.0))
            }
            "use" => {
                self.bump();
                let address = self.address()?;
                self.expect_path_sep()?;
                let name = self.ident("a module name")?.0;
                let alias = if self.eat_ident("as") { Some(self.ident("an alias")?.0) } else { None };
                Ok(Item::Use { address, name, alias })
            }
            "struct" => {
                self.bump();
                self.struct_item()
            }
            "const" => {
                self.bump();
                let name = self.ident("a constant name")?.0;
                self.expect_punct(':')?;
                let ty = self.ty()?;
                self.expect_punct('=')?;
                let value = self.const_value(Some(&ty), 0)?;
                Ok(Item::Const { name, ty, value })
            }
            "signature" => {
                self.bump();
                Ok(Item::Signature(self.ty()?))
            }
            "struct_inst" => {
                self.bump();
                let name = self.name_ref(true)?;
                Ok(Item::StructInst(name, self.type_args(0)?))
            }
            "fun_inst" => {
                self.bump();
                let name = self.name_ref(true)?;
                Ok(Item::FunInst(name, self.type_args(0)?))
            }
            "public" | "entry" | "fun" => Ok(Item::Fun(self.function()?)),
            _ => self.unexpected(ITEMS),
        }
    }

    /// `Name`, `alias::Name`, `0x1::m::Name` or `#7`.
    pub(super) fn name_ref(&mut self, allow_raw: bool) -> Result<Located<NameRef>> {
        let pos = self.peek().pos;
        let node = match self.peek().tok.clone() {
            Tok::Punct('#') if allow_raw => NameRef::Raw(self.raw_index(u128::from(u16::MAX), "an index")? as u16),
            Tok::Number(_) => {
                let address = self.address()?;
                self.expect_path_sep()?;
                let module = self.ident("a module name")?.0;
                self.expect_path_sep()?;
                NameRef::Qualified(ModulePath::Full(address, module), self.ident("a name")?.0)
            }
            Tok::Ident(first) => {
                self.bump();
                if self.peek().tok == Tok::PathSep {
                    self.bump();
                    NameRef::Qualified(ModulePath::Alias(first), self.ident("a name")?.0)
                } else {
                    NameRef::Local(first)
                }
            }
            _ => return self.unexpected("a name"),
        };
        Ok(Located { node, pos })
    }

    /// `copy`, `drop`, `store` or `key`.
    fn ability(&mut self) -> Result<Abilities> {
        let (word, pos) = self.ident("an ability")?;
        match word.as_str() {
            "copy" => Ok(Abilities::COPY),
            "drop" => Ok(Abilities::DROP),
            "store" => Ok(Abilities::STORE),
            "key" => Ok(Abilities::KEY),
            _ => Err(pos.error(format!("unknown ability `{word}`: use copy, drop, store or key"))),
        }
    }

    /// `<phantom T0: copy + drop, T1>` after a struct or function name, or
    /// nothing. Type parameters are positional, so the names must be `T0`,
    /// `T1`, ... in order; `phantom` is for structs only.
    pub(super) fn type_params(&mut self, structs: bool) -> Result<Vec<StructTypeParam>> {
        let mut params = Vec::new();
        if !self.eat_punct('<') {
            return Ok(params);
        }
        while !self.eat_punct('>') {
            let pos = self.peek().pos;
            let is_phantom = structs && self.at_ident("phantom") && matches!(self.peek_nth(1).tok, Tok::Ident(_));
            if is_phantom {
                self.bump();
            }
            let (name, name_pos) = self.ident("a type parameter (`T0`, `T1`, ...)")?;
            if params.len() >= MAX_TYPE_PARAMS {
                return Err(pos.error(format!("more than {MAX_TYPE_PARAMS} type parameters")));
            }
            let expected = format!("T{}", params.len());
            if name != expected {
                return Err(name_pos.error(format!(
                    "type parameters are positional: this one must be named `{expected}`, not `{name}`"
                )));
            }
            let mut constraints = Abilities::EMPTY;
            if self.eat_punct(':') {
                loop {
                    constraints = constraints.union(self.ability()?);
                    if !self.eat_punct('+') {
                        break;
                    }
                }
            }
            params.push(StructTypeParam { constraints, is_phantom });
            if !self.eat_punct(',') {
                self.expect_punct('>')?;
                break;
            }
        }
        Ok(params)
    }

    /// `<A, B>` (possibly `<>`): the type arguments of a struct or function.
    pub(super) fn type_args(&mut self, depth: usize) -> Result<Vec<TypeAst>> {
        self.expect_punct('<')?;
        let mut args = Vec::new();
        while !self.eat_punct('>') {
            if args.len() >= MAX_TYPE_PARAMS {
                return Err(self.peek().pos.error(format!("more than {MAX_TYPE_PARAMS} type arguments")));
            }
            if depth >= MAX_TYPE_DEPTH {
                return Err(self.peek().pos.error(format!("type nested deeper than {MAX_TYPE_DEPTH}")));
            }
            args.push(self.ty_at(depth + 1)?);
            if !self.eat_punct(',') {
                self.expect_punct('>')?;
                break;
            }
        }
        Ok(args)
    }

    fn struct_item(&mut self) -> Result<Item> {
        let name = self.name_ref(false)?;
        let type_params = self.type_params(true)?;
        let mut abilities = Abilities::EMPTY;
        if self.eat_ident("has") {
            loop {
                abilities = abilities.union(self.ability()?);
                if !self.eat_punct(',') {
                    break;
                }
            }
        }
        let fields = if self.eat_punct('{') {
            let mut fields = Vec::new();
            while !self.eat_punct('}') {
                let name = self.ident("a field name or `}`")?.0;
                self.expect_punct(':')?;
                fields.push(FieldAst { name, ty: self.ty()? });
                if !self.eat_punct(',') {
                    self.expect_punct('}')?;
                    break;
                }
            }
            Some(fields)
        } else {
            None
        };
        Ok(Item::Struct { name, type_params, abilities, fields })
    }

    pub(super) fn ty(&mut self) -> Result<TypeAst> {
        self.ty_at(0)
    }

    fn ty_at(&mut self, depth: usize) -> Result<TypeAst> {
        let wrap = |p: &mut Self| -> Result<Box<TypeAst>> {
            if depth >= MAX_TYPE_DEPTH {
                return Err(p.peek().pos.error(format!("type nested deeper than {MAX_TYPE_DEPTH}")));
            }
            Ok(Box::new(p.ty_at(depth + 1)?))
        };
        if self.eat_punct('&') {
            return if self.eat_ident("mut") {
                Ok(TypeAst::MutRef(wrap(self)?))
            } else {
                Ok(TypeAst::Ref(wrap(self)?))
            };
        }
        // `#T3`: a type parameter taken unchecked.
        if self.at_punct('#') {
            if let Tok::Ident(word) = &self.peek_nth(1).tok {
                let pos = self.peek().pos;
                let index = type_param_index(word)
                    .ok_or_else(|| self.peek_nth(1).pos.error(format!("expected `T` and a number, found `{word}`")))?;
                self.bump();
                self.bump();
                return Ok(TypeAst::Param { index, raw: true, pos });
            }
        }
        if let Tok::Ident(word) = &self.peek().tok {
            if self.peek_nth(1).tok != Tok::PathSep {
                // Type parameter names shadow struct names (a struct named
                // `T0` can still be named as `#N` or `0x1::m::T0`).
                if let Some(index) = type_param_index(word) {
                    let pos = self.bump().pos;
                    return Ok(TypeAst::Param { index, raw: false, pos });
                }
                let primitive = match word.as_str() {
                    "bool" => Some(TypeAst::Bool),
                    "u8" => Some(TypeAst::U8),
                    "u64" => Some(TypeAst::U64),
                    "u128" => Some(TypeAst::U128),
                    "u16" => Some(TypeAst::U16),
                    "u32" => Some(TypeAst::U32),
                    "u256" => Some(TypeAst::U256),
                    "address" => Some(TypeAst::Address),
                    "signer" => Some(TypeAst::Signer),
                    _ => None,
                };
                if let Some(primitive) = primitive {
                    self.bump();
                    return Ok(primitive);
                }
                if word == "vector" {
                    self.bump();
                    self.expect_punct('<')?;
                    let inner = wrap(self)?;
                    self.expect_punct('>')?;
                    return Ok(TypeAst::Vector(inner));
                }
            }
        }
        if matches!(self.peek().tok, Tok::Ident(_) | Tok::Number(_) | Tok::Punct('#')) {
            let name = self.name_ref(true)?;
            let args = if self.at_punct('<') { Some(self.type_args(depth)?) } else { None };
            return Ok(TypeAst::Struct(name, args));
        }
        self.unexpected("a type")
    }

    /// A constant value; `ty` (the declared type, or the element type inside a
    /// vector) lets integers go without a suffix and addresses without `@`.
    pub(super) fn const_value(&mut self, ty: Option<&TypeAst>, depth: usize) -> Result<ConstValue> {
        let token = self.bump();
        let pos = token.pos;
        match token.tok {
            Tok::Ident(word) if word == "true" => Ok(ConstValue::Bool(true)),
            Tok::Ident(word) if word == "false" => Ok(ConstValue::Bool(false)),
            Tok::Bytes(bytes) => Ok(ConstValue::Vector(bytes.into_iter().map(ConstValue::U8).collect())),
            Tok::Punct('@') => {
                let address = self.address()?;
                Ok(ConstValue::Address(address))
            }
            Tok::Number(text) => {
                let (body, suffix) = split_suffix(&text);
                let kind = match (suffix, ty) {
                    (Some(s), _) => s,
                    (None, Some(TypeAst::U8)) => "u8",
                    (None, Some(TypeAst::U64)) => "u64",
                    (None, Some(TypeAst::U128)) => "u128",
                    (None, Some(TypeAst::U16)) => "u16",
                    (None, Some(TypeAst::U32)) => "u32",
                    (None, Some(TypeAst::U256)) => "u256",
                    (None, Some(TypeAst::Address)) => {
                        return AccountAddress::parse(body)
                            .map(ConstValue::Address)
                            .ok_or_else(|| pos.error(format!("`{text}` is not an address")));
                    }
                    (None, _) => {
                        return Err(pos.error(format!(
                            "`{text}` needs a type here: write {text}u64 (or u8, u16, u32, u128, u256)"
                        )))
                    }
                };
                let out_of_range = || pos.error(format!("{text} does not fit in {kind}"));
                if kind == "u256" {
                    return match parse_u256(body) {
                        Some(value) => Ok(ConstValue::U256(value)),
                        None if is_number(body) => Err(out_of_range()),
                        None => Err(pos.error(format!("`{text}` is not a number"))),
                    };
                }
                let value = match parse_u128(body) {
                    Some(value) => value,
                    // A number too large for u128 is out of range for every kind below.
                    None if is_number(body) => return Err(out_of_range()),
                    None => return Err(pos.error(format!("`{text}` is not a number"))),
                };
                match kind {
                    "u8" => u8::try_from(value).map(ConstValue::U8).map_err(|_| out_of_range()),
                    "u16" => u16::try_from(value).map(ConstValue::U16).map_err(|_| out_of_range()),
                    "u32" => u32::try_from(value).map(ConstValue::U32).map_err(|_| out_of_range()),
                    "u64" => u64::try_from(value).map(ConstValue::U64).map_err(|_| out_of_range()),
                    _ => Ok(ConstValue::U128(value)),
                }
            }
            Tok::Punct('[') => {
                if depth >= MAX_CONST_DEPTH {
                    return Err(pos.error(format!("constant nested deeper than {MAX_CONST_DEPTH}")));
                }
                let element = match ty {
                    Some(TypeAst::Vector(inner)) => Some(&**inner),
                    _ => None,
                };
                let mut items = Vec::new();
                while !self.eat_punct(']') {
                    items.push(self.const_value(element, depth + 1)?);
                    if !self.eat_punct(',') {
                        self.expect_punct(']')?;
                        break;
                    }
                }
                Ok(ConstValue::Vector(items))
            }
            other => Err(pos.error(format!("expected a constant value, found {}", other.describe()))),
        }
    }
}
