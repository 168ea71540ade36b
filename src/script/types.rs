//! Type arguments in scripts: `coin::transfer<0x2::usd::USD>`,
//! `0x1::coin::Balance<usd::USD>`, `f<vector<u8>, Pair<u8, u64>>`.
//!
//! The lexer splits words at commas, so the parser rejoins a generic name's
//! words and commas (see `Parser::generic_word`) and this module parses the
//! text. Struct names keep their module as written (`usd::USD` is the only
//! published module named `usd`); the session resolves them.

use super::ast::{ModuleRef, Span, TypeRef};
use super::words::module_ref;
use super::ScriptError;
use crate::limits::MAX_LITERAL_NESTING;

/// Splits `PATH<ARGS>` into `PATH` and its parsed type arguments (none
/// without `<`).
pub(super) fn split_type_args(w: &str, span: Span) -> Result<(&str, Vec<TypeRef>), ScriptError> {
    let Some(open) = w.find('<') else { return Ok((w, Vec::new())) };
    let mut parser = TypeParser { text: w, pos: open + 1, span, depth: 0 };
    let args = parser.list()?;
    if parser.pos != w.len() {
        return Err(parser.error("text after the type arguments' closing `>`"));
    }
    Ok((&w[..open], args))
}

struct TypeParser<'a> {
    text: &'a str,
    pos: usize,
    span: Span,
    depth: usize,
}

impl<'a> TypeParser<'a> {
    fn error(&self, what: &str) -> ScriptError {
        ScriptError::at(self.span, format!("in the type arguments of `{}`: {what}", self.text))
    }

    fn rest(&self) -> &'a str {
        self.text.get(self.pos..).unwrap_or_default()
    }

    fn skip_spaces(&mut self) {
        self.pos += self.rest().len() - self.rest().trim_start().len();
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_spaces();
        if self.rest().starts_with(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    /// Type arguments after a `<`, through the matching `>`.
    fn list(&mut self) -> Result<Vec<TypeRef>, ScriptError> {
        if self.depth >= MAX_LITERAL_NESTING {
            return Err(self.error(&format!("types nested more than {MAX_LITERAL_NESTING} deep")));
        }
        self.depth += 1;
        let mut args = vec![self.ty()?];
        while self.eat(',') {
            args.push(self.ty()?);
        }
        if !self.eat('>') {
            return Err(self.error("expected `,` or `>`"));
        }
        self.depth -= 1;
        Ok(args)
    }

    fn ty(&mut self) -> Result<TypeRef, ScriptError> {
        self.skip_spaces();
        let end = self.rest().find(['<', '>', ',', ' ']).unwrap_or(self.rest().len());
        let word = &self.rest()[..end];
        if word.is_empty() {
            return Err(self.error("expected a type"));
        }
        self.pos += end;
        let generic = self.eat('<');
        let primitive = match word {
            "bool" => Some(TypeRef::Bool),
            "u8" => Some(TypeRef::U8),
            "u64" => Some(TypeRef::U64),
            "u128" => Some(TypeRef::U128),
            "u16" => Some(TypeRef::U16),
            "u32" => Some(TypeRef::U32),
            "u256" => Some(TypeRef::U256),
            "address" => Some(TypeRef::Address),
            "signer" => Some(TypeRef::Signer),
            _ => None,
        };
        match (word, primitive, generic) {
            ("vector", _, true) => {
                let mut args = self.list()?;
                match (args.pop(), args.is_empty()) {
                    (Some(elem), true) => Ok(TypeRef::Vector(Box::new(elem))),
                    _ => Err(self.error("`vector` takes one type argument")),
                }
            }
            (_, Some(ty), false) => Ok(ty),
            (_, Some(_), true) => Err(self.error(&format!("`{word}` takes no type arguments"))),
            _ => {
                let Some((module, name)) = word.rsplit_once("::") else {
                    return Err(self.error(&format!("`{word}` is not a type (write MODULE::Struct or a primitive)")));
                };
                let module: ModuleRef = module_ref(module, self.span)?;
                let args = if generic { self.list()? } else { Vec::new() };
                Ok(TypeRef::Struct { module, name: name.to_string(), args })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span() -> Span {
        Span { line: 1, col: 1 }
    }

    fn usd() -> TypeRef {
        TypeRef::Struct { module: ModuleRef::Short("usd".into()), name: "USD".into(), args: vec![] }
    }

    #[test]
    fn type_arguments_parse() {
        assert_eq!(split_type_args("coin::transfer", span()).unwrap(), ("coin::transfer", vec![]));
        assert_eq!(split_type_args("coin::transfer<usd::USD>", span()).unwrap(), ("coin::transfer", vec![usd()]));
        let (base, args) = split_type_args("f<vector<u8>, coin::Coin<usd::USD>,bool>", span()).unwrap();
        assert_eq!(base, "f");
        let coin = TypeRef::Struct { module: ModuleRef::Short("coin".into()), name: "Coin".into(), args: vec![usd()] };
        assert_eq!(args, vec![TypeRef::Vector(Box::new(TypeRef::U8)), coin, TypeRef::Bool]);
    }

    #[test]
    fn bad_type_arguments_say_what_is_wrong() {
        let err = |w: &str| split_type_args(w, span()).unwrap_err().message;
        assert_eq!(err("f<u8"), "in the type arguments of `f<u8`: expected `,` or `>`");
        assert_eq!(err("f<>"), "in the type arguments of `f<>`: expected a type");
        assert_eq!(err("f<u8>x"), "in the type arguments of `f<u8>x`: text after the type arguments' closing `>`");
        assert_eq!(
            err("f<vector<u8, u8>>"),
            "in the type arguments of `f<vector<u8, u8>>`: `vector` takes one type argument"
        );
        assert_eq!(err("f<u8<u8>>"), "in the type arguments of `f<u8<u8>>`: `u8` takes no type arguments");
        assert!(err("f<Coin>").contains("`Coin` is not a type"));
        let deep = format!("f<{}u8{}", "vector<".repeat(100), ">".repeat(101));
        assert!(err(&deep).contains("nested more than"));
    }
}
