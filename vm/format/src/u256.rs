//! `U256`: the value of Resin's `u256`, a 256-bit unsigned integer.
//!
//! A newtype over `ethnum::U256` rather than the crate's type itself, for
//! three reasons: the bytecode fixes its wire form (32 bytes, little-endian:
//! `ld_u256`'s operand, a constant, a value's canonical encoding), which
//! serde here writes as a fixed array so postcard lays out exactly those 32
//! bytes; the fuzzing build derives `arbitrary::Arbitrary` for instructions,
//! which needs an impl on the operand type; and the crates above the format
//! see only the operations Resin gives `u256` (checked arithmetic, shifts by
//! a `u8`, conversions), never a second integer API.

use std::fmt;
use std::ops::{BitAnd, BitOr, BitXor, Shl, Shr};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A 256-bit unsigned integer.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct U256(ethnum::U256);

impl U256 {
    pub const ZERO: U256 = U256(ethnum::U256::ZERO);
    pub const ONE: U256 = U256(ethnum::U256::ONE);
    pub const MAX: U256 = U256(ethnum::U256::MAX);

    pub fn from_le_bytes(bytes: [u8; 32]) -> U256 {
        U256(ethnum::U256::from_le_bytes(bytes))
    }

    pub fn to_le_bytes(self) -> [u8; 32] {
        self.0.to_le_bytes()
    }

    /// The low and the high 128 bits.
    pub fn halves(self) -> (u128, u128) {
        let (hi, lo) = self.0.into_words();
        (lo, hi)
    }

    /// The inverse of [`U256::halves`].
    pub fn from_halves(low: u128, high: u128) -> U256 {
        U256(ethnum::U256::from_words(high, low))
    }

    /// The four 64-bit words, least significant first.
    pub fn to_words(self) -> [u64; 4] {
        let (hi, lo) = self.0.into_words();
        // `as` keeps the low 64 bits of each half, which is the split wanted.
        [lo as u64, (lo >> 64) as u64, hi as u64, (hi >> 64) as u64]
    }

    /// The inverse of [`U256::to_words`].
    pub fn from_words(words: [u64; 4]) -> U256 {
        let lo = u128::from(words[0]) | (u128::from(words[1]) << 64);
        let hi = u128::from(words[2]) | (u128::from(words[3]) << 64);
        U256(ethnum::U256::from_words(hi, lo))
    }

    pub fn checked_add(self, rhs: U256) -> Option<U256> {
        self.0.checked_add(rhs.0).map(U256)
    }
    pub fn checked_sub(self, rhs: U256) -> Option<U256> {
        self.0.checked_sub(rhs.0).map(U256)
    }
    pub fn checked_mul(self, rhs: U256) -> Option<U256> {
        self.0.checked_mul(rhs.0).map(U256)
    }
    /// `None` when dividing by zero.
    pub fn checked_div(self, rhs: U256) -> Option<U256> {
        self.0.checked_div(rhs.0).map(U256)
    }
    /// `None` when dividing by zero.
    pub fn checked_rem(self, rhs: U256) -> Option<U256> {
        self.0.checked_rem(rhs.0).map(U256)
    }
    /// Parses digits in the radix (2 to 36), without a prefix, sign or `_`.
    /// `None` for no digits, a bad digit, or a value over `U256::MAX`.
    pub fn from_str_radix(digits: &str, radix: u32) -> Option<U256> {
        if digits.is_empty() || !digits.bytes().all(|b| char::from(b).is_digit(radix)) {
            return None;
        }
        ethnum::U256::from_str_radix(digits, radix).ok().map(U256)
    }
}

impl From<u8> for U256 {
    fn from(n: u8) -> U256 {
        U256(ethnum::U256::from(n))
    }
}
impl From<u16> for U256 {
    fn from(n: u16) -> U256 {
        U256(ethnum::U256::from(n))
    }
}
impl From<u32> for U256 {
    fn from(n: u32) -> U256 {
        U256(ethnum::U256::from(n))
    }
}
impl From<u64> for U256 {
    fn from(n: u64) -> U256 {
        U256(ethnum::U256::from(n))
    }
}
impl From<u128> for U256 {
    fn from(n: u128) -> U256 {
        U256(ethnum::U256::from(n))
    }
}

/// The value did not fit the narrower integer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutOfRange;

impl TryFrom<U256> for u128 {
    type Error = OutOfRange;
    fn try_from(n: U256) -> Result<u128, OutOfRange> {
        let (hi, lo) = n.0.into_words();
        if hi == 0 {
            Ok(lo)
        } else {
            Err(OutOfRange)
        }
    }
}

/// The narrower integers, through `u128`: so code written for a `u128`
/// value (`u64::try_from(n)`) reads the same for a `U256`.
macro_rules! narrow_from_u256 {
    ($($ty:ty),*) => {$(
        impl TryFrom<U256> for $ty {
            type Error = OutOfRange;
            fn try_from(n: U256) -> Result<$ty, OutOfRange> {
                u128::try_from(n).and_then(|n| <$ty>::try_from(n).map_err(|_| OutOfRange))
            }
        }
    )*};
}
narrow_from_u256!(u8, u16, u32, u64);

