//! Importing a directory (`user import`): users and memberships created or
//! updated from the rows of a file, in one transaction.
//!
//! Planned, then applied: [`Session::plan_import`] reads the store once and
//! says exactly what would change (a user added, a field updated, a member
//! added, a role changed), row by row, or reports every bad row at once;
//! [`Session::apply_import`] plans again inside its write transaction and
//! writes only if that gives the same changes, so what was shown and
//! confirmed is what happens. Each change is audited as the single-user
//! command would audit it (`user.add`, `user.edit`, `member.set`), and one
//! `user.import` event counts them. An import never removes a user or a
//! membership, and never restores a removed user: offboarding and restoring
//! stay deliberate, one user at a time.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::directory::{require_user_admin, user_added_details, user_changes, user_edit_details};
use super::{Actor, Session};
use crate::audit::{action, NewEvent};
use crate::error::{Error, Result, RowProblem};
use crate::import::{DirectoryRow, ParsedDirectory};
use crate::model::{Role, User, UserKind};
use crate::store::{OrgKey, Tx};

/// One change an import makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirectoryChange {
    /// A new user.
    UserAdded {
        /// The row's line.
        line: u64,
        /// The login.
        user: String,
        /// A person or a service account.
        kind: UserKind,
        /// Their display name, if the row gives one.
        display_name: Option<String>,
        /// Their e-mail address, if the row gives one.
        email: Option<String>,
    },
    /// A field of an existing user changes.
    UserUpdated {
        /// The row's line.
        line: u64,
        /// The login.
        user: String,
        /// `display_name`, `email` or `kind`.
        field: &'static str,
        /// The value before (`None`: none).
        before: Option<String>,
        /// The value after.
        after: Option<String>,
    },
    /// The user joins an org.
    MemberAdded {
        /// The row's line.
        line: u64,
        /// The login.
        user: String,
        /// The org.
        org: String,
        /// Their role there.
        role: Role,
    },
    /// The user's role in an org changes.
    RoleChanged {
        /// The row's line.
        line: u64,
        /// The login.
        user: String,
        /// The org.
        org: String,
        /// The role before.
        before: Role,
        /// The role after.
        after: Role,
    },
}

impl DirectoryChange {
    /// The line of the row that asks for it.
    pub fn line(&self) -> u64 {
        match self {
            DirectoryChange::UserAdded { line, .. }
            | DirectoryChange::UserUpdated { line, .. }
            | DirectoryChange::MemberAdded { line, .. }
            | DirectoryChange::RoleChanged { line, .. } => *line,
        }
    }

    /// The user it concerns.
    pub fn user(&self) -> &str {
        match self {
            DirectoryChange::UserAdded { user, .. }
            | DirectoryChange::UserUpdated { user, .. }
            | DirectoryChange::MemberAdded { user, .. }
            | DirectoryChange::RoleChanged { user, .. } => user,
        }
    }
}

/// What an import will do, fixed when planned.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ImportPlan {
    /// Every change, in row order (per row: the user, then the membership).
    pub changes: Vec<DirectoryChange>,
    /// Rows that change nothing: the store already says what they say.
    pub unchanged_rows: usize,
    rows: Vec<DirectoryRow>,
}

impl ImportPlan {
    /// How many rows the file had (all good).
    pub fn rows(&self) -> usize {
        self.rows.len()
    }
}

/// Totals of an applied import.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    /// Users added.
    pub users_added: usize,
    /// Existing users with at least one field changed.
    pub users_updated: usize,
    /// Memberships added.
    pub members_added: usize,
    /// Roles changed.
    pub roles_changed: usize,
}

impl ImportCounts {
    /// The totals of a list of changes.
    pub fn of(changes: &[DirectoryChange]) -> Self {
        let mut counts = ImportCounts::default();
        let mut updated: HashSet<&str> = HashSet::new();
        for change in changes {
            match change {
                DirectoryChange::UserAdded { .. } => counts.users_added += 1,
                DirectoryChange::UserUpdated { user, .. } => {
                    updated.insert(user);
                }
                DirectoryChange::MemberAdded { .. } => counts.members_added += 1,
                DirectoryChange::RoleChanged { .. } => counts.roles_changed += 1,
            }
        }
        counts.users_updated = updated.len();
        counts
    }
}

impl Session {
    /// Plans the import of a parsed directory: every change it would make,
    /// or every bad row at once ([`Error::BadRows`]: the file's own problems
    /// and those only the store shows, such as an org that does not exist,
    /// a removed user, or an org left without an owner). Adding or changing
    /// users needs the admin role in some org, and a membership the owner
    /// role in its org (the rules of `user add`, `user edit` and `member
    /// add`); a row that needs a role the actor lacks is refused as
    /// forbidden. Writes nothing.
    pub fn plan_import(&self, parsed: &ParsedDirectory) -> Result<ImportPlan> {
        let q: &dyn Tx = &*self.store.read();
        let actor = self.ctx.actor(q)?;
        plan_rows(q, actor, parsed)
    }

