//! The canonical byte encoding of a [`Value`] (postcard's: a varint variant
//! tag, then the payload; addresses as 32 raw bytes, vectors and structs as
//! a varint length and their items): one encoder for the state file and for
//! the state root's leaves, and a decoder that reads with a loop and an
//! explicit stack instead of serde's recursion.
//!
//! Decoding reads bytes from a state file, which a user or another program
//! may have written: it refuses values deeper than [`MAX_VALUE_DEPTH`],
//! never reserves more memory than the input could fill, and says what is
//! wrong and at which byte.

use std::fmt;

use resin_format::encoding::limits::MAX_VALUE_DEPTH;
use resin_format::file_format::{AccountAddress, U256};
use smallvec::SmallVec;

use crate::value::Value;

pub(crate) const TAG_BOOL: u8 = 0;
pub(crate) const TAG_U8: u8 = 1;
pub(crate) const TAG_U64: u8 = 2;
pub(crate) const TAG_U128: u8 = 3;
pub(crate) const TAG_ADDRESS: u8 = 4;
const TAG_SIGNER: u8 = 5;
const TAG_VECTOR: u8 = 6;
pub(crate) const TAG_STRUCT: u8 = 7;
// After every earlier tag, so values written before these integers existed
// keep their bytes: u16 and u32 as varints, u256 as 32 bytes little-endian.
const TAG_U16: u8 = 8;
const TAG_U32: u8 = 9;
const TAG_U256: u8 = 10;

/// Why bytes are not a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueDecodeError {
    /// The offset of the offending byte.
    pub at: usize,
    pub reason: String,
}

impl fmt::Display for ValueDecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.reason, self.at)
    }
}

impl std::error::Error for ValueDecodeError {}

/// Where encoded bytes go: a `Vec` for the state file and `canonical_bytes`,
/// an inline `SmallVec` for the leaf records the state root hashes (so a
/// small resource is encoded without allocating).
pub trait ByteSink {
    fn push_byte(&mut self, byte: u8);
    fn push_bytes(&mut self, bytes: &[u8]);
}

