//! The verifier's reference-safety proof, tested against the interpreter:
//! random edits of reference-heavy bytecode (`data/refs.rasm`: returned
//! references, field and element borrows, reborrows, global borrows, calls
//! passing references) are verified, and every mutant the verifier accepts
//! is run. None may stop with `DanglingReference` or `InvariantViolation`:
//! both are unreachable for verified code.
//!
//! The edits are what breaks reference safety in practice: inserting,
//! replacing, deleting or swapping instructions around references (copies
//! and moves of reference locals, stores, borrows of locals, fields,
//! elements and globals, reads and writes through references, freezes,
//! calls). Branch targets follow inserted and deleted instructions, so most
//! mutants keep their control flow and many still verify.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use resin_format::assembler::assemble;
use resin_format::file_format::{
    AccountAddress, CodeOffset, FieldRef, FunctionHandleIdx, Instr, LocalIdx, Module, ModuleId, SignatureIdx,
    StructDefIdx, StructHandleIdx, Type,
};
use resin_vm::{RuntimeErrorKind, Status, Transaction, Value, World};

const SEED: &str = include_str!("data/refs.rasm");

/// One edit of one function's code. `usize` operands pick a position or a
/// choice and are taken modulo what is there.
#[derive(Clone, Debug)]
enum Edit {
    /// Inserts a well-typed, stack-neutral snippet (see [`snippets`]).
    Snippet(usize, usize),
    /// `copy_loc` <-> `move_loc`, `imm_*` <-> `mut_*` borrows.
    Flip(usize),
    /// Points a local operand at another local of the same type.
    OtherLocal(usize, usize),
    /// Any instruction of the pool (rarely verifies; explores the rest).
    Replace(usize, u8, u16),
    Delete(usize),
    Swap(usize),
}

fn arb_edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        8 => (any::<usize>(), any::<usize>()).prop_map(|(at, k)| Edit::Snippet(at, k)),
        3 => any::<usize>().prop_map(Edit::Flip),
        3 => (any::<usize>(), any::<usize>()).prop_map(|(at, k)| Edit::OtherLocal(at, k)),
        1 => (any::<usize>(), any::<u8>(), any::<u16>()).prop_map(|(at, k, a)| Edit::Replace(at, k, a)),
        1 => any::<usize>().prop_map(Edit::Delete),
        1 => any::<usize>().prop_map(Edit::Swap),
    ]
}

/// The types of a function's local slots, parameters first.
fn local_types(module: &Module, function: usize) -> Vec<Type> {
    let def = &module.functions[function];
    let mut types = module.function_handles[def.handle.index()].params.clone();
    types.extend(def.locals.iter().cloned());
    types
}

fn local(index: usize) -> LocalIdx {
    LocalIdx(u8::try_from(index).unwrap_or(u8::MAX))
}

