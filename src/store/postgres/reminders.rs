//! Queries on the expiry reminders `tokctl notify` has sent. Row-level
//! security (migration 7) shows and lets write only the reminders of the
//! orgs the caller administers.

use super::{get, Queries};
use crate::clock::{from_unix, Timestamp};
use crate::error::Result;
use crate::model::TokenId;
use crate::store::{SentReminder, StoreError, UserKey};

impl Queries<'_> {
    /// The reminders remembered for `threshold` about expiries after `expiring_after`.
    pub fn reminders_sent(
        &self,
        threshold: &str,
        expiring_after: Timestamp,
    ) -> Result<Vec<SentReminder>> {
        self.all(
            "SELECT token_id, expires_at, user_id, sent_at FROM tokctl.reminders
             WHERE threshold = $1 AND expires_at > $2",
            &[&threshold, &expiring_after.timestamp()],
        )?
        .iter()
        .map(|row| {
            Ok(SentReminder {
                token: TokenId::from_key(get(row, 0)?)
                    .ok_or_else(|| StoreError::corrupt("a reminder of an invalid token key"))?,
                threshold: threshold.to_owned(),
                expires_at: from_unix(get(row, 1)?),
                user: UserKey::from_raw(get(row, 2)?),
                sent_at: from_unix(get(row, 3)?),
            })
        })
        .collect()
    }

    /// Remembers a reminder as handed over (again: its time is updated).
    pub fn remember_reminder(&self, reminder: &SentReminder) -> Result<()> {
        self.run(
            "INSERT INTO tokctl.reminders (token_id, threshold, expires_at, user_id, sent_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (token_id, threshold, expires_at, user_id)
             DO UPDATE SET sent_at = excluded.sent_at",
            &[
                &reminder.token.key(),
                &reminder.threshold,
                &reminder.expires_at.timestamp(),
                &reminder.user.raw(),
                &reminder.sent_at.timestamp(),
            ],
        )?;
        Ok(())
    }
}
