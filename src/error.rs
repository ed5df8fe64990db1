//! The one error type of the library, with kinds the CLI maps to exit codes.
//!
//! Messages are lowercase, name what went wrong and never contain a secret.
//! Where there is something useful to do about it, [`Error::hint`] says what.

use std::path::PathBuf;

use crate::keyring::KeyringError;
use crate::store::{StoreError, StoreErrorKind};

/// Shorthand for results of library calls.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a presented token was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rejection {
    /// Not a tokctl token: wrong prefix, length, alphabet or checksum.
    Malformed,
    /// Well formed, but no token with that id and secret exists.
    Unknown,
    /// The token's expiry has passed.
    Expired,
    /// The token was revoked.
    Revoked,
    /// The token is valid but lacks the scope the caller asked for.
    InsufficientScope,
    /// A secret the token had before a rotation, presented after its grace
    /// period: a possible leak, and audited as one.
    Rotated,
}

impl Rejection {
    /// The stable snake_case name used in JSON output and audit events.
    pub fn as_str(self) -> &'static str {
        match self {
            Rejection::Malformed => "malformed",
            Rejection::Unknown => "unknown",
            Rejection::Expired => "expired",
            Rejection::Revoked => "revoked",
            Rejection::InsufficientScope => "insufficient_scope",
            Rejection::Rotated => "rotated",
        }
    }
}

