//! The values that cross the store seam: rows, filters and the keys that
//! name orgs and users inside a store. Every backend reads and writes these;
//! none of them knows SQL.

use crate::clock::Timestamp;
use crate::error::Result;
use crate::model::{Token, TokenId, TokenKind, TokenStatus, UserKind, UserStatus};
use crate::scope::{Scope, ScopeSet};
use crate::secret::SecretHash;

/// An org's key inside one store (its row id). A name can be given up and
/// taken again; a key never names two orgs. Only backends make keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct OrgKey(i64);

/// A user's key inside one store (its row id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct UserKey(i64);

impl OrgKey {
    /// The key a backend stored as `raw`.
    pub(crate) fn from_raw(raw: i64) -> Self {
        OrgKey(raw)
    }

    /// The number a backend stores.
    pub(crate) fn raw(self) -> i64 {
        self.0
    }
}

impl UserKey {
    /// The key a backend stored as `raw`.
    pub(crate) fn from_raw(raw: i64) -> Self {
        UserKey(raw)
    }

    /// The number a backend stores.
    pub(crate) fn raw(self) -> i64 {
        self.0
    }
}

/// What every command asks about its actor, and minting about a token's
/// owner: the user's key, kind and status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserStanding {
    /// The user's key.
    pub key: UserKey,
    /// A person or a service account.
    pub kind: UserKind,
    /// Active or removed.
    pub status: UserStatus,
}

impl UserStanding {
    /// A standing from the stored kind and whether `removed_at` is set.
    pub(crate) fn new(key: UserKey, kind: &str, removed: bool) -> Result<Self> {
        Ok(UserStanding {
            key,
            kind: kind
                .parse()
                .map_err(|_| super::StoreError::corrupt("an invalid user kind"))?,
            status: if removed {
                UserStatus::Removed
            } else {
                UserStatus::Active
            },
        })
    }
}

/// A token as stored, with the row ids that permission checks need.
#[derive(Debug, Clone)]
pub struct TokenRow {
    /// The token.
    pub token: Token,
    /// Row id of its org.
    pub org_key: OrgKey,
    /// Row id of its owning user (personal tokens).
    pub owner_key: Option<UserKey>,
}

/// A token about to be inserted.
#[derive(Debug)]
pub struct NewToken<'a> {
    /// Public id.
    pub id: TokenId,
    /// Personal or org.
    pub kind: TokenKind,
    /// Its org.
    pub org: OrgKey,
    /// Its owner (personal tokens only).
    pub owner: Option<UserKey>,
    /// Name.
    pub name: &'a str,
    /// Description.
    pub description: Option<&'a str>,
    /// Scopes.
    pub scopes: &'a ScopeSet,
    /// Digest of the secret.
    pub hash: &'a SecretHash,
    /// Creation time.
    pub created_at: Timestamp,
    /// Creator.
    pub created_by: UserKey,
    /// Expiry.
    pub expires_at: Option<Timestamp>,
}

/// The order of a token listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenSort {
    /// Oldest first.
    #[default]
    Created,
    /// Most recently used first, never used last.
    LastUsed,
    /// Soonest expiry first, never-expiring last.
    Expires,
    /// By name.
    Name,
}

/// Which tokens a listing includes. Every field narrows; defaults include all.
#[derive(Debug, Clone, Default)]
pub struct TokenFilter {
    /// Only tokens of these orgs (`None`: no restriction).
    pub orgs: Option<Vec<OrgKey>>,
    /// Only what this viewer may see.
    pub visible_to: Option<Visibility>,
    /// Only personal tokens of this user.
    pub owner: Option<UserKey>,
    /// Only this kind.
    pub kind: Option<TokenKind>,
    /// Only these statuses (`None`: all), judged at `now`.
    pub statuses: Option<Vec<TokenStatus>>,
    /// Only tokens with exactly this name.
    pub name: Option<String>,
    /// Only tokens whose name matches this glob (`*`, `?`, `[...]`, case-sensitive).
    pub name_glob: Option<String>,
    /// Only tokens last used before this time, or never used and created before it.
    pub stale_before: Option<Timestamp>,
    /// Only tokens never used.
    pub never_used: bool,
    /// Only tokens expiring after `now` and at or before this time.
    pub expiring_by: Option<Timestamp>,
    /// Only tokens holding this scope or a stronger one on the same resource.
    pub scope: Option<Scope>,
    /// Only tokens revoked before this time, or expired before it (prunable).
    pub ended_before: Option<Timestamp>,
    /// Only these tokens (`None`: no restriction).
    pub ids: Option<Vec<TokenId>>,
    /// The time statuses are judged at.
    pub now: Timestamp,
    /// The order.
    pub sort: TokenSort,
}

/// What one user may see: every token of the orgs they administer, and
/// their own personal tokens in the orgs where they are a member.
#[derive(Debug, Clone, Default)]
pub struct Visibility {
    /// The viewer.
    pub user: UserKey,
    /// Orgs where the viewer is admin or owner.
    pub full: Vec<OrgKey>,
    /// Orgs where the viewer is a plain member.
    pub own_only: Vec<OrgKey>,
}

