//! Verifying a presented token, and recording its use and its refusals
//! without a write per call.
//!
//! The path: parse and checksum (no store access) → one rowid lookup →
//! SHA-256 and a constant-time compare (against the current secret, and only
//! on a mismatch against secrets retired by rotation) → revoked? expired?
//! scope? An id the store does not hold takes the same steps as a real id
//! with a wrong secret: its SHA-256 is compared with a fixed digest and the
//! retired secrets of that id are read, so the time a refusal takes does not
//! tell which ids exist. (An id held with the other kind is compared with its
//! own digest, then refused as unknown the same way.)
//!
//! Nothing is written per call. A success is counted per token and hour; a
//! refusal is counted per reason, token (when the presentation names a token
//! the store holds) and required scope, at most [`MAX_REFUSAL_COUNTERS`]
//! such counters per window, beyond which refusals are counted per reason
//! only. The coalescing rule: a session writes what it counted in one
//! transaction at most once per [`COALESCE_WINDOW_SECONDS`] (sooner only when
//! [`MAX_PENDING_TOKENS`] tokens, or the session's own limit, have uses
//! waiting), and when [`Session::flush_usage`] is called; the CLI calls it
//! before exiting, so a one-shot `tokctl verify` loses no count. A token's
//! `last_used_at` thus reaches the store at most a minute late, counts stay
//! exact, and a crash loses at most a minute of them. Each write adds one
//! `token.use` event saying how many tokens and uses it recorded (the
//! per-token counts live on the tokens: `use_count`, `last_used_at`) and one
//! denied `token.verify` event per refusal counter, with its count. However
//! much garbage is presented, a session appends at most
//! `MAX_REFUSAL_COUNTERS` + 6 refusal events per window.
//!
//! The deferral rule: a session told to ([`Session::defer_usage`]: the CLI's
//! one-shot `tokctl verify`) does not write a flush that holds only
//! successful uses when the store keeps a usage journal (a local store): it
//! appends them there as one small record, without a transaction, and the
//! next write of usage by any session of the store folds the journal in,
//! exactly once ([`crate::store::Tx::take_deferred_usage`]), each record as
//! its own flush would have been written: its uses and one `token.use`
//! event with its actor, OS account and time, ahead of anything the folding
//! session writes (so the trail reads as if it had been written at once,
//! and as on a team store, which keeps no journal). The CLI folds it when it
//! opens the store for any other command, so what they read includes every
//! use; a one-shot verification that finds the journal past
//! [`JOURNAL_FOLD_BYTES`] folds it itself. Refusals are always written at
//! once: they are what an audit of an attack looks for.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use super::Session;
use crate::audit::{action, NewEvent, Outcome};
use crate::clock::Timestamp;
use crate::error::{Rejection, Result};
use crate::model::TokenId;
use crate::scope::{Scope, ScopeSet};
use crate::secret::{self, SecretHash};
use crate::store::{DeferredUsage, OrgKey, Tx, UsageUpdate, UserKey};
use crate::verdict::{Refusal, Verdict};
// Re-exported as `ops::Verified`, where it lived before verdicts had a module.
pub use crate::verdict::Verified;

/// A session writes buffered usage at most once per this many seconds.
pub const COALESCE_WINDOW_SECONDS: i64 = 60;
/// ...or sooner, when this many token-hours (a token's uses in one hour)
/// are waiting (about 5 MiB).
pub const MAX_PENDING_TOKENS: usize = 100_000;
/// At most this many refusal counters (reason, token, required scope) per
/// window, so at most this many refusal events per write, plus one per
/// reason for the refusals counted beyond it.
pub const MAX_REFUSAL_COUNTERS: usize = 1_000;

/// A session that defers its usage ([`Session::defer_usage`]) appends to
/// the store's usage journal while the journal stays at most this size
/// (about 800 one-shot verifications); past it, it folds the journal, its
/// own record included, in one write.
pub const JOURNAL_FOLD_BYTES: u64 = 64 * 1024;

/// What the presented secret of an id the store does not hold is compared
/// with. No secret hashes to it (that would be a SHA-256 preimage), and such
/// a presentation is refused whatever the comparison says.
const UNKNOWN_ID_DIGEST: SecretHash = [0; 32];

#[derive(Debug, Clone, Copy)]
struct Pending {
    uses: u64,
    last_used_at: Timestamp,
}

/// What a refusal is counted under. Only presentations naming a token the
/// store holds carry its id: ids are not secret, and an attacker inventing
/// ids must not be able to fill the counters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct RefusalKey {
    reason: &'static str,
    token: Option<TokenId>,
    required: Option<Scope>,
}

