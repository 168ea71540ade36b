//! The persistent state file (`--state PATH`): modules, resources and account
//! names in a redb database.
//!
//! Every change the session makes (a publish, a call, a whole block, a
//! restore) is written in ONE redb write transaction, and redb commits are
//! atomic and durable: a process killed at any moment leaves the state of the
//! last commit. The file carries a format marker so that a foreign redb file
//! is refused instead of misread, and it is opened with redb's integrity check
//! so that a damaged file is an error, not a crash. A new file is created
//! under a temporary name and renamed into place, so an existing file without
//! the marker (or an empty one) is never resin's own and is refused, never
//! reset. A read-only open ([`Access::ReadOnly`]) never creates the file and
//! never changes a byte of it.
//!
//! Beside each module the file records the blake3 hash of the bytes that
//! passed the verifier, so that opening the file need not verify every module
//! again: bytes whose hash matches were verified when they were published, and
//! bytes that do not match (a changed file) are verified again by the caller.

mod contain;
mod open;

use std::path::{Path, PathBuf};

use redb::{Database, ReadOnlyDatabase, ReadableDatabase, ReadableTable, TableDefinition, TableHandle};
use resin_format::file_format::AccountAddress;

pub use contain::{panic_is_contained, panic_message};
pub use open::Access;

use crate::keys::{ResourceKey, TypeId};

const META: TableDefinition<&str, &[u8]> = TableDefinition::new("resin_meta");
const MODULES: TableDefinition<&str, &[u8]> = TableDefinition::new("resin_modules");
/// Module id to the blake3 hash of the module bytes that passed verification.
const VERIFIED: TableDefinition<&str, &[u8]> = TableDefinition::new("resin_verified");
const RESOURCES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("resin_resources");
const ACCOUNTS: TableDefinition<&str, &[u8]> = TableDefinition::new("resin_accounts");
/// Type id (8 bytes, big-endian) to the canonical tag of an instantiated
/// generic struct (`0x1::coin::Balance<0x2::usd::USD>`): a type id is a hash,
/// so the names of the instantiations the resources use are kept beside
/// them. Files written before generics have no such table and need none.
const TYPES: TableDefinition<&[u8], &str> = TableDefinition::new("resin_types");
/// Derived address of a keyed entry (32 bytes) to its anchor (32 bytes)
/// followed by the canonical bytes of its index: an entry's address is a
/// hash ([`crate::keys::derive_keyed_address`]), so what it was derived
/// from is kept beside it, as the names of instantiations are. The types of
/// keyed entries are named in [`TYPES`], as their hashed text
/// (`0x1::token::Allowance[]`). Files before keyed storage have neither.
const KEYED: TableDefinition<&[u8], &[u8]> = TableDefinition::new("resin_keyed");

const FORMAT_KEY: &str = "format";
/// Bump when the layout of any table changes.
const FORMAT: &[u8] = b"resin-state/3";
/// Older formats this build reads: `resin-state/1` had no `resin_verified`
/// table; its modules are verified when read, and the file is upgraded the
/// first time it is written. `resin-state/2` had no `resin_keyed` table and
/// no keyed type names (`...[]`) in `resin_types`, which a build reading
/// version 2 would refuse as damaged: hence the new marker.
const OLD_FORMATS: &[&[u8]] = &[b"resin-state/2", b"resin-state/1"];

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open state file {}: {message}", path.display())]
    Open { path: PathBuf, message: String },
    #[error(
        "state file {} is empty (0 bytes): it is not a state resin wrote, and resin will not overwrite it\n  \
         hint: if it was meant to be new, delete it and resin creates it; if it held state, restore it from a backup",
        path.display()
    )]
    Empty { path: PathBuf },
    #[error(
        "state file {} does not exist, and a read-only open never creates one\n  \
         hint: create it with `resin run --state`",
        path.display()
    )]
    Missing { path: PathBuf },
    #[error(
        "{} is not a resin state file (it is a database of some other program, or has no resin format marker)\n  \
         hint: give another path, or delete the file if nothing needs it",
        path.display()
    )]
    Foreign { path: PathBuf },
    #[error("state file {} has format `{found}`, this resin reads `{}`", path.display(), String::from_utf8_lossy(FORMAT))]
    Version { path: PathBuf, found: String },
    #[error("state file {} is damaged: {what}", path.display())]
    Corrupt { path: PathBuf, what: String },
    #[error("cannot write state file {}: {message}", path.display())]
    Write { path: PathBuf, message: String },
}

/// One module as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredModule {
    /// `0x1::coin`.
    pub id: String,
    /// The encoded module.
    pub bytes: Vec<u8>,
    /// The hash recorded when the module was verified (none in old files).
    pub verified_hash: Option<[u8; 32]>,
}

impl StoredModule {
    /// Whether these bytes are the ones that passed verification.
    pub fn is_verified(&self) -> bool {
        self.verified_hash == Some(module_hash(&self.bytes))
    }
}

