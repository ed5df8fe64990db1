//! PostgreSQL's side of the seam: [`Tx`] for [`Queries`] and [`StoreAdmin`]
//! for [`PgStore`]. Each method is the query of the same name on `Queries`.

use std::collections::HashMap;
use std::ops::ControlFlow;

use super::{PgStore, Queries};
use crate::audit::{Checkpoint, Event, NewEvent};
use crate::clock::Timestamp;
use crate::error::{Error, RequestProblem, Result};
use crate::model::{Membership, Org, Role, TokenId, User};
use crate::policy::Policy;
use crate::secret::SecretHash;
use crate::store::{
    DeferredUsage, EventFilter, NewToken, OrgKey, RetiredSecret, Rotation, SentReminder,
    StoreAdmin, TokenEdit, TokenFilter, TokenRow, Tx, UsagePeriod, UsageUpdate, UserKey,
    UserStanding, VerifyRow,
};

impl StoreAdmin for PgStore {
    fn prefer_throughput(&self) -> Result<()> {
        self.relax_durability()
    }

    /// The server sizes its own buffers.
    fn prefer_bulk_writes(&self) -> Result<()> {
        Ok(())
    }

    /// A team store keeps no journal: usage goes to the server with
    /// `synchronous_commit = off`, which already costs the client no wait
    /// for the disk, and the server's WAL is no one-shot process's to read.
    fn defer_usage(&self, _usage: &DeferredUsage) -> Result<Option<u64>> {
        Ok(None)
    }

    fn deferred_usage_waiting(&self) -> Result<bool> {
        Ok(false)
    }

    /// A team store is copied with the server's own tools, which see every
    /// table of the schema at one snapshot and restore with its grants.
    fn backup_into(&self, _dest: &std::path::Path) -> Result<()> {
        Err(Error::request(
            "tokctl backup copies a local store; back up a team store with pg_dump \
             (for example: pg_dump --schema=tokctl --format=custom DBNAME)",
            RequestProblem::Other,
        ))
    }

    /// The server checks its own pages; nothing more is checked here yet.
    fn integrity_problems(&self) -> Result<Vec<String>> {
        Ok(Vec::new())
    }

    fn schema_version(&self) -> Result<i64> {
        PgStore::schema_version(self)
    }
}

