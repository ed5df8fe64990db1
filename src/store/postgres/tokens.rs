//! Queries on tokens: insert, look up, filter, revoke, verify, usage.

use std::ops::ControlFlow;

use postgres::Row;

use super::{get, Param, Queries};
use crate::clock::{from_unix, Timestamp};
use crate::error::{Error, Result};
use crate::model::{Role, Token, TokenId, TokenKind, TokenStatus};
use crate::scope::{Action, ScopeSet};
use crate::secret::SecretHash;
use crate::store::sql::{
    escape_like, hour_of, not_ended_sql, order_by, status_sql, SECONDS_PER_HOUR,
};
use crate::store::{
    NewToken, OrgKey, StoreError, TokenEdit, TokenFilter, TokenRow, UsagePeriod, UsageUpdate,
    UserKey, VerifyRow,
};

const TOKEN_SELECT: &str = "SELECT t.id, t.kind, o.name, u.name, t.name, t.description, t.scopes,
        t.created_at, c.name, t.expires_at, t.last_used_at, t.use_count, t.revoked_at, r.name,
        t.revoke_reason, t.org_id, t.owner_user_id, t.issued_at, t.deactivated_at, d.name,
        t.deactivate_reason, u.kind, u.removed_at
    FROM tokctl.tokens t
    JOIN tokctl.orgs o ON o.id = t.org_id
    LEFT JOIN tokctl.users u ON u.id = t.owner_user_id
    JOIN tokctl.users c ON c.id = t.created_by
    LEFT JOIN tokctl.users r ON r.id = t.revoked_by
    LEFT JOIN tokctl.users d ON d.id = t.deactivated_by";

fn token_from_row(row: &Row) -> Result<TokenRow> {
    let id = TokenId::from_key(get(row, 0)?)
        .ok_or_else(|| StoreError::corrupt("an invalid token key"))?;
    let kind: String = get(row, 1)?;
    let scopes: String = get(row, 6)?;
    let time = |index: usize| get::<Option<i64>>(row, index).map(|t| t.map(from_unix));
    Ok(TokenRow {
        token: Token {
            id,
            kind: kind
                .parse()
                .map_err(|_| StoreError::corrupt("an invalid token kind"))?,
            org: get(row, 2)?,
            owner: get(row, 3)?,
            name: get(row, 4)?,
            description: get(row, 5)?,
            scopes: ScopeSet::parse_stored(&scopes)
                .map_err(|_| StoreError::corrupt("invalid scopes"))?,
            created_at: from_unix(get(row, 7)?),
            created_by: get(row, 8)?,
            expires_at: time(9)?,
            last_used_at: time(10)?,
            use_count: get::<i64>(row, 11)?.max(0) as u64,
            revoked_at: time(12)?,
            revoked_by: get(row, 13)?,
            revoke_reason: get(row, 14)?,
            issued_at: from_unix(get(row, 17)?),
            deactivated_at: time(18)?,
            deactivated_by: get(row, 19)?,
            deactivate_reason: get(row, 20)?,
            owner_kind: get::<Option<String>>(row, 21)?
                .map(|kind| kind.parse())
                .transpose()
                .map_err(|_| StoreError::corrupt("an invalid user kind"))?,
            owner_status: crate::store::sql::owner_status(
                get::<Option<String>>(row, 21)?.is_some(),
                time(22)?,
            ),
        },
        org_key: OrgKey::from_raw(get(row, 15)?),
        owner_key: get::<Option<i64>>(row, 16)?.map(UserKey::from_raw),
    })
}

