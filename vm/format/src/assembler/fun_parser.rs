//! Parsing of `fun` items: header, access spec and body.

use crate::file_format::AccessMode;
use crate::opcodes::by_mnemonic;

use super::ast::*;
use super::lexer::Tok;
use super::operands::{operand_kinds_of_byte, OperandKind};
use super::parser::Parser;
use super::AsmError;

type Result<T> = std::result::Result<T, AsmError>;

impl Parser {
    fn param(&mut self) -> Result<Param> {
        let pos = self.peek().pos;
        let named = matches!(self.peek().tok, Tok::Ident(_)) && self.peek_nth(1).tok == Tok::Punct(':');
        let name = if named {
            let name = self.ident("a name")?.0;
            self.bump(); // the colon
            Some(name)
        } else {
            None
        };
        Ok(Param { name, ty: self.ty()?, pos })
    }

    pub(super) fn function(&mut self) -> Result<FunAst> {
        let (mut public, mut entry, mut friend) = (false, false, false);
        loop {
            let pos = self.peek().pos;
            let flag = if self.eat_ident("public") {
                if self.eat_punct('(') {
                    if !self.eat_ident("friend") {
                        return self.unexpected("`friend`");
                    }
                    self.expect_punct(')')?;
                    friend = true;
                }
                &mut public
            } else if self.eat_ident("entry") {
                &mut entry
            } else {
                break;
            };
            if *flag {
                return Err(pos.error("modifier given twice"));
            }
            *flag = true;
        }
        if !self.eat_ident("fun") {
            return self.unexpected("`fun`");
        }
        let name = self.name_ref(false)?;
        let type_params = self.type_params(false)?.into_iter().map(|p| p.constraints).collect();
        self.expect_punct('(')?;
        let mut params = Vec::new();
        while !self.eat_punct(')') {
            params.push(self.param()?);
            if !self.eat_punct(',') {
                self.expect_punct(')')?;
                break;
            }
        }
        let mut returns = Vec::new();
        if self.eat_punct(':') {
            if self.eat_punct('(') {
                while !self.eat_punct(')') {
                    returns.push(self.ty()?);
                    if !self.eat_punct(',') {
                        self.expect_punct(')')?;
                        break;
                    }
                }
            } else {
                returns.push(self.ty()?);
            }
        }
        let mut access = Vec::new();
        if self.eat_ident("acquires") {
            loop {
                access.push(self.access()?);
                if !self.eat_punct(',') {
                    break;
                }
            }
        }
        let body = if self.at_punct('{') { Some(self.body()?) } else { None };
        Ok(FunAst { public, friend, entry, name, type_params, params, returns, access, body })
    }

    /// After `object`: an optional module (`0x1::amm` or an alias), then
    /// `(creator, seed)`.
    fn object(&mut self) -> Result<AddressAst> {
        let module = if self.at_punct('(') {
            None
        } else {
            let pos = self.peek().pos;
            let path = if matches!(self.peek().tok, Tok::Number(_)) {
                let address = self.address()?;
                self.expect_path_sep()?;
                ModulePath::Full(address, self.ident("a module name")?.0)
            } else {
                ModulePath::Alias(self.ident("a module, or `(`")?.0)
            };
            Some(Located { node: path, pos })
        };
        self.expect_punct('(')?;
        let creator = if self.eat_ident("signer") {
            CreatorAst::SignerOf(self.slot("a parameter name or number")?)
        } else if self.eat_ident("param") {
            CreatorAst::Param(self.slot("a parameter name or number")?)
        } else if self.eat_punct('@') || matches!(self.peek().tok, Tok::Number(_)) {
            CreatorAst::Const(self.address()?)
        } else {
            return self.unexpected("an object's creator: `signer N`, `param N` or an address");
        };
        self.expect_punct(',')?;
        let seed = if self.eat_ident("param") {
            SeedAst::Param(self.slot("a parameter name or number")?)
        } else if let Tok::Bytes(bytes) = self.peek().tok.clone() {
            let pos = self.bump().pos;
            SeedAst::Bytes(Located { node: bytes, pos })
        } else {
            return self.unexpected("an object's seed: `param N` or a byte string");
        };
        self.expect_punct(')')?;
        Ok(AddressAst::Object { module, creator, seed })
    }

