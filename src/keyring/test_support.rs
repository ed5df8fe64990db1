//! Keyrings for tests: in memory, and a plain JSON file (so tests that
//! drive the binary never touch a real keyring). Only built for the crate's
//! own tests and with the `test-support` feature: a release build has neither.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use super::{KeyringEntry, KeyringError, SecretKeeper};
use crate::secret::Secret;

/// Which operation a [`MemoryKeyring`] should fail, to test the write order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    /// Every call fails as unreachable.
    Everything,
    /// Every call fails as locked.
    Locked,
    /// `put` fails.
    Put,
    /// `delete` fails.
    Delete,
}

fn injected_failure(fail_on: Option<FailOn>, op: FailOn) -> Result<(), KeyringError> {
    match fail_on {
        Some(FailOn::Everything) => Err(KeyringError::Unavailable("injected failure".into())),
        Some(FailOn::Locked) => Err(KeyringError::Locked),
        Some(fail) if fail == op => Err(KeyringError::Failed("injected failure".into())),
        _ => Ok(()),
    }
}

/// An in-process keyring for tests, with optional injected failures that a
/// test can switch on and off (a keyring that gets locked mid-way), and a
/// count of the calls it received.
#[derive(Debug, Default)]
pub struct MemoryKeyring {
    entries: Mutex<HashMap<String, Secret>>,
    fail_on: Mutex<Option<FailOn>>,
    calls: std::sync::atomic::AtomicUsize,
}

impl MemoryKeyring {
    /// An empty keyring that fails as told.
    pub fn failing(fail_on: FailOn) -> Self {
        MemoryKeyring {
            fail_on: Mutex::new(Some(fail_on)),
            ..Self::default()
        }
    }

    /// Fails as told from now on (`None`: works again).
    pub fn set_failure(&self, fail_on: Option<FailOn>) {
        *self
            .fail_on
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = fail_on;
    }

    /// How many calls it received (probes and listings included).
    pub fn calls(&self) -> usize {
        self.calls.load(std::sync::atomic::Ordering::Relaxed)
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
        self.calls
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let fail_on = *self
            .fail_on
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        injected_failure(fail_on, op)
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

    fn entries(&self) -> Result<Vec<(String, Secret)>, KeyringError> {
        self.check(FailOn::Everything)?;
        Ok(self
            .lock()
            .iter()
            .map(|(account, secret)| (account.clone(), secret.clone()))
            .collect())
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

    fn entries(&self) -> Result<Vec<(String, Secret)>, KeyringError> {
        self.check(FailOn::Everything)?;
        Ok(self
            .load()?
            .into_iter()
            .map(|(account, secret)| (account, Secret::from_string(secret)))
            .collect())
    }
}
