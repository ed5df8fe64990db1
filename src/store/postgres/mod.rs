//! The team store on PostgreSQL, the only place with PostgreSQL: the
//! address, connecting (TLS through rustls), the migrations, the write
//! transactions, and every query. Every object lives in the schema `tokctl`.
//!
//! Writers serialize on one transaction-level advisory lock taken first in
//! every write transaction, as SQLite's single writer does: the audit
//! chain's linking, the token-key counter and the live-name check
//! ([`crate::store::Tx`]) then hold across machines. Write transactions run
//! at READ COMMITTED, so every statement after the lock sees what the
//! previous writer committed.
//!
//! Behind a pooler in transaction mode (the URL's `pool_mode=transaction`),
//! the server session between two transactions may be another client's, so
//! the connection keeps no state there: statements go unnamed (parsed and
//! run in one message, never prepared and cached), the session settings
//! that a direct connection sends at start-up are set per transaction
//! (`SET LOCAL`), and no lock, cursor or setting outlives its transaction
//! (docs/team.md, "Through a connection pooler").

mod address;
mod audit;
mod bulk;
mod directory;
mod error;
mod policies;
mod reminders;
mod team;
mod tls;
mod tokens;
mod tx;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::ops::ControlFlow;
use std::time::Duration;

use postgres::types::{ToSql, Type};
use postgres::{Client, NoTls, Row, Statement};

use crate::error::{Error, Result};
use crate::store::Tx;
use address::Route;
pub use address::{Host, PoolMode, ServerAddress, SslMode, TlsCheck};
use error::{
    commit_unknown, connect_error, is_retryable, missing_roots, pooled_identity, query_error,
    rolled_back_by_loss, session_ended,
};
pub use team::{TeamAdmin, TeamInit, TeamRole};

/// Migrations in order; `tokctl.meta`'s `schema_version` is how many have
/// run. `tokctl team init` runs them, as the schema's owner role; an
/// ordinary connection only checks the version.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_deactivation.sql"),
    include_str!("migrations/0003_enforce.sql"),
    include_str!("migrations/0004_service_accounts.sql"),
    include_str!("migrations/0005_load.sql"),
    include_str!("migrations/0006_fast_reads.sql"),
    include_str!("migrations/0007_reminders.sql"),
    include_str!("migrations/0008_verify_lookup.sql"),
    include_str!("migrations/0009_usage_batch.sql"),
];

/// The schema version this build writes in a team store.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The writers' advisory lock, (class, object): "tokc" and 1. Advisory locks
/// are per database, so each team store has its own.
const LOCK_CLASS: i32 = 0x746f_6b63;
const WRITE_LOCK: i32 = 1;

/// How long a writer waits for another's lock before the store counts as
/// busy, as SQLite's busy timeout.
const LOCK_TIMEOUT: &str = "10s";

/// The search path of every statement: every name tokctl uses is
/// schema-qualified, and nothing resolves through a schema another user
/// could write (`pg_temp` last, so no temporary table shadows a name).
const SEARCH_PATH: &str = "pg_catalog, pg_temp";

/// How many times a write transaction runs at most when the server ends it
/// with a serialization failure (40001) or a deadlock (40P01): those say
/// nothing about the work, only that another transaction got in its way,
/// and running the whole transaction again is what PostgreSQL asks for.
const WRITE_ATTEMPTS: u32 = 5;

/// The pause before the second attempt; it doubles for each further one, up
/// to [`RETRY_PAUSE_MAX`], and a random part of it is left out, so that two
/// writers that collided do not collide again in step.
const RETRY_PAUSE_FIRST: Duration = Duration::from_millis(20);
const RETRY_PAUSE_MAX: Duration = Duration::from_millis(500);

/// Rows fetched per round trip by the streaming reads.
const WALK_BATCH: i64 = 500;

/// Where a server is in its write-ahead log, as a byte position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WalPosition {
    /// A primary (not in recovery): how far its log is flushed to disk. A
    /// transaction that committed durably (`synchronous_commit` on) ends
    /// at or before it.
    Primary {
        /// The flushed position.
        flushed: u64,
    },
    /// A hot standby: how far it has replayed the primary's log; every
    /// transaction whose commit record ends at or before it is visible to
    /// its reads. `None` before it has replayed anything.
    Replica {
        /// The replayed position.
        replayed: Option<u64>,
    },
}

