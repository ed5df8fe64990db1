//! Revoking tokens by id or name.
//!
//! Write order: the revocation commits first (it must never be lost), then
//! the keyring entries are deleted; a keyring entry that is already gone, or
//! a keyring that fails, is reported as a warning, never as a failure.

use super::{keyring_entry, Session};
use crate::error::{Error, Result};
use crate::keyring::{KeyringEntry, KeyringError, KeyringMode};
use crate::model::Token;

/// What happened to one token.
#[derive(Debug)]
pub struct Revoked {
    /// The token, as it is now.
    pub token: Token,
    /// Whether this call revoked it (false: it already was).
    pub newly: bool,
    /// What happened to its keyring entry.
    pub keyring: RevokeOutcome,
}

/// The keyring side of a revocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevokeOutcome {
    /// The entry was deleted.
    Deleted,
    /// There was no entry (made with the keyring off, elsewhere, or removed by hand).
    Missing,
    /// The keyring failed; the entry may remain.
    Failed(KeyringError),
    /// Keyring off, or the token was already revoked.
    Untouched,
}

const MAX_REASON_CHARS: usize = 500;

impl Session {
    /// Revokes the tokens named by `references` (ids or names), all or none.
    /// Revoking an already revoked token changes nothing and is not an error.
    pub fn revoke_tokens(
        &mut self,
        references: &[String],
        org: Option<&str>,
        reason: Option<&str>,
    ) -> Result<Vec<Revoked>> {
        if references.is_empty() {
            return Err(Error::request(
                "name at least one token to revoke",
                Some("tokctl revoke ID|NAME..."),
            ));
        }
        if let Some(reason) = reason {
            if reason.chars().count() > MAX_REASON_CHARS || reason.chars().any(char::is_control) {
                return Err(Error::invalid(
                    "reason",
                    reason,
                    "must be one line of at most 500 characters",
                ));
            }
        }
        let now = self.ctx.clock.now();
        let results: Vec<(Token, bool, KeyringEntry)> = self.write_as_actor(|q, ctx, actor| {
            let mut out: Vec<(Token, bool, KeyringEntry)> = Vec::with_capacity(references.len());
            for reference in references {
                let row = ctx.resolve_token(q, actor, reference, org)?;
                ctx.require_manage(q, actor, &row, "revoking this token")?;
                if out.iter().any(|(token, _, _)| token.id == row.token.id) {
                    continue;
                }
                let newly = q.revoke_token(row.token.id, now, actor.key, reason)?;
                let mut token = row.token;
                if newly {
                    token.revoked_at = Some(now);
                    token.revoked_by = Some(ctx.actor.clone());
                    token.revoke_reason = reason.map(str::to_owned);
                }
                let entry = keyring_entry(q, &token)?;
                out.push((token, newly, entry));
            }
            Ok(out)
        })?;
        Ok(results
            .into_iter()
            .map(|(token, newly, entry)| {
                let keyring = if !newly || self.ctx.keyring_mode == KeyringMode::Off {
                    RevokeOutcome::Untouched
                } else {
                    match self.ctx.keyring.delete(&entry) {
                        Ok(()) => RevokeOutcome::Deleted,
                        Err(KeyringError::NoEntry) => RevokeOutcome::Missing,
                        Err(err) => RevokeOutcome::Failed(err),
                    }
                };
                Revoked {
                    token,
                    newly,
                    keyring,
                }
            })
            .collect())
    }
}
