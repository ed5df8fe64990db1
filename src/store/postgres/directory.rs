//! Queries on orgs, users and memberships.

use super::{get, Queries};
use crate::clock::{from_unix, Timestamp};
use crate::error::Result;
use crate::model::{Membership, Org, Role, User};
use crate::store::{OrgKey, StoreError, UserKey, UserStanding};

const USER_SELECT: &str =
    "SELECT id, name, created_at, display_name, email, kind, removed_at FROM tokctl.users";

/// A user row: its key and the user.
fn user_from_row(row: &postgres::Row) -> Result<(UserKey, User)> {
    let kind: String = get(row, 5)?;
    let user = User {
        name: get(row, 1)?,
        created_at: from_unix(get(row, 2)?),
        display_name: get(row, 3)?,
        email: get(row, 4)?,
        kind: kind
            .parse()
            .map_err(|_| StoreError::corrupt("an invalid user kind"))?,
        removed_at: get::<Option<i64>>(row, 6)?.map(from_unix),
    };
    Ok((UserKey::from_raw(get(row, 0)?), user))
}

impl Queries<'_> {
    /// The row id of the org named `name`.
    pub fn org_key(&self, name: &str) -> Result<Option<OrgKey>> {
        self.opt("SELECT id FROM tokctl.orgs WHERE name = $1", &[&name])?
            .map(|row| get(&row, 0).map(OrgKey::from_raw))
            .transpose()
    }

    /// Adds an org; the caller has checked the name is free.
    pub fn insert_org(&self, name: &str, now: Timestamp) -> Result<OrgKey> {
        let row = self.one(
            "INSERT INTO tokctl.orgs (name, created_at) VALUES ($1, $2) RETURNING id",
            &[&name, &now.timestamp()],
        )?;
        Ok(OrgKey::from_raw(get(&row, 0)?))
    }

    /// Every org, by name.
    pub fn orgs(&self) -> Result<Vec<Org>> {
        self.all(
            "SELECT name, created_at FROM tokctl.orgs ORDER BY name",
            &[],
        )?
        .iter()
        .map(|row| {
            Ok(Org {
                name: get(row, 0)?,
                created_at: from_unix(get(row, 1)?),
            })
        })
        .collect()
    }

    /// The row id of the user named `name` (a function: every command
    /// looks up its actor, a verifier's too, who reads no table).
    pub fn user_key(&self, name: &str) -> Result<Option<UserKey>> {
        let key: Option<i64> = get(&self.one("SELECT tokctl.user_id($1)", &[&name])?, 0)?;
        Ok(key.map(UserKey::from_raw))
    }

    /// Adds a user; the caller has checked the name is free.
    pub fn insert_user(&self, user: &User) -> Result<UserKey> {
        let row = self.one(
            "INSERT INTO tokctl.users (name, created_at, display_name, email, kind, removed_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            &[
                &user.name,
                &user.created_at.timestamp(),
                &user.display_name,
                &user.email,
                &user.kind.as_str(),
                &user.removed_at.map(|at| at.timestamp()),
            ],
        )?;
        Ok(UserKey::from_raw(get(&row, 0)?))
    }

    /// Rewrites a user's display name, e-mail address, kind and removal
    /// time (the name and creation time never change).
    pub fn update_user(&self, key: UserKey, user: &User) -> Result<()> {
        self.run(
            "UPDATE tokctl.users SET display_name = $2, email = $3, kind = $4, removed_at = $5
             WHERE id = $1",
            &[
                &key.raw(),
                &user.display_name,
                &user.email,
                &user.kind.as_str(),
                &user.removed_at.map(|at| at.timestamp()),
            ],
        )?;
        Ok(())
    }

    /// Every user, by name.
    pub fn users(&self) -> Result<Vec<User>> {
        self.all(&format!("{USER_SELECT} ORDER BY name"), &[])?
            .iter()
            .map(|row| user_from_row(row).map(|(_, user)| user))
            .collect()
    }

    /// The user named `name`, with its key.
    pub fn user(&self, name: &str) -> Result<Option<(UserKey, User)>> {
        self.opt(&format!("{USER_SELECT} WHERE name = $1"), &[&name])?
            .map(|row| user_from_row(&row))
            .transpose()
    }

    /// The key, kind and status of the user named `name` (a function, as
    /// [`Queries::user_key`]: every command asks it of its actor).
    pub fn user_standing(&self, name: &str) -> Result<Option<UserStanding>> {
        let row = self.opt(
            "SELECT id, kind, removed FROM tokctl.user_standing($1)",
            &[&name],
        )?;
        row.map(|row| {
            let kind: String = get(&row, 1)?;
            UserStanding::new(UserKey::from_raw(get(&row, 0)?), &kind, get(&row, 2)?)
        })
        .transpose()
    }

    /// Whether the store has no users yet.
    pub fn has_no_users(&self) -> Result<bool> {
        get(
            // A function: verifiers, who read no table, ask it too.
            &self.one("SELECT tokctl.has_no_users()", &[])?,
            0,
        )
    }

    /// Adds a membership or changes its role.
    pub fn upsert_membership(
        &self,
        org: OrgKey,
        user: UserKey,
        role: Role,
        now: Timestamp,
    ) -> Result<()> {
        self.run(
            "INSERT INTO tokctl.memberships (org_id, user_id, role, created_at)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (org_id, user_id) DO UPDATE SET role = excluded.role",
            &[&org.raw(), &user.raw(), &role.as_str(), &now.timestamp()],
        )?;
        Ok(())
    }

    /// The user's role in the org, if a member.
    pub fn role(&self, org: OrgKey, user: UserKey) -> Result<Option<Role>> {
        let role: Option<String> = self
            .opt(
                "SELECT role FROM tokctl.memberships WHERE org_id = $1 AND user_id = $2",
                &[&org.raw(), &user.raw()],
            )?
            .map(|row| get(&row, 0))
            .transpose()?;
        role.map(|text| text.parse()).transpose()
    }

    /// The orgs the user belongs to, by name, with their role there.
    pub fn orgs_of(&self, user: UserKey) -> Result<Vec<(OrgKey, String, Role)>> {
        self.all(
            "SELECT o.id, o.name, m.role FROM tokctl.memberships m
             JOIN tokctl.orgs o ON o.id = m.org_id
             WHERE m.user_id = $1 ORDER BY o.name",
            &[&user.raw()],
        )?
        .iter()
        .map(|row| {
            let role: String = get(row, 2)?;
            Ok((OrgKey::from_raw(get(row, 0)?), get(row, 1)?, role.parse()?))
        })
        .collect()
    }

    /// Memberships, optionally of one org, by org then user.
    pub fn memberships(&self, org: Option<OrgKey>) -> Result<Vec<Membership>> {
        self.all(
            "SELECT o.name, u.name, m.role FROM tokctl.memberships m
             JOIN tokctl.orgs o ON o.id = m.org_id JOIN tokctl.users u ON u.id = m.user_id
             WHERE $1::bigint IS NULL OR m.org_id = $1 ORDER BY o.name, u.name",
            &[&org.map(OrgKey::raw)],
        )?
        .iter()
        .map(|row| {
            let role: String = get(row, 2)?;
            Ok(Membership {
                org: get(row, 0)?,
                user: get(row, 1)?,
                role: role.parse()?,
            })
        })
        .collect()
    }

    /// How many owners the org has.
    pub fn owner_count(&self, org: OrgKey) -> Result<i64> {
        get(
            &self.one(
                "SELECT count(*) FROM tokctl.memberships WHERE org_id = $1 AND role = 'owner'",
                &[&org.raw()],
            )?,
            0,
        )
    }

    /// Whether the user is admin or owner of at least one org.
    pub fn administers_any_org(&self, user: UserKey) -> Result<bool> {
        get(
            &self.one(
                "SELECT EXISTS (SELECT 1 FROM tokctl.memberships
                 WHERE user_id = $1 AND role IN ('admin', 'owner'))",
                &[&user.raw()],
            )?,
            0,
        )
    }

    /// Removes the user from one org.
    pub fn delete_membership(&self, org: OrgKey, user: UserKey) -> Result<()> {
        self.run(
            "DELETE FROM tokctl.memberships WHERE org_id = $1 AND user_id = $2",
            &[&org.raw(), &user.raw()],
        )?;
        Ok(())
    }

    /// The name of the org with this row id (through a function: the
    /// verify path names a verified token's org, and verifiers read no table).
    pub fn org_name(&self, org: OrgKey) -> Result<String> {
        let name: Option<String> = get(&self.one("SELECT tokctl.org_name($1)", &[&org.raw()])?, 0)?;
        name.ok_or_else(|| StoreError::corrupt("a token of an org that does not exist"))
    }

    /// The name of the user with this row id (a function, as [`Queries::org_name`]).
    pub fn user_name(&self, user: UserKey) -> Result<String> {
        let name: Option<String> =
            get(&self.one("SELECT tokctl.user_name($1)", &[&user.raw()])?, 0)?;
        name.ok_or_else(|| StoreError::corrupt("a token of a user who does not exist"))
    }
}
