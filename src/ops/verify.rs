//! Verifying a presented token, and recording its use without a write per call.
//!
//! The path: parse and checksum (no store access) → one rowid lookup →
//! SHA-256 and a constant-time compare (against the current secret, and only
//! on a mismatch against secrets retired by rotation) → revoked? expired?
//! scope? Every refusal is audited at once. A success is only counted in
//! memory: the coalescing rule is that a session writes usage in one
//! transaction at most once per [`COALESCE_WINDOW_SECONDS`] (sooner only when
//! [`MAX_PENDING_TOKENS`] tokens, or the session's own limit, have uses
//! waiting), and when
//! [`Session::flush_usage`] is called; the CLI calls it before exiting, so a
//! one-shot `tokctl verify` loses no count. A token's `last_used_at` thus
//! reaches the store at most a minute late, counts stay exact, and a crash
//! loses at most a minute of them. Each write adds one `token.use` audit
//! event saying how many tokens and uses it recorded; the per-token counts
//! live on the tokens themselves (`use_count`, `last_used_at`).

use std::collections::HashMap;

use super::Session;
use crate::audit::{action, NewEvent, Outcome};
use crate::clock::Timestamp;
use crate::error::{Error, Rejection, Result};
use crate::model::{TokenId, TokenKind};
use crate::scope::{Scope, ScopeSet};
use crate::secret;
use crate::store::UsageUpdate;

/// A session writes buffered usage at most once per this many seconds.
pub const COALESCE_WINDOW_SECONDS: i64 = 60;
/// ...or sooner, when this many tokens have uses waiting (about 5 MiB).
pub const MAX_PENDING_TOKENS: usize = 100_000;

/// A token that passed verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Its public id.
    pub id: TokenId,
    /// Personal or org.
    pub kind: TokenKind,
    /// Its name.
    pub name: String,
    /// Its org.
    pub org: String,
    /// Its owner (personal tokens).
    pub owner: Option<String>,
    /// Its scopes.
    pub scopes: ScopeSet,
    /// When it expires.
    pub expires_at: Option<Timestamp>,
    /// Set when the presented secret is an old one still inside its grace
    /// period: the caller should switch to the new secret before this time.
    pub old_secret_valid_until: Option<Timestamp>,
}

#[derive(Debug, Clone, Copy)]
struct Pending {
    uses: u64,
    last_used_at: Timestamp,
}

/// Uses counted in memory, waiting to be written: one slot per token and
/// hour, so the hourly history stays exact when a window spans an hour.
#[derive(Debug)]
pub(super) struct UsageBuffer {
    pending: HashMap<(TokenId, i64), Pending>,
    /// When the oldest waiting use happened.
    oldest: Option<Timestamp>,
    /// Write as soon as this many tokens have uses waiting.
    limit: usize,
}

impl Default for UsageBuffer {
    fn default() -> Self {
        UsageBuffer {
            pending: HashMap::new(),
            oldest: None,
            limit: MAX_PENDING_TOKENS,
        }
    }
}

/// Org and user names by row id: they never change, so a session can keep
/// them and the verify read touches only the token's row.
#[derive(Debug, Default)]
pub(super) struct NameCache {
    orgs: HashMap<i64, String>,
    users: HashMap<i64, String>,
}

/// A refusal and what is known of the token it concerns (for the audit event).
struct Refusal {
    reason: Rejection,
    token: Option<(TokenId, String, String)>,
}

impl Refusal {
    fn bare(reason: Rejection) -> Self {
        Refusal {
            reason,
            token: None,
        }
    }
}

impl Session {
    /// Writes buffered usage once `limit` tokens have uses waiting (default
    /// [`MAX_PENDING_TOKENS`]), for callers that want less memory or tests.
    pub fn set_usage_buffer_limit(&mut self, limit: usize) {
        self.usage.limit = limit.max(1);
    }

    /// Verifies a presented token, optionally requiring a scope. Refusals are
    /// audited; successes are counted (see the module docs).
    pub fn verify(&mut self, presented: &str, required: Option<&Scope>) -> Result<Verified> {
        let now = self.ctx.clock.now();
        match self.check_presented(presented, required, now)? {
            Ok(verified) => {
                self.record_use(verified.id, now)?;
                Ok(verified)
            }
            Err(refusal) => {
                let (token_id, org, target) = match refusal.token {
                    Some((id, org, name)) => (Some(id), Some(org), Some(name)),
                    None => (None, None, None),
                };
                let mut details = serde_json::json!({ "reason": refusal.reason.as_str() });
                if let Some(wanted) = required {
                    details["required_scope"] = wanted.to_string().into();
                }
                let event = NewEvent {
                    outcome: Outcome::Denied,
                    org,
                    token_id,
                    target,
                    details,
                    ..self.ctx.event(action::TOKEN_VERIFY)
                };
                self.store.write(|q| q.append_event(&event))?;
                Err(Error::Rejected {
                    reason: refusal.reason,
                })
            }
        }
    }

