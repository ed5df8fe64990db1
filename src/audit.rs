//! The audit trail's event model and its hash chain. No I/O here: the store
//! appends and reads events, this module says what an event is and how its
//! hash is computed.
//!
//! Each event's hash is SHA-256 over the previous event's hash and a
//! length-prefixed encoding of every field, including its sequence number.
//! Ids are consecutive, so an edited, inserted or reordered event fails its
//! hash and a deleted one leaves a gap: the chain breaks at that point.
//!
//! The chain cannot see its own ends: a cut-off tail leaves a shorter chain
//! that is whole, and a start after deleted events needs a checkpoint. So a
//! checkpoint counts only when an `audit.prune` event in the chain records
//! it, and a head recorded outside the store ([`ChainWalker::expect`]) shows
//! whether the newest events are still there.

use std::fmt;
use std::str::FromStr;

use ring::digest::SHA256;
use serde::Serialize;

use crate::clock::Timestamp;
use crate::error::{Error, Result};
use crate::model::TokenId;

/// The hash of an event.
pub type EventHash = [u8; 32];

/// How much of each hash is stored: 128 bits. Forging a link means finding a
/// second preimage of a 128-bit hash, which is out of reach; the shorter hash
/// keeps the trail small at millions of events. (Events written before schema
/// 5 keep their full 32 bytes and verify the same way.)
pub const STORED_HASH_LEN: usize = 16;

/// What the first event chains to.
pub const GENESIS: EventHash = [0; 32];

/// How an audited action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Outcome {
    /// It happened.
    Ok,
    /// It was refused (a rejected token, a missing role).
    Denied,
    /// It was attempted and failed part-way outside the store (the keyring).
    Failed,
}

impl Outcome {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Denied => "denied",
            Outcome::Failed => "failed",
        }
    }

    /// Parses the stored name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "ok" => Some(Outcome::Ok),
            "denied" => Some(Outcome::Denied),
            "failed" => Some(Outcome::Failed),
            _ => None,
        }
    }
}

/// Action names. Stable: they appear in exports and in SIEM rules.
pub mod action {
    /// A backup of the store was taken.
    pub const STORE_BACKUP: &str = "store.backup";
    /// The store was copied in from another (`store copy`): the first event
    /// after the copied ones, naming the source's head.
    pub const STORE_COPY: &str = "store.copy";
    /// The first-use bootstrap.
    pub const STORE_BOOTSTRAP: &str = "store.bootstrap";
    /// An org was added.
    pub const ORG_ADD: &str = "org.add";
    /// A user was registered.
    pub const USER_ADD: &str = "user.add";
    /// A user was offboarded.
    pub const USER_REMOVE: &str = "user.remove";
    /// A user's display name, e-mail address or kind changed, or a removed
    /// user was restored (details: each changed field before and after).
    pub const USER_EDIT: &str = "user.edit";
    /// A directory was imported (details: how many users and memberships
    /// changed; each change has its own `user.*` or `member.set` event).
    pub const USER_IMPORT: &str = "user.import";
    /// An org's policy changed.
    pub const ORG_POLICY: &str = "org.policy";
    /// A member left an org.
    pub const MEMBER_REMOVE: &str = "member.remove";
    /// A membership was added or its role changed.
    pub const MEMBER_SET: &str = "member.set";
    /// A token was minted.
    pub const TOKEN_CREATE: &str = "token.create";
    /// A token got a new secret.
    pub const TOKEN_ROTATE: &str = "token.rotate";
    /// A token was revoked.
    pub const TOKEN_REVOKE: &str = "token.revoke";
    /// A token's name, description, expiry or scopes changed (details: before and after).
    pub const TOKEN_EDIT: &str = "token.edit";
    /// A token was deactivated.
    pub const TOKEN_DEACTIVATE: &str = "token.deactivate";
    /// A deactivated token was activated again.
    pub const TOKEN_ACTIVATE: &str = "token.activate";
    /// A token's row was pruned.
    pub const TOKEN_PRUNE: &str = "token.prune";
    /// Successful verifications, flushed with the coalesced usage write.
    pub const TOKEN_USE: &str = "token.use";
    /// A verification was refused.
    pub const TOKEN_VERIFY: &str = "token.verify";
    /// A presented secret was identified without being used (`inspect`).
    pub const TOKEN_INSPECT: &str = "token.inspect";
    /// Old audit events were removed (retention).
    pub const AUDIT_PRUNE: &str = "audit.prune";
    /// The keyring failed while the store change went through.
    pub const KEYRING_FAILURE: &str = "keyring.failure";
    /// An expiry reminder about a token was handed over (`notify`; details:
    /// the recipient, the threshold, the expiry, how it went out).
    pub const NOTIFY_SENT: &str = "notify.sent";
}

