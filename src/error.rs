//! The one error type of the library, with kinds the CLI maps to exit codes.
//!
//! Messages are lowercase, name what went wrong and never contain a secret.
//! Errors carry facts (which rule, which org, which token), never advice
//! naming a command line: a front end turns those facts into its own hints.

use std::path::PathBuf;

use crate::keyring::KeyringError;
use crate::policy::Violation;
use crate::store::{StoreError, StoreErrorKind};

/// Shorthand for results of library calls.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a presented token was not accepted: the reason of a
/// [`crate::verdict::Refusal`] (verify), and of [`Error::Rejected`] where a
/// presented secret is the input of another request (inspect, revoke by
/// secret).
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
    /// The token was deactivated by an admin (it may be activated again).
    Deactivated,
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
            Rejection::Deactivated => "deactivated",
        }
    }

    /// What it means, in words: "the token has expired".
    pub fn describe(self) -> &'static str {
        match self {
            Rejection::Malformed => "not a well-formed tokctl token",
            Rejection::Unknown => "no such token",
            Rejection::Expired => "the token has expired",
            Rejection::Revoked => "the token has been revoked",
            Rejection::InsufficientScope => "the token lacks the required scope",
            Rejection::Rotated => "this secret was rotated away (recorded as a possible leak)",
            Rejection::Deactivated => "the token has been deactivated",
        }
    }
}

/// Which request could not be carried out: the facts a front end needs to
/// say what to do instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestProblem {
    /// A new token was given no scope.
    NoScope,
    /// A new token was given no expiry.
    NoExpiry,
    /// A token was to be minted for a user outside the org.
    NotAMember,
    /// A named revoke named no token.
    NoTokenNamed,
    /// Only revoked tokens were selected for revoking.
    AlreadyRevoked,
    /// A bulk revoke had no filter.
    NoBulkFilter,
    /// A revoked token was to be rotated.
    RotateRevoked,
    /// An expired token was to be rotated without a new expiry.
    RotateExpired,
    /// The last owner of an org was to be demoted or removed.
    LastOwner,
    /// The last owner of an org was to be offboarded.
    LastOwnerOffboarded,
    /// The acting user belongs to no org, and none was named.
    NoOrg,
    /// The acting user belongs to several orgs, and none was named.
    ManyOrgs {
        /// Their names.
        orgs: Vec<String>,
    },
    /// A check was asked for with nothing to check.
    NothingToCheck,
    /// A policy change changed nothing.
    NothingToChange,
    /// An edit changed nothing.
    NothingToEdit,
    /// A revoked or expired token was to be edited, activated or
    /// deactivated: it can never work again.
    TokenEnded,
    /// An expired token was to be given a new expiry by an edit (that is a
    /// rotation: a new secret with a new expiry).
    EditExpiredExpiry,
    /// An edit would give a token a scope it does not hold.
    WiderScopes {
        /// The first scope not covered by the token's scopes.
        scope: String,
    },
    /// The store path is empty.
    StorePathEmpty,
    /// The store path is SQLite's `:memory:`.
    StorePathInMemory,
    /// The store path looks like an SQLite URI.
    StorePathUri,
    /// The directory of an explicit store path does not exist.
    StoreDirMissing,
    /// A service was to listen on an address other than loopback without
    /// TLS, and without being told that the network in between is trusted.
    ListenWithoutTls,
    /// A service was to skip caller authentication on an address other
    /// than loopback.
    CallerAuthOffAwayFromLoopback,
    /// A user edit changed nothing.
    UserUnchanged,
    /// A removed user was to be given a membership.
    UserRemoved {
        /// The user.
        user: String,
    },
    /// Anything else: nothing useful to suggest.
    Other,
}

/// What is wrong with one row of an input file (a directory to import):
/// its line, and why, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// The line the row starts on (1 is the first line of the file).
    pub line: u64,
    /// What is wrong with it.
    pub message: String,
}

/// Why an org's policy refused a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyRefusal {
    /// A rule of the policy is broken.
    Rule(Violation),
    /// The org already holds as many tokens as its quota allows.
    Quota {
        /// How many tokens the org holds.
        count: u64,
        /// The quota.
        max: u32,
    },
}

impl std::fmt::Display for PolicyRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PolicyRefusal::Rule(violation) => violation.fmt(f),
            PolicyRefusal::Quota { count, max } => {
                write!(f, "the org has {count} tokens and its quota is {max}")
            }
        }
    }
}