impl ByteSink for Vec<u8> {
    fn push_byte(&mut self, byte: u8) {
        self.push(byte);
    }
    fn push_bytes(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

impl<const N: usize> ByteSink for SmallVec<[u8; N]> {
    fn push_byte(&mut self, byte: u8) {
        self.push(byte);
    }
    fn push_bytes(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// A postcard varint (LEB128, least significant group first).
#[inline]
pub(crate) fn put_varint(mut v: u128, out: &mut impl ByteSink) {
    while v >= 0x80 {
        out.push_byte((v as u8) | 0x80);
        v >>= 7;
    }
    out.push_byte(v as u8);
}

/// Appends the canonical bytes of `value` to `out`.
///
/// Recursive, unlike the decoder: a value is only ever built by the VM or by
/// [`decode`], both of which bound its depth to [`MAX_VALUE_DEPTH`], so the
/// recursion is bounded too (the walk over the deepest value is tested on a
/// small thread stack). The state root encodes every written resource with
/// it, where the loop-and-stack form cost ~90 more instructions a leaf.
pub fn encode_into(value: &Value, out: &mut impl ByteSink) {
    match value {
        // Two single bytes, not a two-byte slice: a slice copy is a call
        // to `memcpy`. (A byte vector's elements do not come here: see
        // `encode_items`.)
        Value::Bool(b) => {
            out.push_byte(TAG_BOOL);
            out.push_byte(u8::from(*b));
        }
        Value::U8(v) => {
            out.push_byte(TAG_U8);
            out.push_byte(*v);
        }
        Value::U64(v) => {
            out.push_byte(TAG_U64);
            put_varint(u128::from(*v), out);
        }
        Value::U128(v) => {
            out.push_byte(TAG_U128);
            put_varint(*v, out);
        }
        Value::U16(v) => {
            out.push_byte(TAG_U16);
            put_varint(u128::from(*v), out);
        }
        Value::U32(v) => {
            out.push_byte(TAG_U32);
            put_varint(u128::from(*v), out);
        }
        Value::U256(v) => {
            out.push_byte(TAG_U256);
            out.push_bytes(&v.to_le_bytes());
        }
        Value::Address(a) => {
            out.push_byte(TAG_ADDRESS);
            out.push_bytes(&a.0);
        }
        Value::Signer(a) => {
            out.push_byte(TAG_SIGNER);
            out.push_bytes(&a.0);
        }
        Value::Vector(items) | Value::Struct(items) => {
            out.push_byte(if matches!(value, Value::Vector(_)) { TAG_VECTOR } else { TAG_STRUCT });
            put_varint(items.len() as u128, out);
            encode_items(items, out);
        }
        Value::Flat(flat) => flat.encode(out),
        Value::Bytes(bytes) => {
            out.push_byte(TAG_VECTOR);
            put_varint(bytes.len() as u128, out);
            encode_bytes(bytes, out);
        }
    }
}

/// A byte vector's elements, each a `U8`'s tag and byte, tagged into a
/// buffer on the stack [`BYTE_RUN`] at a time and appended at once.
#[inline]
fn encode_bytes(bytes: &[u8], out: &mut impl ByteSink) {
    for run in bytes.chunks(BYTE_RUN) {
        let mut pairs = [TAG_U8; 2 * BYTE_RUN];
        for (byte, pair) in run.iter().zip(pairs.chunks_exact_mut(2)) {
            if let [_, slot] = pair {
                *slot = *byte;
            }
        }
        out.push_bytes(pairs.get(..2 * run.len()).unwrap_or_default());
    }
}

/// Bytes of a byte vector gathered before they are appended: each is two
/// bytes of output, tag and value.
const BYTE_RUN: usize = 32;

/// The elements of a vector or a struct, in order. A token's name and URI
/// are one `U8` element per byte: each run of up to [`BYTE_RUN`] of them is
/// tagged into a buffer on the stack and appended at once, instead of a
/// recursive call, or two pushes each checking the sink's capacity, per
/// byte. Whatever follows another value in a run is encoded one by one.
#[inline]
fn encode_items(items: &[Value], out: &mut impl ByteSink) {
    for run in items.chunks(BYTE_RUN) {
        let mut pairs = [0u8; 2 * BYTE_RUN];
        let mut bytes = 0usize;
        for (item, pair) in run.iter().zip(pairs.chunks_exact_mut(2)) {
            let (Value::U8(v), [tag, byte]) = (item, pair) else { break };
            (*tag, *byte) = (TAG_U8, *v);
            bytes += 1;
        }
        if bytes > 0 {
            out.push_bytes(pairs.get(..2 * bytes).unwrap_or_default());
        }
        for item in run.get(bytes..).unwrap_or_default() {
            encode_into(item, out);
        }
    }
}

/// The canonical bytes of `value`.
pub fn encode(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(value, &mut out);
    out
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn error(&self, at: usize, reason: impl Into<String>) -> ValueDecodeError {
        ValueDecodeError { at, reason: reason.into() }
    }

    fn byte(&mut self) -> Result<u8, ValueDecodeError> {
        let b = *self.bytes.get(self.pos).ok_or_else(|| self.error(self.pos, "the value is cut off"))?;
        self.pos += 1;
        Ok(b)
    }

    /// A varint of at most `bits` bits, in its shortest form (as written).
    fn varint(&mut self, bits: u32) -> Result<u128, ValueDecodeError> {
        let start = self.pos;
        let mut value = 0u128;
        let mut shift = 0u32;
        loop {
            let b = self.byte()?;
            let chunk = u128::from(b & 0x7f);
            let room = bits.saturating_sub(shift);
            if room == 0 || (room < 7 && chunk >> room != 0) {
                return Err(self.error(start, format!("a number does not fit in {bits} bits")));
            }
            value |= chunk << shift;
            if b & 0x80 == 0 {
                if b == 0 && shift > 0 {
                    return Err(self.error(start, "a number written with more bytes than it needs"));
                }
                return Ok(value);
            }
            shift += 7;
        }
    }

    fn address(&mut self) -> Result<AccountAddress, ValueDecodeError> {
        self.thirty_two("an address").map(AccountAddress)
    }

    fn thirty_two(&mut self, what: &str) -> Result<[u8; 32], ValueDecodeError> {
        let end = self.pos + 32;
        let bytes: [u8; 32] = match self.bytes.get(self.pos..end).map(<[u8; 32]>::try_from) {
            Some(Ok(bytes)) => bytes,
            _ => return Err(self.error(self.pos, format!("{what} is cut off"))),
        };
        self.pos = end;
        Ok(bytes)
    }
}

/// Reads a value from exactly `bytes`.
pub fn decode(bytes: &[u8]) -> Result<Value, ValueDecodeError> {
    let mut r = Reader { bytes, pos: 0 };
    // Open containers: whether a vector, the items so far, how many are still to come.
    let mut open: Vec<(bool, Vec<Value>, usize)> = Vec::new();
    loop {
        let start = r.pos;
        let tag = r.byte()?;
        let mut value = match tag {
            TAG_BOOL => match r.byte()? {
                0 => Value::Bool(false),
                1 => Value::Bool(true),
                other => return Err(r.error(start + 1, format!("a boolean byte {other:#04x}, neither 0 nor 1"))),
            },
            TAG_U8 => Value::U8(r.byte()?),
            TAG_U64 => Value::U64(u64::try_from(r.varint(64)?).unwrap_or(u64::MAX)),
            TAG_U128 => Value::U128(r.varint(128)?),
            TAG_U16 => Value::U16(u16::try_from(r.varint(16)?).unwrap_or(u16::MAX)),
            TAG_U32 => Value::U32(u32::try_from(r.varint(32)?).unwrap_or(u32::MAX)),
            TAG_U256 => Value::U256(U256::from_le_bytes(r.thirty_two("a u256")?)),
            TAG_ADDRESS => Value::Address(r.address()?),
            TAG_SIGNER => Value::Signer(r.address()?),
            TAG_VECTOR | TAG_STRUCT => {
                let len = usize::try_from(r.varint(64)?).unwrap_or(usize::MAX);
                // The container itself is one level; its items at least one more.
                if open.len() + 1 >= MAX_VALUE_DEPTH && len > 0 {
                    return Err(r.error(start, format!("a value nested deeper than {MAX_VALUE_DEPTH}")));
                }
                if len > 0 {
                    // Every item takes at least two bytes: reserve no more than the rest could hold.
                    let capacity = len.min(bytes.len().saturating_sub(r.pos) / 2);
                    open.push((tag == TAG_VECTOR, Vec::with_capacity(capacity), len));
                    continue;
                }
                if tag == TAG_VECTOR {
                    Value::vector(Vec::new())
                } else {
                    Value::structure(Vec::new())
                }
            }
            other => return Err(r.error(start, format!("unknown value tag {other:#04x}"))),
        };
        // Place the value; every container it completes is placed in turn.
        loop {
            let Some((_, items, remaining)) = open.last_mut() else {
                if r.pos != bytes.len() {
                    return Err(r.error(r.pos, format!("{} bytes after the end of the value", bytes.len() - r.pos)));
                }
                return Ok(value);
            };
            items.push(value);
            *remaining -= 1;
            if *remaining > 0 {
                break;
            }
            let Some((is_vector, items, _)) = open.pop() else { break };
            // A struct that fits is held flat and a byte vector as bytes, as
            // the VM would build them.
            value = if is_vector { Value::vector(items) } else { Value::structure(items) };
        }
    }
}

/// How deeply `value` nests (a primitive is 1), computed without recursion.
pub fn depth(value: &Value) -> usize {
    let mut deepest = 0;
    let mut pending = vec![(value, 1usize)];
    while let Some((value, depth)) = pending.pop() {
        match value {
            Value::Vector(items) | Value::Struct(items) => {
                deepest = deepest.max(depth);
                pending.extend(items.iter().map(|item| (item, depth + 1)));
            }
            Value::Flat(flat) => deepest = deepest.max(depth - 1 + flat.depth()),
            // Its elements are primitives, one level down.
            Value::Bytes(bytes) => deepest = deepest.max(depth + usize::from(!bytes.is_empty())),
            _ => deepest = deepest.max(depth),
        }
    }
    deepest
}
