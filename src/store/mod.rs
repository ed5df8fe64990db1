//! The store seam and its backends. `ops` sees only what this module
//! exports: [`Store`] (one open store, whatever its backend), the [`Tx`] and
//! [`StoreAdmin`] traits, the rows and filters in `types`, and
//! [`StoreError`]. Each backend is a private module holding all of its SQL
//! and its driver: `sqlite` (the local file) and `postgres` (a team store
//! on a server). Each is a variant of `Backend` and an arm in each method
//! below; `ops` does not change (docs/ARCHITECTURE.md, "The store seam").
//! [`StoreTarget::parse`] tells which one a `--db` value names.

mod error;
mod postgres;
mod records;
mod seam;
mod sql;
mod sqlite;
mod target;
mod types;

use std::ops::Deref;
use std::path::{Path, PathBuf};

use crate::error::Result;

pub use crate::audit::Checkpoint;
pub use error::{StoreError, StoreErrorKind};
pub use postgres::{
    Host, PoolMode, ServerAddress, SslMode, TeamAdmin, TeamInit, TeamRole, TlsCheck, WalPosition,
    SCHEMA_VERSION as TEAM_SCHEMA_VERSION,
};
pub use records::{
    LoadEnd, MembershipRecord, Occupancy, OrgRecord, PolicyRecord, RecordBatch, RecordCounts,
    RetiredRecord, StoreFacts, StoreRecord, TokenRecord, UsageRecord, UserRecord,
};
pub use seam::{DumpSink, Loader, StoreAdmin, Tx};
pub use sqlite::{FileCheck, FileFacts, FileRole, SchemaChange, SchemaDifference, SCHEMA_VERSION};
pub use target::StoreTarget;
pub use types::{
    DeferredUsage, EventFilter, NewToken, OrgKey, RetiredSecret, Rotation, SentReminder, TokenEdit,
    TokenFilter, TokenRow, TokenSort, UsagePeriod, UsageUpdate, UserKey, UserStanding, VerifyRow,
    Visibility,
};

/// Where a local store lives and whether tokctl may create its directory.
#[derive(Debug, Clone)]
pub struct StoreLocation {
    /// The database file.
    pub path: PathBuf,
    /// True for the default location: missing directories are created (0700).
    /// An explicit path must name an existing directory.
    pub create_dirs: bool,
}

/// An open store, whatever its backend.
#[derive(Debug)]
pub struct Store {
    backend: Backend,
}

/// The backends tokctl ships. A closed set on purpose: each is reviewed
/// with the seam's guarantees in mind ([`Tx`]).
#[derive(Debug)]
enum Backend {
    /// The local SQLite file (the default; boxed: it carries what a write
    /// transaction keeps in memory and the usage journal besides its
    /// connection).
    Sqlite(Box<sqlite::SqliteStore>),
    /// A team store on a PostgreSQL server (boxed: its connection and
    /// statement cache are large, and a store is moved around whole).
    Postgres(Box<postgres::PgStore>),
}

/// The result of [`Store::open`].
#[derive(Debug)]
pub struct Opened {
    /// The store.
    pub store: Store,
    /// Whether the store was created by this call.
    pub created: bool,
}

/// Read access outside a write transaction: each call is its own read.
/// Dereferences to [`Tx`].
#[derive(Debug)]
pub struct Reader<'s> {
    inner: ReaderInner<'s>,
}

