//! Editing, deactivating and activating tokens through the library: what an
//! edit may change (narrower scopes, an earlier expiry always, a later one
//! within policy), the deactivated status and its refusal, the quota, and
//! the audit events with before and after.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use crate::common::session::*;
use chrono::Duration;
use tokctl::audit::Event;
use tokctl::error::{Rejection, RequestProblem};
use tokctl::model::TokenStatus;
use tokctl::ops::{AuditQuery, EditRequest, Selection, SkipReason, StatusChoice, Switch};
use tokctl::policy::PolicyChange;
use tokctl::{Error, ErrorKind};

fn edit(
    h: &mut Harness,
    reference: &str,
    change: EditRequest,
) -> Result<tokctl::ops::Edited, Error> {
    h.session.edit_token(EditRequest {
        reference: reference.into(),
        ..change
    })
}

fn switch(
    h: &mut Harness,
    switch: Switch,
    names: &[&str],
) -> Result<tokctl::ops::BulkSwitched, Error> {
    let names: Vec<String> = names.iter().map(|name| (*name).to_owned()).collect();
    let plan = h.session.plan_switch_named(switch, &names, None)?;
    h.session.switch_planned(&plan, Some("looking into it"))
}

fn events(h: &Harness, action: &str) -> Vec<Event> {
    let mut out = Vec::new();
    h.session
        .audit_events(
            &AuditQuery {
                action: Some(action.into()),
                ..AuditQuery::default()
            },
            |event| {
                out.push(event.clone());
                Ok::<(), Error>(())
            },
        )
        .unwrap();
    out
}

fn details(event: &Event) -> serde_json::Value {
    serde_json::from_str(&event.details).unwrap()
}

fn max_lifetime(h: &mut Harness, span: &str) {
    h.session
        .set_org_policy(
            "default",
            &PolicyChange {
                max_lifetime: Some(Some(span.parse().unwrap())),
                ..PolicyChange::default()
            },
        )
        .unwrap();
}

fn request_problem(err: &Error) -> &RequestProblem {
    match err {
        Error::InvalidRequest { reason, .. } => reason,
        other => panic!("expected an invalid request, got {other:?}"),
    }
}

#[test]
fn an_edit_narrows_scopes_and_keeps_the_secret() {
    let mut h = harness();
    let created = create(&mut h, "ci", &["repo:write"], "30d");
    let edited = edit(
        &mut h,
        "ci",
        EditRequest {
            scopes: Some(vec!["repo:read[web]".parse().unwrap()]),
            description: Some(Some("web only".into())),
            ..EditRequest::default()
        },
    )
    .unwrap();
    assert_eq!(edited.changed, ["description", "scopes"]);
    assert_eq!(edited.after.scopes.to_string(), "repo:read[web]");
    // The same secret now verifies with the narrower scopes only.
    let secret = created.secret.expose();
    verified(
        h.session
            .verify(secret, Some(&"repo:read[web]".parse().unwrap())),
    );
    assert_eq!(
        rejection(
            h.session
                .verify(secret, Some(&"repo:write".parse().unwrap()))
        ),
        Rejection::InsufficientScope
    );
    let event = &events(&h, "token.edit")[0];
    assert_eq!(
        details(event)["before"]["scopes"],
        serde_json::json!(["repo:write"])
    );
    assert_eq!(
        details(event)["after"]["scopes"],
        serde_json::json!(["repo:read[web]"])
    );
    assert_eq!(
        details(event)["before"]["description"],
        serde_json::Value::Null
    );
    assert_eq!(details(event)["after"]["description"], "web only");
}

#[test]
fn widening_scopes_is_refused_and_writes_nothing() {
    let mut h = harness();
    create(&mut h, "ci", &["repo:read[web]"], "30d");
    for wider in [
        "repo:write[web]",
        "repo:read",
        "repo:read[web,api]",
        "issues:read",
    ] {
        let err = edit(
            &mut h,
            "ci",
            EditRequest {
                scopes: Some(vec![wider.parse().unwrap()]),
                ..EditRequest::default()
            },
        )
        .unwrap_err();
        assert!(
            matches!(request_problem(&err), RequestProblem::WiderScopes { .. }),
            "{wider}: {err}"
        );
    }
    assert!(events(&h, "token.edit").is_empty());
    assert_eq!(
        h.session.show_token("ci", None).unwrap().scopes.to_string(),
        "repo:read[web]"
    );
}