/// An event to append. Never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// When.
    pub at: Timestamp,
    /// Who (a tokctl user name; for verification, whoever ran it).
    pub actor: Option<String>,
    /// The operating-system account that ran the command ("name (uid N)"),
    /// when the caller said ([`crate::ops::Session::with_os_user`]).
    pub os_user: Option<String>,
    /// What (see [`action`]).
    pub action: &'static str,
    /// How it ended.
    pub outcome: Outcome,
    /// The org concerned.
    pub org: Option<String>,
    /// The token concerned.
    pub token_id: Option<TokenId>,
    /// A readable target: a token, user or org name.
    pub target: Option<String>,
    /// Further facts as a JSON object.
    pub details: serde_json::Value,
}

/// A stored event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Sequence number, increasing.
    pub id: i64,
    /// When.
    pub at: Timestamp,
    /// Who.
    pub actor: Option<String>,
    /// The operating-system account that ran the command (none in events
    /// written before schema 7, or by a library caller that did not say).
    pub os_user: Option<String>,
    /// What.
    pub action: String,
    /// How it ended (stored text; unknown values are kept as they are).
    pub outcome: String,
    /// The org concerned.
    pub org: Option<String>,
    /// The token concerned (raw id, as stored).
    pub token_id: Option<i64>,
    /// A readable target.
    pub target: Option<String>,
    /// JSON object text.
    pub details: String,
    /// This event's hash (chained to the previous event's).
    pub hash: Vec<u8>,
}

/// The fields that the hash covers, borrowed.
#[derive(Debug, Clone, Copy)]
pub struct HashedFields<'a> {
    /// Sequence number.
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    /// Actor.
    pub actor: Option<&'a str>,
    /// Action.
    pub action: &'a str,
    /// Outcome.
    pub outcome: &'a str,
    /// Org.
    pub org: Option<&'a str>,
    /// Token id.
    pub token_id: Option<i64>,
    /// Target.
    pub target: Option<&'a str>,
    /// Details JSON.
    pub details: &'a str,
    /// The operating-system account, when recorded.
    pub os_user: Option<&'a str>,
}

/// The chained hash of an event.
///
/// An event with an OS user is hashed under the domain `tokctl-audit-v2`
/// with the OS user as a last field; one without is hashed exactly as
/// before schema 7 (`tokctl-audit-v1`), so older chains still verify. The
/// domain depends on the field, so removing an OS user from an event (or
/// adding one) changes its hash like any other edit.
pub fn event_hash(prev: &[u8], fields: &HashedFields<'_>) -> EventHash {
    // The hashed bytes are laid out in one buffer and digested at once: a
    // digest update per field (thirty of them) cost more than the SHA-256
    // itself, on every append and every event `audit verify` walks.
    let mut bytes = Vec::with_capacity(
        64 + prev.len()
            + fields.details.len()
            + fields.target.map_or(0, str::len)
            + fields.os_user.map_or(0, str::len),
    );
    bytes.extend_from_slice(if fields.os_user.is_some() {
        b"tokctl-audit-v2"
    } else {
        b"tokctl-audit-v1"
    });
    bytes.extend_from_slice(prev);
    let text = |bytes: &mut Vec<u8>, value: Option<&[u8]>| match value {
        // A marker byte keeps "absent" and "empty" apart; the length keeps fields apart.
        None => bytes.push(0),
        Some(text) => {
            bytes.push(1);
            bytes.extend_from_slice(&(text.len() as u64).to_be_bytes());
            bytes.extend_from_slice(text);
        }
    };
    let mut number = [0u8; 20];
    text(&mut bytes, Some(decimal(fields.id, &mut number)));
    text(&mut bytes, Some(decimal(fields.at, &mut number)));
    text(&mut bytes, fields.actor.map(str::as_bytes));
    text(&mut bytes, Some(fields.action.as_bytes()));
    text(&mut bytes, Some(fields.outcome.as_bytes()));
    text(&mut bytes, fields.org.map(str::as_bytes));
    match fields.token_id {
        Some(id) => text(&mut bytes, Some(decimal(id, &mut number))),
        None => text(&mut bytes, None),
    }
    text(&mut bytes, fields.target.map(str::as_bytes));
    text(&mut bytes, Some(fields.details.as_bytes()));
    if fields.os_user.is_some() {
        text(&mut bytes, fields.os_user.map(str::as_bytes));
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ring::digest::digest(&SHA256, &bytes).as_ref());
    out
}

