//! Opening a state file: creating a new one atomically, refusing an empty or
//! foreign file instead of resetting it, reading one without writing a byte,
//! and checking the format marker.

use std::path::{Path, PathBuf};

use redb::{Database, ReadOnlyDatabase, ReadableTable, TableDefinition, TableHandle};

use super::{Db, StoreError, ACCOUNTS, FORMAT, FORMAT_KEY, META, MODULES, OLD_FORMATS, RESOURCES, VERIFIED};

/// How a state file is opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Read and write; a missing file is created.
    ReadWrite,
    /// Read only: the file must exist, and not one byte of it changes.
    ReadOnly,
}

fn open_error(path: &Path, message: impl Into<String>) -> StoreError {
    StoreError::Open { path: path.to_path_buf(), message: message.into() }
}

fn map_db_error(path: &Path, e: redb::DatabaseError) -> StoreError {
    match e {
        redb::DatabaseError::DatabaseAlreadyOpen => open_error(path, "it is in use by another resin process"),
        redb::DatabaseError::RepairAborted => open_error(
            path,
            "it was not closed cleanly and needs a repair, which a read-only open cannot make\n  \
             hint: run any script on it once with `resin run --state` to repair it",
        ),
        redb::DatabaseError::Storage(redb::StorageError::Io(io)) => open_error(path, io.to_string()),
        redb::DatabaseError::Storage(other) => {
            StoreError::Corrupt { path: path.to_path_buf(), what: format!("not a readable state file ({other})") }
        }
        other => open_error(path, other.to_string()),
    }
}

/// Opens the database at `path` as `access` asks, creating a missing file
/// only for [`Access::ReadWrite`].
pub(super) fn open_db(path: &Path, access: Access) -> Result<Db, StoreError> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.len() == 0 => return Err(StoreError::Empty { path: path.to_path_buf() }),
        Ok(meta) if meta.is_dir() => return Err(open_error(path, "it is a directory")),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if access == Access::ReadOnly {
                return Err(StoreError::Missing { path: path.to_path_buf() });
            }
            create(path)?;
        }
        Err(e) => return Err(open_error(path, e.to_string())),
    }
    if access == Access::ReadOnly {
        return ReadOnlyDatabase::open(path).map(Db::Read).map_err(|e| map_db_error(path, e));
    }
    // Opening for writing changes bytes of the file, so the format is
    // checked on a read-only open first: a foreign file is refused untouched.
    // (A file that was not closed cleanly cannot be opened read-only; it is
    // repaired by the writable open and checked after it.)
    match ReadOnlyDatabase::open(path) {
        Ok(read) => {
            check_format(&Db::Read(read), path)?;
        }
        Err(redb::DatabaseError::RepairAborted) => {}
        Err(e) => return Err(map_db_error(path, e)),
    }
    Database::builder().set_check_integrity_on_open(true).open(path).map(Db::Write).map_err(|e| map_db_error(path, e))
}

/// Creates a new state file: written under a temporary name with its tables
/// and format marker, then renamed into place, so `path` never holds a file
/// without its marker (which a later open would refuse as foreign).
fn create(path: &Path) -> Result<(), StoreError> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temp: PathBuf = path.with_file_name(format!(".{name}.new-{}", std::process::id()));
    let write_err = |e: &dyn std::fmt::Display| StoreError::Write { path: path.to_path_buf(), message: e.to_string() };
    let result = (|| {
        let db = Database::create(&temp).map_err(|e| map_db_error(path, e))?;
        let write = db.begin_write().map_err(|e| write_err(&e))?;
        {
            let mut meta = write.open_table(META).map_err(|e| write_err(&e))?;
            meta.insert(FORMAT_KEY, FORMAT).map_err(|e| write_err(&e))?;
            write.open_table(MODULES).map_err(|e| write_err(&e))?;
            write.open_table(VERIFIED).map_err(|e| write_err(&e))?;
            write.open_table(RESOURCES).map_err(|e| write_err(&e))?;
            write.open_table(ACCOUNTS).map_err(|e| write_err(&e))?;
        }
        write.commit().map_err(|e| write_err(&e))?;
        drop(db);
        std::fs::rename(&temp, path).map_err(|e| write_err(&e))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// The format a file declares: [`FORMAT`], or one of [`OLD_FORMATS`] this
/// build reads and upgrades. A file without resin's tables is foreign.
pub(super) fn check_format(db: &Db, path: &Path) -> Result<&'static [u8], StoreError> {
    let corrupt = |e: &dyn std::fmt::Display| StoreError::Corrupt { path: path.to_path_buf(), what: e.to_string() };
    let foreign = || StoreError::Foreign { path: path.to_path_buf() };
    let read = db.begin_read().map_err(|e| corrupt(&e))?;
    let tables: Vec<String> = read.list_tables().map_err(|e| corrupt(&e))?.map(|t| t.name().to_string()).collect();
    if !tables.iter().any(|t| t == META.name()) {
        return Err(foreign());
    }
    let meta = read.open_table(META).map_err(|_| foreign())?;
    let found = meta.get(FORMAT_KEY).map_err(|e| corrupt(&e))?.map(|v| v.value().to_vec());
    match found {
        Some(f) if f == FORMAT => Ok(FORMAT),
        Some(f) => match OLD_FORMATS.iter().find(|old| **old == f.as_slice()) {
            Some(old) => Ok(old),
            None => Err(StoreError::Version { path: path.to_path_buf(), found: String::from_utf8_lossy(&f).into() }),
        },
        None => Err(foreign()),
    }
}

/// Every entry of a `&str`-keyed table, or nothing when the table does not
/// exist (an older format without it).
pub(super) fn read_str_table(
    read: &redb::ReadTransaction,
    table: TableDefinition<&str, &[u8]>,
    path: &Path,
) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
    let corrupt = |e: &dyn std::fmt::Display| StoreError::Corrupt { path: path.to_path_buf(), what: e.to_string() };
    let opened = match read.open_table(table) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
        Err(e) => return Err(corrupt(&e)),
    };
    let mut out = Vec::new();
    for entry in opened.iter().map_err(|e| corrupt(&e))? {
        let (k, v) = entry.map_err(|e| corrupt(&e))?;
        out.push((k.value().to_string(), v.value().to_vec()));
    }
    Ok(out)
}
