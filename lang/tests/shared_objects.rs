//! The shared-object examples (`examples/token.rsn`, `dao.rsn`, `nft.rsn`,
//! `book.rsn`):
//! keyed storage, counters and the new builtins compile, verify, and get
//! the access sets that let the scheduler run their users side by side.

mod support;

use resin_lang::{compile, SourceFile};
use resin_verifier::verify_module;

fn report(example: &str) -> String {
    let path = support::repo_root().join("examples").join(example);
    let text = support::read_case(&path);
    let sources = [SourceFile::new(example, text)];
    let result = compile(&sources, &[]);
    assert!(result.diagnostics.is_empty(), "{}", result.diagnostics.render(&sources));
    for module in &result.modules {
        verify_module(&module.module).unwrap_or_else(|e| panic!("{example}: verifier rejected: {e}"));
    }
    result.access_report()
}

/// The set of `function` in `report`, as printed.
fn set_of<'a>(report: &'a str, function: &str) -> &'a str {
    let prefix = format!("  {function}: ");
    report
        .lines()
        .find_map(|l| l.strip_prefix(prefix.as_str()))
        .unwrap_or_else(|| panic!("no set for `{function}` in\n{report}"))
}

#[test]
fn token_allowances_are_keyed_by_owner_and_spender_and_mints_only_add_to_the_supply() {
    let report = report("token.rsn");
    // Approvals of different (owner, spender) pairs touch different keys.
    assert_eq!(set_of(&report, "approve"), "write Allowance@owner[spender]");
    assert_eq!(set_of(&report, "allowance"), "read Allowance@owner[spender]");
    // The spender is the signer: the index is the signer's address.
    assert_eq!(
        set_of(&report, "transfer_from"),
        "write Balance@owner, write Balance@to, write Allowance@owner[spender]"
    );
    // A mint adds to the supply and never reads it: mints do not conflict.
    assert_eq!(set_of(&report, "mint"), "write Balance@account, add Supply@ISSUER");
    // Reading the supply is a read, ordered against every add.
    assert_eq!(set_of(&report, "supply"), "read Supply@ISSUER");
}

#[test]
fn dao_ballots_are_entries_per_voter_and_tallies_are_counters() {
    let report = report("dao.rsn");
    assert_eq!(
        set_of(&report, "vote"),
        "read Proposal@proposal, write Ballot@proposal[voter], add Yes@proposal, add No@proposal"
    );
    assert_eq!(set_of(&report, "tally"), "read Yes@proposal, read No@proposal");
}

#[test]
fn nft_tokens_are_entries_of_their_collection() {
    let report = report("nft.rsn");
    assert_eq!(
        set_of(&report, "mint"),
        "read Collection@collection, write Token@collection[id], add Minted@collection"
    );
    assert_eq!(set_of(&report, "transfer"), "write Token@collection[id]");
    assert_eq!(set_of(&report, "owner_of"), "read Token@collection[id]");
}

#[test]
fn book_orders_are_entries_keyed_by_a_struct_of_market_and_id() {
    let report = report("book.rsn");
    // `OrderId { market, id }` is traced to the parameters: one key per order.
    for function in ["place", "fill", "cancel"] {
        assert_eq!(set_of(&report, function), "write Order@market[(market, id)]", "{function}");
    }
    assert_eq!(set_of(&report, "left"), "read Order@market[(market, id)]");
}

#[test]
fn the_older_examples_still_compile() {
    for example in ["counter.rsn", "coin.rsn"] {
        report(example);
    }
}
