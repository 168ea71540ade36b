//! Hostile bytes: random strings and mutations of valid modules go through
//! `decode_module` and, when they decode, through the verifier and the
//! disassembler. Nothing may panic or overflow the stack, and whatever decodes
//! must re-encode to a module that decodes to itself.

#[path = "../../format/tests/common/mod.rs"]
mod common;

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use resin_format::assembler::assemble;
use resin_format::disasm::disassemble;
use resin_format::encoding::{decode_module, encode_module, DecodeError, FORMAT_VERSION, HEADER_LEN, MAGIC};
use resin_verifier::verify_module;

/// splitmix64: a small deterministic generator, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

#[derive(Default, Debug)]
struct Outcomes {
    decoded: usize,
    verified: usize,
    rejected: usize,
}

fn feed(bytes: &[u8], outcomes: &mut Outcomes) {
    match decode_module(bytes) {
        Ok(module) => {
            outcomes.decoded += 1;
            if verify_module(&module).is_ok() {
                outcomes.verified += 1;
            }
            let _ = disassemble(&module);
            assert_eq!(decode_module(&encode_module(&module)).as_ref(), Ok(&module), "re-encoding is stable");
        }
        Err(err) => {
            outcomes.rejected += 1;
            // Every error renders, and an offset it names lies within the input.
            assert!(!err.to_string().is_empty());
            if let Some(offset) = err.offset() {
                assert!(offset <= bytes.len(), "{err} for {} bytes", bytes.len());
            }
        }
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(1);
    let mut outcomes = Outcomes::default();
    // Version 1 (no generics) and the current version, which has them.
    let headers = [[MAGIC.as_slice(), &[1, 0]].concat(), [MAGIC.as_slice(), &FORMAT_VERSION.to_le_bytes()].concat()];
    for i in 0..10_000 {
        let len = rng.below(160);
        let mut bytes = rng.bytes(len);
        // Most inputs carry a valid header, or the body decoder would hardly be reached.
        if i % 10 != 0 {
            bytes.splice(0..0, headers[i % 2].iter().copied());
        }
        feed(&bytes, &mut outcomes);
    }
    eprintln!("random bytes: {outcomes:?}");
    assert!(outcomes.rejected > 9_000, "{outcomes:?}");
}

/// Valid encodings: the coin module, the generic coin module and random
/// well-formed modules (with generics).
fn seeds() -> Vec<Vec<u8>> {
    let mut seeds = vec![
        encode_module(&assemble(include_str!("../../format/tests/data/coin.rasm")).unwrap()),
        encode_module(&assemble(include_str!("../../format/tests/data/generic_coin.rasm")).unwrap()),
    ];
    let mut runner = TestRunner::new_with_rng(Config::default(), TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]));
    let strategy = common::arb_well_formed_module();
    for _ in 0..40 {
        let module = strategy.new_tree(&mut runner).unwrap().current();
        seeds.push(encode_module(&module));
    }
    seeds
}

fn mutate(seed: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for _ in 0..1 + rng.below(3) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(6) {
            0 if at < bytes.len() => bytes[at] ^= 1 << rng.below(8),
            1 if at < bytes.len() => bytes[at] = rng.next() as u8,
            2 => bytes.truncate(at),
            3 => {
                let count = 1 + rng.below(4);
                let inserted = rng.bytes(count);
                bytes.splice(at..at, inserted);
            }
            4 => {
                let end = (at + 1 + rng.below(8)).min(bytes.len());
                bytes.drain(at.min(end)..end);
            }
            // Interesting values: lengths and indexes at their edges.
            _ if at < bytes.len() => bytes[at] = [0x00, 0x01, 0x7F, 0x80, 0xFF][rng.below(5)],
            _ => bytes.push(rng.next() as u8),
        }
    }
    bytes
}

#[test]
fn mutated_modules_never_panic() {
    let seeds = seeds();
    for seed in &seeds {
        assert!(decode_module(seed).is_ok(), "seeds are valid");
    }
    for coin in &seeds[..2] {
        let coin = decode_module(coin).unwrap();
        assert_eq!(
            verify_module(&coin),
            Ok(()),
            "the coin modules verify, so their mutations reach every verifier pass"
        );
    }
    let mut rng = Rng(2);
    let mut outcomes = Outcomes::default();
    for _ in 0..12_000 {
        // Half the mutations start from a coin module (plain or generic),
        // which verifies: they reach the verifier's later passes.
        let seed = if rng.below(2) == 0 { &seeds[rng.below(2)] } else { &seeds[rng.below(seeds.len())] };
        feed(&mutate(seed, &mut rng), &mut outcomes);
    }
    eprintln!("mutations: {outcomes:?}");
    // The mutations reach past the header: some still decode, most are rejected in the body.
    assert!(outcomes.decoded > 500 && outcomes.rejected > 3_000, "{outcomes:?}");
}

#[test]
fn every_truncation_of_the_coin_module_is_rejected() {
    let bytes = encode_module(&assemble(include_str!("../../format/tests/data/coin.rasm")).unwrap());
    for len in 0..bytes.len() {
        let err = decode_module(&bytes[..len]).unwrap_err();
        let expected_kind = if len < HEADER_LEN {
            matches!(err, DecodeError::Truncated { .. })
        } else {
            matches!(
                err,
                DecodeError::Malformed { .. } | DecodeError::BadInstruction { .. } | DecodeError::BadType { .. }
            )
        };
        assert!(expected_kind, "{len}: {err}");
    }
}
