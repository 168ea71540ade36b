//! The persistent state file (`--state PATH`): modules, resources and account
//! names in a redb database.
//!
//! Every change the session makes (a publish, a call, a whole block, a
//! restore) is written in ONE redb write transaction, and redb commits are
//! atomic and durable: a process killed at any moment leaves the state of the
//! last commit. The file carries a format marker so that a foreign redb file
//! is refused instead of misread, and it is opened with redb's integrity check
//! so that a damaged file is an error, not a crash.

use std::path::{Path, PathBuf};

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition, TableHandle};
use resin_format::file_format::AccountAddress;

use crate::keys::{ResourceKey, TypeId};
use crate::value::Value;

const META: TableDefinition<&str, &[u8]> = TableDefinition::new("resin_meta");
const MODULES: TableDefinition<&str, &[u8]> = TableDefinition::new("resin_modules");
const RESOURCES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("resin_resources");
const ACCOUNTS: TableDefinition<&str, &[u8]> = TableDefinition::new("resin_accounts");

const FORMAT_KEY: &str = "format";
/// Bump when the layout of any table changes.
const FORMAT: &[u8] = b"resin-state/1";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open state file {}: {message}", path.display())]
    Open { path: PathBuf, message: String },
    #[error("{} is not a resin state file (it is a database of some other program)", path.display())]
    Foreign { path: PathBuf },
    #[error("state file {} has format `{found}`, this resin reads `{}`", path.display(), String::from_utf8_lossy(FORMAT))]
    Version { path: PathBuf, found: String },
    #[error("state file {} is damaged: {what}", path.display())]
    Corrupt { path: PathBuf, what: String },
    #[error("cannot write state file {}: {message}", path.display())]
    Write { path: PathBuf, message: String },
}

/// Everything a state file holds, as read at startup.
#[derive(Debug, Default)]
pub struct Persisted {
    /// Module id (`0x1::coin`) and encoded bytes, in id order.
    pub modules: Vec<(String, Vec<u8>)>,
    pub resources: Vec<(ResourceKey, Value)>,
    pub accounts: Vec<(String, AccountAddress)>,
}

/// One atomic update of the state file.
#[derive(Debug, Default)]
pub struct Changes {
    /// Clear every table before writing (a restore or undo rewrites it all).
    pub replace_all: bool,
    pub modules: Vec<(String, Vec<u8>)>,
    /// `None` deletes.
    pub resources: Vec<(ResourceKey, Option<Vec<u8>>)>,
    pub accounts: Vec<(String, AccountAddress)>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        !self.replace_all && self.modules.is_empty() && self.resources.is_empty() && self.accounts.is_empty()
    }
}

pub struct Store {
    db: Database,
    path: PathBuf,
}

fn resource_key_bytes(key: &ResourceKey) -> [u8; 40] {
    let mut out = [0u8; 40];
    out[..32].copy_from_slice(&key.address.0);
    out[32..].copy_from_slice(&key.ty.0.to_be_bytes());
    out
}

fn resource_key_from(bytes: &[u8]) -> Option<ResourceKey> {
    let address: [u8; 32] = bytes.get(..32)?.try_into().ok()?;
    let ty: [u8; 8] = bytes.get(32..)?.try_into().ok()?;
    Some(ResourceKey { address: AccountAddress(address), ty: TypeId(u64::from_be_bytes(ty)) })
}

impl Store {
    /// Opens (or creates) a state file and reads everything in it.
    pub fn open(path: &Path) -> Result<(Store, Persisted), StoreError> {
        let open_err = |message: String| StoreError::Open { path: path.to_path_buf(), message };
        let db = Database::builder().set_check_integrity_on_open(true).create(path).map_err(|e| match e {
            redb::DatabaseError::DatabaseAlreadyOpen => open_err("it is in use by another resin process".into()),
            redb::DatabaseError::Storage(redb::StorageError::Io(io)) => open_err(io.to_string()),
            redb::DatabaseError::Storage(other) => {
                StoreError::Corrupt { path: path.to_path_buf(), what: format!("not a readable state file ({other})") }
            }
            other => open_err(other.to_string()),
        })?;
        let store = Store { db, path: path.to_path_buf() };
        store.ensure_format()?;
        let persisted = store.read_all()?;
        Ok((store, persisted))
    }

