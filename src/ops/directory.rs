//! Orgs, users and memberships, and the first-use bootstrap.

use super::Session;
use crate::audit::{action, NewEvent};
use crate::error::{Error, Result};
use crate::model::{
    validate_display_name, validate_email, validate_name, Membership, Org, Role, User, UserKind,
    UserStatus,
};
use crate::store::{Tx, UserKey};

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
/// The longest org or user name, in characters.
pub(super) const MAX_NAME_CHARS: usize = 64;

/// What a new user is besides their login: everything optional, a person
/// unless said otherwise.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserProfile {
    /// A name for people to read.
    pub display_name: Option<String>,
    /// An e-mail address.
    pub email: Option<String>,
    /// A person or a service account.
    pub kind: UserKind,
}

impl UserProfile {
    fn validate(&self) -> Result<()> {
        if let Some(name) = &self.display_name {
            validate_display_name(name)?;
        }
        if let Some(email) = &self.email {
            validate_email(email)?;
        }
        Ok(())
    }
}

/// What to change about a user: each `Some` replaces the current value
/// (`Some(None)` clears a display name or e-mail address).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserEdit {
    /// A new display name, or none.
    pub display_name: Option<Option<String>>,
    /// A new e-mail address, or none.
    pub email: Option<Option<String>>,
    /// A person or a service account from now on.
    pub kind: Option<UserKind>,
    /// Make a removed user active again.
    pub restore: bool,
}

impl UserEdit {
    fn validate(&self) -> Result<()> {
        if let Some(Some(name)) = &self.display_name {
            validate_display_name(name)?;
        }
        if let Some(Some(email)) = &self.email {
            validate_email(email)?;
        }
        Ok(())
    }

    /// The user as this edit leaves them.
    pub(super) fn applied_to(&self, user: &User) -> User {
        let mut after = user.clone();
        if let Some(name) = &self.display_name {
            after.display_name = name.clone();
        }
        if let Some(email) = &self.email {
            after.email = email.clone();
        }
        if let Some(kind) = self.kind {
            after.kind = kind;
        }
        if self.restore {
            after.removed_at = None;
        }
        after
    }
}

/// What a user edit did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserEdited {
    /// The user before.
    pub before: User,
    /// The user now.
    pub after: User,
    /// The fields that changed, in a fixed order: `display_name`, `email`,
    /// `kind`, `status`.
    pub changed: Vec<&'static str>,
}

/// The fields in which two versions of a user differ, in a fixed order.
pub(super) fn user_changes(before: &User, after: &User) -> Vec<&'static str> {
    let mut changed = Vec::new();
    if before.display_name != after.display_name {
        changed.push("display_name");
    }
    if before.email != after.email {
        changed.push("email");
    }
    if before.kind != after.kind {
        changed.push("kind");
    }
    if before.status() != after.status() {
        changed.push("status");
    }
    changed
}

/// A `user.add` event's details: the kind, and what else was set.
pub(super) fn user_added_details(user: &User) -> serde_json::Value {
    serde_json::json!({
        "kind": user.kind.as_str(),
        "display_name": user.display_name,
        "email": user.email,
    })
}

