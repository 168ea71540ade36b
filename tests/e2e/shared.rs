//! Shared objects: keyed entries, counters, the block context and friends
//! through scripts, the schedule's notation, the state file's table of
//! keyed entries, and the shared-object bench workloads.

use redb::{Database, ReadableTable, TableDefinition};

use crate::common::*;

const KEYED_SCRIPT: &str = "tests/e2e/data/keyed.rsx";

#[test]
fn the_keyed_script_output_is_pinned() {
    let out = resin_out(&["run", KEYED_SCRIPT, "--threads", "2"]);
    out.expect_code(0);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    let text = without_timings(&out.stdout);
    // An entry by its anchor and index, alone and under its anchor.
    assert!(text.contains("\n0x2::token::Allowance@0xa11ce[0xb0b] { amount: 30 }\n"), "{text}");
    assert!(text.contains("\n0x2::token::Allowance@0xb0b[0xa11ce]: none\n"), "{text}");
    assert!(
        text.contains(
            "alice @0xa11ce:\n  0x2::token::Balance { value: 80 }\n  0x2::token::Allowance@0xa11ce[0xb0b] { amount: 30 }\n"
        ),
        "{text}"
    );
    // Access sets name the index and the add mode.
    assert!(text.contains("  write 0x2::dao::Ballot[the sender (parameter 0)] at parameter 1\n"), "{text}");
    assert!(text.contains("  add   0x2::dao::Yes at parameter 1\n"), "{text}");
    // Adds to one counter do not depend on each other, until one passes the bound.
    assert!(text.contains("block of 2 txs: 2 lanes, 0 dependencies (0 across lanes)\n  lane 0: [8]\n"), "{text}");
    assert!(text.contains("[11] alice: 0x3::meter::spend(1u8) -> COUNTER OVERFLOW of 0x3::meter::Used at "), "{text}");
    // The block time moved past the deadline: the same close aborts, then succeeds.
    assert!(text.contains("[17] bob: 0x2::dao::close(alice) -> ABORTED with E_OPEN (3) at dao.rsn:"), "{text}");
    assert!(text.contains("[19] bob: 0x2::dao::close(alice) -> success"), "{text}");
    // The height was set to 7 before block [1]; 12 blocks later it is 19;
    // both transactions of block 21 see its time and height.
    assert!(text.contains("next block: time 2000, height 19\n"), "{text}");
    assert!(text.ends_with("next block: time 2000, height 22\n"), "{text}");
    insta::assert_snapshot!("keyed", text);
}

#[test]
fn the_shared_objects_example_runs_every_expectation() {
    let out = resin_out(&["run", "examples/shared_objects.rsx", "--threads", "2"]);
    out.expect_code(0);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    insta::assert_snapshot!("shared_objects", without_timings(&out.stdout));
}

#[test]
fn schedules_name_keyed_entries_in_text_and_dot() {
    let out = resin_out(&["schedule", KEYED_SCRIPT, "--threads", "2"]);
    out.expect_code(0);
    // The transfer_from waits for the approval of its own entry.
    assert_has(&out.stdout, "  #0 -> #1  WAW 0x2::token::Allowance@0xa11ce[0xb0b]\n");
    let dot = resin_out(&["schedule", KEYED_SCRIPT, "--threads", "2", "--dot"]);
    dot.expect_code(0);
    assert_has(&dot.stdout, "t0 -> t1 [label=\"WAW 0x2::token::Allowance@0xa11ce[0xb0b]\", color=red, penwidth=2];");
}