/// Everything that can go wrong in a library call.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A value given by the user does not parse or is out of range.
    #[error("invalid {what} '{value}': {reason}")]
    InvalidInput {
        /// What was being parsed ("duration", "scope", ...).
        what: &'static str,
        /// The offending input, shortened and with control characters escaped.
        value: String,
        /// Why it was refused.
        reason: String,
    },

    /// A free-text value (a name, a description, a reason) holds a tokctl
    /// token. It would be stored in the clear and shown in tables, so it is
    /// refused; the message never repeats the value.
    #[error("the {what} contains a tokctl token (tkp_… or tko_…): refused, so that no secret is stored or shown in the clear")]
    TokenInText {
        /// Which value: "token name", "description", "reason", ...
        what: &'static str,
    },

    /// A request that is well formed but cannot be carried out as asked.
    #[error("{message}")]
    InvalidRequest {
        /// What is wrong with the request.
        message: String,
        /// What to do instead.
        hint: Option<String>,
    },

    /// A named thing does not exist.
    #[error("{kind} '{name}' not found")]
    NotFound {
        /// "token", "org", "user", ...
        kind: &'static str,
        /// The name or id that was looked up.
        name: String,
    },

    /// A name matches more than one thing.
    #[error("{kind} name '{name}' is ambiguous: it matches {count} tokens")]
    Ambiguous {
        /// "token", ...
        kind: &'static str,
        /// The name that was looked up.
        name: String,
        /// How many things it matched.
        count: usize,
    },

    /// Creating something whose name is taken.
    #[error("{kind} '{name}' already exists")]
    AlreadyExists {
        /// "org", "user", "token", ...
        kind: &'static str,
        /// The name that is taken.
        name: String,
    },

    /// The acting user is not registered in the store.
    #[error("user '{name}' is not registered in this store")]
    UnknownActor {
        /// The login name tokctl acted as.
        name: String,
    },

    /// The acting user lacks the role an action needs.
    #[error("forbidden: {action} needs the {needed} role in org '{org}'")]
    Forbidden {
        /// What was attempted.
        action: String,
        /// The role that would allow it.
        needed: &'static str,
        /// The org in question.
        org: String,
    },

    /// The org's token policy refuses the request.
    #[error("refused by the policy of org '{org}': {message}")]
    PolicyViolation {
        /// The org.
        org: String,
        /// Which rule, in words (with the limit).
        message: String,
        /// What to do instead.
        hint: Option<String>,
    },

    /// The file is not a SQLite database.
    #[error("{} is not a tokctl store (not a SQLite database)", path.display())]
    StoreNotDatabase {
        /// The store path.
        path: PathBuf,
    },

    /// The store was written by a newer tokctl.
    #[error("{} has schema version {found}, newer than this tokctl supports ({supported})", path.display())]
    StoreTooNew {
        /// The store path.
        path: PathBuf,
        /// The version in the file.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },

    /// The store path cannot be opened as a file (a directory, say).
    #[error("cannot open the store at {}", path.display())]
    StoreCannotOpen {
        /// The store path.
        path: PathBuf,
    },

    /// The store path names something other than a regular file.
    #[error("cannot open the store at {}: it is {kind}, not a regular file", path.display())]
    StoreNotRegular {
        /// The store path.
        path: PathBuf,
        /// What it is: "a FIFO", "a symbolic link", "a character device", ...
        kind: &'static str,
    },

    /// Another user could read or change the store: a file not owned by
    /// the effective user or open to group or others, or a directory others
    /// can write without the sticky bit.
    #[error("refusing to use the store: {problem}")]
    StoreUnsafe {
        /// Which file and why, e.g. "/tmp/s/tokctl.db-wal is owned by uid 65534, not by you (uid 1000)".
        problem: String,
    },

    /// The store holds triggers, views, tables or indexes tokctl did not
    /// create (or its own, altered or dropped): SQLite would run them.
    #[error("the store has schema objects tokctl did not create: {}", objects.join(", "))]
    StoreSchemaMismatch {
        /// Each object, e.g. "trigger keep_active", "table tokens (altered)".
        objects: Vec<String>,
    },

    /// The store file is damaged.
    #[error("the store is damaged (the database disk image is malformed)")]
    StoreCorrupt,

    /// The store cannot be written.
    #[error("{} is read-only", path.display())]
    StoreReadOnly {
        /// The store path.
        path: PathBuf,
    },

    /// Another process held the store's lock for longer than the busy timeout.
    #[error("the store is locked by another process")]
    StoreBusy,

    /// Any other failure reported by the store's backend.
    #[error("store error: {0}")]
    Store(#[source] StoreError),

    /// A file system operation on the store's path failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// The keyring holds no secret for a token.
    #[error("the keyring holds no secret for token {token}")]
    SecretNotInKeyring {
        /// The token's name and id.
        token: String,
    },

    /// The keyring holds a secret for a token that is not its current one
    /// (a rotation could not update the entry).
    #[error("the keyring holds an outdated secret for token {token}")]
    SecretOutdatedInKeyring {
        /// The token's name and id.
        token: String,
    },

    /// A secret was to be read from the keyring, but the keyring is off.
    #[error("the keyring is off, so there is no secret of token {token} to read")]
    KeyringOff {
        /// The token's name and id.
        token: String,
    },

    /// A secret was to be read from the keyring, and the keyring failed.
    #[error("cannot read the secret of token {token}: {source}")]
    SecretUnreadable {
        /// The token's name and id.
        token: String,
        /// Why.
        source: KeyringError,
    },

    /// The keyring was required but could not be used.
    #[error("keyring: {0}")]
    Keyring(#[from] KeyringError),

    /// A presented token was refused.
    #[error("token rejected: {}", describe_rejection(*.reason))]
    Rejected {
        /// Why.
        reason: Rejection,
    },

    /// The random number generator failed (the OS refused to give entropy).
    #[error("the system random number generator failed")]
    Random,
}

/// What to do about a keyring that cannot be used: a locked one is unlocked,
/// a missing one is started; they are different problems with different fixes.
fn unreachable_keyring_hint(error: &KeyringError) -> Option<&'static str> {
    match error {
        KeyringError::Locked => Some(
            "unlock the keyring collection (with your desktop's keyring, or gnome-keyring-daemon --unlock)",
        ),
        KeyringError::Unavailable(_) => Some(
            "start a Secret Service (e.g. gnome-keyring-daemon --unlock inside a D-Bus session)",
        ),
        KeyringError::NoEntry | KeyringError::Failed(_) | KeyringError::Unsupported => None,
    }
}

fn describe_rejection(reason: Rejection) -> &'static str {
    match reason {
        Rejection::Malformed => "not a well-formed tokctl token",
        Rejection::Unknown => "no such token",
        Rejection::Expired => "the token has expired",
        Rejection::Revoked => "the token has been revoked",
        Rejection::InsufficientScope => "the token lacks the required scope",
        Rejection::Rotated => "this secret was rotated away (recorded as a possible leak)",
    }
}