/// PostgreSQL: each method is the query of the same name on [`Queries`].
impl Tx for Queries<'_> {
    fn store_id(&self) -> Result<String> {
        Queries::store_id(self)
    }

    fn org_key(&self, name: &str) -> Result<Option<OrgKey>> {
        Queries::org_key(self, name)
    }

    fn insert_org(&self, name: &str, now: Timestamp) -> Result<OrgKey> {
        Queries::insert_org(self, name, now)
    }

    fn orgs(&self) -> Result<Vec<Org>> {
        Queries::orgs(self)
    }

    fn org_name(&self, org: OrgKey) -> Result<String> {
        Queries::org_name(self, org)
    }

    fn user_key(&self, name: &str) -> Result<Option<UserKey>> {
        Queries::user_key(self, name)
    }

    fn insert_user(&self, user: &User) -> Result<UserKey> {
        Queries::insert_user(self, user)
    }

    fn update_user(&self, key: UserKey, user: &User) -> Result<()> {
        Queries::update_user(self, key, user)
    }

    fn user(&self, name: &str) -> Result<Option<(UserKey, User)>> {
        Queries::user(self, name)
    }

    fn user_standing(&self, name: &str) -> Result<Option<UserStanding>> {
        Queries::user_standing(self, name)
    }

    fn users(&self) -> Result<Vec<User>> {
        Queries::users(self)
    }

    fn user_name(&self, user: UserKey) -> Result<String> {
        Queries::user_name(self, user)
    }

    fn has_no_users(&self) -> Result<bool> {
        Queries::has_no_users(self)
    }

    fn upsert_membership(
        &self,
        org: OrgKey,
        user: UserKey,
        role: Role,
        now: Timestamp,
    ) -> Result<()> {
        Queries::upsert_membership(self, org, user, role, now)
    }

    fn role(&self, org: OrgKey, user: UserKey) -> Result<Option<Role>> {
        Queries::role(self, org, user)
    }

    fn orgs_of(&self, user: UserKey) -> Result<Vec<(OrgKey, String, Role)>> {
        Queries::orgs_of(self, user)
    }

    fn memberships(&self, org: Option<OrgKey>) -> Result<Vec<Membership>> {
        Queries::memberships(self, org)
    }

    fn owner_count(&self, org: OrgKey) -> Result<i64> {
        Queries::owner_count(self, org)
    }

    fn administers_any_org(&self, user: UserKey) -> Result<bool> {
        Queries::administers_any_org(self, user)
    }

    fn delete_membership(&self, org: OrgKey, user: UserKey) -> Result<()> {
        Queries::delete_membership(self, org, user)
    }

    fn allocate_token_id(&self) -> Result<TokenId> {
        Queries::allocate_token_id(self)
    }

    fn insert_token(&self, new: &NewToken<'_>) -> Result<()> {
        Queries::insert_token(self, new)
    }

    fn live_name_taken(
        &self,
        org: OrgKey,
        owner: Option<UserKey>,
        name: &str,
        now: Timestamp,
    ) -> Result<bool> {
        Queries::live_name_taken(self, org, owner, name, now)
    }

    fn token(&self, id: TokenId) -> Result<Option<TokenRow>> {
        Queries::token(self, id)
    }

    fn tokens(&self, filter: &TokenFilter) -> Result<Vec<TokenRow>> {
        Queries::tokens(self, filter)
    }

    fn token_label(&self, id: TokenId) -> Result<Option<(String, String)>> {
        Queries::token_label(self, id)
    }

    fn token_count(&self, org: OrgKey) -> Result<u64> {
        Queries::token_count(self, org)
    }

    fn delete_token(&self, id: TokenId) -> Result<()> {
        Queries::delete_token(self, id)
    }

    fn revoke_token(
        &self,
        id: TokenId,
        at: Timestamp,
        by: UserKey,
        reason: Option<&str>,
    ) -> Result<bool> {
        Queries::revoke_token(self, id, at, by, reason)
    }

    fn deactivate_token(
        &self,
        id: TokenId,
        at: Timestamp,
        by: UserKey,
        reason: Option<&str>,
    ) -> Result<bool> {
        Queries::deactivate_token(self, id, at, by, reason)
    }

    fn activate_token(&self, id: TokenId) -> Result<bool> {
        Queries::activate_token(self, id)
    }

    fn edit_token(&self, edit: &TokenEdit<'_>) -> Result<bool> {
        Queries::edit_token(self, edit)
    }

    fn secret_hash(&self, token: TokenId) -> Result<Option<Vec<u8>>> {
        Queries::secret_hash(self, token)
    }

    fn retired_secrets(&self, token: TokenId) -> Result<Vec<RetiredSecret>> {
        Queries::retired_secrets(self, token)
    }

    fn rotate_secret(&self, rotation: &Rotation<'_>) -> Result<()> {
        Queries::rotate_secret(self, rotation)
    }

    fn verify_row(&self, id: TokenId, presented: &SecretHash) -> Result<Option<VerifyRow>> {
        Queries::verify_row(self, id, presented)
    }

    fn retired_match(&self, token: TokenId, presented: &SecretHash) -> Result<Option<Timestamp>> {
        Queries::retired_match(self, token, presented)
    }

    fn policy(&self, org: OrgKey) -> Result<Policy> {
        Queries::policy(self, org)
    }

    fn set_policy(&self, org: OrgKey, policy: &Policy) -> Result<()> {
        Queries::set_policy(self, org, policy)
    }

    fn append_event(&self, event: &NewEvent) -> Result<i64> {
        Queries::append_event(self, event)
    }

    fn audit_head(&self) -> Result<Option<Checkpoint>> {
        Queries::audit_head(self)
    }

    fn audit_checkpoint(&self) -> Result<Option<Checkpoint>> {
        Queries::audit_checkpoint(self)
    }

    fn last_event_before(&self, cutoff: Timestamp) -> Result<Option<Checkpoint>> {
        Queries::last_event_before(self, cutoff)
    }

    fn count_events_through(&self, checkpoint: &Checkpoint) -> Result<u64> {
        Queries::count_events_through(self, checkpoint)
    }

    fn prune_events_through(&self, checkpoint: &Checkpoint) -> Result<u64> {
        Queries::prune_events_through(self, checkpoint)
    }

    fn event_counts_by_token(&self, action: &str) -> Result<HashMap<i64, u64>> {
        Queries::event_counts_by_token(self, action)
    }

    fn token_change_summary(&self) -> Result<Vec<(TokenId, bool, u64)>> {
        Queries::token_change_summary(self)
    }

    fn apply_usage(&self, updates: &[UsageUpdate]) -> Result<()> {
        Queries::apply_usage(self, updates)
    }

    /// No journal on a team store (see `defer_usage`).
    fn take_deferred_usage(&self) -> Result<Vec<DeferredUsage>> {
        Ok(Vec::new())
    }

    fn usage_history(&self, token: TokenId, since: Timestamp) -> Result<Vec<UsagePeriod>> {
        Queries::usage_history(self, token, since)
    }

    fn org_usage_by_day(&self, org: OrgKey, since: Timestamp) -> Result<Vec<UsagePeriod>> {
        Queries::org_usage_by_day(self, org, since)
    }

    fn prune_usage_before(&self, cutoff: Timestamp) -> Result<u64> {
        Queries::prune_usage_before(self, cutoff)
    }

    fn reminders_sent(
        &self,
        threshold: &str,
        expiring_after: Timestamp,
    ) -> Result<Vec<SentReminder>> {
        Queries::reminders_sent(self, threshold, expiring_after)
    }

    fn remember_reminder(&self, reminder: &SentReminder) -> Result<()> {
        Queries::remember_reminder(self, reminder)
    }

    fn visit_tokens(
        &self,
        filter: &TokenFilter,
        each: &mut dyn FnMut(TokenRow) -> ControlFlow<()>,
    ) -> Result<()> {
        Queries::visit_tokens(self, filter, each)
    }

    fn visit_token_names(
        &self,
        filter: &TokenFilter,
        each: &mut dyn FnMut(TokenId, &str) -> ControlFlow<()>,
    ) -> Result<()> {
        Queries::visit_token_names(self, filter, each)
    }

    fn visit_events(
        &self,
        filter: &EventFilter,
        each: &mut dyn FnMut(Event) -> ControlFlow<()>,
    ) -> Result<()> {
        Queries::visit_events(self, filter, each)
    }
}
