//! SQL text both backends share: the one SQL form of a token's status, and
//! the small helpers their queries build on. SQLite and PostgreSQL read
//! these fragments alike; only the placeholders differ (`?4`, `$4`), and the
//! caller passes its own.

use crate::model::TokenStatus;
use crate::store::TokenSort;

/// A token owner's status from the owner columns of a token row: `None`
/// when the token has no owner (an org token), else removed when the
/// owner's `removed_at` is set. Both backends decode rows with it.
pub(crate) fn owner_status(
    has_owner: bool,
    removed_at: Option<crate::clock::Timestamp>,
) -> Option<crate::model::UserStatus> {
    use crate::model::UserStatus;
    has_owner.then_some(match removed_at {
        Some(_) => UserStatus::Removed,
        None => UserStatus::Active,
    })
}

/// Seconds in an hour: use history is kept per hour.
pub(crate) const SECONDS_PER_HOUR: i64 = 3600;

/// The hour (Unix seconds / 3600, rounded down) a time falls in.
pub(crate) fn hour_of(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(SECONDS_PER_HOUR)
}

/// The SQL form of [`Token::status`](crate::model::Token::status), the one
/// definition of "live" (active), deactivated, expired and revoked on every
/// backend: `table` prefixes the columns (`"t."` or `""`), `now` is the
/// placeholder of the current time. A test checks that it agrees with the
/// model at every boundary.
pub(crate) fn status_sql(status: TokenStatus, table: &str, now: &str) -> String {
    match status {
        TokenStatus::Active => format!(
            "({table}revoked_at IS NULL AND ({table}expires_at IS NULL OR {table}expires_at > {now}) \
             AND {table}deactivated_at IS NULL)"
        ),
        TokenStatus::Deactivated => format!(
            "({table}revoked_at IS NULL AND ({table}expires_at IS NULL OR {table}expires_at > {now}) \
             AND {table}deactivated_at IS NOT NULL)"
        ),
        TokenStatus::Expired => {
            format!("({table}revoked_at IS NULL AND {table}expires_at <= {now})")
        }
        TokenStatus::Revoked => format!("({table}revoked_at IS NOT NULL)"),
    }
}

/// The SQL form of [`TokenStatus::not_ended`]: active or deactivated, the
/// tokens that hold their name.
pub(crate) fn not_ended_sql(table: &str, now: &str) -> String {
    format!(
        "({} OR {})",
        status_sql(TokenStatus::Active, table, now),
        status_sql(TokenStatus::Deactivated, table, now)
    )
}

/// Escapes LIKE's wildcards (`%`, `_`) and the escape character itself, for
/// a pattern used with `ESCAPE '\\'`: only the `%` the caller adds stay wildcards.
pub(crate) fn escape_like(pattern: &str) -> String {
    pattern
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// The `ORDER BY` of a token listing (columns of `tokens t`); the id breaks
/// ties, so the order is total and the same on every backend.
pub(crate) fn order_by(sort: TokenSort) -> &'static str {
    match sort {
        TokenSort::Created => " ORDER BY t.created_at, t.id",
        TokenSort::LastUsed => " ORDER BY t.last_used_at IS NULL, t.last_used_at DESC, t.id",
        TokenSort::Expires => " ORDER BY t.expires_at IS NULL, t.expires_at, t.id",
        TokenSort::Name => " ORDER BY t.name, t.id",
    }
}
