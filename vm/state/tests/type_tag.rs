//! Type tags: parsing, printing, their limits, and the type ids hashed from
//! them (pinned for a struct that is not generic: state files and roots
//! hold these ids).

use resin_format::file_format::{AccountAddress, ModuleId};
use resin_state::keys::TypeId;
use resin_state::type_tag::{StructTag, TypeTag};

fn coin() -> ModuleId {
    ModuleId::new(AccountAddress::from_u64(1), "coin")
}

#[test]
fn tags_print_as_they_parse() {
    for text in [
        "bool",
        "u8",
        "u64",
        "u128",
        "u16",
        "u32",
        "u256",
        "0x1::pool::Pool<u256, vector<u16>>",
        "address",
        "signer",
        "vector<u8>",
        "vector<vector<0x2::usd::USD>>",
        "0x2::usd::USD",
        "0x1::coin::Coin<0x2::usd::USD>",
        "0x1::pair::Pair<u64, vector<0x1::coin::Coin<0x3::eur::EUR>>>",
    ] {
        let tag = TypeTag::parse(text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(tag.to_string(), text);
        assert_eq!(TypeTag::parse(&tag.to_string()), Ok(tag));
    }
    // Spaces are allowed where they separate nothing; addresses print short.
    let spaced = TypeTag::parse(" 0x0002::usd::USD ").unwrap();
    assert_eq!(spaced.to_string(), "0x2::usd::USD");
    let pair = TypeTag::parse("0x1::pair::Pair< u64 ,bool >").unwrap();
    assert_eq!(pair.to_string(), "0x1::pair::Pair<u64, bool>");
}

#[test]
fn bad_tags_say_what_is_wrong() {
    let error = |text: &str| TypeTag::parse(text).unwrap_err().to_string();
    assert!(error("").contains("expected a type"), "{}", error(""));
    assert!(error("u24").contains("unknown type `u24`"), "{}", error("u24"));
    assert!(error("usd::USD").contains("unknown type `usd`"), "{}", error("usd::USD"));
    assert!(error("0xZZ::usd::USD").contains("is not an address"), "{}", error("0xZZ::usd::USD"));
    assert!(error("0x2::usd").contains("expected `::`"), "{}", error("0x2::usd"));
    assert!(error("vector<u8").contains("expected `>`"), "{}", error("vector<u8"));
    assert!(error("vector<u8>>").contains("unexpected text"), "{}", error("vector<u8>>"));
    assert!(error("0x1::coin::Coin<>").contains("expected a type"), "{}", error("0x1::coin::Coin<>"));
    assert!(error("0x1::9coin::Coin").contains("expected a module name"), "{}", error("0x1::9coin::Coin"));
    let deep = format!("{}u8{}", "vector<".repeat(100), ">".repeat(100));
    assert!(error(&deep).contains("nested more than"), "{}", error(&deep));
    let wide = format!("0x1::m::S<{}>", vec!["u8"; 300].join(", "));
    assert!(error(&wide).contains("more than 256 nodes"), "{}", error(&wide));
}

#[test]
fn type_ids_of_plain_structs_are_pinned() {
    // The id every state file written before generics holds for 0x1::coin::Balance.
    assert_eq!(TypeId::of(&coin(), "Balance"), TypeId(PINNED_BALANCE));
    let plain = StructTag::new(coin(), "Balance", Vec::new());
    assert_eq!(TypeId::of_struct(&plain), TypeId::of(&coin(), "Balance"));
    assert_eq!(plain.canonical(), "0x1::coin::Balance");
}

const PINNED_BALANCE: u64 = 0xd546_5d20_fc2e_26c6;

#[test]
fn instantiations_have_their_own_ids_and_names() {
    let usd = TypeTag::parse("0x2::usd::USD").unwrap();
    let eur = TypeTag::parse("0x3::eur::EUR").unwrap();
    let of = |arg: &TypeTag| TypeId::of_struct(&StructTag::new(coin(), "Balance", vec![arg.clone()]));
    assert_ne!(of(&usd), of(&eur));
    assert_ne!(of(&usd), TypeId::of(&coin(), "Balance"));
    assert_eq!(of(&usd), of(&usd), "stable");
    assert_eq!(of(&usd).instantiation().map(|t| t.to_string()).as_deref(), Some("0x1::coin::Balance<0x2::usd::USD>"));
    assert_eq!(TypeId::of(&coin(), "Balance").instantiation(), None, "plain types are named by the code cache");
}
