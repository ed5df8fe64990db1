//! PostgreSQL's errors as tokctl's: SQLSTATE classes become
//! [`StoreErrorKind`]s, so exit codes do not depend on the backend, and no
//! driver type leaves this module.

use std::path::Path;

use super::address::SslMode;
use super::tls::certificate_problem;
use crate::error::Error;
use crate::store::{StoreError, StoreErrorKind};

/// Whether a failure may go away if the whole transaction runs again:
/// a serialization failure or a deadlock.
pub(super) fn is_retryable(err: &postgres::Error) -> bool {
    err.as_db_error()
        .is_some_and(|db| matches!(db.code().code(), "40001" | "40P01"))
}

/// A failure of a query or a statement, as the library's error.
pub(super) fn query_error(err: postgres::Error) -> Error {
    classify(&err).into()
}

/// A failure while connecting to `address`: every failure to reach the
/// server or to be let in (refused, no socket, a timeout, a certificate that
/// does not pass the check `sslmode` asks for, authentication, no such
/// database or no right to connect to it) makes the store unavailable.
/// `roots` is the root certificate file the certificate was checked
/// against, if any.
pub(super) fn connect_error(err: &postgres::Error, address: &str, roots: Option<&Path>) -> Error {
    let reason = match err.as_db_error() {
        Some(db) => db.message().to_owned(),
        None => match tls_error(err).and_then(|tls| certificate_problem(tls, roots)) {
            Some(problem) => problem,
            None => describe(err),
        },
    };
    StoreError::new(
        StoreErrorKind::Unavailable,
        one_line(&format!(
            "cannot connect to the team store at {address}: {reason}"
        )),
    )
    .into()
}

/// `verify-ca` or `verify-full` with no root certificate: nothing to check
/// the server against, so no connection (libpq refuses it too).
pub(super) fn missing_roots(address: &str, mode: SslMode, looked_for: Option<&Path>) -> Error {
    let looked = match looked_for {
        Some(file) => format!(" (there is no {})", file.display()),
        None => String::new(),
    };
    StoreError::new(
        StoreErrorKind::Unavailable,
        one_line(&format!(
            "cannot connect to the team store at {address}: sslmode {} needs the certificate of \
             the authority that signed the server's: name its file with sslrootcert=FILE{looked}",
            mode.as_str()
        )),
    )
    .into()
}

/// The TLS error inside a driver error, if the handshake failed: rustls
/// reports it through an I/O error, whose `source` skips the error it
/// wraps, so each I/O error is opened too.
fn tls_error(err: &postgres::Error) -> Option<&rustls::Error> {
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        if let Some(tls) = cause.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        if let Some(tls) = cause
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            return Some(tls);
        }
        source = cause.source();
    }
    None
}

/// SQLSTATE classes as tokctl's kinds.
fn classify(err: &postgres::Error) -> StoreError {
    if let Some(db) = err.as_db_error() {
        let code = db.code().code();
        let kind = match code {
            // Serialization failure, deadlock, lock not available (lock_timeout),
            // too many connections.
            "40001" | "40P01" | "55P03" | "53300" => StoreErrorKind::Busy,
            "25006" => StoreErrorKind::ReadOnly,
            // Insufficient privilege: a grant, row-level security or one of
            // tokctl's triggers refused the acting user.
            "42501" => {
                return StoreError::new(
                    StoreErrorKind::Denied,
                    one_line(&format!("refused by the team store: {}", db.message())),
                )
            }
            "XX001" | "XX002" => StoreErrorKind::Corrupt,
            // The server is shutting down or cannot accept the connection.
            "57P01" | "57P02" | "57P03" => StoreErrorKind::Unavailable,
            _ if code.starts_with("23") => StoreErrorKind::Constraint,
            _ if code.starts_with("08") => StoreErrorKind::Unavailable,
            _ => StoreErrorKind::Other,
        };
        return StoreError::new(kind, one_line(db.message()));
    }
    if lost_connection(err) {
        return StoreError::new(
            StoreErrorKind::Unavailable,
            one_line(&format!(
                "lost the connection to the team store: {}",
                describe(err)
            )),
        );
    }
    StoreError::new(StoreErrorKind::Other, one_line(&describe(err)))
}

/// Whether the connection is gone (closed, or an I/O error on its socket).
pub(super) fn lost_connection(err: &postgres::Error) -> bool {
    err.is_closed()
        || std::error::Error::source(err).is_some_and(|source| source.is::<std::io::Error>())
}

/// Whether the server's session is over: the connection is gone, or the
/// server ended it (shutting down, 57P0x; a connection failure, 08xxx).
/// What was not committed is rolled back.
pub(super) fn session_ended(err: &postgres::Error) -> bool {
    match err.as_db_error() {
        Some(db) => {
            let code = db.code().code();
            code.starts_with("57P0") || code.starts_with("08")
        }
        None => lost_connection(err),
    }
}

/// A write transaction whose session ended before its COMMIT: the server
/// rolls it back, so none of the change was made, and the one line says so.
pub(super) fn rolled_back_by_loss(err: &postgres::Error) -> Error {
    let reason = match err.as_db_error() {
        Some(db) => db.message().to_owned(),
        None => describe(err),
    };
    StoreError::new(
        StoreErrorKind::Unavailable,
        one_line(&format!(
            "lost the connection to the team store before the change was committed, so none \
             of it was made: {reason}"
        )),
    )
    .into()
}

/// The connection was lost while the server was committing: whether it did
/// cannot be known from here. The transaction is all there or not at all;
/// the message says to look before doing it again.
pub(super) fn commit_unknown(err: &postgres::Error) -> Error {
    StoreError::new(
        StoreErrorKind::Unavailable,
        one_line(&format!(
            "lost the connection to the team store while committing, so the change was made \
             in full or not at all (check before running it again): {}",
            describe(err)
        )),
    )
    .into()
}

/// Server messages may span lines; tokctl's errors never do.
fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

/// The driver's message with its causes ("error connecting to server:
/// Connection refused (os error 111)"): its own Display leaves them out.
fn describe(err: &postgres::Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
