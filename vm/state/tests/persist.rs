//! The state file: what survives reopening, atomic replacement, verified
//! module hashes, and the files it refuses instead of resetting or writing.

use std::path::Path;

use redb::{Database, TableDefinition};
use resin_format::file_format::AccountAddress;
use resin_state::keys::{ResourceKey, TypeId};
use resin_state::persist::{module_hash, Access, Changes, Store, StoreError};
use resin_state::Value;

fn key(n: u64) -> ResourceKey {
    ResourceKey { address: AccountAddress::from_u64(n), ty: TypeId(0xfeed_0000_0000_0001) }
}

fn open(path: &Path) -> (Store, resin_state::persist::Persisted) {
    Store::open(path, Access::ReadWrite).unwrap()
}

#[test]
fn changes_survive_reopening_and_deletes_apply() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.redb");
    {
        let (mut store, persisted) = open(&path);
        assert!(persisted.resources.is_empty() && !persisted.old_format);
        let mut changes = Changes::default();
        changes.modules.push(("0x1::m".into(), vec![1, 2, 3]));
        changes.accounts.push(("alice".into(), AccountAddress::from_u64(7)));
        for n in 0..3 {
            changes.resources.push((key(n), Some(Value::U64(n * 10).canonical_bytes())));
        }
        store.commit(&changes).unwrap();
        let delete = Changes { resources: vec![(key(1), None)], ..Changes::default() };
        store.commit(&delete).unwrap();
    }
    let (_, persisted) = open(&path);
    assert_eq!(persisted.modules.len(), 1);
    let module = &persisted.modules[0];
    assert_eq!((module.id.as_str(), module.bytes.as_slice()), ("0x1::m", &[1u8, 2, 3][..]));
    assert_eq!(module.verified_hash, Some(module_hash(&[1, 2, 3])));
    assert!(module.is_verified());
    assert_eq!(persisted.accounts, vec![("alice".to_string(), AccountAddress::from_u64(7))]);
    let values: Vec<(ResourceKey, Value)> =
        persisted.resources.iter().map(|(k, v)| (*k, Value::from_canonical_bytes(v).unwrap())).collect();
    assert_eq!(values, vec![(key(0), Value::U64(0)), (key(2), Value::U64(20))]);
}

#[test]
fn replace_all_rewrites_everything() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s");
    let (mut store, _) = open(&path);
    let first = Changes {
        modules: vec![("0x2::gone".into(), vec![9])],
        resources: vec![(key(1), Some(Value::Bool(true).canonical_bytes()))],
        ..Changes::default()
    };
    store.commit(&first).unwrap();
    let replace = Changes {
        replace_all: true,
        resources: vec![(key(2), Some(Value::Bool(false).canonical_bytes()))],
        ..Changes::default()
    };
    store.commit(&replace).unwrap();
    drop(store);
    let (_, persisted) = open(&path);
    assert_eq!(persisted.resources, vec![(key(2), Value::Bool(false).canonical_bytes())]);
    assert!(persisted.modules.is_empty());
}

#[test]
fn a_changed_module_no_longer_matches_its_verified_hash() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s");
    {
        let (mut store, _) = open(&path);
        store.commit(&Changes { modules: vec![("0x2::m".into(), vec![1, 2, 3])], ..Changes::default() }).unwrap();
    }
    // Another program rewrites the module's bytes behind resin's back.
    {
        let db = Database::open(&path).unwrap();
        let w = db.begin_write().unwrap();
        w.open_table(TableDefinition::<&str, &[u8]>::new("resin_modules"))
            .unwrap()
            .insert("0x2::m", &[1u8, 2, 4][..])
            .unwrap();
        w.commit().unwrap();
    }
    let (mut store, persisted) = open(&path);
    assert!(!persisted.modules[0].is_verified(), "the caller must verify it again");
    // Verified again, the new bytes are recorded.
    let hash = module_hash(&persisted.modules[0].bytes);
    store.commit(&Changes { verified: vec![("0x2::m".into(), hash)], ..Changes::default() }).unwrap();
    drop(store);
    assert!(open(&path).1.modules[0].is_verified());
}