/// How often, and between when, refusals of one key happened.
#[derive(Debug, Clone, Copy)]
struct Tally {
    count: u64,
    first_at: Timestamp,
    last_at: Timestamp,
    /// Refusals counted here because the counters were full (they may name
    /// tokens and scopes this event does not).
    beyond_limit: u64,
}

impl Tally {
    fn new(at: Timestamp) -> Self {
        Tally {
            count: 0,
            first_at: at,
            last_at: at,
            beyond_limit: 0,
        }
    }

    fn add(&mut self, at: Timestamp) {
        self.count += 1;
        self.first_at = self.first_at.min(at);
        self.last_at = self.last_at.max(at);
    }

    /// Adds the refusals another tally counted.
    fn merge(&mut self, other: &Tally) {
        self.count += other.count;
        self.first_at = self.first_at.min(other.first_at);
        self.last_at = self.last_at.max(other.last_at);
        self.beyond_limit += other.beyond_limit;
    }

    fn details(&self, key: &RefusalKey) -> serde_json::Value {
        let mut details = serde_json::json!({
            "reason": key.reason,
            "count": self.count,
            "first_at": self.first_at.timestamp(),
            "last_at": self.last_at.timestamp(),
        });
        if let Some(wanted) = &key.required {
            details["required_scope"] = wanted.to_string().into();
        }
        if self.beyond_limit > 0 {
            details["beyond_limit"] = self.beyond_limit.into();
        }
        details
    }
}

/// Uses and refusals counted in memory, waiting to be written: uses in one
/// slot per token and hour, so the hourly history stays exact when a window
/// spans an hour; refusals in at most `refusal_limit` counters plus one per
/// reason.
#[derive(Debug)]
pub(super) struct UsageBuffer {
    pending: IdMap<(TokenId, i64), Pending>,
    refusals: HashMap<RefusalKey, Tally>,
    /// When the oldest waiting use or refusal happened.
    oldest: Option<Timestamp>,
    /// Write as soon as this many token-hours have uses waiting.
    limit: usize,
    /// Counters kept per window before refusals are lumped per reason.
    refusal_limit: usize,
    /// Written only by an explicit [`Session::flush_usage`]: the caller
    /// (a service) times the writes itself ([`Session::hold_usage`]).
    held: bool,
    /// Uses alone go to the store's usage journal ([`Session::defer_usage`]).
    defer: bool,
}

impl Default for UsageBuffer {
    fn default() -> Self {
        UsageBuffer {
            pending: IdMap::default(),
            refusals: HashMap::new(),
            oldest: None,
            limit: MAX_PENDING_TOKENS,
            refusal_limit: MAX_REFUSAL_COUNTERS,
            held: false,
            defer: false,
        }
    }
}

impl UsageBuffer {
    /// Counts one refusal under `key`: in its own counter while fewer than
    /// `refusal_limit` exist, else in the counter of its reason alone.
    fn add_refusals(&mut self, key: RefusalKey, tally: Tally) {
        if let Some(held) = self.refusals.get_mut(&key) {
            held.merge(&tally);
        } else if self.refusals.len() < self.refusal_limit {
            self.refusals.insert(key, tally);
        } else {
            // Full: one counter per reason takes the rest, so memory and the
            // events of one write stay bounded whatever is presented.
            let lump = RefusalKey {
                reason: key.reason,
                token: None,
                required: None,
            };
            let held = self.refusals.entry(lump).or_insert(Tally {
                count: 0,
                beyond_limit: 0,
                ..tally
            });
            held.merge(&tally);
            held.beyond_limit += tally.count - tally.beyond_limit;
        }
    }
}

/// Uses and refusals a session counted and has not written, taken out of
/// it with [`Session::take_usage`] to be written by another session of the
/// same store ([`Session::absorb_usage`]): how a service with one session
/// per worker writes what all of them counted in one transaction. Merging
/// adds counts, so they stay exact.
#[derive(Debug, Default)]
pub struct PendingUsage {
    pending: IdMap<(TokenId, i64), Pending>,
    refusals: HashMap<RefusalKey, Tally>,
    oldest: Option<Timestamp>,
}

impl PendingUsage {
    /// Successful verifications counted.
    pub fn uses(&self) -> u64 {
        self.pending.values().map(|pending| pending.uses).sum()
    }

    /// Refusals counted.
    pub fn refusals(&self) -> u64 {
        self.refusals.values().map(|tally| tally.count).sum()
    }

    /// Whether nothing is waiting.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty() && self.refusals.is_empty()
    }
}