    /// `read Balance(signer 0)`, `write Balance(param to)`, `write Balance(*)`,
    /// `read Balance(0x5)`, `write Balance<T0>(param 1)`, keyed
    /// `write Allowance(param 0)[param 1]`, `read Vote(param 0)[signer 1]`,
    /// `write Token(param 0)[*]`, `write Slot(0x5)[7u64]`, and `add Supply(0x1)`
    /// for a counter.
    fn access(&mut self) -> Result<Located<AccessAst>> {
        let (word, pos) = self.ident("`read`, `write` or `add`")?;
        let mode = match word.as_str() {
            "read" => AccessMode::Read,
            "write" => AccessMode::Write,
            "add" => AccessMode::Add,
            _ => return Err(pos.error(format!("expected `read`, `write` or `add`, found `{word}`"))),
        };
        let resource = self.name_ref(true)?;
        let type_args = if self.at_punct('<') { Some(self.type_args(0)?) } else { None };
        self.expect_punct('(')?;
        let address = if self.eat_punct('*') {
            AddressAst::Any
        } else if self.eat_punct('@') || matches!(self.peek().tok, Tok::Number(_)) {
            AddressAst::Const(self.address()?)
        } else if self.eat_ident("signer") {
            AddressAst::SignerOf(self.slot("a parameter name or number")?)
        } else if self.eat_ident("param") {
            AddressAst::Param(self.slot("a parameter name or number")?)
        } else if self.eat_ident("object") {
            self.object()?
        } else {
            return self.unexpected("`signer N`, `param N`, `*`, `object(..)` or an address");
        };
        self.expect_punct(')')?;
        let index = if self.eat_punct('[') {
            let index = if self.eat_punct('*') {
                IndexAst::Any
            } else if self.at_punct('(') {
                let pos = self.expect_punct('(')?;
                let mut fields = vec![self.index_field()?];
                while self.eat_punct(',') {
                    fields.push(self.index_field()?);
                }
                self.expect_punct(')')?;
                IndexAst::Pack(Located { node: fields, pos })
            } else {
                self.index_field()?
            };
            self.expect_punct(']')?;
            Some(index)
        } else {
            None
        };
        Ok(Located { node: AccessAst { mode, resource, type_args, address, index }, pos })
    }

    /// One index that is neither `*` nor struct-built: `signer N`, `param
    /// N` or a constant (the whole index, or a field of a struct-built one).
    fn index_field(&mut self) -> Result<IndexAst> {
        Ok(if self.eat_ident("signer") {
            IndexAst::SignerOf(self.slot("a parameter name or number")?)
        } else if self.eat_ident("param") {
            IndexAst::Param(self.slot("a parameter name or number")?)
        } else if matches!(self.peek().tok, Tok::Number(_) | Tok::Punct('@' | '[') | Tok::Bytes(_))
            || matches!(&self.peek().tok, Tok::Ident(w) if w == "true" || w == "false")
        {
            let pos = self.peek().pos;
            IndexAst::Const(Located { node: self.const_value(None, 0)?, pos })
        } else {
            return self.unexpected("`signer N`, `param N`, `*`, `(` or a constant (`7u64`, `@0x5`, `true`)");
        })
    }

    /// A name, a number or `#N`.
    fn slot(&mut self, what: &str) -> Result<Located<Slot>> {
        let pos = self.peek().pos;
        let node = match &self.peek().tok {
            Tok::Ident(name) => {
                let name = name.clone();
                self.bump();
                Slot::Name(name)
            }
            Tok::Punct('#') => Slot::Index(self.raw_index(u128::from(u32::MAX), what)?),
            _ => Slot::Index(self.integer(u128::from(u32::MAX), what)?),
        };
        Ok(Located { node, pos })
    }

    fn body(&mut self) -> Result<Vec<Located<BodyLine>>> {
        self.expect_punct('{')?;
        self.skip_newlines = false;
        let lines = self.body_lines();
        self.skip_newlines = true;
        let lines = lines?;
        self.expect_punct('}')?;
        Ok(lines)
    }

