//! A whole store as rows, for moving it into another store: what
//! [`super::Store::dump`] reads and a [`super::Loader`] writes. Unlike the
//! rest of the seam's types these carry everything as stored, the row keys
//! that tie them together, token digests, original actors and times, use
//! counts, so a load reproduces the store rather than replaying its history.

use crate::audit::{Checkpoint, Event};
use crate::clock::Timestamp;
use crate::model::{Role, TokenId, TokenKind};
use crate::scope::ScopeSet;
use crate::secret::SecretHash;

/// An org as stored. `key` is its row id in the store it came from; a load
/// keeps it, so the records that name it still do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgRecord {
    /// Row id.
    pub key: i64,
    /// Name.
    pub name: String,
    /// When it was added.
    pub created_at: Timestamp,
}

/// A user as stored (`key` as in [`OrgRecord`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// Row id.
    pub key: i64,
    /// Name.
    pub name: String,
    /// When they were registered.
    pub created_at: Timestamp,
    /// How they are shown, if set.
    pub display_name: Option<String>,
    /// Their e-mail address, if known.
    pub email: Option<String>,
    /// `person` or `service`, as stored.
    pub kind: String,
    /// When they were removed (offboarded), if they were.
    pub removed_at: Option<Timestamp>,
}

/// A membership as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipRecord {
    /// Row id of the org.
    pub org: i64,
    /// Row id of the user.
    pub user: i64,
    /// Their role there.
    pub role: Role,
    /// When it was set.
    pub created_at: Timestamp,
}

/// An org's policy row as stored: the text forms both backends write
/// (`Span`'s and `Policy::allowed_scopes_text`'s), copied unparsed so a
/// copy holds exactly what the source held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRecord {
    /// Row id of the org.
    pub org: i64,
    /// The max lifetime (`1y`), if any.
    pub max_lifetime: Option<String>,
    /// Whether tokens must expire.
    pub require_expiry: bool,
    /// `allow` or `deny`.
    pub member_tokens: String,
    /// Allowed scope patterns, comma-separated, if restricted.
    pub allowed_scopes: Option<String>,
    /// The quota, if any.
    pub max_tokens: Option<i64>,
}

/// A token as stored: its digest, every state and who set it (row ids of
/// users), its use count. The id is kept, so its secret still verifies.
#[derive(Debug, Clone)]
pub struct TokenRecord {
    /// Public id (its storage key is [`TokenId::key`]).
    pub id: TokenId,
    /// Personal or org.
    pub kind: TokenKind,
    /// Row id of its org.
    pub org: i64,
    /// Row id of its owner (personal tokens).
    pub owner: Option<i64>,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Scopes.
    pub scopes: ScopeSet,
    /// SHA-256 of the current secret.
    pub secret_hash: SecretHash,
    /// When it was minted.
    pub created_at: Timestamp,
    /// Row id of its creator.
    pub created_by: i64,
    /// Expiry.
    pub expires_at: Option<Timestamp>,
    /// Last successful verification.
    pub last_used_at: Option<Timestamp>,
    /// Successful verifications.
    pub use_count: u64,
    /// Revocation time.
    pub revoked_at: Option<Timestamp>,
    /// Row id of the revoker.
    pub revoked_by: Option<i64>,
    /// Why it was revoked.
    pub revoke_reason: Option<String>,
    /// When the current secret was minted or last rotated.
    pub issued_at: Timestamp,
    /// Deactivation time.
    pub deactivated_at: Option<Timestamp>,
    /// Row id of the deactivator.
    pub deactivated_by: Option<i64>,
    /// Why it was deactivated.
    pub deactivate_reason: Option<String>,
}

/// A secret a token had before a rotation (the rotation's link).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetiredRecord {
    /// The token.
    pub token: TokenId,
    /// SHA-256 of the old secret.
    pub secret_hash: Vec<u8>,
    /// When it was rotated away.
    pub rotated_at: Timestamp,
    /// Row id of the rotator.
    pub rotated_by: i64,
    /// Until when it still verifies.
    pub valid_until: Timestamp,
}

/// A token's uses in one hour of its history (also of pruned tokens).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsageRecord {
    /// The token (its storage key is what the history is kept under).
    pub token: TokenId,
    /// The hour: Unix seconds / 3600.
    pub hour: i64,
    /// Successful verifications in it.
    pub uses: u64,
}

/// One row of a store, in the order a dump yields them and a load needs
/// them: every org, user, membership, policy, token, retired secret, hour
/// of use history, then every audit event in id order.
#[derive(Debug, Clone)]
pub enum StoreRecord {
    /// An org.
    Org(OrgRecord),
    /// A user.
    User(UserRecord),
    /// A membership.
    Membership(MembershipRecord),
    /// A policy.
    Policy(PolicyRecord),
    /// A token.
    Token(Box<TokenRecord>),
    /// A retired secret.
    Retired(RetiredRecord),
    /// An hour of use history.
    Usage(UsageRecord),
    /// An audit event, with its stored hash.
    Event(Event),
}

