//! What publishing refuses before anything runs: the reserved address and
//! builtin module names, modules over the size limit, and values that nest
//! too deeply once another module's structs are counted at their real depth.

use resin_format::assembler::assemble;
use resin_format::encoding::limits::{MAX_MODULE_SIZE, MAX_VALUE_DEPTH};
use resin_vm::loader::{Publisher, Verification};
use resin_vm::{AccountAddress, CodeCache, ConstValue, Constant, LoadError, ModuleId, Type, TypeId};

const COIN: &str = include_str!("../format/tests/data/coin.rasm");

fn id(address: u64, name: &str) -> ModuleId {
    ModuleId::new(AccountAddress::from_u64(address), name)
}

#[test]
fn only_the_standard_library_publishes_at_0x1() {
    let mut code = CodeCache::new();
    // A user who publishes `0x1::coin` first would make `publish stdlib` fail.
    assert_eq!(code.publish(assemble(COIN).unwrap()), Err(LoadError::ReservedAddress { module: id(1, "coin") }));
    assert!(code.is_empty());
    code.publish_stdlib(assemble(COIN).unwrap()).unwrap();
    assert!(code.is_published(&id(1, "coin")));
    let err = code.publish(assemble("module 0x1::extra\nfun f() {\nret\n}\n").unwrap()).unwrap_err();
    assert_eq!(err.to_string(), "0x1::extra cannot be published: address 0x1 is reserved for the standard library");
}

#[test]
fn builtin_module_names_are_reserved_everywhere() {
    let mut code = CodeCache::new();
    for (address, name) in [(1, "vector"), (1, "signer"), (2, "vector"), (7, "signer")] {
        let module = assemble(&format!("module {:#x}::{name}\nfun f() {{\nret\n}}\n", address)).unwrap();
        let expected = LoadError::ReservedName { module: id(address, name) };
        assert_eq!(code.publish(module.clone()), Err(expected.clone()));
        assert_eq!(code.publish_stdlib(module), Err(expected));
    }
    assert!(code.is_empty());
}

#[test]
fn modules_over_the_size_limit_are_refused_before_verification() {
    let mut module = assemble("module 0x2::big\nfun f() {\nret\n}\n").unwrap();
    // Each constant encodes to about 20 bytes; the module ends up over the limit.
    let constant = Constant { ty: Type::U128, value: ConstValue::U128(u128::MAX) };
    module.constants = vec![constant; MAX_MODULE_SIZE / 16];
    let mut code = CodeCache::new();
    match code.publish(module) {
        Err(LoadError::TooLarge { module, size, max }) => {
            assert_eq!(module, id(2, "big"));
            assert!(size > max && max == MAX_MODULE_SIZE, "{size}");
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
}

/// `module 0xADDR::NAME` with `PREFIX0 { f: PREFIX1 }` ... and the last one
/// holding `leaf` (a type in the assembler's syntax).
fn chain(address: u64, name: &str, prefix: &str, n: usize, header: &str, leaf: &str) -> String {
    let mut text = format!("module {address:#x}::{name}\n{header}");
    for i in 0..n {
        let field = if i + 1 < n { format!("{prefix}{}", i + 1) } else { leaf.to_string() };
        text.push_str(&format!("struct {prefix}{i} has store {{\n    f: {field},\n}}\n"));
    }
    text
}

#[test]
fn depth_across_modules_is_checked_at_link_time() {
    let mut code = CodeCache::new();
    // a::A0 is 61 deep.
    code.publish(assemble(&chain(2, "a", "A", 60, "", "u64")).unwrap()).unwrap();
    let depth = |code: &CodeCache, module: &ModuleId, name: &str| {
        code.struct_layout(TypeId::of(module, name)).map(|(_, s)| s.depth)
    };
    assert_eq!(depth(&code, &id(2, "a"), "A0"), Some(61));
    // b::B0 nests a::A0 under 10 structs: 71 deep, though the verifier, which
    // cannot see a::A0's fields, counts it as 12.
    let header = "use 0x2::a\nstruct a::A0 has store\n";
    let b = assemble(&chain(3, "b", "B", 10, header, "a::A0")).unwrap();
    resin_verifier::verify_module(&b).unwrap();
    let err = code.publish(b).unwrap_err();
    assert_eq!(
        err,
        LoadError::ValueTooDeep { module: id(3, "b"), what: "struct `B0`".into(), depth: 71, max: MAX_VALUE_DEPTH }
    );
    assert!(!code.is_published(&id(3, "b")));
    // Three levels fit: 64.
    let fits = assemble(&chain(3, "b", "B", 3, header, "a::A0")).unwrap();
    code.publish(fits).unwrap();
    assert_eq!(depth(&code, &id(3, "b"), "B0"), Some(MAX_VALUE_DEPTH));
}

#[test]
fn already_verified_modules_are_linked_without_the_verifier() {
    // Ill-typed: `ld_true` where a u64 is returned. Only a caller that knows
    // the bytes passed verification before (a state file whose recorded hash
    // matches) may skip it.
    let bad = assemble("module 0x4::bad\npublic fun f(): u64 {\nld_true\nret\n}\n").unwrap();
    let mut code = CodeCache::new();
    assert!(matches!(code.publish(bad.clone()), Err(LoadError::Verify(_))));
    code.publish_with(bad, Publisher::Anyone, Verification::AlreadyVerified).unwrap();
    assert!(code.is_published(&id(4, "bad")));
}
