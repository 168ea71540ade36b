//! Facts about types every pass needs: their abilities, their nesting depth and
//! how to print them in an error.
//!
//! A non-generic [`Type`] has at most one child, so most walks here are loops.
//! A generic struct instantiation has several; the walks that recurse into
//! its arguments carry a depth guard, so a hostile, deeply nested type (one
//! that skipped the limits pass) ends the walk instead of the stack.

use resin_format::encoding::limits::type_depth;
use resin_format::file_format::{Abilities, Module, StructHandleIdx, Type};

/// Deeper than any type the limits pass lets through (and than any it builds
/// by substitution): a walk that gets here stops rather than recurse further.
const WALK_GUARD: usize = 256;

/// Every ability: what a non-phantom type parameter of a struct is assumed to
/// have when its fields are checked (an instantiation's abilities are cut down
/// to its arguments' anyway).
pub(crate) const ALL: Abilities =
    Abilities(Abilities::COPY.0 | Abilities::DROP.0 | Abilities::STORE.0 | Abilities::KEY.0);

/// The abilities of a value of type `ty`, where type parameter `i` has
/// `params[i]` (the constraints declared for it: a `T0` without `drop` cannot
/// be dropped). Primitives have `copy`, `drop` and `store`; `signer` only
/// `drop`; references `copy` and `drop`; a vector what its element has, minus
/// `key`; a struct what its handle declares, and an instantiation what
/// [`instantiated`] says. Out-of-bounds handles and parameters yield no
/// abilities (bounds rejects them first).
pub(crate) fn abilities(module: &Module, params: &[Abilities], ty: &Type) -> Abilities {
    abilities_guarded(module, params, ty, 0)
}

fn abilities_guarded(module: &Module, params: &[Abilities], ty: &Type, depth: usize) -> Abilities {
    let mut mask = ALL;
    let mut current = ty;
    loop {
        match current {
            Type::Vector(inner) => {
                mask = mask.intersect(Abilities::PRIMITIVE);
                current = inner;
            }
            Type::Ref(_) | Type::MutRef(_) => return mask.intersect(Abilities::COPY.union(Abilities::DROP)),
            Type::Signer => return mask.intersect(Abilities::DROP),
            Type::Struct(handle) => return mask.intersect(declared(module, *handle)),
            Type::TypeParam(i) => {
                return mask.intersect(params.get(usize::from(*i)).copied().unwrap_or(Abilities::EMPTY))
            }
            Type::StructInst(handle, args) => {
                if depth > WALK_GUARD {
                    return Abilities::EMPTY;
                }
                let arg_abilities = args.iter().map(|arg| abilities_guarded(module, params, arg, depth + 1));
                return mask.intersect(instantiated(module, *handle, arg_abilities));
            }
            Type::Bool | Type::U8 | Type::U16 | Type::U32 | Type::U64 | Type::U128 | Type::U256 | Type::Address => {
                return mask.intersect(Abilities::PRIMITIVE)
            }
        }
    }
}

fn declared(module: &Module, handle: StructHandleIdx) -> Abilities {
    module.struct_handle(handle).map_or(Abilities::EMPTY, |h| h.abilities)
}

/// Move's rule for the abilities of a generic struct applied to arguments
/// with the given abilities: those of its declared abilities that every
/// non-phantom argument allows. `copy`, `drop` and `store` need the argument
/// to have the same ability; `key` needs it to have `store` (a resource holds
/// its fields in storage). Phantom arguments appear in no field, so they
/// limit nothing.
pub(crate) fn instantiated(
    module: &Module,
    handle: StructHandleIdx,
    args: impl IntoIterator<Item = Abilities>,
) -> Abilities {
    let Some(h) = module.struct_handle(handle) else { return Abilities::EMPTY };
    let mut result = h.abilities;
    for (param, arg) in h.type_params.iter().zip(args) {
        if param.is_phantom {
            continue;
        }
        for (ability, needed) in REQUIREMENTS {
            if !arg.has(needed) {
                result = Abilities(result.0 & !ability.0);
            }
        }
    }
    result
}