/// `value` in decimal, as `i64::to_string` writes it, in `buf`.
fn decimal(value: i64, buf: &mut [u8; 20]) -> &[u8] {
    let mut at = buf.len();
    let mut rest = value.unsigned_abs();
    loop {
        at -= 1;
        buf[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if value < 0 {
        at -= 1;
        buf[at] = b'-';
    }
    &buf[at..]
}

impl Event {
    /// The fields the hash covers.
    pub fn hashed_fields(&self) -> HashedFields<'_> {
        HashedFields {
            id: self.id,
            at: self.at.timestamp(),
            actor: self.actor.as_deref(),
            action: &self.action,
            outcome: &self.outcome,
            org: self.org.as_deref(),
            token_id: self.token_id,
            target: self.target.as_deref(),
            details: &self.details,
            os_user: self.os_user.as_deref(),
        }
    }
}

/// Lowercase hex, as hashes are shown.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| {
            text.get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
        })
        .collect()
}

/// A point in the chain: an event's id and its stored hash, written
/// `ID:HASH` (hex). The retention checkpoint is stored this way, `audit
/// head` prints the newest event this way, and `audit verify --expect` takes
/// a head recorded earlier this way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The event's id.
    pub id: i64,
    /// The event's stored hash.
    pub hash: Vec<u8>,
}

impl fmt::Display for Checkpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.id, hex(&self.hash))
    }
}

impl FromStr for Checkpoint {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        let invalid = || {
            Error::invalid(
                "event id and hash",
                text,
                "expected ID:HASH as 'tokctl audit head' prints it",
            )
        };
        let (id, hash) = text.trim().split_once(':').ok_or_else(invalid)?;
        let id: i64 = id.parse().ok().filter(|id| *id > 0).ok_or_else(invalid)?;
        let hash = from_hex(hash)
            .filter(|hash| hash.len() == STORED_HASH_LEN || hash.len() == GENESIS.len())
            .ok_or_else(invalid)?;
        Ok(Checkpoint { id, hash })
    }
}

/// Where a chain walk found the first broken link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    /// The event whose link does not hold.
    pub event_id: i64,
    /// What is wrong.
    pub problem: String,
}

/// What a walk of the chain found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// Events whose link held.
    pub checked: u64,
    /// The first problem: a broken link, else a checkpoint no `audit.prune`
    /// event records, else a recorded head the chain does not hold.
    pub broken: Option<BrokenLink>,
    /// The newest event's id and hash: record it elsewhere to detect a
    /// cut-off tail later (`audit verify --expect`).
    pub head: Option<Checkpoint>,
    /// Where the chain starts after a retention prune.
    pub checkpoint: Option<Checkpoint>,
    /// The `audit.prune` event that records the checkpoint.
    pub checkpoint_vouched_by: Option<i64>,
    /// The recorded head that was checked, and what was wrong with it.
    pub expected: Option<ExpectedHead>,
}

/// A head recorded earlier and whether the chain still holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedHead {
    /// The event id and hash that were recorded.
    pub head: Checkpoint,
    /// Why the chain does not hold it; `None` when it does.
    pub problem: Option<String>,
}

