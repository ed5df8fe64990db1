//! The seam between `ops` and a backend: [`Tx`] lists what the use cases
//! need from one transaction (or one read), in tokctl's types, and
//! [`StoreAdmin`] what they ask of a store outside its transactions. The
//! SQLite backend (`store/sqlite/tx.rs`) implements both; a second backend
//! implements them in its own module, and `ops` does not change.
//! [`Loader`] is the bulk path that moves a whole store into an empty one
//! (`store copy`, seeding benchmarks).

use std::collections::HashMap;
use std::ops::ControlFlow;

use super::{
    Checkpoint, DeferredUsage, EventFilter, LoadEnd, NewToken, OrgKey, RecordBatch, RetiredSecret,
    Rotation, SentReminder, StoreFacts, StoreRecord, TokenEdit, TokenFilter, TokenRow, UsagePeriod,
    UsageUpdate, UserKey, UserStanding, VerifyRow,
};
use crate::audit::{Event, NewEvent};
use crate::clock::Timestamp;
use crate::error::{Error, Result};
use crate::model::{Membership, Org, Role, TokenId, User};
use crate::policy::Policy;
use crate::secret::SecretHash;

/// What `ops` needs from a store, inside one transaction: inside
/// [`super::Store::write`] every call sees and makes changes that commit
/// together or not at all; through [`super::Store::read`] every call is
/// its own read.
///
/// Synchronous on purpose: every use case is a short transaction on one
/// thread, and the verify path is a single lookup.
///
/// What every implementation must guarantee, beyond each method's own
/// contract:
///
/// - **Atomic writes, one writer at a time per conflict.** A write
///   transaction commits all of its changes or none, and two transactions
///   that read what the other writes are serialized (SQLite: `BEGIN
///   IMMEDIATE` and its single writer). The methods that lean on this say
///   so: [`Tx::append_event`], [`Tx::allocate_token_id`],
///   [`Tx::live_name_taken`].
/// - **Queries in tokctl's terms.** Filters mean the same on every backend
///   (the name pattern of [`TokenFilter`] is a glob, see [`Tx::tokens`]);
///   orders are the documented ones; times are Unix seconds.
/// - **Errors as [`crate::store::StoreError`].** A driver's error is
///   converted inside the backend's module, with busy and corrupt stores
///   told apart, so exit codes do not depend on the backend.
/// - **No secret in a query.** Only digests are stored or compared by the
///   store; the constant-time compare happens in `ops`.
///
/// Streaming reads ([`dyn Tx::for_each_token`], [`dyn Tx::for_each_event`])
/// are generic over the caller's error type, so they live on `dyn Tx` and
/// call the object-safe [`Tx::visit_tokens`] and [`Tx::visit_events`].
pub trait Tx {
    // Store identity

    /// This store's random id (keeps keyring entries of two stores apart).
    fn store_id(&self) -> Result<String>;

    // Directory: orgs, users, memberships

    /// The row id of the org named `name`.
    fn org_key(&self, name: &str) -> Result<Option<OrgKey>>;

    /// Adds an org; the caller has checked the name is free.
    fn insert_org(&self, name: &str, now: Timestamp) -> Result<OrgKey>;

    /// Every org, by name.
    fn orgs(&self) -> Result<Vec<Org>>;

    /// The name of the org with this row id.
    fn org_name(&self, org: OrgKey) -> Result<String>;

    /// The row id of the user named `name`.
    fn user_key(&self, name: &str) -> Result<Option<UserKey>>;

    /// Adds a user (name, creation time, display name, e-mail address,
    /// kind, removal time as given); the caller has checked the name is free.
    fn insert_user(&self, user: &User) -> Result<UserKey>;

    /// Rewrites a user's display name, e-mail address, kind and removal
    /// time from `user`; its name and creation time never change.
    fn update_user(&self, key: UserKey, user: &User) -> Result<()>;

    /// Every user, removed ones included, by name.
    fn users(&self) -> Result<Vec<User>>;

    /// The user named `name`, with its key.
    fn user(&self, name: &str) -> Result<Option<(UserKey, User)>>;

