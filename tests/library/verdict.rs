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
