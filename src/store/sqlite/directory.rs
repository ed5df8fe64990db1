//! Queries on orgs, users and memberships.

use rusqlite::{params, OptionalExtension};

use super::error::SqlResult as Result;
use super::Queries;
use crate::clock::{from_unix, Timestamp};
use crate::model::{Membership, Org, Role, User};
use crate::store::{OrgKey, UserKey, UserStanding};

const USER_SELECT: &str =
    "SELECT id, name, created_at, display_name, email, kind, removed_at FROM users";

/// A user row: its key and the user, or the store error of a kind that
/// does not parse (a damaged store).
fn user_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Result<(UserKey, User)>> {
    let kind: String = row.get(5)?;
    let user = User {
        name: row.get(1)?,
        created_at: from_unix(row.get(2)?),
        display_name: row.get(3)?,
        email: row.get(4)?,
        kind: match kind.parse() {
            Ok(kind) => kind,
            Err(err) => return Ok(Err(err.into())),
        },
        removed_at: row.get::<_, Option<i64>>(6)?.map(from_unix),
    };
    Ok(Ok((UserKey::from_raw(row.get(0)?), user)))
}

impl Queries<'_> {
    /// The row id of the org named `name`.
    pub fn org_key(&self, name: &str) -> Result<Option<OrgKey>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id FROM orgs WHERE name = ?1")?;
        let key = stmt.query_row([name], |row| row.get(0)).optional()?;
        Ok(key.map(OrgKey::from_raw))
    }

    /// Adds an org; the caller has checked the name is free.
    pub fn insert_org(&self, name: &str, now: Timestamp) -> Result<OrgKey> {
        self.conn
            .prepare_cached("INSERT INTO orgs (name, created_at) VALUES (?1, ?2)")?
            .execute(params![name, now.timestamp()])?;
        Ok(OrgKey::from_raw(self.conn.last_insert_rowid()))
    }

    /// Every org, by name.
    pub fn orgs(&self) -> Result<Vec<Org>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT name, created_at FROM orgs ORDER BY name")?;
        let rows = stmt.query_map([], |row| {
            Ok(Org {
                name: row.get(0)?,
                created_at: from_unix(row.get(1)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The row id of the user named `name`.
    pub fn user_key(&self, name: &str) -> Result<Option<UserKey>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id FROM users WHERE name = ?1")?;
        let key = stmt.query_row([name], |row| row.get(0)).optional()?;
        Ok(key.map(UserKey::from_raw))
    }

    /// Adds a user; the caller has checked the name is free.
    pub fn insert_user(&self, user: &User) -> Result<UserKey> {
        self.conn
            .prepare_cached(
                "INSERT INTO users (name, created_at, display_name, email, kind, removed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                user.name,
                user.created_at.timestamp(),
                user.display_name,
                user.email,
                user.kind.as_str(),
                user.removed_at.map(|at| at.timestamp()),
            ])?;
        Ok(UserKey::from_raw(self.conn.last_insert_rowid()))
    }

    /// Rewrites a user's display name, e-mail address, kind and removal
    /// time (the name and creation time never change).
    pub fn update_user(&self, key: UserKey, user: &User) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE users SET display_name = ?2, email = ?3, kind = ?4, removed_at = ?5
                 WHERE id = ?1",
            )?
            .execute(params![
                key.raw(),
                user.display_name,
                user.email,
                user.kind.as_str(),
                user.removed_at.map(|at| at.timestamp()),
            ])?;
        Ok(())
    }

    /// Every user, by name.
    pub fn users(&self) -> Result<Vec<User>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("{USER_SELECT} ORDER BY name"))?;
        let rows = stmt.query_map([], user_from_row)?;
        rows.map(|row| Ok(row??.1)).collect()
    }

    /// The user named `name`, with its key.
    pub fn user(&self, name: &str) -> Result<Option<(UserKey, User)>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("{USER_SELECT} WHERE name = ?1"))?;
        stmt.query_row([name], user_from_row)
            .optional()?
            .transpose()
    }

    /// The key, kind and status of the user named `name`.
    pub fn user_standing(&self, name: &str) -> Result<Option<UserStanding>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, kind, removed_at IS NOT NULL FROM users WHERE name = ?1")?;
        let row: Option<(i64, String, bool)> = stmt
            .query_row([name], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .optional()?;
        Ok(row
            .map(|(key, kind, removed)| UserStanding::new(UserKey::from_raw(key), &kind, removed))
            .transpose()?)
    }

    /// Whether the store has no users yet (a brand-new store).
    pub fn has_no_users(&self) -> Result<bool> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT NOT EXISTS (SELECT 1 FROM users)")?;
        Ok(stmt.query_row([], |row| row.get(0))?)
    }

    /// Adds a membership or changes its role.
    pub fn upsert_membership(
        &self,
        org: OrgKey,
        user: UserKey,
        role: Role,
        now: Timestamp,
    ) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO memberships (org_id, user_id, role, created_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (org_id, user_id) DO UPDATE SET role = excluded.role",
            )?
            .execute(params![org.raw(), user.raw(), role.as_str(), now.timestamp()])?;
        Ok(())
    }

    /// The user's role in the org, if a member.
    pub fn role(&self, org: OrgKey, user: UserKey) -> Result<Option<Role>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT role FROM memberships WHERE org_id = ?1 AND user_id = ?2")?;
        let role: Option<String> = stmt
            .query_row(params![org.raw(), user.raw()], |row| row.get(0))
            .optional()?;
        Ok(role.map(|text| text.parse()).transpose()?)
    }

    /// The orgs the user belongs to, by name, with their role there.
    pub fn orgs_of(&self, user: UserKey) -> Result<Vec<(OrgKey, String, Role)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT o.id, o.name, m.role FROM memberships m JOIN orgs o ON o.id = m.org_id
             WHERE m.user_id = ?1 ORDER BY o.name",
        )?;
        let rows = stmt.query_map([user.raw()], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get::<_, String>(2)?))
        })?;
        rows.map(|row| {
            let (key, name, role) = row?;
            Ok((OrgKey::from_raw(key), name, role.parse()?))
        })
        .collect()
    }

    /// Memberships, optionally of one org, by org then user.
    pub fn memberships(&self, org: Option<OrgKey>) -> Result<Vec<Membership>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT o.name, u.name, m.role FROM memberships m
             JOIN orgs o ON o.id = m.org_id JOIN users u ON u.id = m.user_id
             WHERE ?1 IS NULL OR m.org_id = ?1 ORDER BY o.name, u.name",
        )?;
        let rows = stmt.query_map([org.map(OrgKey::raw)], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get::<_, String>(2)?))
        })?;
        rows.map(|row| {
            let (org, user, role) = row?;
            Ok(Membership {
                org,
                user,
                role: role.parse()?,
            })
        })
        .collect()
    }
}

