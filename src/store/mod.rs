//! The only place with SQL: opening the store (permissions, pragmas,
//! migrations) and every query. A shared PostgreSQL store would be a second
//! implementation of what lives here; nothing above this module sees SQL.

mod audit;
mod directory;
mod policies;
mod tokens;

use std::fs::{DirBuilder, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};

use crate::error::{Error, Result};

pub use audit::{Checkpoint, EventFilter, RetiredSecret, Rotation};
pub use directory::{OrgKey, UserKey};
pub use tokens::{
    NewToken, TokenFilter, TokenRow, TokenSort, UsagePeriod, UsageUpdate, VerifyRow, Visibility,
};

/// Migrations in order; the store's `user_version` is how many have run.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_lifecycle_audit.sql"),
    include_str!("migrations/0003_policies.sql"),
    include_str!("migrations/0004_lean_store.sql"),
    include_str!("migrations/0005_token_keys.sql"),
    include_str!("migrations/0006_usage_history.sql"),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Marks the file as a tokctl store ("tokc"), so another app's SQLite file
/// is never mistaken for one and migrated.
const APPLICATION_ID: i64 = 0x746f_6b63;

/// How long a writer waits for another process's lock before giving up.
/// Long enough for a cron job and a person to take turns.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the store lives and whether tokctl may create its directory.
#[derive(Debug, Clone)]
pub struct StoreLocation {
    /// The database file.
    pub path: PathBuf,
    /// True for the default location: missing directories are created (0700).
    /// An explicit `--db` path must name an existing directory.
    pub create_dirs: bool,
}

/// An open store.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: Option<PathBuf>,
}

/// The result of [`Store::open`].
#[derive(Debug)]
pub struct Opened {
    /// The store.
    pub store: Store,
    /// Whether the file was created by this call.
    pub created: bool,
}

impl Store {
    /// Opens (creating if needed) the store at `location`, migrating an older
    /// schema in place and refusing a newer one. A new file is created 0600
    /// in a 0700 directory.
    pub fn open(location: &StoreLocation) -> Result<Opened> {
        let path = &location.path;
        let created = create_file_if_missing(location)?;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )
        .map_err(|err| open_error(path, err))?;
        let mut store = Store {
            conn,
            path: Some(path.clone()),
        };
        store.prepare().map_err(|err| reclassify(path, err))?;
        Ok(Opened { store, created })
    }

    /// A private in-memory store, for tests and benchmarks.
    pub fn open_in_memory() -> Result<Store> {
        let mut store = Store {
            conn: Connection::open_in_memory()?,
            path: None,
        };
        store.prepare()?;
        Ok(store)
    }

    /// The file path, or `None` in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn prepare(&mut self) -> Result<()> {
        let conn = &mut self.conn;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        if conn.is_readonly(rusqlite::MAIN_DB)? {
            return Err(Error::StoreReadOnly {
                path: self.path.clone().unwrap_or_default(),
            });
        }
        // Reading the header is the first access: a file that is not SQLite fails here.
        let version: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
        let application_id: i64 = conn.query_row("PRAGMA application_id", [], |row| row.get(0))?;
        let foreign = application_id != APPLICATION_ID
            && (application_id != 0
                || version != 0
                || conn.query_row("SELECT count(*) FROM sqlite_master", [], |row| {
                    row.get::<_, i64>(0)
                })? > 0);
        if foreign {
            return Err(Error::StoreNotDatabase {
                path: self.path.clone().unwrap_or_default(),
            });
        }
        if version > SCHEMA_VERSION {
            return Err(Error::StoreTooNew {
                path: self.path.clone().unwrap_or_default(),
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        if self.path.is_some() {
            conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
            // Closing must not checkpoint: that costs several fsyncs, which would
            // dominate a one-shot `tokctl verify`. The WAL is folded into the
            // file by SQLite's automatic checkpoints during later commits, and
            // `tokctl backup` copies through SQLite, so nothing relies on the
            // main file alone being complete.
            conn.set_db_config(
                rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
                true,
            )?;
        }
        // FULL: a committed revocation survives a power cut. The verify path
        // relaxes this for its usage counters (see `relax_durability`).
        // A 16 MiB page cache keeps bulk writes and usage flushes off the disk
        // at a million tokens while bounding memory.
        conn.execute_batch(
            "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA cache_size = -16384;",
        )?;
        if version < SCHEMA_VERSION {
            // Migration 5 turns public token ids into storage keys.
            conn.create_scalar_function(
                "tokctl_token_key",
                1,
                rusqlite::functions::FunctionFlags::SQLITE_UTF8
                    | rusqlite::functions::FunctionFlags::SQLITE_DETERMINISTIC,
                |ctx| {
                    let public: i64 = ctx.get(0)?;
                    Ok(crate::model::TokenId::from_i64(public)
                        .map_or(public, crate::model::TokenId::key))
                },
            )?;
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            // Re-read under the write lock: another process may have migrated meanwhile.
            let version: i64 = tx.query_row("PRAGMA user_version", [], |row| row.get(0))?;
            for (index, migration) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
                tx.execute_batch(migration)?;
                tx.pragma_update(None, "user_version", index as i64 + 1)?;
            }
            tx.pragma_update(None, "application_id", APPLICATION_ID)?;
            tx.commit()?;
        }
        Ok(())
    }

    /// Lets commits skip the fsync (WAL `synchronous = NORMAL`): the last
    /// commits may be lost on power failure, never corrupted. Used only by
    /// verification, whose writes are usage counters.
    pub fn relax_durability(&self) -> Result<()> {
        self.conn.execute_batch("PRAGMA synchronous = NORMAL;")?;
        Ok(())
    }

    /// Read access outside a transaction.
    pub fn read(&self) -> Queries<'_> {
        Queries { conn: &self.conn }
    }

    /// Runs `work` in one write transaction (taking the write lock at once,
    /// so two writers queue instead of failing midway). Commits only if
    /// `work` returns `Ok`.
    pub fn write<T>(&mut self, work: impl FnOnce(&Queries<'_>) -> Result<T>) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = work(&Queries { conn: &tx })?;
        tx.commit()?;
        Ok(value)
    }

    /// Runs `work` exactly like [`Store::write`] but always rolls back: a
    /// dry run that goes through the real code path and changes nothing.
    pub fn rehearse<T>(&mut self, work: impl FnOnce(&Queries<'_>) -> Result<T>) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = work(&Queries { conn: &tx })?;
        tx.rollback()?;
        Ok(value)
    }

    /// Creates the empty file a backup will go to: 0600, and never over an
    /// existing file.
    pub fn reserve_backup_file(dest: &Path) -> Result<()> {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(dest) {
            Ok(_) => Ok(()),
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
                Err(Error::AlreadyExists {
                    kind: "file",
                    name: dest.display().to_string(),
                })
            }
            Err(source) => Err(Error::Io {
                path: dest.to_owned(),
                source,
            }),
        }
    }

    /// Copies the store into the reserved file `dest` with SQLite's online
    /// backup API, in one step under one read transaction: a consistent
    /// snapshot, while other processes go on writing.
    pub fn backup_into(&self, dest: &Path) -> Result<()> {
        let mut target = Connection::open(dest)?;
        let backup = rusqlite::backup::Backup::new(&self.conn, &mut target)?;
        backup.step(-1)?;
        drop(backup);
        // One self-contained file: fold the copy's WAL into it.
        target.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// The schema version of the open store.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))?)
    }
}

