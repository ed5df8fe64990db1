//! Queries on the audit trail and on retired secrets.

use std::collections::HashMap;
use std::ops::ControlFlow;

use postgres::Row;

use super::{get, Param, Queries};
use crate::audit::{Checkpoint, Event, NewEvent};
use crate::clock::{from_unix, Timestamp};
use crate::error::Result;
use crate::model::TokenId;
use crate::store::{EventFilter, RetiredSecret, Rotation, StoreError};

fn event_from_row(row: &Row) -> Result<Event> {
    Ok(Event {
        id: get(row, 0)?,
        at: from_unix(get(row, 1)?),
        actor: get(row, 2)?,
        action: get(row, 3)?,
        outcome: get(row, 4)?,
        org: get(row, 5)?,
        token_id: get(row, 6)?,
        target: get(row, 7)?,
        details: get(row, 8)?,
        hash: get(row, 9)?,
        os_user: get(row, 10)?,
    })
}

fn checkpoint_from_row(row: &Row) -> Result<Checkpoint> {
    Ok(Checkpoint {
        id: get(row, 0)?,
        hash: get(row, 1)?,
    })
}

impl Queries<'_> {
    /// Appends an event through the database's `tokctl.append_event`, the
    /// only way in: it refuses an actor other than the session user, takes
    /// the next id and links the hash under the chain head's row lock (the
    /// same hash as [`crate::audit::event_hash`]), so `audit verify` walks
    /// one chain whoever appended.
    pub fn append_event(&self, event: &NewEvent) -> Result<i64> {
        let details = event.details.to_string();
        let token_id = event.token_id.map(TokenId::as_i64);
        get(
            &self.one(
                "SELECT tokctl.append_event($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                &[
                    &event.at.timestamp(),
                    &event.actor,
                    &event.action,
                    &event.outcome.as_str(),
                    &event.org,
                    &token_id,
                    &event.target,
                    &details,
                    &event.os_user,
                ],
            )?,
            0,
        )
    }

    /// The newest event's id and hash, else the retention checkpoint.
    pub fn audit_head(&self) -> Result<Option<Checkpoint>> {
        let last = self.opt(
            "SELECT id, hash FROM tokctl.audit_events ORDER BY id DESC LIMIT 1",
            &[],
        )?;
        match last {
            Some(row) => Ok(Some(checkpoint_from_row(&row)?)),
            None => self.audit_checkpoint(),
        }
    }

    /// Calls `each` for every event the filter lets through, in id order.
    pub fn visit_events(
        &self,
        filter: &EventFilter,
        each: &mut dyn FnMut(Event) -> ControlFlow<()>,
    ) -> Result<()> {
        let mut clauses: Vec<String> = Vec::new();
        let mut values: Vec<Box<dyn Param>> = Vec::new();
        let mut bind = |value: Box<dyn Param>| {
            values.push(value);
            format!("${}", values.len())
        };
        if let Some(orgs) = &filter.orgs {
            let list = bind(Box::new(orgs.clone()));
            let org_less = if filter.include_org_less {
                " OR org IS NULL"
            } else {
                ""
            };
            let also_tokens = if filter.also_tokens.is_empty() {
                String::new()
            } else {
                let ids: Vec<i64> = filter.also_tokens.iter().map(|t| t.as_i64()).collect();
                format!(" OR token_id = ANY({}::bigint[])", bind(Box::new(ids)))
            };
            clauses.push(format!(
                "(org = ANY({list}::text[]){org_less}{also_tokens})"
            ));
        }
        if let Some(token) = filter.token {
            clauses.push(format!("token_id = {}", bind(Box::new(token.as_i64()))));
        }
        if let Some(actor) = &filter.actor {
            clauses.push(format!("actor = {}", bind(Box::new(actor.clone()))));
        }
        if let Some(action) = &filter.action {
            // `token` matches every `token.*` action; `token.revoke` only itself.
            let exact = bind(Box::new(action.clone()));
            let prefix = bind(Box::new(format!(
                "{}.%",
                crate::store::sql::escape_like(action)
            )));
            clauses.push(format!(
                "(action = {exact} OR action LIKE {prefix} ESCAPE '\\')"
            ));
        }
        if let Some(since) = filter.since {
            clauses.push(format!("at >= {}", bind(Box::new(since.timestamp()))));
        }
        if let Some(until) = filter.until {
            clauses.push(format!("at < {}", bind(Box::new(until.timestamp()))));
        }
        let mut sql =
            "SELECT id, at, actor, action, outcome, org, token_id, target, details, hash, os_user
            FROM tokctl.audit_events"
                .to_owned();
        if !clauses.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&clauses.join(" AND "));
        }
        sql.push_str(" ORDER BY id");
        let params: Vec<&dyn Param> = values.iter().map(|value| &**value).collect();
        self.walk(&sql, &params, &mut |row| Ok(each(event_from_row(row)?)))
    }

    /// The newest event before `cutoff`: where a retention prune stops.
    pub fn last_event_before(&self, cutoff: Timestamp) -> Result<Option<Checkpoint>> {
        self.opt(
            "SELECT id, hash FROM tokctl.audit_events
             WHERE id = (SELECT max(id) FROM tokctl.audit_events WHERE at < $1)",
            &[&cutoff.timestamp()],
        )?
        .as_ref()
        .map(checkpoint_from_row)
        .transpose()
    }

    /// How many events there are up to and including `checkpoint`.
    pub fn count_events_through(&self, checkpoint: &Checkpoint) -> Result<u64> {
        let count: i64 = get(
            &self.one(
                "SELECT count(*) FROM tokctl.audit_events WHERE id <= $1",
                &[&checkpoint.id],
            )?,
            0,
        )?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// Deletes every event up to and including `checkpoint` and records it,
    /// through the database's `tokctl.prune_events`: only an owner of every
    /// org may, and the transaction commits only with the `audit.prune`
    /// event that vouches for the checkpoint.
    pub fn prune_events_through(&self, checkpoint: &Checkpoint) -> Result<u64> {
        let removed: i64 = get(
            &self.one("SELECT tokctl.prune_events($1)", &[&checkpoint.id])?,
            0,
        )?;
        Ok(u64::try_from(removed).unwrap_or(0))
    }

    /// The retention checkpoint, if events were pruned.
    pub fn audit_checkpoint(&self) -> Result<Option<Checkpoint>> {
        let value: Option<String> = self
            .opt(
                "SELECT value FROM tokctl.meta WHERE key = 'audit_checkpoint'",
                &[],
            )?
            .map(|row| get(&row, 0))
            .transpose()?;
        // An unreadable checkpoint reads as none, as in the SQLite backend.
        Ok(value.and_then(|value| value.parse().ok()))
    }

    /// Old secrets of a token the acting user may manage (no digest column
    /// is readable: a function of the schema's owner hands them over).
    pub fn retired_secrets(&self, token: TokenId) -> Result<Vec<RetiredSecret>> {
        self.all(
            "SELECT secret_hash, rotated_at, valid_until FROM tokctl.retired_secrets_of($1)",
            &[&token.key()],
        )?
        .iter()
        .map(|row| {
            Ok(RetiredSecret {
                hash: get(row, 0)?,
                rotated_at: from_unix(get(row, 1)?),
                valid_until: from_unix(get(row, 2)?),
            })
        })
        .collect()
    }

    /// Gives a token a new secret; every secret retired earlier ends now.
    pub fn rotate_secret(&self, rotation: &Rotation<'_>) -> Result<()> {
        self.run(
            "UPDATE tokctl.retired_secrets SET valid_until = $2
             WHERE token_id = $1 AND valid_until > $2",
            &[&rotation.token.key(), &rotation.at.timestamp()],
        )?;
        self.run(
            "INSERT INTO tokctl.retired_secrets
                (token_id, secret_hash, rotated_at, rotated_by, valid_until)
             VALUES ($1, $2, $3, $4, $5)",
            &[
                &rotation.token.key(),
                &rotation.old_hash,
                &rotation.at.timestamp(),
                &rotation.by.raw(),
                &rotation.old_valid_until.timestamp(),
            ],
        )?;
        self.run(
            "UPDATE tokctl.tokens SET secret_hash = $2, expires_at = $3, issued_at = $4
             WHERE id = $1",
            &[
                &rotation.token.key(),
                &&rotation.new_hash[..],
                &rotation.expires_at.map(|t| t.timestamp()),
                &rotation.at.timestamp(),
            ],
        )?;
        Ok(())
    }

    /// The current secret digest of a token the acting user may manage.
    pub fn secret_hash(&self, token: TokenId) -> Result<Option<Vec<u8>>> {
        get(
            &self.one("SELECT tokctl.secret_hash_of($1)", &[&token.key()])?,
            0,
        )
    }

    /// How many events of `action` each token (public id) has.
    pub fn event_counts_by_token(&self, action: &str) -> Result<HashMap<i64, u64>> {
        self.all(
            "SELECT token_id, count(*) FROM tokctl.audit_events
             WHERE action = $1 AND token_id IS NOT NULL GROUP BY token_id",
            &[&action],
        )?
        .iter()
        .map(|row| Ok((get(row, 0)?, get::<i64>(row, 1)?.max(0) as u64)))
        .collect()
    }

    /// Every token as (public id, revoked?, rotations).
    pub fn token_change_summary(&self) -> Result<Vec<(TokenId, bool, u64)>> {
        self.all(
            "SELECT t.id, t.revoked_at IS NOT NULL,
                    (SELECT count(*) FROM tokctl.retired_secrets r WHERE r.token_id = t.id)
             FROM tokctl.tokens t ORDER BY t.id",
            &[],
        )?
        .iter()
        .map(|row| {
            let id = TokenId::from_key(get(row, 0)?)
                .ok_or_else(|| StoreError::corrupt("an invalid token key"))?;
            Ok((id, get(row, 1)?, get::<i64>(row, 2)?.max(0) as u64))
        })
        .collect()
    }
}
