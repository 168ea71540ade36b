//! Flat structs: a struct whose fields, with nested structs' fields spliced
//! in, are scalars that fill at most [`FLAT_WORDS`] 64-bit words. Such a
//! struct lives inline in its [`Value`] (no heap allocation), and a
//! reference into it is a word position rather than a list of fields walked
//! on every use. A coin's `Balance { coin: Coin { value: u64 } }` is one word.
//!
//! Whether a struct fits depends only on its type (which scalars, how
//! nested), so the VM, which builds every struct through
//! [`Value::structure`], holds all values of a type the same way. A flat
//! struct encodes, hashes and compares exactly like the same struct held as
//! a list of fields.
//!
//! The nesting is kept in a [`Shape`]: one 3-bit token per scalar, and an
//! open and a close token around each nested struct, the outermost struct's
//! own fields at the top level. Every walk over it is a linear scan of at
//! most [`MAX_TOKENS`] tokens, with no recursion: this runs on every field
//! access and every storage size a transaction is charged for.

use std::fmt;

use resin_format::file_format::AccountAddress;

use super::{varint_len, Value};
use crate::canonical::{put_varint, ByteSink, TAG_ADDRESS, TAG_BOOL, TAG_STRUCT, TAG_U128, TAG_U64, TAG_U8};

/// Words a flat struct holds: a `u64` or smaller scalar takes one, a `u128`
/// two, an address four.
const FLAT_WORDS: usize = 4;

/// Tokens a [`Shape`] holds: 3 bits each in one `u64`, 0 ending the list.
const MAX_TOKENS: usize = 21;
/// At most this many structs fit in a shape: the outermost and one per
/// open/close pair.
const MAX_STRUCTS: usize = 1 + MAX_TOKENS / 2;
const TOKEN_BITS: u32 = 3;
const TOKEN_MASK: u64 = (1 << TOKEN_BITS) - 1;
const OPEN: u8 = 1;
const CLOSE: u8 = 2;

/// Words taken by the scalar of each token (0 for open and close).
const WORDS: [usize; 8] = [0, 0, 0, 1, 1, 1, 2, 4];

/// A scalar a flat struct can hold.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Scalar {
    Bool = 3,
    U8 = 4,
    U64 = 5,
    U128 = 6,
    Address = 7,
}

impl Scalar {
    fn from_token(token: u8) -> Option<Scalar> {
        Some(match token {
            3 => Scalar::Bool,
            4 => Scalar::U8,
            5 => Scalar::U64,
            6 => Scalar::U128,
            7 => Scalar::Address,
            _ => return None,
        })
    }

    /// The words the scalar takes.
    fn words(self) -> usize {
        WORDS[self as usize]
    }

    /// The scalar kind of `value`, if it is one a flat struct can hold.
    fn of(value: &Value) -> Option<Scalar> {
        Some(match value {
            Value::Bool(_) => Scalar::Bool,
            Value::U8(_) => Scalar::U8,
            Value::U64(_) => Scalar::U64,
            Value::U128(_) => Scalar::U128,
            Value::Address(_) => Scalar::Address,
            _ => return None,
        })
    }

    fn read(self, words: &[u64]) -> Value {
        let word = |i: usize| words.get(i).copied().unwrap_or(0);
        match self {
            Scalar::Bool => Value::Bool(word(0) != 0),
            Scalar::U8 => Value::U8(word(0) as u8),
            Scalar::U64 => Value::U64(word(0)),
            Scalar::U128 => Value::U128(u128::from(word(0)) | (u128::from(word(1)) << 64)),
            Scalar::Address => {
                let mut bytes = [0u8; 32];
                for (i, chunk) in bytes.chunks_exact_mut(8).enumerate() {
                    chunk.copy_from_slice(&word(i).to_le_bytes());
                }
                Value::Address(AccountAddress(bytes))
            }
        }
    }

