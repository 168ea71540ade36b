//! Named addresses in package sources (`module vault::vault`, `@vault`).
//!
//! The language itself knows only numeric addresses, so a package's sources
//! are rewritten before they are compiled: each use of a named address
//! becomes its number. The rewrite works on the compiler's own tokens, so a
//! name inside a comment or a byte string is never touched, and it keeps
//! every token's width where it can (`vault` becomes `0x002`), so the lines
//! and columns of diagnostics stay those of the file, and where every name
//! kept its width they quote the file as written (`SourceFile::rewritten`).
//!
//! A name is an address where the language expects one:
//! - after `module`, `use` or `friend` and before `::` (`use vault::coin`);
//! - first in a three-part path (`vault::coin::transfer`); a two-part path
//!   `coin::transfer` starts with a module, never an address;
//! - after `@` (`@vault`, and in access clauses `write Config@vault`, where a
//!   named address wins over a parameter or constant of the same name),
//!   unless a derived address follows (`@object(..)`, `@amm::object(..)`).

use std::collections::BTreeMap;

use resin_lang::lexer::Token;
use resin_vm::AccountAddress;

/// `text` with every named address of `addresses` replaced by its number.
/// Text that does not lex is left as it is: the compiler reports it.
pub fn substitute(text: &str, addresses: &BTreeMap<String, AccountAddress>) -> String {
    if addresses.is_empty() {
        return text.to_string();
    }
    rewrite(text, |name, width| addresses.get(name).map(|a| number(a, width)))
}

/// Formats `text` with `format` (which parses it, so takes numeric
/// addresses only), keeping the names of named addresses: each name in an
/// address position is replaced by a stand-in address derived from it (64
/// hex digits no real source writes), formatted, and the stand-in put back.
/// The printer writes the stand-in whole, as it writes any address, so it
/// comes back exactly. Columns of `format`'s errors are those of the
/// rewritten text: format `text` itself to report them.
pub fn format_keeping_names<E>(text: &str, format: impl FnOnce(&str) -> Result<String, E>) -> Result<String, E> {
    let mut stand_ins: BTreeMap<String, String> = BTreeMap::new();
    let rewritten = rewrite(text, |name, _| {
        let number = stand_in(name);
        stand_ins.insert(number.clone(), name.to_string());
        Some(number)
    });
    let mut formatted = format(&rewritten)?;
    for (number, name) in &stand_ins {
        formatted = formatted.replace(number.as_str(), name);
    }
    Ok(formatted)
}

/// The stand-in for `name`: the 32 bytes of blake3 over it, the first with
/// its top bit set so the printer writes all 64 digits.
fn stand_in(name: &str) -> String {
    let mut bytes = *blake3::hash(format!("resin-named-address:{name}").as_bytes()).as_bytes();
    bytes[0] |= 0x80;
    format!("0x{}", hex::encode(bytes))
}

