//! Resolving written `acquires` clauses: each entry's resource must be a
//! `key` struct, its address a parameter (`address`, `signer` or `&signer`),
//! an `address` constant, a literal or `*`, and its index, if any, a
//! parameter of a type with `copy` and `drop`, a signer parameter, a scalar
//! constant or literal, or `*`.

use resin_format::encoding::limits::MAX_INDEX_FIELDS;
use resin_format::file_format::{
    Abilities, AccessMode, AddressSource, ConstValue, IndexConst, IndexSource, ObjectCreator, ObjectSeed, ObjectSource,
    SeedBytes,
};

use super::env::{Env, FunInfo, ModId, SemAccess, WrittenAccess};
use super::generics;
use super::lookup::Lookup;
use super::scope::ModuleRef;
use super::types::{resolve_type, TypeContext};
use crate::ast::{self, AccessAddress, AccessIndex, IntType, Literal};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::typeck::ty::Ty;

pub fn resolve_clause(
    lookup: &Lookup<'_>,
    fun: &ast::FunDef,
    info: &FunInfo,
    clause: &ast::AccessClause,
    diags: &mut Vec<Diagnostic>,
) -> Vec<WrittenAccess> {
    let mut out = Vec::new();
    for entry in &clause.entries {
        let resource = match lookup.struct_path(&entry.resource) {
            Ok(id) => id,
            Err(mut diag) => {
                diag.code = Code::UnknownAccessResource;
                diags.push(diag);
                continue;
            }
        };
        let type_args: Vec<Ty> =
            entry.type_args.iter().map(|t| resolve_type(lookup, t, TypeContext::TypeArg, diags)).collect();
        let params = lookup.env.strukt(resource).map(|s| s.type_params.clone()).unwrap_or_default();
        let what = format!("struct `{}`", lookup.env.struct_display(resource, Some(lookup.current())));
        if params.len() != type_args.len() {
            let decl = lookup.env.strukt(resource).and_then(|s| s.span);
            diags.push(generics::count_mismatch(&what, params.len(), type_args.len(), entry.resource.span, decl));
            continue;
        }
        generics::check_constraints(lookup.env, lookup.current(), &what, &params, &type_args, entry.span, diags);
        if !lookup.env.struct_abilities(resource).has(Abilities::KEY) {
            let name = lookup.env.struct_display(resource, Some(lookup.current()));
            diags.push(
                Diagnostic::new(Code::AccessOnNonKey, entry.resource.span, format!("`{name}` is not a resource"))
                    .with_label_message("struct without `key`")
                    .with_note("only `key` structs live in global storage"),
            );
            continue;
        }
        let Some(address) = address_source(lookup.env, lookup, fun, info, &entry.address, diags) else { continue };
        let index = match &entry.index {
            None => None,
            Some(index) => match index_source(lookup, fun, info, index, diags) {
                Some(found) => Some(found),
                None => continue,
            },
        };
        let mode = match entry.mode {
            ast::AccessMode::Read => AccessMode::Read,
            ast::AccessMode::Write => AccessMode::Write,
            ast::AccessMode::Add => AccessMode::Add,
        };
        out.push(WrittenAccess { access: SemAccess { mode, resource, type_args, address, index }, span: entry.span });
    }
    out
}

fn address_source(
    env: &Env,
    lookup: &Lookup<'_>,
    fun: &ast::FunDef,
    info: &FunInfo,
    address: &AccessAddress,
    diags: &mut Vec<Diagnostic>,
) -> Option<AddressSource<ModId>> {
    let name = match address {
        AccessAddress::Wildcard(_) => return Some(AddressSource::Any),
        AccessAddress::Literal(lit) => return Some(AddressSource::Const(lit.value)),
        AccessAddress::Name(name) => name,
        AccessAddress::Object { path, creator, seed, .. } => {
            return object_source(env, lookup, fun, info, path, creator, seed, diags)
        }
    };
    if let Some(index) = fun.params.iter().position(|p| p.name.name == name.name) {
        let ty = info.params.get(index).unwrap_or(&Ty::Error);
        let Ok(param) = u8::try_from(index) else {
            diags.push(Diagnostic::new(
                Code::InvalidAccessAddress,
                name.span,
                "parameter index too large for an access clause",
            ));
            return None;
        };
        return match ty {
            Ty::Address => Some(AddressSource::Param(param)),
            Ty::Signer => Some(AddressSource::SignerOf(param)),
            Ty::Ref(inner) if **inner == Ty::Signer => Some(AddressSource::SignerOf(param)),
            Ty::Error => None,
            other => {
                diags.push(
                    Diagnostic::new(
                        Code::InvalidAccessAddress,
                        name.span,
                        format!("parameter `{}` has type `{}`", name.name, other.display(env, Some(lookup.current()))),
                    )
                    .with_label_message("not an address")
                    .with_note("an access address is an `address`, `signer` or `&signer` parameter, an address constant, a literal or `*`"),
                );
                None
            }
        };
    }
    let own = env.module(lookup.current());
    if let Some(constant) = own.and_then(|m| Some(m.constants.get(m.constant_named(&name.name)? as usize)?.clone())) {
        return match constant.value {
            ConstValue::Address(a) if constant.ty == Ty::Address => Some(AddressSource::Const(a)),
            _ => {
                if constant.ty != Ty::Error {
                    diags.push(
                        Diagnostic::new(
                            Code::InvalidAccessAddress,
                            name.span,
                            format!("constant `{}` is not an address", name.name),
                        )
                        .with_secondary(constant.span, "declared here"),
                    );
                }
                None
            }
        };
    }
    diags.push(
        Diagnostic::new(Code::InvalidAccessAddress, name.span, format!("unknown address `{}`", name.name))
            .with_label_message("not a parameter of this function or a constant of its module")
            .with_note("an access address is an `address`, `signer` or `&signer` parameter, an address constant, a literal or `*`"),
    );
    None
}

