//! Per-token use history: hourly counts written with the coalesced usage,
//! exact across hour boundaries, pruned with the audit retention.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use crate::common::session::*;
use chrono::Duration;
use tokctl::duration::{parse_time, PointInTime};

fn hours(h: &Harness, name: &str) -> Vec<(String, u64)> {
    let since = PointInTime::At(parse_time("2000-01-01T00:00:00Z").unwrap());
    h.session
        .token_details(name, None, Some(since))
        .unwrap()
        .usage
        .unwrap()
        .into_iter()
        .map(|period| {
            (
                period.start.format("%Y-%m-%d %H:%M").to_string(),
                period.uses,
            )
        })
        .collect()
}

#[test]
fn uses_are_recorded_per_token_and_hour() {
    let mut h = harness();
    let a = create(&mut h, "a", &["repo:read"], "90d");
    let b = create(&mut h, "b", &["repo:read"], "90d");
    // 10:00 + 59m: three uses of a in the 10:00 hour, then one in the 11:00
    // hour inside the same coalescing window.
    for _ in 0..3 {
        verified(h.session.verify(a.secret.expose(), None));
    }
    h.clock
        .advance(Duration::minutes(59) + Duration::seconds(30));
    verified(h.session.verify(a.secret.expose(), None));
    h.clock.advance(Duration::seconds(40));
    verified(h.session.verify(a.secret.expose(), None));
    verified(h.session.verify(b.secret.expose(), None));
    h.session.flush_usage().unwrap();
    // A refused verification is not a use.
    let _ = h.session.verify(&b.secret.expose()[..20], None);
    h.clock.advance(Duration::days(2));
    verified(h.session.verify(b.secret.expose(), None));
    h.session.flush_usage().unwrap();

    assert_eq!(
        hours(&h, "a"),
        [
            ("2026-11-22 10:00".into(), 4),
            ("2026-11-22 11:00".into(), 1)
        ]
    );
    assert_eq!(
        hours(&h, "b"),
        [
            ("2026-11-22 11:00".into(), 1),
            ("2026-11-24 11:00".into(), 1)
        ]
    );
    let token = h.session.show_token("a", None).unwrap();
    assert_eq!(token.use_count, 5, "the count on the token agrees");
    let report = h.session.usage_report(None).unwrap();
    let days: Vec<(String, u64)> = report[0]
        .uses_by_day
        .iter()
        .map(|day| (day.day.clone(), day.uses))
        .collect();
    assert_eq!(days, [("2026-11-22".into(), 6), ("2026-11-24".into(), 1)]);
}

#[test]
fn audit_retention_prunes_use_history_too() {
    let mut h = harness();
    let a = create(&mut h, "a", &["repo:read"], "5y");
    verified(h.session.verify(a.secret.expose(), None));
    h.session.flush_usage().unwrap();
    h.clock.advance(Duration::days(400));
    verified(h.session.verify(a.secret.expose(), None));
    h.session.flush_usage().unwrap();
    assert_eq!(hours(&h, "a").len(), 2);
    let plan = h.session.plan_audit_prune("1y".parse().unwrap()).unwrap();
    h.session.prune_audit_planned(&plan).unwrap();
    assert_eq!(hours(&h, "a"), [("2027-12-27 10:00".into(), 1)]);
}
