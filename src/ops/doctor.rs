//! `doctor`: is the store healthy, is the keyring reachable and in sync?
//!
//! In sync means: every entry of this store in the keyring holds its token's
//! current secret (compared by SHA-256 with the stored digest), belongs to a
//! token that still exists and is not revoked, and every live token has one.

use std::collections::HashSet;

use super::{keyring_entry, Session};
use crate::error::Result;
use crate::keyring::{KeyringError, KeyringMode};
use crate::model::{Token, TokenId, TokenStatus};
use crate::secret::Secret;
use crate::store::{FileCheck, FileRole, SchemaDifference, TokenFilter, Tx};

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

/// Whether `doctor` could list the keyring's entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryListing {
    /// Listed; this many entries belong to this store.
    Listed(usize),
    /// The backend cannot list entries (only the Secret Service can): live
    /// tokens are still checked one by one, stale and orphan entries are not.
    Unsupported,
    /// Listing failed.
    Failed(KeyringError),
    /// The keyring is off or unreachable.
    NotChecked,
}

/// A keyring entry of this store that unlocks nothing: its token is gone
/// from the store (pruned, or its creation never committed) or revoked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrphanEntry {
    /// The entry's account, `<store id>/<token id>`.
    pub account: String,
    /// The token, when its row still exists (revoked).
    pub token: Option<Token>,
}

impl OrphanEntry {
    /// The token id as the entry names it (the account after the store id).
    pub fn token_id_text(&self) -> &str {
        self.account
            .split_once('/')
            .map_or(self.account.as_str(), |(_, id)| id)
    }
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
    /// The directory, the store file, its `-wal`, `-shm` and `-journal`:
    /// owner, mode and whether another user could read or change them.
    pub files: Vec<FileCheck>,
    /// Triggers, views, tables and indexes not as tokctl's migrations make
    /// them (SQLite would run them).
    pub schema_differences: Vec<SchemaDifference>,
    /// Keyring backend name.
    pub keyring_backend: String,
    /// Whether it is reachable.
    pub keyring: KeyringHealth,
    /// Whether the keyring's entries could be listed.
    pub entry_listing: EntryListing,
    /// Live tokens the actor may see whose secret is not in the keyring.
    pub missing_entries: Vec<Token>,
    /// Tokens whose keyring entry holds a secret that is not their current
    /// one (a rotation could not update it).
    pub stale_entries: Vec<Token>,
    /// Entries of this store for tokens that are gone or revoked.
    pub orphan_entries: Vec<OrphanEntry>,
    /// What SQLite's integrity check found (empty: the file is sound).
    pub integrity_problems: Vec<String>,
    /// The first broken link of the audit chain, if any.
    pub audit_chain: Option<crate::audit::BrokenLink>,
    /// Changes without their audit event, or events without their change.
    pub inconsistencies: Vec<String>,
}

impl DoctorReport {
    /// Whether anything needs attention. The directory's mode is reported
    /// but not judged: a `--db` in a shared directory is fine while the file
    /// itself (and so its WAL, which SQLite creates alike) is private.
    pub fn has_problems(&self) -> bool {
        self.file_mode.is_some_and(|mode| mode & 0o077 != 0)
            || self.files.iter().any(|check| check.problem.is_some())
            || !self.schema_differences.is_empty()
            || !self.integrity_problems.is_empty()
            || self.audit_chain.is_some()
            || !self.inconsistencies.is_empty()
            || matches!(self.keyring, KeyringHealth::Unreachable(_))
            || matches!(self.entry_listing, EntryListing::Failed(_))
            || !self.missing_entries.is_empty()
            || !self.stale_entries.is_empty()
            || !self.orphan_entries.is_empty()
    }
}

impl Session {
    /// Checks the store and the keyring.
    pub fn doctor(&self) -> Result<DoctorReport> {
        let path = self.store.path().map(ToOwned::to_owned);
        // As checked when the store was opened (fstat, not the path now).
        let files = self.store.files().to_vec();
        let mode_of = |role: FileRole| {
            files
                .iter()
                .find(|check| check.role == role)
                .and_then(|check| check.found)
                .map(|facts| facts.mode & 0o777)
        };
        let file_mode = mode_of(FileRole::Store);
        let dir_mode = mode_of(FileRole::Directory);
        let keyring = match self.ctx.keyring_mode {
            KeyringMode::Off => KeyringHealth::Off,
            _ => match self.ctx.keyring.probe() {
                Ok(()) => KeyringHealth::Reachable,
                Err(err) => KeyringHealth::Unreachable(err),
            },
        };
        let mut sync = KeyringSync::default();
        if keyring == KeyringHealth::Reachable {
            sync = self.keyring_sync()?;
        }
        let q: &dyn Tx = &*self.store.read();
        let integrity_problems = self.store.admin().integrity_problems()?;
        let audit_chain = chain_break(q)?;
        let inconsistencies = inconsistencies(q)?;
        Ok(DoctorReport {
            integrity_problems,
            audit_chain,
            inconsistencies,
            store_path: path,
            schema_version: self.store.admin().schema_version()?,
            file_mode,
            dir_mode,
            files,
            schema_differences: self.store.schema_differences().to_vec(),
            keyring_backend: self.ctx.keyring.backend().to_owned(),
            keyring,
            entry_listing: sync.listing,
            missing_entries: sync.missing,
            stale_entries: sync.stale,
            orphan_entries: sync.orphans,
        })
    }