/// An open team store: one connection.
pub struct PgStore {
    conn: RefCell<Conn>,
    address: ServerAddress,
    /// The password this connection was made with, if any: a service opens
    /// one more connection per worker with it ([`PgStore::reopen`]).
    password: Option<zeroize::Zeroizing<String>>,
    session_user: String,
    /// Open cursors of streaming reads (each nested walk gets its own name).
    walks: Cell<u32>,
    /// Whether a statement of the current write transaction failed with a
    /// serialization failure or a deadlock: the transaction is then over,
    /// whatever the work made of the error, and runs again.
    conflicted: Cell<bool>,
    /// The error that ended the session in the current write transaction,
    /// before its COMMIT: what is reported instead of whatever the work made
    /// of it, since it says that nothing was changed.
    lost: RefCell<Option<Error>>,
    /// Whether a write transaction is under way, up to its COMMIT (a cell of
    /// its own: statements fail while the connection is borrowed).
    writing: Cell<bool>,
    /// Whether write transactions commit without waiting for the WAL to
    /// reach the disk ([`PgStore::relax_durability`]).
    relaxed: Cell<bool>,
}

/// The connection, its prepared statements, and whether a transaction is open.
struct Conn {
    client: Client,
    statements: HashMap<String, Statement>,
    in_transaction: bool,
    /// Behind a pooler in transaction mode: no statement is prepared.
    pooled: bool,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("address", &self.address.to_string())
            .field("session_user", &self.session_user)
            .finish_non_exhaustive()
    }
}

impl Conn {
    fn statement(&mut self, sql: &str) -> std::result::Result<Statement, postgres::Error> {
        self.statement_for(sql, sql)
    }

    /// The prepared `sql`, cached under `key`: a `FETCH` returns the columns
    /// of whatever its cursor was declared for, so it is cached per query.
    fn statement_for(
        &mut self,
        key: &str,
        sql: &str,
    ) -> std::result::Result<Statement, postgres::Error> {
        if let Some(statement) = self.statements.get(key) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(sql)?;
        self.statements.insert(key.to_owned(), statement.clone());
        Ok(statement)
    }
}

impl Conn {
    /// The rows of `sql`: a statement prepared once per connection, or on a
    /// pooled connection an unnamed one parsed with the parameters' types
    /// and run in the same message, so that nothing is left on a server
    /// session that may be another client's next.
    fn query(
        &mut self,
        sql: &str,
        params: &Params<'_>,
    ) -> std::result::Result<Vec<Row>, postgres::Error> {
        if self.pooled {
            return self.client.query_typed(sql, &typed(params));
        }
        let statement = self.statement(sql)?;
        self.client.query(&statement, &untyped(params))
    }

    /// Runs `sql`; how many rows it changed. Unnamed on a pooled connection.
    fn execute(
        &mut self,
        sql: &str,
        params: &Params<'_>,
    ) -> std::result::Result<u64, postgres::Error> {
        if self.pooled {
            return self.client.execute_typed(sql, &typed(params));
        }
        let statement = self.statement(sql)?;
        self.client.execute(&statement, &untyped(params))
    }
}

