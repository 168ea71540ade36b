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

    /// Random swaps and liquidity changes on one `0x1::amm` pool, checked
    /// after every step against the pool's invariants: the product of the
    /// reserves never falls on a swap, the value of a share (the product
    /// over the shares squared) never falls on any step, coins are neither
    /// made nor lost, and a swap pays exactly its quote or, below its
    /// `min_out`, aborts and changes nothing.
    #[test]
    fn amm_keeps_its_invariants_over_random_steps() {
        use resin_vm::{AccountAddress, ModuleId, Status, StructTag, Transaction, TypeTag, Value, World};
        let mut world = World::new();
        let stdlib = modules().unwrap();
        for m in stdlib {
            world.publish_stdlib(m.clone()).unwrap();
        }
        let pair = "module 0x2::pair {\n    struct USD has drop {}\n    struct EUR has drop {}\n    \
            public entry fun init(s: &signer) {\n        0x1::currency::initialize_stored<USD>(s, USD {});\n        \
            0x1::currency::initialize_stored<EUR>(s, EUR {});\n    }\n}\n";
        let files = [SourceFile::new("pair.rsn", pair)];
        let built = resin_lang::compile(&files, stdlib);
        assert!(!built.diagnostics.has_errors(), "{}", built.diagnostics.render(&files));
        for m in built.modules {
            world.publish(m.module).unwrap();
        }
        let pair = ModuleId::new(AccountAddress::from_u64(2), "pair");
        let currency_of = |name: &str| TypeTag::Struct(Box::new(StructTag::new(pair.clone(), name, Vec::new())));
        let (usd, eur) = (currency_of("USD"), currency_of("EUR"));
        let lp = TypeTag::Struct(Box::new(StructTag::new(
            ModuleId::new(AccountAddress::from_u64(1), "amm"),
            "LP",
            vec![usd.clone(), eur.clone()],
        )));
        let tx = |sender, module: &str, function: &str, type_args: Vec<TypeTag>, args| Transaction {
            sender,
            module: if module == "pair" { pair.clone() } else { ModuleId::new(AccountAddress::from_u64(1), module) },
            function: function.into(),
            args,
            gas_limit: 1_000_000,
            type_args,
        };
        let both = vec![usd.clone(), eur.clone()];
        let [bank, alice, bob, carol] = [0xB0, 0xA, 0xB, 0xC].map(AccountAddress::from_u64);
        let ok = |world: &mut World, t: Transaction| {
            let r = world.execute(&t);
            assert_eq!(r.status, Status::Success, "{}::{}", t.module, t.function);
        };
        ok(&mut world, tx(bank, "pair", "init", vec![], vec![]));
        for who in [alice, bob, carol] {
            for c in [&usd, &eur] {
                ok(&mut world, tx(who, "currency", "register", vec![c.clone()], vec![]));
                let mint = vec![Value::Address(who), Value::U64(1_000_000_000)];
                ok(&mut world, tx(bank, "currency", "mint", vec![c.clone()], mint));
            }
        }
        let seed = Value::Bytes(b"p".to_vec());
        let create = vec![seed.clone(), Value::U64(1_000_000), Value::U64(3_000_000)];
        ok(&mut world, tx(alice, "amm", "create_pool", both.clone(), create));
        let pool =
            match &world.call(&tx(alice, "amm", "pool_address", vec![], vec![Value::Address(alice), seed])).returns[..]
            {
                [Value::Address(a)] => *a,
                other => panic!("{other:?}"),
            };
        let u64_of = |v: &Value| match v {
            Value::U64(n) => u128::from(*n),
            other => panic!("{other:?}"),
        };
        let view = |world: &World, module: &str, f: &str, ty: Vec<TypeTag>, args: Vec<Value>| -> Vec<u128> {
            world.call(&tx(alice, module, f, ty, args)).returns.iter().map(u64_of).collect()
        };
        let state = |world: &World| {
            let r = view(world, "amm", "reserves", both.clone(), vec![Value::Address(pool)]);
            let shares = view(world, "amm", "shares", both.clone(), vec![Value::Address(pool)])[0];
            (r[0], r[1], shares)
        };
        let total = |world: &World, c: &TypeTag, reserve: u128| {
            let held: u128 = [alice, bob, carol]
                .iter()
                .map(|w| view(world, "currency", "balance", vec![c.clone()], vec![Value::Address(*w)])[0])
                .sum();
            held + reserve
        };
        let mut rng: u64 = 0x5eed;
        let mut next = |bound: u64| {
            rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (rng >> 33) % bound
        };
        let (mut swaps, mut slipped, mut liquidity) = (0, 0, 0);
        for _ in 0..300 {
            let (x0, y0, s0) = state(&world);
            let trader = if next(2) == 0 { bob } else { carol };
            let step = next(10);
            if step < 8 {
                let x_to_y = step % 2 == 0;
                let amount = 1 + next(100_000);
                let quote_fn = if x_to_y { "quote_x_to_y" } else { "quote_y_to_x" };
                let quote =
                    view(&world, "amm", quote_fn, both.clone(), vec![Value::Address(pool), Value::U64(amount)])[0];
                let strict = next(4) == 0;
                let min_out = if strict { quote + 1 } else { quote };
                let f = if x_to_y { "swap_x_to_y" } else { "swap_y_to_x" };
                let args = vec![Value::Address(pool), Value::U64(amount), Value::U64(min_out as u64)];
                let receipt = world.execute(&tx(trader, "amm", f, both.clone(), args));
                let (x1, y1, s1) = state(&world);
                if strict || quote == 0 {
                    assert!(matches!(receipt.status, Status::Aborted { .. }), "{:?}", receipt.status);
                    assert_eq!((x1, y1, s1), (x0, y0, s0));
                    slipped += 1;
                } else {
                    assert_eq!(receipt.status, Status::Success);
                    let (paid, got) = if x_to_y { (x1 - x0, y0 - y1) } else { (y1 - y0, x0 - x1) };
                    assert_eq!((paid, got), (u128::from(amount), quote));
                    assert!(x1 * y1 >= x0 * y0, "the product fell: {x0} * {y0} to {x1} * {y1}");
                    swaps += 1;
                }
            } else if step == 8 {
                let args = vec![
                    Value::Address(pool),
                    Value::U64(1 + next(50_000)),
                    Value::U64(1 + next(150_000)),
                    Value::U64(0),
                ];
                let receipt = world.execute(&tx(bob, "amm", "add_liquidity", both.clone(), args));
                assert!(
                    receipt.status == Status::Success || matches!(receipt.status, Status::Aborted { code: 6, .. }),
                    "{:?}",
                    receipt.status
                );
                liquidity += 1;
            } else {
                // Nothing until bob's first deposit registers him in the shares.
                let shares = view(&world, "currency", "balance", vec![lp.clone()], vec![Value::Address(bob)]);
                let held = shares.first().copied().unwrap_or(0);
                if held > 0 {
                    let burn = 1 + next(held as u64);
                    let args = vec![Value::Address(pool), Value::U64(burn), Value::U64(0), Value::U64(0)];
                    ok(&mut world, tx(bob, "amm", "remove_liquidity", both.clone(), args));
                    liquidity += 1;
                }
            }
            let (x1, y1, s1) = state(&world);
            // k / S^2 never falls (every result is rounded in the pool's
            // favour); the products stay far below u128's bound here.
            assert!(
                x1 * y1 * s0 * s0 >= x0 * y0 * s1 * s1,
                "a share lost value: {x0} * {y0} / {s0}^2 to {x1} * {y1} / {s1}^2"
            );
            assert_eq!(total(&world, &usd, x1), 3_000_000_000);
            assert_eq!(total(&world, &eur, y1), 3_000_000_000);
        }
        assert!(
            swaps > 100 && slipped > 20 && liquidity > 20,
            "{swaps} swaps, {slipped} slipped, {liquidity} liquidity"
        );
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
