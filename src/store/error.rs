//! The store's own error type: what any backend reports, so no driver type
//! (rusqlite today, a PostgreSQL client later) reaches `ops` or the public
//! [`crate::Error`]. Each backend converts its driver's errors in its own
//! module.

use std::fmt;

/// What kind of failure a backend reported. The CLI's exit code depends on
/// it only through [`crate::Error::kind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreErrorKind {
    /// Another writer held the store for longer than the backend waits
    /// (SQLite: `SQLITE_BUSY`, `SQLITE_LOCKED`).
    Busy,
    /// The stored data is damaged (SQLite: `SQLITE_CORRUPT`).
    Corrupt,
    /// The store refuses writes (SQLite: `SQLITE_READONLY`).
    ReadOnly,
    /// A uniqueness, foreign-key or check constraint refused a change.
    Constraint,
    /// The store is not a database of the expected kind (SQLite: `SQLITE_NOTADB`).
    NotADatabase,
    /// The store cannot be reached at all (a server that is down, a
    /// connection refused). SQLite, a local file, never reports this.
    Unavailable,
    /// The database refused the acting user what they asked (PostgreSQL:
    /// SQLSTATE 42501, from its privileges, row-level security or tokctl's
    /// triggers), as tokctl refuses a missing role. SQLite never reports this.
    Denied,
    /// Anything else.
    Other,
}

/// A failure inside the store, as tokctl names it. The message is the
/// backend's own, for the one `error:` line; it never holds a secret, since
/// secrets never go into queries (only their digests do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError {
    kind: StoreErrorKind,
    message: String,
}

impl StoreError {
    /// A value in the store that tokctl never writes (a hand-edited or
    /// damaged file), as the library's error: the store is unusable (exit 6)
    /// and the message says what was found.
    pub fn corrupt(what: &str) -> crate::Error {
        crate::Error::Store(StoreError::new(
            StoreErrorKind::Corrupt,
            format!("{what} in store"),
        ))
    }

    /// A store error of `kind` with the backend's message.
    pub fn new(kind: StoreErrorKind, message: impl Into<String>) -> Self {
        StoreError {
            kind,
            message: message.into(),
        }
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> StoreErrorKind {
        self.kind
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for StoreError {}
