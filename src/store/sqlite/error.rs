//! SQLite's errors inside the backend. [`SqlError`] is crate-private, so the
//! conversions `?` needs on every rusqlite call are not part of the public
//! API; at the seam each becomes a [`StoreError`] inside [`crate::Error`].

use rusqlite::ErrorCode;

use crate::error::Error;
use crate::store::{StoreError, StoreErrorKind};

/// A failure inside the SQLite backend: SQLite's own, or one of tokctl's
/// raised there (a refused file, a corrupt value).
#[derive(Debug)]
pub(crate) enum SqlError {
    Sqlite(rusqlite::Error),
    Tokctl(Error),
}

/// The result type of the backend's own functions.
pub(crate) type SqlResult<T> = std::result::Result<T, SqlError>;

impl From<rusqlite::Error> for SqlError {
    fn from(err: rusqlite::Error) -> Self {
        SqlError::Sqlite(err)
    }
}

impl From<Error> for SqlError {
    fn from(err: Error) -> Self {
        SqlError::Tokctl(err)
    }
}

impl From<SqlError> for Error {
    fn from(err: SqlError) -> Self {
        match err {
            SqlError::Sqlite(err) => classify(&err).into(),
            SqlError::Tokctl(err) => err,
        }
    }
}

/// SQLite's result codes as tokctl's kinds, so exit codes do not depend on
/// the backend.
pub(crate) fn classify(err: &rusqlite::Error) -> StoreError {
    let kind = match err.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreErrorKind::Busy,
        Some(ErrorCode::DatabaseCorrupt) => StoreErrorKind::Corrupt,
        Some(ErrorCode::ReadOnly) => StoreErrorKind::ReadOnly,
        Some(ErrorCode::ConstraintViolation) => StoreErrorKind::Constraint,
        Some(ErrorCode::NotADatabase) => StoreErrorKind::NotADatabase,
        _ => StoreErrorKind::Other,
    };
    StoreError::new(kind, err.to_string())
}
