//! The debug information the compiler emits, end to end: an abort of a
//! compiled module reads as its constant's name at its source line, a
//! runtime error names the resource and the address, and stripping the
//! debug information changes neither the module's behaviour nor the state
//! root. Expected positions are found in the source text by searching it,
//! independently of the compiler's spans.

use resin_format::file_format::{AccountAddress, ModuleId};
use resin_lang::{compile, SourceFile};
use resin_vm::describe::{describe_status, source_position};
use resin_vm::{describe_abort, Module, ResourceKey, RuntimeErrorKind, Status, Transaction, TypeId, Value, World};

const SOURCE: &str = "module 0x2::bank {
    struct Vault has key { amount: u64 }

    const LIMIT: u64 = 1;
    const E_TOO_MUCH: u64 = 7;
    const E_EMPTY: u64 = 8;

    public entry fun open(account: &signer) {
        move_to(account, Vault { amount: 5 });
    }

    public entry fun take(account: &signer, n: u64) {
        let v = borrow_global_mut<Vault>(signer::address_of(account));
        assert!(n <= v.amount, E_TOO_MUCH);
        if (n == 0) abort E_EMPTY;
        v.amount = v.amount - n;
    }

    public entry fun fail_with_limit() {
        abort LIMIT
    }
}
";

fn compiled() -> Module {
    let sources = [SourceFile::new("dir/bank.rsn", SOURCE)];
    let result = compile(&sources, &[]);
    assert!(!result.has_errors(), "{}", result.diagnostics.render(&sources));
    result.modules.into_iter().next().unwrap().module
}

/// `bank.rsn:LINE:COL` of the first occurrence of `needle`, counted here.
fn position_of(needle: &str) -> String {
    let at = SOURCE.find(needle).unwrap();
    let line = SOURCE[..at].matches('\n').count() + 1;
    let col = at - SOURCE[..at].rfind('\n').map_or(0, |i| i + 1) + 1;
    format!("bank.rsn:{line}:{col}")
}

fn bank() -> ModuleId {
    ModuleId::new(AccountAddress::from_u64(2), "bank")
}

fn call(world: &mut World, function: &str, args: Vec<Value>) -> Status {
    let tx = Transaction {
        sender: AccountAddress::from_u64(0xA),
        module: bank(),
        function: function.into(),
        args,
        gas_limit: 100_000,
        type_args: Vec::new(),
    };
    world.execute(&tx).status
}

fn world_with(module: Module) -> World {
    let mut world = World::new();
    world.publish(module).unwrap();
    world
}

#[test]
fn the_compiler_keeps_constant_names_and_files() {
    let debug = compiled().debug.unwrap();
    assert_eq!(debug.files, ["dir/bank.rsn"]);
    let names: Vec<&str> = debug.constant_names.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(names, ["LIMIT", "E_TOO_MUCH", "E_EMPTY"]);
}

#[test]
fn an_assert_reads_as_its_constant_at_its_source_line() {
    let mut world = world_with(compiled());
    assert_eq!(call(&mut world, "open", vec![]), Status::Success);
    let status = call(&mut world, "take", vec![Value::U64(6)]);
    let Status::Aborted { code, location } = &status else { panic!("{status:?}") };
    assert_eq!(*code, 7);
    // A failed assert is located where the assert starts.
    let expected = format!("aborted with E_TOO_MUCH (7) at {} in 0x2::bank::take", position_of("assert!"));
    assert_eq!(describe_abort(&world.code, location, *code), expected);
}

#[test]
fn an_abort_statement_reads_as_its_constant() {
    let mut world = world_with(compiled());
    call(&mut world, "open", vec![]);
    let status = call(&mut world, "take", vec![Value::U64(0)]);
    let Status::Aborted { code, location } = &status else { panic!("{status:?}") };
    let expected = format!("aborted with E_EMPTY (8) at {} in 0x2::bank::take", position_of("abort E_EMPTY"));
    assert_eq!(describe_abort(&world.code, location, *code), expected);
    // A constant that is not an error constant is named when the code loads it.
    let status = call(&mut world, "fail_with_limit", vec![]);
    let Status::Aborted { code, location } = &status else { panic!("{status:?}") };
    assert!(describe_abort(&world.code, location, *code).starts_with("aborted with LIMIT (1) at bank.rsn:"));
}

#[test]
fn without_debug_information_the_offset_and_number_remain() {
    let mut world = world_with(compiled().without_debug());
    call(&mut world, "open", vec![]);
    let status = call(&mut world, "take", vec![Value::U64(6)]);
    let Status::Aborted { code, location } = &status else { panic!("{status:?}") };
    assert_eq!(source_position(&world.code, location), None);
    let expected = format!("aborted with code 7 in 0x2::bank::take at offset {}", location.offset);
    assert_eq!(describe_abort(&world.code, location, *code), expected);
}

#[test]
fn debug_information_moves_no_state_root() {
    let mut with = world_with(compiled());
    let mut without = world_with(compiled().without_debug());
    for world in [&mut with, &mut without] {
        call(world, "open", vec![]);
        call(world, "take", vec![Value::U64(2)]);
    }
    assert_eq!(with.root(), without.root());
}

#[test]
fn a_missing_resource_is_named_with_its_address() {
    let mut world = world_with(compiled());
    let status = call(&mut world, "take", vec![Value::U64(1)]);
    let key = ResourceKey { address: AccountAddress::from_u64(0xA), ty: TypeId::of(&bank(), "Vault") };
    let Status::RuntimeError { kind: RuntimeErrorKind::ResourceMissing, resource, location } = &status else {
        panic!("{status:?}")
    };
    assert_eq!(*resource, Some(Box::new(key)));
    let expected = format!(
        "runtime error ResourceMissing: 0x2::bank::Vault at 0xa at {} in 0x2::bank::take",
        position_of("borrow_global_mut")
    );
    assert_eq!(describe_status(&world.code, &status), expected);
    assert_eq!(location.function, "take");
}

#[test]
fn an_existing_resource_is_named_with_its_address() {
    let mut world = world_with(compiled());
    call(&mut world, "open", vec![]);
    let status = call(&mut world, "open", vec![]);
    let Status::RuntimeError { kind: RuntimeErrorKind::ResourceAlreadyExists, resource, .. } = &status else {
        panic!("{status:?}")
    };
    assert_eq!(resource.as_ref().map(|k| k.address), Some(AccountAddress::from_u64(0xA)));
    assert!(describe_status(&world.code, &status)
        .starts_with("runtime error ResourceAlreadyExists: 0x2::bank::Vault at 0xa at bank.rsn:"));
}