/// `object(creator, seed)`: the address the path's module (this one when
/// unqualified) derives from a creator (an `address`, `signer` or `&signer`
/// parameter, an address constant or literal) and a seed (a `vector<u8>`
/// parameter, a constant or a byte string of at most 32 bytes).
#[allow(clippy::too_many_arguments)]
fn object_source(
    env: &Env,
    lookup: &Lookup<'_>,
    fun: &ast::FunDef,
    info: &FunInfo,
    path: &ast::Path,
    creator: &AccessIndex,
    seed: &AccessIndex,
    diags: &mut Vec<Diagnostic>,
) -> Option<AddressSource<ModId>> {
    if path.name.name != "object" {
        // Reported by the parser.
        return None;
    }
    let module = match lookup.path_module(path) {
        Ok(None) => lookup.current(),
        Ok(Some(ModuleRef::Env(module))) => module,
        Ok(Some(ModuleRef::Builtin(_))) => {
            diags.push(
                Diagnostic::new(Code::InvalidAccessAddress, path.span, "a builtin module derives no addresses")
                    .with_label_message("not a module of the compile set or its dependencies"),
            );
            return None;
        }
        Err(diag) => {
            diags.push(diag);
            return None;
        }
    };
    let creator = match creator {
        AccessIndex::Name(name) => {
            match address_source(env, lookup, fun, info, &AccessAddress::Name(name.clone()), diags)? {
                AddressSource::Param(i) => ObjectCreator::Param(i),
                AddressSource::SignerOf(i) => ObjectCreator::SignerOf(i),
                AddressSource::Const(a) => ObjectCreator::Const(a),
                AddressSource::Any | AddressSource::Object(_) => return None,
            }
        }
        AccessIndex::Literal { value: Literal::Address(a), .. } => ObjectCreator::Const(*a),
        AccessIndex::Literal { span, .. } | AccessIndex::Wildcard(span) | AccessIndex::Tuple { span, .. } => {
            diags.push(
                Diagnostic::new(Code::InvalidAccessAddress, *span, "an object's creator is an address")
                    .with_label_message("not an address")
                    .with_note(OBJECT_NOTE),
            );
            return None;
        }
    };
    let seed = seed_source(lookup, fun, info, seed, diags)?;
    Some(AddressSource::Object(ObjectSource { module, creator, seed }))
}

/// What an object address may be made of, for the notes of E0502.
const OBJECT_NOTE: &str = "a derived address is `object(creator, seed)` or `module::object(creator, seed)`: the creator an `address`, `signer` or `&signer` parameter, an address constant or a literal; the seed a `vector<u8>` parameter, or a constant or byte string of at most 32 bytes";

