//! Module upgrades: each compatibility rule on compiled modules
//! (`check_upgrade`), then upgrades on a live code cache: resources stay
//! readable, dependents reach the new code, the code root moves, and a
//! refused upgrade changes nothing.

use resin_format::file_format::{AccountAddress, ModuleId};
use resin_lang::{compile, SourceFile};
use resin_vm::loader::check_upgrade;
use resin_vm::{LoadError, Module, Status, Transaction, Value, World};

/// Version 1 of the vault; `{EXTRA}` is replaced by what a version adds.
const V1: &str = "module 0x2::vault {
    struct Vault has key { amount: u64 }

    public entry fun open(account: &signer, amount: u64) {
        move_to(account, Vault { amount });
    }

    public fun amount(owner: address): u64 {
        borrow_global<Vault>(owner).amount
    }

    public(friend) fun peek(owner: address): u64 {
        borrow_global<Vault>(owner).amount
    }

    public fun same<T: copy + drop>(x: T): T { x }

    fun helper(): u64 { 1 }
}
";

/// Compiles `source` (against `deps`), one module.
fn compile_one(source: &str, deps: &[Module]) -> Module {
    let sources = [SourceFile::new("vault.rsn", source)];
    let result = compile(&sources, deps);
    assert!(!result.has_errors(), "{}", result.diagnostics.render(&sources));
    result.modules.into_iter().last().unwrap().module
}

/// V1 with `from` replaced by `to` (which must occur).
fn edited(from: &str, to: &str) -> Module {
    assert!(V1.contains(from), "{from}");
    compile_one(&V1.replacen(from, to, 1), &[])
}

fn verdict(from: &str, to: &str) -> Result<(), String> {
    check_upgrade(&compile_one(V1, &[]), &edited(from, to))
}

#[test]
fn additions_and_private_changes_are_compatible() {
    // A new struct, a new public function, a private function's new body,
    // a friend function made public.
    let added =
        "    fun helper(): u64 { 1 }\n    struct Extra has drop { n: u8 }\n    public fun twice(x: u64): u64 { x * 2 }";
    assert_eq!(verdict("    fun helper(): u64 { 1 }", added), Ok(()));
    assert_eq!(verdict("fun helper(): u64 { 1 }", "fun helper(): u64 { 2 }"), Ok(()));
    assert_eq!(verdict("fun helper(): u64 { 1 }", ""), Ok(()));
    assert_eq!(verdict("public(friend) fun peek", "public fun peek"), Ok(()));
    assert_eq!(check_upgrade(&compile_one(V1, &[]), &compile_one(V1, &[])), Ok(()));
}

/// A module holding just `struct`, to change a struct's fields freely.
fn only(strukt: &str) -> Module {
    compile_one(&format!("module 0x2::vault {{\n    {strukt}\n}}\n"), &[])
}

#[test]
fn a_struct_keeps_its_fields_abilities_and_existence() {
    let old = only("struct Vault has key { amount: u64, owner: address }");
    for (new, reason) in [
        ("struct Vault has key { amount: u64, owner: address, extra: bool }", "struct Vault changed its fields"),
        ("struct Vault has key { total: u64, owner: address }", "struct Vault changed its fields"),
        ("struct Vault has key { amount: u128, owner: address }", "struct Vault changed its fields"),
        ("struct Vault has key { owner: address, amount: u64 }", "struct Vault changed its fields"),
        ("struct Vault has key { amount: u64 }", "struct Vault changed its fields"),
    ] {
        assert_eq!(check_upgrade(&old, &only(new)), Err(reason.to_string()), "{new}");
    }
    let same = "struct Vault has key { amount: u64, owner: address }\n    struct New has drop { n: u8 }";
    assert_eq!(check_upgrade(&old, &only(same)), Ok(()));
    assert_eq!(
        verdict("struct Vault has key {", "struct Vault has key, store {"),
        Err("struct Vault changed its abilities from [key] to [store, key]".into())
    );
}

