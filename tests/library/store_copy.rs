//! `Session::copy_store` through the library, into a second local store
//! (the team store's side is in `tests/cli/store_copy.rs`): every row comes
//! across as it was, secrets verify there, and one audit chain runs on.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::ops::ControlFlow;
use std::sync::Arc;

use crate::common::session::*;
use tokctl::error::Rejection;
use tokctl::keyring::{KeyringMode, MemoryKeyring};
use tokctl::ops::{RotateRequest, Session};
use tokctl::store::{DumpSink, Store, StoreFacts, StoreRecord};
use tokctl::Error;

/// Everything a dump sends, as text: records have no equality of their own
/// (a token's scopes compare as parsed), their Debug form says every field.
#[derive(Default)]
struct Collected {
    facts: Option<StoreFacts>,
    records: Vec<String>,
}

impl DumpSink for Collected {
    fn facts(&mut self, facts: &StoreFacts) {
        self.facts = Some(facts.clone());
    }

    fn record(&mut self, record: StoreRecord) -> ControlFlow<()> {
        self.records.push(format!("{record:?}"));
        ControlFlow::Continue(())
    }
}

fn dump(store: &Store) -> Collected {
    let mut collected = Collected::default();
    store.dump(&mut collected).unwrap();
    collected
}

/// A store with tokens in every state, a rotation, uses and a refusal.
fn populated() -> (Harness, Vec<String>) {
    let mut h = harness();
    h.session.add_user("bob").unwrap();
    h.session
        .set_member("default", "bob", tokctl::model::Role::Member)
        .unwrap();
    let keep = create(&mut h, "keep", &["repo:read"], "30d");
    create(&mut h, "gone", &["repo:read"], "30d");
    let old = create(&mut h, "turn", &["repo:read"], "30d");
    let new = h
        .session
        .rotate_token(RotateRequest {
            reference: "turn".into(),
            grace: Some("1d".parse().unwrap()),
            ..RotateRequest::default()
        })
        .unwrap();
    revoke_named(&mut h.session, &["gone".into()], None, Some("done")).unwrap();
    let secret = keep.secret.expose().to_owned();
    for _ in 0..3 {
        verified(h.session.verify(&secret, None));
    }
    rejection(
        h.session
            .verify(&secret, Some(&"repo:admin".parse().unwrap())),
    );
    h.session.flush_usage().unwrap();
    let secrets = vec![
        secret,
        old.secret.expose().to_owned(),
        new.secret.expose().to_owned(),
    ];
    (h, secrets)
}

fn session_on(store: Store, h: &Harness) -> Session {
    Session::new(
        store,
        h.clock.clone(),
        Box::new(Arc::new(MemoryKeyring::default())),
        KeyringMode::Off,
        "alice",
    )
}

#[test]
fn a_copy_holds_every_row_as_it_was_and_the_chain_runs_on() {
    let (mut h, secrets) = populated();
    let mut target = Store::open_in_memory().unwrap();
    let dry = h.session.copy_store(&mut target, true).unwrap();
    assert!(dry.dry_run);
    assert_eq!(dump(&target).records.len(), 0, "a dry run wrote");

    let copy = h.session.copy_store(&mut target, false).unwrap();
    assert_eq!(copy.counts, dry.counts);
    assert_eq!(copy.counts.tokens, 3);
    assert_eq!(copy.counts.retired_secrets, 1);
    assert_eq!(copy.counts.usage_hours, 1);
    let source = dump(h.session.store());
    let copied = dump(&target);
    let events = copy.counts.events as usize;
    // Every row the same, then one more: the store.copy event.
    assert_eq!(copied.records.len(), source.records.len() + 1);
    assert_eq!(copied.records[..source.records.len()], source.records[..]);
    let last = copied.records.last().unwrap();
    assert!(last.contains("action: \"store.copy\""), "{last}");
    let head = copy.source_head.clone().unwrap();
    assert_eq!(head.id as usize, events);
    assert!(last.contains(&tokctl::audit::hex(&head.hash)), "{last}");
    assert_eq!(copy.copy_event.as_ref().unwrap().id, head.id + 1);
    // The target keeps its own id; the counter and the checkpoint came along.
    let (from, to) = (source.facts.unwrap(), copied.facts.unwrap());
    assert_ne!(from.store_id, to.store_id);
    assert_eq!(from.next_token_key, to.next_token_key);
    assert_eq!(from.checkpoint, to.checkpoint);
    // The facts say how many rows follow them.
    assert_eq!(from.rows as usize, source.records.len());
    assert_eq!(to.rows as usize, copied.records.len());

    let mut there = session_on(target, &h);
    verified(there.verify(&secrets[0], None));
    verified(there.verify(&secrets[1], None));
    verified(there.verify(&secrets[2], None));
    let report = there.verify_audit_chain(Some(head)).unwrap();
    assert!(report.broken.is_none(), "{report:?}");
    assert_eq!(report.checked as usize, events + 1);
    // New tokens get keys the copied ones never had.
    let fresh = there
        .create_token(request("fresh", &["repo:read"], "30d"))
        .unwrap();
    assert_eq!(there.list_orgs().unwrap().len(), 1);
    verified(there.verify(fresh.secret.expose(), None));
    assert_eq!(
        rejection(there.verify(&secrets[0], Some(&"repo:admin".parse().unwrap()))),
        Rejection::InsufficientScope
    );
}