    /// Writes `value` into `words`; false when it is not this scalar.
    fn write(self, value: &Value, words: &mut [u64]) -> bool {
        let mut put = |i: usize, w: u64| {
            if let Some(slot) = words.get_mut(i) {
                *slot = w;
            }
        };
        match (self, value) {
            (Scalar::Bool, Value::Bool(b)) => put(0, u64::from(*b)),
            (Scalar::U8, Value::U8(v)) => put(0, u64::from(*v)),
            (Scalar::U64, Value::U64(v)) => put(0, *v),
            (Scalar::U128, Value::U128(v)) => {
                put(0, *v as u64);
                put(1, (*v >> 64) as u64);
            }
            (Scalar::Address, Value::Address(a)) => {
                for (i, chunk) in a.0.chunks_exact(8).enumerate() {
                    let mut word = [0u8; 8];
                    word.copy_from_slice(chunk);
                    put(i, u64::from_le_bytes(word));
                }
            }
            _ => return false,
        }
        true
    }
}

/// The nesting of a flat struct's fields: a list of tokens (scalar kinds,
/// and open/close around nested structs), token `i` in bits `3i..3i+3`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
struct Shape(u64);

impl Shape {
    #[inline(always)]
    fn token(self, i: usize) -> u8 {
        if i >= MAX_TOKENS {
            return 0;
        }
        ((self.0 >> (i as u32 * TOKEN_BITS)) & TOKEN_MASK) as u8
    }

    /// The tokens, first to last.
    #[inline(always)]
    fn tokens(self) -> impl Iterator<Item = u8> {
        let mut bits = self.0;
        std::iter::from_fn(move || {
            if bits == 0 {
                return None;
            }
            let token = (bits & TOKEN_MASK) as u8;
            bits >>= TOKEN_BITS;
            Some(token)
        })
    }

    /// The number of tokens (every token is non-zero).
    fn len(self) -> usize {
        (64 - self.0.leading_zeros()).div_ceil(TOKEN_BITS) as usize
    }

    /// Tokens `start..end` as a shape of their own.
    fn slice(self, start: usize, end: usize) -> Shape {
        let width = end.saturating_sub(start).min(MAX_TOKENS) as u32 * TOKEN_BITS;
        let mask = if width >= 64 { u64::MAX } else { (1u64 << width) - 1 };
        Shape(self.0.checked_shr(start as u32 * TOKEN_BITS).unwrap_or(0) & mask)
    }

    /// The words the scalars of the whole shape take.
    fn word_count(self) -> usize {
        self.tokens().map(|token| WORDS[usize::from(token)]).sum()
    }

    /// The item (a scalar, or a nested struct through its close) starting at
    /// token `start`: the token after it and the words it takes; `None` at
    /// the end of the enclosing struct.
    #[inline(always)]
    fn item_at(self, start: usize) -> Option<(usize, usize)> {
        let first = self.token(start);
        match first {
            0 | CLOSE => None,
            OPEN => {
                let mut depth = 1usize;
                let mut words = 0usize;
                let mut i = start + 1;
                while depth > 0 {
                    match self.token(i) {
                        0 => return None,
                        OPEN => depth += 1,
                        CLOSE => depth -= 1,
                        t => words += WORDS[usize::from(t)],
                    }
                    i += 1;
                }
                Some((i, words))
            }
            t => Some((start + 1, WORDS[usize::from(t)])),
        }
    }

    /// Item `index` of the struct whose items start at token `start` and
    /// word `word`.
    #[inline]
    fn nth_item(self, mut start: usize, mut word: usize, index: usize) -> Option<FlatPos> {
        for _ in 0..index {
            let (next, words) = self.item_at(start)?;
            start = next;
            word += words;
        }
        // Where the item ends is found only if a nested struct is read or
        // written whole; a path step needs its start alone.
        match self.token(start) {
            0 | CLOSE => None,
            _ => Some(FlatPos { word: word as u8, start: start as u8 }),
        }
    }
}

