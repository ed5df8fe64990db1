//! The local SQLite backend, the only place with SQLite: opening the file
//! (permissions, pragmas, migrations) and every query.

mod audit;
mod bulk;
mod directory;
mod error;
mod files;
mod policies;
mod reminders;
mod schema;
mod tokens;
mod tx;
mod usage_journal;

use std::cell::{Cell, RefCell};
use std::fs::{DirBuilder, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};

use crate::audit::Checkpoint;
use crate::error::Error;
use crate::store::{DeferredUsage, StoreErrorKind, StoreLocation, Tx};
pub(crate) use error::{SqlError, SqlResult as Result};
use usage_journal::UsageJournal;

pub use files::{FileCheck, FileFacts, FileRole};
pub use schema::{SchemaChange, SchemaDifference};

/// Migrations in order; the store's `user_version` is how many have run.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_lifecycle_audit.sql"),
    include_str!("migrations/0003_policies.sql"),
    include_str!("migrations/0004_lean_store.sql"),
    include_str!("migrations/0005_token_keys.sql"),
    include_str!("migrations/0006_usage_history.sql"),
    include_str!("migrations/0007_os_user.sql"),
    include_str!("migrations/0008_deactivation.sql"),
    include_str!("migrations/0009_service_accounts.sql"),
    include_str!("migrations/0010_reminders.sql"),
    include_str!("migrations/0011_audit_names.sql"),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Marks the file as a tokctl store ("tokc"), so another app's SQLite file
/// is never mistaken for one and migrated.
const APPLICATION_ID: i64 = 0x746f_6b63;

/// The page cache of a connection once it writes: it keeps usage flushes
/// and single changes off the disk at a million tokens while bounding
/// memory (a listing, which only reads, keeps SQLite's 2 MiB default).
const WRITE_CACHE_KIB: u32 = 16 * 1024;

/// The page cache of a connection that mints in bulk: the token indexes and
/// the audit trail's index by token take inserts all over themselves (public
/// ids are scrambled), and at a million tokens they outgrow 16 MiB, so each
/// mint would read and write back pages at random.
const BULK_CACHE_KIB: u32 = 64 * 1024;

/// The WAL pages a bulk-writing connection lets accumulate before a commit
/// folds them into the file (64 MiB; SQLite's default is 1,000 pages).
const BULK_CHECKPOINT_PAGES: i64 = 16 * 1024;

/// How long a writer waits for another process's lock before giving up.
/// Long enough for a cron job and a person to take turns.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// An open SQLite store.
#[derive(Debug)]
pub struct SqliteStore {
    conn: Connection,
    path: Option<PathBuf>,
    /// What the file checks found (empty in memory).
    files: Vec<FileCheck>,
    /// Schema objects not as tokctl made them (only ever non-empty when
    /// opened for inspection).
    schema: Vec<SchemaDifference>,
    /// Set once the store is fully open and trusted: writes are allowed and
    /// closing may fold the WAL. A store refused or opened for inspection
    /// with problems never writes.
    writable: bool,
    /// This connection's page cache in KiB once raised for writing (0: not
    /// raised yet).
    write_cache: Cell<u32>,
    /// The usage journal beside the file (none in memory).
    journal: Option<UsageJournal>,
    /// The audit chain's head as the open write transaction last appended
    /// it, so a transaction appending many events (a bulk mint) reads the
    /// head once; empty outside write transactions.
    chain_head: RefCell<Option<Checkpoint>>,
    /// The token key counter as the open write transaction advanced it, not
    /// yet stored (it is, before the commit); empty outside write
    /// transactions and until the transaction first allocates a key.
    next_token_key: Cell<Option<i64>>,
    /// The numbers of audit names this connection has seen.
    audit_names: AuditNameCache,
}

/// The numbers `audit_names` gives the names of events (actors, actions,
/// outcomes, orgs, OS accounts): read once per connection, since a name's
/// number never changes and names are never deleted. A name a write
/// transaction added is kept aside until that transaction commits: rolled
/// back, its number was never given.
#[derive(Debug, Default)]
pub(crate) struct AuditNameCache {
    committed: RefCell<std::collections::HashMap<String, i64>>,
    pending: RefCell<std::collections::HashMap<String, i64>>,
}