/// Org and user names by row id: they never change, so a session can keep
/// them and the verify read touches only the token's row. Also the scopes
/// of the tokens verified, parsed, by their stored text: a token's scopes
/// change only by an edit, which changes the text, and most tokens of a
/// store share a few scope lists.
#[derive(Debug, Default)]
pub(super) struct NameCache {
    orgs: IdMap<OrgKey, String>,
    users: IdMap<UserKey, String>,
    scopes: HashMap<String, ScopeSet>,
}

/// At most this many distinct scope lists are kept parsed; past it the
/// cache starts again (memory stays bounded whatever the store holds).
const MAX_CACHED_SCOPE_LISTS: usize = 4_096;

impl NameCache {
    /// The scopes stored as `text`, parsed once per session.
    fn scopes(&mut self, text: &str) -> Result<ScopeSet> {
        if let Some(scopes) = self.scopes.get(text) {
            return Ok(scopes.clone());
        }
        let parsed = ScopeSet::parse_stored(text)
            .map_err(|_| crate::store::StoreError::corrupt("invalid scopes"))?;
        if self.scopes.len() >= MAX_CACHED_SCOPE_LISTS {
            self.scopes.clear();
        }
        self.scopes.insert(text.to_owned(), parsed.clone());
        Ok(parsed)
    }
}

/// A map keyed by row ids, token ids and hours on the verify path, hashed
/// with one multiplication per word instead of SipHash: its keys come from
/// rows a presented secret proved (a token, its org and owner), never from
/// what a caller can choose freely, so there is no flooding to resist.
type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

/// See [`IdMap`]: a multiplicative hash of integer words (as in FxHash).
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct IdHasher(u64);

impl IdHasher {
    const K: u64 = 0x517c_c1b7_2722_0a95;

    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::K);
    }
}

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_i64(&mut self, n: i64) {
        self.add(n as u64);
    }
}

/// A refusal as the verify path found it: what the caller is told, and the
/// token it is counted under. That token is also set for a wrong secret of an
/// id the store holds, which the caller must not learn (the refusal it gets
/// names no token then).
struct Found {
    refusal: Refusal,
    counted_under: Option<TokenId>,
}

impl Found {
    fn bare(reason: Rejection) -> Self {
        Found {
            refusal: Refusal::bare(reason),
            counted_under: None,
        }
    }

    /// A refusal of a token whose secret (current or retired) matched.
    fn proven(reason: Rejection, token: TokenId) -> Self {
        Found {
            refusal: Refusal {
                reason,
                token: Some(token),
            },
            counted_under: Some(token),
        }
    }
}

/// Counts of the steps a verification took, for the test that an unknown id
/// and a real id with a wrong secret take the same ones.
#[cfg(test)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Work {
    row_reads: u32,
    hashes: u32,
    compares: u32,
    retired_reads: u32,
}

#[cfg(test)]
thread_local! {
    static WORK: std::cell::Cell<Work> = std::cell::Cell::new(Work::default());
}

/// Records a step of the verify path (tests only; compiled out otherwise).
macro_rules! step {
    ($field:ident) => {
        #[cfg(test)]
        WORK.with(|work| {
            let mut counted = work.get();
            counted.$field += 1;
            work.set(counted);
        });
    };
}

impl Session {
    /// Writes buffered usage once `limit` tokens have uses waiting (default
    /// [`MAX_PENDING_TOKENS`]), for callers that want less memory or tests.
    pub fn set_usage_buffer_limit(&mut self, limit: usize) {
        self.usage.limit = limit.max(1);
    }

    /// Keeps at most `limit` refusal counters per window (default
    /// [`MAX_REFUSAL_COUNTERS`]); further refusals are counted per reason
    /// only. For callers that want fewer events, and tests.
    pub fn set_refusal_counter_limit(&mut self, limit: usize) {
        self.usage.refusal_limit = limit;
    }

    /// Verifies a presented token, optionally requiring a scope: a
    /// [`Verdict`], valid or refused. An `Err` means the store failed
    /// (reading the token, or writing counts that were due), never that the
    /// token is bad. Successes and refusals are counted and written coalesced
    /// (see the module docs): call [`Session::flush_usage`] before dropping
    /// the session.
    pub fn verify(&mut self, presented: &str, required: Option<&Scope>) -> Result<Verdict> {
        let now = self.ctx.clock.now();
        let checked = self.check_presented(presented, required, now);
        // The presented secret passed through the frames of that call.
        secret::scrub_stack();
        match checked? {
            Ok(verified) => {
                self.record_use(verified.id, now)?;
                Ok(Verdict::Valid(verified))
            }
            Err(found) => {
                self.record_refusal(found.refusal.reason, found.counted_under, required, now)?;
                Ok(Verdict::Refused(found.refusal))
            }
        }
    }

