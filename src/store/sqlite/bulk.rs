//! The bulk path of the local store: reading every row as stored (the
//! source of `store copy`) and loading rows into an empty store
//! ([`crate::store::Loader`]).

use rusqlite::{params, OptionalExtension, Row};

use super::audit::{event_from_row, NameTable, EVENT_COLUMNS};
use super::error::SqlResult as Result;
use super::Queries;
use crate::audit::Checkpoint;
use crate::clock::from_unix;
use crate::model::TokenId;
use crate::scope::ScopeSet;
use crate::store::{
    DumpSink, LoadEnd, MembershipRecord, Occupancy, OrgRecord, PolicyRecord, RecordBatch,
    RetiredRecord, StoreError, StoreFacts, StoreRecord, TokenRecord, UsageRecord, UserRecord,
};

/// A value the store should never hold, as the error a row mapping returns.
fn corrupt(index: usize, what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        index,
        rusqlite::types::Type::Text,
        format!("invalid {what} in store").into(),
    )
}

fn token_id(row: &Row<'_>, index: usize) -> rusqlite::Result<TokenId> {
    TokenId::from_key(row.get(index)?).ok_or_else(|| corrupt(index, "token key"))
}

fn time(row: &Row<'_>, index: usize) -> rusqlite::Result<Option<crate::clock::Timestamp>> {
    Ok(row.get::<_, Option<i64>>(index)?.map(from_unix))
}

fn token_record(row: &Row<'_>) -> rusqlite::Result<TokenRecord> {
    let kind: String = row.get(1)?;
    let scopes: String = row.get(6)?;
    let hash: Vec<u8> = row.get(7)?;
    Ok(TokenRecord {
        id: token_id(row, 0)?,
        kind: kind.parse().map_err(|_| corrupt(1, "token kind"))?,
        org: row.get(2)?,
        owner: row.get(3)?,
        name: row.get(4)?,
        description: row.get(5)?,
        scopes: ScopeSet::parse_stored(&scopes).map_err(|_| corrupt(6, "scopes"))?,
        secret_hash: hash.try_into().map_err(|_| corrupt(7, "secret digest"))?,
        created_at: from_unix(row.get(8)?),
        created_by: row.get(9)?,
        expires_at: time(row, 10)?,
        last_used_at: time(row, 11)?,
        use_count: row.get::<_, i64>(12)?.max(0) as u64,
        revoked_at: time(row, 13)?,
        revoked_by: row.get(14)?,
        revoke_reason: row.get(15)?,
        issued_at: from_unix(row.get(16)?),
        deactivated_at: time(row, 17)?,
        deactivated_by: row.get(18)?,
        deactivate_reason: row.get(19)?,
    })
}

/// How many rows the tables of [`TABLES`] hold together (in the dump's
/// snapshot: the same read transaction).
const ROW_COUNT: &str = "SELECT (SELECT count(*) FROM orgs) + (SELECT count(*) FROM users)
    + (SELECT count(*) FROM memberships) + (SELECT count(*) FROM org_policies)
    + (SELECT count(*) FROM tokens) + (SELECT count(*) FROM retired_secrets)
    + (SELECT count(*) FROM token_usage) + (SELECT count(*) FROM audit_events)";