    /// Audits input that could not even be read as a token (too long, not
    /// UTF-8): a malformed presentation like any other.
    pub fn reject_unreadable(&mut self) -> Result<Error> {
        let event = NewEvent {
            outcome: Outcome::Denied,
            details: serde_json::json!({ "reason": Rejection::Malformed.as_str() }),
            ..self.ctx.event(action::TOKEN_VERIFY)
        };
        self.store.write(|q| q.append_event(&event))?;
        Ok(Error::Rejected {
            reason: Rejection::Malformed,
        })
    }

    fn check_presented(
        &mut self,
        presented: &str,
        required: Option<&Scope>,
        now: Timestamp,
    ) -> Result<Result<Verified, Refusal>> {
        let Ok(parsed) = secret::parse(presented) else {
            return Ok(Err(Refusal::bare(Rejection::Malformed)));
        };
        let q = self.store.read();
        let Some(row) = q.verify_row(parsed.id)? else {
            return Ok(Err(Refusal::bare(Rejection::Unknown)));
        };
        if row.kind != parsed.kind {
            return Ok(Err(Refusal::bare(Rejection::Unknown)));
        }
        let org = cached_name(&mut self.names.orgs, row.org, |key| q.org_name(key))?;
        let owner = match row.owner {
            Some(key) => Some(cached_name(&mut self.names.users, key, |key| {
                q.user_name(key)
            })?),
            None => None,
        };
        let refuse = |reason| {
            Ok(Err(Refusal {
                reason,
                token: Some((parsed.id, org.clone(), row.name.clone())),
            }))
        };
        let presented_hash = parsed.hash();
        let mut old_secret_valid_until = None;
        if !secret::hashes_match(&row.hash, &presented_hash) {
            // Only a mismatch pays for this second read.
            let old = q
                .retired_secrets(parsed.id)?
                .into_iter()
                .find(|old| secret::hashes_match(&old.hash, &presented_hash));
            match old {
                None => return Ok(Err(Refusal::bare(Rejection::Unknown))),
                Some(old) if old.valid_until <= now => return refuse(Rejection::Rotated),
                Some(old) => old_secret_valid_until = Some(old.valid_until),
            }
        }
        if row.revoked_at.is_some() {
            return refuse(Rejection::Revoked);
        }
        if row.expires_at.is_some_and(|at| at <= now) {
            return refuse(Rejection::Expired);
        }
        let scopes = row.scopes;
        if required.is_some_and(|wanted| !scopes.allows(wanted)) {
            return refuse(Rejection::InsufficientScope);
        }
        let verified = Verified {
            id: parsed.id,
            kind: row.kind,
            name: row.name,
            org,
            owner,
            scopes,
            expires_at: row.expires_at,
            old_secret_valid_until,
        };
        Ok(Ok(verified))
    }

    fn record_use(&mut self, id: TokenId, now: Timestamp) -> Result<()> {
        let hour = now.timestamp().div_euclid(3600);
        let slot = self.usage.pending.entry((id, hour)).or_insert(Pending {
            uses: 0,
            last_used_at: now,
        });
        slot.uses += 1;
        slot.last_used_at = slot.last_used_at.max(now);
        let oldest = *self.usage.oldest.get_or_insert(now);
        let window_over = now - oldest >= chrono::Duration::seconds(COALESCE_WINDOW_SECONDS);
        if window_over || self.usage.pending.len() >= self.usage.limit {
            self.flush_usage()?;
        }
        Ok(())
    }

    /// Writes all buffered usage in one transaction.
    pub fn flush_usage(&mut self) -> Result<()> {
        let updates: Vec<UsageUpdate> = self
            .usage
            .pending
            .iter()
            .filter(|(_, pending)| pending.uses > 0)
            .map(|((id, _hour), pending)| UsageUpdate {
                id: *id,
                uses: pending.uses,
                last_used_at: pending.last_used_at,
            })
            .collect();
        if updates.is_empty() {
            return Ok(());
        }
        let uses: u64 = updates.iter().map(|update| update.uses).sum();
        let tokens = updates
            .iter()
            .map(|update| update.id)
            .collect::<std::collections::HashSet<_>>()
            .len();
        let event = NewEvent {
            details: serde_json::json!({ "tokens": tokens, "uses": uses }),
            ..self.ctx.event(action::TOKEN_USE)
        };
        self.store.write(|q| {
            q.apply_usage(&updates)?;
            q.append_event(&event).map(|_| ())
        })?;
        self.usage.pending.clear();
        self.usage.oldest = None;
        Ok(())
    }
}

/// A name from the session's cache, read from the store the first time.
fn cached_name(
    cache: &mut HashMap<i64, String>,
    key: i64,
    load: impl FnOnce(i64) -> Result<String>,
) -> Result<String> {
    if let Some(name) = cache.get(&key) {
        return Ok(name.clone());
    }
    let name = load(key)?;
    cache.insert(key, name.clone());
    Ok(name)
}