impl AuditNameCache {
    fn get(&self, name: &str) -> Option<i64> {
        let committed = self.committed.borrow().get(name).copied();
        committed.or_else(|| self.pending.borrow().get(name).copied())
    }

    /// Records `name`'s number: read from the store (`committed`), or just
    /// added by the open transaction.
    fn remember(&self, name: &str, id: i64, committed: bool) {
        let map = if committed {
            &self.committed
        } else {
            &self.pending
        };
        map.borrow_mut().insert(name.to_owned(), id);
    }

    /// The open transaction ended: keep what it added only if it committed.
    fn end_transaction(&self, committed: bool) {
        let added = std::mem::take(&mut *self.pending.borrow_mut());
        if committed {
            self.committed.borrow_mut().extend(added);
        }
    }
}

/// Why a store is being opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    /// To use it: any problem is refused before anything is written.
    Use,
    /// To report on it (`doctor`): problems are recorded, and a store with
    /// any is opened read-only, never migrated, never written.
    Inspect,
}

impl SqliteStore {
    /// Opens (creating if needed) the store at `location`, migrating an older
    /// schema in place and refusing a newer one. A new file is created 0600
    /// in a 0700 directory.
    ///
    /// Before SQLite sees the path, it must be a plain path (no SQLite URI)
    /// to a regular file or to one that can be created; the file, its `-wal`,
    /// `-shm` and `-journal` must be the effective user's with no group or
    /// other permissions, in a directory only the user or root can change
    /// (or a sticky one). The schema must be exactly what tokctl's
    /// migrations create. Anything else is refused and nothing is written.
    pub fn open(location: &StoreLocation) -> Result<(SqliteStore, bool)> {
        Self::open_for(location, Purpose::Use)
    }

    /// Opens the store to report on it (`doctor`): unsafe files and foreign
    /// schema objects are recorded ([`Store::files`],
    /// [`Store::schema_differences`]) instead of refused, and such a store is
    /// opened read-only and refuses every write. Paths that are not regular
    /// files, and unsafe directories where the store does not exist yet, are
    /// still refused; so is a store with problems that would need migrating.
    pub fn open_for_inspection(location: &StoreLocation) -> Result<(SqliteStore, bool)> {
        Self::open_for(location, Purpose::Inspect)
    }

    fn open_for(location: &StoreLocation, purpose: Purpose) -> Result<(SqliteStore, bool)> {
        let path = &location.path;
        files::check_path_shape(path)?;
        let dir = files::store_dir(path);
        ensure_directory(location, &dir)?;
        let dir_check = files::check_directory(&dir)?;
        let found = files::check_store_file(path)?;
        let mut side_checks = Vec::new();
        for role in [
            FileRole::Wal,
            FileRole::Shm,
            FileRole::Journal,
            FileRole::UsageJournal,
        ] {
            side_checks.push(files::check_side_file(path, role)?);
        }
        let (pinned, created) = match found {
            Some(pinned) => (pinned, false),
            None => {
                // Never create a store where others could swap it, or next
                // to a WAL someone else left for it.
                let mut before = vec![dir_check.clone()];
                before.extend(side_checks.iter().cloned());
                if let Some(err) = files::refusal(&before) {
                    return Err(err.into());
                }
                let created = create_file(path)?;
                let pinned = files::check_store_file(path)?.ok_or_else(|| Error::Io {
                    path: path.clone(),
                    source: std::io::ErrorKind::NotFound.into(),
                })?;
                (pinned, created)
            }
        };
        let mut checks = vec![dir_check, pinned.check.clone()];
        checks.extend(side_checks);
        let access = match (files::refusal(&checks), purpose) {
            (Some(err), Purpose::Use) => return Err(err.into()),
            (Some(_), Purpose::Inspect) => OpenFlags::SQLITE_OPEN_READ_ONLY,
            (None, _) => OpenFlags::SQLITE_OPEN_READ_WRITE,
        };
        // No SQLITE_OPEN_URI: the path is a file name, never a URI with
        // options. NOFOLLOW: SQLite refuses a link, as the checks did.
        let conn = Connection::open_with_flags(
            path,
            access | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_NOFOLLOW,
        )
        .map_err(|err| open_error(path, err))?;
        pinned.still_at(path)?;
        let mut store = SqliteStore {
            conn,
            path: Some(path.clone()),
            files: checks,
            schema: Vec::new(),
            writable: false,
            write_cache: Cell::new(0),
            journal: Some(UsageJournal::beside(path)),
            chain_head: RefCell::new(None),
            next_token_key: Cell::new(None),
            audit_names: AuditNameCache::default(),
        };
        store
            .prepare(purpose)
            .map_err(|err| reclassify(path, err.into()))?;
        drop(pinned);
        Ok((store, created))
    }