/// An object's seed: a `vector<u8>` parameter, or fixed bytes.
fn seed_source(
    lookup: &Lookup<'_>,
    fun: &ast::FunDef,
    info: &FunInfo,
    seed: &AccessIndex,
    diags: &mut Vec<Diagnostic>,
) -> Option<ObjectSeed> {
    let bytes_ty = Ty::Vector(Box::new(Ty::U8));
    let (bytes, span) = match seed {
        AccessIndex::Literal { value: Literal::Bytes { bytes, .. }, span } => (bytes.clone(), *span),
        AccessIndex::Name(name) => {
            if let Some(position) = fun.params.iter().position(|p| p.name.name == name.name) {
                let ty = info.params.get(position).unwrap_or(&Ty::Error);
                return match (u8::try_from(position), ty) {
                    (_, Ty::Error) => None,
                    (Ok(param), ty) if *ty == bytes_ty => Some(ObjectSeed::Param(param)),
                    _ => {
                        let shown = ty.display(lookup.env, Some(lookup.current()));
                        diags.push(
                            Diagnostic::new(
                                Code::InvalidAccessAddress,
                                name.span,
                                format!("parameter `{}` of type `{shown}` cannot be an object's seed", name.name),
                            )
                            .with_label_message("not a `vector<u8>`")
                            .with_note(OBJECT_NOTE),
                        );
                        None
                    }
                };
            }
            let own = lookup.env.module(lookup.current());
            let constant = own.and_then(|m| m.constants.get(m.constant_named(&name.name)? as usize));
            let bytes = constant.filter(|c| c.ty == bytes_ty).and_then(|c| c.value.bytes());
            match (constant, bytes) {
                (Some(c), _) if c.ty == Ty::Error => return None,
                (_, Some(bytes)) => (bytes, name.span),
                (Some(c), None) => {
                    let shown = c.ty.display(lookup.env, Some(lookup.current()));
                    diags.push(
                        Diagnostic::new(
                            Code::InvalidAccessAddress,
                            name.span,
                            format!("constant `{}` of type `{shown}` cannot be an object's seed", name.name),
                        )
                        .with_label_message("not a `vector<u8>`")
                        .with_secondary(c.span, "declared here")
                        .with_note(OBJECT_NOTE),
                    );
                    return None;
                }
                (None, None) => {
                    diags.push(
                        Diagnostic::new(Code::InvalidAccessAddress, name.span, format!("unknown seed `{}`", name.name))
                            .with_label_message(
                                "not a `vector<u8>` parameter of this function or constant of its module",
                            )
                            .with_note(OBJECT_NOTE),
                    );
                    return None;
                }
            }
        }
        AccessIndex::Literal { span, .. } | AccessIndex::Wildcard(span) | AccessIndex::Tuple { span, .. } => {
            diags.push(
                Diagnostic::new(Code::InvalidAccessAddress, *span, "an object's seed is a `vector<u8>`")
                    .with_label_message("not bytes")
                    .with_note(OBJECT_NOTE),
            );
            return None;
        }
    };
    match SeedBytes::new(&bytes) {
        Some(seed) => Some(ObjectSeed::Const(seed)),
        None => {
            diags.push(
                Diagnostic::new(
                    Code::InvalidAccessAddress,
                    span,
                    format!(
                        "a fixed seed in an access clause has at most {} bytes, this one {}",
                        SeedBytes::MAX,
                        bytes.len()
                    ),
                )
                .with_label_message("too long")
                .with_hint("the inference widens such an address to `*`: write `@*`"),
            );
            None
        }
    }
}

/// What an access index may be, for the notes of E0506.
const INDEX_NOTE: &str = "an access index is a parameter whose type has `copy` and `drop` (not a reference), a `signer` or `&signer` parameter, a constant or literal of a scalar type (an integer, a `bool` or an `address`), a struct built from such values written as its fields in parentheses (`(owner, 7)`), or `*`";

/// The index of a keyed entry: `[*]`, a signer parameter (its address), a
/// parameter whose type could index keyed storage (`copy` and `drop`, not a
/// reference), or a fixed scalar: a constant of the module or a literal
/// (the inference names the indexes the code loads that way too).
fn index_source(
    lookup: &Lookup<'_>,
    fun: &ast::FunDef,
    info: &FunInfo,
    index: &AccessIndex,
    diags: &mut Vec<Diagnostic>,
) -> Option<IndexSource> {
    let name = match index {
        AccessIndex::Wildcard(_) => return Some(IndexSource::Any),
        AccessIndex::Literal { value, span } => return literal_index(value, *span, diags),
        AccessIndex::Tuple { fields, span } => return tuple_index(lookup, fun, info, fields, *span, diags),
        AccessIndex::Name(name) => name,
    };
    let Some(position) = fun.params.iter().position(|p| p.name.name == name.name) else {
        return constant_index(lookup, name, diags);
    };
    let Ok(param) = u8::try_from(position) else {
        diags.push(Diagnostic::new(
            Code::InvalidAccessIndex,
            name.span,
            "parameter index too large for an access clause",
        ));
        return None;
    };
    let ty = info.params.get(position).unwrap_or(&Ty::Error);
    match ty {
        Ty::Error => None,
        Ty::Signer => Some(IndexSource::SignerOf(param)),
        Ty::Ref(inner) if **inner == Ty::Signer => Some(IndexSource::SignerOf(param)),
        other => match crate::typeck::index_type_problem(lookup.env, other) {
            None => Some(IndexSource::Param(param)),
            Some(problem) => {
                let shown = other.display(lookup.env, Some(lookup.current()));
                diags.push(
                    Diagnostic::new(
                        Code::InvalidAccessIndex,
                        name.span,
                        format!("parameter `{}` of type `{shown}` cannot index keyed storage: {problem}", name.name),
                    )
                    .with_label_message("not an index")
                    .with_note(INDEX_NOTE),
                );
                None
            }
        },
    }
}

