//! Semantic types: what the type checker reasons about. Unlike the bytecode
//! [`resin_format::Type`], a struct is named by its environment id (valid across
//! modules), and expressions also have tuple, diverging and error types.

use std::cmp::Ordering;
use std::sync::Arc;

use resin_format::file_format::Abilities;

use crate::ast::IntType;
use crate::resolve::env::{Env, ModId, StructId};

/// A type parameter of the enclosing struct or function, by position. It
/// carries its name (for messages) and its constraints: inside a generic
/// function, a `T` has exactly the abilities its declaration requires of
/// every argument, so the ordinary ability checks apply to it unchanged.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ParamTy {
    pub index: u16,
    pub name: Arc<str>,
    pub constraints: Abilities,
}

// `Abilities` has no order; access sets (which hold types) are sorted.
impl PartialOrd for ParamTy {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ParamTy {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.index, self.constraints.0, &self.name).cmp(&(other.index, other.constraints.0, &other.name))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ty {
    Bool,
    U8,
    U64,
    U128,
    Address,
    Signer,
    Vector(Box<Ty>),
    // After the older variants, so the derived order of those stays.
    U16,
    U32,
    U256,
    /// A struct with its type arguments (empty for a non-generic struct).
    Struct(StructId, Vec<Ty>),
    /// A type parameter of the enclosing function (or, in a field type, struct).
    Param(ParamTy),
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
            IntType::U16 => Ty::U16,
            IntType::U32 => Ty::U32,
            IntType::U256 => Ty::U256,
        }
    }

    pub fn as_int(&self) -> Option<IntType> {
        match self {
            Ty::U8 => Some(IntType::U8),
            Ty::U64 => Some(IntType::U64),
            Ty::U128 => Some(IntType::U128),
            Ty::U16 => Some(IntType::U16),
            Ty::U32 => Some(IntType::U32),
            Ty::U256 => Some(IntType::U256),
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
            Ty::Bool | Ty::U8 | Ty::U16 | Ty::U32 | Ty::U64 | Ty::U128 | Ty::U256 | Ty::Address => Abilities::PRIMITIVE,
            Ty::Signer => Abilities::DROP,
            Ty::Ref(_) | Ty::MutRef(_) => Abilities::COPY.union(Abilities::DROP),
            Ty::Vector(inner) => inner.abilities(env).intersect(Abilities::PRIMITIVE),
            Ty::Struct(id, args) => instance_abilities(env, *id, args),
            Ty::Param(p) => p.constraints,
            Ty::Tuple(items) => items
                .iter()
                .fold(Abilities(Abilities::PRIMITIVE.0 | Abilities::KEY.0), |acc, t| acc.intersect(t.abilities(env))),
            Ty::Never | Ty::Error => Abilities(Abilities::PRIMITIVE.0 | Abilities::KEY.0),
        }
    }

    /// A non-generic struct type.
    pub fn plain(id: StructId) -> Ty {
        Ty::Struct(id, Vec::new())
    }

    /// This type with each type parameter `i` replaced by `args[i]` (a
    /// parameter without an argument stays: only after an error).
    pub fn subst(&self, args: &[Ty]) -> Ty {
        if args.is_empty() {
            return self.clone();
        }
        match self {
            Ty::Param(p) => args.get(usize::from(p.index)).cloned().unwrap_or_else(|| self.clone()),
            Ty::Vector(inner) => Ty::Vector(Box::new(inner.subst(args))),
            Ty::Ref(inner) => Ty::Ref(Box::new(inner.subst(args))),
            Ty::MutRef(inner) => Ty::MutRef(Box::new(inner.subst(args))),
            Ty::Struct(id, inner) => Ty::Struct(*id, inner.iter().map(|t| t.subst(args)).collect()),
            Ty::Tuple(items) => Ty::Tuple(items.iter().map(|t| t.subst(args)).collect()),
            other => other.clone(),
        }
    }

    /// True when an error type occurs in this type (`Coin<_>`): it stands
    /// for a mistake already reported.
    pub fn contains_error(&self) -> bool {
        match self {
            Ty::Error => true,
            Ty::Vector(inner) | Ty::Ref(inner) | Ty::MutRef(inner) => inner.contains_error(),
            Ty::Struct(_, items) | Ty::Tuple(items) => items.iter().any(Ty::contains_error),
            _ => false,
        }
    }

    /// Type nesting depth as the bytecode counts it (`u8` is 1,
    /// `vector<Coin<u8>>` 3); a tuple is as deep as its deepest value.
    pub fn depth(&self) -> usize {
        match self {
            Ty::Vector(inner) | Ty::Ref(inner) | Ty::MutRef(inner) => 1 + inner.depth(),
            Ty::Struct(_, items) => 1 + items.iter().map(Ty::depth).max().unwrap_or(0),
            Ty::Tuple(items) => items.iter().map(Ty::depth).max().unwrap_or(1),
            _ => 1,
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
            Ty::U16 => "u16".into(),
            Ty::U32 => "u32".into(),
            Ty::U256 => "u256".into(),
            Ty::Address => "address".into(),
            Ty::Signer => "signer".into(),
            Ty::Vector(inner) => format!("vector<{}>", inner.display(env, current)),
            Ty::Struct(id, args) if args.is_empty() => env.struct_display(*id, current),
            Ty::Struct(id, args) => {
                let parts: Vec<String> = args.iter().map(|t| t.display(env, current)).collect();
                format!("{}<{}>", env.struct_display(*id, current), parts.join(", "))
            }
            Ty::Param(p) => p.name.to_string(),
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

/// What a type argument with abilities `arg` lets an instance keep, Move's
/// rule: `copy`, `drop` and `store` need the same ability of the argument,
/// `key` needs `store`.
pub fn allowed_by(arg: Abilities) -> Abilities {
    let mut out = arg.intersect(Abilities::PRIMITIVE);
    if arg.has(Abilities::STORE) {
        out = out.union(Abilities::KEY);
    }
    out
}

/// The abilities of `id<args>`: what the struct declares, minus what a
/// non-phantom argument lacks (a phantom argument never limits them).
pub fn instance_abilities(env: &Env, id: StructId, args: &[Ty]) -> Abilities {
    let Some(info) = env.strukt(id) else { return Abilities::EMPTY };
    info.type_params
        .iter()
        .zip(args)
        .filter(|(param, _)| !param.phantom)
        .fold(info.abilities, |acc, (_, arg)| acc.intersect(allowed_by(arg.abilities(env))))
}
