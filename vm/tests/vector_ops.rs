//! Random programs of vector instructions on `vector<u8>` arguments must do
//! what a Rust `Vec<u8>` does and abort where it would fail: pushes, pops,
//! swaps, removes, inserts, reversal, appends, writes and reads through
//! element references, `contains`, `index_of`, length, equality, hashing.
//! Each argument comes in either of a byte vector's two forms (its bytes,
//! or a list of `U8`s), and the run costs the same gas in both.
// Helpers return a whole `Status` as their error so tests can compare it.
#![allow(clippy::result_large_err)]

use std::fmt::Write as _;

use proptest::prelude::*;
use resin_format::assembler::assemble;
use resin_vm::{AccountAddress, ModuleId, RuntimeErrorKind, Status, Transaction, Value, World};

#[derive(Clone, Debug)]
enum Op {
    Push(u8),
    Pop,
    Swap(u8, u8),
    Remove(u8),
    Insert(u8, u8),
    Reverse,
    /// Appends a copy of the second argument.
    Append,
    Write(u8, u8),
    Read(u8),
    Contains(u8),
    IndexOf(u8),
    Len,
    /// Compares the vector with the second argument.
    EqualsOther,
    /// Appends the vector's BLAKE3 digest to the log.
    Hash,
}

fn op() -> impl Strategy<Value = Op> {
    // Indices run a little past the usual lengths, so some abort.
    let index = 0u8..12;
    prop_oneof![
        3 => any::<u8>().prop_map(Op::Push),
        2 => Just(Op::Pop),
        1 => (index.clone(), index.clone()).prop_map(|(i, j)| Op::Swap(i, j)),
        1 => index.clone().prop_map(Op::Remove),
        1 => (any::<u8>(), index.clone()).prop_map(|(b, i)| Op::Insert(b, i)),
        1 => Just(Op::Reverse),
        1 => Just(Op::Append),
        1 => (index.clone(), any::<u8>()).prop_map(|(i, b)| Op::Write(i, b)),
        2 => index.prop_map(Op::Read),
        1 => (0u8..8).prop_map(Op::Contains),
        1 => (0u8..8).prop_map(Op::IndexOf),
        1 => Just(Op::Len),
        1 => Just(Op::EqualsOther),
        1 => Just(Op::Hash),
    ]
}

/// What the function returns: the vector, the bytes read (pops, removes,
/// reads, digests), the booleans (contains, index_of's found, equality)
/// and the numbers (index_of's index, lengths).
#[derive(Debug, Default, PartialEq)]
struct Outcome {
    v: Vec<u8>,
    log: Vec<u8>,
    flags: Vec<bool>,
    numbers: Vec<u64>,
}

/// The oracle: `ops` on a `Vec<u8>`, or the runtime error the first one
/// that cannot run stops with.
fn model(v: &[u8], w: &[u8], ops: &[Op]) -> Result<Outcome, RuntimeErrorKind> {
    let mut out = Outcome { v: v.to_vec(), ..Outcome::default() };
    let out_of_bounds = RuntimeErrorKind::IndexOutOfBounds;
    for op in ops {
        let v = &mut out.v;
        let len = v.len();
        let index = |i: u8| if usize::from(i) < len { Ok(usize::from(i)) } else { Err(out_of_bounds) };
        match *op {
            Op::Push(b) => v.push(b),
            Op::Pop => out.log.push(v.pop().ok_or(RuntimeErrorKind::PopEmptyVector)?),
            Op::Swap(i, j) => {
                let (i, j) = (index(i)?, index(j)?);
                v.swap(i, j);
            }
            Op::Remove(i) => {
                let i = index(i)?;
                out.log.push(v.remove(i));
            }
            Op::Insert(b, i) if usize::from(i) <= len => v.insert(usize::from(i), b),
            Op::Insert(..) => return Err(out_of_bounds),
            Op::Reverse => v.reverse(),
            Op::Append => v.extend_from_slice(w),
            Op::Write(i, b) => {
                let i = index(i)?;
                v[i] = b;
            }
            Op::Read(i) => {
                let i = index(i)?;
                out.log.push(v[i]);
            }
            Op::Contains(b) => out.flags.push(v.contains(&b)),
            Op::IndexOf(b) => {
                let at = v.iter().position(|x| *x == b);
                out.flags.push(at.is_some());
                out.numbers.push(at.unwrap_or(0) as u64);
            }
            Op::Len => out.numbers.push(len as u64),
            Op::EqualsOther => out.flags.push(v.as_slice() == w),
            Op::Hash => out.log.extend_from_slice(blake3::hash(v).as_bytes()),
        }
    }
    Ok(out)
}

