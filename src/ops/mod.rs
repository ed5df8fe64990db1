//! Use-cases the CLI calls, one file each, as methods on [`Session`].
//!
//! A session is one actor working on one store with one clock and one
//! keyring. Every check of who may do what happens here, never in the CLI.

mod audit;
mod backup;
mod check;
mod copy;
mod create;
mod deactivate;
mod directory;
mod doctor;
mod edit;
mod import;
mod inspect;
mod list;
mod notify;
mod offboard;
mod policy;
mod prune;
mod report;
mod revoke;
mod rotate;
mod scan;
mod secret;
mod verify;

use std::sync::{Arc, Mutex, MutexGuard};

pub use crate::audit::{ChainReport, ExpectedHead};
pub use audit::{AuditPrunePlan, AuditPruned, AuditQuery};
pub use check::{CheckReport, CheckRequest};
pub use copy::StoreCopy;
pub use create::{CreateChoices, CreateRequest, Created, KeyringOutcome, OwnerChoice};
pub use deactivate::{BulkSwitched, Switch, SwitchPlan, Switched};
pub use directory::{Bootstrapped, UserEdit, UserEdited, UserProfile};
pub use doctor::{DoctorReport, EntryListing, KeyringHealth, OrphanEntry};
pub use edit::{EditRequest, Edited};
pub use import::{DirectoryChange, ImportCounts, ImportPlan};
pub use inspect::{Inspection, SecretMatch};
pub use list::{OldSecret, Selection, StatusChoice, TokenDetails};
pub use notify::{
    RemindedToken, Reminder, ReminderChannel, ReminderPlan, ReminderReason, ReminderRequest,
};
pub use offboard::{OffboardPlan, Offboarded};
pub use policy::{policy_json, Clamped, PlannedClamp, PolicyFinding};
pub use prune::{BulkPruned, PrunePlan, Pruned};
pub use report::{DayUses, LastUseBuckets, OrgReport, StatusCounts, UsedToken, USAGE_DAYS};
pub use revoke::{BulkRevoked, RevokeOutcome, RevokePlan, Revoked, SkipReason};
pub use rotate::{RotateRequest, Rotated};
pub use scan::{FoundRevokePlan, FoundStatus, Identified, PlannedRevocation};
pub use verify::{PendingUsage, Verified, COALESCE_WINDOW_SECONDS, MAX_PENDING_TOKENS};

use crate::audit::{NewEvent, Outcome};
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::keyring::{KeyringEntry, KeyringError, KeyringMode, SecretKeeper};
use crate::model::{Role, Token, TokenId, UserKind, UserStatus};
use crate::secret::Generator;
use crate::store::{OrgKey, Store, TokenFilter, TokenRow, Tx, UserKey, UserStanding, Visibility};

/// One actor working on one store.
#[derive(Debug)]
pub struct Session {
    store: Store,
    ctx: Ctx,
    usage: verify::UsageBuffer,
    names: verify::NameCache,
    /// Set by [`Session::prefer_throughput`], so a new connection
    /// ([`Session::reconnect_if_lost`]) gets the same setting.
    throughput_preferred: bool,
}

/// Everything of a session but the store, so that helpers can run inside a
/// write transaction (which borrows the store mutably).
#[derive(Debug)]
struct Ctx {
    clock: Arc<dyn Clock>,
    /// Shared with the session's siblings ([`Session::sibling`]).
    keyring: Arc<dyn SecretKeeper>,
    keyring_mode: KeyringMode,
    keyring_state: Mutex<KeyringState>,
    generator: Generator,
    actor: String,
    /// The OS account running this session, recorded in every event.
    os_user: Option<String>,
}

/// What the current operation learnt about the keyring. A bulk operation on
/// a host without a usable keyring would otherwise ask it, and audit, once
/// per token. Each operation starts afresh ([`Ctx::start_keyring_operation`]),
/// so a keyring unlocked in the meantime is used again.
#[derive(Debug, Default)]
struct KeyringState {
    /// The first failure that made the whole keyring unusable (unreachable or
    /// locked): later calls of this operation fail the same way without asking.
    down: Option<KeyringError>,
    /// Whether this operation has written its one `keyring.failure` event.
    audited: bool,
}

/// The actor resolved against the store.
#[derive(Debug, Clone, Copy)]
struct Actor {
    key: UserKey,
    /// A person or a service account (the policy's member-tokens rule asks).
    kind: UserKind,
}

