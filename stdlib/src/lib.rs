//! `resin-stdlib`: Resin's standard modules, written in Resin (`modules/*.rsn`)
//! and shipped inside the binary. They are compiled on first use through
//! `resin-lang` and kept for the life of the process.
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

use std::sync::OnceLock;

use resin_format::Module;
use resin_lang::SourceFile;

/// One standard module's source.
#[derive(Clone, Copy, Debug)]
pub struct StdSource {
    /// The module's name (its address is in the source).
    pub name: &'static str,
    /// The file under `stdlib/modules/`, for diagnostics.
    pub file: &'static str,
    pub text: &'static str,
}

/// Every standard module, in dependency order.
pub const SOURCES: &[StdSource] = &[
    StdSource { name: "coin", file: "stdlib/modules/coin.rsn", text: include_str!("../modules/coin.rsn") },
    StdSource {
        name: "generic_coin",
        file: "stdlib/modules/generic_coin.rsn",
        text: include_str!("../modules/generic_coin.rsn"),
    },
    StdSource { name: "currency", file: "stdlib/modules/currency.rsn", text: include_str!("../modules/currency.rsn") },
    StdSource { name: "fungible", file: "stdlib/modules/fungible.rsn", text: include_str!("../modules/fungible.rsn") },
    StdSource { name: "nft", file: "stdlib/modules/nft.rsn", text: include_str!("../modules/nft.rsn") },
    StdSource { name: "dao", file: "stdlib/modules/dao.rsn", text: include_str!("../modules/dao.rsn") },
    StdSource { name: "amm", file: "stdlib/modules/amm.rsn", text: include_str!("../modules/amm.rsn") },
    StdSource { name: "escrow", file: "stdlib/modules/escrow.rsn", text: include_str!("../modules/escrow.rsn") },
    StdSource { name: "multisig", file: "stdlib/modules/multisig.rsn", text: include_str!("../modules/multisig.rsn") },
];

/// Why the standard library did not build: a bug in this crate, reported
/// with the compiler's rendered diagnostics.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the standard library does not compile:\n{0}")]
pub struct StdlibError(pub String);

/// The sources as compiler input.
pub fn source_files() -> Vec<SourceFile> {
    SOURCES.iter().map(|s| SourceFile::new(s.file, s.text)).collect()
}

/// Compiles the standard library (without caching).
pub fn compile() -> Result<Vec<Module>, StdlibError> {
    let files = source_files();
    let result = resin_lang::compile(&files, &[]);
    if result.diagnostics.has_errors() {
        return Err(StdlibError(result.diagnostics.render(&files)));
    }
    Ok(result.modules.into_iter().map(|m| m.module).collect())
}

/// The compiled standard library, compiled once per process on first use.
pub fn modules() -> Result<&'static [Module], &'static StdlibError> {
    static COMPILED: OnceLock<Result<Vec<Module>, StdlibError>> = OnceLock::new();
    COMPILED.get_or_init(compile).as_ref().map(Vec::as_slice)
}

#[cfg(test)]
mod tests {
    use super::*;
    use resin_vm::CodeCache;

    #[test]
    fn every_module_compiles_without_warnings_and_verifies() {
        let files = source_files();
        let result = resin_lang::compile(&files, &[]);
        assert!(result.diagnostics.is_empty(), "{}", result.diagnostics.render(&files));
        assert_eq!(result.modules.len(), SOURCES.len());
        let mut code = CodeCache::new();
        for module in modules().unwrap() {
            resin_verifier::verify_module(module).unwrap();
            code.publish_stdlib(module.clone()).unwrap();
        }
    }

    #[test]
    fn coin_has_the_entry_functions_the_bench_calls() {
        let coin = modules().unwrap().iter().find(|m| m.self_id().is_some_and(|id| id.name == "coin")).unwrap();
        for name in ["register", "mint", "transfer"] {
            let (_, f) = coin.find_function(name).unwrap();
            assert!(f.is_entry, "{name}");
        }
        assert!(coin.find_struct("Balance").is_some());
    }