/// `ops` as the body of `f(v: vector<u8>, w: vector<u8>)`.
fn program(ops: &[Op]) -> String {
    let mut body = String::new();
    let mut line = |text: &str| {
        body.push_str("    ");
        body.push_str(text);
        body.push('\n');
    };
    for text in [
        "local log: vector<u8>",
        "local flags: vector<bool>",
        "local numbers: vector<u64>",
        "local t: u8",
        "local e: u8",
        "local n: u64",
        "local found: bool",
        "vec_pack u8, 0",
        "st_loc log",
        "vec_pack bool, 0",
        "st_loc flags",
        "vec_pack u64, 0",
        "st_loc numbers",
    ] {
        line(text);
    }
    let log_t = "st_loc t\nmut_borrow_loc log\nmove_loc t\nvec_push_back u8";
    let flag = "st_loc found\nmut_borrow_loc flags\nmove_loc found\nvec_push_back bool";
    let number = "st_loc n\nmut_borrow_loc numbers\nmove_loc n\nvec_push_back u64";
    for op in ops {
        let text = match *op {
            Op::Push(b) => format!("mut_borrow_loc v\nld_u8 {b}\nvec_push_back u8"),
            Op::Pop => format!("mut_borrow_loc v\nvec_pop_back u8\n{log_t}"),
            Op::Swap(i, j) => format!("mut_borrow_loc v\nld_u64 {i}\nld_u64 {j}\nvec_swap u8"),
            Op::Remove(i) => format!("mut_borrow_loc v\nld_u64 {i}\nvec_remove u8\n{log_t}"),
            Op::Insert(b, i) => format!("mut_borrow_loc v\nld_u8 {b}\nld_u64 {i}\nvec_insert u8"),
            Op::Reverse => "mut_borrow_loc v\nvec_reverse u8".into(),
            Op::Append => "mut_borrow_loc v\ncopy_loc w\nvec_append u8".into(),
            Op::Write(i, b) => format!("ld_u8 {b}\nmut_borrow_loc v\nld_u64 {i}\nvec_mut_borrow u8\nwrite_ref"),
            Op::Read(i) => format!("imm_borrow_loc v\nld_u64 {i}\nvec_imm_borrow u8\nread_ref\n{log_t}"),
            Op::Contains(b) => {
                format!("ld_u8 {b}\nst_loc e\nimm_borrow_loc v\nimm_borrow_loc e\nvec_contains u8\n{flag}")
            }
            Op::IndexOf(b) => {
                format!("ld_u8 {b}\nst_loc e\nimm_borrow_loc v\nimm_borrow_loc e\nvec_index_of u8\n{number}\n{flag}")
            }
            Op::Len => format!("imm_borrow_loc v\nvec_len u8\n{number}"),
            Op::EqualsOther => format!("copy_loc v\ncopy_loc w\neq\n{flag}"),
            Op::Hash => "mut_borrow_loc log\ncopy_loc v\nblake3\nvec_append u8".into(),
        };
        text.lines().for_each(&mut line);
    }
    for text in ["move_loc v", "move_loc log", "move_loc flags", "move_loc numbers", "ret"] {
        line(text);
    }
    let mut module = String::from("module 0x1::t\n");
    let _ = write!(
        module,
        "public fun f(v: vector<u8>, w: vector<u8>): (vector<u8>, vector<u8>, vector<bool>, vector<u64>) {{\n{body}}}\n"
    );
    module
}

/// A `vector<u8>` argument: held as bytes, or as a list of `U8`s.
fn argument(bytes: &[u8], as_bytes: bool) -> Value {
    if as_bytes {
        Value::Bytes(bytes.to_vec())
    } else {
        Value::Vector(bytes.iter().map(|b| Value::U8(*b)).collect())
    }
}

/// The bytes of a `vector<u8>` value, in either form.
fn byte_vector(value: &Value) -> Vec<u8> {
    match value {
        Value::Vector(items) => {
            items.iter().map(|item| if let Value::U8(b) = item { *b } else { panic!("not a u8: {item:?}") }).collect()
        }
        Value::Bytes(bytes) => bytes.clone(),
        other => panic!("not a vector<u8>: {other:?}"),
    }
}

/// Runs the program on `v` and `w`, each in the form `forms` says (bytes
/// or a list): what it returned or the runtime error it stopped with, and
/// the gas it used.
fn run(world: &World, v: &[u8], w: &[u8], forms: (bool, bool)) -> (Result<Outcome, RuntimeErrorKind>, u64) {
    let tx = Transaction {
        sender: AccountAddress::from_u64(0xA),
        module: ModuleId::new(AccountAddress::from_u64(1), "t"),
        function: "f".into(),
        args: vec![argument(v, forms.0), argument(w, forms.1)],
        gas_limit: 10_000_000,
        type_args: Vec::new(),
    };
    let outcome = world.call(&tx);
    let result = match (outcome.receipt.status, outcome.returns.as_slice()) {
        (Status::Success, [v, log, flags, numbers]) => {
            let list = |value: &Value| match value {
                Value::Vector(items) => items.clone(),
                other => panic!("not a vector: {other:?}"),
            };
            Ok(Outcome {
                v: byte_vector(v),
                log: byte_vector(log),
                flags: list(flags).iter().map(|f| matches!(f, Value::Bool(true))).collect(),
                numbers: list(numbers).iter().map(|n| if let Value::U64(n) = n { *n } else { u64::MAX }).collect(),
            })
        }
        (Status::RuntimeError { kind, .. }, _) => Err(kind),
        (status, returns) => panic!("unexpected outcome {status:?} {returns:?}"),
    };
    (result, outcome.receipt.gas_used)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn vector_instructions_do_what_a_vec_does(
        v in proptest::collection::vec(0u8..8, 0..6),
        w in proptest::collection::vec(0u8..8, 0..4),
        ops in proptest::collection::vec(op(), 1..24),
        forms in any::<(bool, bool)>(),
    ) {
        let mut world = World::new();
        let text = program(&ops);
        world.publish_stdlib(assemble(&text).unwrap_or_else(|e| panic!("{e}\n{text}")))
            .unwrap_or_else(|e| panic!("{e}\n{text}"));
        let (result, gas) = run(&world, &v, &w, forms);
        prop_assert_eq!(result, model(&v, &w, &ops));
        // The other forms: the same result for the same gas.
        let (other, other_gas) = run(&world, &v, &w, (!forms.0, !forms.1));
        prop_assert_eq!(other, model(&v, &w, &ops));
        prop_assert_eq!(gas, other_gas);
    }
}