#[test]
fn a_friend_function_is_refused_to_other_modules() {
    let dir = tempfile::tempdir().unwrap();
    let script = write(
        dir.path(),
        "friend.rsx",
        "module 0x3::meter {\n    friend 0x3::admin;\n    struct Used has key { n: u8 }\n\
         public(friend) fun reset(a: address) { borrow_global_mut<Used>(a).n = 0; }\n}\n\
         module 0x3::admin {\n    public entry fun reset(s: &signer) { 0x3::meter::reset(signer::address_of(s)); }\n}\n\
         module 0x4::outsider {\n    public entry fun reset(s: &signer) { 0x3::meter::reset(signer::address_of(s)); }\n}\n",
    );
    let out = resin_path_out(&["run"], &[&script]);
    out.expect_code(1);
    // The friend's module is published; the outsider's is not.
    assert_has(&out.stdout, "published 0x3::admin");
    assert!(!out.stdout.contains("published 0x4::outsider"), "{}", out.stdout);
    assert_has(
        &out.stderr,
        "function `0x3::meter::reset` is `public(friend)`, and `0x4::outsider` is not a friend of `0x3::meter`",
    );
}

#[test]
fn fixed_indexes_are_exact_keys_in_access_sets_and_schedules() {
    let dir = tempfile::tempdir().unwrap();
    let source = "module 0x3::slots {\n    struct Slot has key { v: u64 }\n    const POOL: address = @0x50;\n    const SLOT: u64 = 3;\n\
         public entry fun init(_s: &signer) { move_to(POOL, SLOT, Slot { v: 0 }); move_to(POOL, 7, Slot { v: 0 }); }\n\
         public entry fun bump_slot(_s: &signer) { borrow_global_mut<Slot>(POOL, SLOT).v = 1; }\n\
         public entry fun bump_seven(_s: &signer) { borrow_global_mut<Slot>(POOL, 7).v = 2; }\n}\n";
    let module = write(dir.path(), "slots.rsn", source);
    let out = resin_path_out(&["compile", "--emit", "access"], &[&module]);
    out.expect_code(0);
    assert_has(&out.stdout, "  bump_slot: write Slot@POOL[SLOT]\n");
    assert_has(&out.stdout, "  bump_seven: write Slot@POOL[7u64]\n");
    let script = write(
        dir.path(),
        "slots.rsx",
        "publish slots.rsn\naccount a\naccount b\ncall a slots::init\nexpect success\n\
         block {\n  call a slots::bump_slot\n  call b slots::bump_seven\n}\nexpect success\n\
         expect field @0x50 slots::Slot[3].v == 1\nexpect field @0x50 slots::Slot[7].v == 2\naccess slots::bump_seven\n",
    );
    let out = resin_path_out(&["run", "--threads", "2"], &[&script]);
    out.expect_code(0);
    // Two entries of one type at one address: no dependency, two lanes.
    assert_has(&out.stdout, "block of 2 txs: 2 lanes, 0 dependencies (0 across lanes)\n");
    assert_has(&out.stdout, "  write 0x3::slots::Slot[7u64] at @0x50\n");
}