/// Coarse classes of [`Error`], one per documented exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad input or an impossible request.
    Usage,
    /// Something named does not exist.
    NotFound,
    /// A name is taken or ambiguous.
    Conflict,
    /// The actor lacks a role, or is unknown.
    Forbidden,
    /// The store cannot be used (not a database, too new, read-only, locked).
    Store,
    /// The keyring was required, or needed to read a secret, and could not be used.
    Keyring,
    /// The store was refused as unsafe: files others can read or change, or
    /// schema objects tokctl did not create.
    Unsafe,
    /// A presented token was rejected, and why.
    Rejected(Rejection),
    /// Anything else: I/O, randomness, unexpected database errors.
    Internal,
}

impl Error {
    /// The class of this error, which decides the exit code.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidInput { .. }
            | Error::InvalidRequest { .. }
            | Error::TokenInText { .. } => ErrorKind::Usage,
            Error::NotFound { .. }
            | Error::SecretNotInKeyring { .. }
            | Error::SecretOutdatedInKeyring { .. } => ErrorKind::NotFound,
            Error::Ambiguous { .. } | Error::AlreadyExists { .. } => ErrorKind::Conflict,
            Error::UnknownActor { .. }
            | Error::Forbidden { .. }
            | Error::PolicyViolation { .. } => ErrorKind::Forbidden,
            Error::StoreNotDatabase { .. }
            | Error::StoreTooNew { .. }
            | Error::StoreReadOnly { .. }
            | Error::StoreCorrupt
            | Error::StoreCannotOpen { .. }
            | Error::StoreNotRegular { .. }
            | Error::StoreBusy => ErrorKind::Store,
            Error::StoreUnsafe { .. } | Error::StoreSchemaMismatch { .. } => ErrorKind::Unsafe,
            Error::Keyring(_) | Error::KeyringOff { .. } | Error::SecretUnreadable { .. } => {
                ErrorKind::Keyring
            }
            Error::Rejected { reason } => ErrorKind::Rejected(*reason),
            // `From<StoreError>` turns busy and corrupt into their own
            // variants; these arms keep a directly built one in the same class.
            Error::Store(err) => match err.kind() {
                StoreErrorKind::Busy | StoreErrorKind::Corrupt | StoreErrorKind::Unavailable => {
                    ErrorKind::Store
                }
                _ => ErrorKind::Internal,
            },
            Error::Io { .. } | Error::Random => ErrorKind::Internal,
        }
    }

    /// What the user can do about it, where there is something.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::InvalidRequest { hint, .. } | Error::PolicyViolation { hint, .. } => hint.clone(),
            Error::NotFound { kind: "token", .. } => {
                Some("run 'tokctl list --all' to see every token and its id".into())
            }
            Error::NotFound { kind: "org", .. } => Some("run 'tokctl org list'".into()),
            Error::NotFound { kind: "user", .. } => Some("run 'tokctl user list'".into()),
            Error::Ambiguous { .. } => Some("name the token by its id, or narrow with --org".into()),
            Error::UnknownActor { name } => Some(format!(
                "an owner can register it with 'tokctl user add {name}', or act as a known user with --as"
            )),
            Error::SecretNotInKeyring { .. } => Some(
                "it was made with --keyring off, on another machine or while the keyring was unusable, \
                 or the entry was deleted by hand; \
                 rotate the token to get a new secret"
                    .into(),
            ),
            Error::StoreTooNew { .. } => Some("upgrade tokctl to open this store".into()),
            Error::SecretOutdatedInKeyring { .. } => Some(
                "the token was rotated while the keyring could not be updated; \
                 rotate it again for a new secret ('tokctl doctor' lists every outdated entry)"
                    .into(),
            ),
            // Reading needs the keyring: never suggest a mode that cannot read it either.
            Error::KeyringOff { .. } => Some(
                "secrets are read from the OS keyring: run without --keyring off (and TOKCTL_KEYRING=off)".into(),
            ),
            Error::SecretUnreadable { source, .. } => unreachable_keyring_hint(source).map(|fix| match source {
                KeyringError::Unavailable(_) => format!(
                    "{fix} and try again; where there is none, a secret is shown only once: rotate the token for a new one"
                ),
                _ => format!("{fix} and try again"),
            }),
            Error::Keyring(source) => Some(match unreachable_keyring_hint(source) {
                Some(fix) => format!("{fix}, or use --keyring auto to only print the secret"),
                None => "use --keyring auto to only print the secret".into(),
            }),
            Error::StoreReadOnly { .. } => {
                Some("check the file's permissions, or point --db at a writable copy".into())
            }
            Error::StoreBusy => Some("try again when the other tokctl process has finished".into()),
            Error::StoreCannotOpen { .. } => Some("--db (or TOKCTL_DB) must name a file, not a directory".into()),
            Error::StoreNotRegular { .. } => Some(
                "--db (or TOKCTL_DB) must name a regular file, or a path where one can be created".into(),
            ),
            Error::StoreUnsafe { .. } => Some(
                "another user could read or change the store; keep it in a directory only you can write, \
                 owned by you with mode 600 ('tokctl doctor' lists each file; docs/SECURITY.md)"
                    .into(),
            ),
            Error::StoreSchemaMismatch { .. } => Some(
                "SQLite would run them on every change; 'tokctl doctor' lists them; restore a backup \
                 from before they appeared (docs/SECURITY.md)"
                    .into(),
            ),
            Error::StoreCorrupt => Some(
                "restore the latest backup (docs/SECURITY.md); 'tokctl doctor' on a copy shows what is damaged".into(),
            ),
            Error::StoreNotDatabase { .. } => Some(
                "point --db (or TOKCTL_DB) at a tokctl store, or at a path that does not exist yet".into(),
            ),
            _ => None,
        }
    }

    /// Builds an [`Error::InvalidInput`], quoting the value safely.
    pub fn invalid(what: &'static str, value: &str, reason: impl Into<String>) -> Self {
        Error::InvalidInput {
            what,
            value: quote_for_message(value),
            reason: reason.into(),
        }
    }

    /// Builds an [`Error::InvalidRequest`] with an optional hint.
    pub fn request(message: impl Into<String>, hint: Option<&str>) -> Self {
        Error::InvalidRequest {
            message: message.into(),
            hint: hint.map(str::to_owned),
        }
    }
}

impl From<StoreError> for Error {
    /// Busy and corrupt stores have their own variants (with hints); every
    /// other store failure keeps the backend's message.
    fn from(err: StoreError) -> Self {
        match err.kind() {
            StoreErrorKind::Busy => Error::StoreBusy,
            StoreErrorKind::Corrupt => Error::StoreCorrupt,
            _ => Error::Store(err),
        }
    }
}

/// Makes user input safe to echo in a one-line message: control characters
/// are escaped and long values are cut, so an error never spans lines or
/// floods the terminal.
pub fn quote_for_message(value: &str) -> String {
    const MAX_CHARS: usize = 64;
    let mut out = String::new();
    for (count, ch) in value.chars().enumerate() {
        if count == MAX_CHARS {
            out.push('…');
            break;
        }
        if ch.is_control() {
            out.extend(ch.escape_default());
        } else {
            out.push(ch);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_values_stay_on_one_line_and_short() {
        let long = "a".repeat(10_000);
        assert_eq!(quote_for_message(&long).chars().count(), 65);
        assert_eq!(quote_for_message("a\nb\u{1b}"), "a\\nb\\u{1b}");
    }
}
