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
            let key = blake3::derive_key("resin state tree v2: branch at bit", &[split as u8]);
            blake3::hazmat::merge_subtrees_non_root(&naive(&low), &naive(&high), blake3::hazmat::Mode::KeyedHash(&key))
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

/// SplitMix64: paths and leaves for the larger cases.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A path of the `n`th kind: random, or sharing a long prefix with others
/// (so buckets split deep and branches sit near the last bit).
fn crafted(n: u64) -> Hash {
    let mut p = [0u8; 32];
    for (i, chunk) in p.chunks_exact_mut(8).enumerate() {
        chunk.copy_from_slice(&mix(n * 4 + i as u64).to_be_bytes());
    }
    match n % 3 {
        0 => p,
        // The same first 240 bits for every such path: they differ in the
        // last two bytes only (and always, being `n`).
        1 => {
            let mut q = [0x5a; 32];
            q[30..].copy_from_slice(&(n as u16).to_be_bytes());
            q
        }
        // The same first 128 bits.
        _ => {
            p[..16].copy_from_slice(&[0xa5; 16]);
            p
        }
    }
}

fn value(n: u64, round: u64) -> Hash {
    let mut h = [0u8; 32];
    h[..8].copy_from_slice(&mix(n ^ (round << 40)).to_le_bytes());
    h
}

#[test]
fn buckets_split_merge_and_share_without_changing_a_hash() {
    let mut model: std::collections::BTreeMap<Hash, Hash> = Default::default();
    let mut tree = MerkleTree::new();
    // Batches that insert, overwrite and delete across many buckets: the
    // first grows one bucket past its size, later ones overwrite in place
    // (nothing shares the tree) or on a snapshot (everything is shared).
    let batches: [(u64, u64, u64); 7] =
        [(0, 40, 0), (0, 700, 1), (0, 700, 2), (100, 400, 3), (0, 700, 4), (0, 5, 5), (3, 9, 6)];
    for (round, (from, to, seed)) in batches.into_iter().enumerate() {
        let snapshot = (round % 2 == 1).then(|| (tree.clone(), tree.root_hash()));
        let mut updates = Vec::new();
        for n in from..to {
            let path = crafted(n);
            // Round 3 deletes most of what it names; round 6 deletes all but a few.
            let delete = (seed == 3 && n % 4 != 0) || (seed == 6 && n > 4) || (seed == 5 && n == 2);
            let leaf = (!delete).then(|| value(n, seed));
            updates.push(LeafUpdate { path, leaf });
            match leaf {
                Some(l) => model.insert(path, l),
                None => model.remove(&path),
            };
        }
        if seed == 6 {
            // Delete everything else too, in the same batch.
            let rest: Vec<Hash> = model.keys().copied().filter(|p| !(0..5).any(|n| crafted(n) == *p)).collect();
            for p in rest {
                updates.push(LeafUpdate { path: p, leaf: None });
                model.remove(&p);
            }
        }
        tree.update(updates);
        let leaves: Vec<(Hash, Hash)> = model.iter().map(|(p, l)| (*p, *l)).collect();
        assert_eq!(tree.root_hash(), naive(&leaves), "round {round}");
        assert_eq!(tree.leaves(), leaves, "round {round}");
        if let Some((old, root)) = snapshot {
            assert_eq!(old.root_hash(), root, "round {round}: the snapshot kept its root");
        }
        // Every leaf's walk, and an absent path's, folds back to the root.
        for (p, l) in leaves.iter().step_by(7) {
            let walk = tree.walk(p);
            assert_eq!(walk.end, Some((*p, *l)));
            assert_eq!(fold(p, *l, &walk.steps), Some(tree.root_hash()));
        }
        let absent = crafted(10_000 + round as u64);
        let walk = tree.walk(&absent);
        if let Some((end, leaf)) = walk.end {
            assert_ne!(end, absent);
            assert_eq!(fold(&absent, leaf, &walk.steps), Some(tree.root_hash()));
        }
    }
}

