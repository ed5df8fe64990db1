//! The seam to the OS keyring: a small trait, the real backend, and test ones.
//!
//! Entries are found by service [`SERVICE`] and an account built from the
//! store's id and the token's id ([`KeyringEntry::for_token`]), so two stores
//! on one machine never collide.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Mutex;

use crate::error::Error;
use crate::model::TokenId;
use crate::secret::Secret;

/// The keyring service name of every tokctl entry.
pub const SERVICE: &str = "tokctl";

/// Why the keyring could not do what was asked. Messages never hold a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyringError {
    /// There is no entry for this token.
    #[error("no keyring entry for this token")]
    NoEntry,
    /// The keyring service cannot be reached or is locked.
    #[error("the keyring is not reachable: {0}")]
    Unavailable(String),
    /// The keyring answered with an error.
    #[error("the keyring failed: {0}")]
    Failed(String),
}

/// Where a token's secret lives in the keyring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyringEntry {
    /// `<store id>/<token id>`.
    pub account: String,
    /// A readable label, where the platform shows one ("tokctl: deploy-bot (acme)").
    pub label: String,
}

impl KeyringEntry {
    /// The entry of `token` in the store `store_id`.
    pub fn for_token(store_id: &str, token: TokenId, name: &str, org: &str) -> Self {
        KeyringEntry {
            account: format!("{store_id}/{token}"),
            label: format!("tokctl: {name} ({org})"),
        }
    }
}

/// What the library needs from a keyring.
pub trait SecretKeeper: Send + Sync + fmt::Debug {
    /// A short name of the backend, for `doctor` and messages.
    fn backend(&self) -> &str;
    /// Stores (or replaces) the secret of `entry`.
    fn put(&self, entry: &KeyringEntry, secret: &Secret) -> Result<(), KeyringError>;
    /// Reads the secret of `entry`; [`KeyringError::NoEntry`] when there is none.
    fn get(&self, entry: &KeyringEntry) -> Result<Secret, KeyringError>;
    /// Deletes the entry; [`KeyringError::NoEntry`] when there was none.
    fn delete(&self, entry: &KeyringEntry) -> Result<(), KeyringError>;
    /// Whether the keyring can be reached at all (reads an entry that does not exist).
    fn probe(&self) -> Result<(), KeyringError>;
}

/// How `create`, `rotate` and `revoke` use the keyring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyringMode {
    /// Use it when reachable; otherwise warn and only print the secret.
    #[default]
    Auto,
    /// Fail before anything is written when it is unreachable.
    Required,
    /// Never touch it.
    Off,
}

impl FromStr for KeyringMode {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Error> {
        match text {
            "auto" => Ok(KeyringMode::Auto),
            "required" => Ok(KeyringMode::Required),
            "off" => Ok(KeyringMode::Off),
            _ => Err(Error::invalid(
                "keyring mode",
                text,
                "expected auto, required or off",
            )),
        }
    }
}

/// The operating system's keyring through the `keyring` crate: Secret
/// Service on Linux, Keychain on macOS, Credential Manager on Windows.
#[derive(Debug, Default)]
pub struct OsKeyring;

impl OsKeyring {
    fn entry(entry: &KeyringEntry) -> Result<keyring::Entry, KeyringError> {
        #[cfg(target_os = "linux")]
        {
            let mut credential = keyring::secret_service::SsCredential::new_with_target(
                None,
                SERVICE,
                &entry.account,
            )
            .map_err(os_error)?;
            credential.label = entry.label.clone();
            Ok(keyring::Entry::new_with_credential(Box::new(credential)))
        }
        #[cfg(not(target_os = "linux"))]
        {
            keyring::Entry::new(SERVICE, &entry.account).map_err(os_error)
        }
    }
}

/// Maps the crate's errors without ever echoing stored bytes (its
/// `BadEncoding` variant carries the secret itself).
fn os_error(err: keyring::Error) -> KeyringError {
    match err {
        keyring::Error::NoEntry => KeyringError::NoEntry,
        keyring::Error::NoStorageAccess(inner) => KeyringError::Unavailable(inner.to_string()),
        keyring::Error::PlatformFailure(inner) => KeyringError::Unavailable(inner.to_string()),
        keyring::Error::BadEncoding(_) => {
            KeyringError::Failed("the stored entry is not valid UTF-8".into())
        }
        keyring::Error::Ambiguous(_) => {
            KeyringError::Failed("more than one keyring entry matches".into())
        }
        other => KeyringError::Failed(other.to_string()),
    }
}

impl SecretKeeper for OsKeyring {
    fn backend(&self) -> &str {
        if cfg!(target_os = "linux") {
            "secret-service"
        } else if cfg!(target_os = "macos") {
            "macos-keychain"
        } else if cfg!(windows) {
            "windows-credential-manager"
        } else {
            "os"
        }
    }

    fn put(&self, entry: &KeyringEntry, secret: &Secret) -> Result<(), KeyringError> {
        Self::entry(entry)?
            .set_password(secret.expose())
            .map_err(os_error)
    }

    fn get(&self, entry: &KeyringEntry) -> Result<Secret, KeyringError> {
        Self::entry(entry)?
            .get_password()
            .map(Secret::from_string)
            .map_err(os_error)
    }

    fn delete(&self, entry: &KeyringEntry) -> Result<(), KeyringError> {
        Self::entry(entry)?.delete_credential().map_err(os_error)
    }

