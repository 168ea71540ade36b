//! Flat wire forms of the two recursive types, `Type` and `ConstValue`.
//!
//! serde's derive decodes a recursive enum by recursing once per nesting
//! level, so a few kilobytes of hostile input would exhaust the stack. Here
//! both are written in preorder as a flat list and rebuilt with loops and an
//! explicit depth limit.
//!
//! A type is a byte string: its nodes in preorder, each a tag and its
//! operands. `vector`, `&` and `&mut` are followed by their one child; a
//! struct leaf by its handle index (u16, little-endian); a type parameter by
//! its index (u16); an instantiated struct by its handle index and its
//! argument count (u8), then its arguments. Format version 1
//! holds only the first kinds, so one decoder reads both versions.
//!
//! A constant value is a list of tokens; `Vector(n)` is followed by its `n`
//! elements' tokens.

use serde::{Deserialize, Serialize};

use super::limits::{MAX_CONST_DEPTH, MAX_TYPE_DEPTH, MAX_TYPE_NODES};
use crate::file_format::{AccountAddress, ConstValue, StructHandleIdx, Type, U256};

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
const TAG_TYPE_PARAM: u8 = 0x0B;
const TAG_STRUCT_INST: u8 = 0x0C;
// Tags after every earlier one, so bytes of format versions 1 to 3 written
// before these integers existed decode to the same types.
const TAG_U16: u8 = 0x0D;
const TAG_U32: u8 = 0x0E;
const TAG_U256: u8 = 0x0F;

/// Appends the type's nodes in preorder.
pub(super) fn encode_type(ty: &Type, out: &mut Vec<u8>) {
    for node in ty.preorder() {
        match node {
            Type::Bool => out.push(TAG_BOOL),
            Type::U8 => out.push(TAG_U8),
            Type::U64 => out.push(TAG_U64),
            Type::U128 => out.push(TAG_U128),
            Type::U16 => out.push(TAG_U16),
            Type::U32 => out.push(TAG_U32),
            Type::U256 => out.push(TAG_U256),
            Type::Address => out.push(TAG_ADDRESS),
            Type::Signer => out.push(TAG_SIGNER),
            Type::Vector(_) => out.push(TAG_VECTOR),
            Type::Ref(_) => out.push(TAG_REF),
            Type::MutRef(_) => out.push(TAG_MUT_REF),
            Type::Struct(idx) => {
                out.push(TAG_STRUCT);
                out.extend_from_slice(&idx.0.to_le_bytes());
            }
            Type::TypeParam(i) => {
                out.push(TAG_TYPE_PARAM);
                out.extend_from_slice(&i.to_le_bytes());
            }
            Type::StructInst(idx, args) => {
                out.push(TAG_STRUCT_INST);
                out.extend_from_slice(&idx.0.to_le_bytes());
                // A longer list fails `check_limits` (MAX_TYPE_NODES) before
                // it is written by the compiler or the assembler; a module
                // built by hand that holds one decodes to an error.
                out.push(u8::try_from(args.len()).unwrap_or(u8::MAX));
            }
        }
    }
}

/// A type that failed to decode: the offset of the bad byte within the type's bytes, and why.
pub(super) struct TypeError {
    pub at: usize,
    pub reason: String,
}

/// One node read from the bytes, before the tree is built.
enum Node {
    Leaf(Type),
    Wrapper(u8),
    Inst(StructHandleIdx, usize),
}

fn read_u16(bytes: &[u8], pos: &mut usize, what: &str) -> Result<u16, TypeError> {
    match bytes.get(*pos..*pos + 2) {
        Some(&[lo, hi]) => {
            *pos += 2;
            Ok(u16::from_le_bytes([lo, hi]))
        }
        _ => Err(TypeError { at: *pos, reason: format!("the {what} is cut off") }),
    }
}

