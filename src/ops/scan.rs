//! Which tokens a scan found, and revoking the live ones.
//!
//! Identifying is read-only, as `inspect` is and unlike `verify`: no use is
//! counted and last use does not move (the evidence of a leak), and no
//! audit event is written either, so a scan that a pre-commit hook or CI
//! runs on every change cannot fill the trail. A token the actor may not
//! manage is reported by its status alone: anyone holding the secret learns
//! that much from `verify`.
//!
//! Revoking follows revoke's plan, then apply: the plan fixes the token ids
//! (the live ones found), and the apply revokes exactly those, each with a
//! reason naming where it was found. Holding the secret is authority
//! enough, as for a revoke by a leaked secret.

use std::collections::HashMap;

use super::inspect::{match_digest, SecretMatch};
use super::revoke::{BulkRevoked, SkipReason, StillQualifying};
use super::{Actor, Ctx, Session};
use crate::clock::Timestamp;
use crate::error::{Error, Result};
use crate::model::{Token, TokenId, TokenStatus};
use crate::scan::{Finding, FoundToken, Origin};
use crate::secret::{hashes_match, redact_tokens, SecretHash};
use crate::store::{TokenRow, Tx};

/// What a found token is to this store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FoundStatus {
    /// The secret works: the token is active and this is its current
    /// secret, or an old one still within its rotation grace period.
    Live,
    /// The secret opens a token that is deactivated: it works again once
    /// the token is activated.
    Deactivated,
    /// A secret the token had before a rotation, past its grace period; the
    /// token itself lives on with a newer secret.
    Rotated,
    /// The token has expired.
    Expired,
    /// The token was revoked.
    Revoked,
    /// No token of this store has this secret: another store's, or forged
    /// with a valid checksum. It may work elsewhere.
    Unknown,
}

impl FoundStatus {
    /// The stable name in JSON and tables.
    pub fn as_str(self) -> &'static str {
        match self {
            FoundStatus::Live => "live",
            FoundStatus::Deactivated => "deactivated",
            FoundStatus::Rotated => "rotated",
            FoundStatus::Expired => "expired",
            FoundStatus::Revoked => "revoked",
            FoundStatus::Unknown => "unknown",
        }
    }

    /// Whether the secret works now or may work again (live, deactivated):
    /// what a scan revokes.
    pub fn may_work(self) -> bool {
        matches!(self, FoundStatus::Live | FoundStatus::Deactivated)
    }

    /// Whether the secret can never work again in this store (revoked,
    /// expired, rotated away).
    pub fn is_dead(self) -> bool {
        matches!(
            self,
            FoundStatus::Rotated | FoundStatus::Expired | FoundStatus::Revoked
        )
    }
}

/// Which token a found secret is.
#[derive(Debug, Clone)]
pub struct Identified {
    /// What it is to this store.
    pub status: FoundStatus,
    /// What the secret is to the token its id names (`None`: unknown).
    pub secret: Option<SecretMatch>,
    /// The token, when the actor may see it (its owner, or an admin of its org).
    pub token: Option<Token>,
}

impl Identified {
    /// A token no store was asked about (there is none).
    pub fn unknown() -> Self {
        Identified {
            status: FoundStatus::Unknown,
            secret: None,
            token: None,
        }
    }
}

/// One token a scan will revoke.
#[derive(Debug, Clone)]
pub struct PlannedRevocation {
    /// The token, as it was when planned.
    pub token: Token,
    /// Whether the actor may see its details (otherwise show its id only).
    pub visible: bool,
    /// The reason its revocation records: where it was found.
    pub reason: String,
    /// In how many places it was found.
    pub places: usize,
}

/// The live tokens a scan found, fixed when planned: what the prompt
/// shows is exactly what is revoked.
#[derive(Debug, Clone, Default)]
pub struct FoundRevokePlan {
    /// The tokens, in the order they were first found.
    pub tokens: Vec<PlannedRevocation>,
    /// Live tokens found that this store does not let the actor revoke: a
    /// team store's own rules (row-level security) hide and protect the
    /// tokens of orgs the actor does not administer, secret or not.
    pub not_permitted: Vec<TokenId>,
}

/// Longest path a revoke reason quotes (the reason holds 500 characters).
const REASON_PATH_CHARS: usize = 300;

