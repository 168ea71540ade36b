//! Views (`view` in scripts and the REPL, `resin view --state`) and
//! `resin run --json`.

use crate::common::{assert_has, resin, resin_out, run_with, write};

/// A module whose public functions return every shape of value; `bump`
/// writes storage, which a view must not commit.
const SHOP: &str = r#"module 0x2::shop {
    struct Counter has key { value: u64 }
    struct Item has copy, drop { price: u64, tag: vector<u8> }

    public entry fun open(s: &signer, start: u64) { move_to(s, Counter { value: start }) }
    public fun count(owner: address): u64 { borrow_global<Counter>(owner).value }
    public fun bump(owner: address): u64 {
        let c = borrow_global_mut<Counter>(owner);
        c.value = c.value + 1;
        c.value
    }
    public fun both(owner: address): (u64, bool) { (count(owner), exists<Counter>(owner)) }
    public fun item(owner: address): Item { Item { price: count(owner), tag: b"hat" } }
    public fun prices(owner: address): vector<u64> { vector[count(owner), count(owner) * 2] }
    public fun pick<T: drop>(a: T, b: T, first: bool): T { if (first) a else b }
    public fun me(s: &signer): address { signer::address_of(s) }
    public fun boom(): u64 { abort 9 }
    fun hidden(): u64 { 1 }
}
"#;

const VIEWS: &str = "account alice
call alice shop::open 3
view shop::count alice
view shop::bump alice
view shop::bump alice
expect field alice shop::Counter.value == 3
view shop::both alice
view shop::item alice
view shop::prices alice
view 0x2::shop::pick<u8> 1u8 2u8 false
view shop::pick<vector<u64>> [1, 2] [3] true
";

#[test]
fn views_return_values_and_commit_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let script = write(dir.path(), "views.rsx", &format!("{SHOP}{VIEWS}"));
    let out = resin_out(&["run", script.to_str().unwrap()]);
    out.expect_code(0);
    // `bump` returned 4 twice and the counter stayed at 3 (the `expect`).
    insta::assert_snapshot!("views", out.stdout);
}

#[test]
fn what_cannot_be_viewed_is_an_error_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut report = String::new();
    for (i, view) in [
        "view shop::hidden",
        "view shop::me",
        "view shop::boom",
        "view shop::count",
        "view shop::count 5",
        "view shop::open alice 1",
        "view shop::nothing",
    ]
    .iter()
    .enumerate()
    {
        let name = format!("bad{i}.rsx");
        write(dir.path(), &name, &format!("{SHOP}account alice\n{view}\n"));
        let out = run_with(resin().current_dir(dir.path()).args(["run", &name]), None);
        out.expect_code(1);
        report.push_str(&format!("{view}\n  {}", out.stderr));
    }
    insta::assert_snapshot!("view_errors", report);
}

#[test]
fn the_repl_views_and_goes_on_after_a_failed_one() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "shop.rsn", SHOP);
    let input = "publish shop.rsn\naccount alice\ncall alice shop::open 7\nview shop::boom\nview shop::both alice\n";
    let out = run_with(resin().current_dir(dir.path()).arg("repl"), Some(input));
    out.expect_code(0);
    assert_has(&out.stdout, "0x2::shop::both(alice) -> (7, true), gas ");
    assert_has(&out.stderr, "view 0x2::shop::boom() failed: ABORTED with code 9");
}

#[test]
fn resin_view_reads_a_state_file_and_never_writes_it() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    let script = write(dir.path(), "setup.rsx", &format!("{SHOP}account alice\ncall alice shop::open 41\n"));
    resin_out(&["run", script.to_str().unwrap(), "--state", state.to_str().unwrap()]).expect_code(0);
    let before = std::fs::read(&state).unwrap();

    let view = |args: &[&str]| {
        let mut all = vec!["view", "--state", state.to_str().unwrap()];
        all.extend_from_slice(args);
        resin_out(&all)
    };
    let out = view(&["shop::bump", "alice"]);
    out.expect_code(0);
    assert!(out.stdout.starts_with("0x2::shop::bump(alice) -> 42, gas "), "{}", out.stdout);
    let out = view(&["--json", "shop::item", "alice"]);
    out.expect_code(0);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["type"], "view");
    assert_eq!(json["returns"][0], "0x2::shop::Item { price: 41, tag: b\"hat\" }");
    assert_eq!(json["return_types"][0], "0x2::shop::Item");
    assert_eq!(std::fs::read(&state).unwrap(), before, "a view changed the state file");

    let out = view(&["shop::count", "alice;", "account", "eve"]);
    out.expect_code(1);
    assert_eq!(out.stderr, "error: the arguments of `resin view` must make one view: no `;` or line breaks\n");
    let out = resin_out(&["view", "--state", dir.path().join("missing.db").to_str().unwrap(), "shop::count", "alice"]);
    out.expect_code(1);
    assert!(!dir.path().join("missing.db").exists(), "resin view created a state file");
}

