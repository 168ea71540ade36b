//! The block overlay's reads of keys no transaction of the block changes.

use resin_state::store::ResourceStore;
use resin_state::Value;
use resin_vm::{AccessKey, AccountAddress, ResourceKey};

use super::{block, exact, r, w, COIN, POOL};
use crate::graph::ConflictGraph;
use crate::overlay::BlockOverlay;

fn key(access: AccessKey) -> ResourceKey {
    match access {
        AccessKey::Exact(k) => k,
        AccessKey::AnyOf(_) => unreachable!("an exact key"),
    }
}

/// A value the store holds behind a reference count (it owns a vector).
fn large(byte: u8) -> Value {
    Value::Struct(vec![Value::Address(AccountAddress::from_u64(1)), Value::Vector(vec![Value::U8(byte); 16])])
}

#[test]
fn a_value_several_transactions_read_has_a_count_of_its_own_on_each_later_lane() {
    let (hot, once, written) = (exact(POOL, 1), exact(POOL, 2), exact(POOL, 3));
    let mut store = ResourceStore::new();
    for (k, byte) in [(hot, 1), (once, 2), (written, 3)] {
        store.apply_owned(key(k), Some(large(byte)));
    }
    store.apply_owned(key(exact(COIN, 4)), Some(Value::U64(9)));
    let keys = block(vec![
        vec![r(hot), r(exact(COIN, 4))],
        vec![r(hot), r(once), r(exact(COIN, 4))],
        vec![r(hot), r(written)],
        vec![w(written)],
    ]);
    let graph = ConflictGraph::build(&keys);
    let slots = graph.slots();
    let read = |overlay: &BlockOverlay, lane: u32, tx: usize, k: AccessKey| {
        overlay.read(lane, slots.slots_of(tx), &key(k)).expect("the store holds every key here")
    };

    let overlay = BlockOverlay::shared(&store, slots, &keys, 3);
    let on: Vec<_> = (0..3).map(|lane| read(&overlay, lane, 0, hot)).collect();
    assert!(on.iter().all(|v| **v == large(1)), "every lane reads the pre-block value");
    assert!(on[0].same_count(&read(&overlay, 0, 2, hot)), "lane 0 reads the store's own");
    assert!(!on[1].same_count(&on[0]) && !on[2].same_count(&on[0]) && !on[1].same_count(&on[2]));
    assert!(on[1].same_count(&read(&overlay, 1, 2, hot)), "one copy per lane, not per read");
    // Read once, or written by the block: no copies.
    assert!(read(&overlay, 1, 1, once).same_count(&read(&overlay, 0, 1, once)));
    assert!(read(&overlay, 1, 2, written).same_count(&read(&overlay, 0, 2, written)));
    // An inline value has no count to share.
    assert_eq!(*read(&overlay, 1, 1, exact(COIN, 4)), Value::U64(9));

    // One lane: nothing to copy.
    let overlay = BlockOverlay::shared(&store, slots, &keys, 1);
    assert!(read(&overlay, 0, 0, hot).same_count(&read(&overlay, 0, 1, hot)));
}
