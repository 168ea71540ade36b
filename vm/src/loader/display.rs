//! Printing values with their types' field names, for dumps, the CLI and the REPL.

use std::fmt::Write;

use super::{CodeCache, ResolvedType};
use resin_state::value::Value;

/// `value` printed as type `ty`. A value whose shape does not match its type
/// (only possible for corrupt state) is printed structurally instead.
pub(super) fn format_value(cache: &CodeCache, ty: &ResolvedType, value: &Value) -> String {
    let mut out = String::new();
    write_value(cache, Some(ty), value, &mut out);
    out
}

fn write_value(cache: &CodeCache, ty: Option<&ResolvedType>, value: &Value, out: &mut String) {
    // Writing into a String cannot fail.
    let _ = match value {
        Value::Bool(b) => write!(out, "{b}"),
        Value::U8(v) => write!(out, "{v}u8"),
        Value::U64(v) => write!(out, "{v}"),
        Value::U128(v) => write!(out, "{v}u128"),
        Value::Address(a) => write!(out, "@{a}"),
        Value::Signer(a) => write!(out, "signer(@{a})"),
        Value::Vector(items) => {
            let elem = match ty {
                Some(ResolvedType::Vector(elem)) => Some(&**elem),
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
                Some(ResolvedType::Struct(id)) => cache.struct_layout(*id),
                _ => None,
            };
            match layout {
                Some((module, def)) if def.field_names.len() == fields.len() => {
                    let _ = write!(out, "{module}::{} {{ ", def.name);
                    for (i, field) in fields.iter().enumerate() {
                        if i > 0 {
                            out.push_str(", ");
                        }
                        out.push_str(&def.field_names[i]);
                        out.push_str(": ");
                        write_value(cache, def.field_types.get(i), field, out);
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
