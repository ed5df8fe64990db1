//! Queries on the audit trail and on retired secrets.

use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, OptionalExtension};

use super::error::{SqlError, SqlResult as Result};
use super::Queries;
use crate::audit::Checkpoint;
use crate::audit::{event_hash, Event, HashedFields, NewEvent, GENESIS, STORED_HASH_LEN};
use crate::clock::{from_unix, Timestamp};
use crate::model::TokenId;
use crate::store::{EventFilter, RetiredSecret, Rotation};

/// The columns of `audit_trail` an [`Event`] is read from, in
/// [`event_from_row`]'s order (listings and dumps select them so).
pub(super) const EVENT_COLUMNS: &str =
    "id, at, actor, action, outcome, org, token_id, target, details, hash, os_user";

/// An event from a row of [`EVENT_COLUMNS`] of `audit_trail`, its names
/// turned back into text through `names`.
pub(super) fn event_from_row(
    names: &NameTable,
    row: &rusqlite::Row<'_>,
) -> rusqlite::Result<Event> {
    let name = |index: usize| -> rusqlite::Result<Option<String>> {
        match row.get::<_, Option<i64>>(index)? {
            None => Ok(None),
            Some(id) => match names.by_id.get(&id) {
                Some(name) => Ok(Some(name.clone())),
                None => Err(rusqlite::Error::FromSqlConversionFailure(
                    index,
                    rusqlite::types::Type::Integer,
                    "an audit event names an unknown audit name".into(),
                )),
            },
        }
    };
    let required = |index: usize| -> rusqlite::Result<String> {
        name(index)?.ok_or(rusqlite::Error::InvalidColumnType(
            index,
            "action or outcome".into(),
            rusqlite::types::Type::Null,
        ))
    };
    Ok(Event {
        id: row.get(0)?,
        at: from_unix(row.get(1)?),
        actor: name(2)?,
        action: required(3)?,
        outcome: required(4)?,
        org: name(5)?,
        token_id: row.get(6)?,
        target: row.get(7)?,
        details: row.get(8)?,
        hash: row.get(9)?,
        os_user: name(10)?,
    })
}

/// Every name in `audit_names`, both ways: what a read of events needs to
/// turn numbers back into text and filters into numbers.
pub(super) struct NameTable {
    by_id: std::collections::HashMap<i64, String>,
    by_name: std::collections::HashMap<String, i64>,
}

impl NameTable {
    pub(super) fn load(conn: &rusqlite::Connection) -> Result<NameTable> {
        let mut stmt = conn.prepare_cached("SELECT id, name FROM audit_names")?;
        let rows = stmt.query_map([], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
        })?;
        let mut table = NameTable {
            by_id: std::collections::HashMap::new(),
            by_name: std::collections::HashMap::new(),
        };
        for row in rows {
            let (id, name) = row?;
            table.by_name.insert(name.clone(), id);
            table.by_id.insert(id, name);
        }
        Ok(table)
    }

    /// The number of `name`, or one no name has (so a filter on a name
    /// never written matches nothing).
    fn id_or_none(&self, name: &str) -> i64 {
        self.by_name.get(name).copied().unwrap_or(-1)
    }
}