/// Each ability of a struct, and what it needs of the struct's fields and
/// non-phantom type arguments.
pub(crate) const REQUIREMENTS: [(Abilities, Abilities); 4] = [
    (Abilities::COPY, Abilities::COPY),
    (Abilities::DROP, Abilities::DROP),
    (Abilities::STORE, Abilities::STORE),
    (Abilities::KEY, Abilities::STORE),
];

/// How many type constructors deep `ty` is: `u64` is 1, `vector<u64>` is 2,
/// `Pair<u8, vector<u8>>` is 3. Computed without recursion.
pub(crate) fn depth(ty: &Type) -> usize {
    type_depth(ty).saturating_add(1)
}

/// The innermost non-vector, non-reference type of `ty`.
pub(crate) fn base(ty: &Type) -> &Type {
    let mut current = ty;
    while let Type::Vector(inner) | Type::Ref(inner) | Type::MutRef(inner) = current {
        current = inner;
    }
    current
}

/// Source-like rendering: `vector<u64>`, `&mut Coin`, `coin::Balance` for a
/// struct of another module, `Coin<T0>` for an instantiation.
pub(crate) fn display(module: &Module, ty: &Type) -> String {
    let mut out = String::new();
    write_type(module, ty, &mut out, 0);
    out
}

fn write_type(module: &Module, ty: &Type, out: &mut String, depth: usize) {
    let mut closers = 0;
    let mut current = ty;
    loop {
        match current {
            Type::Vector(inner) => {
                out.push_str("vector<");
                closers += 1;
                current = inner;
            }
            Type::Ref(inner) => {
                out.push('&');
                current = inner;
            }
            Type::MutRef(inner) => {
                out.push_str("&mut ");
                current = inner;
            }
            Type::Bool => break out.push_str("bool"),
            Type::U8 => break out.push_str("u8"),
            Type::U64 => break out.push_str("u64"),
            Type::U128 => break out.push_str("u128"),
            Type::U16 => break out.push_str("u16"),
            Type::U32 => break out.push_str("u32"),
            Type::U256 => break out.push_str("u256"),
            Type::Address => break out.push_str("address"),
            Type::Signer => break out.push_str("signer"),
            Type::Struct(handle) => break out.push_str(&struct_display(module, *handle)),
            Type::TypeParam(i) => break out.push_str(&format!("T{i}")),
            Type::StructInst(handle, args) => {
                out.push_str(&struct_display(module, *handle));
                if depth > WALK_GUARD {
                    break out.push_str("<..>");
                }
                out.push('<');
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write_type(module, arg, out, depth + 1);
                }
                break out.push('>');
            }
        }
    }
    out.extend(std::iter::repeat_n('>', closers));
}

/// A struct handle's name, qualified by its module's name when it is foreign.
pub(crate) fn struct_display(module: &Module, handle: StructHandleIdx) -> String {
    match module.struct_handle(handle) {
        Some(h) if h.module.0 == 0 => h.name.clone(),
        Some(h) => match module.module_handles.get(h.module.index()) {
            Some(owner) => format!("{}::{}", owner.name, h.name),
            None => h.name.clone(),
        },
        None => format!("<struct #{}>", handle.0),
    }
}

/// A resource as an access names it: the struct, with its type arguments.
pub(crate) fn resource_display(module: &Module, handle: StructHandleIdx, type_args: &[Type]) -> String {
    if type_args.is_empty() {
        struct_display(module, handle)
    } else {
        display(module, &Type::StructInst(handle, type_args.to_vec()))
    }
}

/// A list of types, comma separated (for stack states in errors).
pub(crate) fn display_list<T: AsRef<Type>>(module: &Module, types: &[T]) -> String {
    types.iter().map(|t| display(module, t.as_ref())).collect::<Vec<_>>().join(", ")
}
