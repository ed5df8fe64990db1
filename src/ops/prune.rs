//! Pruning: deleting the rows of tokens that ended (revoked or expired) long
//! ago. Each deletion is audited, and the audit trail itself is kept.
//!
//! Planned, then applied, like a bulk revoke: [`Session::plan_prune`] fixes
//! the token ids and the cutoff (what a dry run lists and a person confirms),
//! and [`Session::prune_planned`] deletes exactly the planned tokens that
//! still qualify, reporting the others as skipped.
//!
//! Write order as for revoke: the deletions and their events commit first,
//! then the tokens' keyring entries are deleted (an expired token still has
//! one; a keyring failure is reported and audited, never undoes the prune).

use std::collections::HashMap;

use super::revoke::RECHECK_CHUNK;
use super::{keyring_entry, require_role, Actor, Ctx, RevokeOutcome, Session, SkipReason};
use crate::audit::action;
use crate::clock::Timestamp;
use crate::duration::PointInTime;
use crate::error::Result;
use crate::keyring::KeyringEntry;
use crate::model::{Role, Token, TokenId};
use crate::progress::{units, NoProgress, Progress, Stage};
use crate::store::{TokenFilter, TokenRow, Tx, Visibility};

/// The tokens a prune will delete, fixed when it is planned.
#[derive(Debug, Clone)]
pub struct PrunePlan {
    /// The tokens, as they were when planned.
    pub tokens: Vec<Token>,
    /// The cutoff, resolved when planned: tokens that ended before it.
    pub before: Timestamp,
    org: Option<String>,
}

/// A pruned token (or, in a preview, one that would be).
#[derive(Debug)]
pub struct Pruned {
    /// The token as it was when its row was deleted.
    pub token: Token,
    /// What happened to its keyring entry ([`RevokeOutcome::Untouched`] in a preview).
    pub keyring: RevokeOutcome,
}

/// What a planned prune did.
#[derive(Debug)]
pub struct BulkPruned {
    /// The planned tokens that were deleted.
    pub pruned: Vec<Pruned>,
    /// The planned tokens left alone because they changed after the plan
    /// ([`SkipReason::Gone`] or [`SkipReason::Renewed`]).
    pub skipped: Vec<(Token, SkipReason)>,
}

impl Session {
    /// Fixes the tokens a prune will delete: those revoked, or expired,
    /// before `before`, in the orgs the actor administers (all of them, or
    /// `org`). Writes nothing.
    pub fn plan_prune(&self, before: PointInTime, org: Option<&str>) -> Result<PrunePlan> {
        let cutoff = before.resolve(self.ctx.clock.now())?;
        let q: &dyn Tx = &*self.store.read();
        let actor = self.ctx.actor(q)?;
        let filter = self.ctx.prunable(q, actor, cutoff, org)?;
        let tokens = q
            .tokens(&filter)?
            .into_iter()
            .map(|row| row.token)
            .collect();
        Ok(PrunePlan {
            tokens,
            before: cutoff,
            org: org.map(str::to_owned),
        })
    }

    /// The planned tokens as a prune now would report them, their keyring
    /// entries untouched: what a dry run lists. Writes nothing.
    pub fn preview_prune(&self, plan: &PrunePlan) -> Vec<Pruned> {
        plan.tokens
            .iter()
            .map(|token| Pruned {
                token: token.clone(),
                keyring: RevokeOutcome::Untouched,
            })
            .collect()
    }

    /// Deletes exactly the planned tokens that still qualify (ended before
    /// the plan's cutoff, in an org the actor administers); a planned token
    /// pruned or renewed in the meantime is reported as skipped, and no
    /// token outside the plan is touched. The keyring entries of pruned
    /// tokens are deleted after the commit. Losing the admin role over a
    /// planned token's org in the meantime is refused, and nothing changes.
    pub fn prune_planned(&mut self, plan: &PrunePlan) -> Result<BulkPruned> {
        self.prune_planned_with_progress(plan, &NoProgress)
    }

