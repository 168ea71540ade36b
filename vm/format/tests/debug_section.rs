//! The optional debug section after a module's body: it round-trips, leaves
//! a module without it byte for byte as before, and hostile sections are
//! refused with an error, never a panic.

use proptest::prelude::*;

use resin_format::assembler::assemble;
use resin_format::disasm::disassemble;
use resin_format::encoding::debug_section::DEBUG_MAGIC;
use resin_format::encoding::{decode_module, encode_module, encode_module_code, DecodeError};
use resin_format::{DebugInfo, Module, SourceMap, SourcePos};

/// Two functions (3 and 2 instructions) and two constants.
fn module() -> Module {
    assemble(
        "module 0x2::m\nconst A: u64 = 1\nconst B: u64 = 2\n\
         fun f() { ld_const 0\n abort\n ret }\nfun g() { ld_u64 7\n abort }",
    )
    .unwrap()
}

fn pos(line: u32, col: u32) -> SourcePos {
    SourcePos { file: 0, line, col }
}

fn debug() -> DebugInfo {
    DebugInfo {
        files: vec!["src/m.rsn".into()],
        constant_names: vec![(0, "E_A".into())],
        functions: vec![SourceMap(vec![(0, pos(3, 5)), (2, pos(4, 1))]), SourceMap(vec![(0, pos(7, 9))])],
    }
}

#[test]
fn a_module_with_debug_information_round_trips() {
    let mut m = module();
    m.debug = Some(debug());
    let bytes = encode_module(&m);
    assert_eq!(decode_module(&bytes), Ok(m.clone()));
    // The section follows the body, which is what the code hash covers.
    let code = encode_module_code(&m);
    assert_eq!(&bytes[..code.len()], &code[..]);
    assert_eq!(&bytes[code.len()..code.len() + 4], b"RDBG");
}

#[test]
fn without_debug_information_the_bytes_are_those_of_before() {
    let m = module();
    assert_eq!(encode_module(&m), encode_module_code(&m));
    let mut with = m.clone();
    with.debug = Some(debug());
    assert_eq!(encode_module_code(&with), encode_module(&m));
    assert_eq!(with.without_debug(), m);
}

#[test]
fn positions_hold_until_the_next_entry() {
    let d = debug();
    assert_eq!(d.functions[0].position(1), Some(pos(3, 5)));
    assert_eq!(d.functions[0].position(2), Some(pos(4, 1)));
    assert_eq!(d.location(1, 1).as_deref(), Some("src/m.rsn:7:9"));
    assert_eq!(d.location(2, 0), None);
    assert_eq!(d.constant_name(0), Some("E_A"));
    assert_eq!(d.constant_name(1), None);
    assert_eq!(d.constant_index("E_A"), Some(0));
}

/// Encodes `m` with `d`, expecting a debug-section error.
fn refused(d: DebugInfo) -> String {
    let mut m = module();
    m.debug = Some(d);
    match decode_module(&encode_module(&m)) {
        Err(e @ DecodeError::BadDebugInfo { .. }) => e.to_string(),
        other => panic!("expected a debug-section error, got {other:?}"),
    }
}

#[test]
fn a_section_naming_what_the_module_lacks_is_refused() {
    let mut d = debug();
    d.constant_names.push((9, "E_NINE".into()));
    assert!(refused(d).contains("constant 9"));
    let mut d = debug();
    d.functions.push(SourceMap::default());
    assert!(refused(d).contains("source maps for 3 functions"));
    let mut d = debug();
    d.functions[1].0.push((5, pos(1, 1)));
    assert!(refused(d).contains("offset 5, past its code"));
    let mut d = debug();
    d.functions[0].0[1].1.file = 1;
    assert!(refused(d).contains("names file 1"));
    let mut d = debug();
    d.functions[0].0.swap(0, 1);
    assert!(refused(d).contains("out of order"));
}

#[test]
fn bytes_after_the_body_without_the_magic_are_trailing_bytes() {
    let mut bytes = encode_module(&module());
    let end = bytes.len();
    bytes.extend_from_slice(b"junk");
    assert_eq!(decode_module(&bytes), Err(DecodeError::TrailingBytes { offset: end, count: 4 }));
}

#[test]
fn the_disassembly_names_constants_in_comments() {
    let mut m = module();
    m.debug = Some(debug());
    let text = disassemble(&m);
    assert!(text.contains("const C0: u64 = 1  // E_A\n"), "{text}");
    assert!(text.contains("const C1: u64 = 2\n"), "{text}");
    assert!(text.contains("    ld_const C0  // E_A\n"), "{text}");
    // Assembly keeps no debug section: the code comes back.
    assert_eq!(assemble(&text), Ok(module()));
    // A name assembly text could not hold is left out.
    m.debug = Some(DebugInfo { constant_names: vec![(0, "E\u{202e}A".into())], ..debug() });
    assert!(disassemble(&m).contains("const C0: u64 = 1\n"));
}

proptest! {
    /// Any bytes after the magic decode to a checked section or an error.
    #[test]
    fn hostile_sections_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..64)) {
        let mut bytes = encode_module(&module());
        bytes.extend_from_slice(&DEBUG_MAGIC);
        bytes.extend_from_slice(&tail);
        if let Ok(m) = decode_module(&bytes) {
            let d = m.debug.unwrap();
            prop_assert!(d.functions.len() <= 2);
        }
    }

    /// A valid section with any one byte changed decodes or fails cleanly.
    #[test]
    fn mutated_sections_never_panic(at in 0usize..64, byte in any::<u8>()) {
        let mut m = module();
        m.debug = Some(debug());
        let mut bytes = encode_module(&m);
        let start = encode_module_code(&m).len();
        let at = start + at % (bytes.len() - start);
        bytes[at] = byte;
        let _ = decode_module(&bytes);
    }
}
