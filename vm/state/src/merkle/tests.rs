//! The tree on crafted paths (long shared prefixes, splits at the last bit)
//! against a naive recursive definition.

use super::*;

fn bit_of(path: &Hash, i: usize) -> u8 {
    (path[i / 8] >> (7 - i % 8)) & 1
}

fn naive(leaves: &[(Hash, Hash)]) -> Hash {
    match leaves {
        [] => *blake3::keyed_hash(&blake3::derive_key("resin state tree v1: empty tree", b""), b"").as_bytes(),
        [(_, leaf)] => *leaf,
        [(first, _), ..] => {
            let split = (0..256).find(|&i| leaves.iter().any(|(p, _)| bit_of(p, i) != bit_of(first, i))).unwrap();
            let (low, high): (Vec<_>, Vec<_>) = leaves.iter().partition(|(p, _)| bit_of(p, split) == 0);
            let key = blake3::derive_key("resin state tree v1: branch at bit", &[split as u8]);
            let mut block = naive(&low).to_vec();
            block.extend_from_slice(&naive(&high));
            *blake3::keyed_hash(&key, &block).as_bytes()
        }
    }
}

/// A path that is `base` with bit `i` flipped for every `i` in `flips`.
fn path(base: u8, flips: &[usize]) -> Hash {
    let mut p = [base; 32];
    for &i in flips {
        p[i / 8] ^= 1 << (7 - i % 8);
    }
    p
}

fn leaf(n: u8) -> Hash {
    [n.wrapping_mul(37).wrapping_add(1); 32]
}

#[test]
fn the_empty_root_is_keyed_blake3_of_nothing() {
    assert_eq!(MerkleTree::new().root_hash(), naive(&[]));
}

#[test]
fn crafted_paths_match_the_naive_tree_through_inserts_and_deletes() {
    let paths = [
        path(0, &[]),
        path(0, &[255]),
        path(0, &[254]),
        path(0, &[254, 255]),
        path(0, &[0]),
        path(0, &[128]),
        path(0, &[128, 200]),
        path(0xff, &[]),
        path(0xff, &[63]),
        path(0xff, &[64]),
        path(0x55, &[3, 9]),
    ];
    let mut model: Vec<(Hash, Hash)> = Vec::new();
    let mut tree = MerkleTree::new();
    // Insert one at a time, checking the shape after each.
    for (i, p) in paths.iter().enumerate() {
        let snapshot = tree.clone();
        let before = tree.root_hash();
        tree.update(vec![LeafUpdate { path: *p, leaf: Some(leaf(i as u8)) }]);
        model.push((*p, leaf(i as u8)));
        model.sort();
        assert_eq!(tree.root_hash(), naive(&model), "after inserting #{i}");
        assert_eq!(snapshot.root_hash(), before, "a clone is untouched");
        assert_eq!(tree.leaves(), model);
    }
    // The same set built in one batch, in another order.
    let mut reversed: Vec<(Hash, Hash)> = model.clone();
    reversed.reverse();
    assert_eq!(MerkleTree::from_leaves(reversed).root_hash(), tree.root_hash());
    // Delete every other one, plus a path that is not there, in one batch.
    let mut deletes: Vec<LeafUpdate> = paths.iter().step_by(2).map(|p| LeafUpdate { path: *p, leaf: None }).collect();
    deletes.push(LeafUpdate { path: path(0x11, &[]), leaf: None });
    tree.update(deletes);
    model.retain(|(p, _)| !paths.iter().step_by(2).any(|q| q == p));
    assert_eq!(tree.root_hash(), naive(&model));
    // Change one and delete the rest.
    let keep = model[0].0;
    let mut last: Vec<LeafUpdate> = model.iter().map(|(p, _)| LeafUpdate { path: *p, leaf: None }).collect();
    last.push(LeafUpdate { path: keep, leaf: Some(leaf(99)) });
    tree.update(last);
    assert_eq!(tree.root_hash(), leaf(99), "one leaf is the root");
    tree.update(vec![LeafUpdate { path: keep, leaf: None }]);
    assert!(tree.is_empty());
    assert_eq!(tree.root_hash(), naive(&[]));
}

#[test]
fn walks_end_at_the_leaf_of_a_present_path_and_fold_back_to_the_root() {
    let leaves: Vec<(Hash, Hash)> = (0..200u8).map(|n| (*blake3::hash(&[n]).as_bytes(), leaf(n))).collect();
    let tree = MerkleTree::from_leaves(leaves.clone());
    for (p, l) in &leaves {
        let walk = tree.walk(p);
        assert_eq!(walk.end, Some((*p, *l)));
        assert_eq!(fold(p, *l, &walk.steps), Some(tree.root_hash()));
    }
    let absent = *blake3::hash(b"absent").as_bytes();
    let walk = tree.walk(&absent);
    let (end_path, end_leaf) = walk.end.unwrap();
    assert_ne!(end_path, absent);
    assert_eq!(fold(&absent, end_leaf, &walk.steps), Some(tree.root_hash()));
    let mut unordered = walk.steps.clone();
    unordered.swap(0, 1);
    assert_eq!(fold(&absent, end_leaf, &unordered), None);
}
