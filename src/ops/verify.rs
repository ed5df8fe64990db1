//! Verifying a presented token, and recording its use without a write per call.
//!
//! The path: parse and checksum (no store access) → one rowid lookup →
//! SHA-256 and a constant-time compare → revoked? expired? scope? Then the use
//! is counted in memory. Usage reaches the store under the coalescing rule:
//! per session, a token's usage is written at most once per
//! [`COALESCE_WINDOW_SECONDS`]. The first use is written at once when the
//! stored last use is older than the window (or there is none); later uses
//! within the window are buffered and written when a use arrives after the
//! window has passed, or when [`Session::flush_usage`] is called (the CLI
//! calls it before exiting, so one-shot `tokctl verify` loses no count).

use std::collections::HashMap;

use super::Session;
use crate::clock::Timestamp;
use crate::error::{Error, Rejection, Result};
use crate::model::{TokenId, TokenKind};
use crate::scope::{Scope, ScopeSet};
use crate::secret;
use crate::store::UsageUpdate;

/// At most one usage write per token per this many seconds (per session).
pub const COALESCE_WINDOW_SECONDS: i64 = 60;

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
}

#[derive(Debug, Clone, Copy)]
struct Pending {
    uses: u64,
    last_used_at: Timestamp,
    /// When the window of this token's buffered uses opened.
    window_start: Option<Timestamp>,
}

/// Uses counted in memory, waiting to be written.
#[derive(Debug, Default)]
pub(super) struct UsageBuffer {
    pending: HashMap<TokenId, Pending>,
}

impl Session {
    /// Verifies a presented token, optionally requiring a scope.
    pub fn verify(&mut self, presented: &str, required: Option<&Scope>) -> Result<Verified> {
        let parsed = secret::parse(presented)?;
        let reject = |reason| Err(Error::Rejected { reason });
        let Some(row) = self.store.read().verify_row(parsed.id)? else {
            return reject(Rejection::Unknown);
        };
        if row.kind != parsed.kind || !secret::hashes_match(&row.hash, &parsed.hash()) {
            return reject(Rejection::Unknown);
        }
        let now = self.ctx.clock.now();
        if row.revoked_at.is_some() {
            return reject(Rejection::Revoked);
        }
        if row.expires_at.is_some_and(|at| at <= now) {
            return reject(Rejection::Expired);
        }
        let scopes = ScopeSet::parse_stored(&row.scopes)?;
        if required.is_some_and(|wanted| !scopes.allows(wanted)) {
            return reject(Rejection::InsufficientScope);
        }
        self.record_use(parsed.id, row.last_used_at, now)?;
        Ok(Verified {
            id: parsed.id,
            kind: row.kind,
            name: row.name,
            org: row.org,
            owner: row.owner,
            scopes,
            expires_at: row.expires_at,
        })
    }

    fn record_use(
        &mut self,
        id: TokenId,
        stored_last_use: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<()> {
        let window = chrono::Duration::seconds(COALESCE_WINDOW_SECONDS);
        let slot = self.usage.pending.entry(id).or_insert(Pending {
            uses: 0,
            last_used_at: now,
            window_start: None,
        });
        slot.uses += 1;
        slot.last_used_at = slot.last_used_at.max(now);
        let due = match slot.window_start {
            Some(start) => now - start >= window,
            None => stored_last_use.is_none_or(|last| now - last >= window),
        };
        if !due {
            slot.window_start.get_or_insert(now);
            return Ok(());
        }
        let update = UsageUpdate {
            id,
            uses: slot.uses,
            last_used_at: slot.last_used_at,
        };
        slot.uses = 0;
        slot.window_start = Some(now);
        self.store.write(|q| q.apply_usage(&[update]))
    }

    /// Writes all buffered usage in one transaction.
    pub fn flush_usage(&mut self) -> Result<()> {
        let updates: Vec<UsageUpdate> = self
            .usage
            .pending
            .iter()
            .filter(|(_, pending)| pending.uses > 0)
            .map(|(id, pending)| UsageUpdate {
                id: *id,
                uses: pending.uses,
                last_used_at: pending.last_used_at,
            })
            .collect();
        if updates.is_empty() {
            return Ok(());
        }
        self.store.write(|q| q.apply_usage(&updates))?;
        self.usage.pending.clear();
        Ok(())
    }
}
