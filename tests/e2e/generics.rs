//! Generics through the CLI: a generic coin in two currencies, called with
//! type arguments from scripts, planned, shown, checked, proved and kept in
//! the state file.

use redb::{Database, TableDefinition};

use crate::common::*;

/// A generic coin (the shape of `0x1::coin`, over a phantom currency) and two
/// currencies, published inline, with alice and bob holding both.
const SETUP: &str = "\
module 0x7::gcoin {
    struct Coin<phantom T> has store { value: u64 }
    struct Balance<phantom T> has key { coin: Coin<T> }
    public entry fun register<T>(account: &signer) {
        move_to(account, Balance<T> { coin: Coin { value: 0 } });
    }
    public entry fun mint<T>(account: &signer, amount: u64) {
        let b = borrow_global_mut<Balance<T>>(signer::address_of(account));
        b.coin.value = b.coin.value + amount;
    }
    public entry fun transfer<T>(from: &signer, to: address, amount: u64) {
        let b = borrow_global_mut<Balance<T>>(signer::address_of(from));
        assert!(b.coin.value >= amount, 1);
        b.coin.value = b.coin.value - amount;
        let c = borrow_global_mut<Balance<T>>(to);
        c.coin.value = c.coin.value + amount;
    }
    /// Only currencies that can be copied: a constraint to violate.
    public entry fun copyable<T: copy>(_account: &signer) {}
}
module 0x2::usd { struct USD has drop {} }
module 0x3::eur { struct EUR has drop {} }
account alice
account bob
call alice gcoin::register<usd::USD>
call alice gcoin::register<0x3::eur::EUR>
call bob gcoin::register<usd::USD>
call bob gcoin::register<eur::EUR>
call alice gcoin::mint<usd::USD> 100
call alice gcoin::mint<eur::EUR> 200
expect success
";

/// Four transfers between the same two accounts: two in USD, two in EUR.
const MIXED_BLOCK: &str = "\
block {
    call alice gcoin::transfer<usd::USD> bob 10
    call alice gcoin::transfer<eur::EUR> bob 20
    call bob gcoin::transfer<usd::USD> alice 1
    call bob gcoin::transfer<eur::EUR> alice 2
}
expect success
";

#[test]
fn usd_and_eur_transfers_between_the_same_accounts_never_depend_on_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let script = write(dir.path(), "mixed.rsx", &format!("{SETUP}{MIXED_BLOCK}"));
    let out = resin_path_out(&["schedule"], &[&script]);
    out.expect_code(0);
    // Each currency's two transfers depend on each other (same two balances);
    // no USD transfer depends on an EUR one.
    assert_has(&out.stdout, "block: 4 transactions, 2 dependencies (0 across lanes), 2 of 2 lanes used");
    let deps: Vec<&str> =
        out.stdout.lines().filter(|l| l.trim_start().starts_with('#') && l.contains(" -> #")).collect();
    assert!(!deps.is_empty(), "{}", out.stdout);
    for dep in &deps {
        let usd = dep.contains("Balance<0x2::usd::USD>");
        let eur = dep.contains("Balance<0x3::eur::EUR>");
        assert!(usd != eur, "a dependency names exactly one currency: {dep}");
        let pair = if usd { ["#0", "#2"] } else { ["#1", "#3"] };
        assert!(dep.trim_start().starts_with(pair[0]) && dep.contains(pair[1]), "{dep}");
    }
    assert_has(&out.stdout, "0x7::gcoin::transfer<0x3::eur::EUR>");

    let out = resin_path_out(&["run"], &[&script]);
    out.expect_code(0);
    assert_has(&out.stdout, "[7] alice: 0x7::gcoin::transfer<0x2::usd::USD>(bob, 10) -> success");
}