/// Walks events in id order and checks each link, starting from the genesis
/// or from a retention checkpoint; [`ChainWalker::finish`] then says whether
/// the checkpoint is vouched for and a recorded head is still there.
#[derive(Debug)]
pub struct ChainWalker {
    previous_hash: Vec<u8>,
    last_id: i64,
    checked: u64,
    start: Option<Checkpoint>,
    vouched_by: Option<i64>,
    broken: Option<BrokenLink>,
    head: Option<Checkpoint>,
    expected: Option<Checkpoint>,
    /// Whether the expected event was seen with the expected hash.
    expected_seen: Option<bool>,
}

impl ChainWalker {
    /// A walker expecting the first event to chain to `start` (the
    /// retention checkpoint) or, without one, to the genesis as event 1.
    pub fn new(start: Option<Checkpoint>) -> Self {
        let (previous_hash, last_id) = match &start {
            Some(checkpoint) => (checkpoint.hash.clone(), checkpoint.id),
            None => (GENESIS.to_vec(), 0),
        };
        ChainWalker {
            previous_hash,
            last_id,
            checked: 0,
            start,
            vouched_by: None,
            broken: None,
            head: None,
            expected: None,
            expected_seen: None,
        }
    }

    /// Also checks that the chain holds this event with this hash: a head
    /// recorded outside the store earlier.
    pub fn expect(&mut self, head: Checkpoint) {
        self.expected = Some(head);
    }

    /// Takes the next event, in id order. Links are checked up to the first
    /// broken one; the head and the expected event are looked for in all.
    pub fn push(&mut self, event: &Event) {
        if let Some(expected) = &self.expected {
            if event.id == expected.id {
                self.expected_seen = Some(event.hash == expected.hash);
            }
        }
        self.head = Some(Checkpoint {
            id: event.id,
            hash: event.hash.clone(),
        });
        if self.broken.is_some() {
            return;
        }
        match self.link(event) {
            Ok(()) => {
                if self.vouched_by.is_none() && self.vouches_for_start(event) {
                    self.vouched_by = Some(event.id);
                }
            }
            Err(broken) => self.broken = Some(broken),
        }
    }

    /// Checks one link.
    fn link(&mut self, event: &Event) -> Result<(), BrokenLink> {
        let broken = |problem: String| BrokenLink {
            event_id: event.id,
            problem,
        };
        if event.id != self.last_id + 1 {
            return Err(broken(if event.id > self.last_id + 1 {
                format!(
                    "events {} to {} are missing (deleted)",
                    self.last_id + 1,
                    event.id - 1
                )
            } else {
                "out of sequence (reordered or inserted)".to_owned()
            }));
        }
        let expected = event_hash(&self.previous_hash, &event.hashed_fields());
        let stored_length_ok =
            event.hash.len() == STORED_HASH_LEN || event.hash.len() == expected.len();
        if !stored_length_ok || event.hash[..] != expected[..event.hash.len()] {
            return Err(broken(
                "its hash does not match its content and the event before it (edited, inserted or reordered)"
                    .to_owned(),
            ));
        }
        self.previous_hash = event.hash.clone();
        self.last_id = event.id;
        self.checked += 1;
        Ok(())
    }

    /// Whether `event` is the `audit.prune` that left the checkpoint the
    /// walk started from: its `through_id` names the checkpoint's event and
    /// its `checkpoint_hash` (hex) is the checkpoint's hash. Prune events
    /// written before the hash was recorded vouch by `through_id` alone; the
    /// first link after the checkpoint pins its hash anyway.
    fn vouches_for_start(&self, event: &Event) -> bool {
        let Some(start) = &self.start else {
            return false;
        };
        if event.action != action::AUDIT_PRUNE {
            return false;
        }
        let Ok(details) = serde_json::from_str::<serde_json::Value>(&event.details) else {
            return false;
        };
        if details
            .get("through_id")
            .and_then(serde_json::Value::as_i64)
            != Some(start.id)
        {
            return false;
        }
        match details.get("checkpoint_hash") {
            None => true,
            Some(hash) => hash
                .as_str()
                .is_some_and(|hash| hash.eq_ignore_ascii_case(&hex(&start.hash))),
        }
    }

