//! The state root against an independent, from-scratch definition: a naive
//! recursive Patricia tree over the sorted leaves, hashed with blake3's own
//! API. Nothing here calls the tree code except through `ResourceStore`.

use std::collections::BTreeMap;

use resin_format::file_format::AccountAddress;
use resin_state::{verify_proof, ProofEnd, ProofError, ResourceKey, ResourceStore, TypeId, Value};

fn key(n: u64, ty: u64) -> ResourceKey {
    ResourceKey { address: AccountAddress::from_u64(n), ty: TypeId(ty) }
}

fn key_bytes(key: &ResourceKey) -> Vec<u8> {
    let mut out = key.address.0.to_vec();
    out.extend_from_slice(&key.ty.0.to_le_bytes());
    out
}

fn keyed(context: &str, material: &[u8], data: &[u8]) -> [u8; 32] {
    *blake3::keyed_hash(&blake3::derive_key(context, material), data).as_bytes()
}

fn bit_of(path: &[u8; 32], i: usize) -> u8 {
    (path[i / 8] >> (7 - i % 8)) & 1
}

/// The root of `leaves` (path, leaf hash), defined recursively: one leaf is
/// itself; more split at the first bit where they differ.
fn naive(leaves: &[([u8; 32], [u8; 32])]) -> [u8; 32] {
    match leaves {
        [] => keyed("resin state tree v1: empty tree", b"", b""),
        [(_, leaf)] => *leaf,
        [(first, _), ..] => {
            let split = (0..256).find(|&i| leaves.iter().any(|(p, _)| bit_of(p, i) != bit_of(first, i))).unwrap();
            let (low, high): (Vec<_>, Vec<_>) = leaves.iter().partition(|(p, _)| bit_of(p, split) == 0);
            // blake3's parent-node compression of `left ‖ right`, keyed by the split.
            let key = blake3::derive_key("resin state tree v2: branch at bit", &[split as u8]);
            blake3::hazmat::merge_subtrees_non_root(&naive(&low), &naive(&high), blake3::hazmat::Mode::KeyedHash(&key))
        }
    }
}

fn from_scratch(state: &BTreeMap<ResourceKey, Value>) -> [u8; 32] {
    let mut leaves: Vec<([u8; 32], [u8; 32])> = state
        .iter()
        .map(|(k, v)| {
            // The type id's two most significant bytes, then the keyed
            // hash of the key past its first two bytes.
            let mut path = keyed("resin state tree v1: key path", b"", &key_bytes(k));
            path[..2].copy_from_slice(&k.ty.0.to_be_bytes()[..2]);
            let mut record = key_bytes(k);
            record.extend_from_slice(&postcard::to_stdvec(v).unwrap());
            (path, keyed("resin state tree v1: leaf", b"", &record))
        })
        .collect();
    leaves.sort();
    naive(&leaves)
}

/// SplitMix64, so the test needs no generator crate.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn value(rng: &mut Rng) -> Value {
    match rng.below(5) {
        0 => Value::U64(rng.next()),
        1 => Value::Struct(vec![Value::U64(rng.below(1000)), Value::Bool(rng.below(2) == 0)]),
        2 => Value::Vector(vec![Value::U8(rng.below(256) as u8); rng.below(100) as usize]),
        // A token: a struct holding a byte vector, whose bytes the commit
        // asks for ahead of its leaf.
        3 => Value::Struct(vec![
            Value::Address(AccountAddress::from_u64(rng.next())),
            Value::Vector(vec![Value::U8(rng.below(256) as u8); rng.below(40) as usize]),
            Value::U64(rng.next()),
        ]),
        _ => Value::Struct(vec![Value::Address(AccountAddress::from_u64(rng.next())), Value::U128(rng.next().into())]),
    }
}

