//! Setting up a team store and giving logins access: what the database's
//! owner (or a superuser) does once with `tokctl team init`, and then with
//! `team grant` and `team revoke`.
//!
//! Three group roles, which nobody logs in as: `tokctl_owner` owns the
//! schema `tokctl` and every object in it (so the security-definer
//! functions run as it, and no login is the tables' owner, which row-level
//! security would not hold back); `tokctl_user`, whose members use tokctl;
//! `tokctl_verifier`, whose members may only verify. Roles are the
//! cluster's, so they are shared by every team store on one server.

use super::{error::query_error, PgStore, Queries, SCHEMA_VERSION};
use crate::error::{Error, Result};
use crate::store::{ServerAddress, StoreError, StoreErrorKind};

/// The role that owns the schema and its objects.
const OWNER_ROLE: &str = "tokctl_owner";

/// The grants of the group roles, re-applied after every migration.
const GRANTS: &str = include_str!("grants.sql");

/// What a login may do in a team store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TeamRole {
    /// Use tokctl (`tokctl_user`): what they may do in it depends on their
    /// memberships, as tokctl's roles say.
    User,
    /// Verify tokens only (`tokctl_verifier`).
    Verifier,
}

impl TeamRole {
    /// The database group role.
    pub fn group(self) -> &'static str {
        match self {
            TeamRole::User => "tokctl_user",
            TeamRole::Verifier => "tokctl_verifier",
        }
    }
}

/// What `team init` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamInit {
    /// The schema version before (0: no store yet).
    pub from_version: i64,
    /// The schema version now.
    pub to_version: i64,
}

/// A connection of the database's owner or a superuser, to set up a team
/// store and to give logins access to it. Not a [`crate::store::Store`]:
/// it reads and writes no tokens.
#[derive(Debug)]
pub struct TeamAdmin {
    store: PgStore,
}

impl TeamAdmin {
    /// Connects to `address` as its user, checking nothing about the store.
    pub fn connect(address: &ServerAddress, password: Option<&str>) -> Result<TeamAdmin> {
        Ok(TeamAdmin {
            store: PgStore::open_connection(address, password)?,
        })
    }

    /// The database user connected.
    pub fn session_user(&self) -> &str {
        self.store.session_user()
    }

    /// Creates the group roles, the schema (owned by `tokctl_owner`) and its
    /// tables, or migrates an older one, and grants the group roles what
    /// they may do. Idempotent. Needs a superuser, or the database's owner
    /// with CREATEROLE; anyone else is refused before anything changes.
    pub fn init(&mut self) -> Result<TeamInit> {
        let q = self.store.read();
        let row = q.one(
            "SELECT r.rolsuper, r.rolcreaterole, d.datdba = r.oid
             FROM pg_catalog.pg_roles r, pg_catalog.pg_database d
             WHERE r.rolname = current_user AND d.datname = current_database()",
            &[],
        )?;
        let superuser: bool = row.try_get(0).map_err(query_error)?;
        let create_role: bool = row.try_get(1).map_err(query_error)?;
        let db_owner: bool = row.try_get(2).map_err(query_error)?;
        let may_set_up = superuser || (db_owner && create_role);
        if !may_set_up {
            return Err(denied(format!(
                "setting up a team store needs a superuser, or the database's owner with \
                 CREATEROLE; '{}' is neither",
                self.session_user()
            )));
        }
        for role in [OWNER_ROLE, "tokctl_user", "tokctl_verifier"] {
            create_group_role(&q, role)?;
        }
        if !superuser {
            check_login_name(self.session_user())?;
            // The owner of the database acts as the schema's owner role to
            // create its objects.
            grant_membership(&q, OWNER_ROLE, self.session_user())?;
        }
        let store = &self.store;
        store.transaction(|q| {
            let from_version = store.stored_version()?;
            if from_version > SCHEMA_VERSION {
                return Err(store.too_new(from_version));
            }
            q.batch(&format!(
                "CREATE SCHEMA IF NOT EXISTS tokctl AUTHORIZATION {OWNER_ROLE}"
            ))?;
            // A store made before the database enforced anything is owned
            // by whoever opened it first: hand it over.
            q.batch(&format!(
                "ALTER SCHEMA tokctl OWNER TO {OWNER_ROLE};
                 DO $$
                 DECLARE rel record;
                 BEGIN
                     FOR rel IN SELECT c.relname FROM pg_catalog.pg_class c
                                JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                                WHERE n.nspname = 'tokctl' AND c.relkind IN ('r', 'p')
                                  AND pg_catalog.pg_get_userbyid(c.relowner) <> '{OWNER_ROLE}'
                     LOOP
                         EXECUTE format('ALTER TABLE tokctl.%I OWNER TO {OWNER_ROLE}', rel.relname);
                     END LOOP;
                 END
                 $$;
                 SET LOCAL ROLE {OWNER_ROLE}"
            ))?;
            store.run_migrations(q)?;
            q.batch("RESET ROLE")?;
            q.batch(GRANTS)?;
            Ok(TeamInit {
                from_version,
                to_version: SCHEMA_VERSION,
            })
        })
    }

