//! Gas: the price of execution, metered per transaction.
//!
//! Every instruction costs its opcode's base price from the opcode table
//! ([`resin_format::opcodes::OpInfo::gas`]). On top of that, work whose size depends on
//! data is charged by size: bytes of storage read and written (measured with
//! [`Value::storage_size`], the length of the canonical encoding), calls,
//! copies of vectors and structs, vector packing and events, the elements a
//! vector operation moves or compares, and bytes hashed (by the hash
//! instructions, and by the keyed global instructions for their index).
//! A counter that a transaction only adds to is charged at its largest
//! size ([`counter_size`]), whatever its value. Prices are constants so
//! that gas is a pure function of the program and its inputs.
//!
//! The interpreter charges base prices per basic block and the receipts are
//! exactly those of charging each instruction as it starts (see
//! `interpreter::machine::Machine::run`).
//!
//! Gas is reported in each receipt and nothing else: the VM implies no
//! per-transaction write to a fee or counter account (which would make every
//! transaction conflict with every other); totals are settled once per block
//! by whoever runs the block.

use resin_state::value::Value;

/// Charged per `call`, on top of the instruction's base price.
pub const CALL: u64 = 4;
/// Charged per local slot of the callee (parameters included), for the frame.
pub const CALL_PER_LOCAL: u64 = 1;
/// Charged per resource looked up in storage (once per key per transaction).
pub const READ_BASE: u64 = 8;
/// Charged per byte of a resource read from storage.
pub const READ_PER_BYTE: u64 = 1;
/// Charged per resource written or deleted when the transaction commits.
pub const WRITE_BASE: u64 = 16;
/// Charged per byte of a resource written.
pub const WRITE_PER_BYTE: u64 = 2;
/// Charged per event.
pub const EVENT_BASE: u64 = 8;
/// Charged per byte of an event's value.
pub const EVENT_PER_BYTE: u64 = 1;
/// Charged per byte when a vector or struct is copied or compared.
pub const COPY_PER_BYTE: u64 = 1;
/// Charged per element packed into or unpacked from a vector, and per
/// element a vector operation moves, reverses, appends or compares
/// (`vec_remove` and `vec_insert` per element shifted).
pub const VECTOR_PER_ELEMENT: u64 = 1;
/// Charged per byte hashed: by `sha3_256` and `blake3`, and by the keyed
/// global instructions per byte of the index's canonical encoding (from
/// which they derive the entry's address).
pub const HASH_PER_BYTE: u64 = 1;
/// Charged per byte of a transaction's arguments (their canonical
/// encoding), before the first instruction runs: an argument is data the
/// transaction brings in, like a resource it reads.
pub const ARGUMENT_PER_BYTE: u64 = 1;
/// The largest gas limit a transaction may set; one with a larger limit does
/// not start. Execution is bounded in time and memory by its gas, so this
/// bounds what one transaction can cost the machine that runs it.
pub const MAX_GAS_LIMIT: u64 = 10_000_000;

/// How the interpreter charges instructions' base prices. Every receipt is
/// the same either way: that of charging each instruction as it starts.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum Metering {
    /// Once per basic block, on entering it: what every executor runs. A
    /// transaction that runs out of gas is run again `PerInstruction`, so
    /// that its receipt names the instruction where the gas ran out.
    #[default]
    PerBlock,
    /// As each instruction starts: the schedule as written, the reference
    /// `PerBlock` is tested against.
    PerInstruction,
}

/// The gas a transaction may still spend.
///
/// Charging is a subtraction and a branch; the meter keeps only what is left
/// and the limit, so `used` is derived.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GasMeter {
    limit: u64,
    remaining: u64,
}

/// The limit was reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutOfGas;

impl GasMeter {
    pub fn new(limit: u64) -> Self {
        GasMeter { limit, remaining: limit }
    }

    #[inline(always)]
    pub fn charge(&mut self, amount: u64) -> Result<(), OutOfGas> {
        match self.remaining.checked_sub(amount) {
            Some(left) => {
                self.remaining = left;
                Ok(())
            }
            None => {
                self.remaining = 0;
                Err(OutOfGas)
            }
        }
    }

    /// Gives back gas charged ahead for work that never ran (the rest of a
    /// basic block after a fault). Never beyond the limit.
    #[inline]
    pub fn refund(&mut self, amount: u64) {
        self.remaining = self.remaining.saturating_add(amount).min(self.limit);
    }

    pub fn limit(&self) -> u64 {
        self.limit
    }

    pub fn remaining(&self) -> u64 {
        self.remaining
    }

