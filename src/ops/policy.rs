//! Org policy: show and change it, and find the live tokens that break it
//! after it was tightened; revoke them, or clamp the expiries that are too
//! late (planned from the findings, then applied, each re-checked).

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use super::edit::edit_details;
use super::revoke::StillQualifying;
use super::{require_role, Actor, BulkRevoked, Ctx, Edited, Session, SkipReason};
use crate::audit::{action, NewEvent};
use crate::clock::Timestamp;
use crate::error::{Error, Result};
use crate::model::{Role, Token, TokenStatus, UserKind};
use crate::policy::{Candidate, Policy, PolicyChange, Violation};
use crate::store::{OrgKey, TokenEdit, TokenFilter, Tx, Visibility};

/// A live token that breaks its org's current policy.
#[derive(Debug, Clone)]
pub struct PolicyFinding {
    /// The token.
    pub token: Token,
    /// Every rule it breaks.
    pub violations: Vec<Violation>,
}

impl Session {
    /// The org's policy. Any member may read it.
    pub fn org_policy(&self, org: &str) -> Result<Policy> {
        let q: &dyn Tx = &*self.store.read();
        let actor = self.ctx.actor(q)?;
        let key =
            self.ctx
                .org_with_role(q, actor, org, Role::Member, "reading the org's policy")?;
        q.policy(key)
    }

    /// Changes the org's policy (owner only) and audits before and after.
    /// Existing tokens are not touched: `policy check` lists those that now break it.
    pub fn set_org_policy(&mut self, org: &str, change: &PolicyChange) -> Result<Policy> {
        if change.is_empty() {
            return Err(Error::request(
                "nothing to change",
                crate::error::RequestProblem::NothingToChange,
            ));
        }
        self.write_as_actor(|q, ctx, actor| {
            let key = ctx.org_with_role(q, actor, org, Role::Owner, "changing the org's policy")?;
            let before = q.policy(key)?;
            let mut after = before.clone();
            after.apply(change);
            q.set_policy(key, &after)?;
            q.append_event(&NewEvent {
                org: Some(org.to_owned()),
                target: Some(org.to_owned()),
                details: serde_json::json!({ "before": policy_json(&before), "after": policy_json(&after) }),
                ..ctx.event(action::ORG_POLICY)
            })?;
            Ok(after)
        })
    }

    /// Live tokens that break their org's current policy, in the orgs the
    /// actor administers (or the one named).
    pub fn policy_check(&self, org: Option<&str>) -> Result<Vec<PolicyFinding>> {
        let q: &dyn Tx = &*self.store.read();
        let actor = self.ctx.actor(q)?;
        self.ctx.policy_findings(q, actor, org)
    }

    /// Revokes exactly the tokens of `findings` (the plan, from
    /// [`Session::policy_check`]) that still break their org's policy,
    /// with the rule as the reason. A token revoked, pruned, expired or
    /// brought into line in the meantime is skipped and reported; no token
    /// outside the findings is touched. Needs admin in each token's org.
    pub fn revoke_noncompliant(&mut self, findings: &[PolicyFinding]) -> Result<BulkRevoked> {
        let now = self.ctx.clock.now();
        let planned: Vec<Token> = findings
            .iter()
            .map(|finding| finding.token.clone())
            .collect();
        let (results, skipped) = self.write_as_actor(|q, ctx, actor| {
            let mut rules = OrgRules::default();
            let mut still = StillQualifying::with_capacity(planned.len());
            for token in &planned {
                let Some(row) = q.token(token.id)? else {
                    continue;
                };
                if row.token.revoked_at.is_some() {
                    continue;
                }
                require_role(
                    q,
                    actor,
                    row.org_key,
                    &row.token.org,
                    Role::Admin,
                    "revoking tokens that break policy",
                )?;
                if !row.token.status(now).not_ended() {
                    continue;
                }
                let (policy, roles) = rules.of(q, row.org_key)?;
                if let Some(first) = violations(policy, roles, &row.token).first() {
                    let reason = format!("policy: {first}");
                    still.insert(row.token.id, (row, Some(reason)));
                }
            }
            ctx.revoke_each_planned(q, actor, &planned, still, SkipReason::Complies, now)
        })?;
        Ok(BulkRevoked {
            revoked: self.finish_revocations(results),
            skipped,
        })
    }
}