/// `(market, id)`: the index a struct built from these fields is. Each
/// field is what a whole index may be, but `*`; the parser reads no
/// nesting.
fn tuple_index(
    lookup: &Lookup<'_>,
    fun: &ast::FunDef,
    info: &FunInfo,
    fields: &[AccessIndex],
    span: Span,
    diags: &mut Vec<Diagnostic>,
) -> Option<IndexSource> {
    if fields.len() > MAX_INDEX_FIELDS {
        diags.push(
            Diagnostic::new(
                Code::InvalidAccessIndex,
                span,
                format!("a struct-built index has at most {MAX_INDEX_FIELDS} fields, this one {}", fields.len()),
            )
            .with_label_message("too many fields")
            .with_hint("the inference traces a larger struct as `[*]`: write `[*]`"),
        );
        return None;
    }
    let sources: Option<Vec<IndexSource>> =
        fields.iter().map(|field| index_source(lookup, fun, info, field, diags)).collect();
    // A field that was `*` came from a literal already reported.
    sources.map(IndexSource::pack).filter(|index| *index != IndexSource::Any)
}

/// A constant named as an index: its value, when it is a scalar.
fn constant_index(lookup: &Lookup<'_>, name: &ast::Ident, diags: &mut Vec<Diagnostic>) -> Option<IndexSource> {
    let own = lookup.env.module(lookup.current());
    let Some(constant) = own.and_then(|m| m.constants.get(m.constant_named(&name.name)? as usize)) else {
        diags.push(
            Diagnostic::new(Code::InvalidAccessIndex, name.span, format!("unknown index `{}`", name.name))
                .with_label_message("not a parameter of this function or a constant of its module")
                .with_note(INDEX_NOTE),
        );
        return None;
    };
    if constant.ty == Ty::Error {
        return None;
    }
    match IndexConst::of_value(&constant.value) {
        Some(value) => Some(IndexSource::Const(value)),
        None => {
            let shown = constant.ty.display(lookup.env, Some(lookup.current()));
            diags.push(
                Diagnostic::new(
                    Code::InvalidAccessIndex,
                    name.span,
                    format!("constant `{}` of type `{shown}` cannot be a fixed index", name.name),
                )
                .with_label_message("not a scalar")
                .with_secondary(constant.span, "declared here")
                .with_note(INDEX_NOTE),
            );
            None
        }
    }
}

/// A literal index: an integer (`u64` unless suffixed), a `bool` or an address.
fn literal_index(value: &Literal, span: Span, diags: &mut Vec<Diagnostic>) -> Option<IndexSource> {
    let fixed = match value {
        Literal::Bool(b) => Some(IndexConst::Bool(*b)),
        Literal::Address(a) => Some(IndexConst::Address(*a)),
        Literal::Int { value, suffix } => match suffix.unwrap_or(IntType::U64) {
            IntType::U8 => u8::try_from(*value).ok().map(IndexConst::U8),
            IntType::U16 => u16::try_from(*value).ok().map(IndexConst::U16),
            IntType::U32 => u32::try_from(*value).ok().map(IndexConst::U32),
            IntType::U64 => u64::try_from(*value).ok().map(IndexConst::U64),
            IntType::U128 => u128::try_from(*value).ok().map(IndexConst::U128),
            IntType::U256 => Some(IndexConst::U256(*value)),
        },
        Literal::Bytes { .. } => None,
    };
    if fixed.is_none() {
        let diagnostic = match value {
            Literal::Int { value, .. } => {
                Diagnostic::new(Code::InvalidAccessIndex, span, format!("`{value}` does not fit in `u64`")).with_hint(
                    format!("an integer index without a suffix is a `u64`: write its type as a suffix (`{value}u128`)"),
                )
            }
            _ => Diagnostic::new(Code::InvalidAccessIndex, span, "a byte string cannot be a fixed index"),
        };
        diags.push(diagnostic.with_label_message("not an index").with_note(INDEX_NOTE));
    }
    fixed.map(IndexSource::Const)
}
