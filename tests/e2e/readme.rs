//! README.md's "Your first package": its commands are run as written, in a
//! fresh folder, and the output it shows is the output they print. When the
//! README gains a command, this test runs it too.

use std::path::{Path, PathBuf};

use crate::common::{repo, resin, run_with, Out};

/// The fenced blocks of `section` (a `## ` heading) of `text`: (info, body).
fn fenced_blocks(text: &str, section: &str) -> Vec<(String, String)> {
    let start = text.find(&format!("\n## {section}\n")).unwrap_or_else(|| panic!("no section `{section}`"));
    let rest = &text[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 3);
    let mut blocks = Vec::new();
    let mut lines = rest[..end].lines();
    while let Some(line) = lines.next() {
        if let Some(info) = line.strip_prefix("```") {
            let body: Vec<&str> = lines.by_ref().take_while(|l| !l.starts_with("```")).collect();
            blocks.push((info.to_string(), body.iter().map(|l| format!("{l}\n")).collect()));
        }
    }
    blocks
}

/// Runs one shell line of the README: `cd DIR` or `resin ARGS` (a trailing
/// `# comment` dropped). Anything else is a command this test cannot run
/// faithfully, so it fails rather than skip it.
fn run_line(line: &str, cwd: &mut PathBuf) -> Option<Out> {
    let command = line.split(" #").next().unwrap_or(line).trim();
    let words: Vec<&str> = command.split_whitespace().collect();
    match words.as_slice() {
        [] => None,
        ["cd", dir] => {
            *cwd = cwd.join(dir);
            None
        }
        ["resin", args @ ..] => {
            let out = run_with(resin().current_dir(&*cwd).args(args), None);
            assert_eq!(out.code, 0, "`{command}` failed:\n{}{}", out.stdout, out.stderr);
            Some(out)
        }
        _ => panic!("the README's first package runs `{command}`, which this test does not know how to run"),
    }
}

#[test]
fn the_readme_first_package_commands_run_and_print_what_it_shows() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let blocks = fenced_blocks(&readme, "Your first package");
    let (_, commands) = blocks.iter().find(|(info, _)| info == "sh").expect("a ```sh block of commands");
    let (_, shown) = blocks.iter().find(|(info, _)| info == "text").expect("a ```text block of output");

    let tmp = tempfile::tempdir().unwrap();
    let mut cwd = tmp.path().to_path_buf();
    let mut demo = None;
    for line in commands.lines() {
        let out = run_line(line, &mut cwd);
        if line.starts_with("resin run scripts/demo.rsx") {
            demo = out;
        }
    }
    let demo = demo.expect("the README runs `resin run scripts/demo.rsx`");
    assert_eq!(&demo.stdout, shown, "README.md shows other output than the demo script prints");
    assert!(Path::new(&cwd).join("build/hello.rbc").is_file());
}