    fn corrupt(&self, what: impl std::fmt::Display) -> StoreError {
        StoreError::Corrupt { path: self.path.clone(), what: what.to_string() }
    }

    fn write_err(&self, e: impl std::fmt::Display) -> StoreError {
        StoreError::Write { path: self.path.clone(), message: e.to_string() }
    }

    /// A fresh file gets the format marker; a file with tables but no marker,
    /// or another marker, is refused.
    fn ensure_format(&self) -> Result<(), StoreError> {
        let read = self.db.begin_read().map_err(|e| self.corrupt(e))?;
        let tables: Vec<String> =
            read.list_tables().map_err(|e| self.corrupt(e))?.map(|t| t.name().to_string()).collect();
        if tables.is_empty() {
            drop(read);
            let write = self.db.begin_write().map_err(|e| self.write_err(e))?;
            {
                let mut meta = write.open_table(META).map_err(|e| self.write_err(e))?;
                meta.insert(FORMAT_KEY, FORMAT).map_err(|e| self.write_err(e))?;
                write.open_table(MODULES).map_err(|e| self.write_err(e))?;
                write.open_table(RESOURCES).map_err(|e| self.write_err(e))?;
                write.open_table(ACCOUNTS).map_err(|e| self.write_err(e))?;
            }
            return write.commit().map_err(|e| self.write_err(e));
        }
        if !tables.iter().any(|t| t == META.name()) {
            return Err(StoreError::Foreign { path: self.path.clone() });
        }
        let meta = read.open_table(META).map_err(|_| StoreError::Foreign { path: self.path.clone() })?;
        let found = meta.get(FORMAT_KEY).map_err(|e| self.corrupt(e))?.map(|v| v.value().to_vec());
        match found {
            Some(f) if f == FORMAT => Ok(()),
            Some(f) => Err(StoreError::Version { path: self.path.clone(), found: String::from_utf8_lossy(&f).into() }),
            None => Err(StoreError::Foreign { path: self.path.clone() }),
        }
    }

    fn read_all(&self) -> Result<Persisted, StoreError> {
        let read = self.db.begin_read().map_err(|e| self.corrupt(e))?;
        let mut out = Persisted::default();
        let modules = read.open_table(MODULES).map_err(|e| self.corrupt(e))?;
        for entry in modules.iter().map_err(|e| self.corrupt(e))? {
            let (k, v) = entry.map_err(|e| self.corrupt(e))?;
            out.modules.push((k.value().to_string(), v.value().to_vec()));
        }
        let resources = read.open_table(RESOURCES).map_err(|e| self.corrupt(e))?;
        for entry in resources.iter().map_err(|e| self.corrupt(e))? {
            let (k, v) = entry.map_err(|e| self.corrupt(e))?;
            let key =
                resource_key_from(k.value()).ok_or_else(|| self.corrupt("a resource key has the wrong length"))?;
            let value: Value = postcard::from_bytes(v.value())
                .map_err(|e| self.corrupt(format!("resource {:?}@{} does not decode: {e}", key.ty, key.address)))?;
            out.resources.push((key, value));
        }
        let accounts = read.open_table(ACCOUNTS).map_err(|e| self.corrupt(e))?;
        for entry in accounts.iter().map_err(|e| self.corrupt(e))? {
            let (k, v) = entry.map_err(|e| self.corrupt(e))?;
            let bytes: [u8; 32] =
                v.value().try_into().map_err(|_| self.corrupt(format!("account `{}` has a bad address", k.value())))?;
            out.accounts.push((k.value().to_string(), AccountAddress(bytes)));
        }
        Ok(out)
    }