#[test]
fn a_removed_struct_is_refused() {
    let without = "module 0x2::vault {
    public entry fun open(account: &signer, amount: u64) { }
    public fun amount(owner: address): u64 { owner; 0 }
    public(friend) fun peek(owner: address): u64 { owner; 0 }
    public fun same<T: copy + drop>(x: T): T { x }
}
";
    let result = check_upgrade(&compile_one(V1, &[]), &compile_one(without, &[]));
    assert_eq!(result, Err("struct Vault was removed".into()));
}

#[test]
fn public_friend_and_entry_functions_keep_their_signatures() {
    assert_eq!(
        verdict(
            "public entry fun open(account: &signer, amount: u64)",
            "public entry fun open(account: &signer, amount: u64, more: u64)"
        ),
        Err("function open changed its parameters".into())
    );
    assert_eq!(
        verdict(
            "public(friend) fun peek(owner: address): u64 {\n        borrow_global<Vault>(owner).amount",
            "public(friend) fun peek(owner: address): bool {\n        borrow_global<Vault>(owner).amount > 0"
        ),
        Err("function peek changed its return types".into())
    );
    assert_eq!(
        verdict("public fun same<T: copy + drop>", "public fun same<T: copy + drop + store>"),
        Err("function same changed its type parameters".into())
    );
}

#[test]
fn visibility_never_shrinks_and_entry_functions_stay() {
    assert_eq!(
        verdict("public fun amount", "fun amount"),
        Err("function amount became private (it was public)".into())
    );
    assert_eq!(
        verdict("public fun amount", "public(friend) fun amount"),
        Err("function amount became friend (it was public)".into())
    );
    assert_eq!(
        verdict("public entry fun open", "public fun open"),
        Err("function open is no longer an entry function".into())
    );
    assert_eq!(
        verdict("    public fun same<T: copy + drop>(x: T): T { x }\n", ""),
        Err("public function same was removed".into())
    );
}

#[test]
fn access_sets_of_public_functions_may_narrow_but_not_widen() {
    // Reading another address's vault too is a new access.
    assert_eq!(
        verdict(
            "borrow_global<Vault>(owner).amount\n    }\n\n    public(friend)",
            "borrow_global<Vault>(owner).amount + borrow_global<Vault>(@0x5).amount\n    }\n\n    public(friend)"
        ),
        Err("function amount widened its access set: it now needs read 0x2::vault::Vault at 0x5".into())
    );
    // Writing what was only read is wider too.
    assert_eq!(
        verdict(
            "borrow_global<Vault>(owner).amount\n    }\n\n    public(friend)",
            "let v = borrow_global_mut<Vault>(owner); v.amount = 1; 1\n    }\n\n    public(friend)"
        ),
        Err("function amount widened its access set: it now needs write 0x2::vault::Vault at parameter 0".into())
    );
    // Reading nothing is narrower.
    assert_eq!(
        verdict(
            "borrow_global<Vault>(owner).amount\n    }\n\n    public(friend)",
            "owner; 0\n    }\n\n    public(friend)"
        ),
        Ok(())
    );
}

#[test]
fn an_objects_address_may_narrow_from_any_address_but_not_move() {
    let v1 =
        |body: &str| V1.replacen("    fun helper(): u64 { 1 }", &format!("    fun helper(): u64 {{ 1 }}\n{body}"), 1);
    let at = |seed: &str| {
        format!(
            "    public fun held(who: address, s: vector<u8>): bool {{ exists<Vault>(object::address(who, {seed})) }}"
        )
    };
    let anywhere = "    public fun held(who: address, s: vector<u8>): bool acquires read Vault@* { exists<Vault>(object::address(who, s)) }";
    let check = |from: &str, to: &str| check_upgrade(&compile_one(&v1(from), &[]), &compile_one(&v1(to), &[]));
    // `*` to the object the code derives is narrower.
    assert_eq!(check(anywhere, &at("s")), Ok(()));
    // Another seed is another address, and `*` is wider than any object.
    assert_eq!(
        check(&at("s"), &at("b\"fixed\"")),
        Err("function held widened its access set: it now needs read 0x2::vault::Vault at the object 0x2::vault derives from parameter 0 and b\"fixed\"".into())
    );
    assert_eq!(
        check(&at("s"), anywhere),
        Err("function held widened its access set: it now needs read 0x2::vault::Vault at *".into())
    );
}

