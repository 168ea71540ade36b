//! Running programs on the VM: the reference programs of `gen::refs`, and
//! the hand-written programs of the `*_runs` tests.

use resin_format::file_format::{AccountAddress, Module, ModuleId};
use resin_vm::{RuntimeErrorKind, Status, Transaction, Value, World};

/// Publishes `modules` and calls `0x2::refs::run` twice (the first call
/// creates the resource the second finds); returns the first fault that a
/// sound borrow discipline rules out (a dangling reference or a broken
/// invariant), as text, if any. Publishing must succeed.
pub fn reference_fault(modules: Vec<Module>) -> Result<Option<String>, String> {
    let mut world = World::new();
    for module in modules {
        world.publish(module).map_err(|e| format!("publishing failed: {e:?}"))?;
    }
    for seed in [3, 8] {
        let tx = Transaction {
            sender: AccountAddress::from_u64(0xA11CE),
            module: ModuleId::new(AccountAddress::from_u64(2), "refs"),
            function: "run".into(),
            args: vec![Value::U64(seed)],
            gas_limit: 10_000_000,
            type_args: Vec::new(),
        };
        let receipt = world.execute(&tx);
        if let Status::RuntimeError { kind, location, .. } = &receipt.status {
            if matches!(kind, RuntimeErrorKind::DanglingReference | RuntimeErrorKind::InvariantViolation) {
                return Ok(Some(format!("{kind:?} at {location:?}")));
            }
        }
    }
    Ok(None)
}

/// A world with the modules of `program` (one source file, `name`)
/// published as the standard library is, at their own addresses. The
/// program must compile.
pub fn world_of(name: &str, program: &str) -> World {
    let sources = [resin_lang::SourceFile::new(name, program)];
    let result = resin_lang::compile(&sources, &[]);
    assert!(!result.has_errors(), "{}", result.diagnostics.render(&sources));
    let mut world = World::new();
    for module in result.modules {
        world.publish_stdlib(module.module).unwrap();
    }
    world
}
