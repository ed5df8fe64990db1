//! The team store's bulk path: loading a whole store into an empty team
//! store with `COPY … FROM STDIN (FORMAT binary)`, through the owner-only
//! functions of migration 5 (`tokctl.begin_load`, `tokctl.finish_load`),
//! which switch the row checks off for the load's own transaction and link
//! the chain's head to the loaded events.

use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::{ToSql, Type};

use super::error::query_error;
use super::{get, PgStore, Queries};
use crate::error::Result;
use crate::store::{LoadEnd, Loader, Occupancy, RecordBatch, StoreError, StoreErrorKind, Tx};

/// The role a load acts as: the schema's owner, as `team init` runs the
/// migrations. Only its members and superusers may take it.
const OWNER_ROLE: &str = "tokctl_owner";

impl PgStore {
    /// Whether this login may load rows and the store is empty: the checks
    /// [`PgStore::load`] makes first, in a read-only transaction.
    pub fn check_load(&self) -> Result<()> {
        self.read_transaction(|q| {
            q.require_owner_role()?;
            q.batch(&format!("SET LOCAL ROLE {OWNER_ROLE}"))?;
            self.require_empty(q)
        })
    }

    /// Runs `work` with a loader in one write transaction under the
    /// writers' lock, acting as the schema's owner role, once this login
    /// may and the store is found empty; commits only if `work` returns
    /// `Ok` (and called [`Loader::finish`], or the database refuses).
    ///
    /// Unlike other writes, a load is not run again after a deadlock or a
    /// serialization failure: `work` reads its source once. It holds the
    /// writers' lock and the tables, so neither should happen; if one did,
    /// the copy fails whole and can be run again.
    pub fn load<T>(&mut self, work: impl FnOnce(&dyn Tx, &dyn Loader) -> Result<T>) -> Result<T> {
        let mut work = Some(work);
        self.transaction(|q| {
            q.require_owner_role()?;
            q.batch(&format!("SET LOCAL ROLE {OWNER_ROLE}"))?;
            self.require_empty(q)?;
            q.run("SELECT tokctl.begin_load()", &[])?;
            let Some(work) = work.take() else {
                return Err(crate::Error::request(
                    "the copy was interrupted by a conflict with another session; nothing was \
                     written: run it again",
                    crate::error::RequestProblem::Other,
                ));
            };
            work(q, q)
        })
    }

    /// [`crate::Error::StoreNotEmpty`] unless the store holds nothing.
    fn require_empty(&self, q: &Queries<'_>) -> Result<()> {
        let found = q.occupancy()?;
        if found.is_empty() {
            return Ok(());
        }
        Err(crate::Error::StoreNotEmpty {
            store: format!("the team store at {}", self.address()),
            found,
        })
    }

    /// Runs `work` in a read-only transaction of its own.
    fn read_transaction<T>(&self, work: impl FnOnce(&Queries<'_>) -> Result<T>) -> Result<T> {
        {
            let mut conn = self.conn.borrow_mut();
            conn.client
                .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                .map_err(query_error)?;
            conn.in_transaction = true;
        }
        let result = work(&self.read());
        let mut conn = self.conn.borrow_mut();
        conn.in_transaction = false;
        let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
        let ended = conn.client.batch_execute(end).map_err(query_error);
        let value = result?;
        ended?;
        Ok(value)
    }
}

impl Queries<'_> {
    /// Refuses, as the database would, a login that is neither a superuser
    /// nor a member of the schema's owner role: checked first for a clear
    /// message; `tokctl.begin_load` is granted to no one else anyway.
    fn require_owner_role(&self) -> Result<()> {
        let row = self.one(
            &format!(
                "SELECT pg_catalog.pg_has_role(session_user, '{OWNER_ROLE}', 'MEMBER'), \
                 session_user::text"
            ),
            &[],
        )?;
        if get::<bool>(&row, 0)? {
            return Ok(());
        }
        let login: String = get(&row, 1)?;
        Err(StoreError::new(
            StoreErrorKind::Denied,
            format!(
                "loading rows into a team store needs its database's owner (a member of \
                 {OWNER_ROLE}) or a superuser; '{login}' is neither"
            ),
        )
        .into())
    }