    /// Applies a plan in one transaction, or nothing: the rows are planned
    /// again inside it, and if the store changed in between so that they
    /// would now do something else, nothing is written
    /// ([`Error::PlanOutdated`]). Returns the changes made.
    pub fn apply_import(&mut self, plan: &ImportPlan) -> Result<Vec<DirectoryChange>> {
        let now = self.ctx.clock.now();
        self.write_as_actor(|q, ctx, actor| {
            let parsed = ParsedDirectory {
                rows: plan.rows.clone(),
                problems: Vec::new(),
            };
            let again = match plan_rows(q, actor, &parsed) {
                Ok(again) => again,
                Err(Error::BadRows { .. }) => {
                    return Err(Error::PlanOutdated {
                        what: "the directory",
                    })
                }
                Err(other) => return Err(other),
            };
            if again.changes != plan.changes {
                return Err(Error::PlanOutdated {
                    what: "the directory",
                });
            }
            let mut by_line: HashMap<u64, Vec<&DirectoryChange>> = HashMap::new();
            for change in &plan.changes {
                by_line.entry(change.line()).or_default().push(change);
            }
            let mut orgs: HashMap<&str, OrgKey> = HashMap::new();
            for row in &plan.rows {
                let Some(changes) = by_line.remove(&row.line) else {
                    continue;
                };
                let key = match q.user(&row.login)? {
                    Some((key, before)) => {
                        let after = row_applied_to(row, &before);
                        let changed = user_changes(&before, &after);
                        if !changed.is_empty() {
                            q.update_user(key, &after)?;
                            q.append_event(&NewEvent {
                                target: Some(row.login.clone()),
                                details: user_edit_details(&before, &after, &changed),
                                ..ctx.event(action::USER_EDIT)
                            })?;
                        }
                        key
                    }
                    None => {
                        let user = row_applied_to(row, &User::new(&row.login, now));
                        let key = q.insert_user(&user)?;
                        q.append_event(&NewEvent {
                            target: Some(row.login.clone()),
                            details: user_added_details(&user),
                            ..ctx.event(action::USER_ADD)
                        })?;
                        key
                    }
                };
                for change in changes {
                    let (org, role, previous) = match change {
                        DirectoryChange::MemberAdded { org, role, .. } => (org, *role, None),
                        DirectoryChange::RoleChanged {
                            org, before, after, ..
                        } => (org, *after, Some(*before)),
                        _ => continue,
                    };
                    let org_key = match orgs.get(org.as_str()) {
                        Some(key) => *key,
                        None => {
                            let key = q.org_key(org)?.ok_or_else(|| Error::NotFound {
                                kind: "org",
                                name: org.clone(),
                            })?;
                            orgs.insert(org, key);
                            key
                        }
                    };
                    q.upsert_membership(org_key, key, role, now)?;
                    q.append_event(&NewEvent {
                        org: Some(org.clone()),
                        target: Some(row.login.clone()),
                        details: serde_json::json!({
                            "role": role.as_str(),
                            "previous_role": previous.map(Role::as_str),
                        }),
                        ..ctx.event(action::MEMBER_SET)
                    })?;
                }
            }
            let counts = ImportCounts::of(&plan.changes);
            q.append_event(&NewEvent {
                details: serde_json::json!({
                    "rows": plan.rows.len(),
                    "users_added": counts.users_added,
                    "users_updated": counts.users_updated,
                    "members_added": counts.members_added,
                    "roles_changed": counts.roles_changed,
                }),
                ..ctx.event(action::USER_IMPORT)
            })?;
            Ok(plan.changes.clone())
        })
    }
}

/// The user as a row leaves them: the fields the row gives replace the
/// user's; the others stay. (Import never restores or removes.)
fn row_applied_to(row: &DirectoryRow, user: &User) -> User {
    let mut after = user.clone();
    if let Some(name) = &row.display_name {
        after.display_name = Some(name.clone());
    }
    if let Some(email) = &row.email {
        after.email = Some(email.clone());
    }
    if let Some(service) = row.service {
        after.kind = if service {
            UserKind::Service
        } else {
            UserKind::Person
        };
    }
    after
}

/// What the store holds that a plan compares rows with, read once.
struct Directory {
    users: HashMap<String, User>,
    orgs: HashSet<String>,
    /// Role by (org, user).
    roles: HashMap<(String, String), Role>,
}

impl Directory {
    fn read(q: &dyn Tx) -> Result<Directory> {
        let users = q
            .users()?
            .into_iter()
            .map(|user| (user.name.clone(), user))
            .collect();
        let orgs = q.orgs()?.into_iter().map(|org| org.name).collect();
        let roles = q
            .memberships(None)?
            .into_iter()
            .map(|membership| ((membership.org, membership.user), membership.role))
            .collect();
        Ok(Directory { users, orgs, roles })
    }
}

