//! Reference safety of the bytecode, by property: random mutations of
//! compiled reference programs (`gen::refs`) that still pass
//! `resin_verifier::verify_module` never run into a dangling reference or a
//! broken invariant.
//!
//! The mutations are what a hand-written module could do that the compiler
//! never would: move a local where it was copied (or copy where it was
//! moved), swap two instructions, borrow mutably where it borrowed
//! immutably, read or store another local, drop a freeze, keep a reference
//! in a local where it was popped, or pop a value where it was stored. Most break typing or the
//! stack and are rejected by the passes that check those; the ones that
//! survive only to break reference safety (a reference into a local moved
//! away, or into a resource moved out of storage) must be rejected too.
//!
//! This depends on the verifier's reference-safety pass (issue 9, built on
//! the branch `refsafe-vm`): without it, the verifier accepts such mutants
//! and this property fails. With it, it must hold.

mod gen;
mod support;

use gen::{refs, Rng};
use proptest::prelude::*;
use resin_format::file_format::{Instr, LocalIdx, Module, Type};
use resin_lang::{compile, SourceFile};
use resin_verifier::verify_module;

/// The first program from `seed` on that the compiler accepts, compiled.
fn accepted_module(seed: u64) -> (String, Module) {
    for offset in 0..64 {
        let program = refs::program(seed.wrapping_add(offset));
        let sources = [SourceFile::new("refs.rsn", program.text.as_str())];
        let result = compile(&sources, &[]);
        if let (false, Some(module)) = (result.has_errors(), result.modules.into_iter().next()) {
            return (program.text, module.module);
        }
    }
    panic!("no accepted program in 64 seeds from {seed}");
}

fn local_count(module: &Module, def: usize) -> usize {
    let Some(function) = module.functions.get(def) else { return 0 };
    let params = module.function_handle(function.handle).map_or(0, |h| h.params.len());
    params + function.locals.len()
}

fn is_reference_local(module: &Module, def: usize, local: usize) -> bool {
    let Some(function) = module.functions.get(def) else { return false };
    let params = module.function_handle(function.handle).map(|h| h.params.clone()).unwrap_or_default();
    let ty = params.get(local).or_else(|| function.locals.get(local.wrapping_sub(params.len())));
    matches!(ty, Some(Type::Ref(_) | Type::MutRef(_)))
}

/// Whether operator `op` of [`mutate`] applies to `instr`.
fn applies(op: usize, instr: &Instr) -> bool {
    match op {
        0 | 6 => matches!(instr, Instr::CopyLoc(_) | Instr::MoveLoc(_)),
        1 => matches!(
            instr,
            Instr::CopyLoc(_) | Instr::MoveLoc(_) | Instr::StLoc(_) | Instr::ImmBorrowLoc(_) | Instr::MutBorrowLoc(_)
        ),
        2 => matches!(
            instr,
            Instr::ImmBorrowLoc(_) | Instr::ImmBorrowField(_) | Instr::ImmBorrowGlobal(_) | Instr::VecImmBorrow(_)
        ),
        3 => matches!(instr, Instr::FreezeRef),
        4 => matches!(instr, Instr::Pop | Instr::StLoc(_)),
        _ => !matches!(instr, Instr::Branch(_) | Instr::BrTrue(_) | Instr::BrFalse(_) | Instr::Ret),
    }
}