/// The hash the file records for verified module bytes.
pub fn module_hash(bytes: &[u8]) -> [u8; 32] {
    *blake3::hash(bytes).as_bytes()
}

/// Everything a state file holds, as read at startup. Resources are the
/// stored canonical bytes: the caller decodes them
/// ([`crate::Value::from_canonical_bytes`]) once it can name their types.
#[derive(Debug, Default)]
pub struct Persisted {
    /// In id order.
    pub modules: Vec<StoredModule>,
    pub resources: Vec<(ResourceKey, Vec<u8>)>,
    pub accounts: Vec<(String, AccountAddress)>,
    /// Instantiated struct types by id, as their canonical tags (unchecked:
    /// the caller checks that each tag hashes to its id).
    pub types: Vec<(TypeId, String)>,
    /// Keyed entries' origins: derived address, anchor, canonical index
    /// bytes (unchecked: the caller checks that each derives its address).
    pub keyed: Vec<KeyedOrigin>,
    /// The file is in an older format, upgraded at its next write.
    pub old_format: bool,
}

/// One atomic update of the state file.
#[derive(Debug, Default)]
pub struct Changes {
    /// Clear every table before writing (a restore or undo rewrites it all).
    pub replace_all: bool,
    /// Modules that passed verification (or were loaded as verified): their
    /// bytes, and the hash of those bytes as the verified record.
    pub modules: Vec<(String, Vec<u8>)>,
    /// `None` deletes.
    pub resources: Vec<(ResourceKey, Option<Vec<u8>>)>,
    pub accounts: Vec<(String, AccountAddress)>,
    /// Record these module ids as verified with the hash of their stored
    /// bytes (modules read from the file and verified again).
    pub verified: Vec<(String, [u8; 32])>,
    /// Names of instantiated struct types that resources use (kept even when
    /// the resources go: a name is a fact about a hash, never wrong).
    pub types: Vec<(TypeId, String)>,
    /// Origins of keyed entries the resources use (kept, like type names,
    /// when the entries go).
    pub keyed: Vec<KeyedOrigin>,
}

/// Where a keyed entry's address comes from: `address` is
/// [`crate::keys::derive_keyed_address`]`(anchor, index)`, with the index as
/// its canonical bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyedOrigin {
    pub address: AccountAddress,
    pub anchor: AccountAddress,
    pub index: Vec<u8>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        !self.replace_all
            && self.modules.is_empty()
            && self.resources.is_empty()
            && self.accounts.is_empty()
            && self.verified.is_empty()
            && self.types.is_empty()
            && self.keyed.is_empty()
    }
}

/// The database, as opened.
enum Db {
    Write(Database),
    Read(ReadOnlyDatabase),
}

impl Db {
    fn begin_read(&self) -> Result<redb::ReadTransaction, redb::TransactionError> {
        match self {
            Db::Write(db) => db.begin_read(),
            Db::Read(db) => db.begin_read(),
        }
    }
}

pub struct Store {
    db: Db,
    path: PathBuf,
    /// The file's format is older than [`FORMAT`]: the next commit upgrades it.
    upgrade: bool,
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
    /// Opens (or, for [`Access::ReadWrite`], creates) a state file and reads
    /// everything in it.
    pub fn open(path: &Path, access: Access) -> Result<(Store, Persisted), StoreError> {
        contain::contain(path, || {
            let db = open::open_db(path, access)?;
            let format = open::check_format(&db, path)?;
            let store = Store { db, path: path.to_path_buf(), upgrade: format != FORMAT };
            let mut persisted = store.read_all()?;
            persisted.old_format = store.upgrade;
            Ok((store, persisted))
        })
    }

    /// Whether the file was opened for writing.
    pub fn is_writable(&self) -> bool {
        matches!(self.db, Db::Write(_))
    }

    fn corrupt(&self, what: impl std::fmt::Display) -> StoreError {
        StoreError::Corrupt { path: self.path.clone(), what: what.to_string() }
    }

    fn write_err(&self, e: impl std::fmt::Display) -> StoreError {
        StoreError::Write { path: self.path.clone(), message: e.to_string() }
    }

