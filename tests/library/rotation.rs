//! Rotation chains: which secrets still verify after any sequence of
//! rotations, grace periods and time passing.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use crate::common::session::*;
use chrono::Duration;
use proptest::prelude::*;
use tokctl::clock::Timestamp;
use tokctl::duration::Span;
use tokctl::error::Rejection;
use tokctl::ops::RotateRequest;

fn rotate(h: &mut Harness, grace: Option<&str>) -> String {
    h.session
        .rotate_token(RotateRequest {
            reference: "b".into(),
            grace: grace.map(|g| g.parse::<Span>().unwrap()),
            ..RotateRequest::default()
        })
        .unwrap()
        .secret
        .expose()
        .to_owned()
}

#[test]
fn a_rotation_without_grace_ends_secrets_kept_by_an_earlier_grace() {
    let mut h = harness();
    let s0 = create(&mut h, "b", &["repo:read"], "90d")
        .secret
        .expose()
        .to_owned();
    let s1 = rotate(&mut h, Some("1d"));
    let s2 = rotate(&mut h, None);
    assert_eq!(rejection(h.session.verify(&s0, None)), Rejection::Rotated);
    assert_eq!(rejection(h.session.verify(&s1, None)), Rejection::Rotated);
    let verified = verified(h.session.verify(&s2, None));
    assert_eq!(verified.old_secret_valid_until, None);
    let details = h.session.token_details("b", None, None).unwrap();
    assert!(details.old_secrets.is_empty(), "{:?}", details.old_secrets);
}

#[test]
fn a_second_grace_keeps_only_the_immediately_previous_secret() {
    let mut h = harness();
    let s0 = create(&mut h, "b", &["repo:read"], "90d")
        .secret
        .expose()
        .to_owned();
    let s1 = rotate(&mut h, Some("1d"));
    h.clock.advance(Duration::hours(1));
    let s2 = rotate(&mut h, Some("2d"));
    assert_eq!(rejection(h.session.verify(&s0, None)), Rejection::Rotated);
    let until = verified(h.session.verify(&s1, None)).old_secret_valid_until;
    assert_eq!(until, Some(h.session.now() + Duration::days(2)));
    assert!(h.session.verify(&s2, None).unwrap().is_valid());
    let details = h.session.token_details("b", None, None).unwrap();
    assert_eq!(details.old_secrets.len(), 1);
    assert_eq!(Some(details.old_secrets[0].valid_until), until);
}

/// One step of a generated history.
#[derive(Debug, Clone)]
enum Step {
    /// Rotate, with a grace period of this many hours (0: none).
    Rotate { grace_hours: u32 },
    /// Let this many hours pass.
    Wait { hours: u32 },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0u32..4).prop_map(|g| Step::Rotate {
            grace_hours: g * 12
        }),
        (1u32..30).prop_map(|hours| Step::Wait { hours }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The rule: the current secret verifies; the secret replaced by the
    /// last rotation verifies until that rotation's grace ends; every other
    /// earlier secret is refused as rotated.
    #[test]
    fn exactly_the_secrets_the_rule_allows_verify(steps in prop::collection::vec(step(), 1..12)) {
        let mut h = harness();
        let mut secrets = vec![create(&mut h, "b", &["repo:read"], "1y").secret.expose().to_owned()];
        // Until when the secret before the current one still works, by the rule.
        let mut previous_until: Option<Timestamp> = None;
        for step in steps {
            match step {
                Step::Rotate { grace_hours } => {
                    let grace = (grace_hours > 0).then(|| format!("{grace_hours}h"));
                    let now = h.session.now();
                    secrets.push(rotate(&mut h, grace.as_deref()));
                    previous_until = Some(now + Duration::hours(i64::from(grace_hours)));
                }
                Step::Wait { hours } => h.clock.advance(Duration::hours(i64::from(hours))),
            }
            let now = h.session.now();
            let current = secrets.len() - 1;
            for (index, secret) in secrets.iter().enumerate() {
                let result = h.session.verify(secret, None);
                let allowed_until = if index == current {
                    None
                } else if index + 1 == current {
                    previous_until.filter(|until| *until > now)
                } else {
                    None
                };
                if index == current {
                    prop_assert_eq!(verified(result).old_secret_valid_until, None);
                } else if let Some(until) = allowed_until {
                    prop_assert_eq!(verified(result).old_secret_valid_until, Some(until));
                } else {
                    prop_assert_eq!(rejection(result), Rejection::Rotated);
                }
            }
            let details = h.session.token_details("b", None, None).unwrap();
            let expected: Vec<Timestamp> = previous_until
                .filter(|until| *until > now && current > 0)
                .into_iter()
                .collect();
            let shown: Vec<Timestamp> = details.old_secrets.iter().map(|old| old.valid_until).collect();
            prop_assert_eq!(shown, expected);
        }
    }
}
