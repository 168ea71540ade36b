//! Concrete types by name: what a transaction's type arguments are written
//! as (`0x1::coin::Coin<0x2::usd::USD>`), and what an instantiated resource
//! type's [`TypeId`](crate::keys::TypeId) is hashed from.
//!
//! A tag names structs by module and name, not by handle or type id, so it
//! means the same in every module and every process; its canonical text
//! ([`TypeTag::canonical`]) is what the type id hashes.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use resin_format::encoding::limits::{MAX_TYPE_DEPTH, MAX_TYPE_NODES};
use resin_format::file_format::{AccountAddress, ModuleId};

/// A concrete type: no type parameters, no references.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub enum TypeTag {
    Bool,
    U8,
    U64,
    U128,
    Address,
    Signer,
    Vector(Box<TypeTag>),
    Struct(Box<StructTag>),
    // Last, so the older variants keep their serde numbers and order.
    U16,
    U32,
    U256,
}

/// A struct type: `addr::module::Name`, applied to type arguments when the
/// struct is generic.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub struct StructTag {
    pub module: ModuleId,
    pub name: String,
    pub type_args: Vec<TypeTag>,
}

impl StructTag {
    pub fn new(module: ModuleId, name: impl Into<String>, type_args: Vec<TypeTag>) -> Self {
        StructTag { module, name: name.into(), type_args }
    }

    /// The text a type id hashes: `0x1::coin::Balance<0x2::usd::USD>`, names
    /// unescaped. For a struct that is not generic this is exactly what
    /// type ids were hashed from before generics, so those do not change.
    pub fn canonical(&self) -> String {
        let mut out = String::new();
        self.write_canonical(&mut out);
        out
    }

    fn write_canonical(&self, out: &mut String) {
        use std::fmt::Write;
        // Writing into a String cannot fail.
        let _ = write!(out, "{}::{}::{}", self.module.address, self.module.name, self.name);
        if !self.type_args.is_empty() {
            out.push('<');
            for (i, arg) in self.type_args.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                arg.write_canonical(out);
            }
            out.push('>');
        }
    }
}

impl TypeTag {
    /// The canonical text (see [`StructTag::canonical`]).
    pub fn canonical(&self) -> String {
        let mut out = String::new();
        self.write_canonical(&mut out);
        out
    }

    fn write_canonical(&self, out: &mut String) {
        match self {
            TypeTag::Bool => out.push_str("bool"),
            TypeTag::U8 => out.push_str("u8"),
            TypeTag::U64 => out.push_str("u64"),
            TypeTag::U128 => out.push_str("u128"),
            TypeTag::U16 => out.push_str("u16"),
            TypeTag::U32 => out.push_str("u32"),
            TypeTag::U256 => out.push_str("u256"),
            TypeTag::Address => out.push_str("address"),
            TypeTag::Signer => out.push_str("signer"),
            TypeTag::Vector(elem) => {
                out.push_str("vector<");
                elem.write_canonical(out);
                out.push('>');
            }
            TypeTag::Struct(tag) => tag.write_canonical(out),
        }
    }

    /// Every node, parents first, without recursion.
    pub fn preorder(&self) -> impl Iterator<Item = &TypeTag> {
        let mut stack = vec![self];
        std::iter::from_fn(move || {
            let tag = stack.pop()?;
            match tag {
                TypeTag::Vector(elem) => stack.push(elem),
                TypeTag::Struct(s) => stack.extend(s.type_args.iter().rev()),
                _ => {}
            }
            Some(tag)
        })
    }

    /// How deeply the tag nests (`u64` is 1, `vector<u64>` 2).
    pub fn depth(&self) -> usize {
        match self {
            TypeTag::Vector(elem) => 1 + elem.depth(),
            TypeTag::Struct(s) => 1 + s.type_args.iter().map(TypeTag::depth).max().unwrap_or(0),
            _ => 1,
        }
    }

    /// Whether the tag is within the format's limits on types
    /// ([`MAX_TYPE_DEPTH`], [`MAX_TYPE_NODES`]): the limits a module's own
    /// types obey, applied to types built at run time too.
    pub fn within_limits(&self) -> bool {
        // A primitive or a struct without arguments (a currency marker, on
        // every transaction that names one) needs no walk.
        let leaf = match self {
            TypeTag::Vector(_) => false,
            TypeTag::Struct(s) => s.type_args.is_empty(),
            _ => true,
        };
        if leaf {
            return true;
        }
        // Counted first: the node bound also bounds the depth recursion.
        self.preorder().take(MAX_TYPE_NODES + 1).count() <= MAX_TYPE_NODES && self.depth() <= MAX_TYPE_DEPTH
    }