#[test]
fn a_second_copy_into_the_same_store_is_refused_and_writes_nothing() {
    let (mut h, _) = populated();
    let mut target = Store::open_in_memory().unwrap();
    h.session.copy_store(&mut target, false).unwrap();
    let before = dump(&target).records;
    for dry_run in [true, false] {
        let err = h.session.copy_store(&mut target, dry_run).unwrap_err();
        match err {
            Error::StoreNotEmpty { found, .. } => {
                assert_eq!((found.orgs, found.users, found.tokens), (1, 2, 3));
            }
            other => panic!("expected StoreNotEmpty, got {other:?}"),
        }
    }
    assert_eq!(dump(&target).records, before);
}

/// What a benchmark does to seed a store with many tokens at once: records
/// made up in memory, loaded through the seam (no SQL outside the store),
/// and the secrets then verify.
#[test]
fn a_store_can_be_seeded_through_the_bulk_path() {
    use tokctl::audit::Checkpoint;
    use tokctl::model::{Role, TokenId, TokenKind};
    use tokctl::secret::Generator;
    use tokctl::store::{
        LoadEnd, MembershipRecord, OrgRecord, RecordBatch, TokenRecord, UserRecord,
    };

    let h = harness();
    let now = h.session.now();
    let mut batch = RecordBatch::default();
    batch.orgs.push(OrgRecord {
        key: 1,
        name: "default".into(),
        created_at: now,
    });
    batch.users.push(UserRecord {
        key: 1,
        name: "alice".into(),
        created_at: now,
        display_name: None,
        email: None,
        kind: "person".into(),
        removed_at: None,
    });
    batch.memberships.push(MembershipRecord {
        org: 1,
        user: 1,
        role: Role::Owner,
        created_at: now,
    });
    let generator = Generator::default();
    let mut secrets = Vec::new();
    for key in 1..=500 {
        let minted = generator
            .mint(TokenKind::Personal, TokenId::from_key(key).unwrap())
            .unwrap();
        batch.tokens.push(TokenRecord {
            id: minted.id,
            kind: TokenKind::Personal,
            org: 1,
            owner: Some(1),
            name: format!("seed-{key}"),
            description: None,
            scopes: tokctl::scope::ScopeSet::parse_stored("repo:read").unwrap(),
            secret_hash: minted.hash,
            created_at: now,
            created_by: 1,
            expires_at: None,
            last_used_at: None,
            use_count: 0,
            revoked_at: None,
            revoked_by: None,
            revoke_reason: None,
            issued_at: now,
            deactivated_at: None,
            deactivated_by: None,
            deactivate_reason: None,
        });
        secrets.push(minted.secret);
    }
    let mut store = Store::open_in_memory().unwrap();
    store
        .load(|_, loader| {
            loader.load(&batch)?;
            loader.finish(&LoadEnd {
                next_token_key: 1,
                checkpoint: None::<Checkpoint>,
            })
        })
        .unwrap();
    let mut seeded = session_on(store, &h);
    for secret in secrets.iter().step_by(97) {
        verified(seeded.verify(secret.expose(), None));
    }
    // The counter moved past the loaded keys.
    let next = seeded
        .create_token(request("after", &["repo:read"], "30d"))
        .unwrap();
    assert_eq!(next.token.id, TokenId::from_key(501).unwrap());
}