impl fmt::Debug for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for i in 0..self.len() {
            let s = match self.token(i) {
                OPEN => "{",
                CLOSE => "}",
                t => match Scalar::from_token(t) {
                    Some(Scalar::Bool) => "bool ",
                    Some(Scalar::U8) => "u8 ",
                    Some(Scalar::U64) => "u64 ",
                    Some(Scalar::U128) => "u128 ",
                    Some(Scalar::Address) => "address ",
                    None => "? ",
                },
            };
            f.write_str(s)?;
        }
        Ok(())
    }
}

/// Where a field sits inside a flat struct: its first word, and its first
/// token in the struct's [`Shape`] (its scalar, or a nested struct's open).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct FlatPos {
    pub word: u8,
    pub start: u8,
}

/// A struct held inline: its scalars packed into words, and its shape.
/// Words past the scalars are always zero, so equal fields mean equal words.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Flat {
    words: [u64; FLAT_WORDS],
    shape: Shape,
}

impl Flat {
    /// The flat form of a struct with these fields, if it fits.
    pub fn pack<'a>(fields: impl IntoIterator<Item = &'a Value>) -> Option<Flat> {
        let mut words = [0u64; FLAT_WORDS];
        let mut bits = 0u64;
        let mut tokens = 0usize;
        let mut used = 0usize;
        let mut push = |token: u64, tokens: &mut usize| -> Option<()> {
            if *tokens >= MAX_TOKENS {
                return None;
            }
            bits |= token << (*tokens as u32 * TOKEN_BITS);
            *tokens += 1;
            Some(())
        };
        for field in fields {
            match field {
                Value::Flat(inner) => {
                    let inner_tokens = inner.shape.len();
                    if tokens + inner_tokens + 2 > MAX_TOKENS {
                        return None;
                    }
                    push(u64::from(OPEN), &mut tokens)?;
                    for i in 0..inner_tokens {
                        push(u64::from(inner.shape.token(i)), &mut tokens)?;
                    }
                    push(u64::from(CLOSE), &mut tokens)?;
                    let n = inner.shape.word_count();
                    let end = used.checked_add(n).filter(|&e| e <= FLAT_WORDS)?;
                    words.get_mut(used..end)?.copy_from_slice(inner.words.get(..n)?);
                    used = end;
                }
                value => {
                    let scalar = Scalar::of(value)?;
                    let end = used.checked_add(scalar.words()).filter(|&e| e <= FLAT_WORDS)?;
                    push(scalar as u64, &mut tokens)?;
                    scalar.write(value, words.get_mut(used..end)?);
                    used = end;
                }
            }
        }
        Some(Flat { words, shape: Shape(bits) })
    }

    /// The words the struct's scalars take.
    fn word_count(&self) -> usize {
        self.shape.word_count()
    }

    /// The number of fields (a nested struct is one field).
    pub fn field_count(&self) -> usize {
        let mut start = 0;
        let mut count = 0;
        while let Some((next, _)) = self.shape.item_at(start) {
            start = next;
            count += 1;
        }
        count
    }

    /// The position of field `index` of this struct.
    #[inline]
    pub fn field(&self, index: usize) -> Option<FlatPos> {
        self.shape.nth_item(0, 0, index)
    }

    /// The position of field `index` of the nested struct at `pos`.
    #[inline]
    pub fn nested_field(&self, pos: FlatPos, index: usize) -> Option<FlatPos> {
        let start = usize::from(pos.start);
        if self.shape.token(start) != OPEN {
            return None;
        }
        self.shape.nth_item(start + 1, usize::from(pos.word), index)
    }

    /// One step of a reference's path: field `index` of the whole struct
    /// (`at` is `None`) or of the nested struct at `at`.
    #[inline]
    pub fn step(&self, at: Option<FlatPos>, index: usize) -> Option<FlatPos> {
        match at {
            None => self.field(index),
            Some(pos) => self.nested_field(pos, index),
        }
    }

    /// The `u64` field at `pos`, if it is one.
    #[inline]
    pub fn u64_at(&self, pos: FlatPos) -> Option<u64> {
        if self.shape.token(usize::from(pos.start)) != Scalar::U64 as u8 {
            return None;
        }
        self.words.get(usize::from(pos.word)).copied()
    }

    /// The `u64` field at `pos`, in place, if it is one.
    #[inline]
    pub fn u64_mut(&mut self, pos: FlatPos) -> Option<&mut u64> {
        if self.shape.token(usize::from(pos.start)) != Scalar::U64 as u8 {
            return None;
        }
        self.words.get_mut(usize::from(pos.word))
    }

    /// How deeply the struct nests, as [`Value::depth`] counts: the struct
    /// is 1, each scalar or nested struct one more than what holds it.
    pub fn depth(&self) -> usize {
        let mut open = 0usize;
        let mut deepest = 1usize;
        for token in self.shape.tokens() {
            match token {
                OPEN => {
                    deepest = deepest.max(open + 2);
                    open += 1;
                }
                CLOSE => open = open.saturating_sub(1),
                _ => deepest = deepest.max(open + 2),
            }
        }
        deepest
    }

    /// The flat struct of one scalar field, `Flat::pack([value])` for a
    /// scalar without its loop over fields (a coin, a counter's sum).
    /// `None` for anything a flat struct cannot hold as a field alone.
    #[inline]
    pub fn of_scalar(value: &Value) -> Option<Flat> {
        let scalar = Scalar::of(value)?;
        let mut words = [0u64; FLAT_WORDS];
        scalar.write(value, &mut words);
        Some(Flat { words, shape: Shape(scalar as u64) })
    }

    /// The one field of a struct of one scalar field (a counter's shape):
    /// read straight from the first words, its shape being that scalar's
    /// token alone. `None` for any other shape.
    #[inline]
    pub fn only_scalar(&self) -> Option<Value> {
        let token = u8::try_from(self.shape.0).ok()?;
        Some(Scalar::from_token(token)?.read(&self.words))
    }

    /// The fields, in order, as values (nested structs as flat values).
    pub fn fields(&self) -> impl Iterator<Item = Value> + '_ {
        let mut start = 0;
        let mut word = 0;
        std::iter::from_fn(move || {
            let (end, words) = self.shape.item_at(start)?;
            let pos = FlatPos { word: word as u8, start: start as u8 };
            start = end;
            word += words;
            Some(self.read(pos))
        })
    }

    /// The value at `pos` (a scalar, or a nested struct as a flat value).
    pub fn read(&self, pos: FlatPos) -> Value {
        let (start, word) = (usize::from(pos.start), usize::from(pos.word));
        let rest = self.words.get(word..).unwrap_or(&[]);
        match self.shape.token(start) {
            OPEN => {
                let end = self.shape.item_at(start).map_or(start, |(end, _)| end);
                let shape = self.shape.slice(start + 1, end.saturating_sub(1));
                let mut words = [0u64; FLAT_WORDS];
                let inner = shape.word_count().min(rest.len());
                if let (Some(to), Some(from)) = (words.get_mut(..inner), rest.get(..inner)) {
                    to.copy_from_slice(from);
                }
                Value::Flat(Flat { words, shape })
            }
            token => Scalar::from_token(token).map_or(Value::Bool(false), |s| s.read(rest)),
        }
    }

    /// Replaces the value at `pos`; false (and nothing written) when `value`
    /// does not have the field's type (the verifier makes that impossible in
    /// published code).
    pub fn write(&mut self, pos: FlatPos, value: &Value) -> bool {
        let (start, word) = (usize::from(pos.start), usize::from(pos.word));
        match (self.shape.token(start), value) {
            (OPEN, Value::Flat(inner)) => {
                let end = self.shape.item_at(start).map_or(start, |(end, _)| end);
                if inner.shape != self.shape.slice(start + 1, end.saturating_sub(1)) {
                    return false;
                }
                let n = inner.word_count();
                match (self.words.get_mut(word..word + n), inner.words.get(..n)) {
                    (Some(to), Some(from)) => {
                        to.copy_from_slice(from);
                        true
                    }
                    _ => false,
                }
            }
            (token, value) => match (Scalar::from_token(token), self.words.get_mut(word..)) {
                (Some(scalar), Some(words)) => scalar.write(value, words),
                _ => false,
            },
        }
    }

    /// The number of items of each struct, the outermost first and then
    /// the nested ones in the order they open.
    fn item_counts(&self) -> [u8; MAX_STRUCTS] {
        let mut counts = [0u8; MAX_STRUCTS];
        // The struct each open level belongs to.
        let mut open = [0usize; MAX_STRUCTS];
        let mut depth = 0usize;
        let mut next = 1usize;
        for token in self.shape.tokens() {
            if token == CLOSE {
                depth = depth.saturating_sub(1);
                continue;
            }
            if let Some(count) = open.get(depth).and_then(|&s| counts.get_mut(s)) {
                *count += 1;
            }
            if token == OPEN {
                depth += 1;
                if let Some(slot) = open.get_mut(depth) {
                    *slot = next;
                }
                next += 1;
            }
        }
        counts
    }

    /// The struct's canonical encoding: the same bytes as the struct held
    /// as a list of fields (see `canonical.rs`): a struct tag, the field
    /// count, then each field. A count is below 128, so one varint byte.
    ///
    /// Written into a buffer on the stack and appended at once: the state
    /// root encodes every written balance, and a scalar built as a `Value`
    /// and encoded through the general encoder, each piece appended to the
    /// sink on its own, cost ~360 instructions for a balance's 5 bytes.
    pub fn encode(&self, out: &mut impl ByteSink) {
        let mut bytes = [0u8; MAX_ENCODED];
        let len = self.encode_to(&mut bytes);
        out.push_bytes(bytes.get(..len).unwrap_or(&[]));
    }

    /// [`Flat::encode`]'s bytes written at the front of `bytes` (which has
    /// room for [`MAX_ENCODED`]); their length. A leaf's record puts them
    /// straight after the key's bytes.
    pub(crate) fn encode_to(&self, bytes: &mut [u8]) -> usize {
        debug_assert!(bytes.len() >= MAX_ENCODED, "room for any flat struct's encoding");
        let counts = self.item_counts();
        let mut staged = Staged { bytes, len: 0 };
        staged.byte(TAG_STRUCT);
        staged.byte(counts[0]);
        let mut next = 1usize;
        let mut word = 0usize;
        let at = |i: usize| self.words.get(i).copied().unwrap_or(0);
        for token in self.shape.tokens() {
            match token {
                OPEN => {
                    staged.byte(TAG_STRUCT);
                    staged.byte(counts.get(next).copied().unwrap_or(0));
                    next += 1;
                }
                CLOSE => {}
                t => {
                    let Some(scalar) = Scalar::from_token(t) else { continue };
                    match scalar {
                        Scalar::Bool => {
                            staged.byte(TAG_BOOL);
                            staged.byte(u8::from(at(word) != 0));
                        }
                        Scalar::U8 => {
                            staged.byte(TAG_U8);
                            staged.byte(at(word) as u8);
                        }
                        Scalar::U64 => {
                            staged.byte(TAG_U64);
                            put_varint(u128::from(at(word)), &mut staged);
                        }
                        Scalar::U128 => {
                            staged.byte(TAG_U128);
                            put_varint(u128::from(at(word)) | (u128::from(at(word + 1)) << 64), &mut staged);
                        }
                        Scalar::Address => {
                            staged.byte(TAG_ADDRESS);
                            for i in word..word + 4 {
                                for byte in at(i).to_le_bytes() {
                                    staged.byte(byte);
                                }
                            }
                        }
                    }
                    word += scalar.words();
                }
            }
        }
        staged.len
    }

    /// The length of [`Flat::encode`]'s output, without encoding: two
    /// bytes per struct, a tag per scalar and its payload.
    #[inline]
    pub fn encoded_len(&self) -> u64 {
        let mut len = 2u64;
        let mut word = 0usize;
        // A plain loop over the bits rather than `Shape::tokens`: this runs
        // for every resource read and written (four times per transfer).
        // Only a u64 or a u128 has a length that depends on its value; the
        // rest is a table's. (The tables packed into integer constants and
        // read with shifts measured more instructions a transfer, callgrind
        // over `profile_block`: a shift by a variable amount takes three.)
        let mut bits = self.shape.0;
        while bits != 0 {
            let token = (bits & TOKEN_MASK) as usize;
            bits >>= TOKEN_BITS;
            let at = |i: usize| self.words.get(i).copied().unwrap_or(0);
            len += FIXED_LEN.get(token).copied().unwrap_or(0);
            if token == usize::from(Scalar::U64 as u8) {
                len += varint_len_u64(at(word));
            } else if token == usize::from(Scalar::U128 as u8) {
                len += varint_len(u128::from(at(word)) | (u128::from(at(word + 1)) << 64));
            }
            word += WORDS.get(token).copied().unwrap_or(0);
        }
        len
    }
}