/// `text` with each name in an address position (see the module's comment)
/// replaced by `replace(name, width)`, when that gives a replacement.
fn rewrite(text: &str, mut replace: impl FnMut(&str, usize) -> Option<String>) -> String {
    let (tokens, _) = resin_lang::lex(0, text);
    let ident = |i: usize| match tokens.get(i) {
        Some((Token::Ident(name), _)) => Some(*name),
        _ => None,
    };
    let is = |i: usize, want: Token<'_>| tokens.get(i).is_some_and(|(t, _)| *t == want);
    let mut out = String::with_capacity(text.len());
    let mut copied = 0usize;
    for (i, (_, span)) in tokens.iter().enumerate() {
        let Some(name) = ident(i) else { continue };
        let before = i.checked_sub(1);
        // Not `@object(..)` nor `@amm::object(..)`: a derived address in an
        // access clause, whose first name is a function or a module.
        let after_at =
            before.is_some_and(|b| is(b, Token::At)) && !is(i + 1, Token::LParen) && !is(i + 1, Token::ColonColon);
        let in_header = before.is_some_and(|b| is(b, Token::Module) || is(b, Token::Use) || is(b, Token::Friend))
            && is(i + 1, Token::ColonColon);
        let three_part_path = is(i + 1, Token::ColonColon)
            && ident(i + 2).is_some()
            && is(i + 3, Token::ColonColon)
            && ident(i + 4).is_some();
        if !(after_at || in_header || three_part_path) {
            continue;
        }
        let (start, end) = (span.start as usize, span.end as usize);
        let Some(gap) = text.get(copied..start) else { continue };
        let Some(replacement) = replace(name, end - start) else { continue };
        out.push_str(gap);
        out.push_str(&replacement);
        copied = end;
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    out
}

/// `0x` and the address's hex digits, zero-padded to `width` characters
/// where they fit (and to at most 64 digits).
fn number(address: &AccountAddress, width: usize) -> String {
    let short = address.to_string();
    let digits = short.trim_start_matches("0x");
    let padded = width.saturating_sub(2).clamp(digits.len(), 64);
    format!("0x{digits:0>padded$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named() -> BTreeMap<String, AccountAddress> {
        BTreeMap::from([
            ("vault".to_string(), AccountAddress::from_u64(2)),
            ("a".to_string(), AccountAddress::from_u64(0xcafe)),
        ])
    }

    #[test]
    fn names_in_address_positions_become_numbers_of_the_same_width() {
        let src = "module vault::vault {\n  use vault::other;\n  friend vault::f;\n  fun g(): address { @vault }\n  \
                   fun h() { vault::other::x() }\n}";
        let want = "module 0x002::vault {\n  use 0x002::other;\n  friend 0x002::f;\n  fun g(): address { @0x002 }\n  \
                    fun h() { 0x002::other::x() }\n}";
        assert_eq!(substitute(src, &named()), want);
    }

    #[test]
    fn modules_comments_strings_and_other_names_are_left_alone() {
        let src =
            "module 0x2::vault { // vault::vault::x and @vault\n  fun f() { vault::g(); let vault = b\"@vault\"; } }";
        assert_eq!(substitute(src, &named()), src);
    }

    #[test]
    fn derived_addresses_in_access_clauses_keep_their_function_and_module() {
        let src = "module vault::pools {\n  fun f(c: address, s: vector<u8>) acquires read P@object(c, s), \
                   read P@pools::object(c, s), read P@vault::pools::object(c, s), read P@vault {}\n}";
        let want = "module 0x002::pools {\n  fun f(c: address, s: vector<u8>) acquires read P@object(c, s), \
                    read P@pools::object(c, s), read P@0x002::pools::object(c, s), read P@0x002 {}\n}";
        assert_eq!(substitute(src, &named()), want);
    }

    #[test]
    fn a_name_too_short_for_its_number_grows() {
        assert_eq!(substitute("module a::m {}", &named()), "module 0xcafe::m {}");
    }

    /// The formatter the lang crate has: parse, then print the program.
    fn print(text: &str) -> Result<String, String> {
        let files = [resin_lang::SourceFile::new("m.rsn", text)];
        let (program, diags) = resin_lang::parse(&files);
        if diags.has_errors() {
            return Err(diags.render(&files));
        }
        Ok(resin_lang::printer::print_program(&program))
    }

    #[test]
    fn formatting_keeps_named_addresses_as_written() {
        let src = "module vault::vault {\n use util::math;\n public fun f(): address { @vault }\n \
                   public fun g(): u64 { util::math::double(1) }\n}";
        let formatted = format_keeping_names(src, print).unwrap();
        // What the printer makes of the same module with numbers, names aside.
        let numbered = src.replace("vault::vault", "0x2::vault").replace("@vault", "@0x2").replace("util::", "0x3::");
        let expected = print(&numbered)
            .unwrap()
            .replace("0x2::vault", "vault::vault")
            .replace("@0x2", "@vault")
            .replace("0x3::", "util::");
        assert_eq!(formatted, expected);
        assert!(formatted.contains("module vault::vault"), "{formatted}");
        // Formatting is idempotent through the names too.
        assert_eq!(format_keeping_names(&formatted, print).unwrap(), formatted);
    }

    #[test]
    fn the_result_compiles_to_the_numbered_module() {
        let src = "module vault::m { public fun me(): address { @vault } }";
        let files = [resin_lang::SourceFile::new("m.rsn", substitute(src, &named()))];
        let result = resin_lang::compile(&files, &[]);
        assert!(!result.diagnostics.has_errors(), "{}", result.diagnostics.render(&files));
        let id = result.modules[0].module.self_id().unwrap().clone();
        assert_eq!(id.to_string(), "0x2::m");
    }
}
