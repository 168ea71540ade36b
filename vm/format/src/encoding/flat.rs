//! Flat wire forms of the two recursive types, `Type` and `ConstValue`.
//!
//! serde's derive decodes a recursive enum by recursing once per nesting
//! level, so a few kilobytes of hostile input would exhaust the stack. Here
//! both are written in preorder as a flat list and rebuilt with loops and an
//! explicit depth limit.
//!
//! A type is a byte string: zero or more wrapper tags (`vector`, `&`,
//! `&mut`) then one leaf tag, a struct leaf followed by its handle index as a
//! little-endian u16. A type has at most one child, so a chain of wrappers is
//! all the nesting there is.
//!
//! A constant value is a list of tokens; `Vector(n)` is followed by its `n`
//! elements' tokens.

use serde::{Deserialize, Serialize};

use super::limits::{MAX_CONST_DEPTH, MAX_TYPE_DEPTH};
use crate::file_format::{AccountAddress, ConstValue, StructHandleIdx, Type};

const TAG_BOOL: u8 = 0x01;
const TAG_U8: u8 = 0x02;
const TAG_U64: u8 = 0x03;
const TAG_U128: u8 = 0x04;
const TAG_ADDRESS: u8 = 0x05;
const TAG_SIGNER: u8 = 0x06;
const TAG_STRUCT: u8 = 0x07;
const TAG_VECTOR: u8 = 0x08;
const TAG_REF: u8 = 0x09;
const TAG_MUT_REF: u8 = 0x0A;

/// Appends the type's tags.
pub(super) fn encode_type(ty: &Type, out: &mut Vec<u8>) {
    let mut current = ty;
    loop {
        let tag = match current {
            Type::Vector(inner) => {
                out.push(TAG_VECTOR);
                current = inner;
                continue;
            }
            Type::Ref(inner) => {
                out.push(TAG_REF);
                current = inner;
                continue;
            }
            Type::MutRef(inner) => {
                out.push(TAG_MUT_REF);
                current = inner;
                continue;
            }
            Type::Bool => TAG_BOOL,
            Type::U8 => TAG_U8,
            Type::U64 => TAG_U64,
            Type::U128 => TAG_U128,
            Type::Address => TAG_ADDRESS,
            Type::Signer => TAG_SIGNER,
            Type::Struct(idx) => {
                out.push(TAG_STRUCT);
                out.extend_from_slice(&idx.0.to_le_bytes());
                return;
            }
        };
        out.push(tag);
        return;
    }
}

/// A type that failed to decode: the offset of the bad byte within the type's bytes, and why.
pub(super) struct TypeError {
    pub at: usize,
    pub reason: String,
}

/// Rebuilds a type from exactly `bytes`.
pub(super) fn decode_type(bytes: &[u8]) -> Result<Type, TypeError> {
    let mut wrappers = Vec::new();
    let mut pos = 0;
    let leaf = loop {
        let Some(&tag) = bytes.get(pos) else {
            return Err(TypeError { at: pos, reason: "the type ends before its leaf".into() });
        };
        pos += 1;
        match tag {
            TAG_VECTOR | TAG_REF | TAG_MUT_REF => {
                if wrappers.len() == MAX_TYPE_DEPTH {
                    return Err(TypeError { at: pos - 1, reason: format!("type nested deeper than {MAX_TYPE_DEPTH}") });
                }
                wrappers.push(tag);
            }
            TAG_BOOL => break Type::Bool,
            TAG_U8 => break Type::U8,
            TAG_U64 => break Type::U64,
            TAG_U128 => break Type::U128,
            TAG_ADDRESS => break Type::Address,
            TAG_SIGNER => break Type::Signer,
            TAG_STRUCT => {
                let Some(index) = bytes.get(pos..pos + 2) else {
                    return Err(TypeError { at: pos, reason: "the struct index is cut off".into() });
                };
                pos += 2;
                break Type::Struct(StructHandleIdx(u16::from_le_bytes([index[0], index[1]])));
            }
            other => return Err(TypeError { at: pos - 1, reason: format!("unknown type tag {other:#04x}") }),
        }
    };
    if pos != bytes.len() {
        return Err(TypeError { at: pos, reason: "bytes after the end of the type".into() });
    }
    Ok(wrappers.into_iter().rev().fold(leaf, |inner, tag| match tag {
        TAG_VECTOR => Type::Vector(Box::new(inner)),
        TAG_REF => Type::Ref(Box::new(inner)),
        _ => Type::MutRef(Box::new(inner)),
    }))
}

/// One preorder token of a constant value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) enum ConstToken {
    Bool(bool),
    U8(u8),
    U64(u64),
    U128(u128),
    Address(AccountAddress),
    /// A vector; its elements' tokens follow.
    Vector(u32),
}