#[test]
fn garbage_empty_and_foreign_files_are_refused_not_reset() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage");
    std::fs::write(&garbage, vec![0x5a; 10_000]).unwrap();
    assert!(matches!(
        Store::open(&garbage, Access::ReadWrite),
        Err(StoreError::Corrupt { .. } | StoreError::Open { .. })
    ));
    assert!(std::fs::read(&garbage).unwrap() == vec![0x5a; 10_000], "garbage must not change");

    // A file emptied by a failed copy: an error with a hint, and still empty.
    let empty = dir.path().join("empty");
    std::fs::write(&empty, b"").unwrap();
    let err = Store::open(&empty, Access::ReadWrite).err().unwrap();
    assert!(matches!(err, StoreError::Empty { .. }), "{err}");
    assert!(err.to_string().contains("hint: if it was meant to be new, delete it"), "{err}");
    assert_eq!(std::fs::metadata(&empty).unwrap().len(), 0);

    // A redb file of another program, with tables or without any.
    for (name, with_table) in [("foreign", true), ("bare", false)] {
        let foreign = dir.path().join(name);
        {
            let db = Database::create(&foreign).unwrap();
            if with_table {
                let w = db.begin_write().unwrap();
                w.open_table(TableDefinition::<u64, u64>::new("other")).unwrap().insert(1, 2).unwrap();
                w.commit().unwrap();
            }
        }
        let before = std::fs::read(&foreign).unwrap();
        let err = Store::open(&foreign, Access::ReadWrite).err().unwrap();
        assert!(matches!(err, StoreError::Foreign { .. }), "{name}: {err}");
        assert!(err.to_string().contains("hint:"), "{err}");
        assert!(std::fs::read(&foreign).unwrap() == before, "{name} must not change");
    }
}

#[test]
fn a_read_only_open_never_creates_nor_changes_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing");
    assert!(matches!(Store::open(&missing, Access::ReadOnly), Err(StoreError::Missing { .. })));
    assert!(!missing.exists());

    let path = dir.path().join("s");
    {
        let (mut store, _) = open(&path);
        let changes = Changes { accounts: vec![("a".into(), AccountAddress::from_u64(1))], ..Changes::default() };
        store.commit(&changes).unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    {
        let (mut store, persisted) = Store::open(&path, Access::ReadOnly).unwrap();
        assert_eq!(persisted.accounts.len(), 1);
        assert!(!store.is_writable());
        let change = Changes { accounts: vec![("b".into(), AccountAddress::from_u64(2))], ..Changes::default() };
        assert!(matches!(store.commit(&change), Err(StoreError::Write { .. })));
    }
    assert!(std::fs::read(&path).unwrap() == before, "a read-only open changed the file");
}

#[test]
fn format_1_files_are_read_and_upgraded_at_their_first_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old");
    {
        // The layout of resin-state/1: no resin_verified table.
        let db = Database::create(&path).unwrap();
        let w = db.begin_write().unwrap();
        {
            let mut meta = w.open_table(TableDefinition::<&str, &[u8]>::new("resin_meta")).unwrap();
            meta.insert("format", &b"resin-state/1"[..]).unwrap();
            let mut modules = w.open_table(TableDefinition::<&str, &[u8]>::new("resin_modules")).unwrap();
            modules.insert("0x2::m", &[5u8][..]).unwrap();
            w.open_table(TableDefinition::<&[u8], &[u8]>::new("resin_resources")).unwrap();
            w.open_table(TableDefinition::<&str, &[u8]>::new("resin_accounts")).unwrap();
        }
        w.commit().unwrap();
    }
    let (mut store, persisted) = open(&path);
    assert!(persisted.old_format);
    assert!(!persisted.modules[0].is_verified());
    store.commit(&Changes { verified: vec![("0x2::m".into(), module_hash(&[5]))], ..Changes::default() }).unwrap();
    drop(store);
    let (_, persisted) = open(&path);
    assert!(!persisted.old_format && persisted.modules[0].is_verified());
}