    /// Writes `changes` in one transaction: all of them land, or none.
    pub fn commit(&self, changes: &Changes) -> Result<(), StoreError> {
        if changes.is_empty() {
            return Ok(());
        }
        let write = self.db.begin_write().map_err(|e| self.write_err(e))?;
        if changes.replace_all {
            for table in [MODULES.name(), ACCOUNTS.name()] {
                write.delete_table(TableDefinition::<&str, &[u8]>::new(table)).map_err(|e| self.write_err(e))?;
            }
            write.delete_table(RESOURCES).map_err(|e| self.write_err(e))?;
        }
        {
            let mut modules = write.open_table(MODULES).map_err(|e| self.write_err(e))?;
            for (id, bytes) in &changes.modules {
                modules.insert(id.as_str(), bytes.as_slice()).map_err(|e| self.write_err(e))?;
            }
            let mut resources = write.open_table(RESOURCES).map_err(|e| self.write_err(e))?;
            for (key, value) in &changes.resources {
                let k = resource_key_bytes(key);
                match value {
                    Some(bytes) => resources.insert(k.as_slice(), bytes.as_slice()).map(drop),
                    None => resources.remove(k.as_slice()).map(drop),
                }
                .map_err(|e| self.write_err(e))?;
            }
            let mut accounts = write.open_table(ACCOUNTS).map_err(|e| self.write_err(e))?;
            for (name, address) in &changes.accounts {
                accounts.insert(name.as_str(), address.0.as_slice()).map_err(|e| self.write_err(e))?;
            }
        }
        write.commit().map_err(|e| self.write_err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u64) -> ResourceKey {
        ResourceKey { address: AccountAddress::from_u64(n), ty: TypeId(0xfeed_0000_0000_0001) }
    }

    #[test]
    fn changes_survive_reopening_and_deletes_apply() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.redb");
        {
            let (store, persisted) = Store::open(&path).unwrap();
            assert!(persisted.resources.is_empty());
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
        let (_, persisted) = Store::open(&path).unwrap();
        assert_eq!(persisted.modules, vec![("0x1::m".to_string(), vec![1, 2, 3])]);
        assert_eq!(persisted.accounts, vec![("alice".to_string(), AccountAddress::from_u64(7))]);
        assert_eq!(persisted.resources, vec![(key(0), Value::U64(0)), (key(2), Value::U64(20))]);
    }

    #[test]
    fn replace_all_rewrites_everything() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        let (store, _) = Store::open(&path).unwrap();
        let first =
            Changes { resources: vec![(key(1), Some(Value::Bool(true).canonical_bytes()))], ..Changes::default() };
        store.commit(&first).unwrap();
        let replace = Changes {
            replace_all: true,
            resources: vec![(key(2), Some(Value::Bool(false).canonical_bytes()))],
            ..Changes::default()
        };
        store.commit(&replace).unwrap();
        drop(store);
        let (_, persisted) = Store::open(&path).unwrap();
        assert_eq!(persisted.resources, vec![(key(2), Value::Bool(false))]);
    }

    #[test]
    fn garbage_and_foreign_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let garbage = dir.path().join("garbage");
        std::fs::write(&garbage, vec![0x5a; 10_000]).unwrap();
        assert!(matches!(Store::open(&garbage), Err(StoreError::Corrupt { .. } | StoreError::Open { .. })));

        let foreign = dir.path().join("foreign");
        {
            let db = Database::create(&foreign).unwrap();
            let w = db.begin_write().unwrap();
            w.open_table(TableDefinition::<u64, u64>::new("other")).unwrap().insert(1, 2).unwrap();
            w.commit().unwrap();
        }
        assert!(matches!(Store::open(&foreign), Err(StoreError::Foreign { .. })));
    }
}
