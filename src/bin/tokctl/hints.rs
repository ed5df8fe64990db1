//! The `hint:` lines: what to do about a library error, in this CLI's flags and commands.
//!
//! The library's errors carry facts (which rule, which org, which token);
//! only the binary knows the command line, so only it names flags.

use tokctl::error::{PolicyRefusal, RequestProblem};
use tokctl::keyring::KeyringError;
use tokctl::policy::Violation;
use tokctl::Error;

/// A usage error the binary finds itself, with its own hint; it exits as
/// [`tokctl::ErrorKind::Usage`] does.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Usage {
    /// What is wrong with the command line.
    pub message: String,
    /// What to do instead.
    pub hint: &'static str,
}

impl Usage {
    /// A usage error with its hint.
    pub fn new(message: impl Into<String>, hint: &'static str) -> Self {
        Usage {
            message: message.into(),
            hint,
        }
    }
}

/// `err.hint()`: what the user can do about a library error, where there is something.
pub trait Hint {
    /// The text of the `hint:` line, if any.
    fn hint(&self) -> Option<String>;
}

impl Hint for Error {
    fn hint(&self) -> Option<String> {
        hint(self)
    }
}

fn hint(err: &Error) -> Option<String> {
    match err {
        Error::InvalidRequest { reason, .. } => request_hint(reason),
        Error::PolicyViolation { org, refusal } => Some(policy_hint(org, refusal)),
        Error::NotFound { kind: "token", .. } => {
            Some("run 'tokctl list --all' to see every token and its id".into())
        }
        Error::NotFound { kind: "org", .. } => Some("run 'tokctl org list'".into()),
        Error::NotFound { kind: "user", .. } => Some("run 'tokctl user list'".into()),
        Error::Ambiguous { .. } => Some("name the token by its id, or narrow with --org".into()),
        Error::AlreadyExists {
            kind: "removed user",
            name,
        } => Some(format!(
            "the user was offboarded; an admin restores them with 'tokctl user edit {name} --restore'"
        )),
        Error::RemovedActor { name } => Some(format!(
            "an admin can restore the user with 'tokctl user edit {name} --restore'"
        )),
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
        Error::TeamStoreNotReady { address, .. } => Some(format!(
            "the database's owner or a superuser runs 'tokctl --db {address} team init' \
             (as that user: postgres://USER@…)"
        )),
        Error::SecretOutdatedInKeyring { .. } => Some(
            "the token was rotated while the keyring could not be updated; \
             rotate it again for a new secret ('tokctl doctor' lists every outdated entry)"
                .into(),
        ),
        // Reading needs the keyring: never suggest a mode that cannot read it either.
        Error::KeyringOff { .. } => Some(
            "secrets are read from the OS keyring: run without --keyring off (and TOKCTL_KEYRING=off)"
                .into(),
        ),
        Error::SecretUnreadable { source, .. } => {
            unreachable_keyring_hint(source).map(|fix| match source {
                KeyringError::Unavailable(_) => format!(
                    "{fix} and try again; where there is none, a secret is shown only once: rotate the token for a new one"
                ),
                _ => format!("{fix} and try again"),
            })
        }
        Error::Keyring(source) => Some(match unreachable_keyring_hint(source) {
            Some(fix) => format!("{fix}, or use --keyring auto to only print the secret"),
            None => "use --keyring auto to only print the secret".into(),
        }),
        Error::StoreReadOnly { .. } => {
            Some("check the file's permissions, or point --db at a writable copy".into())
        }
        Error::AuditChainBroken { .. } => Some(
            "'tokctl audit verify' shows the break; a broken chain is not copied (docs/audit.md)"
                .into(),
        ),
        Error::StoreBusy => Some("try again when the other tokctl process has finished".into()),
        Error::StoreCannotOpen { .. } => {
            Some("--db (or TOKCTL_DB) must name a file, not a directory".into())
        }
        Error::StoreNotRegular { .. } => Some(
            "--db (or TOKCTL_DB) must name a regular file, or a path where one can be created"
                .into(),
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
            "restore the latest backup (docs/SECURITY.md); 'tokctl doctor' on a copy shows what is damaged"
                .into(),
        ),
        Error::StoreNotDatabase { .. } => Some(
            "point --db (or TOKCTL_DB) at a tokctl store, or at a path that does not exist yet"
                .into(),
        ),
        Error::PlanOutdated { .. } => {
            Some("run the command again to see what it would do now".into())
        }
        _ => None,
    }
}