/// Every table a dump reads, in the order a load needs them, with how its
/// rows become records; the audit trail comes last, read on its own (its
/// names are numbers into `audit_names`, see [`Queries::dump`]).
type Mapping = fn(&Row<'_>) -> rusqlite::Result<StoreRecord>;

const TABLES: &[(&str, Mapping)] = &[
    ("SELECT id, name, created_at FROM orgs ORDER BY id", |row| {
        Ok(StoreRecord::Org(OrgRecord {
            key: row.get(0)?,
            name: row.get(1)?,
            created_at: from_unix(row.get(2)?),
        }))
    }),
    (
        "SELECT id, name, created_at, display_name, email, kind, removed_at FROM users ORDER BY id",
        |row| {
            Ok(StoreRecord::User(UserRecord {
                key: row.get(0)?,
                name: row.get(1)?,
                created_at: from_unix(row.get(2)?),
                display_name: row.get(3)?,
                email: row.get(4)?,
                kind: row.get(5)?,
                removed_at: row.get::<_, Option<i64>>(6)?.map(from_unix),
            }))
        },
    ),
    (
        "SELECT org_id, user_id, role, created_at FROM memberships ORDER BY org_id, user_id",
        |row| {
            let role: String = row.get(2)?;
            Ok(StoreRecord::Membership(MembershipRecord {
                org: row.get(0)?,
                user: row.get(1)?,
                role: role.parse().map_err(|_| corrupt(2, "role"))?,
                created_at: from_unix(row.get(3)?),
            }))
        },
    ),
    (
        "SELECT org_id, max_lifetime, require_expiry, member_tokens, allowed_scopes, max_tokens
         FROM org_policies ORDER BY org_id",
        |row| {
            Ok(StoreRecord::Policy(PolicyRecord {
                org: row.get(0)?,
                max_lifetime: row.get(1)?,
                require_expiry: row.get(2)?,
                member_tokens: row.get(3)?,
                allowed_scopes: row.get(4)?,
                max_tokens: row.get(5)?,
            }))
        },
    ),
    (
        "SELECT id, kind, org_id, owner_user_id, name, description, scopes, secret_hash,
                created_at, created_by, expires_at, last_used_at, use_count, revoked_at,
                revoked_by, revoke_reason, issued_at, deactivated_at, deactivated_by,
                deactivate_reason
         FROM tokens ORDER BY id",
        |row| Ok(StoreRecord::Token(Box::new(token_record(row)?))),
    ),
    (
        "SELECT token_id, secret_hash, rotated_at, rotated_by, valid_until
         FROM retired_secrets ORDER BY token_id, rotated_at, rowid",
        |row| {
            Ok(StoreRecord::Retired(RetiredRecord {
                token: token_id(row, 0)?,
                secret_hash: row.get(1)?,
                rotated_at: from_unix(row.get(2)?),
                rotated_by: row.get(3)?,
                valid_until: from_unix(row.get(4)?),
            }))
        },
    ),
    (
        "SELECT token_key, hour, uses FROM token_usage ORDER BY token_key, hour",
        |row| {
            Ok(StoreRecord::Usage(UsageRecord {
                token: token_id(row, 0)?,
                hour: row.get(1)?,
                uses: row.get::<_, i64>(2)?.max(0) as u64,
            }))
        },
    ),
];

impl Queries<'_> {
    /// Sends the store's facts, then every row as [`TABLES`] lists them,
    /// to `sink` until it breaks. The caller holds one read transaction
    /// around it, so all of it is one snapshot.
    pub fn dump(&self, sink: &mut dyn DumpSink) -> Result<()> {
        sink.facts(&self.facts()?);
        for (sql, mapping) in TABLES {
            let mut statement = self.conn.prepare(sql)?;
            let mut rows = statement.query([])?;
            while let Some(row) = rows.next()? {
                if sink.record(mapping(row)?).is_break() {
                    return Ok(());
                }
            }
        }
        // Events are read from the table itself with the listing's row
        // mapper and the names it numbers, not through the `audit_events`
        // view (a join per name and row).
        let names = NameTable::load(self.conn)?;
        let mut statement = self.conn.prepare(&format!(
            "SELECT {EVENT_COLUMNS} FROM audit_trail ORDER BY id"
        ))?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let event = event_from_row(&names, row)?;
            if sink.record(StoreRecord::Event(event)).is_break() {
                return Ok(());
            }
        }
        Ok(())
    }

    /// The store's id, token-key counter and retention checkpoint.
    fn facts(&self) -> Result<StoreFacts> {
        let next_token_key: i64 = self
            .conn
            .query_row(
                "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'next_token_key'",
                [],
                |row| row.get(0),
            )
            .optional()?
            .unwrap_or(1);
        let rows: i64 = self.conn.query_row(ROW_COUNT, [], |row| row.get(0))?;
        Ok(StoreFacts {
            store_id: self.store_id()?,
            next_token_key,
            checkpoint: self.audit_checkpoint()?,
            rows: rows.max(0) as u64,
        })
    }

    /// How many rows the store holds, for the emptiness check of a load.
    pub fn occupancy(&self) -> Result<Occupancy> {
        let count = |sql: &str| -> Result<u64> {
            let n: i64 = self.conn.query_row(sql, [], |row| row.get(0))?;
            Ok(n.max(0) as u64)
        };
        Ok(Occupancy {
            orgs: count("SELECT count(*) FROM orgs")?,
            users: count("SELECT count(*) FROM users")?,
            tokens: count("SELECT count(*) FROM tokens")?,
            usage_hours: count("SELECT count(*) FROM token_usage")?,
            events: count(
                "SELECT (SELECT count(*) FROM audit_trail)
                      + (SELECT count(*) FROM meta WHERE key = 'audit_checkpoint')",
            )?,
        })
    }

    /// Inserts a batch as it is (the write transaction is the caller's).
    pub fn load_batch(&self, batch: &RecordBatch) -> Result<()> {
        let mut insert = self
            .conn
            .prepare_cached("INSERT INTO orgs (id, name, created_at) VALUES (?1, ?2, ?3)")?;
        for org in &batch.orgs {
            insert.execute(params![org.key, org.name, org.created_at.timestamp()])?;
        }
        let mut insert = self.conn.prepare_cached(
            "INSERT INTO users (id, name, created_at, display_name, email, kind, removed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for user in &batch.users {
            insert.execute(params![
                user.key,
                user.name,
                user.created_at.timestamp(),
                user.display_name,
                user.email,
                user.kind,
                user.removed_at.map(|at| at.timestamp()),
            ])?;
        }
        let mut insert = self.conn.prepare_cached(
            "INSERT INTO memberships (org_id, user_id, role, created_at) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for membership in &batch.memberships {
            insert.execute(params![
                membership.org,
                membership.user,
                membership.role.as_str(),
                membership.created_at.timestamp()
            ])?;
        }
        let mut insert = self.conn.prepare_cached(
            "INSERT INTO org_policies
                (org_id, max_lifetime, require_expiry, member_tokens, allowed_scopes, max_tokens)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for policy in &batch.policies {
            insert.execute(params![
                policy.org,
                policy.max_lifetime,
                policy.require_expiry,
                policy.member_tokens,
                policy.allowed_scopes,
                policy.max_tokens
            ])?;
        }
        let mut insert = self.conn.prepare_cached(
            "INSERT INTO tokens (id, kind, org_id, owner_user_id, name, description, scopes,
                secret_hash, created_at, created_by, expires_at, last_used_at, use_count,
                revoked_at, revoked_by, revoke_reason, issued_at, deactivated_at, deactivated_by,
                deactivate_reason)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                ?18, ?19, ?20)",
        )?;
        let seconds = |at: Option<crate::clock::Timestamp>| at.map(|at| at.timestamp());
        for token in &batch.tokens {
            insert.execute(params![
                token.id.key(),
                token.kind.as_str(),
                token.org,
                token.owner,
                token.name,
                token.description,
                token.scopes.to_stored(),
                &token.secret_hash[..],
                token.created_at.timestamp(),
                token.created_by,
                seconds(token.expires_at),
                seconds(token.last_used_at),
                i64::try_from(token.use_count).unwrap_or(i64::MAX),
                seconds(token.revoked_at),
                token.revoked_by,
                token.revoke_reason,
                token.issued_at.timestamp(),
                seconds(token.deactivated_at),
                token.deactivated_by,
                token.deactivate_reason,
            ])?;
        }
        let mut insert = self.conn.prepare_cached(
            "INSERT INTO retired_secrets (token_id, secret_hash, rotated_at, rotated_by, valid_until)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for retired in &batch.retired_secrets {
            insert.execute(params![
                retired.token.key(),
                retired.secret_hash,
                retired.rotated_at.timestamp(),
                retired.rotated_by,
                retired.valid_until.timestamp()
            ])?;
        }
        let mut insert = self.conn.prepare_cached(
            "INSERT INTO token_usage (token_key, hour, uses) VALUES (?1, ?2, ?3)",
        )?;
        for usage in &batch.usage {
            insert.execute(params![
                usage.token.key(),
                usage.hour,
                i64::try_from(usage.uses).unwrap_or(i64::MAX)
            ])?;
        }
        // Names go in as numbers into `audit_names`, as appended events'
        // do (see `audit::append_event`).
        let name = |text: Option<&str>| text.map(|text| self.audit_name_id(text)).transpose();
        for event in &batch.events {
            let (actor, action, outcome, org, os_user) = (
                name(event.actor.as_deref())?,
                name(Some(&event.action))?,
                name(Some(&event.outcome))?,
                name(event.org.as_deref())?,
                name(event.os_user.as_deref())?,
            );
            self.conn
                .prepare_cached(
                    "INSERT INTO audit_trail
                        (id, at, actor, action, outcome, org, token_id, target, details, hash,
                         os_user)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                )?
                .execute(params![
                    event.id,
                    event.at.timestamp(),
                    actor,
                    action,
                    outcome,
                    org,
                    event.token_id,
                    event.target,
                    event.details,
                    event.hash,
                    os_user
                ])?;
        }
        Ok(())
    }

    /// Ends a load: the events must run on from the checkpoint without a
    /// gap (the chain's head is the newest event here, so the next append
    /// links to it), and the token-key counter moves past the loaded keys.
    pub fn finish_load(&self, end: &LoadEnd) -> Result<()> {
        let start = end
            .checkpoint
            .as_ref()
            .map_or(0, |checkpoint| checkpoint.id);
        let (first, last, count): (Option<i64>, Option<i64>, i64) = self.conn.query_row(
            "SELECT min(id), max(id), count(*) FROM audit_trail",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )?;
        if let (Some(first), Some(last)) = (first, last) {
            if first != start + 1 || last - first + 1 != count {
                return Err(crate::Error::from(StoreError::new(
                    crate::store::StoreErrorKind::Constraint,
                    format!(
                        "the loaded audit events do not run on from event {start} without a gap"
                    ),
                ))
                .into());
            }
        }
        // The chain's head is the newest loaded event now: read it again.
        if let Some(head) = self.chain_head {
            head.replace(None);
        }
        // A counter this transaction advanced in memory is stored first, so
        // the update below moves on from it and nothing stores it over that.
        if let Some(next) = self.next_token_key.and_then(|counter| counter.take()) {
            self.store_next_token_key(next)?;
        }
        if let Some(checkpoint) = &end.checkpoint {
            self.conn.execute(
                "INSERT INTO meta (key, value) VALUES ('audit_checkpoint', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [Checkpoint::to_string(checkpoint)],
            )?;
        }
        self.conn.execute(
            "UPDATE meta SET value = CAST(max(CAST(value AS INTEGER), ?1,
                    coalesce((SELECT max(id) + 1 FROM tokens), 1)) AS TEXT)
             WHERE key = 'next_token_key'",
            [end.next_token_key],
        )?;
        Ok(())
    }
}

