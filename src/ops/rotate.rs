//! Rotating a token: a new secret for the same id, name, owner and scopes,
//! with an optional grace period during which the old secret still works.
//!
//! Write order: inside the write transaction the secret digest is replaced,
//! the old digest is kept in `retired_secrets` with its grace deadline, the
//! event is appended, and the keyring entry is replaced; then it commits. If
//! the commit fails, the keyring gets its old secret back (or loses the new
//! one when there was none), also before the store runs the transaction
//! again after a conflict. In `auto` mode a keyring that cannot take the
//! new secret has the old entry removed instead. `required` mode fails before
//! any write when the keyring is unreachable or locked.

use super::create::{admitted, held_by_plain_member};
use super::{KeyringOutcome, Session};
use crate::audit::action;
use crate::clock::Timestamp;
use crate::duration::{Expiry, Span};
use crate::error::{Error, Result};
use crate::keyring::{KeyringEntry, KeyringMode};
use crate::model::{Token, TokenStatus, UserKind};
use crate::policy::Candidate;
use crate::secret::Secret;
use crate::store::Rotation;

/// What to rotate and how.
#[derive(Debug, Clone, Default)]
pub struct RotateRequest {
    /// The token's id or name.
    pub reference: String,
    /// Look the name up in this org only.
    pub org: Option<String>,
    /// A new expiry (default: keep the current one).
    pub expiry: Option<Expiry>,
    /// How long the old secret keeps working (default: it stops at once).
    pub grace: Option<Span>,
    /// Cut an expiry beyond the org's max lifetime down to the maximum instead of refusing.
    pub clamp_expiry: bool,
}

/// A rotated token and its new secret, shown once.
#[derive(Debug)]
pub struct Rotated {
    /// The token, as it is now.
    pub token: Token,
    /// The new secret.
    pub secret: Secret,
    /// Until when the old secret still verifies (`None`: it stopped at once).
    pub old_secret_valid_until: Option<Timestamp>,
    /// Where the new secret was kept.
    pub keyring: KeyringOutcome,
    /// Whether the expiry was cut down to the org's max lifetime.
    pub expiry_clamped: bool,
}

impl Session {
    /// Gives a token a new secret.
    pub fn rotate_token(&mut self, request: RotateRequest) -> Result<Rotated> {
        let now = self.ctx.clock.now();
        let new_expiry = request
            .expiry
            .map(|expiry| expiry.resolve(now))
            .transpose()?;
        let grace_until = match request.grace {
            Some(span) => Some(
                span.after(now)
                    .ok_or_else(|| Error::invalid("grace period", &span.to_string(), "too long"))?,
            ),
            None => None,
        };
        let mode = self.ctx.keyring_mode;
        if mode == KeyringMode::Required {
            self.ctx.keyring.probe()?;
        }
        // What the keyring held before, to put back if the commit fails.
        let mut previous_entry: Option<(KeyringEntry, Option<Secret>)> = None;
        let result = self.write_as_actor(|q, ctx, actor| {
            // Run again after a conflict: the earlier run rolled back, so the
            // keyring gets back what it held before it.
            if let Some((entry, before)) = previous_entry.take() {
                ctx.put_back(&entry, before.as_ref());
            }
            let row = ctx.resolve_token(q, actor, &request.reference, request.org.as_deref())?;
            ctx.require_manage(q, actor, &row, "rotating this token")?;
            let mut token = row.token.clone();
            match token.status(now) {
                TokenStatus::Revoked => {
                    return Err(Error::request(
                        format!("token '{}' is revoked and cannot be rotated", token.name),
                        crate::error::RequestProblem::RotateRevoked,
                    ))
                }
                TokenStatus::Expired if new_expiry.is_none() => {
                    return Err(Error::request(
                        format!("token '{}' has expired", token.name),
                        crate::error::RequestProblem::RotateExpired,
                    ))
                }
                _ => {}
            }
            let old_hash = q.secret_hash(token.id)?.unwrap_or_default();
            let minted = ctx.generator.mint(token.kind, token.id)?;
            let expires_at = match request.expiry {
                Some(_) => new_expiry.flatten(),
                None => token.expires_at,
            };
            // The rotated token must meet the org's policy as it is now.
            let admission = q.policy(row.org_key)?.admit(
                &Candidate {
                    scopes: &token.scopes,
                    issued_at: now,
                    expires_at,
                    held_by_plain_member: held_by_plain_member(q, row.org_key, row.owner_key)?,
                    held_by_service_account: token.owner_kind == Some(UserKind::Service),
                },
                request.clamp_expiry,
            );
            let (expires_at, expiry_clamped) = admitted(&token.org, admission)?;
            let valid_until = grace_until.unwrap_or(now);
            q.rotate_secret(&Rotation {
                token: token.id,
                old_hash: &old_hash,
                new_hash: &minted.hash,
                at: now,
                by: actor.key,
                old_valid_until: valid_until,
                expires_at,
            })?;
            token.expires_at = expires_at;
            token.issued_at = now;
            q.append_event(&ctx.token_event(
                action::TOKEN_ROTATE,
                &token,
                serde_json::json!({
                    "old_secret_valid_until": valid_until.timestamp(),
                    "expires_at": expires_at.map(|t| t.timestamp()),
                }),
            ))?;
            // A keyring that cannot take the new secret loses the old one too.
            let (keyring, restore) = ctx.replace_secret(q, &token, &minted.secret)?;
            previous_entry = restore;
            Ok(Rotated {
                token,
                secret: minted.secret,
                old_secret_valid_until: grace_until,
                keyring,
                expiry_clamped,
            })
        });
        if let (Err(_), Some((entry, before))) = (&result, &previous_entry) {
            // The rotation did not commit: the keyring must hold the secret the store still accepts.
            self.ctx.put_back(entry, before.as_ref());
        }
        result
    }
}