impl Session {
    /// A session of `actor` (a login name) on `store`.
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        keyring: Box<dyn SecretKeeper>,
        keyring_mode: KeyringMode,
        actor: impl Into<String>,
    ) -> Self {
        Session {
            store,
            ctx: Ctx {
                clock,
                keyring: Arc::from(keyring),
                keyring_mode,
                keyring_state: Mutex::default(),
                generator: Generator::default(),
                actor: actor.into(),
                os_user: None,
            },
            usage: verify::UsageBuffer::default(),
            names: verify::NameCache::default(),
            throughput_preferred: false,
        }
    }

    /// Another session of the same actor on the same store, through a
    /// connection of its own ([`Store::reopen`]), with the same clock,
    /// keyring and OS account and nothing counted yet: for a service that
    /// verifies on several threads (a `Session` holds one connection and is
    /// not `Sync`).
    pub fn sibling(&self) -> Result<Session> {
        Ok(self.sibling_on(self.store.reopen()?))
    }

    /// A session of the same actor, with the same clock, keyring and OS
    /// account, on `store` (another connection to the same store: a service
    /// verifying on a replica of its team store), nothing counted yet.
    pub fn sibling_on(&self, store: Store) -> Session {
        Session {
            store,
            ctx: Ctx {
                clock: Arc::clone(&self.ctx.clock),
                keyring: Arc::clone(&self.ctx.keyring),
                keyring_mode: self.ctx.keyring_mode,
                keyring_state: Mutex::default(),
                generator: Generator::default(),
                actor: self.ctx.actor.clone(),
                os_user: self.ctx.os_user.clone(),
            },
            usage: verify::UsageBuffer::default(),
            names: verify::NameCache::default(),
            throughput_preferred: false,
        }
    }

    /// Replaces this session's store connection with a new one if the
    /// server closed it (a restarted server, an ended session); usage held
    /// in memory stays. `Ok(true)`: a new connection was made; `Ok(false)`:
    /// the connection is fine; an error: the server cannot be reached yet,
    /// and the next call tries again.
    pub fn reconnect_if_lost(&mut self) -> Result<bool> {
        if !self.store.connection_lost() {
            return Ok(false);
        }
        let store = self.store.reopen()?;
        if self.throughput_preferred {
            store.admin().prefer_throughput()?;
        }
        self.store = store;
        self.names = verify::NameCache::default();
        Ok(true)
    }

    /// Whether the store answers a read: what a service's health check asks.
    pub fn check_store(&self) -> Result<()> {
        self.store.admin().schema_version().map(|_| ())
    }

    /// Records `os_user` (the operating-system account running this
    /// session, e.g. "alice (uid 1000)") in every audit event the session
    /// writes, beside the tokctl user it acts as. The caller determines it:
    /// the library reads no environment.
    #[must_use]
    pub fn with_os_user(mut self, os_user: impl Into<String>) -> Self {
        self.ctx.os_user = Some(os_user.into());
        self
    }

    /// The acting user's name.
    pub fn actor_name(&self) -> &str {
        &self.ctx.actor
    }

    /// The OS account recorded in events, if the caller gave one.
    pub fn os_user(&self) -> Option<&str> {
        self.ctx.os_user.as_deref()
    }

    /// The store, for read-only inspection in tests. The binary never
    /// touches the store: it goes through the session's methods.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Lets this session's commits skip the wait for the disk: the last
    /// usage counts may be lost on a power cut, never a revocation (other
    /// commands commit durably). For verification, whose writes are usage
    /// counters; see [`crate::store::StoreAdmin::prefer_throughput`].
    pub fn prefer_throughput(&mut self) -> Result<()> {
        self.store.admin().prefer_throughput()?;
        self.throughput_preferred = true;
        Ok(())
    }

    /// Runs `work` in a write transaction with the actor resolved inside it.
    /// As with [`Store::write`], `work` runs again when the store retries the
    /// transaction after a conflict: what it changed outside the transaction
    /// it undoes at its start.
    fn write_as_actor<T>(
        &mut self,
        mut work: impl FnMut(&dyn Tx, &Ctx, Actor) -> Result<T>,
    ) -> Result<T> {
        let ctx = &self.ctx;
        self.store.write(|q| {
            let actor = ctx.actor(q)?;
            work(q, ctx, actor)
        })
    }
}

impl Ctx {
    /// An event by the actor, now, with outcome `ok` and no details; callers
    /// fill in the rest with struct update syntax.
    fn event(&self, action: &'static str) -> NewEvent {
        NewEvent {
            at: self.clock.now(),
            actor: Some(self.actor.clone()),
            os_user: self.os_user.clone(),
            action,
            outcome: Outcome::Ok,
            org: None,
            token_id: None,
            target: None,
            details: serde_json::json!({}),
        }
    }