/// A token whose expiry a `policy check --fix` will cut down to its org's
/// max lifetime, fixed when planned.
#[derive(Debug, Clone)]
pub struct PlannedClamp {
    /// The token, as it was when planned.
    pub token: Token,
    /// The expiry it will get: the latest its org's policy allows.
    pub expires_at: Timestamp,
}

/// What a `policy check --fix` did.
#[derive(Debug)]
pub struct Clamped {
    /// The tokens whose expiry was cut down, before and after.
    pub edited: Vec<Edited>,
    /// The planned tokens left alone because they changed after the plan.
    pub skipped: Vec<(Token, SkipReason)>,
}

impl Session {
    /// The findings an expiry can fix (too late, or none where one is
    /// required and the policy has a max lifetime), each with the expiry
    /// it would get. Findings breaking only other rules are not in it.
    /// Writes nothing.
    pub fn plan_clamp(&self, findings: &[PolicyFinding]) -> Result<Vec<PlannedClamp>> {
        let q: &dyn Tx = &*self.store.read();
        self.ctx.actor(q)?;
        let mut rules = OrgRules::default();
        let mut plan = Vec::new();
        for finding in findings {
            let Some(row) = q.token(finding.token.id)? else {
                continue;
            };
            let (policy, roles) = rules.of(q, row.org_key)?;
            if let Some(expires_at) = clamped_expiry(policy, roles, &row.token) {
                plan.push(PlannedClamp {
                    token: finding.token.clone(),
                    expires_at,
                });
            }
        }
        Ok(plan)
    }

    /// Cuts the expiry of exactly the planned tokens that still break their
    /// org's lifetime rule down to the latest it allows (re-computed now),
    /// each audited as a `token.edit` with before and after. A token
    /// revoked, expired, pruned or brought into line in the meantime is
    /// skipped. Needs admin in each token's org.
    pub fn clamp_planned(&mut self, plan: &[PlannedClamp]) -> Result<Clamped> {
        let now = self.ctx.clock.now();
        self.write_as_actor(|q, ctx, actor| {
            let mut rules = OrgRules::default();
            let mut done = Clamped {
                edited: Vec::new(),
                skipped: Vec::new(),
            };
            for planned in plan {
                let Some(row) = q.token(planned.token.id)? else {
                    done.skipped.push((planned.token.clone(), SkipReason::Gone));
                    continue;
                };
                require_role(
                    q,
                    actor,
                    row.org_key,
                    &row.token.org,
                    Role::Admin,
                    "fixing tokens that break policy",
                )?;
                let why = match row.token.status(now) {
                    TokenStatus::Revoked => Some(SkipReason::AlreadyRevoked),
                    TokenStatus::Expired => Some(SkipReason::Expired),
                    TokenStatus::Active | TokenStatus::Deactivated => None,
                };
                let (policy, roles) = rules.of(q, row.org_key)?;
                let expires_at = clamped_expiry(policy, roles, &row.token);
                let (Some(expires_at), None) = (expires_at, why) else {
                    done.skipped
                        .push((planned.token.clone(), why.unwrap_or(SkipReason::Complies)));
                    continue;
                };
                let before = row.token;
                let after = Token {
                    expires_at: Some(expires_at),
                    ..before.clone()
                };
                q.edit_token(&TokenEdit {
                    token: after.id,
                    name: &after.name,
                    description: after.description.as_deref(),
                    scopes: &after.scopes,
                    expires_at: after.expires_at,
                })?;
                let changed = vec!["expires_at"];
                let mut details = edit_details(&before, &after, &changed);
                details["reason"] = "policy: expiry clamped to the max lifetime".into();
                q.append_event(&ctx.token_event(action::TOKEN_EDIT, &after, details))?;
                done.edited.push(Edited {
                    before,
                    after,
                    changed,
                });
            }
            Ok(done)
        })
    }
}