#[test]
fn struct_built_indexes_are_exact_keys_in_access_sets_and_schedules() {
    let dir = tempfile::tempdir().unwrap();
    let source = "module 0x3::book {\n    struct Order has key { qty: u64 }\n    struct OrderId has copy, drop, store { market: address, id: u64 }\n\
         public entry fun place(s: &signer, id: u64, qty: u64) { let me = signer::address_of(s); move_to(me, OrderId { market: me, id }, Order { qty }); }\n\
         public entry fun bump(s: &signer, id: u64) { let me = signer::address_of(s); let o = borrow_global_mut<Order>(me, OrderId { market: me, id }); o.qty = o.qty + 1; }\n\
         public fun qty(market: address, id: u64): u64 { borrow_global<Order>(market, OrderId { market, id }).qty }\n}\n";
    let module = write(dir.path(), "book.rsn", source);
    let out = resin_path_out(&["compile", "--emit", "access"], &[&module]);
    out.expect_code(0);
    assert_has(&out.stdout, "  place: write Order@s[(s, id)]\n");
    assert_has(&out.stdout, "  qty: read Order@market[(market, id)]\n");
    let script = write(
        dir.path(),
        "book.rsx",
        "publish book.rsn\naccount a\naccount b\n\
         block {\n  call a book::place 1 10\n  call b book::place 1 20\n  call a book::place 2 30\n}\nexpect success\n\
         block {\n  call a book::bump 1\n  call b book::bump 1\n  call a book::bump 1\n  call a book::bump 2\n}\nexpect success\n\
         view book::qty a 1\nview book::qty b 1\nview book::qty a 2\naccess book::bump\n\
         expect field a book::Order[(a, 1)].qty == 12\nexpect missing a book::Order[(a, 3)]\nshow book::Order@b[(b, 1)]\n",
    );
    let out = resin_path_out(&["run", "--threads", "2"], &[&script]);
    out.expect_code(0);
    // Each order is its own key: three places share none, and of the bumps
    // only the two of a's order 1 are ordered.
    assert_has(&out.stdout, "block of 3 txs: 2 lanes, 0 dependencies (0 across lanes)\n");
    assert_has(&out.stdout, "block of 4 txs: 2 lanes, 1 dependency (");
    for value in ["qty(a, 1) -> 12,", "qty(b, 1) -> 21,", "qty(a, 2) -> 31,"] {
        assert!(out.stdout.contains(value), "{value}: {}", out.stdout);
    }
    assert_has(
        &out.stdout,
        "  write 0x3::book::Order[(the sender (parameter 0), parameter 1)] at the sender (parameter 0)\n",
    );
    // A script names an entry by its fields in parentheses.
    let b = out.stdout.lines().find_map(|l| l.strip_prefix("account b = @")).unwrap_or_default().to_string();
    let shown = format!("0x3::book::Order@{b}[({b}, 1)] {{ qty: 21 }}\n");
    assert!(!b.is_empty() && out.stdout.contains(&shown), "{shown}: {}", out.stdout);
    // The plan names the entry by its anchor and the struct's fields.
    let a = out.stdout.lines().find_map(|l| l.strip_prefix("account a = @")).unwrap_or_default().to_string();
    let out = resin_path_out(&["schedule"], &[&script]);
    out.expect_code(0);
    let edge = format!("#0 -> #2  WAW 0x3::book::Order@{a}[({a}, 1)]\n");
    assert!(!a.is_empty() && out.stdout.contains(&edge), "{edge}: {}", out.stdout);
    // A state file keeps the entries' names: a new process shows them.
    let db = dir.path().join("book.redb");
    run_with(resin().arg("run").arg(&script).arg("--state").arg(&db), None).expect_code(0);
    let second = write(dir.path(), "second.rsx", "show a\n");
    let out = run_with(resin().arg("run").arg(&second).arg("--state").arg(&db), None);
    out.expect_code(0);
    let entry = format!("  0x3::book::Order@{a}[({a}, 1)] {{ qty: 12 }}\n");
    assert!(out.stdout.contains(&entry), "{entry}: {}", out.stdout);
}

#[test]
fn script_errors_in_the_new_notation_say_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    for (text, message) in [
        ("show token::Allowance", "expected MODULE::Resource@ACCOUNT[INDEX], found `token::Allowance`"),
        ("show 0x1::coin::Balance@alice[]", "expected an index between `[` and `]`"),
        ("time soon", "expected a block time (seconds) or +SECONDS, found `soon`"),
        ("time 18446744073709551615\ntime +1", "the block time 18446744073709551615 + 1 does not fit in u64"),
        ("height 18446744073709551615", "bad.rsx:1:1: the block height must be below 18446744073709551615"),
        (
            "height 18446744073709551614\nblock {\n}\nheight\nblock {\n}",
            "bad.rsx:5:1: no block height is left: the last one, 18446744073709551614, is taken",
        ),
        ("account a\nshow 0x1::coin::Balance@a[1]", "module 0x1::coin is not published"),
    ] {
        let script = write(dir.path(), "bad.rsx", text);
        let out = resin_path_out(&["run"], &[&script]);
        out.expect_code(1);
        assert!(out.stderr.contains(message), "{text}: {}", out.stderr);
    }
}