/// A `user.edit` event's details: each changed field before and after.
pub(super) fn user_edit_details(
    before: &User,
    after: &User,
    changed: &[&'static str],
) -> serde_json::Value {
    let field = |user: &User, name: &str| -> serde_json::Value {
        match name {
            "display_name" => user.display_name.clone().into(),
            "email" => user.email.clone().into(),
            "kind" => user.kind.as_str().into(),
            _ => user.status().as_str().into(),
        }
    };
    let mut details = serde_json::json!({ "changed": changed });
    for name in changed {
        details[*name] = serde_json::json!({
            "before": field(before, name),
            "after": field(after, name),
        });
    }
    details
}

/// Registering and changing users needs the admin role in some org.
pub(super) fn require_user_admin(q: &dyn Tx, actor: super::Actor, action: &str) -> Result<()> {
    if q.administers_any_org(actor.key)? {
        return Ok(());
    }
    Err(Error::Forbidden {
        action: action.into(),
        needed: Role::Admin.as_str(),
        org: "any".into(),
    })
}

/// The key of the registered, active user `name`: a removed user is not
/// given memberships until restored.
pub(super) fn active_user(q: &dyn Tx, name: &str) -> Result<UserKey> {
    match q.user_standing(name)? {
        None => Err(Error::NotFound {
            kind: "user",
            name: name.to_owned(),
        }),
        Some(standing) if standing.status == UserStatus::Removed => Err(Error::request(
            format!("user '{name}' was removed; restore them before adding them to an org"),
            crate::error::RequestProblem::UserRemoved {
                user: name.to_owned(),
            },
        )),
        Some(standing) => Ok(standing.key),
    }
}

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
            let user = q.insert_user(&User::new(&actor, now))?;
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

    /// Registers a person. Only admins and owners of some org may.
    pub fn add_user(&mut self, name: &str) -> Result<User> {
        self.add_user_with(name, &UserProfile::default())
    }

    /// Registers a user with a display name, an e-mail address and a kind
    /// (a person or a service account). Only admins and owners of some org
    /// may; the event records what was set.
    pub fn add_user_with(&mut self, name: &str, profile: &UserProfile) -> Result<User> {
        validate_name("user name", name, MAX_NAME_CHARS)?;
        profile.validate()?;
        let now = self.ctx.clock.now();
        self.write_as_actor(|q, ctx, actor| {
            require_user_admin(q, actor, "adding a user")?;
            if let Some((_, existing)) = q.user(name)? {
                return Err(Error::AlreadyExists {
                    kind: if existing.removed_at.is_some() {
                        "removed user"
                    } else {
                        "user"
                    },
                    name: name.to_owned(),
                });
            }
            let user = User {
                display_name: profile.display_name.clone(),
                email: profile.email.clone(),
                kind: profile.kind,
                ..User::new(name, now)
            };
            q.insert_user(&user)?;
            q.append_event(&NewEvent {
                target: Some(name.to_owned()),
                details: user_added_details(&user),
                ..ctx.event(action::USER_ADD)
            })?;
            Ok(user)
        })
    }

    /// Changes a user's display name, e-mail address or kind, or restores
    /// a removed user (who may then act and be added to orgs again; their
    /// memberships are not given back). Only admins and owners of some org
    /// may: who is a service account decides what an org's policy lets
    /// them hold. Audited as `user.edit` with each changed field before and
    /// after; a change of nothing is refused.
    pub fn edit_user(&mut self, name: &str, edit: &UserEdit) -> Result<UserEdited> {
        edit.validate()?;
        self.write_as_actor(|q, ctx, actor| {
            require_user_admin(q, actor, "changing a user")?;
            let (key, before) = q.user(name)?.ok_or_else(|| Error::NotFound {
                kind: "user",
                name: name.to_owned(),
            })?;
            let after = edit.applied_to(&before);
            let changed = user_changes(&before, &after);
            if changed.is_empty() {
                return Err(Error::request(
                    format!("user '{name}' already is as asked: nothing to change"),
                    crate::error::RequestProblem::UserUnchanged,
                ));
            }
            q.update_user(key, &after)?;
            q.append_event(&NewEvent {
                target: Some(name.to_owned()),
                details: user_edit_details(&before, &after, &changed),
                ..ctx.event(action::USER_EDIT)
            })?;
            Ok(UserEdited {
                before,
                after,
                changed,
            })
        })
    }

    /// Every user: the active ones, or with `include_removed` the removed
    /// ones as well.
    pub fn list_users(&self, include_removed: bool) -> Result<Vec<User>> {
        let q: &dyn Tx = &*self.store.read();
        self.ctx.actor(q)?;
        Ok(q.users()?
            .into_iter()
            .filter(|user| include_removed || user.removed_at.is_none())
            .collect())
    }

    /// Adds a user to an org or changes their role. Owner only; the last
    /// owner cannot be demoted.
    pub fn set_member(&mut self, org: &str, user: &str, role: Role) -> Result<Membership> {
        let now = self.ctx.clock.now();
        self.write_as_actor(|q, ctx, actor| {
            let org_key = ctx.org_with_role(q, actor, org, Role::Owner, "changing members")?;
            let user_key = active_user(q, user)?;
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