/// The encoded length of each token apart from a u64's or a u128's
/// varint: an open struct's tag and count, a scalar's tag, a bool's or a
/// u8's byte, an address's 32 bytes.
const FIXED_LEN: [u64; 8] = [0, 2, 0, 2, 2, 1, 1, 33];

/// [`varint_len`] of a `u64`: 7 bits a byte, at least one byte, as a
/// multiply and a shift of the highest set bit's position instead of a
/// 128-bit count and a division. With `h` that position (0 for 0 and 1),
/// the length is ⌈(h + 1) / 7⌉, which `(9h + 73) / 64` equals for every
/// `h` up to 63 (the unit test below checks each width).
#[inline(always)]
fn varint_len_u64(v: u64) -> u64 {
    let highest = u64::from(63 - (v | 1).leading_zeros());
    (highest * 9 + 73) / 64
}

/// The most bytes a flat struct encodes to: a tag and a count per struct,
/// and per word of scalars at most 11 (a `u64`'s tag and 10-byte varint;
/// a `u128` writes at most 20 for its two words, an address 33 for four,
/// a bool or a `u8` 2 for one).
pub(crate) const MAX_ENCODED: usize = 2 * MAX_STRUCTS + 11 * FLAT_WORDS;

/// A flat struct's encoding as [`Flat::encode_to`] writes it.
struct Staged<'b> {
    bytes: &'b mut [u8],
    len: usize,
}