impl super::SqliteStore {
    /// Sends the store's facts and every row, as stored, to `sink` in one
    /// read transaction (one snapshot, while other processes go on writing).
    pub fn dump(&self, sink: &mut dyn DumpSink) -> crate::Result<()> {
        // DEFERRED: the snapshot starts at the first read and takes no write lock.
        self.conn
            .execute_batch("BEGIN DEFERRED")
            .map_err(super::SqlError::from)?;
        let result = self.read().dump(sink);
        let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
        let ended = self.conn.execute_batch(end).map_err(super::SqlError::from);
        result?;
        ended?;
        Ok(())
    }

    /// Whether rows may be loaded into this store: it must be empty.
    pub fn check_load(&self) -> crate::Result<()> {
        self.refuse_untrusted()?;
        require_empty(&self.read(), self.path())
    }

    /// Runs `work` with a loader in one write transaction, once the store
    /// is found empty inside it.
    pub fn load<T>(
        &mut self,
        work: impl FnOnce(&dyn crate::store::Tx, &dyn crate::store::Loader) -> crate::Result<T>,
    ) -> crate::Result<T> {
        let path = self.path.clone();
        self.transaction(|q| {
            require_empty(q, path.as_deref())?;
            work(q, q)
        })
    }
}

/// [`crate::Error::StoreNotEmpty`] unless the store holds nothing at all.
fn require_empty(q: &Queries<'_>, path: Option<&std::path::Path>) -> crate::Result<()> {
    let found = q.occupancy()?;
    if found.is_empty() {
        return Ok(());
    }
    Err(crate::Error::StoreNotEmpty {
        store: match path {
            Some(path) => format!("the store at {}", path.display()),
            None => "the store in memory".to_owned(),
        },
        found,
    })
}
