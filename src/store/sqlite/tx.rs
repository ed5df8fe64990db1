//! SQLite's side of the seam: [`Tx`] and [`Loader`] for [`Queries`] and
//! [`StoreAdmin`] for [`SqliteStore`]. Each method is the query of the same name on `Queries`;
//! its SQLite errors become tokctl's here.

use std::collections::HashMap;
use std::ops::ControlFlow;

use super::error::SqlError;
use super::{Queries, SqliteStore};
use crate::audit::{Checkpoint, Event, NewEvent};
use crate::clock::Timestamp;
use crate::error::{Error, Result};
use crate::model::{Membership, Org, Role, TokenId, User};
use crate::policy::Policy;
use crate::secret::SecretHash;
use crate::store::{
    DeferredUsage, EventFilter, LoadEnd, Loader, NewToken, OrgKey, RecordBatch, RetiredSecret,
    Rotation, SentReminder, StoreAdmin, TokenEdit, TokenFilter, TokenRow, Tx, UsagePeriod,
    UsageUpdate, UserKey, UserStanding, VerifyRow,
};

/// SQLite loads with prepared inserts inside the write transaction: it has
/// no triggers to pass, and its single writer keeps others out meanwhile.
impl Loader for Queries<'_> {
    fn load(&self, batch: &RecordBatch) -> Result<()> {
        Ok(self.load_batch(batch)?)
    }

    fn finish(&self, end: &LoadEnd) -> Result<()> {
        Ok(self.finish_load(end)?)
    }
}

impl StoreAdmin for SqliteStore {
    fn prefer_throughput(&self) -> Result<()> {
        Ok(self.relax_durability()?)
    }

    fn prefer_bulk_writes(&self) -> Result<()> {
        Ok(SqliteStore::prefer_bulk_writes(self)?)
    }

    /// Appends to `STORE-usage` (see `usage_journal`); none in memory.
    fn defer_usage(&self, usage: &DeferredUsage) -> Result<Option<u64>> {
        SqliteStore::append_usage(self, usage)
    }

    fn deferred_usage_waiting(&self) -> Result<bool> {
        Ok(SqliteStore::usage_waiting(self))
    }

    fn backup_into(&self, dest: &std::path::Path) -> Result<()> {
        Ok(SqliteStore::backup_into(self, dest)?)
    }

    fn integrity_problems(&self) -> Result<Vec<String>> {
        Ok(Queries::integrity_problems(&self.read())?)
    }

    fn schema_version(&self) -> Result<i64> {
        Ok(SqliteStore::schema_version(self)?)
    }
}

/// How a walk over SQLite rows ended early: the visitor broke, or the store failed.
enum Walk {
    Stop,
    Failed(Error),
}

impl From<SqlError> for Walk {
    fn from(err: SqlError) -> Self {
        Walk::Failed(err.into())
    }
}

fn walk_result(result: std::result::Result<(), Walk>) -> Result<()> {
    match result {
        Ok(()) | Err(Walk::Stop) => Ok(()),
        Err(Walk::Failed(err)) => Err(err),
    }
}