    /// Counts input that could not even be read as a token (too long, not
    /// UTF-8) as a malformed presentation like any other, and returns the
    /// refusal to report. Written with the next [`Session::flush_usage`].
    pub fn reject_unreadable(&mut self) -> Result<Refusal> {
        let now = self.ctx.clock.now();
        self.record_refusal(Rejection::Malformed, None, None, now)?;
        Ok(Refusal::bare(Rejection::Malformed))
    }

    fn check_presented(
        &mut self,
        presented: &str,
        required: Option<&Scope>,
        now: Timestamp,
    ) -> Result<Result<Verified, Found>> {
        let Ok(parsed) = secret::parse(presented) else {
            return Ok(Err(Found::bare(Rejection::Malformed)));
        };
        let q: &dyn Tx = &*self.store.read();
        step!(hashes);
        let presented_hash = parsed.hash();
        step!(row_reads);
        let row = q.verify_row(parsed.id, &presented_hash)?;
        // From here an id the store does not hold, or holds with the other
        // kind, takes the steps of a real id with a wrong secret: one
        // compare, the read of its retired secrets.
        let exists = row.is_some();
        let stored = row.as_ref().map_or(&UNKNOWN_ID_DIGEST, |row| &row.hash);
        step!(compares);
        let current = secret::hashes_match(stored, &presented_hash);
        let mut old_secret_valid_until = None;
        let row = match row.filter(|row| row.kind == parsed.kind) {
            Some(row) if current => row,
            known => {
                let old = retired_match(q, parsed.id, &presented_hash)?;
                let unknown = Found {
                    refusal: Refusal::bare(Rejection::Unknown),
                    counted_under: exists.then_some(parsed.id),
                };
                match (known, old) {
                    (None, _) | (Some(_), None) => return Ok(Err(unknown)),
                    // A retired secret of this token matched: the token is proven.
                    (Some(_), Some(until)) if until <= now => {
                        return Ok(Err(Found::proven(Rejection::Rotated, parsed.id)))
                    }
                    (Some(row), Some(until)) => {
                        old_secret_valid_until = Some(until);
                        row
                    }
                }
            }
        };
        let refuse = |reason| Ok(Err(Found::proven(reason, parsed.id)));
        if row.revoked_at.is_some() {
            return refuse(Rejection::Revoked);
        }
        if row.expires_at.is_some_and(|at| at <= now) {
            return refuse(Rejection::Expired);
        }
        // Decided from the row already read, as revoked is: a deactivated
        // token's refusal takes the steps of any other proven refusal.
        if row.deactivated_at.is_some() {
            return refuse(Rejection::Deactivated);
        }
        let scopes = self.names.scopes(&row.scopes)?;
        if required.is_some_and(|wanted| !scopes.allows(wanted)) {
            return refuse(Rejection::InsufficientScope);
        }
        // Names only for a success: a refusal event is labelled when written.
        let org = cached_name(&mut self.names.orgs, row.org, |key| q.org_name(key))?;
        let owner = match row.owner {
            Some(key) => Some(cached_name(&mut self.names.users, key, |key| {
                q.user_name(key)
            })?),
            None => None,
        };
        let verified = Verified {
            id: parsed.id,
            kind: row.kind,
            name: row.name,
            org,
            owner,
            scopes,
            expires_at: row.expires_at,
            old_secret_valid_until,
        };
        Ok(Ok(verified))
    }

    fn record_use(&mut self, id: TokenId, now: Timestamp) -> Result<()> {
        let hour = now.timestamp().div_euclid(3600);
        let slot = self.usage.pending.entry((id, hour)).or_insert(Pending {
            uses: 0,
            last_used_at: now,
        });
        slot.uses += 1;
        slot.last_used_at = slot.last_used_at.max(now);
        self.flush_when_due(now)
    }

    fn record_refusal(
        &mut self,
        reason: Rejection,
        token: Option<TokenId>,
        required: Option<&Scope>,
        now: Timestamp,
    ) -> Result<()> {
        let key = RefusalKey {
            reason: reason.as_str(),
            token,
            required: required.cloned(),
        };
        let mut one = Tally::new(now);
        one.add(now);
        self.usage.add_refusals(key, one);
        self.flush_when_due(now)
    }