impl BitAnd for U256 {
    type Output = U256;
    fn bitand(self, rhs: U256) -> U256 {
        U256(self.0 & rhs.0)
    }
}
impl BitOr for U256 {
    type Output = U256;
    fn bitor(self, rhs: U256) -> U256 {
        U256(self.0 | rhs.0)
    }
}
impl BitXor for U256 {
    type Output = U256;
    fn bitxor(self, rhs: U256) -> U256 {
        U256(self.0 ^ rhs.0)
    }
}

/// Bits shifted out are lost, as for the other integers. The bytecode aborts
/// a shift by the width or more, but a shift amount is a `u8`, so it is
/// always below 256: no `u256` shift aborts, and these are total.
impl Shl<u8> for U256 {
    type Output = U256;
    fn shl(self, amount: u8) -> U256 {
        U256(self.0 << u32::from(amount))
    }
}
impl Shr<u8> for U256 {
    type Output = U256;
    fn shr(self, amount: u8) -> U256 {
        U256(self.0 >> u32::from(amount))
    }
}

impl fmt::Display for U256 {
    /// Decimal, like the other integers.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Debug for U256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl FromStr for U256 {
    type Err = OutOfRange;
    /// Decimal digits only (what `Display` writes).
    fn from_str(text: &str) -> Result<U256, OutOfRange> {
        U256::from_str_radix(text, 10).ok_or(OutOfRange)
    }
}

impl Serialize for U256 {
    /// 32 bytes, little-endian: postcard writes a fixed array without a length.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_le_bytes().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for U256 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<U256, D::Error> {
        <[u8; 32]>::deserialize(deserializer).map(U256::from_le_bytes)
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for U256 {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<U256> {
        <[u8; 32]>::arbitrary(u).map(U256::from_le_bytes)
    }
    fn size_hint(depth: usize) -> (usize, Option<usize>) {
        <[u8; 32]>::size_hint(depth)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_words_and_text_round_trip() {
        let mut bytes = [0u8; 32];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = i as u8 + 1;
        }
        let n = U256::from_le_bytes(bytes);
        assert_eq!(n.to_le_bytes(), bytes);
        let words = n.to_words();
        assert_eq!(words[0], u64::from_le_bytes(bytes[..8].try_into().unwrap()));
        assert_eq!(words[3], u64::from_le_bytes(bytes[24..].try_into().unwrap()));
        assert_eq!(U256::from_words(words), n);
        let (low, high) = n.halves();
        assert_eq!(low.to_le_bytes(), bytes[..16]);
        assert_eq!(U256::from_halves(low, high), n);
        let max = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
        assert_eq!(U256::MAX.to_string(), max);
        assert_eq!(max.parse::<U256>(), Ok(U256::MAX));
        // One more than the maximum, a sign, a prefix or no digits do not parse.
        let over = "115792089237316195423570985008687907853269984665640564039457584007913129639936";
        for bad in [over, "+1", "0x1", "", "1_0"] {
            assert_eq!(bad.parse::<U256>(), Err(OutOfRange), "{bad}");
        }
        assert_eq!(U256::from_str_radix(&"f".repeat(64), 16), Some(U256::MAX));
        assert_eq!(U256::from_str_radix(&"f".repeat(65), 16), None);
        assert_eq!(postcard::to_stdvec(&n).unwrap(), bytes);
    }

    #[test]
    fn checked_arithmetic_at_the_edges() {
        let two = U256::from(2u8);
        assert_eq!(U256::MAX.checked_add(U256::ONE), None);
        assert_eq!(U256::ZERO.checked_sub(U256::ONE), None);
        assert_eq!(U256::MAX.checked_mul(two), None);
        assert_eq!(U256::MAX.checked_div(U256::ZERO), None);
        assert_eq!(U256::MAX.checked_rem(U256::ZERO), None);
        assert_eq!(U256::MAX.checked_sub(U256::MAX), Some(U256::ZERO));
        // 2^255 is the top bit; shifting it out leaves zero.
        let top = U256::ONE << 255;
        assert_eq!(top << 1, U256::ZERO);
        assert_eq!(top >> 255, U256::ONE);
        assert_eq!(U256::MAX >> 255, U256::ONE);
        assert_eq!(top.checked_add(top), None);
        assert_eq!(u128::try_from(U256::from(u128::MAX)), Ok(u128::MAX));
        assert_eq!(u128::try_from(U256::from(u128::MAX).checked_add(U256::ONE).unwrap()), Err(OutOfRange));
        assert_eq!(u16::try_from(U256::from(u16::MAX)), Ok(u16::MAX));
        assert_eq!(u16::try_from(U256::from(65_536u32)), Err(OutOfRange));
        assert_eq!(u64::try_from(U256::MAX), Err(OutOfRange));
    }
}
