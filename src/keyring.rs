//! The seam to the OS keyring: a small trait, the real backend, and test ones.
//!
//! Entries are found by service [`SERVICE`] and an account built from the
//! store's id and the token's id ([`KeyringEntry::for_token`]), so two stores
//! on one machine never collide. A keyring that cannot be reached and one
//! that is locked are different errors with different fixes.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;
use crate::model::TokenId;
use crate::secret::Secret;

/// The keyring service name of every tokctl entry.
pub const SERVICE: &str = "tokctl";

/// Why the keyring could not do what was asked. Messages never hold a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyringError {
    /// There is no entry for this token.
    #[error("no keyring entry for this token")]
    NoEntry,
    /// The keyring service cannot be reached (no Secret Service, no session bus).
    #[error("the keyring is not reachable: {0}")]
    Unavailable(String),
    /// The keyring is there but its collection is locked, and unlocking was
    /// refused or impossible (no prompt can be shown, e.g. over SSH or in cron).
    #[error("the keyring is locked")]
    Locked,
    /// This keyring cannot do what was asked here (listing entries, outside
    /// the Secret Service).
    #[error("this keyring cannot list its entries")]
    Unsupported,
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

impl KeyringError {
    /// Whether the keyring as a whole is unusable (unreachable or locked),
    /// rather than one entry: then asking again for the next token is pointless.
    pub fn is_keyring_wide(&self) -> bool {
        matches!(self, KeyringError::Unavailable(_) | KeyringError::Locked)
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
    /// Whether the keyring can be reached at all and is unlocked.
    fn probe(&self) -> Result<(), KeyringError>;
    /// Every entry under [`SERVICE`], of every store: `(account, secret)`.
    /// [`KeyringError::Unsupported`] where the backend cannot list entries.
    fn entries(&self) -> Result<Vec<(String, Secret)>, KeyringError>;
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
        keyring::Error::NoStorageAccess(inner) | keyring::Error::PlatformFailure(inner) => {
            // The crate folds "locked" and "no service" into these two; the
            // Secret Service error underneath tells them apart.
            #[cfg(target_os = "linux")]
            if let Some(ss) = inner.downcast_ref::<secret_service::Error>() {
                return secret_service_os::classify(ss);
            }
            KeyringError::Unavailable(inner.to_string())
        }
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
        #[cfg(target_os = "linux")]
        {
            secret_service_os::probe()
        }
        #[cfg(not(target_os = "linux"))]
        {
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

    fn entries(&self) -> Result<Vec<(String, Secret)>, KeyringError> {
        #[cfg(target_os = "linux")]
        {
            secret_service_os::entries()
        }
        #[cfg(not(target_os = "linux"))]
        {
            // The Keychain and the Credential Manager offer no search by
            // service through the keyring crate.
            Err(KeyringError::Unsupported)
        }
    }
}

/// What the keyring crate cannot do on Linux, asked of the Secret Service
/// directly: is the collection locked, and which items carry our service.
#[cfg(target_os = "linux")]
mod secret_service_os {
    use std::collections::HashMap;

    use secret_service::blocking::{Item, SecretService};
    use secret_service::{EncryptionType, Error};
    use zeroize::Zeroizing;

    use super::{KeyringError, SERVICE};
    use crate::secret::Secret;

    /// The attribute the keyring crate stores the account (user name) in.
    const ACCOUNT_ATTRIBUTE: &str = "username";

    /// Sorts a Secret Service error into unreachable, locked or failed.
    pub(super) fn classify(err: &Error) -> KeyringError {
        match err {
            // A dismissed prompt is an unlock that did not happen: on a
            // machine without a display it is refused at once.
            Error::Locked | Error::Prompt => KeyringError::Locked,
            Error::Unavailable | Error::NoResult => KeyringError::Unavailable(err.to_string()),
            // gnome-keyring answers a read of a locked item with this D-Bus error.
            Error::Zbus(_) | Error::ZbusFdo(_) if err.to_string().contains("IsLocked") => {
                KeyringError::Locked
            }
            Error::Zbus(_) | Error::ZbusFdo(_) => KeyringError::Unavailable(err.to_string()),
            _ => KeyringError::Failed(err.to_string()),
        }
    }

    fn connect() -> Result<SecretService<'static>, KeyringError> {
        SecretService::connect(EncryptionType::Dh).map_err(|err| classify(&err))
    }

    /// Reachable and unlocked. A locked default collection is unlocked the
    /// way the keyring crate would (a desktop shows a prompt); where no
    /// prompt can be shown that fails at once, and the keyring is `Locked`.
    pub(super) fn probe() -> Result<(), KeyringError> {
        let service = connect()?;
        let collection = service
            .get_default_collection()
            .map_err(|err| classify(&err))?;
        if collection.is_locked().map_err(|err| classify(&err))? {
            collection.unlock().map_err(|err| classify(&err))?;
            if collection.is_locked().map_err(|err| classify(&err))? {
                return Err(KeyringError::Locked);
            }
        }
        Ok(())
    }

    /// Every item whose `service` attribute is ours, with its account and secret.
    pub(super) fn entries() -> Result<Vec<(String, Secret)>, KeyringError> {
        let service = connect()?;
        let found = service
            .search_items(HashMap::from([("service", SERVICE)]))
            .map_err(|err| classify(&err))?;
        if !found.locked.is_empty() {
            let locked: Vec<&Item<'_>> = found.locked.iter().collect();
            service.unlock_all(&locked).map_err(|err| classify(&err))?;
        }
        let mut entries = Vec::with_capacity(found.unlocked.len() + found.locked.len());
        for item in found.unlocked.iter().chain(found.locked.iter()) {
            let attributes = item.get_attributes().map_err(|err| classify(&err))?;
            let Some(account) = attributes.get(ACCOUNT_ATTRIBUTE) else {
                continue;
            };
            let bytes = Zeroizing::new(item.get_secret().map_err(|err| classify(&err))?);
            // Not UTF-8: not a secret tokctl wrote; kept so it shows as stale.
            let text = String::from_utf8_lossy(&bytes).into_owned();
            entries.push((account.clone(), Secret::from_string(text)));
        }
        Ok(entries)
    }
}

#[cfg(any(test, feature = "test-support"))]
mod test_support;
#[cfg(any(test, feature = "test-support"))]
pub use test_support::{FailOn, MemoryKeyring, PlainFileKeyring};

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
    fn entries(&self) -> Result<Vec<(String, Secret)>, KeyringError> {
        (**self).entries()
    }
}