    /// Parses `u64`, `vector<u8>`, `0x2::usd::USD`, `0x1::coin::Coin<0x2::usd::USD>`.
    pub fn parse(text: &str) -> Result<TypeTag, TypeTagError> {
        let mut parser = Parser { text, pos: 0 };
        let tag = parser.tag(0)?;
        parser.skip_spaces();
        if parser.pos != text.len() {
            return Err(parser.error("unexpected text after the type"));
        }
        if !tag.within_limits() {
            return Err(TypeTagError {
                text: text.to_string(),
                reason: format!("more than {MAX_TYPE_NODES} nodes or {MAX_TYPE_DEPTH} levels"),
            });
        }
        Ok(tag)
    }
}

impl fmt::Display for TypeTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical())
    }
}

impl fmt::Display for StructTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical())
    }
}

impl std::str::FromStr for TypeTag {
    type Err = TypeTagError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TypeTag::parse(s)
    }
}

/// Why a type could not be parsed.
#[derive(Clone, PartialEq, Eq, Debug, Error)]
#[error("invalid type `{text}`: {reason}")]
pub struct TypeTagError {
    pub text: String,
    pub reason: String,
}

struct Parser<'t> {
    text: &'t str,
    pos: usize,
}

impl Parser<'_> {
    fn error(&self, what: &str) -> TypeTagError {
        TypeTagError { text: self.text.to_string(), reason: format!("{what} at byte {}", self.pos) }
    }

    fn skip_spaces(&mut self) {
        let rest = &self.text[self.pos..];
        self.pos += rest.len() - rest.trim_start().len();
    }

    fn eat(&mut self, token: &str) -> bool {
        self.skip_spaces();
        if self.text[self.pos..].starts_with(token) {
            self.pos += token.len();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, token: &str) -> Result<(), TypeTagError> {
        if self.eat(token) {
            Ok(())
        } else {
            Err(self.error(&format!("expected `{token}`")))
        }
    }

    /// An identifier or an address: `[A-Za-z0-9_]+`.
    fn word(&mut self) -> &str {
        self.skip_spaces();
        let start = self.pos;
        let len = self.text[start..].bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'_').count();
        self.pos += len;
        &self.text[start..self.pos]
    }

    fn identifier(&mut self, what: &str) -> Result<String, TypeTagError> {
        let word = self.word();
        let valid = word.bytes().next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_');
        if !valid {
            return Err(self.error(&format!("expected a {what} name")));
        }
        Ok(word.to_string())
    }

    fn tag(&mut self, depth: usize) -> Result<TypeTag, TypeTagError> {
        // Bounded so that hostile text cannot overflow the stack.
        if depth >= MAX_TYPE_DEPTH {
            return Err(self.error(&format!("nested more than {MAX_TYPE_DEPTH} levels")));
        }
        let start = self.pos;
        let word = self.word().to_string();
        Ok(match word.as_str() {
            "bool" => TypeTag::Bool,
            "u8" => TypeTag::U8,
            "u64" => TypeTag::U64,
            "u128" => TypeTag::U128,
            "u16" => TypeTag::U16,
            "u32" => TypeTag::U32,
            "u256" => TypeTag::U256,
            "address" => TypeTag::Address,
            "signer" => TypeTag::Signer,
            "vector" => {
                self.expect("<")?;
                let elem = self.tag(depth + 1)?;
                self.expect(">")?;
                TypeTag::Vector(Box::new(elem))
            }
            _ if word.starts_with("0x") => {
                let address = AccountAddress::parse(&word).ok_or_else(|| {
                    self.pos = start;
                    self.error(&format!("`{word}` is not an address"))
                })?;
                self.expect("::")?;
                let module = self.identifier("module")?;
                self.expect("::")?;
                let name = self.identifier("struct")?;
                let mut type_args = Vec::new();
                if self.eat("<") {
                    loop {
                        type_args.push(self.tag(depth + 1)?);
                        if !self.eat(",") {
                            break;
                        }
                    }
                    self.expect(">")?;
                }
                TypeTag::Struct(Box::new(StructTag::new(ModuleId::new(address, module), name, type_args)))
            }
            "" => return Err(self.error("expected a type")),
            _ => {
                self.pos = start;
                return Err(self.error(&format!("unknown type `{word}` (a struct is written `0x1::module::Name`)")));
            }
        })
    }
}