    /// [`Session::prune_planned`], reporting to `progress`: the stage
    /// [`Stage::Pruning`] (one unit per planned token), then
    /// [`Stage::KeyringCleanup`] when keyring entries are to be deleted.
    pub fn prune_planned_with_progress(
        &mut self,
        plan: &PrunePlan,
        progress: &dyn Progress,
    ) -> Result<BulkPruned> {
        let (rows, skipped) = self.write_as_actor(|q, ctx, actor| {
            progress.start(Stage::Pruning, Some(units(plan.tokens.len())));
            let filter = ctx.prunable(q, actor, plan.before, plan.org.as_deref())?;
            let ids: Vec<TokenId> = plan.tokens.iter().map(|token| token.id).collect();
            let mut still: HashMap<TokenId, TokenRow> = HashMap::with_capacity(ids.len());
            for chunk in ids.chunks(RECHECK_CHUNK) {
                let filter = TokenFilter {
                    ids: Some(chunk.to_vec()),
                    ..filter.clone()
                };
                for row in q.tokens(&filter)? {
                    still.insert(row.token.id, row);
                }
            }
            let mut pruned = Vec::with_capacity(still.len());
            let mut skipped = Vec::new();
            for planned in &plan.tokens {
                progress.advance(1);
                let Some(row) = still.remove(&planned.id) else {
                    skipped.push((planned.clone(), ctx.why_not_prunable(q, actor, planned)?));
                    continue;
                };
                pruned.push(ctx.prune_row(q, row)?);
            }
            Ok((pruned, skipped))
        })?;
        progress.finish();
        self.ctx.start_keyring_operation();
        let cleanup = self.keyring_cleanup(rows.len(), progress);
        let pruned: Vec<Pruned> = rows
            .into_iter()
            .map(|(token, entry)| {
                let keyring = self.delete_keyring_entry(&entry);
                cleanup.advance(1);
                Pruned { keyring, token }
            })
            .collect();
        cleanup.finish();
        self.audit_failed_deletions(pruned.iter().map(|item| (&item.token, &item.keyring)));
        Ok(BulkPruned { pruned, skipped })
    }
}

impl Ctx {
    /// The filter of prunable tokens: ended before `cutoff`, in the orgs the
    /// actor administers (or only `org`, which they must administer).
    fn prunable(
        &self,
        q: &dyn Tx,
        actor: Actor,
        cutoff: Timestamp,
        org: Option<&str>,
    ) -> Result<TokenFilter> {
        let only = match org {
            Some(name) => {
                Some(self.org_with_role(q, actor, name, Role::Admin, "pruning tokens")?)
            }
            None => None,
        };
        let administered = super::administered_orgs(q, actor)?
            .into_iter()
            .map(|(key, _)| key)
            .filter(|key| only.is_none_or(|only| only == *key))
            .collect();
        Ok(TokenFilter {
            visible_to: Some(Visibility {
                user: actor.key,
                full: administered,
                own_only: Vec::new(),
            }),
            ended_before: Some(cutoff),
            now: self.clock.now(),
            ..TokenFilter::default()
        })
    }

    /// Why a planned token no longer qualifies for the prune: it is gone, or
    /// it was renewed. An actor who lost the admin role over its org is
    /// refused instead.
    fn why_not_prunable(&self, q: &dyn Tx, actor: Actor, planned: &Token) -> Result<SkipReason> {
        let Some(row) = q.token(planned.id)? else {
            return Ok(SkipReason::Gone);
        };
        require_role(
            q,
            actor,
            row.org_key,
            &row.token.org,
            Role::Admin,
            "pruning tokens",
        )?;
        Ok(SkipReason::Renewed)
    }

    /// Deletes one token's row and audits it; returns the token and its
    /// keyring entry, to delete after the commit.
    fn prune_row(&self, q: &dyn Tx, row: TokenRow) -> Result<(Token, KeyringEntry)> {
        q.delete_token(row.token.id)?;
        q.append_event(&self.token_event(
            action::TOKEN_PRUNE,
            &row.token,
            serde_json::json!({
                "revoked_at": row.token.revoked_at.map(|t| t.timestamp()),
                "expires_at": row.token.expires_at.map(|t| t.timestamp()),
            }),
        ))?;
        let entry = keyring_entry(q, &row.token)?;
        Ok((row.token, entry))
    }
}