/// One random in-place mutation at an instruction it applies to (code
/// offsets never move, so branch targets stay where they were). Returns
/// whether something changed.
fn mutate(module: &mut Module, rng: &mut Rng) -> bool {
    // Mostly the mutations that can leave a reference behind a moved value.
    let op = [0, 0, 0, 6, 6, 4, 4, 1, 2, 3, 5][rng.below(11)];
    let mut sites: Vec<(usize, usize)> = module
        .functions
        .iter()
        .enumerate()
        .flat_map(|(def, f)| f.code.iter().enumerate().filter(|(_, i)| applies(op, i)).map(move |(at, _)| (def, at)))
        .collect();
    // Moving a local where it was read hurts only if something borrows it:
    // mostly pick the reads of locals the function also borrows.
    if op == 0 && rng.chance(75) {
        let borrowed = |def: usize, at: usize| {
            let code = &module.functions[def].code;
            let Instr::CopyLoc(l) = code[at] else { return false };
            code.iter().any(|i| matches!(i, Instr::ImmBorrowLoc(b) | Instr::MutBorrowLoc(b) if *b == l))
        };
        let focused: Vec<(usize, usize)> = sites.iter().copied().filter(|&(d, a)| borrowed(d, a)).collect();
        if !focused.is_empty() {
            sites = focused;
        }
    }
    if sites.is_empty() {
        return false;
    }
    let (def, at) = sites[rng.below(sites.len())];
    let locals = local_count(module, def);
    let refs: Vec<usize> = (0..locals).filter(|&l| is_reference_local(module, def, l)).collect();
    let other = LocalIdx(rng.below(locals.max(1)) as u8);
    let Some(code) = module.functions.get_mut(def).map(|f| &mut f.code) else { return false };
    let replacement = match (op, code[at]) {
        (0, Instr::CopyLoc(l)) => Instr::MoveLoc(l),
        (0, Instr::MoveLoc(l)) => Instr::CopyLoc(l),
        (1, Instr::CopyLoc(_)) => Instr::CopyLoc(other),
        (1, Instr::MoveLoc(_)) => Instr::MoveLoc(other),
        (1, Instr::StLoc(_)) => Instr::StLoc(other),
        (1, Instr::ImmBorrowLoc(_)) => Instr::ImmBorrowLoc(other),
        (1, Instr::MutBorrowLoc(_)) => Instr::MutBorrowLoc(other),
        (2, Instr::ImmBorrowLoc(l)) => Instr::MutBorrowLoc(l),
        (2, Instr::ImmBorrowField(f)) => Instr::MutBorrowField(f),
        (2, Instr::ImmBorrowGlobal(d)) => Instr::MutBorrowGlobal(d),
        (2, Instr::VecImmBorrow(s)) => Instr::VecMutBorrow(s),
        (3, Instr::FreezeRef) => Instr::Nop,
        (4, Instr::Pop) if !refs.is_empty() => Instr::StLoc(LocalIdx(refs[rng.below(refs.len())] as u8)),
        (4, Instr::StLoc(_)) => Instr::Pop,
        (5, _) if at + 1 < code.len() => {
            let (a, b) = (code[at], code[at + 1]);
            if !applies(5, &b) || a == b {
                return false;
            }
            code.swap(at, at + 1);
            return true;
        }
        // Move another local out where this one was read.
        (6, _) => Instr::MoveLoc(other),
        _ => return false,
    };
    code[at] = replacement;
    true
}

/// Mutants of each compiled program: 1,024 programs a run, so thousands of
/// mutants (verification of each is the cost).
const MUTANTS: usize = 4;

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn verified_mutants_never_dangle(seed in any::<u64>()) {
        let (text, module) = accepted_module(seed);
        let mut rng = Rng::new(seed ^ 0x6D75_7461_6E74);
        for _ in 0..MUTANTS {
            let mut mutant = module.clone();
            let mut changed = false;
            for _ in 0..1 + rng.below(3) {
                changed |= mutate(&mut mutant, &mut rng);
            }
            if !changed || verify_module(&mutant).is_err() {
                continue;
            }
            match support::vm::reference_fault(vec![mutant.clone()]) {
                Ok(None) | Err(_) => {}
                Ok(Some(fault)) => panic!(
                    "a mutant the verifier accepts fails with {fault}\nsource:\n{}\nmutant:\n{}",
                    refs::numbered(&text),
                    resin_format::disasm::disassemble(&mutant)
                ),
            }
        }
    }
}
