//! `Resin.toml`, the package manifest: parsed by the `toml` crate into typed
//! sections, then checked. Every error names the file, line and column of
//! the value at fault (toml reports byte spans; they are turned into lines
//! here).

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use resin_vm::AccountAddress;
use serde::Deserialize;
use toml::Spanned;

use crate::error::{CliError, CliResult, SourceLoc};

/// The manifest's file name inside a package directory.
pub const MANIFEST: &str = "Resin.toml";

/// A checked manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    pub name: String,
    pub version: String,
    /// `[addresses]`: the named addresses this package declares.
    pub addresses: BTreeMap<String, AccountAddress>,
    /// `[dependencies]`, in the manifest's (sorted) key order.
    pub dependencies: Vec<Dependency>,
}

/// One `[dependencies]` entry: `name = { path = "../x" }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dependency {
    pub name: String,
    /// As written, relative to the package directory.
    pub path: PathBuf,
    /// Where the entry is written, for errors about the dependency itself
    /// (missing, a cycle, a name that does not match).
    pub loc: SourceLoc,
}

// The file as written. Unknown keys are errors, so a misspelt `[adresses]`
// is reported rather than silently ignored.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    package: RawPackage,
    #[serde(default)]
    addresses: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    dependencies: BTreeMap<Spanned<String>, Spanned<RawDependency>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPackage {
    name: Spanned<String>,
    version: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDependency {
    path: String,
}

/// Parses the manifest text read from `file` (shown in errors).
pub fn parse(file: &Path, text: &str) -> CliResult<Manifest> {
    let at = |span: Range<usize>, message: String| CliError::script(location(file, text, span.start), message);
    let raw: RawManifest = toml::from_str(text).map_err(|e| {
        let start = e.span().map(|s| s.start).unwrap_or(0);
        // toml's message may end with a newline; the location is ours.
        CliError::script(location(file, text, start), e.message().trim_end().to_string())
    })?;

    let name = raw.package.name;
    if !is_identifier(name.get_ref()) {
        return Err(at(
            name.span(),
            format!(
                "package name `{}` is not an identifier (letters, digits and `_`, starting with a letter)",
                name.get_ref()
            ),
        ));
    }
    let version = raw.package.version;
    if !is_version(version.get_ref()) {
        return Err(at(
            version.span(),
            format!("version `{}` is not MAJOR.MINOR.PATCH (such as 0.1.0)", version.get_ref()),
        ));
    }

    let mut addresses = BTreeMap::new();
    for (key, value) in raw.addresses {
        if !is_identifier(key.get_ref()) {
            return Err(at(key.span(), format!("address name `{}` is not an identifier", key.get_ref())));
        }
        let address = AccountAddress::parse(value.get_ref()).ok_or_else(|| {
            at(value.span(), format!("`{}` is not an address (`0x` and 1 to 64 hex digits)", value.get_ref()))
        })?;
        addresses.insert(key.into_inner(), address);
    }

    let mut dependencies = Vec::new();
    for (key, value) in raw.dependencies {
        if !is_identifier(key.get_ref()) {
            return Err(at(key.span(), format!("dependency name `{}` is not an identifier", key.get_ref())));
        }
        let loc = location(file, text, key.span().start);
        dependencies.push(Dependency { name: key.into_inner(), path: PathBuf::from(value.into_inner().path), loc });
    }

    Ok(Manifest { name: name.into_inner(), version: version.into_inner(), addresses, dependencies })
}

/// A package, address or dependency name: also a module or file name, so
/// it keeps to what every one of those accepts.
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && s.len() <= 64
}

fn is_version(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 3 && parts.iter().all(|p| !p.is_empty() && p.len() <= 9 && p.bytes().all(|b| b.is_ascii_digit()))
}

/// The 1-based line and column (in characters) of byte `offset` of `text`.
fn location(file: &Path, text: &str, offset: usize) -> SourceLoc {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    SourceLoc {
        file: file.display().to_string(),
        line: u32::try_from(line).unwrap_or(u32::MAX),
        col: u32::try_from(col).unwrap_or(u32::MAX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse(Path::new("Resin.toml"), text).unwrap_err().to_string()
    }

    const GOOD: &str = "[package]\nname = \"vault\"\nversion = \"0.1.0\"\n\n[addresses]\nvault = \"0x2\"\n\n\
                        [dependencies]\nutil = { path = \"../util\" }\n";

    #[test]
    fn a_full_manifest_reads_into_its_parts() {
        let m = parse(Path::new("Resin.toml"), GOOD).unwrap();
        assert_eq!(m.name, "vault");
        assert_eq!(m.version, "0.1.0");
        assert_eq!(m.addresses.get("vault"), Some(&AccountAddress::from_u64(2)));
        assert_eq!(m.dependencies.len(), 1);
        assert_eq!(m.dependencies[0].name, "util");
        assert_eq!(m.dependencies[0].path, PathBuf::from("../util"));
        // `util = ...` is the ninth line of GOOD.
        assert_eq!((m.dependencies[0].loc.line, m.dependencies[0].loc.col), (9, 1));
    }

    #[test]
    fn errors_point_at_the_value_at_fault() {
        let text = GOOD.replace("\"0x2\"", "\"0xZZ\"");
        assert_eq!(err(&text), "Resin.toml:6:9: `0xZZ` is not an address (`0x` and 1 to 64 hex digits)");
        let text = GOOD.replace("\"0.1.0\"", "\"one\"");
        assert_eq!(err(&text), "Resin.toml:3:11: version `one` is not MAJOR.MINOR.PATCH (such as 0.1.0)");
        let text = GOOD.replace("\"vault\"\nversion", "\"my-vault\"\nversion");
        assert!(err(&text).starts_with("Resin.toml:2:8: package name `my-vault` is not an identifier"));
    }

    #[test]
    fn unknown_sections_missing_keys_and_bad_toml_are_errors_with_lines() {
        let text = GOOD.replace("[addresses]", "[adresses]");
        assert!(err(&text).starts_with("Resin.toml:5:"), "{}", err(&text));
        assert!(err(&text).contains("adresses"));
        assert!(err("[package]\nname = \"x\"\n").contains("missing field `version`"));
        assert!(err("[package\n").starts_with("Resin.toml:1:"));
        let text = GOOD.replace("path = ", "git = ");
        assert!(err(&text).starts_with("Resin.toml:9:"), "{}", err(&text));
    }
}