    /// Writes what is buffered once the window is over or too many tokens
    /// have uses waiting.
    fn flush_when_due(&mut self, now: Timestamp) -> Result<()> {
        let oldest = *self.usage.oldest.get_or_insert(now);
        if self.usage.held {
            return Ok(());
        }
        let window_over = now - oldest >= chrono::Duration::seconds(COALESCE_WINDOW_SECONDS);
        if window_over || self.usage.pending.len() >= self.usage.limit {
            self.flush_usage()?;
        }
        Ok(())
    }

    /// From now on this session writes usage only when
    /// [`Session::flush_usage`] is called, never on its own during
    /// [`Session::verify`]: for a service that times the writes itself
    /// (once per interval, and at shutdown) and takes the counts of several
    /// sessions into one write. Memory then grows with the tokens used
    /// between two writes (a slot per token and hour) and the refusal
    /// counters (bounded as always).
    pub fn hold_usage(&mut self) {
        self.usage.held = true;
    }

    /// Runs `work` (verifications, say a service's caller and the token it
    /// asks about) with the reads in it sharing one snapshot of the store,
    /// which on a local store takes its file locks once instead of once per
    /// read. Only for a session that holds its usage
    /// ([`Session::hold_usage`]): a session that may write during `work`
    /// runs it with a read each, as outside. So does a store that cannot
    /// give a snapshot: its reads then fail, or not, on their own.
    pub fn reading_together<T>(&mut self, work: impl FnOnce(&mut Session) -> T) -> T {
        let shared = self.begin_shared_read();
        let value = work(self);
        if shared {
            self.end_shared_read();
        }
        value
    }

    /// Opens what [`Session::reading_together`] shares, for a caller whose
    /// work cannot be a closure over this session; `false` when it did not
    /// (usage not held, or the store could not).
    pub(crate) fn begin_shared_read(&mut self) -> bool {
        self.usage.held && self.store.begin_shared_read().is_ok()
    }

    /// Ends what [`Session::begin_shared_read`] opened. A failure to end a
    /// read-only transaction loses nothing: the next one rolls it back
    /// before it begins.
    pub(crate) fn end_shared_read(&mut self) {
        let _ = self.store.end_shared_read();
    }

    /// Takes out what this session counted and has not written, leaving it
    /// with nothing waiting.
    pub fn take_usage(&mut self) -> PendingUsage {
        PendingUsage {
            pending: std::mem::take(&mut self.usage.pending),
            refusals: std::mem::take(&mut self.usage.refusals),
            oldest: self.usage.oldest.take(),
        }
    }

    /// Adds counts taken from another session of the same store to this
    /// one's, to be written with its next [`Session::flush_usage`]. Refusal
    /// counters beyond this session's limit are lumped per reason, as its
    /// own would be.
    pub fn absorb_usage(&mut self, taken: PendingUsage) {
        for (slot, pending) in taken.pending {
            let held = self.usage.pending.entry(slot).or_insert(Pending {
                uses: 0,
                last_used_at: pending.last_used_at,
            });
            held.uses += pending.uses;
            held.last_used_at = held.last_used_at.max(pending.last_used_at);
        }
        for (key, tally) in taken.refusals {
            self.usage.add_refusals(key, tally);
        }
        self.usage.oldest = match (self.usage.oldest, taken.oldest) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }

    /// As [`Session::absorb_usage`], keeping at most `max_token_hours`
    /// token-hours of uses waiting: uses of token-hours beyond them that are
    /// not waiting already are dropped (refusals stay bounded as always).
    /// Returns the uses dropped. For a writer that cannot write for a while
    /// (its server is down) and must not grow without bound meanwhile.
    pub fn absorb_usage_within(&mut self, mut taken: PendingUsage, max_token_hours: usize) -> u64 {
        let mut room = max_token_hours.saturating_sub(self.usage.pending.len());
        let mut dropped = 0;
        taken.pending.retain(|slot, pending| {
            if self.usage.pending.contains_key(slot) {
                return true;
            }
            if room > 0 {
                room -= 1;
                return true;
            }
            dropped += pending.uses;
            false
        });
        self.absorb_usage(taken);
        dropped
    }

    /// From now on, a flush of this session's counts that holds only
    /// successful uses is appended to the store's usage journal instead of
    /// written, when the store keeps one (a local store; see the module
    /// docs). For a process that verifies once and exits: an append costs a
    /// tenth of a write transaction and adds nothing to the WAL that every
    /// later process reads when it opens the store. Refusals are still
    /// written at once.
    pub fn defer_usage(&mut self) {
        self.usage.defer = true;
    }