/// The expiry that brings `token` within its org's lifetime rule, if that
/// rule is what it breaks and the policy has a max lifetime to cut to.
fn clamped_expiry(
    policy: &Policy,
    roles: &HashMap<String, Role>,
    token: &Token,
) -> Option<Timestamp> {
    let breaks_lifetime = violations(policy, roles, token).iter().any(|violation| {
        matches!(
            violation,
            Violation::LifetimeTooLong { .. } | Violation::ExpiryRequired
        )
    });
    if !breaks_lifetime {
        return None;
    }
    let latest = policy.latest_expiry(token.issued_at)?;
    // Never later than it was: a clamp only ever shortens.
    Some(token.expires_at.map_or(latest, |at| at.min(latest)))
}

/// Each org's policy and its members' roles, read once per org.
#[derive(Default)]
struct OrgRules {
    orgs: HashMap<OrgKey, (Policy, HashMap<String, Role>)>,
}

impl OrgRules {
    fn of(&mut self, q: &dyn Tx, org: OrgKey) -> Result<(&Policy, &HashMap<String, Role>)> {
        let rules = match self.orgs.entry(org) {
            Entry::Occupied(entry) => entry.into_mut(),
            Entry::Vacant(entry) => entry.insert((q.policy(org)?, member_roles(q, org)?)),
        };
        Ok((&rules.0, &rules.1))
    }
}

/// The role of each member of `org`, by user name.
pub(super) fn member_roles(q: &dyn Tx, org: OrgKey) -> Result<HashMap<String, Role>> {
    Ok(q.memberships(Some(org))?
        .into_iter()
        .map(|membership| (membership.user, membership.role))
        .collect())
}

/// The rules of `policy` that `token` breaks (none for a policy that allows
/// everything). `roles`: the org's members' roles, for the member-tokens rule.
pub(super) fn violations(
    policy: &Policy,
    roles: &HashMap<String, Role>,
    token: &Token,
) -> Vec<Violation> {
    let held_by_plain_member = token
        .owner
        .as_ref()
        .is_some_and(|owner| roles.get(owner) == Some(&Role::Member));
    policy
        .admit(
            &Candidate {
                scopes: &token.scopes,
                issued_at: token.issued_at,
                expires_at: token.expires_at,
                held_by_plain_member,
                held_by_service_account: token.owner_kind == Some(UserKind::Service),
            },
            false,
        )
        .violations
}

impl Ctx {
    fn policy_findings(
        &self,
        q: &dyn Tx,
        actor: Actor,
        only: Option<&str>,
    ) -> Result<Vec<PolicyFinding>> {
        let orgs: Vec<(OrgKey, String)> = match only {
            Some(name) => vec![(
                self.org_with_role(q, actor, name, Role::Admin, "checking the org's policy")?,
                name.to_owned(),
            )],
            None => super::administered_orgs(q, actor)?,
        };
        let now = self.clock.now();
        let mut findings = Vec::new();
        for (key, _) in orgs {
            let policy = q.policy(key)?;
            if policy == Policy::default() {
                continue;
            }
            let roles = member_roles(q, key)?;
            let filter = TokenFilter {
                visible_to: Some(Visibility {
                    user: actor.key,
                    full: vec![key],
                    own_only: Vec::new(),
                }),
                statuses: Some(vec![TokenStatus::Active, TokenStatus::Deactivated]),
                now,
                ..TokenFilter::default()
            };
            q.for_each_token(&filter, |row| {
                let violations = violations(&policy, &roles, &row.token);
                if !violations.is_empty() {
                    findings.push(PolicyFinding {
                        token: row.token,
                        violations,
                    });
                }
                Ok::<(), Error>(())
            })?;
        }
        Ok(findings)
    }
}

/// The policy as audit details and JSON output.
pub fn policy_json(policy: &Policy) -> serde_json::Value {
    serde_json::json!({
        "max_lifetime": policy.max_lifetime.map(|span| span.to_string()),
        "require_expiry": policy.require_expiry,
        "member_tokens": policy.member_tokens.as_str(),
        "allowed_scopes": policy.allowed_scopes.as_ref().map(|_| policy.allowed_scopes_text()),
        "max_tokens": policy.max_tokens,
    })
}
