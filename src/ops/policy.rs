//! Org policy: show and change it, and find (or revoke) the live tokens that
//! break it after it was tightened.

use std::collections::HashMap;

use super::revoke::Revoked;
use super::{Actor, Ctx, Session};
use crate::audit::{action, NewEvent};
use crate::error::{Error, Result};
use crate::model::{Role, Token, TokenStatus};
use crate::policy::{Candidate, Policy, PolicyChange, Violation};
use crate::store::{OrgKey, Queries, TokenFilter, Visibility};

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
        let q = self.store.read();
        let actor = self.ctx.actor(&q)?;
        let key =
            self.ctx
                .org_with_role(&q, actor, org, Role::Member, "reading the org's policy")?;
        q.policy(key)
    }

    /// Changes the org's policy (owner only) and audits before and after.
    /// Existing tokens are not touched: `policy check` lists those that now break it.
    pub fn set_org_policy(&mut self, org: &str, change: &PolicyChange) -> Result<Policy> {
        if change.is_empty() {
            return Err(Error::request(
                "nothing to change",
                Some("give --max-lifetime, --require-expiry, --member-tokens, --allowed-scopes or --max-tokens"),
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
        let q = self.store.read();
        let actor = self.ctx.actor(&q)?;
        self.ctx.policy_findings(&q, actor, org)
    }

    /// Revokes every live token that breaks its org's policy, with the rule as
    /// the reason. With `dry_run`, nothing is written.
    pub fn revoke_noncompliant(
        &mut self,
        org: Option<&str>,
        dry_run: bool,
    ) -> Result<Vec<Revoked>> {
        let now = self.ctx.clock.now();
        let work = |q: &Queries<'_>, ctx: &Ctx, actor: Actor| {
            let mut out = Vec::new();
            for finding in ctx.policy_findings(q, actor, org)? {
                let Some(row) = q.token(finding.token.id)? else {
                    continue;
                };
                let reason = format!(
                    "policy: {}",
                    finding
                        .violations
                        .first()
                        .map(ToString::to_string)
                        .unwrap_or_default()
                );
                out.push(ctx.revoke_row(q, actor, row, Some(&reason), now)?);
            }
            Ok(out)
        };
        let results = if dry_run {
            self.rehearse_as_actor(work)?
        } else {
            self.write_as_actor(work)?
        };
        let revoked = self.finish_revocations(results, dry_run);
        Ok(revoked)
    }
}

impl Ctx {
    fn policy_findings(
        &self,
        q: &Queries<'_>,
        actor: Actor,
        only: Option<&str>,
    ) -> Result<Vec<PolicyFinding>> {
        let orgs: Vec<(OrgKey, String)> = match only {
            Some(name) => vec![(
                self.org_with_role(q, actor, name, Role::Admin, "checking the org's policy")?,
                name.to_owned(),
            )],
            None => q
                .orgs_of(actor.key)?
                .into_iter()
                .filter(|(_, _, role)| *role >= Role::Admin)
                .map(|(key, name, _)| (key, name))
                .collect(),
        };
        let now = self.clock.now();
        let mut findings = Vec::new();
        for (key, _) in orgs {
            let policy = q.policy(key)?;
            if policy == Policy::default() {
                continue;
            }
            let roles: HashMap<String, Role> = q
                .memberships(Some(key))?
                .into_iter()
                .map(|membership| (membership.user, membership.role))
                .collect();
            let filter = TokenFilter {
                visible_to: Some(Visibility {
                    user: actor.key,
                    full: vec![key],
                    own_only: Vec::new(),
                }),
                statuses: Some(vec![TokenStatus::Active]),
                now,
                ..TokenFilter::default()
            };
            q.for_each_token(&filter, |row| {
                let token = row.token;
                let held_by_plain_member = token
                    .owner
                    .as_ref()
                    .is_some_and(|owner| roles.get(owner) == Some(&Role::Member));
                let violations = policy
                    .admit(
                        &Candidate {
                            scopes: &token.scopes,
                            issued_at: token.issued_at,
                            expires_at: token.expires_at,
                            held_by_plain_member,
                        },
                        false,
                    )
                    .violations;
                if !violations.is_empty() {
                    findings.push(PolicyFinding { token, violations });
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