impl Queries<'_> {
    /// Inserts a new token.
    pub fn insert_token(&self, new: &NewToken<'_>) -> Result<()> {
        self.run(
            "INSERT INTO tokctl.tokens (id, kind, org_id, owner_user_id, name, description, scopes,
                secret_hash, created_at, created_by, expires_at, issued_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $9)",
            &[
                &new.id.key(),
                &new.kind.as_str(),
                &new.org.raw(),
                &new.owner.map(UserKey::raw),
                &new.name,
                &new.description,
                &new.scopes.to_stored(),
                &&new.hash[..],
                &new.created_at.timestamp(),
                &new.created_by.raw(),
                &new.expires_at.map(|t| t.timestamp()),
            ],
        )?;
        Ok(())
    }

    /// The next storage key from the store's counter (never reused), bumped
    /// by a function of the schema's owner: members may not write the
    /// counter row, and it skips keys in use that they may not see.
    pub fn allocate_token_id(&self) -> Result<TokenId> {
        let key: i64 = get(&self.one("SELECT tokctl.next_token_key()", &[])?, 0)?;
        TokenId::from_key(key).ok_or_else(|| StoreError::corrupt("an invalid next token key"))
    }

    /// Whether the owner already has a live token of this name (under the
    /// writers' lock, so no other writer inserts one meanwhile).
    pub fn live_name_taken(
        &self,
        org: OrgKey,
        owner: Option<UserKey>,
        name: &str,
        now: Timestamp,
    ) -> Result<bool> {
        let sql = format!(
            "SELECT EXISTS (SELECT 1 FROM tokctl.tokens
                WHERE org_id = $1 AND owner_user_id IS NOT DISTINCT FROM $2 AND name = $3 AND {})",
            not_ended_sql("", "$4")
        );
        get(
            &self.one(
                &sql,
                &[
                    &org.raw(),
                    &owner.map(UserKey::raw),
                    &name,
                    &now.timestamp(),
                ],
            )?,
            0,
        )
    }

    /// The token with this id, if the acting user may see it (row-level
    /// security). One they may not see but that exists is refused as tokctl
    /// refuses it on any store: whoever names an id learns only that it
    /// exists and whose org it is.
    pub fn token(&self, id: TokenId) -> Result<Option<TokenRow>> {
        let row = self
            .opt(&format!("{TOKEN_SELECT} WHERE t.id = $1"), &[&id.key()])?
            .as_ref()
            .map(token_from_row)
            .transpose()?;
        if row.is_some() {
            return Ok(row);
        }
        let hidden: Option<String> = get(
            &self.one("SELECT tokctl.hidden_token_org($1)", &[&id.key()])?,
            0,
        )?;
        match hidden {
            Some(org) => Err(Error::Forbidden {
                action: "managing this token".into(),
                needed: Role::Admin.as_str(),
                org,
            }),
            None => Ok(None),
        }
    }

    /// Calls `each` for every token the filter lets through, in order, in
    /// batches through a cursor.
    pub fn visit_tokens(
        &self,
        filter: &TokenFilter,
        each: &mut dyn FnMut(TokenRow) -> ControlFlow<()>,
    ) -> Result<()> {
        let (sql, values) = filter_sql(filter);
        let params: Vec<&dyn Param> = values.iter().map(|value| &**value).collect();
        self.walk(&sql, &params, &mut |row| Ok(each(token_from_row(row)?)))
    }

    /// The id and name of every token the filter lets through, in order:
    /// no joins, for completions that offer names.
    pub fn visit_token_names(
        &self,
        filter: &TokenFilter,
        each: &mut dyn FnMut(TokenId, &str) -> ControlFlow<()>,
    ) -> Result<()> {
        let (sql, values) = filter_sql_from(NAME_SELECT, filter);
        let params: Vec<&dyn Param> = values.iter().map(|value| &**value).collect();
        self.walk(&sql, &params, &mut |row| {
            let id = TokenId::from_key(get(row, 0)?)
                .ok_or_else(|| StoreError::corrupt("an invalid token key"))?;
            let name: &str = get(row, 1)?;
            Ok(each(id, name))
        })
    }

    /// Every token the filter lets through.
    pub fn tokens(&self, filter: &TokenFilter) -> Result<Vec<TokenRow>> {
        let (sql, values) = filter_sql(filter);
        let params: Vec<&dyn Param> = values.iter().map(|value| &**value).collect();
        self.all(&sql, &params)?
            .iter()
            .map(token_from_row)
            .collect()
    }

    /// Marks a token revoked; returns false if it already was.
    pub fn revoke_token(
        &self,
        id: TokenId,
        at: Timestamp,
        by: UserKey,
        reason: Option<&str>,
    ) -> Result<bool> {
        let changed = self.run(
            "UPDATE tokctl.tokens SET revoked_at = $2, revoked_by = $3, revoke_reason = $4
             WHERE id = $1 AND revoked_at IS NULL",
            &[&id.key(), &at.timestamp(), &by.raw(), &reason],
        )?;
        Ok(changed == 1)
    }

    /// Deletes a token's row (and, by cascade, its retired secrets).
    pub fn delete_token(&self, id: TokenId) -> Result<()> {
        self.run("DELETE FROM tokctl.tokens WHERE id = $1", &[&id.key()])?;
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
        let changed = self.run(
            "UPDATE tokctl.tokens SET deactivated_at = $2, deactivated_by = $3, deactivate_reason = $4
             WHERE id = $1 AND revoked_at IS NULL AND deactivated_at IS NULL",
            &[&id.key(), &at.timestamp(), &by.raw(), &reason],
        )?;
        Ok(changed == 1)
    }

    /// Clears a token's deactivation; returns false if it was not deactivated or is revoked.
    pub fn activate_token(&self, id: TokenId) -> Result<bool> {
        let changed = self.run(
            "UPDATE tokctl.tokens SET deactivated_at = NULL, deactivated_by = NULL,
                deactivate_reason = NULL
             WHERE id = $1 AND revoked_at IS NULL AND deactivated_at IS NOT NULL",
            &[&id.key()],
        )?;
        Ok(changed == 1)
    }

    /// Rewrites a token's name, description, scopes and expiry; false if gone or revoked.
    pub fn edit_token(&self, edit: &TokenEdit<'_>) -> Result<bool> {
        let changed = self.run(
            "UPDATE tokctl.tokens SET name = $2, description = $3, scopes = $4, expires_at = $5
             WHERE id = $1 AND revoked_at IS NULL",
            &[
                &edit.token.key(),
                &edit.name,
                &edit.description,
                &edit.scopes.to_stored(),
                &edit.expires_at.map(|t| t.timestamp()),
            ],
        )?;
        Ok(changed == 1)
    }

    /// The verify read, inside the database: the row with the greatest key
    /// not above the token's (one index seek, so an unknown id costs what a
    /// known one does), compared there with `presented`, since no caller may
    /// read digests. The row's `hash` is `presented` when it is the current
    /// secret and its complement when not (what ops compares); its names,
    /// scopes and times come back only when `presented` is the token's
    /// current or a retired secret.
    pub fn verify_row(&self, id: TokenId, presented: &SecretHash) -> Result<Option<VerifyRow>> {
        let row = self.one(
            "SELECT id, kind, current, expires_at, revoked_at, scopes, org_id, owner_user_id, name,
                deactivated_at
             FROM tokctl.verify_lookup($1, $2)",
            &[&id.key(), &&presented[..]],
        )?;
        // One row, all NULL when no token has a key at or below the id.
        let Some(key) = get::<Option<i64>>(&row, 0)? else {
            return Ok(None);
        };
        let kind = match get::<&str>(&row, 1)? {
            "org" => TokenKind::Org,
            "personal" => TokenKind::Personal,
            _ => return Err(StoreError::corrupt("an invalid token kind")),
        };
        let hash = if get::<bool>(&row, 2)? {
            *presented
        } else {
            presented.map(|byte| !byte)
        };
        let decoded = VerifyRow {
            kind,
            hash,
            expires_at: get::<Option<i64>>(&row, 3)?.map(from_unix),
            revoked_at: get::<Option<i64>>(&row, 4)?.map(from_unix),
            scopes: get(&row, 5)?,
            org: OrgKey::from_raw(get(&row, 6)?),
            owner: get::<Option<i64>>(&row, 7)?.map(UserKey::from_raw),
            name: get(&row, 8)?,
            deactivated_at: get::<Option<i64>>(&row, 9)?.map(from_unix),
        };
        Ok((key == id.key()).then_some(decoded))
    }

    /// When the retired secret of `token` that `presented` is stops
    /// verifying, compared inside the database.
    pub fn retired_match(
        &self,
        token: TokenId,
        presented: &SecretHash,
    ) -> Result<Option<Timestamp>> {
        let until: Option<i64> = get(
            &self.one(
                "SELECT tokctl.verify_retired($1, $2)",
                &[&token.key(), &&presented[..]],
            )?,
            0,
        )?;
        Ok(until.map(from_unix))
    }

    /// The org and name of a token, to label a refused verification: left
    /// to the database, which labels such events as it appends them (the
    /// caller may not read the token; see `tokctl.append_event`).
    pub fn token_label(&self, _id: TokenId) -> Result<Option<(String, String)>> {
        Ok(None)
    }

    /// Adds coalesced usage to tokens and their hourly history, through the
    /// one function that may change use counts (`record_usage_batch`, one
    /// call for the whole write); `last_used_at` never moves backwards.
    pub fn apply_usage(&self, updates: &[UsageUpdate]) -> Result<()> {
        let (mut keys, mut uses, mut at) = (Vec::new(), Vec::new(), Vec::new());
        for update in updates.iter().filter(|update| update.uses > 0) {
            keys.push(update.id.key());
            uses.push(update.uses.min(i64::MAX as u64) as i64);
            at.push(update.last_used_at.timestamp());
        }
        if keys.is_empty() {
            return Ok(());
        }
        // One round trip for the whole write, however many tokens it holds.
        self.run(
            "SELECT tokctl.record_usage_batch($1, $2, $3)",
            &[&keys, &uses, &at],
        )?;
        Ok(())
    }

    /// A token's uses per hour at or after `since`, oldest first.
    pub fn usage_history(&self, token: TokenId, since: Timestamp) -> Result<Vec<UsagePeriod>> {
        self.all(
            "SELECT hour, uses FROM tokctl.token_usage
             WHERE token_key = $1 AND hour >= $2 ORDER BY hour",
            &[&token.key(), &hour_of(since.timestamp())],
        )?
        .iter()
        .map(|row| {
            Ok(UsagePeriod {
                start: from_unix(get::<i64>(row, 0)?.saturating_mul(SECONDS_PER_HOUR)),
                uses: get::<i64>(row, 1)?.max(0) as u64,
            })
        })
        .collect()
    }

    /// An org's uses per UTC day at or after `since`, oldest first.
    pub fn org_usage_by_day(&self, org: OrgKey, since: Timestamp) -> Result<Vec<UsagePeriod>> {
        self.all(
            "SELECT u.hour / 24, sum(u.uses)::bigint
             FROM tokctl.token_usage u JOIN tokctl.tokens t ON t.id = u.token_key
             WHERE t.org_id = $1 AND u.hour >= $2 GROUP BY u.hour / 24 ORDER BY 1",
            &[&org.raw(), &hour_of(since.timestamp())],
        )?
        .iter()
        .map(|row| {
            Ok(UsagePeriod {
                start: from_unix(get::<i64>(row, 0)?.saturating_mul(24 * SECONDS_PER_HOUR)),
                uses: get::<i64>(row, 1)?.max(0) as u64,
            })
        })
        .collect()
    }

    /// Deletes use history from hours that ended before `cutoff`: audit
    /// retention, which the database allows only an owner of every org.
    pub fn prune_usage_before(&self, cutoff: Timestamp) -> Result<u64> {
        let removed: i64 = get(
            &self.one(
                "SELECT tokctl.prune_usage($1)",
                &[&hour_of(cutoff.timestamp())],
            )?,
            0,
        )?;
        Ok(u64::try_from(removed).unwrap_or(0))
    }
}