/// A WAL larger than this is folded into the file when the store closes.
const WAL_TRUNCATE_BYTES: u64 = 4 << 20;

impl Drop for Store {
    /// Without a checkpoint on close (see `prepare`), the next process that
    /// opens the store reads the WAL's frames to rebuild its index: that cost
    /// grows with the WAL. After a large write (a bulk import, a prune),
    /// fold the WAL into the file now, so every later open stays fast.
    fn drop(&mut self) {
        let Some(path) = &self.path else { return };
        let mut wal = path.clone().into_os_string();
        wal.push("-wal");
        let large = std::fs::metadata(&wal).is_ok_and(|meta| meta.len() > WAL_TRUNCATE_BYTES);
        if large {
            // Best effort: another process may hold the store; it will fold it later.
            let _ = self
                .conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        }
    }
}

/// Typed queries over a connection or an open transaction.
#[derive(Debug, Clone, Copy)]
pub struct Queries<'c> {
    conn: &'c Connection,
}

impl Queries<'_> {
    /// This store's random id (keeps keyring entries of two stores apart).
    pub fn store_id(&self) -> Result<String> {
        let id = self
            .conn
            .prepare_cached("SELECT value FROM meta WHERE key = 'store_id'")?
            .query_row([], |row| row.get(0))?;
        Ok(id)
    }
}

fn create_file_if_missing(location: &StoreLocation) -> Result<bool> {
    let path = &location.path;
    let io_error = |source| Error::Io {
        path: path.clone(),
        source,
    };
    if path.exists() {
        return Ok(false);
    }
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(dir) = parent {
        if !dir.exists() {
            if !location.create_dirs {
                return Err(Error::request(
                    format!(
                        "the directory of the store does not exist: {}",
                        dir.display()
                    ),
                    Some("create it first, or point --db at an existing directory"),
                ));
            }
            let mut builder = DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder.create(dir).map_err(io_error)?;
        }
    }
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(true),
        // Another process created it a moment ago: use theirs.
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(err) => Err(io_error(err)),
    }
}

fn open_error(path: &Path, err: rusqlite::Error) -> Error {
    match err.sqlite_error_code() {
        Some(ErrorCode::CannotOpen) => Error::StoreCannotOpen {
            path: path.to_owned(),
        },
        _ => reclassify(path, err.into()),
    }
}

/// Names the file in errors that are about the file itself.
fn reclassify(path: &Path, err: Error) -> Error {
    let code = match &err {
        Error::Store(inner) => inner.sqlite_error_code(),
        _ => None,
    };
    match code {
        Some(ErrorCode::NotADatabase) => Error::StoreNotDatabase {
            path: path.to_owned(),
        },
        Some(ErrorCode::ReadOnly) => Error::StoreReadOnly {
            path: path.to_owned(),
        },
        _ => err,
    }
}
