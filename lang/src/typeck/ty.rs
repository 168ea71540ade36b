//! Semantic types: what the type checker reasons about. Unlike the bytecode
//! [`resin_format::Type`], a struct is named by its environment id (valid across
//! modules), and expressions also have tuple, diverging and error types.

use resin_format::file_format::Abilities;

use crate::ast::IntType;
use crate::resolve::env::{Env, ModId, StructId};

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Ty {
    Bool,
    U8,
    U64,
    U128,
    Address,
    Signer,
    Vector(Box<Ty>),
    Struct(StructId),
    Ref(Box<Ty>),
    MutRef(Box<Ty>),
    /// Several values (a call with several results); `Tuple([])` is unit.
    Tuple(Vec<Ty>),
    /// The type of an expression that never produces a value (`return`, `abort`,
    /// `break`, `continue`, a `loop` without `break`): fits any expected type.
    Never,
    /// Stands in after an error was reported, so one mistake is reported once.
    Error,
}

impl Ty {
    pub const UNIT: Ty = Ty::Tuple(Vec::new());

    pub fn int(int: IntType) -> Ty {
        match int {
            IntType::U8 => Ty::U8,
            IntType::U64 => Ty::U64,
            IntType::U128 => Ty::U128,
        }
    }

    pub fn as_int(&self) -> Option<IntType> {
        match self {
            Ty::U8 => Some(IntType::U8),
            Ty::U64 => Some(IntType::U64),
            Ty::U128 => Some(IntType::U128),
            _ => None,
        }
    }

    pub fn is_integer(&self) -> bool {
        self.as_int().is_some()
    }

    pub fn is_reference(&self) -> bool {
        matches!(self, Ty::Ref(_) | Ty::MutRef(_))
    }

    pub fn is_unit(&self) -> bool {
        matches!(self, Ty::Tuple(items) if items.is_empty())
    }

    /// True for the types that stand for "no further error here".
    pub fn is_absorbing(&self) -> bool {
        matches!(self, Ty::Never | Ty::Error)
    }

    /// The referenced type of a reference.
    pub fn deref(&self) -> Option<&Ty> {
        match self {
            Ty::Ref(inner) | Ty::MutRef(inner) => Some(inner),
            _ => None,
        }
    }

    /// The single-value types making up this type (a tuple's items, or itself).
    pub fn values(&self) -> Vec<Ty> {
        match self {
            Ty::Tuple(items) => items.clone(),
            other => vec![other.clone()],
        }
    }

    /// The abilities of a value of this type, Move's rules: primitives have
    /// copy, drop and store; `signer` only drop; references copy and drop; a
    /// vector what its element has, minus key; a struct what it declares.
    /// Never and Error have every ability so they cause no follow-up errors.
    pub fn abilities(&self, env: &Env) -> Abilities {
        match self {
            Ty::Bool | Ty::U8 | Ty::U64 | Ty::U128 | Ty::Address => Abilities::PRIMITIVE,
            Ty::Signer => Abilities::DROP,
            Ty::Ref(_) | Ty::MutRef(_) => Abilities::COPY.union(Abilities::DROP),
            Ty::Vector(inner) => inner.abilities(env).intersect(Abilities::PRIMITIVE),
            Ty::Struct(id) => env.struct_abilities(*id),
            Ty::Tuple(items) => items
                .iter()
                .fold(Abilities(Abilities::PRIMITIVE.0 | Abilities::KEY.0), |acc, t| acc.intersect(t.abilities(env))),
            Ty::Never | Ty::Error => Abilities(Abilities::PRIMITIVE.0 | Abilities::KEY.0),
        }
    }

    pub fn has_copy(&self, env: &Env) -> bool {
        self.abilities(env).has(Abilities::COPY)
    }

    pub fn has_drop(&self, env: &Env) -> bool {
        self.abilities(env).has(Abilities::DROP)
    }

    /// Source notation; structs of `current` unqualified, others as `module::S`.
    pub fn display(&self, env: &Env, current: Option<ModId>) -> String {
        match self {
            Ty::Bool => "bool".into(),
            Ty::U8 => "u8".into(),
            Ty::U64 => "u64".into(),
            Ty::U128 => "u128".into(),
            Ty::Address => "address".into(),
            Ty::Signer => "signer".into(),
            Ty::Vector(inner) => format!("vector<{}>", inner.display(env, current)),
            Ty::Struct(id) => env.struct_display(*id, current),
            Ty::Ref(inner) => format!("&{}", inner.display(env, current)),
            Ty::MutRef(inner) => format!("&mut {}", inner.display(env, current)),
            Ty::Tuple(items) => {
                let parts: Vec<String> = items.iter().map(|t| t.display(env, current)).collect();
                format!("({})", parts.join(", "))
            }
            Ty::Never => "!".into(),
            Ty::Error => "_".into(),
        }
    }
}