#[test]
fn the_incremental_root_equals_a_from_scratch_recomputation_after_random_blocks() {
    let pool = |n| rayon::ThreadPoolBuilder::new().num_threads(n).build().unwrap();
    let mut rng = Rng(7);
    let mut store = ResourceStore::new();
    let mut one_at_a_time = ResourceStore::new();
    let mut model: BTreeMap<ResourceKey, Value> = BTreeMap::new();
    assert_eq!(store.root(), from_scratch(&model), "the empty state");
    // Blocks of every size: single writes, small batches, and batches big
    // enough to merge in parallel.
    for (round, size) in [1usize, 2, 3, 10, 300, 3000, 1, 5000, 40, 2500].into_iter().enumerate() {
        let mut writes = Vec::new();
        for _ in 0..size {
            let k = key(rng.below(4000), rng.below(3));
            let v = if rng.below(4) == 0 { None } else { Some(value(&mut rng)) };
            writes.push((k, v));
        }
        // A key written twice in one batch keeps its last write.
        if let Some(first) = writes.first().cloned() {
            writes.push((first.0, Some(Value::U64(round as u64))));
        }
        for (k, v) in &writes {
            match v {
                Some(v) => model.insert(*k, v.clone()),
                None => model.remove(k),
            };
            one_at_a_time.apply_owned(*k, v.clone());
        }
        let batch = writes.into_iter().map(|(k, v)| (k, v.map(resin_state::Shared::new))).collect();
        pool(1 + round % 3).install(|| store.apply_batch(batch));
        let expected = from_scratch(&model);
        assert_eq!(store.root(), expected, "round {round}");
        assert_eq!(one_at_a_time.root(), expected, "round {round}, one write at a time");
        assert_eq!(store.len(), model.len());
    }
    let rebuilt = ResourceStore::from_entries(model.iter().map(|(k, v)| (*k, v.clone())).collect());
    assert_eq!(rebuilt.root(), store.root());
}

#[test]
fn the_root_changes_when_any_single_value_key_or_type_changes() {
    let mut base = ResourceStore::new();
    for n in 0..50 {
        base.apply_owned(key(n, 1), Some(Value::Struct(vec![Value::U64(n), Value::Vector(vec![Value::U8(1); 3])])));
    }
    let original = base.get(&key(7, 1)).unwrap().clone();
    let changed = |f: &dyn Fn(&mut ResourceStore)| {
        let mut s = base.clone();
        f(&mut s);
        s.root()
    };
    let roots = [
        base.root(),
        // One field of one value.
        changed(&|s| {
            s.apply_owned(key(7, 1), Some(Value::Struct(vec![Value::U64(8), Value::Vector(vec![Value::U8(1); 3])])))
        }),
        // One byte deep inside a value.
        changed(&|s| {
            s.apply_owned(
                key(7, 1),
                Some(Value::Struct(vec![Value::U64(7), Value::Vector(vec![Value::U8(1), Value::U8(2), Value::U8(1)])])),
            )
        }),
        // The same value under another type at the same address...
        changed(&|s| {
            s.apply_owned(key(7, 1), None);
            s.apply_owned(key(7, 2), Some(original.clone()));
        }),
        // ...or at another address.
        changed(&|s| {
            s.apply_owned(key(7, 1), None);
            s.apply_owned(key(1000, 1), Some(original.clone()));
        }),
        // Two values swapped between keys.
        changed(&|s| {
            let other = s.get(&key(8, 1)).unwrap().clone();
            s.apply_owned(key(8, 1), Some(original.clone()));
            s.apply_owned(key(7, 1), Some(other));
        }),
        changed(&|s| s.apply_owned(key(7, 1), None)),
        changed(&|s| s.apply_owned(key(51, 1), Some(Value::Bool(false)))),
    ];
    for (i, a) in roots.iter().enumerate() {
        for b in &roots[i + 1..] {
            assert_ne!(a, b);
        }
    }
    let mut back = base.clone();
    back.apply_owned(key(7, 1), None);
    back.apply_owned(key(7, 1), Some(original));
    assert_eq!(back.root(), base.root(), "undoing a change restores the root");
}