#[test]
fn a_big_batch_builds_the_tree_a_leaf_at_a_time_would() {
    let leaves: Vec<(Hash, Hash)> = (0..3000).map(|n| (crafted(n), value(n, 0))).collect();
    let mut sorted = leaves.clone();
    sorted.sort();
    let whole = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap()
        .install(|| MerkleTree::from_leaves(leaves.clone()));
    let mut one_by_one = MerkleTree::new();
    for (p, l) in leaves.iter().take(300) {
        one_by_one.update(vec![LeafUpdate { path: *p, leaf: Some(*l) }]);
    }
    one_by_one.update(leaves[300..].iter().map(|(p, l)| LeafUpdate { path: *p, leaf: Some(*l) }).collect());
    assert_eq!(whole.root_hash(), naive(&sorted));
    assert_eq!(one_by_one.root_hash(), whole.root_hash());
}

/// Rewrites of one or two leaves at a time, on a tree nothing else holds
/// and on one a snapshot shares, between inserts and deletes that change
/// the buckets' shapes: each root is the naive tree's, and each snapshot
/// keeps its own. A bucket re-hashes only the branches above rewritten
/// leaves, from the hashes it stored for the others; a stale one shows here.
#[test]
fn sparse_rewrites_re_hash_only_their_branches_and_match_the_naive_tree() {
    let mut model: std::collections::BTreeMap<Hash, Hash> = Default::default();
    let mut tree = MerkleTree::new();
    let mut round = 0u64;
    let mut apply =
        |tree: &mut MerkleTree, model: &mut std::collections::BTreeMap<Hash, Hash>, updates: Vec<LeafUpdate>| {
            round += 1;
            let snapshot = round.is_multiple_of(3).then(|| (tree.clone(), tree.root_hash()));
            for u in &updates {
                match u.leaf {
                    Some(l) => model.insert(u.path, l),
                    None => model.remove(&u.path),
                };
            }
            tree.update(updates);
            let leaves: Vec<(Hash, Hash)> = model.iter().map(|(p, l)| (*p, *l)).collect();
            assert_eq!(tree.root_hash(), naive(&leaves), "round {round}");
            if let Some((old, root)) = snapshot {
                assert_eq!(old.root_hash(), root, "round {round}: the snapshot kept its root");
            }
        };
    let insert = |from: u64, to: u64, seed: u64| -> Vec<LeafUpdate> {
        (from..to).map(|n| LeafUpdate { path: crafted(n), leaf: Some(value(n, seed)) }).collect()
    };
    apply(&mut tree, &mut model, insert(0, 300, 0));
    for step in 1..120u64 {
        // One leaf, or two far apart, rewritten.
        let n = mix(step) % 300;
        let mut updates = vec![LeafUpdate { path: crafted(n), leaf: Some(value(n, step)) }];
        if step.is_multiple_of(2) {
            let m = (n + 150) % 300;
            updates.push(LeafUpdate { path: crafted(m), leaf: Some(value(m, step + 1000)) });
        }
        apply(&mut tree, &mut model, updates);
        // Now and then the shape changes: buckets split, merge and join.
        if step.is_multiple_of(17) {
            let deletes = (0..300).filter(|k| k % 5 == step % 5).map(|k| LeafUpdate { path: crafted(k), leaf: None });
            apply(&mut tree, &mut model, deletes.collect());
        }
        if step.is_multiple_of(23) {
            apply(&mut tree, &mut model, insert(0, 300, step));
        }
    }
    // Most leaves deleted: small buckets join into one under their branch
    // (which is then that bucket's gap), and rewrites land in them.
    let deletes = (0..300).filter(|k| k % 10 != 0).map(|k| LeafUpdate { path: crafted(k), leaf: None });
    apply(&mut tree, &mut model, deletes.collect());
    for k in (0..300).step_by(10) {
        apply(&mut tree, &mut model, vec![LeafUpdate { path: crafted(k), leaf: Some(value(k, 7777)) }]);
    }
}

proptest::proptest! {
    /// Random batches of inserts, rewrites and deletes over a few hundred
    /// paths (long shared prefixes, so buckets fill, split and join), some
    /// applied on a snapshot: every root is the naive tree's.
    #[test]
    fn random_batches_match_the_naive_tree(
        batches in proptest::collection::vec(
            (proptest::collection::vec((0u64..400, 0u8..4), 1..40), proptest::bool::ANY),
            1..12,
        ),
    ) {
        let mut model: std::collections::BTreeMap<Hash, Hash> = Default::default();
        let mut tree = MerkleTree::new();
        for (round, (ops, shared)) in batches.into_iter().enumerate() {
            let snapshot = shared.then(|| tree.clone());
            let mut updates = Vec::new();
            for (n, op) in ops {
                // One op in four deletes; the others write a value of this round.
                let leaf = (op != 0).then(|| value(n, round as u64 * 4 + u64::from(op)));
                updates.push(LeafUpdate { path: crafted(n), leaf });
                match leaf {
                    Some(l) => model.insert(crafted(n), l),
                    None => model.remove(&crafted(n)),
                };
            }
            tree.update(updates);
            let leaves: Vec<(Hash, Hash)> = model.iter().map(|(p, l)| (*p, *l)).collect();
            proptest::prop_assert_eq!(tree.root_hash(), naive(&leaves));
            drop(snapshot);
        }
    }
}