#[test]
fn run_json_prints_one_object_per_receipt_and_block() {
    let dir = tempfile::tempdir().unwrap();
    let script = format!(
        "{SHOP}account alice\naccount bob\ncall alice shop::open 1\ncall alice shop::open 1\n\
         block {{\n  call bob shop::open 5\n  call alice shop::open 2\n}}\nview shop::count bob\nshow alice\n\
         publish stdlib coin\ncall alice coin::register\ncall alice coin::mint 100\ncall alice coin::transfer bob 5000\n"
    );
    let script = write(dir.path(), "json.rsx", &script);
    let out = resin_out(&["run", "--json", "--threads", "2", script.to_str().unwrap()]);
    out.expect_code(0);
    // Every line is one JSON object of a known type, and each receipt's
    // status agrees with what the script did: alice's second open aborts
    // (her counter exists), bob's first succeeds.
    let objects: Vec<serde_json::Value> = out.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let types: Vec<&str> = objects.iter().map(|o| o["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["receipt", "receipt", "receipt", "receipt", "block", "view", "receipt", "receipt", "receipt"]);
    let statuses: Vec<&str> = objects[..4].iter().map(|o| o["status"].as_str().unwrap()).collect();
    assert_eq!(statuses[0], "success");
    assert_ne!(statuses[1], "success");
    assert_eq!(statuses[2..], ["success", statuses[1]]);
    assert_eq!(objects[4]["txs"], 2);
    assert_eq!(objects[4]["succeeded"], 1);
    assert_eq!(objects[5]["returns"][0], "5");
    // The mint's event, and the transfer of more than alice has: coin's
    // abort 1, where it happened.
    assert_eq!(objects[7]["events"][0]["type"], "0x1::coin::Minted");
    assert_eq!(objects[8]["status"], "abort 1");
    assert_eq!(objects[8]["abort_code"], 1);
    assert_eq!(objects[8]["location"]["module"], "0x1::coin");
    insta::assert_snapshot!("run_json", out.stdout);
}

/// `expect view`: a script asserts what views return.
#[test]
fn expectations_compare_what_views_return() {
    let dir = tempfile::tempdir().unwrap();
    let good = "account alice\ncall alice shop::open 3\nexpect view shop::count alice == 3\n\
                expect view shop::both alice == 3, true\nexpect view shop::prices alice == [3, 6]\n\
                expect view shop::pick<address> alice @0x1 true == alice\n\
                expect view shop::pick<vector<u8>> b\"a\" x\"62\" false == b\"b\"\n\
                expect view shop::bump alice == 4\nexpect view shop::bump alice == 4\n";
    write(dir.path(), "good.rsx", &format!("{SHOP}{good}"));
    let out = run_with(resin().current_dir(dir.path()).args(["run", "good.rsx"]), None);
    out.expect_code(0);
    // Expectations print nothing of their own.
    assert!(!out.stdout.contains("shop::count"), "{}", out.stdout);

    let opened = "account alice\ncall alice shop::open 3\n";
    for (line, error) in [
        ("expect view shop::count alice == 4", "expected 0x2::shop::count(alice) == 4, found 3"),
        ("expect view shop::both alice == 3, false", "expected 0x2::shop::both(alice) == 3, false, found 3, true"),
        ("expect view shop::both alice == 3", "0x2::shop::both(alice) returns 2 values, and the expectation lists 1"),
        ("expect view shop::prices alice == [3]", "found [3, 6]"),
        ("expect view shop::item alice == 3", "return value 1 of 0x2::shop::item(alice) is a `0x2::shop::Item`"),
        ("expect view shop::count alice == true", "expected a `u64` argument, found"),
        ("expect view shop::boom == 1", "view 0x2::shop::boom() failed: ABORTED with code 9"),
    ] {
        fails_after(dir.path(), &format!("{SHOP}{opened}"), line, error);
    }
}

/// Runs `before` and then `line` as a script in `dir`: it must stop at
/// `line` with `error`.
fn fails_after(dir: &std::path::Path, before: &str, line: &str, error: &str) {
    write(dir, "bad.rsx", &format!("{before}{line}\n"));
    let out = run_with(resin().current_dir(dir).args(["run", "bad.rsx"]), None);
    out.expect_code(1);
    let at = format!("bad.rsx:{}:", before.lines().count() + 1);
    assert!(out.stderr.contains(&at), "{line}: {}", out.stderr);
    assert!(out.stderr.contains(error), "{line}: {}", out.stderr);
}

/// `account NAME = view ...`: a name for the address a view returns.
#[test]
fn accounts_are_bound_to_the_address_a_view_returns() {
    let dir = tempfile::tempdir().unwrap();
    let place = "module 0x2::place {
    public fun spot(owner: address, seed: vector<u8>): address { object::address(owner, seed) }
    public fun two(a: address): (address, address) { (a, a) }
    public fun number(): u64 { 7 }
    public fun boom(): address { abort 3 }
}
account alice
";
    let good = format!(
        "{place}account home = view place::spot alice b\"home\"\nview place::spot alice b\"home\"\n\
         account home = view 0x2::place::spot alice b\"home\"\naccount again = view place::spot home b\"x\"\naccounts\n"
    );
    write(dir.path(), "good.rsx", &good);
    let out = run_with(resin().current_dir(dir.path()).args(["run", "good.rsx"]), None);
    out.expect_code(0);
    // The name is bound to the very address the view prints, and binding
    // it again to the same address is no error.
    let viewed = out.stdout.lines().find_map(|l| l.strip_prefix("0x2::place::spot(alice, b\"home\") -> ")).unwrap();
    let address = viewed.split(',').next().unwrap();
    assert_eq!(out.stdout.matches(&format!("account home = {address}\n")).count(), 2, "{}", out.stdout);
    assert!(out.stdout.contains(&format!("home = {address}\n")), "{}", out.stdout);
    // A bound name is an argument of the next view like any account.
    assert_has(&out.stdout, "account again = @0x");

    for (line, error) in [
        (
            "account x = view place::two alice",
            "0x2::place::two(alice) returns (address, address), not one address to name",
        ),
        ("account x = view place::number", "0x2::place::number() returns a `u64`, not one address to name"),
        ("account x = view place::boom", "view 0x2::place::boom() failed: ABORTED with code 3"),
        ("account alice = view place::spot alice b\"home\"", "account `alice` is already @"),
        ("account x = view place::spot alice", "`0x2::place::spot` takes 2 arguments (address, vector<u8>), 1 given"),
    ] {
        fails_after(dir.path(), place, line, error);
    }
}