impl Queries<'_> {
    /// Appends an event to the chain. Call inside the write transaction of
    /// the change it records, so both commit or neither does.
    pub fn append_event(&self, event: &NewEvent) -> Result<i64> {
        // The head this transaction appended last, else the stored one.
        let head = match self.chain_head.and_then(|head| head.borrow().clone()) {
            Some(head) => Some(head),
            None => self.audit_head()?,
        };
        let (prev_id, previous_hash) = match head {
            Some(head) => (head.id, head.hash),
            None => (0, GENESIS.to_vec()),
        };
        let id = prev_id + 1;
        let details = event.details.to_string();
        let token_id = event.token_id.map(TokenId::as_i64);
        let fields = HashedFields {
            id,
            at: event.at.timestamp(),
            actor: event.actor.as_deref(),
            action: event.action,
            outcome: event.outcome.as_str(),
            org: event.org.as_deref(),
            token_id,
            target: event.target.as_deref(),
            details: &details,
            os_user: event.os_user.as_deref(),
        };
        let hash = event_hash(&previous_hash, &fields);
        let name = |text: Option<&str>| text.map(|text| self.audit_name_id(text)).transpose();
        let (actor, action, outcome, org, os_user) = (
            name(fields.actor)?,
            name(Some(fields.action))?,
            name(Some(fields.outcome))?,
            name(fields.org)?,
            name(fields.os_user)?,
        );
        self.conn
            .prepare_cached(
                "INSERT INTO audit_trail (id, at, actor, action, outcome, org, token_id, target, details, hash, os_user)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?
            .execute(params![
                id,
                fields.at,
                actor,
                action,
                outcome,
                org,
                token_id,
                fields.target,
                details,
                &hash[..STORED_HASH_LEN],
                os_user,
            ])?;
        if let Some(head) = self.chain_head {
            head.replace(Some(Checkpoint {
                id,
                hash: hash[..STORED_HASH_LEN].to_vec(),
            }));
        }
        Ok(id)
    }

    /// The number `audit_names` gives `text`, added if it has none yet.
    /// Names are read once per connection (they never change or go away);
    /// one added by a transaction is kept only once that commits
    /// (`SqliteStore::write`), as a rolled-back one never existed.
    pub(super) fn audit_name_id(&self, text: &str) -> Result<i64> {
        if let Some(id) = self.audit_names.and_then(|names| names.get(text)) {
            return Ok(id);
        }
        let found: Option<i64> = self
            .conn
            .prepare_cached("SELECT id FROM audit_names WHERE name = ?1")?
            .query_row([text], |row| row.get(0))
            .optional()?;
        let id = match found {
            Some(id) => id,
            None => {
                self.conn
                    .prepare_cached("INSERT INTO audit_names (name) VALUES (?1)")?
                    .execute([text])?;
                self.conn.last_insert_rowid()
            }
        };
        if let Some(names) = self.audit_names {
            names.remember(text, id, found.is_some());
        }
        Ok(id)
    }

    /// The newest event's id and hash (what the next event chains to): the
    /// newest stored event, else the retention checkpoint, else nothing.
    pub fn audit_head(&self) -> Result<Option<Checkpoint>> {
        let last = self
            .conn
            .prepare_cached("SELECT id, hash FROM audit_trail ORDER BY id DESC LIMIT 1")?
            .query_row([], |row| {
                Ok(Checkpoint {
                    id: row.get(0)?,
                    hash: row.get(1)?,
                })
            })
            .optional()?;
        match last {
            Some(last) => Ok(Some(last)),
            None => self.audit_checkpoint(),
        }
    }

    /// Calls `each` for every event the filter lets through, in id order,
    /// one row at a time.
    pub fn for_each_event<E: From<SqlError>>(
        &self,
        filter: &EventFilter,
        mut each: impl FnMut(Event) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let names = NameTable::load(self.conn).map_err(E::from)?;
        let mut clauses: Vec<String> = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        let mut bind = |value: Value| {
            values.push(value);
            format!("?{}", values.len())
        };
        if let Some(orgs) = &filter.orgs {
            let list: Vec<String> = orgs
                .iter()
                .map(|org| bind(Value::Integer(names.id_or_none(org))))
                .collect();
            let org_less = if filter.include_org_less {
                " OR org IS NULL"
            } else {
                ""
            };
            let tokens: Vec<String> = filter
                .also_tokens
                .iter()
                .map(|token| bind(Value::Integer(token.as_i64())))
                .collect();
            let also_tokens = if tokens.is_empty() {
                String::new()
            } else {
                format!(" OR token_id IN ({})", tokens.join(", "))
            };
            clauses.push(format!(
                "(org IN ({}){org_less}{also_tokens})",
                list.join(", ")
            ));
        }
        if let Some(token) = filter.token {
            clauses.push(format!(
                "token_id = {}",
                bind(Value::Integer(token.as_i64()))
            ));
        }
        if let Some(actor) = &filter.actor {
            clauses.push(format!(
                "actor = {}",
                bind(Value::Integer(names.id_or_none(actor)))
            ));
        }
        if let Some(action) = &filter.action {
            // `token` matches every `token.*` action; `token.revoke` only itself.
            let prefix = format!("{action}.");
            let mut matching: Vec<i64> = names
                .by_name
                .iter()
                .filter(|(name, _)| *name == action || name.starts_with(&prefix))
                .map(|(_, id)| *id)
                .collect();
            matching.sort_unstable();
            let list: Vec<String> = if matching.is_empty() {
                vec![bind(Value::Integer(-1))]
            } else {
                matching
                    .into_iter()
                    .map(|id| bind(Value::Integer(id)))
                    .collect()
            };
            clauses.push(format!("action IN ({})", list.join(", ")));
        }
        if let Some(since) = filter.since {
            clauses.push(format!("at >= {}", bind(Value::Integer(since.timestamp()))));
        }
        if let Some(until) = filter.until {
            clauses.push(format!("at < {}", bind(Value::Integer(until.timestamp()))));
        }
        let mut sql = format!("SELECT {EVENT_COLUMNS} FROM audit_trail");
        if !clauses.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&clauses.join(" AND "));
        }
        sql.push_str(" ORDER BY id");
        let mut stmt = self.conn.prepare_cached(&sql).map_err(SqlError::from)?;
        let mut rows = stmt
            .query(params_from_iter(values))
            .map_err(SqlError::from)?;
        while let Some(row) = rows.next().map_err(SqlError::from)? {
            each(event_from_row(&names, row).map_err(SqlError::from)?)?;
        }
        Ok(())
    }

    /// The newest event at or before `cutoff`: where a retention prune stops.
    pub fn last_event_before(&self, cutoff: Timestamp) -> Result<Option<Checkpoint>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, hash FROM audit_trail WHERE id = (SELECT max(id) FROM audit_trail WHERE at < ?1)",
        )?;
        Ok(stmt
            .query_row([cutoff.timestamp()], |row| {
                Ok(Checkpoint {
                    id: row.get(0)?,
                    hash: row.get(1)?,
                })
            })
            .optional()?)
    }

    /// How many events there are up to and including `checkpoint`.
    pub fn count_events_through(&self, checkpoint: &Checkpoint) -> Result<u64> {
        let count: i64 = self
            .conn
            .prepare_cached("SELECT count(*) FROM audit_trail WHERE id <= ?1")?
            .query_row([checkpoint.id], |row| row.get(0))?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// Deletes every event up to and including `checkpoint` and records it,
    /// so the remaining chain verifies from there. Returns how many went.
    pub fn prune_events_through(&self, checkpoint: &Checkpoint) -> Result<u64> {
        // The head is read from the store again after this.
        if let Some(head) = self.chain_head {
            head.replace(None);
        }
        let removed = self
            .conn
            .prepare_cached("DELETE FROM audit_trail WHERE id <= ?1")?
            .execute([checkpoint.id])?;
        self.conn
            .prepare_cached(
                "INSERT INTO meta (key, value) VALUES ('audit_checkpoint', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )?
            .execute([checkpoint.to_string()])?;
        Ok(removed as u64)
    }

    /// The retention checkpoint, if events were pruned.
    pub fn audit_checkpoint(&self) -> Result<Option<Checkpoint>> {
        let value: Option<String> = self
            .conn
            .prepare_cached("SELECT value FROM meta WHERE key = 'audit_checkpoint'")?
            .query_row([], |row| row.get(0))
            .optional()?;
        // An unreadable checkpoint reads as none: the walk then starts at
        // the genesis and reports the missing events.
        Ok(value.and_then(|value| value.parse().ok()))
    }

    /// Old secrets of a token.
    pub fn retired_secrets(&self, token: TokenId) -> Result<Vec<RetiredSecret>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT secret_hash, rotated_at, valid_until FROM retired_secrets
             WHERE token_id = ?1 ORDER BY rotated_at",
        )?;
        let rows = stmt.query_map([token.key()], |row| {
            Ok(RetiredSecret {
                hash: row.get(0)?,
                rotated_at: from_unix(row.get(1)?),
                valid_until: from_unix(row.get(2)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Gives a token a new secret, keeping the old one valid until its grace
    /// deadline. Every secret retired earlier ends now: at most the one
    /// replaced by this rotation still works afterwards.
    pub fn rotate_secret(&self, rotation: &Rotation<'_>) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE retired_secrets SET valid_until = ?2
                 WHERE token_id = ?1 AND valid_until > ?2",
            )?
            .execute(params![rotation.token.key(), rotation.at.timestamp()])?;
        self.conn
            .prepare_cached(
                "INSERT INTO retired_secrets (token_id, secret_hash, rotated_at, rotated_by, valid_until)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                rotation.token.key(),
                rotation.old_hash,
                rotation.at.timestamp(),
                rotation.by.raw(),
                rotation.old_valid_until.timestamp()
            ])?;
        self.conn
            .prepare_cached(
                "UPDATE tokens SET secret_hash = ?2, expires_at = ?3, issued_at = ?4 WHERE id = ?1",
            )?
            .execute(params![
                rotation.token.key(),
                &rotation.new_hash[..],
                rotation.expires_at.map(|t| t.timestamp()),
                rotation.at.timestamp(),
            ])?;
        Ok(())
    }

    /// The current secret digest of a token.
    pub fn secret_hash(&self, token: TokenId) -> Result<Option<Vec<u8>>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT secret_hash FROM tokens WHERE id = ?1")?;
        Ok(stmt.query_row([token.key()], |row| row.get(0)).optional()?)
    }
}

impl Queries<'_> {
    /// `PRAGMA integrity_check`: empty when the file is sound.
    pub fn integrity_problems(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
        let rows = stmt.query_map([], |row| row.get::<_, String>(0))?;
        let problems: Vec<String> = rows.collect::<rusqlite::Result<_>>()?;
        Ok(problems.into_iter().filter(|line| line != "ok").collect())
    }

    /// How many events of `action` each token (public id) has.
    pub fn event_counts_by_token(
        &self,
        action: &str,
    ) -> Result<std::collections::HashMap<i64, u64>> {
        let mut stmt = self.conn.prepare(
            "SELECT token_id, count(*) FROM audit_trail
             WHERE action = (SELECT id FROM audit_names WHERE name = ?1) AND token_id IS NOT NULL
             GROUP BY token_id",
        )?;
        let rows = stmt.query_map([action], |row| {
            Ok((row.get(0)?, row.get::<_, i64>(1)?.max(0) as u64))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every token as (public id, revoked?, rotations).
    pub fn token_change_summary(&self) -> Result<Vec<(TokenId, bool, u64)>> {
        let mut stmt = self.conn.prepare(
            "SELECT t.id, t.revoked_at IS NOT NULL,
                    (SELECT count(*) FROM retired_secrets r WHERE r.token_id = t.id)
             FROM tokens t ORDER BY t.id",
        )?;
        let rows = stmt.query_map([], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, bool>(1)?,
                row.get::<_, i64>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (key, revoked, rotations) = row?;
            let id = TokenId::from_key(key)
                .ok_or_else(|| crate::store::StoreError::corrupt("an invalid token key"))?;
            out.push((id, revoked, rotations.max(0) as u64));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use rusqlite::Connection;

    use super::super::{register_migration_functions, Queries, MIGRATIONS};
    use crate::store::EventFilter;

    type Row = (
        i64,
        i64,
        Option<String>,
        String,
        String,
        Option<String>,
        Option<i64>,
        Option<String>,
        String,
        Vec<u8>,
        Option<String>,
    );

    fn rows(conn: &Connection) -> Vec<Row> {
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {} FROM audit_events ORDER BY id",
                super::EVENT_COLUMNS
            ))
            .unwrap();
        stmt.query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
                r.get(9)?,
                r.get(10)?,
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
    }

    /// Moving events to numbered names (migration 0011) keeps every event
    /// exactly as it was: through the view that keeps the old table's
    /// name, and through tokctl's own reads.
    #[test]
    fn events_read_the_same_before_and_after_their_names_are_numbered() {
        let conn = Connection::open_in_memory().unwrap();
        register_migration_functions(&conn).unwrap();
        let numbered = MIGRATIONS
            .iter()
            .position(|m| m.contains("CREATE TABLE audit_names"))
            .unwrap();
        for migration in &MIGRATIONS[..numbered] {
            conn.execute_batch(migration).unwrap();
        }
        conn.execute_batch(
            "INSERT INTO audit_events (id, at, actor, action, outcome, org, token_id, target, details, hash, os_user)
             VALUES (1, 100, 'alice', 'store.bootstrap', 'ok', 'default', NULL, 'alice', '{}', x'01', NULL),
                    (2, 101, 'alice', 'token.create', 'ok', 'default', 42, 'ci', '{\"a\":1}', x'02', 'alice (uid 1000)'),
                    (3, 102, NULL, 'token.verify', 'denied', NULL, NULL, NULL, '{}', x'03', 'bob (uid 1001)'),
                    (4, 103, 'bob', 'token.create', 'ok', 'acme', 43, 'cd', '{}', x'04', 'bob (uid 1001)');",
        )
        .unwrap();
        let before = rows(&conn);
        for migration in &MIGRATIONS[numbered..] {
            conn.execute_batch(migration).unwrap();
        }
        assert_eq!(rows(&conn), before);
        let names: i64 = conn
            .query_row("SELECT count(*) FROM audit_names", [], |r| r.get(0))
            .unwrap();
        assert_eq!(names, 11, "each distinct text once");

        let queries = Queries {
            conn: &conn,
            journal: None,
            chain_head: None,
            next_token_key: None,
            audit_names: None,
        };
        let mut read = Vec::new();
        queries
            .for_each_event(&EventFilter::default(), |event| {
                read.push(event);
                Ok::<_, super::SqlError>(())
            })
            .unwrap();
        let read: Vec<Row> = read
            .into_iter()
            .map(|e| {
                (
                    e.id,
                    e.at.timestamp(),
                    e.actor,
                    e.action,
                    e.outcome,
                    e.org,
                    e.token_id,
                    e.target,
                    e.details,
                    e.hash,
                    e.os_user,
                )
            })
            .collect();
        assert_eq!(read, before);

        // Filters by text find the numbered names, and only them.
        let mut found = Vec::new();
        let filter = EventFilter {
            action: Some("token".into()),
            actor: Some("bob".into()),
            ..EventFilter::default()
        };
        queries
            .for_each_event(&filter, |event| {
                found.push(event.id);
                Ok::<_, super::SqlError>(())
            })
            .unwrap();
        assert_eq!(found, [4]);

        // Edits of the stored rows show through the view.
        conn.execute_batch(
            "INSERT INTO audit_names (name) VALUES ('mallory');
             UPDATE audit_trail SET actor = (SELECT id FROM audit_names WHERE name = 'mallory')
             WHERE id = 2;
             DELETE FROM audit_trail WHERE id = 3;",
        )
        .unwrap();
        let after = rows(&conn);
        assert_eq!(after.len(), 3);
        assert_eq!(after[1].2.as_deref(), Some("mallory"));
    }
}