    /// Makes `login` (an existing database login) a member of `role`'s group.
    pub fn grant(&mut self, login: &str, role: TeamRole) -> Result<()> {
        let q = self.store.read();
        require_login(&q, login)?;
        grant_membership(&q, role.group(), login)
    }

    /// Takes both group roles from `login`. Its tokctl user, memberships and
    /// tokens stay (offboard with `user remove`); it just cannot reach them.
    pub fn revoke(&mut self, login: &str) -> Result<()> {
        let q = self.store.read();
        require_login(&q, login)?;
        q.batch(&format!(
            "REVOKE tokctl_user, tokctl_verifier FROM {}",
            quote_ident(login)
        ))
    }
}

/// The database refused: as tokctl's forbidden (exit 5).
fn denied(message: String) -> Error {
    StoreError::new(StoreErrorKind::Denied, message).into()
}

/// `login` must be a well-formed name of an existing role.
fn require_login(q: &Queries<'_>, login: &str) -> Result<()> {
    check_login_name(login)?;
    let exists: bool = q
        .one(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1)",
            &[&login],
        )?
        .try_get(0)
        .map_err(query_error)?;
    if exists {
        Ok(())
    } else {
        Err(Error::NotFound {
            kind: "database login",
            name: crate::error::quote_for_message(login),
        })
    }
}

/// Creates a NOLOGIN group role unless it exists; another `team init` of
/// another database on the same server may create it at the same moment.
fn create_group_role(q: &Queries<'_>, role: &str) -> Result<()> {
    q.batch(&format!(
        "DO $$
         BEGIN
             IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = '{role}') THEN
                 CREATE ROLE {role} NOLOGIN;
             END IF;
         EXCEPTION WHEN duplicate_object OR unique_violation THEN
             NULL;
         END
         $$"
    ))
}

/// Grants membership in `group` to `member` unless it holds it; a
/// concurrent grant of the same membership is not an error.
fn grant_membership(q: &Queries<'_>, group: &str, member: &str) -> Result<()> {
    let ident = quote_ident(member);
    q.batch(&format!(
        "DO $$
         BEGIN
             IF NOT pg_catalog.pg_has_role('{member}', '{group}', 'MEMBER') THEN
                 GRANT {group} TO {ident};
             END IF;
         EXCEPTION WHEN unique_violation THEN
             NULL;
         END
         $$"
    ))
}

/// A role name as an SQL identifier (after [`check_login_name`]).
fn quote_ident(name: &str) -> String {
    format!("\"{name}\"")
}

/// Login names tokctl passes to the server: letters, digits and `_ . - @`,
/// so they need no escaping as identifiers or literals.
fn check_login_name(login: &str) -> Result<()> {
    let fine = !login.is_empty()
        && login.len() <= 63
        && login
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '_' | '.' | '-' | '@'));
    if fine {
        Ok(())
    } else {
        Err(Error::invalid(
            "database login",
            login,
            "expected at most 63 letters, digits and _ . - @",
        ))
    }
}