impl PgStore {
    /// Connects to the team store at `address` as its user, with `password`
    /// when the server asks for one. The store must have been set up by
    /// `team init` at this build's schema version: a database without it, or
    /// at an older version, is [`Error::TeamStoreNotReady`]; a newer one is
    /// refused as too new. Returns the store and whether this call created
    /// it (never: `team init` does).
    pub fn connect(address: &ServerAddress, password: Option<&str>) -> Result<(PgStore, bool)> {
        let store = PgStore::open_connection(address, password)?;
        let version = store.stored_version()?;
        if version > SCHEMA_VERSION {
            return Err(store.too_new(version));
        }
        if version < SCHEMA_VERSION {
            return Err(Error::TeamStoreNotReady {
                address: address.to_string(),
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        Ok((store, false))
    }

    /// Another connection to the same store as the same user, checked as
    /// [`PgStore::connect`] checks one.
    pub fn reopen(&self) -> Result<PgStore> {
        let password = self.password.as_ref().map(|password| password.as_str());
        PgStore::connect(&self.address, password).map(|(store, _created)| store)
    }

    /// Whether the server closed this connection (it stopped, or an
    /// administrator ended the session): every later call would fail.
    pub fn connection_lost(&self) -> bool {
        self.conn.borrow().client.is_closed()
    }

    /// A connection as the URL's user, nothing checked yet.
    fn open_connection(address: &ServerAddress, password: Option<&str>) -> Result<PgStore> {
        let shown = address.to_string();
        let user = address.user().ok_or_else(|| {
            Error::request(
                "the store URL names no database user",
                crate::error::RequestProblem::Other,
            )
        })?;
        let pooled = address.pool_mode() == PoolMode::Transaction;
        let mut config = postgres::Config::new();
        config
            .user(user)
            .port(address.port())
            .connect_timeout(address.connect_timeout())
            .application_name("tokctl");
        if !pooled {
            // For the whole session. A pooler hands the session to others,
            // and PgBouncer refuses the start-up parameter besides
            // ("unsupported startup parameter: options"): a pooled
            // connection sets both per transaction instead.
            config.options(&format!(
                "-c search_path={} -c lock_timeout={LOCK_TIMEOUT}",
                SEARCH_PATH.replace(' ', "")
            ));
        }
        if let Some(dbname) = address.dbname() {
            config.dbname(dbname);
        }
        if let Some(password) = password {
            config.password(password);
        }
        // The root certificate file a refused certificate is named against.
        let mut roots_used = None;
        let client = match address.route() {
            Route::Socket(dir) => {
                config
                    .host_path(dir)
                    .ssl_mode(postgres::config::SslMode::Disable);
                config.connect(NoTls)
            }
            Route::Tcp(host) => {
                config.host(host);
                let connector = match address.tls_check() {
                    TlsCheck::None => {
                        config.ssl_mode(postgres::config::SslMode::Disable);
                        tls::unverified_connector()?
                    }
                    TlsCheck::EncryptOnly { required } => {
                        config.ssl_mode(if required {
                            postgres::config::SslMode::Require
                        } else {
                            postgres::config::SslMode::Prefer
                        });
                        tls::unverified_connector()?
                    }
                    TlsCheck::Chain { roots, host } => {
                        config.ssl_mode(postgres::config::SslMode::Require);
                        let connector = tls::verifying_connector(&roots, host, &shown)?;
                        roots_used = Some(roots);
                        connector
                    }
                    TlsCheck::MissingRoots { looked_for } => {
                        return Err(missing_roots(
                            &shown,
                            address.sslmode(),
                            looked_for.as_deref(),
                        ))
                    }
                };
                config.connect(connector)
            }
        }
        .map_err(|err| connect_error(&err, &shown, roots_used.as_deref(), pooled))?;
        let mut store = PgStore {
            conn: RefCell::new(Conn {
                client,
                statements: HashMap::new(),
                in_transaction: false,
                pooled,
            }),
            address: address.clone(),
            password: password.map(|password| zeroize::Zeroizing::new(password.to_owned())),
            session_user: String::new(),
            walks: Cell::new(0),
            conflicted: Cell::new(false),
            lost: RefCell::new(None),
            writing: Cell::new(false),
            relaxed: Cell::new(false),
        };
        let row = store.read().one("SELECT session_user::text", &[])?;
        store.session_user = row.try_get(0).map_err(query_error)?;
        if store.session_user != user {
            return Err(pooled_identity(&shown, user, &store.session_user));
        }
        Ok(store)
    }

    /// The database user this connection acts as: the tokctl user.
    pub fn session_user(&self) -> &str {
        &self.session_user
    }

    /// The store's address, for messages.
    pub fn address(&self) -> &ServerAddress {
        &self.address
    }

    /// Where the server is in its write-ahead log ([`WalPosition`]).
    pub fn wal_position(&self) -> Result<WalPosition> {
        // Only the branch for the server's role is evaluated: the other
        // function fails there ("recovery is in progress").
        let row = self.read().one(
            "SELECT pg_catalog.pg_is_in_recovery(),
                    CASE WHEN pg_catalog.pg_is_in_recovery()
                         THEN pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_last_wal_replay_lsn(), '0/0')
                         ELSE pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_flush_lsn(), '0/0')
                    END::bigint",
            &[],
        )?;
        let replica: bool = get(&row, 0)?;
        let lsn: Option<i64> = get(&row, 1)?;
        let lsn = lsn.map(|lsn| u64::try_from(lsn).unwrap_or(0));
        Ok(if replica {
            WalPosition::Replica { replayed: lsn }
        } else {
            WalPosition::Primary {
                flushed: lsn.unwrap_or(0),
            }
        })
    }

    /// The schema version, 0 before the first migration.
    fn stored_version(&self) -> Result<i64> {
        let q = self.read();
        let exists: bool = q
            .one("SELECT to_regclass('tokctl.meta') IS NOT NULL", &[])?
            .try_get(0)
            .map_err(query_error)?;
        if !exists {
            let foreign: i64 = q
                .one(
                    "SELECT count(*) FROM pg_catalog.pg_class c
                     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                     WHERE n.nspname = 'tokctl'",
                    &[],
                )?
                .try_get(0)
                .map_err(query_error)?;
            if foreign > 0 {
                return Err(Error::StoreSchemaMismatch {
                    objects: vec![format!(
                        "{foreign} objects in schema tokctl, which has no tokctl.meta"
                    )],
                });
            }
            return Ok(0);
        }
        let value: Option<String> = q
            .opt(
                "SELECT value FROM tokctl.meta WHERE key = 'schema_version'",
                &[],
            )?
            .map(|row| row.try_get(0))
            .transpose()
            .map_err(query_error)?;
        value
            .and_then(|text| text.parse().ok())
            .ok_or_else(|| crate::store::StoreError::corrupt("an invalid schema version"))
    }

    /// Runs the pending migrations inside the caller's transaction, as the
    /// role the caller has switched to; returns the version found before.
    fn run_migrations(&self, q: &Queries<'_>) -> Result<i64> {
        let version = self.stored_version()?;
        if version > SCHEMA_VERSION {
            return Err(self.too_new(version));
        }
        for (index, migration) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
            q.batch(migration)?;
            let reached = (index as i64 + 1).to_string();
            q.run(
                "UPDATE tokctl.meta SET value = $1 WHERE key = 'schema_version'",
                &[&reached],
            )?;
        }
        Ok(version)
    }