    /// An event about one token.
    fn token_event(
        &self,
        action: &'static str,
        token: &Token,
        details: serde_json::Value,
    ) -> NewEvent {
        NewEvent {
            org: Some(token.org.clone()),
            token_id: Some(token.id),
            target: Some(token.name.clone()),
            details,
            ..self.event(action)
        }
    }

    /// The acting user, who must be registered and not removed: an
    /// offboarded person keeps their row for the record, not their say.
    fn actor(&self, q: &dyn Tx) -> Result<Actor> {
        match q.user_standing(&self.actor)? {
            Some(UserStanding {
                status: UserStatus::Removed,
                ..
            }) => Err(Error::RemovedActor {
                name: self.actor.clone(),
            }),
            Some(standing) => Ok(Actor {
                key: standing.key,
                kind: standing.kind,
            }),
            None => Err(Error::UnknownActor {
                name: self.actor.clone(),
            }),
        }
    }

    /// The org named `name`, which the actor must belong to with at least `needed`.
    fn org_with_role(
        &self,
        q: &dyn Tx,
        actor: Actor,
        name: &str,
        needed: Role,
        action: &str,
    ) -> Result<OrgKey> {
        let org = q.org_key(name)?.ok_or_else(|| Error::NotFound {
            kind: "org",
            name: name.to_owned(),
        })?;
        require_role(q, actor, org, name, needed, action)?;
        Ok(org)
    }

    /// The org to act in: the one named, or the actor's only org.
    fn default_org(
        &self,
        q: &dyn Tx,
        actor: Actor,
        named: Option<&str>,
    ) -> Result<(OrgKey, String)> {
        if let Some(name) = named {
            let key = self.org_with_role(q, actor, name, Role::Member, "using the org")?;
            return Ok((key, name.to_owned()));
        }
        let orgs = q.orgs_of(actor.key)?;
        match orgs.as_slice() {
            [(key, name, _)] => Ok((*key, name.clone())),
            [] => Err(Error::request(
                format!("user '{}' belongs to no org", self.actor),
                crate::error::RequestProblem::NoOrg,
            )),
            many => Err(Error::request(
                format!(
                    "user '{}' belongs to {} orgs; name the one to use",
                    self.actor,
                    many.len()
                ),
                crate::error::RequestProblem::ManyOrgs {
                    orgs: many.iter().map(|(_, name, _)| name.clone()).collect(),
                },
            )),
        }
    }

    /// What the actor may see: all tokens where admin or owner, own tokens where member.
    fn visibility(&self, q: &dyn Tx, actor: Actor, only_org: Option<OrgKey>) -> Result<Visibility> {
        let mut visibility = Visibility {
            user: actor.key,
            ..Visibility::default()
        };
        for (org, _, role) in q.orgs_of(actor.key)? {
            if only_org.is_some_and(|only| only != org) {
                continue;
            }
            if role >= Role::Admin {
                visibility.full.push(org);
            } else {
                visibility.own_only.push(org);
            }
        }
        Ok(visibility)
    }

    /// Finds the token named by an id or a name among those the actor can see.
    /// A live token (active or deactivated) wins over expired or revoked
    /// ones of the same name.
    fn resolve_token(
        &self,
        q: &dyn Tx,
        actor: Actor,
        reference: &str,
        org: Option<&str>,
    ) -> Result<TokenRow> {
        let only_org = match org {
            Some(name) => {
                Some(self.org_with_role(q, actor, name, Role::Member, "using the org")?)
            }
            None => None,
        };
        let visibility = self.visibility(q, actor, only_org)?;
        let can_see = |row: &TokenRow| {
            visibility.full.contains(&row.org_key)
                || (visibility.own_only.contains(&row.org_key) && row.owner_key == Some(actor.key))
        };
        if let Ok(id) = reference.parse::<TokenId>() {
            if let Some(row) = q.token(id)? {
                if can_see(&row) {
                    return Ok(row);
                }
                // Whoever names an id learns only that it exists and whose org it is.
                return Err(Error::Forbidden {
                    action: "managing this token".into(),
                    needed: Role::Admin.as_str(),
                    org: row.token.org,
                });
            }
        }
        let now = self.clock.now();
        let filter = TokenFilter {
            visible_to: Some(visibility),
            name: Some(reference.to_owned()),
            now,
            ..TokenFilter::default()
        };
        let mut matches = q.tokens(&filter)?;
        let live: Vec<usize> = (0..matches.len())
            .filter(|&i| matches[i].token.status(now).not_ended())
            .collect();
        let pick = match (live.as_slice(), matches.len()) {
            ([one], _) => Some(*one),
            ([], 1) => Some(0),
            _ => None,
        };
        match pick {
            Some(index) => Ok(matches.swap_remove(index)),
            None if matches.is_empty() => Err(Error::NotFound {
                kind: "token",
                name: crate::error::quote_for_message(reference),
            }),
            None => Err(Error::Ambiguous {
                kind: "token",
                name: crate::error::quote_for_message(reference),
                count: if live.is_empty() {
                    matches.len()
                } else {
                    live.len()
                },
            }),
        }
    }