/// 50,000 updates of 12,000 crafted paths (see [`crafted`]), one in
/// `one_in` of them a delete, picked by `seed`.
fn batch_over_crafted_paths(seed: u64, one_in: u64) -> Vec<LeafUpdate> {
    (0..50_000u64)
        .map(|i| {
            let n = mix(i) % 12_000;
            let leaf = (!mix(i ^ seed).is_multiple_of(one_in)).then(|| value(n, i));
            LeafUpdate { path: crafted(n), leaf }
        })
        .collect()
}

/// What a map fed `updates` in order holds, in path order: the oracle of
/// the sorts.
fn as_a_map_holds_them(updates: &[LeafUpdate]) -> Vec<LeafUpdate> {
    let mut model: std::collections::BTreeMap<Hash, Option<Hash>> = Default::default();
    for u in updates {
        model.insert(u.path, u.leaf);
    }
    model.into_iter().map(|(path, leaf)| LeafUpdate { path, leaf }).collect()
}

/// A large batch, sorted on one thread and split and sorted on two, comes
/// out as a map fed the same updates in order would hold them: in path
/// order, one update per path, the last one given (a delete included). A third of the
/// paths share their first 240 bits, so one part holds most of the batch
/// and its buckets need the whole path to order.
#[test]
fn a_split_batch_sorts_as_a_map_keeps_the_last_update() {
    let updates = batch_over_crafted_paths(0xdead, 5);
    let expected = as_a_map_holds_them(&updates);
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let sorted = pool.install(|| super::sort::sorted_unique(updates.clone()));
        assert_eq!(sorted, expected, "on {threads} thread(s)");
    }
}

/// Batches given in order (a store's shards' leaves) sort as the one batch
/// they make, the last update of a path winning across batches too, on one
/// thread and two; whole (split into parts batch by batch) and cut short
/// (each batch produced on the pool, then sorted as one).
#[test]
fn batches_sort_as_the_batch_they_make() {
    let updates = batch_over_crafted_paths(0xbeef, 4);
    for len in [50_000, 3_000, 100] {
        let updates = &updates[..len];
        let expected = as_a_map_holds_them(updates);
        // Uneven batches, one of them empty.
        let cuts = [0, len / 7, len / 7, len / 3, len / 2 + 1, len];
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let batches: Vec<_> = cuts.windows(2).map(|w| updates[w[0]..w[1]].iter().copied()).collect();
            let sorted = pool.install(|| super::sort::sorted_batches(batches));
            assert_eq!(sorted, expected, "{len} updates on {threads} thread(s)");
        }
    }
}

/// Paths as the store lays them out: the leading 16 bits a type's, the
/// rest random. `types` clumps of the given sizes (a block's writes of a
/// few types: one clump holding most of the batch), then uniform paths,
/// each path written twice or more across the batch.
fn clumped_batch(sizes: &[u64], uniform: u64, seed: u64) -> Vec<LeafUpdate> {
    let mut paths = Vec::new();
    for (t, &size) in (0u64..).zip(sizes) {
        // Two clumps whose types share their leading byte, one that does not.
        let prefix = [0x5a, t as u8 * 0x40 + 7];
        for n in 0..size {
            let mut p = crafted(n * 3 + t * 1_000_003);
            p[..2].copy_from_slice(&prefix);
            paths.push(p);
        }
    }
    paths.extend((0..uniform).map(|n| crafted(n * 3 + 7_000_001)));
    let count = paths.len() as u64;
    (0..count * 2)
        .map(|i| {
            let path = paths[(mix(i ^ seed) % count) as usize];
            let leaf = (!mix(i).is_multiple_of(9)).then(|| value(i, seed));
            LeafUpdate { path, leaf }
        })
        .collect()
}