/// Flattens a value in preorder, without recursion.
pub(super) fn encode_const(value: &ConstValue) -> Vec<ConstToken> {
    let mut tokens = Vec::new();
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        tokens.push(match value {
            ConstValue::Bool(b) => ConstToken::Bool(*b),
            ConstValue::U8(n) => ConstToken::U8(*n),
            ConstValue::U64(n) => ConstToken::U64(*n),
            ConstValue::U128(n) => ConstToken::U128(*n),
            ConstValue::Address(a) => ConstToken::Address(*a),
            ConstValue::Vector(items) => {
                stack.extend(items.iter().rev());
                // A vector of 2^32 constants cannot be built in memory in practice; saturate rather than panic.
                ConstToken::Vector(u32::try_from(items.len()).unwrap_or(u32::MAX))
            }
        });
    }
    tokens
}

/// Rebuilds a value from exactly `tokens`, without recursion.
pub(super) fn decode_const(tokens: &[ConstToken]) -> Result<ConstValue, String> {
    // Open vectors: the elements so far and how many are still to come.
    let mut open: Vec<(Vec<ConstValue>, u32)> = Vec::new();
    let mut done = None;
    for (i, token) in tokens.iter().enumerate() {
        if done.is_some() {
            return Err(format!("token {i} is past the end of the value"));
        }
        let mut value = match *token {
            ConstToken::Bool(b) => ConstValue::Bool(b),
            ConstToken::U8(n) => ConstValue::U8(n),
            ConstToken::U64(n) => ConstValue::U64(n),
            ConstToken::U128(n) => ConstValue::U128(n),
            ConstToken::Address(a) => ConstValue::Address(a),
            ConstToken::Vector(len) => {
                if open.len() >= MAX_CONST_DEPTH {
                    return Err(format!("value nested deeper than {MAX_CONST_DEPTH}"));
                }
                if len > 0 {
                    // Never reserve more than the tokens that are left could fill.
                    let capacity = (len as usize).min(tokens.len() - i);
                    open.push((Vec::with_capacity(capacity), len));
                    continue;
                }
                ConstValue::Vector(Vec::new())
            }
        };
        // Place the value; every vector it completes is placed in turn.
        loop {
            let Some((items, remaining)) = open.last_mut() else {
                done = Some(value);
                break;
            };
            items.push(value);
            *remaining -= 1;
            if *remaining > 0 {
                break;
            }
            let Some((items, _)) = open.pop() else { break };
            value = ConstValue::Vector(items);
        }
    }
    if !open.is_empty() {
        return Err("the value ends inside a vector".into());
    }
    done.ok_or_else(|| "empty value".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_round_trip_and_reject_bad_bytes() {
        let ty = Type::Ref(Box::new(Type::Vector(Box::new(Type::Struct(StructHandleIdx(0x0102))))));
        let mut bytes = Vec::new();
        encode_type(&ty, &mut bytes);
        assert_eq!(bytes, [TAG_REF, TAG_VECTOR, TAG_STRUCT, 0x02, 0x01]);
        assert!(decode_type(&bytes).ok() == Some(ty));
        let reason = |b: &[u8]| decode_type(b).err().map(|e| (e.at, e.reason));
        assert_eq!(reason(&[]), Some((0, "the type ends before its leaf".into())));
        assert_eq!(reason(&[TAG_STRUCT, 1]), Some((1, "the struct index is cut off".into())));
        assert_eq!(reason(&[TAG_U8, TAG_U8]), Some((1, "bytes after the end of the type".into())));
        assert_eq!(reason(&[TAG_VECTOR, 0x77]), Some((1, "unknown type tag 0x77".into())));
        let deep = [vec![TAG_VECTOR; MAX_TYPE_DEPTH], vec![TAG_U8]].concat();
        assert!(decode_type(&deep).is_ok());
        let too_deep = [vec![TAG_VECTOR; MAX_TYPE_DEPTH + 1], vec![TAG_U8]].concat();
        assert_eq!(reason(&too_deep), Some((MAX_TYPE_DEPTH, "type nested deeper than 64".into())));
    }

    #[test]
    fn constants_round_trip_and_reject_bad_tokens() {
        let value = ConstValue::Vector(vec![
            ConstValue::Vector(vec![]),
            ConstValue::Vector(vec![ConstValue::U8(1), ConstValue::Bool(true)]),
            ConstValue::U128(7),
        ]);
        let tokens = encode_const(&value);
        assert_eq!(tokens[..3], [ConstToken::Vector(3), ConstToken::Vector(0), ConstToken::Vector(2)]);
        assert_eq!(decode_const(&tokens), Ok(value));
        assert!(decode_const(&[ConstToken::Vector(u32::MAX), ConstToken::U8(1)]).is_err());
        assert!(decode_const(&[ConstToken::U8(1), ConstToken::U8(2)]).is_err());
        assert!(decode_const(&[]).is_err());
        let deep = vec![ConstToken::Vector(1); 100_000];
        assert_eq!(decode_const(&deep), Err("value nested deeper than 64".into()));
    }
}