    /// Writes the uses waiting in the store's usage journal into the store,
    /// in one transaction, if there are any (a `stat` when there are none).
    /// Call before reading usage (counts, last use, history, `token.use`
    /// events) that one-shot verifications may have recorded there.
    pub fn fold_deferred_usage(&mut self) -> Result<()> {
        if self.store.admin().deferred_usage_waiting()? {
            self.write_usage()?;
        }
        Ok(())
    }

    /// Writes all buffered usage and refusal counts in one transaction
    /// (with whatever waits in the store's usage journal), or, for a
    /// session that defers its usage and counted only uses, appends them
    /// to the journal (see [`Session::defer_usage`]).
    pub fn flush_usage(&mut self) -> Result<()> {
        if self.usage.pending.is_empty() && self.usage.refusals.is_empty() {
            return Ok(());
        }
        if self.usage.defer && self.usage.refusals.is_empty() {
            let deferred = DeferredUsage {
                actor: self.ctx.actor.clone(),
                os_user: self.ctx.os_user.clone(),
                uses: self.pending_updates(),
            };
            // A journal that cannot be written (a full disk) is no reason
            // to lose the count: the write below records it, or fails with
            // the store's own error.
            if let Ok(Some(size)) = self.store.admin().defer_usage(&deferred) {
                self.clear_usage();
                if size <= JOURNAL_FOLD_BYTES {
                    return Ok(());
                }
            }
        }
        self.write_usage()
    }

    /// The buffered uses, one update per token and hour.
    fn pending_updates(&self) -> Vec<UsageUpdate> {
        self.usage
            .pending
            .iter()
            .map(|((id, _hour), pending)| UsageUpdate {
                id: *id,
                uses: pending.uses,
                last_used_at: pending.last_used_at,
            })
            .collect()
    }

    fn clear_usage(&mut self) {
        self.usage.pending.clear();
        self.usage.refusals.clear();
        self.usage.oldest = None;
    }

    /// One transaction: the usage journal's records and this session's
    /// counts. Each journal record is one process's flush and is written as
    /// that flush would have been: its uses, and one `token.use` event with
    /// its actor, OS account and time, before anything newer; then this
    /// session's uses (one event) and one denied `token.verify` event per
    /// refusal counter.
    fn write_usage(&mut self) -> Result<()> {
        let updates = self.pending_updates();
        let mut refusals: Vec<(&RefusalKey, &Tally)> = self.usage.refusals.iter().collect();
        // A stable order: by reason, then token, then scope.
        refusals.sort_by(|a, b| a.0.cmp(b.0));
        let ctx = &self.ctx;
        self.store.write(|q| {
            for deferred in q.take_deferred_usage()? {
                let at = deferred.uses.iter().map(|update| update.last_used_at).max();
                write_uses(q, &deferred.uses, || NewEvent {
                    at: at.unwrap_or_else(|| ctx.clock.now()),
                    actor: Some(deferred.actor.clone()),
                    os_user: deferred.os_user.clone(),
                    ..ctx.event(action::TOKEN_USE)
                })?;
            }
            write_uses(q, &updates, || ctx.event(action::TOKEN_USE))?;
            let refused = NewEvent {
                outcome: Outcome::Denied,
                ..ctx.event(action::TOKEN_VERIFY)
            };
            for (key, tally) in &refusals {
                // Labelled now, not per refusal: the verify path reads no names.
                let (org, target) = match key.token {
                    Some(id) => q.token_label(id)?.unzip(),
                    None => (None, None),
                };
                q.append_event(&NewEvent {
                    org,
                    token_id: key.token,
                    target,
                    details: tally.details(key),
                    ..refused.clone()
                })?;
            }
            Ok(())
        })?;
        self.clear_usage();
        Ok(())
    }
}

/// Adds `updates` to their tokens and history with one `token.use` event
/// saying how many tokens and uses they hold (the event as `event` makes
/// it); nothing for no uses.
fn write_uses(q: &dyn Tx, updates: &[UsageUpdate], event: impl FnOnce() -> NewEvent) -> Result<()> {
    let uses: u64 = updates.iter().map(|update| update.uses).sum();
    if uses == 0 {
        return Ok(());
    }
    let tokens = updates
        .iter()
        .map(|update| update.id)
        .collect::<HashSet<_>>()
        .len();
    q.apply_usage(updates)?;
    q.append_event(&NewEvent {
        details: serde_json::json!({ "tokens": tokens, "uses": uses }),
        ..event()
    })?;
    Ok(())
}

/// When the retired secret of `id` that `presented` hashes to stops
/// verifying, if there is one. Every retired secret is compared (no early
/// exit), by the store ([`Tx::retired_match`]).
fn retired_match(q: &dyn Tx, id: TokenId, presented: &SecretHash) -> Result<Option<Timestamp>> {
    step!(retired_reads);
    q.retired_match(id, presented)
}

