//! Orgs, users and memberships, and the first-use bootstrap.

use super::Session;
use crate::audit::{action, NewEvent};
use crate::error::{Error, Result};
use crate::model::{validate_name, Membership, Org, Role, User};
use crate::store::Tx;

/// What the first-use bootstrap created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bootstrapped {
    /// The org created.
    pub org: String,
    /// The user registered as its owner.
    pub owner: String,
}

/// The name of the org created on first use.
pub const DEFAULT_ORG: &str = "default";
const MAX_NAME_CHARS: usize = 64;

impl Session {
    /// On a store with no users yet, creates the org `default` and registers
    /// the actor as its owner, so `tokctl create` works right after install.
    pub fn bootstrap_if_empty(&mut self) -> Result<Option<Bootstrapped>> {
        if !self.store.read().has_no_users()? {
            return Ok(None);
        }
        validate_name("user name", &self.ctx.actor, MAX_NAME_CHARS)?;
        let now = self.ctx.clock.now();
        let actor = self.ctx.actor.clone();
        let ctx = &self.ctx;
        self.store.write(|q| {
            // Another process may have bootstrapped between the check and the lock.
            if !q.has_no_users()? {
                return Ok(None);
            }
            let org = match q.org_key(DEFAULT_ORG)? {
                Some(org) => org,
                None => q.insert_org(DEFAULT_ORG, now)?,
            };
            let user = q.insert_user(&actor, now)?;
            q.upsert_membership(org, user, Role::Owner, now)?;
            q.append_event(&NewEvent {
                org: Some(DEFAULT_ORG.to_owned()),
                target: Some(actor.clone()),
                details: serde_json::json!({ "role": Role::Owner.as_str() }),
                ..ctx.event(action::STORE_BOOTSTRAP)
            })?;
            Ok(Some(Bootstrapped {
                org: DEFAULT_ORG.to_owned(),
                owner: actor.clone(),
            }))
        })
    }

    /// Adds an org; the actor becomes its owner.
    pub fn add_org(&mut self, name: &str) -> Result<Org> {
        validate_name("org name", name, MAX_NAME_CHARS)?;
        let now = self.ctx.clock.now();
        self.write_as_actor(|q, ctx, actor| {
            if q.org_key(name)?.is_some() {
                return Err(Error::AlreadyExists {
                    kind: "org",
                    name: name.to_owned(),
                });
            }
            let org = q.insert_org(name, now)?;
            q.upsert_membership(org, actor.key, Role::Owner, now)?;
            q.append_event(&NewEvent {
                org: Some(name.to_owned()),
                target: Some(name.to_owned()),
                ..ctx.event(action::ORG_ADD)
            })?;
            Ok(Org {
                name: name.to_owned(),
                created_at: now,
            })
        })
    }

    /// Every org.
    pub fn list_orgs(&self) -> Result<Vec<Org>> {
        let q: &dyn Tx = &*self.store.read();
        self.ctx.actor(q)?;
        q.orgs()
    }

    /// Registers a user. Only admins and owners of some org may.
    pub fn add_user(&mut self, name: &str) -> Result<User> {
        validate_name("user name", name, MAX_NAME_CHARS)?;
        let now = self.ctx.clock.now();
        self.write_as_actor(|q, ctx, actor| {
            if !q.administers_any_org(actor.key)? {
                return Err(Error::Forbidden {
                    action: "adding a user".into(),
                    needed: Role::Admin.as_str(),
                    org: "any".into(),
                });
            }
            if q.user_key(name)?.is_some() {
                return Err(Error::AlreadyExists {
                    kind: "user",
                    name: name.to_owned(),
                });
            }
            q.insert_user(name, now)?;
            q.append_event(&NewEvent {
                target: Some(name.to_owned()),
                ..ctx.event(action::USER_ADD)
            })?;
            Ok(User {
                name: name.to_owned(),
                created_at: now,
            })
        })
    }

    /// Every user.
    pub fn list_users(&self) -> Result<Vec<User>> {
        let q: &dyn Tx = &*self.store.read();
        self.ctx.actor(q)?;
        q.users()
    }