    /// The verdict.
    pub fn finish(self) -> ChainReport {
        let mut broken = self.broken;
        if let (Some(start), None) = (&self.start, self.vouched_by) {
            broken.get_or_insert_with(|| BrokenLink {
                event_id: start.id + 1,
                problem: format!(
                    "the chain starts after event {} but no audit.prune event records that checkpoint (the events before it were deleted)",
                    start.id
                ),
            });
        }
        let expected = self.expected.map(|head| {
            let problem = expected_problem(
                &head,
                self.expected_seen,
                self.start.as_ref(),
                self.head.as_ref(),
            );
            ExpectedHead { head, problem }
        });
        if let Some(ExpectedHead {
            head,
            problem: Some(problem),
        }) = &expected
        {
            broken.get_or_insert_with(|| BrokenLink {
                event_id: head.id,
                problem: problem.clone(),
            });
        }
        ChainReport {
            checked: self.checked,
            broken,
            head: self.head.or_else(|| self.start.clone()),
            checkpoint: self.start,
            checkpoint_vouched_by: self.vouched_by,
            expected,
        }
    }
}

/// Why the chain does not hold a recorded head, if it does not.
fn expected_problem(
    expected: &Checkpoint,
    seen: Option<bool>,
    start: Option<&Checkpoint>,
    head: Option<&Checkpoint>,
) -> Option<String> {
    if let Some(start) = start.filter(|start| expected.id <= start.id) {
        return if *start == *expected {
            None
        } else if start.id == expected.id {
            Some(format!(
                "the checkpoint at event {} differs from the recorded head (history was rewritten)",
                expected.id
            ))
        } else {
            Some(format!(
                "event {} was pruned (the chain starts after event {}), so it cannot be compared; record a newer head",
                expected.id, start.id
            ))
        };
    }
    match seen {
        Some(true) => None,
        Some(false) => Some(format!(
            "event {} differs from the recorded head (history was rewritten)",
            expected.id
        )),
        None => Some(match head {
            Some(head) => format!(
                "the chain ends at event {}, before the recorded head {} (the newest events were deleted)",
                head.id, expected.id
            ),
            None => format!(
                "the chain holds no events, not even the recorded head {} (events were deleted)",
                expected.id
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hash as it was computed before the fields were laid out in one
    /// buffer: a digest update per piece.
    fn event_hash_by_updates(prev: &[u8], fields: &HashedFields<'_>) -> EventHash {
        let mut context = ring::digest::Context::new(&SHA256);
        context.update(if fields.os_user.is_some() {
            b"tokctl-audit-v2"
        } else {
            b"tokctl-audit-v1"
        });
        context.update(prev);
        let mut text = |value: Option<&str>| match value {
            None => context.update(&[0]),
            Some(text) => {
                context.update(&[1]);
                context.update(&(text.len() as u64).to_be_bytes());
                context.update(text.as_bytes());
            }
        };
        text(Some(&fields.id.to_string()));
        text(Some(&fields.at.to_string()));
        text(fields.actor);
        text(Some(fields.action));
        text(Some(fields.outcome));
        text(fields.org);
        text(fields.token_id.map(|id| id.to_string()).as_deref());
        text(fields.target);
        text(Some(fields.details));
        if fields.os_user.is_some() {
            text(fields.os_user);
        }
        let mut out = [0u8; 32];
        out.copy_from_slice(context.finish().as_ref());
        out
    }

    /// Laying the hashed bytes out in one buffer (for speed) must not
    /// change a single hash: every stored chain depends on them.
    #[test]
    fn one_buffer_hashes_exactly_as_updates_per_field_did() {
        let base = fields();
        let variants = [
            base,
            HashedFields {
                os_user: None,
                org: None,
                token_id: None,
                actor: None,
                ..base
            },
            HashedFields {
                id: i64::MAX,
                at: -1,
                token_id: Some(i64::MIN),
                target: Some(""),
                details: "{\"naïve\":\"ünïcode\"}",
                ..base
            },
            HashedFields {
                id: 0,
                at: 0,
                token_id: Some(-42),
                ..base
            },
        ];
        for prev in [&GENESIS[..], &[9u8; 16][..]] {
            for variant in &variants {
                assert_eq!(
                    event_hash(prev, variant),
                    event_hash_by_updates(prev, variant),
                    "{variant:?}"
                );
            }
        }
    }

    fn fields() -> HashedFields<'static> {
        HashedFields {
            id: 7,
            at: 1_790_000_000,
            actor: Some("alice"),
            action: "token.revoke",
            outcome: "ok",
            org: Some("acme"),
            token_id: Some(42),
            target: Some("deploy"),
            details: "{\"reason\":\"done\"}",
            os_user: None,
        }
    }

    #[test]
    fn events_without_an_os_user_hash_as_before_schema_7() {
        // Computed by the version-1 code: old stores' chains must keep verifying.
        assert_eq!(
            hex(&event_hash(&[0x11; 16], &fields())),
            "4934987ff830a8fea6614c8ef79a2b427a6aba325d804d4ee2f60f30d94aa572"
        );
        let bare = HashedFields {
            actor: None,
            org: None,
            token_id: None,
            target: None,
            ..fields()
        };
        assert_eq!(
            hex(&event_hash(&GENESIS, &bare)),
            "afd06ccbee0a0f14fd4da1f6639efebf092bf25e4e5f04907f8742fad43e9e45"
        );
    }

    #[test]
    fn the_os_user_is_hashed_and_cannot_be_removed_or_moved() {
        let plain = event_hash(&GENESIS, &fields());
        let with = |os_user| {
            event_hash(
                &GENESIS,
                &HashedFields {
                    os_user: Some(os_user),
                    ..fields()
                },
            )
        };
        assert_ne!(with("root (uid 0)"), plain);
        assert_ne!(with("root (uid 0)"), with("alice (uid 1000)"));
        // An empty OS user is not the same as none.
        assert_ne!(with(""), plain);
        // Nor can the OS user's text pass as part of the details.
        let moved = HashedFields {
            details: "{\"reason\":\"done\"}\u{1}",
            ..fields()
        };
        assert_ne!(event_hash(&GENESIS, &moved), with(""));
    }

    /// A chain of `count` events as the store writes it, from `start`.
    fn chain(start: Option<&Checkpoint>, actions: &[(&'static str, String)]) -> Vec<Event> {
        let (mut previous, mut id) = match start {
            Some(start) => (start.hash.clone(), start.id),
            None => (GENESIS.to_vec(), 0),
        };
        let mut events = Vec::new();
        for (action, details) in actions {
            id += 1;
            let mut event = Event {
                id,
                at: crate::clock::from_unix(1_790_000_000 + id),
                actor: Some("alice".into()),
                os_user: (id % 2 == 0).then(|| "alice (uid 1000)".to_owned()),
                action: (*action).to_owned(),
                outcome: "ok".into(),
                org: None,
                token_id: None,
                target: None,
                details: details.clone(),
                hash: Vec::new(),
            };
            event.hash = event_hash(&previous, &event.hashed_fields())[..STORED_HASH_LEN].to_vec();
            previous = event.hash.clone();
            events.push(event);
        }
        events
    }

    fn walk(
        start: Option<Checkpoint>,
        expect: Option<Checkpoint>,
        events: &[Event],
    ) -> ChainReport {
        let mut walker = ChainWalker::new(start);
        if let Some(expect) = expect {
            walker.expect(expect);
        }
        for event in events {
            walker.push(event);
        }
        walker.finish()
    }

    fn plain(n: usize) -> Vec<(&'static str, String)> {
        vec![(action::TOKEN_CREATE, "{}".to_owned()); n]
    }

    fn head_of(event: &Event) -> Checkpoint {
        Checkpoint {
            id: event.id,
            hash: event.hash.clone(),
        }
    }

    #[test]
    fn a_whole_chain_with_and_without_os_users_verifies() {
        let events = chain(None, &plain(5));
        let report = walk(None, Some(head_of(&events[4])), &events);
        assert_eq!(report.broken, None);
        assert_eq!(report.checked, 5);
        assert_eq!(report.head, Some(head_of(&events[4])));
        assert_eq!(report.expected.unwrap().problem, None);
    }

    #[test]
    fn a_cut_tail_is_caught_only_against_a_recorded_head() {
        let events = chain(None, &plain(5));
        let recorded = head_of(&events[4]);
        assert_eq!(walk(None, None, &events[..3]).broken, None);
        let report = walk(None, Some(recorded.clone()), &events[..3]);
        let broken = report.broken.unwrap();
        assert_eq!(broken.event_id, 5);
        assert!(
            broken.problem.contains("ends at event 3"),
            "{}",
            broken.problem
        );
        // Cut, then written again: event 5 exists but is another event.
        let mut rewritten = events[..4].to_vec();
        rewritten.extend(chain(
            Some(&head_of(&events[3])),
            &[(action::ORG_ADD, "{}".into())],
        ));
        let broken = walk(None, Some(recorded), &rewritten).broken.unwrap();
        assert!(broken.problem.contains("differs"), "{}", broken.problem);
        // Everything deleted.
        let broken = walk(None, Some(head_of(&events[0])), &[]).broken.unwrap();
        assert!(broken.problem.contains("no events"), "{}", broken.problem);
    }

    #[test]
    fn a_checkpoint_counts_only_when_an_audit_prune_event_records_it() {
        let events = chain(None, &plain(4));
        let checkpoint = head_of(&events[1]);
        let prune = |details: String| {
            let mut kept = events[2..].to_vec();
            kept.extend(chain(
                Some(&head_of(&events[3])),
                &[(action::AUDIT_PRUNE, details)],
            ));
            kept
        };
        let exact = prune(format!(
            "{{\"through_id\":2,\"checkpoint_hash\":\"{}\"}}",
            hex(&checkpoint.hash)
        ));
        let report = walk(Some(checkpoint.clone()), None, &exact);
        assert_eq!(report.broken, None);
        assert_eq!(report.checkpoint_vouched_by, Some(5));

        // A prune event from before the hash was recorded vouches by id.
        let old = prune("{\"through_id\":2}".to_owned());
        assert_eq!(walk(Some(checkpoint.clone()), None, &old).broken, None);

        // No prune event at all: the first events were deleted and a
        // checkpoint written to cover it.
        let report = walk(Some(checkpoint.clone()), None, &events[2..]);
        let broken = report.broken.unwrap();
        assert_eq!(broken.event_id, 3);
        assert!(
            broken.problem.contains("no audit.prune"),
            "{}",
            broken.problem
        );

        // A prune event for another checkpoint, or another hash, does not vouch.
        for details in [
            "{\"through_id\":1}".to_owned(),
            format!(
                "{{\"through_id\":2,\"checkpoint_hash\":\"{}\"}}",
                hex(&[0; 16])
            ),
        ] {
            let report = walk(Some(checkpoint.clone()), None, &prune(details));
            assert!(report.broken.is_some());
        }
    }

    #[test]
    fn a_recorded_head_at_or_before_the_checkpoint() {
        let events = chain(None, &plain(4));
        let checkpoint = head_of(&events[1]);
        let mut kept = events[2..].to_vec();
        kept.extend(chain(
            Some(&head_of(&events[3])),
            &[(action::AUDIT_PRUNE, "{\"through_id\":2}".to_owned())],
        ));
        let at_checkpoint = walk(Some(checkpoint.clone()), Some(checkpoint.clone()), &kept);
        assert_eq!(at_checkpoint.broken, None);
        let pruned = walk(Some(checkpoint), Some(head_of(&events[0])), &kept);
        assert!(pruned.broken.unwrap().problem.contains("was pruned"));
    }

    #[test]
    fn heads_are_written_and_read_as_id_colon_hash() {
        let head = Checkpoint {
            id: 42,
            hash: vec![0xab; STORED_HASH_LEN],
        };
        assert_eq!(head.to_string(), format!("42:{}", "ab".repeat(16)));
        assert_eq!(head.to_string().parse::<Checkpoint>().unwrap(), head);
        assert_eq!(
            format!(" 42:{} ", "AB".repeat(16))
                .parse::<Checkpoint>()
                .unwrap(),
            head
        );
        for bad in [
            "", "42", "42:", "x:ab", "0:ab", "-1:ab", "42:abc", "42:abab", "42:zz",
        ] {
            assert!(bad.parse::<Checkpoint>().is_err(), "{bad}");
        }
    }
}