fn request_hint(reason: &RequestProblem) -> Option<String> {
    let text = match reason {
        RequestProblem::NoScope => "add --scope RESOURCE:ACTION, e.g. --scope repo:read",
        RequestProblem::NoExpiry => "add --expires DURATION|DATE|never, e.g. --expires 90d",
        RequestProblem::NotAMember => "add them with 'tokctl member add'",
        RequestProblem::NoTokenNamed => "tokctl revoke ID|NAME...",
        RequestProblem::AlreadyRevoked => "select active or expired tokens",
        RequestProblem::NoBulkFilter => {
            "add --stale, --never-used, --expired, --expiring, --owner, --kind, --scope or --name"
        }
        RequestProblem::RotateRevoked => "mint a new token with 'tokctl create'",
        RequestProblem::RotateExpired => "give it a new expiry: tokctl rotate ID --expires 90d",
        RequestProblem::LastOwner => "make another member owner first",
        RequestProblem::LastOwnerOffboarded => {
            "make another member owner first: tokctl member add --org ORG --user USER --role owner"
        }
        RequestProblem::NoOrg => {
            "an org owner can add you with 'tokctl member add --org ORG --user USER --role member'"
        }
        RequestProblem::ManyOrgs { orgs } => {
            return Some(format!("choose one with --org; {}", org_list(orgs)))
        }
        RequestProblem::NothingToCheck => "add --expiring DURATION and/or --stale DURATION",
        RequestProblem::NothingToChange => {
            "give --max-lifetime, --require-expiry, --member-tokens, --allowed-scopes or --max-tokens"
        }
        RequestProblem::NothingToEdit => "give --name, --description, --expires or --scope",
        RequestProblem::TokenEnded => "mint a new token with 'tokctl create'",
        RequestProblem::EditExpiredExpiry => {
            "give it a new secret and expiry: tokctl rotate ID --expires 90d"
        }
        RequestProblem::WiderScopes { .. } => {
            "an edit only narrows scopes; for wider ones mint a new token with 'tokctl create' and revoke this one"
        }
        RequestProblem::StorePathEmpty => {
            "set --db (or TOKCTL_DB) to a file path, or unset it for the default store"
        }
        RequestProblem::StorePathInMemory => "--db (or TOKCTL_DB) must name a file",
        RequestProblem::StorePathUri => {
            "name the file itself; for a file whose name really starts with 'file:', write ./file:…"
        }
        RequestProblem::StoreDirMissing => {
            "create it first, or point --db at an existing directory"
        }
        RequestProblem::ListenWithoutTls => {
            "add --tls-cert and --tls-key, or --insecure-listen when a TLS proxy or a trusted network is in between"
        }
        RequestProblem::CallerAuthOffAwayFromLoopback => {
            "--no-caller-auth is for a loopback address (127.0.0.1, ::1) only"
        }
        RequestProblem::UserRemoved { user } => {
            return Some(format!(
                "an admin restores the user first: tokctl user edit {user} --restore"
            ))
        }
        RequestProblem::UserUnchanged => {
            "give --display-name, --email, --service, --person or --restore with a new value"
        }
        RequestProblem::Other => return None,
    };
    Some(text.to_owned())
}

fn policy_hint(org: &str, refusal: &PolicyRefusal) -> String {
    match refusal {
        PolicyRefusal::Quota { .. } => {
            "revoked and expired tokens count until pruned: tokctl prune --before 30d".into()
        }
        PolicyRefusal::Rule(Violation::LifetimeTooLong { .. }) => {
            "choose an earlier --expires, or add --clamp-expiry to use the maximum".into()
        }
        PolicyRefusal::Rule(Violation::ExpiryRequired) => {
            "give --expires with a duration or a date".into()
        }
        PolicyRefusal::Rule(Violation::ScopeNotAllowed { .. }) => {
            format!("see the allowed scopes with 'tokctl org policy {org}'")
        }
        PolicyRefusal::Rule(Violation::MemberTokensDenied) => {
            "ask an org admin for an org token instead".into()
        }
    }
}

/// How to unlock a locked keyring collection: the fix for a locked keyring
/// wherever it is reported (a locked one is not a missing one).
pub const UNLOCK_KEYRING: &str =
    "unlock the keyring collection (with your desktop's keyring, or gnome-keyring-daemon --unlock)";

/// What to do about a keyring that cannot be used: a locked one is unlocked,
/// a missing one is started; they are different problems with different fixes.
fn unreachable_keyring_hint(error: &KeyringError) -> Option<&'static str> {
    match error {
        KeyringError::Locked => Some(UNLOCK_KEYRING),
        KeyringError::Unavailable(_) => Some(
            "start a Secret Service (e.g. gnome-keyring-daemon --unlock inside a D-Bus session)",
        ),
        _ => None,
    }
}

/// "your orgs: a, b, c" with at most ten names, so a hint stays one short line.
fn org_list(names: &[String]) -> String {
    const SHOWN: usize = 10;
    let shown: Vec<&str> = names.iter().take(SHOWN).map(String::as_str).collect();
    if names.len() > SHOWN {
        format!(
            "your orgs: {}, and {} more (tokctl org list)",
            shown.join(", "),
            names.len() - SHOWN
        )
    } else {
        format!("your orgs: {}", shown.join(", "))
    }
}
