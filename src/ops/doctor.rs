//! `doctor`: is the store healthy, is the keyring reachable and in sync?

use super::{keyring_entry, Session};
use crate::error::Result;
use crate::keyring::{KeyringError, KeyringMode};
use crate::model::{Token, TokenStatus};
use crate::store::TokenFilter;

/// The state of the keyring as `doctor` found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyringHealth {
    /// Reachable.
    Reachable,
    /// Not reachable, and why.
    Unreachable(KeyringError),
    /// `--keyring off`: not checked.
    Off,
}

/// What `doctor` found.
#[derive(Debug)]
pub struct DoctorReport {
    /// The store file, if on disk.
    pub store_path: Option<std::path::PathBuf>,
    /// Schema version of the store.
    pub schema_version: i64,
    /// The store file's permission bits (Unix).
    pub file_mode: Option<u32>,
    /// The store directory's permission bits (Unix).
    pub dir_mode: Option<u32>,
    /// Keyring backend name.
    pub keyring_backend: String,
    /// Whether it is reachable.
    pub keyring: KeyringHealth,
    /// Live tokens the actor may see whose secret is not in the keyring.
    pub missing_entries: Vec<Token>,
}

impl DoctorReport {
    /// Whether anything needs attention. The directory's mode is reported
    /// but not judged: a `--db` in a shared directory is fine while the file
    /// itself (and so its WAL, which SQLite creates alike) is private.
    pub fn has_problems(&self) -> bool {
        self.file_mode.is_some_and(|mode| mode & 0o077 != 0)
            || matches!(self.keyring, KeyringHealth::Unreachable(_))
            || !self.missing_entries.is_empty()
    }
}

impl Session {
    /// Checks the store and the keyring.
    pub fn doctor(&self) -> Result<DoctorReport> {
        let path = self.store.path().map(ToOwned::to_owned);
        let mode_of = |path: Option<&std::path::Path>| -> Option<u32> {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                path.and_then(|p| std::fs::metadata(p).ok())
                    .map(|m| m.permissions().mode() & 0o777)
            }
            #[cfg(not(unix))]
            {
                let _ = path;
                None
            }
        };
        let file_mode = mode_of(path.as_deref());
        let dir_mode = mode_of(path.as_deref().and_then(std::path::Path::parent));
        let keyring = match self.ctx.keyring_mode {
            KeyringMode::Off => KeyringHealth::Off,
            _ => match self.ctx.keyring.probe() {
                Ok(()) => KeyringHealth::Reachable,
                Err(err) => KeyringHealth::Unreachable(err),
            },
        };
        let mut missing_entries = Vec::new();
        if keyring == KeyringHealth::Reachable {
            let q = self.store.read();
            let actor = self.ctx.actor(&q)?;
            let filter = TokenFilter {
                visible_to: Some(self.ctx.visibility(&q, actor, None)?),
                statuses: Some(vec![TokenStatus::Active]),
                now: self.ctx.clock.now(),
                ..TokenFilter::default()
            };
            q.for_each_token(&filter, |row| {
                let entry = keyring_entry(&q, &row.token)?;
                if let Err(KeyringError::NoEntry) = self.ctx.keyring.get(&entry) {
                    missing_entries.push(row.token);
                }
                Ok::<(), crate::Error>(())
            })?;
        }
        Ok(DoctorReport {
            store_path: path,
            schema_version: self.store.schema_version()?,
            file_mode,
            dir_mode,
            keyring_backend: self.ctx.keyring.backend().to_owned(),
            keyring,
            missing_entries,
        })
    }
}
