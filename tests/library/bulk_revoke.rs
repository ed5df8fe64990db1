//! Bulk revoke through the library: one selection means the same tokens as
//! `list`, and what was planned (and confirmed) is exactly what runs.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use crate::common::session::*;
use chrono::Duration;
use tokctl::model::TokenId;
use tokctl::ops::{Selection, SkipReason, StatusChoice};

fn stale() -> Selection {
    Selection {
        stale: Some("1y".parse().unwrap()),
        ..Selection::default()
    }
}

fn ids(tokens: impl IntoIterator<Item = TokenId>) -> Vec<TokenId> {
    let mut ids: Vec<TokenId> = tokens.into_iter().collect();
    ids.sort_by_key(|id| id.key());
    ids
}

#[test]
fn a_stale_revoke_plans_exactly_what_list_shows() {
    let mut h = harness();
    create(&mut h, "lives", &["repo:read"], "5y");
    create(&mut h, "expires", &["repo:read"], "30d");
    h.clock.advance(Duration::days(800));
    let listed = h.session.select_tokens(&stale()).unwrap();
    let plan = h.session.plan_revoke(&stale()).unwrap();
    assert_eq!(
        ids(plan.tokens.iter().map(|t| t.id)),
        ids(listed.iter().map(|t| t.id))
    );
    assert_eq!(plan.tokens.len(), 1, "the expired token is not taken");
    let with_expired = Selection {
        status: StatusChoice::All,
        ..stale()
    };
    assert_eq!(
        h.session.plan_revoke(&with_expired).unwrap().tokens.len(),
        2
    );
}

#[test]
fn a_token_that_changed_after_the_plan_is_skipped_and_a_new_one_is_not_taken() {
    let mut h = harness();
    let used = create(&mut h, "used-later", &["repo:read"], "5y");
    create(&mut h, "idle", &["repo:read"], "5y");
    create(&mut h, "revoked-later", &["repo:read"], "5y");
    h.clock.advance(Duration::days(400));
    let plan = h.session.plan_revoke(&stale()).unwrap();
    assert_eq!(plan.tokens.len(), 3);

    // Between the plan and the run: one is used, one revoked by someone
    // else, and a new stale-looking token appears.
    verified(h.session.verify(used.secret.expose(), None));
    h.session.flush_usage().unwrap();
    revoke_named(&mut h.session, &["revoked-later".into()], None, None).unwrap();
    // A token from long ago that the plan never saw (created with the clock
    // set back, so that it matches the selection now).
    h.clock.advance(-Duration::days(500));
    create(&mut h, "new", &["repo:read"], "5y");
    h.clock.advance(Duration::days(500));
    assert_eq!(h.session.plan_revoke(&stale()).unwrap().tokens.len(), 2);

    let done = h.session.revoke_planned(&plan, None).unwrap();
    let revoked: Vec<&str> = done.revoked.iter().map(|r| r.token.name.as_str()).collect();
    assert_eq!(revoked, ["idle"]);
    let mut skipped: Vec<(&str, SkipReason)> = done
        .skipped
        .iter()
        .map(|(token, why)| (token.name.as_str(), *why))
        .collect();
    skipped.sort_unstable_by_key(|(name, _)| *name);
    assert_eq!(
        skipped,
        [
            ("revoked-later", SkipReason::AlreadyRevoked),
            ("used-later", SkipReason::NoLongerMatches),
        ]
    );
    let new = h.session.show_token("new", None).unwrap();
    assert!(new.revoked_at.is_none(), "a token nobody confirmed stays");
}
