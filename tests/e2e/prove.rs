//! `prove`: the printed proof, re-checked here from its text with blake3
//! alone, as someone holding only the state root would.

use resin_state::{ResourceKey, TypeId, Value};
use resin_vm::{AccountAddress, ModuleId};

use crate::common::*;

fn keyed(context: &str, material: &[u8], data: &[u8]) -> [u8; 32] {
    *blake3::keyed_hash(&blake3::derive_key(context, material), data).as_bytes()
}

fn unhex(s: &str) -> [u8; 32] {
    hex::decode(s).unwrap().try_into().unwrap()
}

/// Folds the printed branches (root first) up from `leaf`, turning by the
/// printed key path's bits, into the root they imply.
fn fold(proof: &str, leaf: [u8; 32]) -> [u8; 32] {
    let path = unhex(proof.lines().find_map(|l| l.trim().strip_prefix("key path ")).unwrap());
    let mut steps: Vec<(u8, [u8; 32])> = Vec::new();
    for line in proof.lines().filter_map(|l| l.trim().strip_prefix("branch at bit ")) {
        let (bit, rest) = line.split_once(':').unwrap();
        let sibling = rest.split_whitespace().last().unwrap();
        steps.push((bit.trim().parse().unwrap(), unhex(sibling)));
    }
    let mut hash = leaf;
    for (bit, sibling) in steps.iter().rev() {
        let turn = (path[*bit as usize / 8] >> (7 - bit % 8)) & 1;
        let (left, right) = if turn == 0 { (&hash, sibling) } else { (sibling, &hash) };
        // A branch: blake3's parent-node compression, keyed by its split bit.
        let key = blake3::derive_key("resin state tree v2: branch at bit", &[*bit]);
        hash = blake3::hazmat::merge_subtrees_non_root(left, right, blake3::hazmat::Mode::KeyedHash(&key));
    }
    hash
}

fn balance_key(address: AccountAddress) -> ResourceKey {
    ResourceKey { address, ty: TypeId::of(&ModuleId::new(AccountAddress::from_u64(1), "coin"), "Balance") }
}

fn leaf(key: &ResourceKey, value: &Value) -> [u8; 32] {
    let mut record = key.address.0.to_vec();
    record.extend_from_slice(&key.ty.0.to_le_bytes());
    record.extend_from_slice(&postcard::to_stdvec(value).unwrap());
    keyed("resin state tree v1: leaf", b"", &record)
}

#[test]
fn a_printed_proof_checks_out_against_the_printed_root_by_hand() {
    let script = "publish stdlib coin\ntransfers 40 between 30 accounts\naccount alice\ncall alice coin::register\n\
                  call alice coin::mint 1000\nroot\nprove alice coin::Balance\nprove user3 coin::Balance\n";
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "p.rsx", script);
    let out = resin_path_out(&["run"], &[&path]);
    out.expect_code(0);
    let root_line = out.stdout.lines().find(|l| l.starts_with("state root: resources ")).unwrap();
    let root = unhex(root_line.split_whitespace().nth(3).unwrap());
    let proofs: Vec<&str> = out.stdout.split("proof that ").skip(1).collect();
    assert_eq!(proofs.len(), 2, "{}", out.stdout);
    for proof in &proofs {
        assert!(proof.contains(&format!("verified against the state root {}", hex::encode(root))), "{proof}");
        assert!(proof.matches("branch at bit").count() >= 4, "60-odd leaves are deeper than that: {proof}");
    }
    // alice's proof: her key's path and leaf, recomputed from scratch. A
    // path is the type id's two most significant bytes, then the keyed
    // hash of the key past its first two bytes.
    let alice = out.stdout.lines().find_map(|l| l.strip_prefix("account alice = @")).unwrap();
    let key = balance_key(AccountAddress::parse(alice).unwrap());
    let mut path = keyed("resin state tree v1: key path", b"", &{
        let mut k = key.address.0.to_vec();
        k.extend_from_slice(&key.ty.0.to_le_bytes());
        k
    });
    path[..2].copy_from_slice(&key.ty.0.to_be_bytes()[..2]);
    let path_line = format!("key path {}", hex::encode(path));
    assert!(proofs[0].contains(&path_line), "{}", proofs[0]);
    let value = Value::Struct(vec![Value::Struct(vec![Value::U64(1000)])]);
    assert_eq!(fold(proofs[0], leaf(&key, &value)), root);
    // A different balance would not fold to the root.
    let other = Value::Struct(vec![Value::Struct(vec![Value::U64(1001)])]);
    assert_ne!(fold(proofs[0], leaf(&key, &other)), root);
}

#[test]
fn absence_is_proved_and_unknown_types_are_errors() {
    let script =
        "publish stdlib coin\naccount alice\naccount bob\ncall alice coin::register\nprove bob coin::Balance\n\
                  prove alice coin::Balance\n";
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "a.rsx", script);
    let out = resin_path_out(&["run"], &[&path]);
    out.expect_code(0);
    assert_has(&out.stdout, "holds no 0x1::coin::Balance");
    assert_has(&out.stdout, "so it is absent");
    assert_eq!(out.stdout.matches("verified against the state root").count(), 2, "{}", out.stdout);

    let bad = write(dir.path(), "b.rsx", "publish stdlib coin\naccount alice\nprove alice coin::Nope\n");
    let out = resin_path_out(&["run"], &[&bad]);
    out.expect_code(1);
    assert_has(&out.stderr, "has no struct `Nope`");
}

#[test]
fn the_root_rebuilt_from_a_state_file_is_the_root_it_was_saved_with() {
    // The file holds resources, not the tree: opening it rebuilds the root.
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("s.redb");
    let first = write(dir.path(), "1.rsx", "publish stdlib coin\ntransfers 300 between 120 accounts\nroot\n");
    let second = write(dir.path(), "2.rsx", "root\nprove user7 coin::Balance\n");
    let root_of = |out: &Out| out.stdout.lines().find(|l| l.starts_with("state root: ")).unwrap().to_string();
    let out1 = resin_path_out(&["run", "--state", state.to_str().unwrap()], &[&first]);
    out1.expect_code(0);
    let out2 = resin_path_out(&["run", "--state", state.to_str().unwrap()], &[&second]);
    out2.expect_code(0);
    assert_eq!(root_of(&out1), root_of(&out2));
    assert_has(&out2.stdout, "verified against the state root");
}