/// Rebuilds a type from exactly `bytes`, with loops and an explicit stack:
/// a first pass reads the nodes and finds where the type ends, a second
/// builds the tree from the last node back.
pub(super) fn decode_type(bytes: &[u8]) -> Result<Type, TypeError> {
    let mut nodes = Vec::new();
    // The children still to read of each node whose children are not all read.
    let mut open: Vec<usize> = Vec::new();
    let mut pos = 0;
    loop {
        let Some(&tag) = bytes.get(pos) else {
            let reason = if open.is_empty() { "the type ends before its leaf" } else { "the type ends inside it" };
            return Err(TypeError { at: pos, reason: reason.into() });
        };
        if open.len() > MAX_TYPE_DEPTH {
            return Err(TypeError { at: pos, reason: format!("type nested deeper than {MAX_TYPE_DEPTH}") });
        }
        if nodes.len() == MAX_TYPE_NODES {
            return Err(TypeError { at: pos, reason: format!("type of more than {MAX_TYPE_NODES} nodes") });
        }
        let at = pos;
        pos += 1;
        let node = match tag {
            TAG_VECTOR | TAG_REF | TAG_MUT_REF => Node::Wrapper(tag),
            TAG_BOOL => Node::Leaf(Type::Bool),
            TAG_U8 => Node::Leaf(Type::U8),
            TAG_U64 => Node::Leaf(Type::U64),
            TAG_U128 => Node::Leaf(Type::U128),
            TAG_U16 => Node::Leaf(Type::U16),
            TAG_U32 => Node::Leaf(Type::U32),
            TAG_U256 => Node::Leaf(Type::U256),
            TAG_ADDRESS => Node::Leaf(Type::Address),
            TAG_SIGNER => Node::Leaf(Type::Signer),
            TAG_STRUCT => Node::Leaf(Type::Struct(StructHandleIdx(read_u16(bytes, &mut pos, "struct index")?))),
            TAG_TYPE_PARAM => Node::Leaf(Type::TypeParam(read_u16(bytes, &mut pos, "type parameter index")?)),
            TAG_STRUCT_INST => {
                let idx = StructHandleIdx(read_u16(bytes, &mut pos, "struct index")?);
                let Some(&count) = bytes.get(pos) else {
                    return Err(TypeError { at: pos, reason: "the type argument count is cut off".into() });
                };
                pos += 1;
                // Zero arguments is a leaf; the verifier rejects it as an arity mismatch.
                match count {
                    0 => Node::Leaf(Type::StructInst(idx, Vec::new())),
                    _ => Node::Inst(idx, usize::from(count)),
                }
            }
            other => return Err(TypeError { at, reason: format!("unknown type tag {other:#04x}") }),
        };
        let children = match node {
            Node::Leaf(_) => 0,
            Node::Wrapper(_) => 1,
            Node::Inst(_, count) => count,
        };
        nodes.push(node);
        if children > 0 {
            open.push(children);
            continue;
        }
        // A leaf completes its parent's child, which may complete the parent, and so on up.
        loop {
            match open.last_mut() {
                None => break,
                Some(left) if *left > 1 => {
                    *left -= 1;
                    break;
                }
                Some(_) => {
                    open.pop();
                }
            }
        }
        if open.is_empty() {
            break;
        }
    }
    if pos != bytes.len() {
        return Err(TypeError { at: pos, reason: "bytes after the end of the type".into() });
    }
    // Preorder read backwards: every node's children are on the stack, first child on top.
    let mut built: Vec<Type> = Vec::with_capacity(nodes.len());
    let missing = || TypeError { at: 0, reason: "a node without its children".into() };
    for node in nodes.into_iter().rev() {
        let ty = match node {
            Node::Leaf(ty) => ty,
            Node::Wrapper(tag) => {
                let inner = Box::new(built.pop().ok_or_else(missing)?);
                match tag {
                    TAG_VECTOR => Type::Vector(inner),
                    TAG_REF => Type::Ref(inner),
                    _ => Type::MutRef(inner),
                }
            }
            Node::Inst(idx, count) => {
                let split = built.len().checked_sub(count).ok_or_else(missing)?;
                let mut args = built.split_off(split);
                args.reverse();
                Type::StructInst(idx, args)
            }
        };
        built.push(ty);
    }
    match (built.pop(), built.is_empty()) {
        (Some(ty), true) => Ok(ty),
        _ => Err(missing()),
    }
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
    // After `Vector`: postcard numbers variants in order, so the older
    // tokens keep their wire numbers.
    U16(u16),
    U32(u32),
    U256(U256),
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
            ConstValue::U16(n) => ConstToken::U16(*n),
            ConstValue::U32(n) => ConstToken::U32(*n),
            ConstValue::U256(n) => ConstToken::U256(*n),
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
            ConstToken::U16(n) => ConstValue::U16(n),
            ConstToken::U32(n) => ConstValue::U32(n),
            ConstToken::U256(n) => ConstValue::U256(n),
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
        // The leaf is the node 65 deep.
        assert_eq!(reason(&too_deep), Some((MAX_TYPE_DEPTH + 1, "type nested deeper than 64".into())));
    }

    #[test]
    fn generic_types_round_trip_and_reject_bad_bytes() {
        // Pair<T0, vector<Box<u8>>>, preorder: Pair(2) T0 vector Box(1) u8.
        let boxed = Type::StructInst(StructHandleIdx(1), vec![Type::U8]);
        let ty = Type::StructInst(StructHandleIdx(0), vec![Type::TypeParam(0), Type::Vector(Box::new(boxed))]);
        let mut bytes = Vec::new();
        encode_type(&ty, &mut bytes);
        let expected = [TAG_STRUCT_INST, 0, 0, 2, TAG_TYPE_PARAM, 0, 0, TAG_VECTOR, TAG_STRUCT_INST, 1, 0, 1, TAG_U8];
        assert_eq!(bytes, expected);
        assert!(decode_type(&bytes).ok() == Some(ty));

        let reason = |b: &[u8]| decode_type(b).err().map(|e| (e.at, e.reason));
        assert_eq!(reason(&[TAG_TYPE_PARAM, 1]), Some((1, "the type parameter index is cut off".into())));
        assert_eq!(reason(&[TAG_STRUCT_INST, 0, 0]), Some((3, "the type argument count is cut off".into())));
        // Two arguments announced, one given.
        assert_eq!(reason(&[TAG_STRUCT_INST, 0, 0, 2, TAG_U8]), Some((5, "the type ends inside it".into())));
        assert_eq!(
            reason(&[TAG_STRUCT_INST, 0, 0, 1, TAG_U8, TAG_U8]),
            Some((5, "bytes after the end of the type".into()))
        );
        // Zero arguments is a leaf here; the verifier rejects the arity.
        assert!(decode_type(&[TAG_STRUCT_INST, 0, 0, 0]).ok() == Some(Type::StructInst(StructHandleIdx(0), vec![])));

        // Wide types are bounded by their node count, deep ones by their depth.
        let wide: Vec<u8> = [TAG_STRUCT_INST, 0, 0, 255].into_iter().chain(std::iter::repeat_n(TAG_U8, 255)).collect();
        assert!(decode_type(&wide).is_ok());
        let wider: Vec<u8> = std::iter::repeat_n([TAG_STRUCT_INST, 0, 0, 2], 200).flatten().collect();
        assert!(reason(&wider).is_some_and(|(_, r)| r.starts_with("type nested deeper")));
        let mut bomb = Vec::new();
        for _ in 0..2 {
            bomb.extend([TAG_STRUCT_INST, 0, 0, 255]);
        }
        bomb.extend(std::iter::repeat_n(TAG_U8, 600));
        // Two 4-byte nodes, then one byte per node: node 256, the first too many, is at byte 262.
        assert_eq!(reason(&bomb), Some((MAX_TYPE_NODES + 6, format!("type of more than {MAX_TYPE_NODES} nodes"))));
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