    /// How many rows the store holds (as the owner role, which row-level
    /// security lets see them all).
    fn occupancy(&self) -> Result<Occupancy> {
        let row = self.one(
            "SELECT (SELECT count(*) FROM tokctl.orgs), (SELECT count(*) FROM tokctl.users),
                    (SELECT count(*) FROM tokctl.tokens), (SELECT count(*) FROM tokctl.token_usage),
                    (SELECT count(*) FROM tokctl.audit_events)
                    + (SELECT count(*) FROM tokctl.meta WHERE key = 'audit_checkpoint')",
            &[],
        )?;
        let count = |index: usize| get::<i64>(&row, index).map(|n| n.max(0) as u64);
        Ok(Occupancy {
            orgs: count(0)?,
            users: count(1)?,
            tokens: count(2)?,
            usage_hours: count(3)?,
            events: count(4)?,
        })
    }

    /// Streams `rows` into `table` with one binary `COPY`.
    fn copy_rows<R>(
        &self,
        table: &str,
        columns: &[(&str, Type)],
        rows: &[R],
        values: impl Fn(&R, &mut dyn FnMut(&[&(dyn ToSql + Sync)]) -> Result<()>) -> Result<()>,
    ) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
        let types: Vec<Type> = columns.iter().map(|(_, kind)| kind.clone()).collect();
        let sql = format!(
            "COPY tokctl.{table} ({}) FROM STDIN (FORMAT binary)",
            names.join(", ")
        );
        let mut conn = self.store.conn.borrow_mut();
        let writer = conn.client.copy_in(&sql).map_err(query_error)?;
        let mut writer = BinaryCopyInWriter::new(writer, &types);
        for row in rows {
            values(row, &mut |fields| writer.write(fields).map_err(query_error))?;
        }
        writer.finish().map_err(query_error)?;
        Ok(())
    }
}

