//! Behaviour through the library API: in-memory store, fixed clock, memory keyring.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::sync::Arc;

use crate::common::session::*;
use chrono::Duration;
use tokctl::clock::FixedClock;
use tokctl::duration::parse_time;
use tokctl::error::Rejection;
use tokctl::keyring::{FailOn, KeyringMode, MemoryKeyring};
use tokctl::model::{Role, TokenKind, TokenStatus};
use tokctl::ops::{CreateRequest, KeyringOutcome, OwnerChoice, Selection, Session, StatusChoice};
use tokctl::store::Store;
use tokctl::{Error, ErrorKind};

#[test]
fn first_use_creates_the_default_org_with_the_actor_as_owner() {
    let h = harness();
    let members = h.session.list_members(None).unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(
        (members[0].org.as_str(), members[0].user.as_str()),
        ("default", "alice")
    );
    assert_eq!(members[0].role, Role::Owner);
}

#[test]
fn create_verify_revoke_verify_fails() {
    let mut h = harness();
    let created = create(&mut h, "ci", &["repo:write"], "90d");
    assert_eq!(
        created.keyring,
        KeyringOutcome::Stored {
            backend: "memory".into()
        }
    );
    assert_eq!(created.token.kind, TokenKind::Personal);
    assert_eq!(
        created.token.expires_at,
        Some(parse_time("2027-02-20T10:00:00Z").unwrap())
    );

    let verified = verified(h.session.verify(created.secret.expose(), None));
    assert_eq!(verified.id, created.token.id);
    assert_eq!(verified.owner.as_deref(), Some("alice"));

    let revoked = revoke_named(&mut h.session, &["ci".into()], None, Some("done")).unwrap();
    assert!(revoked[0].newly);
    assert!(h.keyring.is_empty(), "revoke removes the keyring entry");
    assert_eq!(
        rejection(h.session.verify(created.secret.expose(), None)),
        Rejection::Revoked
    );

    // Revoking again is a no-op, not an error.
    let again = revoke_named(&mut h.session, &[created.token.id.to_string()], None, None).unwrap();
    assert!(!again[0].newly);
    assert_eq!(again[0].token.revoke_reason.as_deref(), Some("done"));
}

#[test]
fn scope_implication_admin_write_read() {
    let mut h = harness();
    let created = create(&mut h, "w", &["repo:write"], "1d");
    let secret = created.secret.expose();
    assert!(h
        .session
        .verify(secret, Some(&"repo:read".parse().unwrap()))
        .unwrap()
        .is_valid());
    assert!(h
        .session
        .verify(secret, Some(&"repo:write".parse().unwrap()))
        .unwrap()
        .is_valid());
    assert_eq!(
        rejection(
            h.session
                .verify(secret, Some(&"repo:admin".parse().unwrap()))
        ),
        Rejection::InsufficientScope
    );
    assert_eq!(
        rejection(
            h.session
                .verify(secret, Some(&"issues:read".parse().unwrap()))
        ),
        Rejection::InsufficientScope
    );
}

/// `repo:write[web]` once swallowed `repo:read[base,node]` when the set was
/// made canonical ("one scope per resource, the strongest wins").
#[test]
fn a_stronger_scope_on_fewer_names_keeps_the_weaker_grant() {
    let mut h = harness();
    let created = create(
        &mut h,
        "mixed",
        &["repo:read[base,node]", "repo:write[web]"],
        "1d",
    );
    assert_eq!(
        created.token.scopes.to_stored(),
        "repo:write[web] repo:read[base,node]"
    );
    let secret = created.secret.expose();
    let check =
        |h: &mut Harness, scope: &str| h.session.verify(secret, Some(&scope.parse().unwrap()));
    for allowed in [
        "repo:read[base]",
        "repo:read[node]",
        "repo:read[web]",
        "repo:write[web]",
        "repo:read[base,node,web]",
    ] {
        assert!(check(&mut h, allowed).unwrap().is_valid(), "{allowed}");
    }
    for refused in [
        "repo:write[base]",
        "repo:write[node]",
        "repo:read",
        "repo:read[docs]",
    ] {
        assert_eq!(
            rejection(check(&mut h, refused)),
            Rejection::InsufficientScope,
            "{refused}"
        );
    }
    // What the store gives back is what was minted.
    let shown = h.session.show_token("mixed", None).unwrap();
    assert_eq!(shown.scopes, created.token.scopes);
}