impl Queries<'_> {
    /// How many owners the org has.
    pub fn owner_count(&self, org: OrgKey) -> Result<i64> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT count(*) FROM memberships WHERE org_id = ?1 AND role = 'owner'",
        )?;
        Ok(stmt.query_row([org.raw()], |row| row.get(0))?)
    }

    /// Whether the user is admin or owner of at least one org.
    pub fn administers_any_org(&self, user: UserKey) -> Result<bool> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM memberships WHERE user_id = ?1 AND role IN ('admin', 'owner'))",
        )?;
        Ok(stmt.query_row([user.raw()], |row| row.get(0))?)
    }
}

impl Queries<'_> {
    /// Removes the user from one org.
    pub fn delete_membership(&self, org: OrgKey, user: UserKey) -> Result<()> {
        self.conn
            .prepare_cached("DELETE FROM memberships WHERE org_id = ?1 AND user_id = ?2")?
            .execute([org.raw(), user.raw()])?;
        Ok(())
    }
}

impl Queries<'_> {
    /// The name of the org with this row id.
    pub fn org_name(&self, org: OrgKey) -> Result<String> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT name FROM orgs WHERE id = ?1")?;
        Ok(stmt.query_row([org.raw()], |row| row.get(0))?)
    }

    /// The name of the user with this row id.
    pub fn user_name(&self, user: UserKey) -> Result<String> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT name FROM users WHERE id = ?1")?;
        Ok(stmt.query_row([user.raw()], |row| row.get(0))?)
    }
}