#[test]
fn scripts_show_access_and_check_instantiated_resources() {
    let dir = tempfile::tempdir().unwrap();
    let checks = "\
show alice
access gcoin::transfer
access gcoin::transfer<usd::USD>
expect field alice gcoin::Balance<usd::USD>.coin.value == 90
expect field bob gcoin::Balance<eur::EUR>.coin.value == 18
expect missing alice gcoin::Balance<0x7::gcoin::Coin<usd::USD>>
prove alice gcoin::Balance<eur::EUR>
";
    let script = write(
        dir.path(),
        "show.rsx",
        &format!("{SETUP}{MIXED_BLOCK}call alice gcoin::transfer<usd::USD> bob 1\n{checks}"),
    );
    let out = resin_path_out(&["run"], &[&script]);
    out.expect_code(0);
    let stdout = &out.stdout;
    assert!(
        stdout.contains("  0x7::gcoin::Balance<0x2::usd::USD> { coin: 0x7::gcoin::Coin<0x2::usd::USD> { value: 90 } }\n  0x7::gcoin::Balance<0x3::eur::EUR> { coin: 0x7::gcoin::Coin<0x3::eur::EUR> { value: 182 } }"),
        "{stdout}"
    );
    assert!(
        stdout.contains("generic 0x7::gcoin::transfer<T0>(&signer, address, u64)\n  write 0x7::gcoin::Balance<T0> at"),
        "{stdout}"
    );
    assert!(stdout.contains("entry 0x7::gcoin::transfer<0x2::usd::USD>(&signer, address, u64)\n  write 0x7::gcoin::Balance<0x2::usd::USD> at"), "{stdout}");
    assert!(
        stdout.contains(
            "holds 0x7::gcoin::Balance<0x3::eur::EUR> { coin: 0x7::gcoin::Coin<0x3::eur::EUR> { value: 182 } }"
        ),
        "{stdout}"
    );
}

#[test]
fn bad_type_arguments_are_clear_errors_with_a_location() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("call alice gcoin::transfer bob 1", "4:12: `0x7::gcoin::transfer` takes 1 type argument"),
        ("call alice gcoin::transfer<usd::USD, u64> bob 1", "takes 1 type argument"),
        ("call alice gcoin::transfer<usd::GBP> bob 1", "4:12: 0x2::usd has no struct `GBP`"),
        ("call alice gcoin::transfer<gbp::GBP> bob 1", "no published module is named `gbp`"),
        ("call alice gcoin::copyable<usd::USD>", "requires [copy]"),
        ("call alice gcoin::transfer<&u64> bob 1", "`&u64` is not a type"),
        ("call alice usd::transfer<u8> bob 1", "0x2::usd has no function `transfer`"),
        (
            "expect field alice gcoin::Balance.coin.value == 1",
            "`0x7::gcoin::Balance` takes 1 type argument, 0 given (write Balance<T0>)",
        ),
    ];
    for (line, wanted) in cases {
        // Three lines of setup, then the line under test on line 4.
        let setup = "module 0x7::gcoin { struct Balance<phantom T> has key { v: u64 } public entry fun transfer<T>(_a: &signer, _to: address, _n: u64) {} public entry fun copyable<T: copy>(_a: &signer) {} }\nmodule 0x2::usd { struct USD has drop {} }\naccount alice\n";
        let script = write(dir.path(), "bad.rsx", &format!("{setup}{line}\n"));
        let out = resin_path_out(&["run"], &[&script]);
        out.expect_code(1);
        assert!(out.stderr.contains(wanted), "{line}: {}", out.stderr);
        assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    }
}

#[test]
fn instantiated_types_are_named_after_the_state_file_is_reopened() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("chain.redb");
    let first = write(dir.path(), "first.rsx", &format!("{SETUP}{MIXED_BLOCK}"));
    run_with(resin().arg("run").arg(&first).arg("--state").arg(&db), None).expect_code(0);
    // A new process has never hashed `Balance<USD>`: the file names it.
    let second =
        write(dir.path(), "second.rsx", "show bob\nexpect field bob gcoin::Balance<usd::USD>.coin.value == 9\n");
    let out = run_with(resin().arg("run").arg(&second).arg("--state").arg(&db), None);
    out.expect_code(0);
    assert!(
        out.stdout
            .contains("0x7::gcoin::Balance<0x3::eur::EUR> { coin: 0x7::gcoin::Coin<0x3::eur::EUR> { value: 18 } }"),
        "{}",
        out.stdout
    );

    // A type entry that does not hash to its id is a damaged file, refused by name.
    {
        let database = Database::open(&db).unwrap();
        let w = database.begin_write().unwrap();
        {
            let mut t = w.open_table(TableDefinition::<&[u8], &str>::new("resin_types")).unwrap();
            t.insert(7u64.to_be_bytes().as_slice(), "0x7::gcoin::Balance<0x2::usd::USD>").unwrap();
        }
        w.commit().unwrap();
    }
    let out = run_with(resin().arg("run").arg(&second).arg("--state").arg(&db), None);
    out.expect_code(1);
    assert_has(&out.stderr, "is damaged: type entry `0x7::gcoin::Balance<0x2::usd::USD>` does not hash to its id");
}