    /// Compares the keyring with the store: every entry found under this
    /// store's id, and every live token the actor may see.
    fn keyring_sync(&self) -> Result<KeyringSync> {
        let q: &dyn Tx = &*self.store.read();
        let mut sync = KeyringSync::default();
        let listed = match self.ctx.keyring.entries() {
            Ok(entries) => Some(self.classify_entries(q, entries, &mut sync)?),
            Err(KeyringError::Unsupported) => {
                sync.listing = EntryListing::Unsupported;
                None
            }
            Err(err) => {
                // Without the list there is no telling what is missing.
                sync.listing = EntryListing::Failed(err);
                return Ok(sync);
            }
        };
        let actor = match self.ctx.actor(q) {
            Ok(actor) => actor,
            // A store with problems was not set up for this user; the rest
            // of the report still helps.
            Err(_) if !self.store.is_trusted() => return Ok(sync),
            Err(err) => return Err(err),
        };
        let filter = TokenFilter {
            visible_to: Some(self.ctx.visibility(q, actor, None)?),
            statuses: Some(vec![TokenStatus::Active]),
            now: self.ctx.clock.now(),
            ..TokenFilter::default()
        };
        q.for_each_token(&filter, |row| {
            let missing = match &listed {
                Some(present) => !present.contains(&row.token.id),
                // A backend that cannot list is asked token by token.
                None => {
                    let entry = keyring_entry(q, &row.token)?;
                    matches!(self.ctx.keyring.get(&entry), Err(KeyringError::NoEntry))
                }
            };
            if missing {
                sync.missing.push(row.token);
            }
            Ok::<(), crate::Error>(())
        })?;
        Ok(sync)
    }

    /// Sorts the listed entries of this store into stale and orphan ones;
    /// returns the ids of the tokens that have an entry.
    fn classify_entries(
        &self,
        q: &dyn Tx,
        entries: Vec<(String, Secret)>,
        sync: &mut KeyringSync,
    ) -> Result<HashSet<TokenId>> {
        let prefix = format!("{}/", q.store_id()?);
        let mut present = HashSet::new();
        let mut ours = 0;
        for (account, secret) in entries {
            // Another store's entries are that store's business.
            let Some(id_text) = account.strip_prefix(&prefix) else {
                continue;
            };
            ours += 1;
            let row = match id_text.parse::<TokenId>() {
                Ok(id) => {
                    present.insert(id);
                    q.token(id)?
                }
                Err(_) => None,
            };
            let Some(row) = row else {
                sync.orphans.push(OrphanEntry {
                    account,
                    token: None,
                });
                continue;
            };
            if row.token.revoked_at.is_some() {
                sync.orphans.push(OrphanEntry {
                    account,
                    token: Some(row.token),
                });
                continue;
            }
            let current = q.secret_hash(row.token.id)?.unwrap_or_default();
            if !secret.is_current(row.token.id, &current) {
                sync.stale.push(row.token);
            }
        }
        // Keyrings list in no particular order; reports should not wobble.
        sync.stale
            .sort_by(|a, b| (&a.name, a.id).cmp(&(&b.name, b.id)));
        sync.orphans.sort_by(|a, b| a.account.cmp(&b.account));
        sync.listing = EntryListing::Listed(ours);
        Ok(present)
    }
}

/// The keyring side of the report.
#[derive(Debug)]
struct KeyringSync {
    listing: EntryListing,
    missing: Vec<Token>,
    stale: Vec<Token>,
    orphans: Vec<OrphanEntry>,
}

impl Default for KeyringSync {
    fn default() -> Self {
        KeyringSync {
            listing: EntryListing::NotChecked,
            missing: Vec::new(),
            stale: Vec::new(),
            orphans: Vec::new(),
        }
    }
}

/// Walks the whole audit chain (from the retention checkpoint, if any).
fn chain_break(q: &dyn crate::store::Tx) -> Result<Option<crate::audit::BrokenLink>> {
    Ok(super::audit::walk_chain(q, None)?.broken)
}

/// Every token has its `token.create` event, every revoked token its
/// `token.revoke` event and every rotation its `token.rotate` event; and every
/// such event has its change (a created token exists unless it was pruned).
fn inconsistencies(q: &dyn crate::store::Tx) -> Result<Vec<String>> {
    use crate::audit::action;
    const SHOWN: usize = 20;
    let created = q.event_counts_by_token(action::TOKEN_CREATE)?;
    let revoked = q.event_counts_by_token(action::TOKEN_REVOKE)?;
    let rotated = q.event_counts_by_token(action::TOKEN_ROTATE)?;
    let pruned = q.event_counts_by_token(action::TOKEN_PRUNE)?;
    let mut found = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (id, is_revoked, rotations) in q.token_change_summary()? {
        let public = id.as_i64();
        seen.insert(public);
        if !created.contains_key(&public) {
            found.push(format!("token {id} has no token.create event"));
        }
        let revoke_events = revoked.get(&public).copied().unwrap_or(0);
        if is_revoked && revoke_events == 0 {
            found.push(format!(
                "token {id} is revoked but has no token.revoke event"
            ));
        }
        if !is_revoked && revoke_events > 0 {
            found.push(format!(
                "token {id} has a token.revoke event but is not revoked"
            ));
        }
        let rotate_events = rotated.get(&public).copied().unwrap_or(0);
        if rotate_events != rotations {
            found.push(format!(
                "token {id} has {rotations} retired secrets but {rotate_events} token.rotate events"
            ));
        }
    }
    for public in created.keys() {
        if !seen.contains(public) && !pruned.contains_key(public) {
            let id = crate::model::TokenId::from_i64(*public)
                .map_or_else(|| public.to_string(), |id| id.to_string());
            found.push(format!(
                "token {id} has a token.create event but no row (and was not pruned)"
            ));
        }
    }
    if found.len() > SHOWN {
        let more = found.len() - SHOWN;
        found.truncate(SHOWN);
        found.push(format!("and {more} more"));
    }
    Ok(found)
}