    fn too_new(&self, found: i64) -> Error {
        Error::StoreTooNew {
            path: self.address.to_string().into(),
            found,
            supported: SCHEMA_VERSION,
        }
    }

    /// Read access outside a transaction: each call is its own statement.
    pub fn read(&self) -> Queries<'_> {
        Queries { store: self }
    }

    /// Runs `work` in one write transaction under the writers' lock.
    /// Commits only if `work` returns `Ok`. When the server ends the
    /// transaction with a serialization failure or a deadlock (at the lock,
    /// inside `work`, or at the commit), it is rolled back and runs again
    /// from the start, at most [`WRITE_ATTEMPTS`] times in all, after a
    /// growing, jittered pause: `work` runs again only after its earlier
    /// run's transaction rolled back.
    pub fn write<T>(&mut self, mut work: impl FnMut(&dyn Tx) -> Result<T>) -> Result<T> {
        self.transaction(|q| work(q))
    }

    fn transaction<T>(&self, mut work: impl FnMut(&Queries<'_>) -> Result<T>) -> Result<T> {
        let mut attempt = 1;
        loop {
            match self.attempt_transaction(&mut work) {
                // The work's own error (often "transaction aborted") is not
                // the news: the conflict is, and it is only ever the server's.
                Err(_) if self.conflicted.get() && attempt < WRITE_ATTEMPTS => {
                    std::thread::sleep(retry_pause(attempt));
                    attempt += 1;
                }
                result => return result,
            }
        }
    }

    /// One run of a write transaction: begin and lock, the work, then commit
    /// on `Ok` or roll back on `Err`. Leaves `conflicted` set when the server
    /// reported a conflict anywhere in it.
    fn attempt_transaction<T>(
        &self,
        work: &mut impl FnMut(&Queries<'_>) -> Result<T>,
    ) -> Result<T> {
        self.conflicted.set(false);
        *self.lost.borrow_mut() = None;
        self.writing.set(true);
        let result = self.begin_write().and_then(|()| work(&self.read()));
        self.writing.set(false);
        let lost = self.lost.borrow_mut().take();
        let mut conn = self.conn.borrow_mut();
        // False when BEGIN or the lock failed (begin_write rolled back).
        let began = std::mem::replace(&mut conn.in_transaction, false);
        match result {
            // A statement failed and the work went on regardless: the server
            // has aborted the transaction, and its COMMIT would roll back.
            Ok(_) if lost.is_some() || self.conflicted.get() => {
                let _ = conn.client.batch_execute("ROLLBACK");
                Err(lost.unwrap_or_else(|| {
                    crate::store::StoreError::new(
                        crate::store::StoreErrorKind::Busy,
                        "the transaction was ended by a conflict with another one",
                    )
                    .into()
                }))
            }
            Ok(value) => {
                conn.client
                    .batch_execute("COMMIT")
                    .map_err(|err| self.commit_failed(err))?;
                Ok(value)
            }
            Err(err) => {
                // The error that ended the work is the one to report (or
                // that the session ended, which says nothing was changed); a
                // connection that is gone rolls back by itself.
                if began {
                    let _ = conn.client.batch_execute("ROLLBACK");
                }
                Err(lost.unwrap_or(err))
            }
        }
    }

    /// Begins a transaction and takes the writers' lock, in one round trip.
    fn begin_write(&self) -> Result<()> {
        let mut conn = self.conn.borrow_mut();
        let mut begin = String::from("BEGIN ISOLATION LEVEL READ COMMITTED; ");
        begin.push_str(&self.transaction_settings(conn.pooled));
        if self.relaxed.get() {
            begin.push_str("SET LOCAL synchronous_commit = off; ");
        }
        begin.push_str(&format!(
            "SELECT pg_advisory_xact_lock({LOCK_CLASS}, {WRITE_LOCK})"
        ));
        match conn.client.batch_execute(&begin) {
            Ok(()) => {
                conn.in_transaction = true;
                Ok(())
            }
            Err(err) => {
                let _ = conn.client.batch_execute("ROLLBACK");
                Err(self.failed(err))
            }
        }
    }

    /// A failed statement as the library's error, noting a conflict, or
    /// the end of the session inside a write transaction.
    fn failed(&self, err: postgres::Error) -> Error {
        if is_retryable(&err) {
            self.conflicted.set(true);
        }
        if self.writing.get() && session_ended(&err) {
            let mut lost = self.lost.borrow_mut();
            if lost.is_none() {
                *lost = Some(rolled_back_by_loss(&err));
            }
        }
        query_error(err)
    }

    /// A failed COMMIT. A conflict rolled the transaction back (it runs
    /// again); a lost connection leaves unknown whether it committed, and
    /// the message says so: the change is all there or not at all.
    fn commit_failed(&self, err: postgres::Error) -> Error {
        if session_ended(&err) {
            return commit_unknown(&err);
        }
        self.failed(err)
    }

    /// Lets this connection's write transactions commit before the WAL
    /// reaches the disk (`synchronous_commit = off`): the last usage counts
    /// may be lost on a crash of the server, never corrupted. Set per
    /// transaction (`SET LOCAL`), so that behind a pooler it never reaches
    /// another client's transactions.
    fn relax_durability(&self) -> Result<()> {
        self.relaxed.set(true);
        Ok(())
    }

    /// What a transaction sets first on a pooled connection: the session
    /// settings a direct one sent at start-up, for this transaction only.
    /// Empty on a direct connection.
    fn transaction_settings(&self, pooled: bool) -> String {
        if pooled {
            format!(
                "SET LOCAL search_path = {SEARCH_PATH}; SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'; "
            )
        } else {
            String::new()
        }
    }

    /// `BEGIN` of a read-only snapshot, with the transaction's settings.
    fn begin_snapshot(&self, conn: &mut Conn) -> Result<()> {
        let begin = format!(
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; {}",
            self.transaction_settings(conn.pooled)
        );
        conn.client.batch_execute(&begin).map_err(query_error)?;
        conn.in_transaction = true;
        Ok(())
    }

    /// The schema version of the open store.
    fn schema_version(&self) -> Result<i64> {
        self.stored_version()
    }
}

/// Typed queries over the connection, inside a transaction or not.
#[derive(Debug, Clone, Copy)]
pub struct Queries<'s> {
    store: &'s PgStore,
}