/// A glob as SQLite's `GLOB` reads it (`*`, `?`, `[...]` with `^` negating
/// and `a-z` ranges, `]` first in a class taken literally, case-sensitive),
/// as an anchored PostgreSQL regular expression. Every character outside
/// the wildcards matches itself; an unclosed `[` matches nothing, as in SQLite.
pub(super) fn glob_to_regex(glob: &str) -> String {
    let chars: Vec<char> = glob.chars().collect();
    let mut out = String::from("^");
    let mut index = 0;
    while index < chars.len() {
        match chars[index] {
            '*' => out.push_str(".*"),
            '?' => out.push('.'),
            '[' => {
                let Some((class, next)) = glob_class(&chars, index + 1) else {
                    // SQLite: a class without its `]` matches nothing.
                    return "[^\\s\\S]".to_owned();
                };
                out.push_str(&class);
                index = next;
                continue;
            }
            ch => push_literal(&mut out, ch),
        }
        index += 1;
    }
    out.push('$');
    out
}

/// The class starting after `[` at `start`: its regex and the index after its `]`.
fn glob_class(chars: &[char], start: usize) -> Option<(String, usize)> {
    let mut index = start;
    let mut out = String::from("[");
    if chars.get(index) == Some(&'^') {
        out.push('^');
        index += 1;
    }
    let mut first = true;
    loop {
        let ch = *chars.get(index)?;
        if ch == ']' && !first {
            out.push(']');
            return Some((out, index + 1));
        }
        first = false;
        if chars.get(index + 1) == Some(&'-') && chars.get(index + 2).is_some_and(|end| *end != ']')
        {
            let end = chars[index + 2];
            push_class_char(&mut out, ch);
            out.push('-');
            push_class_char(&mut out, end);
            index += 3;
        } else {
            push_class_char(&mut out, ch);
            index += 1;
        }
    }
}