/// What verification needs of a token, in one indexed read.
#[derive(Debug)]
pub struct VerifyRow {
    /// Kind, to match against the prefix.
    pub kind: TokenKind,
    /// Digest of the current secret.
    pub hash: SecretHash,
    /// Expiry.
    pub expires_at: Option<Timestamp>,
    /// Revocation time.
    pub revoked_at: Option<Timestamp>,
    /// Deactivation time (`None`: not deactivated).
    pub deactivated_at: Option<Timestamp>,
    /// Scopes as stored: parsed (by [`VerifyRow::scope_set`]) only once the
    /// secret matched, so a refusal for a real id costs no more than one for
    /// an id the store does not hold.
    pub scopes: String,
    /// Row id of its org.
    pub org: OrgKey,
    /// Row id of its owner (personal tokens).
    pub owner: Option<UserKey>,
    /// Token name.
    pub name: String,
}

impl VerifyRow {
    /// The token's scopes, parsed from their stored form.
    pub fn scope_set(&self) -> Result<ScopeSet> {
        ScopeSet::parse_stored(&self.scopes)
            .map_err(|_| super::StoreError::corrupt("invalid scopes"))
    }
}

/// Usage to add to a token: the coalesced result of several verifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsageUpdate {
    /// The token.
    pub id: TokenId,
    /// Successful verifications since the last write.
    pub uses: u64,
    /// Time of the latest of them.
    pub last_used_at: Timestamp,
}

/// Successful verifications one process recorded in a backend's usage
/// journal instead of writing them ([`crate::store::StoreAdmin::defer_usage`]),
/// until a write transaction folds them into the store
/// ([`crate::store::Tx::take_deferred_usage`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeferredUsage {
    /// Who verified: the `token.use` event written for these uses names them.
    pub actor: String,
    /// The OS account that ran the verification, if the session knew it.
    pub os_user: Option<String>,
    /// The uses, one update per token and hour (as [`UsageUpdate`] says).
    pub uses: Vec<UsageUpdate>,
}

/// Uses in one period of a token's (or an org's) history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsagePeriod {
    /// When the period (an hour, or a day in an org's daily totals) starts.
    pub start: Timestamp,
    /// Successful verifications in it.
    pub uses: u64,
}

/// Which events a query returns. Every field narrows.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Only events of these orgs (`None`: every event).
    pub orgs: Option<Vec<String>>,
    /// With `orgs`: also events that concern no org (user registration, malformed tokens).
    pub include_org_less: bool,
    /// With `orgs`: also events about these tokens (public ids), whatever their org.
    pub also_tokens: Vec<TokenId>,
    /// Only events about this token.
    pub token: Option<TokenId>,
    /// Only events by this actor.
    pub actor: Option<String>,
    /// Only this action, or this family (`token` for every `token.*`).
    pub action: Option<String>,
    /// Only events at or after this time.
    pub since: Option<Timestamp>,
    /// Only events before this time.
    pub until: Option<Timestamp>,
}

/// A secret a token had before a rotation.
#[derive(Debug, Clone)]
pub struct RetiredSecret {
    /// SHA-256 of the old secret.
    pub hash: Vec<u8>,
    /// When it was rotated away.
    pub rotated_at: Timestamp,
    /// Until when it still verifies.
    pub valid_until: Timestamp,
}

/// What an edit changes on a token: every field is its new value, the
/// unchanged ones copied from the token (the row is rewritten as a whole).
#[derive(Debug)]
pub struct TokenEdit<'a> {
    /// The token.
    pub token: TokenId,
    /// Name.
    pub name: &'a str,
    /// Description.
    pub description: Option<&'a str>,
    /// Scopes (never wider than before: the caller checks).
    pub scopes: &'a ScopeSet,
    /// Expiry.
    pub expires_at: Option<Timestamp>,
}

/// One rotation, as written.
#[derive(Debug)]
pub struct Rotation<'a> {
    /// The token.
    pub token: TokenId,
    /// Digest of the secret being retired.
    pub old_hash: &'a [u8],
    /// Digest of the new secret.
    pub new_hash: &'a SecretHash,
    /// When.
    pub at: Timestamp,
    /// By whom.
    pub by: UserKey,
    /// Until when the old secret still verifies.
    pub old_valid_until: Timestamp,
    /// The token's expiry from now on.
    pub expires_at: Option<Timestamp>,
}

/// An expiry reminder remembered as handed over: about which token at which
/// expiry, for which threshold (a span's text, `7d`), to whom and when. One
/// row per recipient, so a failed delivery to one of an org token's admins
/// is retried without repeating it to the others; the expiry is part of it,
/// so a token given a new expiry (rotated, edited) is reminded of again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentReminder {
    /// The token.
    pub token: TokenId,
    /// The threshold it was sent for, as the span is written (`7d`).
    pub threshold: String,
    /// The expiry the reminder was about.
    pub expires_at: Timestamp,
    /// Who got it.
    pub user: UserKey,
    /// When it was handed over.
    pub sent_at: Timestamp,
}