    /// A private in-memory store, for tests and benchmarks.
    pub fn open_in_memory() -> Result<SqliteStore> {
        let mut store = SqliteStore {
            conn: Connection::open_in_memory()?,
            path: None,
            files: Vec::new(),
            schema: Vec::new(),
            writable: false,
            write_cache: Cell::new(0),
            journal: None,
            chain_head: RefCell::new(None),
            next_token_key: Cell::new(None),
            audit_names: AuditNameCache::default(),
        };
        store.prepare(Purpose::Use)?;
        Ok(store)
    }

    /// What the checks of the directory, the store file and its `-wal`,
    /// `-shm` and `-journal` found when the store was opened (the WAL and
    /// SHM as they were once SQLite had opened them). Empty in memory.
    pub fn files(&self) -> &[FileCheck] {
        &self.files
    }

    /// Schema objects not as tokctl's migrations make them. Always empty for
    /// a store opened with [`Store::open`], which refuses them.
    pub fn schema_differences(&self) -> &[SchemaDifference] {
        &self.schema
    }

    /// Whether the store passed every check (and so may be written).
    pub fn is_trusted(&self) -> bool {
        self.writable
    }

    /// The error a write to an untrusted store gets.
    fn refuse_untrusted(&self) -> Result<()> {
        if self.writable {
            return Ok(());
        }
        if let Some(err) = files::refusal(&self.files) {
            return Err(err.into());
        }
        Err(schema_error(&self.schema).into())
    }

    /// Whether the running (effective) user owns the store file: false in memory.
    pub fn file_owned_by_running_user(&self) -> bool {
        self.path
            .as_deref()
            .is_some_and(files::owned_by_effective_user)
    }

