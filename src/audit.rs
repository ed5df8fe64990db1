//! The audit trail's event model and its hash chain. No I/O here: the store
//! appends and reads events, this module says what an event is and how its
//! hash is computed.
//!
//! Each event's hash is SHA-256 over the previous event's hash and a
//! length-prefixed encoding of every field, including its sequence number.
//! Ids are consecutive, so an edited, inserted or reordered event fails its
//! hash and a deleted one leaves a gap: the chain breaks at that point.

use ring::digest::{Context, SHA256};
use serde::Serialize;

use crate::clock::Timestamp;
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
    /// The first-use bootstrap.
    pub const STORE_BOOTSTRAP: &str = "store.bootstrap";
    /// An org was added.
    pub const ORG_ADD: &str = "org.add";
    /// A user was registered.
    pub const USER_ADD: &str = "user.add";
    /// A user was offboarded.
    pub const USER_REMOVE: &str = "user.remove";
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
}

/// An event to append. Never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// When.
    pub at: Timestamp,
    /// Who (a tokctl user name; for verification, whoever ran it).
    pub actor: Option<String>,
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
}

/// The chained hash of an event.
pub fn event_hash(prev: &[u8], fields: &HashedFields<'_>) -> EventHash {
    let mut context = Context::new(&SHA256);
    context.update(b"tokctl-audit-v1");
    context.update(prev);
    let mut text = |value: Option<&str>| match value {
        // A marker byte keeps "absent" and "empty" apart; the length keeps fields apart.
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
    let mut out = [0u8; 32];
    out.copy_from_slice(context.finish().as_ref());
    out
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
        }
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

/// Walks events in id order and checks each link, starting from `start`
/// (the genesis hash, or a retention checkpoint).
#[derive(Debug)]
pub struct ChainWalker {
    previous_hash: Vec<u8>,
    last_id: i64,
    /// Events checked so far.
    pub checked: u64,
}

impl ChainWalker {
    /// A walker expecting the first event to be `after_id + 1` and to chain to `start`.
    pub fn new(start: &[u8], after_id: i64) -> Self {
        ChainWalker {
            previous_hash: start.to_vec(),
            last_id: after_id,
            checked: 0,
        }
    }

    /// Checks the next event.
    pub fn check(&mut self, event: &Event) -> Result<(), BrokenLink> {
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
}
