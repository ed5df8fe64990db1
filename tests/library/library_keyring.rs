//! The keyring through the library API: a memory keyring that a test can
//! lock, break and repair mid-way, against an in-memory store.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use crate::common::session::{harness_with, rejection, Harness};
use chrono::Duration;
use tokctl::error::Rejection;
use tokctl::keyring::{FailOn, KeyringEntry, KeyringMode, MemoryKeyring, SecretKeeper};
use tokctl::ops::{
    AuditQuery, CreateRequest, EntryListing, KeyringOutcome, RevokeOutcome, RotateRequest,
    Selection,
};
use tokctl::secret::Secret;
use tokctl::{Error, ErrorKind};

fn harness(mode: KeyringMode) -> Harness {
    harness_with(MemoryKeyring::default(), mode)
}

fn request(name: &str, expires: &str) -> CreateRequest {
    CreateRequest {
        name: Some(name.to_owned()),
        scopes: vec!["repo:read".parse().unwrap()],
        expiry: Some(expires.parse().unwrap()),
        ..CreateRequest::default()
    }
}

fn create(h: &mut Harness, name: &str) -> Secret {
    h.session.create_token(request(name, "90d")).unwrap().secret
}

fn rotate(h: &mut Harness, name: &str) -> tokctl::ops::Rotated {
    h.session
        .rotate_token(RotateRequest {
            reference: name.to_owned(),
            ..RotateRequest::default()
        })
        .unwrap()
}

/// The `keyring.failure` events, as (token name, details).
fn keyring_failures(h: &Harness) -> Vec<(Option<String>, serde_json::Value)> {
    let mut found = Vec::new();
    h.session
        .audit_events(
            &AuditQuery {
                action: Some("keyring.failure".into()),
                ..AuditQuery::default()
            },
            |event| {
                found.push((
                    event.target.clone(),
                    serde_json::from_str(&event.details).unwrap(),
                ));
                Ok::<(), Error>(())
            },
        )
        .unwrap();
    found
}

fn store_id(h: &Harness) -> String {
    h.session.store().read().store_id().unwrap()
}

#[test]
fn rotate_with_a_failing_keyring_leaves_no_stale_secret() {
    let mut h = harness(KeyringMode::Auto);
    let old = create(&mut h, "r1");
    h.keyring.set_failure(Some(FailOn::Put));
    let rotated = rotate(&mut h, "r1");
    assert!(
        matches!(rotated.keyring, KeyringOutcome::Failed { .. }),
        "{:?}",
        rotated.keyring
    );
    h.keyring.set_failure(None);
    // The old entry went with the failed put: nothing stale to hand out.
    assert!(h.keyring.is_empty());
    let err = h.session.token_secret("r1", None).unwrap_err();
    assert!(matches!(err, Error::SecretNotInKeyring { .. }), "{err:?}");
    assert!(h
        .session
        .verify(rotated.secret.expose(), None)
        .unwrap()
        .is_valid());
    assert_eq!(
        ErrorKind::Rejected(rejection(h.session.verify(old.expose(), None))),
        ErrorKind::Rejected(Rejection::Rotated)
    );
    assert_eq!(keyring_failures(&h).len(), 1);
}

#[test]
fn rotate_with_a_locked_keyring_marks_the_entry_stale_and_secret_refuses_it() {
    let mut h = harness(KeyringMode::Auto);
    create(&mut h, "r1");
    h.keyring.set_failure(Some(FailOn::Locked));
    let rotated = rotate(&mut h, "r1");
    assert!(
        matches!(rotated.keyring, KeyringOutcome::Stale { .. }),
        "{:?}",
        rotated.keyring
    );
    let err = h.session.token_secret("r1", None).unwrap_err();
    assert!(
        matches!(
            &err,
            Error::SecretUnreadable {
                source: tokctl::keyring::KeyringError::Locked,
                ..
            }
        ),
        "{err:?}"
    );
    // The hint (unlock) is the binary's: tests/cli/hints.rs.

    // Unlocked later: the entry still holds the old secret, which is refused, not handed out.
    h.keyring.set_failure(None);
    assert_eq!(h.keyring.len(), 1);
    let err = h.session.token_secret("r1", None).unwrap_err();
    assert!(
        matches!(err, Error::SecretOutdatedInKeyring { .. }),
        "{err:?}"
    );
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let report = h.session.doctor().unwrap();
    assert_eq!(report.stale_entries.len(), 1);
    assert_eq!(report.stale_entries[0].name, "r1");
}

#[test]
fn rotate_with_a_locked_keyring_in_required_mode_writes_nothing() {
    let mut h = harness(KeyringMode::Required);
    let old = create(&mut h, "r1");
    h.keyring.set_failure(Some(FailOn::Locked));
    let err = h
        .session
        .rotate_token(RotateRequest {
            reference: "r1".into(),
            ..RotateRequest::default()
        })
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Keyring);
    // Locked, not unreachable: the binary's hint says unlock (tests/cli/hints.rs).
    assert!(
        matches!(err, Error::Keyring(tokctl::keyring::KeyringError::Locked)),
        "{err:?}"
    );
    h.keyring.set_failure(None);
    assert!(h.session.verify(old.expose(), None).unwrap().is_valid());
    assert_eq!(
        h.session.token_secret("r1", None).unwrap().expose(),
        old.expose()
    );
    assert!(keyring_failures(&h).is_empty());
}