/// A name from the session's cache, read from the store the first time.
fn cached_name<K: Copy + Eq + std::hash::Hash>(
    cache: &mut IdMap<K, String>,
    key: K,
    load: impl FnOnce(K) -> Result<String>,
) -> Result<String> {
    if let Some(name) = cache.get(&key) {
        return Ok(name.clone());
    }
    let name = load(key)?;
    cache.insert(key, name.clone());
    Ok(name)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::Arc;

    use super::{Work, WORK};
    use crate::clock::FixedClock;
    use crate::duration::parse_time;
    use crate::keyring::{KeyringMode, MemoryKeyring};
    use crate::model::{TokenId, TokenKind};
    use crate::ops::{CreateRequest, Session};
    use crate::secret::Generator;
    use crate::store::Store;

    fn session() -> Session {
        let clock = Arc::new(FixedClock::new(parse_time("2026-11-22T10:00:00Z").unwrap()));
        let mut session = Session::new(
            Store::open_in_memory().unwrap(),
            clock,
            Box::new(MemoryKeyring::default()),
            KeyringMode::Off,
            "alice",
        );
        session.bootstrap_if_empty().unwrap();
        session
    }

    /// A personal `repo:read` token named `name`, expiring in a day.
    fn mint(session: &mut Session, name: &str) -> crate::ops::Created {
        session
            .create_token(CreateRequest {
                name: Some(name.into()),
                scopes: vec!["repo:read".parse().unwrap()],
                expiry: Some("1d".parse().unwrap()),
                ..CreateRequest::default()
            })
            .unwrap()
    }

    /// The steps one verification of `presented` takes.
    fn work_of(session: &mut Session, presented: &str) -> Work {
        WORK.with(|work| work.set(Work::default()));
        assert!(!session.verify(presented, None).unwrap().is_valid());
        WORK.with(std::cell::Cell::get)
    }

    /// A refusal once answered an unknown id faster than a real id with a
    /// wrong secret (no hash, no read of retired secrets), so timing told
    /// which ids exist. Both, and a real id with the other prefix, now take
    /// the same steps.
    #[test]
    fn an_unknown_id_takes_the_steps_of_a_wrong_secret_for_a_real_id() {
        let mut session = session();
        let created = mint(&mut session, "svc");
        let real = created.token.id;
        let generator = Generator::default();
        let wrong_secret = generator.mint(TokenKind::Personal, real).unwrap();
        let wrong_kind = generator.mint(TokenKind::Org, real).unwrap();
        let unknown = generator
            .mint(TokenKind::Personal, TokenId::from_key(1_000_000).unwrap())
            .unwrap();

        let expected = Work {
            row_reads: 1,
            hashes: 1,
            compares: 1,
            retired_reads: 1,
        };
        assert_eq!(
            work_of(&mut session, wrong_secret.secret.expose()),
            expected
        );
        assert_eq!(work_of(&mut session, unknown.secret.expose()), expected);
        assert_eq!(work_of(&mut session, wrong_kind.secret.expose()), expected);
        // The right secret skips the retired secrets: success is no secret.
        assert!(session
            .verify(created.secret.expose(), None)
            .unwrap()
            .is_valid());
    }

    /// What several sessions counted, taken into one and written once, is
    /// exactly what was verified: uses per token, refusals per reason.
    #[test]
    fn usage_taken_from_held_sessions_is_written_once_and_exactly() {
        let mut writer = session();
        let created = mint(&mut writer, "svc");
        writer.hold_usage();
        // A second session on the same store: an in-memory store has one
        // connection, so the "others" here are the writer's own counts taken
        // out and merged back, as a service merges its workers'.
        writer.set_usage_buffer_limit(1);
        for _ in 0..5 {
            assert!(writer
                .verify(created.secret.expose(), None)
                .unwrap()
                .is_valid());
        }
        assert!(!writer.verify("garbage", None).unwrap().is_valid());
        // Held: nothing written despite the limit of 1.
        let id = created.token.id.to_string();
        assert_eq!(writer.show_token(&id, None).unwrap().use_count, 0);
        let first = writer.take_usage();
        assert_eq!((first.uses(), first.refusals()), (5, 1));
        for _ in 0..3 {
            assert!(writer
                .verify(created.secret.expose(), None)
                .unwrap()
                .is_valid());
        }
        let second = writer.take_usage();
        assert_eq!(second.uses(), 3);
        writer.absorb_usage(first);
        writer.absorb_usage(second);
        writer.flush_usage().unwrap();
        assert_eq!(writer.show_token(&id, None).unwrap().use_count, 8);
        assert!(writer.take_usage().is_empty());
    }

    /// A writer that cannot write keeps at most so many token-hours: uses
    /// of a token already waiting still add up, a new token's beyond the
    /// bound are dropped and counted as such; refusals are kept.
    #[test]
    fn usage_absorbed_within_a_bound_keeps_waiting_tokens_and_drops_new_ones() {
        let mut writer = session();
        let first = mint(&mut writer, "first");
        let second = mint(&mut writer, "second");
        writer.hold_usage();
        let verify = |writer: &mut Session, secret: &str, times: usize| {
            for _ in 0..times {
                let _counted = writer.verify(secret, None).unwrap();
            }
        };
        verify(&mut writer, first.secret.expose(), 2);
        let earlier = writer.take_usage();
        verify(&mut writer, first.secret.expose(), 1);
        verify(&mut writer, second.secret.expose(), 3);
        verify(&mut writer, "garbage", 1);
        let later = writer.take_usage();
        assert_eq!(writer.absorb_usage_within(earlier, 1), 0);
        assert_eq!(writer.absorb_usage_within(later, 1), 3);
        let waiting = writer.take_usage();
        assert_eq!((waiting.uses(), waiting.refusals()), (3, 1));
        writer.absorb_usage(waiting);
        writer.flush_usage().unwrap();
        let count = |writer: &Session, id: &crate::model::TokenId| {
            writer.show_token(&id.to_string(), None).unwrap().use_count
        };
        assert_eq!(count(&writer, &first.token.id), 3);
        assert_eq!(count(&writer, &second.token.id), 0);
    }

    /// A deactivated token's refusal is decided from the row the verify
    /// read already holds, as a revoked one's is: the same steps, so its
    /// timing tells no more than a revocation's does.
    #[test]
    fn a_deactivated_token_is_refused_in_the_steps_of_a_revoked_one() {
        let mut session = session();
        let off = mint(&mut session, "off");
        let gone = mint(&mut session, "gone");
        let plan = session
            .plan_switch_named(crate::ops::Switch::Deactivate, &["off".into()], None)
            .unwrap();
        session.switch_planned(&plan, None).unwrap();
        let plan = session.plan_revoke_named(&["gone".into()], None).unwrap();
        session.revoke_planned(&plan, None).unwrap();
        let deactivated = work_of(&mut session, off.secret.expose());
        assert_eq!(deactivated, work_of(&mut session, gone.secret.expose()));
        assert_eq!(deactivated.row_reads, 1);
        assert_eq!(deactivated.retired_reads, 0);
        assert!(matches!(
            session.verify(off.secret.expose(), None).unwrap(),
            crate::verdict::Verdict::Refused(crate::verdict::Refusal {
                reason: crate::error::Rejection::Deactivated,
                token: Some(_),
            })
        ));
    }

    /// A token string with any id and secret, checksummed as tokctl does.
    fn forge(kind_prefix: &str, id: TokenId, secret: &[u8]) -> String {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        use base64::Engine;
        let mut crc = crc32fast::Hasher::new();
        crc.update(kind_prefix.as_bytes());
        crc.update(&id.to_bytes());
        crc.update(secret);
        let mut body = secret.to_vec();
        body.extend_from_slice(&crc.finalize().to_be_bytes());
        format!(
            "{kind_prefix}{}{}",
            URL_SAFE_NO_PAD.encode(id.to_bytes()),
            URL_SAFE_NO_PAD.encode(body)
        )
    }

    /// An unknown id is looked up as the row just below it (so that it costs
    /// what a real id does); that row's secret must not verify under the
    /// unknown id.
    #[test]
    fn a_neighbouring_tokens_secret_does_not_verify_under_an_unknown_id() {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        use base64::Engine;
        let mut session = session();
        let created = mint(&mut session, "svc");
        let text = created.secret.expose();
        let secret = URL_SAFE_NO_PAD.decode(&text[15..]).unwrap();
        let same = forge("tkp_", created.token.id, &secret[..32]);
        assert_eq!(same, text, "the forger matches the format");
        assert!(session.verify(&same, None).unwrap().is_valid());
        let next = TokenId::from_key(created.token.id.key() + 1).unwrap();
        let decoy = forge("tkp_", next, &secret[..32]);
        assert!(matches!(
            session.verify(&decoy, None).unwrap(),
            crate::verdict::Verdict::Refused(crate::verdict::Refusal {
                reason: crate::error::Rejection::Unknown,
                ..
            })
        ));
    }
}
