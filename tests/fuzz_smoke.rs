//! A few seconds of each fuzz target, so the normal test suite (and CI)
//! exercises the harnesses: the seeds, every input saved under
//! `fuzz/regressions/` (findings of longer runs), and inputs proptest
//! generates by mutating the seeds. The real campaigns run with cargo-fuzz
//! (fuzz/README.md).

use std::path::Path;

use proptest::prelude::*;
use resin::fuzzing::{bytecode, compile, script, seeds};

/// Every file under `fuzz/<dir>/<target>/`.
fn saved(dir: &str, target: &str) -> Vec<Vec<u8>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join(dir).join(target);
    let Ok(entries) = std::fs::read_dir(&path) else { return Vec::new() };
    let mut files: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    files.sort();
    files.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}

/// An input with one of three mutations at `at`: a byte flipped, a slice
/// removed, or bytes inserted.
fn mutate(mut input: Vec<u8>, kind: u8, at: usize, bytes: Vec<u8>) -> Vec<u8> {
    if input.is_empty() {
        return bytes;
    }
    let at = at % input.len();
    match kind % 3 {
        0 => input[at] ^= bytes.first().copied().unwrap_or(0x55) | 1,
        1 => {
            let end = (at + bytes.len().max(1)).min(input.len());
            input.drain(at..end);
        }
        _ => {
            input.splice(at..at, bytes);
        }
    }
    input
}

fn module_bytes() -> Vec<Vec<u8>> {
    seeds::modules().iter().map(|m| [vec![0u8], resin_format::encoding::encode_module(m)].concat()).collect()
}

/// The starting corpus of `target` and its saved findings.
fn corpus_and_regressions(target: &str) -> Vec<Vec<u8>> {
    let corpus = seeds::corpus(target).into_iter().map(|(_, bytes)| bytes);
    corpus.chain(saved("regressions", target)).collect()
}

#[test]
fn bytecode_seeds_and_saved_inputs() {
    corpus_and_regressions("bytecode").iter().for_each(|input| bytecode::run(input));
}

#[test]
fn compile_seeds_and_saved_inputs() {
    corpus_and_regressions("compile").iter().for_each(|input| compile::run(input));
}

#[test]
fn script_seeds_and_saved_inputs() {
    corpus_and_regressions("script").iter().for_each(|input| script::run(input));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn bytecode_structured(data in prop::collection::vec(any::<u8>(), 0..512), mode in 1u8..4) {
        bytecode::run(&[vec![mode], data].concat());
    }

    #[test]
    fn bytecode_mutated(seed in any::<prop::sample::Index>(), kind in any::<u8>(), at in any::<usize>(),
                        bytes in prop::collection::vec(any::<u8>(), 0..8)) {
        let seeds = module_bytes();
        bytecode::run(&mutate(seed.get(&seeds).clone(), kind, at.max(1), bytes));
    }

    #[test]
    fn compile_mutated(seed in any::<prop::sample::Index>(), kind in any::<u8>(), at in any::<usize>(),
                       bytes in prop::collection::vec(any::<u8>(), 0..8)) {
        let source = seed.get(seeds::SOURCES).as_bytes().to_vec();
        compile::run(&mutate(source, kind, at, bytes));
    }

    #[test]
    fn script_mutated(seed in any::<prop::sample::Index>(), kind in any::<u8>(), at in any::<usize>(),
                      bytes in prop::collection::vec(any::<u8>(), 0..8), mode in any::<u8>()) {
        let text = seed.get(seeds::SCRIPTS).as_bytes().to_vec();
        script::run(&[vec![mode], mutate(text, kind, at, bytes)].concat());
    }
}
