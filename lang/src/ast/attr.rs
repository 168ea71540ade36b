//! Attributes: `#[test]`, `#[test(alice = @0xa)]`, `#[expected_failure(abort_code = E_X)]`,
//! `#[test_only]` (re-exported by [`crate::ast`]). The parser accepts any
//! name and arguments; [`crate::attributes`] decides which are meaningful
//! where, so an unknown attribute is reported by name with its location.

use super::{AddressLit, Ident, Path, Span, U256};

/// One attribute: `name` or `name(arg, arg = value, ...)`. `#[a, b]` gives two.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribute {
    pub name: Ident,
    /// `None` for `#[name]`, `Some` (possibly empty) for `#[name(...)]`.
    pub args: Option<Vec<AttributeArg>>,
    pub span: Span,
}

/// `name` or `name = value` inside an attribute's parentheses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttributeArg {
    pub name: Ident,
    pub value: Option<AttributeValue>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttributeValue {
    /// `@0xa`
    Address(AddressLit),
    /// `42`; `None` when the literal did not parse (already reported).
    Number(Option<U256>, Span),
    /// A constant: `E_X`, `m::E_X`, `0x2::m::E_X`.
    Path(Path),
}

impl AttributeValue {
    pub fn span(&self) -> Span {
        match self {
            AttributeValue::Address(a) => a.span,
            AttributeValue::Number(_, span) => *span,
            AttributeValue::Path(p) => p.span,
        }
    }
}