/// Everything that can go wrong in a library call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
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
        /// What is wrong with the request, in words.
        message: String,
        /// Which problem it is, for a front end to say what to do instead.
        reason: RequestProblem,
    },

    /// Rows of an input file are bad: every one is listed, and nothing was
    /// written.
    #[error("{} bad row(s); nothing was written", problems.len())]
    BadRows {
        /// One per bad row, in line order.
        problems: Vec<RowProblem>,
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

    /// What a confirmed plan was made from changed before it was applied;
    /// nothing was done.
    #[error("{what} changed after the plan was made; nothing was changed")]
    PlanOutdated {
        /// What changed ("the audit trail").
        what: &'static str,
    },

    /// The acting user is not registered in the store.
    #[error("user '{name}' is not registered in this store")]
    UnknownActor {
        /// The login name tokctl acted as.
        name: String,
    },

    /// The acting user was removed (offboarded): their row stays for the
    /// record, but they may not act until an admin restores them.
    #[error("user '{name}' was removed from this store and cannot act")]
    RemovedActor {
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
    #[error("refused by the policy of org '{org}': {refusal}")]
    PolicyViolation {
        /// The org.
        org: String,
        /// Which rule, with its limit.
        refusal: PolicyRefusal,
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

    /// A team store's database holds no tokctl store yet, or one at an
    /// older schema version: its owner sets it up or upgrades it.
    #[error("{}", team_store_not_ready(address, *found, *supported))]
    TeamStoreNotReady {
        /// The store's address.
        address: String,
        /// The schema version found (0: none).
        found: i64,
        /// The version this build uses.
        supported: i64,
    },

    /// Another process held the store's lock for longer than the busy timeout.
    #[error("the store is locked by another process")]
    StoreBusy,

    /// Rows were to be loaded into a store that holds some already: a load
    /// (a copy of a whole store) goes only into an empty one, so nothing
    /// is merged and no key or chain is mixed up.
    #[error("{}", store_not_empty(store, found))]
    StoreNotEmpty {
        /// The store, as messages name it (a path or a server address).
        store: String,
        /// What it holds.
        found: crate::store::Occupancy,
    },

    /// An audit chain that was to be carried on (copied into another
    /// store) does not verify; nothing was written.
    #[error("the audit chain is broken at event {event_id}: {problem}")]
    AuditChainBroken {
        /// The first event whose link does not hold.
        event_id: i64,
        /// What is wrong with it.
        problem: String,
    },

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

    /// A service could not listen on its address (taken, not this host's,
    /// or a privileged port).
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// Why.
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

    /// A presented token was refused where it is the input of a request
    /// (inspect, revoke by secret, unreadable input). Verifying returns a
    /// [`crate::verdict::Verdict`] instead.
    #[error("token rejected: {}", .reason.describe())]
    Rejected {
        /// Why.
        reason: Rejection,
    },

    /// The random number generator failed (the OS refused to give entropy).
    #[error("the system random number generator failed")]
    Random,
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
    /// An audit chain does not verify.
    ChainBroken,
    /// Anything else: I/O, randomness, unexpected database errors.
    Internal,
}

impl Error {
    /// The class of this error, which decides the exit code.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidInput { .. }
            | Error::InvalidRequest { .. }
            | Error::TokenInText { .. }
            | Error::BadRows { .. } => ErrorKind::Usage,
            Error::NotFound { .. }
            | Error::SecretNotInKeyring { .. }
            | Error::SecretOutdatedInKeyring { .. } => ErrorKind::NotFound,
            Error::Ambiguous { .. }
            | Error::AlreadyExists { .. }
            | Error::PlanOutdated { .. }
            | Error::StoreNotEmpty { .. } => ErrorKind::Conflict,
            Error::AuditChainBroken { .. } => ErrorKind::ChainBroken,
            Error::UnknownActor { .. }
            | Error::RemovedActor { .. }
            | Error::Forbidden { .. }
            | Error::PolicyViolation { .. } => ErrorKind::Forbidden,
            Error::StoreNotDatabase { .. }
            | Error::StoreTooNew { .. }
            | Error::StoreReadOnly { .. }
            | Error::StoreCorrupt
            | Error::StoreCannotOpen { .. }
            | Error::StoreNotRegular { .. }
            | Error::StoreBusy
            | Error::TeamStoreNotReady { .. } => ErrorKind::Store,
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
                StoreErrorKind::Denied => ErrorKind::Forbidden,
                _ => ErrorKind::Internal,
            },
            Error::Io { .. } | Error::Listen { .. } | Error::Random => ErrorKind::Internal,
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

    /// Builds an [`Error::InvalidRequest`].
    pub fn request(message: impl Into<String>, reason: RequestProblem) -> Self {
        Error::InvalidRequest {
            message: message.into(),
            reason,
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

fn team_store_not_ready(address: &str, found: i64, supported: i64) -> String {
    if found == 0 {
        format!("the database at {address} holds no tokctl team store yet")
    } else {
        format!(
            "the team store at {address} has schema version {found}, older than this \
             tokctl's {supported}, and must be upgraded by its owner"
        )
    }
}

fn store_not_empty(store: &str, found: &crate::store::Occupancy) -> String {
    format!(
        "{store} is not empty ({} orgs, {} users, {} tokens, {} audit events): a whole store \
         is copied only into an empty one",
        found.orgs, found.users, found.tokens, found.events
    )
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