/// A statement parameter: a value and the PostgreSQL type it is sent as.
/// An unnamed statement (on a pooled connection) is parsed with its
/// parameters' types in the same message, so each value names its type:
/// the one the server infers for it where a prepared statement is used
/// (which the driver checks there, so the two cannot differ unnoticed).
pub(crate) trait Param: ToSql + Sync {
    /// The type the value is sent as.
    fn pg_type(&self) -> Type;
}

/// A Rust type always sent as one PostgreSQL type (also as `None`).
pub(crate) trait PgTyped {
    /// That type.
    const PG_TYPE: Type;
}

impl<T: PgTyped + ToSql + Sync> Param for T {
    fn pg_type(&self) -> Type {
        T::PG_TYPE
    }
}

/// Implements [`PgTyped`] for each Rust type and its PostgreSQL type.
macro_rules! pg_typed {
    ($($rust:ty => $pg:ident),* $(,)?) => {
        $(impl PgTyped for $rust {
            const PG_TYPE: Type = Type::$pg;
        })*
    };
}

pg_typed! {
    bool => BOOL,
    i32 => INT4,
    i64 => INT8,
    f64 => FLOAT8,
    str => TEXT,
    String => TEXT,
    [u8] => BYTEA,
    Vec<u8> => BYTEA,
    Vec<String> => TEXT_ARRAY,
    Vec<i64> => INT8_ARRAY,
}