    fn probe(&self) -> Result<(), KeyringError> {
        let probe = KeyringEntry {
            account: "probe/reachability".into(),
            label: "tokctl: reachability probe".into(),
        };
        match self.get(&probe) {
            Ok(_) | Err(KeyringError::NoEntry) => Ok(()),
            Err(err) => Err(err),
        }
    }
}

/// Which operation a [`MemoryKeyring`] should fail, to test the write order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    /// Every call fails as unreachable.
    Everything,
    /// `put` fails.
    Put,
    /// `delete` fails.
    Delete,
}

fn injected_failure(fail_on: Option<FailOn>, op: FailOn) -> Result<(), KeyringError> {
    match fail_on {
        Some(FailOn::Everything) => Err(KeyringError::Unavailable("injected failure".into())),
        Some(fail) if fail == op => Err(KeyringError::Failed("injected failure".into())),
        _ => Ok(()),
    }
}

/// An in-process keyring for tests, with optional injected failures.
#[derive(Debug, Default)]
pub struct MemoryKeyring {
    entries: Mutex<HashMap<String, Secret>>,
    fail_on: Option<FailOn>,
}

impl MemoryKeyring {
    /// An empty keyring that fails as told.
    pub fn failing(fail_on: FailOn) -> Self {
        MemoryKeyring {
            fail_on: Some(fail_on),
            ..Self::default()
        }
    }

    /// How many entries it holds.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether it holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Secret>> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn check(&self, op: FailOn) -> Result<(), KeyringError> {
        injected_failure(self.fail_on, op)
    }
}

impl SecretKeeper for MemoryKeyring {
    fn backend(&self) -> &str {
        "memory"
    }

    fn put(&self, entry: &KeyringEntry, secret: &Secret) -> Result<(), KeyringError> {
        self.check(FailOn::Put)?;
        self.lock().insert(entry.account.clone(), secret.clone());
        Ok(())
    }

    fn get(&self, entry: &KeyringEntry) -> Result<Secret, KeyringError> {
        self.check(FailOn::Everything)?;
        self.lock()
            .get(&entry.account)
            .cloned()
            .ok_or(KeyringError::NoEntry)
    }

    fn delete(&self, entry: &KeyringEntry) -> Result<(), KeyringError> {
        self.check(FailOn::Delete)?;
        self.lock()
            .remove(&entry.account)
            .map(|_| ())
            .ok_or(KeyringError::NoEntry)
    }

    fn probe(&self) -> Result<(), KeyringError> {
        self.check(FailOn::Everything)
    }
}

/// A keyring kept in a plain JSON file, **in clear text**: only for driving
/// the binary from integration tests (a debug build wires it up through the
/// environment; release builds never do). It is never the user's keyring.
#[derive(Debug)]
pub struct PlainFileKeyring {
    path: PathBuf,
    fail_on: Option<FailOn>,
}

impl PlainFileKeyring {
    /// A keyring stored at `path`, failing as told.
    pub fn new(path: PathBuf, fail_on: Option<FailOn>) -> Self {
        PlainFileKeyring { path, fail_on }
    }

    fn load(&self) -> Result<HashMap<String, String>, KeyringError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes).map_err(|err| KeyringError::Failed(err.to_string()))
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(HashMap::new()),
            Err(err) => Err(KeyringError::Unavailable(err.to_string())),
        }
    }

    fn save(&self, entries: &HashMap<String, String>) -> Result<(), KeyringError> {
        let bytes =
            serde_json::to_vec(entries).map_err(|err| KeyringError::Failed(err.to_string()))?;
        std::fs::write(&self.path, bytes).map_err(|err| KeyringError::Unavailable(err.to_string()))
    }

    fn check(&self, op: FailOn) -> Result<(), KeyringError> {
        injected_failure(self.fail_on, op)
    }
}

impl SecretKeeper for PlainFileKeyring {
    fn backend(&self) -> &str {
        "test-file"
    }

    fn put(&self, entry: &KeyringEntry, secret: &Secret) -> Result<(), KeyringError> {
        self.check(FailOn::Put)?;
        let mut entries = self.load()?;
        entries.insert(entry.account.clone(), secret.expose().to_owned());
        self.save(&entries)
    }

    fn get(&self, entry: &KeyringEntry) -> Result<Secret, KeyringError> {
        self.check(FailOn::Everything)?;
        self.load()?
            .remove(&entry.account)
            .map(Secret::from_string)
            .ok_or(KeyringError::NoEntry)
    }

    fn delete(&self, entry: &KeyringEntry) -> Result<(), KeyringError> {
        self.check(FailOn::Delete)?;
        let mut entries = self.load()?;
        entries
            .remove(&entry.account)
            .ok_or(KeyringError::NoEntry)?;
        self.save(&entries)
    }

    fn probe(&self) -> Result<(), KeyringError> {
        self.check(FailOn::Everything)
    }
}

/// Lets a test keep a handle on a keyring it hands to a session.
impl<T: SecretKeeper + ?Sized> SecretKeeper for std::sync::Arc<T> {
    fn backend(&self) -> &str {
        (**self).backend()
    }
    fn put(&self, entry: &KeyringEntry, secret: &Secret) -> Result<(), KeyringError> {
        (**self).put(entry, secret)
    }
    fn get(&self, entry: &KeyringEntry) -> Result<Secret, KeyringError> {
        (**self).get(entry)
    }
    fn delete(&self, entry: &KeyringEntry) -> Result<(), KeyringError> {
        (**self).delete(entry)
    }
    fn probe(&self) -> Result<(), KeyringError> {
        (**self).probe()
    }
}