/// PostgreSQL loads each list with one binary `COPY`, as the schema's owner
/// role with the row checks switched off by `tokctl.begin_load`.
impl Loader for Queries<'_> {
    fn load(&self, batch: &RecordBatch) -> Result<()> {
        let seconds = |at: Option<crate::clock::Timestamp>| at.map(|at| at.timestamp());
        let (int8, text, bytea, boolean) = (Type::INT8, Type::TEXT, Type::BYTEA, Type::BOOL);
        self.copy_rows(
            "orgs",
            &[
                ("id", int8.clone()),
                ("name", text.clone()),
                ("created_at", int8.clone()),
            ],
            &batch.orgs,
            |org, write| write(&[&org.key, &org.name, &org.created_at.timestamp()]),
        )?;
        self.copy_rows(
            "users",
            &[
                ("id", int8.clone()),
                ("name", text.clone()),
                ("created_at", int8.clone()),
                ("display_name", text.clone()),
                ("email", text.clone()),
                ("kind", text.clone()),
                ("removed_at", int8.clone()),
            ],
            &batch.users,
            |user, write| {
                write(&[
                    &user.key,
                    &user.name,
                    &user.created_at.timestamp(),
                    &user.display_name,
                    &user.email,
                    &user.kind,
                    &seconds(user.removed_at),
                ])
            },
        )?;
        self.copy_rows(
            "memberships",
            &[
                ("org_id", int8.clone()),
                ("user_id", int8.clone()),
                ("role", text.clone()),
                ("created_at", int8.clone()),
            ],
            &batch.memberships,
            |membership, write| {
                write(&[
                    &membership.org,
                    &membership.user,
                    &membership.role.as_str(),
                    &membership.created_at.timestamp(),
                ])
            },
        )?;
        self.copy_rows(
            "org_policies",
            &[
                ("org_id", int8.clone()),
                ("max_lifetime", text.clone()),
                ("require_expiry", boolean),
                ("member_tokens", text.clone()),
                ("allowed_scopes", text.clone()),
                ("max_tokens", int8.clone()),
            ],
            &batch.policies,
            |policy, write| {
                write(&[
                    &policy.org,
                    &policy.max_lifetime,
                    &policy.require_expiry,
                    &policy.member_tokens,
                    &policy.allowed_scopes,
                    &policy.max_tokens,
                ])
            },
        )?;
        self.copy_rows(
            "tokens",
            &[
                ("id", int8.clone()),
                ("kind", text.clone()),
                ("org_id", int8.clone()),
                ("owner_user_id", int8.clone()),
                ("name", text.clone()),
                ("description", text.clone()),
                ("scopes", text.clone()),
                ("secret_hash", bytea.clone()),
                ("created_at", int8.clone()),
                ("created_by", int8.clone()),
                ("expires_at", int8.clone()),
                ("last_used_at", int8.clone()),
                ("use_count", int8.clone()),
                ("revoked_at", int8.clone()),
                ("revoked_by", int8.clone()),
                ("revoke_reason", text.clone()),
                ("issued_at", int8.clone()),
                ("deactivated_at", int8.clone()),
                ("deactivated_by", int8.clone()),
                ("deactivate_reason", text.clone()),
            ],
            &batch.tokens,
            |token, write| {
                write(&[
                    &token.id.key(),
                    &token.kind.as_str(),
                    &token.org,
                    &token.owner,
                    &token.name,
                    &token.description,
                    &token.scopes.to_stored(),
                    &&token.secret_hash[..],
                    &token.created_at.timestamp(),
                    &token.created_by,
                    &seconds(token.expires_at),
                    &seconds(token.last_used_at),
                    &i64::try_from(token.use_count).unwrap_or(i64::MAX),
                    &seconds(token.revoked_at),
                    &token.revoked_by,
                    &token.revoke_reason,
                    &token.issued_at.timestamp(),
                    &seconds(token.deactivated_at),
                    &token.deactivated_by,
                    &token.deactivate_reason,
                ])
            },
        )?;
        self.copy_rows(
            "retired_secrets",
            &[
                ("token_id", int8.clone()),
                ("secret_hash", bytea.clone()),
                ("rotated_at", int8.clone()),
                ("rotated_by", int8.clone()),
                ("valid_until", int8.clone()),
            ],
            &batch.retired_secrets,
            |retired, write| {
                write(&[
                    &retired.token.key(),
                    &retired.secret_hash,
                    &retired.rotated_at.timestamp(),
                    &retired.rotated_by,
                    &retired.valid_until.timestamp(),
                ])
            },
        )?;
        self.copy_rows(
            "token_usage",
            &[
                ("token_key", int8.clone()),
                ("hour", int8.clone()),
                ("uses", int8.clone()),
            ],
            &batch.usage,
            |usage, write| {
                write(&[
                    &usage.token.key(),
                    &usage.hour,
                    &i64::try_from(usage.uses).unwrap_or(i64::MAX),
                ])
            },
        )?;
        self.copy_rows(
            "audit_events",
            &[
                ("id", int8.clone()),
                ("at", int8.clone()),
                ("actor", text.clone()),
                ("action", text.clone()),
                ("outcome", text.clone()),
                ("org", text.clone()),
                ("token_id", int8.clone()),
                ("target", text.clone()),
                ("details", text.clone()),
                ("hash", bytea),
                ("os_user", text),
            ],
            &batch.events,
            |event, write| {
                write(&[
                    &event.id,
                    &event.at.timestamp(),
                    &event.actor,
                    &event.action,
                    &event.outcome,
                    &event.org,
                    &event.token_id,
                    &event.target,
                    &event.details,
                    &event.hash,
                    &event.os_user,
                ])
            },
        )
    }

    fn finish(&self, end: &LoadEnd) -> Result<()> {
        let checkpoint_id = end.checkpoint.as_ref().map(|checkpoint| checkpoint.id);
        let checkpoint_hash = end
            .checkpoint
            .as_ref()
            .map(|checkpoint| checkpoint.hash.as_slice());
        self.run(
            "SELECT tokctl.finish_load($1, $2, $3)",
            &[&end.next_token_key, &checkpoint_id, &checkpoint_hash],
        )?;
        Ok(())
    }
}