impl<T: PgTyped + ?Sized> PgTyped for &T {
    const PG_TYPE: Type = T::PG_TYPE;
}

impl<T: PgTyped> PgTyped for Option<T> {
    const PG_TYPE: Type = T::PG_TYPE;
}

/// A statement's parameters.
type Params<'p> = [&'p dyn Param];

/// Parameters for a prepared statement (whose types the server gave).
fn untyped<'p>(params: &'p Params<'_>) -> Vec<&'p (dyn ToSql + Sync)> {
    params
        .iter()
        .map(|param| *param as &(dyn ToSql + Sync))
        .collect()
}

/// Parameters with their types, for an unnamed statement.
fn typed<'p>(params: &'p Params<'_>) -> Vec<(&'p (dyn ToSql + Sync), Type)> {
    params
        .iter()
        .map(|param| (*param as &(dyn ToSql + Sync), param.pg_type()))
        .collect()
}

impl Queries<'_> {
    /// Every row of a query.
    fn all(&self, sql: &str, params: &Params<'_>) -> Result<Vec<Row>> {
        let mut conn = self.store.conn.borrow_mut();
        conn.query(sql, params)
            .map_err(|err| self.store.failed(err))
    }

    /// The one row a query returns.
    fn one(&self, sql: &str, params: &Params<'_>) -> Result<Row> {
        let mut rows = self.all(sql, params)?;
        if rows.len() != 1 {
            return Err(crate::store::StoreError::new(
                crate::store::StoreErrorKind::Other,
                format!("a query that returns one row returned {}", rows.len()),
            )
            .into());
        }
        Ok(rows.remove(0))
    }

    /// The row a query returns, if any (at most one).
    fn opt(&self, sql: &str, params: &Params<'_>) -> Result<Option<Row>> {
        let mut rows = self.all(sql, params)?;
        if rows.len() > 1 {
            return Err(crate::store::StoreError::new(
                crate::store::StoreErrorKind::Other,
                format!(
                    "a query that returns at most one row returned {}",
                    rows.len()
                ),
            )
            .into());
        }
        Ok(rows.pop())
    }

    /// Runs a statement; returns how many rows it changed.
    fn run(&self, sql: &str, params: &Params<'_>) -> Result<u64> {
        let mut conn = self.store.conn.borrow_mut();
        conn.execute(sql, params)
            .map_err(|err| self.store.failed(err))
    }

    /// Runs statements without parameters (simple protocol, not prepared).
    fn batch(&self, sql: &str) -> Result<()> {
        let mut conn = self.store.conn.borrow_mut();
        conn.client
            .batch_execute(sql)
            .map_err(|err| self.store.failed(err))
    }

    /// Calls `each` for every row of a query, in batches through a cursor, so
    /// memory stays flat however many rows there are, and `each` may run
    /// other queries on this connection meanwhile. Outside a write
    /// transaction the walk is one read-only snapshot.
    fn walk(
        &self,
        sql: &str,
        params: &Params<'_>,
        each: &mut dyn FnMut(&Row) -> Result<ControlFlow<()>>,
    ) -> Result<()> {
        let own_transaction = {
            let mut conn = self.store.conn.borrow_mut();
            if conn.in_transaction {
                false
            } else {
                self.store.begin_snapshot(&mut conn)?;
                true
            }
        };
        let depth = self.store.walks.get();
        self.store.walks.set(depth + 1);
        let result = self.walk_cursor(&format!("tokctl_walk_{depth}"), sql, params, each);
        self.store.walks.set(depth);
        if own_transaction {
            let mut conn = self.store.conn.borrow_mut();
            conn.in_transaction = false;
            let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
            let ended = conn.client.batch_execute(end).map_err(query_error);
            result?;
            ended?;
            return Ok(());
        }
        result
    }

    fn walk_cursor(
        &self,
        cursor: &str,
        sql: &str,
        params: &Params<'_>,
        each: &mut dyn FnMut(&Row) -> Result<ControlFlow<()>>,
    ) -> Result<()> {
        self.run(
            &format!("DECLARE {cursor} NO SCROLL CURSOR FOR {sql}"),
            params,
        )?;
        let fetch = format!("FETCH FORWARD {WALK_BATCH} FROM {cursor}");
        let fetch_key = format!("{fetch} -- {sql}");
        'batches: loop {
            let rows = {
                let mut conn = self.store.conn.borrow_mut();
                let fetched = if conn.pooled {
                    conn.client.query_typed(&fetch, &[])
                } else {
                    conn.statement_for(&fetch_key, &fetch)
                        .and_then(|statement| conn.client.query(&statement, &[]))
                };
                fetched.map_err(|err| self.store.failed(err))?
            };
            let complete = (rows.len() as i64) < WALK_BATCH;
            for row in &rows {
                if each(row)?.is_break() {
                    break 'batches;
                }
            }
            if complete {
                break;
            }
        }
        self.batch(&format!("CLOSE {cursor}"))
    }

    /// This store's random id (keeps keyring entries of two stores apart).
    fn store_id(&self) -> Result<String> {
        get(
            &self.one("SELECT value FROM tokctl.meta WHERE key = 'store_id'", &[])?,
            0,
        )
    }
}

/// The pause before attempt `attempt + 1` of a write transaction: the
/// doubling step for this attempt, of which a random part up to a half is
/// left out.
fn retry_pause(attempt: u32) -> Duration {
    use ring::rand::SecureRandom;
    let step = RETRY_PAUSE_FIRST
        .saturating_mul(1 << attempt.saturating_sub(1).min(16))
        .min(RETRY_PAUSE_MAX);
    let mut byte = [0u8; 1];
    // Without randomness the pause is the whole step: still bounded.
    let _ = ring::rand::SystemRandom::new().fill(&mut byte);
    step - step.mul_f64(f64::from(byte[0]) / 510.0)
}

/// A column of a row, or the store's error.
fn get<'r, T: postgres::types::FromSql<'r>>(row: &'r Row, index: usize) -> Result<T> {
    row.try_get(index).map_err(query_error)
}
