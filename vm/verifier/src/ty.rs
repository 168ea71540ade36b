//! Facts about types every pass needs: their abilities, their nesting depth and
//! how to print them in an error.
//!
//! A [`Type`] has at most one child, so every walk here is a loop, never a
//! recursion: a hostile, deeply nested type cannot overflow the stack.

use resin_format::file_format::{Abilities, Module, Type};

/// The abilities of a value of type `ty`: primitives have `copy`, `drop` and
/// `store`; `signer` only `drop`; references `copy` and `drop`; a struct what
/// its handle declares; a vector what its element has, minus `key`.
/// A struct handle out of bounds yields no abilities (bounds rejects it first).
pub(crate) fn abilities(module: &Module, ty: &Type) -> Abilities {
    let mut mask = Abilities(Abilities::COPY.0 | Abilities::DROP.0 | Abilities::STORE.0 | Abilities::KEY.0);
    let mut current = ty;
    loop {
        match current {
            Type::Vector(inner) => {
                mask = mask.intersect(Abilities::PRIMITIVE);
                current = inner;
            }
            Type::Ref(_) | Type::MutRef(_) => return mask.intersect(Abilities::COPY.union(Abilities::DROP)),
            Type::Signer => return mask.intersect(Abilities::DROP),
            Type::Struct(handle) => {
                let declared = module.struct_handle(*handle).map_or(Abilities::EMPTY, |h| h.abilities);
                return mask.intersect(declared);
            }
            // Bounds rejects generic types before any pass asks.
            Type::TypeParam(_) | Type::StructInst(..) => return Abilities::EMPTY,
            Type::Bool | Type::U8 | Type::U64 | Type::U128 | Type::Address => {
                return mask.intersect(Abilities::PRIMITIVE)
            }
        }
    }
}

/// How many type constructors deep `ty` is: `u64` is 1, `vector<u64>` is 2.
pub(crate) fn depth(ty: &Type) -> usize {
    let mut depth = 1;
    let mut current = ty;
    while let Type::Vector(inner) | Type::Ref(inner) | Type::MutRef(inner) = current {
        depth += 1;
        current = inner;
    }
    depth
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
/// struct of another module.
pub(crate) fn display(module: &Module, ty: &Type) -> String {
    let mut out = String::new();
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
            Type::Address => break out.push_str("address"),
            Type::Signer => break out.push_str("signer"),
            Type::Struct(handle) => break out.push_str(&struct_display(module, *handle)),
            Type::TypeParam(i) => break out.push_str(&format!("T{i}")),
            Type::StructInst(handle, _) => break out.push_str(&format!("{}<..>", struct_display(module, *handle))),
        }
    }
    out.extend(std::iter::repeat_n('>', closers));
    out
}

/// A struct handle's name, qualified by its module's name when it is foreign.
pub(crate) fn struct_display(module: &Module, handle: resin_format::file_format::StructHandleIdx) -> String {
    match module.struct_handle(handle) {
        Some(h) if h.module.0 == 0 => h.name.clone(),
        Some(h) => match module.module_handles.get(h.module.index()) {
            Some(owner) => format!("{}::{}", owner.name, h.name),
            None => h.name.clone(),
        },
        None => format!("<struct #{}>", handle.0),
    }
}

/// A list of types, comma separated (for stack states in errors).
pub(crate) fn display_list<T: AsRef<Type>>(module: &Module, types: &[T]) -> String {
    types.iter().map(|t| display(module, t.as_ref())).collect::<Vec<_>>().join(", ")
}