    /// The file path, or `None` in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn prepare(&mut self, purpose: Purpose) -> Result<()> {
        let conn = &mut self.conn;
        // First, before anything is read: run only the schema tokctl made,
        // and never fold the WAL on close (see below), so a store refused
        // here is left exactly as it was.
        harden(conn)?;
        if self.path.is_some() {
            // Closing must not checkpoint every time: that costs several
            // fsyncs, which would dominate a one-shot `tokctl verify`. The WAL
            // is folded into the file by SQLite's automatic checkpoints during
            // later commits and, once it passes a small size, when a
            // connection closes (see `Drop`); `tokctl backup` copies through
            // SQLite, so nothing relies on the main file alone being complete.
            conn.set_db_config(
                rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
                true,
            )?;
        }
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let inspecting_unsafe_files = files::refusal(&self.files).is_some();
        if conn.is_readonly(rusqlite::MAIN_DB)? && !inspecting_unsafe_files {
            return Err(Error::StoreReadOnly {
                path: self.path.clone().unwrap_or_default(),
            }
            .into());
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
            }
            .into());
        }
        if version > SCHEMA_VERSION {
            return Err(Error::StoreTooNew {
                path: self.path.clone().unwrap_or_default(),
                found: version,
                supported: SCHEMA_VERSION,
            }
            .into());
        }
        // Before the first write: a planted trigger would run inside it.
        let differences = schema::differences(conn, version)?;
        let needs_migration = version < SCHEMA_VERSION;
        if !differences.is_empty() && (purpose == Purpose::Use || needs_migration) {
            return Err(schema_error(&differences).into());
        }
        if inspecting_unsafe_files || !differences.is_empty() {
            if needs_migration {
                // Read-only, so it cannot be migrated, and older schemas
                // are not what the reports read.
                return Err(files::refusal(&self.files)
                    .unwrap_or_else(|| schema_error(&differences))
                    .into());
            }
            // Inspection of a store with problems: record them, write nothing.
            self.schema = differences;
            conn.execute_batch("PRAGMA query_only = ON;")?;
            return Ok(());
        }
        if let Some(path) = self.path.clone() {
            conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
            // WAL mode has now opened (or created) the -wal and -shm: check
            // them again, in case another user slipped one in meanwhile.
            for role in [FileRole::Wal, FileRole::Shm] {
                let check = files::check_side_file(&path, role)?;
                match self.files.iter_mut().find(|c| c.role == role) {
                    Some(slot) => *slot = check,
                    None => self.files.push(check),
                }
            }
            if let Some(err) = files::refusal(&self.files) {
                if purpose == Purpose::Use {
                    return Err(err.into());
                }
                conn.execute_batch("PRAGMA query_only = ON;")?;
                return Ok(());
            }
        }
        // FULL: a committed revocation survives a power cut. The verify path
        // relaxes this for its usage counters (see `relax_durability`).
        // The page cache stays SQLite's default (2 MiB) until the first
        // write (see `write`): a listing or an export reads each page once,
        // so a larger cache would only grow with the store.
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;")?;
        if needs_migration {
            register_migration_functions(conn)?;
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            // Re-read under the write lock: another process may have migrated meanwhile.
            let version: i64 = tx.query_row("PRAGMA user_version", [], |row| row.get(0))?;
            // ... so check its schema again, at that version, before the
            // migrations' statements could set off anything planted.
            let differences = schema::differences(&tx, version)?;
            if !differences.is_empty() {
                return Err(schema_error(&differences).into());
            }
            for (index, migration) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
                tx.execute_batch(migration)?;
                tx.pragma_update(None, "user_version", index as i64 + 1)?;
            }
            tx.pragma_update(None, "application_id", APPLICATION_ID)?;
            // The schema just written (perhaps partly by another process) must
            // be ours too; otherwise nothing is committed.
            let differences = schema::differences(&tx, SCHEMA_VERSION)?;
            if !differences.is_empty() {
                return Err(schema_error(&differences).into());
            }
            tx.commit()?;
        }
        self.writable = true;
        Ok(())
    }

    /// Raises this connection's page cache to `kib` (never lowers it).
    fn raise_cache(&self, kib: u32) -> Result<()> {
        if self.write_cache.get() < kib {
            self.conn
                .execute_batch(&format!("PRAGMA cache_size = -{kib};"))?;
            self.write_cache.set(kib);
        }
        Ok(())
    }

    /// Gives this connection the page cache of a bulk write from now on
    /// ([`BULK_CACHE_KIB`]), and lets its WAL grow to
    /// [`BULK_CHECKPOINT_PAGES`] before a commit folds it into the file:
    /// each fold costs two fsyncs, and at SQLite's default (1,000 pages) a
    /// bulk mint folded after nearly every batch. Closing the store folds
    /// what is left (see `Drop`), so no later process reads a large WAL.
    pub fn prefer_bulk_writes(&self) -> Result<()> {
        self.raise_cache(BULK_CACHE_KIB)?;
        self.conn
            .pragma_update(None, "wal_autocheckpoint", BULK_CHECKPOINT_PAGES)?;
        Ok(())
    }

    /// Lets commits skip the fsync (WAL `synchronous = NORMAL`): the last
    /// commits may be lost on power failure, never corrupted. Used only by
    /// verification, whose writes are usage counters. Callers outside
    /// `store` use [`StoreAdmin::prefer_throughput`] (through
    /// `Session::prefer_throughput`).
    fn relax_durability(&self) -> Result<()> {
        self.conn.execute_batch("PRAGMA synchronous = NORMAL;")?;
        Ok(())
    }

    /// Opens a read transaction that the reads until
    /// [`SqliteStore::end_shared_read`] share: one snapshot, and the file
    /// locks taken once instead of once per statement. A transaction left
    /// open by a caller that never ended it is rolled back first.
    pub fn begin_shared_read(&self) -> Result<()> {
        if !self.conn.is_autocommit() {
            self.conn.prepare_cached("ROLLBACK")?.execute([])?;
        }
        self.conn.prepare_cached("BEGIN")?.execute([])?;
        Ok(())
    }

    /// Ends what [`SqliteStore::begin_shared_read`] opened.
    pub fn end_shared_read(&self) -> Result<()> {
        if !self.conn.is_autocommit() {
            self.conn.prepare_cached("COMMIT")?.execute([])?;
        }
        Ok(())
    }

    /// Read access outside a transaction.
    pub fn read(&self) -> Queries<'_> {
        Queries {
            conn: &self.conn,
            journal: self.journal.as_ref(),
            chain_head: None,
            next_token_key: None,
            audit_names: Some(&self.audit_names),
        }
    }

    /// Whether the usage journal beside the file holds anything.
    pub fn usage_waiting(&self) -> bool {
        self.journal
            .as_ref()
            .is_some_and(UsageJournal::holds_anything)
    }

    /// Appends `usage` to the usage journal beside the file: its size
    /// after the append, or `None` in memory (and where there is no
    /// `flock`), where the caller writes the usage itself.
    pub fn append_usage(&self, usage: &DeferredUsage) -> crate::Result<Option<u64>> {
        self.refuse_untrusted()?;
        match &self.journal {
            Some(journal) if cfg!(unix) => journal.append(usage).map(Some),
            _ => Ok(None),
        }
    }

    /// Runs `work` in one write transaction (taking the write lock at once,
    /// so two writers queue instead of failing midway). Commits only if
    /// `work` returns `Ok`.
    pub fn write<T>(&mut self, work: impl FnOnce(&dyn Tx) -> crate::Result<T>) -> crate::Result<T> {
        self.transaction(|q| work(q))
    }

    /// [`SqliteStore::write`] with the backend's own queries.
    fn transaction<T>(
        &mut self,
        work: impl FnOnce(&Queries<'_>) -> crate::Result<T>,
    ) -> crate::Result<T> {
        self.refuse_untrusted()?;
        self.raise_cache(WRITE_CACHE_KIB)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(SqlError::from)?;
        self.chain_head.replace(None);
        self.next_token_key.set(None);
        let queries = Queries {
            conn: &tx,
            journal: self.journal.as_ref(),
            chain_head: Some(&self.chain_head),
            next_token_key: Some(&self.next_token_key),
            audit_names: Some(&self.audit_names),
        };
        let worked = work(&queries).and_then(|value| {
            if let Some(next) = self.next_token_key.take() {
                queries.store_next_token_key(next)?;
            }
            Ok(value)
        });
        let done = worked.and_then(|value| {
            tx.commit().map_err(SqlError::from)?;
            Ok(value)
        });
        self.chain_head.replace(None);
        self.next_token_key.set(None);
        self.audit_names.end_transaction(done.is_ok());
        // Records taken from the usage journal are emptied from it only
        // once the transaction that folded them has committed.
        if let Some(journal) = &self.journal {
            if journal.take_taken() && done.is_ok() {
                journal.compact(&self.conn);
            }
        }
        done
    }

    /// Copies the store into the reserved file `dest` with SQLite's online
    /// backup API, in one step under one read transaction: a consistent
    /// snapshot, while other processes go on writing.
    pub fn backup_into(&self, dest: &Path) -> Result<()> {
        let mut target = Connection::open_with_flags(
            dest,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_NOFOLLOW,
        )?;
        harden(&target)?;
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
/// Small, because every process that opens the store with no other
/// process holding it reads the whole WAL again (docs/PERFORMANCE.md has
/// the cost per size); not zero, because folding costs an fsync of the
/// file, which a `tokctl create` would then pay every time.
const WAL_TRUNCATE_BYTES: u64 = 64 << 10;

impl Drop for SqliteStore {
    /// Without a checkpoint on close (see `prepare`), the next process that
    /// opens the store with no other process holding it reads the WAL's
    /// frames to rebuild its index: that cost grows with the WAL. Once the
    /// WAL holds more than [`WAL_TRUNCATE_BYTES`], fold it into the file
    /// and empty it now, so every later open stays fast. (A one-shot
    /// verification writes nothing to the WAL: its use goes to the usage
    /// journal, see `usage_journal`.)
    fn drop(&mut self) {
        let Some(path) = &self.path else { return };
        if !self.writable {
            // Refused or inspected with problems: leave the files as they are.
            return;
        }
        let wal = files::side_path(path, FileRole::Wal);
        let large = std::fs::metadata(&wal).is_ok_and(|meta| meta.len() > WAL_TRUNCATE_BYTES);
        if large {
            // Best effort, and never waiting: while another process holds
            // the store, its WAL index stays valid (nothing is read again)
            // and whoever closes it last folds the WAL.
            let _ = self.conn.busy_timeout(Duration::ZERO);
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
    /// The usage journal, for [`Tx::take_deferred_usage`].
    journal: Option<&'c UsageJournal>,
    /// Inside a write transaction: the chain head it last appended (see
    /// `SqliteStore::chain_head`).
    chain_head: Option<&'c RefCell<Option<Checkpoint>>>,
    /// Inside a write transaction: the token key counter it advanced (see
    /// `SqliteStore::next_token_key`).
    next_token_key: Option<&'c Cell<Option<i64>>>,
    /// The numbers of audit names (see [`AuditNameCache`]).
    audit_names: Option<&'c AuditNameCache>,
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

/// Makes sure the store's directory exists: the default one is created
/// (0700); an explicit path must name an existing directory.
fn ensure_directory(location: &StoreLocation, dir: &Path) -> crate::Result<()> {
    if dir.exists() {
        return Ok(());
    }
    if !location.create_dirs {
        return Err(Error::request(
            format!(
                "the directory of the store does not exist: {}",
                dir.display()
            ),
            crate::error::RequestProblem::StoreDirMissing,
        ));
    }
    let mut builder = DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|source| Error::Io {
        path: dir.to_owned(),
        source,
    })
}

/// Creates an empty file, 0600 (the store, or a backup). `create_new` is `O_CREAT | O_EXCL`,
/// which never follows a link. Returns false if another process created it
/// a moment ago (theirs is used, after the same checks).
fn create_file(path: &Path) -> crate::Result<bool> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(true),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(source) => Err(Error::Io {
            path: path.to_owned(),
            source,
        }),
    }
}

/// Settings every connection gets before it reads anything: SQL in the
/// schema may not call functions with side effects (`trusted_schema`), and
/// SQL may not corrupt the file or rewrite the schema (defensive mode).
fn harden(conn: &Connection) -> Result<()> {
    use rusqlite::config::DbConfig;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false)?;
    Ok(())
}

/// Functions the migrations call. Direct-only: SQL stored in the schema (a
/// trigger, a view) can never call them.
fn register_migration_functions(conn: &Connection) -> Result<()> {
    use rusqlite::functions::FunctionFlags;
    // Migration 5 turns public token ids into storage keys.
    conn.create_scalar_function(
        "tokctl_token_key",
        1,
        FunctionFlags::SQLITE_UTF8
            | FunctionFlags::SQLITE_DETERMINISTIC
            | FunctionFlags::SQLITE_DIRECTONLY,
        |ctx| {
            let public: i64 = ctx.get(0)?;
            Ok(crate::model::TokenId::from_i64(public).map_or(public, crate::model::TokenId::key))
        },
    )?;
    Ok(())
}

/// The refusal of a store whose schema tokctl did not make.
fn schema_error(differences: &[SchemaDifference]) -> Error {
    const SHOWN: usize = 6;
    let mut objects: Vec<String> = differences
        .iter()
        .take(SHOWN)
        .map(ToString::to_string)
        .collect();
    if differences.len() > SHOWN {
        objects.push(format!("and {} more", differences.len() - SHOWN));
    }
    Error::StoreSchemaMismatch { objects }
}

fn open_error(path: &Path, err: rusqlite::Error) -> Error {
    match err.sqlite_error_code() {
        Some(ErrorCode::CannotOpen) => Error::StoreCannotOpen {
            path: path.to_owned(),
        },
        _ => reclassify(path, SqlError::from(err).into()),
    }
}

/// Names the file in errors that are about the file itself.
fn reclassify(path: &Path, err: Error) -> Error {
    let kind = match &err {
        Error::Store(inner) => Some(inner.kind()),
        _ => None,
    };
    match kind {
        Some(StoreErrorKind::NotADatabase) => Error::StoreNotDatabase {
            path: path.to_owned(),
        },
        Some(StoreErrorKind::ReadOnly) => Error::StoreReadOnly {
            path: path.to_owned(),
        },
        _ => err,
    }
}

/// Creates the empty file a backup will go to: 0600, and never over an
/// existing file.
pub(crate) fn reserve_backup_file(dest: &Path) -> crate::Result<()> {
    if create_file(dest)? {
        Ok(())
    } else {
        Err(Error::AlreadyExists {
            kind: "file",
            name: dest.display().to_string(),
        })
    }
}
