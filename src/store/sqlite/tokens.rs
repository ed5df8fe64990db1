//! Queries on tokens: insert, look up, filter, revoke, verify, usage.

use std::cell::Cell;

use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, OptionalExtension, Row};

use super::error::{SqlError, SqlResult as Result};
use super::Queries;
use crate::clock::{from_unix, Timestamp};
use crate::model::{Token, TokenId, TokenKind, TokenStatus};
use crate::scope::{Action, ScopeSet};
use crate::secret::SecretHash;
use crate::store::sql::{
    escape_like, hour_of, not_ended_sql, order_by, owner_status, status_sql, SECONDS_PER_HOUR,
};
use crate::store::{
    NewToken, OrgKey, TokenEdit, TokenFilter, TokenRow, UsagePeriod, UsageUpdate, UserKey,
    VerifyRow,
};

const TOKEN_SELECT: &str = "SELECT t.id, t.kind, o.name, u.name, t.name, t.description, t.scopes,
        t.created_at, c.name, t.expires_at, t.last_used_at, t.use_count, t.revoked_at, r.name,
        t.revoke_reason, t.org_id, t.owner_user_id, t.issued_at, t.deactivated_at, d.name,
        t.deactivate_reason, u.kind, u.removed_at
    FROM tokens t
    JOIN orgs o ON o.id = t.org_id
    LEFT JOIN users u ON u.id = t.owner_user_id
    JOIN users c ON c.id = t.created_by
    LEFT JOIN users r ON r.id = t.revoked_by
    LEFT JOIN users d ON d.id = t.deactivated_by";

fn token_from_row(row: &Row<'_>) -> rusqlite::Result<TokenRow> {
    let corrupt = |index: usize, what: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            index,
            rusqlite::types::Type::Text,
            format!("invalid {what} in store").into(),
        )
    };
    let id = TokenId::from_key(row.get(0)?).ok_or_else(|| corrupt(0, "token key"))?;
    let kind: String = row.get(1)?;
    let scopes: String = row.get(6)?;
    let time = |index: usize| row.get::<_, Option<i64>>(index).map(|t| t.map(from_unix));
    Ok(TokenRow {
        token: Token {
            id,
            kind: kind.parse().map_err(|_| corrupt(1, "token kind"))?,
            org: row.get(2)?,
            owner: row.get(3)?,
            name: row.get(4)?,
            description: row.get(5)?,
            scopes: ScopeSet::parse_stored(&scopes).map_err(|_| corrupt(6, "scopes"))?,
            created_at: from_unix(row.get(7)?),
            created_by: row.get(8)?,
            expires_at: time(9)?,
            last_used_at: time(10)?,
            use_count: row.get::<_, i64>(11)?.max(0) as u64,
            revoked_at: time(12)?,
            revoked_by: row.get(13)?,
            revoke_reason: row.get(14)?,
            issued_at: from_unix(row.get(17)?),
            deactivated_at: time(18)?,
            deactivated_by: row.get(19)?,
            deactivate_reason: row.get(20)?,
            owner_kind: row
                .get::<_, Option<String>>(21)?
                .map(|kind| kind.parse())
                .transpose()
                .map_err(|_| corrupt(21, "user kind"))?,
            owner_status: owner_status(row.get::<_, Option<String>>(21)?.is_some(), time(22)?),
        },
        org_key: OrgKey::from_raw(row.get(15)?),
        owner_key: row.get::<_, Option<i64>>(16)?.map(UserKey::from_raw),
    })
}