    pub fn used(&self) -> u64 {
        self.limit - self.remaining
    }
}

/// The extra price of copying or comparing `value`: nothing for primitives
/// (their base price covers them), its size for vectors and structs.
#[inline]
pub fn copy_cost(value: &Value) -> u64 {
    match value {
        Value::Vector(_) | Value::Struct(_) | Value::Flat(_) | Value::Bytes(_) => {
            value.storage_size().saturating_mul(COPY_PER_BYTE)
        }
        _ => 0,
    }
}

/// The price of reading a resource of `size` bytes (0 when absent).
#[inline]
pub fn read_cost(size: u64) -> u64 {
    READ_BASE.saturating_add(size.saturating_mul(READ_PER_BYTE))
}

/// The price of writing a resource of `size` bytes (0 for a deletion).
#[inline]
pub fn write_cost(size: u64) -> u64 {
    WRITE_BASE.saturating_add(size.saturating_mul(WRITE_PER_BYTE))
}

/// The price of emitting an event whose value is `size` bytes.
#[inline]
pub fn event_cost(size: u64) -> u64 {
    EVENT_BASE.saturating_add(size.saturating_mul(EVENT_PER_BYTE))
}

/// The price of hashing `bytes` bytes.
#[inline]
pub fn hash_cost(bytes: u64) -> u64 {
    bytes.saturating_mul(HASH_PER_BYTE)
}

/// The size a counter is charged as when a transaction only adds to it
/// (reads it to check the sum, writes a delta): the largest encoding of a
/// struct holding its field's type, whatever the value. The value a
/// transaction that only adds sees may already include adds of
/// transactions after it that ran concurrently, so its gas may not depend
/// on it; the field's type is the same in every order. A struct tag, a
/// field count and the field's tag, then at most 1 (`u8`), 10 (`u64`) or
/// 19 (`u128`) bytes of varint. Anything but a counter (unverified code
/// only) is charged its size.
#[inline]
pub fn counter_size(counter: &Value) -> u64 {
    match resin_state::write_set::counter_field(counter) {
        Ok(Value::U8(_)) => 3 + 1,
        Ok(Value::U64(_)) => 3 + 10,
        Ok(Value::U128(_)) => 3 + 19,
        _ => counter.storage_size(),
    }
}

/// The price of bringing `args` into a transaction.
#[inline]
pub fn argument_cost(args: &[Value]) -> u64 {
    args.iter().fold(0u64, |total, arg| total.saturating_add(arg.storage_size().saturating_mul(ARGUMENT_PER_BYTE)))
}

/// The extra price of a call into a frame of `locals` slots.
#[inline]
pub fn call_cost(locals: usize) -> u64 {
    CALL.saturating_add((locals as u64).saturating_mul(CALL_PER_LOCAL))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meter_charges_until_the_limit() {
        let mut meter = GasMeter::new(10);
        assert_eq!(meter.charge(4), Ok(()));
        assert_eq!(meter.charge(6), Ok(()));
        assert_eq!(meter.used(), 10);
        assert_eq!(meter.charge(1), Err(OutOfGas));
        assert_eq!(meter.used(), 10);
    }

    #[test]
    fn arguments_cost_their_encoded_bytes() {
        assert_eq!(argument_cost(&[]), 0);
        // A u64 below 128 is a tag and one byte; an address a tag and 32 bytes.
        let address = Value::Address(resin_format::file_format::AccountAddress::from_u64(1));
        assert_eq!(argument_cost(&[Value::U64(5), address]), 2 + 33);
        // A vector of 300 u8: a tag, a two-byte length, then two bytes per element.
        assert_eq!(argument_cost(&[Value::Vector(vec![Value::U8(1); 300])]), 1 + 2 + 600);
    }

    #[test]
    fn a_counter_is_charged_as_its_largest_encoding() {
        let counter = |field| Value::structure(vec![field]);
        for (field, max) in [
            (Value::U8(0), Value::U8(u8::MAX)),
            (Value::U64(0), Value::U64(u64::MAX)),
            (Value::U64(300), Value::U64(u64::MAX)),
            (Value::U128(7), Value::U128(u128::MAX)),
        ] {
            assert_eq!(counter_size(&counter(field)), counter(max).canonical_bytes().len() as u64);
        }
    }

    #[test]
    fn copies_of_containers_cost_their_size() {
        assert_eq!(copy_cost(&Value::U64(5)), 0);
        let v = Value::Vector(vec![Value::U8(1); 10]);
        assert_eq!(copy_cost(&v), v.storage_size());
    }
}