impl Session {
    /// Says which token each found secret is, in the order given (a secret
    /// found in many places is looked up once). Read-only: one read of the
    /// store, no use counted, no event written. An actor who is no user of
    /// the store sees statuses only.
    pub fn identify_found<'a>(
        &self,
        found: impl IntoIterator<Item = &'a FoundToken>,
    ) -> Result<Vec<Identified>> {
        let now = self.ctx.clock.now();
        let q: &dyn Tx = &*self.store.read();
        // A removed user is no one here either: statuses only.
        let actor = q
            .user_standing(&self.ctx.actor)?
            .filter(|standing| standing.status != crate::model::UserStatus::Removed)
            .map(|standing| Actor {
                key: standing.key,
                kind: standing.kind,
            });
        let mut known: HashMap<(TokenId, SecretHash), Identified> = HashMap::new();
        let mut out = Vec::new();
        for token in found {
            let key = (token.id, *token.digest());
            if let Some(identified) = known.get(&key) {
                out.push(identified.clone());
                continue;
            }
            let identified = match match_digest(q, token.kind, token.id, token.digest(), now) {
                Ok(Some((row, secret))) if secret != SecretMatch::NotThisToken => {
                    let visible = may_see(&self.ctx, q, actor, &row)?;
                    Identified {
                        status: status_of(&row.token, secret, now),
                        secret: Some(secret),
                        token: visible.then_some(row.token),
                    }
                }
                // The id is this store's, the secret is not: another store's token.
                Ok(_) => Identified::unknown(),
                // A team store hides the rows of tokens the actor may not
                // manage; the verify read, open to every login, still says
                // what the secret is to its token.
                Err(Error::Forbidden { .. }) => identify_hidden(q, token, now)?,
                Err(other) => return Err(other),
            };
            known.insert(key, identified.clone());
            out.push(identified);
        }
        Ok(out)
    }

    /// Fixes the tokens a scan's findings will revoke: each token of this
    /// store whose found secret works or may work again (live or
    /// deactivated), once, with a reason naming where it was first found.
    /// Writes nothing.
    pub fn plan_revoke_found(&self, findings: &[Finding]) -> Result<FoundRevokePlan> {
        let now = self.ctx.clock.now();
        let q: &dyn Tx = &*self.store.read();
        let actor = self.ctx.actor(q)?;
        let mut plan = FoundRevokePlan::default();
        // Each found secret is looked up once: to the token it plans, if any.
        let mut seen: HashMap<(TokenId, SecretHash), Option<usize>> = HashMap::new();
        let mut first_found = Vec::new();
        for (index, finding) in findings.iter().enumerate() {
            let token = &finding.hit.token;
            let key = (token.id, *token.digest());
            if let Some(planned) = seen.get(&key) {
                if let Some(at) = *planned {
                    plan.tokens[at].places += 1;
                }
                continue;
            }
            let live = match match_digest(q, token.kind, token.id, token.digest(), now) {
                Ok(Some((row, secret)))
                    if secret != SecretMatch::NotThisToken
                        && status_of(&row.token, secret, now).may_work() =>
                {
                    Some(row)
                }
                Ok(_) => None,
                // A team store's row this actor may not read, so may not revoke.
                Err(Error::Forbidden { .. }) => {
                    if identify_hidden(q, token, now)?.status.may_work()
                        && !plan.not_permitted.contains(&token.id)
                    {
                        plan.not_permitted.push(token.id);
                    }
                    None
                }
                Err(other) => return Err(other),
            };
            let Some(row) = live else {
                seen.insert(key, None);
                continue;
            };
            // Another secret of a token already planned (its current and
            // an old one still in its grace period).
            if let Some(at) = plan
                .tokens
                .iter()
                .position(|item| item.token.id == row.token.id)
            {
                plan.tokens[at].places += 1;
                seen.insert(key, Some(at));
                continue;
            }
            let visible = may_see(&self.ctx, q, Some(actor), &row)?;
            seen.insert(key, Some(plan.tokens.len()));
            first_found.push(index);
            plan.tokens.push(PlannedRevocation {
                token: row.token,
                visible,
                reason: String::new(),
                places: 1,
            });
        }
        for (item, index) in plan.tokens.iter_mut().zip(first_found) {
            item.reason = found_reason(&findings[index], item.places);
        }
        Ok(plan)
    }

    /// Revokes exactly the planned tokens, each with its reason; one
    /// revoked in the meantime is reported as already revoked, one pruned
    /// in the meantime as skipped. Then deletes their keyring entries.
    pub fn revoke_found_planned(&mut self, plan: &FoundRevokePlan) -> Result<BulkRevoked> {
        let now = self.ctx.clock.now();
        let tokens: Vec<Token> = plan.tokens.iter().map(|item| item.token.clone()).collect();
        let (results, skipped) = self.write_as_actor(|q, ctx, actor| {
            let mut still = StillQualifying::with_capacity(plan.tokens.len());
            for item in &plan.tokens {
                // Holding the secret is authority enough: no role check.
                if let Some(row) = q.token(item.token.id)? {
                    still.insert(row.token.id, (row, Some(item.reason.clone())));
                }
            }
            ctx.revoke_each_planned(q, actor, &tokens, still, SkipReason::Gone, now)
        })?;
        Ok(BulkRevoked {
            revoked: self.finish_revocations(results),
            skipped,
        })
    }
}