#[test]
fn prune_removes_keyring_entries() {
    let mut h = harness(KeyringMode::Auto);
    h.session.create_token(request("short", "1d")).unwrap();
    create(&mut h, "kept");
    assert_eq!(h.keyring.len(), 2);
    h.clock.advance(Duration::days(30));
    let plan = h.session.plan_prune("7d".parse().unwrap(), None).unwrap();
    let pruned = h.session.prune_planned(&plan).unwrap().pruned;
    assert_eq!(pruned.len(), 1);
    assert_eq!(pruned[0].keyring, RevokeOutcome::Deleted);
    assert_eq!(h.keyring.len(), 1, "only the live token keeps its entry");
    assert!(h.session.token_secret("kept", None).is_ok());
}

#[test]
fn a_dry_run_prune_leaves_the_keyring_alone() {
    let mut h = harness(KeyringMode::Auto);
    h.session.create_token(request("short", "1d")).unwrap();
    h.clock.advance(Duration::days(30));
    let plan = h.session.plan_prune("7d".parse().unwrap(), None).unwrap();
    let pruned = h.session.preview_prune(&plan);
    assert_eq!(pruned[0].keyring, RevokeOutcome::Untouched);
    assert_eq!(h.keyring.len(), 1);
}

#[test]
fn doctor_finds_stale_orphan_and_missing_entries() {
    let mut h = harness(KeyringMode::Auto);
    for name in ["stale", "revoked", "fine"] {
        create(&mut h, name);
    }
    h.keyring.set_failure(Some(FailOn::Locked));
    rotate(&mut h, "stale");
    h.keyring.set_failure(Some(FailOn::Delete));
    let plan = h
        .session
        .plan_revoke_named(&["revoked".to_owned()], None)
        .unwrap();
    h.session.revoke_planned(&plan, None).unwrap();
    h.keyring.set_failure(Some(FailOn::Put));
    create(&mut h, "missing");
    h.keyring.set_failure(None);
    // An entry for a token this store never had, and one of another store.
    let stray = KeyringEntry {
        account: format!("{}/AAAAAAAAAAA", store_id(&h)),
        label: "stray".into(),
    };
    h.keyring
        .put(&stray, &Secret::from_string("not-a-token".into()))
        .unwrap();
    let foreign = KeyringEntry {
        account: "another-store/AAAAAAAAAAA".into(),
        label: "foreign".into(),
    };
    h.keyring
        .put(&foreign, &Secret::from_string("x".into()))
        .unwrap();

    let report = h.session.doctor().unwrap();
    assert!(report.has_problems());
    assert_eq!(report.entry_listing, EntryListing::Listed(4));
    let names = |tokens: &[tokctl::model::Token]| -> Vec<String> {
        tokens.iter().map(|t| t.name.clone()).collect()
    };
    assert_eq!(names(&report.stale_entries), ["stale"]);
    assert_eq!(names(&report.missing_entries), ["missing"]);
    let orphans: Vec<(String, Option<String>)> = report
        .orphan_entries
        .iter()
        .map(|o| (o.account.clone(), o.token.as_ref().map(|t| t.name.clone())))
        .collect();
    let revoked_account = format!(
        "{}/{}",
        store_id(&h),
        h.session.show_token("revoked", None).unwrap().id
    );
    let mut expected = vec![
        (stray.account.clone(), None),
        (revoked_account, Some("revoked".to_owned())),
    ];
    expected.sort();
    assert_eq!(orphans, expected);
}

#[test]
fn doctor_in_step_reports_no_keyring_problem() {
    let mut h = harness(KeyringMode::Auto);
    create(&mut h, "a");
    rotate(&mut h, "a");
    let report = h.session.doctor().unwrap();
    assert_eq!(report.entry_listing, EntryListing::Listed(1));
    assert!(!report.has_problems(), "{report:?}");
}

#[test]
fn bulk_revoke_without_keyring_asks_once_and_audits_once() {
    let mut h = harness(KeyringMode::Auto);
    for i in 0..43 {
        create(&mut h, &format!("t{i}"));
    }
    h.keyring.set_failure(Some(FailOn::Everything));
    let calls = h.keyring.calls();
    h.clock.advance(Duration::days(40));
    let plan = h
        .session
        .plan_revoke(&Selection {
            never_used: true,
            ..Selection::default()
        })
        .unwrap();
    let revoked = h.session.revoke_planned(&plan, None).unwrap().revoked;
    assert_eq!(revoked.len(), 43);
    assert!(revoked
        .iter()
        .all(|item| matches!(item.keyring, RevokeOutcome::Failed(_))));
    assert_eq!(h.keyring.calls() - calls, 1, "the keyring is asked once");
    let events = keyring_failures(&h);
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].1["tokens"], 43);
    assert_eq!(events[0].1["operation"], "delete");
    assert_eq!(events[0].0, None, "a many-token event names no one token");
}

#[test]
fn bulk_create_without_keyring_audits_once() {
    let mut h = harness(KeyringMode::Auto);
    h.keyring.set_failure(Some(FailOn::Everything));
    let created = h
        .session
        .create_tokens((0..5).map(|i| request(&format!("c{i}"), "1d")).collect())
        .unwrap();
    assert!(created
        .iter()
        .all(|c| matches!(c.keyring, KeyringOutcome::Failed { .. })));
    assert_eq!(h.keyring.calls(), 1);
    let events = keyring_failures(&h);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].1["tokens"], 5);
    assert_eq!(events[0].1["operation"], "store");
}

#[test]
fn secret_with_keyring_off_says_so() {
    let mut h = harness(KeyringMode::Off);
    create(&mut h, "k");
    let err = h.session.token_secret("k", None).unwrap_err();
    assert!(matches!(err, Error::KeyringOff { .. }), "{err:?}");
    assert_eq!(h.keyring.calls(), 0, "off means the keyring is not asked");
    // The hint (never `--keyring auto`) is the binary's: tests/cli/hints.rs.
}