/// A character matching itself outside a class.
fn push_literal(out: &mut String, ch: char) {
    if ch.is_ascii_alphanumeric() || !ch.is_ascii() {
        out.push(ch);
    } else {
        out.push('\\');
        out.push(ch);
    }
}

/// A character matching itself inside a class: `\`, `]`, `[`, `^` and `-`
/// are escaped (in PostgreSQL's advanced regular expressions `\` stays an
/// escape inside brackets).
fn push_class_char(out: &mut String, ch: char) {
    if matches!(ch, '\\' | ']' | '[' | '^' | '-') {
        out.push('\\');
    }
    out.push(ch);
}

/// The parameters of a built query, owned.
type Values = Vec<Box<dyn Param>>;

fn bind(value: impl Param + 'static, values: &mut Values) -> String {
    values.push(Box::new(value));
    format!("${}", values.len())
}

fn keys(orgs: &[OrgKey]) -> Vec<i64> {
    orgs.iter().map(|org| org.raw()).collect()
}

/// Builds the listing query; every user value is a bound parameter.
/// The head of [`Queries::visit_token_names`]'s query.
const NAME_SELECT: &str = "SELECT t.id, t.name FROM tokctl.tokens t";

fn filter_sql(filter: &TokenFilter) -> (String, Values) {
    filter_sql_from(TOKEN_SELECT, filter)
}

