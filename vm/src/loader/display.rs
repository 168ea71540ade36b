//! Printing values with their types' field names, for dumps, the CLI and the REPL.

use std::fmt::Write;

use super::runtime_types::tag_of;
use super::CodeCache;
use resin_state::type_tag::TypeTag;
use resin_state::value::Value;

/// `value` printed as type `ty` (a concrete type: an instantiation's field
/// types are substituted as the printer descends). A value whose shape does
/// not match its type (only possible for corrupt state), or whose type is
/// unknown, is printed structurally instead.
pub(super) fn format_value(cache: &CodeCache, ty: Option<&TypeTag>, value: &Value) -> String {
    let mut out = String::new();
    write_value(cache, ty, value, &mut out);
    out
}

fn write_value(cache: &CodeCache, ty: Option<&TypeTag>, value: &Value, out: &mut String) {
    // Writing into a String cannot fail.
    let _ = match value {
        Value::Bool(b) => write!(out, "{b}"),
        Value::U8(v) => write!(out, "{v}u8"),
        Value::U64(v) => write!(out, "{v}"),
        Value::U128(v) => write!(out, "{v}u128"),
        Value::U16(v) => write!(out, "{v}u16"),
        Value::U32(v) => write!(out, "{v}u32"),
        Value::U256(v) => write!(out, "{v}u256"),
        Value::Address(a) => write!(out, "@{a}"),
        Value::Signer(a) => write!(out, "signer(@{a})"),
        Value::Vector(items) => {
            let elem = match ty {
                Some(TypeTag::Vector(elem)) => Some(&**elem),
                _ => None,
            };
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(cache, elem, item, out);
            }
            out.push(']');
            Ok(())
        }
        Value::Struct(_) | Value::Flat(_) => {
            let fields = value.struct_fields().unwrap_or_default();
            let layout = match ty {
                Some(TypeTag::Struct(tag)) => cache.loaded(&tag.module).and_then(|module| {
                    let (_, def) = module.module.find_struct(&tag.name)?;
                    // Each field's type in this instantiation; `None` where
                    // it cannot be built, which prints that field plainly.
                    let types: Vec<Option<TypeTag>> =
                        def.fields.iter().map(|f| tag_of(&module.module, &f.ty, &tag.type_args)).collect();
                    let names: Vec<&str> = def.fields.iter().map(|f| f.name.as_str()).collect();
                    Some((tag, names, types))
                }),
                _ => None,
            };
            match layout {
                Some((tag, names, types)) if names.len() == fields.len() => {
                    let _ = write!(out, "{tag} {{ ");
                    for (i, field) in fields.iter().enumerate() {
                        if i > 0 {
                            out.push_str(", ");
                        }
                        out.push_str(names[i]);
                        out.push_str(": ");
                        write_value(cache, types.get(i).and_then(Option::as_ref), field, out);
                    }
                    out.push_str(" }");
                }
                _ => {
                    out.push_str("struct { ");
                    for (i, field) in fields.iter().enumerate() {
                        if i > 0 {
                            out.push_str(", ");
                        }
                        write_value(cache, None, field, out);
                    }
                    out.push_str(" }");
                }
            }
            Ok(())
        }
    };
}