impl Queries<'_> {
    /// Inserts a new token.
    pub fn insert_token(&self, new: &NewToken<'_>) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO tokens (id, kind, org_id, owner_user_id, name, description, scopes,
                    secret_hash, created_at, created_by, expires_at, issued_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?9)",
            )?
            .execute(params![
                new.id.key(),
                new.kind.as_str(),
                new.org.raw(),
                new.owner.map(UserKey::raw),
                new.name,
                new.description,
                new.scopes.to_stored(),
                &new.hash[..],
                new.created_at.timestamp(),
                new.created_by.raw(),
                new.expires_at.map(|t| t.timestamp()),
            ])?;
        Ok(())
    }

    /// The id for the next token: the next storage key from the store's
    /// counter (never reused, even after a prune). Call inside the write
    /// transaction that inserts the token.
    pub fn allocate_token_id(&self) -> Result<TokenId> {
        loop {
            // Within a write transaction the counter is kept in memory after
            // its first read and stored once, before the commit
            // (`SqliteStore::write`): a bulk mint read and wrote it per token.
            let cached = self.next_token_key.and_then(Cell::get);
            let key: i64 = match cached {
                Some(key) => key,
                None => self
                    .conn
                    .prepare_cached(
                        "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'next_token_key'",
                    )?
                    .query_row([], |row| row.get(0))?,
            };
            let id = TokenId::from_key(key)
                .ok_or_else(|| crate::store::StoreError::corrupt("an invalid next token key"))?;
            let next = key.checked_add(1).ok_or_else(|| {
                crate::store::StoreError::corrupt("an exhausted token key counter")
            })?;
            match self.next_token_key {
                Some(counter) => counter.set(Some(next)),
                None => self.store_next_token_key(next)?,
            }
            // Keys converted from an older store are scattered; skip one if it is taken.
            let taken: bool = self
                .conn
                .prepare_cached("SELECT EXISTS (SELECT 1 FROM tokens WHERE id = ?1)")?
                .query_row([key], |row| row.get(0))?;
            if !taken {
                return Ok(id);
            }
        }
    }

    /// Stores the token key counter.
    pub(super) fn store_next_token_key(&self, next: i64) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE meta SET value = ?1 WHERE key = 'next_token_key'")?
            .execute([next.to_string()])?;
        Ok(())
    }

    /// Whether the owner already has a live (not revoked, not expired) token of this name.
    pub fn live_name_taken(
        &self,
        org: OrgKey,
        owner: Option<UserKey>,
        name: &str,
        now: Timestamp,
    ) -> Result<bool> {
        // Built once: every mint asks, and formatting the status rule each
        // time cost a twentieth of a bulk mint.
        static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let sql = SQL.get_or_init(|| {
            format!(
                "SELECT EXISTS (SELECT 1 FROM tokens
                    WHERE org_id = ?1 AND owner_user_id IS ?2 AND name = ?3 AND {})",
                not_ended_sql("", "?4")
            )
        });
        let mut stmt = self.conn.prepare_cached(sql)?;
        Ok(stmt.query_row(
            params![org.raw(), owner.map(UserKey::raw), name, now.timestamp()],
            |row| row.get(0),
        )?)
    }

    /// The token with this id.
    pub fn token(&self, id: TokenId) -> Result<Option<TokenRow>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("{TOKEN_SELECT} WHERE t.id = ?1"))?;
        Ok(stmt.query_row([id.key()], token_from_row).optional()?)
    }

    /// Calls `each` for every token the filter lets through, in order,
    /// one row at a time (memory stays flat however large the store).
    /// `each` may fail with its own error type, which stops the walk.
    pub fn for_each_token<E: From<SqlError>>(
        &self,
        filter: &TokenFilter,
        mut each: impl FnMut(TokenRow) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let (sql, values) = filter_sql(filter);
        let mut stmt = self.conn.prepare_cached(&sql).map_err(SqlError::from)?;
        let mut rows = stmt
            .query(params_from_iter(values))
            .map_err(SqlError::from)?;
        while let Some(row) = rows.next().map_err(SqlError::from)? {
            each(token_from_row(row).map_err(SqlError::from)?)?;
        }
        Ok(())
    }

    /// The id and name of every token the filter lets through, in order:
    /// no joins, for completions that offer names.
    pub fn for_each_token_name<E: From<SqlError>>(
        &self,
        filter: &TokenFilter,
        mut each: impl FnMut(TokenId, &str) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let (sql, values) = filter_sql_from(NAME_SELECT, filter);
        let mut stmt = self.conn.prepare_cached(&sql).map_err(SqlError::from)?;
        let mut rows = stmt
            .query(params_from_iter(values))
            .map_err(SqlError::from)?;
        while let Some(row) = rows.next().map_err(SqlError::from)? {
            let key: i64 = row.get(0).map_err(SqlError::from)?;
            let Some(id) = TokenId::from_key(key) else {
                return Err(
                    SqlError::from(rusqlite::Error::IntegralValueOutOfRange(0, key)).into(),
                );
            };
            let name = row
                .get_ref(1)
                .and_then(|v| Ok(v.as_str()?))
                .map_err(SqlError::from)?;
            each(id, name)?;
        }
        Ok(())
    }

    /// Every token the filter lets through.
    pub fn tokens(&self, filter: &TokenFilter) -> Result<Vec<TokenRow>> {
        let mut out = Vec::new();
        self.for_each_token(filter, |row| {
            out.push(row);
            Ok::<(), SqlError>(())
        })?;
        Ok(out)
    }

    /// Marks a token revoked; returns false if it already was.
    pub fn revoke_token(
        &self,
        id: TokenId,
        at: Timestamp,
        by: UserKey,
        reason: Option<&str>,
    ) -> Result<bool> {
        let changed = self
            .conn
            .prepare_cached(
                "UPDATE tokens SET revoked_at = ?2, revoked_by = ?3, revoke_reason = ?4
                 WHERE id = ?1 AND revoked_at IS NULL",
            )?
            .execute(params![id.key(), at.timestamp(), by.raw(), reason])?;
        Ok(changed == 1)
    }

    /// Deletes a token's row (and, by cascade, its retired secrets).
    pub fn delete_token(&self, id: TokenId) -> Result<()> {
        self.conn
            .prepare_cached("DELETE FROM tokens WHERE id = ?1")?
            .execute([id.key()])?;
        Ok(())
    }

    /// Marks a token deactivated; returns false if it already was or is revoked.
    pub fn deactivate_token(
        &self,
        id: TokenId,
        at: Timestamp,
        by: UserKey,
        reason: Option<&str>,
    ) -> Result<bool> {
        let changed = self
            .conn
            .prepare_cached(
                "UPDATE tokens SET deactivated_at = ?2, deactivated_by = ?3, deactivate_reason = ?4
                 WHERE id = ?1 AND revoked_at IS NULL AND deactivated_at IS NULL",
            )?
            .execute(params![id.key(), at.timestamp(), by.raw(), reason])?;
        Ok(changed == 1)
    }

    /// Clears a token's deactivation; returns false if it was not deactivated or is revoked.
    pub fn activate_token(&self, id: TokenId) -> Result<bool> {
        let changed = self
            .conn
            .prepare_cached(
                "UPDATE tokens SET deactivated_at = NULL, deactivated_by = NULL,
                    deactivate_reason = NULL
                 WHERE id = ?1 AND revoked_at IS NULL AND deactivated_at IS NOT NULL",
            )?
            .execute([id.key()])?;
        Ok(changed == 1)
    }

    /// Rewrites a token's name, description, scopes and expiry; false if gone or revoked.
    pub fn edit_token(&self, edit: &TokenEdit<'_>) -> Result<bool> {
        let changed = self
            .conn
            .prepare_cached(
                "UPDATE tokens SET name = ?2, description = ?3, scopes = ?4, expires_at = ?5
                 WHERE id = ?1 AND revoked_at IS NULL",
            )?
            .execute(params![
                edit.token.key(),
                edit.name,
                edit.description,
                edit.scopes.to_stored(),
                edit.expires_at.map(|t| t.timestamp()),
            ])?;
        Ok(changed == 1)
    }

    /// The one read on the verify path: a rowid lookup, decoded without
    /// copying what it can borrow (names of the org and owner come from the
    /// session's cache, see `ops::verify`).
    ///
    /// It reads the row with the greatest key not above the token's, and
    /// returns it only if it is the token's: a key the store does not hold
    /// thus costs one seek and one decoded row, as a held key does, instead
    /// of a cheaper miss that would tell which ids exist.
    pub fn verify_row(&self, id: TokenId) -> Result<Option<VerifyRow>> {
        // Written tight: the statement cache hashes this text twice per
        // call (taking the statement and putting it back), a tenth of the
        // lookup's own cost when it was spread over three indented lines.
        let mut stmt = self.conn.prepare_cached(
            "SELECT id,kind,secret_hash,expires_at,revoked_at,scopes,org_id,owner_user_id,name,\
             deactivated_at FROM tokens WHERE id<=?1 ORDER BY id DESC LIMIT 1",
        )?;
        let corrupt = |index: usize, what: &str| {
            rusqlite::Error::FromSqlConversionFailure(
                index,
                rusqlite::types::Type::Blob,
                format!("invalid {what} in store").into(),
            )
        };
        let row = stmt
            .query_row([id.key()], |row| {
                let key: i64 = row.get(0)?;
                let kind = match row.get_ref(1)?.as_str()? {
                    "org" => TokenKind::Org,
                    "personal" => TokenKind::Personal,
                    _ => return Err(corrupt(1, "token kind")),
                };
                let hash: SecretHash = row
                    .get_ref(2)?
                    .as_blob()?
                    .try_into()
                    .map_err(|_| corrupt(2, "secret hash"))?;
                let decoded = VerifyRow {
                    kind,
                    hash,
                    expires_at: row.get::<_, Option<i64>>(3)?.map(from_unix),
                    revoked_at: row.get::<_, Option<i64>>(4)?.map(from_unix),
                    scopes: row.get(5)?,
                    org: OrgKey::from_raw(row.get(6)?),
                    owner: row.get::<_, Option<i64>>(7)?.map(UserKey::from_raw),
                    name: row.get(8)?,
                    deactivated_at: row.get::<_, Option<i64>>(9)?.map(from_unix),
                };
                Ok((key == id.key()).then_some(decoded))
            })
            .optional()?;
        Ok(row.flatten())
    }

    /// The org and name of a token, to label a coalesced refusal event
    /// (`None` once the token was pruned).
    pub fn token_label(&self, id: TokenId) -> Result<Option<(String, String)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT o.name, t.name FROM tokens t JOIN orgs o ON o.id = t.org_id WHERE t.id = ?1",
        )?;
        Ok(stmt
            .query_row([id.key()], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?)
    }

    /// Adds coalesced usage to tokens and to their hourly history (the hour
    /// of `last_used_at`: the caller keeps one update per token and hour).
    /// `last_used_at` never moves backwards.
    pub fn apply_usage(&self, updates: &[UsageUpdate]) -> Result<()> {
        let mut on_token = self.conn.prepare_cached(
            "UPDATE tokens SET use_count = use_count + ?2,
                last_used_at = max(coalesce(last_used_at, 0), ?3)
             WHERE id = ?1",
        )?;
        let mut in_history = self.conn.prepare_cached(
            "INSERT INTO token_usage (token_key, hour, uses) VALUES (?1, ?2, ?3)
             ON CONFLICT (token_key, hour) DO UPDATE SET uses = uses + excluded.uses",
        )?;
        for update in updates {
            if update.uses == 0 {
                continue;
            }
            let uses = update.uses.min(i64::MAX as u64) as i64;
            let at = update.last_used_at.timestamp();
            on_token.execute(params![update.id.key(), uses, at])?;
            in_history.execute(params![update.id.key(), hour_of(at), uses])?;
        }
        Ok(())
    }

    /// A token's uses per hour at or after `since`, oldest first.
    pub fn usage_history(&self, token: TokenId, since: Timestamp) -> Result<Vec<UsagePeriod>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT hour, uses FROM token_usage WHERE token_key = ?1 AND hour >= ?2 ORDER BY hour",
        )?;
        let rows = stmt.query_map(params![token.key(), hour_of(since.timestamp())], |row| {
            Ok(UsagePeriod {
                start: from_unix(row.get::<_, i64>(0)?.saturating_mul(SECONDS_PER_HOUR)),
                uses: row.get::<_, i64>(1)?.max(0) as u64,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// An org's uses per UTC day at or after `since` (tokens not yet pruned), oldest first.
    pub fn org_usage_by_day(&self, org: OrgKey, since: Timestamp) -> Result<Vec<UsagePeriod>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT u.hour / 24, sum(u.uses) FROM token_usage u JOIN tokens t ON t.id = u.token_key
             WHERE t.org_id = ?1 AND u.hour >= ?2 GROUP BY u.hour / 24 ORDER BY 1",
        )?;
        let rows = stmt.query_map(params![org.raw(), hour_of(since.timestamp())], |row| {
            Ok(UsagePeriod {
                start: from_unix(row.get::<_, i64>(0)?.saturating_mul(24 * SECONDS_PER_HOUR)),
                uses: row.get::<_, i64>(1)?.max(0) as u64,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Deletes use history from hours that ended before `cutoff` (audit retention).
    pub fn prune_usage_before(&self, cutoff: Timestamp) -> Result<u64> {
        let removed = self
            .conn
            .prepare_cached("DELETE FROM token_usage WHERE hour < ?1")?
            .execute([hour_of(cutoff.timestamp())])?;
        Ok(removed as u64)
    }
}

fn bind(value: Value, values: &mut Vec<Value>) -> String {
    values.push(value);
    format!("?{}", values.len())
}

/// Builds the listing query; every user value is a bound parameter.
/// The head of [`Queries::for_each_token_name`]'s query.
const NAME_SELECT: &str = "SELECT t.id, t.name FROM tokens t";

fn filter_sql(filter: &TokenFilter) -> (String, Vec<Value>) {
    filter_sql_from(TOKEN_SELECT, filter)
}

/// `select` (which names the tokens table `t`) with the filter's WHERE and
/// ORDER BY.
fn filter_sql_from(select: &str, filter: &TokenFilter) -> (String, Vec<Value>) {
    let mut clauses: Vec<String> = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    if let Some(orgs) = &filter.orgs {
        let placeholders: Vec<String> = orgs
            .iter()
            .map(|org| bind(Value::Integer(org.raw()), &mut values))
            .collect();
        clauses.push(format!("t.org_id IN ({})", placeholders.join(", ")));
    }
    if let Some(visibility) = &filter.visible_to {
        let full: Vec<String> = visibility
            .full
            .iter()
            .map(|org| bind(Value::Integer(org.raw()), &mut values))
            .collect();
        let own: Vec<String> = visibility
            .own_only
            .iter()
            .map(|org| bind(Value::Integer(org.raw()), &mut values))
            .collect();
        let user = bind(Value::Integer(visibility.user.raw()), &mut values);
        clauses.push(format!(
            "(t.org_id IN ({}) OR (t.org_id IN ({}) AND t.owner_user_id = {user}))",
            full.join(", "),
            own.join(", ")
        ));
    }
    if let Some(ids) = &filter.ids {
        let placeholders: Vec<String> = ids
            .iter()
            .map(|id| bind(Value::Integer(id.key()), &mut values))
            .collect();
        clauses.push(format!("t.id IN ({})", placeholders.join(", ")));
    }
    if let Some(owner) = filter.owner {
        clauses.push(format!(
            "t.owner_user_id = {}",
            bind(Value::Integer(owner.raw()), &mut values)
        ));
    }
    if let Some(kind) = filter.kind {
        clauses.push(format!(
            "t.kind = {}",
            bind(Value::Text(kind.as_str().into()), &mut values)
        ));
    }
    if let Some(name) = &filter.name {
        clauses.push(format!(
            "t.name = {}",
            bind(Value::Text(name.clone()), &mut values)
        ));
    }
    if let Some(glob) = &filter.name_glob {
        clauses.push(format!(
            "t.name GLOB {}",
            bind(Value::Text(glob.clone()), &mut values)
        ));
    }
    if let Some(cutoff) = filter.stale_before {
        let cutoff = bind(Value::Integer(cutoff.timestamp()), &mut values);
        clauses.push(format!(
            "(t.last_used_at < {cutoff} OR (t.last_used_at IS NULL AND t.created_at < {cutoff}))"
        ));
    }
    if filter.never_used {
        clauses.push("t.last_used_at IS NULL".to_owned());
    }
    if let Some(by) = filter.expiring_by {
        let now = bind(Value::Integer(filter.now.timestamp()), &mut values);
        let by = bind(Value::Integer(by.timestamp()), &mut values);
        clauses.push(format!("(t.expires_at > {now} AND t.expires_at <= {by})"));
    }
    if let Some(scope) = &filter.scope {
        // Scopes are stored canonical and space-separated: match whole words.
        let any: Vec<String> = Action::ALL
            .iter()
            .filter(|action| **action >= scope.action())
            .flat_map(|action| {
                // Whole words: "repo:write" alone, or narrowed as "repo:write[...]".
                let word = escape_like(&format!("{}:{}", scope.resource(), action.as_str()));
                [format!("% {word} %"), format!("% {word}[%")]
            })
            .map(|pattern| {
                format!(
                    "(' ' || t.scopes || ' ') LIKE {} ESCAPE '\\'",
                    bind(Value::Text(pattern), &mut values)
                )
            })
            .collect();
        clauses.push(format!("({})", any.join(" OR ")));
    }
    if let Some(cutoff) = filter.ended_before {
        let cutoff = bind(Value::Integer(cutoff.timestamp()), &mut values);
        clauses.push(format!(
            "(t.revoked_at < {cutoff} OR (t.revoked_at IS NULL AND t.expires_at < {cutoff}))"
        ));
    }
    if let Some(statuses) = &filter.statuses {
        // Bound only when used: SQLite refuses parameters that no placeholder takes.
        let needs_now = statuses
            .iter()
            .any(|status| *status != TokenStatus::Revoked);
        let now = if needs_now {
            bind(Value::Integer(filter.now.timestamp()), &mut values)
        } else {
            String::new()
        };
        let mut any: Vec<String> = Vec::new();
        for status in statuses {
            any.push(status_sql(*status, "t.", &now));
        }
        if any.is_empty() {
            any.push("0".into());
        }
        clauses.push(format!("({})", any.join(" OR ")));
    }
    let mut sql = select.to_owned();
    if !clauses.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&clauses.join(" AND "));
    }
    sql.push_str(order_by(filter.sort));
    (sql, values)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The model's `status` and the SQL form decide alike, exactly at the
    /// boundaries, for every combination of revoked, expiry and
    /// deactivated; and the "not ended" form (names held) agrees too.
    #[test]
    fn the_sql_status_rule_agrees_with_the_model() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let now = 1_000_000_i64;
        let times = [None, Some(now - 1), Some(now), Some(now + 1)];
        for revoked_at in times {
            for expires_at in times {
                for deactivated_at in [None, Some(now - 1), Some(now + 1)] {
                    let token_status = TokenStatus::at(
                        revoked_at.map(from_unix),
                        expires_at.map(from_unix),
                        deactivated_at.map(from_unix),
                        from_unix(now),
                    );
                    let matches = |condition: String| -> bool {
                        let sql = format!(
                            "SELECT count(*) FROM (SELECT ?1 AS revoked_at, ?2 AS expires_at, \
                             ?3 AS deactivated_at, ?4 AS unused) WHERE {condition}"
                        );
                        conn.query_row(
                            &sql,
                            params![revoked_at, expires_at, deactivated_at, now],
                            |row| row.get(0),
                        )
                        .unwrap()
                    };
                    for status in [
                        TokenStatus::Active,
                        TokenStatus::Expired,
                        TokenStatus::Revoked,
                        TokenStatus::Deactivated,
                    ] {
                        assert_eq!(
                            matches(status_sql(status, "", "?4")),
                            status == token_status,
                            "{status:?} for revoked {revoked_at:?}, expires {expires_at:?}, \
                             deactivated {deactivated_at:?}"
                        );
                    }
                    assert_eq!(
                        matches(not_ended_sql("", "?4")),
                        token_status.not_ended(),
                        "not ended for {token_status:?}"
                    );
                }
            }
        }
    }
}