    #[test]
    fn generic_coin_keeps_each_currency_apart() {
        use resin_vm::{AccountAddress, ModuleId, Status, Transaction, TypeTag, Value, World};
        let mut world = World::new();
        for m in modules().unwrap() {
            world.publish_stdlib(m.clone()).unwrap();
        }
        let coin = ModuleId::new(AccountAddress::from_u64(1), "generic_coin");
        let (a, b) = (AccountAddress::from_u64(0xA), AccountAddress::from_u64(0xB));
        // Any type may name a currency (`T` is phantom and unconstrained):
        // two primitives stand for two currencies here.
        let tx = |sender, function: &str, currency: &TypeTag, args| Transaction {
            sender,
            module: coin.clone(),
            function: function.into(),
            args,
            gas_limit: 100_000,
            type_args: vec![currency.clone()],
        };
        let (x, y) = (TypeTag::U64, TypeTag::Bool);
        for who in [a, b] {
            for c in [&x, &y] {
                assert_eq!(world.execute(&tx(who, "register", c, vec![])).status, Status::Success);
            }
        }
        let minted = world.execute(&tx(a, "mint", &x, vec![Value::U64(100)]));
        assert_eq!(minted.status, Status::Success);
        assert_eq!(minted.events.len(), 1);
        let pay = |c, amount| tx(a, "transfer", c, vec![Value::Address(b), Value::U64(amount)]);
        assert_eq!(world.execute(&pay(&x, 40)).status, Status::Success);
        // `a` holds 60 of `x` and none of `y`.
        let overdraft = world.execute(&pay(&y, 1));
        assert!(matches!(overdraft.status, Status::Aborted { code: 1, .. }), "{:?}", overdraft.status);
        let balance = |who, c| world.call(&tx(who, "balance", c, vec![Value::Address(who)])).returns;
        assert_eq!(balance(a, &x), vec![Value::U64(60)]);
        assert_eq!(balance(b, &x), vec![Value::U64(40)]);
        assert_eq!(balance(a, &y), vec![Value::U64(0)]);
        assert_eq!(balance(b, &y), vec![Value::U64(0)]);
        // A call without its type argument is refused before it runs.
        let bare = Transaction { type_args: Vec::new(), ..pay(&x, 1) };
        assert!(matches!(world.execute(&bare).status, Status::InvalidArguments { .. }));
    }

    #[test]
    fn coins_move_and_overdrafts_abort() {
        use resin_vm::{AccountAddress, ModuleId, Status, Transaction, Value, World};
        let mut world = World::new();
        for m in modules().unwrap() {
            world.publish_stdlib(m.clone()).unwrap();
        }
        let coin = ModuleId::new(AccountAddress::from_u64(1), "coin");
        let (a, b) = (AccountAddress::from_u64(0xA), AccountAddress::from_u64(0xB));
        let tx = |sender, function: &str, args| Transaction {
            sender,
            module: coin.clone(),
            function: function.into(),
            args,
            gas_limit: 100_000,
            type_args: Vec::new(),
        };
        for who in [a, b] {
            assert_eq!(world.execute(&tx(who, "register", vec![])).status, Status::Success);
        }
        let minted = world.execute(&tx(a, "mint", vec![Value::U64(100)]));
        assert_eq!(minted.status, Status::Success);
        assert_eq!(minted.events.len(), 1);
        assert_eq!(world.execute(&tx(a, "transfer", vec![Value::Address(b), Value::U64(40)])).status, Status::Success);
        let overdraft = world.execute(&tx(b, "transfer", vec![Value::Address(a), Value::U64(41)]));
        assert!(matches!(overdraft.status, Status::Aborted { code: 1, .. }), "{:?}", overdraft.status);
        assert!(overdraft.write_set.0.is_empty());
        let balance = |who| {
            let out = world.call(&tx(who, "balance", vec![Value::Address(who)]));
            out.returns
        };
        assert_eq!(balance(a), vec![Value::U64(60)]);
        assert_eq!(balance(b), vec![Value::U64(40)]);
    }

    /// Each module's access report, snapshotted with its source above it
    /// (`snapshots/access@NAME.snap`): every entry of `SOURCES` gets one, so
    /// a new module is pinned as soon as it is added.
    #[test]
    fn access_reports_are_pinned() {
        let files = source_files();
        let result = resin_lang::compile(&files, &[]);
        assert!(!result.has_errors(), "{}", result.diagnostics.render(&files));
        let mut settings = insta::Settings::clone_current();
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        for source in SOURCES {
            let module = result
                .modules
                .iter()
                .find(|m| m.id.address == resin_vm::AccountAddress::from_u64(1) && m.id.name == source.name)
                .unwrap_or_else(|| panic!("{} did not compile to 0x1::{}", source.file, source.name));
            let report = module.access_report();
            settings.bind(|| {
                insta::assert_snapshot!(
                    format!("access@{}", source.name),
                    format!("----- SOURCE\n{}----- OUTPUT\n{report}", source.text)
                );
            });
        }
    }
}