#[derive(Debug)]
enum ReaderInner<'s> {
    Sqlite(sqlite::Queries<'s>),
    Postgres(postgres::Queries<'s>),
}

impl<'s> Deref for Reader<'s> {
    type Target = dyn Tx + 's;

    fn deref(&self) -> &Self::Target {
        match &self.inner {
            ReaderInner::Sqlite(queries) => queries,
            ReaderInner::Postgres(queries) => queries,
        }
    }
}

impl Store {
    /// Opens (creating if needed) the local store at `location`, migrating
    /// an older schema in place and refusing a newer one. A new file is
    /// created 0600 in a 0700 directory.
    ///
    /// Before SQLite sees the path, it must be a plain path (no SQLite URI)
    /// to a regular file or to one that can be created; the file, its `-wal`,
    /// `-shm` and `-journal` must be the effective user's with no group or
    /// other permissions, in a directory only the user or root can change
    /// (or a sticky one). The schema must be exactly what tokctl's
    /// migrations create. Anything else is refused and nothing is written.
    pub fn open(location: &StoreLocation) -> Result<Opened> {
        let (store, created) = sqlite::SqliteStore::open(location)?;
        Ok(Opened {
            store: Store::sqlite(store),
            created,
        })
    }

    /// Opens the local store to report on it (`doctor`): unsafe files and
    /// foreign schema objects are recorded ([`Store::files`],
    /// [`Store::schema_differences`]) instead of refused, and such a store is
    /// opened read-only and refuses every write. Paths that are not regular
    /// files, and unsafe directories where the store does not exist yet, are
    /// still refused; so is a store with problems that would need migrating.
    pub fn open_for_inspection(location: &StoreLocation) -> Result<Opened> {
        let (store, created) = sqlite::SqliteStore::open_for_inspection(location)?;
        Ok(Opened {
            store: Store::sqlite(store),
            created,
        })
    }

    /// Another connection to the same store, for a service with one
    /// connection per worker: a local store opened and checked as
    /// [`Store::open`] does (a missing file is not created again), a team
    /// store connected as [`Store::connect`] does, as the same user with the
    /// same password. An in-memory store is private to its connection and
    /// cannot be opened twice.
    pub fn reopen(&self) -> Result<Store> {
        if let Backend::Postgres(store) = &self.backend {
            return Ok(Store {
                backend: Backend::Postgres(Box::new(store.reopen()?)),
            });
        }
        let Some(path) = self.path() else {
            return Err(crate::Error::request(
                "an in-memory store cannot be opened a second time",
                crate::error::RequestProblem::Other,
            ));
        };
        let location = StoreLocation {
            path: path.to_owned(),
            create_dirs: false,
        };
        let (store, _created) = sqlite::SqliteStore::open(&location)?;
        Ok(Store::sqlite(store))
    }

    /// A private in-memory store, for tests and benchmarks.
    pub fn open_in_memory() -> Result<Store> {
        Ok(Store::sqlite(sqlite::SqliteStore::open_in_memory()?))
    }

    /// Connects to the team store at `address` (a PostgreSQL database) as
    /// the URL's user, with `password` if the server asks for one. The
    /// store must be set up at this build's schema version ([`TeamAdmin::init`],
    /// `tokctl team init`): a database without one, or with an older one, is
    /// [`crate::Error::TeamStoreNotReady`]; a newer one is refused. A server
    /// that cannot be reached is [`StoreErrorKind::Unavailable`].
    pub fn connect(address: &ServerAddress, password: Option<&str>) -> Result<Opened> {
        let (store, created) = postgres::PgStore::connect(address, password)?;
        Ok(Opened {
            store: Store {
                backend: Backend::Postgres(Box::new(store)),
            },
            created,
        })
    }

    /// The user a team store knows this connection as (the database's
    /// `session_user`), who is the acting tokctl user there; `None` for a
    /// local store, where the caller names the user.
    pub fn server_user(&self) -> Option<&str> {
        match &self.backend {
            Backend::Sqlite(_) => None,
            Backend::Postgres(store) => Some(store.session_user()),
        }
    }

    /// Whether the connection to a team store was closed by the server, so
    /// only a new one ([`Store::reopen`]) can go on; never for a local store.
    pub fn connection_lost(&self) -> bool {
        match &self.backend {
            Backend::Sqlite(_) => false,
            Backend::Postgres(store) => store.connection_lost(),
        }
    }

    /// The address of a team store, `None` for a local one.
    pub fn server_address(&self) -> Option<&ServerAddress> {
        match &self.backend {
            Backend::Sqlite(_) => None,
            Backend::Postgres(store) => Some(store.address()),
        }
    }

    /// Where a team store's server is in its write-ahead log: a primary's
    /// flushed position, or how far a replica has replayed the primary's
    /// (what a service reading from a replica compares to know how stale
    /// it is). `None` for a local store, which has no log to compare.
    pub fn wal_position(&self) -> Result<Option<WalPosition>> {
        match &self.backend {
            Backend::Sqlite(_) => Ok(None),
            Backend::Postgres(store) => store.wal_position().map(Some),
        }
    }

    fn sqlite(store: sqlite::SqliteStore) -> Store {
        Store {
            backend: Backend::Sqlite(Box::new(store)),
        }
    }

    /// Read access outside a transaction.
    pub fn read(&self) -> Reader<'_> {
        let inner = match &self.backend {
            Backend::Sqlite(store) => ReaderInner::Sqlite(store.read()),
            Backend::Postgres(store) => ReaderInner::Postgres(store.read()),
        };
        Reader { inner }
    }

    /// Makes the reads until [`Store::end_shared_read`] one read
    /// transaction, where that is cheaper than one per read: on a local
    /// store it takes the file locks once. A team store reads each
    /// statement on its own as before (a transaction there would add two
    /// round trips). No write may come in between.
    pub(crate) fn begin_shared_read(&self) -> Result<()> {
        match &self.backend {
            Backend::Sqlite(store) => store.begin_shared_read().map_err(Into::into),
            Backend::Postgres(_) => Ok(()),
        }
    }

    /// Ends what [`Store::begin_shared_read`] began.
    pub(crate) fn end_shared_read(&self) -> Result<()> {
        match &self.backend {
            Backend::Sqlite(store) => store.end_shared_read().map_err(Into::into),
            Backend::Postgres(_) => Ok(()),
        }
    }

    /// Runs `work` in one write transaction (taking the write lock at once,
    /// so two writers queue instead of failing midway). Commits only if
    /// `work` returns `Ok`.
    ///
    /// `work` may run more than once: a team store runs the whole
    /// transaction again (a few times, after a short random pause) when the
    /// server ends it with a serialization failure or a deadlock. A run is
    /// repeated only after its transaction rolled back, so whatever `work`
    /// did outside it (the keyring) must be undone at the start of the next
    /// run; its changes through the [`Tx`] are gone by then.
    pub fn write<T>(&mut self, work: impl FnMut(&dyn Tx) -> Result<T>) -> Result<T> {
        match &mut self.backend {
            Backend::Sqlite(store) => store.write(work),
            Backend::Postgres(store) => store.write(work),
        }
    }

    /// Sends the store's facts, then every row as stored (keys, digests,
    /// actors, times, use counts, events with their hashes) in the order a
    /// [`Loader`] needs them, to `sink` until it breaks; all from one
    /// snapshot. Reads everything, whoever the caller acts as: `ops`
    /// decides who may.
    ///
    /// A local store only, for now: a team store is copied with
    /// PostgreSQL's own tools (`pg_dump`).
    pub fn dump(&self, sink: &mut dyn DumpSink) -> Result<()> {
        match &self.backend {
            Backend::Sqlite(store) => store.dump(sink),
            Backend::Postgres(_) => Err(crate::Error::request(
                "reading a team store row by row is not supported; copy it with pg_dump",
                crate::error::RequestProblem::Other,
            )),
        }
    }

    /// Whether [`Store::load`] would start: the store is empty (else
    /// [`crate::Error::StoreNotEmpty`]) and, on a team store, this login is
    /// its database's owner or a superuser (else forbidden). Writes nothing.
    pub fn check_load(&self) -> Result<()> {
        match &self.backend {
            Backend::Sqlite(store) => store.check_load(),
            Backend::Postgres(store) => store.check_load(),
        }
    }

    /// Runs `work` in one write transaction with a [`Loader`], the bulk
    /// path that writes rows as they are (for a copy of a whole store, or
    /// seeding a benchmark): refused unless [`Store::check_load`]'s checks
    /// pass inside that transaction. `work` loads its batches, calls
    /// [`Loader::finish`], and may then append events through the [`Tx`],
    /// which link to the loaded chain. Commits only if `work` returns
    /// `Ok`: a failure anywhere leaves the store as empty as it was.
    pub fn load<T>(&mut self, work: impl FnOnce(&dyn Tx, &dyn Loader) -> Result<T>) -> Result<T> {
        match &mut self.backend {
            Backend::Sqlite(store) => store.load(work),
            Backend::Postgres(store) => store.load(work),
        }
    }

    /// Durability, backups and health: what the backend does its own way.
    pub fn admin(&self) -> &dyn StoreAdmin {
        match &self.backend {
            Backend::Sqlite(store) => &**store,
            Backend::Postgres(store) => &**store,
        }
    }

    /// What the checks of the store's files found when it was opened (the
    /// directory, the file and its `-wal`, `-shm` and `-journal`). Empty in
    /// memory.
    pub fn files(&self) -> &[FileCheck] {
        match &self.backend {
            Backend::Sqlite(store) => store.files(),
            Backend::Postgres(_) => &[],
        }
    }

    /// Schema objects not as tokctl's migrations make them. Always empty for
    /// a store opened with [`Store::open`], which refuses them.
    pub fn schema_differences(&self) -> &[SchemaDifference] {
        match &self.backend {
            Backend::Sqlite(store) => store.schema_differences(),
            Backend::Postgres(_) => &[],
        }
    }

    /// Whether the store passed every check (and so may be written).
    pub fn is_trusted(&self) -> bool {
        match &self.backend {
            Backend::Sqlite(store) => store.is_trusted(),
            Backend::Postgres(_) => true,
        }
    }

    /// Whether the OS user running tokctl owns the store's file: they can
    /// copy it whatever tokctl's roles say. Never for a store in memory or
    /// on a server (the database's own privileges decide there).
    pub fn file_owned_by_running_user(&self) -> bool {
        match &self.backend {
            Backend::Sqlite(store) => store.file_owned_by_running_user(),
            Backend::Postgres(_) => false,
        }
    }

    /// The file of a local store, or `None` in memory or on a server.
    pub fn path(&self) -> Option<&Path> {
        match &self.backend {
            Backend::Sqlite(store) => store.path(),
            Backend::Postgres(_) => None,
        }
    }

    /// Creates the empty file a backup will go to: 0600, and never over an
    /// existing file.
    pub fn reserve_backup_file(dest: &Path) -> Result<()> {
        sqlite::reserve_backup_file(dest)
    }
}
