//! Queries on the expiry reminders `tokctl notify` has sent.

use rusqlite::params;

use super::error::SqlResult as Result;
use super::Queries;
use crate::clock::{from_unix, Timestamp};
use crate::model::TokenId;
use crate::store::{SentReminder, StoreError, UserKey};

impl Queries<'_> {
    /// The reminders remembered for `threshold` about expiries after `expiring_after`.
    pub fn reminders_sent(
        &self,
        threshold: &str,
        expiring_after: Timestamp,
    ) -> Result<Vec<SentReminder>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT token_id, expires_at, user_id, sent_at FROM reminders
             WHERE threshold = ?1 AND expires_at > ?2",
        )?;
        let rows = stmt.query_map(params![threshold, expiring_after.timestamp()], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, i64>(2)?,
                row.get::<_, i64>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (key, expires_at, user, sent_at) = row?;
            out.push(SentReminder {
                token: TokenId::from_key(key)
                    .ok_or_else(|| StoreError::corrupt("a reminder of an invalid token key"))?,
                threshold: threshold.to_owned(),
                expires_at: from_unix(expires_at),
                user: UserKey::from_raw(user),
                sent_at: from_unix(sent_at),
            });
        }
        Ok(out)
    }

    /// Remembers a reminder as handed over (again: its time is updated).
    pub fn remember_reminder(&self, reminder: &SentReminder) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO reminders (token_id, threshold, expires_at, user_id, sent_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (token_id, threshold, expires_at, user_id)
                 DO UPDATE SET sent_at = excluded.sent_at",
            )?
            .execute(params![
                reminder.token.key(),
                reminder.threshold,
                reminder.expires_at.timestamp(),
                reminder.user.raw(),
                reminder.sent_at.timestamp(),
            ])?;
        Ok(())
    }
}
