//! Parse-stage cases: every `tests/cases/parse/*.rsn` file is a case, snapshotted
//! with its source next to the output (the pretty-printed AST when the file
//! parses, the rendered diagnostics otherwise). The source is shown with CRs,
//! byte-order marks and invisible characters escaped (`\u{d}`).
//!
//! Naming convention, checked here: `err_*` files must be rejected, all others
//! must parse without errors (`warn_*` may have warnings).

mod support;

use resin_lang::{parse, printer, SourceFile};

#[test]
fn parse_cases() {
    insta::glob!("cases/parse/*.rsn", |path| {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = support::read_case(path);
        let sources = [SourceFile::new(name.clone(), text.clone())];
        let (program, diags) = parse(&sources);

        let rejected = name.starts_with("err_");
        assert_eq!(diags.has_errors(), rejected, "{name}: errors expected: {rejected}\n{}", diags.render(&sources));
        if !name.starts_with("warn_") && !rejected {
            assert!(diags.is_empty(), "{name}: unexpected warnings\n{}", diags.render(&sources));
        }

        let mut output = String::new();
        if !rejected {
            output.push_str(&printer::print_program(&program));
        }
        output.push_str(&diags.render(&sources));
        let source = support::visible(&text);
        insta::assert_snapshot!(format!("----- SOURCE\n{source}----- OUTPUT\n{output}"));
    });
}

/// Every valid case prints back to source that parses to the same tree.
#[test]
fn valid_cases_round_trip_through_the_printer() {
    let mut checked = 0;
    for (name, text) in support::cases("parse") {
        if name.starts_with("err_") {
            continue;
        }
        let sources = [SourceFile::new(name.clone(), text)];
        let (program, _) = parse(&sources);
        let printed = printer::print_program(&program);
        let reparsed_sources = [SourceFile::new(name.clone(), printed.clone())];
        let (reparsed, diags) = parse(&reparsed_sources);
        assert!(
            !diags.has_errors(),
            "{name}: printed form does not parse:\n{printed}\n{}",
            diags.render(&reparsed_sources)
        );
        assert_eq!(
            support::erase_spans(&format!("{program:#?}")),
            support::erase_spans(&format!("{reparsed:#?}")),
            "{name}: round trip changed the tree; printed:\n{printed}"
        );
        assert_eq!(printer::print_program(&reparsed), printed, "{name}: printing is not idempotent");
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} valid parse cases found");
}

/// The coin example shipped at the repository root is a valid program.
#[test]
fn coin_example_parses() {
    let text = support::read_case(&support::repo_root().join("examples/coin.rsn"));
    let sources = [SourceFile::new("coin.rsn", text)];
    let (program, diags) = parse(&sources);
    assert!(diags.is_empty(), "{}", diags.render(&sources));
    let coin = &program.modules[0];
    assert_eq!(coin.name.name, "coin");
    assert_eq!(coin.structs.len(), 2);
    assert_eq!(
        coin.functions.iter().map(|f| f.name.name.as_str()).collect::<Vec<_>>(),
        ["register", "withdraw", "deposit", "transfer"]
    );
}
