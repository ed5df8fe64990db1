//! Editing a token in place: its name, description, expiry or scopes,
//! without a new secret.
//!
//! What an edit may do is what leaves the token no more powerful: an earlier
//! expiry always, a later one (or none) only where the org's policy admits
//! it ([`crate::policy::Policy::admit`], the gate create and rotate use, with
//! the lifetime counted from when the secret was issued); scopes only
//! narrower, never wider (wider scopes are a new token, with its own secret
//! and audit trail). A revoked token is never edited, and an expired one
//! gets no new expiry here: reviving it is a rotation. The change and its
//! `token.edit` event, with the fields before and after, commit together.

use super::create::{admitted, held_by_plain_member, validate_description};
use super::Session;
use crate::audit::action;
use crate::clock::{rfc3339, Timestamp};
use crate::duration::Expiry;
use crate::error::{Error, RequestProblem, Result};
use crate::model::{validate_token_name, Token, TokenStatus, UserKind};
use crate::policy::Candidate;
use crate::scope::{Scope, ScopeSet};
use crate::store::TokenEdit;

/// What to change on a token. `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct EditRequest {
    /// The token's id or name.
    pub reference: String,
    /// Look the name up in this org only.
    pub org: Option<String>,
    /// A new name.
    pub name: Option<String>,
    /// A new description; `Some(None)` removes it.
    pub description: Option<Option<String>>,
    /// A new expiry.
    pub expiry: Option<Expiry>,
    /// The token's scopes from now on: each must be covered by the scopes
    /// it holds (narrower or equal).
    pub scopes: Option<Vec<Scope>>,
    /// A later expiry beyond the org's max lifetime is cut down to the
    /// maximum instead of refused.
    pub clamp_expiry: bool,
}

impl EditRequest {
    fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.description.is_none()
            && self.expiry.is_none()
            && self.scopes.is_none()
    }
}

/// An edited token.
#[derive(Debug, Clone)]
pub struct Edited {
    /// The token as it was.
    pub before: Token,
    /// The token as it is now.
    pub after: Token,
    /// The fields that changed (`name`, `description`, `expires_at`,
    /// `scopes`), in that order; empty when the edit changed nothing.
    pub changed: Vec<&'static str>,
}

impl Session {
    /// Edits a token the actor may manage (their own, or any of an org they
    /// administer). See the module docs for what is allowed.
    pub fn edit_token(&mut self, request: EditRequest) -> Result<Edited> {
        if request.is_empty() {
            return Err(Error::request(
                "nothing to change",
                RequestProblem::NothingToEdit,
            ));
        }
        if let Some(name) = &request.name {
            validate_token_name(name)?;
        }
        if let Some(Some(description)) = &request.description {
            validate_description(description)?;
        }
        if request.scopes.as_ref().is_some_and(Vec::is_empty) {
            return Err(Error::request(
                "a token needs at least one scope",
                RequestProblem::NoScope,
            ));
        }
        let now = self.ctx.clock.now();
        let new_expiry = request
            .expiry
            .map(|expiry| expiry.resolve(now))
            .transpose()?;
        self.write_as_actor(|q, ctx, actor| {
            let row = ctx.resolve_token(q, actor, &request.reference, request.org.as_deref())?;
            ctx.require_manage(q, actor, &row, "editing this token")?;
            let before = row.token.clone();
            match before.status(now) {
                TokenStatus::Revoked => {
                    return Err(Error::request(
                        format!("token '{}' is revoked and cannot be edited", before.name),
                        RequestProblem::TokenEnded,
                    ))
                }
                TokenStatus::Expired if new_expiry.is_some() => {
                    return Err(Error::request(
                        format!(
                            "token '{}' has expired; an edit does not give it a new expiry",
                            before.name
                        ),
                        RequestProblem::EditExpiredExpiry,
                    ))
                }
                _ => {}
            }
            let mut after = before.clone();
            if let Some(wanted) = &request.scopes {
                if let Some(wider) = wanted.iter().find(|scope| !before.scopes.allows(scope)) {
                    return Err(Error::request(
                        format!(
                            "token '{}' does not hold {wider}: an edit can only narrow its scopes",
                            before.name
                        ),
                        RequestProblem::WiderScopes {
                            scope: wider.to_string(),
                        },
                    ));
                }
                after.scopes = ScopeSet::new(wanted.iter().cloned());
            }
            if let Some(expires_at) = new_expiry {
                after.expires_at = expires_at;
                if is_later(before.expires_at, expires_at) {
                    // A later expiry must fit the org's policy as it is now
                    // (clamped, it may end up earlier: that is always allowed).
                    let admission = q.policy(row.org_key)?.admit(
                        &Candidate {
                            scopes: &after.scopes,
                            issued_at: before.issued_at,
                            expires_at,
                            held_by_plain_member: held_by_plain_member(
                                q,
                                row.org_key,
                                row.owner_key,
                            )?,
                            held_by_service_account: before.owner_kind == Some(UserKind::Service),
                        },
                        request.clamp_expiry,
                    );
                    after.expires_at = admitted(&before.org, admission)?.0;
                }
            }
            if let Some(name) = &request.name {
                if *name != before.name
                    && q.live_name_taken(row.org_key, row.owner_key, name, now)?
                {
                    return Err(Error::AlreadyExists {
                        kind: "token",
                        name: name.clone(),
                    });
                }
                after.name = name.clone();
            }
            if let Some(description) = &request.description {
                after.description = description.clone();
            }
            let changed = changed_fields(&before, &after);
            if changed.is_empty() {
                return Ok(Edited {
                    before,
                    after,
                    changed,
                });
            }
            if !q.edit_token(&TokenEdit {
                token: after.id,
                name: &after.name,
                description: after.description.as_deref(),
                scopes: &after.scopes,
                expires_at: after.expires_at,
            })? {
                return Err(Error::NotFound {
                    kind: "token",
                    name: crate::error::quote_for_message(&request.reference),
                });
            }
            q.append_event(&ctx.token_event(
                action::TOKEN_EDIT,
                &after,
                edit_details(&before, &after, &changed),
            ))?;
            Ok(Edited {
                before,
                after,
                changed,
            })
        })
    }
}

/// Whether `new` ends later than `old` (no expiry is the latest of all).
pub(super) fn is_later(old: Option<Timestamp>, new: Option<Timestamp>) -> bool {
    match (old, new) {
        (None, _) => false,
        (Some(_), None) => true,
        (Some(old), Some(new)) => new > old,
    }
}

/// The fields that differ, in a fixed order.
fn changed_fields(before: &Token, after: &Token) -> Vec<&'static str> {
    let mut changed = Vec::new();
    if before.name != after.name {
        changed.push("name");
    }
    if before.description != after.description {
        changed.push("description");
    }
    if before.expires_at != after.expires_at {
        changed.push("expires_at");
    }
    if before.scopes != after.scopes {
        changed.push("scopes");
    }
    changed
}

/// The audit details of an edit: the changed fields before and after.
pub(super) fn edit_details(
    before: &Token,
    after: &Token,
    changed: &[&'static str],
) -> serde_json::Value {
    let field = |token: &Token, name: &str| -> serde_json::Value {
        match name {
            "name" => token.name.clone().into(),
            "description" => token.description.clone().into(),
            "expires_at" => token.expires_at.map(rfc3339).into(),
            "scopes" => token.scopes.to_strings().into(),
            _ => serde_json::Value::Null,
        }
    };
    let side = |token: &Token| -> serde_json::Value {
        changed
            .iter()
            .map(|name| ((*name).to_owned(), field(token, name)))
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    serde_json::json!({ "before": side(before), "after": side(after) })
}