#[test]
fn the_last_height_runs_one_block_and_then_only_a_new_height_lets_blocks_run() {
    let dir = tempfile::tempdir().unwrap();
    let text = "height 18446744073709551614\nblock {\n}\nheight\nheight 5\nblock {\n}\nheight\n";
    let script = write(dir.path(), "last.rsx", text);
    let out = resin_path_out(&["run"], &[&script]);
    out.expect_code(0);
    assert_eq!(out.stdout.matches("block of 0 txs").count(), 2, "{}", out.stdout);
    assert!(out.stdout.contains("next block: time 0, no height left\n"), "{}", out.stdout);
    assert!(out.stdout.contains("next block: time 0, height 6\n"), "{}", out.stdout);
}

#[test]
fn keyed_entries_keep_their_names_in_the_state_file_and_a_bad_origin_is_damage() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("chain.redb");
    let mut first = resin();
    first.args(["run", KEYED_SCRIPT, "--threads", "2", "--state"]).arg(&db);
    run_with(&mut first, None).expect_code(0);
    // A new process has derived no address: the file's table names the entries.
    let second = write(
        dir.path(),
        "second.rsx",
        "show alice\nexpect field alice token::Allowance[bob].amount == 30\nexpect missing alice token::Allowance[alice]\n",
    );
    let out = run_with(resin().arg("run").arg(&second).arg("--state").arg(&db), None);
    out.expect_code(0);
    assert!(
        out.stdout.contains("  0x2::token::Allowance@0xa11ce[0xb0b] { amount: 30 }\n"),
        "{}\n{}",
        out.stdout,
        out.stderr
    );
    assert_has(&out.stdout, "  0x2::dao::Ballot@0xa11ce[0xb0b] { yes: false }\n");

    // An origin that does not derive its address is a damaged file.
    {
        let database = Database::open(&db).unwrap();
        let w = database.begin_write().unwrap();
        {
            let table = TableDefinition::<&[u8], &[u8]>::new("resin_keyed");
            let mut t = w.open_table(table).unwrap();
            let rows: Vec<(Vec<u8>, Vec<u8>)> =
                t.iter().unwrap().map(|r| r.unwrap()).map(|(k, v)| (k.value().to_vec(), v.value().to_vec())).collect();
            // Allowance@alice[bob] and Ballot@alice[bob] share an address
            // (the derivation is of anchor and index); Ballot@alice[alice]
            // has its own.
            assert_eq!(rows.len(), 2, "one origin per derived address");
            let (address, mut origin) = rows[0].clone();
            // Another anchor, same index.
            origin[31] ^= 1;
            t.insert(address.as_slice(), origin.as_slice()).unwrap();
        }
        w.commit().unwrap();
    }
    let out = run_with(resin().arg("run").arg(&second).arg("--state").arg(&db), None);
    out.expect_code(1);
    assert_has(&out.stderr, "is damaged: the keyed entry at @");
    assert_has(&out.stderr, "which derives another address");
}

#[test]
fn bench_votes_have_no_dependencies_and_the_executors_agree() {
    let out = resin_out(&[
        "bench",
        "--workload",
        "votes",
        "--txs",
        "2000",
        "--accounts",
        "2000",
        "--blocks",
        "2",
        "--threads",
        "2",
        "--json",
    ]);
    out.expect_code(0);
    let lines: Vec<serde_json::Value> = out.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 1, "{}", out.stdout);
    let votes = &lines[0];
    assert_eq!(votes["workload"], "votes");
    assert_eq!(votes["roots_equal"], true);
    assert_eq!(votes["receipts_equal"], true);
    assert_eq!(votes["succeeded"], 4000, "every voter votes once on its block's proposal");
    // Different voters' ballots are different entries and the tallies are
    // counters: not one dependency in either block.
    assert_eq!(votes["dependencies"], 0, "{votes}");
    for key in ["p50_ms", "seq_p50_ms", "speedup", "plan_share", "allocs_per_tx"] {
        assert!(votes[key].is_number(), "{key}: {votes}");
    }
}

