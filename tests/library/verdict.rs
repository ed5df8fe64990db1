//! Verify answers with a verdict value: every refusal is `Ok(Verdict::Refused)`
//! with a reason a front end matches on, naming the token only when the
//! presented secret proved it; errors are left for a store that fails.
use chrono::Duration;

use crate::common::session::*;
use tokctl::error::Rejection;
use tokctl::model::{TokenId, TokenKind};
use tokctl::ops::RotateRequest;
use tokctl::secret::Generator;
use tokctl::verdict::{Refusal, Verdict};

/// The refusal a verification answered with; panics on a valid token or an error.
fn refusal(result: tokctl::Result<Verdict>) -> Refusal {
    match result {
        Ok(Verdict::Refused(refusal)) => refusal,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn every_refusal_is_a_verdict_with_its_reason_not_an_error() {
    let mut h = harness();
    let live = create(&mut h, "live", &["repo:read"], "1d");
    let revoked = create(&mut h, "gone", &["repo:read"], "1d");
    revoke_named(&mut h.session, &["gone".into()], None, None).unwrap();
    let expiring = create(&mut h, "short", &["repo:read"], "1h");
    let rotated = create(&mut h, "turned", &["repo:read"], "1d");
    h.session
        .rotate_token(RotateRequest {
            reference: "turned".into(),
            ..RotateRequest::default()
        })
        .unwrap();
    h.clock.advance(Duration::hours(2));
    let unknown = Generator::default()
        .mint(TokenKind::Personal, TokenId::from_key(1_000_000).unwrap())
        .unwrap();

    let cases = [
        (h.session.verify("garbage", None), Rejection::Malformed),
        (
            h.session.verify(unknown.secret.expose(), None),
            Rejection::Unknown,
        ),
        (
            h.session.verify(revoked.secret.expose(), None),
            Rejection::Revoked,
        ),
        (
            h.session.verify(expiring.secret.expose(), None),
            Rejection::Expired,
        ),
        (
            h.session.verify(rotated.secret.expose(), None),
            Rejection::Rotated,
        ),
        (
            h.session
                .verify(live.secret.expose(), Some(&"repo:write".parse().unwrap())),
            Rejection::InsufficientScope,
        ),
    ];
    for (result, reason) in cases {
        let verdict = result.unwrap();
        assert!(!verdict.is_valid(), "{reason:?}");
        assert_eq!(
            verdict.refusal().map(|refusal| refusal.reason),
            Some(reason)
        );
    }
    let verdict = h.session.verify(live.secret.expose(), None).unwrap();
    assert!(verdict.is_valid());
    assert_eq!(verdict.into_result().unwrap().id, live.token.id);
}

#[test]
fn a_refusal_names_the_token_only_when_the_secret_proved_it() {
    let mut h = harness();
    let live = create(&mut h, "live", &["repo:read"], "1d");
    let revoked = create(&mut h, "gone", &["repo:read"], "1d");
    revoke_named(&mut h.session, &["gone".into()], None, None).unwrap();

    // A wrong secret for an id the store holds reads like an unknown id:
    // the caller must not learn which ids exist.
    let wrong = Generator::default()
        .mint(TokenKind::Personal, live.token.id)
        .unwrap();
    let refused = refusal(h.session.verify(wrong.secret.expose(), None));
    assert_eq!(refused, Refusal::bare(Rejection::Unknown));

    let refused = refusal(h.session.verify(revoked.secret.expose(), None));
    assert_eq!(refused.token, Some(revoked.token.id));
    let refused = refusal(
        h.session
            .verify(live.secret.expose(), Some(&"repo:admin".parse().unwrap())),
    );
    assert_eq!(
        (refused.reason, refused.token),
        (Rejection::InsufficientScope, Some(live.token.id))
    );
    assert_eq!(
        refused.to_string(),
        "token rejected: the token lacks the required scope"
    );
}

#[test]
fn unreadable_input_is_a_malformed_refusal_counted_like_any_other() {
    let mut h = harness();
    let refused = h.session.reject_unreadable().unwrap();
    assert_eq!(refused, Refusal::bare(Rejection::Malformed));
    h.session.flush_usage().unwrap();
    let mut details: Vec<serde_json::Value> = Vec::new();
    h.session
        .audit_events(
            &tokctl::ops::AuditQuery {
                action: Some("token.verify".into()),
                ..tokctl::ops::AuditQuery::default()
            },
            |event| {
                details.push(serde_json::from_str(&event.details).unwrap());
                Ok::<(), tokctl::Error>(())
            },
        )
        .unwrap();
    assert_eq!(details.len(), 1, "{details:?}");
    assert_eq!(details[0]["reason"], "malformed");
    assert_eq!(details[0]["count"], 1);
}

/// A session on a store file of its own in `dir`, with `clock`.
fn file_session(
    dir: &std::path::Path,
    clock: &std::sync::Arc<tokctl::clock::FixedClock>,
) -> tokctl::ops::Session {
    let location = tokctl::store::StoreLocation {
        path: dir.join("tokctl.db"),
        create_dirs: false,
    };
    let mut session = tokctl::ops::Session::new(
        tokctl::store::Store::open(&location).unwrap().store,
        clock.clone(),
        Box::new(tokctl::keyring::MemoryKeyring::default()),
        tokctl::keyring::KeyringMode::Off,
        "alice",
    );
    session.bootstrap_if_empty().unwrap();
    session
}

#[test]
fn verifications_read_together_share_one_snapshot_and_the_next_sees_a_revocation() {
    let dir = tempfile::tempdir().unwrap();
    let clock = std::sync::Arc::new(tokctl::clock::FixedClock::new(
        tokctl::duration::parse_time("2026-11-22T10:00:00Z").unwrap(),
    ));
    let mut admin = file_session(dir.path(), &clock);
    let caller = admin
        .create_token(request("gateway", &["tokctl:read"], "30d"))
        .unwrap();
    let token = admin
        .create_token(request("web-ci", &["repo:read"], "30d"))
        .unwrap();
    let mut verifier = admin.sibling().unwrap();
    verifier.hold_usage();

    let answers = verifier.reading_together(|session| {
        let first = session.verify(token.secret.expose(), None);
        // Another connection revokes it meanwhile: this snapshot began
        // before, so the rest of this request still sees it valid...
        revoke_named(&mut admin, &["web-ci".to_owned()], None, None).unwrap();
        let again = session.verify(token.secret.expose(), None);
        let caller = session.verify(caller.secret.expose(), None);
        (first, again, caller)
    });
    verified(answers.0);
    verified(answers.1);
    verified(answers.2);
    // ...and the next one, a new snapshot, refuses it.
    let next = verifier.reading_together(|session| session.verify(token.secret.expose(), None));
    assert_eq!(rejection(next), Rejection::Revoked);

    // The uses counted inside are written like any others.
    verifier.flush_usage().unwrap();
    let shown = admin.show_token("gateway", None).unwrap();
    assert_eq!(shown.use_count, 1);
}

#[test]
fn a_session_that_writes_its_usage_reads_each_time_inside_reading_together() {
    let dir = tempfile::tempdir().unwrap();
    let clock = std::sync::Arc::new(tokctl::clock::FixedClock::new(
        tokctl::duration::parse_time("2026-11-22T10:00:00Z").unwrap(),
    ));
    let mut session = file_session(dir.path(), &clock);
    let token = session
        .create_token(request("web-ci", &["repo:read"], "30d"))
        .unwrap();
    // Not held: a verification may write its usage (here, after the
    // coalescing window), which a shared read would not allow.
    let secret = token.secret.expose().to_owned();
    for _ in 0..3 {
        let verdict = session.reading_together(|session| {
            clock.advance(Duration::minutes(10));
            session.verify(&secret, None)
        });
        verified(verdict);
    }
    session.flush_usage().unwrap();
    let shown = session.show_token("web-ci", None).unwrap();
    assert_eq!(shown.use_count, 3);
}
