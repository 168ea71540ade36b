//! A transaction's type arguments against its generic entry function: the
//! count, that every struct they name is published with as many type
//! parameters as it is given, and the abilities each parameter requires.
//! Type arguments that code passes on were checked by the verifier when it
//! was published; these come from outside and are checked on every
//! transaction that has them.

use super::{CodeCache, LoadedFunction, LoadedStruct};
use resin_format::encoding::limits::{MAX_TYPE_DEPTH, MAX_TYPE_NODES};
use resin_format::file_format::{Abilities, ModuleId};
use resin_state::type_tag::{StructTag, TypeTag};

/// `Ok` when `tags` may instantiate `function` (of `module`, named in
/// messages); else the reason the transaction is refused. Runs on every
/// transaction with type arguments: nothing is formatted unless it fails.
pub(super) fn check_type_args(
    code: &CodeCache,
    module: &ModuleId,
    function: &LoadedFunction,
    tags: &[TypeTag],
) -> Result<(), String> {
    let name = || format!("{module}::{}", function.name);
    if tags.len() != function.type_params.len() {
        let name = name();
        return Err(format!("`{name}` takes {}, {} given", type_arguments(function.type_params.len()), tags.len()));
    }
    for (i, (tag, required)) in tags.iter().zip(&function.type_params).enumerate() {
        // Checked before any walk: a deserialized tag has not been through the parser.
        if !tag.within_limits() {
            let name = name();
            return Err(format!(
                "type argument {i} of `{name}` has more than {MAX_TYPE_NODES} nodes or {MAX_TYPE_DEPTH} levels"
            ));
        }
        let has = abilities(code, tag)?;
        if !has.has(*required) {
            let name = name();
            return Err(format!(
                "type argument {i} of `{name}`, `{tag}`, has abilities [{has}] but the parameter requires [{required}]"
            ));
        }
    }
    Ok(())
}

/// The abilities of `tag`, after checking that every struct it names is
/// published with matching arity and that its arguments meet its
/// constraints. Recursion is bounded by the tag's checked depth.
fn abilities(code: &CodeCache, tag: &TypeTag) -> Result<Abilities, String> {
    Ok(match tag {
        TypeTag::Bool
        | TypeTag::U8
        | TypeTag::U16
        | TypeTag::U32
        | TypeTag::U64
        | TypeTag::U128
        | TypeTag::U256
        | TypeTag::Address => Abilities::PRIMITIVE,
        TypeTag::Signer => Abilities::DROP,
        TypeTag::Vector(elem) => abilities(code, elem)?.intersect(Abilities::PRIMITIVE),
        TypeTag::Struct(s) => struct_abilities(code, s)?,
    })
}

fn struct_abilities(code: &CodeCache, tag: &StructTag) -> Result<Abilities, String> {
    let def = find_struct(code, tag).ok_or_else(|| format!("type `{tag}` is not published"))?;
    if def.type_params.len() != tag.type_args.len() {
        let wanted = type_arguments(def.type_params.len());
        return Err(format!("`{}::{}` takes {wanted}, {} given", tag.module, tag.name, tag.type_args.len()));
    }
    let mut has = def.abilities;
    for (arg, param) in tag.type_args.iter().zip(&def.type_params) {
        let arg_has = abilities(code, arg)?;
        if !arg_has.has(param.constraints) {
            return Err(format!(
                "`{arg}` in `{tag}` has abilities [{arg_has}] but the parameter requires [{}]",
                param.constraints
            ));
        }
        if !param.is_phantom {
            has = has.intersect(granted_by(arg_has));
        }
    }
    Ok(has)
}

/// The abilities an instantiation may keep given a non-phantom argument
/// with `arg`: copy, drop and store if the argument has them, key if it
/// has store (Move's rule).
fn granted_by(arg: Abilities) -> Abilities {
    let mut out = arg.intersect(Abilities::PRIMITIVE);
    if arg.has(Abilities::STORE) {
        out = out.union(Abilities::KEY);
    }
    out
}

/// The published definition a struct tag names.
pub(super) fn find_struct<'c>(code: &'c CodeCache, tag: &StructTag) -> Option<&'c LoadedStruct> {
    code.loaded(&tag.module)?.struct_by_name(&tag.name)
}

/// `1 type argument`, `2 type arguments`.
fn type_arguments(count: usize) -> String {
    format!("{count} type argument{}", if count == 1 { "" } else { "s" })
}