    /// Adds a user to an org or changes their role. Owner only; the last
    /// owner cannot be demoted.
    pub fn set_member(&mut self, org: &str, user: &str, role: Role) -> Result<Membership> {
        let now = self.ctx.clock.now();
        self.write_as_actor(|q, ctx, actor| {
            let org_key = ctx.org_with_role(q, actor, org, Role::Owner, "changing members")?;
            let user_key = super::registered_user(q, user)?;
            let demotes_last_owner = role != Role::Owner
                && q.role(org_key, user_key)? == Some(Role::Owner)
                && q.owner_count(org_key)? == 1;
            if demotes_last_owner {
                return Err(Error::request(
                    format!("'{user}' is the last owner of org '{org}' and cannot be demoted"),
                    crate::error::RequestProblem::LastOwner,
                ));
            }
            let previous = q.role(org_key, user_key)?;
            q.upsert_membership(org_key, user_key, role, now)?;
            q.append_event(&NewEvent {
                org: Some(org.to_owned()),
                target: Some(user.to_owned()),
                details: serde_json::json!({
                    "role": role.as_str(),
                    "previous_role": previous.map(Role::as_str),
                }),
                ..ctx.event(action::MEMBER_SET)
            })?;
            Ok(Membership {
                org: org.to_owned(),
                user: user.to_owned(),
                role,
            })
        })
    }

    /// Removes a user from one org (owner only) and revokes their personal
    /// tokens there. The last owner cannot be removed.
    pub fn remove_member(&mut self, org: &str, user: &str) -> Result<usize> {
        let now = self.ctx.clock.now();
        let results = self.write_as_actor(|q, ctx, actor| {
            let org_key = ctx.org_with_role(q, actor, org, Role::Owner, "changing members")?;
            let user_key = super::registered_user(q, user)?;
            let Some(role) = q.role(org_key, user_key)? else {
                return Err(Error::NotFound {
                    kind: "member",
                    name: format!("{user} in {org}"),
                });
            };
            if role == Role::Owner && q.owner_count(org_key)? == 1 {
                return Err(Error::request(
                    format!("'{user}' is the last owner of org '{org}' and cannot be removed"),
                    crate::error::RequestProblem::LastOwner,
                ));
            }
            let filter = crate::store::TokenFilter {
                orgs: Some(vec![org_key]),
                owner: Some(user_key),
                statuses: Some(vec![crate::model::TokenStatus::Active, crate::model::TokenStatus::Expired]),
                now,
                ..crate::store::TokenFilter::default()
            };
            let reason = format!("removed from org {org} by {}", ctx.actor);
            let mut revoked = Vec::new();
            for row in q.tokens(&filter)? {
                revoked.push(ctx.revoke_row(q, actor, row, Some(&reason), now)?);
            }
            q.delete_membership(org_key, user_key)?;
            q.append_event(&NewEvent {
                org: Some(org.to_owned()),
                target: Some(user.to_owned()),
                details: serde_json::json!({ "role": role.as_str(), "revoked_tokens": revoked.len() }),
                ..ctx.event(action::MEMBER_REMOVE)
            })?;
            Ok(revoked)
        })?;
        Ok(self.finish_revocations(results).len())
    }

    /// Memberships, of one org or of every org the actor belongs to.
    pub fn list_members(&self, org: Option<&str>) -> Result<Vec<Membership>> {
        let q: &dyn Tx = &*self.store.read();
        let actor = self.ctx.actor(q)?;
        match org {
            Some(name) => {
                let key =
                    self.ctx
                        .org_with_role(q, actor, name, Role::Member, "listing members")?;
                q.memberships(Some(key))
            }
            None => {
                let mine: Vec<String> = q
                    .orgs_of(actor.key)?
                    .into_iter()
                    .map(|(_, name, _)| name)
                    .collect();
                Ok(q.memberships(None)?
                    .into_iter()
                    .filter(|membership| mine.contains(&membership.org))
                    .collect())
            }
        }
    }
}