/// The changes of every row, or every bad row, or the first row the actor
/// may not apply.
fn plan_rows(q: &dyn Tx, actor: Actor, parsed: &ParsedDirectory) -> Result<ImportPlan> {
    let directory = Directory::read(q)?;
    let mut problems = parsed.problems.clone();
    let mut changes = Vec::new();
    let mut unchanged_rows = 0;
    // Owners per org once the file is applied, to refuse leaving an org
    // without one (demotions in the file count, promotions too).
    let mut owners: BTreeMap<&str, HashSet<&str>> = BTreeMap::new();
    for ((org, user), role) in &directory.roles {
        if *role == Role::Owner {
            owners.entry(org).or_default().insert(user);
        }
    }
    let mut demotions: Vec<(&DirectoryRow, &str)> = Vec::new();
    for row in &parsed.rows {
        let before = directory.users.get(&row.login);
        if before.is_some_and(|user| user.removed_at.is_some()) {
            problems.push(RowProblem {
                line: row.line,
                message: format!(
                    "user '{}' was removed; an admin restores them before they are imported",
                    row.login
                ),
            });
            continue;
        }
        if let Some(org) = &row.org {
            if !directory.orgs.contains(org) {
                problems.push(RowProblem {
                    line: row.line,
                    message: format!("org '{org}' not found"),
                });
                continue;
            }
        }
        let row_changes = row_changes(row, before, &directory);
        // The membership change, if any, is the row's last change.
        let (demoted, promoted) = match row_changes.last() {
            Some(DirectoryChange::RoleChanged { before, after, .. }) => {
                (*before == Role::Owner, *after == Role::Owner)
            }
            Some(DirectoryChange::MemberAdded { role, .. }) => (false, *role == Role::Owner),
            _ => (false, false),
        };
        if let Some(org) = row.org.as_deref() {
            if demoted {
                owners.entry(org).or_default().remove(row.login.as_str());
                demotions.push((row, org));
            } else if promoted {
                owners.entry(org).or_default().insert(&row.login);
            }
        }
        if row_changes.is_empty() {
            unchanged_rows += 1;
        }
        changes.extend(row_changes);
    }
    for (row, org) in demotions {
        if owners.get(org).is_none_or(HashSet::is_empty) {
            problems.push(RowProblem {
                line: row.line,
                message: format!(
                    "'{}' is the last owner of org '{org}' and cannot be demoted",
                    row.login
                ),
            });
        }
    }
    if !problems.is_empty() {
        problems.sort_by_key(|problem| problem.line);
        return Err(Error::BadRows { problems });
    }
    check_roles(q, actor, &directory, &changes)?;
    Ok(ImportPlan {
        changes,
        unchanged_rows,
        rows: parsed.rows.clone(),
    })
}

/// What one row changes: the user (added, or each field that differs),
/// then the membership (added, or a role that differs).
fn row_changes(
    row: &DirectoryRow,
    before: Option<&User>,
    directory: &Directory,
) -> Vec<DirectoryChange> {
    let mut changes = Vec::new();
    match before {
        None => {
            let user = row_applied_to(row, &User::new(&row.login, chrono::DateTime::UNIX_EPOCH));
            changes.push(DirectoryChange::UserAdded {
                line: row.line,
                user: row.login.clone(),
                kind: user.kind,
                display_name: user.display_name,
                email: user.email,
            });
        }
        Some(before) => {
            let after = row_applied_to(row, before);
            for field in user_changes(before, &after) {
                let value = |user: &User| match field {
                    "display_name" => user.display_name.clone(),
                    "email" => user.email.clone(),
                    _ => Some(user.kind.as_str().to_owned()),
                };
                changes.push(DirectoryChange::UserUpdated {
                    line: row.line,
                    user: row.login.clone(),
                    field,
                    before: value(before),
                    after: value(&after),
                });
            }
        }
    }
    if let Some(org) = &row.org {
        match directory.roles.get(&(org.clone(), row.login.clone())) {
            None => changes.push(DirectoryChange::MemberAdded {
                line: row.line,
                user: row.login.clone(),
                org: org.clone(),
                role: row.role.unwrap_or(Role::Member),
            }),
            Some(current) => {
                if let Some(role) = row.role.filter(|role| role != current) {
                    changes.push(DirectoryChange::RoleChanged {
                        line: row.line,
                        user: row.login.clone(),
                        org: org.clone(),
                        before: *current,
                        after: role,
                    });
                }
            }
        }
    }
    changes
}

/// The actor must be allowed every change: admin somewhere for users, the
/// owner of each org whose members change. The first refusal names its line.
fn check_roles(
    q: &dyn Tx,
    actor: Actor,
    directory: &Directory,
    changes: &[DirectoryChange],
) -> Result<()> {
    let touches_users = changes.iter().any(|change| {
        matches!(
            change,
            DirectoryChange::UserAdded { .. } | DirectoryChange::UserUpdated { .. }
        )
    });
    if touches_users {
        require_user_admin(q, actor, "importing users")?;
    }
    let actor_name = q.user_name(actor.key)?;
    for change in changes {
        let (DirectoryChange::MemberAdded { line, org, .. }
        | DirectoryChange::RoleChanged { line, org, .. }) = change
        else {
            continue;
        };
        let role = directory.roles.get(&(org.clone(), actor_name.clone()));
        if role != Some(&Role::Owner) {
            return Err(Error::Forbidden {
                action: format!("importing members (line {line})"),
                needed: Role::Owner.as_str(),
                org: org.clone(),
            });
        }
    }
    Ok(())
}