impl Staged<'_> {
    /// Appends a byte. A flat struct's shape bounds its encoding by
    /// [`MAX_ENCODED`], so there is always room.
    #[inline(always)]
    fn byte(&mut self, byte: u8) {
        debug_assert!(self.len < MAX_ENCODED, "a flat struct encodes to at most {MAX_ENCODED} bytes");
        if let Some(slot) = self.bytes.get_mut(self.len) {
            *slot = byte;
            self.len += 1;
        }
    }
}

/// So the general encoder's varint writes a flat struct's integers.
impl ByteSink for Staged<'_> {
    #[inline(always)]
    fn push_byte(&mut self, byte: u8) {
        self.byte(byte);
    }

    fn push_bytes(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.byte(byte);
        }
    }
}

impl fmt::Debug for Flat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Struct").field(&self.fields().collect::<Vec<_>>()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_u64_varint_is_as_long_as_the_general_one_at_every_width() {
        for bits in 0..=64u32 {
            // The widest and narrowest values of each width, and a middle one.
            let top = u64::MAX.checked_shr(64 - bits).unwrap_or(0);
            let bottom = if bits == 0 { 0 } else { 1u64 << (bits - 1) };
            for v in [top, bottom, bottom | ((top >> 1) / 3)] {
                assert_eq!(varint_len_u64(v), varint_len(u128::from(v)), "{v:#x}");
            }
        }
    }
}
