//! Offboarding: when a person leaves, revoke every personal token they hold
//! in every org and remove their memberships, in one transaction. Org tokens
//! are left alone: they belong to the org, not to the person who made them.
//!
//! Planned, then applied: [`Session::plan_offboard`] fixes the memberships
//! and the token ids (what a dry run shows and a person confirms), and
//! [`Session::offboard_planned`] acts on exactly those. What appeared in
//! between (a token the person minted, an org they joined) is not touched
//! but reported, so the caller can say so and offboard again.

use std::collections::HashSet;

use super::revoke::{Revoked, SkipReason, StillQualifying};
use super::{require_role, Actor, Ctx, Session};
use crate::audit::{action, NewEvent};
use crate::error::{Error, Result};
use crate::model::{Role, Token, TokenId, TokenStatus};
use crate::store::{OrgKey, TokenFilter, Tx, UserKey};

/// What offboarding a user will do, fixed when it is planned.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OffboardPlan {
    /// The user.
    pub user: String,
    /// The orgs whose memberships will be removed.
    pub orgs: Vec<String>,
    /// Their personal tokens that will be revoked (live and expired ones),
    /// as they were when planned.
    pub tokens: Vec<Token>,
}

/// What offboarding did.
#[derive(Debug)]
pub struct Offboarded {
    /// The user.
    pub user: String,
    /// The orgs they were removed from.
    pub orgs: Vec<String>,
    /// Their planned personal tokens that were revoked.
    pub revoked: Vec<Revoked>,
    /// Planned tokens left alone because they changed after the plan
    /// (revoked or pruned in the meantime).
    pub skipped: Vec<(Token, SkipReason)>,
    /// Personal tokens of the user that are not revoked and were not in the
    /// plan (minted after it): left untouched, still working until revoked.
    pub unplanned_tokens: Vec<Token>,
    /// Orgs the user joined after the plan: their memberships were left.
    pub unplanned_orgs: Vec<String>,
}

impl Session {
    /// Fixes what offboarding `user` will do: the memberships to remove and
    /// the personal tokens to revoke (every one not revoked yet, in any
    /// org). Needs admin in every org concerned; refuses to remove an org's
    /// last owner. Writes nothing.
    pub fn plan_offboard(&self, user: &str) -> Result<OffboardPlan> {
        let q: &dyn Tx = &*self.store.read();
        let actor = self.ctx.actor(q)?;
        let user_key = super::registered_user(q, user)?;
        let memberships = self.ctx.check_memberships(q, actor, user, user_key, None)?;
        let mut tokens = Vec::new();
        for row in q.tokens(&unrevoked_of(user_key, self.ctx.clock.now()))? {
            require_offboard(q, actor, row.org_key, &row.token.org)?;
            tokens.push(row.token);
        }
        Ok(OffboardPlan {
            user: user.to_owned(),
            orgs: memberships.into_iter().map(|(_, name)| name).collect(),
            tokens,
        })
    }