    fn read_all(&self) -> Result<Persisted, StoreError> {
        let read = self.db.begin_read().map_err(|e| self.corrupt(e))?;
        let mut out = Persisted::default();
        let hashes: std::collections::BTreeMap<String, Vec<u8>> =
            open::read_str_table(&read, VERIFIED, &self.path)?.into_iter().collect();
        for (id, bytes) in open::read_str_table(&read, MODULES, &self.path)? {
            let verified_hash = hashes.get(&id).and_then(|h| <[u8; 32]>::try_from(h.as_slice()).ok());
            out.modules.push(StoredModule { id, bytes, verified_hash });
        }
        let resources = read.open_table(RESOURCES).map_err(|e| self.corrupt(e))?;
        for entry in resources.iter().map_err(|e| self.corrupt(e))? {
            let (k, v) = entry.map_err(|e| self.corrupt(e))?;
            let key =
                resource_key_from(k.value()).ok_or_else(|| self.corrupt("a resource key has the wrong length"))?;
            out.resources.push((key, v.value().to_vec()));
        }
        match read.open_table(TYPES) {
            Err(redb::TableError::TableDoesNotExist(_)) => {}
            Err(e) => return Err(self.corrupt(e)),
            Ok(types) => {
                for entry in types.iter().map_err(|e| self.corrupt(e))? {
                    let (k, v) = entry.map_err(|e| self.corrupt(e))?;
                    let id: [u8; 8] =
                        k.value().try_into().map_err(|_| self.corrupt("a type id has the wrong length"))?;
                    out.types.push((TypeId(u64::from_be_bytes(id)), v.value().to_string()));
                }
            }
        }
        match read.open_table(KEYED) {
            Err(redb::TableError::TableDoesNotExist(_)) => {}
            Err(e) => return Err(self.corrupt(e)),
            Ok(keyed) => {
                for entry in keyed.iter().map_err(|e| self.corrupt(e))? {
                    let (k, v) = entry.map_err(|e| self.corrupt(e))?;
                    let address: [u8; 32] = k
                        .value()
                        .try_into()
                        .map_err(|_| self.corrupt("a keyed entry's address has the wrong length"))?;
                    let value = v.value();
                    let anchor: [u8; 32] = value
                        .get(..32)
                        .and_then(|a| a.try_into().ok())
                        .ok_or_else(|| self.corrupt("a keyed entry's origin is too short"))?;
                    out.keyed.push(KeyedOrigin {
                        address: AccountAddress(address),
                        anchor: AccountAddress(anchor),
                        index: value[32..].to_vec(),
                    });
                }
            }
        }
        for (name, bytes) in open::read_str_table(&read, ACCOUNTS, &self.path)? {
            let bytes: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
                self.corrupt(format!("account {} has a bad address", resin_format::escape::quoted(&name)))
            })?;
            out.accounts.push((name, AccountAddress(bytes)));
        }
        Ok(out)
    }

    /// Writes `changes` in one transaction: all of them land, or none. The
    /// first write to a file of an older format also upgrades its marker.
    pub fn commit(&mut self, changes: &Changes) -> Result<(), StoreError> {
        if changes.is_empty() {
            return Ok(());
        }
        let path = self.path.clone();
        contain::contain(&path, || self.commit_now(changes))
    }

    fn commit_now(&mut self, changes: &Changes) -> Result<(), StoreError> {
        let Db::Write(db) = &self.db else {
            return Err(self.write_err("it was opened read-only"));
        };
        let write = db.begin_write().map_err(|e| self.write_err(e))?;
        if changes.replace_all {
            for table in [MODULES.name(), VERIFIED.name(), ACCOUNTS.name()] {
                write.delete_table(TableDefinition::<&str, &[u8]>::new(table)).map_err(|e| self.write_err(e))?;
            }
            write.delete_table(RESOURCES).map_err(|e| self.write_err(e))?;
            write.delete_table(TYPES).map_err(|e| self.write_err(e))?;
            write.delete_table(KEYED).map_err(|e| self.write_err(e))?;
        }
        {
            if self.upgrade {
                let mut meta = write.open_table(META).map_err(|e| self.write_err(e))?;
                meta.insert(FORMAT_KEY, FORMAT).map_err(|e| self.write_err(e))?;
            }
            let mut modules = write.open_table(MODULES).map_err(|e| self.write_err(e))?;
            let mut verified = write.open_table(VERIFIED).map_err(|e| self.write_err(e))?;
            for (id, bytes) in &changes.modules {
                modules.insert(id.as_str(), bytes.as_slice()).map_err(|e| self.write_err(e))?;
                verified.insert(id.as_str(), module_hash(bytes).as_slice()).map_err(|e| self.write_err(e))?;
            }
            for (id, hash) in &changes.verified {
                verified.insert(id.as_str(), hash.as_slice()).map_err(|e| self.write_err(e))?;
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
            if !changes.types.is_empty() {
                let mut types = write.open_table(TYPES).map_err(|e| self.write_err(e))?;
                for (id, tag) in &changes.types {
                    types.insert(id.0.to_be_bytes().as_slice(), tag.as_str()).map_err(|e| self.write_err(e))?;
                }
            }
            if !changes.keyed.is_empty() {
                let mut keyed = write.open_table(KEYED).map_err(|e| self.write_err(e))?;
                for origin in &changes.keyed {
                    let mut value = Vec::with_capacity(32 + origin.index.len());
                    value.extend_from_slice(&origin.anchor.0);
                    value.extend_from_slice(&origin.index);
                    keyed.insert(origin.address.0.as_slice(), value.as_slice()).map_err(|e| self.write_err(e))?;
                }
            }
        }
        write.commit().map_err(|e| self.write_err(e))?;
        self.upgrade = false;
        Ok(())
    }
}
