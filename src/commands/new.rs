//! `resin new NAME`: scaffolds a package from the templates in
//! `src/package/templates/`, with NAME in place of `NAME`.

use std::io::Write;
use std::path::Path;

use crate::cli::NewArgs;
use crate::error::{CliError, CliResult};
use crate::output::stdout_error;
use crate::package::manifest::is_identifier;

/// Each file of a new package: its path inside the package, and its text.
const FILES: [(&str, &str); 5] = [
    ("Resin.toml", include_str!("../package/templates/Resin.toml")),
    // (Named without its dot in the templates so it ignores nothing there.)
    (".gitignore", include_str!("../package/templates/gitignore")),
    ("sources/NAME.rsn", include_str!("../package/templates/module.rsn")),
    ("tests/NAME_tests.rsn", include_str!("../package/templates/test.rsn")),
    ("scripts/demo.rsx", include_str!("../package/templates/demo.rsx")),
];

pub fn new(args: &NewArgs) -> CliResult<()> {
    let name = &args.name;
    check_name(name)?;
    let dir = crate::package::join(&args.path, Path::new(name));
    // `create_dir` (not `create_dir_all`) fails on anything already there,
    // so a package is never written over an existing file or folder.
    std::fs::create_dir(&dir).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            CliError::Other(format!("{} already exists: `resin new` never writes over anything", dir.display()))
        } else {
            CliError::io(&dir, e)
        }
    })?;
    for (path, text) in FILES {
        write(&dir.join(path.replace("NAME", name)), &text.replace("NAME", name))?;
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "created package `{name}` in {}", dir.display()).map_err(stdout_error)?;
    for (path, _) in FILES {
        writeln!(out, "  {}", path.replace("NAME", name)).map_err(stdout_error)?;
    }
    Ok(())
}

/// A package name is its module's name and its named address too, so it
/// must be a plain identifier the language accepts in both places.
fn check_name(name: &str) -> CliResult<()> {
    let bad = |why: &str| Err(CliError::Other(format!("`{name}` cannot name a package: {why}")));
    if !is_identifier(name) {
        return bad("use letters, digits and `_`, starting with a letter (at most 64)");
    }
    let (tokens, _) = resin_lang::lex(0, name);
    if !matches!(tokens.as_slice(), [(resin_lang::lexer::Token::Ident(_), _)]) {
        return bad("it is a keyword of the language");
    }
    if name == "signer" || name == "vector" {
        return bad("the compiler's builtin modules own that name");
    }
    Ok(())
}

fn write(path: &Path, text: &str) -> CliResult<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| CliError::io(parent, e))?;
    }
    std::fs::write(path, text).map_err(|e| CliError::io(path, e))
}