#[test]
fn an_earlier_expiry_is_always_allowed_and_a_later_one_only_within_policy() {
    let mut h = harness();
    create(&mut h, "ci", &["repo:read"], "30d");
    max_lifetime(&mut h, "20d");
    // The token already breaks the new policy: an earlier expiry still goes through.
    let earlier = edit(
        &mut h,
        "ci",
        EditRequest {
            expiry: Some("10d".parse().unwrap()),
            ..EditRequest::default()
        },
    )
    .unwrap();
    assert_eq!(
        earlier.after.expires_at,
        Some(h.session.now() + Duration::days(10))
    );
    // Later, within the max lifetime counted from when the secret was issued.
    edit(
        &mut h,
        "ci",
        EditRequest {
            expiry: Some("15d".parse().unwrap()),
            ..EditRequest::default()
        },
    )
    .unwrap();
    for beyond in ["25d", "never"] {
        let err = edit(
            &mut h,
            "ci",
            EditRequest {
                expiry: Some(beyond.parse().unwrap()),
                ..EditRequest::default()
            },
        )
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Forbidden, "{beyond}: {err}");
    }
    // Clamped: cut down to the max lifetime.
    let clamped = edit(
        &mut h,
        "ci",
        EditRequest {
            expiry: Some("25d".parse().unwrap()),
            clamp_expiry: true,
            ..EditRequest::default()
        },
    )
    .unwrap();
    assert_eq!(
        clamped.after.expires_at,
        Some(h.session.now() + Duration::days(20))
    );
    assert_eq!(events(&h, "token.edit").len(), 3);
}

#[test]
fn a_revoked_token_is_not_edited_and_an_expired_one_gets_no_new_expiry() {
    let mut h = harness();
    create(&mut h, "gone", &["repo:read"], "30d");
    create(&mut h, "old", &["repo:read"], "1d");
    revoke_named(&mut h.session, &["gone".into()], None, None).unwrap();
    let err = edit(
        &mut h,
        "gone",
        EditRequest {
            description: Some(Some("x".into())),
            ..EditRequest::default()
        },
    )
    .unwrap_err();
    assert_eq!(request_problem(&err), &RequestProblem::TokenEnded);
    h.clock.advance(Duration::days(2));
    let err = edit(
        &mut h,
        "old",
        EditRequest {
            expiry: Some("30d".parse().unwrap()),
            ..EditRequest::default()
        },
    )
    .unwrap_err();
    assert_eq!(request_problem(&err), &RequestProblem::EditExpiredExpiry);
    assert!(events(&h, "token.edit").is_empty());
}