    fn body_lines(&mut self) -> Result<Vec<Located<BodyLine>>> {
        let mut lines = Vec::new();
        loop {
            let token = self.peek().clone();
            let Tok::Ident(word) = &token.tok else {
                match token.tok {
                    Tok::Newline => {
                        self.bump();
                        continue;
                    }
                    Tok::Punct('}') => return Ok(lines),
                    _ => return self.unexpected("an instruction, a label, `local` or `}`"),
                }
            };
            if self.peek_nth(1).tok == Tok::Punct(':') {
                self.bump();
                self.bump();
                lines.push(Located { node: BodyLine::Label(word.clone()), pos: token.pos });
                continue;
            }
            self.bump();
            let line = if word == "local" {
                BodyLine::Local(self.param()?)
            } else {
                let op = by_mnemonic(word).ok_or_else(|| token.pos.error(format!("unknown instruction `{word}`")))?;
                let kinds = operand_kinds_of_byte(op.byte).unwrap_or(&[]);
                let mut operands = Vec::new();
                for (i, kind) in kinds.iter().enumerate() {
                    if i > 0 {
                        self.expect_punct(',')?;
                    }
                    let pos = self.peek().pos;
                    operands.push(Located { node: self.operand(*kind)?, pos });
                }
                BodyLine::Instr { op, operands }
            };
            self.end_of_line()?;
            lines.push(Located { node: line, pos: token.pos });
        }
    }

    fn operand(&mut self, kind: OperandKind) -> Result<OperandAst> {
        let what = match kind {
            OperandKind::CodeOffset => "a label or code offset",
            OperandKind::Local => "a local name or number",
            OperandKind::Const => "a constant name or number",
            _ => "an index",
        };
        Ok(match kind {
            OperandKind::CodeOffset => OperandAst::Offset(self.slot(what)?.node),
            OperandKind::Local => OperandAst::Local(self.slot(what)?.node),
            OperandKind::Const => OperandAst::Const(self.slot(what)?.node),
            OperandKind::Function => OperandAst::Function(self.name_ref(true)?.node),
            OperandKind::StructDef => OperandAst::StructDef(self.name_ref(true)?.node),
            OperandKind::Field => {
                let owner = self.name_ref(true)?.node;
                self.expect_punct('.')?;
                OperandAst::Field(owner, self.slot("a field name or number")?.node)
            }
            // `#3` is a raw index; `#T3` (an unchecked type parameter) and
            // `#3<u8>` (struct handle 3, instantiated) are types.
            OperandKind::Signature if self.at_raw_signature() => {
                OperandAst::RawSignature(self.raw_index(u128::from(u16::MAX), "a signature index")? as u16)
            }
            OperandKind::Signature => OperandAst::Signature(self.ty()?),
            OperandKind::U8 => OperandAst::Immediate(self.integer(kind.max_value(), "a u8")?),
            OperandKind::U64 => OperandAst::Immediate(self.integer(kind.max_value(), "a u64")?),
            OperandKind::U128 => OperandAst::Immediate(self.integer(kind.max_value(), "a u128")?),
            OperandKind::U16 => OperandAst::Immediate(self.integer(kind.max_value(), "a u16")?),
            OperandKind::U32 => OperandAst::Immediate(self.integer(kind.max_value(), "a u32")?),
            OperandKind::U256 => OperandAst::Wide(self.wide_integer("a u256")?),
            OperandKind::StructInst => OperandAst::StructInst(self.inst_ref()?),
            OperandKind::FunctionInst => OperandAst::FunctionInst(self.inst_ref()?),
            OperandKind::FieldInst => {
                let owner = self.inst_ref()?;
                self.expect_punct('.')?;
                OperandAst::FieldInst(owner, self.slot("a field name or number")?.node)
            }
        })
    }

    /// At `#3` or `#3?`, not followed by type arguments.
    fn at_raw_signature(&self) -> bool {
        let args_at = if self.peek_nth(2).tok == Tok::Punct('?') { 3 } else { 2 };
        self.at_punct('#')
            && matches!(self.peek_nth(1).tok, Tok::Number(_))
            && self.peek_nth(args_at).tok != Tok::Punct('<')
    }

    /// The operand of a generic instruction: `Coin<u64>`, `coin::merge<T0>`,
    /// `#2<u8>` (definition or handle 2, instantiated), or `#5` (instantiation 5).
    fn inst_ref(&mut self) -> Result<InstRef> {
        let name = self.name_ref(true)?;
        if self.at_punct('<') {
            return Ok(InstRef::Inline(name, self.type_args(0)?));
        }
        match name.node {
            NameRef::Raw(index) => Ok(InstRef::Raw(index)),
            _ => self.unexpected("`<` and type arguments (a generic instruction names an instantiation: `Coin<u64>`)"),
        }
    }
}