/// Every stack-neutral snippet over the function's locals that the types
/// pass accepts: copies and moves between locals of one type, borrows of
/// locals, fields, elements and globals stored into reference locals, and
/// calls, reads and writes through reference locals. Whether each is
/// reference-safe where it lands is the verifier's question.
fn snippets(module: &Module, function: usize) -> Vec<Vec<Instr>> {
    let types = local_types(module, function);
    let slots_of = |ty: &Type| -> Vec<usize> { (0..types.len()).filter(|&i| types[i] == *ty).collect() };
    let u64s = SignatureIdx(module.signatures.iter().position(|t| *t == Type::U64).unwrap_or(0) as u16);
    let resource = StructDefIdx(module.structs.len() as u16 - 1);
    let mut out: Vec<Vec<Instr>> = Vec::new();
    for (l, ty) in types.iter().enumerate() {
        let (copy, mv) = (Instr::CopyLoc(local(l)), Instr::MoveLoc(local(l)));
        if *ty != Type::Signer {
            out.push(vec![copy, Instr::Pop]);
        }
        for other in slots_of(ty).into_iter().filter(|&o| o != l) {
            out.push(vec![copy, Instr::StLoc(local(other))]);
            out.push(vec![mv, Instr::StLoc(local(other))]);
        }
        for r in slots_of(&Type::MutRef(Box::new(ty.clone()))) {
            out.push(vec![Instr::MutBorrowLoc(local(l)), Instr::StLoc(local(r))]);
        }
        for r in slots_of(&Type::Ref(Box::new(ty.clone()))) {
            out.push(vec![Instr::ImmBorrowLoc(local(l)), Instr::StLoc(local(r))]);
        }
        let (mutable, inner) = match ty {
            Type::MutRef(inner) => (true, &**inner),
            Type::Ref(inner) => (false, &**inner),
            Type::Address => {
                for g in slots_of(&Type::MutRef(Box::new(Type::Struct(StructHandleIdx(resource.0))))) {
                    out.push(vec![copy, Instr::MutBorrowGlobal(resource), Instr::StLoc(local(g))]);
                }
                for g in slots_of(&Type::Ref(Box::new(Type::Struct(StructHandleIdx(resource.0))))) {
                    out.push(vec![copy, Instr::ImmBorrowGlobal(resource), Instr::StLoc(local(g))]);
                }
                out.push(vec![copy, Instr::MoveFrom(resource), Instr::Unpack(resource), Instr::Pop]);
                continue;
            }
            _ => continue,
        };
        if mutable {
            for r in slots_of(&Type::Ref(Box::new(inner.clone()))) {
                out.push(vec![copy, Instr::FreezeRef, Instr::StLoc(local(r))]);
            }
        }
        if let Type::Struct(handle) = inner {
            let fields = &module.structs[handle.index()].fields;
            for (f, field) in fields.iter().enumerate() {
                let at = FieldRef { owner: StructDefIdx(handle.0), field: f as u16 };
                for r in slots_of(&Type::Ref(Box::new(field.ty.clone()))) {
                    out.push(vec![copy, Instr::ImmBorrowField(at), Instr::StLoc(local(r))]);
                }
                for r in slots_of(&Type::MutRef(Box::new(field.ty.clone()))).into_iter().filter(|_| mutable) {
                    out.push(vec![copy, Instr::MutBorrowField(at), Instr::StLoc(local(r))]);
                }
            }
        }
        match inner {
            Type::U64 => {
                out.push(vec![copy, Instr::ReadRef, Instr::Pop]);
                if mutable {
                    out.push(vec![Instr::LdU64(9), copy, Instr::WriteRef]);
                }
            }
            Type::Vector(_) => {
                out.push(vec![copy, Instr::VecLen(u64s), Instr::Pop]);
                for e in slots_of(&Type::MutRef(Box::new(Type::U64))).into_iter().filter(|_| mutable) {
                    out.push(vec![copy, Instr::LdU64(0), Instr::VecMutBorrow(u64s), Instr::StLoc(local(e))]);
                }
                if mutable {
                    out.push(vec![copy, Instr::LdU64(4), Instr::VecPushBack(u64s)]);
                    out.push(vec![copy, Instr::VecPopBack(u64s), Instr::Pop]);
                }
            }
            _ => {}
        }
        // Calls of one-reference functions: the argument's result kept in a
        // local of its type, or dropped.
        for (h, callee) in module.function_handles.iter().enumerate() {
            if callee.params.as_slice() != std::slice::from_ref(ty) || callee.returns.len() > 1 {
                continue;
            }
            let call = Instr::Call(FunctionHandleIdx(h as u16));
            match callee.returns.first() {
                None => out.push(vec![copy, call]),
                Some(ret) if ret.is_reference() => {
                    out.extend(slots_of(ret).into_iter().map(|r| vec![copy, call, Instr::StLoc(local(r))]))
                }
                Some(_) => out.push(vec![copy, call, Instr::Pop]),
            }
        }
    }
    out
}

fn flip(instr: Instr) -> Instr {
    match instr {
        Instr::CopyLoc(l) => Instr::MoveLoc(l),
        Instr::MoveLoc(l) => Instr::CopyLoc(l),
        Instr::ImmBorrowLoc(l) => Instr::MutBorrowLoc(l),
        Instr::MutBorrowLoc(l) => Instr::ImmBorrowLoc(l),
        Instr::ImmBorrowField(f) => Instr::MutBorrowField(f),
        Instr::MutBorrowField(f) => Instr::ImmBorrowField(f),
        Instr::ImmBorrowGlobal(d) => Instr::MutBorrowGlobal(d),
        Instr::MutBorrowGlobal(d) => Instr::ImmBorrowGlobal(d),
        Instr::VecImmBorrow(s) => Instr::VecMutBorrow(s),
        Instr::VecMutBorrow(s) => Instr::VecImmBorrow(s),
        other => other,
    }
}

/// Any reference-related instruction, operands in range.
fn pool(module: &Module, locals: usize, kind: u8, a: u16) -> Instr {
    let l = local(usize::from(a) % locals.max(1));
    let field = FieldRef { owner: StructDefIdx(a % 2), field: a % 2 };
    match kind % 12 {
        0 => Instr::CopyLoc(l),
        1 => Instr::MoveLoc(l),
        2 => Instr::StLoc(l),
        3 => Instr::ImmBorrowLoc(l),
        4 => Instr::MutBorrowLoc(l),
        5 => Instr::ImmBorrowField(field),
        6 => Instr::MutBorrowField(field),
        7 => Instr::ReadRef,
        8 => Instr::WriteRef,
        9 => Instr::FreezeRef,
        10 => Instr::Call(FunctionHandleIdx(a % module.function_handles.len() as u16)),
        _ => Instr::Pop,
    }
}

fn retarget(code: &mut [Instr], shift: impl Fn(u16) -> u16) {
    for instr in code {
        *instr = match *instr {
            Instr::Branch(t) => Instr::Branch(CodeOffset(shift(t.0))),
            Instr::BrTrue(t) => Instr::BrTrue(CodeOffset(shift(t.0))),
            Instr::BrFalse(t) => Instr::BrFalse(CodeOffset(shift(t.0))),
            other => other,
        };
    }
}