    /// Whether the actor may manage (rotate, revoke, read the secret of) this token:
    /// their own personal token, or any token of an org they administer.
    fn require_manage(&self, q: &dyn Tx, actor: Actor, row: &TokenRow, action: &str) -> Result<()> {
        if row.owner_key == Some(actor.key) {
            return Ok(());
        }
        require_role(q, actor, row.org_key, &row.token.org, Role::Admin, action)
    }
}

impl Ctx {
    fn keyring_state(&self) -> MutexGuard<'_, KeyringState> {
        // The state is two plain fields: a panic elsewhere cannot leave it torn.
        self.keyring_state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Forgets what an earlier operation learnt about the keyring.
    fn start_keyring_operation(&self) {
        *self.keyring_state() = KeyringState::default();
    }

    /// Forgets that this operation audited a keyring failure: its event
    /// was in a transaction that rolled back and runs again.
    fn forget_keyring_audit(&self) {
        self.keyring_state().audited = false;
    }

    /// Gives a keyring entry back what it held before a change that did not
    /// commit (`None`: it did not exist). Best effort: the store is right
    /// either way, and `tokctl secret` refuses a secret the store does not
    /// accept.
    fn put_back(&self, entry: &KeyringEntry, before: Option<&crate::secret::Secret>) {
        let _ = match before {
            Some(old) => self.keyring.put(entry, old),
            None => self.keyring.delete(entry),
        };
    }

    /// Calls the keyring, unless an earlier call of this operation found it
    /// unreachable or locked: then this fails the same way without asking, so
    /// a bulk operation asks once, not once per token (each failed ask can
    /// mean a D-Bus timeout or an unlock prompt).
    fn keyring_call<T>(
        &self,
        call: impl FnOnce(&dyn SecretKeeper) -> std::result::Result<T, KeyringError>,
    ) -> std::result::Result<T, KeyringError> {
        if let Some(down) = &self.keyring_state().down {
            return Err(down.clone());
        }
        let result = call(self.keyring.as_ref());
        if let Err(error) = &result {
            if error.is_keyring_wide() {
                self.keyring_state()
                    .down
                    .get_or_insert_with(|| error.clone());
            }
        }
        result
    }

    /// The one `keyring.failure` event of this operation, or `None` when it
    /// was written already (later failures are still returned to the
    /// caller, just not audited again), or when nothing failed. It records
    /// the first error, names the token when only one was affected, and
    /// counts them in `details.tokens`.
    fn keyring_failure_event(
        &self,
        operation: &str,
        failed: &[(&Token, &KeyringError)],
    ) -> Option<NewEvent> {
        let (first, error) = *failed.first()?;
        {
            let mut state = self.keyring_state();
            if state.audited {
                return None;
            }
            state.audited = true;
        }
        let details = serde_json::json!({
            "operation": operation,
            "error": error.to_string(),
            "tokens": failed.len(),
        });
        let event = if failed.len() == 1 {
            self.token_event(crate::audit::action::KEYRING_FAILURE, first, details)
        } else {
            NewEvent {
                details,
                ..self.event(crate::audit::action::KEYRING_FAILURE)
            }
        };
        Some(NewEvent {
            outcome: Outcome::Failed,
            ..event
        })
    }

    /// Puts a freshly minted secret in the keyring, as the mode says: `off`
    /// leaves it alone; in `auto` a failure is returned as the outcome (the
    /// caller audits it once for all its tokens); in `required` it aborts the
    /// caller's transaction. Returns where the secret went, and the entry
    /// when one was written.
    fn keep_secret(
        &self,
        q: &dyn Tx,
        token: &Token,
        secret: &crate::secret::Secret,
    ) -> Result<(KeyringOutcome, Option<KeyringEntry>)> {
        if self.keyring_mode == KeyringMode::Off {
            return Ok((KeyringOutcome::Off, None));
        }
        let entry = keyring_entry(q, token)?;
        match self.keyring_call(|keyring| keyring.put(&entry, secret)) {
            Ok(()) => Ok((
                KeyringOutcome::Stored {
                    backend: self.keyring.backend().to_owned(),
                },
                Some(entry),
            )),
            Err(error) if self.keyring_mode == KeyringMode::Auto => {
                Ok((KeyringOutcome::Failed { error }, None))
            }
            Err(error) => Err(error.into()),
        }
    }