#[test]
fn a_snapshot_keeps_its_root_while_the_store_moves_on() {
    let mut store = ResourceStore::new();
    store.apply_batch((0..2000).map(|n| (key(n, 1), Some(resin_state::Shared::new(Value::U64(n))))).collect());
    let snapshot = store.clone();
    let root = snapshot.root();
    store.apply_batch((0..2000).step_by(2).map(|n| (key(n, 1), None)).collect());
    assert_ne!(store.root(), root);
    assert_eq!(snapshot.root(), root);
    assert_eq!(snapshot.len(), 2000);
    let model: BTreeMap<_, _> = (1..2000).step_by(2).map(|n| (key(n, 1), Value::U64(n))).collect();
    assert_eq!(store.root(), from_scratch(&model));
}

#[test]
fn proofs_verify_and_fail_when_tampered_with() {
    let empty = ResourceStore::new();
    let proof = empty.prove(&key(1, 1));
    assert_eq!(proof.end, ProofEnd::Empty);
    assert_eq!(verify_proof(&empty.root(), &key(1, 1), None, &proof), Ok(()));

    let mut store = ResourceStore::new();
    store.apply_batch((0..3000).map(|n| (key(n, n % 2), Some(resin_state::Shared::new(Value::U64(n * 3))))).collect());
    let root = store.root();
    for n in [0u64, 1, 17, 2999] {
        let k = key(n, n % 2);
        let proof = store.prove(&k);
        assert_eq!(proof.end, ProofEnd::Found);
        assert!(proof.steps.len() > 5, "a tree of 3000 leaves is deeper than 5");
        let v = Value::U64(n * 3);
        assert_eq!(verify_proof(&root, &k, Some(&v), &proof), Ok(()));
        assert_eq!(verify_proof(&root, &k, Some(&Value::U64(n * 3 + 1)), &proof), Err(ProofError::RootMismatch));
        assert_eq!(verify_proof(&root, &k, None, &proof), Err(ProofError::PresentButNoValue));
        assert_eq!(verify_proof(&root, &key(n, 5), Some(&v), &proof), Err(ProofError::RootMismatch));
        let mut flipped = proof.clone();
        flipped.steps[2].1[0] ^= 1;
        assert_eq!(verify_proof(&root, &k, Some(&v), &flipped), Err(ProofError::RootMismatch));
        let mut moved = proof.clone();
        moved.steps[1].0 = moved.steps[0].0;
        assert!(verify_proof(&root, &k, Some(&v), &moved).is_err());
        let mut short = proof.clone();
        short.steps.remove(0);
        assert_eq!(verify_proof(&root, &k, Some(&v), &short), Err(ProofError::RootMismatch));
    }
    for n in [5000u64, 5001, 123_456] {
        let absent = key(n, 0);
        let proof = store.prove(&absent);
        let ProofEnd::Other { key: other, .. } = &proof.end else { panic!("{proof:?}") };
        assert_ne!(*other, absent);
        assert_eq!(verify_proof(&root, &absent, None, &proof), Ok(()));
        assert_eq!(verify_proof(&root, &absent, Some(&Value::U64(0)), &proof), Err(ProofError::AbsentButValue));
        // The proof of absence names another leaf; passing its bytes off as
        // another value, or claiming the absent key is that leaf, fails.
        let mut lied = proof.clone();
        if let ProofEnd::Other { value, .. } = &mut lied.end {
            value.push(0);
        }
        assert_eq!(verify_proof(&root, &absent, None, &lied), Err(ProofError::RootMismatch));
        let mut same = proof.clone();
        same.end = ProofEnd::Other { key: absent, value: Value::U64(1).canonical_bytes() };
        assert_eq!(verify_proof(&root, &absent, None, &same), Err(ProofError::EndsAtSameKey));
        // An absence proof does not carry over to a key that exists.
        let present = key(4, 0);
        assert!(verify_proof(&root, &present, None, &proof).is_err());
        assert_eq!(
            verify_proof(&root, &absent, None, &ResourceStore::new().prove(&absent)),
            Err(ProofError::RootMismatch)
        );
    }
}