// ---- upgrades of a live code cache ----

const USER: &str = "module 0x3::user {
    use 0x2::vault;
    const E_LOW: u64 = 1;
    public entry fun expect_at_least(account: &signer, n: u64) {
        assert!(vault::amount(signer::address_of(account)) >= n, E_LOW);
    }
}
";

fn tx(module: &str, function: &str, args: Vec<Value>) -> Transaction {
    let (address, name) = module.split_once("::").unwrap();
    Transaction {
        sender: AccountAddress::from_u64(0xA),
        module: ModuleId::new(AccountAddress::parse(address).unwrap(), name),
        function: function.into(),
        args,
        gas_limit: 100_000,
        type_args: Vec::new(),
    }
}

/// A world with the vault (V1) and its user published, and 5 in 0xa's vault.
fn world() -> (World, Module) {
    let mut world = World::new();
    let vault = compile_one(V1, &[]);
    world.publish(vault.clone()).unwrap();
    world.publish(compile_one(USER, std::slice::from_ref(&vault))).unwrap();
    assert_eq!(world.execute(&tx("0x2::vault", "open", vec![Value::U64(5)])).status, Status::Success);
    (world, vault)
}

#[test]
fn an_upgrade_keeps_resources_and_dependents_reach_the_new_code() {
    let (mut world, vault) = world();
    let check = tx("0x3::user", "expect_at_least", vec![Value::U64(100)]);
    assert!(matches!(world.execute(&check).status, Status::Aborted { code: 1, .. }));
    let before = world.root();
    // Version 2 counts 100 more, and adds a function.
    let v2 = V1
        .replacen("borrow_global<Vault>(owner).amount\n", "borrow_global<Vault>(owner).amount + 100\n", 1)
        .replacen("fun helper(): u64 { 1 }", "fun helper(): u64 { 1 }\n    public entry fun bump(account: &signer) {\n        let v = borrow_global_mut<Vault>(signer::address_of(account));\n        v.amount = v.amount + 1;\n    }", 1);
    world.upgrade(compile_one(&v2, &[])).unwrap();
    // The code root covers the new code.
    assert_ne!(world.root(), before);
    // The stored vault (5) is read by the new code, through the old caller.
    assert_eq!(world.execute(&check).status, Status::Success);
    assert_eq!(world.execute(&tx("0x2::vault", "bump", vec![])).status, Status::Success);
    let six = world.call(&tx("0x2::vault", "amount", vec![Value::Address(AccountAddress::from_u64(0xA))]));
    assert_eq!(six.returns, vec![Value::U64(106)]);
    // Going back to version 1 would remove `bump`: refused.
    let back = world.upgrade(vault).unwrap_err();
    assert_eq!(back.to_string(), "upgrade of 0x2::vault rejected: public entry function bump was removed");
}

#[test]
fn a_refused_upgrade_changes_nothing() {
    let (mut world, _) = world();
    let before = world.root();
    let bad = compile_one(
        &V1.replacen("{ amount: u64 }", "{ amount: u64, extra: bool }", 1).replacen(
            "Vault { amount }",
            "Vault { amount, extra: true }",
            1,
        ),
        &[],
    );
    let error = world.upgrade(bad).unwrap_err();
    assert!(matches!(error, LoadError::IncompatibleUpgrade { .. }));
    assert_eq!(error.to_string(), "upgrade of 0x2::vault rejected: struct Vault changed its fields");
    assert_eq!(world.root(), before);
    // A plain publish of a published module is still refused as before.
    assert!(matches!(world.publish(compile_one(V1, &[])), Err(LoadError::AlreadyPublished(_))));
}

#[test]
fn narrowing_a_callees_access_set_keeps_its_callers_linked() {
    let (mut world, _) = world();
    let narrow = edited(
        "borrow_global<Vault>(owner).amount\n    }\n\n    public(friend)",
        "owner; 1000\n    }\n\n    public(friend)",
    );
    world.upgrade(narrow).unwrap();
    let check = tx("0x3::user", "expect_at_least", vec![Value::U64(1000)]);
    assert_eq!(world.execute(&check).status, Status::Success);
}