    /// Replaces a rotated token's secret in the keyring, inside the rotation's
    /// transaction. When the new secret cannot be stored (`auto` mode), the
    /// entry holding the old one is removed, so the keyring never hands out a
    /// secret the store no longer accepts; when even that fails the outcome is
    /// [`KeyringOutcome::Stale`]. Audits a failure. Returns the outcome and,
    /// when the keyring was changed, what to put back if the commit fails.
    fn replace_secret(
        &self,
        q: &dyn Tx,
        token: &Token,
        secret: &crate::secret::Secret,
    ) -> Result<(KeyringOutcome, Option<KeyringRestore>)> {
        if self.keyring_mode == KeyringMode::Off {
            return Ok((KeyringOutcome::Off, None));
        }
        self.start_keyring_operation();
        let entry = keyring_entry(q, token)?;
        let before = self.keyring_call(|keyring| keyring.get(&entry)).ok();
        let (outcome, written) = self.keep_secret(q, token, secret)?;
        let KeyringOutcome::Failed { error } = outcome else {
            return Ok((outcome, written.map(|entry| (entry, before))));
        };
        let (outcome, restore) = match self.keyring_call(|keyring| keyring.delete(&entry)) {
            Ok(()) => (KeyringOutcome::Failed { error }, Some((entry, before))),
            Err(KeyringError::NoEntry) => (KeyringOutcome::Failed { error }, None),
            Err(_) => (KeyringOutcome::Stale { error }, None),
        };
        if let KeyringOutcome::Failed { error } | KeyringOutcome::Stale { error } = &outcome {
            if let Some(event) = self.keyring_failure_event("store", &[(token, error)]) {
                q.append_event(&event)?;
            }
        }
        Ok((outcome, restore))
    }
}

/// A keyring entry and the secret it held before (none: it did not exist),
/// to put back when the transaction that changed it does not commit.
type KeyringRestore = (KeyringEntry, Option<crate::secret::Secret>);

/// The keyring entry of a token in this store.
fn keyring_entry(q: &dyn Tx, token: &Token) -> Result<KeyringEntry> {
    Ok(KeyringEntry::for_token(
        &q.store_id()?,
        token.id,
        &token.name,
        &token.org,
    ))
}

/// The owner role in every org: what store-wide operations (backup, audit
/// retention) need, since they touch every org's data.
fn require_owner_everywhere(q: &dyn Tx, actor: Actor, action: &str) -> Result<()> {
    for org in q.orgs()? {
        let key = q.org_key(&org.name)?.ok_or_else(|| Error::NotFound {
            kind: "org",
            name: org.name.clone(),
        })?;
        require_role(q, actor, key, &org.name, Role::Owner, action)?;
    }
    Ok(())
}

/// The orgs where the actor is admin or owner, by name.
fn administered_orgs(q: &dyn Tx, actor: Actor) -> Result<Vec<(OrgKey, String)>> {
    Ok(q.orgs_of(actor.key)?
        .into_iter()
        .filter(|(_, _, role)| *role >= Role::Admin)
        .map(|(key, name, _)| (key, name))
        .collect())
}

/// The key of the registered user `name`, or not found.
fn registered_user(q: &dyn Tx, name: &str) -> Result<UserKey> {
    q.user_key(name)?.ok_or_else(|| Error::NotFound {
        kind: "user",
        name: name.to_owned(),
    })
}

fn require_role(
    q: &dyn Tx,
    actor: Actor,
    org: OrgKey,
    org_name: &str,
    needed: Role,
    action: &str,
) -> Result<()> {
    role_suffices(q.role(org, actor.key)?, org_name, needed, action)
}

/// The refusal [`require_role`] gives when `role` (the actor's in the org
/// named `org_name`) is less than `needed`, for callers that read it once
/// for many checks.
fn role_suffices(role: Option<Role>, org_name: &str, needed: Role, action: &str) -> Result<()> {
    match role {
        Some(role) if role >= needed => Ok(()),
        _ => Err(Error::Forbidden {
            action: action.to_owned(),
            needed: needed.as_str(),
            org: org_name.to_owned(),
        }),
    }
}