    /// The key of the user named `name`, and whether they are active or
    /// removed: what every command asks about its actor. Implementations
    /// answer it also to callers who may read no table (a team store's
    /// verifiers).
    fn user_standing(&self, name: &str) -> Result<Option<UserStanding>>;

    /// The name of the user with this row id.
    fn user_name(&self, user: UserKey) -> Result<String>;

    /// Whether the store has no users yet (a brand-new store).
    fn has_no_users(&self) -> Result<bool>;

    /// Adds a membership or changes its role.
    fn upsert_membership(
        &self,
        org: OrgKey,
        user: UserKey,
        role: Role,
        now: Timestamp,
    ) -> Result<()>;

    /// The user's role in the org, if a member.
    fn role(&self, org: OrgKey, user: UserKey) -> Result<Option<Role>>;

    /// The orgs the user belongs to, by name, with their role there.
    fn orgs_of(&self, user: UserKey) -> Result<Vec<(OrgKey, String, Role)>>;

    /// Memberships, optionally of one org, by org then user.
    fn memberships(&self, org: Option<OrgKey>) -> Result<Vec<Membership>>;

    /// How many owners the org has.
    fn owner_count(&self, org: OrgKey) -> Result<i64>;

    /// Whether the user is admin or owner of at least one org.
    fn administers_any_org(&self, user: UserKey) -> Result<bool>;

    /// Removes the user from one org.
    fn delete_membership(&self, org: OrgKey, user: UserKey) -> Result<()>;

    // Tokens

    /// The id for the next token: the next storage key from the store's
    /// counter (never reused, even after a prune). Call inside the write
    /// transaction that inserts the token.
    ///
    /// Implementations must hand out each storage key once, also to
    /// concurrent writers (SQLite: the counter row read and bumped under the
    /// single writer; a server: a sequence or a locked counter row), and the
    /// keys must only grow, since the verify read seeks by key.
    fn allocate_token_id(&self) -> Result<TokenId>;