#[test]
fn expiry_takes_effect_exactly_at_the_boundary() {
    let mut h = harness();
    let created = create(&mut h, "short", &["repo:read"], "12h");
    h.clock.advance(Duration::hours(12) - Duration::seconds(1));
    assert!(h
        .session
        .verify(created.secret.expose(), None)
        .unwrap()
        .is_valid());
    h.clock.advance(Duration::seconds(1));
    assert_eq!(
        rejection(h.session.verify(created.secret.expose(), None)),
        Rejection::Expired
    );
    let token = h.session.show_token("short", None).unwrap();
    assert_eq!(token.status(h.session.now()), TokenStatus::Expired);
}

#[test]
fn unknown_and_tampered_tokens_are_rejected_before_or_at_lookup() {
    let mut h = harness();
    let created = create(&mut h, "t", &["repo:read"], "1d");
    let text = created.secret.expose();
    assert_eq!(
        rejection(h.session.verify("garbage", None)),
        Rejection::Malformed
    );
    assert_eq!(
        rejection(h.session.verify(&text[..40], None)),
        Rejection::Malformed
    );
    let mut flipped = text.to_owned().into_bytes();
    flipped[30] = if flipped[30] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    assert_eq!(
        rejection(h.session.verify(&flipped, None)),
        Rejection::Malformed
    );

    // A well-formed token that this store never issued.
    let mut other = harness();
    let foreign = create(&mut other, "t", &["repo:read"], "1d");
    assert_eq!(
        rejection(h.session.verify(foreign.secret.expose(), None)),
        Rejection::Unknown
    );
}

#[test]
fn usage_is_coalesced_to_one_write_per_window() {
    let mut h = harness();
    let busy = create(&mut h, "busy", &["repo:read"], "1y")
        .secret
        .expose()
        .to_owned();
    let other = create(&mut h, "other", &["repo:read"], "1y")
        .secret
        .expose()
        .to_owned();
    let start = h.session.now();
    let stored = |h: &Harness, name: &str| {
        let token = h.session.show_token(name, None).unwrap();
        (token.use_count, token.last_used_at)
    };

    // Uses within the window are counted in memory: the store does not move.
    verified(h.session.verify(&busy, None));
    for _ in 0..5 {
        h.clock.advance(Duration::seconds(10));
        verified(h.session.verify(&busy, None));
        verified(h.session.verify(&other, None));
    }
    assert_eq!(stored(&h, "busy"), (0, None));

    // The first use once the window is over writes everything buffered, in one go.
    h.clock.advance(Duration::seconds(10));
    verified(h.session.verify(&busy, None));
    assert_eq!(stored(&h, "busy"), (7, Some(start + Duration::seconds(60))));
    assert_eq!(
        stored(&h, "other"),
        (5, Some(start + Duration::seconds(50)))
    );

    // A buffered use is not lost: flush writes it.
    h.clock.advance(Duration::seconds(5));
    verified(h.session.verify(&busy, None));
    assert_eq!(stored(&h, "busy").0, 7);
    h.session.flush_usage().unwrap();
    assert_eq!(stored(&h, "busy"), (8, Some(start + Duration::seconds(65))));
}

#[test]
fn many_pending_tokens_flush_before_the_window_ends() {
    let mut h = harness_with(MemoryKeyring::default(), KeyringMode::Off);
    let limit = 500;
    h.session.set_usage_buffer_limit(limit);
    let requests: Vec<CreateRequest> = (0..limit)
        .map(|i| request(&format!("t{i}"), &["repo:read"], "1d"))
        .collect();
    let secrets: Vec<String> = h
        .session
        .create_tokens(requests)
        .unwrap()
        .into_iter()
        .map(|created| created.secret.expose().to_owned())
        .collect();
    for secret in &secrets[..secrets.len() - 1] {
        verified(h.session.verify(secret, None));
    }
    assert_eq!(h.session.show_token("t0", None).unwrap().use_count, 0);
    verified(h.session.verify(&secrets[secrets.len() - 1], None));
    assert_eq!(
        h.session.show_token("t0", None).unwrap().use_count,
        1,
        "the full buffer was written"
    );
}

#[test]
fn the_bulk_path_is_all_or_nothing() {
    let mut h = harness();
    let requests = vec![
        request("a", &["repo:read"], "1d"),
        request("b", &["repo:read"], "1d"),
        request("a", &["repo:read"], "1d"),
    ];
    let err = h.session.create_tokens(requests).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert!(h
        .session
        .select_tokens(&Selection::default())
        .unwrap()
        .is_empty());
    assert!(
        h.keyring.is_empty(),
        "keyring entries of the rolled-back tokens are removed"
    );
}