/// Batches whose paths clump by type sort as a map fed them in order would
/// hold them, on one thread and two, as one batch and as several: a clump
/// larger than a part is split again past its shared bits, a clump in a
/// bucket counted again. The tree they build is the naive one.
#[test]
fn batches_of_clumped_paths_sort_as_a_map_keeps_the_last_update() {
    for (sizes, uniform) in [(&[60_000, 5_000, 100][..], 2_000), (&[40_000][..], 0), (&[300, 200][..], 50)] {
        let updates = clumped_batch(sizes, uniform, 0xc1u64);
        let expected = as_a_map_holds_them(&updates);
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let sorted = pool.install(|| super::sort::sorted_unique(updates.clone()));
            assert_eq!(sorted, expected, "{sizes:?} on {threads} thread(s), one batch");
            let cut = updates.len() / 3;
            let batches = vec![updates[..cut].iter().copied(), updates[cut..].iter().copied()];
            let sorted = pool.install(|| super::sort::sorted_batches(batches));
            assert_eq!(sorted, expected, "{sizes:?} on {threads} thread(s), two batches");
        }
    }
    // Batches whose first updates (the samples the split guesses the
    // batch's leading bits from) are all of one clump, the rest of them not:
    // most of the batch falls below or above the guess.
    let (clump, rest) = (clumped_batch(&[16], 0, 0xc3), clumped_batch(&[20_000], 30_000, 0xc4));
    let mut updates = Vec::new();
    let batches: Vec<Vec<LeafUpdate>> = rest
        .chunks(rest.len() / 16 + 1)
        .zip(&clump)
        .map(|(chunk, first)| std::iter::once(*first).chain(chunk.iter().copied()).collect())
        .collect();
    for b in &batches {
        updates.extend_from_slice(b);
    }
    let expected = as_a_map_holds_them(&updates);
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let sorted = pool.install(|| super::sort::sorted_batches(batches.iter().map(|b| b.iter().copied()).collect()));
        assert_eq!(sorted, expected, "a wrong guess on {threads} thread(s)");
    }

    let updates = clumped_batch(&[3_000, 500], 300, 0xc2);
    let leaves: Vec<(Hash, Hash)> =
        as_a_map_holds_them(&updates).into_iter().filter_map(|u| Some((u.path, u.leaf?))).collect();
    let mut tree = MerkleTree::new();
    tree.update(updates);
    assert_eq!(tree.root_hash(), naive(&leaves));
}

/// The leaves of `trees` together, in path order.
fn leaves_of(trees: &[MerkleTree]) -> Vec<(Hash, Hash)> {
    let mut all: Vec<(Hash, Hash)> = trees.iter().flat_map(MerkleTree::leaves).collect();
    all.sort_unstable();
    all
}

/// A tree taken apart to be freed a piece at a time: one it alone holds
/// opens into subtrees that hold its leaves between them; one whose nodes
/// another tree shares leaves that tree whole when its pieces are dropped.
#[test]
fn a_tree_comes_apart_into_its_subtrees_and_leaves_a_tree_sharing_it_whole() {
    let leaves: Vec<(Hash, Hash)> = (0..5_000u32).map(|n| (path_of(&n.to_le_bytes()), leaf((n % 251) as u8))).collect();
    let tree = || MerkleTree::from_leaves(leaves.clone());
    let expected = tree().leaves();

    let pieces = tree().into_pieces(64);
    assert!(pieces.len() >= 64, "{} pieces", pieces.len());
    assert_eq!(leaves_of(&pieces), expected);

    // A clone shares the root: one piece, whose drop releases it.
    let kept = tree();
    assert_eq!(kept.clone().into_pieces(64).len(), 1);
    // A successor that rewrote some leaves shares the rest.
    let mut next = kept.clone();
    next.update(expected.iter().step_by(7).map(|&(path, _)| LeafUpdate { path, leaf: Some([9; 32]) }).collect());
    let pieces = next.into_pieces(64);
    assert!(pieces.len() >= 64, "{} pieces", pieces.len());
    drop(pieces);
    assert_eq!(kept.leaves(), expected);
    assert_eq!(kept.root_hash(), tree().root_hash());

    assert!(MerkleTree::new().into_pieces(64).is_empty());
    let one_bucket = MerkleTree::from_leaves(leaves[..3].to_vec());
    assert_eq!(leaves_of(&one_bucket.clone().into_pieces(64)), one_bucket.leaves());
}