/// Inserts `snippet` at `at`; a branch to a later instruction follows it.
fn insert(code: &mut Vec<Instr>, at: usize, snippet: &[Instr]) {
    let n = snippet.len() as u16;
    retarget(code, |t| if usize::from(t) > at { t + n } else { t });
    code.splice(at..at, snippet.iter().copied());
}

/// Applies `edits` to function `function` of `module`.
fn mutate(module: &mut Module, function: usize, edits: &[Edit]) {
    let types = local_types(module, function);
    let snippets = snippets(module, function);
    for edit in edits {
        let replacement = match edit {
            Edit::Replace(_, kind, a) => Some(pool(module, types.len(), *kind, *a)),
            _ => None,
        };
        let code = &mut module.functions[function].code;
        let len = code.len();
        match edit {
            Edit::Snippet(at, k) if !snippets.is_empty() => insert(code, at % len, &snippets[k % snippets.len()]),
            Edit::Flip(at) => code[at % len] = flip(code[at % len]),
            Edit::OtherLocal(at, k) => {
                let same = |l: LocalIdx| -> LocalIdx {
                    // An earlier edit (a snippet) may name a local this
                    // function does not have: leave it for the verifier.
                    let Some(ty) = types.get(usize::from(l.0)) else { return l };
                    let options: Vec<usize> = (0..types.len()).filter(|&i| types[i] == *ty).collect();
                    local(options[k % options.len()])
                };
                code[at % len] = match code[at % len] {
                    Instr::CopyLoc(l) => Instr::CopyLoc(same(l)),
                    Instr::MoveLoc(l) => Instr::MoveLoc(same(l)),
                    Instr::StLoc(l) => Instr::StLoc(same(l)),
                    Instr::ImmBorrowLoc(l) => Instr::ImmBorrowLoc(same(l)),
                    Instr::MutBorrowLoc(l) => Instr::MutBorrowLoc(same(l)),
                    other => other,
                };
            }
            Edit::Replace(at, ..) => code[at % len] = replacement.unwrap_or(Instr::Nop),
            Edit::Delete(at) if len > 1 => {
                let at = at % len;
                code.remove(at);
                retarget(code, |t| if usize::from(t) > at { t - 1 } else { t });
            }
            Edit::Swap(at) if len > 1 => code.swap(at % (len - 1), at % (len - 1) + 1),
            _ => {}
        }
    }
}

fn tx(function: &str) -> Transaction {
    Transaction {
        sender: AccountAddress::from_u64(0xA),
        module: ModuleId::new(AccountAddress::from_u64(2), "refs"),
        function: function.into(),
        args: Vec::new(),
        gas_limit: 20_000,
        type_args: Vec::new(),
    }
}

/// Runs every entry point of a published mutant; the statuses it ends with.
fn run_all(world: &mut World) -> Vec<(&'static str, Status)> {
    let mut statuses = vec![("setup", world.execute(&tx("setup")).status)];
    for function in ["locals", "vectors", "through_refs"] {
        statuses.push((function, world.call(&tx(function)).receipt.status));
    }
    statuses.push(("globals", world.execute(&tx("globals")).status));
    statuses
}

fn unreachable_fault(status: &Status) -> bool {
    matches!(
        status,
        Status::RuntimeError { kind: RuntimeErrorKind::DanglingReference | RuntimeErrorKind::InvariantViolation, .. }
    )
}

#[test]
fn the_seed_verifies_and_runs() {
    let mut world = World::new();
    world.publish(assemble(SEED).unwrap()).unwrap_or_else(|e| panic!("refs.rasm should verify: {e}"));
    let statuses = run_all(&mut world);
    assert!(statuses.iter().all(|(_, s)| *s == Status::Success), "{statuses:?}");
    let returns = |f| world.call(&tx(f)).returns;
    assert_eq!(returns("locals"), vec![Value::U64(4), Value::U64(5)]);
    assert_eq!(returns("vectors"), vec![Value::U64(17)]);
    assert_eq!(returns("through_refs"), vec![Value::U64(7)]);
}

#[test]
fn verified_mutants_never_dangle() {
    let seed = assemble(SEED).unwrap();
    let strategy =
        (0..seed.functions.len(), prop::collection::vec(arb_edit(), 1..4)).prop_map(move |(function, edits)| {
            let mut module = seed.clone();
            mutate(&mut module, function, &edits);
            module
        });
    let mut runner = TestRunner::new(Config { cases: 3000, failure_persistence: None, ..Config::default() });
    let accepted = std::cell::Cell::new(0usize);
    let result = runner.run(&strategy, |module| {
        let mut world = World::new();
        if world.publish(module.clone()).is_err() {
            return Ok(());
        }
        accepted.set(accepted.get() + 1);
        for (function, status) in run_all(&mut world) {
            if unreachable_fault(&status) {
                let text = resin_format::disasm::disassemble(&module);
                return Err(TestCaseError::fail(format!("{function}: {status:?}\n{text}")));
            }
        }
        Ok(())
    });
    if let Err(err) = result {
        panic!("{err}");
    }
    // The property says something only if many mutants got through.
    assert!(accepted.get() >= 300, "only {} of 3000 mutants verified", accepted.get());
}