    /// Applies an offboarding plan in one transaction: revokes exactly the
    /// planned tokens that are still revocable (a token revoked or pruned
    /// in the meantime is skipped) and removes the planned memberships that
    /// still exist. A token minted, or an org joined, after the plan is
    /// left alone and reported in the result: offboard again to cover it.
    /// The role checks of the plan are made again.
    pub fn offboard_planned(&mut self, plan: &OffboardPlan) -> Result<Offboarded> {
        let now = self.ctx.clock.now();
        let user = plan.user.as_str();
        let (orgs, results, skipped, unplanned_tokens, unplanned_orgs) =
            self.write_as_actor(|q, ctx, actor| {
                let user_key = super::registered_user(q, user)?;
                let planned_orgs: HashSet<&str> = plan.orgs.iter().map(String::as_str).collect();
                let memberships =
                    ctx.check_memberships(q, actor, user, user_key, Some(&planned_orgs))?;
                let reason = format!("offboarded: {user} removed by {}", ctx.actor);
                let mut still = StillQualifying::with_capacity(plan.tokens.len());
                for planned in &plan.tokens {
                    let Some(row) = q.token(planned.id)? else {
                        continue;
                    };
                    if row.token.revoked_at.is_some() || row.owner_key != Some(user_key) {
                        continue;
                    }
                    require_offboard(q, actor, row.org_key, &row.token.org)?;
                    still.insert(row.token.id, (row, Some(reason.clone())));
                }
                let (revoked, skipped) = ctx.revoke_each_planned(
                    q,
                    actor,
                    &plan.tokens,
                    still,
                    SkipReason::NoLongerMatches,
                    now,
                )?;
                for (org, _) in &memberships {
                    q.delete_membership(*org, user_key)?;
                }
                let orgs: Vec<String> = memberships.into_iter().map(|(_, name)| name).collect();
                q.append_event(&NewEvent {
                    target: Some(user.to_owned()),
                    details: serde_json::json!({ "orgs": orgs, "revoked_tokens": revoked.len() }),
                    ..ctx.event(action::USER_REMOVE)
                })?;
                let planned_ids: HashSet<TokenId> =
                    plan.tokens.iter().map(|token| token.id).collect();
                let unplanned_tokens: Vec<Token> = q
                    .tokens(&unrevoked_of(user_key, now))?
                    .into_iter()
                    .filter(|row| !planned_ids.contains(&row.token.id))
                    .map(|row| row.token)
                    .collect();
                let unplanned_orgs: Vec<String> = q
                    .orgs_of(user_key)?
                    .into_iter()
                    .map(|(_, name, _)| name)
                    .collect();
                // The row stays, marked removed: tokens and events that name
                // the user still say who, and the user can no longer act. A
                // user who joined an org after the plan still belongs to it,
                // so is not removed until offboarded again.
                if unplanned_orgs.is_empty() {
                    if let Some((key, record)) = q.user(user)? {
                        if record.removed_at.is_none() {
                            q.update_user(
                                key,
                                &crate::model::User {
                                    removed_at: Some(now),
                                    ..record
                                },
                            )?;
                        }
                    }
                }
                Ok((orgs, revoked, skipped, unplanned_tokens, unplanned_orgs))
            })?;
        let revoked = self.finish_revocations(results);
        Ok(Offboarded {
            user: user.to_owned(),
            orgs,
            revoked,
            skipped,
            unplanned_tokens,
            unplanned_orgs,
        })
    }
}

impl Ctx {
    /// The user's memberships (only those in `only`, when given), each
    /// checked: the actor must administer the org, and the user must not be
    /// its last owner.
    fn check_memberships(
        &self,
        q: &dyn Tx,
        actor: Actor,
        user: &str,
        user_key: UserKey,
        only: Option<&HashSet<&str>>,
    ) -> Result<Vec<(OrgKey, String)>> {
        let mut memberships = Vec::new();
        for (org, org_name, role) in q.orgs_of(user_key)? {
            if only.is_some_and(|only| !only.contains(org_name.as_str())) {
                continue;
            }
            require_offboard(q, actor, org, &org_name)?;
            if role == Role::Owner && q.owner_count(org)? == 1 {
                return Err(Error::request(
                    format!("'{user}' is the last owner of org '{org_name}'"),
                    crate::error::RequestProblem::LastOwnerOffboarded,
                ));
            }
            memberships.push((org, org_name));
        }
        Ok(memberships)
    }
}

/// Offboarding needs the admin role in every org it touches.
fn require_offboard(q: &dyn Tx, actor: Actor, org: OrgKey, org_name: &str) -> Result<()> {
    require_role(q, actor, org, org_name, Role::Admin, "offboarding a member")
}

/// The user's personal tokens that are not revoked (live or expired).
fn unrevoked_of(user: UserKey, now: crate::clock::Timestamp) -> TokenFilter {
    TokenFilter {
        owner: Some(user),
        statuses: Some(vec![TokenStatus::Active, TokenStatus::Expired]),
        now,
        ..TokenFilter::default()
    }
}