#[test]
fn bench_shared_workloads_run_in_order_and_agree() {
    let out = resin_out(&[
        "bench",
        "--workload",
        "shared",
        "--txs",
        "400",
        "--accounts",
        "400",
        "--blocks",
        "2",
        "--threads",
        "2",
        "--json",
    ]);
    out.expect_code(0);
    let lines: Vec<serde_json::Value> = out.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let names: Vec<&str> = lines.iter().map(|l| l["workload"].as_str().unwrap()).collect();
    assert_eq!(names, ["approvals", "votes", "mints"]);
    for line in &lines {
        assert_eq!(line["roots_equal"], true, "{line}");
        assert_eq!(line["receipts_equal"], true, "{line}");
        assert_eq!(line["succeeded"], 800, "{line}");
    }
    // Each transfer_from depends on its own approval, and on nothing else.
    assert_eq!(lines[0]["dependencies"], 200, "{}", lines[0]);
    assert_eq!(lines[2]["dependencies"], 0, "{}", lines[2]);
    // The text names what each one does.
    let text =
        resin_out(&["bench", "--workload", "mints,approvals", "--txs", "50", "--accounts", "50", "--blocks", "1"]);
    text.expect_code(0);
    assert_has(&text.stdout, "1 blocks of 50 transactions per workload over 50 accounts");
    let approvals = text.stdout.find("approvals: token owners approve distinct spenders").unwrap();
    let mints = text.stdout.find("mints: many minters into one collection").unwrap();
    assert!(approvals < mints, "in the order of the list of workloads: {}", text.stdout);
}

#[test]
fn objects_created_through_another_module_are_exact_keys_in_access_sets_and_schedules() {
    let dir = tempfile::tempdir().unwrap();
    // A module of the user's creates collections through `0x1::nft`: the
    // collection's address is what nft derives from the caller's arguments.
    let source = "module 0x3::launcher {\n    use 0x1::nft;\n\
         public entry fun launch(creator: &signer, seed: vector<u8>) { nft::create_collection(creator, seed, 5); }\n}\n";
    write(dir.path(), "launcher.rsn", source);
    let script = write(
        dir.path(),
        "launch.rsx",
        "publish stdlib nft\npublish launcher.rsn\naccount a\naccount b\n\
         block {\n  call a launcher::launch b\"x\"\n  call b launcher::launch b\"x\"\n  call a launcher::launch b\"y\"\n  call a nft::create_collection b\"x\" 3\n}\n\
         account ax = view nft::collection_address a b\"x\"\nexpect field ax nft::Collection.max == 5\naccess launcher::launch\n",
    );
    let out = resin_path_out(&["run", "--threads", "2"], &[&script]);
    out.expect_code(0);
    // a's and b's "x" and a's "y" are three objects; only a's second "x"
    // (made directly, with another size) is the first one's, and aborts.
    assert_has(&out.stdout, "block of 4 txs: 2 lanes, 1 dependency (");
    assert_has(&out.stdout, "0x1::nft::create_collection(b\"x\", 3) -> ABORTED with E_COLLECTION_EXISTS");
    assert_has(&out.stdout, "  write 0x1::nft::Collection at the object 0x1::nft derives from the sender (parameter 0) and seed parameter 1\n");
    let schedule = resin_path_out(&["schedule"], &[&script]);
    schedule.expect_code(0);
    let a = out.stdout.lines().find_map(|l| l.strip_prefix("account ax = @")).unwrap_or_default().to_string();
    let edge = format!("#0 -> #3  WAW 0x1::nft::Burned@{a}\n");
    assert!(!a.is_empty() && schedule.stdout.contains(&edge), "{edge}: {}", schedule.stdout);
}
