//! Offboarding: when a person leaves, revoke every personal token they hold
//! in every org and remove their memberships, in one transaction. Org tokens
//! are left alone: they belong to the org, not to the person who made them.

use super::revoke::Revoked;
use super::Session;
use crate::audit::{action, NewEvent};
use crate::error::{Error, Result};
use crate::model::{Role, TokenStatus};
use crate::store::TokenFilter;

/// What offboarding did (or would do, in a dry run).
#[derive(Debug)]
pub struct Offboarded {
    /// The user.
    pub user: String,
    /// The orgs they were removed from.
    pub orgs: Vec<String>,
    /// Their personal tokens that were revoked.
    pub revoked: Vec<Revoked>,
}

impl Session {
    /// Revokes all of `user`'s personal tokens and removes them from every
    /// org. Needs admin in every org concerned; refuses to remove an org's
    /// last owner.
    pub fn offboard_user(&mut self, user: &str, dry_run: bool) -> Result<Offboarded> {
        let now = self.ctx.clock.now();
        let work = |q: &crate::store::Queries<'_>, ctx: &super::Ctx, actor: super::Actor| {
            let user_key = q.user_key(user)?.ok_or_else(|| Error::NotFound {
                kind: "user",
                name: user.to_owned(),
            })?;
            let memberships = q.orgs_of(user_key)?;
            for (org, org_name, role) in &memberships {
                super::require_role(
                    q,
                    actor,
                    *org,
                    org_name,
                    Role::Admin,
                    "offboarding a member",
                )?;
                if *role == Role::Owner && q.owner_count(*org)? == 1 {
                    return Err(Error::request(
                        format!("'{user}' is the last owner of org '{org_name}'"),
                        Some("make another member owner first: tokctl member add --org ORG --user USER --role owner"),
                    ));
                }
            }
            let filter = TokenFilter {
                owner: Some(user_key),
                statuses: Some(vec![TokenStatus::Active, TokenStatus::Expired]),
                now,
                ..TokenFilter::default()
            };
            let reason = format!("offboarded: {user} removed by {}", ctx.actor);
            let mut revoked = Vec::new();
            for row in q.tokens(&filter)? {
                super::require_role(
                    q,
                    actor,
                    row.org_key,
                    &row.token.org,
                    Role::Admin,
                    "offboarding a member",
                )?;
                revoked.push(ctx.revoke_row(q, actor, row, Some(&reason), now)?);
            }
            q.delete_memberships(user_key)?;
            let orgs: Vec<String> = memberships.into_iter().map(|(_, name, _)| name).collect();
            q.append_event(&NewEvent {
                target: Some(user.to_owned()),
                details: serde_json::json!({ "orgs": orgs, "revoked_tokens": revoked.len() }),
                ..ctx.event(action::USER_REMOVE)
            })?;
            Ok((orgs, revoked))
        };
        let (orgs, results) = if dry_run {
            self.rehearse_as_actor(work)?
        } else {
            self.write_as_actor(work)?
        };
        let revoked = self.finish_revocations(results, dry_run);
        Ok(Offboarded {
            user: user.to_owned(),
            orgs,
            revoked,
        })
    }
}