#[test]
fn failed_verifications_do_not_count_as_use() {
    let mut h = harness();
    let created = create(&mut h, "scoped", &["repo:read"], "1d");
    let _ = h.session.verify(
        created.secret.expose(),
        Some(&"repo:write".parse().unwrap()),
    );
    h.session.flush_usage().unwrap();
    let token = h.session.show_token("scoped", None).unwrap();
    assert_eq!((token.use_count, token.last_used_at), (0, None));
}

#[test]
fn org_tokens_are_owned_by_the_org() {
    let mut h = harness();
    let created = h
        .session
        .create_token(CreateRequest {
            owner: OwnerChoice::Org,
            ..request("deploy", &["repo:write"], "never")
        })
        .unwrap();
    assert_eq!(created.token.kind, TokenKind::Org);
    assert_eq!(created.token.owner, None);
    assert!(created.secret.expose().starts_with("tko_"));
    let verified = verified(h.session.verify(created.secret.expose(), None));
    assert_eq!((verified.kind, verified.owner), (TokenKind::Org, None));
}

#[test]
fn names_are_unique_per_owner_among_live_tokens_only() {
    let mut h = harness();
    create(&mut h, "ci", &["repo:read"], "1d");
    let err = h
        .session
        .create_token(request("ci", &["repo:read"], "1d"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    // Once the first one expires the name is free again, and both stay listable.
    h.clock.advance(Duration::days(1));
    create(&mut h, "ci", &["repo:read"], "1d");
    let mut all = Vec::new();
    let listing = Selection {
        status: StatusChoice::All,
        ..Selection::default()
    };
    h.session
        .list_tokens(&listing, |t| {
            all.push(t.clone());
            Ok::<(), Error>(())
        })
        .unwrap();
    assert_eq!(all.len(), 2);
    // By name, the live token wins.
    let shown = h.session.show_token("ci", None).unwrap();
    assert_eq!(shown.status(h.session.now()), TokenStatus::Active);
}

#[test]
fn generated_names_are_readable_and_unique() {
    let mut h = harness();
    let mut unnamed = request("x", &["repo:read", "issues:write"], "30d");
    unnamed.name = None;
    let first = h.session.create_token(unnamed.clone()).unwrap();
    let second = h.session.create_token(unnamed).unwrap();
    assert_eq!(first.token.name, "issues-write-2026-11-22");
    assert_eq!(second.token.name, "issues-write-2026-11-22-2");
}

#[test]
fn refused_creates_write_nothing() {
    let mut h = harness();
    let cases: Vec<CreateRequest> = vec![
        CreateRequest {
            expiry: None,
            ..request("a", &["repo:read"], "1d")
        },
        CreateRequest {
            scopes: vec![],
            ..request("a", &["repo:read"], "1d")
        },
        request("a", &["repo:read"], "2026-11-21"),
        request("bad\nname", &["repo:read"], "1d"),
        CreateRequest {
            org: Some("nope".into()),
            ..request("a", &["repo:read"], "1d")
        },
        CreateRequest {
            owner: OwnerChoice::User("ghost".into()),
            ..request("a", &["repo:read"], "1d")
        },
    ];
    for case in cases {
        assert!(h.session.create_token(case).is_err());
    }
    let mut count = 0;
    h.session
        .list_tokens(
            &Selection {
                status: StatusChoice::All,
                ..Selection::default()
            },
            |_| {
                count += 1;
                Ok::<(), Error>(())
            },
        )
        .unwrap();
    assert_eq!(count, 0);
    assert!(h.keyring.is_empty());
}

#[test]
fn required_keyring_failure_leaves_no_token() {
    for fail in [FailOn::Everything, FailOn::Put] {
        let mut h = harness_with(MemoryKeyring::failing(fail), KeyringMode::Required);
        let err = h
            .session
            .create_token(request("k", &["repo:read"], "1d"))
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Keyring, "{fail:?}");
        assert!(
            h.session.show_token("k", None).is_err(),
            "no row after {fail:?}"
        );
    }
}

#[test]
fn auto_keyring_failure_still_mints_and_says_so() {
    let mut h = harness_with(MemoryKeyring::failing(FailOn::Put), KeyringMode::Auto);
    let created = create(&mut h, "k", &["repo:read"], "1d");
    assert!(matches!(created.keyring, KeyringOutcome::Failed { .. }));
    assert!(h
        .session
        .verify(created.secret.expose(), None)
        .unwrap()
        .is_valid());
}

#[test]
fn keyring_off_never_touches_it() {
    let mut h = harness_with(MemoryKeyring::failing(FailOn::Everything), KeyringMode::Off);
    let created = create(&mut h, "k", &["repo:read"], "1d");
    assert_eq!(created.keyring, KeyringOutcome::Off);
    let revoked = revoke_named(&mut h.session, &["k".into()], None, None).unwrap();
    assert_eq!(revoked[0].keyring, tokctl::ops::RevokeOutcome::Untouched);
}

#[test]
fn a_failed_keyring_delete_does_not_undo_the_revocation() {
    let mut h = harness_with(MemoryKeyring::failing(FailOn::Delete), KeyringMode::Auto);
    let created = create(&mut h, "k", &["repo:read"], "1d");
    let revoked = revoke_named(&mut h.session, &["k".into()], None, None).unwrap();
    assert!(matches!(
        revoked[0].keyring,
        tokctl::ops::RevokeOutcome::Failed(_)
    ));
    assert_eq!(
        rejection(h.session.verify(created.secret.expose(), None)),
        Rejection::Revoked
    );
}

#[test]
fn the_secret_reads_back_from_the_keyring() {
    let mut h = harness();
    let created = create(&mut h, "k", &["repo:read"], "1d");
    let secret = h.session.token_secret("k", None).unwrap();
    assert_eq!(secret.expose(), created.secret.expose());
}

#[test]
fn revoking_several_is_all_or_nothing() {
    let mut h = harness();
    create(&mut h, "one", &["repo:read"], "1d");
    let err = revoke_named(
        &mut h.session,
        &["one".into(), "missing".into()],
        None,
        None,
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let token = h.session.show_token("one", None).unwrap();
    assert_eq!(token.revoked_at, None);
    assert_eq!(h.keyring.len(), 1);
}

/// Sessions of different users on one file store.
fn session_on(path: &std::path::Path, user: &str) -> Session {
    let location = tokctl::store::StoreLocation {
        path: path.to_owned(),
        create_dirs: false,
    };
    let clock = Arc::new(FixedClock::new(parse_time("2026-11-22T10:00:00Z").unwrap()));
    let mut session = Session::new(
        Store::open(&location).unwrap().store,
        clock,
        Box::new(MemoryKeyring::default()),
        KeyringMode::Off,
        user,
    );
    session.bootstrap_if_empty().unwrap();
    session
}

#[test]
fn members_manage_only_their_own_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let mut owner = session_on(&path, "alice");
    owner.add_user("bob").unwrap();
    owner.set_member("default", "bob", Role::Member).unwrap();
    let alices = owner
        .create_token(request("alices", &["repo:read"], "1d"))
        .unwrap();

    let mut bob = session_on(&path, "bob");
    // Bob cannot see others' tokens by name, manage them by id, or mint org tokens.
    assert_eq!(
        bob.show_token("alices", None).unwrap_err().kind(),
        ErrorKind::NotFound
    );
    let err = revoke_named(&mut bob, &[alices.token.id.to_string()], None, None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Forbidden);
    let err = bob
        .create_token(CreateRequest {
            owner: OwnerChoice::Org,
            ..request("org", &["repo:read"], "1d")
        })
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Forbidden);
    assert_eq!(
        err.to_string(),
        "forbidden: minting an org token needs the admin role in org 'default'"
    );
    // He can mint and revoke his own.
    bob.create_token(request("bobs", &["repo:read"], "1d"))
        .unwrap();
    revoke_named(&mut bob, &["bobs".into()], None, None).unwrap();

    // The owner sees both and may revoke Bob's tokens.
    let owner = session_on(&path, "alice");
    assert!(owner.show_token("bobs", None).is_ok());
    // The last owner cannot be demoted.
    let mut owner = owner;
    let err = owner
        .set_member("default", "alice", Role::Admin)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Usage);
}

#[test]
fn unknown_actors_are_refused_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    session_on(&path, "alice");
    let mallory = session_on(&path, "mallory");
    let err = mallory.show_token("x", None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Forbidden);
    // The hint (`tokctl user add mallory`) is the binary's: tests/cli/hints.rs.
    assert!(
        matches!(&err, Error::UnknownActor { name } if name == "mallory"),
        "{err:?}"
    );
}