    /// Inserts a new token.
    fn insert_token(&self, new: &NewToken<'_>) -> Result<()>;

    /// Whether the owner already has a live (not revoked, not expired) token of this name.
    ///
    /// Liveness depends on `now`, so no unique index can say it: implementations
    /// must answer within the transaction that then inserts, with no other
    /// writer able to insert the same name in between (SQLite: the single
    /// writer; a server: a lock on the owner's row or a serializable
    /// transaction).
    fn live_name_taken(
        &self,
        org: OrgKey,
        owner: Option<UserKey>,
        name: &str,
        now: Timestamp,
    ) -> Result<bool>;

    /// The token with this id.
    fn token(&self, id: TokenId) -> Result<Option<TokenRow>>;

    /// Every token the filter lets through.
    ///
    /// Implementations must match [`TokenFilter`]'s name pattern as a glob
    /// (`*`, `?`, `[...]`, case-sensitive; SQLite's `GLOB`), not as `LIKE`.
    fn tokens(&self, filter: &TokenFilter) -> Result<Vec<TokenRow>>;

    /// The org and name of a token, to label a coalesced refusal event
    /// (`None` once the token was pruned).
    fn token_label(&self, id: TokenId) -> Result<Option<(String, String)>>;

    /// How many tokens of the org exist (every status; pruned ones are gone).
    fn token_count(&self, org: OrgKey) -> Result<u64>;

    /// Deletes a token's row (and, by cascade, its retired secrets).
    fn delete_token(&self, id: TokenId) -> Result<()>;

    /// Marks a token revoked; returns false if it already was.
    fn revoke_token(
        &self,
        id: TokenId,
        at: Timestamp,
        by: UserKey,
        reason: Option<&str>,
    ) -> Result<bool>;

    /// Marks a token deactivated; returns false if it already was, or is
    /// revoked (a revoked token is never deactivated).
    fn deactivate_token(
        &self,
        id: TokenId,
        at: Timestamp,
        by: UserKey,
        reason: Option<&str>,
    ) -> Result<bool>;

    /// Clears a token's deactivation; returns false if it was not
    /// deactivated or is revoked. The caller checks it has not expired.
    fn activate_token(&self, id: TokenId) -> Result<bool>;

    /// Rewrites a token's name, description, scopes and expiry (its
    /// secret, owner and history stay). Returns false if the token is gone
    /// or revoked. The caller checks the name is free and the scopes narrower.
    fn edit_token(&self, edit: &TokenEdit<'_>) -> Result<bool>;

    /// The current secret digest of a token.
    fn secret_hash(&self, token: TokenId) -> Result<Option<Vec<u8>>>;

    /// Old secrets of a token.
    fn retired_secrets(&self, token: TokenId) -> Result<Vec<RetiredSecret>>;

    /// Gives a token a new secret, keeping the old one valid until its grace
    /// deadline. Every secret retired earlier ends now: at most the one
    /// replaced by this rotation still works afterwards.
    fn rotate_secret(&self, rotation: &Rotation<'_>) -> Result<()>;

    /// The one read on the verify path: a rowid lookup, decoded without
    /// copying what it can borrow (names of the org and owner come from the
    /// session's cache, see `ops::verify`).
    ///
    /// It reads the row with the greatest key not above the token's, and
    /// returns it only if it is the token's: a key the store does not hold
    /// thus costs one seek and one decoded row, as a held key does, instead
    /// of a cheaper miss that would tell which ids exist.
    ///
    /// Implementations must keep the equal-work property: an unknown id
    /// costs what a known one does (the same lookup and decode).
    ///
    /// `presented` is the digest of the presented secret. A backend whose
    /// callers may not read digests (PostgreSQL, where the database
    /// enforces that) compares it inside the store and says the outcome
    /// through [`VerifyRow::hash`]; SQLite returns the stored digest.
    fn verify_row(&self, id: TokenId, presented: &SecretHash) -> Result<Option<VerifyRow>>;

    /// When the retired secret of `token` whose digest is `presented`
    /// stops verifying, if there is one (the latest rotated, if several).
    /// Every retired secret is compared, with no early exit; the caller
    /// reads this for an unknown id too, so both refusals take the same steps.
    fn retired_match(&self, token: TokenId, presented: &SecretHash) -> Result<Option<Timestamp>>;

    // Policies

    /// The org's policy (the permissive default when none was set).
    fn policy(&self, org: OrgKey) -> Result<Policy>;

    /// Replaces the org's policy.
    fn set_policy(&self, org: OrgKey, policy: &Policy) -> Result<()>;

    // Audit chain

    /// Appends an event to the chain. Call inside the write transaction of
    /// the change it records, so both commit or neither does.
    ///
    /// Implementations must link the chain: the new event's id is the
    /// previous head's id plus one and its hash chains to the head's hash
    /// ([`crate::audit::event_hash`]), with no other writer able to append
    /// between reading the head and inserting (SQLite: the single writer
    /// of a `BEGIN IMMEDIATE` transaction; a server: a row lock on the head
    /// or a serializable transaction).
    fn append_event(&self, event: &NewEvent) -> Result<i64>;

    /// The newest event's id and hash (what the next event chains to): the
    /// newest stored event, else the retention checkpoint, else nothing.
    fn audit_head(&self) -> Result<Option<Checkpoint>>;

    /// The retention checkpoint, if events were pruned.
    fn audit_checkpoint(&self) -> Result<Option<Checkpoint>>;

    /// The newest event at or before `cutoff`: where a retention prune stops.
    fn last_event_before(&self, cutoff: Timestamp) -> Result<Option<Checkpoint>>;

    /// Deletes every event up to and including `checkpoint` and records it,
    /// so the remaining chain verifies from there. Returns how many went.
    fn prune_events_through(&self, checkpoint: &Checkpoint) -> Result<u64>;

    /// How many events of `action` each token (public id) has.
    fn event_counts_by_token(&self, action: &str) -> Result<HashMap<i64, u64>>;

    /// Every token as (public id, revoked?, rotations).
    fn token_change_summary(&self) -> Result<Vec<(TokenId, bool, u64)>>;

    // Usage

    /// Adds coalesced usage to tokens and to their hourly history (the hour
    /// of `last_used_at`: the caller keeps one update per token and hour).
    /// `last_used_at` never moves backwards.
    fn apply_usage(&self, updates: &[UsageUpdate]) -> Result<()>;

    /// Inside a write transaction: the usage recorded in the backend's
    /// usage journal ([`StoreAdmin::defer_usage`]) that no committed
    /// transaction took yet, marked as taken by this one. Exactly once: if
    /// this transaction rolls back, the next one takes them; once it
    /// commits, none will. The caller writes them ([`Tx::apply_usage`] and
    /// their `token.use` events) in the same transaction. A backend without
    /// a journal returns nothing.
    fn take_deferred_usage(&self) -> Result<Vec<DeferredUsage>>;

    /// A token's uses per hour at or after `since`, oldest first.
    fn usage_history(&self, token: TokenId, since: Timestamp) -> Result<Vec<UsagePeriod>>;

    /// An org's uses per UTC day at or after `since` (tokens not yet pruned), oldest first.
    fn org_usage_by_day(&self, org: OrgKey, since: Timestamp) -> Result<Vec<UsagePeriod>>;

    /// How many events there are up to and including `checkpoint`.
    fn count_events_through(&self, checkpoint: &Checkpoint) -> Result<u64>;

    /// Deletes use history from hours that ended before `cutoff` (audit retention).
    fn prune_usage_before(&self, cutoff: Timestamp) -> Result<u64>;

    // Expiry reminders

    /// The reminders remembered for `threshold` about expiries after
    /// `expiring_after` (earlier ones are about tokens that have expired),
    /// of the tokens the caller administers.
    fn reminders_sent(
        &self,
        threshold: &str,
        expiring_after: Timestamp,
    ) -> Result<Vec<SentReminder>>;

    /// Remembers a reminder as handed over (again: its time is updated).
    /// Call inside the write transaction that appends its `notify.sent`
    /// event. A token's reminders go when its row is pruned.
    fn remember_reminder(&self, reminder: &SentReminder) -> Result<()>;

    // Streaming reads, object-safe; callers use the generic wrappers on `dyn Tx`.

    /// Calls `each` for every token the filter lets through, in the
    /// filter's order, one row at a time (memory stays flat however large
    /// the store), until `each` breaks.
    fn visit_tokens(
        &self,
        filter: &TokenFilter,
        each: &mut dyn FnMut(TokenRow) -> ControlFlow<()>,
    ) -> Result<()>;

    /// Calls `each` with the id and name of every token the filter lets
    /// through, in order, until `each` breaks: the walk of
    /// [`Tx::visit_tokens`] without the rest of each row, for offering names.
    fn visit_token_names(
        &self,
        filter: &TokenFilter,
        each: &mut dyn FnMut(TokenId, &str) -> ControlFlow<()>,
    ) -> Result<()>;

    /// Calls `each` for every event the filter lets through, in id order,
    /// one row at a time, until `each` breaks.
    fn visit_events(
        &self,
        filter: &EventFilter,
        each: &mut dyn FnMut(Event) -> ControlFlow<()>,
    ) -> Result<()>;
}

impl dyn Tx + '_ {
    /// Calls `each` for every token the filter lets through, in order, one
    /// row at a time. `each` may fail with its own error type, which stops
    /// the walk.
    pub fn for_each_token<E: From<Error>>(
        &self,
        filter: &TokenFilter,
        mut each: impl FnMut(TokenRow) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut failure = None;
        self.visit_tokens(filter, &mut |row| match each(row) {
            Ok(()) => ControlFlow::Continue(()),
            Err(err) => {
                failure = Some(err);
                ControlFlow::Break(())
            }
        })?;
        failure.map_or(Ok(()), Err)
    }

    /// Calls `each` for every event the filter lets through, in id order,
    /// one row at a time. `each` may fail with its own error type, which
    /// stops the walk.
    pub fn for_each_event<E: From<Error>>(
        &self,
        filter: &EventFilter,
        mut each: impl FnMut(Event) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut failure = None;
        self.visit_events(filter, &mut |event| match each(event) {
            Ok(()) => ControlFlow::Continue(()),
            Err(err) => {
                failure = Some(err);
                ControlFlow::Break(())
            }
        })?;
        failure.map_or(Ok(()), Err)
    }
}

/// What `ops` asks of a backend outside its transactions: durability,
/// copies, health. What is asked is the same for every backend; how is the
/// backend's own (SQLite: a pragma, the online backup API, `integrity_check`).
/// Folding SQLite's WAL on close is not here: a backend tidies up after
/// itself when dropped.
pub trait StoreAdmin {
    /// Lets this connection's commits trade durability for speed: the last
    /// commits may be lost on a power cut, never corrupted. Only for the
    /// verify path, whose writes are usage counters. A backend with nothing
    /// to relax does nothing.
    fn prefer_throughput(&self) -> Result<()>;

    /// This connection is about to write many rows (a bulk mint): it may
    /// use more memory from now on to keep them off the disk (SQLite: a
    /// larger page cache). A backend with nothing to tune does nothing.
    fn prefer_bulk_writes(&self) -> Result<()>;

    /// Records `usage` without a write transaction, in the backend's usage
    /// journal, durable as the relaxed commits of
    /// [`StoreAdmin::prefer_throughput`] are (a crash of the process loses
    /// nothing, a power cut may lose the last records), to be folded into
    /// the store by a later write ([`Tx::take_deferred_usage`]). Returns
    /// the journal's size in bytes after the append, or `None` when the
    /// backend keeps no journal: the caller then writes the usage itself.
    fn defer_usage(&self, usage: &DeferredUsage) -> Result<Option<u64>>;

    /// Whether the usage journal holds anything a write would fold (one
    /// `stat`; always false for a backend without a journal).
    fn deferred_usage_waiting(&self) -> Result<bool>;

    /// Copies the whole store, consistently, into the reserved file `dest`.
    fn backup_into(&self, dest: &std::path::Path) -> Result<()>;

    /// The backend's own consistency check: empty when the store is sound.
    fn integrity_problems(&self) -> Result<Vec<String>>;

    /// The schema version of the open store.
    fn schema_version(&self) -> Result<i64>;
}

/// Where [`super::Store::dump`] sends a store: its facts first (the
/// checkpoint a chain walk starts from), then every row, all from one
/// snapshot.
pub trait DumpSink {
    /// The store's own facts, before any row.
    fn facts(&mut self, facts: &StoreFacts);

    /// One row; `Break` stops the dump.
    fn record(&mut self, record: StoreRecord) -> ControlFlow<()>;
}

/// The bulk path into an empty store, inside the one write transaction of
/// [`super::Store::load`]: rows go in as they are, with their keys,
/// digests, actors, times and use counts, past the checks a change by a
/// user gets (who may act, the org's policy, an event per change), and
/// fast (PostgreSQL: `COPY`). Nothing is visible to others until the
/// transaction commits, and nothing is left if it does not.
///
/// What every implementation must guarantee:
///
/// - **Only into an empty store, only by whoever may.** `Store::load`
///   checks both before the loader is handed out (a team store: its
///   database's owner or a superuser; the database refuses anyone else).
/// - **References hold.** Rows keep their keys; orgs and users are written
///   before what names them, tokens before their retired secrets.
/// - **The chain continues.** Events keep their ids and stored hashes;
///   after [`Loader::finish`] the next [`Tx::append_event`] links to the
///   last loaded event (or the checkpoint), so one chain runs through the
///   loaded events into the new ones.
/// - **Counters move past what was loaded**: the token-key counter (no
///   key is handed out twice) and any row-id sequence.
pub trait Loader {
    /// Writes a batch of rows, each kind in dependency order. Events must
    /// come in id order, continuing the previous batch's.
    fn load(&self, batch: &RecordBatch) -> Result<()>;

    /// Ends the load: checks that the loaded events run on from the
    /// checkpoint (or event 1) without a gap, sets the chain's head to the
    /// last of them, records the checkpoint, and moves the counters past
    /// the loaded keys. Call it once, after the last batch and before
    /// appending events.
    fn finish(&self, end: &LoadEnd) -> Result<()>;
}
