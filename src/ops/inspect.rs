//! Identifying a presented secret without using it: which token it is,
//! whose, and whether the secret is that token's. For leak response, where
//! `verify` would record a use and move `last_used_at` (the evidence).
//!
//! Nothing is written but one `token.inspect` audit event: no use is
//! counted, no refusal is recorded as a verification.

use super::Session;
use crate::audit::{action, NewEvent, Outcome};
use crate::clock::Timestamp;
use crate::error::{Error, Rejection, Result};
use crate::model::{Token, TokenId, TokenKind, TokenStatus};
use crate::secret::{self, SecretHash};
use crate::store::{TokenRow, Tx};

/// What an inspected secret is to the token its id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretMatch {
    /// The token's current secret: it works (unless the token is revoked or expired).
    Current,
    /// A secret replaced by a rotation that still works until then.
    OldStillValid {
        /// When its grace period ends.
        until: Timestamp,
    },
    /// A secret replaced by a rotation that no longer works.
    OldEnded {
        /// When it stopped working.
        ended: Timestamp,
    },
    /// Not a secret this token ever had: the id is real, the rest is not.
    NotThisToken,
}

impl SecretMatch {
    /// Stable name for JSON and the audit event.
    pub fn as_str(self) -> &'static str {
        match self {
            SecretMatch::Current => "current",
            SecretMatch::OldStillValid { .. } => "old_still_valid",
            SecretMatch::OldEnded { .. } => "old_ended",
            SecretMatch::NotThisToken => "none",
        }
    }

    /// Whether whoever holds this secret can still use the token with it
    /// (the token's own status aside).
    pub fn opens_the_token(self) -> bool {
        matches!(
            self,
            SecretMatch::Current | SecretMatch::OldStillValid { .. }
        )
    }
}

/// The token a well-formed presented secret names (by the id inside it)
/// and what the secret is to it; `None` when no token of that id and kind
/// exists. Shared by `inspect` and revoking a leaked secret.
pub(super) fn match_presented(
    q: &dyn Tx,
    parsed: &secret::ParsedToken,
    now: Timestamp,
) -> Result<Option<(TokenRow, SecretMatch)>> {
    match_digest(q, parsed.kind, parsed.id, &parsed.hash(), now)
}

/// [`match_presented`] for a secret known by its digest (what a scan keeps
/// of a token it found).
pub(super) fn match_digest(
    q: &dyn Tx,
    kind: TokenKind,
    id: TokenId,
    presented_hash: &SecretHash,
    now: Timestamp,
) -> Result<Option<(TokenRow, SecretMatch)>> {
    let Some(row) = q.token(id)? else {
        return Ok(None);
    };
    if row.token.kind != kind {
        return Ok(None);
    }
    let current = q.secret_hash(id)?.unwrap_or_default();
    if secret::hashes_match(&current, presented_hash) {
        return Ok(Some((row, SecretMatch::Current)));
    }
    let old = q
        .retired_secrets(id)?
        .into_iter()
        .find(|old| secret::hashes_match(&old.hash, presented_hash));
    let matched = match old {
        Some(old) if old.valid_until > now => SecretMatch::OldStillValid {
            until: old.valid_until,
        },
        Some(old) => SecretMatch::OldEnded {
            ended: old.valid_until,
        },
        None => SecretMatch::NotThisToken,
    };
    Ok(Some((row, matched)))
}

/// The token behind a presented secret.
#[derive(Debug, Clone)]
pub struct Inspection {
    /// The token the secret's id names.
    pub token: Token,
    /// Whether the secret is that token's.
    pub secret: SecretMatch,
}

impl Inspection {
    /// Whether whoever holds the secret can use the token with it now: the
    /// secret opens it, and the token is active (not revoked, not expired).
    pub fn secret_works(&self, now: Timestamp) -> bool {
        self.secret.opens_the_token() && self.token.status(now) == TokenStatus::Active
    }
}

impl Session {
    /// Says which token `presented` is, without using it. The actor must be
    /// allowed to see the token (its owner, or an admin of its org).
    pub fn inspect(&mut self, presented: &str) -> Result<Inspection> {
        let parsed = secret::parse(presented).map_err(|_| Error::Rejected {
            reason: Rejection::Malformed,
        })?;
        let now = self.ctx.clock.now();
        let found = {
            let q: &dyn Tx = &*self.store.read();
            let actor = self.ctx.actor(q)?;
            match match_presented(q, &parsed, now)? {
                Some((row, secret)) => {
                    let visible =
                        match self
                            .ctx
                            .require_manage(q, actor, &row, "inspecting this token")
                        {
                            Ok(()) => true,
                            Err(Error::Forbidden { .. }) => false,
                            Err(other) => return Err(other),
                        };
                    Some((row.token, secret, visible))
                }
                None => None,
            }
        };
        let Some((token, secret, visible)) = found else {
            return Err(Error::Rejected {
                reason: Rejection::Unknown,
            });
        };
        let event = NewEvent {
            outcome: if visible {
                Outcome::Ok
            } else {
                Outcome::Denied
            },
            ..self.ctx.token_event(
                action::TOKEN_INSPECT,
                &token,
                serde_json::json!({ "secret": secret.as_str() }),
            )
        };
        self.store.write(|q| q.append_event(&event).map(|_| ()))?;
        if !visible {
            return Err(Error::Forbidden {
                action: "inspecting this token".into(),
                needed: crate::model::Role::Admin.as_str(),
                org: token.org,
            });
        }
        Ok(Inspection { token, secret })
    }
}