#[test]
fn a_rename_must_not_take_a_live_name() {
    let mut h = harness();
    create(&mut h, "a", &["repo:read"], "30d");
    create(&mut h, "b", &["repo:read"], "30d");
    let err = edit(
        &mut h,
        "a",
        EditRequest {
            name: Some("b".into()),
            ..EditRequest::default()
        },
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    let renamed = edit(
        &mut h,
        "a",
        EditRequest {
            name: Some("c".into()),
            ..EditRequest::default()
        },
    )
    .unwrap();
    assert_eq!(renamed.after.name, "c");
    assert_eq!(details(&events(&h, "token.edit")[0])["after"]["name"], "c");
}

#[test]
fn a_deactivated_token_is_refused_shown_and_counted_until_activated() {
    let mut h = harness();
    let created = create(&mut h, "ci", &["repo:read"], "30d");
    h.session
        .set_org_policy(
            "default",
            &PolicyChange {
                max_tokens: Some(Some(1)),
                ..PolicyChange::default()
            },
        )
        .unwrap();
    let done = switch(&mut h, Switch::Deactivate, &["ci"]).unwrap();
    assert!(done.switched[0].newly);
    let token = h.session.show_token("ci", None).unwrap();
    assert_eq!(token.status(h.session.now()), TokenStatus::Deactivated);
    assert_eq!(token.deactivate_reason.as_deref(), Some("looking into it"));
    assert_eq!(
        rejection(h.session.verify(created.secret.expose(), None)),
        Rejection::Deactivated
    );
    // It still counts against the quota, and still holds its name.
    let err = h
        .session
        .create_token(request("other", &["repo:read"], "1d"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Forbidden);
    // Listed by default and by its own status, not as active.
    let listed = |h: &Harness, status| {
        h.session
            .select_tokens(&Selection {
                status,
                ..Selection::default()
            })
            .unwrap()
            .len()
    };
    assert_eq!(listed(&h, StatusChoice::Current), 1);
    assert_eq!(listed(&h, StatusChoice::Deactivated), 1);
    assert_eq!(listed(&h, StatusChoice::Active), 0);
    // Deactivating again changes nothing and writes no event.
    let again = switch(&mut h, Switch::Deactivate, &["ci"]).unwrap();
    assert!(!again.switched[0].newly);
    assert_eq!(events(&h, "token.deactivate").len(), 1);
    switch(&mut h, Switch::Activate, &["ci"]).unwrap();
    verified(h.session.verify(created.secret.expose(), None));
    assert_eq!(events(&h, "token.activate").len(), 1);
}

#[test]
fn an_expired_or_revoked_token_is_not_activated_and_nothing_is_written() {
    let mut h = harness();
    create(&mut h, "short", &["repo:read"], "1d");
    create(&mut h, "gone", &["repo:read"], "30d");
    switch(&mut h, Switch::Deactivate, &["short", "gone"]).unwrap();
    revoke_named(&mut h.session, &["gone".into()], None, None).unwrap();
    h.clock.advance(Duration::days(2));
    for name in ["short", "gone"] {
        let err = switch(&mut h, Switch::Activate, &[name]).unwrap_err();
        assert_eq!(request_problem(&err), &RequestProblem::TokenEnded, "{name}");
    }
    // Expired wins over deactivated in the status, as revoked does.
    let short = h.session.show_token("short", None).unwrap();
    assert_eq!(short.status(h.session.now()), TokenStatus::Expired);
    assert!(events(&h, "token.activate").is_empty());
}

#[test]
fn a_bulk_deactivate_acts_on_the_plan_and_skips_what_changed() {
    let mut h = harness();
    create(&mut h, "ci-a", &["repo:read"], "30d");
    create(&mut h, "ci-b", &["repo:read"], "30d");
    create(&mut h, "ci-c", &["repo:read"], "2d");
    create(&mut h, "other", &["repo:read"], "30d");
    let selection = Selection {
        name: Some("ci-*".into()),
        ..Selection::default()
    };
    let plan = h
        .session
        .plan_switch(Switch::Deactivate, &selection)
        .unwrap();
    assert_eq!(plan.tokens.len(), 3);
    // Between plan and run: one is deactivated by hand, one expires, and a
    // new matching token appears (not in the plan: left alone).
    switch(&mut h, Switch::Deactivate, &["ci-a"]).unwrap();
    h.clock.advance(Duration::days(3));
    create(&mut h, "ci-new", &["repo:read"], "30d");
    let done = h.session.switch_planned(&plan, None).unwrap();
    let newly: Vec<&str> = done
        .switched
        .iter()
        .filter(|item| item.newly)
        .map(|item| item.token.name.as_str())
        .collect();
    assert_eq!(newly, ["ci-b"]);
    let mut skipped: Vec<(&str, SkipReason)> = done
        .skipped
        .iter()
        .map(|(token, why)| (token.name.as_str(), *why))
        .collect();
    skipped.sort_unstable_by_key(|(name, _)| *name);
    assert_eq!(
        skipped,
        [
            ("ci-a", SkipReason::AlreadyDeactivated),
            ("ci-c", SkipReason::Expired)
        ]
    );
    let new = h.session.show_token("ci-new", None).unwrap();
    assert_eq!(new.status(h.session.now()), TokenStatus::Active);
    // A bulk run needs a filter.
    assert!(h
        .session
        .plan_switch(Switch::Activate, &Selection::default())
        .is_err());
}
