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

/// `bytes` as a script literal, which reads back as the same bytes:
/// `b"text"` when every byte is printable ASCII (a space included; `\\`
/// and `\"` escaped, and `{` doubled, since `{EXPR}` substitutes), else
/// `x"0a0b"`.
pub fn byte_literal(bytes: &[u8]) -> String {
    if bytes.iter().all(|c| c.is_ascii_graphic() || *c == b' ') {
        let text = String::from_utf8_lossy(bytes).replace('\\', "\\\\").replace('"', "\\\"").replace('{', "{{");
        format!("b\"{text}\"")
    } else {
        format!("x\"{}\"", hex::encode(bytes))
    }
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
        // Either form of a vector: bytes print as the list of `U8`s they
        // stand for.
        Value::Vector(_) | Value::Bytes(_) => {
            let elem = match ty {
                Some(TypeTag::Vector(elem)) => Some(&**elem),
                _ => None,
            };
            // Bytes as scripts write them: a `vector<u8>`, or, with the type
            // unknown, a vector of `u8`s that is not empty.
            if matches!(elem, Some(TypeTag::U8) | None) {
                if let Some(bytes) = value.bytes().filter(|b| elem.is_some() || !b.is_empty()) {
                    out.push_str(&byte_literal(&bytes));
                    return;
                }
            }
            // The list of items only where it is printed.
            let items = value.vector_items().unwrap_or_default();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_print_as_the_literal_a_script_would_write() {
        assert_eq!(byte_literal(b"ipfs://one"), r#"b"ipfs://one""#);
        assert_eq!(byte_literal(b"a \"q\" \\ b"), r#"b"a \"q\" \\ b""#);
        assert_eq!(byte_literal(b"{i}"), r#"b"{{i}""#);
        assert_eq!(byte_literal(&[0, 0xff, b'a']), r#"x"00ff61""#);
        assert_eq!(byte_literal(b"tab\there"), r#"x"7461620968657265""#);
    }

    #[test]
    fn a_byte_vector_prints_as_bytes_and_other_vectors_as_lists() {
        let cache = CodeCache::new();
        let bytes = Value::Vector(b"hi".iter().map(|b| Value::U8(*b)).collect());
        let u8_vector = TypeTag::Vector(Box::new(TypeTag::U8));
        assert_eq!(format_value(&cache, Some(&u8_vector), &bytes), r#"b"hi""#);
        // The type unknown: bytes by their shape.
        assert_eq!(format_value(&cache, None, &bytes), r#"b"hi""#);
        // An empty one is `b""` only where the type says it holds bytes.
        let empty = Value::Vector(Vec::new());
        assert_eq!(format_value(&cache, Some(&u8_vector), &empty), r#"b"""#);
        assert_eq!(format_value(&cache, None, &empty), "[]");
        let numbers = Value::Vector(vec![Value::U64(1), Value::U64(2)]);
        assert_eq!(format_value(&cache, None, &numbers), "[1, 2]");
        let nested = Value::Vector(vec![bytes.clone(), Value::Vector(Vec::new())]);
        let nested_ty = TypeTag::Vector(Box::new(u8_vector));
        assert_eq!(format_value(&cache, Some(&nested_ty), &nested), r#"[b"hi", b""]"#);
    }
}