/// SQLite: each method is the query of the same name on [`Queries`].
impl Tx for Queries<'_> {
    fn store_id(&self) -> Result<String> {
        Ok(Queries::store_id(self)?)
    }

    fn org_key(&self, name: &str) -> Result<Option<OrgKey>> {
        Ok(Queries::org_key(self, name)?)
    }

    fn insert_org(&self, name: &str, now: Timestamp) -> Result<OrgKey> {
        Ok(Queries::insert_org(self, name, now)?)
    }

    fn orgs(&self) -> Result<Vec<Org>> {
        Ok(Queries::orgs(self)?)
    }

    fn org_name(&self, org: OrgKey) -> Result<String> {
        Ok(Queries::org_name(self, org)?)
    }

    fn user_key(&self, name: &str) -> Result<Option<UserKey>> {
        Ok(Queries::user_key(self, name)?)
    }

    fn insert_user(&self, user: &User) -> Result<UserKey> {
        Ok(Queries::insert_user(self, user)?)
    }

    fn update_user(&self, key: UserKey, user: &User) -> Result<()> {
        Ok(Queries::update_user(self, key, user)?)
    }

    fn user(&self, name: &str) -> Result<Option<(UserKey, User)>> {
        Ok(Queries::user(self, name)?)
    }

    fn user_standing(&self, name: &str) -> Result<Option<UserStanding>> {
        Ok(Queries::user_standing(self, name)?)
    }

    fn users(&self) -> Result<Vec<User>> {
        Ok(Queries::users(self)?)
    }

    fn user_name(&self, user: UserKey) -> Result<String> {
        Ok(Queries::user_name(self, user)?)
    }

    fn has_no_users(&self) -> Result<bool> {
        Ok(Queries::has_no_users(self)?)
    }

    fn upsert_membership(
        &self,
        org: OrgKey,
        user: UserKey,
        role: Role,
        now: Timestamp,
    ) -> Result<()> {
        Ok(Queries::upsert_membership(self, org, user, role, now)?)
    }

    fn role(&self, org: OrgKey, user: UserKey) -> Result<Option<Role>> {
        Ok(Queries::role(self, org, user)?)
    }

    fn orgs_of(&self, user: UserKey) -> Result<Vec<(OrgKey, String, Role)>> {
        Ok(Queries::orgs_of(self, user)?)
    }

    fn memberships(&self, org: Option<OrgKey>) -> Result<Vec<Membership>> {
        Ok(Queries::memberships(self, org)?)
    }

    fn owner_count(&self, org: OrgKey) -> Result<i64> {
        Ok(Queries::owner_count(self, org)?)
    }

    fn administers_any_org(&self, user: UserKey) -> Result<bool> {
        Ok(Queries::administers_any_org(self, user)?)
    }

    fn delete_membership(&self, org: OrgKey, user: UserKey) -> Result<()> {
        Ok(Queries::delete_membership(self, org, user)?)
    }

    fn allocate_token_id(&self) -> Result<TokenId> {
        Ok(Queries::allocate_token_id(self)?)
    }

    fn insert_token(&self, new: &NewToken<'_>) -> Result<()> {
        Ok(Queries::insert_token(self, new)?)
    }

    fn live_name_taken(
        &self,
        org: OrgKey,
        owner: Option<UserKey>,
        name: &str,
        now: Timestamp,
    ) -> Result<bool> {
        Ok(Queries::live_name_taken(self, org, owner, name, now)?)
    }

    fn token(&self, id: TokenId) -> Result<Option<TokenRow>> {
        Ok(Queries::token(self, id)?)
    }

    fn tokens(&self, filter: &TokenFilter) -> Result<Vec<TokenRow>> {
        Ok(Queries::tokens(self, filter)?)
    }

    fn token_label(&self, id: TokenId) -> Result<Option<(String, String)>> {
        Ok(Queries::token_label(self, id)?)
    }

    fn token_count(&self, org: OrgKey) -> Result<u64> {
        Ok(Queries::token_count(self, org)?)
    }

    fn delete_token(&self, id: TokenId) -> Result<()> {
        Ok(Queries::delete_token(self, id)?)
    }

    fn revoke_token(
        &self,
        id: TokenId,
        at: Timestamp,
        by: UserKey,
        reason: Option<&str>,
    ) -> Result<bool> {
        Ok(Queries::revoke_token(self, id, at, by, reason)?)
    }

    fn deactivate_token(
        &self,
        id: TokenId,
        at: Timestamp,
        by: UserKey,
        reason: Option<&str>,
    ) -> Result<bool> {
        Ok(Queries::deactivate_token(self, id, at, by, reason)?)
    }

    fn activate_token(&self, id: TokenId) -> Result<bool> {
        Ok(Queries::activate_token(self, id)?)
    }

    fn edit_token(&self, edit: &TokenEdit<'_>) -> Result<bool> {
        Ok(Queries::edit_token(self, edit)?)
    }

    fn secret_hash(&self, token: TokenId) -> Result<Option<Vec<u8>>> {
        Ok(Queries::secret_hash(self, token)?)
    }

    fn retired_secrets(&self, token: TokenId) -> Result<Vec<RetiredSecret>> {
        Ok(Queries::retired_secrets(self, token)?)
    }

    fn rotate_secret(&self, rotation: &Rotation<'_>) -> Result<()> {
        Ok(Queries::rotate_secret(self, rotation)?)
    }

    /// The stored digest comes back; `ops` compares it in constant time.
    fn verify_row(&self, id: TokenId, _presented: &SecretHash) -> Result<Option<VerifyRow>> {
        Ok(Queries::verify_row(self, id)?)
    }

    fn retired_match(&self, token: TokenId, presented: &SecretHash) -> Result<Option<Timestamp>> {
        let mut found = None;
        for old in Queries::retired_secrets(self, token)? {
            if crate::secret::hashes_match(&old.hash, presented) {
                found = Some(old.valid_until);
            }
        }
        Ok(found)
    }

    fn policy(&self, org: OrgKey) -> Result<Policy> {
        Ok(Queries::policy(self, org)?)
    }

    fn set_policy(&self, org: OrgKey, policy: &Policy) -> Result<()> {
        Ok(Queries::set_policy(self, org, policy)?)
    }

    fn append_event(&self, event: &NewEvent) -> Result<i64> {
        Ok(Queries::append_event(self, event)?)
    }

    fn audit_head(&self) -> Result<Option<Checkpoint>> {
        Ok(Queries::audit_head(self)?)
    }

    fn audit_checkpoint(&self) -> Result<Option<Checkpoint>> {
        Ok(Queries::audit_checkpoint(self)?)
    }

    fn last_event_before(&self, cutoff: Timestamp) -> Result<Option<Checkpoint>> {
        Ok(Queries::last_event_before(self, cutoff)?)
    }

    fn count_events_through(&self, checkpoint: &Checkpoint) -> Result<u64> {
        Ok(Queries::count_events_through(self, checkpoint)?)
    }
    fn prune_events_through(&self, checkpoint: &Checkpoint) -> Result<u64> {
        Ok(Queries::prune_events_through(self, checkpoint)?)
    }

    fn event_counts_by_token(&self, action: &str) -> Result<HashMap<i64, u64>> {
        Ok(Queries::event_counts_by_token(self, action)?)
    }

    fn token_change_summary(&self) -> Result<Vec<(TokenId, bool, u64)>> {
        Ok(Queries::token_change_summary(self)?)
    }

    fn apply_usage(&self, updates: &[UsageUpdate]) -> Result<()> {
        Ok(Queries::apply_usage(self, updates)?)
    }

    fn take_deferred_usage(&self) -> Result<Vec<DeferredUsage>> {
        match self.journal {
            Some(journal) => journal.take(self.conn),
            None => Ok(Vec::new()),
        }
    }

    fn usage_history(&self, token: TokenId, since: Timestamp) -> Result<Vec<UsagePeriod>> {
        Ok(Queries::usage_history(self, token, since)?)
    }

    fn org_usage_by_day(&self, org: OrgKey, since: Timestamp) -> Result<Vec<UsagePeriod>> {
        Ok(Queries::org_usage_by_day(self, org, since)?)
    }

    fn prune_usage_before(&self, cutoff: Timestamp) -> Result<u64> {
        Ok(Queries::prune_usage_before(self, cutoff)?)
    }

    fn reminders_sent(
        &self,
        threshold: &str,
        expiring_after: Timestamp,
    ) -> Result<Vec<SentReminder>> {
        Ok(Queries::reminders_sent(self, threshold, expiring_after)?)
    }

    fn remember_reminder(&self, reminder: &SentReminder) -> Result<()> {
        Ok(Queries::remember_reminder(self, reminder)?)
    }

    fn visit_tokens(
        &self,
        filter: &TokenFilter,
        each: &mut dyn FnMut(TokenRow) -> ControlFlow<()>,
    ) -> Result<()> {
        walk_result(Queries::for_each_token(self, filter, |row| {
            match each(row) {
                ControlFlow::Continue(()) => Ok(()),
                ControlFlow::Break(()) => Err(Walk::Stop),
            }
        }))
    }

    fn visit_token_names(
        &self,
        filter: &TokenFilter,
        each: &mut dyn FnMut(TokenId, &str) -> ControlFlow<()>,
    ) -> Result<()> {
        walk_result(Queries::for_each_token_name(
            self,
            filter,
            |id, name| match each(id, name) {
                ControlFlow::Continue(()) => Ok(()),
                ControlFlow::Break(()) => Err(Walk::Stop),
            },
        ))
    }

    fn visit_events(
        &self,
        filter: &EventFilter,
        each: &mut dyn FnMut(Event) -> ControlFlow<()>,
    ) -> Result<()> {
        walk_result(Queries::for_each_event(self, filter, |event| {
            match each(event) {
                ControlFlow::Continue(()) => Ok(()),
                ControlFlow::Break(()) => Err(Walk::Stop),
            }
        }))
    }
}