/// `select` (which names the tokens table `t`) with the filter's WHERE and
/// ORDER BY.
fn filter_sql_from(select: &str, filter: &TokenFilter) -> (String, Values) {
    let mut clauses: Vec<String> = Vec::new();
    let mut values: Values = Vec::new();
    if let Some(orgs) = &filter.orgs {
        clauses.push(format!(
            "t.org_id = ANY({}::bigint[])",
            bind(keys(orgs), &mut values)
        ));
    }
    if let Some(visibility) = &filter.visible_to {
        let full = bind(keys(&visibility.full), &mut values);
        let own = bind(keys(&visibility.own_only), &mut values);
        let user = bind(visibility.user.raw(), &mut values);
        clauses.push(format!(
            "(t.org_id = ANY({full}::bigint[]) OR (t.org_id = ANY({own}::bigint[]) AND t.owner_user_id = {user}))"
        ));
    }
    if let Some(ids) = &filter.ids {
        let keys: Vec<i64> = ids.iter().map(|id| id.key()).collect();
        clauses.push(format!("t.id = ANY({}::bigint[])", bind(keys, &mut values)));
    }
    if let Some(owner) = filter.owner {
        clauses.push(format!(
            "t.owner_user_id = {}",
            bind(owner.raw(), &mut values)
        ));
    }
    if let Some(kind) = filter.kind {
        clauses.push(format!(
            "t.kind = {}",
            bind(kind.as_str().to_owned(), &mut values)
        ));
    }
    if let Some(name) = &filter.name {
        clauses.push(format!("t.name = {}", bind(name.clone(), &mut values)));
    }
    if let Some(glob) = &filter.name_glob {
        clauses.push(format!(
            "t.name ~ {}",
            bind(glob_to_regex(glob), &mut values)
        ));
    }
    if let Some(cutoff) = filter.stale_before {
        let cutoff = bind(cutoff.timestamp(), &mut values);
        clauses.push(format!(
            "(t.last_used_at < {cutoff} OR (t.last_used_at IS NULL AND t.created_at < {cutoff}))"
        ));
    }
    if filter.never_used {
        clauses.push("t.last_used_at IS NULL".to_owned());
    }
    if let Some(by) = filter.expiring_by {
        let now = bind(filter.now.timestamp(), &mut values);
        let by = bind(by.timestamp(), &mut values);
        clauses.push(format!("(t.expires_at > {now} AND t.expires_at <= {by})"));
    }
    if let Some(scope) = &filter.scope {
        // Scopes are stored canonical and space-separated: match whole words.
        let any: Vec<String> = Action::ALL
            .iter()
            .filter(|action| **action >= scope.action())
            .flat_map(|action| {
                let word = escape_like(&format!("{}:{}", scope.resource(), action.as_str()));
                [format!("% {word} %"), format!("% {word}[%")]
            })
            .map(|pattern| {
                format!(
                    "(' ' || t.scopes || ' ') LIKE {} ESCAPE '\\'",
                    bind(pattern, &mut values)
                )
            })
            .collect();
        clauses.push(format!("({})", any.join(" OR ")));
    }
    if let Some(cutoff) = filter.ended_before {
        let cutoff = bind(cutoff.timestamp(), &mut values);
        clauses.push(format!(
            "(t.revoked_at < {cutoff} OR (t.revoked_at IS NULL AND t.expires_at < {cutoff}))"
        ));
    }
    if let Some(statuses) = &filter.statuses {
        let needs_now = statuses
            .iter()
            .any(|status| *status != TokenStatus::Revoked);
        let now = if needs_now {
            bind(filter.now.timestamp(), &mut values)
        } else {
            String::new()
        };
        let mut any: Vec<String> = statuses
            .iter()
            .map(|status| status_sql(*status, "t.", &now))
            .collect();
        if any.is_empty() {
            any.push("false".into());
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
    use super::*;

    #[test]
    fn globs_become_anchored_regular_expressions() {
        assert_eq!(glob_to_regex("ci-*"), "^ci\\-.*$");
        assert_eq!(glob_to_regex("a?c"), "^a.c$");
        assert_eq!(glob_to_regex("[a-c]x"), "^[a-c]x$");
        assert_eq!(glob_to_regex("[^ab]"), "^[^ab]$");
        assert_eq!(glob_to_regex("[]x]"), "^[\\]x]$");
        assert_eq!(glob_to_regex("a.b+(c)"), "^a\\.b\\+\\(c\\)$");
        assert_eq!(glob_to_regex("[abc"), "[^\\s\\S]");
    }
}