/// Rows to load at once, each kind in its own list. A [`super::Loader`]
/// writes the lists in dependency order (orgs and users before what names
/// them), so a batch may hold any mix as long as every row's org, user or
/// token is in it or in an earlier batch.
#[derive(Debug, Default, Clone)]
pub struct RecordBatch {
    /// Orgs.
    pub orgs: Vec<OrgRecord>,
    /// Users.
    pub users: Vec<UserRecord>,
    /// Memberships.
    pub memberships: Vec<MembershipRecord>,
    /// Policies.
    pub policies: Vec<PolicyRecord>,
    /// Tokens.
    pub tokens: Vec<TokenRecord>,
    /// Retired secrets.
    pub retired_secrets: Vec<RetiredRecord>,
    /// Use history.
    pub usage: Vec<UsageRecord>,
    /// Audit events, in id order.
    pub events: Vec<Event>,
}

impl RecordBatch {
    /// Adds one record to its list.
    pub fn push(&mut self, record: StoreRecord) {
        match record {
            StoreRecord::Org(org) => self.orgs.push(org),
            StoreRecord::User(user) => self.users.push(user),
            StoreRecord::Membership(membership) => self.memberships.push(membership),
            StoreRecord::Policy(policy) => self.policies.push(policy),
            StoreRecord::Token(token) => self.tokens.push(*token),
            StoreRecord::Retired(retired) => self.retired_secrets.push(retired),
            StoreRecord::Usage(usage) => self.usage.push(usage),
            StoreRecord::Event(event) => self.events.push(event),
        }
    }

    /// How many rows it holds.
    pub fn len(&self) -> usize {
        self.counts().total() as usize
    }

    /// Whether it holds no row.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Empties every list, keeping their memory for the next batch.
    pub fn clear(&mut self) {
        self.orgs.clear();
        self.users.clear();
        self.memberships.clear();
        self.policies.clear();
        self.tokens.clear();
        self.retired_secrets.clear();
        self.usage.clear();
        self.events.clear();
    }

    /// How many rows of each kind it holds.
    pub fn counts(&self) -> RecordCounts {
        RecordCounts {
            orgs: self.orgs.len() as u64,
            users: self.users.len() as u64,
            memberships: self.memberships.len() as u64,
            policies: self.policies.len() as u64,
            tokens: self.tokens.len() as u64,
            retired_secrets: self.retired_secrets.len() as u64,
            usage_hours: self.usage.len() as u64,
            events: self.events.len() as u64,
        }
    }
}

/// How many rows of each kind: of a batch, a dump or a whole copy.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct RecordCounts {
    /// Orgs.
    pub orgs: u64,
    /// Users.
    pub users: u64,
    /// Memberships.
    pub memberships: u64,
    /// Org policies.
    pub policies: u64,
    /// Tokens.
    pub tokens: u64,
    /// Retired secrets (one per rotation still on record).
    pub retired_secrets: u64,
    /// Hours of per-token use history.
    pub usage_hours: u64,
    /// Audit events.
    pub events: u64,
}

impl RecordCounts {
    /// Adds another count, kind by kind.
    pub fn add(&mut self, other: RecordCounts) {
        self.orgs += other.orgs;
        self.users += other.users;
        self.memberships += other.memberships;
        self.policies += other.policies;
        self.tokens += other.tokens;
        self.retired_secrets += other.retired_secrets;
        self.usage_hours += other.usage_hours;
        self.events += other.events;
    }

    /// Rows of every kind together.
    pub fn total(&self) -> u64 {
        self.orgs
            + self.users
            + self.memberships
            + self.policies
            + self.tokens
            + self.retired_secrets
            + self.usage_hours
            + self.events
    }
}

/// What a store holds beside its rows, read in the same snapshot as them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreFacts {
    /// The store's random id.
    pub store_id: String,
    /// The next storage key its counter hands out (keys are never reused).
    pub next_token_key: i64,
    /// Where its chain starts after a retention prune.
    pub checkpoint: Option<Checkpoint>,
}

/// What ends a load: the counter and the chain's start, so that new tokens
/// get keys the loaded ones never had and the next event links to the
/// loaded chain's head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadEnd {
    /// The next storage key to hand out; a load never sets it below a
    /// loaded token's key.
    pub next_token_key: i64,
    /// The retention checkpoint the loaded events start after, if any.
    pub checkpoint: Option<Checkpoint>,
}

/// How many rows a store holds, as a load's emptiness check reads them.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Occupancy {
    /// Orgs.
    pub orgs: u64,
    /// Users.
    pub users: u64,
    /// Tokens.
    pub tokens: u64,
    /// Hours of use history (kept for pruned tokens too).
    pub usage_hours: u64,
    /// Audit events (and a retention checkpoint counts as one: the chain
    /// had a start).
    pub events: u64,
}

impl Occupancy {
    /// Whether nothing at all is there.
    pub fn is_empty(&self) -> bool {
        *self == Occupancy::default()
    }
}