/// What a found secret is to a token whose row the actor may not read,
/// from the verify read: the current secret's comparison, the retired
/// secrets' and the token's end, no details.
fn identify_hidden(q: &dyn Tx, token: &FoundToken, now: Timestamp) -> Result<Identified> {
    let Some(row) = q
        .verify_row(token.id, token.digest())?
        .filter(|row| row.kind == token.kind)
    else {
        return Ok(Identified::unknown());
    };
    let secret = if hashes_match(&row.hash, token.digest()) {
        SecretMatch::Current
    } else {
        match q.retired_match(token.id, token.digest())? {
            Some(until) if until > now => SecretMatch::OldStillValid { until },
            Some(ended) => SecretMatch::OldEnded { ended },
            None => return Ok(Identified::unknown()),
        }
    };
    let token_status = TokenStatus::at(row.revoked_at, row.expires_at, row.deactivated_at, now);
    Ok(Identified {
        status: found_status(token_status, secret),
        secret: Some(secret),
        token: None,
    })
}

/// Whether `actor` (none: not a user of this store) may see the token's
/// details: its owner, or an admin of its org, as for `inspect`.
fn may_see(ctx: &Ctx, q: &dyn Tx, actor: Option<Actor>, row: &TokenRow) -> Result<bool> {
    let Some(actor) = actor else {
        return Ok(false);
    };
    match ctx.require_manage(q, actor, row, "seeing this token") {
        Ok(()) => Ok(true),
        Err(Error::Forbidden { .. }) => Ok(false),
        Err(other) => Err(other),
    }
}

/// What a found secret is, given what it is to its token and the token's
/// status: the token's end wins over the secret's.
fn status_of(token: &Token, secret: SecretMatch, now: Timestamp) -> FoundStatus {
    found_status(token.status(now), secret)
}

/// The token's end wins over the secret's; then whether the secret opens it.
fn found_status(token: TokenStatus, secret: SecretMatch) -> FoundStatus {
    match token {
        TokenStatus::Revoked => FoundStatus::Revoked,
        TokenStatus::Expired => FoundStatus::Expired,
        _ if !secret.opens_the_token() => FoundStatus::Rotated,
        TokenStatus::Deactivated => FoundStatus::Deactivated,
        TokenStatus::Active => FoundStatus::Live,
    }
}

/// The revoke reason for a token found at `finding` (and `places - 1`
/// other places): one line, no control characters, no token text, within
/// the reason's 500 characters.
fn found_reason(finding: &Finding, places: usize) -> String {
    let path: String = finding
        .path
        .to_string_lossy()
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    let mut path = redact_tokens(&path);
    if path.chars().count() > REASON_PATH_CHARS {
        path = path.chars().take(REASON_PATH_CHARS).collect::<String>() + "…";
    }
    let at = format!("{path}:{}:{}", finding.hit.line, finding.hit.column);
    let place = match &finding.origin {
        Origin::File => format!("at {at}"),
        Origin::Stdin => format!(
            "on stdin at line {}, column {}",
            finding.hit.line, finding.hit.column
        ),
        Origin::Commit(commit) => format!(
            "in commit {} at {at}",
            commit.hash.get(..12).unwrap_or(&commit.hash)
        ),
        Origin::Staged => format!("staged for commit at {at}"),
    };
    let more = match places {
        0 | 1 => String::new(),
        2 => " and 1 more place".to_owned(),
        n => format!(" and {} more places", n - 1),
    };
    format!("leaked: found by a scan {place}{more}")
}
